/* cpudist: how long threads run on a CPU each time they get one (or, with -O, how long
 * they are off it), as a log2 histogram summarised in the kernel.
 *
 * Both ends are one event: the context switch. A thread's on-CPU time starts when it is
 * switched in and ends when it is switched out; its off-CPU time the other way round. At
 * each switch the thread leaving ends (on-CPU) or starts (off-CPU) a span, and the thread
 * coming in starts or ends one.
 *
 * Process ids without task_struct reads: the span is counted (on-CPU) or started
 * (off-CPU) when the thread leaves the CPU. On the tracepoint, sched:sched_switch, the
 * thread leaving is the current task, so its process id is bpf_get_current_pid_tgid()'s,
 * exactly; for off-CPU spans it is kept with the start time until the thread comes back.
 * The kprobe fallback, finish_task_switch(prev), runs in the context of the thread coming
 * in and reads prev's ids from its task_struct (BCC's method).
 *
 * The idle task has thread id 0 on every CPU: its spans are keyed per CPU, and counted
 * only with -I.
 *
 * Configured by the prelude: OFFCPU (-O), MILLISECONDS (-m), PER_PID (-P), PER_TID (-L),
 * NUM_PID and PID_0 (-p), INCLUDE_IDLE (-I), EXTENSION (-e), KS_PROM (--prom: the sum in
 * nanoseconds), and the probe: KS_TP_switch or KS_KP_switch. */

struct start_t {
    u64 ts;
    u32 tgid; /* off-CPU: the process of the thread, seen as it left */
};

/* Thread id, or for the idle task (0 on every CPU) 1 << 32 | CPU. */
KS_STATE_MAP(start, u64, struct start_t, 65536);

static __always_inline u64 start_key(u32 tid)
{
    return tid ? tid : (1ull << 32) | bpf_get_smp_processor_id();
}

static __always_inline int wanted(u32 tid, u32 tgid)
{
#ifndef INCLUDE_IDLE
    if (tid == 0)
        return 0;
#endif
#if NUM_PID > 0
    if (!pid_wanted(tgid))
        return 0;
#endif
    (void)tgid;
    return 1;
}

/* One span into its histogram (kscope.bpf.h, KS_TIME_HIST). */
static __always_inline void count(u32 tid, u32 tgid, u64 delta_ns)
{
    u64 section = 0;
#if defined(PER_PID)
    section = tgid;
#elif defined(PER_TID)
    section = tid;
#endif
    (void)tid;
    (void)tgid;
    ks_time_hist_add(section, delta_ns);
}

/* The span that ends here, if its start was seen. */
static __always_inline int span_end(u32 tid, u64 now, struct start_t *out)
{
    u64 k = start_key(tid);
    struct start_t *s = start.lookup(&k);
    if (!s)
        return 0;
    *out = *s;
    start.delete(&k);
    return now >= out->ts; /* a clock that went back: no span */
}

static __always_inline void span_start(u32 tid, u32 tgid, u64 now)
{
    u64 k = start_key(tid);
    struct start_t s = {.ts = now, .tgid = tgid};
    start.update(&k, &s);
}

/* A switch: prev (tid, tgid known) leaves, next (thread id only) comes in. */
static __always_inline void on_switch(u32 prev, u32 prev_tgid, u32 next)
{
    u64 now = bpf_ktime_get_ns();
    struct start_t s;
#ifdef OFFCPU
    if (wanted(prev, prev_tgid))
        span_start(prev, prev_tgid, now);
    if (span_end(next, now, &s))
        count(next, s.tgid, now - s.ts);
#else
    if (span_end(prev, now, &s) && wanted(prev, prev_tgid))
        count(prev, prev_tgid, now - s.ts);
    span_start(next, 0, now); /* filtered when it leaves, where its process is known */
#endif
}

#if defined(KS_TP_switch)
TRACEPOINT_PROBE(sched, sched_switch)
{
    /* prev is the current task: its process id is the current one. */
    on_switch(args->prev_pid, bpf_get_current_pid_tgid() >> 32, args->next_pid);
    return 0;
}
#endif

#if defined(KS_KP_switch)
#include <linux/sched.h>
/* finish_task_switch(struct task_struct *prev), in the context of the thread switched in. */
int kp_switch(struct pt_regs *ctx)
{
    struct task_struct *p = (struct task_struct *)PT_REGS_PARM1(ctx);
    u32 prev = 0, prev_tgid = 0;
    ks_probe_read_kernel(&prev, sizeof(prev), &p->pid);
    ks_probe_read_kernel(&prev_tgid, sizeof(prev_tgid), &p->tgid);
    on_switch(prev, prev_tgid, (u32)bpf_get_current_pid_tgid());
    return 0;
}
#endif
