/* klockstat: kernel mutex statistics per caller stack: how long threads waited to get a
 * mutex, and (with kprobes) how long they held it.
 *
 * Waiting. Tracepoints lock:contention_begin and lock:contention_end (5.19+) mark the slow
 * path of every sleeping lock: a thread that found the lock taken. Both run in the waiting
 * thread's context, so -p and -t test the current task and its kernel stack says who
 * wanted the lock. Only mutexes are counted (flags has LCB_F_MUTEX), as BCC's klockstat
 * traces mutex_lock. A mutex may report begin twice (spinning, then sleeping): the first
 * begin of a thread starts its wait. Acquisitions that found the mutex free are not seen.
 *
 * Without those tracepoints, BCC's method: kprobe and kretprobe on mutex_lock (or
 * mutex_lock_nested on kernels with lock debugging), timing every call.
 *
 * Holding (kprobes only: no tracepoint marks a release). mutex_lock's entry keeps the
 * lock's address and stack per thread; its return starts the hold of that lock; the
 * kprobe on mutex_unlock(lock) ends it. Holds are kept per lock address (a mutex has one
 * owner), so locks released in any order are timed right.
 *
 * The tables (wait_stats, hold_stats, stack_traces) are kscope.bpf.h's KS_LOCK_STATS.
 *
 * Configured by the prelude: STACK_STORAGE_SIZE, PID_FILTER (-p), TID_FILTER (-t), and
 * the probes chosen: KS_TP_begin/KS_TP_end, KS_KP_lock, KS_KP_lock_ret, KS_KP_unlock. */

#define LCB_F_MUTEX 32 /* lock:contention_begin's flags: the lock is a mutex */

static __always_inline bool wanted(void)
{
    u64 id = bpf_get_current_pid_tgid();
#ifdef PID_FILTER
    if ((u32)(id >> 32) != PID_FILTER)
        return false;
#endif
#ifdef TID_FILTER
    if ((u32)id != TID_FILTER)
        return false;
#endif
    (void)id;
    return true;
}

/* A wait in progress, per thread. */
struct wait_t {
    u64 ts;
    u64 lock; /* its address (0 on the kprobe path: one mutex_lock call at a time) */
    int stackid;
};
KS_STATE_MAP(waiting, u32, struct wait_t, 10240);

static __always_inline void wait_begin(void *ctx, u64 lock)
{
    u32 tid = bpf_get_current_pid_tgid();
    if (!wanted() || waiting.lookup(&tid))
        return;
    struct wait_t w = {.ts = bpf_ktime_get_ns(), .lock = lock};
    w.stackid = stack_traces.get_stackid(ctx, 0);
    waiting.update(&tid, &w);
}

/* The end of a wait on this lock: a mutex's slow path may meet a contended spinlock of its
 * own (its wait_lock), whose end must not end the mutex's wait. */
static __always_inline void wait_end(u64 lock)
{
    u32 tid = bpf_get_current_pid_tgid();
    struct wait_t *w = waiting.lookup(&tid);
    if (!w || w->lock != lock)
        return;
    u64 now = bpf_ktime_get_ns();
    struct ks_lock_stat zero = {};
    int stackid = w->stackid;
    struct ks_lock_stat *st = wait_stats.lookup_or_try_init(&stackid, &zero);
    if (st && now > w->ts)
        ks_lock_stat_add(st, now - w->ts);
    waiting.delete(&tid);
}

#ifdef KS_TP_begin
TRACEPOINT_PROBE(lock, contention_begin)
{
    if (args->flags & LCB_F_MUTEX)
        wait_begin(args, (u64)args->lock_addr);
    return 0;
}
#endif
#ifdef KS_TP_end
TRACEPOINT_PROBE(lock, contention_end)
{
    wait_end((u64)args->lock_addr); /* only a wait this thread began on that mutex */
    return 0;
}
#endif

/* Hold times need all three kprobes. */
#if defined(KS_KP_lock) && defined(KS_KP_lock_ret) && defined(KS_KP_unlock)
#define HOLD_TIMES 1
#endif

#ifdef KS_KP_lock
/* The lock a thread is taking, from mutex_lock's entry to its return. */
struct taking_t {
    u64 lock;
    int stackid;
};
KS_STATE_MAP(taking, u32, struct taking_t, 10240);

/* mutex_lock(struct mutex *lock) and mutex_lock_nested(lock, subclass) */
int kp_lock(struct pt_regs *ctx)
{
    if (!wanted())
        return 0;
    u32 tid = bpf_get_current_pid_tgid();
    struct taking_t t = {.lock = PT_REGS_PARM1(ctx), .stackid = stack_traces.get_stackid(ctx, 0)};
    taking.update(&tid, &t);
#ifndef KS_TP_begin
    wait_begin(ctx, 0); /* no contention tracepoints: BCC's acquisition time, every call */
#endif
    return 0;
}
#endif

#ifdef HOLD_TIMES
/* A lock held, by its address: when it was taken, by which stack. */
struct held_t {
    u64 ts;
    int stackid;
};
KS_STATE_MAP(held, u64, struct held_t, 10240);
#endif

#if defined(KS_KP_lock_ret) && defined(KS_KP_lock)
int kp_lock_ret(struct pt_regs *ctx)
{
    u32 tid = bpf_get_current_pid_tgid();
    struct taking_t *t = taking.lookup(&tid);
    if (!t)
        return 0;
#ifndef KS_TP_begin
    wait_end(0);
#endif
#ifdef HOLD_TIMES
    struct held_t h = {.ts = bpf_ktime_get_ns(), .stackid = t->stackid};
    u64 lock = t->lock;
    held.update(&lock, &h);
#endif
    taking.delete(&tid);
    return 0;
}
#elif defined(KS_KP_lock_ret)
int kp_lock_ret(struct pt_regs *ctx)
{
    return 0;
}
#endif

#ifdef HOLD_TIMES
/* mutex_unlock(struct mutex *lock) */
int kp_unlock(struct pt_regs *ctx)
{
    u64 lock = PT_REGS_PARM1(ctx);
    struct held_t *h = held.lookup(&lock);
    if (!h)
        return 0;
    u64 now = bpf_ktime_get_ns();
    struct ks_lock_stat zero = {};
    int stackid = h->stackid;
    struct ks_lock_stat *st = hold_stats.lookup_or_try_init(&stackid, &zero);
    if (st && now > h->ts)
        ks_lock_stat_add(st, now - h->ts);
    held.delete(&lock);
    return 0;
}
#elif defined(KS_KP_unlock)
int kp_unlock(struct pt_regs *ctx)
{
    return 0; /* no return probe on mutex_lock: no hold to end */
}
#endif
