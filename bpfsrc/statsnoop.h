/* statsnoop.h: the event statsnoop's BPF program sends per stat-family syscall. */
#ifndef STATSNOOP_H
#define STATSNOOP_H

#define STATSNOOP_NAME_LEN 255 /* BCC's NAME_MAX */

/* BCC's numbering (its sys_names). */
enum statsnoop_call {
    STATSNOOP_STAT = 1,
    STATSNOOP_STATX,
    STATSNOOP_STATFS,
    STATSNOOP_NEWSTAT,
    STATSNOOP_NEWLSTAT,
    STATSNOOP_FSTATAT64,
    STATSNOOP_NEWFSTATAT,
};

struct statsnoop_event {
    __u64 ts; /* ns, monotonic, at return */
    __u32 pid;
    __s32 ret;
    __u32 call; /* enum statsnoop_call */
    __u32 pad;
    char comm[16];
    char name[STATSNOOP_NAME_LEN + 1];
};

#endif
