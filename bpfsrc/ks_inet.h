/* ks_inet.h: what the network tools share, on both sides.
 *
 * The tools' C side includes it (through common/ks_inet.h) for the address tuple their
 * events carry. A tool that sets .bpf_lib = KS_INET_BPF_LIB gets it prepended to its BPF
 * program too, where (__BPF_TRACING__, defined by libbcc's compile) it also brings the BPF
 * helpers below: the sock:inet_sock_set_state fields, a socket's addresses on kprobe
 * paths, the -4/-6 and port-list filters. */
#ifndef KS_INET_H
#define KS_INET_H

/* Address families and TCP states as the kernel numbers them (include/net/tcp_states.h),
 * named here so the tracepoint paths need no kernel header for them. */
#define KS_AF_INET 2
#define KS_AF_INET6 10
#define KS_TCP_ESTABLISHED 1
#define KS_TCP_SYN_SENT 2
#define KS_TCP_SYN_RECV 3
#define KS_TCP_FIN_WAIT1 4
#define KS_TCP_FIN_WAIT2 5
#define KS_TCP_TIME_WAIT 6
#define KS_TCP_CLOSE 7
#define KS_TCP_CLOSE_WAIT 8
#define KS_TCP_LAST_ACK 9
#define KS_TCP_LISTEN 10
#define KS_TCP_CLOSING 11
#define KS_TCP_NEW_SYN_RECV 12
#define KS_IPPROTO_TCP 6

/* Port lists (-P 80,81, -L, -D): at most this many ports per list. */
#define KS_INET_MAX_PORTS 8

/* One connection's ends. IPv4 addresses use the first 4 bytes of saddr/daddr. Ports in
 * host byte order; sport is the local port, dport the remote one. */
struct ks_inet_tuple {
    __u8 saddr[16];
    __u8 daddr[16];
    __u16 family; /* KS_AF_INET or KS_AF_INET6 */
    __u16 sport;
    __u16 dport;
    __u16 pad;
};

#ifdef __BPF_TRACING__
/* ---- BPF side --------------------------------------------------------------------- */

/* The tuple from sock:inet_sock_set_state (4.16+): its fields saddr/daddr (IPv4),
 * saddr_v6/daddr_v6, sport, dport (host order) and family. No struct is read. A macro,
 * because each TRACEPOINT_PROBE has its own args type. */
#define KS_INET_FROM_STATE_TP(t, a)                                                           \
    do {                                                                                       \
        (t)->family = (a)->family;                                                             \
        (t)->sport = (a)->sport;                                                               \
        (t)->dport = (a)->dport;                                                               \
        if ((a)->family == KS_AF_INET) {                                                       \
            __builtin_memcpy((t)->saddr, (a)->saddr, 4);                                       \
            __builtin_memcpy((t)->daddr, (a)->daddr, 4);                                       \
        } else {                                                                               \
            __builtin_memcpy((t)->saddr, (a)->saddr_v6, 16);                                   \
            __builtin_memcpy((t)->daddr, (a)->daddr_v6, 16);                                   \
        }                                                                                      \
    } while (0)

/* Network byte order to host, for the one port the socket keeps in network order. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define KS_NTOHS(x) __builtin_bswap16(x)
#else
#define KS_NTOHS(x) (x)
#endif

#ifdef KS_USES_KPROBES
#include <net/sock.h>
/* The tuple from a struct sock (kprobe paths, whose headers must match the kernel):
 * struct sock_common keeps the local port in host order (skc_num) and the remote port in
 * network order (skc_dport). */
static __always_inline void ks_inet_from_sock(struct ks_inet_tuple *t, struct sock *sk)
{
    u16 family = 0, lport = 0, dport = 0;
    ks_probe_read_kernel(&family, sizeof(family), &sk->__sk_common.skc_family);
    ks_probe_read_kernel(&lport, sizeof(lport), &sk->__sk_common.skc_num);
    ks_probe_read_kernel(&dport, sizeof(dport), &sk->__sk_common.skc_dport);
    t->family = family;
    t->sport = lport;
    t->dport = KS_NTOHS(dport);
    if (family == KS_AF_INET) {
        ks_probe_read_kernel(t->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
        ks_probe_read_kernel(t->daddr, 4, &sk->__sk_common.skc_daddr);
    } else {
#if IS_ENABLED(CONFIG_IPV6)
        ks_probe_read_kernel(t->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
        ks_probe_read_kernel(t->daddr, 16, &sk->__sk_common.skc_v6_daddr);
#endif
    }
}

/* A kprobe at tcp_set_state(struct sock *sk, int state)'s entry, read the way
 * inet_sock_set_state presents it: the socket, its old state (still in sk_state), the new
 * state (the argument) and its ends. */
static __always_inline void ks_inet_tcp_set_state_args(struct pt_regs *ctx, u64 *skaddr,
                                                       int *oldstate, int *newstate,
                                                       struct ks_inet_tuple *t)
{
    struct sock *sk = (struct sock *)PT_REGS_PARM1(ctx);
    unsigned char old = 0;
    ks_probe_read_kernel(&old, sizeof(old), &sk->__sk_common.skc_state);
    *skaddr = (u64)sk;
    *oldstate = old;
    *newstate = (int)PT_REGS_PARM2(ctx);
    ks_inet_from_sock(t, sk);
}
#endif

/* -4 / -6: FAMILY_FILTER is the one family to keep. */
static __always_inline int ks_family_wanted(u16 family)
{
#ifdef FAMILY_FILTER
    return family == FAMILY_FILTER;
#else
    return family == KS_AF_INET || family == KS_AF_INET6;
#endif
}

/* Port lists: the tool defines NUM_<LIST> and <LIST>_0 .. <LIST>_7 (unused ones -1, which
 * no port equals), e.g. KS_PORT_WANTED(dport, DPORT). A list that was not given (NUM_ 0)
 * takes every port. */
#define KS_PORT_IN(v, L)                                                                       \
    ((int)(v) == L##_0 || (int)(v) == L##_1 || (int)(v) == L##_2 || (int)(v) == L##_3 ||       \
     (int)(v) == L##_4 || (int)(v) == L##_5 || (int)(v) == L##_6 || (int)(v) == L##_7)
#define KS_PORT_WANTED(v, L) (NUM_##L == 0 || KS_PORT_IN(v, L))

#endif /* __BPF_TRACING__ */
#endif
