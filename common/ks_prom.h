/* ks_prom: --prom FILE, the numbers of histogram and count tools in the Prometheus text
 * exposition format, for node_exporter's textfile collector.
 *
 * The runtime (ks_tool) opens the file at start (a missing or unwritable directory is a
 * usage error before anything is attached) and writes it after every output: atomically,
 * through a temporary file in the same directory and rename(). A tool only hands over the
 * numbers it prints, per interval; when --prom is off these calls do nothing.
 *
 * Values are totals since the tool started, whatever the tool prints per interval: BCC's
 * text shows each interval's counts (the maps are cleared), but Prometheus counters and
 * histograms must only grow, so rate() and histogram_quantile() work on them. A restart
 * starts from zero, which Prometheus treats as a counter reset. */
#ifndef KS_PROM_H
#define KS_PROM_H

#include <stdbool.h>
#include <stdint.h>

#include "ks_util.h"

struct ks_prom_label {
    const char *name;  /* disk, flags, syscall, pid, comm */
    const char *value; /* any bytes; escaped on output */
};

/* Buckets written for every log2 histogram: slots 0..KS_PROM_LOG2_BUCKETS-1 (le = 2^slot
 * units: 1 us .. 134 s for microsecond slots), the same set on every host and at every
 * write so that histograms of a fleet add up per le. Later slots count in +Inf only. */
#define KS_PROM_LOG2_BUCKETS 28

/* Checks that FILE can be written (its directory exists, files can be created there) and
 * remembers it. -1 with a message in err otherwise. tool names the metrics: kscope_<tool>_. */
int ks_prom_open(const char *path, const char *tool, struct ks_buf *err);
bool ks_prom_enabled(void);

/* One interval of a log2 histogram (slot i counts values v with 2^(i-1) <= v < 2^i units,
 * slot 0 v < 1), as BPF's bpf_log2l() fills it. unit_ns: the slots' unit (1000 for usecs);
 * sum_total_ns: the sum of all values since the start, as the BPF program measured it (in
 * a map it never clears, so no value's share is lost between reading the two maps; a value
 * that arrives between the two reads is in _sum one write before it is in the buckets).
 * metric: without the kscope_<tool>_ prefix, in base units ("io_seconds"). */
void ks_prom_log2_hist(const char *metric, const char *help, const struct ks_prom_label *labels,
                       int nlabels, const uint64_t *slots, int nslots, uint64_t unit_ns,
                       uint64_t sum_total_ns);

/* One interval's increase of a counter; with ns the value is nanoseconds, written as seconds.
 * metric ends in _total. */
void ks_prom_counter(const char *metric, const char *help, const struct ks_prom_label *labels,
                     int nlabels, uint64_t add, bool ns);

/* Writes the file (the runtime calls it after each output). A failed write is a warning:
 * the previous file stays in place and tracing goes on. 0 or -1. */
int ks_prom_write(void);

/* The text that ks_prom_write() puts in the file (tests). */
void ks_prom_render(struct ks_buf *out);

#endif
