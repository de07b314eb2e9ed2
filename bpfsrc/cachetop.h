/* cachetop.h: a row of cachetop's in-kernel table (bpfsrc/cachetop.bpf.c, tools/cachetop.c):
 * one page cache event (pagecache.bpf.h's NF_*) counted for one process. */
#ifndef CACHETOP_H
#define CACHETOP_H

struct cachetop_key {
    __u32 pid; /* the process (thread group) id */
    __u32 uid;
    __u32 nf;  /* which event: NF_APCL, NF_MPA, NF_MBD, NF_APD */
    __u32 pad;
    char comm[16];
};

#endif
