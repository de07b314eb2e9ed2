/* exitsnoop.h: the event exitsnoop's BPF program sends. Shared by bpfsrc/exitsnoop.bpf.c
 * and tools/exitsnoop.c. */
#ifndef EXITSNOOP_H
#define EXITSNOOP_H

#define KS_COMM_LEN 16

enum {
    EXITSNOOP_CODE_KNOWN = 1,  /* exit_code is the task's own */
    EXITSNOOP_PPID_KNOWN = 2,
    EXITSNOOP_START_KNOWN = 4, /* start_ns is when the task started */
    EXITSNOOP_CORE_KNOWN = 8,  /* exit_code's 0x80 bit (core dumped) can be trusted */
};

struct exitsnoop_event {
    __u64 start_ns; /* monotonic: when the process (thread) started */
    __u64 exit_ns;  /* monotonic: its exit */
    __u32 pid, tid, ppid;
    __s32 exit_code; /* as wait() reports it: code << 8, or the signal (| 0x80: core) */
    __u32 flags;     /* EXITSNOOP_* */
    char comm[KS_COMM_LEN];
};

#endif
