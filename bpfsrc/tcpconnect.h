/* tcpconnect.h: the event tcpconnect's BPF program sends (one per connect attempt).
 * Shared by bpfsrc/tcpconnect.bpf.c (prepended at run time, after ks_inet.h) and
 * tools/tcpconnect.c. */
#ifndef TCPCONNECT_H
#define TCPCONNECT_H

struct tcpconnect_event {
    struct ks_inet_tuple t; /* sport is 0 unless -L asked for it */
    __u64 ts;               /* ns, monotonic */
    __u32 pid;
    __u32 uid;
    char comm[16];
};

#endif
