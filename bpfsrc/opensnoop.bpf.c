/* opensnoop: trace open(), openat() and openat2(), with the file name and the result.
 *
 * Entry: remember the file name pointer and flags per thread. Exit: read the name (the
 * user page is surely present by then), add the return value, send one event.
 *
 * Configured by the prelude: PID_FILTER (-p), TID_FILTER (-t), UID_FILTER (-u),
 * FLAG_FILTER (-f, a mask of O_* bits), FLAG_FILTER_RDONLY (-f O_RDONLY), WANT_TS (-T),
 * WANT_UID (-U), KS_CGROUPMAP/KS_MNTNSMAP (kscope.bpf.h), and the probe choices. Events
 * carry the directory descriptor of each open (for -F). With kprobes, one probe on
 * do_sys_openat2 (5.6+) or do_sys_open covers all three syscalls. */

/* The thread's name, kept between its opens (KEEP_COMM): asking the kernel for it
 * (bpf_get_current_comm) is ~55 ns of the exit program's ~330, for a name that changes only
 * when the thread renames itself, is renamed, or is a new thread reusing an old id. The
 * task:task_rename and task:task_newtask tracepoints see each of those (below), so the name
 * kept is the name the helper would return. Without the tracepoints (kprobe mode, or an
 * old kernel) or LRU maps (4.10+, for the hash map below), the exit program asks each
 * time. */
#if defined(KS_TP_comm_rename) && defined(KS_TP_comm_newtask) && defined(KS_HAVE_LRU_HASH)
#define KEEP_COMM 1
#endif

struct open_args {
    const char *fname; /* NULL: no open pending (the entry stays, see on_open_exit) */
    int flags;
    int dfd; /* for -F: user space completes relative names from it */
#ifdef KEEP_COMM
    char comm[KS_COMM_LEN];
    u32 comm_known; /* comm holds the thread's name */
#endif
};

/* Where a thread's entry lives. Two maps, because a lookup in a hash map costs ~35 ns per
 * program run (hashing the key, walking a bucket) and a lookup in an array costs ~1: the
 * verifier turns it into a bounds check and an address computation.
 *   tid_open: an array with one entry per thread id, for ids below its size. Its size is set
 *           when it is loaded (KS_TID_ARRAY, kscope.bpf.h): the kernel's pid_max, capped, so
 *           no two live threads ever share an entry.
 *   start:  a hash map, for threads with larger ids (machines with a large pid_max).
 * In the array, a thread's open is written only by the thread itself and its name only by
 * the rename and new-task programs below, so a thread's first open can never overwrite a
 * newer name, and no locks are needed. A
 * thread that was running before the tool started has no name kept there until it is
 * renamed (exec is a rename): its opens ask the kernel. In the hash map, a thread's first
 * open inserts its name, and an insert that finds an entry yields to the rename that made
 * it. */
KS_TID_ARRAY(tid_open, struct open_args);
KS_STATE_MAP(start, u32, struct open_args, 10240);

/* -f: any of the FLAG_FILTER bits, or (FLAG_FILTER_RDONLY, -f O_RDONLY) a read-only access
 * mode, which is no bit: O_RDONLY is 0, the low two bits (O_ACCMODE) clear. */
static __always_inline bool flags_wanted(int flags)
{
    bool ok = false;
#ifdef FLAG_FILTER
    ok = ok || (flags & FLAG_FILTER);
#endif
#ifdef FLAG_FILTER_RDONLY
    ok = ok || (flags & 3) == 0;
#endif
    return ok;
}

static __always_inline int on_open_enter(const char *fname, int flags, int dfd)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tgid = id >> 32, tid = id;
#ifdef PID_FILTER
    if (tgid != PID_FILTER)
        return 0;
#endif
#ifdef TID_FILTER
    if (tid != TID_FILTER)
        return 0;
#endif
#ifdef UID_FILTER
    if ((u32)bpf_get_current_uid_gid() != UID_FILTER)
        return 0;
#endif
#if defined(FLAG_FILTER) || defined(FLAG_FILTER_RDONLY)
    if (!flags_wanted(flags))
        return 0;
#endif
    if (ks_container_filtered()) /* --cgroupmap, --mntnsmap */
        return 0;
    /* The array has an entry for every thread id below its size. */
    struct open_args *a = tid_open.lookup(&tid);
    if (!a) {
        /* A larger id: the hash map. A thread that opened before has its entry still (see
         * on_open_exit): write into it, which costs far less than a map update. */
        a = start.lookup(&tid);
    }
    if (!a) {
        /* The thread's first open: a new entry (with its name, read once). Inserted only if
         * still absent: a rename on another CPU may have just made one, with the newer name. */
        struct open_args n = {.fname = fname, .flags = flags, .dfd = dfd};
#ifdef KEEP_COMM
        bpf_get_current_comm(&n.comm, sizeof(n.comm));
        n.comm_known = 1;
#endif
        if (start.insert(&tid, &n) == 0)
            return 0;
        a = start.lookup(&tid);
        if (!a)
            return 0;
    }
    a->fname = fname;
    a->flags = flags;
    a->dfd = dfd;
    (void)tgid;
    return 0;
}

