/* syscount: count syscalls by syscall or by process, optionally with their total time.
 *
 * Every syscall passes two tracepoints that exist for all syscalls alike:
 * raw_syscalls:sys_enter on the way in and raw_syscalls:sys_exit on the way out, with
 * the syscall's number (args->id) and, on exit, its return value (args->ret). Counting
 * needs only the exit. The time spent in a syscall (-L) needs both: the entry notes the
 * time per thread, the exit takes the difference.
 *
 * This program runs on every syscall of the whole machine, so what it does per event is
 * what the tool costs. The default mode keeps it to one map lookup and one increment:
 *   - counts live in a per-CPU array indexed by syscall number. An array lookup is a
 *     bounds check and an address computation (no hashing), and "per-CPU" gives every CPU
 *     its own copy of each counter, so a plain ++ is safe without an atomic instruction:
 *     no other CPU writes that copy. User space adds the copies up.
 *   - filters are compiled in only when asked for (#ifdef): no option, no test.
 *   - the pid and the clock are read only when a mode needs them.
 *
 * Configured by the prelude: SYSCALL_SLOTS (array size: syscall numbers 0..SLOTS-1),
 * PID_FILTER (-p), TID_FILTER (-t), PPID_FILTER (-c), KS_CGROUPMAP/KS_MNTNSMAP
 * (kscope.bpf.h), SYSCALL_FILTER (--syscall, a number), FAILED_ONLY
 * (-x), ERRNO_FILTER (-e, a positive errno), BY_PROCESS (-P), LATENCY (-L), and the
 * probes: KS_TP_sys_exit always, KS_TP_sys_enter with -L. There is no kprobe variant:
 * no single kernel function sees every syscall (each has its own entry point). The two
 * tracepoints come with the architecture's syscall tracing (HAVE_SYSCALL_TRACEPOINTS:
 * x86, arm64, s390, powerpc...), also in kernels built without the per-syscall
 * syscalls:* events (CONFIG_FTRACE_SYSCALLS); BPF can attach to them since 4.7. */

#define COMM_LEN 16 /* TASK_COMM_LEN, without including the scheduler's headers */

/* ---- what is counted ---- */

#ifdef LATENCY
struct stat_t {
    u64 count;
    u64 total_ns; /* time between sys_enter and sys_exit, added up */
};
#else
struct stat_t {
    u64 count;
};
#endif

#ifdef BY_PROCESS
/* Per process (tgid). The name is taken once, when a process first shows up in an
 * interval, so that processes that exit before the output still have one. */
struct proc_stat_t {
    struct stat_t s;
    char comm[COMM_LEN];
};
BPF_PERCPU_HASH(by_process, u32, struct proc_stat_t, 10240);
#else
/* Per syscall number. Numbers at or above SYSCALL_SLOTS (none on today's architectures)
 * and -1 (the kernel's "no syscall", e.g. after seccomp refused one) are not counted. */
BPF_PERCPU_ARRAY(by_syscall, struct stat_t, SYSCALL_SLOTS);
#endif

#ifdef LATENCY
/* Entry time per thread (key: pid_tgid, as bpf_get_current_pid_tgid() returns it). */
KS_STATE_MAP(start, u64, u64, 10240);
#endif

/* ---- filters shared by entry and exit ---- */

#ifdef PPID_FILTER
/* -c: children of one process, as BCC (current->real_parent->tgid). Reading task_struct
 * on a tracepoint path is allowed only with the running kernel's own headers
 * (KS_EXACT_HEADERS); otherwise the parent each process was born to, recorded at fork
 * and from /proc at start (ks_parent_of in kscope.bpf.h). */
#ifdef KS_EXACT_HEADERS
#include <linux/sched.h>
static __always_inline u32 parent_tgid(u64 pid_tgid)
{
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    struct task_struct *parent = NULL;
    u32 ppid = 0;
    ks_probe_read_kernel(&parent, sizeof(parent), &task->real_parent);
    if (parent)
        ks_probe_read_kernel(&ppid, sizeof(ppid), &parent->tgid);
    return ppid;
}
#else
static __always_inline u32 parent_tgid(u64 pid_tgid)
{
    return ks_parent_tgid(pid_tgid >> 32);
}
#endif
#endif

