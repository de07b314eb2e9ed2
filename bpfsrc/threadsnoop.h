/* threadsnoop.h: the event threadsnoop's BPF program sends, shared by
 * bpfsrc/threadsnoop.bpf.c (prepended to it at run time) and tools/threadsnoop.c. */
#ifndef THREADSNOOP_H
#define THREADSNOOP_H

struct threadsnoop_event {
    __u64 ts;    /* ns, monotonic */
    __u64 start; /* the new thread's start routine (pthread_create's third argument) */
    __u32 pid;   /* the creating process */
    __u32 pad;
    char comm[16];
};

#endif
