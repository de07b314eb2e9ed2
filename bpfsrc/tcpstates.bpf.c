/* tcpstates: every TCP state change, with the time spent in the previous state.
 *
 * Tracepoint path: sock:inet_sock_set_state (4.16+) gives the socket's address, both
 * states and the connection's ends: no struct is read. Kprobe path (older kernels):
 * tcp_set_state(sk, state), where the old state and the ends are read from the socket.
 * The pid and comm are the current task's, as BCC's (C-PID, C-COMM): many changes happen
 * in softirq, where that is whoever was running.
 *
 * Configured by the prelude: FAMILY_FILTER (-4/-6), the LPORT (-L) and DPORT (-D) lists,
 * and the probe choices. */

/* When each socket entered its current state. */
KS_STATE_MAP(last, u64, u64, 10240);

static __always_inline int on_state(void *ctx, u64 sk, int oldstate, int newstate,
                                    struct ks_inet_tuple *t)
{
    if (!ks_family_wanted(t->family))
        return 0;
    if (!KS_PORT_WANTED(t->sport, LPORT) || !KS_PORT_WANTED(t->dport, DPORT)) {
        last.delete(&sk);
        return 0;
    }
    struct tcpstates_event ev = {};
    ev.ts = bpf_ktime_get_ns();
    u64 *tsp = last.lookup(&sk);
    ev.span_ns = tsp ? ev.ts - *tsp : 0;
    ev.skaddr = sk;
    ev.pid = bpf_get_current_pid_tgid() >> 32;
    ev.oldstate = oldstate;
    ev.newstate = newstate;
    ev.t = *t;
    bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
    ks_submit(ctx, &ev, sizeof(ev));
    if (newstate == KS_TCP_CLOSE)
        last.delete(&sk);
    else
        last.update(&sk, &ev.ts);
    return 0;
}

#ifdef KS_TP_state
TRACEPOINT_PROBE(sock, inet_sock_set_state)
{
    if (args->protocol != KS_IPPROTO_TCP)
        return 0;
    struct ks_inet_tuple t = {};
    KS_INET_FROM_STATE_TP(&t, args);
    return on_state(args, (u64)args->skaddr, args->oldstate, args->newstate, &t);
}
#elif defined(KS_KP_state)
/* void tcp_set_state(struct sock *sk, int state) */
int kp_state(struct pt_regs *ctx)
{
    u64 sk;
    int oldstate, newstate;
    struct ks_inet_tuple t = {};
    ks_inet_tcp_set_state_args(ctx, &sk, &oldstate, &newstate, &t);
    return on_state(ctx, sk, oldstate, newstate, &t);
}
#endif
