/* argdist: frequency counts (-C) and log2 histograms (-H) of expressions over function
 * arguments, return values and tracepoint fields (BCC's argdist). A specifier is
 *   {p,r,t,u}:{[library],category}:function(signature)[:type[,type...]:expr[,expr...]
 *   [:filter]][#label]
 * Probes come from ks_spec, expressions and filters from ks_expr (checked, rebuilt as C);
 * the tool writes the program's per-specifier blocks after bpfsrc/argdist.bpf.c. */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_expr.h"
#include "ks_hist.h"
#include "ks_maps.h"
#include "ks_record.h"
#include "ks_spec.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_argdist_bpf_c[];

#define MAX_SPECS 32
#define MAX_EXPRS 6
#define MAX_INCLUDES 8

struct spec {
    bool hist;
    const char *text;   /* as typed */
    char *label;        /* after '#', or NULL */
    char *probe;        /* the text before '#' */
    struct ks_pattern pat;
    bool is_default;    /* no expression given: BCC's "total calls" / "retval = " */
    int nexpr;
    char *expr_text[MAX_EXPRS];
    char *type[MAX_EXPRS];
    bool is_str[MAX_EXPRS], is_signed[MAX_EXPRS];
    int slot[MAX_EXPRS]; /* index into the key's numbers or strings */
    int nv, ns;
    struct ks_buf c_expr[MAX_EXPRS], c_filter;
    bool entry, comm;
};

static struct spec specs[MAX_SPECS];
static int nspecs;
static bool last_hist, any_kind;
static long opt_tid, opt_size = 80, opt_interval = 1, opt_number, opt_top;
static bool opt_cumulative;
static const char *includes[MAX_INCLUDES];
static int nincludes;

static bool add_spec(const char *arg, bool hist)
{
    if (nspecs == MAX_SPECS)
        return false;
    specs[nspecs].text = arg;
    specs[nspecs++].hist = hist;
    last_hist = hist;
    any_kind = true;
    return true;
}
static bool parse_hist(const char *arg, void *dest)
{
    (void)dest;
    return add_spec(arg, true);
}
static bool parse_count(const char *arg, void *dest)
{
    (void)dest;
    return add_spec(arg, false);
}
/* -I: a header name only ("linux/fs.h"): it becomes an #include line. */
static bool parse_include(const char *arg, void *dest)
{
    (void)dest;
    size_t n = strlen(arg);
    if (nincludes == MAX_INCLUDES || n < 3 || n > 128 || strcmp(arg + n - 2, ".h") ||
        strstr(arg, "..") || arg[0] == '/')
        return false;
    for (const char *c = arg; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("_-./", *c))
            return false;
    includes[nincludes++] = arg;
    return true;
}

static const struct ks_opt opts[] = {
    KS_LONG('t', "tid", "TID", "id of the thread to trace (optional)", &opt_tid, 1, 0x7fffffff),
    KS_LONG('z', "string-size", "STRING_SIZE",
            "maximum string size to read from char* arguments", &opt_size, 1, 256),
    KS_LONG('i', "interval", "INTERVAL", "output interval, in seconds (default 1)",
            &opt_interval, 1, 100000000),
    KS_LONG('n', "number", "COUNT", "number of outputs", &opt_number, 1, 1000000000),
    KS_FLAG('c', "cumulative", "do not clear histograms and freq counts at each interval",
            &opt_cumulative),
    KS_LONG('T', "top", "TOP", "number of top results to show (not applicable to histograms)",
            &opt_top, 1, 1000000000),
    KS_FUNC('H', "histogram", "specifier",
            "probe specifier to capture histogram of (see examples below)", NULL, parse_hist),
    KS_FUNC('C', "count", "specifier",
            "probe specifier to capture count of (see examples below)", NULL, parse_count),
    KS_FUNC('I', "include", "header",
            "additional header files to include in the BPF program as either full path, or "
            "relative to current working directory, or relative to default kernel header "
            "search path",
            NULL, parse_include),
    KS_OPT_END,
};

