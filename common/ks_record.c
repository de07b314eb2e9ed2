#define _GNU_SOURCE
#include "ks_record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ks_util.h"

static bool g_json;
static struct ks_json g_writer;
static bool g_writer_ready;
static int g_in_table; /* rows go into the open interval's array */

void ks_out_set_json(bool json)
{
    g_json = json;
}

bool ks_out_json(void)
{
    return g_json;
}

struct ks_json *ks_out_writer(void)
{
    if (!g_writer_ready) {
        ks_json_init(&g_writer, stdout, 0);
        g_writer_ready = true;
    }
    return &g_writer;
}

void ks_textf(const char *fmt, ...)
{
    if (g_json) return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

/* A field's formats, rewritten once so that one vprintf-free call prints each value: the
 * integer conversion widened to long long, and a %s twin of the same width for nulls. */
struct ks_field_rt {
    char fmt[48];
    char nullfmt[48];
    char conv;
    /* The common case, written without printf (at a million events a second, printf's
     * format parsing was most of a tool's own CPU time): text before, one %d, %i, %u or %s
     * with at most a '-' flag and a width, text after. */
    bool fast;
    bool left;
    int width;
    char prefix[16], suffix[16];
    unsigned char npre, nsuf; /* their lengths: no strlen per value */
};

bool ks_field_on(const struct ks_field *f)
{
    return (!f->on || *f->on) && !(f->off && *f->off);
}

static void bad_format(const struct ks_field *f, const char *why)
{
    ks_err("internal: field %s: format \"%s\": %s", f->json ? f->json : f->header, f->fmt, why);
    exit(1);
}

/* The header's format: one %s (with flags and width), nothing else to convert. */
static bool header_format_ok(const char *h)
{
    int n = 0;
    for (const char *s = h; s && *s; s++) {
        if (s[0] == '%' && s[1] == '%') {
            s++;
            continue;
        }
        if (*s != '%') continue;
        s += 1 + strspn(s + 1, "-0123456789");
        if (*s != 's') return false;
        n++;
    }
    return n == 1;
}

static void compile_field(const struct ks_field *f, struct ks_field_rt *rt)
{
    if (!f->fmt || !header_format_ok(f->hfmt)) {
        ks_err("internal: field %s: a header needs hfmt (one %%s) and fmt", f->header);
        exit(1);
    }
    const char *p = f->fmt, *pct = NULL;
    for (const char *s = p; *s; s++) {
        if (s[0] == '%' && s[1] == '%') {
            s++;
            continue;
        }
        if (*s == '%') {
            if (pct) bad_format(f, "more than one conversion");
            pct = s;
        }
    }
    if (!pct) bad_format(f, "no conversion");
    const char *s = pct + 1;
    const char *flags = s;
    while (*s && strchr("-+ #0", *s))
        s++;
    size_t nflags = (size_t)(s - flags);
    const char *width = s;
    while (*s >= '0' && *s <= '9')
        s++;
    size_t nwidth = (size_t)(s - width);
    const char *prec = s;
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    size_t nprec = (size_t)(s - prec);
    while (*s && strchr("hlLqjzt", *s)) /* length modifiers: replaced below */
        s++;
    char conv = *s;
    if (!conv) bad_format(f, "no conversion character");
    const char *suffix = s + 1;
    const char *want;
    switch (f->type) {
    case KS_T_INT:
    case KS_T_UINT:
        want = "diuxXoc";
        break;
    case KS_T_FLOAT:
    case KS_T_NS:
        want = "fFeEgG";
        break;
    default:
        want = "s";
        break;
    }
    if (!strchr(want, conv)) bad_format(f, "conversion does not fit the field's type");
    rt->conv = conv;
    bool ll = strchr("diuxXo", conv) != NULL;
    int n = snprintf(rt->fmt, sizeof(rt->fmt), "%.*s%%%.*s%.*s%.*s%s%c%s", (int)(pct - p), p,
                     (int)nflags, flags, (int)nwidth, width, (int)nprec, prec, ll ? "ll" : "", conv,
                     suffix);
    bool left = memchr(flags, '-', nflags) != NULL;
    int m = snprintf(rt->nullfmt, sizeof(rt->nullfmt), "%.*s%%%s%.*ss%s", (int)(pct - p), p,
                     left ? "-" : "", (int)nwidth, width, suffix);
    if (n >= (int)sizeof(rt->fmt) || m >= (int)sizeof(rt->nullfmt)) bad_format(f, "too long");
    size_t npre = (size_t)(pct - p), nsuf = strlen(suffix);
    rt->left = left;
    rt->width = nwidth ? atoi(width) : 0;
    rt->fast = (f->type == KS_T_STR || f->type == KS_T_INT || f->type == KS_T_UINT) &&
               strchr("dius", conv) && nflags == (size_t)left && nprec == 0 &&
               npre < sizeof(rt->prefix) && nsuf < sizeof(rt->suffix) &&
               !memchr(p, '%', npre) && !strchr(suffix, '%');
    if (rt->fast) {
        memcpy(rt->prefix, p, npre);
        memcpy(rt->suffix, suffix, nsuf + 1);
        rt->npre = (unsigned char)npre;
        rt->nsuf = (unsigned char)nsuf;
    }
}

static void prepare(struct ks_record *r)
{
    if (r->rt) return;
    r->rt = ks_xcalloc((size_t)r->nfields, sizeof(*r->rt));
    for (int i = 0; i < r->nfields; i++)
        if (r->fields[i].header) compile_field(&r->fields[i], &r->rt[i]);
}

void ks_record_formats(struct ks_record *r, char *hfmt, char *fmt, unsigned size)
{
    struct ks_buf h = {0}, v = {0};
    for (int i = 0; i < r->nfields; i++) {
        const struct ks_field *f = &r->fields[i];
        if (!f->header || !ks_field_on(f)) continue;
        ks_buf_add(&h, f->hfmt);
        ks_buf_add(&v, f->fmt);
    }
    snprintf(hfmt, size, "%s\n", h.s ? h.s : "");
    snprintf(fmt, size, "%s\n", v.s ? v.s : "");
    ks_buf_free(&h);
    ks_buf_free(&v);
}

void ks_record_header(struct ks_record *r)
{
    prepare(r); /* a bad declaration stops the tool at its start, whatever the format */
    if (g_json) return;
    for (int i = 0; i < r->nfields; i++) {
        const struct ks_field *f = &r->fields[i];
        if (f->header && ks_field_on(f)) printf(f->hfmt, f->header);
    }
    putchar('\n');
}

/* The text line being built: written with one call at its end. */
static struct {
    char *s;
    size_t len, cap;
} g_line;

static char *line_room(size_t n)
{
    if (g_line.len + n + 1 > g_line.cap) {
        g_line.cap = (g_line.len + n + 1) * 2;
        g_line.s = ks_xrealloc(g_line.s, g_line.cap);
    }
    return g_line.s + g_line.len;
}

static void line_add(const char *s, size_t n)
{
    memcpy(line_room(n), s, n);
    g_line.len += n;
}

/* prefix, s padded to the width (on the left, or with '-' on the right), suffix: what
 * printf makes of "prefix%-Ns suffix". */
static void line_field(const struct ks_field_rt *rt, const char *s, size_t n)
{
    line_add(rt->prefix, rt->npre);
    size_t pad = rt->width > 0 && (size_t)rt->width > n ? (size_t)rt->width - n : 0;
    char *d = line_room(pad + n);
    if (!rt->left) {
        memset(d, ' ', pad);
        d += pad;
    }
    memcpy(d, s, n);
    if (rt->left) memset(d + n, ' ', pad);
    g_line.len += pad + n;
    line_add(rt->suffix, rt->nsuf);
}

static void line_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void line_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0) return;
    char *d = line_room((size_t)n);
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    g_line.len += (size_t)n;
}

