/* dcsnoop.h: the event of dcsnoop's BPF program, read by tools/dcsnoop.c. */
#ifndef DCSNOOP_H
#define DCSNOOP_H

#define DCSNOOP_COMM_LEN 16
#define DCSNOOP_NAME_LEN 128

struct dcsnoop_event {
    __u32 pid;
    __u32 type; /* 0: miss (d_lookup found nothing), 1: reference (lookup_fast, -a) */
    char comm[DCSNOOP_COMM_LEN];
    char name[DCSNOOP_NAME_LEN]; /* the path component looked up */
};

#endif
