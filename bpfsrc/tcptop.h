/* tcptop.h: tcptop's map key and value, shared by bpfsrc/tcptop.bpf.c and tools/tcptop.c. */
#ifndef TCPTOP_H
#define TCPTOP_H

#define TCPTOP_COMM_LEN 16

/* One flow (struct ks_inet_tuple, bpfsrc/ks_inet.h) of one process. */
struct tcptop_key {
    struct ks_inet_tuple t;
    __u32 pid;
    char comm[TCPTOP_COMM_LEN];
};

struct tcptop_bytes {
    __u64 sent;     /* tcp_sendmsg's return values */
    __u64 received; /* tcp_cleanup_rbuf's copied */
};

#endif
