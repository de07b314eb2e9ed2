/* vfsstat: count some VFS calls, per second (BCC's vfsstat). Kprobe-only: the syscall
 * tracepoints count read() and write() calls, not the VFS's (a sendfile, an exec's
 * reads, kernel readers and io_uring all reach vfs_read without a read() syscall). */
#include <stdio.h>
#include <stdlib.h>

#include "ks_maps.h"
#include "ks_prom.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_vfsstat_bpf_c[];

/* The counters' order in the program's array (key 0 is unused, as in BCC) and BCC's
 * column order. */
enum { S_READ = 1, S_WRITE, S_FSYNC, S_OPEN, S_CREATE, S_UNLINK, S_MKDIR, S_RMDIR, S_N };

static const struct ks_opt opts[] = {KS_OPT_END};

static struct ks_probe probes[] = {
    {.name = "read", .kprobes = {"vfs_read"}},
    {.name = "write", .kprobes = {"vfs_write"}},
    {.name = "fsync", .kprobes = {"vfs_fsync_range"}},
    {.name = "open", .kprobes = {"vfs_open"}},
    {.name = "create", .kprobes = {"vfs_create"}},
    {.name = "unlink", .kprobes = {"vfs_unlink"}},
    {.name = "mkdir", .kprobes = {"vfs_mkdir"}},
    /* GCC may split vfs_rmdir (Debian's 5.10): rmdir(2) then calls the split-off part
     * directly, with the permission checks inlined before it; it counts every rmdir that
     * passed them, vfs_rmdir itself would see none of rmdir(2)'s. */
    {.name = "rmdir", .kprobes = {"vfs_rmdir.part.0", "vfs_rmdir"}},
};

/* Text: BCC's line, each count divided by the interval's seconds. JSON: the counts
 * themselves and the seconds they were counted over. */
#define RATE(h) {.type = KS_T_UINT, .header = h, .hfmt = " %8s", .fmt = " %8d"}
#define COUNT(j) {.json = j, .type = KS_T_UINT}
enum { F_TIME = 0, F_SECS = S_N, F_COUNT0 = S_N + 1, NF = F_COUNT0 + S_N - 1 };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-8s  ",
                .fmt = "%-8s: "},
    [S_READ] = RATE("READ/s"),     [S_WRITE] = RATE("WRITE/s"),
    [S_FSYNC] = RATE("FSYNC/s"),  [S_OPEN] = RATE("OPEN/s"),
    [S_CREATE] = RATE("CREATE/s"), [S_UNLINK] = RATE("UNLINK/s"),
    [S_MKDIR] = RATE("MKDIR/s"),  [S_RMDIR] = RATE("RMDIR/s"),
    [F_SECS] = {.json = "seconds", .type = KS_T_UINT},
    [F_COUNT0 + 0] = COUNT("read"),     [F_COUNT0 + 1] = COUNT("write"),
    [F_COUNT0 + 2] = COUNT("fsync"),   [F_COUNT0 + 3] = COUNT("open"),
    [F_COUNT0 + 4] = COUNT("create"), [F_COUNT0 + 5] = COUNT("unlink"),
    [F_COUNT0 + 6] = COUNT("mkdir"),   [F_COUNT0 + 7] = COUNT("rmdir"),
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_interval(struct ks_run *r)
{
    static uint64_t prev[S_N];
    uint64_t d[S_N] = {0};
    ks_counters_delta(r, "stats", S_N, prev, d);
    uint64_t secs = ks_interval_secs(r);
    struct ks_val v[NF] = {[F_TIME] = KS_U(ks_wall_ns()), [F_SECS] = KS_U(secs)};
    for (int i = S_READ; i < S_N; i++) {
        v[i] = KS_U(d[i] / secs);
        v[F_COUNT0 + i - 1] = KS_U(d[i]);
        struct ks_prom_label l = {"op", fields[F_COUNT0 + i - 1].json};
        ks_prom_counter("calls_total", "Calls of the VFS function vfs_<op>", &l, 1, d[i], false);
    }
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    if (!r->opt.interval)
        r->opt.interval = 1; /* BCC's default: every second */
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "vfsstat",
            .json = true,
            .description = "Count some VFS calls",
            .opts = opts,
            .common = KS_C_PID | KS_C_INTERVAL,
            .examples = "    vfsstat             # count some VFS calls per second\n"
                        "    vfsstat -p 185      # trace PID 185 only\n"
                        "    vfsstat 2 5         # print 2 second summaries, 5 times\n",
        },
    .bpf_source = ks_bpfsrc_vfsstat_bpf_c,
    .bpf_name = "vfsstat.bpf.c",
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
