/* Unit tests of the ks_object serialized format: round trips, and that anything that is
 * not a complete, intact object is rejected (never crashes, never half-parses). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_object.h"
#include "ks_sha256.h"
#include "ks_test.h"
#include "ks_test_object.h"

#define HDR 48          /* magic 8, version 4, payload length 4, SHA-256 32 */
#define PAYLOAD_NMAPS 64 /* the license comes first: KS_NAME_MAX bytes */
#define MAP_SIZE (KS_NAME_MAX + 5 * 4)
#define PROG_HDR (KS_NAME_MAX + 2 * 4)

static struct ks_buf serialize(const struct ks_object *o)
{
    struct ks_buf b = {0};
    ks_object_serialize(o, &b);
    return b;
}

/* After editing a payload: fix its length and checksum so that only the payload's own
 * structure can reject it. */
static void reseal(struct ks_buf *b)
{
    uint32_t plen = (uint32_t)(b->len - HDR);
    memcpy(b->s + 12, &plen, 4);
    ks_sha256(b->s + HDR, plen, (uint8_t *)b->s + 16);
}

static void put32_at(struct ks_buf *b, size_t payload_off, uint32_t v)
{
    memcpy(b->s + HDR + payload_off, &v, 4);
}

static void test_round_trip(void)
{
    for (int variant = 0; variant <= 2; variant++) {
        struct ks_object *o = ks_test_object(variant);
        struct ks_buf b = serialize(o);
        CHECK(b.len > HDR);
        CHECK(!memcmp(b.s, "KSCOPEOB", 8));
        const char *why = "unset";
        struct ks_object *p = ks_object_parse(b.s, b.len, &why);
        CHECK(p != NULL);
        CHECK(ks_test_object_equal(o, p));
        if (p) {
            CHECK(p->map_fds == NULL && p->prog_fds == NULL);
            /* Serializing the parsed object gives the same bytes. */
            struct ks_buf b2 = serialize(p);
            CHECK(b2.len == b.len && !memcmp(b2.s, b.s, b.len));
            ks_buf_free(&b2);
        }
        ks_object_free(p);
        ks_object_free(o);
        ks_buf_free(&b);
    }

    /* Different programs, different bytes. */
    struct ks_object *a = ks_test_object(0), *c = ks_test_object(1);
    struct ks_buf ba = serialize(a), bc = serialize(c);
    CHECK(ba.len == bc.len && memcmp(ba.s, bc.s, ba.len) != 0);
    ks_buf_free(&ba);
    ks_buf_free(&bc);
    ks_object_free(a);
    ks_object_free(c);

    /* The parsed data does not point into the buffer it came from. */
    struct ks_object *o = ks_test_object(0);
    struct ks_buf b = serialize(o);
    const char *why;
    struct ks_object *p = ks_object_parse(b.s, b.len, &why);
    memset(b.s, 0xa5, b.len);
    ks_buf_free(&b);
    CHECK(ks_test_object_equal(o, p));
    ks_object_free(p);
    ks_object_free(o);
    ks_object_free(NULL);
}

static void test_lookups(void)
{
    struct ks_object *o = ks_test_object(0);
    CHECK(ks_object_map(o, "start") == &o->maps[1]);
    CHECK(ks_object_map(o, "events") == &o->maps[0]);
    CHECK(ks_object_map(o, "nope") == NULL);
    /* Not loaded: no descriptors. */
    CHECK_INTEQ(ks_object_map_fd(o, "start"), -1);
    CHECK_INTEQ(ks_object_map_fd(o, "nope"), -1);
    CHECK_INTEQ(ks_object_prog_fd(o, "kp_exec_exit"), -1);
    CHECK_INTEQ(ks_object_prog_fd(o, "nope"), -1);
    ks_object_unload(o); /* nothing loaded: harmless */
    ks_object_free(o);
}

static void expect_rejected(const void *data, size_t len, const char *why_part, int line)
{
    const char *why = NULL;
    struct ks_object *p = ks_object_parse(data, len, &why);
    int before = ks_test_failures;
    CHECK(p == NULL);
    CHECK(why != NULL);
    if (why_part)
        CHECK_CONTAINS(why, why_part);
    if (ks_test_failures != before)
        fprintf(stderr, "  (case at line %d)\n", line);
    ks_object_free(p);
}
#define REJECTED(d, n, w) expect_rejected((d), (n), (w), __LINE__)

