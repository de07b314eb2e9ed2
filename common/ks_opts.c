#define _GNU_SOURCE
#include "ks_opts.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_compile.h"
#include "ks_util.h"

enum {
    OPT_EBPF = 1000,
    OPT_PROBE,
    OPT_HEADERS,
    OPT_NO_CACHE,
    OPT_CACHE_DIR,
    OPT_VERSION,
    OPT_CHECK,
    OPT_TARGET,
    OPT_EVENTS,
    OPT_JSON,
    OPT_CGROUPMAP,
    OPT_MNTNSMAP,
    OPT_PROM,
    OPT_MAN,
    OPT_TOOL_BASE = 2000,
};

/* What a user typed, fit to be echoed: control characters, quotes and bytes outside ASCII
 * escaped (a newline cannot split the message, nothing reaches the terminal raw), and long
 * values cut with their length said. Four buffers in turn, for messages that quote more
 * than one argument. */
const char *ks_q(const char *arg)
{
    static char bufs[4][128];
    static int next;
    char *b = bufs[next++ % 4];
    size_t n = 0, len = arg ? strlen(arg) : 0;
    const size_t keep = 48; /* escaped characters shown before "..." */
    size_t i = 0;
    for (; i < len && n < keep; i++) {
        unsigned char c = (unsigned char)arg[i];
        if (c == '\\' || c == '\'')
            n += (size_t)snprintf(b + n, 128 - n, "\\%c", c);
        else if (c == '\n')
            n += (size_t)snprintf(b + n, 128 - n, "\\n");
        else if (c == '\t')
            n += (size_t)snprintf(b + n, 128 - n, "\\t");
        else if (c < 0x20 || c >= 0x7f)
            n += (size_t)snprintf(b + n, 128 - n, "\\x%02x", c);
        else
            b[n++] = (char)c;
    }
    b[n] = '\0';
    if (i < len)
        snprintf(b + n, 128 - n, "... (%zu bytes)", len);
    return b;
}

static const char *g_caret_text;
static size_t g_caret_pos;

