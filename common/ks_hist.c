#include "ks_hist.h"

#include <bcc/libbpf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ks_record.h"
#include "ks_util.h"

#define STARS_MAX 40

/* BCC's _stars(): floor(width * val / val_max) stars (at most width), with a '+' when the
 * value overflows. Python divides the exact integers and rounds once to a double; do the
 * same with 128-bit arithmetic so huge counts get the same bar. */
static void stars(char *buf, uint64_t val, uint64_t val_max, int width)
{
    int n = 0;
    if (val_max) {
        unsigned __int128 num = (unsigned __int128)(unsigned)width * val;
        uint64_t q = (uint64_t)(num / val_max), r = (uint64_t)(num % val_max);
        /* q + r/val_max rounds up to q + 1 when it is within half an ulp of q + 1. */
        if (r) {
            int k = 63 - __builtin_clzll(q + 1);
            unsigned __int128 gap = (unsigned __int128)(val_max - r) << (53 - k);
            if (gap <= val_max)
                q++;
        }
        n = q > (uint64_t)width ? width : (int)q;
    }
    memset(buf, '*', (size_t)n);
    buf[n] = '\0';
    if (val > val_max && n > 0)
        buf[n - 1] = '+';
}

/* The last non-empty slot (-1: none) and the largest count. */
static int hist_extent(const uint64_t *vals, int n, uint64_t *val_max)
{
    int idx_max = -1;
    *val_max = 0;
    for (int i = 0; i < n; i++) {
        if (vals[i] > 0)
            idx_max = i;
        if (vals[i] > *val_max)
            *val_max = vals[i];
    }
    return idx_max;
}

/* Slot i of bpf_log2l() holds [2^(i-1), 2^i - 1]; slot 1 also holds 0 (BCC prints
 * "0 -> 1"). */
static void log2_bounds(int i, uint64_t *low, uint64_t *high)
{
    if (i == 0) {
        *low = *high = 0;
        return;
    }
    *low = 1ull << (i - 1);
    *high = i >= 64 ? ~0ull : (1ull << i) - 1;
    if (*low == *high)
        *low -= 1;
}

void ks_print_log2_hist(FILE *out, const uint64_t *vals, int n, const char *val_type)
{
    uint64_t val_max;
    int idx_max = hist_extent(vals, n, &val_max);
    bool wide = idx_max > 32;
    int width = wide ? STARS_MAX / 2 : STARS_MAX;
    if (idx_max > 0) {
        if (wide)
            fprintf(out, "               %-29s : count     distribution\n", val_type);
        else
            fprintf(out, "     %-19s : count     distribution\n", val_type);
    }
    char bar[STARS_MAX + 1];
    for (int i = 1; i <= idx_max; i++) {
        uint64_t low, high;
        log2_bounds(i, &low, &high);
        stars(bar, vals[i], val_max, width);
        if (wide)
            fprintf(out, "%20llu -> %-20llu : %-8llu |%-*s|\n", (unsigned long long)low,
                    (unsigned long long)high, (unsigned long long)vals[i], width, bar);
        else
            fprintf(out, "%10llu -> %-10llu : %-8llu |%-*s|\n", (unsigned long long)low,
                    (unsigned long long)high, (unsigned long long)vals[i], width, bar);
    }
}

void ks_print_linear_hist(FILE *out, const uint64_t *vals, int n, const char *val_type)
{
    uint64_t val_max;
    int idx_max = hist_extent(vals, n, &val_max);
    if (idx_max >= 0)
        fprintf(out, "     %-13s : count     distribution\n", val_type);
    char bar[STARS_MAX + 1];
    for (int i = 0; i <= idx_max; i++) {
        stars(bar, vals[i], val_max, STARS_MAX);
        fprintf(out, "        %-10d : %-8llu |%-*s|\n", i, (unsigned long long)vals[i], STARS_MAX,
                bar);
    }
}

static int cmp_section(const void *a, const void *b)
{
    return memcmp(((const struct ks_hist_section *)a)->key, ((const struct ks_hist_section *)b)->key,
                  sizeof(((const struct ks_hist_section *)a)->key));
}

