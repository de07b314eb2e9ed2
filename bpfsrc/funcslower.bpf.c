/* funcslower: report the calls of functions that took at least DURATION_NS, from entry to
 * return, with the return value (and, with -a, the entry arguments; -U/-K, the stacks).
 *
 * The tool puts an entry probe (probe_<i>) and a return probe (retprobe_<i>) on each
 * function (KS_PROBE_LIST(X) calls X(i) for each). A thread keeps a stack of the calls it
 * is inside, one slot per nesting level: a function that calls itself, or another traced
 * function, gets a new level, and each return pops its own, so every call is timed from
 * its own entry (BCC keeps one entry per thread: only the innermost call is seen).
 *
 * Configured by the prelude: KS_NPROBES, KS_PROBE_LIST, DURATION_NS (-m/-u), TGID (-p),
 * MAX_LEVEL (nesting levels kept per thread), GRAB_ARGS (-a), USER_STACKS (-U),
 * KERNEL_STACKS (-K). */

struct call {
    u64 start_ns;
    u32 fn;
#ifdef GRAB_ARGS
    u64 args[FUNCSLOWER_NARGS];
#endif
};

struct level_key {
    u32 tid;
    u32 level;
};
/* The calls each thread is inside; its level is kscope.bpf.h's (KS_NEST_LEVELS). LRU
 * where the kernel has it (4.10+): threads that exit inside a traced function leave
 * entries behind. */
KS_STATE_MAP(calls, struct level_key, struct call, 10240);

#if defined(USER_STACKS) || defined(KERNEL_STACKS)
BPF_STACK_TRACE(stacks, 2048);
#endif

/* The event is built here, not on the BPF stack (512 bytes). */
BPF_PERCPU_ARRAY(scratch, struct funcslower_event, 1);

static __always_inline int on_entry(struct pt_regs *ctx, u32 fn)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = (u32)id;
#ifdef TGID
    if (id >> 32 != TGID)
        return 0;
#endif
    if (ks_container_filtered()) /* --cgroupmap, --mntnsmap */
        return 0;
    u32 level = ks_level_push(tid);
    if (level < MAX_LEVEL) {
        struct level_key k = {.tid = tid, .level = level};
        struct call c = {};
        c.start_ns = bpf_ktime_get_ns();
        c.fn = fn;
#ifdef GRAB_ARGS
        c.args[0] = PT_REGS_PARM1(ctx);
        c.args[1] = PT_REGS_PARM2(ctx);
        c.args[2] = PT_REGS_PARM3(ctx);
        c.args[3] = PT_REGS_PARM4(ctx);
        c.args[4] = PT_REGS_PARM5(ctx);
        c.args[5] = PT_REGS_PARM6(ctx);
#endif
        calls.update(&k, &c);
    }
    return 0;
}

static __always_inline int on_return(struct pt_regs *ctx)
{
    u64 now = bpf_ktime_get_ns();
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = (u32)id;
    u32 level;
    if (!ks_level_pop(tid, &level))
        return 0; /* entered before the probes were attached */
    if (level >= MAX_LEVEL)
        return 0;
    struct level_key k = {.tid = tid, .level = level};
    struct call *c = calls.lookup(&k);
    if (!c)
        return 0;
    u64 delta = now - c->start_ns;
    if (delta < DURATION_NS) {
        calls.delete(&k);
        return 0; /* fast enough: not reported */
    }
    int zero = 0;
    struct funcslower_event *e = scratch.lookup(&zero);
    if (!e) {
        calls.delete(&k);
        return 0;
    }
    e->fn = c->fn;
    e->tgid = id >> 32;
    e->tid = tid;
    e->start_ns = c->start_ns;
    e->duration_ns = delta;
    e->retval = PT_REGS_RC(ctx);
#ifdef GRAB_ARGS
    __builtin_memcpy(e->args, c->args, sizeof(e->args));
#endif
    calls.delete(&k);
    /* Stacks at the return, as BCC takes them: the user stack's first frame is the caller. */
    e->kernel_stack_id = -1;
    e->user_stack_id = -1;
#ifdef KERNEL_STACKS
    e->kernel_stack_id = stacks.get_stackid(ctx, 0);
#endif
#ifdef USER_STACKS
    e->user_stack_id = stacks.get_stackid(ctx, BPF_F_USER_STACK);
#endif
    bpf_get_current_comm(&e->comm, sizeof(e->comm));
    ks_submit(ctx, e, sizeof(*e));
    return 0;
}

#define FUNC_PROBES(i)                                                                         \
    int probe_##i(struct pt_regs *ctx)                                                         \
    {                                                                                          \
        return on_entry(ctx, i);                                                               \
    }                                                                                          \
    int retprobe_##i(struct pt_regs *ctx)                                                      \
    {                                                                                          \
        return on_return(ctx);                                                                 \
    }
KS_PROBE_LIST(FUNC_PROBES)
