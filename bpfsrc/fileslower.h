/* fileslower.h: the event of fileslower's BPF program, read by tools/fileslower.c. */
#ifndef FILESLOWER_H
#define FILESLOWER_H

#define FILESLOWER_COMM_LEN 16
#define FILESLOWER_NAME_LEN 256

struct fileslower_event {
    __u64 delta_us;
    __u64 size; /* bytes asked for */
    __u32 tid;
    __u32 tgid;
    __u32 write; /* 0: read, 1: write */
    __u32 pad;
    char comm[FILESLOWER_COMM_LEN];
    char name[FILESLOWER_NAME_LEN];
};

#endif
