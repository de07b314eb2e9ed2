/* kscope.bpf.h: helpers shared by the BPF programs in bpfsrc/.
 *
 * libbcc compiles this text together with the tool's program. Before it comes a prelude
 * of #define lines (run a tool with --ebpf to see them): options as numbers, and the
 * probe chosen for this kernel, KS_TP_<probe> for a tracepoint or KS_KP_<probe> = n for
 * the n-th kprobe fallback. Each program compiles only the variant that was chosen. */

#ifdef KS_USES_KPROBES
#include <uapi/linux/ptrace.h> /* struct pt_regs, for kprobe programs */
#endif

/* Reading memory the program does not own.
 *
 * Since 5.5 the kernel has one helper for user addresses and one for kernel addresses
 * (bpf_probe_read_user/_kernel and the _str forms); before that bpf_probe_read and
 * bpf_probe_read_str (4.11) read either kind. The runtime asks the kernel which it has and
 * defines KS_HAVE_PROBE_READ_USER. (Calling libbcc's bpf_probe_read_user by that name
 * would make libbcc decide for itself by loading all of /proc/kallsyms, once for the user
 * and once for the kernel helpers: about a quarter of a second of every compile.) */
#ifdef KS_HAVE_PROBE_READ_USER
static long (*ks_probe_read_user)(void *dst, u32 size, const void *src) =
    (void *)BPF_FUNC_probe_read_user;
static long (*ks_probe_read_user_str)(void *dst, u32 size, const void *src) =
    (void *)BPF_FUNC_probe_read_user_str;
static long (*ks_probe_read_kernel)(void *dst, u32 size, const void *src) =
    (void *)BPF_FUNC_probe_read_kernel;
static long (*ks_probe_read_kernel_str)(void *dst, u32 size, const void *src) =
    (void *)BPF_FUNC_probe_read_kernel_str;
#else
#define ks_probe_read_user bpf_probe_read
#define ks_probe_read_user_str bpf_probe_read_str
#define ks_probe_read_kernel bpf_probe_read
#define ks_probe_read_kernel_str bpf_probe_read_str
#endif

/* File names on kprobe paths (KS_DENTRY_NAMES): the last component of a path, as the
 * dentry holds it (d_name, a struct read: kprobe paths only, principle 3). */
#ifdef KS_DENTRY_NAMES
#include <linux/dcache.h>
static __always_inline void ks_dentry_name(char *dst, u32 size, struct dentry *de)
{
    const unsigned char *name = NULL;
    ks_probe_read_kernel(&name, sizeof(name), &de->d_name.name);
    if (name)
        ks_probe_read_kernel_str(dst, size, name);
}
#endif

/* Sending events to the tool: ks_submit(ctx, data, size).
 *
 * 5.8+ (KS_HAVE_RINGBUF): one BPF ring buffer shared by all CPUs. Events arrive in the
 * order they were sent, and the reader is woken only every KS_EVENTS_WAKEUP events (it
 * also looks every 100 ms), because a wake-up costs more than an event: the program
 * raises an interrupt to do it (in a VM, an exit to the hypervisor; several microseconds,
 * paid inside this program, see bench/). A full buffer
 * drops the event; the program counts that and the tool reports it.
 * Older kernels: a perf buffer per CPU (BPF_PERF_OUTPUT); the perf event's own wake-up
 * setting does the batching and the kernel counts what was lost. */
#ifdef KS_EVENTS
#ifdef KS_HAVE_RINGBUF
BPF_RINGBUF_OUTPUT(events, KS_RINGBUF_PAGES);

struct ks_events_stat {
    u64 sent;
    u64 lost;
};
/* Per CPU, so counting needs no atomic instruction; the tool adds the CPUs up. */
BPF_PERCPU_ARRAY(events_stat, struct ks_events_stat, 1);

static __always_inline void ks_submit(void *ctx, void *data, u32 size)
{
    int zero = 0;
    struct ks_events_stat *st = events_stat.lookup(&zero);
    if (!st)
        return;
    st->sent++;
    u64 flags = (st->sent & (KS_EVENTS_WAKEUP - 1)) ? BPF_RB_NO_WAKEUP : BPF_RB_FORCE_WAKEUP;
    if (events.ringbuf_output(data, size, flags) != 0)
        st->lost++;
}
#else
BPF_PERF_OUTPUT(events);

static __always_inline void ks_submit(void *ctx, void *data, u32 size)
{
    events.perf_submit(ctx, data, size);
}
#endif

