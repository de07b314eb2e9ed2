/* trace: print a line per event of the probes the user names, each with an optional filter
 * and a printf-style message (BCC's trace):
 *
 *   [p|r|t|u]:[lib]:func[(signature)] [(filter)] ["format", arguments...]
 *
 * The probe part is ks_spec's grammar; the filter and the arguments are C expressions read
 * by ks_expr (nothing else gets into the program); the format is read here and applied by
 * this process to the values the program sends. */
#define _GNU_SOURCE
#include <ctype.h>
#include <linux/types.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bpfsrc/trace.h"
#include "ks_expr.h"
#include "ks_ksyms.h"
#include "ks_record.h"
#include "ks_spec.h"
#include "ks_stack.h"
#include "ks_sys.h"
#include "ks_tool.h"
#include "ks_uprobe.h"
#include "ks_usyms.h"

extern const char ks_bpfsrc_trace_bpf_c[], ks_bpfsrc_trace_h[];

static bool opt_self, opt_ts, opt_unix, opt_time, opt_cpu, opt_kstack, opt_ustack, opt_addr,
    opt_aggregate;
static long opt_tid = -1, opt_uid = -1, opt_strsize = 80, opt_max;
static const char *opt_name, *opt_msg, *opt_include;

static const struct ks_opt opts[] = {
    KS_LONG('L', "tid", "TID", "id of the thread to trace (optional)", &opt_tid, 0, 0x7fffffff),
    KS_LONG(0, "uid", "UID", "id of the user to trace (optional)", &opt_uid, 0, 0xfffffffe),
    KS_LONG('Z', "string-size", "STRING_SIZE", "maximum size to read from strings", &opt_strsize, 1,
            1024),
    KS_FLAG('S', "include-self", "do not filter trace's own pid from the trace", &opt_self),
    KS_LONG('M', "max-events", "MAX_EVENTS", "number of events to print before quitting", &opt_max,
            1, 0x7fffffff),
    KS_FLAG('t', "timestamp", "print timestamp column (offset from trace start)", &opt_ts),
    KS_FLAG('u', "unix-timestamp",
            "print UNIX timestamp instead of offset from trace start, requires -t", &opt_unix),
    KS_FLAG('T', "time", "print time column", &opt_time),
    KS_FLAG('C', "print_cpu", "print CPU id", &opt_cpu),
    KS_STR('n', "name", "NAME", "only print process names containing this name", &opt_name),
    KS_STR('f', "msg-filter", "MSG_FILTER", "only print the msg of event containing this string",
           &opt_msg),
    KS_FLAG('K', "kernel-stack", "output kernel stack trace", &opt_kstack),
    KS_FLAG('U', "user-stack", "output user stack trace", &opt_ustack),
    KS_FLAG('a', "address", "print virtual address in stacks", &opt_addr),
    KS_STR('I', "include", "HEADER",
           "not supported: kscope puts no user text into the program (BCC: additional header "
           "files)",
           &opt_include),
    KS_FLAG('A', "aggregate", "aggregate amount of each trace", &opt_aggregate),
    KS_OPT_END,
};

/* One conversion of a format: the text before it, and how to print its value. */
struct conv {
    char spec[16]; /* the printf conversion rebuilt ("%-5lld", "%s") */
    char type;     /* 'd' signed, 'u' unsigned, 'c', 's', 'K' kernel symbol, 'U' user symbol */
    int bits;      /* d/u/x: the C type's width in BCC (int 32, short 16, long 64) */
};

struct tprobe {
    const char *raw;
    struct ks_spec spec;
    struct ks_spec_target *t;
    int nt;
    char *fmt; /* the format text, NULL: none */
    int nconv;
    struct conv conv[TRACE_MAX_VALUES];
    size_t lit_at[TRACE_MAX_VALUES + 1], lit_len[TRACE_MAX_VALUES + 1]; /* literal pieces */
};

static struct tprobe *tp;
static int ntp;
/* Each program's target: its probe on the command line and its name (FUNC). */
static struct target {
    int probe;
    const char *name;
} * targets;
static int ntargets;
static bool all_trivial = true;
static struct ks_tool tool;

