#define _GNU_SOURCE
#include "ks_irq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_features.h"
#include "ks_hist.h"
#include "ks_prom.h"
#include "ks_record.h"
#include "ks_sys.h"
#include "ks_tool.h"

#define MAX_CPUS 4096

/* The table's row. The text shows the total in the unit asked for, truncated as BCC's
 * "%11d" % (value / factor) does; JSON has the raw number (nanoseconds, or the count). */
static bool show_us, show_ns, show_count, json_ns;
static char hfmt_name[16], fmt_name[16];
enum { F_NAME, F_US, F_NS, F_COUNT, F_TOTAL_NS, NF };
static struct ks_field fields[NF] = {
    [F_NAME] = {.type = KS_T_STR, .hfmt = hfmt_name, .fmt = fmt_name},
    [F_US] = {.type = KS_T_UINT, .header = "TOTAL_usecs", .hfmt = "%11s", .fmt = "%11d",
              .on = &show_us},
    [F_NS] = {.type = KS_T_UINT, .header = "TOTAL_nsecs", .hfmt = "%11s", .fmt = "%11d",
              .on = &show_ns},
    [F_COUNT] = {.json = "count", .type = KS_T_UINT, .header = "TOTAL_count", .hfmt = "%11s",
                 .fmt = "%11d", .on = &show_count},
    [F_TOTAL_NS] = {.json = "total_ns", .type = KS_T_UINT, .on = &json_ns},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

void ks_irq_configure(struct ks_run *r, const struct ks_irq_tool *t, struct ks_irq_opts *o)
{
    if (o->count && (o->dist || o->nsecs))
        ks_usage_error("the %s option can't be used with time-based options (-d, -N)",
                       t->count_opt);
    if (o->cpu >= 0 && !ks_kernel_is_profile()) {
        static int cpus[MAX_CPUS];
        int n = ks_online_cpus(cpus, MAX_CPUS);
        bool found = false;
        for (int i = 0; i < n; i++)
            found |= cpus[i] == o->cpu;
        if (n > 0 && !found)
            ks_usage_error("CPU %ld is not online here (/sys/devices/system/cpu/online)", o->cpu);
    }
    fields[F_NAME].json = t->word;
    fields[F_NAME].header = t->header;
    snprintf(hfmt_name, sizeof(hfmt_name), "%%-%ds ", t->width);
    snprintf(fmt_name, sizeof(fmt_name), "%%-%ds ", t->width);
    show_count = o->count;
    show_ns = !o->count && o->nsecs;
    show_us = !o->count && !o->nsecs;
    json_ns = !o->count;
    if (o->count)
        ks_define(r, "COUNT_ONLY", 1, "-C: count events, no timestamps");
    if (o->dist)
        ks_define(r, "DIST", 1, "-d: log2 histograms");
    ks_define(r, "FACTOR", o->nsecs ? 1 : 1000, "nanoseconds per unit (-N: 1)");
    if (o->cpu >= 0)
        ks_define(r, "CPU_FILTER", o->cpu, "-c");
}

void ks_irq_banner(const struct ks_irq_opts *o, const char *what_events, const char *what_time)
{
    ks_textf("Tracing %s... Hit Ctrl-C to end.\n", o->count ? what_events : what_time);
}

struct row {
    char name[64];
    uint64_t value;
};

static int cmp_rows(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? 1 : -1;
    return strcmp(x->name, y->name);
}

static void prom_table(const struct ks_irq_tool *t, const struct ks_irq_opts *o,
                       const struct row *w)
{
    struct ks_prom_label l = {t->word, w->name};
    char help[128];
    if (o->count) {
        snprintf(help, sizeof(help), "%s events (handled ones for hard irqs)", t->word);
        ks_prom_counter("events_total", help, &l, 1, w->value, false);
    } else {
        snprintf(help, sizeof(help), "Time spent in %s handlers", t->word);
        ks_prom_counter("seconds_total", help, &l, 1, w->value, true);
    }
}

static void print_table(const struct ks_irq_tool *t, const struct ks_irq_opts *o,
                        const struct ks_hist_section *s, int n)
{
    struct row *rows = ks_xcalloc(n ? (size_t)n : 1, sizeof(*rows));
    for (int i = 0; i < n; i++) {
        t->name(s[i].key, rows[i].name, sizeof(rows[i].name));
        rows[i].value = s[i].vals[0];
    }
    qsort(rows, (size_t)n, sizeof(*rows), cmp_rows);
    ks_table_begin(&rec, t->word);
    uint64_t factor = o->nsecs || o->count ? 1 : 1000;
    for (int i = 0; i < n; i++) {
        prom_table(t, o, &rows[i]);
        struct ks_val v[NF] = {
            [F_NAME] = KS_S(rows[i].name),
            [F_US] = KS_U(rows[i].value / factor),
            [F_NS] = KS_U(rows[i].value),
            [F_COUNT] = KS_U(rows[i].value),
            [F_TOTAL_NS] = KS_U(rows[i].value),
        };
        ks_record_emit(&rec, v);
    }
    ks_table_end();
    free(rows);
}

static void print_hists(struct ks_run *r, const struct ks_irq_tool *t,
                        const struct ks_irq_opts *o, const struct ks_hist_section *s, int n)
{
    struct ks_hist_section *sums = NULL;
    int nsums = 0;
    if (ks_prom_enabled())
        nsums = ks_hist_collect(ks_map_fd(r, "dist_sum"), t->key_size, 0, &sums);
    ks_hist_begin(o->nsecs ? "nsecs" : "usecs", t->word);
    for (int i = 0; i < n; i++) {
        char name[64];
        t->name(s[i].key, name, sizeof(name));
        if (ks_prom_enabled()) {
            uint64_t sum = 0;
            for (int j = 0; j < nsums; j++)
                if (!memcmp(sums[j].key, s[i].key, t->key_size - 8))
                    sum = sums[j].vals[0];
            struct ks_prom_label l = {t->word, name};
            char help[128];
            snprintf(help, sizeof(help), "Time spent in %s handlers, per handler run", t->word);
            ks_prom_log2_hist("seconds", help, &l, 1, s[i].vals, KS_LOG2_SLOTS,
                              o->nsecs ? 1 : 1000, sum);
        }
        ks_hist_emit(name, s[i].vals, KS_LOG2_SLOTS);
    }
    ks_hist_end();
    free(sums);
}

void ks_irq_interval(struct ks_run *r, const struct ks_irq_tool *t, const struct ks_irq_opts *o)
{
    struct ks_hist_section *s = NULL;
    int n = ks_hist_collect(ks_map_fd(r, "dist"), t->key_size, 1, &s);
    ks_interval_begin();
    ks_textf("\n");
    if (o->timestamp) {
        char ts[16];
        ks_textf("%-8s\n", ks_time_str(ts, sizeof(ts), "%H:%M:%S"));
    }
    if (o->dist)
        print_hists(r, t, o, s, n);
    else
        print_table(t, o, s, n);
    ks_interval_end();
    free(s);
}