/* Events built in place (KS_EVENTS_INPLACE): KS_EVENT(type, ev), then ks_event_send.
 *
 *     KS_EVENT(struct my_event, ev);     // ev: where to build the event
 *     if (!ev)
 *         return 0;                      // no room (counted as lost)
 *     ev->field = ...;
 *     ks_event_send(ctx, ev, size);      // the first size bytes of *ev
 *
 * Without KS_EVENTS_INPLACE, ev is a variable on the stack and ks_event_send is ks_submit.
 * With it (chosen by the runtime for tools that declare it, on x86_64 kernels that have
 * mmapable arrays and atomic adds, 5.12+), ev points straight into memory the tool reads:
 *   - Why: bpf_ringbuf_output() is a helper call that takes a lock, copies the event and
 *     updates the ring. Where every return inside the kernel goes through a mitigation
 *     (return thunks) such a call costs far more than its work: ~65 ns per event, measured
 *     in bench/. Here an event costs a few stores and one atomic add.
 *   - Each CPU has its own ring (ks_rings, an entry per CPU, mapped by the tool). The kernel
 *     runs one tracing program at a time on a CPU, so a ring has one writer: no lock.
 *   - Every event takes the next number of one counter (ks_seq): the tool merges the rings
 *     of all CPUs by it, so events arrive in the order they happened, as with the BPF ring
 *     buffer.
 *   - An event is visible once head moves past it. x86 makes stores visible in the order
 *     they were made, so head is written last, with a plain store (this is why only x86_64
 *     gets this path; elsewhere it would need a release store, which BPF has only since
 *     6.15).
 *   - The tool sleeps in the BPF ring buffer `events`, which carries only wake-up calls
 *     (see ks_inplace_commit). The runtime defines KS_EVENTS_INPLACE only together with
 *     KS_HAVE_RINGBUF. */
#ifdef KS_EVENTS_INPLACE
/* Each event is preceded by this header; events start on 8-byte boundaries. */
struct ks_ring_rec {
    u32 size; /* of the event */
    u32 pad;
    u64 seq; /* its number in ks_seq's order */
};
/* One CPU's ring. The byte offsets of head, sent, lost, tail and data are also known to the
 * tool (common/ks_perf.c): head and tail sit on cache lines of their own, so that the two
 * sides never write the same line. KS_INPLACE_BYTES is a power of two; KS_INPLACE_SLACK
 * (the largest header and event) follows it, so an event that starts near the end runs on
 * into the slack instead of wrapping round. */
struct ks_ring {
    u64 head; /* bytes written, by this CPU's programs */
    u64 sent; /* events written */
    u64 lost; /* events dropped: the ring was full */
    u64 pad1[5];
    u64 tail; /* bytes read, by the tool */
    u64 pad2[7];
    u8 data[KS_INPLACE_BYTES + KS_INPLACE_SLACK];
};
/* One entry per CPU: the runtime sets the size when the map is created. */
BPF_F_TABLE("array", u32, struct ks_ring, ks_rings, 1, BPF_F_MMAPABLE);
BPF_ARRAY(ks_seq, u64, 1);
/* `events` (above) carries only the wake-up calls: the runtime makes it one page. */

static __always_inline void *ks_inplace_reserve(struct ks_ring **ringp)
{
    u32 cpu = bpf_get_smp_processor_id();
    struct ks_ring *r = ks_rings.lookup(&cpu);
    if (!r)
        return NULL; /* a CPU beyond the map (hot-plugged after the tool started) */
    u64 head = r->head;
    /* Room for the largest event? The tool may have read more since: never less. */
    if (head + KS_INPLACE_SLACK - r->tail > KS_INPLACE_BYTES) {
        r->lost++;
        return NULL;
    }
    int zero = 0;
    u64 *seq = ks_seq.lookup(&zero);
    if (!seq)
        return NULL;
    /* The mask keeps the offset inside the ring, which the verifier checks. */
    struct ks_ring_rec *rec = (struct ks_ring_rec *)&r->data[head & (KS_INPLACE_BYTES - 1)];
    rec->seq = __sync_fetch_and_add(seq, 1);
    *ringp = r;
    return rec + 1;
}