/* The end of the string literal starting at s[i] (its closing quote), or 0. */
static size_t skip_quoted(const char *s, size_t i)
{
    char q = s[i];
    for (i++; s[i] && s[i] != q; i++)
        if (s[i] == '\\' && s[i + 1]) i++;
    return s[i] ? i : 0;
}

/* Compile one expression of probe text raw, at [at, at+len), into out. */
static void compile_at(const char *raw, size_t at, size_t len, const char *what,
                       const struct ks_expr_env *env, struct ks_buf *out, struct ks_expr_uses *uses)
{
    char *text = ks_xmalloc(len + 1);
    memcpy(text, raw + at, len);
    text[len] = '\0';
    struct ks_buf err = {0};
    size_t pos = 0;
    /* text is freed before an error exits: the error points into raw. */
    int rc = ks_expr_compile(text, what, env, out, uses, &err, &pos);
    free(text);
    if (rc != 0)
        ks_usage_error_at(raw, at + pos, err.s);
    if (uses->latency || uses->entry_params || uses->comm)
        ks_usage_error_at(raw, at,
                          "$latency, $entry() and $COMM are argdist's: trace has "
                          "retval, $pid, $tgid, $uid, $gid, $cpu (and -n for names)");
}

/* The format: literal text and conversions %[flags][width][.prec][h|l|ll](d|u|x|c|s|K|U). */
static void parse_format(struct tprobe *p, size_t at)
{
    const char *f = p->fmt;
    size_t lit = 0;
    p->nconv = 0;
    for (size_t i = 0; f[i];) {
        if (f[i] != '%') {
            i++;
            continue;
        }
        if (f[i + 1] == '%') {
            i += 2;
            continue;
        }
        size_t start = i++;
        char flags[8] = "", width[8] = "";
        size_t nf = 0, nw = 0;
        while (strchr("-+ 0#", f[i]) && f[i] && nf < 4)
            flags[nf++] = f[i++];
        while (isdigit((unsigned char)f[i]) && nw < 3)
            width[nw++] = f[i++];
        flags[nf] = width[nw] = '\0';
        int len = 0; /* 0 none, 1 h, 2 l, 3 ll */
        if (f[i] == 'h')
            len = 1, i++;
        else if (f[i] == 'l' && f[i + 1] == 'l')
            len = 3, i += 2;
        else if (f[i] == 'l')
            len = 2, i++;
        char c = f[i];
        bool ok =
            c && strchr("dusxcKU", c) && (len == 0 || strchr("dux", c)) && !(len == 1 && c == 'x');
        if (!ok)
            ks_usage_error_at(p->raw, at + i,
                              "unknown conversion in the format (known: %s %d %u %x with h, "
                              "l or ll, %c %K %U; %% for a percent sign)");
        if (p->nconv == TRACE_MAX_VALUES)
            ks_usage_error_at(p->raw, at + start, "at most 6 conversions in a format");
        struct conv *cv = &p->conv[p->nconv];
        cv->type = c == 'x' ? 'x' : c;
        cv->bits = len == 1 ? 16 : len >= 2 ? 64 : 32;
        const char *cc = c == 'c'                             ? "c"
                         : (c == 's' || c == 'K' || c == 'U') ? "s"
                         : c == 'd'                           ? "lld"
                         : c == 'u'                           ? "llu"
                                                              : "llx";
        snprintf(cv->spec, sizeof(cv->spec), "%%%s%s%s", flags, width, cc);
        p->lit_at[p->nconv] = lit;
        p->lit_len[p->nconv] = start - lit;
        p->nconv++;
        i++;
        lit = i;
    }
    p->lit_at[p->nconv] = lit;
    p->lit_len[p->nconv] = strlen(f) - lit;
}

