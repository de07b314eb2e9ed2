/* biopattern.h: per-disk counters of biopattern's BPF program (bpfsrc/biopattern.bpf.c,
 * tools/biopattern.c). */
#ifndef BIOPATTERN_H
#define BIOPATTERN_H

struct biopattern_counts {
    __u64 bytes;
    __u64 sequential;
    __u64 random;
};

#endif
