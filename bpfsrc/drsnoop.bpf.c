/* drsnoop: direct reclaim: a task that asked for memory and had to free some first, with
 * how long it was stalled and how many pages it reclaimed.
 *
 * vmscan:mm_vmscan_direct_reclaim_begin/end run around the direct reclaim inside
 * try_to_free_pages(), in the stalled task. --memcg (a kscope extension) adds
 * mm_vmscan_memcg_reclaim_begin/end: the reclaim a task does when its cgroup reaches its
 * memory limit (try_to_free_mem_cgroup_pages()), the stall containers usually see. The
 * kprobe fallbacks are those two functions (kprobe and kretprobe: the return value is the
 * number of pages reclaimed).
 *
 * Configured by the prelude: PID_FILTER (-p), TID_FILTER (-t), UID_FILTER (-u), and the
 * probes KS_TP_/KS_KP_{begin,end,memcg_begin,memcg_end}. */

struct val_t {
    u64 ts;
    u64 free_pages;
};

KS_STATE_MAP(start, u64, struct val_t, 10240);

/* -v (FREE(KB)): user space writes the address of the kernel's vm_zone_stat array
 * (vm_stat before 4.8; its first counter is NR_FREE_PAGES), from /proc/kallsyms, into
 * slot 0 at start; 0 means "not wanted, or not known". A map and not a #define: the address
 * moves at every boot (KASLR), and the program is the same with and without -v, so a
 * compiled copy (the cache, a program built for this kernel elsewhere) serves every boot. */
BPF_ARRAY(vm_stat_addr, u64, 1);

static __always_inline int reclaim_begin(void)
{
    u64 id = bpf_get_current_pid_tgid();
#ifdef PID_FILTER
    if ((u32)(id >> 32) != PID_FILTER)
        return 0;
#endif
#ifdef TID_FILTER
    if ((u32)id != TID_FILTER)
        return 0;
#endif
#ifdef UID_FILTER
    if ((u32)bpf_get_current_uid_gid() != UID_FILTER)
        return 0;
#endif
    struct val_t v = {.ts = bpf_ktime_get_ns(), .free_pages = DRSNOOP_FREE_UNKNOWN};
    int zero = 0;
    u64 *addr = vm_stat_addr.lookup(&zero);
    if (addr && *addr) {
        /* vm_zone_stat[NR_FREE_PAGES]: NR_FREE_PAGES is 0, an atomic_long_t (8 bytes). */
        long free = 0;
        if (ks_probe_read_kernel(&free, sizeof(free), (void *)*addr) == 0)
            v.free_pages = free > 0 ? free : 0;
    }
    start.update(&id, &v);
    return 0;
}

static __always_inline int reclaim_end(void *ctx, u64 nr_reclaimed, u32 memcg)
{
    u64 id = bpf_get_current_pid_tgid();
    struct val_t *v = start.lookup(&id);
    if (!v)
        return 0; /* filtered out, or began before we attached */
    struct drsnoop_event ev = {.id = id, .nr_reclaimed = nr_reclaimed, .memcg = memcg};
    ev.ts = bpf_ktime_get_ns();
    ev.delta = ev.ts - v->ts;
    ev.free_pages = v->free_pages;
    ev.uid = bpf_get_current_uid_gid();
    bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
    start.delete(&id);
    ks_submit(ctx, &ev, sizeof(ev));
    return 0;
}

#if defined(KS_TP_begin)
TRACEPOINT_PROBE(vmscan, mm_vmscan_direct_reclaim_begin)
{
    return reclaim_begin();
}
#elif defined(KS_KP_begin)
int kp_begin(struct pt_regs *ctx)
{
    return reclaim_begin();
}
#endif
#if defined(KS_TP_end)
TRACEPOINT_PROBE(vmscan, mm_vmscan_direct_reclaim_end)
{
    return reclaim_end(args, args->nr_reclaimed, 0);
}
#elif defined(KS_KP_end)
int kp_end(struct pt_regs *ctx)
{
    return reclaim_end(ctx, PT_REGS_RC(ctx), 0);
}
#endif

#if defined(KS_TP_memcg_begin)
TRACEPOINT_PROBE(vmscan, mm_vmscan_memcg_reclaim_begin)
{
    return reclaim_begin();
}
#elif defined(KS_KP_memcg_begin)
int kp_memcg_begin(struct pt_regs *ctx)
{
    return reclaim_begin();
}
#endif
#if defined(KS_TP_memcg_end)
TRACEPOINT_PROBE(vmscan, mm_vmscan_memcg_reclaim_end)
{
    return reclaim_end(args, args->nr_reclaimed, 1);
}
#elif defined(KS_KP_memcg_end)
int kp_memcg_end(struct pt_regs *ctx)
{
    return reclaim_end(ctx, PT_REGS_RC(ctx), 1);
}
#endif
