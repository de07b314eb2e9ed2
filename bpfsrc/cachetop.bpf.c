/* cachetop: the page cache events of pagecache.bpf.h (in front of this file), counted per
 * process, user and command, as BCC's cachetop. User space reads the rows once per
 * interval, deletes them, and turns each process's four counts into its row.
 *
 * Configured by the prelude: PID_FILTER (-p), and the probe choices. */

BPF_HASH(counts, struct cachetop_key, u64, 10240);

static __always_inline int pc_count(int nf)
{
    u64 id = bpf_get_current_pid_tgid();
#ifdef PID_FILTER
    if ((u32)(id >> 32) != PID_FILTER)
        return 0;
#endif
    struct cachetop_key k = {};
    k.pid = id >> 32;
    k.uid = (u32)bpf_get_current_uid_gid();
    k.nf = nf;
    bpf_get_current_comm(&k.comm, sizeof(k.comm));
    u64 zero = 0, *v = counts.lookup_or_try_init(&k, &zero);
    if (v)
        __sync_fetch_and_add(v, 1); /* a process's threads may count on several CPUs */
    return 0;
}
