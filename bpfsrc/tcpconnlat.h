/* tcpconnlat.h: the event tcpconnlat's BPF program sends per established connection.
 * Shared by bpfsrc/tcpconnlat.bpf.c (prepended at run time, after ks_inet.h) and
 * tools/tcpconnlat.c. */
#ifndef TCPCONNLAT_H
#define TCPCONNLAT_H

struct tcpconnlat_event {
    struct ks_inet_tuple t;
    __u64 ts;     /* ns, monotonic, when the connection was established */
    __u64 lat_ns; /* from connect() (SYN_SENT) to ESTABLISHED */
    __u32 pid;
    __u32 pad;
    char comm[16];
};

#endif
