#define _GNU_SOURCE
#include "ks_perf.h"

#include <bcc/libbpf.h>
#include <bcc/perf_reader.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ks_maps.h"
#include "ks_sys.h"

struct inplace;

struct ks_perf {
    struct inplace *ip;       /* in-place rings, or NULL */
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

/* ---- in-place rings (bpfsrc/kscope.bpf.h, KS_EVENTS_INPLACE) ---- */

/* Byte offsets in struct ks_ring and struct ks_ring_rec (kscope.bpf.h). */
#define RING_HEAD 0
#define RING_LOST 16
#define RING_TAIL 64
#define RING_DATA 128
#define REC_SIZE 0
#define REC_SEQ 8
#define REC_HDR 16
/* How long a missing number holds back the events after it: the program that took it
 * finishes within microseconds, unless its (virtual) CPU is stopped. */
#define GAP_WAIT_NS 20000000ull

struct inplace {
    unsigned char *mem; /* entry i (CPU i's ring) at i * stride */
    size_t map_len;     /* mapped length, 0: memory given by a test */
    unsigned n;
    size_t stride;
    uint64_t mask; /* ring bytes - 1 */
    uint64_t *pos; /* per ring: the next byte to read */
    uint64_t *head;
    uint64_t *start;     /* per ring: pos when the pass began */
    uint64_t next_seq;   /* the number the next event should have */
    uint64_t gap_since;  /* when a missing number began holding events back; 0: none */
    uint64_t drained_ns; /* the last pass */
    uint64_t nap_ns;     /* how long the rings can be left alone at the rate last seen */
};

/* The programs wake the reader only when a ring passes half full (kscope.bpf.h); while
 * events flow, the reader comes back on its own before a ring is an eighth full, at the
 * rate it saw, but not more often than every millisecond. */
#define NAP_MIN_NS 1000000ull

static int on_bell(void *cookie, void *data, size_t size)
{
    (void)cookie, (void)data, (void)size;
    return 0; /* a wake-up call: nothing to do but wake */
}

static unsigned char *ring_of(const struct inplace *ip, unsigned c)
{
    return ip->mem + (size_t)c * ip->stride;
}

static const unsigned char *rec_at(const struct inplace *ip, unsigned c)
{
    return ring_of(ip, c) + RING_DATA + (ip->pos[c] & ip->mask);
}

static uint64_t rec_seq(const struct inplace *ip, unsigned c)
{
    uint64_t v;
    memcpy(&v, rec_at(ip, c) + REC_SEQ, sizeof(v));
    return v;
}

/* Hand over one event of ring c and step past it. False: a malformed record (never
 * written by kscope.bpf.h); the ring is then skipped to its head. */
static bool take(struct ks_perf *p, unsigned c)
{
    struct inplace *ip = p->ip;
    const unsigned char *rec = rec_at(ip, c);
    uint32_t size;
    uint64_t seq;
    memcpy(&size, rec + REC_SIZE, sizeof(size));
    memcpy(&seq, rec + REC_SEQ, sizeof(seq));
    uint64_t len = (REC_HDR + (uint64_t)size + 7) & ~7ull;
    if (len > KS_INPLACE_SLACK || ip->pos[c] + len > ip->head[c]) {
        ip->pos[c] = ip->head[c];
        return false;
    }
    p->fn(p->ctx, (void *)(rec + REC_HDR), (int)size);
    ip->pos[c] += len;
    if (seq == ip->next_seq)
        ip->next_seq++;
    return true;
}

/* Everything the rings hold, in number order. Stops at a gap (a number taken by a program
 * still writing its event) unless it is older than GAP_WAIT_NS or `final`; then the events
 * after it go first, and the late one follows when it comes. Returns the events taken. */
static long inplace_drain(struct ks_perf *p, bool final)
{
    struct inplace *ip = p->ip;
    long got = 0;
    bool gap = false;
    /* Bounded, so that a never-ending stream returns to the main loop now and then. */
    for (int pass = 0; pass < 16; pass++) {
        for (unsigned c = 0; c < ip->n; c++)
            ip->head[c] =
                __atomic_load_n((uint64_t *)(ring_of(ip, c) + RING_HEAD), __ATOMIC_ACQUIRE);
        long before = got;
        gap = false;
        for (;;) {
            /* The ring whose next event has the smallest number. */
            int best = -1;
            uint64_t best_seq = UINT64_MAX;
            for (unsigned c = 0; c < ip->n; c++) {
                if (ip->pos[c] >= ip->head[c])
                    continue;
                uint64_t q = rec_seq(ip, c);
                if (q < best_seq) {
                    best_seq = q;
                    best = (int)c;
                }
            }
            if (best < 0)
                break;
            if (best_seq > ip->next_seq) {
                uint64_t now = ks_now_ns();
                if (!ip->gap_since)
                    ip->gap_since = now;
                if (!final && now - ip->gap_since < GAP_WAIT_NS) {
                    gap = true;
                    break;
                }
                ip->next_seq = best_seq; /* waited long enough: pass over it */
            }
            ip->gap_since = 0;
            /* This ring's run of consecutive numbers, in one go. */
            unsigned c = (unsigned)best;
            do {
                if (!take(p, c))
                    break;
                got++;
            } while (ip->pos[c] < ip->head[c] && rec_seq(ip, c) <= ip->next_seq);
        }
        /* Give the space back: once per pass, not per event (each store is a cache line
         * the writing CPU must fetch back). */
        for (unsigned c = 0; c < ip->n; c++)
            __atomic_store_n((uint64_t *)(ring_of(ip, c) + RING_TAIL), ip->pos[c],
                             __ATOMIC_RELEASE);
        if (gap || got == before)
            break;
    }
    if (!gap)
        ip->gap_since = 0;
    return got;
}

/* A pass, and the nap the busiest ring allows after it. */
static long inplace_pass(struct ks_perf *p, bool final)
{
    struct inplace *ip = p->ip;
    uint64_t grew = 0;
    memcpy(ip->start, ip->pos, ip->n * sizeof(*ip->start));
    long got = inplace_drain(p, final);
    for (unsigned c = 0; c < ip->n; c++)
        if (ip->pos[c] - ip->start[c] > grew)
            grew = ip->pos[c] - ip->start[c];
    uint64_t now = ks_now_ns();
    ip->nap_ns = 0; /* none: sleep as long as asked */
    if (grew && ip->drained_ns && now > ip->drained_ns) {
        double eighth = (double)(ip->mask + 1) / 8;
        double ns = eighth * (double)(now - ip->drained_ns) / (double)grew;
        ip->nap_ns = ns < NAP_MIN_NS ? NAP_MIN_NS : (uint64_t)ns;
    }
    ip->drained_ns = now;
    return got;
}

static struct ks_perf *inplace_new(void *mem, size_t map_len, unsigned n, unsigned value_size,
                                   uint64_t bytes, ks_event_fn fn, void *ctx)
{
    struct ks_perf *p = ks_xcalloc(1, sizeof(*p));
    struct inplace *ip = ks_xcalloc(1, sizeof(*ip));
    p->ip = ip;
    p->fn = fn;
    p->ctx = ctx;
    ip->mem = mem;
    ip->map_len = map_len;
    ip->n = n;
    ip->stride = ((size_t)value_size + 7) & ~(size_t)7; /* the kernel's array element size */
    ip->mask = bytes - 1;
    ip->pos = ks_xcalloc(n, sizeof(*ip->pos));
    ip->head = ks_xcalloc(n, sizeof(*ip->head));
    ip->start = ks_xcalloc(n, sizeof(*ip->start));
    /* Start where the rings are (nothing is written before the probes are attached, but a
     * reused map would not start at zero). */
    for (unsigned c = 0; c < n; c++)
        ip->pos[c] = __atomic_load_n((uint64_t *)(ring_of(ip, c) + RING_TAIL), __ATOMIC_ACQUIRE);
    return p;
}

struct ks_perf *ks_perf_open_inplace_mem(void *mem, unsigned n, unsigned value_size, uint64_t bytes,
                                         ks_event_fn fn, void *ctx)
{
    return inplace_new(mem, 0, n, value_size, bytes, fn, ctx);
}

struct ks_perf *ks_perf_open_inplace(int rings_fd, unsigned n, unsigned value_size, uint64_t bytes,
                                     int bell_fd, ks_event_fn fn, void *ctx, struct ks_buf *err)
{
    long pg = sysconf(_SC_PAGESIZE);
    size_t len = (size_t)n * (((size_t)value_size + 7) & ~(size_t)7);
    len = (len + (size_t)pg - 1) & ~((size_t)pg - 1);
    void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rings_fd, 0);
    if (mem == MAP_FAILED) {
        ks_buf_printf(err,
                      "cannot map the event rings: %s (try fewer pages with -b, or "
                      "--events=ringbuf)",
                      strerror(errno));
        return NULL;
    }
    struct ks_perf *p = inplace_new(mem, len, n, value_size, bytes, fn, ctx);
    p->ring = bpf_new_ringbuf(bell_fd, on_bell, p);
    if (!p->ring) {
        ks_buf_printf(err, "cannot map the BPF ring buffer: %s (try --events=perf)",
                      strerror(errno));
        ks_perf_close(p);
        return NULL;
    }
    return p;
}

