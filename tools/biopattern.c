/* biopattern: identify random and sequential block I/O per disk (BCC's biopattern). */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/biopattern.h"
#include "ks_block.h"
#include "ks_maps.h"
#include "ks_prom.h"
#include "ks_record.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_biopattern_bpf_c[], ks_bpfsrc_biopattern_h[];

static const char *opt_disk;

static const struct ks_opt opts[] = {
    KS_STR('d', "disk", "DISK", "Trace this disk only", &opt_disk),
    KS_OPT_END,
};

/* Tracepoint only, as BCC: the completion's sector and size are tracepoint fields. */
static struct ks_probe probes[] = {
    {.name = "done", .tp = "block:block_rq_complete"},
};

/* BCC's "%-9s %-7s %5d %5d %8d %10d": TIME DISK %RND %SEQ COUNT KBYTES. */
enum { F_TIME, F_DISK, F_RND, F_SEQ, F_COUNT, F_KB, F_BYTES, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.type = KS_T_STR, .header = "TIME", .hfmt = "%-9s ", .fmt = "%-9s "},
    [F_DISK] = {.json = "disk", .type = KS_T_STR, .header = "DISK", .hfmt = "%-7s ",
                .fmt = "%-7s "},
    [F_RND] = {.json = "random_pct", .type = KS_T_INT, .header = "%RND", .hfmt = "%5s ",
               .fmt = "%5d "},
    [F_SEQ] = {.json = "sequential_pct", .type = KS_T_INT, .header = "%SEQ", .hfmt = "%5s ",
               .fmt = "%5d "},
    [F_COUNT] = {.json = "count", .type = KS_T_UINT, .header = "COUNT", .hfmt = "%8s ",
                 .fmt = "%8d "},
    [F_KB] = {.type = KS_T_UINT, .header = "KBYTES", .hfmt = "%10s", .fmt = "%10d"},
    [F_BYTES] = {.json = "bytes", .type = KS_T_UINT},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

struct row {
    __u32 dev;
    struct biopattern_counts c;
};

static int cmp_dev(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    return x->dev < y->dev ? -1 : x->dev > y->dev;
}

static void on_interval(struct ks_run *r)
{
    int fd = ks_map_fd(r, "counts");
    const struct ks_map_def *m = ks_map_def(r, "counts");
    if (fd < 0 || !m || m->value_size != sizeof(struct biopattern_counts)) {
        ks_err("internal: map counts is missing or not laid out as expected");
        exit(1);
    }
    void *recs;
    const size_t ksz = sizeof(__u32), vsz = sizeof(struct biopattern_counts);
    size_t nrecs = ks_map_drain(fd, ksz, vsz, &recs), n = 0;
    struct row *rows = ks_xcalloc(nrecs ? nrecs : 1, sizeof(*rows));
    for (size_t i = 0; i < nrecs; i++) {
        const char *p = (const char *)recs + i * (ksz + vsz);
        memcpy(&rows[n].dev, p, ksz);
        memcpy(&rows[n].c, p + ksz, vsz);
        if (rows[n].c.random + rows[n].c.sequential)
            n++;
    }
    free(recs);
    qsort(rows, n, sizeof(*rows), cmp_dev);
    for (size_t i = 0; i < n && ks_prom_enabled(); i++) {
        const char *disk = ks_disk_name(rows[i].dev);
        struct ks_prom_label l[2] = {{"disk", strcmp(disk, "?") ? disk : "Unknown"}, {"pattern", "random"}};
        ks_prom_counter("io_total", "Completed block I/O requests, random or sequential", l, 2,
                        rows[i].c.random, false);
        l[1].value = "sequential";
        ks_prom_counter("io_total", "Completed block I/O requests, random or sequential", l, 2,
                        rows[i].c.sequential, false);
        ks_prom_counter("bytes_total", "Bytes of the requests counted in io_total", l, 1,
                        rows[i].c.bytes, false);
    }
    char t[16];
    ks_time_str(t, sizeof(t), "%H:%M:%S");
    ks_interval_begin();
    ks_table_begin_named(&rec, "disk", "rows");
    for (size_t i = 0; i < n; i++) {
        const struct biopattern_counts *c = &rows[i].c;
        uint64_t total = c->random + c->sequential;
        /* BCC: int(round(random * 100 / total)); Python rounds halves to even. */
        uint64_t q = c->random * 100 / total, rem = c->random * 100 % total;
        int rnd = (int)(q + (2 * rem > total || (2 * rem == total && (q & 1))));
        const char *disk = ks_disk_name(rows[i].dev);
        struct ks_val v[NF] = {
            [F_TIME] = KS_S(t),
            [F_DISK] = KS_S(strcmp(disk, "?") ? disk : "Unknown"),
            [F_RND] = KS_I(rnd),
            [F_SEQ] = KS_I(100 - rnd),
            [F_COUNT] = KS_U(total),
            [F_KB] = KS_U(c->bytes / 1024),
            [F_BYTES] = KS_U(c->bytes),
        };
        ks_record_emit(&rec, v);
    }
    ks_table_end();
    ks_interval_end();
    free(rows);
}

static void configure(struct ks_run *r)
{
    if (opt_disk)
        ks_define(r, "DISK_FILTER", ks_block_disk_arg(opt_disk), "-d");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "biopattern",
            .json = true,
            .description = "Show block device I/O pattern.",
            .opts = opts,
            .common = KS_C_INTERVAL,
            .examples = "    biopattern            # show block device I/O pattern.\n"
                        "    biopattern 1 10       # print 1 second summaries, 10 times\n"
                        "    biopattern -d sdb     # show sdb only\n",
        },
    .bpf_source = ks_bpfsrc_biopattern_bpf_c,
    .bpf_name = "biopattern.bpf.c",
    .bpf_header = ks_bpfsrc_biopattern_h,
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
