/* readahead: how long pages read ahead wait for their first use, and how many never get
 * one.
 *
 * Read-ahead reads pages of a file before anyone asks for them. While a thread is inside
 * the kernel's read-ahead function (ra: __do_page_cache_readahead before 5.10,
 * do_page_cache_ra, page_cache_ra_order), every page the page cache allocates for it
 * (alloc_ret: the return of __page_cache_alloc, filemap_alloc_folio from 5.16) is a page
 * read ahead: its birth time is kept, keyed by its address, and the count of unused pages
 * goes up. When a page is first marked accessed (mpa: folio_mark_accessed,
 * mark_page_accessed before 5.16), a page with a birth time has been used: its age goes
 * into the histogram (log2 of milliseconds) and the count goes down.
 *
 * A folio's address is its first page's (struct folio begins with that struct page), so
 * the folio and page functions key the same map without reading any structure.
 *
 * Kprobes only: none of these functions has a tracepoint. Configured by the prelude:
 * KS_KP_<probe> for the functions found, and KS_TIME_HIST with MILLISECONDS (the
 * histogram, kscope.bpf.h). */

/* Threads inside the read-ahead function (thread id -> 1). */
KS_STATE_MAP(in_ra, u32, u8, 10240);
/* Pages read ahead and not used yet: address -> birth time (ns). */
BPF_HASH(birth, u64, u64, 65536);
/* [0]: pages read ahead less those used since (signed: atomic adds of +1 and -1). */
BPF_ARRAY(pages, s64, 1);

static __always_inline void pages_add(s64 n)
{
    int zero = 0;
    s64 *p = pages.lookup(&zero);
    if (p)
        __sync_fetch_and_add(p, n);
}

#ifdef KS_KP_ra
int kp_ra(struct pt_regs *ctx)
{
    u32 tid = bpf_get_current_pid_tgid();
    u8 one = 1;
    in_ra.update(&tid, &one);
    return 0;
}
#endif

#ifdef KS_KP_ra_ret
int kp_ra_ret(struct pt_regs *ctx)
{
    u32 tid = bpf_get_current_pid_tgid();
    in_ra.delete(&tid);
    return 0;
}
#endif

#ifdef KS_KP_alloc_ret
int kp_alloc_ret(struct pt_regs *ctx)
{
    u32 tid = bpf_get_current_pid_tgid();
    if (!in_ra.lookup(&tid))
        return 0; /* an allocation not for read-ahead */
    u64 page = PT_REGS_RC(ctx), ts = bpf_ktime_get_ns();
    if (!page)
        return 0; /* the allocation failed */
    /* Counted only when its birth is kept (a full map loses the page, not the balance). */
    if (birth.update(&page, &ts) == 0)
        pages_add(1);
    return 0;
}
#endif

#ifdef KS_KP_mpa
int kp_mpa(struct pt_regs *ctx)
{
    u64 page = PT_REGS_PARM1(ctx);
    u64 *ts = birth.lookup(&page);
    if (!ts)
        return 0; /* not read ahead, or used before */
    u64 age = bpf_ktime_get_ns() - *ts;
    birth.delete(&page);
    pages_add(-1);
    ks_time_hist_add(0, age);
    return 0;
}
#endif
