/* blkreq.bpf.h: follow each block I/O request from the process that submitted it to its
 * completion (shared by biosnoop and biotop; biolatency uses blk_rq_dev only).
 *
 * A request passes three points, each a probe (common/ks_block.h declares them):
 *   submit   block_io_start (6.5+) or block_rq_insert: still in the submitter's context,
 *            so its pid and comm are taken here; also the start of the OS queue time.
 *   issue    block_rq_issue: handed to the driver; the device time starts.
 *   done     block_rq_complete: the device finished it.
 * A request that skips the OS queue (issued directly, without an insert, on kernels before
 * 6.5) is issued in its submitter's context: then the submitter is taken at issue, and its
 * queue time is 0.
 *
 * Tracepoints carry no request pointer: requests are keyed by (device, sector), as BCC
 * does. Kprobes get the struct request pointer, the key there; its device, sector, size and
 * flags are struct reads, which kprobe paths may do.
 *
 * When a request completes, the tool's blk_io_done(ctx, io) gets everything known about it.
 * Configured by: BLK_FOLLOW (the tool follows requests; without it only blk_rq_dev is
 * here), DISK_FILTER (-d: the disk's kernel dev_t, major << 20 | minor), PID_FILTER (-p:
 * the submitter's process id), and the probe choices. */

#if defined(KS_USES_KPROBES)
#include <linux/blk-mq.h> /* struct request (in blkdev.h before 5.16; blk-mq.h has it) */

/* The request's disk as the kernel's dev_t (major << 20 | minor). Struct reads:
 * rq->rq_disk went away in 5.17 for rq->q->disk. The check is on the version of the headers
 * being compiled against (their version.h), which is what decides the layout these reads
 * assume: kprobe paths need headers that match the running kernel. */
static __always_inline u64 blk_rq_dev(struct request *rq)
{
    struct gendisk *disk = NULL;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 17, 0)
    struct request_queue *q = NULL;
    ks_probe_read_kernel(&q, sizeof(q), &rq->q);
    if (q)
        ks_probe_read_kernel(&disk, sizeof(disk), &q->disk);
#else
    ks_probe_read_kernel(&disk, sizeof(disk), &rq->rq_disk);
#endif
    if (!disk)
        return 0;
    int major = 0, minor = 0;
    ks_probe_read_kernel(&major, sizeof(major), &disk->major);
    ks_probe_read_kernel(&minor, sizeof(minor), &disk->first_minor);
    return ((u64)major << 20) | (u64)minor;
}
#endif

#ifdef BLK_FOLLOW
struct blk_key {
    u64 a; /* tracepoints: device; kprobes: request pointer */
    u64 b; /* tracepoints: sector; kprobes: 0 */
};

/* Who submitted the request, and when. */
struct blk_who {
    u64 ts;
    u32 pid; /* process id (tgid) */
    u32 pad;
    char comm[16];
};

/* The request as it was issued. */
struct blk_start {
    u64 ts;
    u64 sector;
    u64 bytes;
    u32 dev;
    u32 write; /* 1: a write */
};

/* What the tool gets per completed request. */
struct blk_io {
    u64 ts_submit; /* monotonic ns; = ts_issue when the submission was not seen */
    u64 ts_issue;
    u64 ts_done;
    u64 sector;
    u64 bytes;
    u32 dev;
    u32 write;
    u32 pid; /* 0: not known (submitted before tracing began) */
    u32 pad;
    char comm[16]; /* "?" when not known */
};

KS_STATE_MAP(blk_who, struct blk_key, struct blk_who, 10240);
KS_STATE_MAP(blk_start, struct blk_key, struct blk_start, 10240);

/* The tool's part, defined after this file. */
static __always_inline int blk_io_done(void *ctx, struct blk_io *io);

static __always_inline void blk_take_who(struct blk_key *key, bool keep_first)
{
    struct blk_who w = {.ts = bpf_ktime_get_ns(), .pid = bpf_get_current_pid_tgid() >> 32};
    bpf_get_current_comm(&w.comm, sizeof(w.comm));
    if (keep_first)
        blk_who.insert(key, &w); /* BPF_NOEXIST: a requeue (by a kernel worker) keeps it */
    else
        blk_who.update(key, &w);
}

static __always_inline int blk_on_submit(struct blk_key *key, u64 dev, bool keep_first)
{
#ifdef DISK_FILTER
    if (dev != DISK_FILTER)
        return 0;
#endif
    (void)dev;
    blk_take_who(key, keep_first);
    return 0;
}

static __always_inline int blk_on_issue(struct blk_key *key, u64 dev, u64 sector, u64 bytes,
                                        u32 write)
{
#ifdef DISK_FILTER
    if (dev != DISK_FILTER)
        return 0;
#endif
    struct blk_start s = {.ts = bpf_ktime_get_ns(), .sector = sector, .bytes = bytes,
                          .dev = dev, .write = write};
    blk_start.update(key, &s);
    /* Issued without a submission seen: directly, in the submitter's own context. */
    if (!blk_who.lookup(key))
        blk_take_who(key, true);
    return 0;
}

