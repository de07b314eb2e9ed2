/* syncsnoop: one line per sync(), fsync(), fdatasync(), msync(), sync_file_range() and
 * syncfs() call, at its entry.
 *
 * Each syscall is a probe of its own: the syscall's entry tracepoint, or a kprobe on its
 * function. Nothing is read but the task's pid and comm. Configured by the probe choices. */

static __always_inline int on_sync(void *ctx, u32 call)
{
    struct syncsnoop_event e = {.ts = bpf_ktime_get_ns(),
                                .pid = bpf_get_current_pid_tgid() >> 32,
                                .call = call};
    bpf_get_current_comm(&e.comm, sizeof(e.comm));
    ks_submit(ctx, &e, sizeof(e));
    return 0;
}

#if defined(KS_TP_sync)
TRACEPOINT_PROBE(syscalls, sys_enter_sync) { return on_sync(args, SYNCSNOOP_SYNC); }
#elif defined(KS_KP_sync)
int kp_sync(struct pt_regs *ctx) { return on_sync(ctx, SYNCSNOOP_SYNC); }
#endif

#if defined(KS_TP_fsync)
TRACEPOINT_PROBE(syscalls, sys_enter_fsync) { return on_sync(args, SYNCSNOOP_FSYNC); }
#elif defined(KS_KP_fsync)
int kp_fsync(struct pt_regs *ctx) { return on_sync(ctx, SYNCSNOOP_FSYNC); }
#endif

#if defined(KS_TP_fdatasync)
TRACEPOINT_PROBE(syscalls, sys_enter_fdatasync) { return on_sync(args, SYNCSNOOP_FDATASYNC); }
#elif defined(KS_KP_fdatasync)
int kp_fdatasync(struct pt_regs *ctx) { return on_sync(ctx, SYNCSNOOP_FDATASYNC); }
#endif

#if defined(KS_TP_msync)
TRACEPOINT_PROBE(syscalls, sys_enter_msync) { return on_sync(args, SYNCSNOOP_MSYNC); }
#elif defined(KS_KP_msync)
int kp_msync(struct pt_regs *ctx) { return on_sync(ctx, SYNCSNOOP_MSYNC); }
#endif

/* sync_file_range(), or sync_file_range2() where the arguments are reordered (arm, ppc):
 * the probe says which exists. */
#if defined(KS_TP_sync_file_range)
TRACEPOINT_PROBE(syscalls, sys_enter_sync_file_range)
{
    return on_sync(args, SYNCSNOOP_SYNC_FILE_RANGE);
}
#elif defined(KS_KP_sync_file_range)
int kp_sync_file_range(struct pt_regs *ctx) { return on_sync(ctx, SYNCSNOOP_SYNC_FILE_RANGE); }
#endif
#if defined(KS_TP_sync_file_range2)
TRACEPOINT_PROBE(syscalls, sys_enter_sync_file_range2)
{
    return on_sync(args, SYNCSNOOP_SYNC_FILE_RANGE);
}
#elif defined(KS_KP_sync_file_range2)
int kp_sync_file_range2(struct pt_regs *ctx) { return on_sync(ctx, SYNCSNOOP_SYNC_FILE_RANGE); }
#endif

#if defined(KS_TP_syncfs)
TRACEPOINT_PROBE(syscalls, sys_enter_syncfs) { return on_sync(args, SYNCSNOOP_SYNCFS); }
#elif defined(KS_KP_syncfs)
int kp_syncfs(struct pt_regs *ctx) { return on_sync(ctx, SYNCSNOOP_SYNCFS); }
#endif
