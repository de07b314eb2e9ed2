/* filetop: reads and writes by thread and file, added up in the kernel.
 *
 * vfs_read(file, buf, count, pos) and vfs_write(...) are the VFS's entry points for
 * read(2), write(2) and the kernel's own readers and writers. A kprobe on each adds the
 * call and its size (the count asked for, as BCC's filetop) to the row of (thread, file).
 * User space reads the rows once per interval and deletes them.
 *
 * Kprobes only: no tracepoint sees the VFS's calls. Struct reads (kprobe path): struct
 * file, its inode (number, mode, device) and dentry (name, parent).
 *
 * Configured by the prelude: TGID_FILTER (-p), ALL_FILES (-a: not only regular files),
 * DIR_INODE (-d: only files whose parent directory has this inode number), and KS_KP_read,
 * KS_KP_write (--read-only and --write-only leave one out). */
#include <linux/fs.h>

BPF_HASH(counts, struct filetop_key, struct filetop_val, 10240);

static __always_inline int rw_entry(struct pt_regs *ctx, int write)
{
    u64 id = bpf_get_current_pid_tgid();
#ifdef TGID_FILTER
    if ((u32)(id >> 32) != TGID_FILTER)
        return 0;
#endif
    struct file *file = (struct file *)PT_REGS_PARM1(ctx);
    struct dentry *de = NULL;
    struct inode *inode = NULL;
    ks_probe_read_kernel(&de, sizeof(de), &file->f_path.dentry);
    ks_probe_read_kernel(&inode, sizeof(inode), &file->f_inode);
    if (!de || !inode)
        return 0;
    u32 len = 0;
    umode_t mode = 0;
    ks_probe_read_kernel(&len, sizeof(len), &de->d_name.len);
    ks_probe_read_kernel(&mode, sizeof(mode), &inode->i_mode);
    if (len == 0)
        return 0; /* I/O without a file name (BCC skips it too) */
#ifndef ALL_FILES
    if (!S_ISREG(mode))
        return 0;
#endif
#ifdef DIR_INODE
    /* -d: the parent directory's inode number (BCC compares the number only). */
    struct dentry *parent = NULL;
    struct inode *pinode = NULL;
    unsigned long pino = 0;
    ks_probe_read_kernel(&parent, sizeof(parent), &de->d_parent);
    if (parent)
        ks_probe_read_kernel(&pinode, sizeof(pinode), &parent->d_inode);
    if (pinode)
        ks_probe_read_kernel(&pino, sizeof(pino), &pinode->i_ino);
    if (pino != DIR_INODE)
        return 0;
#endif
    /* The key starts zeroed: the bytes after the name's NUL are the same in every key of
     * one file, so one file is one row. */
    struct filetop_key k = {};
    unsigned long ino = 0;
    struct super_block *sb = NULL;
    ks_probe_read_kernel(&ino, sizeof(ino), &inode->i_ino);
    ks_probe_read_kernel(&k.rdev, sizeof(k.rdev), &inode->i_rdev);
    ks_probe_read_kernel(&sb, sizeof(sb), &inode->i_sb);
    if (sb)
        ks_probe_read_kernel(&k.dev, sizeof(k.dev), &sb->s_dev);
    k.inode = ino;
    k.tid = (u32)id;
    k.name_len = len;
    bpf_get_current_comm(&k.comm, sizeof(k.comm));
    ks_dentry_name(k.name, FILETOP_NAME_MAX + 1, de);
    k.type = S_ISREG(mode) ? 'R' : S_ISSOCK(mode) ? 'S' : 'O';

    struct filetop_val zero = {}, *v = counts.lookup_or_try_init(&k, &zero);
    if (!v)
        return 0;
    /* A row is its thread's, but thread id 0 is every CPU's idle thread: atomic adds, so
     * that no row can lose a count. */
    u64 count = PT_REGS_PARM3(ctx);
    if (write) {
        __sync_fetch_and_add(&v->writes, 1);
        __sync_fetch_and_add(&v->wbytes, count);
    } else {
        __sync_fetch_and_add(&v->reads, 1);
        __sync_fetch_and_add(&v->rbytes, count);
    }
    return 0;
}

#ifdef KS_KP_read
int kp_read(struct pt_regs *ctx) { return rw_entry(ctx, 0); }
#endif
#ifdef KS_KP_write
int kp_write(struct pt_regs *ctx) { return rw_entry(ctx, 1); }
#endif
