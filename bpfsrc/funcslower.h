/* funcslower.h: the event funcslower's BPF program sends for each slow call. Shared by
 * bpfsrc/funcslower.bpf.c and tools/funcslower.c. */
#ifndef FUNCSLOWER_H
#define FUNCSLOWER_H

#define KS_COMM_LEN 16
#define FUNCSLOWER_NARGS 6

struct funcslower_event {
    __u32 fn;  /* which function: the probe's number */
    __u32 tgid;
    __u32 tid;
    __s32 kernel_stack_id; /* -K; else -1 */
    __s32 user_stack_id;   /* -U; else -1 */
    __u32 pad;
    __u64 start_ns; /* entry time (monotonic) */
    __u64 duration_ns;
    __u64 retval;
    __u64 args[FUNCSLOWER_NARGS]; /* the entry arguments (-a) */
    char comm[KS_COMM_LEN];
};

#endif
