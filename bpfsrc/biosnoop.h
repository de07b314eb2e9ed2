/* biosnoop.h: the event biosnoop's BPF program sends per completed block I/O request.
 * Shared by bpfsrc/biosnoop.bpf.c (prepended to it at run time) and tools/biosnoop.c. */
#ifndef BIOSNOOP_H
#define BIOSNOOP_H

enum biosnoop_pattern { BIOSNOOP_UNKNOWN, BIOSNOOP_SEQUENTIAL, BIOSNOOP_RANDOM };

struct biosnoop_event {
    __u64 ts_submit; /* ns, monotonic: submitted (= ts_issue when not seen) */
    __u64 ts_issue;  /* sent to the driver */
    __u64 ts_done;   /* completed */
    __u64 sector;
    __u64 bytes;
    __u32 dev; /* major << 20 | minor */
    __u32 write;
    __u32 pid;     /* the submitter's process id; 0: not known */
    __u32 pattern; /* -P: enum biosnoop_pattern */
    char comm[16]; /* the submitter's; "?" when not known */
};

#endif
