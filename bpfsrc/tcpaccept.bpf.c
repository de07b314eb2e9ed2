/* tcpaccept: every connection a process accepts (accept(), accept4()), with that process.
 *
 * Kprobe only: a kretprobe on inet_csk_accept(), which runs in the accepting process and
 * returns the new socket; its ends are read from struct sock_common. There is no
 * tracepoint for this: sock:inet_sock_set_state sees passive connections being set up in
 * softirq, where the current task is whoever was running (which is why BCC removed that
 * path), and the accept syscalls' tracepoints do not carry the socket.
 *
 * Configured by the prelude: PID_FILTER (-p), FAMILY_FILTER (-4/-6), the LPORT list (-P),
 * KS_CGROUPMAP/KS_MNTNSMAP. */

#ifdef KS_KP_accept
/* struct sock *inet_csk_accept(struct sock *sk, ...): the accepted socket, or NULL. */
int kp_accept(struct pt_regs *ctx)
{
    struct sock *sk = (struct sock *)PT_REGS_RC(ctx);
    if (!sk)
        return 0;
    u64 id = bpf_get_current_pid_tgid();
#ifdef PID_FILTER
    if ((id >> 32) != PID_FILTER)
        return 0;
#endif
    if (ks_container_filtered()) /* --cgroupmap, --mntnsmap */
        return 0;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 6, 0)
    /* sk_protocol is a plain field since 5.6 (a bitfield before, which cannot be read by
     * address: there, other users of inet_csk_accept (DCCP) are not told apart). */
    u16 protocol = 0;
    ks_probe_read_kernel(&protocol, sizeof(protocol), &sk->sk_protocol);
    if (protocol != KS_IPPROTO_TCP)
        return 0;
#endif
    struct tcpaccept_event ev = {};
    ks_inet_from_sock(&ev.t, sk);
    if (!ks_family_wanted(ev.t.family) || !KS_PORT_WANTED(ev.t.sport, LPORT))
        return 0;
    ev.pid = id >> 32;
    ev.ts = bpf_ktime_get_ns();
    bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
    ks_submit(ctx, &ev, sizeof(ev));
    return 0;
}
#endif