static __always_inline int blk_on_done(void *ctx, struct blk_key *key)
{
    struct blk_start *s = blk_start.lookup(key);
    if (!s)
        return 0; /* issued before tracing began, or another disk */
    struct blk_io io = {.ts_done = bpf_ktime_get_ns(), .ts_issue = s->ts, .sector = s->sector,
                        .bytes = s->bytes, .dev = s->dev, .write = s->write};
    struct blk_who *w = blk_who.lookup(key);
    if (w) {
        io.pid = w->pid;
        io.ts_submit = w->ts < s->ts ? w->ts : s->ts;
        __builtin_memcpy(io.comm, w->comm, sizeof(io.comm));
    } else {
        io.ts_submit = s->ts;
        io.comm[0] = '?';
    }
    blk_start.delete(key);
    blk_who.delete(key);
#ifdef PID_FILTER
    if (io.pid != PID_FILTER)
        return 0;
#endif
    return blk_io_done(ctx, &io);
}

/* ---------------- tracepoint path ---------------- */
/* A write is "W" in the kernel's rwbs text, after an optional F (preflush). */
#define BLK_TP_WRITE(args) ((args)->rwbs[0] == 'W' || ((args)->rwbs[0] == 'F' && (args)->rwbs[1] == 'W'))

#if defined(KS_TP_io_start)
TRACEPOINT_PROBE(block, block_io_start)
{
    struct blk_key key = {.a = args->dev, .b = args->sector};
    return blk_on_submit(&key, args->dev, false);
}
#endif

#if defined(KS_TP_insert)
TRACEPOINT_PROBE(block, block_rq_insert)
{
    struct blk_key key = {.a = args->dev, .b = args->sector};
    return blk_on_submit(&key, args->dev, true);
}
#endif

#if defined(KS_TP_issue)
TRACEPOINT_PROBE(block, block_rq_issue)
{
    struct blk_key key = {.a = args->dev, .b = args->sector};
    /* bytes is 0 for file system requests before 4.11 (only passthrough ones had it):
     * then the size is the sectors'. */
    u64 bytes = args->bytes ? args->bytes : (u64)args->nr_sector << 9;
    return blk_on_issue(&key, args->dev, args->sector, bytes, BLK_TP_WRITE(args));
}
#endif

#if defined(KS_TP_done)
TRACEPOINT_PROBE(block, block_rq_complete)
{
    struct blk_key key = {.a = args->dev, .b = args->sector};
    return blk_on_done(args, &key);
}
#endif

/* ---------------- kprobe path ---------------- */
#if defined(KS_USES_KPROBES)
static __always_inline u32 blk_rq_write(struct request *rq)
{
    unsigned int flags = 0;
    ks_probe_read_kernel(&flags, sizeof(flags), &rq->cmd_flags);
    /* The operation's encoding changed twice (BCC's get_rwflag). */
#if defined(REQ_WRITE)
    return !!(flags & REQ_WRITE);
#elif defined(REQ_OP_SHIFT)
    return (flags >> REQ_OP_SHIFT) == REQ_OP_WRITE;
#else
    return (flags & REQ_OP_MASK) == REQ_OP_WRITE;
#endif
}

static __always_inline int blk_kp_issue(struct request *rq)
{
    struct blk_key key = {.a = (u64)rq};
    u64 sector = 0;
    unsigned int len = 0;
    ks_probe_read_kernel(&sector, sizeof(sector), &rq->__sector);
    ks_probe_read_kernel(&len, sizeof(len), &rq->__data_len);
    return blk_on_issue(&key, blk_rq_dev(rq), sector, len, blk_rq_write(rq));
}
#endif

#if defined(KS_KP_insert)
/* __blk_account_io_start(struct request *rq) or blk_account_io_start(rq, ...) */
int kp_insert(struct pt_regs *ctx)
{
    struct request *rq = (struct request *)PT_REGS_PARM1(ctx);
    struct blk_key key = {.a = (u64)rq};
#ifdef DISK_FILTER
    return blk_on_submit(&key, blk_rq_dev(rq), false);
#else
    return blk_on_submit(&key, 0, false);
#endif
}
#endif

#if defined(KS_KP_issue)
/* blk_mq_start_request(struct request *rq) */
int kp_issue(struct pt_regs *ctx)
{
    return blk_kp_issue((struct request *)PT_REGS_PARM1(ctx));
}
#endif

#if defined(KS_KP_issue_sq)
/* blk_start_request(struct request *rq): legacy single-queue devices, before 5.0 */
int kp_issue_sq(struct pt_regs *ctx)
{
    return blk_kp_issue((struct request *)PT_REGS_PARM1(ctx));
}
#endif

#if defined(KS_KP_done)
/* __blk_account_io_done / blk_account_io_done / blk_mq_end_request: rq first */
int kp_done(struct pt_regs *ctx)
{
    struct blk_key key = {.a = PT_REGS_PARM1(ctx)};
    return blk_on_done(ctx, &key);
}
#endif
#endif /* BLK_FOLLOW */
