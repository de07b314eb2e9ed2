/* fileslower: trace slow synchronous file reads and writes (BCC's fileslower).
 * Kprobe-only: no tracepoint sees the VFS's reads and writes. */
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../bpfsrc/fileslower.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_fileslower_bpf_c[], ks_bpfsrc_fileslower_h[];

static bool opt_all;
static long opt_min_ms = 10;
/* BCC's positional argument. */
static const struct ks_opt min_ms_arg =
    KS_LONG(0, "min_ms", "MIN_MS", "minimum I/O duration to trace, in ms (default 10)",
            &opt_min_ms, 0, 100000000);

static const struct ks_opt opts[] = {
    KS_FLAG('a', "all-files", "include non-regular file types (sockets, FIFOs, etc)", &opt_all),
    KS_OPT_END,
};

static struct ks_probe probes[] = {
    /* __vfs_read/__vfs_write (before 5.8) are called by vfs_read/vfs_write after checks. */
    {.name = "read", .kprobes = {"__vfs_read", "vfs_read"}},
    {.name = "read_ret", .kprobes = {"__vfs_read", "vfs_read"}, .ret = true},
    {.name = "write", .kprobes = {"__vfs_write", "vfs_write"}},
    {.name = "write_ret", .kprobes = {"__vfs_write", "vfs_write"}, .ret = true},
};

enum { F_TIME, F_COMM, F_TID, F_D, F_BYTES, F_LAT, F_FILE, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-8s ",
                .fmt = "%-8.3f "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-14s ",
                .fmt = "%-14.14s "},
    [F_TID] = {.json = "tid", .type = KS_T_UINT, .header = "TID", .hfmt = "%-6s ", .fmt = "%-6d "},
    [F_D] = {.json = "direction", .type = KS_T_STR, .header = "D", .hfmt = "%1s ", .fmt = "%1s "},
    [F_BYTES] = {.json = "bytes", .type = KS_T_UINT, .header = "BYTES", .hfmt = "%-7s ",
                 .fmt = "%-7d "},
    [F_LAT] = {.json = "latency_ns", .type = KS_T_NS, .header = "LAT(ms)", .hfmt = "%7s ",
               .fmt = "%7.2f ", .scale = 1e6},
    [F_FILE] = {.json = "file", .type = KS_T_STR, .header = "FILENAME", .hfmt = "%s", .fmt = "%s"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};
static uint64_t start_ns;

static void on_event(void *data, int size)
{
    const struct fileslower_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    /* Our own writes (the output, when it is a file) would trace themselves forever. */
    if (e->tgid == (__u32)getpid())
        return;
    char comm[FILESLOWER_COMM_LEN + 1], name[FILESLOWER_NAME_LEN + 1];
    ks_event_str(comm, e->comm, FILESLOWER_COMM_LEN);
    ks_event_str(name, e->name, FILESLOWER_NAME_LEN);
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_now_ns() - start_ns),
        [F_COMM] = KS_S(comm),
        [F_TID] = KS_U(e->tid),
        [F_D] = KS_S(e->write ? "W" : "R"),
        [F_BYTES] = KS_U(e->size),
        [F_LAT] = KS_U(e->delta_us * 1000),
        [F_FILE] = KS_S(name),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    ks_define(r, "KS_DENTRY_NAMES", 1, "ks_dentry_name (kscope.bpf.h)");
    ks_define(r, "MIN_US", opt_min_ms * 1000, "min_ms, in microseconds");
    if (r->opt.pid >= 0)
        ks_define(r, "TGID_FILTER", r->opt.pid, "-p");
    if (opt_all)
        ks_define(r, "ALL_FILES", 1, "-a");
}

static void on_start(struct ks_run *r)
{
    start_ns = r->start_ns;
    ks_textf("Tracing sync read/writes slower than %ld ms\n", opt_min_ms);
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "fileslower",
            .json = true,
            .description = "Trace slow synchronous file reads and writes",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    fileslower             # trace sync file I/O slower than 10 ms "
                        "(default)\n"
                        "    fileslower 1           # trace sync file I/O slower than 1 ms\n"
                        "    fileslower -p 185      # trace PID 185 only\n",
            .positional = &min_ms_arg,
        },
    .bpf_source = ks_bpfsrc_fileslower_bpf_c,
    .bpf_name = "fileslower.bpf.c",
    .bpf_header = ks_bpfsrc_fileslower_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
