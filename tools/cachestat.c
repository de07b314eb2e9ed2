/* cachestat: page cache hits and misses per interval (BCC's cachestat). Kprobe-only for
 * its accesses: mark_page_accessed (folio_mark_accessed) has no tracepoint; page cache
 * additions, dirtied pages and dirtied buffers are counted on their tracepoints where the
 * kernel has them (they fire in the very functions BCC probes, so the numbers are the same). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_features.h"
#include "ks_maps.h"
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

/* The counters, as the program's array indexes them. */
enum { NF_APCL, NF_MPA, NF_MBD, NF_APD, NF_N };

static struct ks_probe probes[] = {
    /* A page added to the page cache: a miss (unless it is being written). */
    [NF_APCL] = {.name = "apcl", .tp = "filemap:mm_filemap_add_to_page_cache",
                 .kprobes = {"filemap_add_folio", "add_to_page_cache_lru"}},
    /* A page accessed: every cached read and write marks its page. No tracepoint. */
    [NF_MPA] = {.name = "mpa", .kprobes = {"folio_mark_accessed", "mark_page_accessed"}},
    /* A buffer dirtied (block_dirty_buffer fires at the top of mark_buffer_dirty). */
    [NF_MBD] = {.name = "mbd", .tp = "block:block_dirty_buffer", .kprobes = {"mark_buffer_dirty"}},
    /* A page dirtied. The tracepoint was renamed with folios (configure picks the one this
     * kernel has); folio_account_dirtied is static and often inlined into its only caller,
     * __folio_mark_dirty, which dirties the same pages (those with a mapping). */
    [NF_APD] = {.name = "apd", .tp = "writeback:writeback_dirty_folio",
                .kprobes = {"folio_account_dirtied", "account_page_dirtied", "__folio_mark_dirty"}},
};

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

/* A /proc/meminfo value in kB, as a double in MB (BCC: int(kB) / 1024). */
static double meminfo_mb(const char *meminfo, const char *key)
{
    size_t n = strlen(key);
    for (const char *l = meminfo; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        if (!strncmp(l, key, n) && l[n] == ':')
            return (double)strtoull(l + n + 1, NULL, 10) / 1024.0;
    return 0;
}

static void on_interval(struct ks_run *r)
{
    static uint64_t prev[NF_N];
    uint64_t d[NF_N] = {0};
    ks_counters_delta(r, "counts", NF_N, prev, d);
    /* BCC's arithmetic: accesses that are not buffer dirtying are cache accesses; pages
     * added that are not being dirtied were misses; the rest of the accesses hit. When
     * read-ahead adds more pages than were accessed, hits would go negative: then every
     * access counts as a miss. */
    int64_t total = (int64_t)d[NF_MPA] - (int64_t)d[NF_MBD];
    int64_t misses = (int64_t)d[NF_APCL] - (int64_t)d[NF_APD];
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
        [F_DIRTIES] = KS_U(d[NF_MBD]),
        [F_RATIO] = KS_D(100 * ratio),
        [F_BUFFERS] = mi ? KS_D(meminfo_mb(mi, "Buffers")) : KS_NULL,
        [F_CACHED] = mi ? KS_D(meminfo_mb(mi, "Cached")) : KS_NULL,
    };
    free(mi);
    ks_record_emit(&rec, v);
    ks_prom_counter("hits_total", "Page cache hits (BCC's arithmetic)", NULL, 0, (uint64_t)hits,
                    false);
    ks_prom_counter("misses_total", "Page cache misses (BCC's arithmetic)", NULL, 0,
                    (uint64_t)misses, false);
    ks_prom_counter("dirties_total", "Buffers dirtied (mark_buffer_dirty)", NULL, 0, d[NF_MBD],
                    false);
}

static void configure(struct ks_run *r)
{
    if (!r->opt.interval)
        r->opt.interval = 1; /* BCC's default: every second */
    show_ts = opt_timestamp;
    /* Before folios (5.18) the dirtying tracepoint had the page's name. */
    if (!ks_tracepoint_exists("writeback", "writeback_dirty_folio") &&
        ks_tracepoint_exists("writeback", "writeback_dirty_page")) {
        probes[NF_APD].tp = "writeback:writeback_dirty_page";
        ks_define(r, "APD_TP_PAGE", 1, "writeback_dirty_page: the kernel's name before folios");
    }
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
