/* plockstat: pthread mutex and rwlock statistics of one process, per caller: how long
 * its threads waited to get a lock, and how long they held it (after DTrace's plockstat,
 * in klockstat's layout).
 *
 * Uprobes on the C library's lock functions, in the traced process only:
 *   - at the entry of pthread_mutex_lock, pthread_rwlock_rdlock/wrlock and the try
 *     variants: the lock's address and the time, per thread;
 *   - at their return (a uretprobe): when they succeeded (returned 0), the wait is the time
 *     since entry (blocking calls only; a trylock does not wait), and the hold starts. The
 *     user stack is taken here, in the caller's context: its first frame is the caller
 *     (at the entry, frame-pointer unwinding would miss the caller's own frame);
 *   - at the entry of pthread_mutex_unlock and pthread_rwlock_unlock: the hold of that
 *     lock by this thread ends (a read lock can be held by several threads at once, so
 *     holds are kept per lock and thread).
 *
 * The tables (wait_stats, hold_stats, stack_traces) are kscope.bpf.h's KS_LOCK_STATS.
 *
 * Configured by the prelude: STACK_STORAGE_SIZE, TID_FILTER (-t). */

/* A lock call in progress, per thread. */
struct taking_t {
    u64 lock;
    u64 ts;
};
KS_STATE_MAP(taking, u32, struct taking_t, 10240);

struct held_key {
    u64 lock;
    u32 tid;
    u32 pad;
};
struct held_t {
    u64 ts;
    int stackid;
};
KS_STATE_MAP(held, struct held_key, struct held_t, 10240);

int up_enter(struct pt_regs *ctx)
{
    u32 tid = bpf_get_current_pid_tgid();
#ifdef TID_FILTER
    if (tid != TID_FILTER)
        return 0;
#endif
    struct taking_t t = {.lock = PT_REGS_PARM1(ctx), .ts = bpf_ktime_get_ns()};
    taking.update(&tid, &t);
    return 0;
}

static __always_inline int lock_return(struct pt_regs *ctx, bool waited)
{
    u32 tid = bpf_get_current_pid_tgid();
    struct taking_t *t = taking.lookup(&tid);
    if (!t)
        return 0;
    u64 now = bpf_ktime_get_ns(), lock = t->lock, ts = t->ts;
    taking.delete(&tid);
    if (PT_REGS_RC(ctx) != 0)
        return 0; /* not acquired (EBUSY from a trylock, an error) */
    int stackid = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);
    if (waited) {
        struct ks_lock_stat zero = {};
        struct ks_lock_stat *s = wait_stats.lookup_or_try_init(&stackid, &zero);
        if (s && now > ts)
            ks_lock_stat_add(s, now - ts);
    }
    struct held_key k = {.lock = lock, .tid = tid};
    struct held_t h = {.ts = now, .stackid = stackid};
    held.update(&k, &h);
    return 0;
}

int up_lock_ret(struct pt_regs *ctx)
{
    return lock_return(ctx, true);
}

int up_trylock_ret(struct pt_regs *ctx)
{
    return lock_return(ctx, false);
}

int up_unlock(struct pt_regs *ctx)
{
    struct held_key k = {.lock = PT_REGS_PARM1(ctx), .tid = (u32)bpf_get_current_pid_tgid()};
    struct held_t *h = held.lookup(&k);
    if (!h)
        return 0;
    u64 now = bpf_ktime_get_ns();
    int stackid = h->stackid;
    struct ks_lock_stat zero = {};
    struct ks_lock_stat *s = hold_stats.lookup_or_try_init(&stackid, &zero);
    if (s && now > h->ts)
        ks_lock_stat_add(s, now - h->ts);
    held.delete(&k);
    return 0;
}
