/* statsnoop: stat(), statx(), statfs() and their variants, with the path and the result.
 *
 * Entry: remember the path pointer and which call it is, per thread. Return: read the
 * path (the syscall has just read it, so its page is present), add the result, send one
 * event. Each syscall has its entry and exit tracepoints, or a kprobe and a kretprobe on
 * its function; which syscalls exist depends on the architecture (x86_64 has newstat,
 * newlstat, newfstatat, statx and statfs; 32-bit ones stat and fstatat64).
 * Configured by: PID_FILTER (-p), FAILED_ONLY (-x), the probe choices. */

struct stat_args {
    const char *name;
    u32 call;
};

KS_STATE_MAP(start, u32, struct stat_args, 10240);

static __always_inline int on_enter(const char *name, u32 call)
{
    u64 id = bpf_get_current_pid_tgid();
#ifdef PID_FILTER
    if ((id >> 32) != PID_FILTER)
        return 0;
#endif
    u32 tid = id;
    struct stat_args a = {.name = name, .call = call};
    start.update(&tid, &a);
    return 0;
}

static __always_inline int on_return(void *ctx, long ret)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = id;
    struct stat_args *a = start.lookup(&tid);
    if (!a)
        return 0; /* entered before tracing began, or another process (-p) */
#ifdef FAILED_ONLY
    if (ret >= 0) {
        start.delete(&tid);
        return 0;
    }
#endif
    struct statsnoop_event e = {.ts = bpf_ktime_get_ns(), .pid = id >> 32, .ret = ret,
                                .call = a->call};
    ks_probe_read_user_str(&e.name, sizeof(e.name), a->name);
    start.delete(&tid);
    bpf_get_current_comm(&e.comm, sizeof(e.comm));
    ks_submit(ctx, &e, sizeof(e));
    return 0;
}

/* Per syscall: entry (the path is tracepoint field FIELD, or argument N) and return. */
#define KP_ENTER(probe, n, call)                                                               \
    int kp_##probe(struct pt_regs *ctx)                                                        \
    {                                                                                          \
        return on_enter((const char *)KS_SYSCALL_ARG(ctx, probe, n), call);                    \
    }
#define KP_RETURN(probe)                                                                       \
    int kp_##probe(struct pt_regs *ctx) { return on_return(ctx, PT_REGS_RC(ctx)); }

#if defined(KS_TP_newstat_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_newstat) { return on_enter(args->filename, STATSNOOP_NEWSTAT); }
#elif defined(KS_KP_newstat_enter)
KP_ENTER(newstat_enter, 1, STATSNOOP_NEWSTAT)
#endif
#if defined(KS_TP_newstat_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_newstat) { return on_return(args, args->ret); }
#elif defined(KS_KP_newstat_exit)
KP_RETURN(newstat_exit)
#endif

#if defined(KS_TP_newlstat_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_newlstat) { return on_enter(args->filename, STATSNOOP_NEWLSTAT); }
#elif defined(KS_KP_newlstat_enter)
KP_ENTER(newlstat_enter, 1, STATSNOOP_NEWLSTAT)
#endif
#if defined(KS_TP_newlstat_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_newlstat) { return on_return(args, args->ret); }
#elif defined(KS_KP_newlstat_exit)
KP_RETURN(newlstat_exit)
#endif

#if defined(KS_TP_newfstatat_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_newfstatat) { return on_enter(args->filename, STATSNOOP_NEWFSTATAT); }
#elif defined(KS_KP_newfstatat_enter)
KP_ENTER(newfstatat_enter, 2, STATSNOOP_NEWFSTATAT)
#endif
#if defined(KS_TP_newfstatat_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_newfstatat) { return on_return(args, args->ret); }
#elif defined(KS_KP_newfstatat_exit)
KP_RETURN(newfstatat_exit)
#endif

#if defined(KS_TP_statx_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_statx) { return on_enter(args->filename, STATSNOOP_STATX); }
#elif defined(KS_KP_statx_enter)
KP_ENTER(statx_enter, 2, STATSNOOP_STATX)
#endif
#if defined(KS_TP_statx_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_statx) { return on_return(args, args->ret); }
#elif defined(KS_KP_statx_exit)
KP_RETURN(statx_exit)
#endif

#if defined(KS_TP_statfs_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_statfs) { return on_enter(args->pathname, STATSNOOP_STATFS); }
#elif defined(KS_KP_statfs_enter)
KP_ENTER(statfs_enter, 1, STATSNOOP_STATFS)
#endif
#if defined(KS_TP_statfs_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_statfs) { return on_return(args, args->ret); }
#elif defined(KS_KP_statfs_exit)
KP_RETURN(statfs_exit)
#endif

#if defined(KS_TP_stat_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_stat) { return on_enter(args->filename, STATSNOOP_STAT); }
#elif defined(KS_KP_stat_enter)
KP_ENTER(stat_enter, 1, STATSNOOP_STAT)
#endif
#if defined(KS_TP_stat_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_stat) { return on_return(args, args->ret); }
#elif defined(KS_KP_stat_exit)
KP_RETURN(stat_exit)
#endif

#if defined(KS_TP_fstatat64_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_fstatat64) { return on_enter(args->filename, STATSNOOP_FSTATAT64); }
#elif defined(KS_KP_fstatat64_enter)
KP_ENTER(fstatat64_enter, 2, STATSNOOP_FSTATAT64)
#endif
#if defined(KS_TP_fstatat64_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_fstatat64) { return on_return(args, args->ret); }
#elif defined(KS_KP_fstatat64_exit)
KP_RETURN(fstatat64_exit)
#endif
