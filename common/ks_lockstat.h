/* ks_lockstat: the lock statistics tables of klockstat (kernel mutexes) and plockstat
 * (pthread mutexes): BCC's klockstat options and layout, once.
 *
 * The BPF program keeps, per caller stack id, a struct ks_lock_stat {count, total, max}
 * (nanoseconds) in two hash maps, "wait_stats" (time to get the lock; BCC's "spin") and
 * "hold_stats" (time from getting it to releasing it), and the stacks in "stack_traces".
 * At each interval (and at the end) this prints both tables as BCC does:
 *
 *                                     Caller   Avg Spin  Count   Max spin Total spin
 *                         pipe_write+0x3c        2310    412      81022     951822
 *
 * sorted by -S (default: max), -n rows, -c callers containing a string, -s frames per
 * stack (the caller, then its callers one per line); then empties the maps. The tool says
 * how a stack id becomes frames (kernel or user symbols, which frames are the lock's own). */
#ifndef KS_LOCKSTAT_H
#define KS_LOCKSTAT_H

#include <stdbool.h>
#include <stdint.h>

#include "ks_opts.h"
#include "ks_tool.h"

/* The BPF maps' value (kscope.bpf.h's KS_LOCK_STATS declares the same). */
struct ks_lock_stat {
    uint64_t count, total, max;
};

enum ks_lock_sort { KS_LOCK_SORT_MAX, KS_LOCK_SORT_TOTAL, KS_LOCK_SORT_COUNT };

struct ks_lockstat_opts {
    long interval, locks, stacks, tid, stack_size;
    const char *caller, *sort;
    enum ks_lock_sort wait_sort, hold_sort; /* from -S */
    /* -p filters at attach time (plockstat's uprobes are on one process): no PID_FILTER,
     * so one program serves every process (and a cached or host-built copy is found). */
    bool pid_at_attach;
};
#define KS_LOCKSTAT_DEFAULTS {.locks = 99999999, .stacks = 1, .tid = -1, .stack_size = 16384}

/* BCC's klockstat options but -d and -p (the runtime's). */
#define KS_LOCKSTAT_OPTS(o)                                                                    \
    KS_LONG('i', "interval", "INTERVAL", "print summary at this interval (seconds)",            \
            &(o).interval, 1, 100000000),                                                      \
        KS_LONG('n', "locks", "LOCKS", "print given number of locks", &(o).locks, 1,            \
                0x7fffffffL),                                                                  \
        KS_LONG('s', "stacks", "STACKS", "print given number of stack entries", &(o).stacks,    \
                1, 127),                                                                       \
        KS_STR('c', "caller", "CALLER", "print locks taken by given caller (a substring)",      \
               &(o).caller),                                                                   \
        KS_STR('S', "sort", "SORT",                                                            \
               "sort data on <aq_field,hd_field>, fields: acq_[max|total|count] "               \
               "hld_[max|total|count]",                                                        \
               &(o).sort),                                                                     \
        KS_LONG('t', "tid", "TID", "trace this TID only", &(o).tid, 1, 0x7fffffff),             \
        KS_LONG(0, "stack-storage-size", "STACK_STORAGE_SIZE",                                 \
                "the number of unique stack traces that can be stored and displayed "           \
                "(default 16384)",                                                             \
                &(o).stack_size, 1, 10000000)

/* Check the options (exit 2 on bad ones: -S, -d with -i) and #define STACK_STORAGE_SIZE,
 * PID_FILTER, TID_FILTER. */
void ks_lockstat_configure(struct ks_run *r, struct ks_lockstat_opts *o);

/* A stack id to frames: up to max names, the caller first, into out[] (malloc'ed strings);
 * returns how many. A lost stack (ks_stack_id_missed) is one placeholder frame. */
typedef int (*ks_lock_frames_fn)(int stacks_fd, int stackid, char **out, int max);

/* Print the tables (the hold table only when hold is true), then empty the maps. */
void ks_lockstat_report(struct ks_run *r, const struct ks_lockstat_opts *o, bool hold,
                        ks_lock_frames_fn frames);
/* BCC's banner (text only). */
void ks_lockstat_banner(void);
/* The tools' on_exit: BCC's warning when stacks were lost. */
void ks_lockstat_on_exit(struct ks_run *r);

#endif
