/* fsslower: a file system's reads, writes, opens and fsyncs slower than a threshold
 * (ext4slower, xfsslower, btrfsslower, nfsslower).
 *
 * Each operation is a function of the file system's own (ext4_file_read_iter, ...): a
 * kprobe on its entry notes the time, the file and the offset per thread; a kretprobe on
 * its return takes the latency and, when it is over the threshold, sends an event with
 * the return value (bytes, or -errno) and the file's name.
 *
 * The functions take their file differently: read_iter/write_iter a struct kiocb (whose
 * ki_filp is the file, ki_pos the offset), open an (inode, file) pair, fsync the file
 * first, nfs's getattr a struct path (after an idmap argument since 5.12). Where the
 * table falls back to a generic function shared by every file system
 * (generic_file_read_iter), only files of this one are kept: its superblock's magic
 * number (FS_MAGIC) is checked for every operation, which costs three reads.
 *
 * Configured by the prelude: FS_MAGIC, MIN_US (0: every operation), PID_FILTER (-p),
 * ARG_<op> (how the op takes its file: 1 kiocb, 2 (inode, file), 3 file, 4 path),
 * TYPE_<op> (its letter), and KS_KP_<op>/KS_KP_<op>_ret for those found. */
#include <linux/fs.h>

struct entry_t {
    u64 ts;
    u64 offset;
    struct dentry *dentry;
};
KS_STATE_MAP(entryinfo, u64, struct entry_t, 10240); /* pid_tgid -> its operation */

#define ARG_KIOCB 1
#define ARG_INODE_FILE 2
#define ARG_FILE 3
#define ARG_PATH 4

static __always_inline int entry(struct pt_regs *ctx, int how)
{
    u64 id = bpf_get_current_pid_tgid();
#ifdef PID_FILTER
    if ((u32)(id >> 32) != PID_FILTER)
        return 0;
#endif
    struct entry_t e = {};
    struct file *fp = NULL;
    if (how == ARG_KIOCB) {
        struct kiocb *iocb = (struct kiocb *)PT_REGS_PARM1(ctx);
        ks_probe_read_kernel(&fp, sizeof(fp), &iocb->ki_filp);
        ks_probe_read_kernel(&e.offset, sizeof(e.offset), &iocb->ki_pos);
    } else if (how == ARG_INODE_FILE) {
        fp = (struct file *)PT_REGS_PARM2(ctx);
    } else if (how == ARG_FILE) {
        fp = (struct file *)PT_REGS_PARM1(ctx);
    } else {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 12, 0)
        const struct path *path = (const struct path *)PT_REGS_PARM2(ctx);
#else
        const struct path *path = (const struct path *)PT_REGS_PARM1(ctx);
#endif
        ks_probe_read_kernel(&e.dentry, sizeof(e.dentry), &path->dentry);
    }
    if (fp)
        ks_probe_read_kernel(&e.dentry, sizeof(e.dentry), &fp->f_path.dentry);
    if (!e.dentry)
        return 0;
    /* Only this file system's files. */
    struct super_block *sb = NULL;
    unsigned long magic = 0;
    ks_probe_read_kernel(&sb, sizeof(sb), &e.dentry->d_sb);
    if (sb)
        ks_probe_read_kernel(&magic, sizeof(magic), &sb->s_magic);
    if (magic != FS_MAGIC)
        return 0;
    e.ts = bpf_ktime_get_ns();
    entryinfo.update(&id, &e);
    return 0;
}

static __always_inline int on_return(struct pt_regs *ctx, u32 type)
{
    u64 id = bpf_get_current_pid_tgid();
    struct entry_t *e = entryinfo.lookup(&id);
    if (!e)
        return 0; /* not this file system's, filtered, or entered before tracing began */
    u64 now = bpf_ktime_get_ns();
    u64 delta_us = (now - e->ts) / 1000;
    struct dentry *dentry = e->dentry;
    u64 offset = e->offset;
    entryinfo.delete(&id);
#if MIN_US > 0
    if (delta_us <= MIN_US) /* BCC's test: slower than the threshold, strictly */
        return 0;
#endif
    struct fsslower_event ev = {};
    ev.ts_us = now / 1000;
    ev.offset = offset;
    ev.delta_us = delta_us;
    /* read_iter/write_iter return ssize_t; open, fsync and getattr an int, whose upper
     * register half is not part of the value: sign-extend the lower one. */
    if (type == 'R' || type == 'W')
        ev.ret = (s64)PT_REGS_RC(ctx);
    else
        ev.ret = (s64)(int)PT_REGS_RC(ctx);
    ev.pid = id >> 32;
    ev.type = type;
    bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
    ks_dentry_name(ev.file, sizeof(ev.file), dentry);
    ks_submit(ctx, &ev, sizeof(ev));
    return 0;
}

/* One entry and one return program per operation the table has for this file system. */
#ifdef KS_KP_read
int kp_read(struct pt_regs *ctx) { return entry(ctx, ARG_read); }
#endif
#ifdef KS_KP_read_ret
int kp_read_ret(struct pt_regs *ctx) { return on_return(ctx, TYPE_read); }
#endif
#ifdef KS_KP_write
int kp_write(struct pt_regs *ctx) { return entry(ctx, ARG_write); }
#endif
#ifdef KS_KP_write_ret
int kp_write_ret(struct pt_regs *ctx) { return on_return(ctx, TYPE_write); }
#endif
#ifdef KS_KP_open
int kp_open(struct pt_regs *ctx) { return entry(ctx, ARG_open); }
#endif
#ifdef KS_KP_open_ret
int kp_open_ret(struct pt_regs *ctx) { return on_return(ctx, TYPE_open); }
#endif
#ifdef KS_KP_open2
int kp_open2(struct pt_regs *ctx) { return entry(ctx, ARG_open2); }
#endif
#ifdef KS_KP_open2_ret
int kp_open2_ret(struct pt_regs *ctx) { return on_return(ctx, TYPE_open2); }
#endif
#ifdef KS_KP_sync
int kp_sync(struct pt_regs *ctx) { return entry(ctx, ARG_sync); }
#endif
#ifdef KS_KP_sync_ret
int kp_sync_ret(struct pt_regs *ctx) { return on_return(ctx, TYPE_sync); }
#endif
