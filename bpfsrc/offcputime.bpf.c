/* offcputime: how long threads spend off-CPU (blocked, sleeping, preempted), summed per
 * stack: the stack a thread had when it left the CPU.
 *
 * A thread leaves the CPU in the scheduler's context switch and comes back in a later
 * one. Time off-CPU is the difference; the stack taken as it left says why it left
 * (waiting for I/O, a lock, a sleep...). Both ends are one event, sched:sched_switch:
 * "prev" leaves, "next" comes back. At switch-out the program runs in prev's context (it
 * is still the current task), so prev's stacks and process id are the current ones; they
 * are kept per thread id until the thread is switched in again, when the time is added
 * to (thread, stacks) in the counts table. The tracepoint carries thread ids only (no
 * process id): -p is tested at switch-out, on the current task, so no task struct is
 * read. Kernel threads (-u, -k) are told apart by having no user memory: a user stack
 * lookup answers -EFAULT for them.
 *
 * Kprobe fallback (kernels without the tracepoint program type): finish_task_switch(prev)
 * runs in the context of the thread coming back, right after the switch, with its stack
 * still the one it left with; prev's ids and state are read from its task_struct (BCC's
 * method; the struct reads need headers matching the kernel).
 *
 * Configured by the prelude: STACK_STORAGE_SIZE, KERNEL_STACKS, USER_STACKS, NUM_PID and
 * PID_n (-p), NUM_TID and TID_n (-t), USER_THREADS_ONLY (-u), KERNEL_THREADS_ONLY (-k),
 * MIN_BLOCK_US, MAX_BLOCK_US (-m, -M; no -M: no upper bound), STATE_FILTER and STATE_VALUE (--state), with the
 * tracepoint's REPORT_STATE_MASK (prev_state's bits below the preempted bit), and the
 * probe: KS_TP_switch or KS_KP_switch. */

#define COMM_LEN 16

struct key_t {
    u32 pid;  /* thread */
    u32 tgid; /* its process: user symbols are per process */
    int user_stack_id;
    int kernel_stack_id;
    char name[COMM_LEN];
};
BPF_HASH(counts, struct key_t, u64, 10240);
BPF_STACK_TRACE(stack_traces, STACK_STORAGE_SIZE);
/* Off-CPU spans not counted because the counts table was full. */
BPF_PERCPU_ARRAY(dropped, u64, 1);

/* Add delta to the key's total. A new key is inserted as zero first, only if still absent
 * (another CPU may be inserting it too); written without a second add, so that the
 * program has no backward jump (kernels before 5.3 refuse them). A full table counts in
 * dropped instead. (bcc allows no map calls in macros, so each stack tool has this.) */
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

#if defined(KS_TP_switch)
/* What is kept of a thread from switch-out to switch-in. */
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

    /* 1. prev leaves the CPU; it is the current task. */
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
        wanted = s.user_stack_id != -KS_EFAULT; /* kernel threads have no user memory */
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

    /* 2. next comes back: its time off-CPU ends. */
    u32 next = args->next_pid;
    struct start_t *s = start.lookup(&next);
    if (!s)
        return 0;
    u64 delta = (now - s->ts) / 1000;
    struct key_t key = {};
    key.pid = next;
    key.tgid = s->tgid;
    key.user_stack_id = s->user_stack_id;
    key.kernel_stack_id = s->kernel_stack_id;
    __builtin_memcpy(key.name, s->name, sizeof(key.name));
    start.delete(&next);
    if (ks_block_time_wanted(delta))
        count(&key, delta);
#ifdef KS_NOTE_PIDS
    ks_note_pid(args, key.tgid);
#endif
    return 0;
}
#endif

#if defined(KS_KP_switch)
KS_STATE_MAP(start, u32, u64, 65536);

/* finish_task_switch(struct task_struct *prev), in the context of the thread switched in. */
int kp_switch(struct pt_regs *ctx)
{
    struct task_struct *p = (struct task_struct *)PT_REGS_PARM1(ctx);
    u64 now = bpf_ktime_get_ns();
    u32 pid;
    int wanted = ks_task_offcpu_wanted(p, &pid);
    if (wanted)
        start.update(&pid, &now);

    /* The current thread comes back: its stack is still the one it left with. */
    u64 id = bpf_get_current_pid_tgid();
    pid = (u32)id;
    u64 *tsp = start.lookup(&pid);
    if (!tsp)
        return 0;
    u64 delta = (now - *tsp) / 1000;
    start.delete(&pid);
    if (!ks_block_time_wanted(delta))
        return 0;
    struct key_t key = {};
    key.pid = pid;
    key.tgid = id >> 32;
#ifdef USER_STACKS
    key.user_stack_id = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);
#else
    key.user_stack_id = -1;
#endif
#ifdef KERNEL_STACKS
    key.kernel_stack_id = stack_traces.get_stackid(ctx, 0);
#else
    key.kernel_stack_id = -1;
#endif
    bpf_get_current_comm(&key.name, sizeof(key.name));
    count(&key, delta);
#ifdef KS_NOTE_PIDS
    ks_note_pid(ctx, key.tgid);
#endif
    return 0;
}
#endif
