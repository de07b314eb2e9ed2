/* pagecache.bpf.h: the four page cache events cachestat and cachetop count (their probes
 * are declared once, in common/ks_pagecache.h):
 *
 *   apcl  a page added to the page cache (filemap_add_folio, add_to_page_cache_lru before
 *         5.16; tracepoint filemap:mm_filemap_add_to_page_cache, fired in the same place)
 *   mpa   a page accessed (folio_mark_accessed, mark_page_accessed before 5.16): every
 *         read or write that finds its page in the cache marks it. No tracepoint.
 *   mbd   a buffer dirtied (mark_buffer_dirty; tracepoint block:block_dirty_buffer)
 *   apd   a page dirtied (folio_account_dirtied, account_page_dirtied before 5.17;
 *         tracepoint writeback:writeback_dirty_folio, writeback_dirty_page before 5.18)
 *
 * Each event calls pc_count(nf), which the including program defines: cachestat adds one
 * to a per-CPU counter, cachetop to the row of the current process.
 * Configured by the prelude: KS_TP_<probe> or KS_KP_<probe> for each of the four, and
 * APD_TP_PAGE when the dirtying tracepoint has its pre-folio name. */

enum { NF_APCL, NF_MPA, NF_MBD, NF_APD, NF_N };
static __always_inline int pc_count(int nf);

#ifdef KS_TP_apcl
TRACEPOINT_PROBE(filemap, mm_filemap_add_to_page_cache) { return pc_count(NF_APCL); }
#elif defined(KS_KP_apcl)
int kp_apcl(struct pt_regs *ctx) { return pc_count(NF_APCL); }
#endif

#ifdef KS_KP_mpa
int kp_mpa(struct pt_regs *ctx) { return pc_count(NF_MPA); }
#endif

#ifdef KS_TP_mbd
TRACEPOINT_PROBE(block, block_dirty_buffer) { return pc_count(NF_MBD); }
#elif defined(KS_KP_mbd)
int kp_mbd(struct pt_regs *ctx) { return pc_count(NF_MBD); }
#endif

/* The resolver names a tracepoint program tracepoint__<category>__<event>: one for each
 * name the dirtying tracepoint has had. */
#if defined(KS_TP_apd) && defined(APD_TP_PAGE)
TRACEPOINT_PROBE(writeback, writeback_dirty_page) { return pc_count(NF_APD); }
#elif defined(KS_TP_apd)
TRACEPOINT_PROBE(writeback, writeback_dirty_folio) { return pc_count(NF_APD); }
#elif defined(KS_KP_apd)
int kp_apd(struct pt_regs *ctx) { return pc_count(NF_APD); }
#endif
