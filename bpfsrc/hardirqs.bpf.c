/* hardirqs: time spent in hard interrupt handlers (or how many ran), per handler name.
 *
 * A handler runs between irq:irq_handler_entry (the irq number and the handler's name) and
 * irq:irq_handler_exit (its return value). Hard interrupt handlers do not nest on a CPU
 * (they run with interrupts off), so one slot per CPU holds the start: a per-CPU array,
 * no hashing, no locking. Only handlers that say they handled the interrupt count
 * (ret != IRQ_NONE): on a shared line every handler is asked, and the others answer
 * IRQ_NONE, as in BCC.
 *
 * Configured by the prelude: COUNT_ONLY (-C), DIST (-d), FACTOR (ns per histogram unit),
 * CPU_FILTER (-c), NAME_LEN, KS_PROM (--prom: the histograms' sums), and the probes:
 * KS_TP_entry/exit (tracepoints) or KS_KP_entry/exit (kprobe and kretprobe on
 * handle_irq_event() or handle_irq_event_percpu(), which run all the handlers of one
 * interrupt; both take the irq_desc). */

struct irq_key {
    char name[NAME_LEN];
    u64 slot; /* log2 slot with -d; 0 for totals */
};

struct irq_start {
    u64 ts; /* 0: no handler started on this CPU (or it was filtered out) */
    char name[NAME_LEN];
};

BPF_PERCPU_ARRAY(start, struct irq_start, 1);
/* Totals (time in ns, or counts) or histograms; user space reads and clears it. */
BPF_HASH(dist, struct irq_key, u64, 1024);
#if defined(KS_PROM) && defined(DIST)
BPF_HASH(dist_sum, struct irq_key, u64, 1024); /* never cleared: --prom's _sum */
#endif

/* At entry: note the time (1 when only counting) and the name in this CPU's slot. */
static __always_inline struct irq_start *irq_begin(void)
{
#ifdef CPU_FILTER
    if (bpf_get_smp_processor_id() != CPU_FILTER)
        return 0;
#endif
    int zero = 0;
    struct irq_start *s = start.lookup(&zero);
    if (!s)
        return 0;
#ifdef COUNT_ONLY
    s->ts = 1;
#else
    s->ts = bpf_ktime_get_ns();
#endif
    return s;
}

static __always_inline int irq_end(long ret)
{
    int zero = 0;
    struct irq_start *s = start.lookup(&zero);
    if (!s || !s->ts)
        return 0; /* started before we attached, or filtered out */
    if (ret != 0 /* IRQ_NONE */) {
        struct irq_key key = {.slot = 0};
        __builtin_memcpy(key.name, s->name, NAME_LEN);
#ifdef COUNT_ONLY
        dist.increment(key);
#else
        u64 delta = bpf_ktime_get_ns() - s->ts;
#ifdef DIST
        key.slot = bpf_log2l(delta / FACTOR);
        dist.increment(key);
#ifdef KS_PROM
        struct irq_key sk = {.slot = 0};
        __builtin_memcpy(sk.name, s->name, NAME_LEN);
        dist_sum.increment(sk, delta);
#endif
#else
        dist.increment(key, delta); /* an atomic add: every CPU adds to the same entry */
#endif
#endif
    }
    s->ts = 0;
    return 0;
}

#if defined(KS_TP_entry)
TRACEPOINT_PROBE(irq, irq_handler_entry)
{
    struct irq_start *s = irq_begin();
    if (!s)
        return 0;
    /* name is a __data_loc string: its offset in the record is the low 16 bits. */
    unsigned short off = args->data_loc_name & 0xffff;
    __builtin_memset(s->name, 0, NAME_LEN);
    ks_probe_read_kernel_str(s->name, NAME_LEN, (char *)args + off);
    return 0;
}
#elif defined(KS_KP_entry)
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/interrupt.h>
/* irqreturn_t handle_irq_event(struct irq_desc *desc) (or _percpu): the name of the line's
 * first handler, desc->action->name (struct reads: fine on a kprobe path). */
int kp_entry(struct pt_regs *ctx)
{
    struct irq_start *s = irq_begin();
    if (!s)
        return 0;
    struct irq_desc *desc = (struct irq_desc *)PT_REGS_PARM1(ctx);
    struct irqaction *action = 0;
    const char *name = 0;
    ks_probe_read_kernel(&action, sizeof(action), &desc->action);
    if (action)
        ks_probe_read_kernel(&name, sizeof(name), &action->name);
    __builtin_memset(s->name, 0, NAME_LEN);
    if (name)
        ks_probe_read_kernel_str(s->name, NAME_LEN, name);
    return 0;
}
#endif

#if defined(KS_TP_exit)
TRACEPOINT_PROBE(irq, irq_handler_exit)
{
    return irq_end(args->ret);
}
#elif defined(KS_KP_exit)
int kp_exit(struct pt_regs *ctx)
{
    return irq_end((int)PT_REGS_RC(ctx));
}
#endif
