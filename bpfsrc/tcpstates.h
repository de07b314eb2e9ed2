/* tcpstates.h: the event tcpstates' BPF program sends per TCP state change. Shared by
 * bpfsrc/tcpstates.bpf.c (prepended at run time, after ks_inet.h) and tools/tcpstates.c. */
#ifndef TCPSTATES_H
#define TCPSTATES_H

struct tcpstates_event {
    struct ks_inet_tuple t;
    __u64 skaddr;  /* the socket's kernel address: its identity across changes */
    __u64 ts;      /* ns, monotonic */
    __u64 span_ns; /* time in the old state (0 when the tool did not see it begin) */
    __u32 pid;     /* the current task: in softirq, whoever was running (C-PID) */
    __s32 oldstate;
    __s32 newstate;
    char comm[16];
};

#endif
