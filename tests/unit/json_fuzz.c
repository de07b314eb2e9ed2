/* The JSON writer under random bytes. Usage:
 *   json_fuzz SEED COUNT   one JSON line per random string: {"i":N,"raw":"<hex>","s":<string>}
 *                          (check_json_fuzz.py parses each and compares s with raw)
 *   json_fuzz --speed N    N opensnoop-like records to stdout; prints records/s on stderr */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ks_json.h"

static uint64_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift64*: reproducible from the seed, no libc state. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Pieces that exercise the UTF-8 rule: valid sequences of each length, their edges,
 * truncations, overlongs, surrogates, and what JSON must escape. */
static const char *const pieces[] = {
    "a",
    "\"",
    "\\",
    "\n",
    "\x01",
    "\x7f",
    "\xc2\x80",
    "\xdf\xbf",
    "\xe0\xa0\x80",
    "\xef\xbf\xbf",
    "\xed\x9f\xbf",
    "\xee\x80\x80",
    "\xf0\x90\x80\x80",
    "\xf4\x8f\xbf\xbf",
    "\xc0\x80",
    "\xc1\xbf",
    "\xe0\x9f\xbf",
    "\xed\xa0\x80",
    "\xed\xbf\xbf",
    "\xf0\x8f\xbf\xbf",
    "\xf4\x90\x80\x80",
    "\xf5\x80\x80\x80",
    "\xe2\x82",
    "\xf0\x9f\x98",
    "\x80",
    "\xbf",
    "\xfe",
    "\xff",
    "/usr/lib/x86_64-linux-gnu/",
    "\xe2\x82\xac",
    "\0",
};

static size_t random_string(unsigned char *buf, size_t cap)
{
    size_t n = 0, want = rnd() % 64;
    while (n < want) {
        if (rnd() % 2) {
            buf[n++] = (unsigned char)rnd(); /* any byte */
        } else {
            size_t k = rnd() % (sizeof(pieces) / sizeof(pieces[0]));
            size_t len = k == sizeof(pieces) / sizeof(pieces[0]) - 1 ? 1 : strlen(pieces[k]);
            if (n + len > cap) break;
            memcpy(buf + n, pieces[k], len);
            n += len;
        }
    }
    return n;
}

static int speed(long count)
{
    struct ks_json j;
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof(buf));
    ks_json_init(&j, stdout, 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < count; i++) {
        ks_json_object(&j, NULL);
        ks_json_uint(&j, "elapsed_ns", 1234567890ull + (uint64_t)i);
        ks_json_uint(&j, "pid", 4242);
        ks_json_str(&j, "comm", "loadgen");
        ks_json_int(&j, "fd", 3);
        ks_json_int(&j, "errno", 0);
        ks_json_str(&j, "path", "/var/tmp/kscope-bench/target-file");
        ks_json_end(&j);
        ks_json_nl(&j);
    }
    fflush(stdout);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    fprintf(stderr, "%ld records in %.3f s: %.0f records/s\n", count, s, (double)count / s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--speed")) return speed(atol(argv[2]));
    if (argc != 3) {
        fprintf(stderr, "usage: json_fuzz SEED COUNT | --speed N\n");
        return 2;
    }
    rng_state = strtoull(argv[1], NULL, 0) | 1;
    long count = atol(argv[2]);
    struct ks_json j;
    ks_json_init(&j, stdout, 0);
    unsigned char s[256];
    char hex[2 * sizeof(s) + 1];
    for (long i = 0; i < count; i++) {
        size_t n = random_string(s, sizeof(s));
        for (size_t k = 0; k < n; k++)
            sprintf(hex + 2 * k, "%02x", s[k]);
        hex[2 * n] = '\0';
        ks_json_object(&j, NULL);
        ks_json_int(&j, "i", i);
        ks_json_str(&j, "raw", hex);
        ks_json_strn(&j, "s", (const char *)s, n);
        /* The same string as a key and inside an array. */
        ks_json_array(&j, "a");
        ks_json_strn(&j, NULL, (const char *)s, n);
        ks_json_end(&j);
        ks_json_end(&j);
        ks_json_nl(&j);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
