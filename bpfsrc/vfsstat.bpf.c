/* vfsstat: count calls of eight VFS functions.
 *
 * Every file read, write, fsync, open, create, unlink, mkdir and rmdir the kernel does for
 * anyone passes one function of the VFS (fs/read_write.c, fs/open.c, fs/namei.c, fs/sync.c):
 * a kprobe on its first instruction counts it. No tracepoint sees these calls: the
 * syscall tracepoints see read() and write() syscalls, which are neither all of the VFS's
 * reads (sendfile, exec, the kernel's own readers) nor all VFS reads (readv, io_uring).
 *
 * Configured by the prelude: PID_FILTER (-p, a process id), and KS_KP_<op> for each
 * function the resolver found. */

/* The counters: one per operation, in a per-CPU array. A per-CPU array gives each CPU its
 * own copy of every counter, so a plain ++ is safe (no other CPU writes that copy) and
 * user space adds the copies up. It never clears them: it prints the growth since its
 * previous look. Key 0 is unused, as in BCC. */
enum stat_types { S_READ = 1, S_WRITE, S_FSYNC, S_OPEN, S_CREATE, S_UNLINK, S_MKDIR, S_RMDIR, S_N };
BPF_PERCPU_ARRAY(stats, u64, S_N);

static __always_inline int count(int key)
{
#ifdef PID_FILTER
    /* The upper half of pid_tgid is the process id (the tgid), the lower the thread's. */
    if ((u32)(bpf_get_current_pid_tgid() >> 32) != PID_FILTER)
        return 0;
#endif
    u64 *v = stats.lookup(&key);
    if (v)
        (*v)++;
    return 0;
}

/* One program per function: the resolver attaches kp_<probe> to the function it found. */
#ifdef KS_KP_read
int kp_read(struct pt_regs *ctx) { return count(S_READ); }
#endif
#ifdef KS_KP_write
int kp_write(struct pt_regs *ctx) { return count(S_WRITE); }
#endif
#ifdef KS_KP_fsync
int kp_fsync(struct pt_regs *ctx) { return count(S_FSYNC); } /* fsync and fdatasync alike */
#endif
#ifdef KS_KP_open
int kp_open(struct pt_regs *ctx) { return count(S_OPEN); }
#endif
#ifdef KS_KP_create
int kp_create(struct pt_regs *ctx) { return count(S_CREATE); }
#endif
#ifdef KS_KP_unlink
int kp_unlink(struct pt_regs *ctx) { return count(S_UNLINK); }
#endif
#ifdef KS_KP_mkdir
int kp_mkdir(struct pt_regs *ctx) { return count(S_MKDIR); }
#endif
#ifdef KS_KP_rmdir
int kp_rmdir(struct pt_regs *ctx) { return count(S_RMDIR); }
#endif
