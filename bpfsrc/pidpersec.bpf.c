/* pidpersec: new tasks (processes and threads) per second.
 *
 * Every fork and clone passes sched:sched_process_fork once the child exists (its kprobe
 * fallback is BCC's: sched_fork(), early in the same path). The count lives in a per-CPU
 * array: each CPU increments its own copy, no atomic instruction; the tool adds them up
 * once a second and prints the growth.
 *
 * Configured by the prelude: the probe (KS_TP_clone or KS_KP_clone). */

BPF_PERCPU_ARRAY(stats, u64, 1);

static __always_inline int count_fork(void)
{
    int zero = 0;
    u64 *n = stats.lookup(&zero);
    if (n)
        (*n)++;
    return 0;
}

#if defined(KS_TP_clone)
TRACEPOINT_PROBE(sched, sched_process_fork)
{
    return count_fork();
}
#elif defined(KS_KP_clone)
int kp_clone(struct pt_regs *ctx)
{
    return count_fork();
}
#endif