void ks_usage_error(const char *fmt, ...)
{
    /* The message is made safe here too, for callers that echo without ks_q(): no raw
     * control or non-ASCII bytes, and a quoted value longer than 80 bytes is cut. */
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    struct ks_buf out = {0};
    for (const char *p = msg ? msg : "invalid arguments"; *p; p++) {
        const char *q = *p == '\'' ? strchr(p + 1, '\'') : NULL;
        if (q && q - p - 1 > 80) {
            ks_buf_addn(&out, p, 49);
            ks_buf_printf(&out, "... (%zu bytes)'", (size_t)(q - p - 1));
            p = q;
            continue;
        }
        unsigned char c = (unsigned char)*p;
        ks_buf_addn(&out, c < 0x20 || c >= 0x7f ? "?" : p, 1);
    }
    for (size_t i = 0; i < out.len; i++)
        if ((unsigned char)out.s[i] < 0x20 || (unsigned char)out.s[i] >= 0x7f)
            out.s[i] = '?';
    fprintf(stderr, "%s: %s\n", ks_prog, out.s);
    /* What the user typed, with a caret under the place (see ks_usage_error_at). */
    if (g_caret_text) {
        fprintf(stderr, "    ");
        for (const char *p = g_caret_text; *p; p++)
            fputc((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f ? '?' : *p, stderr);
        fprintf(stderr, "\n    %*s^\n", (int)g_caret_pos, "");
    }
    fprintf(stderr, "Try '%s --help' for more information.\n", ks_prog);
    free(msg);
    ks_buf_free(&out);
    exit(2);
}

void ks_usage_error_at(const char *text, size_t pos, const char *msg)
{
    g_caret_text = text && strlen(text) < 160 ? text : NULL;
    g_caret_pos = pos;
    ks_usage_error("%s", msg);
}

void ks_opts_getopt_error(int ch, char **argv, const struct option *lopts)
{
    const char *arg = argv[optind - 1];
    if (ch == ':')
        ks_usage_error("option '%s' needs a value", ks_q(arg));
    /* A value given to an option that takes none ("--ebpf=1"): getopt sets optopt to the
     * option's val, which is no character for long-only options. */
    if (optopt && !strncmp(arg, "--", 2))
        for (const struct option *o = lopts; o->name; o++)
            if (o->val == optopt && o->has_arg == no_argument && strchr(arg, '='))
                ks_usage_error("option '--%s' doesn't allow a value", o->name);
    if (optopt > 0x20 && optopt < 0x7f)
        ks_usage_error("unrecognized option '-%c'", optopt);
    ks_usage_error("unrecognized option '%s'", ks_q(arg));
}

/* Set by ks_opts_each: option lines go to it instead of stdout. */
static void (*doc_fn)(const struct ks_opt_doc *d, void *ctx);
static void *doc_ctx;

static void help_line(const char *sname, const char *lname, const char *metavar, const char *help)
{
    if (doc_fn) {
        struct ks_opt_doc d = {sname, lname, metavar, help};
        doc_fn(&d, doc_ctx);
        return;
    }
    char left[64];
    if (sname && lname)
        snprintf(left, sizeof(left), "%s, %s%s%s", sname, lname, metavar ? " " : "",
                 metavar ? metavar : "");
    else
        snprintf(left, sizeof(left), "%s%s%s", sname ? sname : lname, metavar ? " " : "",
                 metavar ? metavar : "");
    if (strlen(left) > 22)
        printf("  %s\n  %-22s  %s\n", left, "", help);
    else
        printf("  %-22s  %s\n", left, help);
}

/* The options part of --help, one help_line() each (ks_opts_each collects the same). */
static void options(const struct ks_opts_spec *s)
{
    help_line("-h", "--help", NULL, "show this help message and exit");
    for (const struct ks_opt *o = s->opts; o && o->help; o++) {
        char sn[4] = {'-', (char)o->short_name, 0, 0};
        char ln[64];
        snprintf(ln, sizeof(ln), "--%s", o->long_name ? o->long_name : "");
        help_line(o->short_name ? sn : NULL, o->long_name ? ln : NULL,
                  o->type == KS_OPT_FLAG ? NULL : o->metavar, o->help);
    }
    if (s->common & KS_C_PID)
        help_line("-p", "--pid", "PID", "trace this PID only");
    if (s->common & (KS_C_PID | KS_C_CONTAINERS)) {
        help_line(NULL, "--cgroupmap", "CGROUPMAP", "trace cgroups in this BPF map only");
        help_line(NULL, "--mntnsmap", "MNTNSMAP", "trace mount namespaces in this BPF map only");
    }
    if (s->common & KS_C_DURATION)
        help_line("-d", "--duration", "SECONDS", "total duration of trace in seconds");
    if (s->common & KS_C_BUFFER) {
        char h[200];
        snprintf(h, sizeof(h),
                 "event buffer size per CPU, in pages (power of two; default %d with the BPF "
                 "ring buffer, %ld with %sperf buffers)",
                 KS_RING_PAGES, s->default_pages, s->inplace_events ? "in-place rings or " : "");
        help_line("-b", "--buffer-pages", "N", h);
        help_line(NULL, "--events", "KIND",
                  s->inplace_events
                      ? "auto (default): events built in place in per-CPU rings (x86_64, "
                        "5.12+), else the BPF ring buffer (5.8+), else perf buffers; inplace, "
                        "ringbuf or perf: force one"
                      : "auto (default): BPF ring buffer (5.8+), else perf buffers; ringbuf or "
                        "perf: force one");
    }
    if (s->json)
        help_line(s->json_short ? (char[]){'-', s->json_short, 0} : NULL, "--json", NULL,
                  "print JSON Lines instead of text (records in docs/json.md)");
    if (s->common & KS_C_INTERVAL)
        help_line(NULL, "--prom", "FILE",
                  "also write the totals since start as Prometheus metrics to FILE after each "
                  "output (for node_exporter's textfile collector)");
    help_line("-v", "--verbose", NULL,
              "say which kernel headers, probes and cache entries are used, and why");
    help_line(NULL, "--ebpf", NULL, "print the BPF program that would be compiled, and exit");
    help_line(NULL, "--probe", "MODE",
              "auto (default): tracepoints, else kprobes; tracepoint or kprobe: force one");
    help_line(NULL, "--kernel-headers", "DIR",
              "kernel header tree to compile against (or KSCOPE_KERNEL_HEADERS)");
    help_line(NULL, "--target", "PROFILE",
              "compile for the kernel a saved profile describes (kscope-doctor "
              "--save-profile) into the cache, and exit");
    help_line(NULL, "--cache-dir", "DIR",
              "compile cache directory (or KSCOPE_CACHE_DIR; default " "/var/cache/kscope)");
    help_line(NULL, "--no-cache", NULL, "always compile; neither read nor write the cache");
    help_line(NULL, "--check", NULL,
              "say which probes would be used on this kernel (or why none), and exit");
    help_line(NULL, "--version", NULL, "print the version and exit");
}

void ks_opts_each(const struct ks_opts_spec *s, void (*fn)(const struct ks_opt_doc *d, void *ctx),
                  void *ctx)
{
    doc_fn = fn;
    doc_ctx = ctx;
    options(s);
    doc_fn = NULL;
}

/* A tool's own typed positional argument (spec.positional) is named by its long name
 * (runqslower's min_us), or else by its metavar (tcpconnlat's duration_ms). */
static const char *positional_name(const struct ks_opt *o)
{
    return o->long_name ? o->long_name : o->metavar;
}

const char *ks_opts_synopsis(const struct ks_opts_spec *s)
{
    static char own[64];
    if (s->pos_name)
        return s->pos_synopsis ? s->pos_synopsis : s->pos_name;
    if (s->positional) {
        snprintf(own, sizeof(own), "[%s]", positional_name(s->positional));
        return own;
    }
    return (s->common & KS_C_INTERVAL)       ? "[interval [count]]"
           : (s->common & KS_C_POS_DURATION) ? "[duration]"
                                             : "";
}

void ks_opts_each_positional(const struct ks_opts_spec *s,
                             void (*fn)(const struct ks_opt_doc *d, void *ctx), void *ctx)
{
    if (s->pos_name)
        fn(&(struct ks_opt_doc){.lname = s->pos_name, .help = s->pos_help}, ctx);
    if (s->positional)
        fn(&(struct ks_opt_doc){.lname = positional_name(s->positional),
                                .help = s->positional->help},
           ctx);
    if (s->common & KS_C_POS_DURATION)
        fn(&(struct ks_opt_doc){.lname = "duration", .help = "duration of trace, in seconds"},
           ctx);
    if (s->common & KS_C_INTERVAL) {
        fn(&(struct ks_opt_doc){.lname = "interval", .help = "output interval, in seconds"}, ctx);
        fn(&(struct ks_opt_doc){.lname = "count", .help = "number of outputs"}, ctx);
    }
}

static void help_positional(const struct ks_opt_doc *d, void *ctx)
{
    if ((*(int *)ctx)++ == 0)
        printf("\npositional arguments:\n");
    printf("  %-22s  %s\n", d->lname, d->help);
}

static void print_help(const struct ks_opts_spec *s)
{
    const char *syn = ks_opts_synopsis(s);
    printf("usage: %s [options]%s%s\n\n%s\n", s->name, *syn ? " " : "", syn, s->description);
    int npos = 0;
    ks_opts_each_positional(s, help_positional, &npos);
    printf("\noptions:\n");
    options(s);
    if (s->examples)
        printf("\nexamples:\n%s", s->examples);
    if (s->notes)
        printf("\nnotes:\n%s", s->notes);
}

static bool set_long(const char *arg, const char *what, long min, long max, long *out)
{
    if (!ks_parse_long(arg, min, max, out))
        ks_usage_error("invalid %s '%s'", what, ks_q(arg));
    return true;
}

void ks_opts_parse(const struct ks_opts_spec *s, int argc, char **argv, struct ks_common *c)
{
    memset(c, 0, sizeof(*c));
    c->pid = -1;
    c->pages = s->default_pages ? s->default_pages : 64;
    c->probe_mode = KS_MODE_AUTO;

    struct option lopts[64];
    char sopts[128];
    int nl = 0, ns = 0;
    sopts[ns++] = ':'; /* report a missing argument as ':' */
#define LONGOPT(n, has, v) lopts[nl++] = (struct option){n, has, NULL, v}
    LONGOPT("help", no_argument, 'h');
    sopts[ns++] = 'h';
    LONGOPT("verbose", no_argument, 'v');
    sopts[ns++] = 'v';
    LONGOPT("ebpf", no_argument, OPT_EBPF);
    LONGOPT("probe", required_argument, OPT_PROBE);
    LONGOPT("kernel-headers", required_argument, OPT_HEADERS);
    LONGOPT("no-cache", no_argument, OPT_NO_CACHE);
    LONGOPT("cache-dir", required_argument, OPT_CACHE_DIR);
    LONGOPT("version", no_argument, OPT_VERSION);
    LONGOPT("check", no_argument, OPT_CHECK);
    if (s->json) {
        LONGOPT("json", no_argument, OPT_JSON);
        if (s->json_short)
            sopts[ns++] = s->json_short;
    }
    LONGOPT("man", no_argument, OPT_MAN); /* hidden: the man page (build time) */
    if (s->common & KS_C_INTERVAL)
        LONGOPT("prom", required_argument, OPT_PROM);
    LONGOPT("target", required_argument, OPT_TARGET);
    if (s->common & KS_C_PID) {
        LONGOPT("pid", required_argument, 'p');
        sopts[ns++] = 'p';
        sopts[ns++] = ':';
    }
    if (s->common & (KS_C_PID | KS_C_CONTAINERS)) {
        LONGOPT("cgroupmap", required_argument, OPT_CGROUPMAP);
        LONGOPT("mntnsmap", required_argument, OPT_MNTNSMAP);
    }
    if (s->common & KS_C_DURATION) {
        LONGOPT("duration", required_argument, 'd');
        sopts[ns++] = 'd';
        sopts[ns++] = ':';
    }
    if (s->common & KS_C_BUFFER) {
        LONGOPT("buffer-pages", required_argument, 'b');
        sopts[ns++] = 'b';
        sopts[ns++] = ':';
        LONGOPT("events", required_argument, OPT_EVENTS);
    }
    int ntool = 0;
    for (const struct ks_opt *o = s->opts; o && o->help; o++, ntool++) {
        int has = o->type == KS_OPT_FLAG ? no_argument : required_argument;
        int val = o->short_name ? o->short_name : OPT_TOOL_BASE + ntool;
        if (o->long_name)
            LONGOPT(o->long_name, has, val);
        if (o->short_name) {
            sopts[ns++] = (char)o->short_name;
            if (has == required_argument)
                sopts[ns++] = ':';
        }
    }
    lopts[nl] = (struct option){0, 0, 0, 0};
    sopts[ns] = '\0';
#undef LONGOPT

    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
        switch (ch) {
        case 'h':
            print_help(s);
            exit(0);
        case 'v':
            c->verbose++;
            continue;
        case OPT_EBPF:
            c->ebpf = true;
            continue;
        case OPT_PROBE:
            if (!ks_probe_mode_parse(optarg, &c->probe_mode))
                ks_usage_error("invalid probe mode '%s' (use auto, tracepoint or kprobe)",
                               ks_q(optarg));
            continue;
        case OPT_HEADERS:
            c->kernel_headers = optarg;
            continue;
        case OPT_CHECK:
            c->check = true;
            continue;
        case OPT_JSON:
            c->json = true;
            continue;
        case OPT_MAN:
            c->man = true;
            continue;
        case OPT_PROM:
            c->prom = optarg;
            continue;
        case OPT_NO_CACHE:
            c->no_cache = true;
            continue;
        case OPT_CACHE_DIR:
            c->cache_dir = optarg;
            continue;
        case OPT_TARGET:
            if (!*optarg)
                ks_usage_error("--target needs a profile file (kscope-doctor --save-profile FILE)");
            c->target = optarg;
            continue;
        case OPT_EVENTS:
            if (!strcmp(optarg, "auto"))
                c->events = KS_EVENTS_AUTO;
            else if (!strcmp(optarg, "inplace") && s->inplace_events)
                c->events = KS_EVENTS_INPLACE;
            else if (!strcmp(optarg, "ringbuf"))
                c->events = KS_EVENTS_RINGBUF;
            else if (!strcmp(optarg, "perf"))
                c->events = KS_EVENTS_PERF;
            else
                ks_usage_error("invalid event buffer kind '%s' (use auto, %sringbuf or perf)",
                               ks_q(optarg), s->inplace_events ? "inplace, " : "");
            continue;
        case OPT_CGROUPMAP:
            c->cgroupmap = optarg;
            continue;
        case OPT_MNTNSMAP:
            c->mntnsmap = optarg;
            continue;
        case OPT_VERSION:
            printf("%s (kscope) %s, libbcc %s\n", s->name, KS_VERSION, ks_libbcc_version());
            exit(0);
        case ':':
        case '?':
            ks_opts_getopt_error(ch, argv, lopts);
        default:
            break;
        }
        if (s->json && s->json_short && ch == s->json_short) {
            c->json = true;
            continue;
        }
        if ((s->common & KS_C_PID) && ch == 'p') {
            set_long(optarg, "PID", 0, 0x7fffffff, &c->pid);
            continue;
        }
        if ((s->common & KS_C_DURATION) && ch == 'd') {
            set_long(optarg, "duration", 1, 100000000, &c->duration);
            continue;
        }
        if ((s->common & KS_C_BUFFER) && ch == 'b') {
            set_long(optarg, "buffer page count", 1, 1 << 16, &c->pages);
            c->pages_set = true;
            if (c->pages & (c->pages - 1))
                ks_usage_error("invalid buffer page count '%s' (must be a power of two)",
                               ks_q(optarg));
            continue;
        }
        int i = 0;
        const struct ks_opt *o = s->opts;
        for (; o && o->help; o++, i++)
            if ((o->short_name && ch == o->short_name) ||
                (!o->short_name && ch == OPT_TOOL_BASE + i))
                break;
        if (!o || !o->help)
            ks_usage_error("unrecognized option '%s'", ks_q(argv[optind - 1]));
        switch (o->type) {
        case KS_OPT_FLAG:
            *(bool *)o->dest = true;
            break;
        case KS_OPT_LONG:
            set_long(optarg, o->metavar, o->min, o->max, (long *)o->dest);
            break;
        case KS_OPT_STR:
            *(const char **)o->dest = optarg;
            break;
        case KS_OPT_FUNC:
            if (!o->parse(optarg, o->dest))
                ks_usage_error("invalid %s '%s'", o->metavar, ks_q(optarg));
            break;
        }
    }
    int npos = argc - optind;
    if (s->pos_name) {
        if (s->pos_max && npos > s->pos_max)
            ks_usage_error("unexpected argument '%s'", ks_q(argv[optind + s->pos_max]));
        c->pos = argv + optind;
        c->npos = npos;
    } else if (s->common & KS_C_INTERVAL) {
        if (npos > 2)
            ks_usage_error("unexpected argument '%s'", ks_q(argv[optind + 2]));
        if (npos >= 1)
            set_long(argv[optind], "interval", 1, 100000000, &c->interval);
        if (npos >= 2)
            set_long(argv[optind + 1], "count", 1, 100000000, &c->count);
    } else if (s->common & KS_C_POS_DURATION) {
        if (npos > 1)
            ks_usage_error("unexpected argument '%s'", argv[optind + 1]);
        if (npos == 1)
            set_long(argv[optind], "duration", 1, 100000000, &c->duration);
    } else if (s->positional && npos <= 1) {
        const struct ks_opt *o = s->positional;
        if (npos == 1 && o->type == KS_OPT_LONG &&
            !ks_parse_long(argv[optind], o->min, o->max, (long *)o->dest))
            ks_usage_error("invalid %s '%s' (a whole number from %ld to %ld)",
                           positional_name(o), ks_q(argv[optind]), o->min, o->max);
        if (npos == 1 && o->type == KS_OPT_FUNC && !o->parse(argv[optind], o->dest))
            ks_usage_error("invalid %s '%s'", positional_name(o), ks_q(argv[optind]));
    } else if (npos > 0) {
        ks_usage_error("unexpected argument '%s'", ks_q(argv[optind + (s->positional ? 1 : 0)]));
    }
    ks_verbose = c->verbose;
}
