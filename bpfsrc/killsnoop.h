/* killsnoop.h: the event killsnoop's BPF program sends. Shared by bpfsrc/killsnoop.bpf.c
 * and tools/killsnoop.c. */
#ifndef KILLSNOOP_H
#define KILLSNOOP_H

#define KS_COMM_LEN 16

enum killsnoop_call { KILLSNOOP_KILL, KILLSNOOP_TKILL, KILLSNOOP_TGKILL };

struct killsnoop_event {
    __u32 pid;  /* the sender's process */
    __u32 tid;  /* and thread */
    __s32 tpid; /* the target: kill's pid, tkill's tid, tgkill's tgid */
    __s32 ttid; /* tgkill's tid (0 otherwise) */
    __s32 sig;
    __s32 ret;
    __u32 call; /* enum killsnoop_call */
    char comm[KS_COMM_LEN];
};

#endif
