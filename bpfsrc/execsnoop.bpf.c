/* execsnoop: trace exec() calls, with their arguments and result.
 *
 * Entry: send the path and each argument as separate events (a BPF program cannot build
 * a variable-length string list in one go). Exit: send the return value; user space joins
 * the pieces and prints one line.
 *
 * One process can call exec() several times in a row: `env prog` execs prog, a shell's
 * `exec` replaces it, and execvp() tries each directory of PATH until one works. Each
 * call is its own line, so every event carries the number of its exec() attempt: entry
 * draws a new number and keeps it per process until the exit sends it along.
 *
 * Configured by the prelude: MAXARG (--max-args), UID_FILTER (-u), KS_CGROUPMAP and
 * KS_MNTNSMAP (kscope.bpf.h), and the probe choices
 * for exec_enter/exec_exit, execat_enter/execat_exit and fork, and KS_EXACT_HEADERS. */

/* The parent (PPID) comes from current->real_parent, a struct read: allowed on the kprobe
 * path, and on the tracepoint path only when the headers are the running kernel's own
 * (KS_EXACT_HEADERS). Otherwise from ks_parent_of (kscope.bpf.h: sched_process_fork, and
 * /proc for processes older than the tool), and failing that user space asks /proc. */
#if defined(KS_KP_exec_exit) || defined(KS_EXACT_HEADERS)
#define PARENT_FROM_TASK 1
#include <linux/sched.h>
#endif

#ifndef MAXARG
#define MAXARG 20
#endif

/* Attempt numbers: a per-CPU counter (no atomic instruction needed) with the CPU number in
 * the top bits, so numbers are unique machine-wide; the process's current one waits here
 * from entry to exit. */
BPF_PERCPU_ARRAY(attempt_counter, u64, 1);
KS_STATE_MAP(attempt_of, u32, u64, 10240);

static __always_inline u64 new_attempt(u32 pid)
{
    int zero = 0;
    u64 *c = attempt_counter.lookup(&zero);
    if (!c)
        return 0;
    *c += 1;
    u64 n = *c | ((u64)bpf_get_smp_processor_id() << 48);
    attempt_of.update(&pid, &n);
    return n;
}

static __always_inline u64 end_attempt(u32 pid)
{
    u64 *n = attempt_of.lookup(&pid);
    if (!n)
        return 0; /* entered before the tool started */
    u64 v = *n;
    attempt_of.delete(&pid);
    return v;
}

static __always_inline bool uid_filtered(u32 uid)
{
#ifdef UID_FILTER
    return uid != UID_FILTER;
#else
    return false;
#endif
}

/* Copy one user string into the event and send it. */
static __always_inline void send_arg(void *ctx, struct execsnoop_event *ev, const char *s)
{
    ks_probe_read_user_str(ev->arg, sizeof(ev->arg), s);
    ks_submit(ctx, ev, sizeof(*ev));
}

static __always_inline int on_exec_enter(void *ctx, const char *filename,
                                         const char *const *argv)
{
    struct execsnoop_event ev = {};
    u32 uid = bpf_get_current_uid_gid();
    if (uid_filtered(uid) || ks_container_filtered())
        return 0;
    ev.pid = bpf_get_current_pid_tgid() >> 32;
    ev.uid = uid;
    ev.type = EXECSNOOP_ARG;
    ev.attempt = new_attempt(ev.pid);
    send_arg(ctx, &ev, filename);

    /* Kernels before 5.3 refuse any backward jump, so there the loop is unrolled into
     * MAXARG copies of its body. Where the verifier takes bounded loops (the runtime asks the
     * kernel: KS_HAVE_BOUNDED_LOOPS) it stays one loop: clang and LLVM then work on one copy
     * instead of twenty (and twenty more for execveat), which was a third of execsnoop's
     * cold start, and the program is that much smaller. The verifier still walks every
     * round, so what it accepts is the same. */
#ifdef KS_HAVE_BOUNDED_LOOPS
#pragma clang loop unroll(disable)
#else
#pragma unroll
#endif
    for (int i = 1; i < MAXARG; i++) {
        const char *arg = NULL;
        ks_probe_read_user(&arg, sizeof(arg), (void *)&argv[i]);
        if (!arg)
            return 0;
        send_arg(ctx, &ev, arg);
    }
    /* More arguments than MAXARG: say so. */
    char more[] = "...";
    __builtin_memcpy(ev.arg, more, sizeof(more));
    ks_submit(ctx, &ev, sizeof(ev));
    return 0;
}

