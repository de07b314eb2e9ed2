/* dcstat: directory entry cache (dcache) statistics.
 *
 * A path is looked up one component at a time. lookup_fast() tries the dcache without
 * locks for each component: each call counts as a reference (REFS). When that fails the
 * lookup takes the slow path, d_lookup() (SLOW), and when d_lookup() finds nothing the
 * component was not in the dcache at all: a miss (MISS), which the file system then
 * reads. These are implementation details of fs/namei.c and fs/dcache.c (BCC's dcstat was
 * written against 4.4 and still holds); no tracepoint exists for them.
 *
 * lookup_fast is static: compilers emit it as lookup_fast, or only as a copy with a
 * suffix (lookup_fast.constprop.0); the resolver picks the one the kernel has.
 *
 * Configured by the prelude: KS_KP_fast, KS_KP_lookup_ret. */

enum stats { S_REFS = 1, S_SLOW, S_MISS, S_N };
BPF_PERCPU_ARRAY(stats, u64, S_N); /* per CPU: ++ without atomics; never cleared */

static __always_inline void bump(int key)
{
    u64 *v = stats.lookup(&key);
    if (v)
        (*v)++;
}

#ifdef KS_KP_fast
int kp_fast(struct pt_regs *ctx)
{
    bump(S_REFS);
    return 0;
}
#endif

#ifdef KS_KP_lookup_ret
int kp_lookup_ret(struct pt_regs *ctx)
{
    bump(S_SLOW);
    if (PT_REGS_RC(ctx) == 0) /* no dentry: not cached */
        bump(S_MISS);
    return 0;
}
#endif
