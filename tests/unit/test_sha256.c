/* Unit tests of ks_sha256: FIPS 180-4 / NIST example vectors, the padding boundaries
 * (55/56/64 bytes), and streaming in uneven pieces. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_sha256.h"
#include "ks_test.h"

static const char *hex_of(const void *data, size_t n, char out[65])
{
    uint8_t d[32];
    ks_sha256(data, n, d);
    ks_sha256_hex(d, out);
    return out;
}

#define CHECK_SHA(data, n, want)                                                             \
    do {                                                                                     \
        char h_[65];                                                                         \
        CHECK_STREQ(hex_of((data), (n), h_), (want));                                        \
    } while (0)

static void test_nist_vectors(void)
{
    char h[65];
    CHECK_SHA("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_SHA("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* The empty message through a NULL pointer too. */
    CHECK_STREQ(hex_of(NULL, 0, h),
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_SHA(m448, strlen(m448),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    CHECK_SHA(m896, strlen(m896),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

    /* One million 'a', fed in pieces of 1000. */
    char a[1000];
    memset(a, 'a', sizeof(a));
    struct ks_sha256 c;
    ks_sha256_init(&c);
    for (int i = 0; i < 1000; i++)
        ks_sha256_update(&c, a, sizeof(a));
    uint8_t d[32];
    ks_sha256_final(&c, d);
    ks_sha256_hex(d, h);
    CHECK_STREQ(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    CHECK_INTEQ(strlen(h), 64);
}

/* Messages around the padding boundaries: bytes (i*7+3) & 0xff. Digests from a reference
 * SHA-256 (Python's hashlib). */
static void test_boundaries(void)
{
    static const struct {
        size_t n;
        const char *hex;
    } v[] = {
        {55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
        {56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
        {57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73"},
        {63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
        {64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
        {65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
        {119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
        {120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
        {128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"},
    };
    uint8_t msg[128];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)((i * 7 + 3) & 0xff);
    for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
        char h[65];
        CHECK_STREQ(hex_of(msg, v[k].n, h), v[k].hex);
        /* The same streamed in pieces of every size from 1 to 17 bytes. */
        for (size_t piece = 1; piece <= 17; piece++) {
            struct ks_sha256 c;
            ks_sha256_init(&c);
            for (size_t off = 0; off < v[k].n; off += piece)
                ks_sha256_update(&c, msg + off, off + piece > v[k].n ? v[k].n - off : piece);
            uint8_t d[32];
            ks_sha256_final(&c, d);
            ks_sha256_hex(d, h);
            if (strcmp(h, v[k].hex) != 0) {
                CHECK_STREQ(h, v[k].hex);
                fprintf(stderr, "  (length %zu in pieces of %zu)\n", v[k].n, piece);
            }
        }
    }
}

static void test_hex(void)
{
    uint8_t d[32];
    for (int i = 0; i < 32; i++)
        d[i] = (uint8_t)(i * 8 + 7);
    char h[66];
    memset(h, 'Z', sizeof(h));
    ks_sha256_hex(d, h);
    CHECK_STREQ(h, "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff");
    CHECK(h[65] == 'Z'); /* writes 65 bytes, no more */
}

int main(void)
{
    test_nist_vectors();
    test_boundaries();
    test_hex();
    return ks_test_done("unit-sha256");
}
