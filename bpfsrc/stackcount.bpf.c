/* stackcount: count the stack traces that lead to the events a pattern names.
 *
 * The tool expands the pattern into probes numbered 0..KS_NPROBES-1 (KS_PROBE_LIST(X)
 * calls X(i) for each): kernel functions, tracepoints, user functions or USDT probes.
 * Every probe runs the same code: take the kernel and user stacks with bpf_get_stackid()
 * (each distinct stack stored once in stack_traces, 4.6+) and count the event under
 * (process, stack ids, name). Only the counts and distinct stacks go to user space, at
 * each interval.
 *
 * Configured by the prelude: KS_NPROBES and KS_PROBE_LIST, TGID (-p, for kernel probes:
 * uprobes are attached to the process itself), CPU (-c), PER_PID (split by process and
 * keep its name: -P, user stacks or user probes, as BCC), KERNEL_STACKS and USER_STACKS
 * (-K, -U), STACK_STORAGE_SIZE, KS_NOTE_PIDS (user stacks: the tool reads each new
 * process's maps while it lives). */

#define COMM_LEN 16 /* TASK_COMM_LEN */

struct key_t {
    u32 tgid; /* 0xffffffff when not split by process */
    int kernel_stack_id;
    int user_stack_id;
    char name[COMM_LEN];
};
BPF_HASH(counts, struct key_t, u64, 10240);
BPF_STACK_TRACE(stack_traces, STACK_STORAGE_SIZE);
/* Events not counted because the counts table was full. */
BPF_PERCPU_ARRAY(dropped, u64, 1);

static __always_inline int count_stack(void *ctx)
{
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
#ifdef TGID
    if (tgid != TGID)
        return 0;
#endif
#ifdef CPU
    if (bpf_get_smp_processor_id() != CPU)
        return 0;
#endif
    struct key_t key = {};
#ifdef PER_PID
    key.tgid = tgid;
    bpf_get_current_comm(&key.name, sizeof(key.name));
#else
    key.tgid = 0xffffffff;
#endif
#ifdef KERNEL_STACKS
    key.kernel_stack_id = stack_traces.get_stackid(ctx, 0);
#else
    key.kernel_stack_id = -1;
#endif
#ifdef USER_STACKS
    key.user_stack_id = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);
#else
    key.user_stack_id = -1;
#endif
    u64 *count = counts.lookup(&key);
    if (!count) {
        /* A new stack: insert a zero only if still absent, then count it below. */
        u64 zero = 0;
        counts.insert(&key, &zero);
        count = counts.lookup(&key);
    }
    int zero_key = 0;
    u64 *slot = count ? count : dropped.lookup(&zero_key);
    if (slot)
        lock_xadd(slot, 1); /* other CPUs may count the same stack at the same time */
#ifdef KS_NOTE_PIDS
    ks_note_pid(ctx, tgid);
#endif
    return 0;
}

#define STACK_PROBE(i)                                                                         \
    int probe_##i(void *ctx)                                                                   \
    {                                                                                          \
        return count_stack(ctx);                                                               \
    }
KS_PROBE_LIST(STACK_PROBE)
