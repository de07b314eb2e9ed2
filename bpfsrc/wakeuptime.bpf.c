/* wakeuptime: time from a thread's sleep to its wakeup, summed per (waker's kernel stack,
 * waker, target).
 *
 * A thread goes to sleep when it leaves the CPU (sched:sched_switch, as prev: the current
 * task, so -p and -u are tested on it and no task struct is read); the time is kept under
 * its thread id. Another thread wakes it (sched:sched_waking, in the waker's context, the
 * target's thread id and name in the event's fields): the time asleep is added to the
 * waker's kernel stack, with both names. Kernel threads (-u leaves them out) are the
 * threads without user memory: a user stack lookup answers -EFAULT for them.
 *
 * Kprobe fallbacks (BCC's method): schedule() for the thread about to sleep (the current
 * task), try_to_wake_up(p) for the waker (the target's id and name read from p).
 *
 * Configured by the prelude: STACK_STORAGE_SIZE, NUM_PID/PID_n (-p), USER_THREADS_ONLY
 * (-u), MIN_BLOCK_US, MAX_BLOCK_US (-m, -M), and the probes KS_TP_/KS_KP_switch and
 * KS_TP_/KS_KP_waking (one group). */

#ifdef KS_USES_KPROBES
#include <linux/sched.h>
#endif

#define COMM_LEN 16

struct key_t {
    char waker[COMM_LEN];
    char target[COMM_LEN];
    int w_k_stack_id;
};
BPF_HASH(counts, struct key_t, u64, 10240);
BPF_STACK_TRACE(stack_traces, STACK_STORAGE_SIZE);
BPF_PERCPU_ARRAY(dropped, u64, 1);
KS_STATE_MAP(start, u32, u64, 65536);

/* As in offcputime.bpf.c (bcc allows no map calls in macros, so each tool has it). */
static __always_inline void count(struct key_t *key, u64 delta)
{
    u64 *total = counts.lookup(key);
    if (!total) {
        u64 zero = 0;
        counts.insert(key, &zero);
        total = counts.lookup(key);
    }
    int zero_key = 0;
    u64 *slot = total ? total : dropped.lookup(&zero_key);
    if (slot)
        lock_xadd(slot, total ? delta : 1);
}

/* The waker is the current task; the target's sleep ends now. */
static __always_inline void woken(void *ctx, u32 target, struct key_t *key)
{
    u64 *tsp = start.lookup(&target);
    if (!tsp)
        return; /* not seen going to sleep, or filtered out */
    u64 delta = (bpf_ktime_get_ns() - *tsp) / 1000;
    start.delete(&target);
    if (!ks_block_time_wanted(delta))
        return;
    bpf_get_current_comm(&key->waker, sizeof(key->waker));
    key->w_k_stack_id = stack_traces.get_stackid(ctx, 0);
    count(key, delta);
}

#if defined(KS_TP_switch)
TRACEPOINT_PROBE(sched, sched_switch)
{
    u32 prev = args->prev_pid;
    if (prev == 0)
        return 0;
#if NUM_PID > 0
    if (!pid_wanted(bpf_get_current_pid_tgid() >> 32))
        return 0;
#endif
#ifdef USER_THREADS_ONLY
    if (stack_traces.get_stackid(args, BPF_F_USER_STACK) == -KS_EFAULT)
        return 0; /* a kernel thread */
#endif
    u64 now = bpf_ktime_get_ns();
    start.update(&prev, &now);
    return 0;
}
#endif

#if defined(KS_TP_waking)
TRACEPOINT_PROBE(sched, sched_waking)
{
    struct key_t key = {};
    ks_probe_read_kernel(&key.target, sizeof(key.target), args->comm);
    woken(args, args->pid, &key);
    return 0;
}
#endif

#if defined(KS_KP_switch)
/* schedule(): the current thread may be about to sleep. */
int kp_switch(struct pt_regs *ctx)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 pid = (u32)id;
#if NUM_PID > 0
    if (!pid_wanted(id >> 32))
        return 0;
#endif
#ifdef USER_THREADS_ONLY
    struct task_struct *t = (struct task_struct *)bpf_get_current_task();
    unsigned int flags = 0;
    ks_probe_read_kernel(&flags, sizeof(flags), &t->flags);
    if (flags & PF_KTHREAD)
        return 0;
#endif
    u64 now = bpf_ktime_get_ns();
    start.update(&pid, &now);
    return 0;
}
#endif

#if defined(KS_KP_waking)
/* try_to_wake_up(struct task_struct *p, ...), in the waker's context. */
int kp_waking(struct pt_regs *ctx)
{
    struct task_struct *p = (struct task_struct *)PT_REGS_PARM1(ctx);
    u32 target = 0;
    ks_probe_read_kernel(&target, sizeof(target), &p->pid);
    struct key_t key = {};
    ks_probe_read_kernel(&key.target, sizeof(key.target), &p->comm);
    woken(ctx, target, &key);
    return 0;
}
#endif
