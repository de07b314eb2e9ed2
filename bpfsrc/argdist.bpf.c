/* argdist: count the values of expressions over function arguments, return values and
 * tracepoint fields (frequency counts, -C), or bin them in log2 histograms (-H).
 *
 * This file is the part every run shares. The tool writes the rest after it, one block
 * per specifier s (run with --ebpf to read it): a key struct key_<s> (the expressions'
 * values: numbers widened to 64 bits, then strings of STRING_SIZE bytes), a map (counts_<s>
 * or the histogram dist_<s>), a function spec_<s> that filters, builds the key and counts
 * it, and the programs that call it (one per probe the specifier expanded to; return
 * probes with $latency or $entry() get an entry probe that saves the time and arguments
 * in entry_<s>). The expressions and filters in those blocks are what common/ks_expr
 * wrote back from the user's parsed text: one checked, parenthesised C expression each.
 *
 * Configured by the prelude: STRING_SIZE (-z), TGID (-p), TID (-t), MAX_ENTRIES. */

/* The value of a string expression: kernel memory first (a kernel pointer, or __comm on
 * this program's stack), then user memory (a user function's char *). */
static __always_inline void ks_read_string(char *dst, u32 size, const void *src)
{
    if (ks_probe_read_kernel_str(dst, size, src) < 0)
        ks_probe_read_user_str(dst, size, src);
}

/* -p, -t, --cgroupmap, --mntnsmap: what this run watches. */
static __always_inline bool wanted(u64 id)
{
    if (ks_container_filtered())
        return false;
#ifdef TGID
    if (id >> 32 != TGID)
        return false;
#endif
#ifdef TID
    if ((u32)id != TID)
        return false;
#endif
    return true;
}

/* What an entry probe saves for its return probe ($latency, $entry(param)). */
struct entry_data {
    u64 ts;
    u64 args[6];
};

#ifdef KS_USES_KPROBES
static __always_inline void entry_fill(struct pt_regs *ctx, struct entry_data *e)
{
    e->ts = bpf_ktime_get_ns();
    e->args[0] = PT_REGS_PARM1(ctx);
    e->args[1] = PT_REGS_PARM2(ctx);
    e->args[2] = PT_REGS_PARM3(ctx);
    e->args[3] = PT_REGS_PARM4(ctx);
    e->args[4] = PT_REGS_PARM5(ctx);
    e->args[5] = PT_REGS_PARM6(ctx);
}
#endif

/* ---- the specifiers' blocks, written by the tool ---- */
