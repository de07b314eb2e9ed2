/* filelife: files created and deleted while tracing, with their age.
 *
 * A file is born when a directory entry (struct dentry) gets a new inode: vfs_create
 * (mknod-style creates), vfs_open of a file the same open created (O_CREAT, FMODE_CREATED,
 * 4.19+), or security_inode_create (every create passes it, whatever path the file system
 * takes). The birth time is kept per dentry. When vfs_unlink removes that dentry and
 * succeeds (its return probe sees 0), the file's age is sent.
 *
 * Kprobes only: no tracepoint sees a file's creation or deletion (the syscall tracepoints
 * see paths, not files: a path names different files over time). The arguments are
 * kernel pointers read from the registers; which register holds the dentry changed when
 * idmapped mounts added an argument in front (5.12; 6.3 renamed its type).
 *
 * Configured by the prelude: PID_FILTER (-p), KS_KP_<probe> for each kprobe found. */
#include <linux/fs.h>

KS_STATE_MAP(birth, struct dentry *, u64, 10240);   /* dentry -> creation time (ns) */
KS_STATE_MAP(unlinking, u32, struct filelife_event, 1024); /* thread -> its unlink */
KS_STATE_MAP(unlinking_dentry, u32, struct dentry *, 1024);

static __always_inline int wanted(void)
{
#ifdef PID_FILTER
    if ((u32)(bpf_get_current_pid_tgid() >> 32) != PID_FILTER)
        return 0;
#endif
    return 1;
}

static __always_inline int born(struct dentry *dentry)
{
    if (!wanted())
        return 0;
    u64 ts = bpf_ktime_get_ns();
    birth.update(&dentry, &ts);
    return 0;
}

/* vfs_create and vfs_unlink: (dir, dentry, ...) before 5.12; (idmap or user namespace,
 * dir, dentry, ...) since. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 12, 0)
#define DENTRY_ARG(ctx) ((struct dentry *)PT_REGS_PARM3(ctx))
#else
#define DENTRY_ARG(ctx) ((struct dentry *)PT_REGS_PARM2(ctx))
#endif

#ifdef KS_KP_create
int kp_create(struct pt_regs *ctx) { return born(DENTRY_ARG(ctx)); }
#endif

#ifdef KS_KP_security_create
/* security_inode_create(dir, dentry, mode) */
int kp_security_create(struct pt_regs *ctx) { return born((struct dentry *)PT_REGS_PARM2(ctx)); }
#endif

#if defined(KS_KP_open) && defined(FMODE_CREATED)
/* vfs_open(path, file): only opens that created their file. */
int kp_open(struct pt_regs *ctx)
{
    const struct path *path = (const struct path *)PT_REGS_PARM1(ctx);
    struct file *file = (struct file *)PT_REGS_PARM2(ctx);
    fmode_t mode = 0;
    struct dentry *dentry = NULL;
    ks_probe_read_kernel(&mode, sizeof(mode), &file->f_mode);
    if (!(mode & FMODE_CREATED))
        return 0;
    ks_probe_read_kernel(&dentry, sizeof(dentry), &path->dentry);
    return born(dentry);
}
#elif defined(KS_KP_open)
/* Before 4.19 an open does not say whether it created the file: the creates are seen by
 * vfs_create and security_inode_create. */
int kp_open(struct pt_regs *ctx) { return 0; }
#endif

#ifdef KS_KP_unlink
/* Entry: a file we saw born is being unlinked; keep its event until the return says
 * whether the unlink worked. */
int kp_unlink(struct pt_regs *ctx)
{
    if (!wanted())
        return 0;
    struct dentry *dentry = DENTRY_ARG(ctx);
    u64 *tsp = birth.lookup(&dentry);
    if (!tsp)
        return 0; /* created before tracing began */
    struct filelife_event e = {};
    u64 pid_tgid = bpf_get_current_pid_tgid();
    u32 tid = (u32)pid_tgid;
    e.age_ns = bpf_ktime_get_ns() - *tsp;
    e.pid = pid_tgid >> 32;
    bpf_get_current_comm(&e.comm, sizeof(e.comm));
    ks_dentry_name(e.name, sizeof(e.name), dentry);
    unlinking.update(&tid, &e);
    unlinking_dentry.update(&tid, &dentry);
    return 0;
}
#endif

#ifdef KS_KP_unlink_ret
int kp_unlink_ret(struct pt_regs *ctx)
{
    u32 tid = (u32)bpf_get_current_pid_tgid();
    struct filelife_event *e = unlinking.lookup(&tid);
    struct dentry **dp = unlinking_dentry.lookup(&tid);
    if (!e || !dp)
        return 0;
    if ((int)PT_REGS_RC(ctx) == 0) { /* vfs_unlink returns an int: 0 or -errno */
        struct dentry *dentry = *dp;
        birth.delete(&dentry);
        ks_submit(ctx, e, sizeof(*e));
    }
    unlinking.delete(&tid);
    unlinking_dentry.delete(&tid);
    return 0;
}
#endif
