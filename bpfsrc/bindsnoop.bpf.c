/* bindsnoop: trace bind() of IPv4 and IPv6 sockets: address, port, result, and where they
 * can be read, the socket's protocol, options and bound interface.
 *
 * Tracepoint path: syscalls:sys_enter_bind keeps, per thread, the address the caller
 * passed (a struct sockaddr in user memory); sys_exit_bind reads the family, port and
 * address from it and adds the result. Protocol, options and interface live in the
 * kernel's socket, not in the call: they stay unread there ("-").
 * Kprobe path: inet_bind / inet6_bind remember the socket; their returns read it, as BCC
 * does: the port actually bound (also when 0 was asked), the protocol, the options and
 * the interface.
 *
 * Configured by the prelude: PID_FILTER (-p), UID_FILTER (-u), WANT_ERRORS (-E),
 * NUM_PORT and PORT_0.. (-P, KS_PORT_WANTED), KS_CGROUPMAP/KS_MNTNSMAP, and the probe choices (enter,
 * exit; enter6, exit6 on kprobes). */

/* At entry: is this a thread to trace? */
static __always_inline bool task_wanted(u64 id)
{
#ifdef PID_FILTER
    if ((id >> 32) != PID_FILTER)
        return false;
#endif
#ifdef UID_FILTER
    if ((u32)bpf_get_current_uid_gid() != UID_FILTER)
        return false;
#endif
    return !ks_container_filtered();
}

/* At return: the result filter, the common fields, sending. */
static __always_inline int send_bind(void *ctx, struct bindsnoop_event *ev, int ret)
{
#ifndef WANT_ERRORS
    if (ret != 0)
        return 0;
#endif
    if (!KS_PORT_WANTED(ev->t.sport, PORT))
        return 0;
    ev->ret = ret;
    ev->ts = bpf_ktime_get_ns();
    ev->uid = bpf_get_current_uid_gid();
    bpf_get_current_comm(&ev->comm, sizeof(ev->comm));
    ks_submit(ctx, ev, sizeof(*ev));
    return 0;
}

#ifdef KS_TP_enter
/* ---- tracepoints: the address as the caller passed it ---- */
KS_STATE_MAP(bind_addr, u64, const void *, 10240); /* thread -> its struct sockaddr */

TRACEPOINT_PROBE(syscalls, sys_enter_bind)
{
    u64 id = bpf_get_current_pid_tgid();
    if (!task_wanted(id))
        return 0;
    const void *uaddr = args->umyaddr;
    bind_addr.update(&id, &uaddr);
    return 0;
}

TRACEPOINT_PROBE(syscalls, sys_exit_bind)
{
    u64 id = bpf_get_current_pid_tgid();
    const void **uaddr = bind_addr.lookup(&id);
    if (!uaddr)
        return 0;
    const u8 *sa = *uaddr;
    bind_addr.delete(&id);
    /* struct sockaddr_in:  family (2 bytes), port (2, network order), address (4).
     * struct sockaddr_in6: family, port, flow info (4), address (16), scope id. */
    struct bindsnoop_event ev = {};
    u16 port = 0;
    ev.id = id;
    ks_probe_read_user(&ev.t.family, sizeof(ev.t.family), sa);
    ks_probe_read_user(&port, sizeof(port), sa + 2);
    ev.t.sport = KS_NTOHS(port);
    if (ev.t.family == KS_AF_INET)
        ks_probe_read_user(ev.t.saddr, 4, sa + 4);
    else if (ev.t.family == KS_AF_INET6)
        ks_probe_read_user(ev.t.saddr, 16, sa + 8);
    else
        return 0; /* not an IP socket's bind */
    return send_bind(args, &ev, args->ret);
}
#endif

#if defined(KS_KP_enter)
/* ---- kprobes: the socket itself, after the bind ---- */
#include <net/inet_sock.h>
#include <net/sock.h>
KS_STATE_MAP(bind_sock, u64, struct socket *, 10240); /* thread -> its socket */

/* int inet_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len), inet6_bind
 * alike. */
static __always_inline int bind_enter(struct socket *sock)
{
    u64 id = bpf_get_current_pid_tgid();
    if (task_wanted(id))
        bind_sock.update(&id, &sock);
    return 0;
}

