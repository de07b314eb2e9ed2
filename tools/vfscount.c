/* vfscount: count calls of the kernel's vfs_* functions (BCC's vfscount). Kprobe-only: no
 * tracepoint sees VFS calls. The pattern is expanded by ks_spec, as funccount's patterns
 * are; one BPF program counts per call address (BCC's ADDR column). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_features.h"
#include "ks_ksyms.h"
#include "ks_maps.h"
#include "ks_record.h"
#include "ks_spec.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_vfscount_bpf_c[];

static const struct ks_opt opts[] = {KS_OPT_END};

/* On a kernel without kprobes the pattern cannot be expanded into probes: this stand-in
 * (the busiest function of the pattern) lets the resolver say, in its one line, what is
 * missing, and kscope-doctor list the tool as unsupported here. --check (kscope-doctor's
 * question) is answered with it too: whether vfs_read can be probed. */
static struct ks_probe no_kprobes[] = {{.name = "vfs", .kprobes = {"vfs_read"}, .func = "do_count"}};

static struct ks_tool tool;

static void configure(struct ks_run *r)
{
    if (r->opt.check || !ks_kprobes_supported(NULL))
        return;
    static struct ks_pattern pat;
    char *pos[] = {"vfs_*"};
    tool.probes = ks_pattern_probes(1, pos, false, -1, false, false, &pat, &tool.nprobes);
    for (int i = 0; i < tool.nprobes; i++)
        tool.probes[i].func = "do_count"; /* one program for all: it counts per address */
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_textf("Tracing... Ctrl-C to end.\n");
}

/* BCC's table: "%-16x %-26s %8d", the smallest count first. ADDR is the address the
 * kprobe saw (just past the function's first instruction), in hex (JSON: a string, as
 * 64-bit addresses do not survive JSON numbers). */
enum { F_ADDR, F_FUNC, F_COUNT, NF };
static const struct ks_field fields[NF] = {
    [F_ADDR] = {.json = "addr", .type = KS_T_STR, .header = "ADDR", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_FUNC] = {.json = "func", .type = KS_T_STR, .header = "FUNC", .hfmt = "%-26s ",
                .fmt = "%-26s "},
    [F_COUNT] = {.json = "count", .type = KS_T_UINT, .header = "COUNT", .hfmt = "%8s",
                 .fmt = "%8d"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

struct row {
    uint64_t ip, count;
};

static int cmp_rows(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? -1 : 1;
    return x->ip < y->ip ? -1 : x->ip > y->ip;
}

static void on_interval(struct ks_run *r)
{
    void *recs = NULL;
    size_t n = ks_map_drain(ks_map_fd(r, "counts"), 8, 8, &recs);
    struct row *rows = recs;
    qsort(rows, n, sizeof(*rows), cmp_rows);
    ks_interval_begin();
    ks_textf("\n");
    ks_table_begin(&rec, "func");
    for (size_t i = 0; i < n; i++) {
        char name[256], addr[24];
        snprintf(addr, sizeof(addr), "%llx", (unsigned long long)rows[i].ip);
        struct ks_val v[NF] = {
            [F_ADDR] = KS_S(addr),
            [F_FUNC] = KS_S(ks_ksym_str(rows[i].ip, false, false, name, sizeof(name))),
            [F_COUNT] = KS_U(rows[i].count),
        };
        ks_record_emit(&rec, v);
    }
    ks_table_end();
    ks_interval_end();
    free(recs);
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "vfscount",
            .json = true,
            .description = "Count VFS calls (\"vfs_*\")",
            .opts = opts,
            .common = KS_C_POS_DURATION,
            .examples = "    vfscount           # count VFS calls until Ctrl-C\n"
                        "    vfscount 10        # count VFS calls for 10 seconds\n",
        },
    .bpf_source = ks_bpfsrc_vfscount_bpf_c,
    .bpf_name = "vfscount.bpf.c",
    .probes = no_kprobes, /* until configure() expands vfs_* (and for the man page) */
    .nprobes = 1,
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