static __always_inline void ks_inplace_commit(struct ks_ring *r, void *ev, u32 size)
{
    struct ks_ring_rec *rec = (struct ks_ring_rec *)ev - 1;
    rec->size = size;
    u64 len = (sizeof(*rec) + size + 7) & ~7ULL;
    u64 head = r->head, used = head - r->tail;
    r->sent++;
    /* Everything above is written before head: the compiler may not reorder across this. */
    asm volatile("" ::: "memory");
    r->head = head + len;
    /* Wake the tool when this event takes the ring past half full. While events keep
     * coming, the tool wakes on its own, as often as the rate it sees calls for, so the
     * ring stays below that: a wake-up call raises an interrupt (in a VM, an exit to the
     * hypervisor, microseconds), and this way it is made only when a burst begins.
     * KS_EVENTS_WAKEUP 1 (a tool that wants every event at once): every event. */
#if KS_EVENTS_WAKEUP == 1
    events.ringbuf_output(&len, sizeof(len), BPF_RB_FORCE_WAKEUP);
#else
    if (used < KS_INPLACE_BYTES / 2 && used + len >= KS_INPLACE_BYTES / 2)
        events.ringbuf_output(&len, sizeof(len), BPF_RB_FORCE_WAKEUP);
#endif
}

#define KS_EVENT(type, ev)                                                                   \
    _Static_assert(sizeof(type) + sizeof(struct ks_ring_rec) <= KS_INPLACE_SLACK,            \
                   "an event larger than the ring's slack");                                 \
    struct ks_ring *ev##_ring = NULL;                                                         \
    type *ev = ks_inplace_reserve(&ev##_ring)
#define ks_event_send(ctx, ev, size) ks_inplace_commit(ev##_ring, ev, size)
#else
#define KS_EVENT(type, ev)                                                                   \
    type ev##_buf;                                                                            \
    type *ev = &ev##_buf
#define ks_event_send(ctx, ev, size) ks_submit(ctx, ev, size)
#endif
#endif

/* A hash map for short-lived state (entry -> exit, fork -> exec). LRU maps (4.10+) evict
 * old entries when full; older kernels get a plain hash map. */
#ifdef KS_HAVE_LRU_HASH
#define KS_STATE_MAP(name, key_t, val_t, n) BPF_TABLE("lru_hash", key_t, val_t, name, n)
#else
#define KS_STATE_MAP(name, key_t, val_t, n) BPF_HASH(name, key_t, val_t, n)
#endif

/* An array with one entry per thread id (KS_TID_ARRAY; its name must begin with "tid_"):
 * looking up an array costs ~1 ns where a hash map costs ~35 (the verifier turns the lookup
 * into a bounds check and an address computation). The size written here is a placeholder:
 * the runtime sets it when the map is loaded, to the kernel's pid_max capped at
 * KS_TID_ARRAY_MAX (common/ks_tool.c), so a compiled program fits any machine and no two
 * live threads share an entry. A lookup of a larger id returns NULL: the program then
 * uses a hash map (KS_STATE_MAP) for that thread. Entries start zeroed. */
#define KS_TID_ARRAY(name, val_t) BPF_ARRAY(name, val_t, 1)

/* Nesting levels per thread, for tools that time calls from entry to return (funclatency,
 * funcslower; KS_NEST_LEVELS): a call made inside a traced call (recursion, or another
 * traced function) gets the next level, so each return finds its own entry. */
#ifdef KS_NEST_LEVELS
KS_STATE_MAP(depth, u32, u32, 10240);

/* At an entry: this call's level (the thread's depth before it). */
static __always_inline u32 ks_level_push(u32 tid)
{
    u32 level = 0;
    u32 *d = depth.lookup(&tid);
    if (d)
        level = *d;
    u32 next = level + 1;
    depth.update(&tid, &next);
    return level;
}

/* At a return: the level of the call returning into *level; false when the thread was
 * inside no traced call (it entered before the probes were attached). */
static __always_inline bool ks_level_pop(u32 tid, u32 *level)
{
    u32 *d = depth.lookup(&tid);
    if (!d || *d == 0)
        return false;
    u32 l = *d - 1;
    if (l == 0)
        depth.delete(&tid);
    else
        depth.update(&tid, &l);
    *level = l;
    return true;
}
#endif

/* The parent process of a process, without reading task_struct (principle 3: tracepoint
 * paths read no structs unless the headers are the running kernel's own).
 *
 * A tool that declares a probe named "fork" on sched:sched_process_fork gets this map and
 * program: every fork records child -> parent. The runtime fills the map from /proc with
 * the processes that existed before the tool started, once the fork probe is attached, so
 * that together they know every process. (A process whose parent exits is re-parented
 * without a tracepoint; the map keeps the parent it was born to.) */
#ifdef KS_TP_fork
KS_STATE_MAP(ks_parent_of, u32, u32, 32768);
#ifdef KS_ON_FORK
/* A tool that also wants to see each fork defines KS_ON_FORK and this function. */
static __always_inline void ks_on_fork(u32 child_tid, u32 parent_tgid);
#endif

TRACEPOINT_PROBE(sched, sched_process_fork)
{
    /* The forking task is current: its tgid is the child's parent process id. */
    u32 parent = bpf_get_current_pid_tgid() >> 32;
    u32 child = args->child_pid;
    ks_parent_of.update(&child, &parent);
#ifdef KS_ON_FORK
    ks_on_fork(child, parent);
#endif
    return 0;
}

/* 0 when unknown. */
static __always_inline u32 ks_parent_tgid(u32 tgid)
{
    u32 *p = ks_parent_of.lookup(&tgid);
    return p ? *p : 0;
}
#endif

/* Containers: --cgroupmap and --mntnsmap (BCC's filter_by_containers). The user pins a
 * BPF hash map and fills it with cgroup ids (u64 keys) or mount namespace ids (u64 keys,
 * the inode numbers /proc/PID/ns/mnt shows); the tool traces only tasks found in it. The
 * maps declared here are placeholders: the runtime loads the program with the user's
 * pinned maps in their place. A tool calls ks_container_filtered() where it filters by
 * process; without either option it compiles to nothing.
 *
 * The cgroup id comes from a helper (4.18+). The mount namespace is a struct read
 * (current->nsproxy->mnt_ns->ns.inum), so the runtime allows --mntnsmap only on kprobe
 * paths or with the running kernel's own headers (KS_EXACT_HEADERS). struct mnt_namespace
 * is private to the kernel (fs/mount.h, in no headers package): like BCC, we declare its
 * start, which has been the ns_common since 5.11 (a reference count before it). */
#ifdef KS_CGROUPMAP
BPF_TABLE("hash", u64, u64, ks_cgroupset, 1024);
#endif
#if defined(KS_MNTNSMAP) || defined(KS_WANT_MNT_NS)
#include <linux/nsproxy.h>
#include <linux/ns_common.h>
#include <linux/sched.h>
struct mnt_namespace {
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
    atomic_t count;
#endif
    struct ns_common ns;
};

/* The current task's mount namespace id (what /proc/PID/ns/mnt shows): struct reads. A
 * tool that shows it (mountsnoop's MNT_NS) defines KS_WANT_MNT_NS only where struct reads
 * are allowed. */
static __always_inline u32 ks_mnt_ns(void)
{
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    struct nsproxy *nsproxy = NULL;
    struct mnt_namespace *mnt_ns = NULL;
    unsigned int inum = 0;
    ks_probe_read_kernel(&nsproxy, sizeof(nsproxy), &task->nsproxy);
    if (nsproxy)
        ks_probe_read_kernel(&mnt_ns, sizeof(mnt_ns), &nsproxy->mnt_ns);
    if (mnt_ns)
        ks_probe_read_kernel(&inum, sizeof(inum), &mnt_ns->ns.inum);
    return inum;
}
#endif
#ifdef KS_MNTNSMAP
BPF_TABLE("hash", u64, u32, ks_mntns_set, 1024);
#endif

static __always_inline bool ks_container_filtered(void)
{
#ifdef KS_CGROUPMAP
    u64 cgroup = bpf_get_current_cgroup_id();
    if (!ks_cgroupset.lookup(&cgroup))
        return true;
#endif
#ifdef KS_MNTNSMAP
    u64 ns_id = ks_mnt_ns();
    if (!ks_mntns_set.lookup(&ns_id))
        return true;
#endif
    return false;
}

/* Syscall arguments in a kprobe on a syscall's entry point.
 *
 * Since 4.17 (x86_64), sys_foo() is reached through a wrapper __x64_sys_foo(regs) whose
 * only argument is the user's saved registers; the resolver defines KS_KP_<probe>_WRAPPED
 * when it picked such a wrapper. Before that, sys_foo() takes the arguments directly.
 * Reading the saved registers is a kernel-memory read. */
#if defined(__x86_64__) || defined(__TARGET_ARCH_x86)
#define KS_SYSCALL_REG1 di
#define KS_SYSCALL_REG2 si
#define KS_SYSCALL_REG3 dx
#define KS_SYSCALL_REG4 r10
#define KS_SYSCALL_REG5 r8
#endif

#define KS_SYSCALL_ARG_WRAPPED(ctx, reg)                                                       \
    ({                                                                                         \
        struct pt_regs *__regs = (struct pt_regs *)PT_REGS_PARM1(ctx);                         \
        unsigned long __v = 0;                                                                 \
        ks_probe_read_kernel(&__v, sizeof(__v), &__regs->reg);                                \
        __v;                                                                                   \
    })

/* KS_SYSCALL_ARG(ctx, probe, n): argument n (1-4) of the syscall in the kprobe program of
 * the named probe, wherever the kprobe found it: in the saved registers when the resolver
 * picked a wrapper (KS_KP_<probe>_WRAPPED is 1), else in the registers. (KS_IS_ONE is the
 * kernel's IS_ENABLED trick: 1 when its argument is a macro defined as 1, else 0.) */
#define KS_ONE_PLACEHOLDER_1 0,
#define KS_SECOND_ARG(ignored, val, ...) val
#define KS_IS_ONE(x) KS_IS_ONE_(x)
#define KS_IS_ONE_(val) KS_IS_ONE__(KS_ONE_PLACEHOLDER_##val)
#define KS_IS_ONE__(arg1_or_junk) KS_SECOND_ARG(arg1_or_junk 1, 0)
#define KS_SYSCALL_ARG(ctx, probe, n)                                                          \
    (KS_IS_ONE(KS_KP_##probe##_WRAPPED) ? KS_SYSCALL_ARG_WRAPPED(ctx, KS_SYSCALL_REG##n)       \
                                        : PT_REGS_PARM##n(ctx))

/* Processes whose user stacks the tool will symbolize (KS_NOTE_PIDS): the first time a
 * process shows up, tell the tool, so that it reads the process's memory map and symbols
 * while the process still lives (it may have exited by the time stacks are printed).
 * Needs KS_EVENTS. The map remembers who was told; when it is full (or an LRU map
 * forgot someone) a process is told of twice, which the tool ignores. */
#ifdef KS_NOTE_PIDS
struct ks_pid_note {
    u32 tgid;
};
KS_STATE_MAP(ks_noted, u32, u8, 16384);

static __always_inline void ks_note_pid(void *ctx, u32 tgid)
{
    if (tgid == 0 || ks_noted.lookup(&tgid))
        return;
    u8 one = 1;
    ks_noted.update(&tgid, &one);
    struct ks_pid_note n = {.tgid = tgid};
    ks_submit(ctx, &n, sizeof(n));
}
#endif

/* Process and thread id lists (-p 1,2 / -t, -L): NUM_PID ids PID_0..PID_<NUM_PID - 1>,
 * NUM_TID ids TID_0...; up to 8 each, tested one by one (no map lookup). */
#if NUM_PID > 0
static __always_inline int pid_wanted(u32 v)
{
    return v == PID_0
#if NUM_PID > 1
           || v == PID_1
#endif
#if NUM_PID > 2
           || v == PID_2
#endif
#if NUM_PID > 3
           || v == PID_3
#endif
#if NUM_PID > 4
           || v == PID_4
#endif
#if NUM_PID > 5
           || v == PID_5
#endif
#if NUM_PID > 6
           || v == PID_6
#endif
#if NUM_PID > 7
           || v == PID_7
#endif
        ;
}
#endif
#if NUM_TID > 0
static __always_inline int tid_wanted(u32 v)
{
    return v == TID_0
#if NUM_TID > 1
           || v == TID_1
#endif
#if NUM_TID > 2
           || v == TID_2
#endif
#if NUM_TID > 3
           || v == TID_3
#endif
#if NUM_TID > 4
           || v == TID_4
#endif
#if NUM_TID > 5
           || v == TID_5
#endif
#if NUM_TID > 6
           || v == TID_6
#endif
#if NUM_TID > 7
           || v == TID_7
#endif
        ;
}
#endif

#define KS_EFAULT 14 /* a stack lookup for a task without one (no user memory) */

/* -m and -M of the off-CPU tools, in microseconds (no MAX_BLOCK_US: no upper bound). */
#ifdef MIN_BLOCK_US
static __always_inline int ks_block_time_wanted(u64 delta_us)
{
#ifdef MAX_BLOCK_US
    if (delta_us > MAX_BLOCK_US)
        return 0;
#endif
    return delta_us >= MIN_BLOCK_US;
}
#endif

#ifdef KS_USES_KPROBES
#include <linux/sched.h>
/* A task's state word (0: TASK_RUNNING), read from its task_struct on kprobe paths: a
 * struct read, which needs headers that match the running kernel. The field was renamed
 * __state in 5.14. */
static __always_inline long ks_task_state(struct task_struct *p)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
    unsigned int st = 0;
    ks_probe_read_kernel(&st, sizeof(st), &p->__state);
    return st;
#else
    long st = 0;
    ks_probe_read_kernel(&st, sizeof(st), &p->state);
    return st;
#endif
}
#endif

/* Off-CPU tools (offcputime, offwaketime): is the thread leaving the CPU one to trace?
 * tid 0 is the idle task. -p and -t by the lists; --state as BCC: 0 means runnable
 * (preempted), else any of the bits. -u/-k are tested by each path (see below). */
#ifdef MIN_BLOCK_US
static __always_inline int ks_offcpu_wanted(u32 tid, u32 tgid, long state)
{
    if (tid == 0)
        return 0;
#if NUM_PID > 0
    if (!pid_wanted(tgid))
        return 0;
#endif
#if NUM_TID > 0
    if (!tid_wanted(tid))
        return 0;
#endif
#ifdef STATE_FILTER
    if (STATE_VALUE == 0 ? state != 0 : !(state & STATE_VALUE))
        return 0;
#endif
    (void)state;
    return 1;
}

/* sched_switch's prev_state without the "preempted" bit, which the tool read from the
 * tracepoint's format (REPORT_STATE_MASK: the bits below it). */
#ifdef STATE_FILTER
#define KS_TP_PREV_STATE(args) ((args)->prev_state & REPORT_STATE_MASK)
#else
#define KS_TP_PREV_STATE(args) 0
#endif

#ifdef KS_USES_KPROBES
/* The kprobe paths: prev is a task_struct (finish_task_switch's argument). Its ids, flags
 * (PF_KTHREAD for -u/-k) and state word (ks_task_state) are read from it: struct
 * reads, which need headers that match the running kernel. */
static __always_inline int ks_task_offcpu_wanted(struct task_struct *p, u32 *pid)
{
    u32 tgid = 0;
    long state = 0;
    *pid = 0;
    ks_probe_read_kernel(pid, sizeof(*pid), &p->pid);
    ks_probe_read_kernel(&tgid, sizeof(tgid), &p->tgid);
#if defined(USER_THREADS_ONLY) || defined(KERNEL_THREADS_ONLY)
    unsigned int flags = 0;
    ks_probe_read_kernel(&flags, sizeof(flags), &p->flags);
#ifdef USER_THREADS_ONLY
    if (flags & PF_KTHREAD)
        return 0;
#else
    if (!(flags & PF_KTHREAD))
        return 0;
#endif
#endif
#ifdef STATE_FILTER
    state = ks_task_state(p);
#endif
    return ks_offcpu_wanted(*pid, tgid, state);
}
#endif
#endif

/* Run-queue latency (runqlat, runqslower: KS_RUNQ): the time from a thread becoming
 * runnable to it running.
 *
 * A thread becomes runnable when it is woken (sched_wakeup), created (sched_wakeup_new),
 * or switched out while still runnable (preempted, or yielding): sched_switch's prev_state
 * without the preempted bit is 0 (REPORT_STATE_MASK, from the tracepoint's format). It
 * runs when sched_switch names it next. The time between is the latency; the tool's
 * runq_done() (defined in its own program) receives it with the thread's id, and with
 * RUNQ_COMMS its name and the previous thread's id and name. The kprobe path (ttwu_do_wakeup or ttwu_do_activate,
 * wake_up_new_task, finish_task_switch) reads the ids and state from task_structs.
 *
 * The process id (-p, -P, --pidnss: RUNQ_BY_PROCESS). The scheduler tracepoints carry
 * thread ids only, and at sched_switch the current task is prev, not next. So on the
 * tracepoint path the latency of next is kept (runq_pending) until next itself leaves the
 * CPU: then it is the current task, its process id is exact (bpf_get_current_pid_tgid), and
 * the latency is handed over. No task_struct is read and no tid->tgid table can go stale;
 * a latency is reported when the thread next leaves the CPU, not when it starts to run.
 * On the kprobe path finish_task_switch runs in next's context: the id is current's. */
#ifdef KS_RUNQ
#define COMM_LEN 16

struct runq_ev {
    u64 delta_ns; /* runnable -> running */
    u32 tid;      /* the thread that waited */
    u32 tgid;     /* its process (only with RUNQ_BY_PROCESS on tracepoints) */
    u32 prev_tid; /* the thread it took the CPU from */
    u32 pad;
    char comm[COMM_LEN];
    char prev_comm[COMM_LEN];
};

KS_STATE_MAP(runq_start, u32, u64, 65536);

/* The tool's: what to do with one latency. With RUNQ_BY_PROCESS (tracepoints) or on the
 * kprobe path, it runs in the context of the thread that waited. */
static __always_inline void runq_done(void *ctx, struct runq_ev *e);

static __always_inline void runq_enqueue(u32 tid)
{
    if (tid == 0)
        return; /* the idle task is never queued */
#if NUM_TID > 0
    if (!tid_wanted(tid))
        return;
#endif
    u64 ts = bpf_ktime_get_ns();
    runq_start.update(&tid, &ts);
}

/* tid runs now: its latency, if its enqueue was seen. */
static __always_inline int runq_ran(u32 tid, u64 *delta)
{
    u64 *tsp = runq_start.lookup(&tid);
    if (!tsp)
        return 0; /* enqueued before the tool started, or filtered out */
    *delta = bpf_ktime_get_ns() - *tsp;
    runq_start.delete(&tid);
    return 1;
}

#if defined(KS_TP_switch)
#ifdef RUNQ_BY_PROCESS
KS_STATE_MAP(runq_pending, u32, struct runq_ev, 16384);

/* tid leaves the CPU and is the current task: its pending latency gets its process id. */
static __always_inline void runq_settle(void *ctx, u32 tid)
{
    struct runq_ev *p = runq_pending.lookup(&tid);
    if (!p)
        return;
    struct runq_ev e = *p;
    runq_pending.delete(&tid);
    e.tgid = bpf_get_current_pid_tgid() >> 32;
#if NUM_PID > 0
    if (!pid_wanted(e.tgid))
        return;
#endif
    runq_done(ctx, &e);
}
#endif

#if defined(KS_TP_wakeup)
TRACEPOINT_PROBE(sched, sched_wakeup)
{
    runq_enqueue(args->pid);
    return 0;
}
#endif

#if defined(KS_TP_wakeup_new)
TRACEPOINT_PROBE(sched, sched_wakeup_new)
{
    runq_enqueue(args->pid);
    return 0;
}
#endif

TRACEPOINT_PROBE(sched, sched_switch)
{
    u32 prev = args->prev_pid, next = args->next_pid;
#ifdef RUNQ_BY_PROCESS
    if (prev != 0)
        runq_settle(args, prev);
#endif
    /* prev is still runnable (preempted or yielding): it waits in the queue from now. */
    if ((args->prev_state & REPORT_STATE_MASK) == 0)
        runq_enqueue(prev);
    struct runq_ev e = {};
    if (!runq_ran(next, &e.delta_ns))
        return 0;
    e.tid = next;
    e.prev_tid = prev;
#ifdef RUNQ_COMMS
    ks_probe_read_kernel(e.comm, sizeof(e.comm), args->next_comm);
    ks_probe_read_kernel(e.prev_comm, sizeof(e.prev_comm), args->prev_comm);
#endif
#ifdef RUNQ_BY_PROCESS
    runq_pending.update(&next, &e);
#else
    runq_done(args, &e);
#endif
    return 0;
}
#endif

#if defined(KS_KP_wakeup)
/* ttwu_do_wakeup(rq, p, ...) before 6.2 (an inline helper after), else
 * ttwu_do_activate(rq, p, ...): the task is the second argument of both. */
int kp_wakeup(struct pt_regs *ctx)
{
    struct task_struct *p = (struct task_struct *)PT_REGS_PARM2(ctx);
    u32 tid = 0;
    ks_probe_read_kernel(&tid, sizeof(tid), &p->pid);
    runq_enqueue(tid);
    return 0;
}
#endif

#if defined(KS_KP_wakeup_new)
/* wake_up_new_task(struct task_struct *p) */
int kp_wakeup_new(struct pt_regs *ctx)
{
    struct task_struct *p = (struct task_struct *)PT_REGS_PARM1(ctx);
    u32 tid = 0;
    ks_probe_read_kernel(&tid, sizeof(tid), &p->pid);
    runq_enqueue(tid);
    return 0;
}
#endif

#if defined(KS_KP_switch)
/* finish_task_switch(struct task_struct *prev), in the context of the thread switched in. */
int kp_switch(struct pt_regs *ctx)
{
    struct task_struct *p = (struct task_struct *)PT_REGS_PARM1(ctx);
    u32 prev = 0;
    ks_probe_read_kernel(&prev, sizeof(prev), &p->pid);
    if (ks_task_state(p) == 0) /* TASK_RUNNING: preempted */
        runq_enqueue(prev);
    u64 id = bpf_get_current_pid_tgid();
    struct runq_ev e = {};
    if (!runq_ran((u32)id, &e.delta_ns))
        return 0;
    e.tid = (u32)id;
    e.tgid = id >> 32;
#if NUM_PID > 0
    if (!pid_wanted(e.tgid))
        return 0;
#endif
    e.prev_tid = prev;
#ifdef RUNQ_COMMS
    bpf_get_current_comm(e.comm, sizeof(e.comm));
    ks_probe_read_kernel(e.prev_comm, sizeof(e.prev_comm), p->comm);
#endif
    runq_done(ctx, &e);
    return 0;
}
#endif
#endif

/* Log2 histograms of times (biolatency, runqlat, cpudist: KS_TIME_HIST), read by the tool
 * once per interval: dist, keyed (section, slot) where the section is a process, thread or other id
 * (0: one histogram); with --prom (KS_PROM) also each section's sum in nanoseconds, never
 * cleared, for the Prometheus histogram's _sum; with -e (EXTENSION) the sum and the count
 * in the histogram's unit, for BCC's "avg = ..." line. MILLISECONDS: -m. */
#ifdef KS_TIME_HIST
struct hist_key {
    u64 section;
    u64 slot;
};
#ifndef KS_TIME_HIST_ENTRIES /* sections x slots */
#if defined(PER_PID) || defined(PER_TID)
#define KS_TIME_HIST_ENTRIES 65536
#else
#define KS_TIME_HIST_ENTRIES 1024
#endif
#endif
BPF_HISTOGRAM(dist, struct hist_key, KS_TIME_HIST_ENTRIES);
#ifdef KS_PROM
BPF_HASH(dist_sum, struct hist_key, u64, 16384);
#endif
#ifdef EXTENSION
/* A plain array with atomic adds: per-CPU arrays need 4.6. */
struct ext_val {
    u64 total;
    u64 count;
};
BPF_ARRAY(extension, struct ext_val, 1);
#endif

static __always_inline void ks_time_hist_add(u64 section, u64 delta_ns)
{
#ifdef MILLISECONDS
    u64 delta = delta_ns / 1000000;
#else
    u64 delta = delta_ns / 1000;
#endif
    struct hist_key key = {};
    key.section = section;
    key.slot = bpf_log2l(delta);
    dist.increment(key);
#ifdef KS_PROM
    struct hist_key sum_key = {.section = section, .slot = 0};
    dist_sum.increment(sum_key, delta_ns); /* an atomic add: CPUs share the entry */
#endif
#ifdef EXTENSION
    int zero = 0;
    struct ext_val *ev = extension.lookup(&zero);
    if (ev) {
        lock_xadd(&ev->total, delta);
        lock_xadd(&ev->count, 1);
    }
#endif
}
#endif

/* Lock statistics (klockstat, plockstat; common/ks_lockstat.h reads them): per caller
 * stack id, how many waits or holds, their total and the longest, in nanoseconds. */
#ifdef KS_LOCK_STATS
struct ks_lock_stat {
    u64 count;
    u64 total;
    u64 max;
};
BPF_HASH(wait_stats, int, struct ks_lock_stat, 16384);
BPF_HASH(hold_stats, int, struct ks_lock_stat, 16384);
BPF_STACK_TRACE(stack_traces, STACK_STORAGE_SIZE);

/* Add one of delta ns to an entry (found or inserted by the caller: bcc takes no map as a
 * function argument). */
static __always_inline void ks_lock_stat_add(struct ks_lock_stat *s, u64 delta)
{
    lock_xadd(&s->count, 1);
    lock_xadd(&s->total, delta);
    if (delta > s->max)
        s->max = delta; /* a race with another CPU may keep the smaller: rare, and close */
}
#endif
