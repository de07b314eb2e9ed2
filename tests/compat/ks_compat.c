/* ks_compat: the 4.x compatibility check.
 *
 * We cannot boot 4.x kernels here, so this checks, without loading anything, what an old
 * kernel's verifier and attach code would check first. For every tool, probe mode and
 * option set that changes the BPF program, and for every kernel profile below:
 *
 *   1. build a fabricated root (KSCOPE_FAKE_ROOT) that looks like that kernel: its
 *      tracepoints, its kallsyms (only the symbols the tools probe), kprobe support, and
 *      the BPF program/map types and helpers it has (<root>/kscope-features);
 *   2. run the tool with --check (which probes it would pick, or why it cannot run) and
 *      --ebpf (the exact BPF text it would compile on that kernel);
 *   3. compile each distinct text on this host with ks_compile() and inspect the
 *      instructions against the profile: helper ids, program and map types, program size,
 *      backward jumps, instruction set extensions, stack depth.
 *
 * The result is docs/compat.md: the oldest kernel each tool supports per probe mode, and
 * why a tool cannot run on an older one. The ctest test compat-4x regenerates it and fails
 * when the committed file claims support the check does not find, or differs at all.
 *
 * What this is not: a verifier run. Kernel facts that only a real verifier knows (pointer
 * arithmetic rules of the day, the 4.x complexity limits, tracepoint field layouts of old
 * kernels, struct layouts for kprobe reads) are out of reach; the instructions come from
 * this host's clang and kernel headers (6.1) and this host's tracefs formats.
 *
 * Usage: ks_compat --bin DIR --out FILE [--expect FILE] [--readme FILE] [--report FILE]
 *                  [--tools "a b c"] [--jobs N] [--keep-roots] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ks_compile.h"
#include "ks_headers.h"
#include "ks_object.h"
#include "ks_optsets.h"
#include "ks_sha256.h"
#include "ks_util.h"

/* ====================================================================================
 * Kernel facts. Versions are KERNEL_VERSION(a, b, c). OLD: present before the oldest
 * profile (the exact release does not matter here). An "until" of 0: still present.
 * ==================================================================================== */
#define KV(a, b, c) (((unsigned)(a) << 16) | ((unsigned)(b) << 8) | (unsigned)(c))
#define OLD 1u

static const char *vstr(unsigned kv, char *buf, size_t size)
{
    if (kv == OLD)
        snprintf(buf, size, "before 4.4");
    else if (kv & 0xff)
        snprintf(buf, size, "%u.%u.%u", kv >> 16, (kv >> 8) & 0xff, kv & 0xff);
    else
        snprintf(buf, size, "%u.%u", kv >> 16, (kv >> 8) & 0xff);
    return buf;
}

/* The kernels the table has a column for. */
static const struct profile {
    const char *name;
    unsigned kv;
} profiles[] = {
    {"4.4", KV(4, 4, 0)}, {"4.9", KV(4, 9, 0)}, {"4.14", KV(4, 14, 0)},
    {"4.19", KV(4, 19, 0)}, {"5.4", KV(5, 4, 0)},
};
#define NPROF ((int)(sizeof(profiles) / sizeof(profiles[0])))

/* Helper ids are assigned in order (enum bpf_func_id, include/uapi/linux/bpf.h); the
 * highest id each release knows. Source: the enum at each release tag. */
static const struct {
    unsigned kv;
    int max_id;
} helper_max[] = {
    {KV(4, 1, 0), 11},  {KV(4, 4, 0), 25},  {KV(4, 9, 0), 41},
    {KV(4, 14, 0), 53}, {KV(4, 19, 0), 83}, {KV(5, 4, 0), 110},
};
#define NHELPERMAX ((int)(sizeof(helper_max) / sizeof(helper_max[0])))

#define KS_HELPER_NAME(x) [BPF_FUNC_##x] = "bpf_" #x /* the mapper adds the commas */
static const char *const helper_names[] = {__BPF_FUNC_MAPPER(KS_HELPER_NAME)};

static const char *helper_name(int id)
{
    if (id >= 0 && id < (int)(sizeof(helper_names) / sizeof(helper_names[0])) &&
        helper_names[id])
        return helper_names[id];
    return "unknown";
}

static int profile_helper_max(unsigned kv)
{
    int m = 0;
    for (int i = 0; i < NHELPERMAX; i++)
        if (helper_max[i].kv <= kv)
            m = helper_max[i].max_id;
    return m;
}

/* Program and map types: the release that added each (include/uapi/linux/bpf.h, and the
 * kernel's bpf documentation of program/map types). */
struct type_fact {
    int id;
    const char *name;
    unsigned since;
};
static const struct type_fact prog_types[] = {
    {BPF_PROG_TYPE_SOCKET_FILTER, "SOCKET_FILTER", KV(3, 19, 0)},
    {BPF_PROG_TYPE_KPROBE, "KPROBE", KV(4, 1, 0)},
    {BPF_PROG_TYPE_SCHED_CLS, "SCHED_CLS", KV(4, 1, 0)},
    {BPF_PROG_TYPE_SCHED_ACT, "SCHED_ACT", KV(4, 1, 0)},
    {BPF_PROG_TYPE_TRACEPOINT, "TRACEPOINT", KV(4, 7, 0)},
    {BPF_PROG_TYPE_XDP, "XDP", KV(4, 8, 0)},
    {BPF_PROG_TYPE_PERF_EVENT, "PERF_EVENT", KV(4, 9, 0)},
    {BPF_PROG_TYPE_RAW_TRACEPOINT, "RAW_TRACEPOINT", KV(4, 17, 0)},
};
static const struct type_fact map_types[] = {
    {BPF_MAP_TYPE_HASH, "HASH", KV(3, 19, 0)},
    {BPF_MAP_TYPE_ARRAY, "ARRAY", KV(3, 19, 0)},
    {BPF_MAP_TYPE_PROG_ARRAY, "PROG_ARRAY", KV(4, 2, 0)},
    {BPF_MAP_TYPE_PERF_EVENT_ARRAY, "PERF_EVENT_ARRAY", KV(4, 3, 0)},
    {BPF_MAP_TYPE_PERCPU_HASH, "PERCPU_HASH", KV(4, 6, 0)},
    {BPF_MAP_TYPE_PERCPU_ARRAY, "PERCPU_ARRAY", KV(4, 6, 0)},
    {BPF_MAP_TYPE_STACK_TRACE, "STACK_TRACE", KV(4, 6, 0)},
    {BPF_MAP_TYPE_CGROUP_ARRAY, "CGROUP_ARRAY", KV(4, 8, 0)},
    {BPF_MAP_TYPE_LRU_HASH, "LRU_HASH", KV(4, 10, 0)},
    {BPF_MAP_TYPE_LRU_PERCPU_HASH, "LRU_PERCPU_HASH", KV(4, 10, 0)},
    {BPF_MAP_TYPE_LPM_TRIE, "LPM_TRIE", KV(4, 11, 0)},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, "ARRAY_OF_MAPS", KV(4, 12, 0)},
    {BPF_MAP_TYPE_HASH_OF_MAPS, "HASH_OF_MAPS", KV(4, 12, 0)},
    {BPF_MAP_TYPE_RINGBUF, "RINGBUF", KV(5, 8, 0)},
};
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct type_fact *type_fact(const struct type_fact *t, int n, int id)
{
    for (int i = 0; i < n; i++)
        if (t[i].id == id)
            return &t[i];
    return NULL;
}

/* Verifier and instruction-set limits. */
#define OLD_MAX_INSNS 4096             /* BPF_MAXINSNS; 1M for root from 5.2 */
#define BIG_PROGS_SINCE KV(5, 2, 0)
#define LOOPS_SINCE KV(5, 3, 0)        /* bounded loops: backward jumps */
#define STACK_MAX 512                  /* MAX_BPF_STACK, every release */
#define JLT_SINCE KV(4, 14, 0)         /* BPF_JLT/JLE/JSLT/JSLE */
#define BPF2BPF_CALLS_SINCE KV(4, 16, 0)
#define JMP32_SINCE KV(5, 1, 0)        /* BPF_JMP32 instruction class */
#define ATOMICS_SINCE KV(5, 12, 0)     /* BPF_ATOMIC other than plain add (xadd) */
#define KPROBE_PMU_SINCE KV(4, 17, 0)  /* perf_kprobe PMU; kprobe_events before */

/* Tracepoints (category:event) the tools use, and a few the issue names for tools to
 * come. BPF can attach to any of them only from 4.7 (BPF_PROG_TYPE_TRACEPOINT); that is a
 * program-type fact above, not a tracepoint fact. */
