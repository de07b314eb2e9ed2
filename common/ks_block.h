/* ks_block: what the block I/O tools (biosnoop, biotop, biolatency, biopattern...) share:
 * the probes that follow a request from its submitter to its completion, and -d DISK.
 *
 * The BPF side is bpfsrc/blkreq.bpf.h (a tool sets .bpf_lib = KS_BLKREQ_BPF): it keys
 * requests by (dev, sector) on tracepoints, by the request pointer on kprobes, and hands
 * the tool one struct blk_io per completed request. */
#ifndef KS_BLOCK_H
#define KS_BLOCK_H

#include <stdint.h>

#include "ks_probe.h"

/* The request probes, in this order, named as the BPF side expects:
 *  io_start  block:block_io_start (6.5+): the submitter's context, where the request is
 *            made from its first bio (blk_account_io_start).
 *  insert    block:block_rq_insert (the submitter queues it; also the OS queue time), or
 *            the kprobes __blk_account_io_start/blk_account_io_start, which kernels
 *            5.17-6.4 inline (then: the submitter is taken at issue).
 *  issue     block:block_rq_issue, or blk_mq_start_request: sent to the driver.
 *  issue_sq  blk_start_request: legacy single-queue drivers before 5.0 (kprobe only).
 *  done      block:block_rq_complete, or __blk_account_io_done/blk_account_io_done/
 *            blk_mq_end_request.
 * All in group 1: the start maps are keyed one way per mechanism. */
enum { KS_BLK_IO_START, KS_BLK_INSERT, KS_BLK_ISSUE, KS_BLK_ISSUE_SQ, KS_BLK_DONE, KS_BLK_NPROBES };
#define KS_BLKREQ_PROBES                                                                       \
    {.name = "io_start", .tp = "block:block_io_start", .optional = true, .group = 1},          \
        {.name = "insert", .tp = "block:block_rq_insert",                                      \
         .kprobes = {"__blk_account_io_start", "blk_account_io_start"}, .optional = true,      \
         .group = 1},                                                                          \
        {.name = "issue", .tp = "block:block_rq_issue", .kprobes = {"blk_mq_start_request"},   \
         .group = 1},                                                                          \
        {.name = "issue_sq", .kprobes = {"blk_start_request"}, .optional = true, .group = 1},  \
        {.name = "done", .tp = "block:block_rq_complete",                                      \
         .kprobes = {"__blk_account_io_done", "blk_account_io_done", "blk_mq_end_request"},    \
         .group = 1}

/* bpfsrc/blkreq.bpf.h, embedded: a tool's .bpf_lib. */
extern const char ks_bpfsrc_blkreq_bpf_h[];
#define KS_BLKREQ_BPF ks_bpfsrc_blkreq_bpf_h

/* -d DISK: the disk as the kernel numbers it in requests (major << 20 | minor), from the
 * sysfs of the kernel in use (this one, or a --target profile's). Any other name is a
 * usage error that lists the disks there are. */
uint32_t ks_block_disk_arg(const char *name);

#endif