static struct ks_tool tool;

/* Split text at the separator outside parentheses, brackets and quotes. Returns the
 * number of parts; at[i], len[i] are each part's place in text. */
static int split(const char *text, char sep, size_t *at, size_t *len, int max)
{
    int n = 0, depth = 0;
    char quote = 0;
    size_t start = 0, i = 0;
    for (;; i++) {
        char c = text[i];
        if (quote) {
            if (c == '\\' && text[i + 1])
                i++;
            else if (c == quote)
                quote = 0;
            else if (!c)
                break;
            continue;
        }
        if (c == '"' || c == '\'')
            quote = c;
        else if (c == '(' || c == '[')
            depth++;
        else if ((c == ')' || c == ']') && depth)
            depth--;
        if (!c || (c == sep && !depth)) {
            if (n == max)
                return -1;
            at[n] = start;
            len[n] = i - start;
            n++;
            start = i + 1;
            if (!c)
                break;
        }
    }
    if (quote) {
        at[n] = start;
        len[n] = i - start;
        n++;
    }
    return n;
}

static char *trim_dup(const char *s, size_t n, size_t *lead)
{
    size_t a = 0;
    while (a < n && isspace((unsigned char)s[a]))
        a++;
    while (n > a && isspace((unsigned char)s[n - 1]))
        n--;
    if (lead)
        *lead = a;
    char *d = ks_xmalloc(n - a + 1);
    memcpy(d, s + a, n - a);
    d[n - a] = '\0';
    return d;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = ks_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static bool type_is_string(const char *t)
{
    return strstr(t, "char") && strchr(t, '*');
}
static bool type_is_signed(const char *t)
{
    if (strchr(t, '*') || strstr(t, "unsigned") || t[0] == 'u' || !strncmp(t, "__u", 3) ||
        !strcmp(t, "size_t") || !strcmp(t, "bool") || !strncmp(t, "const u", 7))
        return false;
    return true;
}

/* One specifier: its probe (ks_spec), types, expressions and filter (ks_expr). Errors
 * are usage errors with a caret under the place in what the user typed. */
static void parse_spec(struct spec *s, long pid)
{
    const char *text = s->text;
    const char *hash = strchr(text, '#');
    s->probe = hash ? trim_dup(text, (size_t)(hash - text), NULL) : ks_xstrdup(text);
    if (hash)
        s->label = ks_xstrdup(hash + 1);
    struct ks_spec sp;
    struct ks_buf err = {0};
    if (ks_spec_parse(s->probe, pid, KS_SPEC_REST, &sp, &err) != 0)
        ks_usage_error_at(text, sp.err_pos, err.s);
    bool ret = sp.ret;
    struct ks_expr_env env = {.ret = ret, .tracepoint = sp.kind == KS_SPEC_TP,
                              .usdt = sp.kind == KS_SPEC_USDT};
    if (sp.signature) {
        size_t pos = 0, base = (size_t)(strchr(s->probe, '(') - s->probe) + 1;
        if (ks_expr_signature(sp.signature, &env, &err, &pos) != 0)
            ks_usage_error_at(text, base + pos, err.s);
    }
    if (ret && sp.kind != KS_SPEC_KFUNC && sp.kind != KS_SPEC_UFUNC)
        ks_usage_error_at(text, 0, "invalid probe: r: is for functions");
    /* ":type[,type]:expr[,expr][:filter]" after the function. */
    size_t rest_at = (size_t)(sp.rest - s->probe);
    if (*sp.rest) {
        size_t at[4], len[4];
        int n = split(sp.rest + 1, ':', at, len, 3);
        if (n < 0)
            ks_usage_error_at(text, rest_at, "invalid specifier: at most type:expr:filter "
                                             "after the function (a filter has no ':')");
        if (n < 2)
            ks_usage_error_at(text, strlen(s->probe), "invalid specifier: a type needs an "
                                                      "expression (type:expr)");
        size_t tat[MAX_EXPRS], tlen[MAX_EXPRS], eat[MAX_EXPRS], elen[MAX_EXPRS];
        const char *types = sp.rest + 1 + at[0], *exprs = sp.rest + 1 + at[1];
        char *tcopy = dup_n(types, len[0]), *ecopy = dup_n(exprs, len[1]);
        int nt = split(tcopy, ',', tat, tlen, MAX_EXPRS);
        int ne = split(ecopy, ',', eat, elen, MAX_EXPRS);
        if (nt < 0 || ne < 0)
            ks_usage_error_at(text, rest_at + 1 + at[nt < 0 ? 0 : 1],
                              "invalid specifier: at most 6 expressions");
        if (nt != ne)
            ks_usage_error_at(text, rest_at + 1 + at[1], "invalid specifier: one type per "
                                                         "expression");
        s->nexpr = ne;
        for (int k = 0; k < ne; k++) {
            size_t lead;
            s->type[k] = trim_dup(tcopy + tat[k], tlen[k], NULL);
            s->expr_text[k] = trim_dup(ecopy + eat[k], elen[k], &lead);
            if (!ks_expr_type_ok(s->type[k]))
                ks_usage_error_at(text, rest_at + 1 + at[0] + tat[k],
                                  "invalid type: a C type (int, u64, size_t, char *, struct "
                                  "file *...)");
            struct ks_expr_uses u;
            size_t pos = 0;
            if (ks_expr_compile(s->expr_text[k], "expression", &env, &s->c_expr[k], &u, &err,
                                &pos) != 0)
                ks_usage_error_at(text, rest_at + 1 + at[1] + eat[k] + lead + pos, err.s);
            if (u.streq)
                ks_usage_error_at(text, rest_at + 1 + at[1] + eat[k] + lead,
                                  "invalid expression: STRCMP is trace's; argdist counts "
                                  "strings as keys");
            s->entry |= u.latency || u.entry_params;
            s->comm |= u.comm;
        }
        free(tcopy);
        free(ecopy);
        if (n == 3) {
            size_t lead;
            char *f = trim_dup(sp.rest + 1 + at[2], len[2], &lead);
            struct ks_expr_uses u;
            size_t pos = 0;
            if (ks_expr_compile(f, "filter", &env, &s->c_filter, &u, &err, &pos) != 0)
                ks_usage_error_at(text, rest_at + 1 + at[2] + lead + pos, err.s);
            if (u.streq)
                ks_usage_error_at(text, rest_at + 1 + at[2] + lead,
                                  "invalid filter: STRCMP is trace's (use ==)");
            s->entry |= u.latency || u.entry_params;
            s->comm |= u.comm;
            free(f);
        }
    } else {
        /* BCC's defaults: count the calls, or the return values. */
        s->is_default = true;
        s->nexpr = 1;
        s->type[0] = ks_xstrdup(ret ? "int" : "u64");
        s->expr_text[0] = ks_xstrdup(ret ? "$retval" : "1");
        ks_expr_compile(s->expr_text[0], "expression", &env, &s->c_expr[0], NULL, &err, NULL);
    }
    for (int k = 0; k < s->nexpr; k++) {
        s->is_str[k] = type_is_string(s->type[k]);
        s->is_signed[k] = type_is_signed(s->type[k]);
        s->slot[k] = s->is_str[k] ? s->ns++ : s->nv++;
    }
    if (s->hist && (s->nexpr != 1 || s->is_str[0]))
        ks_usage_error_at(text, rest_at, "invalid specifier: a histogram takes one number "
                                         "(one expression of an integer type)");
    ks_spec_free(&sp);
    ks_buf_free(&err);
    ks_expr_env_free(&env); /* the expressions are C text by now */
}

/* The C of specifier i's function: filter, key, count. */
static void write_spec(struct ks_buf *b, int i, const struct spec *s)
{
    ks_buf_printf(b, "\n/* %s %s */\n", s->hist ? "-H" : "-C", s->text);
    ks_buf_printf(b, "struct key_%d {\n    u64 v[%d];\n", i, s->nv);
    if (s->ns)
        ks_buf_printf(b, "    char str[%d][STRING_SIZE];\n", s->ns);
    ks_buf_add(b, "};\n");
    if (s->hist)
        ks_buf_printf(b, "BPF_HISTOGRAM(dist_%d, u64, 65);\n", i);
    else
        ks_buf_printf(b, "BPF_HASH(counts_%d, struct key_%d, u64, MAX_ENTRIES);\n", i, i);
    if (s->entry)
        ks_buf_printf(b, "KS_STATE_MAP(entry_%d, u32, struct entry_data, MAX_ENTRIES);\n", i);
}

/* Specifier i's work, as statements: leave is how it stops early ("return 0" in its own
 * function; "break" inside a tracepoint's program, where several specifiers share one). */
static void write_body(struct ks_buf *b, int i, const struct spec *s, const char *leave)
{
    ks_buf_printf(b, "    u64 __id = bpf_get_current_pid_tgid();\n"
                     "    if (!wanted(__id))\n        %s;\n", leave);
    if (s->entry) {
        ks_buf_printf(b, "    u32 __tid = (u32)__id;\n"
                         "    struct entry_data *__e = entry_%d.lookup(&__tid);\n"
                         "    if (!__e)\n        return 0; /* entered before attaching */\n"
                         "    u64 __latency = bpf_ktime_get_ns() - __e->ts;\n",
                      i);
        for (int k = 0; k < 6; k++)
            ks_buf_printf(b, "    u64 __entry_%d = __e->args[%d];\n", k, k);
        ks_buf_printf(b, "    entry_%d.delete(&__tid);\n", i);
    }
    if (s->comm)
        ks_buf_add(b, "    char __comm[16] = {};\n"
                      "    bpf_get_current_comm(__comm, sizeof(__comm));\n");
    if (s->c_filter.len)
        ks_buf_printf(b, "    if (!%s)\n        %s;\n", s->c_filter.s, leave);
    ks_buf_printf(b, "    struct key_%d __k = {};\n", i);
    for (int k = 0; k < s->nexpr; k++) {
        if (s->is_str[k])
            ks_buf_printf(b, "    ks_read_string(__k.str[%d], STRING_SIZE, (const void *)%s);\n",
                          s->slot[k], s->c_expr[k].s);
        else
            ks_buf_printf(b, "    __k.v[%d] = (u64)(%s)%s;\n", s->slot[k], s->type[k],
                          s->c_expr[k].s);
    }
    if (s->hist)
        ks_buf_printf(b, "    dist_%d.increment(bpf_log2l(__k.v[0]));\n", i);
    else
        ks_buf_printf(b, "    counts_%d.increment(__k);\n", i);
}

static struct ks_buf program;
#define MAX_TP 256
static const char *tp_name[MAX_TP];
static uint32_t tp_specs[MAX_TP]; /* bit i: specifier i */
static int ntp;

static void configure(struct ks_run *r)
{
    /* BCC's -H and -C take several specifiers each: the ones after the options go with
     * the last of -H/-C given. */
    for (int k = 0; k < r->opt.npos; k++) {
        if (!any_kind)
            ks_usage_error("%s: a specifier goes after -C or -H", ks_q(r->opt.pos[k]));
        if (!add_spec(r->opt.pos[k], last_hist))
            ks_usage_error("at most %d specifiers", MAX_SPECS);
    }
    if (!nspecs) {
        if (r->opt.check) {
            tool.probes = ks_spec_check_probes(&tool.nprobes);
            tool.bpf_source = "";
            return;
        }
        ks_usage_error("at least one specifier is required (-C or -H)");
    }
    int ntargets = 0;
    ks_buf_add(&program, "");
    for (int i = 0; i < nspecs; i++) {
        struct spec *s = &specs[i];
        parse_spec(s, r->opt.pid);
        ks_pattern_load(s->probe, r->opt.pid, KS_SPEC_REST, &s->pat);
        struct ks_spec sp = s->pat.spec;
        write_spec(&program, i, s);
        if (sp.kind != KS_SPEC_TP) {
            ks_buf_printf(&program,
                          "static __always_inline int spec_%d(struct pt_regs *ctx)\n{\n", i);
            write_body(&program, i, s, "return 0");
            ks_buf_add(&program, "    return 0;\n}\n");
        }
        /* The probes: entry probes first when a return probe needs them. */
        bool both = sp.ret && s->entry;
        if (both)
            sp.ret = false;
        int np;
        struct ks_probe *p = ks_spec_probes(&sp, s->pat.targets, s->pat.n, ntargets, both, &np);
        for (int t = 0; t < s->pat.n; t++) {
            int n = ntargets + t;
            if (sp.kind == KS_SPEC_TP) {
                /* One program per tracepoint, for every specifier on it. */
                const char *name = s->pat.targets[t].name;
                int e = 0;
                while (e < ntp && strcmp(tp_name[e], name))
                    e++;
                if (e == ntp) {
                    if (ntp == MAX_TP)
                        ks_usage_error("at most %d tracepoints in all", MAX_TP);
                    tp_name[ntp++] = name;
                    const char *colon = strchr(name, ':');
                    struct ks_buf fn = {0};
                    ks_buf_printf(&fn, "tracepoint__%.*s__%s", (int)(colon - name), name,
                                  colon + 1);
                    free((char *)p[t].func);
                    p[t].func = fn.s; /* TRACEPOINT_PROBE's name; kept for the run */
                } else {
                    free((char *)p[t].name); /* attached already: dropped below */
                    free((char *)p[t].func);
                    p[t].name = p[t].func = NULL;
                }
                tp_specs[e] |= 1u << i;
            } else if (both) {
                ks_buf_printf(&program,
                              "int probe_%d(struct pt_regs *ctx)\n{\n"
                              "    u64 id = bpf_get_current_pid_tgid();\n"
                              "    if (!wanted(id))\n        return 0;\n"
                              "    u32 tid = (u32)id;\n"
                              "    struct entry_data e = {};\n"
                              "    entry_fill(ctx, &e);\n"
                              "    entry_%d.update(&tid, &e);\n    return 0;\n}\n"
                              "int retprobe_%d(struct pt_regs *ctx)\n{\n"
                              "    return spec_%d(ctx);\n}\n",
                              n, i, n, i);
            } else {
                ks_buf_printf(&program,
                              "int probe_%d(struct pt_regs *ctx)\n{\n"
                              "    return spec_%d(ctx);\n}\n",
                              n, i);
            }
        }
        int kept = 0;
        for (int k = 0; k < np; k++)
            if (p[k].name)
                p[kept++] = p[k];
        ks_probes_append(&tool.probes, &tool.nprobes, p, kept);
        ntargets += s->pat.n;
    }
    for (int e = 0; e < ntp; e++) {
        const char *colon = strchr(tp_name[e], ':');
        ks_buf_printf(&program, "\nTRACEPOINT_PROBE(%.*s, %s)\n{\n",
                      (int)(colon - tp_name[e]), tp_name[e], colon + 1);
        for (int i = 0; i < nspecs; i++) {
            if (!(tp_specs[e] & (1u << i)))
                continue;
            ks_buf_printf(&program, "  do { /* %s */\n", specs[i].text);
            write_body(&program, i, &specs[i], "break");
            ks_buf_add(&program, "  } while (0);\n");
        }
        ks_buf_add(&program, "    return 0;\n}\n");
    }
    tool.bpf_source = program.s;
    ks_define(r, "STRING_SIZE", opt_size, "bytes of a string value (-z)");
    ks_define(r, "MAX_ENTRIES", 10240, "distinct keys kept per specifier");
    if (r->opt.pid >= 0)
        ks_define(r, "TGID", r->opt.pid, "-p");
    if (opt_tid)
        ks_define(r, "TID", opt_tid, "-t");
    for (int k = 0; k < nincludes; k++)
        ks_buf_printf(&r->defines, "#include <%s> /* -I */\n", includes[k]);
    r->opt.interval = opt_interval;
    if (opt_number)
        r->opt.count = opt_number;
}

/* A value of the key as BCC prints it: numbers by their type's sign, strings as read. */
static void value_str(struct ks_buf *b, const struct spec *s, int k, const unsigned char *key,
                      unsigned nv)
{
    if (s->is_str[k]) {
        const char *str = (const char *)key + nv * 8 + (size_t)s->slot[k] * opt_size;
        ks_buf_addn(b, str, strnlen(str, (size_t)opt_size));
        return;
    }
    uint64_t v;
    memcpy(&v, key + s->slot[k] * 8, 8);
    if (s->is_signed[k])
        ks_buf_printf(b, "%" PRId64, (int64_t)v);
    else
        ks_buf_printf(b, "%" PRIu64, v);
}

/* BCC: "\t%-10s %s" COUNT EVENT; EVENT is "expr = value, ..." ("total calls" without an
 * expression, "retval = N" for r: without one). */
enum { F_COUNT, F_EVENT, NF };
static const struct ks_field fields[NF] = {
    [F_COUNT] = {.json = "count", .type = KS_T_UINT, .header = "COUNT", .hfmt = "\t%-10s ",
                 .fmt = "\t%-10u "},
    [F_EVENT] = {.json = "event", .type = KS_T_STR, .header = "EVENT", .hfmt = "%s",
                 .fmt = "%s"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

struct row {
    const unsigned char *key;
    uint64_t value;
};
static unsigned row_key_size;
/* Ascending by count, the largest last (BCC's order); ties by key, so runs agree. */
static int cmp_rows(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return memcmp(x->key, y->key, row_key_size);
}

static void show_counts(struct ks_run *r, int i, const struct spec *s)
{
    char name[32];
    snprintf(name, sizeof(name), "counts_%d", i);
    const struct ks_map_def *m = ks_map_def(r, name);
    int fd = ks_map_fd(r, name);
    void *keys = NULL, *vals = NULL;
    size_t n;
    unsigned ks = m->key_size, stride = ks + 8;
    unsigned char *packed = NULL;
    if (opt_cumulative) {
        n = ks_map_dump(fd, ks, 8, &keys, &vals);
        packed = ks_xmalloc(n * stride + 1);
        for (size_t j = 0; j < n; j++) {
            memcpy(packed + j * stride, (char *)keys + j * ks, ks);
            memcpy(packed + j * stride + ks, (char *)vals + j * 8, 8);
        }
        free(keys);
        free(vals);
    } else {
        n = ks_map_drain(fd, ks, 8, (void **)&packed);
    }
    struct row *rows = ks_xcalloc(n + 1, sizeof(*rows));
    for (size_t j = 0; j < n; j++) {
        rows[j].key = packed + j * stride;
        memcpy(&rows[j].value, packed + j * stride + ks, 8);
    }
    row_key_size = ks;
    qsort(rows, n, sizeof(*rows), cmp_rows);
    size_t first = opt_top && n > (size_t)opt_top ? n - (size_t)opt_top : 0;
    ks_textf("%s\n", s->label ? s->label : s->text);
    ks_table_begin(&rec, "event");
    for (size_t j = first; j < n; j++) {
        struct ks_buf ev = {0};
        if (s->is_default && !s->pat.spec.ret) {
            ks_buf_add(&ev, "total calls");
        } else if (s->is_default) {
            ks_buf_add(&ev, "retval = ");
            value_str(&ev, s, 0, rows[j].key, (unsigned)s->nv);
        } else {
            for (int k = 0; k < s->nexpr; k++) {
                ks_buf_printf(&ev, "%s%s = ", k ? ", " : "", s->expr_text[k]);
                value_str(&ev, s, k, rows[j].key, (unsigned)s->nv);
            }
        }
        struct ks_val v[NF] = {[F_COUNT] = KS_U(rows[j].value), [F_EVENT] = KS_S(ev.s)};
        ks_record_emit(&rec, v);
        ks_buf_free(&ev);
    }
    ks_table_end();
    free(rows);
    free(packed);
}

static void show_hist(struct ks_run *r, int i, const struct spec *s)
{
    char name[32];
    snprintf(name, sizeof(name), "dist_%d", i);
    const struct ks_map_def *m = ks_map_def(r, name);
    struct ks_hist_section *sec = NULL;
    int n = ks_hist_collect(ks_map_fd(r, name), m->key_size, !opt_cumulative, &sec);
    uint64_t vals[KS_LOG2_SLOTS] = {0};
    for (int j = 0; j < n; j++)
        for (int k = 0; k < KS_LOG2_SLOTS; k++)
            vals[k] += sec[j].vals[k];
    free(sec);
    /* BCC: the label, else the expression ("retval" without one), as the unit. */
    ks_hist_begin(s->label ? s->label : s->is_default ? "retval" : s->expr_text[0], NULL);
    ks_hist_emit("", vals, KS_LOG2_SLOTS);
    ks_hist_end();
}

static void on_interval(struct ks_run *r)
{
    char t[16];
    ks_textf("[%s]\n", ks_time_str(t, sizeof(t), "%H:%M:%S"));
    for (int i = 0; i < nspecs; i++) {
        ks_interval_begin();
        if (ks_out_json())
            ks_json_str(ks_out_writer(), "specifier", specs[i].label ? specs[i].label
                                                                       : specs[i].text);
        if (specs[i].hist)
            show_hist(r, i, &specs[i]);
        else
            show_counts(r, i, &specs[i]);
        ks_interval_end();
    }
}

static void on_start(struct ks_run *r)
{
    (void)r;
    /* BCC prints nothing until the first interval: -v says when tracing has started. */
    ks_info("ready: tracing %d specifiers", nspecs);
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "argdist",
            .description = "Trace a function and display a summary of its parameter values",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION,
            .json = true,
            .pos_name = "specifier",
            .pos_help = "more specifiers for the last -C or -H given",
            .pos_synopsis = "[specifier ...]",
            .examples =
                "    argdist -H 'p::__kmalloc(u64 size):u64:size'\n"
                "        Print a histogram of allocation sizes passed to kmalloc\n"
                "    argdist -p 1005 -C 'p:c:malloc(size_t size):size_t:size:size==16'\n"
                "        Print a frequency count of how many times process 1005 called malloc "
                "with an allocation size of 16 bytes\n"
                "    argdist -C 'r:c:gets():char*:(char*)$retval#snooped strings'\n"
                "        Snoop on all strings returned by gets()\n"
                "    argdist -H 'r::__kmalloc(size_t size):u64:$latency/$entry(size)#ns per "
                "byte'\n"
                "        Print a histogram of nanoseconds per byte from kmalloc allocations\n"
                "    argdist -p 1005 -C 'p:c:write(int fd):int:fd' -T 5\n"
                "        Print frequency counts of how many times writes were issued to a "
                "particular file descriptor number, in process 1005, but only show the top "
                "5 busiest fds\n"
                "    argdist -p 1005 -H 'r:c:read()'\n"
                "        Print a histogram of results (sizes) returned by read() in process "
                "1005\n"
                "    argdist -C 'r::__vfs_read():u32:$PID:$latency > 100000'\n"
                "        Print frequency of reads by process where the latency was >0.1ms\n"
                "    argdist -C 'p:c:fork()#fork calls'\n"
                "        Count fork() calls in libc across all processes\n"
                "    argdist -C 't:irq:irq_handler_entry():int:args->irq'\n"
                "        Aggregate interrupts by interrupt request (IRQ)\n"
                "    argdist -H 'p:c:sleep(u32 seconds):u32:seconds' "
                "'p:c:nanosleep(struct timespec *req):long:req->tv_nsec'\n"
                "        Print histograms of sleep() and nanosleep() parameter values\n",
        },
    .bpf_lib = ks_bpfsrc_argdist_bpf_c,
    .bpf_lib_name = "argdist.bpf.c",
    .bpf_name = "argdist.bpf.c: the specifiers' blocks, written by the tool",
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
