/* fsslower.h: the event of the *slower tools' BPF program (bpfsrc/fsslower.bpf.c), read by
 * common/ks_fsslower.c. */
#ifndef FSSLOWER_H
#define FSSLOWER_H

#define FSSLOWER_COMM_LEN 16
#define FSSLOWER_NAME_LEN 256

struct fsslower_event {
    __u64 ts_us;    /* when the operation ended (monotonic clock), microseconds */
    __u64 offset;   /* file offset at entry (reads and writes), bytes */
    __u64 delta_us; /* the operation's latency */
    __s64 ret;      /* its return value: bytes, or 0, or -errno */
    __u32 pid;
    __u32 type; /* 'R', 'W', 'O', 'S' (nfs: 'G' getattr) */
    char comm[FSSLOWER_COMM_LEN];
    char file[FSSLOWER_NAME_LEN]; /* the file's name (the last path component) */
};

#endif
