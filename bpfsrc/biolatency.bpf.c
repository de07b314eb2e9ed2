/* biolatency: block I/O latency as a log2 histogram, summarised in the kernel.
 *
 * Start: when the request is issued to the driver (or inserted into the OS queue, with
 * -Q). Done: when it completes. The time between goes into a histogram slot; user space
 * only reads the histogram, once per interval.
 *
 * Tracepoint path: requests are keyed by (device, sector), both tracepoint fields. A
 * request that the driver requeues is issued again at the same sector; the second issue
 * simply restarts its clock, and its one completion counts once.
 * Kprobe path: requests are keyed by their struct request pointer.
 *
 * Configured by the prelude: QUEUED (-Q), MILLISECONDS (-m), PER_DISK (-D), PER_FLAG (-F),
 * DISK_FILTER (-d, the disk's kernel dev_t: major << 20 | minor), EXTENSION (-e: total
 * and count besides the histogram), KS_PROM (--prom: also add up the latencies in
 * nanoseconds), and the probe choices for insert, issue and done. */

/* Kprobe paths: struct request and blk_rq_dev() (its disk) come from blkreq.bpf.h. */

struct start_key {
    u64 a; /* tracepoints: device; kprobes: request pointer */
    u64 b; /* tracepoints: sector; kprobes: 0 */
};

struct hist_key {
    u64 section; /* device (-D), flags (-F), or 0 */
    u64 slot;
};

KS_STATE_MAP(start, struct start_key, u64, 10240);
BPF_HISTOGRAM(dist, struct hist_key, 4096);
#ifdef KS_PROM
/* --prom: the latencies added up per section, in nanoseconds, for the Prometheus
 * histogram's _sum (the slots only say "between 2^(k-1) and 2^k"). Keyed like dist with
 * slot 0, so user space reads both maps the same way. */
BPF_HASH(dist_sum, struct hist_key, u64, 4096);
#endif

#ifdef EXTENSION
/* -e: the sum and the number of latencies, for BCC's "avg = ..., total: ..." line. A plain
 * array with atomic adds: per-CPU arrays need 4.6, and at block I/O rates the atomic
 * instruction costs nothing that shows. */
struct ext_val {
    u64 total;
    u64 count;
};
BPF_ARRAY(extension, struct ext_val, 1);
#endif

/* Record when a request started. keep_first: don't overwrite an earlier start (with -Q the
 * insert time must survive the issue). */
static __always_inline int on_start(struct start_key *key, bool keep_first, u64 dev)
{
#ifdef DISK_FILTER
    if (dev != DISK_FILTER)
        return 0; /* another disk: never started, so never counted */
#endif
    (void)dev;
    u64 ts = bpf_ktime_get_ns();
    if (keep_first)
        start.insert(key, &ts); /* BPF_NOEXIST */
    else
        start.update(key, &ts);
    return 0;
}

static __always_inline int on_done(struct start_key *key, u64 section)
{
    u64 *tsp = start.lookup(key);
    if (!tsp)
        return 0; /* started before we attached */
    u64 delta_ns = bpf_ktime_get_ns() - *tsp;
    start.delete(key);
#ifdef MILLISECONDS
    u64 delta = delta_ns / 1000000;
#else
    u64 delta = delta_ns / 1000;
#endif
    struct hist_key hk = {.section = section, .slot = bpf_log2l(delta)};
    dist.increment(hk);
#ifdef KS_PROM
    struct hist_key sk = {.section = section, .slot = 0};
    dist_sum.increment(sk, delta_ns); /* an atomic add: CPUs share the entry */
#endif
#ifdef EXTENSION
    int zero = 0;
    struct ext_val *ev = extension.lookup(&zero);
    if (ev) {
        __sync_fetch_and_add(&ev->total, delta);
        __sync_fetch_and_add(&ev->count, 1);
    }
#endif
    return 0;
}

/* ---------------- tracepoint path ---------------- */
#if defined(KS_TP_insert)
TRACEPOINT_PROBE(block, block_rq_insert)
{
    struct start_key key = {.a = args->dev, .b = args->sector};
    return on_start(&key, false, args->dev);
}
#endif

#if defined(KS_TP_issue)
TRACEPOINT_PROBE(block, block_rq_issue)
{
    struct start_key key = {.a = args->dev, .b = args->sector};
#ifdef QUEUED
    return on_start(&key, true, args->dev);
#else
    return on_start(&key, false, args->dev);
#endif
}
#endif

#if defined(KS_TP_done)
TRACEPOINT_PROBE(block, block_rq_complete)
{
    struct start_key key = {.a = args->dev, .b = args->sector};
    u64 section = 0;
#if defined(PER_DISK)
    section = args->dev;
#elif defined(PER_FLAG)
    /* rwbs is the kernel's text form of the flags ("WS", "R", "FWFS"...): keep 8 bytes of
     * it; user space turns it into BCC's words. */
    ks_probe_read_kernel(&section, sizeof(section), (void *)args->rwbs);
#endif
    return on_done(&key, section);
}
#endif

/* ---------------- kprobe path ---------------- */
#if !defined(KS_TP_done)
/* The disk only when something asks for it: three reads per request otherwise saved. */
#if defined(DISK_FILTER)
#define START_DEV(rq) blk_rq_dev((struct request *)(rq))
#else
#define START_DEV(rq) 0
#endif
#endif
#if defined(KS_KP_insert)
/* __blk_account_io_start(struct request *rq) or blk_account_io_start(rq, ...) */
int kp_insert(struct pt_regs *ctx)
{
    struct start_key key = {.a = PT_REGS_PARM1(ctx)};
    return on_start(&key, false, START_DEV(PT_REGS_PARM1(ctx)));
}
#endif

#if defined(KS_KP_issue)
/* blk_mq_start_request(struct request *rq) or blk_start_request(rq) */
int kp_issue(struct pt_regs *ctx)
{
    struct start_key key = {.a = PT_REGS_PARM1(ctx)};
#ifdef QUEUED
    return on_start(&key, true, START_DEV(PT_REGS_PARM1(ctx)));
#else
    return on_start(&key, false, START_DEV(PT_REGS_PARM1(ctx)));
#endif
}
#endif

#if defined(KS_KP_issue_sq)
/* blk_start_request(struct request *rq): legacy single-queue devices, before 5.0 */
int kp_issue_sq(struct pt_regs *ctx)
{
    struct start_key key = {.a = PT_REGS_PARM1(ctx)};
    return on_start(&key, false, START_DEV(PT_REGS_PARM1(ctx)));
}
#endif

#if defined(KS_KP_done)
/* __blk_account_io_done / blk_account_io_done / blk_mq_end_request: rq first */
int kp_done(struct pt_regs *ctx)
{
    struct request *rq = (struct request *)PT_REGS_PARM1(ctx);
    struct start_key key = {.a = (u64)rq};
    u64 section = 0;
#if defined(PER_DISK)
    section = blk_rq_dev(rq);
#elif defined(PER_FLAG)
    unsigned int flags = 0;
    ks_probe_read_kernel(&flags, sizeof(flags), &rq->cmd_flags);
    section = (1ull << 63) | flags; /* top bit: cmd_flags, not rwbs text */
#endif
    return on_done(&key, section);
}
#endif
