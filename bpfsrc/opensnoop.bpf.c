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

struct open_args {
    const char *fname;
    int flags;
    int dfd; /* for -F: user space completes relative names from it */
};

KS_STATE_MAP(start, u64, struct open_args, 10240);

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
    /* A thread that opened before has its entry still (see on_open_exit): write into it,
     * which costs far less than a map update. */
    struct open_args *a = start.lookup(&id);
    if (a) {
        a->fname = fname;
        a->flags = flags;
        a->dfd = dfd;
    } else {
        struct open_args n = {.fname = fname, .flags = flags, .dfd = dfd};
        start.update(&id, &n);
    }
    (void)tgid;
    (void)tid;
    return 0;
}

/* Where the exit program's time goes (bpf_stats, 200,000 opens, kernel 6.18 in a 2-CPU VM;
 * bench/README.md): an empty program already costs ~55 ns (bpf_stats reads the clock twice);
 * the map lookup adds ~50, the comm ~40-60, the name read ~70, and sending ~90 plus the
 * wake-ups. The wake-ups were the part worth cutting: one is an interrupt raised in here
 * (~9 us in a VM), so the tool wakes its reader every 1024 events, not 128 (~395 -> ~320
 * ns per run). Writing the event straight into the ring buffer (bpf_ringbuf_reserve and
 * submit, no stack copy) was measured too and is slower here (~360 ns): the reserved size
 * must be a constant, so every event takes the name's full 255 bytes of ring, which also
 * fills the ring four times sooner. The stack copy below is small and hot in the cache.
 * Measured again on kernel 6.18 (1,000,000 opens, each part left out in turn): the comm
 * ~50 ns, the name ~75, sending ~65, the rest (lookup, stores, bpf_stats) ~130; reserving
 * in place 303 against 283 ns (medians of 3 interleaved runs): still not a saving. */
static __always_inline int on_open_exit(void *ctx, long ret)
{
    u64 id = bpf_get_current_pid_tgid();
    struct open_args *a = start.lookup(&id);
    if (!a || !a->fname)
        return 0; /* entry filtered out, or missed */
    /* Only the fixed part is zeroed, and only the name's used bytes are sent: at a million
     * opens a second, copying 255 mostly empty bytes per event is most of the cost. */
    struct opensnoop_event ev;
    __builtin_memset(&ev, 0, offsetof(struct opensnoop_event, name));
    ev.id = id;
    /* The clock and the uid cost a helper call each per event: only when shown. */
#ifdef WANT_TS
    ev.ts = bpf_ktime_get_ns();
#endif
#ifdef WANT_UID
    ev.uid = bpf_get_current_uid_gid();
#endif
    ev.ret = ret;
    ev.flags = a->flags;
    ev.dfd = a->dfd;
    bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
    int len = ks_probe_read_user_str(&ev.name, sizeof(ev.name), a->fname);
    if (len <= 0) {
        ev.name[0] = '\0';
        len = 1;
    }
    /* The mask keeps the size provably within the event for older verifiers. */
    u32 size = (offsetof(struct opensnoop_event, name) + (u32)len) & 511;
    if (size > sizeof(ev))
        size = sizeof(ev);
    ks_submit(ctx, &ev, size);
#ifdef KS_HAVE_LRU_HASH
    a->fname = NULL; /* used: cheaper than a delete, and the LRU map recycles the entry */
#else
    start.delete(&id);
#endif
    return 0;
}

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
