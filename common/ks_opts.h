/* ks_opts: command-line options shared by every tool, plus each tool's own from a table.
 * Bad values get one clear message and exit status 2, like argparse in BCC's tools. */
#ifndef KS_OPTS_H
#define KS_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "ks_probe.h"

enum ks_opt_type {
    KS_OPT_FLAG,  /* bool */
    KS_OPT_LONG,  /* long within [min, max] */
    KS_OPT_STR,   /* const char * */
    KS_OPT_FUNC,  /* parse(arg, dest) decides; may be repeated */
};

struct ks_opt {
    int short_name; /* 'T', or 0 for long-only */
    const char *long_name;
    enum ks_opt_type type;
    const char *metavar; /* names the value in help and in "invalid PID 'x'" */
    const char *help;
    void *dest;
    long min, max;                                 /* KS_OPT_LONG */
    bool (*parse)(const char *arg, void *dest);    /* KS_OPT_FUNC */
};

/* Table entries: KS_FLAG('T', "time", "help", &flag) and friends. */
#define KS_FLAG(s_, l_, h_, d_)                                                              \
    {.short_name = (s_), .long_name = (l_), .type = KS_OPT_FLAG, .help = (h_), .dest = (d_)}
#define KS_LONG(s_, l_, m_, h_, d_, lo_, hi_)                                                \
    {.short_name = (s_), .long_name = (l_), .type = KS_OPT_LONG, .metavar = (m_),              \
     .help = (h_), .dest = (d_), .min = (lo_), .max = (hi_)}
#define KS_STR(s_, l_, m_, h_, d_)                                                         \
    {.short_name = (s_), .long_name = (l_), .type = KS_OPT_STR, .metavar = (m_),               \
     .help = (h_), .dest = (d_)}
#define KS_FUNC(s_, l_, m_, h_, d_, fn_)                                                    \
    {.short_name = (s_), .long_name = (l_), .type = KS_OPT_FUNC, .metavar = (m_),              \
     .help = (h_), .dest = (d_), .parse = (fn_)}
#define KS_OPT_END {.help = NULL}

/* Which shared options a tool takes. */
enum {
    KS_C_PID = 1 << 0,      /* -p/--pid PID */
    KS_C_DURATION = 1 << 1, /* -d/--duration SECONDS */
    KS_C_INTERVAL = 1 << 2, /* [interval [count]] */
    KS_C_BUFFER = 1 << 3,   /* -b/--buffer-pages N */
    /* --cgroupmap, --mntnsmap (BCC's filter_by_containers; with KS_C_PID implied) */
    KS_C_CONTAINERS = 1 << 4,
    KS_C_POS_DURATION = 1 << 5, /* [duration] positional, in seconds (BCC's profile etc.) */
};

enum ks_events_mode { KS_EVENTS_AUTO, KS_EVENTS_INPLACE, KS_EVENTS_RINGBUF, KS_EVENTS_PERF };

/* -b default with the BPF ring buffer, per CPU: one ring shared by all CPUs evens out
 * their bursts, where each perf buffer must hold its own CPU's. */
#define KS_RING_PAGES 64

struct ks_common {
    int verbose;
    bool ebpf;
    bool check; /* --check: say whether and how the tool can run here, attach nothing */
    enum ks_probe_mode probe_mode;
    const char *kernel_headers;
    const char *cache_dir;
    const char *target; /* --target PROFILE: compile for that kernel into the cache, exit */
    bool no_cache;
    long pid;       /* -1: all */
    long duration;  /* seconds, 0: until Ctrl-C */
    long interval;  /* seconds, 0: none */
    long count;     /* 0: unlimited */
    long pages;     /* event buffer pages per CPU */
    bool pages_set; /* -b given (else the default for the buffer kind chosen) */
    enum ks_events_mode events; /* --events */
    const char *cgroupmap;      /* --cgroupmap: a pinned BPF hash map of cgroup ids */
    const char *mntnsmap;       /* --mntnsmap: a pinned BPF hash map of mount ns ids */
    bool json;                  /* --json: JSON Lines on stdout (docs/json.md) */
    const char *prom; /* --prom FILE (interval tools), or NULL */
    bool man;         /* --man (hidden): print the man page, exit */
    char **pos;       /* the tool's positional arguments (spec.pos_name), npos of them */
    int npos;
};

struct ks_opts_spec {
    const char *name;
    const char *description;
    const char *examples;
    const char *notes; /* -h's last paragraph (what a path does and does not see), or NULL */
    const struct ks_opt *opts; /* terminated by an entry with help == NULL */
    unsigned common;
    long default_pages; /* -b default for perf buffers; the ring buffer's is KS_RING_PAGES */
    /* The program builds its events with KS_EVENT (bpfsrc/kscope.bpf.h): it may get per-CPU
     * rings it writes in place (--events=inplace). */
    bool inplace_events;
    bool json;       /* the tool prints through ks_record: it takes --json */
    char json_short; /* --json's short flag where BCC's tool has one ('j'), else 0 */
    /* Positional arguments of the tool's own, one of two kinds. A single optional typed value
     * (tcpconnlat's [duration_ms], runqslower's [min_us]):
     * a KS_LONG entry (named by long_name; min, max) or a KS_FUNC one (named by its
     * long_name or else its metavar; parse); with neither KS_C_INTERVAL nor
     * KS_C_POS_DURATION. NULL: none. */
    const struct ks_opt *positional;
    /* Or a list of strings the tool interprets (funccount's pattern), in ks_common.pos: */
    const char *pos_name;     /* as the usage line names them ("pattern"), NULL: none */
    const char *pos_help;
    const char *pos_synopsis; /* the usage line's text ("pattern", "function [function ...]") */
    int pos_max;              /* at most this many (0: any number) */
};

/* Parses argv; on -h/--help or --version prints and exits 0; on errors prints and exits 2. */
void ks_opts_parse(const struct ks_opts_spec *spec, int argc, char **argv, struct ks_common *c);

/* Every option of the tool as --help lists it, in that order (the man page lists the same).
 * sname or lname may be NULL; metavar is NULL for flags. */
struct ks_opt_doc {
    const char *sname, *lname, *metavar, *help;
};
void ks_opts_each(const struct ks_opts_spec *s, void (*fn)(const struct ks_opt_doc *d, void *ctx),
                  void *ctx);
/* The positional arguments after the options, as the usage line shows them ("[interval
 * [count]]", or ""), and each with its help (in lname), as --help lists them. */
const char *ks_opts_synopsis(const struct ks_opts_spec *s);
void ks_opts_each_positional(const struct ks_opts_spec *s,
                             void (*fn)(const struct ks_opt_doc *d, void *ctx), void *ctx);

/* For a tool's own checks: "tool: <msg>" + the --help hint, exit 2. Echo what the user
 * typed through ks_q(). */
void ks_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The same, for something the user typed that is malformed at one place (a probe spec, an
 * expression): msg on the first line, then text with a caret under character pos. */
void ks_usage_error_at(const char *text, size_t pos, const char *msg) __attribute__((noreturn));
/* A user's argument fit for a message: escaped (\n, \xHH, \'), cut after 48 characters
 * with its length said. Valid until four more calls. */
const char *ks_q(const char *arg);
/* getopt_long returned ':' or '?': the usage error naming the option as typed (a value
 * given to a flag, "--json=1", names the flag). For commands with their own getopt loop. */
struct option;
void ks_opts_getopt_error(int ch, char **argv, const struct option *lopts)
    __attribute__((noreturn));

#define KS_VERSION "0.1.0"

#endif