static void test_damaged(void)
{
    struct ks_object *o = ks_test_object(0);
    struct ks_buf b = serialize(o);

    /* Every truncation. */
    int accepted = 0;
    for (size_t n = 0; n < b.len; n++) {
        const char *why;
        struct ks_object *p = ks_object_parse(b.s, n, &why);
        if (p) {
            accepted++;
            fprintf(stderr, "  truncated to %zu of %zu bytes: accepted\n", n, b.len);
        }
        ks_object_free(p);
    }
    CHECK_INTEQ(accepted, 0);
    REJECTED(b.s, 0, "magic");
    REJECTED(b.s, HDR - 1, "magic");
    REJECTED(b.s, b.len - 1, "length");

    /* Padded. */
    char *pad = malloc(b.len + 1);
    memcpy(pad, b.s, b.len);
    pad[b.len] = 0;
    REJECTED(pad, b.len + 1, "length");
    free(pad);

    /* Every single-bit flip, anywhere. */
    char *copy = malloc(b.len);
    accepted = 0;
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, b.s, b.len);
            copy[i] ^= (char)(1 << bit);
            const char *why;
            struct ks_object *p = ks_object_parse(copy, b.len, &why);
            if (p) {
                accepted++;
                fprintf(stderr, "  bit %d of byte %zu flipped: accepted\n", bit, i);
            }
            ks_object_free(p);
        }
    }
    CHECK_INTEQ(accepted, 0);

    /* Each header field, with its own reason. */
    memcpy(copy, b.s, b.len);
    memcpy(copy, "KSCOPEOX", 8);
    REJECTED(copy, b.len, "magic");
    memcpy(copy, b.s, b.len);
    copy[8] = 2;
    REJECTED(copy, b.len, "version");
    memcpy(copy, b.s, b.len);
    copy[12] ^= 4;
    REJECTED(copy, b.len, "length");
    memcpy(copy, b.s, b.len);
    copy[16] ^= 1;
    REJECTED(copy, b.len, "checksum");
    memcpy(copy, b.s, b.len);
    copy[b.len - 1] ^= 0x80;
    REJECTED(copy, b.len, "checksum");
    free(copy);

    /* Not an object at all. */
    REJECTED("hello", 5, "magic");
    char zeros[256] = {0};
    REJECTED(zeros, sizeof(zeros), "magic");

    ks_buf_free(&b);
    ks_object_free(o);
}

/* Payloads with a valid checksum but a structure that does not add up. */
static void test_malformed_payload(void)
{
    struct ks_object *o = ks_test_object(0);
    const size_t nprogs_off = PAYLOAD_NMAPS + 4 + 2 * MAP_SIZE;
    const size_t insn_cnt_off = nprogs_off + 4 + KS_NAME_MAX + 4;

    struct ks_buf b = serialize(o);
    ks_buf_addn(&b, "x", 1); /* a trailing byte inside the payload */
    reseal(&b);
    REJECTED(b.s, b.len, "malformed");
    ks_buf_free(&b);

    b = serialize(o);
    b.len -= 4; /* the last instruction cut in half */
    reseal(&b);
    REJECTED(b.s, b.len, "malformed");
    ks_buf_free(&b);

    b = serialize(o);
    put32_at(&b, PAYLOAD_NMAPS, 3); /* one map more than there is */
    reseal(&b);
    REJECTED(b.s, b.len, "malformed");
    ks_buf_free(&b);

    b = serialize(o);
    put32_at(&b, nprogs_off, 300); /* more programs than allowed */
    reseal(&b);
    REJECTED(b.s, b.len, "malformed");
    ks_buf_free(&b);

    b = serialize(o);
    put32_at(&b, nprogs_off, 3);
    reseal(&b);
    REJECTED(b.s, b.len, "malformed");
    ks_buf_free(&b);

    b = serialize(o);
    put32_at(&b, insn_cnt_off, 0x7fffffff); /* more instructions than bytes */
    reseal(&b);
    REJECTED(b.s, b.len, "malformed");
    ks_buf_free(&b);

    b = serialize(o);
    put32_at(&b, insn_cnt_off, 6);
    reseal(&b);
    REJECTED(b.s, b.len, "malformed");
    ks_buf_free(&b);

    /* A name that fills its field without a NUL is cut, not read past. */
    b = serialize(o);
    memset(b.s + HDR + PAYLOAD_NMAPS + 4, 'M', KS_NAME_MAX);
    reseal(&b);
    const char *why;
    struct ks_object *p = ks_object_parse(b.s, b.len, &why);
    CHECK(p != NULL);
    if (p)
        CHECK_INTEQ(strlen(p->maps[0].name), KS_NAME_MAX - 1);
    ks_object_free(p);
    ks_buf_free(&b);
    ks_object_free(o);
}

/* A map count near 2^32 with a valid checksum must be rejected like a count of 257, not
 * turned into a giant allocation (ks_xcalloc aborts when that fails). In a child, so that
 * an abort is a failed check rather than a crashed test. */
static void child_huge_nmaps(void *arg)
{
    struct ks_buf *b = arg;
    const char *why = NULL;
    struct ks_object *p = ks_object_parse(b->s, b->len, &why);
    printf("%s: %s\n", p ? "ACCEPTED" : "REJECTED", why ? why : "");
    ks_object_free(p);
}

static void test_huge_counts(void)
{
    struct ks_object *o = ks_test_object(0);
    uint32_t counts[] = {257, 0x10000000u, 0xffffffffu};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        struct ks_buf b = serialize(o);
        put32_at(&b, PAYLOAD_NMAPS, counts[i]);
        reseal(&b);
        char *out = NULL;
        int st = ks_test_run_child(child_huge_nmaps, &b, &out);
        CHECK_INTEQ(st, 0);
        CHECK_CONTAINS(out, "REJECTED: malformed");
        if (st != 0 || !strstr(out, "REJECTED"))
            fprintf(stderr, "  (nmaps = %u: exit %d: %s)\n", counts[i], st, out);
        free(out);
        ks_buf_free(&b);
    }
    ks_object_free(o);
}

int main(void)
{
    test_round_trip();
    test_lookups();
    test_damaged();
    test_malformed_payload();
    test_huge_counts();
    return ks_test_done("unit-object");
}
