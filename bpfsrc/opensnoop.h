/* opensnoop.h: the event opensnoop's BPF program sends to user space. Shared by
 * bpfsrc/opensnoop.bpf.c (prepended to it at run time) and tools/opensnoop.c. */
#ifndef OPENSNOOP_H
#define OPENSNOOP_H

#define KS_COMM_LEN 16
#define OPENSNOOP_NAME_LEN 255

struct opensnoop_event {
    __u64 id; /* pid << 32 | tid */
    __u64 ts; /* ns, monotonic */
    __u32 uid;
    __s32 ret; /* fd, or -errno */
    __s32 flags;
    __s32 dfd; /* the directory a relative name is opened in: a descriptor, or AT_FDCWD */
    __u32 pad;
    char comm[KS_COMM_LEN];
    char name[OPENSNOOP_NAME_LEN];
};

#endif