struct sym_fact {
    const char *name;
    unsigned since, until;
    const char *source;
};
static const struct sym_fact tracepoints[] = {
    {"syscalls:sys_enter_execve", OLD, 0, "syscall trace events (`CONFIG_FTRACE_SYSCALLS`, 2.6.3x)"},
    {"syscalls:sys_exit_execve", OLD, 0, "syscall trace events"},
    {"syscalls:sys_enter_execveat", KV(3, 19, 0), 0, "execveat(2) was added in 3.19"},
    {"syscalls:sys_exit_execveat", KV(3, 19, 0), 0, "execveat(2) was added in 3.19"},
    {"syscalls:sys_enter_open", OLD, 0, "syscall trace events (x86_64 has open(2))"},
    {"syscalls:sys_exit_open", OLD, 0, "syscall trace events"},
    {"syscalls:sys_enter_openat", OLD, 0, "syscall trace events"},
    {"syscalls:sys_exit_openat", OLD, 0, "syscall trace events"},
    {"syscalls:sys_enter_openat2", KV(5, 6, 0), 0, "openat2(2) was added in 5.6"},
    {"syscalls:sys_exit_openat2", KV(5, 6, 0), 0, "openat2(2) was added in 5.6"},
    {"raw_syscalls:sys_enter", OLD, 0, "include/trace/events/syscalls.h (2.6.3x): every syscall, with the architecture's syscall tracing"},
    {"raw_syscalls:sys_exit", OLD, 0, "include/trace/events/syscalls.h (2.6.3x)"},
    {"sched:sched_process_fork", OLD, 0, "include/trace/events/sched.h (2.6.3x)"},
    {"sched:sched_switch", OLD, 0, "include/trace/events/sched.h (2.6.3x)"},
    {"sched:sched_waking", KV(4, 3, 0), 0, "include/trace/events/sched.h, added in 4.3"},
    {"sched:sched_wakeup", OLD, 0, "include/trace/events/sched.h (2.6.3x)"},
    {"sched:sched_wakeup_new", OLD, 0, "include/trace/events/sched.h (2.6.3x)"},
    {"sched:sched_migrate_task", OLD, 0, "include/trace/events/sched.h (2.6.3x)"},
    {"block:block_rq_insert", OLD, 0, "include/trace/events/block.h (2.6.3x)"},
    {"block:block_rq_issue", OLD, 0, "include/trace/events/block.h (2.6.3x)"},
    {"block:block_rq_complete", OLD, 0, "include/trace/events/block.h (2.6.3x)"},
    {"block:block_io_start", KV(6, 5, 0), 0, "block_io_start/done were added in 6.5"},
    {"block:block_io_done", KV(6, 5, 0), 0, "block_io_start/done were added in 6.5"},
    {"syscalls:sys_enter_sync", OLD, 0, "syscall trace events (syncsnoop)"},
    {"syscalls:sys_enter_fsync", OLD, 0, "syscall trace events (syncsnoop)"},
    {"syscalls:sys_enter_fdatasync", OLD, 0, "syscall trace events (syncsnoop)"},
    {"syscalls:sys_enter_msync", OLD, 0, "syscall trace events (syncsnoop)"},
    {"syscalls:sys_enter_sync_file_range", OLD, 0, "syscall trace events (syncsnoop)"},
    {"syscalls:sys_enter_syncfs", OLD, 0, "syscall trace events (syncsnoop)"},
    {"syscalls:sys_enter_newstat", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_exit_newstat", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_enter_newlstat", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_exit_newlstat", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_enter_newfstatat", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_exit_newfstatat", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_enter_statfs", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_exit_statfs", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_enter_mount", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_exit_mount", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_enter_umount", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_exit_umount", OLD, 0, "syscall trace events (statsnoop, mountsnoop)"},
    {"syscalls:sys_enter_statx", KV(4, 11, 0), 0, "statx(2) was added in 4.11"},
    {"syscalls:sys_exit_statx", KV(4, 11, 0), 0, "statx(2) was added in 4.11"},
    {"tcp:tcp_retransmit_skb", KV(4, 15, 0), 0, "include/trace/events/tcp.h, added in 4.15"},
    {"sock:inet_sock_set_state", KV(4, 16, 0), 0, "include/trace/events/sock.h, added in 4.16"},
    {"skb:kfree_skb", OLD, 0,
     "include/trace/events/skb.h; its reason field (tcpdrop's) came in 5.17, before which "
     "tcpdrop uses kprobes"},
    /* procs: hardirqs, softirqs, killsnoop, exitsnoop, pidpersec, capable */
    {"irq:irq_handler_entry", OLD, 0, "include/trace/events/irq.h (2.6.3x)"},
    {"irq:irq_handler_exit", OLD, 0, "include/trace/events/irq.h (2.6.3x)"},
    {"irq:softirq_entry", OLD, 0, "include/trace/events/irq.h (2.6.3x)"},
    {"irq:softirq_exit", OLD, 0, "include/trace/events/irq.h (2.6.3x)"},
    {"syscalls:sys_enter_kill", OLD, 0, "syscall trace events"},
    {"syscalls:sys_exit_kill", OLD, 0, "syscall trace events"},
    {"syscalls:sys_enter_tkill", OLD, 0, "syscall trace events"},
    {"syscalls:sys_exit_tkill", OLD, 0, "syscall trace events"},
    {"syscalls:sys_enter_tgkill", OLD, 0, "syscall trace events"},
    {"syscalls:sys_exit_tgkill", OLD, 0, "syscall trace events"},
    {"syscalls:sys_enter_exit", OLD, 0, "syscall trace events"},
    {"syscalls:sys_enter_exit_group", OLD, 0, "syscall trace events"},
    {"sched:sched_process_exit", OLD, 0, "include/trace/events/sched.h (2.6.3x)"},
    {"signal:signal_generate", KV(3, 5, 0), 0, "include/trace/events/signal.h, added in 3.5"},
    {"vmscan:mm_vmscan_direct_reclaim_begin", OLD, 0, "include/trace/events/vmscan.h (2.6.3x)"},
    {"vmscan:mm_vmscan_direct_reclaim_end", OLD, 0, "include/trace/events/vmscan.h (2.6.3x)"},
    {"vmscan:mm_vmscan_memcg_reclaim_begin", OLD, 0, "include/trace/events/vmscan.h (2.6.3x)"},
    {"vmscan:mm_vmscan_memcg_reclaim_end", OLD, 0, "include/trace/events/vmscan.h (2.6.3x)"},
    {"compaction:mm_compaction_begin", OLD, 0, "include/trace/events/compaction.h (3.16)"},
    {"compaction:mm_compaction_end", OLD, 0, "include/trace/events/compaction.h (3.16; status 4.1)"},
    {"compaction:mm_compaction_suitable", OLD, 0, "include/trace/events/compaction.h (4.1)"},
    {"capability:cap_capable", KV(6, 16, 0), 0, "include/trace/events/capability.h, added in 6.16"},
    {"oom:mark_victim", KV(4, 19, 0), 0,
     "include/trace/events/oom.h, added in 4.19 (the victim's pid; comm and sizes from 6.8)"},
    {"lock:contention_begin", KV(5, 19, 0), 0, "include/trace/events/lock.h, added in 5.19"},
    {"lock:contention_end", KV(5, 19, 0), 0, "include/trace/events/lock.h, added in 5.19"},
    {"kmem:kmalloc", OLD, 0, "include/trace/events/kmem.h (2.6.3x)"},
    {"kmem:kmem_cache_alloc", OLD, 0, "include/trace/events/kmem.h (2.6.3x)"},
    /* kmem:kmalloc_node and kmem_cache_alloc_node (before 6.1; memleak's optional probes)
     * are left out: programs here compile against this host's tracefs formats, which no
     * longer have them. */
    {"kmem:kfree", OLD, 0, "include/trace/events/kmem.h (2.6.3x)"},
    {"kmem:kmem_cache_free", OLD, 0, "include/trace/events/kmem.h (2.6.3x)"},
    {"kmem:mm_page_alloc", OLD, 0, "include/trace/events/kmem.h (2.6.3x)"},
    {"kmem:mm_page_free", OLD, 0, "include/trace/events/kmem.h (2.6.3x; mm_page_free_direct before 3.3)"},
    {"percpu:percpu_alloc_percpu", KV(4, 13, 0), 0, "include/trace/events/percpu.h, added in 4.13"},
    {"percpu:percpu_free_percpu", KV(4, 13, 0), 0, "include/trace/events/percpu.h, added in 4.13"},
    {"syscalls:sys_enter_listen", OLD, 0, "syscall trace events"},
    {"syscalls:sys_exit_listen", OLD, 0, "syscall trace events"},
    {"syscalls:sys_enter_bind", OLD, 0, "syscall trace events"},
    {"syscalls:sys_exit_bind", OLD, 0, "syscall trace events"},
    {"filemap:mm_filemap_add_to_page_cache", OLD, 0, "include/trace/events/filemap.h (3.15)"},
    {"writeback:writeback_dirty_page", OLD, KV(5, 18, 0),
     "include/trace/events/writeback.h; renamed writeback_dirty_folio with folios"},
    {"writeback:writeback_dirty_folio", KV(5, 18, 0), 0, "the folio name of writeback_dirty_page"},
    {"block:block_dirty_buffer", OLD, 0, "include/trace/events/block.h (3.x), top of mark_buffer_dirty"},
};

/* Kernel functions the tools put kprobes on (x86_64), as /proc/kallsyms shows them. Only
 * what matters up to 5.4 is exact; later changes are noted for the reader. */
static const struct sym_fact ksyms[] = {
    {"sys_execve", OLD, KV(4, 17, 0),
     "x86_64 4.17, \"syscalls/x86: Use 'struct pt_regs' based syscall calling convention for "
     "64-bit syscalls\": syscalls are entered through `__x64_sys_*(struct pt_regs *)` "
     "wrappers; the `sys_*` symbols are gone"},
    {"__x64_sys_execve", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"sys_execveat", KV(3, 19, 0), KV(4, 17, 0), "execveat(2) was added in 3.19; wrappers from 4.17"},
    {"__x64_sys_execveat", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"do_sys_open", OLD, 0,
     "fs/open.c; from 5.6 a wrapper around `do_sys_openat2` (still there in 6.x)"},
    {"do_sys_openat2", KV(5, 6, 0), 0, "fs/open.c, with openat2(2) in 5.6"},
    {"blk_account_io_start", OLD, 0,
     "block/blk-core.c (an out-of-line function in every profile)"},
    {"blk_account_io_done", OLD, 0, "block/blk-core.c (an out-of-line function in every profile)"},
    {"__blk_account_io_start", KV(5, 16, 0), KV(6, 4, 0),
     "split out of `blk_account_io_start` after 5.4 (about 5.16), open-coded again about 6.4 "
     "(BCC's biolatency/biosnoop probe for either)"},
    {"__blk_account_io_done", KV(5, 16, 0), KV(6, 4, 0),
     "split out of `blk_account_io_done` after 5.4 (about 5.16), open-coded again about 6.4"},
    {"blk_mq_start_request", KV(3, 13, 0), 0, "blk-mq, merged in 3.13"},
    {"sys_sync", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_sync", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_fsync", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_fsync", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_fdatasync", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_fdatasync", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_msync", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_msync", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_sync_file_range", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_sync_file_range", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_syncfs", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_syncfs", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_newstat", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_newstat", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_newlstat", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_newlstat", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_newfstatat", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_newfstatat", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_statfs", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_statfs", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_mount", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_mount", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_umount", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers (see `sys_execve`)"},
    {"__x64_sys_umount", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"ksys_sync", KV(4, 17, 0), 0, "sync(2)'s body, split out in 4.17 (syncsnoop's fallback)"},
    {"sys_statx", KV(4, 11, 0), KV(4, 17, 0), "statx(2) was added in 4.11"},
    {"__x64_sys_statx", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"blk_mq_end_request", KV(3, 13, 0), 0, "blk-mq, merged in 3.13"},
    {"blk_start_request", OLD, KV(5, 0, 0),
     "the legacy (non-mq) request path, removed in 5.0"},
    {"finish_task_switch", OLD, 0,
     "kernel/sched/core.c; some compilers emit it only as a copy, `finish_task_switch.isra.0`"},
    {"try_to_wake_up", OLD, 0, "kernel/sched/core.c"},
    {"ttwu_do_wakeup", OLD, 0,
     "kernel/sched/core.c; an inline helper without a symbol from 6.2 (`ttwu_do_activate`, "
     "which calls it, is the fallback then)"},
    {"ttwu_do_activate", OLD, 0, "kernel/sched/core.c"},
    {"wake_up_new_task", OLD, 0, "kernel/sched/core.c"},
    {"schedule", OLD, 0, "kernel/sched/core.c"},
    {"tcp_v4_connect", OLD, 0, "net/ipv4/tcp_ipv4.c"},
    {"tcp_v6_connect", OLD, 0, "net/ipv6/tcp_ipv6.c (in the ipv6 module where IPv6 is one)"},
    {"tcp_set_state", OLD, 0, "net/ipv4/tcp.c"},
    {"tcp_rcv_state_process", OLD, 0, "net/ipv4/tcp_input.c"},
    {"inet_csk_accept", OLD, 0, "net/ipv4/inet_connection_sock.c"},
    {"kfree_skb_reason", KV(5, 17, 0), KV(6, 11, 0),
     "net/core/skbuff.c; from 6.11 an inline wrapper of `sk_skb_reason_drop`"},
    {"sk_skb_reason_drop", KV(6, 11, 0), 0, "net/core/skbuff.c"},
    {"tcp_drop_reason", KV(5, 19, 0), 0, "net/ipv4/tcp_input.c, `tcp_drop` renamed"},
    {"tcp_drop", OLD, KV(5, 19, 0),
     "net/ipv4/tcp_input.c (static: a symbol where the compiler kept it out of line)"},
    {"oom_kill_process", OLD, 0,
     "mm/oom_kill.c; (oc, message) since 4.8, before (oc, p, points, totalpages, ...)"},
    {"mutex_lock", OLD, 0, "kernel/locking/mutex.c (mutex_lock_nested instead with lock debugging)"},
    /* mutex_lock_nested (klockstat's first choice) exists only with
     * CONFIG_DEBUG_LOCK_ALLOC, which distribution kernels do not set: not listed. */
    {"mutex_unlock", OLD, 0, "kernel/locking/mutex.c"},
    {"vfs_read", OLD, 0, "fs/read_write.c (the generic tracers' fixed option sets)"},
    /* procs */
    {"handle_irq_event", OLD, 0, "kernel/irq/handle.c, called by the flow handlers"},
    {"handle_irq_event_percpu", OLD, 0,
     "kernel/irq/handle.c (BCC's hardirqs before 2021; compiled into handle_irq_event on 6.1)"},
    {"tasklet_hi_action", OLD, 0, "kernel/softirq.c: the HI softirq"},
    {"tasklet_action", OLD, 0, "kernel/softirq.c: the TASKLET softirq"},
    {"run_timer_softirq", OLD, 0, "kernel/time/timer.c: the TIMER softirq"},
    {"net_tx_action", OLD, 0, "net/core/dev.c: the NET_TX softirq"},
    {"net_rx_action", OLD, 0, "net/core/dev.c: the NET_RX softirq"},
    {"blk_done_softirq", OLD, 0, "block/: the BLOCK softirq"},
    {"irq_poll_softirq", KV(4, 5, 0), 0, "lib/irq_poll.c (blk_iopoll before 4.5)"},
    {"run_rebalance_domains", OLD, KV(6, 10, 0),
     "kernel/sched/fair.c: the SCHED softirq; `sched_balance_softirq` from 6.10"},
    {"sched_balance_softirq", KV(6, 10, 0), 0, "the SCHED softirq, renamed in 6.10"},
    {"hrtimer_run_softirq", KV(4, 16, 0), 0, "kernel/time/hrtimer.c: the HRTIMER softirq, 4.16"},
    {"rcu_process_callbacks", OLD, KV(5, 0, 0), "kernel/rcu/tree.c: the RCU softirq before 5.0"},
    {"rcu_core_si", KV(5, 0, 0), 0, "kernel/rcu/tree.c: the RCU softirq from 5.0"},
    {"sys_kill", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers"},
    {"__x64_sys_kill", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_tkill", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers"},
    {"__x64_sys_tkill", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"sys_tgkill", OLD, KV(4, 17, 0), "before the 4.17 x86_64 syscall wrappers"},
    {"__x64_sys_tgkill", KV(4, 17, 0), 0, "the 4.17 x86_64 syscall wrappers"},
    {"do_exit", OLD, 0, "kernel/exit.c"},
    {"cap_capable", OLD, 0, "security/commoncap.c (its 4th argument: int audit before 5.1, "
                            "unsigned int opts since)"},
    {"sched_fork", OLD, 0, "kernel/sched/core.c"},
    {"try_to_free_pages", OLD, 0, "mm/vmscan.c: direct reclaim"},
    {"try_to_free_mem_cgroup_pages", OLD, 0, "mm/vmscan.c: reclaim at a cgroup's limit"},
    {"inet_listen", OLD, 0, "net/ipv4/af_inet.c"},
    {"inet_bind", OLD, 0, "net/ipv4/af_inet.c"},
    {"inet6_bind", OLD, 0, "net/ipv6/af_inet6.c"},
    {"tcp_retransmit_skb", OLD, 0, "net/ipv4/tcp_output.c"},
    {"tcp_send_loss_probe", KV(3, 10, 0), 0, "net/ipv4/tcp_output.c, tail loss probes (3.10)"},
    {"tcp_sendmsg", OLD, 0, "net/ipv4/tcp.c"},
    {"tcp_cleanup_rbuf", OLD, 0, "net/ipv4/tcp.c"},
    {"tcp_sendpage", OLD, KV(6, 5, 0), "net/ipv4/tcp.c; removed in 6.5 (sendmsg with MSG_SPLICE_PAGES)"},
    /* The file-system family (vfsstat, filelife, fileslower, cachestat, dcstat, dcsnoop,
     * mdflush, the *slower tools); module functions count as present (modules loaded). */
    {"vfs_read", OLD, 0, "fs/read_write.c"},
    {"vfs_write", OLD, 0, "fs/read_write.c"},
    {"__vfs_read", OLD, KV(5, 8, 0), "fs/read_write.c; folded into vfs_read in 5.8"},
    {"__vfs_write", OLD, KV(5, 8, 0), "fs/read_write.c; folded into vfs_write in 5.8"},
    {"vfs_fsync_range", OLD, 0, "fs/sync.c"},
    {"vfs_open", OLD, 0, "fs/open.c"},
    {"vfs_create", OLD, 0, "fs/namei.c (an idmap argument in front since 5.12)"},
    {"vfs_unlink", OLD, 0, "fs/namei.c (an idmap argument in front since 5.12)"},
    {"vfs_mkdir", OLD, 0, "fs/namei.c"},
    {"vfs_rmdir", OLD, 0, "fs/namei.c"},
    {"security_inode_create", OLD, 0, "security/security.c"},
    {"add_to_page_cache_lru", OLD, 0, "mm/filemap.c; a wrapper in mm/folio-compat.c from 5.16"},
    {"filemap_add_folio", KV(5, 16, 0), 0, "mm/filemap.c, folios (5.16)"},
    {"mark_page_accessed", OLD, 0, "mm/swap.c; a wrapper in mm/folio-compat.c from 5.16"},
    {"folio_mark_accessed", KV(5, 16, 0), 0, "mm/swap.c, folios (5.16)"},
    {"account_page_dirtied", OLD, KV(5, 16, 0), "mm/page-writeback.c; became folio_account_dirtied"},
    {"folio_account_dirtied", KV(5, 16, 0), 0, "mm/page-writeback.c, static (often inlined)"},
    {"__folio_mark_dirty", KV(5, 16, 0), 0, "mm/page-writeback.c, folio_account_dirtied's caller"},
    {"mark_buffer_dirty", OLD, 0, "fs/buffer.c"},
    {"__do_page_cache_readahead", OLD, KV(5, 10, 0), "mm/readahead.c; do_page_cache_ra from 5.10"},
    {"do_page_cache_ra", KV(5, 10, 0), 0, "mm/readahead.c (often inlined from 5.18)"},
    {"page_cache_ra_order", KV(5, 18, 0), 0, "mm/readahead.c, large folios (5.18)"},
    {"__page_cache_alloc", OLD, KV(5, 16, 0), "mm/filemap.c (NUMA); an inline wrapper from 5.16"},
    {"filemap_alloc_folio", KV(5, 16, 0), KV(6, 10, 0), "mm/filemap.c, folios (5.16)"},
    {"filemap_alloc_folio_noprof", KV(6, 10, 0), 0, "mm/filemap.c, renamed by allocation tagging"},
    {"lookup_fast", OLD, 0, "fs/namei.c, static (some builds have only a .constprop copy)"},
    {"d_lookup", OLD, 0, "fs/dcache.c"},
    {"md_flush_request", OLD, 0, "drivers/md/md.c (module md_mod)"},
    {"ext4_file_read_iter", KV(4, 10, 0), 0, "fs/ext4/file.c (generic_file_read_iter before)"},
    {"generic_file_read_iter", OLD, 0, "mm/filemap.c"},
    {"ext4_file_write_iter", OLD, 0, "fs/ext4/file.c"},
    {"ext4_file_open", OLD, 0, "fs/ext4/file.c"},
    {"ext4_sync_file", OLD, 0, "fs/ext4/fsync.c"},
    {"xfs_file_read_iter", OLD, 0, "fs/xfs/xfs_file.c (module xfs)"},
    {"xfs_file_write_iter", OLD, 0, "fs/xfs/xfs_file.c"},
    {"xfs_file_open", OLD, 0, "fs/xfs/xfs_file.c"},
    {"xfs_file_fsync", OLD, 0, "fs/xfs/xfs_file.c"},
    {"btrfs_file_write_iter", OLD, 0, "fs/btrfs/file.c (module btrfs)"},
    {"btrfs_sync_file", OLD, 0, "fs/btrfs/file.c"},
    {"generic_file_open", OLD, 0, "fs/open.c (btrfs's open before btrfs_file_open)"},
    {"nfs_file_read", OLD, 0, "fs/nfs/file.c (module nfs)"},
    {"nfs_file_write", OLD, 0, "fs/nfs/file.c"},
    {"nfs_file_open", OLD, 0, "fs/nfs/file.c"},
    {"nfs4_file_open", OLD, 0, "fs/nfs/nfs4file.c"},
    {"nfs_getattr", OLD, 0, "fs/nfs/inode.c"},
};

static bool present(const struct sym_fact *f, unsigned kv)
{
    return (f->since == OLD || f->since <= kv) && (!f->until || kv < f->until);
}

static const struct sym_fact *find_fact(const struct sym_fact *t, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return &t[i];
    return NULL;
}

/* "needs 5.6" / "gone in 4.17" / "not in 4.4" for a tracepoint or symbol. */
static void fact_why(const struct sym_fact *t, int n, const char *name, const struct profile *p,
                     struct ks_buf *out)
{
    const struct sym_fact *f = find_fact(t, n, name);
    char v[32];
    if (f && f->since != OLD && f->since > p->kv)
        ks_buf_printf(out, "needs %s", vstr(f->since, v, sizeof(v)));
    else if (f && f->until && p->kv >= f->until)
        ks_buf_printf(out, "gone in %s", vstr(f->until, v, sizeof(v)));
    else
        ks_buf_printf(out, "not in %s", p->name);
}

/* ====================================================================================
 * What to check: the option sets that change each tool's BPF program.
 * ==================================================================================== */
/* common/ks_optsets.c, shared with kscope-cache build. */
#define config ks_optset
#define configs ks_optsets
#define NCONF ks_noptsets

static const char *const modes[] = {"auto", "tracepoint", "kprobe"};
#define NMODE NELEM(modes)

/* ====================================================================================
 * Small helpers.
 * ==================================================================================== */
struct strlist {
    char **v;
    int n;
};

static int strlist_find(const struct strlist *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return i;
    return -1;
}

static int strlist_add(struct strlist *l, const char *s)
{
    int i = strlist_find(l, s);
    if (i >= 0)
        return i;
    l->v = ks_xrealloc(l->v, (size_t)(l->n + 1) * sizeof(char *));
    l->v[l->n] = ks_xstrdup(s);
    return l->n++;
}

static void strlist_free(struct strlist *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ks_compat: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void mkdirs(const char *path)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                die("mkdir %s: %s", p, strerror(errno));
            *s = '/';
        }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        die("mkdir %s: %s", p, strerror(errno));
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        die("cannot write %s: %s", path, strerror(errno));
}

static void rm_rf(const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--", path, (char *)NULL);
        _exit(127);
    }
    int st;
    if (pid > 0)
        waitpid(pid, &st, 0);
}

/* ====================================================================================
 * Fabricated roots, one per profile.
 * ==================================================================================== */
static void build_root(const char *dir, const struct profile *p)
{
    char path[PATH_MAX];
    struct ks_buf b = {0};
    snprintf(path, sizeof(path), "%s/sys/kernel/tracing/events", dir);
    mkdirs(path);
    for (int i = 0; i < NELEM(tracepoints); i++) {
        if (!present(&tracepoints[i], p->kv))
            continue;
        const char *tp = tracepoints[i].name;
        const char *colon = strchr(tp, ':');
        snprintf(path, sizeof(path), "%s/sys/kernel/tracing/events/%.*s/%s", dir,
                 (int)(colon - tp), tp, colon + 1);
        mkdirs(path);
        strncat(path, "/format", sizeof(path) - strlen(path) - 1);
        char fmt[400];
        int n = snprintf(fmt, sizeof(fmt), "name: %s\n(fabricated for kernel %s)\n", colon + 1,
                         p->name);
        /* sched_switch's "preempted" bit, which offcputime --state reads from the print
         * format: TASK_REPORT_MAX (0x100) from 4.14, TASK_STATE_MAX (2048 in 4.2-4.10,
         * 4096 in 4.11-4.13) before. */
        if (!strcmp(tp, "sched:sched_switch"))
            snprintf(fmt + n, sizeof(fmt) - (size_t)n,
                     "print fmt: \"prev_state=%%s%%s\", REC->prev_state & %s ? \"+\" : \"\"\n",
                     p->kv >= KV(4, 14, 0) ? "0x0100" : p->kv >= KV(4, 11, 0) ? "4096" : "2048");
        write_file(path, fmt);
    }
    /* kprobes: kprobe_events in tracefs everywhere, the perf PMU from 4.17. */
    snprintf(path, sizeof(path), "%s/sys/kernel/tracing/kprobe_events", dir);
    write_file(path, "");
    if (p->kv >= KPROBE_PMU_SINCE) {
        snprintf(path, sizeof(path), "%s/sys/bus/event_source/devices/kprobe", dir);
        mkdirs(path);
        strncat(path, "/type", sizeof(path) - strlen(path) - 1);
        write_file(path, "6\n");
    }
    /* uprobes: uprobe_events in tracefs everywhere (3.5+); the PMU's presence does not
     * change the program. */
    snprintf(path, sizeof(path), "%s/sys/kernel/tracing/uprobe_events", dir);
    write_file(path, "");
    /* kallsyms: the probed symbols this kernel has. */
    snprintf(path, sizeof(path), "%s/proc", dir);
    mkdirs(path);
    unsigned long addr = 0xffffffff81000000ul;
    for (int i = 0; i < NELEM(ksyms); i++)
        if (present(&ksyms[i], p->kv))
            ks_buf_printf(&b, "%lx T %s\n", addr += 0x100, ksyms[i].name);
    snprintf(path, sizeof(path), "%s/proc/kallsyms", dir);
    write_file(path, b.s ? b.s : "");
    /* BPF program/map types and helpers (see common/ks_features.c, fake_has()). */
    b.len = 0;
    if (b.s)
        b.s[0] = '\0';
    for (int i = 0; i < NELEM(prog_types); i++)
        if (prog_types[i].since <= p->kv)
            ks_buf_printf(&b, "prog %d\n", prog_types[i].id);
    for (int i = 0; i < NELEM(map_types); i++)
        if (map_types[i].since <= p->kv)
            ks_buf_printf(&b, "map %d\n", map_types[i].id);
    for (int h = 1; h <= profile_helper_max(p->kv); h++)
        ks_buf_printf(&b, "helper %d\n", h);
    snprintf(path, sizeof(path), "%s/kscope-features", dir);
    write_file(path, b.s);
    ks_buf_free(&b);
}

/* ====================================================================================
 * Running a tool against a fabricated root.
 * ==================================================================================== */
static int run_capture(char *const argv[], const char *root, struct ks_buf *out,
                       struct ks_buf *err)
{
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0)
        die("pipe: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        setenv("KSCOPE_FAKE_ROOT", root, 1);
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    struct pollfd pf[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
    int open_fds = 2;
    char chunk[16384];
    while (open_fds > 0) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll: %s", strerror(errno));
        }
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = read(pf[i].fd, chunk, sizeof(chunk));
            if (r > 0) {
                ks_buf_addn(i ? err : out, chunk, (size_t)r);
            } else if (r == 0 || errno != EINTR) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open_fds--;
            }
        }
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!out->s)
        ks_buf_add(out, "");
    if (!err->s)
        ks_buf_add(err, "");
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

