/* cachestat: page cache hits and misses per interval (BCC's cachestat). Kprobe-only for
 * its accesses: mark_page_accessed (folio_mark_accessed) has no tracepoint; page cache
 * additions, dirtied pages and dirtied buffers are counted on their tracepoints where the
 * kernel has them (they fire in the very functions BCC probes, so the numbers are the same). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_features.h"
#include "ks_maps.h"
#include "ks_pagecache.h"
#include "ks_prom.h"
#include "ks_record.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_cachestat_bpf_c[];

static bool opt_timestamp;

static const struct ks_opt opts[] = {
    KS_FLAG('T', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_OPT_END,
};

static struct ks_probe probes[] = {KS_PAGECACHE_PROBES};

static bool show_ts;
enum { F_TIME, F_HITS, F_MISSES, F_DIRTIES, F_RATIO, F_BUFFERS, F_CACHED, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-8s ",
                .fmt = "%-8s ", .on = &show_ts},
    [F_HITS] = {.json = "hits", .type = KS_T_UINT, .header = "HITS", .hfmt = "%8s ",
                .fmt = "%8d "},
    [F_MISSES] = {.json = "misses", .type = KS_T_UINT, .header = "MISSES", .hfmt = "%8s ",
                  .fmt = "%8d "},
    [F_DIRTIES] = {.json = "dirties", .type = KS_T_UINT, .header = "DIRTIES", .hfmt = "%8s ",
                   .fmt = "%8d "},
    [F_RATIO] = {.json = "hit_ratio_pct", .type = KS_T_FLOAT, .header = "HITRATIO",
                 .hfmt = "%8s ", .fmt = "%7.2f%% "},
    [F_BUFFERS] = {.json = "buffers_mb", .type = KS_T_FLOAT, .header = "BUFFERS_MB",
                   .hfmt = "%12s ", .fmt = "%12.0f "},
    [F_CACHED] = {.json = "cached_mb", .type = KS_T_FLOAT, .header = "CACHED_MB", .hfmt = "%10s",
                  .fmt = "%10.0f"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_interval(struct ks_run *r)
{
    static uint64_t prev[KS_PC_N];
    uint64_t d[KS_PC_N] = {0};
    ks_counters_delta(r, "counts", KS_PC_N, prev, d);
    /* BCC's arithmetic: accesses that are not buffer dirtying are cache accesses; pages
     * added that are not being dirtied were misses; the rest of the accesses hit. When
     * read-ahead adds more pages than were accessed, hits would go negative: then every
     * access counts as a miss. */
    int64_t total = (int64_t)d[KS_PC_MPA] - (int64_t)d[KS_PC_MBD];
    int64_t misses = (int64_t)d[KS_PC_APCL] - (int64_t)d[KS_PC_APD];
    if (misses < 0)
        misses = 0;
    if (total < 0)
        total = 0;
    int64_t hits = total - misses;
    if (hits < 0) {
        misses = total;
        hits = 0;
    }
    double ratio = total > 0 ? (double)hits / (double)total : 0;
    char *mi = ks_read_file("/proc/meminfo", NULL);
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_wall_ns()),
        [F_HITS] = KS_U(hits),
        [F_MISSES] = KS_U(misses),
        [F_DIRTIES] = KS_U(d[KS_PC_MBD]),
        [F_RATIO] = KS_D(100 * ratio),
        [F_BUFFERS] = mi ? KS_D(ks_meminfo_mb(mi, "Buffers")) : KS_NULL,
        [F_CACHED] = mi ? KS_D(ks_meminfo_mb(mi, "Cached")) : KS_NULL,
    };
    free(mi);
    ks_record_emit(&rec, v);
    ks_prom_counter("hits_total", "Page cache hits (BCC's arithmetic)", NULL, 0, (uint64_t)hits,
                    false);
    ks_prom_counter("misses_total", "Page cache misses (BCC's arithmetic)", NULL, 0,
                    (uint64_t)misses, false);
    ks_prom_counter("dirties_total", "Buffers dirtied (mark_buffer_dirty)", NULL, 0, d[KS_PC_MBD],
                    false);
}

static void configure(struct ks_run *r)
{
    if (!r->opt.interval)
        r->opt.interval = 1; /* BCC's default: every second */
    show_ts = opt_timestamp;
    ks_pagecache_configure(r, probes);
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    ks_textf("Detaching...\n");
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "cachestat",
            .json = true,
            .description = "Count cache kernel function calls",
            .opts = opts,
            .common = KS_C_INTERVAL,
            .examples = "    cachestat             # hits, misses, dirties every second\n"
                        "    cachestat -T 5        # every 5 seconds, with the time\n"
                        "    cachestat 1 10        # every second, ten times\n",
        },
    .bpf_source = ks_bpfsrc_cachestat_bpf_c,
    .bpf_name = "cachestat.bpf.c",
    .bpf_lib = KS_PAGECACHE_BPF,
    .bpf_lib_name = KS_PAGECACHE_BPF_NAME,
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
