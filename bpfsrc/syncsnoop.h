/* syncsnoop.h: the event syncsnoop's BPF program sends per sync-family syscall. */
#ifndef SYNCSNOOP_H
#define SYNCSNOOP_H

/* BCC's numbering (its sys_names). */
enum syncsnoop_call {
    SYNCSNOOP_SYNC = 1,
    SYNCSNOOP_FSYNC,
    SYNCSNOOP_FDATASYNC,
    SYNCSNOOP_MSYNC,
    SYNCSNOOP_SYNC_FILE_RANGE,
    SYNCSNOOP_SYNCFS,
};

struct syncsnoop_event {
    __u64 ts; /* ns, monotonic, at entry */
    __u32 pid;
    __u32 call; /* enum syncsnoop_call */
    char comm[16];
};

#endif
