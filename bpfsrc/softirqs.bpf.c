/* softirqs: time spent in soft interrupt handlers (or how many ran), per vector.
 *
 * A softirq vector's handler runs between irq:softirq_entry and irq:softirq_exit, both
 * carrying the vector number (0 hi, 1 timer, ... 9 rcu; the tool names them). Softirqs do
 * not nest on a CPU, so one slot per CPU holds the start: a per-CPU array. Counting (-C)
 * needs the entry only.
 *
 * Without the tracepoints (--probe=kprobe) each vector's action function gets a kprobe
 * and a kretprobe (run_timer_softirq for the timer vector, net_rx_action for net_rx...):
 * the program attached to a function knows its vector, as a constant.
 *
 * Configured by the prelude: COUNT_ONLY (-C), DIST (-d), FACTOR (ns per histogram unit),
 * CPU_FILTER (-c), KS_PROM (--prom: the histograms' sums), and the probes: KS_TP_entry/exit
 * or KS_KP_<vector>_entry/exit. */

struct irq_key {
    u32 vec;
    u32 pad;
    u64 slot; /* log2 slot with -d; 0 for totals */
};

struct irq_start {
    u64 ts; /* 0: nothing started on this CPU (or it was filtered out) */
    u32 vec;
};

BPF_PERCPU_ARRAY(start, struct irq_start, 1);
/* Totals (time in ns, or counts) or histograms; user space reads and clears it. */
BPF_HASH(dist, struct irq_key, u64, 64);
#if defined(KS_PROM) && defined(DIST)
BPF_HASH(dist_sum, struct irq_key, u64, 64); /* never cleared: --prom's _sum */
#endif

static __always_inline int softirq_begin(u32 vec)
{
#ifdef CPU_FILTER
    if (bpf_get_smp_processor_id() != CPU_FILTER)
        return 0;
#endif
#ifdef COUNT_ONLY
    struct irq_key key = {.vec = vec};
    dist.increment(key);
#else
    int zero = 0;
    struct irq_start *s = start.lookup(&zero);
    if (s) {
        s->ts = bpf_ktime_get_ns();
        s->vec = vec;
    }
#endif
    return 0;
}

static __always_inline int softirq_end(void)
{
#ifndef COUNT_ONLY
    int zero = 0;
    struct irq_start *s = start.lookup(&zero);
    if (!s || !s->ts)
        return 0; /* started before we attached, or filtered out */
    u64 delta = bpf_ktime_get_ns() - s->ts;
    struct irq_key key = {.vec = s->vec};
#ifdef DIST
    key.slot = bpf_log2l(delta / FACTOR);
    dist.increment(key);
#ifdef KS_PROM
    struct irq_key sk = {.vec = s->vec};
    dist_sum.increment(sk, delta);
#endif
#else
    dist.increment(key, delta); /* an atomic add: every CPU adds to the same entry */
#endif
    s->ts = 0;
#endif
    return 0;
}

#ifdef KS_TP_entry
TRACEPOINT_PROBE(irq, softirq_entry)
{
    return softirq_begin(args->vec);
}
#endif
#ifdef KS_TP_exit
TRACEPOINT_PROBE(irq, softirq_exit)
{
    return softirq_end();
}
#endif

/* ---- kprobes: one action function per vector (kernel/softirq.c's open_softirq()) ---- */
#define VEC_ENTRY(name, vec)                                                                  \
    int kp_##name##_entry(struct pt_regs *ctx) { return softirq_begin(vec); }
#define VEC_EXIT(name)                                                                        \
    int kp_##name##_exit(struct pt_regs *ctx) { return softirq_end(); }

#ifdef KS_KP_hi_entry
VEC_ENTRY(hi, 0)
#endif
#ifdef KS_KP_hi_exit
VEC_EXIT(hi)
#endif
#ifdef KS_KP_timer_entry
VEC_ENTRY(timer, 1)
#endif
#ifdef KS_KP_timer_exit
VEC_EXIT(timer)
#endif
#ifdef KS_KP_net_tx_entry
VEC_ENTRY(net_tx, 2)
#endif
#ifdef KS_KP_net_tx_exit
VEC_EXIT(net_tx)
#endif
#ifdef KS_KP_net_rx_entry
VEC_ENTRY(net_rx, 3)
#endif
#ifdef KS_KP_net_rx_exit
VEC_EXIT(net_rx)
#endif
#ifdef KS_KP_block_entry
VEC_ENTRY(block, 4)
#endif
#ifdef KS_KP_block_exit
VEC_EXIT(block)
#endif
#ifdef KS_KP_irq_poll_entry
VEC_ENTRY(irq_poll, 5)
#endif
#ifdef KS_KP_irq_poll_exit
VEC_EXIT(irq_poll)
#endif
#ifdef KS_KP_tasklet_entry
VEC_ENTRY(tasklet, 6)
#endif
#ifdef KS_KP_tasklet_exit
VEC_EXIT(tasklet)
#endif
#ifdef KS_KP_sched_entry
VEC_ENTRY(sched, 7)
#endif
#ifdef KS_KP_sched_exit
VEC_EXIT(sched)
#endif
#ifdef KS_KP_hrtimer_entry
VEC_ENTRY(hrtimer, 8)
#endif
#ifdef KS_KP_hrtimer_exit
VEC_EXIT(hrtimer)
#endif
#ifdef KS_KP_rcu_entry
VEC_ENTRY(rcu, 9)
#endif
#ifdef KS_KP_rcu_exit
VEC_EXIT(rcu)
#endif
