/* solisten: trace TCP sockets starting to listen, with their port, address and backlog.
 *
 * Tracepoint path (4.16+): sock:inet_sock_set_state fires when a socket enters LISTEN,
 * inside the listen() system call, so the current task is the listening process. It
 * carries the family, local port and address, but not the backlog: that is listen()'s
 * second argument, remembered per thread at syscalls:sys_enter_listen.
 * Kprobe path (older kernels): inet_listen(struct socket *sock, int backlog), reading the
 * socket's family, port and address from its structs.
 *
 * Configured by the prelude: PID_FILTER (-p), WANT_NETNS (--show-netns or -n),
 * NETNS_FILTER (-n), KS_EXACT_HEADERS, and the probe choices (listen, listen_enter,
 * listen_exit). */

/* The network namespace of a socket: sk->__sk_common.skc_net, a struct read. Allowed on
 * the kprobe path, and on the tracepoint path only with the running kernel's own headers
 * (KS_EXACT_HEADERS); otherwise the event says 0 and the tool asks /proc for the
 * listening thread's namespace. */
#if defined(WANT_NETNS) && (defined(KS_KP_listen) || defined(KS_EXACT_HEADERS))
#define READ_NETNS 1
#include <net/net_namespace.h>
#include <net/sock.h>
static __always_inline u32 sock_netns(struct sock *sk)
{
    u32 inum = 0;
#ifdef CONFIG_NET_NS
    struct net *net = NULL;
    ks_probe_read_kernel(&net, sizeof(net), &sk->__sk_common.skc_net.net);
    if (net)
        ks_probe_read_kernel(&inum, sizeof(inum), &net->ns.inum);
#endif
    return inum;
}
#endif

/* Everything but the socket's own facts: the process, the filters, sending. */
static __always_inline int send_listen(void *ctx, struct solisten_event *ev)
{
#ifdef PID_FILTER
    if ((ev->id >> 32) != PID_FILTER)
        return 0;
#endif
#if defined(NETNS_FILTER) && defined(READ_NETNS)
    if (ev->netns != NETNS_FILTER)
        return 0;
#endif
    bpf_get_current_comm(&ev->comm, sizeof(ev->comm));
    ks_submit(ctx, ev, sizeof(*ev));
    return 0;
}

#ifdef KS_TP_listen
/* The backlog each thread passed to listen(), until the socket's state changes. */
KS_STATE_MAP(backlogs, u32, int, 10240);

#ifdef KS_TP_listen_enter
TRACEPOINT_PROBE(syscalls, sys_enter_listen)
{
    u32 tid = bpf_get_current_pid_tgid();
    int backlog = args->backlog;
    backlogs.update(&tid, &backlog);
    return 0;
}
#endif
#ifdef KS_TP_listen_exit
TRACEPOINT_PROBE(syscalls, sys_exit_listen)
{
    u32 tid = bpf_get_current_pid_tgid();
    backlogs.delete(&tid);
    return 0;
}
#endif

TRACEPOINT_PROBE(sock, inet_sock_set_state)
{
    if (args->newstate != KS_TCP_LISTEN || args->protocol != KS_IPPROTO_TCP)
        return 0;
    struct solisten_event ev = {};
    ev.id = bpf_get_current_pid_tgid();
    KS_INET_FROM_STATE_TP(&ev.t, args);
    u32 tid = ev.id;
    int *backlog = backlogs.lookup(&tid);
    ev.backlog = backlog ? *backlog : SOLISTEN_NO_BACKLOG;
#ifdef READ_NETNS
    ev.netns = sock_netns((struct sock *)args->skaddr);
#endif
    return send_listen(args, &ev);
}

#elif defined(KS_KP_listen)
/* int inet_listen(struct socket *sock, int backlog): the backlog already capped to the
 * namespace's net.core.somaxconn. */
int kp_listen(struct pt_regs *ctx, struct socket *sock, int backlog)
{
    struct sock *sk = NULL;
    ks_probe_read_kernel(&sk, sizeof(sk), &sock->sk);
    if (!sk)
        return 0;
    struct solisten_event ev = {};
    ev.id = bpf_get_current_pid_tgid();
    ev.backlog = backlog;
    ks_inet_from_sock(&ev.t, sk); /* the local port: skc_num, set by bind() */
#ifdef READ_NETNS
    ev.netns = sock_netns(sk);
#endif
    return send_listen(ctx, &ev);
}
#endif
