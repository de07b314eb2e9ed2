#define _GNU_SOURCE
#include "ks_prom.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum kind { KIND_COUNTER, KIND_HIST };

struct family {
    char *name; /* kscope_<tool>_<metric> */
    char *help;
    enum kind kind;
    bool ns;          /* counter of nanoseconds, written as seconds */
    uint64_t unit_ns; /* histogram: the slots' unit */
};

/* One labelled series; its values are totals since the start. */
struct series {
    int family;
    char *labels; /* rendered: disk="sda",flags="Write" (or "") */
    uint64_t value;
    uint64_t buckets[KS_PROM_LOG2_BUCKETS]; /* per slot, not yet cumulative */
    uint64_t count, sum_ns;
};

static struct {
    char *path, *dir, *base, *prefix;
    struct family *fam;
    int nfam;
    struct series *ser;
    size_t nser, cap;
    size_t *index; /* open addressing over ser, by (family, labels); 0 empty, else i+1 */
    size_t index_cap;
} P;

bool ks_prom_enabled(void)
{
    return P.path != NULL;
}

/* A temporary file beside FILE: same file system, so rename() replaces FILE atomically;
 * a leading dot and no .prom suffix, so node_exporter never reads a half-written one. */
static int make_temp(char **tmp)
{
    if (asprintf(tmp, "%s/.%s.XXXXXX", P.dir, P.base) < 0)
        abort();
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        free(*tmp);
        *tmp = NULL;
    }
    return fd;
}

int ks_prom_open(const char *path, const char *tool, struct ks_buf *err)
{
    if (!*path) {
        ks_buf_printf(err,
                      "--prom needs a file name, e.g. /var/lib/prometheus/node-exporter/"
                      "%s.prom",
                      tool);
        return -1;
    }
    if (path[strlen(path) - 1] == '/') {
        int n = (int)strlen(path);
        while (n > 1 && path[n - 1] == '/')
            n--;
        ks_buf_printf(err, "--prom '%s': give a file name, e.g. %.*s%s%s.prom", path, n, path,
                      n == 1 ? "" : "/", tool);
        return -1;
    }
    char *d = ks_xstrdup(path), *b = ks_xstrdup(path);
    free(P.dir); /* a previous attempt's (tests) */
    free(P.base);
    P.dir = ks_xstrdup(dirname(d));
    P.base = ks_xstrdup(basename(b));
    free(d);
    free(b);
    struct stat st;
    if (stat(P.dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ks_buf_printf(err,
                      "--prom %s: directory %s does not exist (create it, or use "
                      "node_exporter's --collector.textfile.directory)",
                      path, P.dir);
        return -1;
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        ks_buf_printf(err, "--prom %s: is a directory; give a file name in it, e.g. %s/%s.prom",
                      path, path, tool);
        return -1;
    }
    char *tmp;
    int fd = make_temp(&tmp);
    if (fd < 0) {
        ks_buf_printf(err, "--prom %s: cannot create files in %s: %s", path, P.dir,
                      strerror(errno));
        return -1;
    }
    close(fd);
    unlink(tmp);
    free(tmp);
    size_t n = strlen(P.base);
    if (n < 5 || strcmp(P.base + n - 5, ".prom"))
        ks_warn("--prom %s: node_exporter's textfile collector reads only files named *.prom",
                path);
    P.path = ks_xstrdup(path);
    if (asprintf(&P.prefix, "kscope_%s_", tool) < 0)
        abort();
    return 0;
}

static int family(const char *metric, const char *help, enum kind kind, bool ns, uint64_t unit_ns)
{
    size_t plen = strlen(P.prefix);
    for (int i = 0; i < P.nfam; i++)
        if (!strncmp(P.fam[i].name, P.prefix, plen) && !strcmp(P.fam[i].name + plen, metric))
            return i;
    P.fam = ks_xrealloc(P.fam, (size_t)(P.nfam + 1) * sizeof(*P.fam));
    struct family *f = &P.fam[P.nfam];
    if (asprintf(&f->name, "%s%s", P.prefix, metric) < 0)
        abort();
    f->help = ks_xstrdup(help);
    f->kind = kind;
    f->ns = ns;
    f->unit_ns = unit_ns;
    return P.nfam++;
}

/* Label values may hold any byte (a process name, a device name): the format escapes
 * backslash, double quote and newline; other bytes pass as they are. */
static void escape(struct ks_buf *b, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            ks_buf_add(b, "\\\\");
        else if (*s == '\n')
            ks_buf_add(b, "\\n");
        else if (*s == '"' && quote)
            ks_buf_add(b, "\\\"");
        else
            ks_buf_addn(b, s, 1);
    }
}