enum kind { K_NONE, K_TP, K_KP, K_KRET, K_PE, K_UP, K_URET };

struct probe_info {
    char name[64];
    enum kind kind;
    char target[128];
    char func[96]; /* the BPF function, when --check names it (probes from a pattern) */
    struct ks_buf why; /* the resolver's lines for this probe (-v) */
    bool required_failed;
};

#define MAXPROBES 16

/* One tool run: config x mode x profile. */
struct run {
    int conf, mode, prof;
    bool ok;             /* the tool would run (probes resolved) */
    char tool_err[512];  /* when the tool failed for another reason */
    int nprobes;
    struct probe_info probes[MAXPROBES];
    int job;             /* compile job, or -1 */
};

static enum kind parse_kind(const char *s)
{
    if (!strcmp(s, "tracepoint"))
        return K_TP;
    if (!strcmp(s, "kprobe"))
        return K_KP;
    if (!strcmp(s, "kretprobe"))
        return K_KRET;
    if (!strcmp(s, "perf_event"))
        return K_PE;
    if (!strcmp(s, "uprobe"))
        return K_UP;
    if (!strcmp(s, "uretprobe"))
        return K_URET;
    return K_NONE;
}

static struct probe_info *run_probe(struct run *r, const char *name)
{
    for (int i = 0; i < r->nprobes; i++)
        if (!strcmp(r->probes[i].name, name))
            return &r->probes[i];
    return NULL;
}

