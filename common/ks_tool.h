/* ks_tool: the life of a tool. A tool file declares a struct ks_tool (options, probes,
 * BPF source, output hooks) and calls ks_tool_main(); everything else happens here:
 * options, headers, probe choice, compile or cache, load, attach, the event loop,
 * intervals, signals, and cleanup. */
#ifndef KS_TOOL_H
#define KS_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ks_object.h"
#include "ks_opts.h"
#include "ks_probe.h"

struct ks_run;

/* Columns a tool reads from kernel structs on a probe's tracepoint path (principle 3):
 * where that probe is a tracepoint and ks_struct_reads() says no, they print "-" (null in
 * JSON). The runtime says so once at start (on stderr), and --check prints a "dash" line
 * for each, which kscope-doctor lists. */
struct ks_struct_cols {
    const char *probe;   /* the probe whose tracepoint path needs the read */
    const char *columns; /* as the header names them: "TX_KB and RX_KB" */
    const char *what;    /* why: "they are read from struct tcp_sock" */
    const char *option;  /* the option that shows them ("-s"), or NULL: always shown */
    const bool *on;      /* that option's flag */
    bool off;            /* set by configure(): no struct read here (a tracepoint field has it) */
};

struct ks_tool {
    struct ks_opts_spec spec;
    const char *bpf_source; /* bpfsrc/<tool>.bpf.c, embedded at build time */
    const char *bpf_name;   /* its file name, for --ebpf */
    const char *bpf_header; /* bpfsrc/<tool>.h (event structs shared with the tool), or NULL */
    /* A BPF part several tools share (ks_inet.h: KS_INET_BPF_LIB; KS_BLKREQ_BPF), prepended
     * before bpf_header; bpf_lib_name is its file name for the program text (NULL: the
     * part names itself in its first line). NULL: none. */
    const char *bpf_lib, *bpf_lib_name;
    struct ks_probe *probes;
    int nprobes;
    /* After options: validate the tool's own (ks_usage_error), turn probes off, define. */
    void (*configure)(struct ks_run *r);
    /* Per event the program sends with ks_submit() (when the tool sets it). */
    void (*on_event)(void *data, int size);
    /* After each pass over the event buffers. Per-CPU perf buffers are read one after
     * another, so an event can be read before an earlier one from another CPU: tools that
     * join events finish the join here. */
    void (*on_batch)(void);
    /* Everything is attached: print the header. This is the readiness signal. */
    void (*on_start)(struct ks_run *r);
    /* For KS_C_INTERVAL tools: each interval, and once more on exit when no interval. */
    void (*on_interval)(struct ks_run *r);
    void (*on_exit)(struct ks_run *r);
    int wakeup_events; /* wake the reader every N events (a power of two); 0: 1 */
    /* ks_parent_of (kscope.bpf.h) is seeded from /proc before the header, unless the tool
     * only uses it as a hint it can do without (its events fall back to /proc as they
     * arrive): then after, so that the /proc walk does not delay readiness. */
    bool parents_after_ready;
    struct ks_struct_cols *struct_cols; /* NULL: none */
    int nstruct_cols;
};

struct ks_run {
    const struct ks_tool *tool;
    struct ks_common opt;
    struct ks_buf defines;
    struct ks_probe_choice *choices;
    struct ks_object *obj;
    uint64_t start_ns;  /* monotonic, when tracing started */
    bool ringbuf;       /* events through the BPF ring buffer, else perf buffers */
    long ring_pages;    /* its size */
    bool inplace;       /* events built in per-CPU rings (the ring buffer only wakes the tool) */
    long inplace_bytes; /* each CPU's ring */
    int argc;           /* the command line, for the cache entry's description */
    char **argv;
};

int ks_tool_main(const struct ks_tool *t, int argc, char **argv);

/* A #define for the BPF source. Only identifiers and integers reach the program text, so
 * nothing a user types can become code. */
void ks_define(struct ks_run *r, const char *name, long long value, const char *comment);

/* May this run read kernel structs on tracepoint paths (principle 3)? Only when the
 * kernel headers are exactly the running kernel's (ks_headers_exact decides); then the
 * program text has KS_EXACT_HEADERS. Kprobe paths may always. *why (if not NULL) says
 * why or why not, for -v and for errors. Usable from configure(). */
bool ks_struct_reads(struct ks_run *r, const char **why);

/* For tools whose -p names one process to attach to or watch (klockstat, memleak,
 * threadsnoop, plockstat): a usage error (exit 2) when no such process exists now. Not
 * when only compiling or checking (--ebpf, --check, --target). From configure(). */
void ks_require_pid(const struct ks_run *r);

/* For interval tools: nanoseconds since the previous call (the first: since tracing
 * started), so that a last, shorter interval (Ctrl-C, -d) is divided by its own length. */
uint64_t ks_interval_elapsed_ns(struct ks_run *r);
/* The same as whole seconds, rounded, at least 1: BCC's per-second columns divide by it. */
uint64_t ks_interval_secs(struct ks_run *r);
/* For counting tools: the growth of the program's per-CPU array of n u64 counters (map)
 * since the previous call (ks_percpu_counters_delta); prev keeps the totals. Exits when the
 * map cannot be read. */
void ks_counters_delta(struct ks_run *r, const char *map, uint32_t n, uint64_t *prev,
                       uint64_t *delta);

const struct ks_probe_choice *ks_choice(const struct ks_run *r, const char *probe);
int ks_map_fd(const struct ks_run *r, const char *map);
const struct ks_map_def *ks_map_def(const struct ks_run *r, const char *map);
/* Flush stdout; false once output has failed (a closed pipe, a full disk, EIO). The run
 * then stops by itself: detached, and, unless the reader simply went away, an error line
 * and a non-zero exit. Output written with stdio anywhere is covered. */
bool ks_flush(void);

#endif
