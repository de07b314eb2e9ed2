/* bitesize: block I/O sizes as a log2 histogram of Kbytes per process name.
 *
 * When a request is issued to the driver, its size goes into the histogram of the task
 * issuing it (the tracepoint's comm): usually the process that submitted the I/O; a kernel
 * worker when the request waited in an I/O scheduler's queue. Tracepoint only, as BCC.
 * Configured by the probe choice alone. */

struct hist_key {
    char comm[16];
    u64 slot;
};

BPF_HISTOGRAM(dist, struct hist_key, 4096);

TRACEPOINT_PROBE(block, block_rq_issue)
{
    /* bytes is 0 for file system requests before 4.11 (only passthrough requests had
     * it): then the size is the sectors'. */
    u64 bytes = args->bytes ? args->bytes : (u64)args->nr_sector << 9;
    struct hist_key key = {.slot = bpf_log2l(bytes / 1024)};
    __builtin_memcpy(key.comm, args->comm, sizeof(key.comm));
    dist.increment(key);
    return 0;
}
