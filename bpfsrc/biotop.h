/* biotop.h: a row of biotop's in-kernel table (bpfsrc/biotop.bpf.c, tools/biotop.c). */
#ifndef BIOTOP_H
#define BIOTOP_H

struct biotop_key {
    __u32 pid; /* the submitter's process id; 0: not known */
    __u32 write;
    __u32 dev; /* major << 20 | minor */
    __u32 pad;
    char comm[16];
};

struct biotop_val {
    __u64 bytes;
    __u64 us; /* latency (issue to completion), summed in whole microseconds per I/O */
    __u64 io;
};

#endif
