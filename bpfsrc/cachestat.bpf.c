/* cachestat: count four page cache events; user space turns them into hits and misses.
 *
 * The events and their probes are pagecache.bpf.h's (shared with cachetop), in front of
 * this file: each calls pc_count() below. Each is a counter in a per-CPU array (no atomic
 * add needed: each CPU writes its own copy); the tool reads the growth every interval and
 * never clears them. */

BPF_PERCPU_ARRAY(counts, u64, NF_N);

static __always_inline int pc_count(int nf)
{
    u64 *v = counts.lookup(&nf);
    if (v)
        (*v)++;
    return 0;
}
