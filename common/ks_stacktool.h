/* ks_stacktool: what the stack tools (profile, offcputime, offwaketime, wakeuptime) share
 * above the runtime: BCC's comma-separated id lists (-p 185,186), their #defines for
 * kscope.bpf.h's pid_wanted()/tid_wanted(), the banner's "PID 185" text, and the handler
 * of the BPF program's "new process" notes (KS_NOTE_PIDS). */
#ifndef KS_STACKTOOL_H
#define KS_STACKTOOL_H

#include <stddef.h>
#include <stdint.h>

#include "ks_stack.h"
#include "ks_tool.h"

#define KS_ID_LIST_MAX 8

struct ks_id_list {
    int n;
    long v[KS_ID_LIST_MAX];
    const char *text; /* as typed */
};

/* KS_OPT_FUNC parser: "185" or "185,186" into a struct ks_id_list. */
bool ks_parse_id_list(const char *arg, void *dest);

/* NUM_PID, PID_0.. and NUM_TID, TID_0.. (either list may be empty), and a note on stderr
 * for each PID that is not running now (the tools still trace it, as BCC's do). */
void ks_stacktool_define_lists(struct ks_run *r, const struct ks_id_list *pids,
                               const struct ks_id_list *tids);

/* "PID 185,186" / "TID 188" for the banner, or "all threads". */
void ks_stacktool_thread_context(char *buf, size_t size, const struct ks_id_list *pids,
                                 const char *pid_word, const struct ks_id_list *tids,
                                 const char *tid_word);

/* The end of BCC's banners: " for N secs." or "... Hit Ctrl-C to end.", and a newline. */
void ks_stacktool_banner_end(const struct ks_run *r);

/* After the banner: load the kernel's symbols now (about 0.1-0.5 s for /proc/kallsyms),
 * while tracing, rather than between Ctrl-C and the output. */
void ks_stacktool_preload(bool kernel_stacks);

/* What a stack tool's BPF program counted, printed at the end: its `counts` map (keys of
 * key_size bytes, u64 values) and `stack_traces`; a blank line first unless folded (as
 * BCC does), the lost-stack and full-table warnings after. `dropped` names what a full
 * counts table (of table_size entries; option: how to enlarge it, or NULL) turned away. */
struct ks_stacktool_out {
    unsigned key_size;
    bool folded;
    const char *dropped;
    long table_size;
    const char *option;
};
/* Entries whose key holds one stack sample (struct ks_stack_key): ks_stack_report. */
void ks_stacktool_report(struct ks_run *r, const struct ks_stacktool_out *o,
                         const struct ks_stack_key *layout, const struct ks_stack_report *rep);
/* Any other key: fn per entry, ascending by value. */
void ks_stacktool_each(struct ks_run *r, const struct ks_stacktool_out *o,
                       void (*fn)(const void *key, uint64_t value, int stacks_fd,
                                  struct ks_stack_losses *losses));

/* on_event for KS_NOTE_PIDS: read the noted process's maps while it lives. */
void ks_stacktool_on_note(void *data, int size);

/* Options the off-CPU tools (offcputime, offwaketime) share, as BCC spells them. */
struct ks_offcpu_opts {
    struct ks_id_list pids, tids;
    bool user_threads, kernel_threads, user_only, kernel_only, delimited, folded;
    long stack_size, min, max, state; /* max, state: -1 when not given */
};
#define KS_OFFCPU_OPTS(o, stack_help)                                                          \
    KS_FUNC('p', "pid", "PIDS", "trace these PIDS only (comma separated)", &(o).pids,          \
            ks_parse_id_list),                                                                 \
        KS_FUNC('t', "tid", "TIDS", "trace these TIDS only (comma separated)", &(o).tids,      \
                ks_parse_id_list),                                                             \
        KS_FLAG('u', "user-threads-only", "user threads only (no kernel threads)",              \
                &(o).user_threads),                                                            \
        KS_FLAG('k', "kernel-threads-only", "kernel threads only (no user threads)",            \
                &(o).kernel_threads),                                                          \
        KS_FLAG('U', "user-stacks-only",                                                       \
                "show stacks from user space only (no kernel space stacks)", &(o).user_only),  \
        KS_FLAG('K', "kernel-stacks-only",                                                     \
                "show stacks from kernel space only (no user space stacks)",                   \
                &(o).kernel_only),                                                             \
        KS_FLAG('d', "delimited", "insert delimiter between kernel/user stacks",               \
                &(o).delimited),                                                               \
        KS_FLAG('f', "folded", "output folded format", &(o).folded),                           \
        KS_LONG(0, "stack-storage-size", "STACK_STORAGE_SIZE", stack_help, &(o).stack_size, 1, \
                10000000),                                                                     \
        KS_LONG('m', "min-block-time", "MIN_BLOCK_TIME",                                       \
                "the amount of time in microseconds over which we store traces (default 1)",   \
                &(o).min, 0, 0x7fffffffffffffffL),                                             \
        KS_LONG('M', "max-block-time", "MAX_BLOCK_TIME",                                       \
                "the amount of time in microseconds under which we store traces (default "     \
                "U64_MAX)",                                                                    \
                &(o).max, 0, 0x7fffffffffffffffL),                                             \
        KS_LONG(0, "state", "STATE",                                                           \
                "filter on this thread state bitmask (eg, 2 == TASK_UNINTERRUPTIBLE) see "     \
                "include/linux/sched.h",                                                       \
                &(o).state, 0, 0x7fffffff)

/* Check them (exit 2 on conflicts) and #define what the BPF programs read. */
void ks_offcpu_configure(struct ks_run *r, const struct ks_offcpu_opts *o);
/* -v: how the filters work on the probe chosen for "switch". */
void ks_offcpu_explain(struct ks_run *r, const struct ks_offcpu_opts *o);
/* "PID 185", "user threads", "all threads"... for the banner. */
void ks_offcpu_thread_context(char *buf, size_t size, const struct ks_offcpu_opts *o);
/* "user + kernel", "user", "kernel". */
const char *ks_offcpu_stack_context(const struct ks_offcpu_opts *o);

#endif
