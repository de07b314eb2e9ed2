/* tcpconnect: every active TCP connection attempt (connect()), with the process that
 * made it.
 *
 * Tracepoint path (sock:inet_sock_set_state, 4.16+): the CLOSE -> SYN_SENT transition
 * happens inside connect(), in the connecting process, so the pid, uid and comm are the
 * current task's. The destination is already set then, but not the local port: the kernel
 * picks it just after this transition. Without -L the event is sent at once; with -L
 * (WANT_LPORT) it waits, keyed by the socket's address, for the socket's next transition
 * out of SYN_SENT (to ESTABLISHED, or to CLOSE when refused), where the port is known.
 *
 * Kprobe path (older kernels): tcp_v4_connect()/tcp_v6_connect() entry remembers the
 * socket per thread, their return (0: the SYN is on its way) reads its addresses and
 * ports from struct sock_common.
 *
 * Configured by the prelude: PID_FILTER (-p), UID_FILTER (-u), FAMILY_FILTER (-4/-6), the
 * DPORT list (-P), WANT_LPORT (-L), KS_CGROUPMAP/KS_MNTNSMAP and the probe choices. */

/* The process side of the event: false when a filter drops it. */
static __always_inline bool fill_process(struct tcpconnect_event *ev)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 uid = bpf_get_current_uid_gid();
#ifdef PID_FILTER
    if ((id >> 32) != PID_FILTER)
        return false;
#endif
#ifdef UID_FILTER
    if (uid != UID_FILTER)
        return false;
#endif
    if (ks_container_filtered()) /* --cgroupmap, --mntnsmap */
        return false;
    ev->pid = id >> 32;
    ev->uid = uid;
    ev->ts = bpf_ktime_get_ns();
    bpf_get_current_comm(&ev->comm, sizeof(ev->comm));
    return true;
}

#ifdef KS_TP_connect
#ifdef WANT_LPORT
/* Attempts waiting for their local port, by socket address. */
KS_STATE_MAP(connecting, u64, struct tcpconnect_event, 10240);
#endif

TRACEPOINT_PROBE(sock, inet_sock_set_state)
{
    if (args->protocol != KS_IPPROTO_TCP)
        return 0;
    if (args->oldstate == KS_TCP_CLOSE && args->newstate == KS_TCP_SYN_SENT) {
        /* In connect(): the current task is the one connecting. */
        if (!ks_family_wanted(args->family) || !KS_PORT_WANTED(args->dport, DPORT))
            return 0;
        struct tcpconnect_event ev = {};
        if (!fill_process(&ev))
            return 0;
        KS_INET_FROM_STATE_TP(&ev.t, args);
#ifdef WANT_LPORT
        u64 sk = (u64)args->skaddr;
        connecting.update(&sk, &ev);
#else
        ev.t.sport = 0; /* not chosen yet (unless bound): the column is off anyway */
        ks_submit(args, &ev, sizeof(ev));
#endif
        return 0;
    }
#ifdef WANT_LPORT
    /* Leaving SYN_SENT (ESTABLISHED, or CLOSE when refused or timed out): often in
     * softirq, so only the socket's addresses are taken from here. */
    if (args->oldstate == KS_TCP_SYN_SENT) {
        u64 sk = (u64)args->skaddr;
        struct tcpconnect_event *ev = connecting.lookup(&sk);
        if (!ev)
            return 0;
        KS_INET_FROM_STATE_TP(&ev->t, args);
        ks_submit(args, ev, sizeof(*ev));
        connecting.delete(&sk);
    }
#endif
    return 0;
}
#endif

#ifdef KS_KP_connect
/* The socket each thread is connecting, between entry and return. */
KS_STATE_MAP(currsock, u32, u64, 10240);

/* int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len), and v6 */
static __always_inline int on_connect(struct pt_regs *ctx)
{
    u32 tid = bpf_get_current_pid_tgid();
    u64 sk = PT_REGS_PARM1(ctx);
    currsock.update(&tid, &sk);
    return 0;
}

static __always_inline int on_connect_return(struct pt_regs *ctx)
{
    u32 tid = bpf_get_current_pid_tgid();
    u64 *skp = currsock.lookup(&tid);
    if (!skp)
        return 0;
    struct sock *sk = (struct sock *)*skp;
    currsock.delete(&tid);
    if ((int)PT_REGS_RC(ctx) != 0)
        return 0; /* failed before sending the SYN */
    struct tcpconnect_event ev = {};
    ks_inet_from_sock(&ev.t, sk);
    if (!ks_family_wanted(ev.t.family) || !KS_PORT_WANTED(ev.t.dport, DPORT))
        return 0;
    if (!fill_process(&ev))
        return 0;
    ks_submit(ctx, &ev, sizeof(ev));
    return 0;
}

int kp_connect(struct pt_regs *ctx)
{
    return on_connect(ctx);
}
#endif
#ifdef KS_KP_connect_ret
int kp_connect_ret(struct pt_regs *ctx)
{
    return on_connect_return(ctx);
}
#endif
#ifdef KS_KP_connect6
int kp_connect6(struct pt_regs *ctx)
{
    return on_connect(ctx);
}
#endif
#ifdef KS_KP_connect6_ret
int kp_connect6_ret(struct pt_regs *ctx)
{
    return on_connect_return(ctx);
}
#endif
