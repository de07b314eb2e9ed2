/* vfscount: count calls of every kernel function whose name starts with "vfs_".
 *
 * The tool expands the pattern vfs_* against /proc/kallsyms (minus what cannot be
 * probed) and attaches this one program, do_count, to a kprobe on each function it found.
 * The program cannot know which function it was attached to except by where it was
 * called: PT_REGS_IP, the instruction pointer the kprobe saw, lies just past the
 * function's first instruction. It counts per address, as BCC's vfscount does; user space
 * turns each address back into a function name (the nearest symbol at or below it).
 *
 * Configured by the prelude: nothing but the probe choices (every probe runs do_count). */

/* Calls per address. 256 entries (BCC's size): more than the vfs_ functions of any
 * kernel. Several CPUs may count one function at once: atomic adds. */
BPF_HASH(counts, u64, u64, 256);

int do_count(struct pt_regs *ctx)
{
    u64 ip = PT_REGS_IP(ctx), zero = 0;
    u64 *val = counts.lookup_or_try_init(&ip, &zero);
    if (val)
        __sync_fetch_and_add(val, 1);
    return 0;
}
