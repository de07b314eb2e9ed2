/* drsnoop.h: the event drsnoop's BPF program sends. Shared by bpfsrc/drsnoop.bpf.c and
 * tools/drsnoop.c. */
#ifndef DRSNOOP_H
#define DRSNOOP_H

#define KS_COMM_LEN 16
#define DRSNOOP_FREE_UNKNOWN (~0ull)

struct drsnoop_event {
    __u64 id;    /* pid << 32 | tid */
    __u64 delta; /* ns from the start of the reclaim to its end */
    __u64 ts;    /* ns, monotonic, at the end */
    __u64 nr_reclaimed;
    __u64 free_pages; /* -v: free pages at the start (vm_zone_stat[NR_FREE_PAGES]), or */
                      /* DRSNOOP_FREE_UNKNOWN (no -v, or the address is not known yet) */
    __u32 uid;
    __u32 memcg;      /* 1: a cgroup's limit reclaim (--memcg) */
    char comm[KS_COMM_LEN];
};

#endif
