#define _GNU_SOURCE
#include "ks_spec.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_features.h"
#include "ks_opts.h"
#include "ks_regex.h"
#include "ks_uprobe.h"
#include "ks_usyms.h"

/* One line saying what is wrong; the place goes to out->err_pos (for ks_usage_error_at). */
static int spec_error(struct ks_spec *out, struct ks_buf *err, size_t pos, const char *msg)
{
    ks_buf_printf(err, "invalid probe: %s", msg);
    out->err_pos = pos;
    return -1;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = ks_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void ks_spec_free(struct ks_spec *s)
{
    free(s->lib);
    free(s->path);
    free(s->provider);
    free(s->func);
    free(s->signature);
    memset(s, 0, sizeof(*s));
}

/* Names of functions, events and probes: what symbols are made of, plus the pattern's
 * characters (a regex may hold more; it never reaches the program text either way). */
static bool name_char(char c)
{
    return isalnum((unsigned char)c) || strchr("_.*$@", c);
}

int ks_spec_parse(const char *text, long pid, unsigned flags, struct ks_spec *out,
                  struct ks_buf *err)
{
    bool rest_ok = flags & KS_SPEC_REST, regex = flags & KS_SPEC_REGEX;
    memset(out, 0, sizeof(*out));
    out->text = text;
    out->rest = "";
    /* The ':'-separated parts, up to the function (and its signature). */
    size_t at[5], len[5];
    int n = 0;
    size_t i = 0, tlen = strlen(text);
    if (!tlen)
        return spec_error(out, err, 0, "empty");
    while (n < 5) {
        size_t start = i;
        int depth = 0;
        while (i < tlen && (depth || text[i] != ':')) {
            if (text[i] == '(' && !regex)
                depth++;
            else if (text[i] == ')' && depth)
                depth--;
            i++;
        }
        at[n] = start;
        len[n] = i - start;
        n++;
        if (i >= tlen)
            break;
        i++; /* the ':' */
        /* argdist and trace: what follows the function is theirs. */
        if (rest_ok && n == 3) {
            out->rest = text + i - 1;
            break;
        }
    }
    if (n == 5 || (rest_ok && n < 3))
        return spec_error(out, err, n == 5 ? at[4] - 1 : tlen,
                          n == 5 ? "too many ':'-separated parts"
                                 : "expected type:library:function (p, r, t or u first)");
    char type = 'p';
    size_t lib_i = 0, func_i;
    bool have_lib = false;
    if (n == 1) {
        func_i = 0;
    } else if (n == 2) {
        lib_i = 0;
        have_lib = true;
        func_i = 1;
    } else {
        if (len[0] != 1 || !strchr("prtu", text[at[0]]))
            return spec_error(out, err, at[0], "the type must be p, r, t or u");
        type = text[at[0]];
        lib_i = 1;
        have_lib = true;
        func_i = 2;
        if (n == 4 && type != 'u')
            return spec_error(out, err, at[3] - 1,
                              "too many ':'-separated parts (four only for u:lib:provider:probe)");
    }
    out->type = type;
    out->ret = type == 'r';
    out->lib = have_lib ? dup_n(text + at[lib_i], len[lib_i]) : ks_xstrdup("");
    size_t fi = n == 4 ? 3 : func_i;
    if (n == 4)
        out->provider = dup_n(text + at[2], len[2]);
    /* function[(signature)] */
    const char *f = text + at[fi];
    size_t flen = len[fi];
    const char *paren = regex ? NULL : memchr(f, '(', flen);
    size_t nlen = paren ? (size_t)(paren - f) : flen;
    if (paren) {
        if (f[flen - 1] != ')')
            return spec_error(out, err, at[fi] + flen, "the signature must end with ')'");
        /* "()" is fine (argdist's t:cat:event()); a parameter list is not. */
        if ((type == 't' || type == 'u') && flen - nlen > 2)
            return spec_error(out, err, at[fi] + nlen,
                              "tracepoints and USDT probes take no signature");
        out->signature = dup_n(paren + 1, flen - nlen - 2);
    }
    if (!nlen)
        return spec_error(out, err, at[fi], "no function, event or probe name");
    for (size_t k = 0; k < nlen; k++)
        if (!name_char(f[k]) && !(type != 'u' && strchr("^[]()|?+\\{},-", f[k])))
            return spec_error(out, err, at[fi] + k, "not a character of a name or pattern");
    out->func = dup_n(f, nlen);
    if (type == 't') {
        out->kind = KS_SPEC_TP;
        if (!*out->lib)
            return spec_error(out, err, at[1], "no tracepoint category (t:category:event)");
        for (size_t k = 0; k < len[1]; k++)
            if (!name_char(text[at[1] + k]))
                return spec_error(out, err, at[1] + k, "not a character of a category");
        return 0;
    }
    if (type == 'u' && !*out->lib)
        return spec_error(out, err, at[1], "a USDT probe needs a library or program (u:lib:probe)");
    if (!*out->lib) {
        out->kind = KS_SPEC_KFUNC;
        return 0;
    }
    out->kind = type == 'u' ? KS_SPEC_USDT : KS_SPEC_UFUNC;
    char path[PATH_MAX];
    struct ks_buf why = {0};
    if (!ks_uprobe_find(out->lib, pid, path, sizeof(path), &why)) {
        spec_error(out, err, at[lib_i], why.s);
        ks_buf_free(&why);
        return -1;
    }
    out->path = ks_xstrdup(path);
    return 0;
}

/* '*' matches any run of characters; everything else itself. */
static bool glob_match(const char *p, const char *s)
{
    for (; *p; p++, s++) {
        if (*p == '*') {
            while (p[1] == '*')
                p++;
            if (!p[1])
                return true;
            for (; *s; s++)
                if (glob_match(p + 1, s))
                    return true;
            return false;
        }
        if (*p != *s)
            return false;
    }
    return !*s;
}

struct matcher {
    const char *glob;
    struct ks_regex *re;
};

static void matcher_init(struct matcher *m, const char *pattern, bool regex)
{
    m->glob = pattern;
    m->re = NULL;
    if (regex) {
        /* re.match: anchored at the start only. */
        struct ks_buf b = {0};
        ks_buf_printf(&b, "^(?:%s)", pattern);
        m->re = ks_regex_compile(b.s, "-r");
        ks_buf_free(&b);
    }
}

static bool matches(const struct matcher *m, const char *s)
{
    return m->re ? ks_regex_search(m->re, s, strlen(s)) : glob_match(m->glob, s);
}

static bool is_pattern(const char *s, bool regex)
{
    return regex || strchr(s, '*');
}

struct collect {
    struct ks_spec_target *t;
    int n, cap;
    bool over;
    const struct ks_spec *s;
    struct matcher m, prov;
};

static struct ks_spec_target *add_target(struct collect *c, const char *name)
{
    if (c->n == KS_SPEC_LIMIT) {
        c->over = true;
        return NULL;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->t = ks_xrealloc(c->t, (size_t)c->cap * sizeof(*c->t));
    }
    struct ks_spec_target *t = &c->t[c->n++];
    memset(t, 0, sizeof(*t));
    t->name = ks_xstrdup(name);
    t->up.pid = -1;
    return t;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void expand_kernel(struct collect *c)
{
    char p[PATH_MAX];
    char *text = ks_read_file(ks_kernel_path(p, sizeof(p), "/proc/kallsyms"), NULL);
    if (!text)
        return;
    /* Text symbols, each name once. */
    char **names = NULL;
    size_t n = 0, cap = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char type, name[256];
        if (sscanf(l, "%*s %c %255s", &type, name) != 2 || !strchr("tTwW", type))
            continue;
        if (strstr(name, ".cold") || !strncmp(name, "__kprobes", 9) ||
            !strncmp(name, "_kbl_addr_", 10) || !matches(&c->m, name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            names = ks_xrealloc(names, cap * sizeof(*names));
        }
        names[n++] = ks_xstrdup(name);
    }
    free(text);
    qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        const char *why;
        if ((i == 0 || strcmp(names[i], names[i - 1])) && !c->over &&
            ks_ksym_attachable(names[i], &why))
            add_target(c, names[i]);
        free(names[i]);
    }
    free(names);
}

static void expand_tracepoints(struct collect *c)
{
    const char *tfs = ks_tracefs(NULL);
    if (!tfs)
        return;
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/events", tfs);
    struct dirent **cats = NULL;
    int nc = scandir(p, &cats, NULL, alphasort);
    for (int i = 0; i < nc; i++) {
        struct dirent **evs = NULL;
        char q[PATH_MAX];
        snprintf(q, sizeof(q), "%s/%s", p, cats[i]->d_name);
        int ne = cats[i]->d_name[0] == '.' ? -1 : scandir(q, &evs, NULL, alphasort);
        for (int k = 0; k < ne; k++) {
            char full[512];
            snprintf(full, sizeof(full), "%s:%s", cats[i]->d_name, evs[k]->d_name);
            if (evs[k]->d_name[0] != '.' && !c->over && matches(&c->m, full) &&
                ks_tracepoint_exists(cats[i]->d_name, evs[k]->d_name))
                add_target(c, full);
            free(evs[k]);
        }
        free(evs);
        free(cats[i]);
    }
    free(cats);
}

static bool on_func(const char *name, uint64_t off, void *ctx)
{
    struct collect *c = ctx;
    /* .dynsym names may carry a version: match and show the name without it. */
    char base[256];
    snprintf(base, sizeof(base), "%.*s", (int)strcspn(name, "@"), name);
    if (!matches(&c->m, base))
        return true;
    /* One uprobe per address (aliases share one) and one address per name. */
    for (int i = 0; i < c->n; i++)
        if (c->t[i].up.offset == off || !strcmp(c->t[i].name, base))
            return true;
    struct ks_spec_target *t = add_target(c, base);
    if (!t)
        return false;
    t->up.path = c->s->path;
    t->up.offset = off;
    t->up.what = t->name;
    return true;
}

static bool on_usdt(const struct ks_usdt_note *n, void *ctx)
{
    struct collect *c = ctx;
    if (!matches(&c->m, n->name) || (c->s->provider && !matches(&c->prov, n->provider)))
        return true;
    /* A probe used at several places is one probe at several addresses: one target each,
     * all with its name (the tools add them up by name). */
    char full[300];
    snprintf(full, sizeof(full), "%s:%s", n->provider, n->name);
    struct ks_spec_target *t = add_target(c, n->name);
    if (!t)
        return false;
    t->up.path = c->s->path;
    t->up.offset = n->off;
    t->up.ref_ctr = n->sem_off;
    t->up.what = ks_xstrdup(full);
    t->usdt_args = ks_xstrdup(n->args);
    return true;
}

int ks_spec_expand(const struct ks_spec *s, bool regex, long pid, struct ks_spec_target **out,
                   struct ks_buf *err)
{
    struct collect c = {.s = s};
    *out = NULL;
    const char *why = NULL;
    if (s->kind == KS_SPEC_KFUNC && !ks_kprobes_supported(&why)) {
        ks_buf_printf(err,
                      "cannot attach probes to kernel function%s '%s': this kernel cannot "
                      "probe functions (%s); tracepoints (t:cat:event), user functions "
                      "(lib:func) and USDT probes (u:lib:probe) work here",
                      is_pattern(s->func, regex) ? "s" : "", s->func, why);
        return -1;
    }
    char full[512]; /* the matcher keeps a pointer to it */
    if (s->kind == KS_SPEC_TP) {
        snprintf(full, sizeof(full), "%s:%s", s->lib, s->func);
        matcher_init(&c.m, full, regex);
    } else {
        matcher_init(&c.m, s->func, regex);
    }
    if (s->provider)
        matcher_init(&c.prov, s->provider, regex);
    const char *searched = "";
    char where[PATH_MAX + 64];
    switch (s->kind) {
    case KS_SPEC_KFUNC:
        if (!is_pattern(s->func, regex) && strspn(s->func, "abcdefghijklmnopqrstuvwxyz"
                                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                            "0123456789_.") == strlen(s->func))
            add_target(&c, s->func); /* the resolver says why it cannot be probed */
        else if (!is_pattern(s->func, regex))
            ; /* not a symbol's name: nothing matches */
        else
            expand_kernel(&c);
        searched = "kernel functions (/proc/kallsyms, minus what cannot be probed)";
        break;
    case KS_SPEC_TP:
        expand_tracepoints(&c);
        searched = "tracepoints (events/ in tracefs)";
        break;
    case KS_SPEC_UFUNC:
        if (ks_usyms_file_funcs(s->path, on_func, &c) < 0) {
            ks_buf_printf(err, "cannot read ELF symbols from %s", s->path);
            return -1;
        }
        snprintf(where, sizeof(where), "function symbols of %s", s->path);
        searched = where;
        break;
    case KS_SPEC_USDT:
        if (ks_usdt_each(s->path, on_usdt, &c) < 0) {
            ks_buf_printf(err, "cannot read ELF notes from %s", s->path);
            return -1;
        }
        snprintf(where, sizeof(where), "USDT probes (.note.stapsdt) of %s", s->path);
        searched = where;
        break;
    }
    ks_regex_free(c.m.re);
    ks_regex_free(c.prov.re);
    for (int i = 0; i < c.n; i++)
        c.t[i].up.pid = pid >= 0 ? pid : -1;
    if (c.over) {
        ks_buf_printf(err, "'%s' matches more than %d probes (the limit, as BCC's): narrow the "
                           "pattern",
                      s->text, KS_SPEC_LIMIT);
        ks_spec_targets_free(c.t, c.n);
        return -1;
    }
    if (!c.n) {
        ks_buf_printf(err, "no match for '%s' among the %s", s->text, searched);
        free(c.t);
        return -1;
    }
    *out = c.t;
    return c.n;
}

void ks_spec_targets_free(struct ks_spec_target *t, int n)
{
    for (int i = 0; i < n; i++) {
        if (t[i].up.what && t[i].up.what != t[i].name)
            free((char *)t[i].up.what);
        free((char *)t[i].usdt_args);
        free(t[i].name);
    }
    free(t);
}

static char *fmt_name(const char *fmt, int i)
{
    char b[32];
    snprintf(b, sizeof(b), fmt, i);
    return ks_xstrdup(b);
}

struct ks_probe *ks_spec_probes(const struct ks_spec *s, const struct ks_spec_target *t, int n,
                                int base, bool with_return, int *nprobes)
{
    int per = with_return ? 2 : 1;
    struct ks_probe *p = ks_xcalloc((size_t)(n * per) + 1, sizeof(*p));
    for (int k = 0; k < per; k++) {
        for (int i = 0; i < n; i++) {
            struct ks_probe *q = &p[k * n + i];
            bool ret = k == 1 || s->ret;
            q->name = fmt_name(k ? "r%d" : "p%d", base + i);
            q->func = fmt_name(k ? "retprobe_%d" : "probe_%d", base + i);
            q->ret = ret;
            switch (s->kind) {
            case KS_SPEC_KFUNC:
                q->kprobes[0] = t[i].name;
                break;
            case KS_SPEC_TP:
                q->tp = t[i].name;
                break;
            case KS_SPEC_UFUNC:
            case KS_SPEC_USDT:
                q->uprobe = (struct ks_uprobe_spec *)&t[i].up;
                break;
            }
        }
    }
    *nprobes = n * per;
    return p;
}

void ks_spec_defines(struct ks_buf *out, int n)
{
    ks_buf_printf(out, "#define KS_NPROBES %d /* probes the pattern matched */\n", n);
    ks_buf_add(out, "#define KS_PROBE_LIST(X)");
    for (int i = 0; i < n; i++)
        ks_buf_printf(out, " X(%d)", i);
    ks_buf_add(out, "\n");
}

struct ks_probe *ks_spec_check_probes(int *nprobes)
{
    static struct ks_uprobe_spec libc = {.what = "malloc", .pid = -1};
    static char path[PATH_MAX];
    static struct ks_probe p[3] = {
        {.name = "kernel_function", .kprobes = {"vfs_read"}, .optional = true},
        {.name = "tracepoint", .tp = "raw_syscalls:sys_enter", .optional = true},
        {.name = "user_function", .optional = true},
    };
    struct ks_buf err = {0};
    int n = 2;
    if (ks_uprobe_find("c", -1, path, sizeof(path), &err) &&
        ks_uprobe_func_offset(path, "malloc", &libc.offset, &err)) {
        libc.path = path;
        p[2].uprobe = &libc;
        n = 3;
    }
    ks_buf_free(&err);
    *nprobes = n;
    return p;
}

void ks_pattern_load(const char *text, long pid, unsigned flags, struct ks_pattern *p)
{
    memset(p, 0, sizeof(*p));
    struct ks_buf err = {0};
    if (ks_spec_parse(text, pid, flags, &p->spec, &err) != 0)
        ks_usage_error_at(p->spec.text, p->spec.err_pos, err.s);
    p->n = ks_spec_expand(&p->spec, flags & KS_SPEC_REGEX, pid, &p->targets, &err);
    if (p->n < 0) {
        ks_err("%s", err.s);
        exit(1);
    }
    ks_buf_free(&err);
}

void ks_probes_append(struct ks_probe **all, int *nall, struct ks_probe *more, int nmore)
{
    *all = ks_xrealloc(*all, (size_t)(*nall + nmore + 1) * sizeof(**all));
    memcpy(*all + *nall, more, (size_t)nmore * sizeof(*more));
    *nall += nmore;
    memset(*all + *nall, 0, sizeof(**all));
    free(more);
}

struct ks_probe *ks_pattern_probes(int npos, char **pos, bool check, long pid, bool regex,
                                   bool with_return, struct ks_pattern *p, int *nprobes)
{
    memset(p, 0, sizeof(*p));
    if (npos != 1) {
        if (check && !npos)
            return ks_spec_check_probes(nprobes); /* kscope-doctor: which kinds work here */
        ks_usage_error(npos ? "one pattern only"
                            : "the following arguments are required: pattern");
    }
    struct ks_spec spec;
    struct ks_buf err = {0};
    /* Parsed once alone first: the kind checks come before the expansion's errors. */
    if (ks_spec_parse(pos[0], pid, regex ? KS_SPEC_REGEX : 0, &spec, &err) != 0)
        ks_usage_error_at(spec.text, spec.err_pos, err.s);
    ks_buf_free(&err);
    ks_spec_check_kind(&spec, with_return);
    ks_spec_free(&spec);
    ks_pattern_load(pos[0], pid, regex ? KS_SPEC_REGEX : 0, p);
    return ks_spec_probes(&p->spec, p->targets, p->n, 0, with_return, nprobes);
}

void ks_spec_check_kind(const struct ks_spec *s, bool with_return)
{
    if (with_return && s->kind != KS_SPEC_KFUNC && s->kind != KS_SPEC_UFUNC)
        ks_usage_error("only functions have returns: give [lib:]function, not a tracepoint "
                       "or USDT probe");
    if (s->ret)
        ks_usage_error("%s", with_return ? "the tool puts its own return probes: give the "
                                           "function (p), not r"
                                         : "the type must be p, t or u, not r");
}
