/* exitsnoop: every process (or thread) that ends, with its exit code, parent and age.
 *
 * sched:sched_process_exit fires in the exiting task, so the current task's ids and name
 * are its own. The tracepoint has no exit code, parent or start time: BCC reads them from
 * the task_struct (exit_code, real_parent->tgid, start_time). Here that struct read is
 * done only where it is safe (kprobe paths, or headers that are exactly the running
 * kernel's: KS_EXACT_HEADERS); otherwise the program gathers the same facts from
 * tracepoints as they happen:
 *   - the exit code from the exit_group()/exit() syscalls' entry (code << 8, as wait()
 *     reports it), or, for a process that never called them, the last signal sent to it
 *     and delivered (signal:signal_generate): the one that killed it;
 *   - the parent from sched_process_fork (kscope.bpf.h's fork map, seeded from /proc for
 *     processes older than the tool);
 *   - the start time from the same fork tracepoint, seeded from /proc by the tool.
 * The kprobe path is do_exit(code): its argument is the exit code itself.
 *
 * Configured by the prelude: PID_FILTER (-p), PER_THREAD (--per-thread), FAILED_ONLY (-x),
 * TASK_READS (the struct reads are allowed on the path chosen), and the probes. */

#if defined(KS_KP_exit) || defined(KS_EXACT_HEADERS)
#define TASK_READS 1
#include <linux/sched.h>
#endif

#ifdef KS_TP_fork
/* Start times of tasks (by thread id) forked since the tool started, and of the tasks
 * that were there before (the tool seeds them from /proc/PID/stat). */
KS_STATE_MAP(born, u32, u64, 65536);
static __always_inline void ks_on_fork(u32 child_tid, u32 parent_tgid)
{
    u64 now = bpf_ktime_get_ns();
    born.update(&child_tid, &now);
}
#endif

#if defined(KS_TP_exit_group) || defined(KS_TP_exit_thread) || defined(KS_TP_signal)
/* Exit codes as wait() would see them: by process (exit_group, signals sent to the
 * process) and by thread (exit(), signals sent to one thread). */
KS_STATE_MAP(code_of_process, u32, s32, 16384);
KS_STATE_MAP(code_of_thread, u32, s32, 16384);
#endif

#ifdef KS_TP_exit_group
TRACEPOINT_PROBE(syscalls, sys_enter_exit_group)
{
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    s32 code = (args->error_code & 0xff) << 8;
    code_of_process.update(&tgid, &code);
    return 0;
}
#endif

#ifdef KS_TP_exit_thread
TRACEPOINT_PROBE(syscalls, sys_enter_exit)
{
    u32 tid = bpf_get_current_pid_tgid();
    s32 code = (args->error_code & 0xff) << 8;
    code_of_thread.update(&tid, &code);
    return 0;
}
#endif

#ifdef KS_TP_signal
/* A signal queued for a task (result 0: TRACE_SIGNAL_DELIVERED; ignored or blocked ones
 * are not). A signal the process handles and survives is followed by its own exit_group(),
 * which replaces it. Keyed by the target thread; a signal to the whole process (group) by
 * the target's process id, which kill() names. */
TRACEPOINT_PROBE(signal, signal_generate)
{
    if (args->result != 0 || args->sig <= 0)
        return 0;
    u32 target = args->pid;
    s32 code = args->sig;
    if (args->group)
        code_of_process.update(&target, &code);
    else
        code_of_thread.update(&target, &code);
    return 0;
}
#endif

static __always_inline int task_exit(void *ctx, long code_arg)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tgid = id >> 32, tid = id;
#ifndef PER_THREAD
    if (tid != tgid)
        return 0; /* a thread: the process ends when its leader does */
#endif
#ifdef PID_FILTER
    if (tgid != PID_FILTER)
        return 0;
#endif
    struct exitsnoop_event ev = {.pid = tgid, .tid = tid};
    ev.exit_ns = bpf_ktime_get_ns();
#ifdef TASK_READS
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    struct task_struct *parent = 0;
    ks_probe_read_kernel(&parent, sizeof(parent), &task->real_parent);
    if (parent)
        ks_probe_read_kernel(&ev.ppid, sizeof(ev.ppid), &parent->tgid);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(3, 17, 0)
    ks_probe_read_kernel(&ev.start_ns, sizeof(ev.start_ns), &task->start_time);
#endif
    ev.flags = EXITSNOOP_PPID_KNOWN | EXITSNOOP_START_KNOWN | EXITSNOOP_CODE_KNOWN |
               EXITSNOOP_CORE_KNOWN;
#ifdef KS_KP_exit
    ev.exit_code = code_arg; /* do_exit(code) */
#else
    ks_probe_read_kernel(&ev.exit_code, sizeof(ev.exit_code), &task->exit_code);
#endif
#else
    /* From what the tracepoints told us. */
#ifdef KS_TP_fork
    ev.ppid = ks_parent_tgid(tgid);
    if (ev.ppid)
        ev.flags |= EXITSNOOP_PPID_KNOWN;
    u64 *b = born.lookup(&tid);
    if (b) {
        ev.start_ns = *b;
        ev.flags |= EXITSNOOP_START_KNOWN;
        born.delete(&tid);
    }
#endif
#if defined(KS_TP_exit_group) || defined(KS_TP_exit_thread) || defined(KS_TP_signal)
    /* A thread's own exit() or signal, else the process's exit_group() or signal. */
    s32 *c = code_of_thread.lookup(&tid);
    if (!c)
        c = code_of_process.lookup(&tgid);
    if (c) {
        ev.exit_code = *c;
        ev.flags |= EXITSNOOP_CODE_KNOWN;
    }
    code_of_thread.delete(&tid);
    if (tid == tgid)
        code_of_process.delete(&tgid);
#endif
#endif
#ifdef FAILED_ONLY
    if ((ev.flags & EXITSNOOP_CODE_KNOWN) && ev.exit_code == 0)
        return 0;
#endif
    bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
    ks_submit(ctx, &ev, sizeof(ev));
    (void)code_arg;
    return 0;
}

#if defined(KS_TP_exit)
TRACEPOINT_PROBE(sched, sched_process_exit)
{
    return task_exit(args, 0);
}
#elif defined(KS_KP_exit)
/* void do_exit(long code) */
int kp_exit(struct pt_regs *ctx)
{
    return task_exit(ctx, PT_REGS_PARM1(ctx));
}
#endif
