/* tcptop: TCP bytes sent and received per process and flow, summed in the kernel and
 * printed (then cleared) every interval.
 *
 * Kprobes only: no tracepoint sees the bytes of each send and receive. Sent: what
 * tcp_sendmsg() (and, before 6.5, tcp_sendpage()) returns; the socket is remembered at
 * entry, per thread. Received: tcp_cleanup_rbuf(sk, copied), called after data was copied
 * to the reader. The flow is read from the socket (struct reads, fine on kprobe paths).
 *
 * Configured by the prelude: PID_FILTER (-p), FAMILY_FILTER (-4/-6),
 * KS_CGROUPMAP/KS_MNTNSMAP, and the probe choices (send, send_ret, recv; send_page,
 * send_page_ret where the kernel has tcp_sendpage). */
BPF_HASH(flows, struct tcptop_key, struct tcptop_bytes, 10240);
KS_STATE_MAP(sending, u64, struct sock *, 10240); /* thread -> socket in tcp_sendmsg */

static __always_inline bool task_wanted(u64 id)
{
#ifdef PID_FILTER
    if ((id >> 32) != PID_FILTER)
        return false;
#endif
    return !ks_container_filtered();
}

static __always_inline void count(struct sock *sk, u64 sent, u64 received)
{
    struct tcptop_key k = {};
    ks_inet_from_sock(&k.t, sk);
    if (!ks_family_wanted(k.t.family)) /* -4, -6; and only IP sockets */
        return;
    k.pid = bpf_get_current_pid_tgid() >> 32;
    bpf_get_current_comm(&k.comm, sizeof(k.comm));
    struct tcptop_bytes zero = {}, *b = flows.lookup_or_try_init(&k, &zero);
    if (!b)
        return; /* the table is full */
    if (sent)
        __sync_fetch_and_add(&b->sent, sent);
    if (received)
        __sync_fetch_and_add(&b->received, received);
}

/* int tcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size), and
 * int tcp_sendpage(struct sock *sk, struct page *page, int offset, size_t size, int flags) */
static __always_inline int send_enter(struct sock *sk)
{
    u64 id = bpf_get_current_pid_tgid();
    if (task_wanted(id))
        sending.update(&id, &sk);
    return 0;
}

static __always_inline int send_return(struct pt_regs *ctx)
{
    u64 id = bpf_get_current_pid_tgid();
    struct sock **skp = sending.lookup(&id);
    if (!skp)
        return 0;
    struct sock *sk = *skp;
    sending.delete(&id);
    int size = PT_REGS_RC(ctx);
    if (size > 0)
        count(sk, size, 0);
    return 0;
}

int kp_send(struct pt_regs *ctx, struct sock *sk)
{
    return send_enter(sk);
}
int kp_send_ret(struct pt_regs *ctx)
{
    return send_return(ctx);
}
#ifdef KS_KP_send_page
int kp_send_page(struct pt_regs *ctx, struct sock *sk)
{
    return send_enter(sk);
}
#endif
#ifdef KS_KP_send_page_ret
int kp_send_page_ret(struct pt_regs *ctx)
{
    return send_return(ctx);
}
#endif

/* void tcp_cleanup_rbuf(struct sock *sk, int copied) */
int kp_recv(struct pt_regs *ctx, struct sock *sk, int copied)
{
    if (copied <= 0 || !task_wanted(bpf_get_current_pid_tgid()))
        return 0;
    count(sk, 0, copied);
    return 0;
}
