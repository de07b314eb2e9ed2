/* tcpretrans.h: what tcpretrans's BPF program sends (one event per retransmit or tail
 * loss probe); -c counts per flow (struct ks_inet_tuple). Shared by bpfsrc/tcpretrans.bpf.c and tools/tcpretrans.c. */
#ifndef TCPRETRANS_H
#define TCPRETRANS_H

#define TCPRETRANS_RETRANSMIT 1 /* "R" */
#define TCPRETRANS_TLP 2        /* "L": a tail loss probe (-l) */

/* The flow is a struct ks_inet_tuple (bpfsrc/ks_inet.h): local saddr/sport, remote
 * daddr/dport. */
struct tcpretrans_event {
    struct ks_inet_tuple flow;
    __u32 pid;
    __u32 seq;
    __u8 type;
    __u8 state;    /* 0: not known here */
    __u8 have_seq; /* seq was read */
    __u8 pad[5];
};

#endif
