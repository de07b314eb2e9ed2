/* tcpdrop: TCP packets the kernel dropped, with the reason it gives and its stack.
 *
 * Tracepoint path (5.17+): skb:kfree_skb fires for every packet freed because it was
 * dropped, of any protocol, with the drop reason. Its own fields are the skb's address,
 * its link-layer protocol (ETH_P_IP, ETH_P_IPV6) and the reason: no addresses. So:
 *   - -4/-6 keep the family the protocol field names; other protocols (ARP...) are skipped;
 *   - reasons up to NOT_SPECIFIED (the generic "dropped, no reason given") are skipped, as
 *     BCC does: REASON_NOT_SPECIFIED is its number on this kernel, from the format file;
 *   - whether the packet is TCP, its addresses, ports and flags, and the socket's state are
 *     in the skb and the socket: struct reads, done only when the kernel headers are the
 *     running kernel's (KS_EXACT_HEADERS), which also keeps TCP segments only. Without
 *     them every IPv4/IPv6 drop is sent, with only its family, pid, reason and stack.
 * Kprobe path, asked of the kernel in this order: the functions every drop with a reason
 * goes through, which see what the tracepoint sees (TCP segments kept):
 * kfree_skb_reason(skb, reason) (5.17-6.10), sk_skb_reason_drop(sk, skb, reason) (6.11+);
 * then TCP's own drop functions: tcp_drop_reason(sk, skb, reason), tcp_drop(sk, skb) (up
 * to 5.18, no reason; BCC's probe). Kprobe paths read the packet and the socket.
 *
 * Configured by the prelude: FAMILY_FILTER (-4/-6), REASON_NOT_SPECIFIED, TP_HAS_RX_SK,
 * KS_EXACT_HEADERS, and the probe choice (KS_TP_drop, or KS_KP_drop = which function). */

/* The tracepoint's reason field has the type enum skb_drop_reason, which BCC's generated
 * args struct names: its definition comes from here (a type, not a struct read). */
#include <linux/skbuff.h>

#define ETH_P_IP_ 0x0800   /* the tracepoint's protocol field, in host order */
#define ETH_P_IPV6_ 0x86DD

BPF_STACK_TRACE(stacks, 2048); /* the kernel stack of each drop */

static __always_inline int send_drop(void *ctx, struct tcpdrop_event *ev)
{
    if (!ks_family_wanted(ev->flow.family)) /* -4, -6 */
        return 0;
    ev->pid = bpf_get_current_pid_tgid() >> 32; /* softirq's, when it dropped the packet */
    ev->kernel_stack_id = stacks.get_stackid(ctx, 0);
    ks_submit(ctx, ev, sizeof(*ev));
    return 0;
}

#if defined(KS_USES_KPROBES) || defined(KS_EXACT_HEADERS)
#include <net/sock.h>
#include <uapi/linux/ip.h>
#include <uapi/linux/ipv6.h>
#include <uapi/linux/tcp.h>

/* The packet's IP and TCP headers, found the way ip_hdr() and tcp_hdr() find them:
 * skb->head plus the network header's offset; the TCP header right after the IP header
 * (IPv6: with no extension header between). Returns 0 when the packet is not TCP. */
static __always_inline int read_packet(struct tcpdrop_event *ev, struct sk_buff *skb)
{
    unsigned char *head = NULL;
    typeof(skb->network_header) nh = 0;
    ks_probe_read_kernel(&head, sizeof(head), &skb->head);
    ks_probe_read_kernel(&nh, sizeof(nh), &skb->network_header);
    unsigned char *ip = head + nh, *th;
    u8 first = 0;
    ks_probe_read_kernel(&first, 1, ip);
    if ((first >> 4) == 4) {
        struct iphdr h = {};
        ks_probe_read_kernel(&h, sizeof(h), ip);
        if (h.protocol != IPPROTO_TCP)
            return 0;
        ev->flow.family = KS_AF_INET;
        __builtin_memcpy(ev->flow.saddr, &h.saddr, 4);
        __builtin_memcpy(ev->flow.daddr, &h.daddr, 4);
        th = ip + (first & 0x0f) * 4;
    } else if ((first >> 4) == 6) {
        struct ipv6hdr h = {};
        ks_probe_read_kernel(&h, sizeof(h), ip);
        if (h.nexthdr != IPPROTO_TCP)
            return 0;
        ev->flow.family = KS_AF_INET6;
        __builtin_memcpy(ev->flow.saddr, &h.saddr, 16);
        __builtin_memcpy(ev->flow.daddr, &h.daddr, 16);
        th = ip + sizeof(struct ipv6hdr);
    } else {
        return 0;
    }
    struct tcphdr t = {};
    ks_probe_read_kernel(&t, sizeof(t), th);
    ev->flow.sport = KS_NTOHS(t.source);
    ev->flow.dport = KS_NTOHS(t.dest);
    ev->tcpflags = ((u8 *)&t)[13]; /* tcp_flag_byte(): the flags after the data offset */
    ev->have_packet = 1;
    return 1;
}

