/* execsnoop.h: the event execsnoop's BPF program sends to user space. Shared by
 * bpfsrc/execsnoop.bpf.c (prepended to it at run time) and tools/execsnoop.c. */
#ifndef EXECSNOOP_H
#define EXECSNOOP_H

#define KS_COMM_LEN 16
#define EXECSNOOP_ARGSIZE 128 /* bytes of each argument shown, as BCC's ARGSIZE */

enum execsnoop_event_type {
    EXECSNOOP_ARG, /* one argument (the path first, then argv[1..]) */
    EXECSNOOP_RET, /* exec() returned: comm, ppid and return value */
};

struct execsnoop_event {
    __u64 attempt; /* which exec() call: the same in its arguments and its return */
    __u64 ts;      /* EXECSNOOP_RET: when it returned (ns, monotonic), for ordering */
    __u32 pid;     /* process id (tgid) */
    __u32 ppid;    /* 0: unknown in the kernel, ask /proc */
    __u32 uid;
    __u32 type; /* enum execsnoop_event_type */
    __s32 retval;
    __u32 pad;
    char comm[KS_COMM_LEN];
    char arg[EXECSNOOP_ARGSIZE + 1]; /* up to ARGSIZE bytes and the terminating NUL */
};

#endif
