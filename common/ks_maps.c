#define _GNU_SOURCE
#include "ks_maps.h"

#include <bcc/libbpf.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ks_sys.h"
#include "ks_util.h"

int ks_possible_cpus(void)
{
    static int n;
    if (n)
        return n;
    /* "0-3", "0,2-5": only the highest id matters, per-CPU values are indexed by id. */
    char *s = ks_read_file("/sys/devices/system/cpu/possible", NULL);
    long max = 0;
    for (char *p = s; p && *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        if (v > max)
            max = v;
        p = end;
        if (*p == '-' || *p == ',')
            p++;
        else
            break;
    }
    free(s);
    n = (int)max + 1;
    return n;
}

size_t ks_percpu_size(unsigned value_size)
{
    return ks_percpu_stride(value_size) * (size_t)ks_possible_cpus();
}

int ks_percpu_lookup(int map_fd, const void *key, void *buf)
{
    return bpf_lookup_elem(map_fd, (void *)key, buf) == 0 ? 0 : -1;
}

int ks_percpu_sum_u64(int map_fd, const void *key, unsigned value_size, uint64_t *sum,
                      unsigned nfields)
{
    size_t stride = ks_percpu_stride(value_size);
    int ncpu = ks_possible_cpus();
    if ((size_t)nfields * 8 > value_size) {
        errno = EINVAL;
        return -1;
    }
    unsigned char *buf = ks_xcalloc((size_t)ncpu, stride);
    int rc = ks_percpu_lookup(map_fd, key, buf);
    if (rc == 0) {
        memset(sum, 0, (size_t)nfields * sizeof(*sum));
        for (int c = 0; c < ncpu; c++)
            for (unsigned i = 0; i < nfields; i++) {
                uint64_t v;
                memcpy(&v, buf + (size_t)c * stride + i * 8, sizeof(v));
                sum[i] += v;
            }
    }
    int saved = errno;
    free(buf);
    errno = saved;
    return rc;
}

int ks_percpu_delete(int map_fd, const void *key, unsigned value_size)
{
    void *zero = ks_xcalloc(1, ks_percpu_size(value_size));
    bpf_update_elem(map_fd, (void *)key, zero, BPF_EXIST);
    free(zero);
    return bpf_delete_elem(map_fd, (void *)key) == 0 ? 0 : -1;
}

size_t ks_map_keys(int map_fd, unsigned key_size, void **keys)
{
    unsigned char *out = NULL;
    size_t n = 0, cap = 0;
    unsigned char *prev = ks_xmalloc(key_size), *next = ks_xmalloc(key_size);
    int more = bpf_get_first_key(map_fd, next, key_size) == 0;
    /* A key deleted under the walk restarts it from the first key; the cap ends the walk
     * should that keep happening. */
    while (more && n < (1u << 24)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            out = ks_xrealloc(out, cap * key_size);
        }
        memcpy(out + n++ * key_size, next, key_size);
        memcpy(prev, next, key_size);
        more = bpf_get_next_key(map_fd, prev, next) == 0;
    }
    free(prev);
    free(next);
    *keys = out;
    return n;
}

static unsigned g_cmp_size;
static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, g_cmp_size);
}

size_t ks_map_dump(int map_fd, unsigned key_size, unsigned value_size, void **keys,
                   void **values)
{
    unsigned char *k = NULL, *v = NULL;
    size_t n = 0, cap = 0;
    uint32_t chunk = 4096, token = 0;
    bool first = true;
    for (;;) {
        if (n + chunk > cap) {
            cap = n + chunk * 2;
            k = ks_xrealloc(k, cap * key_size);
            v = ks_xrealloc(v, cap * value_size);
        }
        uint32_t count = chunk;
        int rc = bpf_lookup_batch(map_fd, first ? NULL : &token, &token, k + n * key_size,
                                  v + n * value_size, &count);
        int e = errno;
        if (rc == 0 || e == ENOENT) {
            n += count;
            first = false;
            if (rc != 0)
                break; /* ENOENT: that was the last of it */
            continue;
        }
        if (e == ENOSPC && chunk < (1u << 20)) {
            chunk *= 2; /* a bucket holds more than a chunk */
            continue;
        }
        if (first) { /* no batch operations here (before 5.6): walk the keys */
            free(k);
            free(v);
            void *ks;
            size_t nk = ks_map_keys(map_fd, key_size, &ks);
            g_cmp_size = key_size;
            qsort(ks, nk, key_size, cmp_key);
            k = ks_xmalloc((nk ? nk : 1) * key_size);
            v = ks_xmalloc((nk ? nk : 1) * value_size);
            n = 0;
            for (size_t i = 0; i < nk; i++) {
                const unsigned char *key = (unsigned char *)ks + i * key_size;
                if (i && !memcmp(key, key - key_size, key_size))
                    continue;
                if (bpf_lookup_elem(map_fd, (void *)key, v + n * value_size) != 0)
                    continue;
                memcpy(k + n * key_size, key, key_size);
                n++;
            }
            free(ks);
        }
        break; /* another error mid-way: what was read so far */
    }
    if (!n) {
        free(k);
        free(v);
        k = v = NULL;
    }
    *keys = k;
    *values = v;
    return n;
}

size_t ks_map_drain(int map_fd, unsigned key_size, unsigned value_size, void **out)
{
    void *keys;
    size_t nkeys = ks_map_keys(map_fd, key_size, &keys), n = 0, rec = key_size + value_size;
    unsigned char *recs = nkeys ? ks_xmalloc(nkeys * rec) : NULL;
    for (size_t i = 0; i < nkeys; i++) {
        unsigned char *r = recs + n * rec;
        memcpy(r, (char *)keys + i * key_size, key_size);
        if (bpf_lookup_elem(map_fd, r, r + key_size) != 0)
            continue; /* deleted meanwhile */
        bpf_delete_elem(map_fd, r);
        n++;
    }
    free(keys);
    *out = recs;
    return n;
}

size_t ks_map_seed_parents(int map_fd)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        uint32_t pid = (uint32_t)strtoul(e->d_name, NULL, 10);
        uint32_t ppid = ks_proc_ppid(pid);
        /* BPF_NOEXIST: a fork seen since attaching is newer than this read. */
        if (ppid && bpf_update_elem(map_fd, &pid, &ppid, BPF_NOEXIST) == 0)
            n++;
    }
    closedir(d);
    return n;
}

int ks_percpu_counters_delta(int map_fd, uint32_t n, uint64_t *prev, uint64_t *delta)
{
    for (uint32_t k = 0; k < n; k++) {
        uint64_t total;
        if (ks_percpu_sum_u64(map_fd, &k, sizeof(total), &total, 1) != 0)
            return -1;
        delta[k] = total - prev[k];
        prev[k] = total;
    }
    return 0;
}