/* argv: bin/tool, --probe=MODE, options..., extra (--check -v | --ebpf). */
static void tool_argv(const char *bindir, const struct config *c, const char *mode,
                      const char *extra1, const char *extra2, char *store, size_t storesz,
                      char **argv, int maxargs)
{
    int n = 0;
    snprintf(store, storesz, "%s/%s%c--probe=%s%c%s", bindir, c->tool, 0, mode, 0, c->opts);
    /* Split store into NUL-separated words. */
    char *p = store;
    argv[n++] = p;
    p += strlen(p) + 1;
    argv[n++] = p;
    p += strlen(p) + 1;
    char *save = NULL;
    for (char *w = strtok_r(p, " ", &save); w && n < maxargs - 3; w = strtok_r(NULL, " ", &save))
        argv[n++] = w;
    if (extra1)
        argv[n++] = (char *)extra1;
    if (extra2)
        argv[n++] = (char *)extra2;
    argv[n] = NULL;
}

static void parse_check(struct run *r, const char *tool, const char *out, const char *err)
{
    char line[1024];
    const char *s = out;
    while (*s) {
        size_t len = strcspn(s, "\n");
        snprintf(line, sizeof(line), "%.*s", (int)len, s);
        s += len + (s[len] == '\n');
        char name[64], kind[32], target[128], func[96] = "";
        if (sscanf(line, "probe %63s %31s %127s %95s", name, kind, target, func) >= 3 &&
            r->nprobes < MAXPROBES) {
            struct probe_info *pi = &r->probes[r->nprobes++];
            snprintf(pi->name, sizeof(pi->name), "%s", name);
            snprintf(pi->func, sizeof(pi->func), "%s", func);
            pi->kind = parse_kind(kind);
            snprintf(pi->target, sizeof(pi->target), "%s", target);
        } else if (!strcmp(line, "result ok")) {
            r->ok = true;
        }
    }
    /* -v: "tool: probe NAME:" then "tool:     <why>" lines. */
    char pfx[80];
    snprintf(pfx, sizeof(pfx), "%s: ", tool);
    struct probe_info *cur = NULL;
    s = err;
    while (*s) {
        size_t len = strcspn(s, "\n");
        snprintf(line, sizeof(line), "%.*s", (int)len, s);
        s += len + (s[len] == '\n');
        const char *l = line;
        const char *cap = strstr(l, "cannot attach probe '");
        if (cap) {
            char name[64];
            if (sscanf(cap, "cannot attach probe '%63[^']'", name) == 1) {
                struct probe_info *pi = run_probe(r, name);
                if (pi)
                    pi->required_failed = true;
            }
            cur = NULL;
            continue;
        }
        if (strncmp(l, pfx, strlen(pfx)) != 0) {
            continue;
        }
        l += strlen(pfx);
        char name[64];
        if (!strncmp(l, "probe ", 6) && sscanf(l, "probe %63[^:]:", name) == 1) {
            cur = run_probe(r, name);
        } else if (cur && !strncmp(l, "    ", 4)) {
            ks_buf_printf(&cur->why, "%s\n", l + 4);
        } else {
            cur = NULL;
        }
    }
}

/* ====================================================================================
 * Compile jobs, run by worker processes; results in shared memory.
 * ==================================================================================== */
#define MAXPROGS 16
#define MAXHELPERS 48
#define MAXMAPS 16

struct prog_res {
    char name[64];
    int type;
    unsigned insn_cnt;
    int nhelpers;
    int helpers[MAXHELPERS]; /* as compiled on this host, distinct */
    int stack;               /* deepest frame-pointer offset seen (approximate) */
    int back_jumps, jlt, jmp32, bpf2bpf, kfunc, atomics;
};

struct job_res {
    int done, ok;
    char err[1024];
    double secs;
    int nprogs;
    struct prog_res progs[MAXPROGS];
    int nmaps;
    struct {
        char name[64];
        unsigned type;
    } maps[MAXMAPS];
};

struct job {
    char *text;
    int nplan;
    char funcs[MAXPROGS][96];
    int types[MAXPROGS];
    uint8_t key[32];
    int first_run; /* for the report */
};

struct shared {
    int next;
    struct job_res res[];
};

/* Loops, as kernels before 5.3 see them: their verifier (check_cfg) walks the program
 * depth-first and rejects a jump to an instruction still on the walk's path (a back-edge).
 * A backward jump to code already fully walked, such as a shared "return 0" block that
 * clang placed earlier, is no loop and those kernels accept it. Returns the back-edges. */
static int cfg_back_edges(const struct ks_prog_def *g)
{
    uint32_t n = g->insn_cnt;
    uint8_t *state = calloc(n, 1); /* 0: new, 1: on the path, 2: done */
    uint32_t *stack = malloc((n + 1) * sizeof(*stack));
    uint8_t *next = calloc(n, 1); /* successors of each insn already followed */
    int edges = 0, sp = 0;
    if (!state || !stack || !next || !n)
        goto out;
    stack[sp++] = 0;
    state[0] = 1;
    while (sp) {
        uint32_t k = stack[sp - 1];
        const struct bpf_insn *in = &g->insns[k];
        int cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
        int64_t succ[2];
        int ns = 0;
        if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
            succ[ns++] = k + 2;
        } else if ((cls == BPF_JMP || cls == 0x06) && op != BPF_CALL) {
            if (op == BPF_EXIT) {
            } else if (op == BPF_JA) {
                succ[ns++] = (int64_t)k + 1 + in->off;
            } else {
                succ[ns++] = k + 1;
                succ[ns++] = (int64_t)k + 1 + in->off;
            }
        } else {
            succ[ns++] = k + 1;
        }
        if (next[k] >= ns) {
            state[k] = 2;
            sp--;
            continue;
        }
        int64_t t = succ[next[k]++];
        if (t < 0 || t >= (int64_t)n)
            continue;
        if (state[t] == 1)
            edges++;
        else if (state[t] == 0) {
            state[t] = 1;
            stack[sp++] = (uint32_t)t;
        }
    }
out:
    free(state);
    free(stack);
    free(next);
    return edges;
}

