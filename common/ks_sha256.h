/* ks_sha256: SHA-256 for compile-cache keys and entry checksums (FIPS 180-4). */
#ifndef KS_SHA256_H
#define KS_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct ks_sha256 {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
    size_t used;
};

void ks_sha256_init(struct ks_sha256 *c);
void ks_sha256_update(struct ks_sha256 *c, const void *data, size_t n);
void ks_sha256_final(struct ks_sha256 *c, uint8_t out[32]);
void ks_sha256(const void *data, size_t n, uint8_t out[32]);
/* 64 hex digits and a NUL. */
void ks_sha256_hex(const uint8_t d[32], char out[65]);

#endif