/* The option bits: SO_REUSEADDR and SO_REUSEPORT are bit fields of sock_common, in the
 * byte before skc_bound_dev_if; IP_FREEBIND, IP_TRANSPARENT and IP_BIND_ADDRESS_NO_PORT
 * are bits of inet_flags from 6.6, bit fields of inet_sock before (in the two bytes before
 * rcv_tos). Bit fields have no address, hence the byte reads, as BCC does. */
static __always_inline u8 bind_opts(struct sock *sk)
{
    u8 b = 0, opts = 0;
    ks_probe_read_kernel(&b, 1, (u8 *)&sk->__sk_common.skc_bound_dev_if - 1);
    if (b & 0x0F)
        opts |= BIND_OPT_REUSEADDR;
    if (b & 0x10)
        opts |= BIND_OPT_REUSEPORT;
    struct inet_sock *inet = (struct inet_sock *)sk;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
    unsigned long flags = 0;
    ks_probe_read_kernel(&flags, sizeof(flags), &inet->inet_flags);
    if (flags & (1UL << INET_FLAGS_FREEBIND))
        opts |= BIND_OPT_FREEBIND;
    if (flags & (1UL << INET_FLAGS_TRANSPARENT))
        opts |= BIND_OPT_TRANSPARENT;
    if (flags & (1UL << INET_FLAGS_BIND_ADDRESS_NO_PORT))
        opts |= BIND_OPT_NO_PORT;
#else
    u8 bits[2] = {};
    ks_probe_read_kernel(bits, 2, (u8 *)&inet->rcv_tos - 2);
    if (bits[0] & 0x04)
        opts |= BIND_OPT_FREEBIND;
    if (bits[0] & 0x20)
        opts |= BIND_OPT_TRANSPARENT;
    if (bits[1] & 0x01)
        opts |= BIND_OPT_NO_PORT;
#endif
    return opts;
}

/* sk_protocol: a u16 from 5.6; before, 8 bits of a bit field word that ends just before
 * sk_gso_max_segs (4.10+) or sk_wmem_queued. */
static __always_inline u16 sock_protocol(struct sock *sk)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 6, 0)
    u16 p = 0;
    ks_probe_read_kernel(&p, sizeof(p), &sk->sk_protocol);
    return p;
#else
    u8 p = 0;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 10, 0)
    u8 *end = (u8 *)&sk->sk_gso_max_segs;
#else
    u8 *end = (u8 *)&sk->sk_wmem_queued;
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    ks_probe_read_kernel(&p, 1, end - 3);
#else
    ks_probe_read_kernel(&p, 1, end - 1);
#endif
    return p;
#endif
}

static __always_inline int bind_return(struct pt_regs *ctx)
{
    u64 id = bpf_get_current_pid_tgid();
    struct socket **sockp = bind_sock.lookup(&id);
    if (!sockp)
        return 0;
    struct socket *sock = *sockp;
    bind_sock.delete(&id);
    struct sock *sk = NULL;
    ks_probe_read_kernel(&sk, sizeof(sk), &sock->sk);
    if (!sk)
        return 0;
    struct bindsnoop_event ev = {};
    ev.id = id;
    ks_inet_from_sock(&ev.t, sk); /* the port bound, also when 0 was asked */
    ks_probe_read_kernel(&ev.bound_if, sizeof(ev.bound_if),
                        &sk->__sk_common.skc_bound_dev_if);
    ev.protocol = sock_protocol(sk);
    ev.opts = bind_opts(sk);
    ev.sock_read = 1;
    return send_bind(ctx, &ev, PT_REGS_RC(ctx));
}

int kp_enter(struct pt_regs *ctx, struct socket *sock)
{
    return bind_enter(sock);
}
int kp_exit(struct pt_regs *ctx)
{
    return bind_return(ctx);
}
#ifdef KS_KP_enter6
int kp_enter6(struct pt_regs *ctx, struct socket *sock)
{
    return bind_enter(sock);
}
#endif
#ifdef KS_KP_exit6
int kp_exit6(struct pt_regs *ctx)
{
    return bind_return(ctx);
}
#endif
#endif
