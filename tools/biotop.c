/* biotop: block device (disk) I/O by process, top-style (BCC's biotop). */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/biotop.h"
#include "ks_block.h"
#include "ks_maps.h"
#include "ks_prom.h"
#include "ks_record.h"
#include "ks_sys.h"
#include "ks_tool.h"
#include "ks_top.h"

extern const char ks_bpfsrc_biotop_bpf_c[], ks_bpfsrc_biotop_h[];

static const struct ks_opt opts[] = {
    KS_TOP_OPT_NOCLEAR,
    KS_TOP_OPT_MAXROWS,
    KS_OPT_END,
};

static struct ks_probe probes[] = {KS_BLKREQ_PROBES};

struct row { /* as ks_map_drain packs an entry: the key, then the value */
    struct biotop_key k;
    struct biotop_val v;
};
_Static_assert(sizeof(struct row) == sizeof(struct biotop_key) + sizeof(struct biotop_val),
               "struct row is a packed entry");

/* BCC: by bytes, largest first. Ties (BCC leaves them in hash order) by pid, disk, R/W. */
static int cmp_rows(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->v.bytes != y->v.bytes)
        return x->v.bytes < y->v.bytes ? 1 : -1;
    if (x->k.pid != y->k.pid)
        return x->k.pid < y->k.pid ? -1 : 1;
    if (x->k.dev != y->k.dev)
        return x->k.dev < y->k.dev ? -1 : 1;
    return (int)x->k.write - (int)y->k.write;
}

/* BCC's columns: "%-7d %-16s %1s %-3d %-3d %-8s %5s %7s %6.2f". Kbytes is Python's text of
 * bytes / 1024 ("4.0"), as BCC prints it; JSON has the bytes. */