/* The socket's state, when the packet has one (a SYN to a closed port has none). */
static __always_inline void read_state(struct tcpdrop_event *ev, struct sock *sk)
{
    if (sk)
        ks_probe_read_kernel(&ev->state, 1, (const void *)&sk->__sk_common.skc_state);
}

static __always_inline struct sock *skb_sock(struct sk_buff *skb)
{
    struct sock *sk = NULL;
    ks_probe_read_kernel(&sk, sizeof(sk), &skb->sk);
    return sk;
}
#endif

/* A drop the generic kfree_skb paths report: kept only with a reason beyond "not
 * specified" (kfree_skb() without one, which also frees many packets of no interest). */
static __always_inline int reason_wanted(u32 reason)
{
    return reason > REASON_NOT_SPECIFIED;
}

#ifdef KS_TP_drop
TRACEPOINT_PROBE(skb, kfree_skb)
{
    struct tcpdrop_event ev = {};
    ev.reason = args->reason;
    ev.have_reason = 1;
    if (!reason_wanted(ev.reason))
        return 0;
#ifdef KS_EXACT_HEADERS
    struct sk_buff *skb = (struct sk_buff *)args->skbaddr;
    if (!read_packet(&ev, skb))
        return 0;
    struct sock *sk = skb_sock(skb);
#ifdef TP_HAS_RX_SK
    if (!sk) /* a received packet is not the socket's yet: the tracepoint names it */
        sk = (struct sock *)args->rx_sk;
#endif
    read_state(&ev, sk);
#else
    if (args->protocol == ETH_P_IP_)
        ev.flow.family = KS_AF_INET;
    else if (args->protocol == ETH_P_IPV6_)
        ev.flow.family = KS_AF_INET6;
    else
        return 0;
#endif
    return send_drop(args, &ev);
}
#endif

#ifdef KS_KP_drop
#if KS_KP_drop <= 2
/* The functions every drop with a reason goes through (as the tracepoint): TCP segments
 * kept; the socket is the receiving one where the function names it, else the skb's. */
static __always_inline int reason_drop(struct pt_regs *ctx, struct sock *sk,
                                       struct sk_buff *skb, u32 reason)
{
    struct tcpdrop_event ev = {};
    ev.reason = reason;
    ev.have_reason = 1;
    if (!reason_wanted(reason) || !read_packet(&ev, skb))
        return 0;
    read_state(&ev, sk ? sk : skb_sock(skb));
    return send_drop(ctx, &ev);
}
#endif
#if KS_KP_drop == 1
/* void kfree_skb_reason(struct sk_buff *skb, enum skb_drop_reason reason) (5.17-6.10) */
int kp_drop(struct pt_regs *ctx, struct sk_buff *skb, u32 reason)
{
    return reason_drop(ctx, NULL, skb, reason);
}
#elif KS_KP_drop == 2
/* void sk_skb_reason_drop(struct sock *sk, struct sk_buff *skb, enum skb_drop_reason r)
 * (6.11+, kfree_skb_reason() is a wrapper of it) */
int kp_drop(struct pt_regs *ctx, struct sock *sk, struct sk_buff *skb, u32 reason)
{
    return reason_drop(ctx, sk, skb, reason);
}
#else
/* 3: void tcp_drop_reason(struct sock *sk, struct sk_buff *skb, enum skb_drop_reason r)
 * 4: void tcp_drop(struct sock *sk, struct sk_buff *skb) (up to 5.18, no reason):
 * TCP's own drops (tcp_input.c), each one shown. */
int kp_drop(struct pt_regs *ctx, struct sock *sk, struct sk_buff *skb, u32 reason)
{
    struct tcpdrop_event ev = {};
#if KS_KP_drop == 3
    ev.reason = reason;
    ev.have_reason = 1;
#endif
    if (!read_packet(&ev, skb))
        return 0;
    read_state(&ev, sk);
    return send_drop(ctx, &ev);
}
#endif
#endif