/* Split "probe [(filter)] ["format", args...]" and write the program's parts for probe i. */
static void parse_probe(struct ks_run *r, int i, struct ks_buf *values, struct ks_buf *filter)
{
    struct tprobe *p = &tp[i];
    const char *raw = p->raw;
    /* The probe specifier ends at a blank or at its signature's ')'. */
    size_t e = strcspn(raw, " \t(");
    if (raw[e] == '(') {
        const char *close = strchr(raw + e, ')');
        if (!close || memchr(raw + e + 1, '(', (size_t)(close - raw - e - 1)))
            ks_usage_error_at(raw, e, "invalid probe: a signature is (type name, ...)");
        e = (size_t)(close - raw) + 1;
    }
    char *spec = ks_xmalloc(e + 1);
    memcpy(spec, raw, e);
    spec[e] = '\0';
    struct ks_buf err = {0};
    if (ks_spec_parse(spec, r->opt.pid, 0, &p->spec, &err) != 0)
        ks_usage_error_at(raw, p->spec.err_pos, err.s);
    struct ks_expr_env env = {.ret = p->spec.ret,
                              .tracepoint = p->spec.kind == KS_SPEC_TP,
                              .usdt = p->spec.kind == KS_SPEC_USDT,
                              .usdt_args = p->spec.kind == KS_SPEC_USDT,
                              .trace = true};
    if (p->spec.signature) {
        size_t pos = 0, sig_at = strchr(raw, '(') - raw + 1;
        if (ks_expr_signature(p->spec.signature, &env, &err, &pos) != 0)
            ks_usage_error_at(raw, sig_at + pos, err.s);
    }
    /* The filter: balanced parentheses (quotes respected). */
    size_t k = e + strspn(raw + e, " \t");
    struct ks_expr_uses uses;
    if (raw[k] == '(') {
        int depth = 0;
        size_t j = k;
        for (; raw[j]; j++) {
            if (raw[j] == '"' || raw[j] == '\'') {
                size_t q = skip_quoted(raw, j);
                if (!q) break;
                j = q;
            } else if (raw[j] == '(') {
                depth++;
            } else if (raw[j] == ')' && --depth == 0) {
                break;
            }
        }
        if (raw[j] != ')')
            ks_usage_error_at(raw, k, "invalid filter: unmatched '(' (the filter is (expression))");
        compile_at(raw, k + 1, j - k - 1, "filter", &env, filter, &uses);
        k = j + 1 + strspn(raw + j + 1, " \t");
    } else {
        ks_buf_add(filter, "(1)");
    }
    /* The message: "format" then the arguments, separated by commas. */
    ks_buf_printf(values, "#define TRACE_VALUES_%d(I, S)", i);
    if (raw[k]) {
        if (raw[k] != '"')
            ks_usage_error_at(raw, k, "expected a format string in double quotes (\"...\")");
        const char *close = strchr(raw + k + 1, '"');
        if (!close) ks_usage_error_at(raw, k, "unterminated format string");
        size_t fend = (size_t)(close - raw);
        p->fmt = ks_xmalloc(fend - k);
        memcpy(p->fmt, raw + k + 1, fend - k - 1);
        p->fmt[fend - k - 1] = '\0';
        parse_format(p, k + 1);
        all_trivial = false;
        size_t j = fend + 1 + strspn(raw + fend + 1, " \t");
        int nargs = 0;
        if (raw[j] && raw[j] != ',')
            ks_usage_error_at(raw, j, "expected ',' and the format's arguments");
        while (raw[j] == ',') {
            size_t a = j + 1, b = a;
            int depth = 0;
            for (; raw[b] && (depth || raw[b] != ','); b++) {
                if (raw[b] == '"' || raw[b] == '\'') {
                    size_t q = skip_quoted(raw, b);
                    if (!q) break;
                    b = q;
                } else if (raw[b] == '(' || raw[b] == '[') {
                    depth++;
                } else if ((raw[b] == ')' || raw[b] == ']') && depth) {
                    depth--;
                }
            }
            if (nargs == p->nconv)
                ks_usage_error_at(raw, a, "more arguments than the format has conversions");
            struct ks_buf c = {0};
            compile_at(raw, a, b - a, "argument", &env, &c, &uses);
            char t = p->conv[nargs].type;
            ks_buf_printf(values, " %s(%d, %s)", t == 's' ? "S" : "I", nargs, c.s);
            ks_buf_free(&c);
            nargs++;
            j = b; /* at the next ',' or the end */
        }
        if (nargs < p->nconv)
            ks_usage_error_at(raw, strlen(raw), "fewer arguments than the format has conversions");
    }
    ks_buf_add(values, "\n");
    ks_buf_free(&err);
    ks_expr_env_free(&env);
    /* spec stays: p->spec.text points into it */
}