static void text_fast(const struct ks_field *f, const struct ks_field_rt *rt,
                      const struct ks_val *v)
{
    if (v->null || f->type == KS_T_STR) {
        const char *s = v->null ? (f->null_text ? f->null_text : "-") : (v->s ? v->s : "");
        line_field(rt, s, strlen(s));
        return;
    }
    char digits[24], *e = digits + sizeof(digits), *d = e;
    bool neg = rt->conv != 'u' && v->i < 0;
    uint64_t u = neg ? 0 - (uint64_t)v->i : v->u;
    do
        *--d = (char)('0' + u % 10);
    while (u /= 10);
    if (neg) *--d = '-';
    line_field(rt, d, (size_t)(e - d));
}

static void text_value(const struct ks_field *f, const struct ks_field_rt *rt,
                       const struct ks_val *v)
{
    if (rt->fast) {
        text_fast(f, rt, v);
        return;
    }
    if (v->null) {
        line_printf(rt->nullfmt, f->null_text ? f->null_text : "-");
        return;
    }
    switch (f->type) {
    case KS_T_STR:
        line_printf(rt->fmt, v->s ? v->s : "");
        break;
    case KS_T_INT:
    case KS_T_UINT:
        /* Both widened to 64 bits: the conversion decides how the bits read. */
        if (rt->conv == 'c')
            line_printf(rt->fmt, (int)v->i);
        else
            line_printf(rt->fmt, (long long)v->i);
        break;
    case KS_T_FLOAT:
        line_printf(rt->fmt, v->d);
        break;
    case KS_T_NS:
        line_printf(rt->fmt, (double)v->u / (f->scale > 0 ? f->scale : 1e9));
        break;
    case KS_T_WALL: {
        time_t t = (time_t)(v->u / 1000000000ull);
        struct tm tm;
        char s[16];
        localtime_r(&t, &tm);
        strftime(s, sizeof(s), "%H:%M:%S", &tm);
        line_printf(rt->fmt, s);
        break;
    }
    case KS_T_STRV: {
        struct ks_buf b = {0};
        for (uint32_t k = 0; k < v->n; k++) {
            if (k) ks_buf_add(&b, " ");
            ks_buf_add(&b, v->v[k]);
        }
        line_printf(rt->fmt, b.s ? b.s : "");
        ks_buf_free(&b);
        break;
    }
    }
}

