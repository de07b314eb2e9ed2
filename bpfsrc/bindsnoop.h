/* bindsnoop.h: the event bindsnoop's BPF program sends. Shared by bpfsrc/bindsnoop.bpf.c
 * (prepended to it at run time) and tools/bindsnoop.c. */
#ifndef BINDSNOOP_H
#define BINDSNOOP_H

#define BINDSNOOP_COMM_LEN 16

/* OPTS letters, BCC's order: IP_FREEBIND, IP_TRANSPARENT, IP_BIND_ADDRESS_NO_PORT,
 * SO_REUSEADDR, SO_REUSEPORT. */
#define BIND_OPT_FREEBIND 1
#define BIND_OPT_TRANSPARENT 2
#define BIND_OPT_NO_PORT 4
#define BIND_OPT_REUSEADDR 8
#define BIND_OPT_REUSEPORT 16

struct bindsnoop_event {
    struct ks_inet_tuple t; /* the local end: saddr, sport (bpfsrc/ks_inet.h) */
    __u64 id;               /* pid << 32 | tid */
    __u64 ts;               /* ns, monotonic */
    __u32 uid;
    __s32 ret;      /* 0, or -errno */
    __u32 bound_if; /* SO_BINDTODEVICE's interface index */
    __u16 protocol; /* IPPROTO_* */
    __u8 opts;      /* BIND_OPT_* */
    __u8 sock_read; /* protocol, opts and bound_if were read from the socket */
    char comm[BINDSNOOP_COMM_LEN];
};

#endif