static void analyze_prog(const struct ks_prog_def *g, struct prog_res *pr)
{
    snprintf(pr->name, sizeof(pr->name), "%s", g->name);
    pr->back_jumps = cfg_back_edges(g);
    pr->type = (int)g->type;
    pr->insn_cnt = g->insn_cnt;
    /* Frame-pointer tracking, in program order, ignoring control flow: which registers
     * hold r10 + constant. Good enough for clang's code, which derives stack pointers
     * right where it passes them; an approximation nevertheless. */
    bool fpv[11] = {false};
    int fpo[11] = {0};
    fpv[10] = true;
    int depth = 0;
#define DEEPER(off)                                                                              \
    do {                                                                                         \
        if (-(off) > depth)                                                                      \
            depth = -(off);                                                                      \
    } while (0)
    for (uint32_t k = 0; k < g->insn_cnt; k++) {
        const struct bpf_insn *in = &g->insns[k];
        int cls = BPF_CLASS(in->code);
        int dst = in->dst_reg, src = in->src_reg;
        if (dst > 10 || src > 10)
            continue;
        if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
            fpv[dst] = false;
            k++;
            continue;
        }
        switch (cls) {
        case BPF_JMP:
        case 0x06: /* BPF_JMP32 */ {
            int op = BPF_OP(in->code);
            if (cls == 0x06)
                pr->jmp32++;
            if (op == BPF_CALL) {
                if (src == 0) {
                    bool seen = false;
                    for (int i = 0; i < pr->nhelpers; i++)
                        seen |= pr->helpers[i] == in->imm;
                    if (!seen && pr->nhelpers < MAXHELPERS)
                        pr->helpers[pr->nhelpers++] = in->imm;
                } else if (src == 1) { /* BPF_PSEUDO_CALL */
                    pr->bpf2bpf++;
                } else {
                    pr->kfunc++;
                }
                for (int r = 0; r <= 5; r++)
                    fpv[r] = false;
            } else if (op != BPF_EXIT) {
                if (op == 0xa0 || op == 0xb0 || op == 0xc0 || op == 0xd0)
                    pr->jlt++; /* JLT, JLE, JSLT, JSLE */
            }
            break;
        }
        case BPF_ST:
            if (fpv[dst])
                DEEPER(fpo[dst] + in->off);
            break;
        case BPF_STX:
            if (fpv[dst])
                DEEPER(fpo[dst] + in->off);
            if (BPF_MODE(in->code) == 0xc0 /* BPF_ATOMIC (was BPF_XADD) */ && in->imm != BPF_ADD)
                pr->atomics++;
            break;
        case BPF_LDX:
            if (fpv[src])
                DEEPER(fpo[src] + in->off);
            fpv[dst] = false;
            break;
        case BPF_ALU64:
            if (BPF_OP(in->code) == BPF_MOV && BPF_SRC(in->code) == BPF_X && fpv[src]) {
                fpv[dst] = true;
                fpo[dst] = fpo[src];
            } else if (fpv[dst] && BPF_OP(in->code) == BPF_ADD && BPF_SRC(in->code) == BPF_K) {
                fpo[dst] += in->imm;
                DEEPER(fpo[dst]);
            } else if (fpv[dst] && BPF_OP(in->code) == BPF_SUB && BPF_SRC(in->code) == BPF_K) {
                fpo[dst] -= in->imm;
                DEEPER(fpo[dst]);
            } else if (dst != 10) {
                fpv[dst] = false;
            }
            break;
        case BPF_ALU:
        case BPF_LD:
            if (dst != 10)
                fpv[dst] = false;
            break;
        default:
            break;
        }
    }
#undef DEEPER
    pr->stack = depth;
}

static void run_job(const struct job *j, const struct ks_headers *h, struct job_res *res)
{
    struct ks_func_plan plan[MAXPROGS];
    for (int i = 0; i < j->nplan; i++) {
        plan[i].func = j->funcs[i];
        plan[i].prog_type = j->types[i];
    }
    struct ks_buf err = {0};
    uint64_t t0 = ks_now_ns();
    struct ks_object *o = ks_compile(j->text, h, false, plan, j->nplan, &err);
    res->secs = (double)(ks_now_ns() - t0) / 1e9;
    if (!o) {
        snprintf(res->err, sizeof(res->err), "%s", err.s ? err.s : "compile failed");
        ks_buf_free(&err);
        res->done = 1;
        return;
    }
    res->ok = 1;
    for (uint32_t i = 0; i < o->nprogs && i < MAXPROGS; i++)
        analyze_prog(&o->progs[i], &res->progs[res->nprogs++]);
    for (uint32_t i = 0; i < o->nmaps && i < MAXMAPS; i++) {
        snprintf(res->maps[i].name, sizeof(res->maps[i].name), "%s", o->maps[i].name);
        res->maps[i].type = o->maps[i].type;
        res->nmaps++;
    }
    ks_object_free(o);
    res->done = 1;
}

static void run_jobs(const struct job *jobs, int njobs, const struct ks_headers *h, int nworkers,
                     struct shared *sh)
{
    pid_t pids[16];
    int n = nworkers < 1 ? 1 : nworkers > 16 ? 16 : nworkers;
    fflush(stdout);
    fflush(stderr);
    for (int w = 0; w < n; w++) {
        pids[w] = fork();
        if (pids[w] < 0)
            die("fork: %s", strerror(errno));
        if (pids[w] == 0) {
            for (;;) {
                int i = __atomic_fetch_add(&sh->next, 1, __ATOMIC_SEQ_CST);
                if (i >= njobs)
                    break;
                run_job(&jobs[i], h, &sh->res[i]);
            }
            _exit(0);
        }
    }
    for (int w = 0; w < n; w++) {
        int st;
        while (waitpid(pids[w], &st, 0) < 0 && errno == EINTR)
            ;
    }
}

/* ====================================================================================
 * Judging a run against its profile.
 * ==================================================================================== */

/* Why a probe has no variant in this profile, from the resolver's lines; short, and the
 * same words for the same cause so that cells can share them. */
static void probe_reasons(const struct probe_info *pi, const struct profile *p, int mode,
                          struct strlist *out)
{
    const char *s = pi->why.s ? pi->why.s : "";
    struct ks_buf missing = {0}; /* kprobe symbols not in kallsyms */
    int nmissing = 0;
    /* "no tracepoint/kprobe variant": in auto mode only when nothing better is said. */
    const char *generic = NULL;
    int before = out->n;
    char line[512];
    while (*s) {
        size_t len = strcspn(s, "\n");
        snprintf(line, sizeof(line), "%.*s", (int)len, s);
        s += len + (s[len] == '\n');
        const char *colon = strstr(line, ": ");
        const char *why = colon ? colon + 2 : "";
        char what[64] = "", target[200] = "";
        sscanf(line, "%63s", what);
        if (colon && strchr(line, ' ') < colon)
            snprintf(target, sizeof(target), "%.*s", (int)(colon - strchr(line, ' ') - 1),
                     strchr(line, ' ') + 1);
        if (!strncmp(why, "chosen", 6) || !strncmp(why, "not needed", 10) ||
            !strncmp(why, "not tried", 9) || line[0] == '(' ||
            !strcmp(line, "not needed with these options"))
            continue;
        struct ks_buf r = {0};
        if (!strcmp(line, "tracepoint: none exists for this probe")) {
            if (mode == 1)
                ks_buf_add(&r, "no tracepoint variant");
            else if (mode == 0)
                generic = "no tracepoint variant";
        } else if (!strcmp(line, "kprobe: no fallback for this probe")) {
            if (mode == 2)
                ks_buf_add(&r, "no kprobe variant");
            else if (mode == 0)
                generic = generic ? "neither a tracepoint nor a kprobe variant" : "no kprobe variant";
        } else if (!strcmp(what, "tracepoint") && strstr(why, "cannot load BPF tracepoint")) {
            const struct type_fact *f =
                type_fact(prog_types, NELEM(prog_types), BPF_PROG_TYPE_TRACEPOINT);
            char v[32];
            ks_buf_printf(&r, "BPF tracepoint programs need %s", vstr(f->since, v, sizeof(v)));
        } else if (!strcmp(what, "perf") && strstr(why, "cannot load BPF perf_event")) {
            const struct type_fact *f =
                type_fact(prog_types, NELEM(prog_types), BPF_PROG_TYPE_PERF_EVENT);
            char v[32];
            ks_buf_printf(&r, "BPF perf_event programs need %s", vstr(f->since, v, sizeof(v)));
        } else if (!strcmp(what, "tracepoint") && strstr(why, "not in this kernel")) {
            ks_buf_printf(&r, "tracepoint `%s` ", target);
            fact_why(tracepoints, NELEM(tracepoints), target, p, &r);
        } else if ((!strcmp(what, "kprobe") || !strcmp(what, "kretprobe")) &&
                   strstr(why, "not in /proc/kallsyms")) {
            ks_buf_printf(&missing, "%s`%s` ", nmissing++ ? ", " : "", target);
            fact_why(ksyms, NELEM(ksyms), target, p, &missing);
        } else if (strstr(why, "no kprobe support")) {
            ks_buf_add(&r, "no kprobe support");
        } else {
            ks_buf_printf(&r, "%s", line);
        }
        if (r.len)
            strlist_add(out, r.s);
        ks_buf_free(&r);
    }
    if (nmissing) {
        struct ks_buf r = {0};
        ks_buf_printf(&r, "kprobe target%s %s", nmissing > 1 ? "s" : "", missing.s);
        strlist_add(out, r.s);
        ks_buf_free(&r);
    }
    if (generic && out->n == before)
        strlist_add(out, generic);
    ks_buf_free(&missing);
}

/* The instruction checks: reasons this object cannot load on the profile's kernel. */
static void object_violations(const struct job_res *res, const struct profile *p,
                              struct strlist *out)
{
    char v[32], b[256];
    if (!res->ok) {
        snprintf(b, sizeof(b), "does not compile (see the report)");
        strlist_add(out, b);
        return;
    }
    int hmax = profile_helper_max(p->kv);
    for (int i = 0; i < res->nprogs; i++) {
        const struct prog_res *g = &res->progs[i];
        const struct type_fact *pt = type_fact(prog_types, NELEM(prog_types), g->type);
        if (!pt) {
            snprintf(b, sizeof(b), "program type %d not in the facts table", g->type);
            strlist_add(out, b);
        } else if (pt->since > p->kv) {
            snprintf(b, sizeof(b), "BPF %s programs need %s", pt->name, vstr(pt->since, v, sizeof(v)));
            strlist_add(out, b);
        }
        for (int k = 0; k < g->nhelpers; k++) {
            int id = g->helpers[k];
            if (id > hmax) {
                snprintf(b, sizeof(b), "helper %d (%s) > %d", id, helper_name(id), hmax);
                strlist_add(out, b);
            }
        }
        if (g->insn_cnt > OLD_MAX_INSNS && p->kv < BIG_PROGS_SINCE) {
            snprintf(b, sizeof(b), "%u instructions > %d (before 5.2)", g->insn_cnt, OLD_MAX_INSNS);
            strlist_add(out, b);
        }
        if (g->back_jumps && p->kv < LOOPS_SINCE)
            strlist_add(out, "loops (back-edges) need 5.3");
        if (g->stack > STACK_MAX) {
            snprintf(b, sizeof(b), "stack ~%d bytes > %d", g->stack, STACK_MAX);
            strlist_add(out, b);
        }
        if (g->jlt && p->kv < JLT_SINCE)
            strlist_add(out, "JLT/JLE/JSLT/JSLE jumps need 4.14");
        if (g->bpf2bpf && p->kv < BPF2BPF_CALLS_SINCE)
            strlist_add(out, "BPF-to-BPF calls need 4.16");
        if (g->jmp32 && p->kv < JMP32_SINCE)
            strlist_add(out, "JMP32 instructions need 5.1");
        if (g->atomics && p->kv < ATOMICS_SINCE)
            strlist_add(out, "atomic instructions other than add need 5.12");
        if (g->kfunc)
            strlist_add(out, "kfunc calls need 5.13+");
    }
    for (int i = 0; i < res->nmaps; i++) {
        const struct type_fact *mt = type_fact(map_types, NELEM(map_types), (int)res->maps[i].type);
        if (!mt) {
            snprintf(b, sizeof(b), "map type %u not in the facts table", res->maps[i].type);
            strlist_add(out, b);
        } else if (mt->since > p->kv) {
            snprintf(b, sizeof(b), "BPF %s maps need %s", mt->name, vstr(mt->since, v, sizeof(v)));
            strlist_add(out, b);
        }
    }
}

