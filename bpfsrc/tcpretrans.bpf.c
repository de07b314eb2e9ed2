/* tcpretrans: trace (or count, -c) TCP retransmits, and with -l tail loss probes.
 *
 * Tracepoint path (4.15+): tcp:tcp_retransmit_skb fires for each retransmitted segment,
 * with its ports and addresses. Its state field came later (TP_HAS_STATE, asked of the
 * format file); its family field later still (TP_HAS_FAMILY), before which IPv4 sockets
 * show as IPv4-mapped IPv6 addresses. The state without that field, and the sequence
 * number (-s, in the skb's control block), are struct reads: only with the running
 * kernel's own headers (KS_EXACT_HEADERS); otherwise unknown ("-").
 * Kprobe path: tcp_retransmit_skb(struct sock *sk, struct sk_buff *skb), reading the
 * socket. Tail loss probes have no tracepoint: -l is kprobe tcp_send_loss_probe only.
 *
 * Configured by the prelude: FAMILY_FILTER (-4/-6), COUNT (-c), WANT_SEQ (-s),
 * TP_HAS_STATE, TP_HAS_FAMILY, KS_EXACT_HEADERS, and the probe choices (retransmit,
 * tlp). */

#ifdef COUNT
BPF_HASH(counts, struct ks_inet_tuple, u64, 10240); /* flow -> retransmits */
#endif

#if defined(KS_USES_KPROBES) || defined(KS_EXACT_HEADERS)
#include <net/sock.h>
#include <net/tcp.h>
/* The sequence number of the segment: TCP_SKB_CB(skb)->seq, in the skb's cb[]. */
static __always_inline u32 skb_seq(struct sk_buff *skb)
{
    struct tcp_skb_cb *cb = (struct tcp_skb_cb *)&skb->cb[0];
    u32 seq = 0;
    ks_probe_read_kernel(&seq, sizeof(seq), &cb->seq);
    return seq;
}
#endif

static __always_inline int send_retrans(void *ctx, struct tcpretrans_event *ev)
{
    if (!ks_family_wanted(ev->flow.family)) /* -4, -6 */
        return 0;
#ifdef COUNT
    counts.increment(ev->flow);
#else
    ev->pid = bpf_get_current_pid_tgid() >> 32; /* often softirq's: as BCC shows it */
    ks_submit(ctx, ev, sizeof(*ev));
#endif
    return 0;
}

#ifdef KS_TP_retransmit
TRACEPOINT_PROBE(tcp, tcp_retransmit_skb)
{
    struct tcpretrans_event ev = {};
    ev.type = TCPRETRANS_RETRANSMIT;
    ev.flow.sport = args->sport;
    ev.flow.dport = args->dport;
#ifdef TP_HAS_FAMILY
    ev.flow.family = args->family;
#else
    /* ::ffff:a.b.c.d is how this tracepoint stores an IPv4 socket's addresses. */
    u8 a[12] = {};
    __builtin_memcpy(a, args->saddr_v6, sizeof(a));
    u64 zero = 0;
    __builtin_memcpy(&zero, a, 8);
    bool mapped = zero == 0 && a[8] == 0 && a[9] == 0 && a[10] == 0xff && a[11] == 0xff;
    ev.flow.family = mapped ? KS_AF_INET : KS_AF_INET6;
#endif
    if (ev.flow.family == KS_AF_INET) {
        __builtin_memcpy(ev.flow.saddr, args->saddr, 4);
        __builtin_memcpy(ev.flow.daddr, args->daddr, 4);
    } else {
        __builtin_memcpy(ev.flow.saddr, args->saddr_v6, 16);
        __builtin_memcpy(ev.flow.daddr, args->daddr_v6, 16);
    }
#if defined(TP_HAS_STATE)
    ev.state = args->state;
#elif defined(KS_EXACT_HEADERS)
    ks_probe_read_kernel(&ev.state, 1,
                         (const void *)&((struct sock *)args->skaddr)->__sk_common.skc_state);
#endif
#if defined(WANT_SEQ) && defined(KS_EXACT_HEADERS)
    ev.seq = skb_seq((struct sk_buff *)args->skbaddr);
    ev.have_seq = 1;
#endif
    return send_retrans(args, &ev);
}
#endif

#ifdef KS_USES_KPROBES
/* Kprobe paths: everything from the socket (sock_common keeps the local port in host
 * order, the remote one in network order). */
static __always_inline int sock_event(struct pt_regs *ctx, struct sock *sk,
                                      struct sk_buff *skb, u8 type)
{
    struct tcpretrans_event ev = {};
    ev.type = type;
    ks_inet_from_sock(&ev.flow, sk);
    ks_probe_read_kernel(&ev.state, 1, (const void *)&sk->__sk_common.skc_state);
#ifdef WANT_SEQ
    if (skb) {
        ev.seq = skb_seq(skb);
        ev.have_seq = 1;
    }
#endif
    return send_retrans(ctx, &ev);
}
#endif

#ifdef KS_KP_retransmit
/* int tcp_retransmit_skb(struct sock *sk, struct sk_buff *skb, int segs) */
int kp_retransmit(struct pt_regs *ctx, struct sock *sk, struct sk_buff *skb)
{
    return sock_event(ctx, sk, skb, TCPRETRANS_RETRANSMIT);
}
#endif

#ifdef KS_KP_tlp
/* void tcp_send_loss_probe(struct sock *sk): no segment yet, so no sequence number. */
int kp_tlp(struct pt_regs *ctx, struct sock *sk)
{
    return sock_event(ctx, sk, NULL, TCPRETRANS_TLP);
}
#endif
