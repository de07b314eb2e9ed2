/* compactsnoop.h: the event compactsnoop's BPF program sends. Shared by
 * bpfsrc/compactsnoop.bpf.c and tools/compactsnoop.c. */
#ifndef COMPACTSNOOP_H
#define COMPACTSNOOP_H

#define KS_COMM_LEN 16

struct compactsnoop_event {
    __u64 id;         /* pid << 32 | tid */
    __u64 delta;      /* ns from mm_compaction_begin to mm_compaction_end */
    __u64 ts;         /* ns, monotonic, at the end */
    __u64 zone_start; /* the zone's first page frame: /proc/zoneinfo's start_pfn */
    __s32 order;      /* from the suitability check that let it start; -1: none seen */
    __s32 nid;        /* that check's node and zone index (-1: none) */
    __s32 idx;
    __s32 sync;   /* 1: a synchronous compaction (MIGRATE_SYNC_LIGHT or SYNC) */
    __s32 status; /* enum compact_result (names from the print fmt) */
    __s32 kernel_stack_id; /* -K */
    char comm[KS_COMM_LEN];
};

#endif
