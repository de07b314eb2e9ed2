/* mdflush.h: the event of mdflush's BPF program, read by tools/mdflush.c. */
#ifndef MDFLUSH_H
#define MDFLUSH_H

#define MDFLUSH_COMM_LEN 16
#define MDFLUSH_DISK_LEN 32 /* DISK_NAME_LEN */

struct mdflush_event {
    __u32 pid;
    char comm[MDFLUSH_COMM_LEN];
    char disk[MDFLUSH_DISK_LEN];
};

#endif
