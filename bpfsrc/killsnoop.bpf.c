/* killsnoop: signals sent by kill(), tkill() and tgkill(), with the result.
 *
 * Entry: note the target and the signal per thread (after the filters). Exit: add the
 * return value, send one event. The syscalls' own tracepoints (syscalls:sys_enter_kill...)
 * carry the arguments; their kprobe fallbacks are the syscall functions themselves, whose
 * arguments come through the saved user registers since 4.17 (the __x64_sys_ wrappers,
 * KS_KP_<probe>_WRAPPED) and directly before.
 *
 * Configured by the prelude: PID_FILTER (-p: the sender's process), TPID_FILTER (-T: the
 * target process), SIGNAL_MASK_LO/HI (-s: signals 1-32 and 33-64 as bits, bit 0 = signal 1
 * or 33), FAILED_ONLY (-x), and the probes KS_TP_/KS_KP_<call>_enter/_exit. */

struct kill_args {
    s32 tpid, ttid, sig;
    u32 call;
};

KS_STATE_MAP(start, u32, struct kill_args, 10240);

static __always_inline int kill_enter(int call, int tpid, int ttid, int sig)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = id;
#ifdef PID_FILTER
    if ((u32)(id >> 32) != PID_FILTER)
        return 0;
#endif
#ifdef TPID_FILTER
    if (tpid != TPID_FILTER)
        return 0;
#endif
#if defined(SIGNAL_MASK_LO) || defined(SIGNAL_MASK_HI)
    {
        u64 lo = 0, hi = 0;
#ifdef SIGNAL_MASK_LO
        lo = SIGNAL_MASK_LO;
#endif
#ifdef SIGNAL_MASK_HI
        hi = SIGNAL_MASK_HI;
#endif
        /* Signal 0 (a permission check) and numbers outside 1-64 match no -s. */
        if (sig < 1 || sig > 64)
            return 0;
        if (sig <= 32 ? !((lo >> (sig - 1)) & 1) : !((hi >> (sig - 33)) & 1))
            return 0;
    }
#endif
    struct kill_args a = {.tpid = tpid, .ttid = ttid, .sig = sig, .call = call};
    start.update(&tid, &a);
    return 0;
}

static __always_inline int kill_exit(void *ctx, long ret)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = id;
    struct kill_args *a = start.lookup(&tid);
    if (!a)
        return 0;
#ifdef FAILED_ONLY
    if (ret >= 0) {
        start.delete(&tid);
        return 0;
    }
#endif
    struct killsnoop_event ev = {.pid = id >> 32, .tid = tid};
    ev.tpid = a->tpid;
    ev.ttid = a->ttid;
    ev.sig = a->sig;
    ev.call = a->call;
    ev.ret = ret;
    bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
    start.delete(&tid);
    ks_submit(ctx, &ev, sizeof(ev));
    return 0;
}

/* A syscall's argument n in its kprobe: through the wrapper's pt_regs, or direct. */
#define KILL_ARG(probe_wrapped, n)                                                            \
    (probe_wrapped ? (long)KS_SYSCALL_ARG_WRAPPED(ctx, KS_SYSCALL_REG##n)                     \
                   : (long)PT_REGS_PARM##n(ctx))

/* ---- kill(pid, sig) ---- */
#if defined(KS_TP_kill_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_kill)
{
    return kill_enter(KILLSNOOP_KILL, args->pid, 0, args->sig);
}
#elif defined(KS_KP_kill_enter)
#ifdef KS_KP_kill_enter_WRAPPED
#define KILL_WRAPPED 1
#else
#define KILL_WRAPPED 0
#endif
int kp_kill_enter(struct pt_regs *ctx)
{
    return kill_enter(KILLSNOOP_KILL, KILL_ARG(KILL_WRAPPED, 1), 0, KILL_ARG(KILL_WRAPPED, 2));
}
#endif
#if defined(KS_TP_kill_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_kill)
{
    return kill_exit(args, args->ret);
}
#elif defined(KS_KP_kill_exit)
int kp_kill_exit(struct pt_regs *ctx)
{
    return kill_exit(ctx, PT_REGS_RC(ctx));
}
#endif

/* ---- tkill(tid, sig) ---- */
#if defined(KS_TP_tkill_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_tkill)
{
    return kill_enter(KILLSNOOP_TKILL, args->pid, 0, args->sig);
}
#elif defined(KS_KP_tkill_enter)
#ifdef KS_KP_tkill_enter_WRAPPED
#define TKILL_WRAPPED 1
#else
#define TKILL_WRAPPED 0
#endif
int kp_tkill_enter(struct pt_regs *ctx)
{
    return kill_enter(KILLSNOOP_TKILL, KILL_ARG(TKILL_WRAPPED, 1), 0,
                      KILL_ARG(TKILL_WRAPPED, 2));
}
#endif
#if defined(KS_TP_tkill_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_tkill)
{
    return kill_exit(args, args->ret);
}
#elif defined(KS_KP_tkill_exit)
int kp_tkill_exit(struct pt_regs *ctx)
{
    return kill_exit(ctx, PT_REGS_RC(ctx));
}
#endif

/* ---- tgkill(tgid, tid, sig) ---- */
#if defined(KS_TP_tgkill_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_tgkill)
{
    return kill_enter(KILLSNOOP_TGKILL, args->tgid, args->pid, args->sig);
}
#elif defined(KS_KP_tgkill_enter)
#ifdef KS_KP_tgkill_enter_WRAPPED
#define TGKILL_WRAPPED 1
#else
#define TGKILL_WRAPPED 0
#endif
int kp_tgkill_enter(struct pt_regs *ctx)
{
    return kill_enter(KILLSNOOP_TGKILL, KILL_ARG(TGKILL_WRAPPED, 1), KILL_ARG(TGKILL_WRAPPED, 2),
                      KILL_ARG(TGKILL_WRAPPED, 3));
}
#endif
#if defined(KS_TP_tgkill_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_tgkill)
{
    return kill_exit(args, args->ret);
}
#elif defined(KS_KP_tgkill_exit)
int kp_tgkill_exit(struct pt_regs *ctx)
{
    return kill_exit(ctx, PT_REGS_RC(ctx));
}
#endif
