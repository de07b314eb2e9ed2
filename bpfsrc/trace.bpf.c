/* trace: print a line for each event a probe on the command line names, with a filter and
 * a printf-style message (BCC's trace).
 *
 * Each probe the user gives (number i) may attach at several places (target j: a USDT
 * probe used twice, a glob). The tool writes, from what the user typed, only:
 *   TRACE_PROBE_LIST(KP, TP)  KP(j, i) for a kprobe/uprobe target, TP(j, i, STRUCT) for a
 *                             tracepoint (STRUCT: tracepoint__<category>__<event>, whose
 *                             fields libbcc declares from the event's format file);
 *   TRACE_FILTER_<i>          the filter, one C expression (ks_expr rebuilt it token by
 *                             token from what the user typed: nothing else can get in);
 *   TRACE_VALUES_<i>(I, S)    the format's arguments: I(k, expr) an integer, S(k, expr) a
 *                             string (%s), each expression rebuilt by ks_expr as well;
 *   TRACE_USDT_ARGS_<j>       a USDT site's arguments arg1..arg6 as locals __usdt_argN,
 *                             read where its note says (registers, the stack): empty for
 *                             other targets.
 * Filters on the process (TGID: -p), thread (TID: -L) and user (UID: --uid) come first,
 * then the user's filter (the tool drops its own process's events unless -S); then the values
 * are read into a per-CPU buffer (the event is too big for the BPF stack) and sent.
 * KERNEL_STACK / USER_STACK (-K, -U) add the stack ids; STRING_SIZE is -Z. */

/* STRCMP("literal", pointer): does the string at pointer equal the literal? Reads one
 * byte more than the literal holds, so a longer string does not match (BCC's STRCMP
 * compares only the literal's length: a prefix match). */
#define KS_STREQ(lit, ptr)                                                                     \
    ({                                                                                         \
        char __needle[] = lit;                                                                 \
        char __hay[sizeof(__needle) + 1] = {};                                                 \
        trace_read_str(__hay, sizeof(__hay), (const void *)(unsigned long)(ptr));              \
        char __diff = 0; /* no branch per byte: one path for the verifier */                   \
        _Pragma("unroll") for (int __i = 0; __i < (int)sizeof(__needle); __i++) __diff |=     \
            __needle[__i] ^ __hay[__i];                                                        \
        __diff == 0;                                                                           \
    })

struct trace_buf {
    struct trace_event e;
    char str[TRACE_MAX_VALUES][STRING_SIZE];
};
BPF_PERCPU_ARRAY(trace_scratch, struct trace_buf, 1);
#if defined(KERNEL_STACK) || defined(USER_STACK)
BPF_STACK_TRACE(stack_traces, 1024);
#endif

/* A string argument: kernel memory or user memory (a syscall's path), whichever the
 * address is (on 5.5+ each has its own helper; BCC needs "@user" to be told). */
static __always_inline int trace_read_str(char *dst, u32 size, const void *src)
{
    int n = ks_probe_read_kernel_str(dst, size, src);
#ifdef KS_HAVE_PROBE_READ_USER
    if (n < 0)
        n = ks_probe_read_user_str(dst, size, src);
#endif
    return n;
}

/* The checks every probe makes before its own filter. */
static __always_inline int trace_wanted(void)
{
    u64 id = bpf_get_current_pid_tgid();
#ifdef TGID
    if ((u32)(id >> 32) != TGID)
        return 0;
#endif
#ifdef TID
    if ((u32)id != TID)
        return 0;
#endif
#ifdef UID
    if ((u32)bpf_get_current_uid_gid() != UID)
        return 0;
#endif
    return !ks_container_filtered(); /* --cgroupmap, --mntnsmap */
}

/* The event's common part, in the per-CPU buffer; NULL when the buffer is not there. */
static __always_inline struct trace_buf *trace_begin(void *ctx, u32 target)
{
    int zero = 0;
    struct trace_buf *b = trace_scratch.lookup(&zero);
    if (!b)
        return NULL;
    u64 id = bpf_get_current_pid_tgid();
    b->e.ts_ns = bpf_ktime_get_ns();
    b->e.tgid = id >> 32;
    b->e.tid = (u32)id;
    b->e.cpu = bpf_get_smp_processor_id();
    b->e.target = target;
    bpf_get_current_comm(&b->e.comm, sizeof(b->e.comm));
#ifdef KERNEL_STACK
    b->e.kstack = stack_traces.get_stackid(ctx, 0);
#else
    b->e.kstack = -1;
#endif
#ifdef USER_STACK
    b->e.ustack = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);
#else
    b->e.ustack = -1;
#endif
    return b;
}

/* The format's arguments into the event: integers as 64 bits, strings read (-Z bytes). */
#define TRACE_INT(k, expr) b->e.v[k] = (u64)(expr);
#define TRACE_STR(k, expr) trace_read_str(b->str[k], STRING_SIZE, (const void *)(unsigned long)(expr));

/* A kprobe, kretprobe, uprobe or uretprobe target j of probe i: arguments in pt_regs. */
#define TRACE_KP(j, i)                                                                         \
    int probe_##j(struct pt_regs *ctx)                                                         \
    {                                                                                          \
        TRACE_USDT_ARGS_##j                                                                    \
        if (!trace_wanted() || !(TRACE_FILTER_##i))                                            \
            return 0;                                                                          \
        struct trace_buf *b = trace_begin(ctx, j);                                             \
        if (!b)                                                                                \
            return 0;                                                                          \
        TRACE_VALUES_##i(TRACE_INT, TRACE_STR);                                                \
        ks_submit(ctx, b, sizeof(*b));                                                         \
        return 0;                                                                              \
    }
/* A tracepoint target: its fields in args (args->filename). */
#define TRACE_TP(j, i, tp_struct)                                                              \
    int probe_##j(struct tp_struct *args)                                                      \
    {                                                                                          \
        if (!trace_wanted() || !(TRACE_FILTER_##i))                                            \
            return 0;                                                                          \
        struct trace_buf *b = trace_begin(args, j);                                            \
        if (!b)                                                                                \
            return 0;                                                                          \
        TRACE_VALUES_##i(TRACE_INT, TRACE_STR);                                                \
        ks_submit(args, b, sizeof(*b));                                                        \
        return 0;                                                                              \
    }
TRACE_PROBE_LIST(TRACE_KP, TRACE_TP)