/* A run's verdict: failure reasons, and notes (optional probes skipped). */
struct verdict {
    struct strlist fail;
    struct strlist limit_fail; /* the subset that comes from the instruction checks */
    struct strlist notes;      /* "reason\tprobe" */
};

static void judge(const struct run *r, const struct job_res *res, struct verdict *v)
{
    const struct profile *p = &profiles[r->prof];
    if (r->tool_err[0]) {
        strlist_add(&v->fail, r->tool_err);
        return;
    }
    for (int i = 0; i < r->nprobes; i++) {
        const struct probe_info *pi = &r->probes[i];
        if (pi->kind != K_NONE)
            continue;
        struct strlist why = {0};
        probe_reasons(pi, p, r->mode, &why);
        if (pi->required_failed) {
            if (!why.n)
                strlist_add(&why, "a required probe cannot attach");
            for (int k = 0; k < why.n; k++)
                strlist_add(&v->fail, why.v[k]);
        } else if (why.n) { /* optional, skipped; (no reasons: not needed with these options) */
            struct ks_buf b = {0};
            for (int k = 0; k < why.n; k++)
                ks_buf_printf(&b, "%s%s", k ? "; " : "", why.v[k]);
            ks_buf_printf(&b, "\t%s", pi->name);
            strlist_add(&v->notes, b.s);
            ks_buf_free(&b);
        }
        strlist_free(&why);
    }
    if (r->ok && !v->fail.n && res) {
        object_violations(res, p, &v->limit_fail);
        for (int k = 0; k < v->limit_fail.n; k++)
            strlist_add(&v->fail, v->limit_fail.v[k]);
    }
    if (!r->ok && !v->fail.n)
        strlist_add(&v->fail, "the tool reports no usable probe set");
}

/* ====================================================================================
 * The document.
 * ==================================================================================== */
#define TABLE_BEGIN "<!-- kscope-compat-table:begin (generated by tests/compat; do not edit) -->"
#define TABLE_END "<!-- kscope-compat-table:end -->"

struct cell {
    bool ok;
    struct ks_buf text;
};

/* Footnotes for a supported cell, from its "reason\tprobe" items: one per reason, with
 * the probes it skips; tracepoint reasons that differ only in the tracepoint are merged
 * ("tracepoints `a`, `b` need 5.6"). */
static void group_notes(const struct strlist *items, struct strlist *out)
{
    struct strlist reasons = {0}, probes = {0}, tps = {0};
    for (int i = 0; i < items->n; i++) {
        char *item = ks_xstrdup(items->v[i]);
        char *tab = strchr(item, '\t');
        *tab = '\0';
        /* key: the reason, with a tracepoint's name taken out */
        char key[512], tp[200] = "";
        const char *close = !strncmp(item, "tracepoint `", 12) ? strchr(item + 12, '`') : NULL;
        if (close) {
            snprintf(tp, sizeof(tp), "%.*s", (int)(close + 1 - (item + 11)), item + 11);
            snprintf(key, sizeof(key), "tracepoint\x01%s", close + 1);
        } else {
            snprintf(key, sizeof(key), "%s", item);
        }
        int k = strlist_add(&reasons, key);
        if (k == probes.n) {
            strlist_add(&probes, "");
            strlist_add(&tps, "");
        }
        char probe[80];
        snprintf(probe, sizeof(probe), "`%s`", tab + 1);
        struct strlist *lists[2] = {&probes, &tps};
        const char *adds[2] = {probe, tp};
        for (int l = 0; l < 2; l++) {
            char *cur = lists[l]->v[k];
            if (!*adds[l] || strstr(cur, adds[l]))
                continue;
            struct ks_buf b = {0};
            ks_buf_printf(&b, "%s%s%s", cur, *cur ? ", " : "", adds[l]);
            free(lists[l]->v[k]);
            lists[l]->v[k] = ks_xstrdup(b.s);
            ks_buf_free(&b);
        }
        free(item);
    }
    for (int k = 0; k < reasons.n; k++) {
        struct ks_buf b = {0};
        if (!strncmp(reasons.v[k], "tracepoint\x01", 11)) {
            const char *tail = reasons.v[k] + 11;
            bool many = strchr(tps.v[k], ',') != NULL;
            if (many && !strncmp(tail, " needs ", 7))
                ks_buf_printf(&b, "tracepoints %s need %s", tps.v[k], tail + 7);
            else
                ks_buf_printf(&b, "tracepoint%s %s%s", many ? "s" : "", tps.v[k], tail);
        } else {
            ks_buf_add(&b, reasons.v[k]);
        }
        ks_buf_printf(&b, " (optional probe%s %s, skipped)", strchr(probes.v[k], ',') ? "s" : "",
                      probes.v[k]);
        strlist_add(out, b.s);
        ks_buf_free(&b);
    }
    strlist_free(&reasons);
    strlist_free(&probes);
    strlist_free(&tps);
}

static const char *conf_label(int c)
{
    return configs[c].opts[0] ? configs[c].opts : "default";
}

static void render(struct run *runs, int nruns, struct job_res *res, char **tools, int ntools,
                   struct ks_buf *doc, struct ks_buf *table, struct strlist *claims_fail)
{
    struct strlist notes = {0}; /* footnotes, in order of first use */
    struct ks_buf t = {0};
    ks_buf_add(&t, "| tool | probe mode |");
    for (int p = 0; p < NPROF; p++)
        ks_buf_printf(&t, " %s |", profiles[p].name);
    ks_buf_add(&t, " oldest supported |\n|---|---|");
    for (int p = 0; p < NPROF; p++)
        ks_buf_add(&t, "---|");
    ks_buf_add(&t, "---|\n");
    for (int ti = 0; ti < ntools; ti++) {
        for (int m = 0; m < NMODE; m++) {
            struct cell cells[NPROF];
            memset(cells, 0, sizeof(cells));
            for (int p = 0; p < NPROF; p++) {
                /* reasons across this tool's configs: reason -> configs it applies to */
                struct strlist reasons = {0};
                /* per reason: the tool's configs (bits) that hit it; bit j is cidx[j] */
                uint64_t masks[64] = {0};
                int cidx[64], ncidx = 0;
                struct strlist cell_items = {0}; /* "reason\tprobe" */
                struct strlist since_items = {0}; /* option sets newer than this kernel */
                int nconf = 0;
                uint64_t allmask = 0;
                for (int i = 0; i < nruns; i++) {
                    struct run *r = &runs[i];
                    if (r->mode != m || r->prof != p || strcmp(configs[r->conf].tool, tools[ti]))
                        continue;
                    if (configs[r->conf].since && profiles[p].kv < configs[r->conf].since) {
                        strlist_add(&since_items, configs[r->conf].since_why);
                        continue;
                    }
                    nconf++;
                    int bit = 0;
                    while (bit < ncidx && cidx[bit] != r->conf)
                        bit++;
                    if (bit == ncidx)
                        cidx[ncidx++] = r->conf; /* main() checks a tool has at most 64 */
                    allmask |= 1ull << bit;
                    struct verdict v = {0};
                    judge(r, r->job >= 0 ? &res[r->job] : NULL, &v);
                    for (int k = 0; k < v.fail.n; k++) {
                        int idx = strlist_add(&reasons, v.fail.v[k]);
                        if (idx < 64)
                            masks[idx] |= 1ull << bit;
                    }
                    for (int k = 0; k < v.notes.n; k++)
                        strlist_add(&cell_items, v.notes.v[k]);
                    /* For test (a): limit violations where the committed doc claims ✓. */
                    for (int k = 0; k < v.limit_fail.n; k++) {
                        char b[512];
                        snprintf(b, sizeof(b), "%s\t%s\t%s\t%s: %s", tools[ti], modes[m],
                                 profiles[p].name, conf_label(r->conf), v.limit_fail.v[k]);
                        strlist_add(claims_fail, b);
                    }
                    strlist_free(&v.fail);
                    strlist_free(&v.limit_fail);
                    strlist_free(&v.notes);
                }
                struct cell *c = &cells[p];
                if (!nconf) {
                    ks_buf_add(&c->text, "?");
                } else if (!reasons.n) {
                    c->ok = true;
                    ks_buf_add(&c->text, "✓");
                    struct strlist cell_notes = {0};
                    group_notes(&cell_items, &cell_notes);
                    for (int k = 0; k < since_items.n; k++)
                        strlist_add(&cell_notes, since_items.v[k]);
                    for (int k = 0; k < cell_notes.n; k++)
                        ks_buf_printf(&c->text, "%s%d", k ? "," : " (",
                                      strlist_add(&notes, cell_notes.v[k]) + 1);
                    if (cell_notes.n)
                        ks_buf_add(&c->text, ")");
                    strlist_free(&cell_notes);
                } else {
                    ks_buf_add(&c->text, "✗ ");
                    for (int k = 0; k < reasons.n; k++) {
                        if (k)
                            ks_buf_add(&c->text, "; ");
                        uint64_t mk = k < 64 ? masks[k] : allmask;
                        if (mk != allmask) {
                            bool first = true;
                            for (int j = 0; j < ncidx; j++)
                                if (mk & (1ull << j)) {
                                    ks_buf_printf(&c->text, "%s%s", first ? "with " : ", ",
                                                  conf_label(cidx[j]));
                                    first = false;
                                }
                            ks_buf_add(&c->text, ": ");
                        }
                        ks_buf_add(&c->text, reasons.v[k]);
                    }
                }
                strlist_free(&reasons);
                strlist_free(&cell_items);
                strlist_free(&since_items);
            }
            /* oldest: the first profile from which every newer one is supported */
            int oldest = NPROF;
            while (oldest > 0 && cells[oldest - 1].ok)
                oldest--;
            ks_buf_printf(&t, "| %s | %s |", tools[ti], modes[m]);
            bool no_variant = true; /* a mode the tool has on no kernel (syscount's kprobes) */
            for (int p = 0; p < NPROF; p++) {
                ks_buf_printf(&t, " %s |", cells[p].text.s);
                no_variant = no_variant && !cells[p].ok &&
                             !strcmp(cells[p].text.s, "✗ no kprobe variant");
                ks_buf_free(&cells[p].text);
            }
            if (no_variant)
                ks_buf_add(&t, " none: the tool has no kprobe variant |\n");
            else if (oldest == 0)
                ks_buf_printf(&t, " **%s** (oldest checked) |\n", profiles[0].name);
            else if (oldest < NPROF)
                ks_buf_printf(&t, " **%s** |\n", profiles[oldest].name);
            else
                ks_buf_printf(&t, " newer than %s |\n", profiles[NPROF - 1].name);
        }
    }
    if (notes.n) {
        ks_buf_add(&t, "\n(n): the tool runs there, without the optional probes named:\n\n");
        for (int i = 0; i < notes.n; i++)
            ks_buf_printf(&t, "%d. %s\n", i + 1, notes.v[i]);
    }
    ks_buf_printf(table, "%s\n%s%s\n", TABLE_BEGIN, t.s, TABLE_END);
    ks_buf_free(&t);
    strlist_free(&notes);

