/* fileslower: synchronous file reads and writes slower than a threshold.
 *
 * vfs_read(file, buf, count, pos) and vfs_write(...) (__vfs_read/__vfs_write on kernels
 * that have them) are the VFS's entry points for read(2), write(2) and the kernel's own
 * readers. A kprobe on entry keeps the time, the size asked for and the file's name per
 * thread; the kretprobe takes the latency and sends it when it reaches the threshold.
 * Like BCC, only files whose operations have read_iter (write_iter) are traced (the
 * synchronous path), and only regular files unless -a.
 *
 * Kprobes only: no tracepoint sees the VFS's calls (read() syscalls are not all of them,
 * nor all VFS reads). Struct reads: struct file, its inode and dentry.
 *
 * Configured by the prelude: MIN_US, TGID_FILTER (-p), ALL_FILES (-a), and KS_KP_<probe>. */
#include <linux/fs.h>

struct val_t {
    u64 ts;
    u64 size;
    struct dentry *dentry;
};
KS_STATE_MAP(entryinfo, u32, struct val_t, 10240); /* thread id -> its read or write */

static __always_inline int rw_entry(struct pt_regs *ctx, int write)
{
    u64 id = bpf_get_current_pid_tgid();
#ifdef TGID_FILTER
    if ((u32)(id >> 32) != TGID_FILTER)
        return 0;
#endif
    struct file *file = (struct file *)PT_REGS_PARM1(ctx);
    const struct file_operations *fop = NULL;
    void *iter = NULL;
    ks_probe_read_kernel(&fop, sizeof(fop), &file->f_op);
    if (!fop)
        return 0;
    if (write)
        ks_probe_read_kernel(&iter, sizeof(iter), &fop->write_iter);
    else
        ks_probe_read_kernel(&iter, sizeof(iter), &fop->read_iter);
    if (!iter)
        return 0; /* not the synchronous read_iter/write_iter path */
#ifndef ALL_FILES
    struct inode *inode = NULL;
    umode_t mode = 0;
    ks_probe_read_kernel(&inode, sizeof(inode), &file->f_inode);
    if (inode)
        ks_probe_read_kernel(&mode, sizeof(mode), &inode->i_mode);
    if (!S_ISREG(mode))
        return 0;
#endif
    struct val_t v = {};
    ks_probe_read_kernel(&v.dentry, sizeof(v.dentry), &file->f_path.dentry);
    v.size = PT_REGS_PARM3(ctx);
    v.ts = bpf_ktime_get_ns();
    u32 tid = (u32)id;
    entryinfo.update(&tid, &v);
    return 0;
}

static __always_inline int rw_return(struct pt_regs *ctx, int write)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = (u32)id;
    struct val_t *v = entryinfo.lookup(&tid);
    if (!v)
        return 0; /* filtered, or entered before tracing began */
    u64 delta_us = (bpf_ktime_get_ns() - v->ts) / 1000;
    struct dentry *dentry = v->dentry;
    u64 size = v->size;
    entryinfo.delete(&tid);
    if (delta_us < MIN_US)
        return 0;
    struct fileslower_event e = {};
    e.delta_us = delta_us;
    e.size = size;
    e.tid = tid;
    e.tgid = id >> 32;
    e.write = write;
    bpf_get_current_comm(&e.comm, sizeof(e.comm));
    ks_dentry_name(e.name, sizeof(e.name), dentry);
    if (!e.name[0])
        return 0; /* BCC skips I/O on files without a name */
    ks_submit(ctx, &e, sizeof(e));
    return 0;
}

#ifdef KS_KP_read
int kp_read(struct pt_regs *ctx) { return rw_entry(ctx, 0); }
#endif
#ifdef KS_KP_read_ret
int kp_read_ret(struct pt_regs *ctx) { return rw_return(ctx, 0); }
#endif
#ifdef KS_KP_write
int kp_write(struct pt_regs *ctx) { return rw_entry(ctx, 1); }
#endif
#ifdef KS_KP_write_ret
int kp_write_ret(struct pt_regs *ctx) { return rw_return(ctx, 1); }
#endif
