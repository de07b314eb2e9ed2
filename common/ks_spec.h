/* ks_spec: probe specifications as BCC's generic tools take them, expanded into probes.
 *
 *   func, p::func          a kernel function (kprobe)        r::func  its return
 *   lib:func, p:lib:func   a user function in a library or program (uprobe; r: return)
 *   /path:func             the same, in that file
 *   t:category:event       a tracepoint
 *   u:lib:probe            a USDT probe (u:lib:provider:probe names the provider too)
 *
 * lib is "c" for the C library, a library or program name, or a path (ks_uprobe_find).
 * Names are patterns: '*' matches any run of characters (nothing else is special), or,
 * with regex, a Python re pattern matched from the start of the name (re.match, as BCC).
 * Kernel functions come from /proc/kallsyms minus what cannot be probed, tracepoints from
 * tracefs, user functions from the file's ELF symbols, USDT probes from its notes. A
 * pattern may expand to at most KS_SPEC_LIMIT probes (BCC's limit).
 *
 * A tool turns the targets into struct ks_probe entries (ks_spec_probes): probe i is
 * named "p<i>" and attaches the BPF function "probe_<i>" (with a return probe too,
 * "retprobe_<i>"); its program text gets KS_NPROBES and the X-macro KS_PROBE_LIST(X),
 * which calls X(0) ... X(n-1), so the BPF source declares one small function per probe
 * without any user text in it (ks_spec_defines). */
#ifndef KS_SPEC_H
#define KS_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "ks_probe.h"
#include "ks_util.h"

#define KS_SPEC_LIMIT 1000

enum ks_spec_kind {
    KS_SPEC_KFUNC, /* kernel function: kprobe (ret: kretprobe) */
    KS_SPEC_TP,    /* tracepoint */
    KS_SPEC_UFUNC, /* user function: uprobe (ret: uretprobe) */
    KS_SPEC_USDT,  /* USDT probe: uprobe at the probe site */
};

struct ks_spec {
    enum ks_spec_kind kind;
    bool ret;        /* r: the return of the function */
    char type;       /* the letter given or implied: 'p', 'r', 't' or 'u' */
    char *lib;       /* as typed: library, program or path; tracepoint category; "" kernel */
    char *path;      /* user probes: the file found */
    char *provider;  /* USDT: the provider pattern, or NULL (any) */
    char *func;      /* the function, event or probe pattern */
    char *signature; /* the text between "(" and ")" after the function, or NULL */
    const char *rest; /* the text after func[(signature)]: "" or ":..." (argdist, trace) */
    const char *text; /* the whole spec as typed */
    size_t err_pos;   /* after a parse error: where in text */
};

/* Parse a spec (funccount's grammar: the type letter optional). Flags: KS_SPEC_REST, text
 * after the function may follow (argdist's ":type:expr"), else it is an error;
 * KS_SPEC_REGEX, names are regular expressions (-r: parentheses are groups, not a
 * signature). pid (-1: none) is where -p libraries are looked up. Returns 0, or -1 with
 * one line in *err and the place in out->err_pos (ks_usage_error_at shows it). */
enum { KS_SPEC_REST = 1, KS_SPEC_REGEX = 2 };
int ks_spec_parse(const char *text, long pid, unsigned flags, struct ks_spec *out,
                  struct ks_buf *err);
void ks_spec_free(struct ks_spec *s);

/* One probe a spec expanded to. */
struct ks_spec_target {
    char *name;              /* "vfs_read", "sched:sched_switch", "malloc", "probe" */
    struct ks_uprobe_spec up; /* user probes: file, offset, semaphore */
    const char *usdt_args;   /* USDT: the note's argument spec */
};

/* Expand against this machine. regex: the patterns are regular expressions (-r).
 * Returns the number of targets (>= 1) into *out, or -1 with a message naming what was
 * searched (nothing matched, more than KS_SPEC_LIMIT, kprobes missing...). */
int ks_spec_expand(const struct ks_spec *s, bool regex, long pid, struct ks_spec_target **out,
                   struct ks_buf *err);
void ks_spec_targets_free(struct ks_spec_target *t, int n);

/* Probes for targets[0..n): entry probes "p<base+i>" on "probe_<base+i>" and, with
 * with_return, return probes "r<base+i>" on "retprobe_<base+i>" after them (user and
 * kernel functions only). *nprobes gets the count. Tracepoint probes carry no kprobe
 * fallback. The array (and the names in it) lives as long as the process. */
struct ks_probe *ks_spec_probes(const struct ks_spec *s, const struct ks_spec_target *t, int n,
                                int base, bool with_return, int *nprobes);

/* For --check without a pattern (kscope-doctor asks every tool so): one optional probe of
 * each kind (a kernel function, a tracepoint, a function of the C library), so the answer
 * says which kinds of pattern can work here. */
struct ks_probe *ks_spec_check_probes(int *nprobes);

/* A generic tool's pattern argument, all the way to its probes: without a pattern under
 * --check, the kinds-check probes above (n = 0); else parse it (a usage error with a caret,
 * exit 2), expand it (exit 1 with the reason) and build the probes (ks_spec_probes).
 * npos/pos: the tool's positional arguments (exactly one pattern). */
struct ks_pattern {
    struct ks_spec spec;
    struct ks_spec_target *targets;
    int n;
};
struct ks_probe *ks_pattern_probes(int npos, char **pos, bool check, long pid, bool regex,
                                   bool with_return, struct ks_pattern *p, int *nprobes);

/* Tools that take several patterns (funcslower's functions, argdist's specs): parse text
 * (flags as ks_spec_parse; a usage error with a caret, exit 2) and expand it (exit 1 with
 * the reason) into p. */
void ks_pattern_load(const char *text, long pid, unsigned flags, struct ks_pattern *p);
/* The usage errors of a pattern the tool times or counts (exit 2): with_return, only
 * functions (the tool adds the return probes) and not r:; else not r:. */
void ks_spec_check_kind(const struct ks_spec *s, bool with_return);
/* Append nmore probes (ks_spec_probes' array, freed here) to *all (realloc'ed, kept
 * terminated by an empty entry). */
void ks_probes_append(struct ks_probe **all, int *nall, struct ks_probe *more, int nmore);

/* "#define KS_NPROBES n" and "#define KS_PROBE_LIST(X) X(0) ... X(n-1)" into out. */
void ks_spec_defines(struct ks_buf *out, int n);

#endif
