/* solisten.h: the event solisten's BPF program sends. Shared by bpfsrc/solisten.bpf.c
 * (prepended to it at run time) and tools/solisten.c. */
#ifndef SOLISTEN_H
#define SOLISTEN_H

#define SOLISTEN_COMM_LEN 16
#define SOLISTEN_NO_BACKLOG (-2147483647 - 1) /* the listen() argument was not seen */

struct solisten_event {
    struct ks_inet_tuple t; /* the local end: saddr, sport (bpfsrc/ks_inet.h) */
    __u64 id;               /* pid << 32 | tid */
    __u32 netns;            /* network namespace inode; 0: not read here (the tool asks /proc) */
    __s32 backlog;          /* SOLISTEN_NO_BACKLOG when unknown */
    char comm[SOLISTEN_COMM_LEN];
};

#endif
