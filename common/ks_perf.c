#define _GNU_SOURCE
#include "ks_perf.h"

#include <bcc/libbpf.h>
#include <bcc/perf_reader.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_maps.h"
#include "ks_sys.h"

struct ks_perf {
    struct ring_buffer *ring; /* libbpf's, through libbcc's wrappers */
    int stat_fd;
    unsigned stat_size;
    struct perf_reader **readers;
    struct pollfd *pfds;
    int n;
    ks_event_fn fn;
    void *ctx;
    uint64_t lost, lost_reported;
};

static void on_raw(void *cookie, void *raw, int size)
{
    struct ks_perf *p = cookie;
    p->fn(p->ctx, raw, size);
}

static void on_lost(void *cookie, uint64_t lost)
{
    struct ks_perf *p = cookie;
    p->lost += lost;
}

static int on_ring_record(void *cookie, void *data, size_t size)
{
    struct ks_perf *p = cookie;
    p->fn(p->ctx, data, (int)size);
    return 0;
}

struct ks_perf *ks_perf_open_ring(int ring_fd, int stat_fd, unsigned stat_size, ks_event_fn fn,
                                  void *ctx, struct ks_buf *err)
{
    struct ks_perf *p = ks_xcalloc(1, sizeof(*p));
    p->fn = fn;
    p->ctx = ctx;
    p->stat_fd = stat_fd;
    p->stat_size = stat_size;
    p->ring = bpf_new_ringbuf(ring_fd, on_ring_record, p);
    if (!p->ring) {
        ks_buf_printf(err,
                      "cannot map the BPF ring buffer: %s (try fewer pages with -b, or "
                      "--events=perf)",
                      strerror(errno));
        free(p);
        return NULL;
    }
    return p;
}

struct ks_perf *ks_perf_open(int map_fd, unsigned max_entries, int pages, int wakeup_events,
                             ks_event_fn fn, void *ctx, struct ks_buf *err)
{
    int cpus[1024];
    int ncpu = ks_online_cpus(cpus, 1024);
    if (ncpu <= 0) {
        ks_buf_add(err, "cannot read the online CPUs from /sys/devices/system/cpu/online");
        return NULL;
    }
    struct ks_perf *p = ks_xcalloc(1, sizeof(*p));
    p->readers = ks_xcalloc((size_t)ncpu, sizeof(*p->readers));
    p->pfds = ks_xcalloc((size_t)ncpu, sizeof(*p->pfds));
    p->fn = fn;
    p->ctx = ctx;
    for (int i = 0; i < ncpu; i++) {
        if ((unsigned)cpus[i] >= max_entries)
            continue;
        struct bcc_perf_buffer_opts o = {.pid = -1, .cpu = cpus[i], .wakeup_events = wakeup_events};
        struct perf_reader *r = bpf_open_perf_buffer_opts(on_raw, on_lost, p, pages, &o);
        if (!r) {
            ks_buf_printf(err, "cannot open a perf buffer of %d pages on CPU %d: %s%s", pages,
                          cpus[i], strerror(errno),
                          errno == ENOMEM || errno == EPERM
                              ? " (try fewer pages with -b, or raise kernel.perf_event_mlock_kb)"
                              : "");
            ks_perf_close(p);
            return NULL;
        }
        int fd = perf_reader_fd(r);
        int key = cpus[i];
        if (bpf_update_elem(map_fd, &key, &fd, 0) != 0) {
            ks_buf_printf(err, "cannot wire the perf buffer of CPU %d: %s", cpus[i],
                          strerror(errno));
            perf_reader_free(r);
            ks_perf_close(p);
            return NULL;
        }
        p->readers[p->n] = r;
        p->pfds[p->n].fd = fd;
        p->pfds[p->n].events = POLLIN;
        p->n++;
    }
    return p;
}

static void report_lost(struct ks_perf *p)
{
    if (p->ring) {
        uint64_t sum[2];
        int zero = 0;
        if (ks_percpu_sum_u64(p->stat_fd, &zero, p->stat_size, sum, 2) == 0)
            p->lost = sum[1];
    }
    if (p->lost > p->lost_reported) {
        fflush(stdout);
        fprintf(stderr, "%s: possibly lost %llu events (%s buffer full; a larger -b helps)\n",
                ks_prog, (unsigned long long)(p->lost - p->lost_reported),
                p->ring ? "ring" : "perf");
        p->lost_reported = p->lost;
    }
}

int ks_perf_poll(struct ks_perf *p, int timeout_ms)
{
    if (p->ring) {
        /* Records sent without a wake-up (all but every Nth) wait for the next one or for
         * the timeout; then take them too. */
        int r = bpf_poll_ringbuf(p->ring, timeout_ms);
        if (r == -EINTR)
            return -1;
        if (r <= 0)
            bpf_consume_ringbuf(p->ring);
        report_lost(p);
        return r < 0 ? 0 : r;
    }
    int r = poll(p->pfds, (nfds_t)p->n, timeout_ms);
    if (r < 0)
        return errno == EINTR ? -1 : 0;
    /* Read every buffer, not only those that woke us: with wake-up batching a quiet CPU
     * holds events below its threshold, and they should not wait for a busy one. */
    perf_reader_consume(p->n, p->readers);
    report_lost(p);
    return r;
}

uint64_t ks_perf_lost(const struct ks_perf *p)
{
    return p ? p->lost : 0;
}

void ks_perf_close(struct ks_perf *p)
{
    if (!p)
        return;
    if (p->ring)
        bpf_free_ringbuf(p->ring);
    for (int i = 0; i < p->n; i++)
        perf_reader_free(p->readers[i]);
    free(p->readers);
    free(p->pfds);
    free(p);
}
