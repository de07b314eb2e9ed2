/* funccount: count how often each function, tracepoint or USDT probe a pattern names is hit.
 *
 * The tool expands the user's pattern into probes (kprobes, tracepoints, uprobes, USDT
 * sites) and numbers them 0..KS_NPROBES-1. KS_PROBE_LIST(X) expands X(i) for each number,
 * so the macro at the end declares one tiny program per probe, probe_<i>, that adds one to
 * slot i of a per-CPU array: no lock, no hash, no user text in the program. The tool reads
 * the slots at each interval and prints the growth since the last read.
 *
 * Configured by the prelude: KS_NPROBES and KS_PROBE_LIST (the probes), TGID (-p: count
 * only this process), CPU (-c: count only on this CPU). */

/* One counter per probe, per CPU: CPUs never contend for a cache line. */
BPF_PERCPU_ARRAY(counts, u64, KS_NPROBES);

static __always_inline int count(u32 slot)
{
#ifdef TGID
    if (bpf_get_current_pid_tgid() >> 32 != TGID)
        return 0;
#endif
#ifdef CPU
    if (bpf_get_smp_processor_id() != CPU)
        return 0;
#endif
    u64 *val = counts.lookup(&slot);
    if (val)
        (*val)++; /* this CPU's own slot: a plain add */
    return 0;
}

/* probe_0, probe_1, ...: each knows its slot by the number in its name. */
#define COUNT_PROBE(i)                                                                         \
    int probe_##i(void *ctx)                                                                   \
    {                                                                                          \
        return count(i);                                                                       \
    }
KS_PROBE_LIST(COUNT_PROBE)