static __always_inline int on_exec_exit(void *ctx, long ret)
{
    struct execsnoop_event ev = {};
    u32 uid = bpf_get_current_uid_gid();
    if (uid_filtered(uid) || ks_container_filtered())
        return 0;
    ev.pid = bpf_get_current_pid_tgid() >> 32;
    ev.uid = uid;
    ev.type = EXECSNOOP_RET;
    ev.retval = ret;
    ev.attempt = end_attempt(ev.pid);
    ev.ts = bpf_ktime_get_ns();
    bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
#if defined(PARENT_FROM_TASK)
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    struct task_struct *real_parent = NULL;
    ks_probe_read_kernel(&real_parent, sizeof(real_parent), &task->real_parent);
    if (real_parent)
        ks_probe_read_kernel(&ev.ppid, sizeof(ev.ppid), &real_parent->tgid);
#elif defined(KS_TP_fork)
    ev.ppid = ks_parent_tgid(ev.pid);
#endif
    ks_submit(ctx, &ev, sizeof(ev));
    return 0;
}

/* ---- execve ---- */
#if defined(KS_TP_exec_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_execve)
{
    return on_exec_enter(args, args->filename, args->argv);
}
#elif defined(KS_KP_exec_enter)
/* kprobe on __x64_sys_execve (wrapped, 4.17+) or sys_execve */
int kp_exec_enter(struct pt_regs *ctx)
{
#ifdef KS_KP_exec_enter_WRAPPED
    const char *filename = (const char *)KS_SYSCALL_ARG_WRAPPED(ctx, KS_SYSCALL_REG1);
    const char *const *argv = (const char *const *)KS_SYSCALL_ARG_WRAPPED(ctx, KS_SYSCALL_REG2);
#else
    const char *filename = (const char *)PT_REGS_PARM1(ctx);
    const char *const *argv = (const char *const *)PT_REGS_PARM2(ctx);
#endif
    return on_exec_enter(ctx, filename, argv);
}
#endif

#if defined(KS_TP_exec_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_execve)
{
    return on_exec_exit(args, args->ret);
}
#elif defined(KS_KP_exec_exit)
int kp_exec_exit(struct pt_regs *ctx)
{
    return on_exec_exit(ctx, PT_REGS_RC(ctx));
}
#endif

/* ---- execveat(dirfd, path, argv, envp, flags) ---- */
#if defined(KS_TP_execat_enter)
TRACEPOINT_PROBE(syscalls, sys_enter_execveat)
{
    return on_exec_enter(args, args->filename, args->argv);
}
#elif defined(KS_KP_execat_enter)
int kp_execat_enter(struct pt_regs *ctx)
{
#ifdef KS_KP_execat_enter_WRAPPED
    const char *filename = (const char *)KS_SYSCALL_ARG_WRAPPED(ctx, KS_SYSCALL_REG2);
    const char *const *argv = (const char *const *)KS_SYSCALL_ARG_WRAPPED(ctx, KS_SYSCALL_REG3);
#else
    const char *filename = (const char *)PT_REGS_PARM2(ctx);
    const char *const *argv = (const char *const *)PT_REGS_PARM3(ctx);
#endif
    return on_exec_enter(ctx, filename, argv);
}
#endif

#if defined(KS_TP_execat_exit)
TRACEPOINT_PROBE(syscalls, sys_exit_execveat)
{
    return on_exec_exit(args, args->ret);
}
#elif defined(KS_KP_execat_exit)
int kp_execat_exit(struct pt_regs *ctx)
{
    return on_exec_exit(ctx, PT_REGS_RC(ctx));
}
#endif
