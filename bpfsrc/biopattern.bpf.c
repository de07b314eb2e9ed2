/* biopattern: how much of each disk's I/O is sequential and how much random.
 *
 * At each completed request (block_rq_complete): it is sequential when it starts where the
 * disk's previous request ended, random otherwise. The counts (bpfsrc/biopattern.h) are
 * read and cleared every interval; where each disk's last request ended is kept across
 * intervals, so the first request of an interval is judged too (BCC forgets it and skips
 * that request). Sectors, not bytes: the tracepoint has no byte count on every kernel.
 * Configured by: DISK_FILTER (-d, the disk's kernel dev_t), the probe choice. */

BPF_HASH(counts, u32, struct biopattern_counts, 1024);
BPF_HASH(last_end, u32, u64, 1024);

TRACEPOINT_PROBE(block, block_rq_complete)
{
    u32 dev = args->dev;
#ifdef DISK_FILTER
    if (dev != DISK_FILTER)
        return 0;
#endif
    u64 sector = args->sector;
    u64 end = sector + args->nr_sector;
    u64 *last = last_end.lookup(&dev);
    if (!last) {
        last_end.update(&dev, &end); /* the first request seen: nothing to compare with */
        return 0;
    }
    bool seq = *last == sector;
    *last = end;
    struct biopattern_counts zero = {}, *c = counts.lookup_or_try_init(&dev, &zero);
    if (!c)
        return 0;
    /* CPUs may complete requests of one disk at once: atomic adds. */
    if (seq)
        __sync_fetch_and_add(&c->sequential, 1);
    else
        __sync_fetch_and_add(&c->random, 1);
    __sync_fetch_and_add(&c->bytes, (u64)args->nr_sector * 512);
    return 0;
}
