/* ks_perf's in-place rings (bpfsrc/kscope.bpf.h, KS_EVENTS_INPLACE), read from memory laid
 * out as the kernel's map: events of several CPUs' rings come out in number order, a
 * missing number holds later events back for a while and is then passed over, events that
 * run past the end of a ring into its slack come out whole, read space is given back, and
 * a malformed record cannot make the reader step outside a ring. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "ks_perf.h"
#include "ks_test.h"
#include "ks_util.h"

/* The layout the program writes (struct ks_ring, struct ks_ring_rec). */
#define BYTES 256u
#define VALUE_SIZE (128u + BYTES + KS_INPLACE_SLACK)
#define NCPU 2

static unsigned char *mem;
static struct ks_buf seen;

static uint64_t *field(unsigned cpu, unsigned off)
{
    return (uint64_t *)(mem + (size_t)cpu * VALUE_SIZE + off);
}

/* What a program does: the event at head, then head moves past it. */
static void put(unsigned cpu, uint64_t seq, const char *text)
{
    uint64_t *head = field(cpu, 0);
    unsigned char *rec = mem + (size_t)cpu * VALUE_SIZE + 128 + (*head & (BYTES - 1));
    uint32_t size = (uint32_t)strlen(text) + 1;
    memcpy(rec, &size, 4);
    memcpy(rec + 8, &seq, 8);
    memcpy(rec + 16, text, size);
    *head += (16 + size + 7) & ~7u;
}

static void on_event(void *ctx, void *data, int size)
{
    (void)ctx;
    CHECK(size == (int)strlen(data) + 1);
    ks_buf_printf(&seen, "%s ", (const char *)data);
}

/* What the reader handed over since the last call. */
static const char *took(void)
{
    static char last[512];
    snprintf(last, sizeof(last), "%s", seen.s ? seen.s : "");
    seen.len = 0;
    if (seen.s)
        seen.s[0] = '\0';
    return last;
}

int main(void)
{
    /* 8-byte aligned, as the kernel's array is. */
    mem = aligned_alloc(64, (size_t)NCPU * VALUE_SIZE);
    if (!mem)
        return 99;
    memset(mem, 0, (size_t)NCPU * VALUE_SIZE);
    struct ks_perf *p = ks_perf_open_inplace_mem(mem, NCPU, VALUE_SIZE, BYTES, on_event, NULL);

    /* Two CPUs' events, merged by number; the space is given back. */
    put(0, 0, "e0");
    put(1, 1, "e1");
    put(0, 2, "e2");
    put(0, 3, "e3");
    put(1, 4, "e4");
    CHECK(ks_perf_poll(p, 0) == 1);
    CHECK_STREQ(took(), "e0 e1 e2 e3 e4 ");
    CHECK(*field(0, 64) == *field(0, 0));
    CHECK(*field(1, 64) == *field(1, 0));
    CHECK(ks_perf_poll(p, 0) == 0);
    CHECK_STREQ(took(), "");

    /* Number 6 taken but not yet written (its program still running on CPU 0): 7 waits. */
    put(0, 5, "e5");
    put(1, 7, "e7");
    ks_perf_poll(p, 0);
    CHECK_STREQ(took(), "e5 ");
    CHECK(*field(1, 64) != *field(1, 0)); /* 7 still unread */
    put(0, 6, "e6");
    ks_perf_poll(p, 0);
    CHECK_STREQ(took(), "e6 e7 ");

    /* A number that never comes holds the rest back for a while, then is passed over; if
     * it comes after all, it is handed over late rather than dropped. */
    put(0, 9, "e9");
    ks_perf_poll(p, 0);
    CHECK_STREQ(took(), "");
    usleep(2000);
    ks_perf_poll(p, 0);
    CHECK_STREQ(took(), ""); /* a few ms: still waiting */
    usleep(30000);
    ks_perf_poll(p, 0);
    CHECK_STREQ(took(), "e9 ");
    put(1, 8, "e8-late");
    put(1, 10, "e10");
    ks_perf_poll(p, 0);
    CHECK_STREQ(took(), "e8-late e10 ");

    /* Events that run past the end of the ring into the slack come out whole. */
    struct ks_buf want = {0};
    for (uint64_t s = 11; s < 31; s++) {
        char t[64];
        /* Lengths that do not divide the ring: some events straddle its end. */
        snprintf(t, sizeof(t), "event-%llu-%.*s", (unsigned long long)s, (int)(s * 7 % 23),
                 "abcdefghijklmnopqrstuvwxyz");
        put((unsigned)(s % 2), s, t);
        ks_buf_printf(&want, "%s ", t);
        if (s % 4 == 0) {
            ks_perf_poll(p, 0);
            CHECK_STREQ(took(), want.s);
            want.len = 0;
            want.s[0] = '\0';
        }
    }
    ks_perf_poll(p, 0);
    CHECK_STREQ(took(), want.s);
    ks_buf_free(&want);
    CHECK(*field(0, 0) > BYTES && *field(1, 0) > BYTES); /* both rings went round */

    /* At the end, a gap is passed over at once after a short wait. */
    put(0, 32, "e32");
    ks_perf_finish(p);
    CHECK_STREQ(took(), "e32 ");

    /* A malformed size (never written by kscope.bpf.h) skips that ring to its head. */
    put(1, 33, "e33");
    uint32_t bad = 1u << 20;
    memcpy(mem + VALUE_SIZE + 128 + ((*field(1, 0) - 24) & (BYTES - 1)), &bad, 4);
    ks_perf_finish(p);
    CHECK_STREQ(took(), "");
    CHECK(*field(1, 64) == *field(1, 0));

    /* Lost events: the rings' counts, added up. */
    *field(0, 16) = 3;
    *field(1, 16) = 4;
    ks_perf_poll(p, 0);
    CHECK(ks_perf_lost(p) == 7);

    ks_perf_close(p);
    ks_buf_free(&seen);
    free(mem);
    return ks_test_done("events");
}