/* 0: count this syscall; 1: skip it. Only the filters that were asked for are compiled. */
static __always_inline int filtered_out(long id, u64 pid_tgid)
{
#ifdef PPID_FILTER
    if (parent_tgid(pid_tgid) != PPID_FILTER)
        return 1;
#endif
#ifdef SYSCALL_FILTER
    if (id != SYSCALL_FILTER)
        return 1;
#endif
#ifdef PID_FILTER
    if ((u32)(pid_tgid >> 32) != PID_FILTER)
        return 1;
#endif
#ifdef TID_FILTER
    if ((u32)pid_tgid != TID_FILTER)
        return 1;
#endif
    if (ks_container_filtered()) /* --cgroupmap, --mntnsmap */
        return 1;
    (void)id;
    (void)pid_tgid;
    return 0;
}

/* Does the pid have to be read at all? bpf_get_current_pid_tgid() is a helper call. */
#if defined(PID_FILTER) || defined(TID_FILTER) || defined(PPID_FILTER) || defined(BY_PROCESS) ||   \
    defined(LATENCY)
#define NEED_PID_TGID 1
#endif

/* ---- entry: only with -L ---- */

#if defined(KS_TP_sys_enter)
TRACEPOINT_PROBE(raw_syscalls, sys_enter)
{
    u64 pid_tgid = bpf_get_current_pid_tgid();
    if (filtered_out(args->id, pid_tgid))
        return 0;
    u64 now = bpf_ktime_get_ns();
    /* A thread's entry stays in the map from one syscall to the next: overwriting it in
     * place is cheaper than deleting it at every exit and inserting it again. Only this
     * thread writes its own entry, so the plain store is safe. */
    u64 *tsp = start.lookup(&pid_tgid);
    if (tsp)
        *tsp = now;
    else
        start.update(&pid_tgid, &now);
    return 0;
}
#endif

/* ---- exit: every mode ---- */

#if defined(KS_TP_sys_exit)
TRACEPOINT_PROBE(raw_syscalls, sys_exit)
{
#ifdef NEED_PID_TGID
    u64 pid_tgid = bpf_get_current_pid_tgid();
#else
    u64 pid_tgid = 0;
#endif
    if (filtered_out(args->id, pid_tgid))
        return 0;
    /* A syscall failed when it returns -errno. */
#ifdef FAILED_ONLY
    if (args->ret >= 0)
        return 0;
#endif
#ifdef ERRNO_FILTER
    if (args->ret != -ERRNO_FILTER)
        return 0;
#endif

#ifdef LATENCY
    u64 *tsp = start.lookup(&pid_tgid);
    if (!tsp || *tsp == 0)
        return 0; /* the syscall began before we attached */
    u64 delta = bpf_ktime_get_ns() - *tsp;
#ifdef KS_HAVE_LRU_HASH
    *tsp = 0; /* used: the thread's next entry sets it again */
#else
    start.delete(&pid_tgid); /* a plain hash does not evict: keep it small */
#endif
#endif

#ifdef BY_PROCESS
    u32 tgid = pid_tgid >> 32;
    struct proc_stat_t *p = by_process.lookup(&tgid);
    if (!p) {
        /* First syscall of this process (this interval): insert it with this one
         * counted. If another CPU inserted it meanwhile, the update still lands in this
         * CPU's own copy of the value, so no count is lost. */
        struct proc_stat_t init = {};
        init.s.count = 1;
#ifdef LATENCY
        init.s.total_ns = delta;
#endif
        bpf_get_current_comm(&init.comm, sizeof(init.comm));
        by_process.update(&tgid, &init);
        return 0;
    }
    struct stat_t *s = &p->s;
#else
    /* The syscall number indexes the array. The lookup itself returns NULL beyond the
     * array's end; the explicit check also says so to the reader (and costs one compare). */
    u32 nr = args->id;
    if (nr >= SYSCALL_SLOTS)
        return 0;
    struct stat_t *s = by_syscall.lookup(&nr);
    if (!s)
        return 0;
#endif
    /* This CPU's own copy: no other CPU writes it, so no atomic add is needed. */
    s->count++;
#ifdef LATENCY
    s->total_ns += delta;
#endif
    return 0;
}
#endif
