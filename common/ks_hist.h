/* ks_hist: histograms in the text format of BCC's print_log2_hist / print_linear_hist,
 * so that people and scripts can compare kscope's output with BCC's. */
#ifndef KS_HIST_H
#define KS_HIST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KS_LOG2_SLOTS 65

void ks_print_log2_hist(FILE *out, const uint64_t *vals, int n, const char *val_type);
void ks_print_linear_hist(FILE *out, const uint64_t *vals, int n, const char *val_type);

/* A histogram map whose key is [section bytes][u64 slot] and value a u64 count. */
struct ks_hist_section {
    uint8_t key[32]; /* the section part of the key */
    uint64_t vals[KS_LOG2_SLOTS];
};

/* Read every entry, group by section (sorted by section bytes); with clear, delete what
 * was read (BCC's dist.clear()). Returns the number of sections; *out is malloc'ed. */
int ks_hist_collect(int map_fd, unsigned key_size, int clear, struct ks_hist_section **out);

/* Histograms as output values, in the format asked for (ks_record: text or --json), inside
 * an interval (ks_interval_begin/end):
 *   ks_hist_begin("usecs", "disk");   JSON: ,"unit":"usecs","section":"disk","histograms":[
 *   ks_hist_emit("sda", vals, n);     JSON: {"disk":"sda","buckets":[{"low":0,"high":1,
 *                                            "count":3},...]}   text: "\ndisk = sda\n" and
 *                                     BCC's print_log2_hist (no section: no title line)
 *   ks_hist_end();                    JSON: ]
 * Buckets are the slots the text prints (through the last non-empty one), with the same
 * inclusive bounds; the _linear variant's bucket i is [i, i]. */
void ks_hist_begin(const char *unit, const char *section);
void ks_hist_emit(const char *section_value, const uint64_t *vals, int n);
void ks_hist_emit_linear(const char *section_value, const uint64_t *vals, int n);
void ks_hist_end(void);

/* -e of biolatency and cpudist: BCC's "avg = ..., total: ..., count: ..." line after the
 * histograms (JSON: "total" and "count" members of the interval's object), from a BPF
 * array map (fd) whose entry 0 is {u64 total, u64 count} in `unit`. Taken (read, then
 * zeroed) right after the histogram is collected, so that few spans can end between the
 * two reads (none in the last interval: the probes are detached by then); printed after
 * the histograms. */
struct ks_hist_ext {
    uint64_t total, count;
    bool taken;
};
void ks_hist_ext_take(int fd, struct ks_hist_ext *e);
void ks_hist_ext_print(const struct ks_hist_ext *e, const char *unit);

#endif