int ks_hist_collect(int map_fd, unsigned key_size, int clear, struct ks_hist_section **out)
{
    unsigned sect = key_size - 8;
    if (key_size < 8 || sect > sizeof(((struct ks_hist_section *)0)->key)) {
        *out = NULL;
        return 0;
    }
    uint8_t key[64], next[64];
    int n = 0, cap = 0;
    struct ks_hist_section *s = NULL;
    size_t nkeys = 0, capkeys = 0;
    uint8_t *keys = NULL;
    int more = bpf_get_first_key(map_fd, next, key_size) == 0;
    while (more) {
        memcpy(key, next, key_size);
        uint64_t count = 0;
        if (bpf_lookup_elem(map_fd, key, &count) == 0) {
            uint64_t slot;
            memcpy(&slot, key + sect, 8);
            int j = 0;
            while (j < n && memcmp(s[j].key, key, sect) != 0)
                j++;
            if (j == n) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 8;
                    s = ks_xrealloc(s, (size_t)cap * sizeof(*s));
                }
                memset(&s[n], 0, sizeof(s[n]));
                memcpy(s[n].key, key, sect);
                n++;
            }
            if (slot < KS_LOG2_SLOTS)
                s[j].vals[slot] += count;
        }
        if (clear) {
            if (nkeys == capkeys) {
                capkeys = capkeys ? capkeys * 2 : 64;
                keys = ks_xrealloc(keys, capkeys * key_size);
            }
            memcpy(keys + nkeys++ * key_size, key, key_size);
        }
        more = bpf_get_next_key(map_fd, key, next) == 0;
    }
    for (size_t i = 0; i < nkeys; i++)
        bpf_delete_elem(map_fd, keys + i * key_size);
    free(keys);
    if (n > 1) /* no sections: s is NULL, which qsort must not be given */
        qsort(s, (size_t)n, sizeof(*s), cmp_section);
    *out = s;
    return n;
}

static const char *g_unit, *g_section;

void ks_hist_begin(const char *unit, const char *section)
{
    g_unit = unit;
    g_section = section;
    if (!ks_out_json())
        return;
    struct ks_json *j = ks_out_writer();
    ks_json_str(j, "unit", unit);
    ks_json_str(j, "section", section);
    ks_json_array(j, "histograms");
}

static void emit(const char *value, const uint64_t *vals, int n, bool linear)
{
    if (!ks_out_json()) {
        if (g_section)
            printf("\n%s = %s\n", g_section, value ? value : "");
        if (linear)
            ks_print_linear_hist(stdout, vals, n, g_unit);
        else
            ks_print_log2_hist(stdout, vals, n, g_unit);
        return;
    }
    struct ks_json *j = ks_out_writer();
    uint64_t val_max;
    int idx_max = hist_extent(vals, n, &val_max);
    ks_json_object(j, NULL);
    if (g_section)
        ks_json_str(j, g_section, value);
    ks_json_array(j, "buckets");
    for (int i = linear || (n > 0 && vals[0]) ? 0 : 1; i <= idx_max; i++) {
        uint64_t low = (uint64_t)i, high = (uint64_t)i;
        if (!linear)
            log2_bounds(i, &low, &high);
        ks_json_object(j, NULL);
        ks_json_uint(j, "low", low);
        ks_json_uint(j, "high", high);
        ks_json_uint(j, "count", vals[i]);
        ks_json_end(j);
    }
    ks_json_end(j);
    ks_json_end(j);
}

void ks_hist_emit(const char *section_value, const uint64_t *vals, int n)
{
    emit(section_value, vals, n, false);
}

void ks_hist_emit_linear(const char *section_value, const uint64_t *vals, int n)
{
    emit(section_value, vals, n, true);
}

void ks_hist_end(void)
{
    if (ks_out_json())
        ks_json_end(ks_out_writer());
}

void ks_hist_ext_take(int fd, struct ks_hist_ext *e)
{
    uint32_t zero = 0;
    uint64_t v[2] = {0, 0}, zeros[2] = {0, 0}; /* total, count */
    *e = (struct ks_hist_ext){0};
    if (fd < 0 || bpf_lookup_elem(fd, &zero, v) != 0)
        return;
    bpf_update_elem(fd, &zero, zeros, 0);
    *e = (struct ks_hist_ext){v[0], v[1], true};
}

void ks_hist_ext_print(const struct ks_hist_ext *e, const char *unit)
{
    if (!e->taken)
        return;
    if (ks_out_json()) {
        ks_json_uint(ks_out_writer(), "total", e->total);
        ks_json_uint(ks_out_writer(), "count", e->count);
    } else if (e->count > 0) {
        printf("\navg = %" PRIu64 " %s, total: %" PRIu64 " %s, count: %" PRIu64 "\n\n",
               e->total / e->count, unit, e->total, unit, e->count);
    }
}
