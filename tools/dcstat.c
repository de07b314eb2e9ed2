/* dcstat: directory entry cache (dcache) statistics (BCC's dcstat). Kprobe-only: no
 * tracepoint sees dcache lookups. */
#include <stdio.h>
#include <stdlib.h>

#include "ks_maps.h"
#include "ks_prom.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_dcstat_bpf_c[];

static const struct ks_opt opts[] = {KS_OPT_END};

enum { S_REFS = 1, S_SLOW, S_MISS, S_N };

static struct ks_probe probes[] = {
    {.name = "fast", .kprobes = {"lookup_fast", "lookup_fast.constprop.0", "lookup_fast.isra.0"}},
    {.name = "lookup_ret", .kprobes = {"d_lookup"}, .ret = true},
};

enum { F_TIME, F_REFS, F_SLOW, F_MISS, F_HIT, F_SECS, F_NREFS, F_NSLOW, F_NMISS, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-8s  ",
                .fmt = "%-8s: "},
    [F_REFS] = {.type = KS_T_UINT, .header = "REFS/s", .hfmt = " %8s", .fmt = " %8d"},
    [F_SLOW] = {.type = KS_T_UINT, .header = "SLOW/s", .hfmt = " %8s", .fmt = " %8d"},
    [F_MISS] = {.type = KS_T_UINT, .header = "MISS/s", .hfmt = " %8s", .fmt = " %8d"},
    /* No references in the interval: BCC's "-%". */
    [F_HIT] = {.json = "hit_pct", .type = KS_T_FLOAT, .header = "HIT%", .hfmt = " %8s",
               .fmt = " %8.2f", .null_text = "-%"},
    [F_SECS] = {.json = "seconds", .type = KS_T_UINT},
    [F_NREFS] = {.json = "refs", .type = KS_T_UINT},
    [F_NSLOW] = {.json = "slow", .type = KS_T_UINT},
    [F_NMISS] = {.json = "miss", .type = KS_T_UINT},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_interval(struct ks_run *r)
{
    static uint64_t prev[S_N];
    uint64_t d[S_N] = {0};
    ks_counters_delta(r, "stats", S_N, prev, d);
    uint64_t secs = ks_interval_secs(r);
    /* BCC: hits are references that did not miss, over the interval's counts. */
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_wall_ns()),
        [F_REFS] = KS_U(d[S_REFS] / secs),
        [F_SLOW] = KS_U(d[S_SLOW] / secs),
        [F_MISS] = KS_U(d[S_MISS] / secs),
        [F_HIT] = d[S_REFS] ? KS_D(100.0 * ((double)d[S_REFS] - (double)d[S_MISS]) /
                                   (double)d[S_REFS])
                            : KS_NULL,
        [F_SECS] = KS_U(secs),
        [F_NREFS] = KS_U(d[S_REFS]),
        [F_NSLOW] = KS_U(d[S_SLOW]),
        [F_NMISS] = KS_U(d[S_MISS]),
    };
    ks_record_emit(&rec, v);
    static const char *const names[S_N] = {[S_REFS] = "refs", [S_SLOW] = "slow", [S_MISS] = "miss"};
    for (int i = S_REFS; i < S_N; i++) {
        struct ks_prom_label l = {"kind", names[i]};
        ks_prom_counter("lookups_total",
                        "dcache lookups: refs (lookup_fast), slow (d_lookup), miss (d_lookup "
                        "found nothing)",
                        &l, 1, d[i], false);
    }
}

static void configure(struct ks_run *r)
{
    if (!r->opt.interval)
        r->opt.interval = 1; /* BCC's default: every second */
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "dcstat",
            .json = true,
            .description = "Directory entry cache (dcache) stats",
            .opts = opts,
            .common = KS_C_INTERVAL,
            .examples = "    dcstat             # dcache statistics every second\n"
                        "    dcstat 5 10        # every 5 seconds, ten times\n",
        },
    .bpf_source = ks_bpfsrc_dcstat_bpf_c,
    .bpf_name = "dcstat.bpf.c",
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
