/* threadsnoop: new threads, at pthread_create().
 *
 * A uprobe at the entry of the C library's pthread_create(thread, attr, start_routine,
 * arg) (in libpthread before glibc 2.34, in libc since) sees the creating process and the
 * function the thread will start in: its third argument, which user space names from the
 * process's symbols. The kernel's task:task_newtask tracepoint sees every new thread too,
 * but not that function: no tracepoint can replace this probe.
 *
 * Configured by the prelude: the probe (KS_UP_create, a uprobe). */

int up_create(struct pt_regs *ctx)
{
    struct threadsnoop_event ev = {};
    ev.ts = bpf_ktime_get_ns();
    ev.pid = bpf_get_current_pid_tgid() >> 32;
    ev.start = PT_REGS_PARM3(ctx);
    bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
    ks_submit(ctx, &ev, sizeof(ev));
    return 0;
}
