/* oomkill.h: the event oomkill's BPF program sends, shared by bpfsrc/oomkill.bpf.c
 * (prepended to it at run time) and tools/oomkill.c. */
#ifndef OOMKILL_H
#define OOMKILL_H

#define OOMKILL_COMM_LEN 16

/* Which members the chosen probe could fill (the others are not known). */
#define OOMKILL_HAVE_TCOMM 1 /* the victim's comm */
#define OOMKILL_HAVE_PAGES 2 /* the OOM control's total pages */
#define OOMKILL_HAVE_RSS 4   /* the victim's sizes (tracepoint of 6.8+ kernels) */

struct oomkill_event {
    __u32 fpid;  /* the process that triggered the OOM kill (its allocation failed) */
    __u32 tpid;  /* the victim: its process id (kprobe) or thread id (tracepoint) */
    __u64 pages; /* oc->totalpages: the memory the OOM killer weighed, in pages */
    __u64 total_vm, anon_rss, file_rss, shmem_rss; /* kB, from the tracepoint */
    __u32 have;  /* OOMKILL_HAVE_* */
    __u32 pad;
    char fcomm[OOMKILL_COMM_LEN];
    char tcomm[OOMKILL_COMM_LEN];
};

#endif
