/* runqlat: run-queue (scheduler) latency as a log2 histogram, summarised in the kernel.
 *
 * The time a thread waits, runnable, for its turn on a CPU: from its wakeup (or its
 * creation, or being preempted while still runnable) to the context switch that runs it.
 * The probes and the bookkeeping are kscope.bpf.h's (KS_RUNQ), and so is the histogram
 * (KS_TIME_HIST); this program only says which histogram each latency goes to. User space
 * reads the histograms once per interval.
 *
 * Configured by the prelude: MILLISECONDS (-m), PER_PID (-P, process ids), PER_TID (-L),
 * PER_PIDNS (--pidnss), NUM_PID and PID_0 (-p), RUNQ_BY_PROCESS (the process id is needed:
 * -p, -P, --pidnss), KS_PROM (--prom: also add up the latencies in nanoseconds),
 * REPORT_STATE_MASK, and the probe choices for wakeup, wakeup_new and switch. */

#ifdef PER_PIDNS
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>

/* The PID namespace the current task's pid lives in (task_active_pid_ns):
 * pid->numbers[pid->level].ns, its ns.inum as /proc/PID/ns/pid shows it. Struct reads: the
 * runtime allows --pidnss on the kprobe path or with the running kernel's own headers.
 * task->pids[] became task->thread_pid in 4.19. */
static __always_inline u64 current_pidns(void)
{
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    struct pid *pid = NULL;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 19, 0)
    ks_probe_read_kernel(&pid, sizeof(pid), &t->thread_pid);
#else
    ks_probe_read_kernel(&pid, sizeof(pid), &t->pids[PIDTYPE_PID].pid);
#endif
    if (!pid)
        return 0;
    unsigned int level = 0;
    ks_probe_read_kernel(&level, sizeof(level), &pid->level);
    struct upid up = {};
    ks_probe_read_kernel(&up, sizeof(up), &pid->numbers[level]);
    unsigned int inum = 0;
    if (up.ns)
        ks_probe_read_kernel(&inum, sizeof(inum), &up.ns->ns.inum);
    return inum;
}
#endif

/* One latency (kscope.bpf.h calls it; with --pidnss in the waiting thread's context). */
static __always_inline void runq_done(void *ctx, struct runq_ev *e)
{
    u64 section = 0;
#if defined(PER_PID)
    section = e->tgid;
#elif defined(PER_TID)
    section = e->tid;
#elif defined(PER_PIDNS)
    section = current_pidns();
#endif
    ks_time_hist_add(section, e->delta_ns);
    (void)ctx;
}