static void configure(struct ks_run *r)
{
    if (opt_include)
        ks_usage_error("-I is not supported: kscope never puts user text into the BPF program; "
                       "use casts to known types and args->field instead");
    if (opt_unix && !opt_ts) ks_usage_error("-u needs -t (a UNIX timestamp instead of the offset)");
    if (opt_aggregate && r->opt.json)
        ks_usage_error("-A prints text counts; it does not go with --json");
    if (r->opt.check && !r->opt.npos) {
        tool.probes = ks_spec_check_probes(&tool.nprobes);
        return;
    }
    if (!r->opt.npos) ks_usage_error("the following arguments are required: probe");
    ntp = r->opt.npos;
    tp = ks_xcalloc((size_t)ntp, sizeof(*tp));
    struct ks_buf list = {0}, values = {0};
    ks_buf_add(&list, "#define TRACE_PROBE_LIST(KP, TP)");
    struct ks_probe *all = NULL;
    int nall = 0;
    for (int i = 0; i < ntp; i++) {
        tp[i].raw = r->opt.pos[i];
        struct ks_buf filter = {0};
        parse_probe(r, i, &values, &filter);
        ks_buf_printf(&values, "#define TRACE_FILTER_%d %s\n", i, filter.s);
        ks_buf_free(&filter);
        struct ks_buf err = {0};
        tp[i].nt = ks_spec_expand(&tp[i].spec, false, r->opt.pid, &tp[i].t, &err);
        if (tp[i].nt < 0) {
            ks_err("%s", err.s);
            exit(1);
        }
        ks_buf_free(&err);
        int np = 0;
        struct ks_probe *p = ks_spec_probes(&tp[i].spec, tp[i].t, tp[i].nt, nall, false, &np);
        all = ks_xrealloc(all, (size_t)(nall + np + 1) * sizeof(*all));
        memcpy(all + nall, p, (size_t)np * sizeof(*p));
        free(p); /* the copies keep its names */
        targets = ks_xrealloc(targets, (size_t)(nall + tp[i].nt) * sizeof(*targets));
        for (int j = 0; j < tp[i].nt; j++) {
            /* BCC's FUNC: the function, the USDT probe, the tracepoint's event. */
            const char *tn = tp[i].t[j].name, *colon = strchr(tn, ':');
            targets[nall + j] = (struct target){i, tp[i].spec.kind == KS_SPEC_TP ? colon + 1 : tn};
            ntargets = nall + j + 1;
            /* USDT: this site's arguments, as its note says where they are. */
            ks_buf_printf(&values, "#define TRACE_USDT_ARGS_%d", nall + j);
            for (int a = 1; tp[i].spec.kind == KS_SPEC_USDT && a <= 6; a++) {
                struct ks_buf c = {0}, why = {0};
                if (!ks_usdt_arg_c(tp[i].t[j].usdt_args, a, &c, &why)) ks_buf_add(&c, "0");
                ks_buf_printf(&values, " s64 __usdt_arg%d = %s;", a, c.s);
                ks_buf_free(&c);
                ks_buf_free(&why);
            }
            ks_buf_add(&values, "\n");
            if (tp[i].spec.kind != KS_SPEC_TP) {
                ks_buf_printf(&list, " KP(%d, %d)", nall + j, i);
                continue;
            }
            /* One program per tracepoint: libbcc declares its struct once per program. */
            for (int q = 0; q < nall + j; q++)
                if (all[q].tp && !strcmp(all[q].tp, tp[i].t[j].name))
                    ks_usage_error("tracepoint %s is named twice: give it once", tp[i].t[j].name);
            ks_buf_printf(&list, " TP(%d, %d, tracepoint__%.*s__%s)", nall + j, i,
                          (int)(colon - tn), tn, colon + 1);
        }
        nall += np;
    }
    ks_buf_add(&list, "\n");
    tool.probes = all;
    tool.nprobes = nall;
    ks_define(r, "STRING_SIZE", opt_strsize, "-Z: bytes read of each string");
    ks_buf_add(&r->defines, list.s);
    ks_buf_add(&r->defines, values.s);
    ks_buf_free(&list);
    ks_buf_free(&values);
    if (r->opt.pid >= 0) ks_define(r, "TGID", r->opt.pid, "-p: this process only");
    if (opt_tid >= 0) ks_define(r, "TID", opt_tid, "-L: this thread only");
    if (opt_uid >= 0) ks_define(r, "UID", opt_uid, "--uid: this user only");
    if (opt_kstack) ks_define(r, "KERNEL_STACK", 1, "-K");
    if (opt_ustack) ks_define(r, "USER_STACK", 1, "-U");
}

