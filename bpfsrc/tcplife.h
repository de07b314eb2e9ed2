/* tcplife.h: the event tcplife's BPF program sends when a TCP session closes. Shared by
 * bpfsrc/tcplife.bpf.c (prepended at run time, after ks_inet.h) and tools/tcplife.c. */
#ifndef TCPLIFE_H
#define TCPLIFE_H

struct tcplife_event {
    struct ks_inet_tuple t;
    __u64 ts;      /* ns, monotonic, at close */
    __u64 span_ns; /* since the session's last early state (before FIN_WAIT1), as BCC's */
    __u64 rx_b;    /* bytes received (tcp_sock.bytes_received) */
    __u64 tx_b;    /* bytes sent and acknowledged (tcp_sock.bytes_acked) */
    __u32 pid;     /* the socket's owner, as cached (see tcplife.bpf.c) */
    __u32 have_bytes; /* 1 when rx_b/tx_b were read (kprobe path, or exact headers) */
    char comm[16];
};

#endif