static void json_value(struct ks_json *j, const struct ks_field *f, const struct ks_val *v)
{
    if (v->null) {
        ks_json_null(j, f->json);
        return;
    }
    switch (f->type) {
    case KS_T_STR:
        ks_json_str(j, f->json, v->s ? v->s : "");
        break;
    case KS_T_INT:
        ks_json_int(j, f->json, v->i);
        break;
    case KS_T_UINT:
    case KS_T_NS:
    case KS_T_WALL:
        ks_json_uint(j, f->json, v->u);
        break;
    case KS_T_FLOAT:
        ks_json_double(j, f->json, v->d);
        break;
    case KS_T_STRV:
        ks_json_array(j, f->json);
        for (uint32_t k = 0; k < v->n; k++)
            ks_json_str(j, NULL, v->v[k]);
        ks_json_end(j);
        break;
    }
}

void ks_record_emit(struct ks_record *r, const struct ks_val *v)
{
    prepare(r);
    if (!g_json) {
        for (int i = 0; i < r->nfields; i++) {
            const struct ks_field *f = &r->fields[i];
            if (f->header && ks_field_on(f)) text_value(f, &r->rt[i], &v[i]);
        }
        line_add("\n", 1);
        fwrite_unlocked(g_line.s, 1, g_line.len, stdout);
        g_line.len = 0;
        return;
    }
    struct ks_json *j = ks_out_writer();
    ks_json_object(j, NULL);
    for (int i = 0; i < r->nfields; i++) {
        const struct ks_field *f = &r->fields[i];
        if (f->json && ks_field_on(f)) json_value(j, f, &v[i]);
    }
    ks_json_end(j);
    if (!g_in_table) ks_json_nl(j);
}

void ks_interval_begin(void)
{
    if (!g_json) return;
    struct ks_json *j = ks_out_writer();
    ks_json_object(j, NULL);
    ks_json_uint(j, "time_unix_ns", ks_wall_ns());
}

void ks_interval_end(void)
{
    if (!g_json) return;
    struct ks_json *j = ks_out_writer();
    ks_json_end(j);
    ks_json_nl(j);
}

void ks_table_begin(struct ks_record *r, const char *key)
{
    prepare(r);
    if (!g_json) {
        ks_record_header(r);
        return;
    }
    ks_table_begin_named(r, key, "rows");
}

void ks_table_begin_named(struct ks_record *r, const char *key, const char *member)
{
    prepare(r);
    if (!g_json) return;
    struct ks_json *j = ks_out_writer();
    if (key) ks_json_str(j, "key", key);
    ks_json_array(j, member);
    g_in_table = 1;
}

void ks_table_end(void)
{
    if (!g_json) return;
    ks_json_end(ks_out_writer());
    g_in_table = 0;
}
