/* ks_pagecache: the page cache events cachestat and cachetop count, declared once.
 *
 * The BPF side is bpfsrc/pagecache.bpf.h (a tool sets .bpf_lib = KS_PAGECACHE_BPF and
 * defines pc_count(nf) in its own program). Tracepoints where one fires in the very
 * function BCC probes (page cache additions, dirtied pages and buffers: the numbers are
 * the same); page accesses have none, so both tools are kprobe-only for them. */
#ifndef KS_PAGECACHE_H
#define KS_PAGECACHE_H

#include "ks_tool.h"

/* The counters' indexes (pagecache.bpf.h's enum). */
enum { KS_PC_APCL, KS_PC_MPA, KS_PC_MBD, KS_PC_APD, KS_PC_N };

/* The probes, in that order: a tool's `static struct ks_probe probes[] = {KS_PAGECACHE_PROBES};`.
 * apd's kprobes: folio_account_dirtied is static and often inlined into its only caller,
 * __folio_mark_dirty, which dirties the same pages (those with a mapping). */
#define KS_PAGECACHE_PROBES                                                                    \
    [KS_PC_APCL] = {.name = "apcl", .tp = "filemap:mm_filemap_add_to_page_cache",             \
                    .kprobes = {"filemap_add_folio", "add_to_page_cache_lru"}},               \
    [KS_PC_MPA] = {.name = "mpa", .kprobes = {"folio_mark_accessed", "mark_page_accessed"}}, \
    [KS_PC_MBD] = {.name = "mbd", .tp = "block:block_dirty_buffer",                           \
                   .kprobes = {"mark_buffer_dirty"}},                                         \
    [KS_PC_APD] = {.name = "apd", .tp = "writeback:writeback_dirty_folio",                    \
                   .kprobes = {"folio_account_dirtied", "account_page_dirtied",               \
                               "__folio_mark_dirty"}}

extern const char ks_bpfsrc_pagecache_bpf_h[];
#define KS_PAGECACHE_BPF ks_bpfsrc_pagecache_bpf_h
#define KS_PAGECACHE_BPF_NAME "pagecache.bpf.h"

/* From configure(): before folios (5.18) the dirtying tracepoint had the page's name. */
void ks_pagecache_configure(struct ks_run *r, struct ks_probe *probes);

/* A /proc/meminfo value in kB as MB (BCC: int(kB) / 1024), from the file's text; 0 when
 * absent. */
double ks_meminfo_mb(const char *meminfo, const char *key);

#endif
