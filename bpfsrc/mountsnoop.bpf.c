/* mountsnoop: mount() and umount() calls, with their arguments and result.
 *
 * Entry: remember the call's flags and string pointers, per thread. Return: read the
 * strings (the syscall has just read them: their pages are present), the result, and send
 * one event, built in a per-CPU buffer (it is larger than the BPF stack).
 *
 * MNT_NS is current->nsproxy->mnt_ns->ns.inum, struct reads: read on kprobe paths, or on
 * tracepoint paths when the headers are the running kernel's (KS_EXACT_HEADERS); else the
 * event says it is not known. -P's parent: from real_parent under the same rule, else
 * from sched_process_fork (the "fork" probe, kscope.bpf.h).
 * Configured by: PARENT (-P), PID_FILTER (-p), KS_WANT_MNT_NS, KS_CGROUPMAP/KS_MNTNSMAP,
 * the probe choices. */

struct mount_args {
    u64 flags;
    const char *str[4];
    u32 call;
};

KS_STATE_MAP(start, u32, struct mount_args, 1024);
BPF_PERCPU_ARRAY(scratch, struct mountsnoop_event, 1);

#if defined(KS_EXACT_HEADERS) || defined(KS_USES_KPROBES)
#define STRUCT_READS 1
#endif

static __always_inline int on_enter(u32 call, const char *a, const char *b, const char *c,
                                    u64 flags, const char *d)
{
    u64 id = bpf_get_current_pid_tgid();
#ifdef PID_FILTER
    if ((id >> 32) != PID_FILTER)
        return 0;
#endif
    if (ks_container_filtered()) /* --cgroupmap, --mntnsmap */
        return 0;
    u32 tid = id;
    struct mount_args m = {.flags = flags, .str = {a, b, c, d}, .call = call};
    start.update(&tid, &m);
    return 0;
}

static __always_inline int on_return(void *ctx, long ret)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = id, zero = 0;
    struct mount_args *m = start.lookup(&tid);
    if (!m)
        return 0;
    struct mountsnoop_event *e = scratch.lookup(&zero);
    if (!e) {
        start.delete(&tid);
        return 0;
    }
    e->flags = m->flags;
    e->pid = id >> 32;
    e->tid = tid;
    e->ret = ret;
    e->call = m->call;
    e->ppid = 0;
    e->has_mnt_ns = 0;
    e->mnt_ns = 0;
    bpf_get_current_comm(&e->comm, sizeof(e->comm));
    /* An empty string for a NULL pointer (umount has one string; mount's type and data may
     * be NULL). */
#pragma unroll
    for (int i = 0; i < 4; i++) {
        e->str[i][0] = '\0';
        if (m->str[i])
            ks_probe_read_user_str(&e->str[i], MOUNTSNOOP_STR_LEN, m->str[i]);
    }
    start.delete(&tid);
#ifdef STRUCT_READS
    e->mnt_ns = ks_mnt_ns();
    e->has_mnt_ns = 1;
#endif
#ifdef PARENT
#if defined(KS_TP_fork)
    e->ppid = ks_parent_tgid(e->pid);
#elif defined(STRUCT_READS)
    struct task_struct *task = (struct task_struct *)bpf_get_current_task(), *parent = NULL;
    ks_probe_read_kernel(&parent, sizeof(parent), &task->real_parent);
    if (parent)
        ks_probe_read_kernel(&e->ppid, sizeof(e->ppid), &parent->tgid);
#endif
#endif
    ks_submit(ctx, e, sizeof(*e));
    return 0;
}

/* ---- mount(source, target, type, flags, data) ---- */
#if defined(KS_TP_mount_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_mount)
{
    return on_enter(MOUNTSNOOP_MOUNT, args->dev_name, args->dir_name, args->type, args->flags,
                    args->data);
}
#elif defined(KS_KP_mount_enter)
int kp_mount_enter(struct pt_regs *ctx)
{
    return on_enter(MOUNTSNOOP_MOUNT, (const char *)KS_SYSCALL_ARG(ctx, mount_enter, 1),
                    (const char *)KS_SYSCALL_ARG(ctx, mount_enter, 2),
                    (const char *)KS_SYSCALL_ARG(ctx, mount_enter, 3),
                    KS_SYSCALL_ARG(ctx, mount_enter, 4),
                    (const char *)KS_SYSCALL_ARG(ctx, mount_enter, 5));
}
#endif
#if defined(KS_TP_mount_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_mount) { return on_return(args, args->ret); }
#elif defined(KS_KP_mount_exit)
int kp_mount_exit(struct pt_regs *ctx) { return on_return(ctx, PT_REGS_RC(ctx)); }
#endif

/* ---- umount(target, flags): the umount2 syscall ---- */
#if defined(KS_TP_umount_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_umount)
{
    return on_enter(MOUNTSNOOP_UMOUNT, args->name, NULL, NULL, args->flags, NULL);
}
#elif defined(KS_KP_umount_enter)
int kp_umount_enter(struct pt_regs *ctx)
{
    return on_enter(MOUNTSNOOP_UMOUNT, (const char *)KS_SYSCALL_ARG(ctx, umount_enter, 1), NULL,
                    NULL, KS_SYSCALL_ARG(ctx, umount_enter, 2), NULL);
}
#endif
#if defined(KS_TP_umount_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_umount) { return on_return(args, args->ret); }
#elif defined(KS_KP_umount_exit)
int kp_umount_exit(struct pt_regs *ctx) { return on_return(ctx, PT_REGS_RC(ctx)); }
#endif
