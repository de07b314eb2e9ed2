/* dcsnoop: directory entry cache (dcache) lookups, one event each.
 *
 * Misses (the default): d_lookup(parent, name) is the slow lookup of one path component
 * in the dcache; when it returns no dentry the component is not cached. Its entry keeps
 * the name per thread, its return sends it when the result is NULL.
 * References (-a): every lookup_fast() call, the first try for each component; its name
 * is in the lookup's struct nameidata (nd->last), private to fs/namei.c: like BCC we
 * declare its start, a struct path then the qstr "last", unchanged since 2.6.
 *
 * Kprobes only (no tracepoint sees dcache lookups); struct reads.
 * Configured by the prelude: KS_KP_fast (-a), KS_KP_lookup, KS_KP_lookup_ret. */
#include <linux/fs.h>
#include <linux/dcache.h>

struct nameidata {
    struct path path;
    struct qstr last;
};

KS_STATE_MAP(lookups, u32, struct dcsnoop_event, 1024); /* thread -> its d_lookup */

static __always_inline void read_name(struct dcsnoop_event *e, const struct qstr *q)
{
    const unsigned char *name = NULL;
    ks_probe_read_kernel(&name, sizeof(name), &q->name);
    if (name)
        ks_probe_read_kernel_str(e->name, sizeof(e->name), name);
}

#ifdef KS_KP_fast
int kp_fast(struct pt_regs *ctx)
{
    struct nameidata *nd = (struct nameidata *)PT_REGS_PARM1(ctx);
    struct dcsnoop_event e = {};
    e.pid = bpf_get_current_pid_tgid() >> 32;
    e.type = 1;
    bpf_get_current_comm(&e.comm, sizeof(e.comm));
    read_name(&e, &nd->last);
    ks_submit(ctx, &e, sizeof(e));
    return 0;
}
#endif

#ifdef KS_KP_lookup
int kp_lookup(struct pt_regs *ctx)
{
    const struct qstr *q = (const struct qstr *)PT_REGS_PARM2(ctx);
    u64 id = bpf_get_current_pid_tgid();
    u32 tid = (u32)id;
    struct dcsnoop_event e = {};
    e.pid = id >> 32;
    bpf_get_current_comm(&e.comm, sizeof(e.comm));
    read_name(&e, q);
    lookups.update(&tid, &e);
    return 0;
}
#endif

#ifdef KS_KP_lookup_ret
int kp_lookup_ret(struct pt_regs *ctx)
{
    u32 tid = (u32)bpf_get_current_pid_tgid();
    struct dcsnoop_event *e = lookups.lookup(&tid);
    if (!e)
        return 0;
    if (PT_REGS_RC(ctx) == 0)
        ks_submit(ctx, e, sizeof(*e));
    lookups.delete(&tid);
    return 0;
}
#endif
