/* funclatency: time functions from entry to return, as a log2 histogram.
 *
 * The tool expands the pattern into an entry probe (probe_<i>) and a return probe
 * (retprobe_<i>) per function (KS_PROBE_LIST(X) calls X(i) for each). Each thread keeps
 * a stack of entry times, one slot per nesting level: a function that calls itself, or
 * another traced function, gets a new level, and each return pops its own level, so
 * nested and recursive calls are each timed from their own entry (BCC's single start
 * time per thread is overwritten by the inner call). Levels beyond MAX_LEVEL (-l) are
 * counted in depth but not timed.
 *
 * Configured by the prelude: KS_NPROBES, KS_PROBE_LIST, TGID (-p), FACTOR (ns per unit:
 * 1, 1000 for -u, 1000000 for -m), MAX_LEVEL, SECTION_FN (one histogram per function:
 * -F, or user functions without -p, as BCC), SECTION_PID (and per process). */

struct hist_key {
    u32 fn;  /* the probe's number, with SECTION_FN */
    u32 pid; /* the process, with SECTION_PID */
    u64 slot;
};
BPF_HISTOGRAM(dist, struct hist_key, 10240);

/* Sum of latencies (ns) and count, for the "avg = ..." line: per CPU, no locks. */
BPF_PERCPU_ARRAY(avg, u64, 2);

struct start_key {
    u32 tid;
    u32 level;
};
/* Entry times per (thread, level); each thread's level is kscope.bpf.h's (KS_NEST_LEVELS).
 * LRU where the kernel has it (4.10+): threads that exit inside a traced function leave
 * entries behind. */
KS_STATE_MAP(start, struct start_key, u64, 10240);

static __always_inline int on_entry(void)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = (u32)id;
#ifdef TGID
    if (id >> 32 != TGID)
        return 0;
#endif
    u32 level = ks_level_push(tid);
    if (level < MAX_LEVEL) {
        struct start_key k = {.tid = tid, .level = level};
        u64 ts = bpf_ktime_get_ns();
        start.update(&k, &ts);
    }
    return 0;
}

static __always_inline int on_return(u32 fn)
{
    u64 now = bpf_ktime_get_ns();
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = (u32)id;
    u32 level;
    if (!ks_level_pop(tid, &level))
        return 0; /* entered before the probes were attached */
    if (level >= MAX_LEVEL)
        return 0;
    struct start_key k = {.tid = tid, .level = level};
    u64 *tsp = start.lookup(&k);
    if (!tsp)
        return 0;
    u64 delta = now - *tsp;
    start.delete(&k);

    u32 idx = 0;
    u64 *sum = avg.lookup(&idx);
    if (sum)
        *sum += delta;
    idx = 1;
    u64 *cnt = avg.lookup(&idx);
    if (cnt)
        *cnt += 1;

    struct hist_key hk = {};
#ifdef SECTION_FN
    hk.fn = fn;
#endif
#ifdef SECTION_PID
    hk.pid = id >> 32;
#endif
    hk.slot = bpf_log2l(delta / FACTOR);
    dist.increment(hk);
    return 0;
}

#define ENTRY_PROBE(i)                                                                         \
    int probe_##i(struct pt_regs *ctx)                                                         \
    {                                                                                          \
        return on_entry();                                                                     \
    }                                                                                          \
    int retprobe_##i(struct pt_regs *ctx)                                                      \
    {                                                                                          \
        return on_return(i);                                                                   \
    }
KS_PROBE_LIST(ENTRY_PROBE)
