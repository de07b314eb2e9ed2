/* trace.h: the event trace's BPF program sends. Shared by bpfsrc/trace.bpf.c and
 * tools/trace.c. */
#ifndef TRACE_H
#define TRACE_H

#define TRACE_COMM_LEN 16
#define TRACE_MAX_VALUES 6 /* format arguments per probe */

struct trace_event {
    __u64 ts_ns; /* bpf_ktime_get_ns() */
    __u32 tgid;  /* process */
    __u32 tid;   /* thread */
    __u32 cpu;
    __u32 target; /* which target (a probe on the command line may have several) */
    __s32 kstack; /* -K: kernel stack id (negative: none) */
    __s32 ustack; /* -U: user stack id */
    char comm[TRACE_COMM_LEN];
    __u64 v[TRACE_MAX_VALUES]; /* the integer arguments, in format order */
    /* then TRACE_MAX_VALUES strings of STRING_SIZE (-Z) bytes: the %s arguments */
};

#endif
