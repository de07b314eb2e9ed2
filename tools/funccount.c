/* funccount: count functions, tracepoints and USDT probes a pattern names (BCC's
 * funccount). The pattern becomes probes through ks_spec; the BPF program has one counter
 * per probe. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_maps.h"
#include "ks_record.h"
#include "ks_spec.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_funccount_bpf_c[];

static bool opt_timestamp, opt_regex;
static long opt_interval, opt_cpu = -1;

static const struct ks_opt opts[] = {
    KS_LONG('i', "interval", "INTERVAL", "summary interval, seconds", &opt_interval, 1,
            100000000),
    KS_FLAG('T', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('r', "regexp", "use regular expressions. Default is \"*\" wildcards only.",
            &opt_regex),
    KS_LONG('c', "cpu", "CPU", "trace this CPU only", &opt_cpu, 0, 1000000),
    KS_OPT_END,
};

static struct ks_tool tool;
static struct ks_spec spec;
static struct ks_spec_target *targets;
static int ntargets;

static void configure(struct ks_run *r)
{
    if (r->opt.npos != 1) {
        if (r->opt.check && !r->opt.npos) {
            /* kscope-doctor's question: which probe kinds work here. */
            tool.probes = ks_spec_check_probes(&tool.nprobes);
            return;
        }
        ks_usage_error(r->opt.npos ? "one pattern only" : "the following arguments are "
                                                          "required: pattern");
    }
    if (opt_cpu >= ks_possible_cpus())
        ks_usage_error("invalid CPU %ld (this machine has CPUs 0-%d)", opt_cpu,
                       ks_possible_cpus() - 1);
    struct ks_buf err = {0};
    if (ks_spec_parse(r->opt.pos[0], r->opt.pid, opt_regex ? KS_SPEC_REGEX : 0, &spec,
                      &err) != 0)
        ks_usage_error_at(spec.text, spec.err_pos, err.s);
    if (spec.ret)
        ks_usage_error("funccount counts calls: the type must be p, t or u, not r");
    ntargets = ks_spec_expand(&spec, opt_regex, r->opt.pid, &targets, &err);
    if (ntargets < 0) {
        ks_err("%s", err.s);
        exit(1);
    }
    tool.probes = ks_spec_probes(&spec, targets, ntargets, 0, false, &tool.nprobes);
    ks_spec_defines(&r->defines, ntargets);
    if (r->opt.pid >= 0)
        ks_define(r, "TGID", r->opt.pid, "-p: this process only");
    if (opt_cpu >= 0)
        ks_define(r, "CPU", opt_cpu, "-c: this CPU only");
    if (opt_interval)
        r->opt.interval = opt_interval;
    else if (r->opt.duration)
        r->opt.interval = r->opt.duration; /* BCC: -d alone is one interval */
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_textf("Tracing %d functions for \"%s\"... Hit Ctrl-C to end.\n", ntargets,
             spec.text);
}

enum { F_FUNC, F_COUNT, NF };
static const struct ks_field fields[NF] = {
    [F_FUNC] = {.json = "func", .type = KS_T_STR, .header = "FUNC", .hfmt = "%-36s ",
                .fmt = "%-36s "},
    [F_COUNT] = {.json = "count", .type = KS_T_UINT, .header = "COUNT", .hfmt = "%8s",
                 .fmt = "%8d"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

struct row {
    const char *name;
    uint64_t count;
    int first; /* the first probe of that name: ties keep the probe order */
};

static int cmp_rows(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? -1 : 1;
    return x->first - y->first;
}

static void on_interval(struct ks_run *r)
{
    static uint64_t *prev;
    if (!prev)
        prev = ks_xcalloc((size_t)ntargets, sizeof(*prev));
    int fd = ks_map_fd(r, "counts");
    struct row *rows = ks_xcalloc((size_t)ntargets, sizeof(*rows));
    int n = 0;
    for (uint32_t i = 0; i < (uint32_t)ntargets; i++) {
        uint64_t sum = 0;
        if (ks_percpu_sum_u64(fd, &i, 8, &sum, 1) != 0)
            continue;
        uint64_t d = sum - prev[i];
        prev[i] = sum;
        /* A USDT probe at several places counts as one, as BCC shows it. */
        int k = 0;
        while (k < n && strcmp(rows[k].name, targets[i].name))
            k++;
        if (k == n)
            rows[n++] = (struct row){targets[i].name, 0, (int)i};
        rows[k].count += d;
    }
    qsort(rows, (size_t)n, sizeof(*rows), cmp_rows);
    ks_interval_begin();
    ks_textf("\n");
    if (opt_timestamp) {
        char t[16];
        ks_textf("%-8s\n", ks_time_str(t, sizeof(t), "%H:%M:%S"));
    }
    ks_table_begin(&rec, "func");
    for (int i = 0; i < n; i++) {
        if (!rows[i].count)
            continue; /* zeros skipped, as BCC does */
        struct ks_val v[NF] = {[F_FUNC] = KS_S(rows[i].name), [F_COUNT] = KS_U(rows[i].count)};
        ks_record_emit(&rec, v);
    }
    ks_table_end();
    ks_interval_end();
    free(rows);
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    ks_textf("Detaching...\n");
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "funccount",
            .description = "Count functions, tracepoints, and USDT probes",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION,
            .json = true,
            .pos_name = "pattern",
            .pos_help = "search expression for events",
            .pos_max = 1,
            .examples =
                "    funccount 'vfs_*'             # count kernel fns starting with \"vfs\"\n"
                "    funccount -r '^vfs.*'         # same as above, using regular expressions\n"
                "    funccount -Ti 5 'vfs_*'       # output every 5 seconds, with timestamps\n"
                "    funccount -d 10 'vfs_*'       # trace for 10 seconds only\n"
                "    funccount -p 185 'vfs_*'      # count vfs calls for PID 185 only\n"
                "    funccount t:sched:sched_fork  # count calls to the sched_fork tracepoint\n"
                "    funccount -p 185 u:node:gc*   # count all GC USDT probes in node, PID 185\n"
                "    funccount c:malloc            # count all malloc() calls in libc\n"
                "    funccount go:os.*             # count all \"os.*\" calls in libgo\n"
                "    funccount -p 185 go:os.*      # count all \"os.*\" calls in libgo, PID 185\n"
                "    funccount ./test:read*        # count \"read*\" calls in the ./test binary\n"
                "    funccount -c 1 'vfs_*'        # count vfs calls on CPU 1 only\n",
        },
    .bpf_source = ks_bpfsrc_funccount_bpf_c,
    .bpf_name = "funccount.bpf.c",
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
    .on_exit = on_exit_,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
