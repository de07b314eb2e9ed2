/* tcpconnlat: the latency of active TCP connections: from connect() sending the SYN to
 * the handshake's answer (the connection established).
 *
 * Tracepoint path (sock:inet_sock_set_state, 4.16+): CLOSE -> SYN_SENT happens inside
 * connect(), in the connecting process: its pid, comm and the time are kept by socket
 * address. SYN_SENT -> ESTABLISHED (usually in softirq) ends the wait: the event takes
 * the connection's ends from there, the local port included. SYN_SENT -> CLOSE (refused,
 * timed out) forgets the socket. No struct is read.
 *
 * Kprobe path (older kernels): tcp_v4_connect()/tcp_v6_connect() entry starts the clock
 * per socket; tcp_rcv_state_process() on a socket still in SYN_SENT is the answer, and the
 * ends are read from struct sock_common.
 *
 * Configured by the prelude: PID_FILTER (-p), FAMILY_FILTER (-4/-6), MIN_LAT_NS (the
 * duration argument), and the probe choices. */

struct start_info {
    u64 ts;
    u32 pid;
    char comm[16];
};
KS_STATE_MAP(start, u64, struct start_info, 10240);

static __always_inline int start_connect(u64 sk)
{
    struct start_info s = {.pid = bpf_get_current_pid_tgid() >> 32};
#ifdef PID_FILTER
    if (s.pid != PID_FILTER)
        return 0;
#endif
    s.ts = bpf_ktime_get_ns();
    bpf_get_current_comm(&s.comm, sizeof(s.comm));
    start.update(&sk, &s);
    return 0;
}

static __always_inline int connected(void *ctx, u64 sk, struct ks_inet_tuple *t)
{
    struct start_info *s = start.lookup(&sk);
    if (!s)
        return 0;
    struct tcpconnlat_event ev = {};
    ev.ts = bpf_ktime_get_ns();
    ev.lat_ns = ev.ts - s->ts;
    ev.pid = s->pid;
    __builtin_memcpy(ev.comm, s->comm, sizeof(ev.comm));
    start.delete(&sk);
#ifdef MIN_LAT_NS
    if (ev.lat_ns < MIN_LAT_NS)
        return 0;
#endif
    if (!ks_family_wanted(t->family))
        return 0;
    ev.t = *t;
    ks_submit(ctx, &ev, sizeof(ev));
    return 0;
}

#ifdef KS_TP_connect
TRACEPOINT_PROBE(sock, inet_sock_set_state)
{
    if (args->protocol != KS_IPPROTO_TCP)
        return 0;
    u64 sk = (u64)args->skaddr;
    if (args->oldstate == KS_TCP_CLOSE && args->newstate == KS_TCP_SYN_SENT) {
        if (!ks_family_wanted(args->family))
            return 0;
        return start_connect(sk);
    }
    if (args->oldstate != KS_TCP_SYN_SENT)
        return 0;
    if (args->newstate != KS_TCP_ESTABLISHED) {
        start.delete(&sk); /* refused or timed out */
        return 0;
    }
    struct ks_inet_tuple t = {};
    KS_INET_FROM_STATE_TP(&t, args);
    return connected(args, sk, &t);
}
#endif

#ifdef KS_KP_connect
/* int tcp_v4_connect(struct sock *sk, ...), and tcp_v6_connect */
int kp_connect(struct pt_regs *ctx)
{
    return start_connect(PT_REGS_PARM1(ctx));
}
#endif
#ifdef KS_KP_connect6
int kp_connect6(struct pt_regs *ctx)
{
    return start_connect(PT_REGS_PARM1(ctx));
}
#endif
#ifdef KS_KP_rcv_state
/* int tcp_rcv_state_process(struct sock *sk, struct sk_buff *skb): the SYN's answer
 * arrives while the socket is still in SYN_SENT. */
int kp_rcv_state(struct pt_regs *ctx)
{
    struct sock *sk = (struct sock *)PT_REGS_PARM1(ctx);
    unsigned char state = 0;
    ks_probe_read_kernel(&state, sizeof(state), (void *)&sk->__sk_common.skc_state);
    if (state != KS_TCP_SYN_SENT)
        return 0;
    struct ks_inet_tuple t = {};
    ks_inet_from_sock(&t, sk);
    return connected(ctx, (u64)sk, &t);
}
#endif