static uint64_t hash(int fam, const char *labels)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)fam;
    for (; *labels; labels++)
        h = (h ^ (unsigned char)*labels) * 1099511628211ull;
    return h;
}

static void reindex(void)
{
    free(P.index);
    P.index_cap = P.index_cap ? P.index_cap * 2 : 256;
    P.index = ks_xcalloc(P.index_cap, sizeof(*P.index));
    for (size_t i = 0; i < P.nser; i++) {
        size_t h = hash(P.ser[i].family, P.ser[i].labels) & (P.index_cap - 1);
        while (P.index[h])
            h = (h + 1) & (P.index_cap - 1);
        P.index[h] = i + 1;
    }
}

static struct series *series(int fam, const struct ks_prom_label *labels, int nlabels)
{
    struct ks_buf l = {0};
    ks_buf_add(&l, "");
    for (int i = 0; i < nlabels; i++) {
        ks_buf_printf(&l, "%s%s=\"", i ? "," : "", labels[i].name);
        escape(&l, labels[i].value ? labels[i].value : "", true);
        ks_buf_add(&l, "\"");
    }
    if ((P.nser + 1) * 2 > P.index_cap)
        reindex();
    size_t h = hash(fam, l.s) & (P.index_cap - 1);
    for (; P.index[h]; h = (h + 1) & (P.index_cap - 1)) {
        struct series *s = &P.ser[P.index[h] - 1];
        if (s->family == fam && !strcmp(s->labels, l.s)) {
            ks_buf_free(&l);
            return s;
        }
    }
    if (P.nser == P.cap) {
        P.cap = P.cap ? P.cap * 2 : 64;
        P.ser = ks_xrealloc(P.ser, P.cap * sizeof(*P.ser));
    }
    struct series *s = &P.ser[P.nser];
    memset(s, 0, sizeof(*s));
    s->family = fam;
    s->labels = l.s;
    P.index[h] = ++P.nser;
    return s;
}

void ks_prom_log2_hist(const char *metric, const char *help, const struct ks_prom_label *labels,
                       int nlabels, const uint64_t *slots, int nslots, uint64_t unit_ns,
                       uint64_t sum_total_ns)
{
    if (!P.path)
        return;
    struct series *s = series(family(metric, help, KIND_HIST, false, unit_ns), labels, nlabels);
    for (int i = 0; i < nslots; i++) {
        if (i < KS_PROM_LOG2_BUCKETS)
            s->buckets[i] += slots[i];
        s->count += slots[i];
    }
    if (sum_total_ns > s->sum_ns) /* a total: a counter never goes back */
        s->sum_ns = sum_total_ns;
}

void ks_prom_counter(const char *metric, const char *help, const struct ks_prom_label *labels,
                     int nlabels, uint64_t add, bool ns)
{
    if (!P.path)
        return;
    series(family(metric, help, KIND_COUNTER, ns, 0), labels, nlabels)->value += add;
}

