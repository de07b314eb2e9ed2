#define _GNU_SOURCE
#include "ks_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Unlocked stdio: a tool has one output thread, and the lock per call would cost more than
 * the writing itself at a million records a second. */
static inline void put(FILE *f, char c)
{
    putc_unlocked(c, f);
}

static inline void putn(FILE *f, const void *s, size_t n)
{
    fwrite_unlocked(s, 1, n, f);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not one:
 * no overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xbf; /* the allowed range of the second byte */
    if (c < 0xc2) return 0;        /* continuation byte or overlong 2-byte lead */
    if (c < 0xe0) {
        len = 2;
    } else if (c < 0xf0) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c < 0xf5) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return len;
}

void ks_json_write_string(FILE *f, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str, *end = s + n, *run = s;
    put(f, '"');
    while (s < end) {
        unsigned char c = *s;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            s++; /* the common case: part of a run written in one go */
            continue;
        }
        if (c >= 0x80) {
            size_t len = utf8_len(s, (size_t)(end - s));
            if (len) {
                s += len;
                continue;
            }
        }
        putn(f, run, (size_t)(s - run));
        if (c >= 0x80) {
            putn(f, "\\ufffd", 6);
        } else {
            char e[6] = {'\\', 0};
            size_t elen = 2;
            switch (c) {
            case '"':
                e[1] = '"';
                break;
            case '\\':
                e[1] = '\\';
                break;
            case '\n':
                e[1] = 'n';
                break;
            case '\t':
                e[1] = 't';
                break;
            case '\r':
                e[1] = 'r';
                break;
            case '\b':
                e[1] = 'b';
                break;
            case '\f':
                e[1] = 'f';
                break;
            default:
                memcpy(e + 1, "u00", 3);
                e[4] = hex[c >> 4];
                e[5] = hex[c & 15];
                elen = 6;
                break;
            }
            putn(f, e, elen);
        }
        run = ++s;
    }
    putn(f, run, (size_t)(s - run));
    put(f, '"');
}

void ks_json_init(struct ks_json *j, FILE *out, int indent)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
    j->indent = indent;
}

static void newline(struct ks_json *j)
{
    put(j->out, '\n');
    for (int i = 0; i < j->depth * j->indent; i++)
        put(j->out, ' ');
}

/* Before a value: the comma, the indentation, the key. */
static void pre(struct ks_json *j, const char *key)
{
    uint32_t bit = 1u << j->depth;
    if (j->depth > 0) {
        if (j->more & bit) put(j->out, ',');
        if (j->indent) newline(j);
    }
    j->more |= bit;
    if (key) {
        ks_json_write_string(j->out, key, strlen(key));
        if (j->indent)
            putn(j->out, ": ", 2);
        else
            put(j->out, ':');
    }
}

static void open(struct ks_json *j, const char *key, char c)
{
    pre(j, key);
    put(j->out, c);
    if (j->depth < KS_JSON_MAX_DEPTH - 1) j->depth++;
    uint32_t bit = 1u << j->depth;
    j->more &= ~bit;
    if (c == '[')
        j->arrays |= bit;
    else
        j->arrays &= ~bit;
}

void ks_json_object(struct ks_json *j, const char *key)
{
    open(j, key, '{');
}

void ks_json_array(struct ks_json *j, const char *key)
{
    open(j, key, '[');
}

void ks_json_end(struct ks_json *j)
{
    if (j->depth == 0) return;
    uint32_t bit = 1u << j->depth;
    bool empty = !(j->more & bit);
    char c = (j->arrays & bit) ? ']' : '}';
    j->depth--;
    if (j->indent && !empty) newline(j);
    put(j->out, c);
}

void ks_json_strn(struct ks_json *j, const char *key, const char *s, size_t n)
{
    pre(j, key);
    if (s)
        ks_json_write_string(j->out, s, n);
    else
        putn(j->out, "null", 4);
}

void ks_json_str(struct ks_json *j, const char *key, const char *s)
{
    ks_json_strn(j, key, s, s ? strlen(s) : 0);
}

/* Decimal digits of v, right-aligned in buf[0..20); returns where they start. */
static char *digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void ks_json_uint(struct ks_json *j, const char *key, uint64_t v)
{
    char buf[24], *end = buf + sizeof(buf);
    pre(j, key);
    char *p = digits(end, v);
    putn(j->out, p, (size_t)(end - p));
}

void ks_json_int(struct ks_json *j, const char *key, int64_t v)
{
    char buf[24], *end = buf + sizeof(buf);
    pre(j, key);
    char *p = digits(end, v < 0 ? -(uint64_t)v : (uint64_t)v);
    if (v < 0) *--p = '-';
    putn(j->out, p, (size_t)(end - p));
}

void ks_json_double(struct ks_json *j, const char *key, double v)
{
    pre(j, key);
    if (!isfinite(v)) {
        putn(j->out, "null", 4);
        return;
    }
    /* The shortest of 15 or 17 significant digits that reads back as the same double. */
    char buf[40];
    int n = snprintf(buf, sizeof(buf), "%.15g", v);
    if (strtod(buf, NULL) != v) n = snprintf(buf, sizeof(buf), "%.17g", v);
    putn(j->out, buf, (size_t)n);
}

void ks_json_bool(struct ks_json *j, const char *key, bool v)
{
    pre(j, key);
    if (v)
        putn(j->out, "true", 4);
    else
        putn(j->out, "false", 5);
}

void ks_json_null(struct ks_json *j, const char *key)
{
    pre(j, key);
    putn(j->out, "null", 4);
}

void ks_json_nl(struct ks_json *j)
{
    put(j->out, '\n');
    j->more = 0;
}
