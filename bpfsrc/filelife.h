/* filelife.h: the event filelife's BPF program sends (bpfsrc/filelife.bpf.c) and
 * tools/filelife.c reads. */
#ifndef FILELIFE_H
#define FILELIFE_H

#define FILELIFE_COMM_LEN 16
#define FILELIFE_NAME_LEN 256

struct filelife_event {
    __u64 age_ns; /* from creation to deletion */
    __u32 pid;
    __u32 pad;
    char comm[FILELIFE_COMM_LEN];
    char name[FILELIFE_NAME_LEN]; /* the file's name (the last path component) */
};

#endif
