/* biotop: block I/O by process and disk, added up in the kernel.
 *
 * blkreq.bpf.h follows each request from its submitter to its completion and calls
 * blk_io_done() below: each completed request is added to its row (the submitter's pid
 * and comm, read or write, disk; bpfsrc/biotop.h). User space reads the rows once per
 * interval and deletes them. Configured by: BLK_FOLLOW, PID_FILTER (-p), the probe
 * choices. */

BPF_HASH(counts, struct biotop_key, struct biotop_val, 10240);

static __always_inline int blk_io_done(void *ctx, struct blk_io *io)
{
    struct biotop_key k = {.pid = io->pid, .write = io->write, .dev = io->dev};
    __builtin_memcpy(k.comm, io->comm, sizeof(k.comm));
    struct biotop_val zero = {}, *v = counts.lookup_or_try_init(&k, &zero);
    if (!v)
        return 0;
    /* CPUs may share a row: atomic adds. */
    __sync_fetch_and_add(&v->bytes, io->bytes);
    __sync_fetch_and_add(&v->us, (io->ts_done - io->ts_issue) / 1000);
    __sync_fetch_and_add(&v->io, 1);
    return 0;
}
