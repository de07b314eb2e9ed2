/* offwaketime: blocked time summed per (blocked thread's stack, waker's stack).
 *
 * offcputime says where threads waited; this adds who woke them, and from where. Three
 * moments of a blocked thread (the "target"):
 *   1. it leaves the CPU (sched:sched_switch, as prev, in its own context): its stacks,
 *      its process id and the time are kept under its thread id, if it passes the
 *      filters (-p on the current task's process id, -t, -u/-k by its user memory);
 *   2. another thread wakes it (sched:sched_waking fires in the waker's context: the
 *      waker is the current task, the target is args->pid): the waker's name, ids and
 *      stacks are kept under the target's thread id, if the target is being tracked;
 *   3. it comes back on a CPU (sched_switch, as next): the time off-CPU is added to the
 *      (target, waker) pair in the counts table.
 * sched_waking (4.3+) is used and not sched_wakeup, which can fire on the target's CPU in
 * another task's context.
 *
 * Kprobe fallbacks (BCC's method): finish_task_switch(prev) in the context of the thread
 * switched in (prev's ids and state read from its task_struct) and try_to_wake_up(p) in
 * the waker's context. The stacks of the target are then taken at step 3, in its context.
 *
 * Configured by the prelude as offcputime.bpf.c (STACK_STORAGE_SIZE, KERNEL_STACKS,
 * USER_STACKS, NUM_PID/PID_n, NUM_TID/TID_n, USER_THREADS_ONLY, KERNEL_THREADS_ONLY,
 * MIN_BLOCK_US, MAX_BLOCK_US, STATE_FILTER/STATE_VALUE/REPORT_STATE_MASK), and the probes
 * KS_TP_/KS_KP_switch and KS_TP_/KS_KP_waking (one group: both tracepoints or both
 * kprobes). */

#define COMM_LEN 16

struct key_t {
    char waker[COMM_LEN];
    char target[COMM_LEN];
    int w_k_stack_id;
    int w_u_stack_id;
    int t_k_stack_id;
    int t_u_stack_id;
    u32 t_pid;
    u32 t_tgid;
    u32 w_pid;
    u32 w_tgid;
};
BPF_HASH(counts, struct key_t, u64, 10240);
BPF_STACK_TRACE(stack_traces, STACK_STORAGE_SIZE);
BPF_PERCPU_ARRAY(dropped, u64, 1);

/* Who woke a target: kept from the wakeup to the target's switch-in. */
struct wokeby_t {
    char name[COMM_LEN];
    int k_stack_id;
    int u_stack_id;
    u32 w_pid;
    u32 w_tgid;
};
KS_STATE_MAP(wokeby, u32, struct wokeby_t, 65536);

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

/* The waker is the current task, in both the tracepoint and the kprobe. */
static __always_inline void note_waker(void *ctx, u32 target)
{
    struct wokeby_t w = {};
    u64 id = bpf_get_current_pid_tgid();
    w.w_pid = (u32)id;
    w.w_tgid = id >> 32;
    bpf_get_current_comm(&w.name, sizeof(w.name));
#ifdef KERNEL_STACKS
    w.k_stack_id = stack_traces.get_stackid(ctx, 0);
#else
    w.k_stack_id = -1;
#endif
#ifdef USER_STACKS
    w.u_stack_id = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);
#else
    w.u_stack_id = -1;
#endif
    wokeby.update(&target, &w);
#ifdef KS_NOTE_PIDS
    ks_note_pid(ctx, w.w_tgid);
#endif
}

/* Complete the key with the waker (if one was seen) and add the time. */
static __always_inline void finish(void *ctx, struct key_t *key, u32 tid, u64 delta)
{
    struct wokeby_t *w = wokeby.lookup(&tid);
    if (w) {
        key->w_k_stack_id = w->k_stack_id;
        key->w_u_stack_id = w->u_stack_id;
        key->w_pid = w->w_pid;
        key->w_tgid = w->w_tgid;
        __builtin_memcpy(key->waker, w->name, sizeof(key->waker));
        wokeby.delete(&tid);
    }
    if (ks_block_time_wanted(delta))
        count(key, delta);
#ifdef KS_NOTE_PIDS
    ks_note_pid(ctx, key->t_tgid);
#endif
}

