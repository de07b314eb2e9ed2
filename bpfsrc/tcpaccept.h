/* tcpaccept.h: the event tcpaccept's BPF program sends per accepted connection. Shared by
 * bpfsrc/tcpaccept.bpf.c (prepended at run time, after ks_inet.h) and tools/tcpaccept.c. */
#ifndef TCPACCEPT_H
#define TCPACCEPT_H

struct tcpaccept_event {
    struct ks_inet_tuple t; /* saddr/sport: the local end; daddr/dport: the remote one */
    __u64 ts;               /* ns, monotonic */
    __u32 pid;              /* the accepting process */
    __u32 pad;
    char comm[16];
};

#endif