/* Where the exit program's time goes (bpf_stats, kernel 6.18 in a 2-CPU VM; bench/README.md).
 * With the BPF ring buffer (--events=ringbuf), ~231 ns a run, each part left out in turn:
 *   ~64  bpf_stats itself and the dispatch (an empty program measures that much)
 *   ~8   the thread id and the array lookup
 *   ~96  reading the name from user memory
 *   ~59  sending (bpf_ringbuf_output: a copy of the used bytes into the ring)
 * and ~4 for the rest. The name and the send are each one helper call; on this machine a
 * helper costs more than its work (a 16-byte read of kernel memory takes ~55 ns), because
 * every return inside the kernel goes through a mitigation ("Safe RET", SRSO). Built in
 * place (KS_EVENT, the default on x86_64 5.12+), the send is a few stores and one atomic
 * add: 188-196 ns a run against 227-239 with the ring buffer, in the same runs of 300,000
 * opens. What was cut, and why it was worth it:
 *   - the event is written where the tool reads it, in a ring of this CPU (kscope.bpf.h):
 *     no helper call, no lock, no copy: -40 ns;
 *   - the name is the thread's kept name (KEEP_COMM above): -55 ns;
 *   - the entry is found in an array indexed by thread id, not a hash map (tid_open above):
 *     -40 ns here and -30 in the entry program;
 *   - the entry is marked used rather than deleted: a delete costs a second lookup;
 *   - only the used bytes of the name are sent, not all 255;
 *   - the reader is not woken for each event (a wake-up raises an interrupt, several us in
 *     a VM, paid in here): with the ring buffer every 1024 events, built in place only when
 *     a ring passes half full.
 * Tried and not kept: bpf_ringbuf_reserve and submit (the ring buffer without the copy) is
 * slower here (303 against 283 ns before KEEP_COMM): the reserved size must be a constant,
 * so every event takes the name's full 255 bytes of ring, and it is two helper calls, not
 * one. Perf buffers (--events=perf) cost ~300 ns more per event than the ring buffer on this
 * kernel. */
/* One event, built where KS_EVENT says (kscope.bpf.h): in the ring the tool reads, or on
 * the stack when the kernel or the options call for the BPF ring buffer or perf buffers. */
static __always_inline void send_event(void *ctx, struct open_args *a, u64 id, long ret)
{
    KS_EVENT(struct opensnoop_event, ev);
    if (!ev)
        return; /* no room: counted as lost */
    /* Only the fixed part is zeroed, and only the name's used bytes are sent: at a million
     * opens a second, copying 255 mostly empty bytes per event is most of the cost. */
    __builtin_memset(ev, 0, offsetof(struct opensnoop_event, name));
    ev->id = id;
    /* The clock and the uid cost a helper call each per event: only when shown. */
#ifdef WANT_TS
    ev->ts = bpf_ktime_get_ns();
#endif
#ifdef WANT_UID
    ev->uid = bpf_get_current_uid_gid();
#endif
    ev->ret = ret;
    ev->flags = a->flags;
    ev->dfd = a->dfd;
#ifdef KEEP_COMM
    if (a->comm_known) /* kept: see KEEP_COMM above */
        __builtin_memcpy(&ev->comm, a->comm, sizeof(ev->comm));
    else
#endif
        bpf_get_current_comm(&ev->comm, sizeof(ev->comm));
    int len = ks_probe_read_user_str(&ev->name, sizeof(ev->name), a->fname);
    if (len <= 0) {
        ev->name[0] = '\0';
        len = 1;
    }
    /* The mask keeps the size provably within the event for older verifiers. */
    u32 size = (offsetof(struct opensnoop_event, name) + (u32)len) & 511;
    if (size > sizeof(*ev))
        size = sizeof(*ev);
    ks_event_send(ctx, ev, size);
}

static __always_inline int on_open_exit(void *ctx, long ret)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = id;
    struct open_args *a = tid_open.lookup(&tid);
    bool in_array = a != NULL;
    if (!a)
        a = start.lookup(&tid);
    if (!a || !a->fname)
        return 0; /* entry filtered out, or missed */
    send_event(ctx, a, id, ret);
    /* Used: cheaper than a delete (and the entry keeps the name); the LRU map recycles
     * entries of threads long gone. A plain hash map (before 4.10) does not: delete. */
#ifndef KS_HAVE_LRU_HASH
    if (!in_array) {
        start.delete(&tid);
        return 0;
    }
#endif
    a->fname = NULL;
    (void)in_array;
    return 0;
}