#if defined(KS_TP_switch)
struct start_t {
    u64 ts;
    u32 tgid;
    int user_stack_id;
    int kernel_stack_id;
    char name[COMM_LEN];
};
KS_STATE_MAP(start, u32, struct start_t, 65536);

TRACEPOINT_PROBE(sched, sched_switch)
{
    u64 now = bpf_ktime_get_ns();
    /* 1. prev leaves the CPU (the current task): the same filters as offcputime's. */
    u32 prev = args->prev_pid;
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    int wanted = ks_offcpu_wanted(prev, tgid, KS_TP_PREV_STATE(args));
    if (wanted) {
        struct start_t s = {};
        s.ts = now;
        s.tgid = tgid;
        bpf_get_current_comm(&s.name, sizeof(s.name));
#if defined(USER_STACKS) || defined(USER_THREADS_ONLY) || defined(KERNEL_THREADS_ONLY)
        s.user_stack_id = stack_traces.get_stackid(args, BPF_F_USER_STACK);
#else
        s.user_stack_id = -1;
#endif
#if defined(USER_THREADS_ONLY)
        wanted = s.user_stack_id != -KS_EFAULT;
#elif defined(KERNEL_THREADS_ONLY)
        wanted = s.user_stack_id == -KS_EFAULT;
#endif
#ifndef USER_STACKS
        s.user_stack_id = -1;
#endif
#ifdef KERNEL_STACKS
        s.kernel_stack_id = stack_traces.get_stackid(args, 0);
#else
        s.kernel_stack_id = -1;
#endif
        if (wanted)
            start.update(&prev, &s);
    }

    /* 3. next comes back. */
    u32 next = args->next_pid;
    struct start_t *s = start.lookup(&next);
    if (!s)
        return 0;
    struct key_t key = {};
    key.t_pid = next;
    key.t_tgid = s->tgid;
    key.t_k_stack_id = s->kernel_stack_id;
    key.t_u_stack_id = s->user_stack_id;
    key.w_k_stack_id = -KS_EFAULT; /* no waker seen (yet): no stacks, none lost */
    key.w_u_stack_id = -KS_EFAULT;
    __builtin_memcpy(key.target, s->name, sizeof(key.target));
    u64 delta = (now - s->ts) / 1000;
    start.delete(&next);
    finish(args, &key, next, delta);
    return 0;
}
#endif

#if defined(KS_TP_waking)
/* 2. Someone wakes a tracked target. */
TRACEPOINT_PROBE(sched, sched_waking)
{
    u32 target = args->pid;
    if (!start.lookup(&target))
        return 0;
    note_waker(args, target);
    return 0;
}
#endif

#if defined(KS_KP_switch)
KS_STATE_MAP(start, u32, u64, 65536);

int kp_switch(struct pt_regs *ctx)
{
    struct task_struct *p = (struct task_struct *)PT_REGS_PARM1(ctx);
    u64 now = bpf_ktime_get_ns();
    u32 pid;
    int wanted = ks_task_offcpu_wanted(p, &pid);
    if (wanted)
        start.update(&pid, &now);

    u64 id = bpf_get_current_pid_tgid();
    pid = (u32)id;
    u64 *tsp = start.lookup(&pid);
    if (!tsp)
        return 0;
    u64 delta = (now - *tsp) / 1000;
    start.delete(&pid);
    struct key_t key = {};
    key.t_pid = pid;
    key.t_tgid = id >> 32;
#ifdef KERNEL_STACKS
    key.t_k_stack_id = stack_traces.get_stackid(ctx, 0);
#else
    key.t_k_stack_id = -1;
#endif
#ifdef USER_STACKS
    key.t_u_stack_id = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);
#else
    key.t_u_stack_id = -1;
#endif
    key.w_k_stack_id = -KS_EFAULT;
    key.w_u_stack_id = -KS_EFAULT;
    bpf_get_current_comm(&key.target, sizeof(key.target));
    finish(ctx, &key, pid, delta);
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
    if (!start.lookup(&target))
        return 0;
    note_waker(ctx, target);
    return 0;
}
#endif