/* BCC's columns: [TIME] [CPU] PID TID COMM FUNC message. */
static char time_hfmt[8] = "%-8s ", time_fmt[8] = "%-8s ";
static bool time_on;
enum { F_TIME, F_CPU, F_PID, F_TID, F_COMM, F_FUNC, F_MSG, F_KSTACK, F_USTACK, NF };
static struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time",
                .type = KS_T_STR,
                .header = "TIME",
                .hfmt = time_hfmt,
                .fmt = time_fmt,
                .on = &time_on},
    [F_CPU] = {.json = "cpu",
               .type = KS_T_UINT,
               .header = "CPU",
               .hfmt = "%-3s ",
               .fmt = "%-3u ",
               .on = &opt_cpu},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ", .fmt = "%-7u "},
    [F_TID] = {.json = "tid", .type = KS_T_UINT, .header = "TID", .hfmt = "%-7s ", .fmt = "%-7u "},
    [F_COMM] =
        {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-15s ", .fmt = "%-15s "},
    [F_FUNC] =
        {.json = "func", .type = KS_T_STR, .header = "FUNC", .hfmt = "%-16s ", .fmt = "%-16s "},
    [F_MSG] = {.json = "msg", .type = KS_T_STR, .header = "-", .hfmt = "%s", .fmt = "%s"},
    [F_KSTACK] = {.json = "kernel_stack", .type = KS_T_STRV, .on = &opt_kstack},
    [F_USTACK] = {.json = "user_stack", .type = KS_T_STRV, .on = &opt_ustack},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};
static uint64_t start_ns, start_wall;
static struct ks_run *g_run;
static long nevents;
static bool done;

/* -A: identical lines counted. */
static struct agg {
    char *text;
    long count;
} * aggs;
static size_t naggs;

static void format_msg(const struct tprobe *p, const struct trace_event *e, const char *strs,
                       struct ks_buf *out)
{
    if (!p->fmt) return;
    for (int k = 0; k <= p->nconv; k++) {
        /* The text between conversions, "%%" printed as "%". */
        const char *l = p->fmt + p->lit_at[k];
        for (size_t c = 0; c < p->lit_len[k]; c++) {
            ks_buf_addn(out, l + c, 1);
            if (l[c] == '%' && c + 1 < p->lit_len[k] && l[c + 1] == '%') c++;
        }
        if (k == p->nconv) break;
        const struct conv *c = &p->conv[k];
        uint64_t v = e->v[k];
        char b[512], sym[256];
        switch (c->type) {
        case 's': {
            char s[1025];
            snprintf(s, sizeof(s), "%.*s", (int)opt_strsize,
                     strs + (size_t)k * (size_t)opt_strsize);
            snprintf(b, sizeof(b), c->spec, s);
            break;
        }
        case 'K':
            snprintf(b, sizeof(b), c->spec, ks_ksym_str(v, true, false, sym, sizeof(sym)));
            break;
        case 'U':
            snprintf(b, sizeof(b), c->spec, ks_usym_str(e->tgid, v, true, sym, sizeof(sym)));
            break;
        case 'c':
            snprintf(b, sizeof(b), c->spec, (int)(char)v);
            break;
        case 'd': {
            long long x = c->bits == 16 ? (short)v : c->bits == 32 ? (int)v : (long long)v;
            snprintf(b, sizeof(b), c->spec, x);
            break;
        }
        default: { /* u, x */
            unsigned long long x = c->bits == 16   ? (unsigned short)v
                                   : c->bits == 32 ? (unsigned)v
                                                   : (unsigned long long)v;
            snprintf(b, sizeof(b), c->spec, x);
            break;
        }
        }
        ks_buf_add(out, b);
    }
}

/* A stack as BCC's trace prints it: each frame on its own line after 8 spaces, with -a
 * the address first. */