enum { F_PID, F_COMM, F_D, F_MAJ, F_MIN, F_DISK, F_IO, F_KB, F_BYTES, F_AVG, NF };
static const struct ks_field fields[NF] = {
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_D] = {.json = "rw", .type = KS_T_STR, .header = "D", .hfmt = "%1s ", .fmt = "%1s "},
    [F_MAJ] = {.json = "major", .type = KS_T_UINT, .header = "MAJ", .hfmt = "%-3s ",
               .fmt = "%-3d "},
    [F_MIN] = {.json = "minor", .type = KS_T_UINT, .header = "MIN", .hfmt = "%-3s ",
               .fmt = "%-3d "},
    [F_DISK] = {.json = "disk", .type = KS_T_STR, .header = "DISK", .hfmt = "%-8s ",
                .fmt = "%-8s "},
    [F_IO] = {.json = "io", .type = KS_T_UINT, .header = "I/O", .hfmt = "%5s ", .fmt = "%5d "},
    [F_KB] = {.type = KS_T_STR, .header = "Kbytes", .hfmt = "%7s ", .fmt = "%7s "},
    [F_BYTES] = {.json = "bytes", .type = KS_T_UINT},
    [F_AVG] = {.json = "avg_ms", .type = KS_T_FLOAT, .header = "AVGms", .hfmt = "%6s",
               .fmt = "%6.2f"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

/* One row's values; the strings live until the next row's. */
static void fill(const void *p, struct ks_val *v)
{
    const struct row *w = p;
    static char comm[17], kb[32];
    memcpy(comm, w->k.comm, 16);
    comm[16] = '\0';
    v[F_PID] = KS_U(w->k.pid);
    v[F_COMM] = KS_S(comm);
    v[F_D] = KS_S(w->k.write ? "W" : "R");
    v[F_MAJ] = KS_U(w->k.dev >> 20);
    v[F_MIN] = KS_U(w->k.dev & ((1u << 20) - 1));
    v[F_DISK] = KS_S(ks_disk_name(w->k.dev));
    v[F_IO] = KS_U(w->v.io);
    v[F_KB] = KS_S(ks_top_pyfloat(kb, sizeof(kb), (double)w->v.bytes / 1024));
    v[F_BYTES] = KS_U(w->v.bytes);
    v[F_AVG] = KS_D(w->v.io ? ((double)w->v.us / 1000) / (double)w->v.io : 0);
}

static const struct ks_top_table table = {
    .rec = &rec,
    .key = "pid_disk",
    .maxrows = &ks_top_maxrows,
    .row_size = sizeof(struct row),
    .cmp = cmp_rows,
    .fill = fill,
};

/* Every row, read and deleted (BCC's counts.clear()): the next interval starts empty. */
static size_t read_rows(struct ks_run *r, struct row **out)
{
    int fd = ks_map_fd(r, "counts");
    const struct ks_map_def *m = ks_map_def(r, "counts");
    if (fd < 0 || !m || m->key_size != sizeof(struct biotop_key) ||
        m->value_size != sizeof(struct biotop_val)) {
        ks_err("internal: map counts is missing or not laid out as expected");
        exit(1);
    }
    void *recs;
    size_t n = ks_map_drain(fd, sizeof(struct biotop_key), sizeof(struct biotop_val), &recs);
    struct row *rows = ks_xcalloc(n ? n : 1, sizeof(*rows));
    for (size_t i = 0; i < n; i++)
        memcpy(&rows[i], (char *)recs + i * sizeof(*rows), sizeof(*rows)); /* key, value */
    free(recs);
    *out = rows;
    return n;
}

/* --prom: every row (not only the top -r) as counters, labelled like its columns. */
static void prom_row(const struct row *w)
{
    char pid[16], comm[17];
    snprintf(pid, sizeof(pid), "%u", w->k.pid);
    memcpy(comm, w->k.comm, 16);
    comm[16] = '\0';
    struct ks_prom_label l[4] = {
        {"pid", pid}, {"comm", comm}, {"rw", w->k.write ? "W" : "R"}, {"disk", ks_disk_name(w->k.dev)}};
    ks_prom_counter("io_total", "Completed block I/O requests, by submitting process and disk",
                    l, 4, w->v.io, false);
    ks_prom_counter("bytes_total", "Bytes of the requests counted in io_total", l, 4,
                    w->v.bytes, false);
    ks_prom_counter("io_seconds_total",
                    "Time from issue to completion of the requests counted in io_total", l, 4,
                    w->v.us * 1000, true);
}

static void on_interval(struct ks_run *r)
{
    struct row *rows;
    size_t n = read_rows(r, &rows);
    for (size_t i = 0; i < n && ks_prom_enabled(); i++)
        prom_row(&rows[i]);
    ks_top_begin(true);
    ks_top_table(&table, rows, n);
    ks_top_end();
    free(rows);
}

static void configure(struct ks_run *r)
{
    r->opt.interval = ks_top_interval(r->opt.interval);
    ks_define(r, "BLK_FOLLOW", 1, "follow requests (blkreq.bpf.h)");
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
}

static void on_start(struct ks_run *r)
{
    ks_top_banner(r->opt.interval);
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    ks_top_detach();
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "biotop",
            .json = true,
            .description = "Block device (disk) I/O by process",
            .opts = opts,
            .common = KS_C_PID | KS_C_INTERVAL,
            .examples = "    biotop            # block device I/O top, 1 second refresh\n"
                        "    biotop -C         # don't clear the screen\n"
                        "    biotop -p 181     # only trace PID 181\n"
                        "    biotop 5          # 5 second summaries\n"
                        "    biotop 5 10       # 5 second summaries, 10 times only\n"
                        "    biotop -r 5 --json 1 # the top 5 rows as JSON, every second\n",
        },
    .bpf_source = ks_bpfsrc_biotop_bpf_c,
    .bpf_name = "biotop.bpf.c",
    .bpf_header = ks_bpfsrc_biotop_h,
    .bpf_lib = KS_BLKREQ_BPF,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
    .on_exit = on_exit_,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
