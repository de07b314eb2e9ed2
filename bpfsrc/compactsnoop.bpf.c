/* compactsnoop: memory compaction of one zone (compact_zone()), with the task that did it,
 * how long it took and how it ended.
 *
 * compaction:mm_compaction_begin/end run at the start and end of compact_zone(), in the
 * task compacting: an allocating task (direct compaction), kcompactd, or whoever writes
 * /proc/sys/vm/compact_memory. They carry the zone's first page frame (zone_start), the
 * mode and, at the end, the result. The order the compaction works for is not in them: it
 * comes from compaction:mm_compaction_suitable, the check compact_zone() makes just
 * before it starts (for every order but -1, "the whole zone", which is what
 * compact_memory and proactive compaction ask for). The check is kept per thread and
 * taken by the next begin; user space checks that it was about the same zone.
 *
 * No kprobe fallbacks: compact_zone()'s argument (struct compact_control) is private to
 * mm/ (no header declares it), and the tracepoints exist wherever compaction does (4.1+).
 *
 * Configured by the prelude: PID_FILTER (-p), KERNEL_STACKS (-K), COMPACT_CONTINUE (the
 * value the print fmt names "continue"), and KS_TP_suitable when the check is traced. */

/* enum zone_type: the type of mm_compaction_suitable's idx field (a number; no struct is
 * read). */
#include <linux/mmzone.h>

struct val_t {
    u64 ts;         /* begin */
    u64 zone_start; /* begin */
    s32 order;      /* the check's: -1 when none */
    s32 nid;
    s32 idx;
    s32 sync;
};

/* Per thread: the last suitability check that said "continue", then the running
 * compaction. */
KS_STATE_MAP(start, u64, struct val_t, 10240);

#ifdef KERNEL_STACKS
BPF_STACK_TRACE(stacks, 2048);
#endif

#if defined(KS_TP_suitable)
TRACEPOINT_PROBE(compaction, mm_compaction_suitable)
{
    u64 id = bpf_get_current_pid_tgid();
#ifdef PID_FILTER
    if ((u32)(id >> 32) != PID_FILTER)
        return 0;
#endif
    if (args->ret != COMPACT_CONTINUE) {
        /* a check that stops compaction: forget an older one */
        start.delete(&id);
        return 0;
    }
    struct val_t v = {.order = args->order, .nid = args->nid, .idx = args->idx};
    start.update(&id, &v);
    return 0;
}
#endif

TRACEPOINT_PROBE(compaction, mm_compaction_begin)
{
    u64 id = bpf_get_current_pid_tgid();
#ifdef PID_FILTER
    if ((u32)(id >> 32) != PID_FILTER)
        return 0;
#endif
    struct val_t v = {.order = -1, .nid = -1, .idx = -1};
    struct val_t *check = start.lookup(&id);
    if (check && check->ts == 0) { /* a check, not a compaction that never ended */
        v.order = check->order;
        v.nid = check->nid;
        v.idx = check->idx;
    }
    v.ts = bpf_ktime_get_ns();
    v.zone_start = args->zone_start;
    v.sync = args->sync;
    start.update(&id, &v);
    return 0;
}

TRACEPOINT_PROBE(compaction, mm_compaction_end)
{
    u64 id = bpf_get_current_pid_tgid();
    struct val_t *v = start.lookup(&id);
    if (!v || v->ts == 0)
        return 0; /* filtered out, or began before we attached */
    struct compactsnoop_event ev = {.id = id};
    ev.ts = bpf_ktime_get_ns();
    ev.delta = ev.ts - v->ts;
    ev.zone_start = v->zone_start;
    ev.order = v->order;
    ev.nid = v->nid;
    ev.idx = v->idx;
    ev.sync = v->sync;
    ev.status = args->status;
    ev.kernel_stack_id = -1;
#ifdef KERNEL_STACKS
    ev.kernel_stack_id = stacks.get_stackid(args, 0);
#endif
    bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
    start.delete(&id);
    ks_submit(args, &ev, sizeof(ev));
    return 0;
}
