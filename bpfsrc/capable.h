/* capable.h: the event capable's BPF program sends. Shared by bpfsrc/capable.bpf.c and
 * tools/capable.c. */
#ifndef CAPABLE_H
#define CAPABLE_H

#define KS_COMM_LEN 16

struct capable_event {
    __u32 tgid;
    __u32 tid;
    __u32 uid;
    __s32 cap;
    __s32 audit;   /* 1 audited, 0 not; -1: not known (tracepoint path) */
    __s32 insetid; /* -1: not known (before 5.1, or tracepoint path) */
    __s32 ret;     /* the check's answer (0 granted, -EPERM); 1: not known (kprobe path) */
    __s32 kernel_stack_id;
    __s32 user_stack_id;
    char comm[KS_COMM_LEN];
};

#endif