/* Nanoseconds as exact decimal seconds: 1500 -> 0.0000015, 2000000000 -> 2. */
static void seconds(struct ks_buf *b, uint64_t ns)
{
    char frac[16];
    snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)(ns % 1000000000ull));
    int n = 9;
    while (n > 0 && frac[n - 1] == '0')
        frac[--n] = '\0';
    ks_buf_printf(b, "%llu%s%s", (unsigned long long)(ns / 1000000000ull), n ? "." : "", frac);
}

/* name{labels,extra} or name{extra} or name */
static void sample(struct ks_buf *b, const char *name, const char *suffix, const char *labels,
                   const char *extra)
{
    ks_buf_printf(b, "%s%s", name, suffix);
    if (*labels || extra)
        ks_buf_printf(b, "{%s%s%s}", labels, *labels && extra ? "," : "", extra ? extra : "");
    ks_buf_add(b, " ");
}

void ks_prom_render(struct ks_buf *b)
{
    ks_buf_add(b, "");
    for (int fi = 0; fi < P.nfam; fi++) {
        const struct family *f = &P.fam[fi];
        ks_buf_printf(b, "# HELP %s ", f->name);
        escape(b, f->help, false);
        ks_buf_printf(b, "\n# TYPE %s %s\n", f->name,
                      f->kind == KIND_HIST ? "histogram" : "counter");
        for (size_t i = 0; i < P.nser; i++) {
            const struct series *s = &P.ser[i];
            if (s->family != fi)
                continue;
            if (f->kind == KIND_COUNTER) {
                sample(b, f->name, "", s->labels, NULL);
                if (f->ns)
                    seconds(b, s->value);
                else
                    ks_buf_printf(b, "%llu", (unsigned long long)s->value);
                ks_buf_add(b, "\n");
                continue;
            }
            uint64_t cum = 0;
            for (int k = 0; k < KS_PROM_LOG2_BUCKETS; k++) {
                cum += s->buckets[k];
                struct ks_buf le = {0};
                ks_buf_add(&le, "le=\"");
                seconds(&le, f->unit_ns << k);
                ks_buf_add(&le, "\"");
                sample(b, f->name, "_bucket", s->labels, le.s);
                ks_buf_printf(b, "%llu\n", (unsigned long long)cum);
                ks_buf_free(&le);
            }
            sample(b, f->name, "_bucket", s->labels, "le=\"+Inf\"");
            ks_buf_printf(b, "%llu\n", (unsigned long long)s->count);
            sample(b, f->name, "_sum", s->labels, NULL);
            seconds(b, s->sum_ns);
            ks_buf_add(b, "\n");
            sample(b, f->name, "_count", s->labels, NULL);
            ks_buf_printf(b, "%llu\n", (unsigned long long)s->count);
        }
    }
}

int ks_prom_write(void)
{
    if (!P.path)
        return 0;
    struct ks_buf text = {0};
    ks_prom_render(&text);
    char *tmp;
    int fd = make_temp(&tmp), e = errno;
    const char *what = "create a temporary file";
    if (fd >= 0) {
        /* Readable by node_exporter, which runs as its own user. */
        fchmod(fd, 0644);
        size_t off = 0;
        what = "write";
        e = EIO;
        while (off < text.len) {
            ssize_t w = write(fd, text.s + off, text.len - off);
            if (w <= 0) {
                e = w < 0 ? errno : ENOSPC;
                break;
            }
            off += (size_t)w;
        }
        /* fsync: a full disk may only say so when the data is written out. */
        if (off == text.len && fsync(fd) != 0)
            e = errno, off = 0;
        if (close(fd) != 0 && off == text.len)
            e = errno, off = 0;
        if (off == text.len) {
            what = "rename";
            if (rename(tmp, P.path) == 0)
                e = 0;
            else
                e = errno;
        }
        if (e)
            unlink(tmp);
        free(tmp);
    }
    ks_buf_free(&text);
    if (!e)
        return 0;
    ks_warn("--prom: cannot %s in %s: %s; %s keeps its previous metrics", what, P.dir, strerror(e),
            P.path);
    return -1;
}