/* ---- keeping each thread's name (KEEP_COMM) ---- */
#ifdef KS_TP_comm_rename
/* A thread was renamed: by exec, by prctl(PR_SET_NAME), or through /proc/PID/task/TID/comm
 * (possibly by another thread, on another CPU). The tracepoint fires before the kernel
 * copies the new name, so the name is taken from the event, not from the task. The kernel
 * holds the renamed task's lock here, so two renames of one thread never overlap. */
TRACEPOINT_PROBE(task, task_rename)
{
#ifdef KEEP_COMM
    u32 tid = args->pid;
    struct open_args *a = tid_open.lookup(&tid);
    if (a) {
        /* The name is set only here and cleared only at the thread's start (below): the
         * thread's own opens never write it. (An open at the very moment another thread
         * renames it may read a half-written name, as the kernel's own unlocked reads of a
         * task's name may.) */
        ks_probe_read_kernel(&a->comm, sizeof(a->comm), args->newcomm);
        a->comm_known = 1;
        return 0;
    }
    /* A larger id: the hash map. */
    a = start.lookup(&tid);
    if (!a && tid == (u32)bpf_get_current_pid_tgid())
        return 0; /* renamed itself (exec, prctl): its first open will read the new name */
    if (!a) {
        /* Another thread, with no entry yet: make one, so that a first open of that thread
         * racing with this rename (its insert fails, see on_open_enter) gets the new name. */
        struct open_args n = {.comm_known = 1};
        ks_probe_read_kernel(&n.comm, sizeof(n.comm), args->newcomm);
        if (start.insert(&tid, &n) == 0)
            return 0;
        a = start.lookup(&tid);
        if (!a)
            return 0;
    }
    ks_probe_read_kernel(&a->comm, sizeof(a->comm), args->newcomm);
#endif
    return 0;
}
#endif

#ifdef KS_TP_comm_newtask
/* A new thread starts: what the maps hold for its id belonged to a thread that has ended
 * (ids are reused), so it goes. The new thread has not run yet: nothing races with this.
 * Its name is not known here (a rename of it may be under way): until it is renamed, its
 * opens ask the kernel. Most new processes exec, which renames them. */
TRACEPOINT_PROBE(task, task_newtask)
{
#ifdef KEEP_COMM
    u32 tid = args->pid;
    struct open_args *a = tid_open.lookup(&tid);
    if (a) {
        a->fname = NULL;
        a->comm_known = 0;
        return 0;
    }
    start.delete(&tid);
#endif
    return 0;
}
#endif

/* ---- open(path, flags, mode): not on every architecture ---- */
#ifdef KS_TP_open_enter
TRACEPOINT_PROBE(syscalls, sys_enter_open)
{
    return on_open_enter(args->filename, args->flags, -100 /* AT_FDCWD */);
}
#endif
#ifdef KS_TP_open_exit
TRACEPOINT_PROBE(syscalls, sys_exit_open)
{
    return on_open_exit(args, args->ret);
}
#endif

/* ---- openat(dirfd, path, flags, mode) ---- */
#if defined(KS_TP_openat_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_openat)
{
    return on_open_enter(args->filename, args->flags, args->dfd);
}
#elif KS_KP_openat_enter == 1
#include <uapi/linux/openat2.h>
/* long do_sys_openat2(int dfd, const char __user *filename, struct open_how *how) */
int kp_openat_enter(struct pt_regs *ctx)
{
    struct open_how *how = (struct open_how *)PT_REGS_PARM3(ctx);
    u64 flags = 0;
    /* A struct read: fine on a kprobe path, where headers must match anyway. */
    ks_probe_read_kernel(&flags, sizeof(flags), &how->flags);
    return on_open_enter((const char *)PT_REGS_PARM2(ctx), (int)flags,
                         (int)PT_REGS_PARM1(ctx));
}
#elif KS_KP_openat_enter == 2
/* long do_sys_open(int dfd, const char __user *filename, int flags, umode_t mode) */
int kp_openat_enter(struct pt_regs *ctx)
{
    return on_open_enter((const char *)PT_REGS_PARM2(ctx), (int)PT_REGS_PARM3(ctx),
                         (int)PT_REGS_PARM1(ctx));
}
#endif

#if defined(KS_TP_openat_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_openat)
{
    return on_open_exit(args, args->ret);
}
#elif defined(KS_KP_openat_exit)
int kp_openat_exit(struct pt_regs *ctx)
{
    return on_open_exit(ctx, PT_REGS_RC(ctx));
}
#endif

/* ---- openat2(dirfd, path, how, size): 5.6+ ---- */
#ifdef KS_TP_openat2_enter
TRACEPOINT_PROBE(syscalls, sys_enter_openat2)
{
    /* flags live in the user's struct open_how; its first member is the u64 flags. */
    u64 flags = 0;
    ks_probe_read_user(&flags, sizeof(flags), (void *)args->how);
    return on_open_enter(args->filename, (int)flags, args->dfd);
}
#endif
#ifdef KS_TP_openat2_exit
TRACEPOINT_PROBE(syscalls, sys_exit_openat2)
{
    return on_open_exit(args, args->ret);
}
#endif
