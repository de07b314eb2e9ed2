/* tcpdrop.h: what tcpdrop's BPF program sends, one event per dropped packet. Shared by
 * bpfsrc/tcpdrop.bpf.c and tools/tcpdrop.c. */
#ifndef TCPDROP_H
#define TCPDROP_H

/* flow: the packet's ends as it travelled, saddr/sport its source (struct ks_inet_tuple,
 * bpfsrc/ks_inet.h); only the family is known when have_packet is 0. */
struct tcpdrop_event {
    struct ks_inet_tuple flow;
    __u32 pid;
    __s32 kernel_stack_id; /* negative: no stack (see common/ks_stack.h) */
    __u32 reason;          /* the kernel's enum skb_drop_reason, its own numbering */
    __u8 state;            /* the socket's TCP state; 0: no socket, or not read */
    __u8 tcpflags;         /* the TCP header's flag byte (FIN 0x01 ... CWR 0x80) */
    __u8 have_packet;      /* the IP and TCP headers were read: addresses, ports, flags */
    __u8 have_reason;      /* reason is the kernel's (tcp_drop has none) */
};

#endif
