/* tcplife: one line per TCP session when it closes: its owner, ends, bytes and lifespan.
 *
 * Every state change of a TCP socket goes through one place: the sock:inet_sock_set_state
 * tracepoint (4.16+), else a kprobe on tcp_set_state(sk, state). Per socket (keyed by its
 * address) the program keeps:
 *   - birth: the time of its last early state (below FIN_WAIT1), as BCC's tcplife;
 *   - owner: the process that owns it, taken only where the owner is the current task:
 *     CLOSE -> SYN_SENT (connect()), -> FIN_WAIT1 (the owner's close() starts the end),
 *     CLOSE_WAIT -> LAST_ACK (the owner's close() after the peer's). Most other changes,
 *     and the final CLOSE, often happen in softirq, where the current task is anyone.
 * At CLOSE it sends the event: the owner cached (else the current task, BCC's fallback).
 *
 * TX_KB/RX_KB come from struct tcp_sock (bytes_acked, bytes_received): a struct read.
 * The kprobe path reads it (its headers must match anyway); the tracepoint path only with
 * the running kernel's own headers (KS_EXACT_HEADERS), else the tool prints "-".
 *
 * Configured by the prelude: PID_FILTER (-p), FAMILY_FILTER (-4/-6), the LPORT (-L) and
 * DPORT (-D) lists, and the probe choices. */

#if defined(KS_USES_KPROBES) || defined(KS_EXACT_HEADERS)
#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "kscope"
#endif
#include <linux/tcp.h>
#include <net/sock.h>
#define READ_BYTES 1
#endif

struct owner {
    u32 pid;
    char comm[16];
};

KS_STATE_MAP(birth, u64, u64, 10240);
KS_STATE_MAP(owner_of, u64, struct owner, 10240);

static __always_inline int on_state(void *ctx, u64 sk, int oldstate, int newstate,
                                    struct ks_inet_tuple *t)
{
    if (!ks_family_wanted(t->family))
        return 0;
    if (!KS_PORT_WANTED(t->sport, LPORT) || !KS_PORT_WANTED(t->dport, DPORT)) {
        birth.delete(&sk);
        return 0;
    }
    if (newstate < KS_TCP_FIN_WAIT1) {
        u64 ts = bpf_ktime_get_ns();
        birth.update(&sk, &ts);
    }
    /* The owner is current where its own system call changes the state. */
    if ((oldstate == KS_TCP_CLOSE && newstate == KS_TCP_SYN_SENT) ||
        newstate == KS_TCP_FIN_WAIT1 || newstate == KS_TCP_LAST_ACK) {
        if (newstate == KS_TCP_SYN_SENT || !owner_of.lookup(&sk)) {
            struct owner me = {.pid = bpf_get_current_pid_tgid() >> 32};
            bpf_get_current_comm(&me.comm, sizeof(me.comm));
            owner_of.update(&sk, &me);
        }
    }
    if (newstate != KS_TCP_CLOSE)
        return 0;

    u64 *tsp = birth.lookup(&sk);
    struct owner *o = owner_of.lookup(&sk);
    if (!tsp) {
        if (o)
            owner_of.delete(&sk);
        return 0; /* born before the tool started, or never established */
    }
    struct tcplife_event ev = {};
    ev.ts = bpf_ktime_get_ns();
    ev.span_ns = ev.ts - *tsp;
    birth.delete(&sk);
    if (o) {
        ev.pid = o->pid;
        __builtin_memcpy(ev.comm, o->comm, sizeof(ev.comm));
        owner_of.delete(&sk);
    } else {
        ev.pid = bpf_get_current_pid_tgid() >> 32;
        bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
    }
#ifdef PID_FILTER
    if (ev.pid != PID_FILTER)
        return 0;
#endif
    ev.t = *t;
#ifdef READ_BYTES
    struct tcp_sock *tp = (struct tcp_sock *)sk;
    ks_probe_read_kernel(&ev.rx_b, sizeof(ev.rx_b), &tp->bytes_received);
    ks_probe_read_kernel(&ev.tx_b, sizeof(ev.tx_b), &tp->bytes_acked);
    ev.have_bytes = 1;
#endif
    ks_submit(ctx, &ev, sizeof(ev));
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
