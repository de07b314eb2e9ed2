/* ks_irq: what hardirqs and softirqs share (BCC's two interrupt summaries): the options
 * -T -N -d -c and the count flag (hardirqs -C/--count, softirqs -C/--events: BCC's names,
 * each kept), their checks and #defines, and the output per interval: a table of totals per
 * interrupt name, sorted descending ("%-26s %11s" or "%-16s %11s"), or with -d one log2
 * histogram per name; --json and --prom from the same numbers.
 *
 * The BPF programs keep one map, `dist`, keyed by [section bytes][u64 slot] (slot 0 for
 * totals), with a u64 value: the time in nanoseconds (or the count) added up; with --prom
 * and -d also `dist_sum` (the same key, never cleared: the histograms' _sum). */
#ifndef KS_IRQ_H
#define KS_IRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_opts.h"

struct ks_run;

struct ks_irq_opts {
    bool timestamp, nsecs, count, dist;
    long cpu; /* -1: every CPU */
};

/* The shared options; count_long/count_help name the count flag as the tool's BCC does. */
#define KS_IRQ_OPTS(o, count_long, count_help)                                                \
    KS_FLAG('T', "timestamp", "include timestamp on output", &(o).timestamp),                 \
        KS_FLAG('N', "nanoseconds", "output in nanoseconds", &(o).nsecs),                     \
        KS_FLAG('C', count_long, count_help, &(o).count),                                     \
        KS_FLAG('d', "dist", "show distributions as histograms", &(o).dist),                  \
        KS_LONG('c', "cpu", "CPU", "trace this CPU only", &(o).cpu, 0, 1 << 20)

/* How a tool names and prints its interrupts. */
struct ks_irq_tool {
    const char *word;      /* "hardirq", "softirq": JSON key, histogram section, metric */
    const char *header;    /* "HARDIRQ" */
    int width;             /* name column: 26 or 16 */
    unsigned key_size;     /* the dist map's key, slot included */
    const char *count_opt; /* "--count" or "--events", for the conflict message */
    /* The name of a section (the key without its slot). */
    void (*name)(const uint8_t *section, char *buf, size_t size);
};

/* Check the options (exit 2: the count flag with -d or -N, a CPU that does not exist) and
 * define COUNT_ONLY, DIST, FACTOR (ns per histogram unit) and CPU_FILTER. */
void ks_irq_configure(struct ks_run *r, const struct ks_irq_tool *t, struct ks_irq_opts *o);
/* "Tracing <what>... Hit Ctrl-C to end." */
void ks_irq_banner(const struct ks_irq_opts *o, const char *what_events, const char *what_time);
/* One output: a blank line, [-T time], the table or histograms, then the map cleared. */
void ks_irq_interval(struct ks_run *r, const struct ks_irq_tool *t, const struct ks_irq_opts *o);

#endif
