/* capable: security capability checks (cap_capable()), one event per check.
 *
 * Since 6.16 the kernel has a tracepoint in cap_capable(): capability:cap_capable, with
 * the capability and the answer (ret) but not the options the caller passed (whether the
 * check is audited, CAP_OPT_NOAUDIT, or part of a set-id operation, CAP_OPT_INSETID). On
 * it, every check is reported and AUDIT/INSETID are unknown. Before 6.16 the kprobe on
 * cap_capable(cred, ns, cap, opts) reads the options from its fourth argument (an int
 * "audit" before 5.1, the CAP_OPT_* bits since), as BCC does.
 *
 * Configured by the prelude: PID_FILTER (-p, a process), AUDIT_ONLY (no -v: audited checks only, where known),
 * KERNEL_STACKS (-K), USER_STACKS (-U), UNIQUE (--unique), KS_CGROUPMAP/KS_MNTNSMAP, and
 * the probe: KS_TP_cap or KS_KP_cap. */

#if defined(KERNEL_STACKS) || defined(USER_STACKS)
BPF_STACK_TRACE(stacks, 2048);
#endif

#ifdef UNIQUE
/* --unique: one event per (capability, process, cgroup, stacks). */
struct repeat_t {
    s32 cap;
    u32 tgid;
    u64 cgroupid;
    s32 kernel_stack_id;
    s32 user_stack_id;
};
BPF_HASH(seen, struct repeat_t, u64, 10240);
#endif

static __always_inline int cap_event(void *ctx, int cap, int audit, int insetid, int ret)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tgid = id >> 32;
#ifdef PID_FILTER
    if (tgid != PID_FILTER)
        return 0;
#endif
#ifdef AUDIT_ONLY
    if (audit == 0)
        return 0;
#endif
    if (ks_container_filtered()) /* --cgroupmap, --mntnsmap */
        return 0;
    struct capable_event ev = {.tgid = tgid, .tid = (u32)id};
    ev.uid = bpf_get_current_uid_gid();
    ev.cap = cap;
    ev.audit = audit;
    ev.insetid = insetid;
    ev.ret = ret;
    ev.kernel_stack_id = -1;
    ev.user_stack_id = -1;
#ifdef KERNEL_STACKS
    ev.kernel_stack_id = stacks.get_stackid(ctx, 0);
#endif
#ifdef USER_STACKS
    ev.user_stack_id = stacks.get_stackid(ctx, BPF_F_USER_STACK);
#endif
#ifdef UNIQUE
    struct repeat_t repeat = {.cap = cap, .tgid = tgid};
#ifdef UNIQUE_CGROUP
    repeat.cgroupid = bpf_get_current_cgroup_id();
#endif
    repeat.kernel_stack_id = ev.kernel_stack_id;
    repeat.user_stack_id = ev.user_stack_id;
    if (seen.lookup(&repeat))
        return 0;
    u64 zero = 0;
    seen.update(&repeat, &zero);
#endif
    bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
    ks_submit(ctx, &ev, sizeof(ev));
    return 0;
}

#if defined(KS_TP_cap)
TRACEPOINT_PROBE(capability, cap_capable)
{
    return cap_event(args, args->cap, -1, -1, args->ret);
}
#elif defined(KS_KP_cap)
#include <linux/security.h>
/* int cap_capable(const struct cred *cred, struct user_namespace *ns, int cap,
 *                 unsigned int opts)   (5.1+; before: int audit) */
int kp_cap(struct pt_regs *ctx)
{
    int cap = PT_REGS_PARM3(ctx);
    int opt = PT_REGS_PARM4(ctx);
#ifdef CAP_OPT_NONE
    int audit = (opt & 0x2 /* CAP_OPT_NOAUDIT */) == 0;
    int insetid = (opt & 0x4 /* CAP_OPT_INSETID */) != 0;
#else
    int audit = opt;
    int insetid = -1;
#endif
    return cap_event(ctx, cap, audit, insetid, 1 /* not known */);
}
#endif