static void stack_lines(struct ks_buf *out, const struct ks_frames *fr, int id)
{
    if (id < 0 && !fr->missed) {
        ks_buf_printf(out, "        %d\n", id);
        return;
    }
    for (int i = 0; i < fr->n; i++) {
        if (opt_addr)
            ks_buf_printf(out, "        %16llx %s\n", (unsigned long long)fr->ip[i], fr->f[i]);
        else
            ks_buf_printf(out, "        %s\n", fr->f[i]);
    }
}

static void on_event(void *data, int size)
{
    const struct trace_event *e = data;
    if (done || (size_t)size < sizeof(*e) + TRACE_MAX_VALUES * (size_t)opt_strsize ||
        e->target >= (unsigned)ntargets)
        return;
    if (!opt_self && e->tgid == (uint32_t)getpid()) return;
    char comm[TRACE_COMM_LEN + 1];
    snprintf(comm, sizeof(comm), "%.*s", TRACE_COMM_LEN, e->comm);
    if (opt_name && !strstr(comm, opt_name)) return;
    const struct tprobe *p = &tp[targets[e->target].probe];
    const char *func = targets[e->target].name;
    struct ks_buf msg = {0};
    ks_buf_add(&msg, "");
    format_msg(p, e, (const char *)(e + 1), &msg);
    if (opt_msg && !strstr(msg.s, opt_msg)) {
        ks_buf_free(&msg);
        return;
    }
    char when[40] = "";
    if (opt_time) {
        char t[16];
        snprintf(when, sizeof(when), "%s", ks_time_str(t, sizeof(t), "%H:%M:%S"));
    } else if (opt_ts) {
        double off = (double)(int64_t)(e->ts_ns - start_ns) / 1e9;
        if (opt_unix)
            snprintf(when, 18, "%.6f", off + (double)start_wall / 1e9);
        else
            snprintf(when, 9, "%.6f", off);
    }
    struct ks_frames kf = {0}, uf = {0};
    int sfd = opt_kstack || opt_ustack ? ks_map_fd(g_run, "stack_traces") : -1;
    if (opt_kstack) ks_frames_kernel(&kf, sfd, e->kstack, KS_FRAME_OFFSET);
    if (opt_ustack) ks_frames_user(&uf, sfd, e->ustack, e->tgid, KS_FRAME_OFFSET);
    if (opt_aggregate) {
        struct ks_buf line = {0};
        ks_buf_printf(&line, "%-7u %-7u %-15s %-16s %s\n", e->tgid, e->tid, comm, func, msg.s);
        if (opt_kstack) stack_lines(&line, &kf, e->kstack);
        if (opt_ustack) stack_lines(&line, &uf, e->ustack);
        size_t i = 0;
        for (; i < naggs && strcmp(aggs[i].text, line.s); i++)
            ;
        if (i == naggs) {
            aggs = ks_xrealloc(aggs, (naggs + 1) * sizeof(*aggs));
            aggs[naggs++] = (struct agg){ks_xstrdup(line.s), 0};
        }
        aggs[i].count++;
        ks_buf_free(&line);
    } else {
        struct ks_val v[NF] = {
            [F_TIME] = KS_S(when),
            [F_CPU] = KS_U(e->cpu),
            [F_PID] = KS_U(e->tgid),
            [F_TID] = KS_U(e->tid),
            [F_COMM] = KS_S(comm),
            [F_FUNC] = KS_S(func),
            [F_MSG] = KS_S(msg.s),
            [F_KSTACK] = KS_V((const char *const *)kf.f, kf.n),
            [F_USTACK] = KS_V((const char *const *)uf.f, uf.n),
        };
        ks_record_emit(&rec, v);
        if ((opt_kstack || opt_ustack) && !ks_out_json()) {
            struct ks_buf st = {0};
            ks_buf_add(&st, "");
            if (opt_kstack) stack_lines(&st, &kf, e->kstack);
            if (opt_ustack) stack_lines(&st, &uf, e->ustack);
            printf("%s\n", st.s);
            ks_buf_free(&st);
        }
    }
    ks_frames_free(&kf);
    ks_frames_free(&uf);
    ks_buf_free(&msg);
    if (opt_max && ++nevents >= opt_max) {
        done = true;
        kill(getpid(), SIGINT); /* ends the run as Ctrl-C does */
    }
}