static void report_lost(struct ks_perf *p)
{
    if (p->ip) {
        uint64_t sum = 0, v;
        for (unsigned c = 0; c < p->ip->n; c++) {
            memcpy(&v, ring_of(p->ip, c) + RING_LOST, sizeof(v));
            sum += v;
        }
        p->lost = sum;
    } else if (p->ring) {
        uint64_t sum[2];
        int zero = 0;
        if (ks_percpu_sum_u64(p->stat_fd, &zero, p->stat_size, sum, 2) == 0)
            p->lost = sum[1];
    }
    if (p->lost > p->lost_reported) {
        fflush(stdout);
        fprintf(stderr, "%s: possibly lost %llu events (%s full; a larger -b helps)\n", ks_prog,
                (unsigned long long)(p->lost - p->lost_reported),
                p->ip     ? "a CPU's event ring"
                : p->ring ? "ring buffer"
                          : "perf buffer");
        p->lost_reported = p->lost;
    }
}

int ks_perf_poll(struct ks_perf *p, int timeout_ms)
{
    if (p->ip) {
        /* Held back by a gap: look again soon. Events flowing: before a ring fills. */
        if (p->ip->gap_since && timeout_ms > 2)
            timeout_ms = 2;
        int nap_ms = p->ip->nap_ns ? (int)((p->ip->nap_ns + 999999) / 1000000) : timeout_ms;
        if (nap_ms < timeout_ms)
            timeout_ms = nap_ms;
        if (p->ring) {
            /* Sleeps until a wake-up call or the timeout, and takes the calls. */
            int r = bpf_poll_ringbuf(p->ring, timeout_ms);
            if (r == -EINTR)
                return -1;
        }
        long got = inplace_pass(p, false);
        report_lost(p);
        return got > 0;
    }
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

void ks_perf_finish(struct ks_perf *p)
{
    if (!p)
        return;
    if (!p->ip) {
        ks_perf_poll(p, 0);
        return;
    }
    /* A program still writing its event on another CPU finishes within microseconds. */
    for (int i = 0; i < 20; i++) {
        inplace_pass(p, false);
        if (!p->ip->gap_since)
            break;
        usleep(1000);
    }
    inplace_pass(p, true);
    report_lost(p);
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
    if (p->ip) {
        if (p->ip->map_len)
            munmap(p->ip->mem, p->ip->map_len);
        free(p->ip->pos);
        free(p->ip->head);
        free(p->ip->start);
        free(p->ip);
    }
    for (int i = 0; i < p->n; i++)
        perf_reader_free(p->readers[i]);
    free(p->readers);
    free(p->pfds);
    free(p);
}
