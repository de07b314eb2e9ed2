/* ks_hist: histograms in the text format of BCC's print_log2_hist / print_linear_hist,
 * so that people and scripts can compare kscope's output with BCC's. */
#ifndef KS_HIST_H
#define KS_HIST_H

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

#endif