    /* ---- the whole document ---- */
    char v1[32], v2[32];
    ks_buf_add(doc,
               "# Kernel compatibility (4.x)\n\n"
               "Which kernels each tool runs on, per probe mode (`--probe=auto|tracepoint|"
               "kprobe`). Generated by `tests/compat/ks_compat.c` (ctest `compat-4x`, label "
               "`compat`); regenerate with `cmake --build build --target compat-doc`. The test "
               "fails when this file and the check disagree.\n\n"
               "A cell is ✓ when every option set checked for the tool passes in that kernel; "
               "otherwise it says why not (prefixed with the options when only some fail). "
               "*Oldest supported* is the oldest kernel from which every newer column is ✓.\n\n");
    ks_buf_add(doc, table->s);
    ks_buf_add(doc, "\n## How this is checked\n\n"
                    "No 4.x kernel is booted. For each kernel profile a fabricated root "
                    "(`KSCOPE_FAKE_ROOT`) presents that kernel's tracepoints, the kallsyms entries "
                    "the tools probe, kprobe support and the BPF program types, map types and "
                    "helpers it has. Each tool runs against it with `--check` (probe choice) and "
                    "`--ebpf` (the exact program text, including `KS_HAVE_LRU_HASH` only from "
                    "4.10 and `KS_HAVE_PROBE_READ_USER` only from 5.5), and every distinct text is compiled here with libbcc. The instructions "
                    "are then checked against the profile:\n\n");
    ks_buf_printf(doc,
                  "- every helper called exists (highest helper id per kernel:");
    for (int i = 0; i < NHELPERMAX; i++)
        ks_buf_printf(doc, "%s %s: %d", i ? "," : "", vstr(helper_max[i].kv, v1, sizeof(v1)),
                      helper_max[i].max_id);
    ks_buf_add(doc, "). Before 5.5 the programs are configured (no `KS_HAVE_PROBE_READ_USER`) to "
                    "call `bpf_probe_read` (4) and `bpf_probe_read_str` (45, 4.11) instead of "
                    "`bpf_probe_read_{user,kernel}` and their `_str` forms (112-115);\n");
    ks_buf_add(doc, "- program types and map types exist:");
    for (int i = 0; i < NELEM(prog_types); i++)
        ks_buf_printf(doc, "%s %s programs %s", i ? "," : "", prog_types[i].name,
                      vstr(prog_types[i].since, v1, sizeof(v1)));
    ks_buf_add(doc, ";");
    for (int i = 0; i < NELEM(map_types); i++)
        ks_buf_printf(doc, "%s %s maps %s", i ? "," : "", map_types[i].name,
                      vstr(map_types[i].since, v1, sizeof(v1)));
    ks_buf_add(doc, ";\n");
    ks_buf_printf(doc,
                  "- at most %d instructions per program before 5.2; no loops (a jump back into "
                  "the verifier's depth-first path, as check_cfg sees it) before 5.3; no "
                  "JLT/JLE/JSLT/JSLE before 4.14, BPF-to-BPF calls before 4.16, "
                  "JMP32 before 5.1; stack within %d bytes (the deepest r10-relative offset "
                  "seen: an approximation);\n"
                  "- the probes a configuration needs exist in that kernel. Optional probes "
                  "that are missing are skipped (the tool still runs); a required one that is "
                  "missing means the tool cannot run there in that mode.\n\n",
                  OLD_MAX_INSNS, STACK_MAX);
    ks_buf_add(doc, "Option sets checked per tool:");
    for (int ti = 0; ti < ntools; ti++) {
        ks_buf_printf(doc, "%s %s (", ti ? ";" : "", tools[ti]);
        bool first = true;
        for (int c = 0; c < NCONF; c++)
            if (!strcmp(configs[c].tool, tools[ti])) {
                ks_buf_printf(doc, "%s%s", first ? "" : ", ", conf_label(c));
                first = false;
            }
        ks_buf_add(doc, ")");
    }
    ks_buf_add(doc, ".\n\n"
                    "Not checked (a verifier run would be needed): the 4.x verifiers' complexity "
                    "limits and their rules of the day for pointer arithmetic; old tracepoint "
                    "field layouts (programs are compiled against this machine's tracefs formats); "
                    "struct layouts read on kprobe paths (compiled against this machine's headers)."
                    "\n\n## Kernel facts used\n\n| tracepoint | since | gone in | source |\n"
                    "|---|---|---|---|\n");
    for (int i = 0; i < NELEM(tracepoints); i++)
        ks_buf_printf(doc, "| `%s` | %s | %s | %s |\n", tracepoints[i].name,
                      vstr(tracepoints[i].since, v1, sizeof(v1)),
                      tracepoints[i].until ? vstr(tracepoints[i].until, v2, sizeof(v2)) : "",
                      tracepoints[i].source);
    ks_buf_add(doc, "\n| kernel symbol (x86_64) | since | gone in | source |\n|---|---|---|---|\n");
    for (int i = 0; i < NELEM(ksyms); i++)
        ks_buf_printf(doc, "| `%s` | %s | %s | %s |\n", ksyms[i].name,
                      vstr(ksyms[i].since, v1, sizeof(v1)),
                      ksyms[i].until ? vstr(ksyms[i].until, v2, sizeof(v2)) : "",
                      ksyms[i].source);
}

/* ====================================================================================
 * The detailed report (build directory only: it holds host-specific numbers).
 * ==================================================================================== */
static const char *kind_name(enum kind k)
{
    return k == K_TP     ? "tracepoint"
           : k == K_KP   ? "kprobe"
           : k == K_KRET ? "kretprobe"
           : k == K_UP   ? "uprobe"
           : k == K_URET ? "uretprobe"
           : k == K_PE   ? "perf_event"
                         : "none";
}

static void report(FILE *f, struct run *runs, int nruns, struct job *jobs, struct job_res *res,
                   int njobs)
{
    fprintf(f, "kscope 4.x compatibility check: details\n\n");
    for (int i = 0; i < nruns; i++) {
        struct run *r = &runs[i];
        fprintf(f, "== %s %s --probe=%s on %s: %s\n", configs[r->conf].tool, conf_label(r->conf),
                modes[r->mode], profiles[r->prof].name, r->ok ? "probes ok" : "probes FAIL");
        if (r->tool_err[0])
            fprintf(f, "   tool: %s\n", r->tool_err);
        for (int k = 0; k < r->nprobes; k++)
            fprintf(f, "   probe %-14s %-10s %s%s\n", r->probes[k].name, kind_name(r->probes[k].kind),
                    r->probes[k].target, r->probes[k].required_failed ? "  (required: FAIL)" : "");
        struct verdict v = {0};
        judge(r, r->job >= 0 ? &res[r->job] : NULL, &v);
        if (r->job >= 0)
            fprintf(f, "   compiled as job %d\n", r->job);
        for (int k = 0; k < v.fail.n; k++)
            fprintf(f, "   FAIL: %s\n", v.fail.v[k]);
        for (int k = 0; k < v.notes.n; k++) {
            char *tab = strchr(v.notes.v[k], '\t');
            fprintf(f, "   note: optional probe %s skipped: %.*s\n", tab + 1,
                    (int)(tab - v.notes.v[k]), v.notes.v[k]);
        }
        strlist_free(&v.fail);
        strlist_free(&v.limit_fail);
        strlist_free(&v.notes);
    }
    fprintf(f, "\n== compile jobs\n");
    for (int j = 0; j < njobs; j++) {
        const struct job_res *jr = &res[j];
        const struct run *r = &runs[jobs[j].first_run];
        fprintf(f, "-- job %d: %s %s --probe=%s (first seen on %s), %.2f s: %s\n", j,
                configs[r->conf].tool, conf_label(r->conf), modes[r->mode],
                profiles[r->prof].name, jr->secs, jr->ok ? "ok" : "FAILED");
        if (!jr->ok)
            fprintf(f, "   %s\n", jr->err);
        for (int m = 0; m < jr->nmaps; m++) {
            const struct type_fact *mt = type_fact(map_types, NELEM(map_types), (int)jr->maps[m].type);
            fprintf(f, "   map %-12s %s\n", jr->maps[m].name, mt ? mt->name : "?");
        }
        for (int p = 0; p < jr->nprogs; p++) {
            const struct prog_res *g = &jr->progs[p];
            fprintf(f, "   prog %-32s type %d, %u insns, stack ~%d, back-edges %d, jlt %d, "
                       "jmp32 %d, bpf2bpf %d, atomics %d\n        helpers:",
                    g->name, g->type, g->insn_cnt, g->stack, g->back_jumps, g->jlt, g->jmp32,
                    g->bpf2bpf, g->atomics);
            for (int h = 0; h < g->nhelpers; h++)
                fprintf(f, " %d(%s)", g->helpers[h], helper_name(g->helpers[h]));
            fprintf(f, "\n");
        }
    }
}

/* ====================================================================================
 * Checking the committed document.
 * ==================================================================================== */

/* Cells of the committed table: "tool\tmode\tprofile" for each ✓. */
static void committed_claims(const char *doc, struct strlist *claims)
{
    const char *s = doc;
    char line[4096];
    while (*s) {
        size_t len = strcspn(s, "\n");
        snprintf(line, sizeof(line), "%.*s", (int)len, s);
        s += len + (s[len] == '\n');
        if (line[0] != '|')
            continue;
        char *cols[16];
        int n = 0;
        char *save = NULL;
        for (char *c = strtok_r(line, "|", &save); c && n < 16; c = strtok_r(NULL, "|", &save)) {
            while (*c == ' ')
                c++;
            char *e = c + strlen(c);
            while (e > c && e[-1] == ' ')
                *--e = '\0';
            cols[n++] = c;
        }
        if (n < 2 + NPROF)
            continue;
        for (int p = 0; p < NPROF; p++)
            if (!strncmp(cols[2 + p], "✓", strlen("✓"))) {
                char b[256];
                snprintf(b, sizeof(b), "%s\t%s\t%s", cols[0], cols[1], profiles[p].name);
                strlist_add(claims, b);
            }
    }
}

static char *between(const char *text, const char *begin, const char *end)
{
    const char *b = strstr(text, begin);
    const char *e = b ? strstr(b, end) : NULL;
    if (!b || !e)
        return NULL;
    e += strlen(end);
    char *r = ks_xmalloc((size_t)(e - b) + 1);
    memcpy(r, b, (size_t)(e - b));
    r[e - b] = '\0';
    return r;
}

static void show_diff(const char *expected_path, const char *actual_path)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(2, 1);
        execlp("diff", "diff", "-u", expected_path, actual_path, (char *)NULL);
        _exit(127);
    }
    int st;
    if (pid > 0)
        waitpid(pid, &st, 0);
}

/* ====================================================================================
 * main
 * ==================================================================================== */
