/* memleak.h: the -t events memleak's BPF program sends, shared by bpfsrc/memleak.bpf.c
 * (prepended to it at run time) and tools/memleak.c. */
#ifndef MEMLEAK_H
#define MEMLEAK_H

#define MEMLEAK_ALLOC 1 /* an allocation recorded */
#define MEMLEAK_FREE 2  /* a recorded allocation freed */

struct memleak_event {
    __u32 kind;
    __u32 pad;
    __u64 addr;
    __u64 size;
};

#endif
