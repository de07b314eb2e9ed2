/* runqlen: scheduler run-queue length, sampled per CPU, as a linear histogram.
 *
 * BCC reads the length from the kernel's run queue (current->se.cfs_rq->nr_running, through
 * a partial struct cfs_rq declared by hand). Here the length is kept from the scheduler's
 * tracepoints instead, so that no private kernel struct is read:
 *
 *   queued_on  thread -> the CPU whose run queue holds it (running or waiting)
 *   nr_queued  CPU -> how many threads queued_on names for it
 *
 *   sched_wakeup, sched_wakeup_new   the thread is queued on target_cpu
 *   sched_switch                     next runs here (so it is queued here); prev stays
 *                                    queued here if still runnable (prev_state without the
 *                                    preempted bit is 0), else it has left the queue
 *   sched_migrate_task               a queued thread moves to dest_cpu
 *
 * A perf event per CPU (cpu-clock, 99 times a second) samples the CPU's count less the
 * thread running there: the threads waiting, BCC's "nr_running - 1". Threads that were
 * waiting before the tool started are counted from the first time they run (a warm-up of
 * one scheduling round), and the idle task is never queued.
 *
 * Configured by the prelude: PER_CPU (-C, a histogram per CPU), REPORT_STATE_MASK, and the
 * probes (perf event KS_PE_sample; tracepoints wakeup, wakeup_new, switch, migrate). */

#include <uapi/linux/bpf_perf_event.h>

#define MAX_CPUS 4096
#define MAX_LEN 64 /* the histogram's last slot: 64 and more */

struct hist_key {
    u64 cpu; /* -C: the CPU; else 0 */
    u64 slot;
};
BPF_HISTOGRAM(dist, struct hist_key, 4096);

BPF_HASH(queued_on, u32, u32, 65536);
BPF_ARRAY(nr_queued, s64, MAX_CPUS);
/* Threads not followed because queued_on was full (each would be missing from a count). */
BPF_ARRAY(untracked, u64, 1);

static __always_inline void add(u32 cpu, s64 n)
{
    s64 *c = nr_queued.lookup(&cpu);
    if (c)
        lock_xadd(c, n);
}

/* tid is queued on cpu (it may have been on another one, or already there). */
static __always_inline void queue_on(u32 tid, u32 cpu)
{
    if (tid == 0 || cpu >= MAX_CPUS)
        return;
    u32 *was = queued_on.lookup(&tid);
    if (was) {
        u32 old = *was;
        if (old == cpu)
            return;
        *was = cpu;
        add(old, -1);
        add(cpu, 1);
        return;
    }
    int err = queued_on.insert(&tid, &cpu); /* only if still absent */
    if (err == 0) {
        add(cpu, 1);
    } else if (err != -17) { /* not EEXIST (another CPU just inserted it): the map is full */
        int zero = 0;
        u64 *u = untracked.lookup(&zero);
        if (u)
            lock_xadd(u, 1);
    }
}

static __always_inline void dequeue(u32 tid)
{
    u32 *was = queued_on.lookup(&tid);
    if (!was)
        return;
    add(*was, -1);
    queued_on.delete(&tid);
}

#if defined(KS_TP_wakeup)
TRACEPOINT_PROBE(sched, sched_wakeup)
{
    queue_on(args->pid, args->target_cpu);
    return 0;
}
#endif

#if defined(KS_TP_wakeup_new)
TRACEPOINT_PROBE(sched, sched_wakeup_new)
{
    queue_on(args->pid, args->target_cpu);
    return 0;
}
#endif

#if defined(KS_TP_switch)
TRACEPOINT_PROBE(sched, sched_switch)
{
    u32 cpu = bpf_get_smp_processor_id();
    if ((args->prev_state & REPORT_STATE_MASK) == 0)
        queue_on(args->prev_pid, cpu); /* preempted: still queued here */
    else
        dequeue(args->prev_pid); /* asleep, stopped or dead */
    queue_on(args->next_pid, cpu);
    return 0;
}
#endif

#if defined(KS_TP_migrate)
TRACEPOINT_PROBE(sched, sched_migrate_task)
{
    u32 tid = args->pid;
    if (queued_on.lookup(&tid)) /* a sleeping thread moved: its wakeup will say where */
        queue_on(tid, args->dest_cpu);
    return 0;
}
#endif

#if defined(KS_PE_sample)
int pe_sample(struct bpf_perf_event_data *ctx)
{
    u32 cpu = bpf_get_smp_processor_id();
    s64 *c = nr_queued.lookup(&cpu);
    if (!c)
        return 0;
    s64 len = *c;
    /* The running thread is not waiting (unless it is the idle task, never queued). */
    u32 tid = (u32)bpf_get_current_pid_tgid();
    u32 *on = NULL;
    if (tid)
        on = queued_on.lookup(&tid);
    if (on && *on == cpu)
        len--;
    if (len < 0)
        len = 0;
    if (len > MAX_LEN)
        len = MAX_LEN;
    struct hist_key key = {};
#ifdef PER_CPU
    key.cpu = cpu;
#endif
    key.slot = len;
    dist.increment(key);
    return 0;
}
#endif