static void usage(void)
{
    fprintf(stderr, "usage: ks_compat --bin DIR --out FILE [--expect FILE] [--readme FILE] "
                    "[--report FILE] [--tools \"a b\"] [--jobs N] [--keep-roots]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *bindir = NULL, *out = NULL, *expect = NULL, *readme = NULL, *report_path = NULL;
    const char *tools_arg = NULL;
    int nworkers = 2;
    bool keep_roots = false;
    ks_set_prog("ks_compat");
    /* A cell's masks have a bit per option set of its tool. */
    for (int c = 0; c < NCONF; c++) {
        int n = 0;
        for (int d = 0; d < NCONF; d++)
            n += !strcmp(ks_optsets[d].tool, ks_optsets[c].tool);
        if (n > 64) {
            ks_err("%s has %d option sets: the per-reason masks hold 64; widen them",
                   ks_optsets[c].tool, n);
            return 1;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--keep-roots")) {
            keep_roots = true;
            continue;
        }
        if (!next)
            usage();
        if (!strcmp(a, "--bin"))
            bindir = next;
        else if (!strcmp(a, "--out"))
            out = next;
        else if (!strcmp(a, "--expect"))
            expect = next;
        else if (!strcmp(a, "--readme"))
            readme = next;
        else if (!strcmp(a, "--report"))
            report_path = next;
        else if (!strcmp(a, "--tools"))
            tools_arg = next;
        else if (!strcmp(a, "--jobs"))
            nworkers = atoi(next);
        else
            usage();
        i++;
    }
    if (!bindir || !out)
        usage();
    uint64_t t_start = ks_now_ns();

    /* Tools: the build's list (KS_TOOLS), or every tool with configurations here. */
    enum { MAXTOOLS = 128 }; /* more are ignored: keep it above the number of tools */
    char *tools[MAXTOOLS];
    int ntools = 0;
    char *tools_copy = ks_xstrdup(tools_arg ? tools_arg : "");
    if (tools_arg) {
        char *save = NULL;
        for (char *w = strtok_r(tools_copy, " ;", &save); w && ntools < MAXTOOLS;
             w = strtok_r(NULL, " ;", &save))
            tools[ntools++] = w;
    } else {
        for (int c = 0; c < NCONF; c++) {
            bool seen = false;
            for (int t = 0; t < ntools; t++)
                seen |= !strcmp(tools[t], configs[c].tool);
            if (!seen && ntools < MAXTOOLS)
                tools[ntools++] = (char *)configs[c].tool;
        }
    }
    for (int t = 0; t < ntools; t++) {
        bool have = false;
        for (int c = 0; c < NCONF; c++)
            have |= !strcmp(configs[c].tool, tools[t]);
        if (!have)
            die("tool %s has no option sets in common/ks_optsets.c: add its "
                "defaults and every option that changes its BPF program",
                tools[t]);
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s", bindir, tools[t]);
        if (access(p, X_OK) != 0)
            die("%s: not built (%s)", p, strerror(errno));
    }

    /* Preconditions of compiling here: kernel headers, and tracefs formats for
     * TRACEPOINT_PROBE (libbcc reads this machine's). Without them: skip (77). */
    struct ks_headers h;
    struct ks_buf herr = {0};
    struct ks_headers_req hreq = {0};
    if (ks_headers_find(&hreq, &h, &herr) != 0) {
        fprintf(stderr, "ks_compat: SKIP: no kernel headers to compile with: %s\n", herr.s);
        return 77;
    }
    if (!ks_path_exists("/sys/kernel/tracing/events/syscalls/sys_enter_execve/format") &&
        !ks_path_exists("/sys/kernel/debug/tracing/events/syscalls/sys_enter_execve/format")) {
        fprintf(stderr, "ks_compat: SKIP: no readable tracefs here; libbcc needs this machine's "
                        "tracepoint formats to compile TRACEPOINT_PROBE programs\n");
        return 77;
    }

    /* Fabricated roots. */
    char tmpl[] = "/tmp/kscope-compat-XXXXXX";
    if (!mkdtemp(tmpl))
        die("mkdtemp: %s", strerror(errno));
    char roots[NPROF][PATH_MAX];
    for (int p = 0; p < NPROF; p++) {
        snprintf(roots[p], sizeof(roots[p]), "%s/%s", tmpl, profiles[p].name);
        build_root(roots[p], &profiles[p]);
    }

    /* Tool runs. */
    int nruns = 0;
    struct run *runs = ks_xcalloc((size_t)(NCONF * NMODE * NPROF), sizeof(*runs));
    struct job *jobs = NULL;
    int njobs = 0;
    for (int t = 0; t < ntools; t++)
        for (int c = 0; c < NCONF; c++) {
            if (strcmp(configs[c].tool, tools[t]))
                continue;
            for (int m = 0; m < NMODE; m++)
                for (int p = 0; p < NPROF; p++) {
                    struct run *r = &runs[nruns++];
                    r->conf = c;
                    r->mode = m;
                    r->prof = p;
                    r->job = -1;
                    char store[512], *av[24];
                    struct ks_buf o = {0}, e = {0};
                    tool_argv(bindir, &configs[c], modes[m], "--check", "-v", store,
                              sizeof(store), av, 24);
                    int rc = run_capture(av, roots[p], &o, &e);
                    parse_check(r, configs[c].tool, o.s, e.s);
                    if (!r->nprobes || (rc != 0 && r->ok) || (rc != 0 && rc != 1))
                        snprintf(r->tool_err, sizeof(r->tool_err),
                                 "`%s --check` failed (status %d): %.300s", configs[c].tool, rc,
                                 e.s);
                    ks_buf_free(&o);
                    ks_buf_free(&e);
                    if (!r->ok || r->tool_err[0])
                        continue;
                    tool_argv(bindir, &configs[c], modes[m], "--ebpf", NULL, store,
                              sizeof(store), av, 24);
                    rc = run_capture(av, roots[p], &o, &e);
                    if (rc != 0 || !o.len) {
                        snprintf(r->tool_err, sizeof(r->tool_err),
                                 "`%s --ebpf` failed (status %d): %.300s", configs[c].tool, rc,
                                 e.s);
                        ks_buf_free(&o);
                        ks_buf_free(&e);
                        continue;
                    }
                    ks_buf_free(&e);
                    /* The compile plan: what ks_tool would ask for. */
                    struct job j;
                    memset(&j, 0, sizeof(j));
                    struct ks_sha256 sc;
                    ks_sha256_init(&sc);
                    ks_sha256_update(&sc, o.s, o.len);
                    for (int k = 0; k < r->nprobes && j.nplan < MAXPROGS; k++) {
                        const struct probe_info *pi = &r->probes[k];
                        if (pi->kind == K_NONE)
                            continue;
                        if (pi->func[0]) {
                            snprintf(j.funcs[j.nplan], sizeof(j.funcs[0]), "%s", pi->func);
                            j.types[j.nplan] = pi->kind == K_TP   ? BPF_PROG_TYPE_TRACEPOINT
                                               : pi->kind == K_PE ? BPF_PROG_TYPE_PERF_EVENT
                                                                  : BPF_PROG_TYPE_KPROBE;
                        } else if (pi->kind == K_TP) {
                            const char *colon = strchr(pi->target, ':');
                            snprintf(j.funcs[j.nplan], sizeof(j.funcs[0]), "tracepoint__%.*s__%s",
                                     colon ? (int)(colon - pi->target) : 0, pi->target,
                                     colon ? colon + 1 : pi->target);
                            j.types[j.nplan] = BPF_PROG_TYPE_TRACEPOINT;
                        } else if (pi->kind == K_PE) {
                            snprintf(j.funcs[j.nplan], sizeof(j.funcs[0]), "pe_%s", pi->name);
                            j.types[j.nplan] = BPF_PROG_TYPE_PERF_EVENT;
                        } else {
                            snprintf(j.funcs[j.nplan], sizeof(j.funcs[0]), "kp_%s", pi->name);
                            j.types[j.nplan] = BPF_PROG_TYPE_KPROBE;
                        }
                        ks_sha256_update(&sc, j.funcs[j.nplan], strlen(j.funcs[j.nplan]) + 1);
                        j.nplan++;
                    }
                    ks_sha256_final(&sc, j.key);
                    for (int k = 0; k < njobs && r->job < 0; k++)
                        if (!memcmp(jobs[k].key, j.key, sizeof(j.key)))
                            r->job = k;
                    if (r->job >= 0) {
                        ks_buf_free(&o);
                        continue;
                    }
                    j.text = o.s; /* owned by the job now */
                    j.first_run = nruns - 1;
                    jobs = ks_xrealloc(jobs, (size_t)(njobs + 1) * sizeof(*jobs));
                    jobs[njobs] = j;
                    r->job = njobs++;
                }
        }
    double t_runs = (double)(ks_now_ns() - t_start) / 1e9;

    /* Compile. */
    size_t shsz = sizeof(struct shared) + (size_t)(njobs ? njobs : 1) * sizeof(struct job_res);
    struct shared *sh = mmap(NULL, shsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        die("mmap: %s", strerror(errno));
    memset(sh, 0, shsz);
    fprintf(stderr, "ks_compat: %d tool runs in %.1f s; compiling %d distinct program sets, %d "
                    "at a time\n",
            nruns, t_runs, njobs, nworkers);
    run_jobs(jobs, njobs, &h, nworkers, sh);
    int compile_failures = 0;
    for (int j = 0; j < njobs; j++) {
        if (!sh->res[j].done)
            snprintf(sh->res[j].err, sizeof(sh->res[j].err), "the compile worker died");
        if (!sh->res[j].ok)
            compile_failures++;
    }

    /* The document. */
    struct ks_buf doc = {0}, table = {0};
    struct strlist limit_fails = {0};
    char **tool_names = tools;
    render(runs, nruns, sh->res, tool_names, ntools, &doc, &table, &limit_fails);
    write_file(out, doc.s);
    if (report_path) {
        FILE *f = fopen(report_path, "w");
        if (!f)
            die("cannot write %s: %s", report_path, strerror(errno));
        report(f, runs, nruns, jobs, sh->res, njobs);
        fclose(f);
    }
    printf("%s", table.s);
    printf("\nks_compat: wrote %s%s%s (%.1f s in all)\n", out, report_path ? " and " : "",
           report_path ? report_path : "", (double)(ks_now_ns() - t_start) / 1e9);
    fflush(stdout);

    int status = 0;
    if (compile_failures) {
        fprintf(stderr, "ks_compat: FAIL: %d program set(s) did not compile%s%s\n",
                compile_failures, report_path ? "; see " : "", report_path ? report_path : "");
        status = 1;
    }
    if (expect) {
        char *committed = ks_read_file(expect, NULL);
        if (!committed) {
            fprintf(stderr, "ks_compat: FAIL: %s is missing; create it: cp %s %s\n", expect, out,
                    expect);
            status = 1;
        } else {
            /* (a) a limit violated where the committed table claims support */
            struct strlist claims = {0};
            committed_claims(committed, &claims);
            for (int i = 0; i < limit_fails.n; i++) {
                char key[256];
                char *s = limit_fails.v[i];
                char *t3 = strchr(strchr(strchr(s, '\t') + 1, '\t') + 1, '\t');
                snprintf(key, sizeof(key), "%.*s", (int)(t3 - s), s);
                if (strlist_find(&claims, key) >= 0) {
                    for (char *c = s; *c; c++)
                        if (*c == '\t')
                            *c = ' ';
                    fprintf(stderr, "ks_compat: FAIL: %s claims support, but %s\n", expect, s);
                    status = 1;
                }
            }
            strlist_free(&claims);
            /* (b) the table must be what the check finds */
            if (strcmp(committed, doc.s) != 0) {
                fprintf(stderr,
                        "ks_compat: FAIL: %s differs from the check's result (%s):\n", expect, out);
                show_diff(expect, out);
                fprintf(stderr,
                        "If the change is intended, update it: cmake --build <build> --target "
                        "compat-doc   (or: cp %s %s)\n",
                        out, expect);
                status = 1;
            }
            free(committed);
        }
    }
    if (readme) {
        char *text = ks_read_file(readme, NULL);
        char *block = text ? between(text, TABLE_BEGIN, TABLE_END) : NULL;
        char *mine = between(table.s, TABLE_BEGIN, TABLE_END);
        if (!block) {
            fprintf(stderr, "ks_compat: note: %s has no generated table block (%s ... %s); "
                            "not compared\n",
                    readme, TABLE_BEGIN, TABLE_END);
        } else if (strcmp(block, mine) != 0) {
            fprintf(stderr, "ks_compat: FAIL: the table in %s differs from the check's result; "
                            "replace its block with the one in %s\n",
                    readme, out);
            status = 1;
        }
        free(block);
        free(mine);
        free(text);
    }
    if (!keep_roots)
        rm_rf(tmpl);
    else
        fprintf(stderr, "ks_compat: fabricated roots kept in %s\n", tmpl);
    if (status == 0 && expect)
        fprintf(stderr, "ks_compat: PASS\n");
    return status;
}