static void on_start(struct ks_run *r)
{
    g_run = r;
    start_ns = r->start_ns;
    start_wall = ks_wall_ns() - (ks_now_ns() - start_ns);
    time_on = opt_ts || opt_time;
    if (opt_ts && opt_unix)
        snprintf(time_hfmt, sizeof(time_hfmt), "%%-17s "),
            snprintf(time_fmt, sizeof(time_fmt), "%%-17s ");
    fields[F_MSG].header = all_trivial ? "" : "-";
    ks_record_header(&rec);
    if (opt_ustack && r->opt.pid >= 0) ks_usyms_note((uint32_t)r->opt.pid);
}

static int cmp_agg(const void *a, const void *b)
{
    const struct agg *x = a, *y = b;
    return (x->count < y->count) - (x->count > y->count);
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    if (!opt_aggregate) return;
    qsort(aggs, naggs, sizeof(*aggs), cmp_agg);
    for (size_t i = 0; i < naggs; i++)
        printf("%s-->COUNT %ld\n\n", aggs[i].text, aggs[i].count);
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "trace",
            .description = "Attach to functions and print trace messages.",
            .opts = opts,
            .common = KS_C_PID | KS_C_BUFFER,
            .default_pages = 64,
            .json = true,
            .pos_name = "probe",
            .pos_help = "probe specifier (see examples)",
            .pos_synopsis = "probe [probe ...]",
            .examples =
                "trace do_sys_open\n"
                "        Trace the open syscall and print a default trace message when entered\n"
                "trace 'do_sys_open \"%s\", arg2'\n"
                "        Trace the open syscall and print the filename being opened\n"
                "trace 'do_sys_open \"%s\", arg2' -n main\n"
                "        Trace the open syscall and only print event that process names "
                "containing \"main\"\n"
                "trace 'do_sys_open \"%s\", arg2' -f config\n"
                "        Trace the open syscall and print the filename being opened filtered "
                "by \"config\"\n"
                "trace 'sys_read (arg3 > 20000) \"read %d bytes\", arg3'\n"
                "        Trace the read syscall and print a message for reads >20000 bytes\n"
                "trace 'r::do_sys_open \"%llx\", retval'\n"
                "        Trace the return from the open syscall and print the return value\n"
                "trace 'c:open (arg2 == 42) \"%s %d\", arg1, arg2'\n"
                "        Trace the open() call from libc only if the flags (arg2) argument is "
                "42\n"
                "trace 'c:malloc \"size = %d\", arg1'\n"
                "        Trace malloc calls and print the size being allocated\n"
                "trace 'p:c:write (arg1 == 1) \"writing %d bytes to STDOUT\", arg3'\n"
                "        Trace the write() call from libc to monitor writes to STDOUT\n"
                "trace 'r::__kmalloc (retval == 0) \"kmalloc failed!\"'\n"
                "        Trace returns from __kmalloc which returned a null pointer\n"
                "trace 'r:c:malloc (retval) \"allocated = %x\", retval'\n"
                "        Trace returns from malloc and print non-NULL allocated buffers\n"
                "trace 't:block:block_rq_complete \"sectors=%d\", args->nr_sector'\n"
                "        Trace the block_rq_complete kernel tracepoint and print # of tx "
                "sectors\n"
                "trace 'u:pthread:pthread_create (arg4 != 0)'\n"
                "        Trace the USDT probe pthread_create when its 4th argument is non-zero\n"
                "trace 'p::SyS_nanosleep(struct timespec *ts) \"sleep for %lld ns\", "
                "ts->tv_nsec'\n"
                "        Trace the nanosleep syscall and print the sleep duration in ns\n"
                "trace -U 'c:malloc \"size = %d\", arg1'\n"
                "        Trace malloc calls, print the size and the user stack\n"
                "trace 't:syscalls:sys_enter_openat (STRCMP(\"/etc/passwd\", "
                "args->filename)) \"%s\", args->filename'\n"
                "        Trace opens of /etc/passwd only (an exact match)\n",
        },
    .bpf_source = ks_bpfsrc_trace_bpf_c,
    .bpf_name = "trace.bpf.c",
    .bpf_header = ks_bpfsrc_trace_h,
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    .on_exit = on_exit_,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
