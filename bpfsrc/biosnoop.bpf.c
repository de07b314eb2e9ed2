/* biosnoop: one line per block I/O request, with the process that submitted it and its
 * latency.
 *
 * blkreq.bpf.h follows each request from its submitter to its completion and calls
 * blk_io_done() below, which sends the request to user space (bpfsrc/biosnoop.h).
 * Configured by: BLK_FOLLOW, DISK_FILTER (-d), PID_FILTER (-p), PATTERN (-P), the probe
 * choices. */

#ifdef PATTERN
/* -P: where the last request on each disk ended. The next one is sequential when it
 * starts there, random otherwise (BCC's rule). */
BPF_HASH(last_sector, u32, u64, 1024);
#endif

static __always_inline int blk_io_done(void *ctx, struct blk_io *io)
{
    struct biosnoop_event e = {
        .ts_submit = io->ts_submit,
        .ts_issue = io->ts_issue,
        .ts_done = io->ts_done,
        .sector = io->sector,
        .bytes = io->bytes,
        .dev = io->dev,
        .write = io->write,
        .pid = io->pid,
    };
    __builtin_memcpy(e.comm, io->comm, sizeof(e.comm));
#ifdef PATTERN
    u32 dev = io->dev;
    u64 *last = last_sector.lookup(&dev);
    if (last)
        e.pattern = *last == io->sector ? BIOSNOOP_SEQUENTIAL : BIOSNOOP_RANDOM;
    u64 end = io->sector + io->bytes / 512;
    last_sector.update(&dev, &end);
#endif
    ks_submit(ctx, &e, sizeof(e));
    return 0;
}
