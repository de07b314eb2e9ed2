/* ks_sched: facts about the scheduler's tracepoints on the running kernel.
 *
 * sched:sched_switch reports prev_state not as the task's state but in a report encoding,
 * and marks a task that was preempted while runnable with one extra bit ("R+" in the
 * trace): TASK_REPORT_MAX (0x100 on 4.14+ kernels), TASK_STATE_MAX before (1024, 2048,
 * 4096 as states were added). The bit is not assumed: it is read from the tracepoint's
 * print format on the running kernel, where it is the value prev_state is ANDed with
 * before printing "+". */
#ifndef KS_SCHED_H
#define KS_SCHED_H

#include <stdint.h>

/* The preempt bit, or 0 with *why when the format cannot be read or has no such test. */
uint64_t ks_sched_preempt_bit(const char **why);

/* The same from a print fmt line (tests). */
uint64_t ks_sched_preempt_bit_from(const char *format, const char **why);

/* ---- The scheduler tools (runqlat, runqslower, cpudist, runqlen) above the runtime ---- */
#include <stdbool.h>

struct ks_run;

/* finish_task_switch(prev) and the copies compilers make of it: the kprobe fallbacks of
 * sched:sched_switch (the task switched in is the current one, prev the argument). */
#define KS_SCHED_SWITCH_KPROBES                                                                \
    "finish_task_switch", "finish_task_switch.isra.0", "finish_task_switch.isra.1",            \
        "finish_task_switch.constprop.0"

/* The probes of run-queue latency (bpfsrc/kscope.bpf.h, KS_RUNQ): one group, so that the
 * enqueue and switch-in times come from the same mechanism. ttwu_do_wakeup(rq, p, ...)
 * became an inline helper in 6.2; ttwu_do_activate(rq, p, ...) calls it. */
#define KS_RUNQ_PROBES                                                                         \
    {.name = "wakeup", .tp = "sched:sched_wakeup",                                             \
     .kprobes = {"ttwu_do_wakeup", "ttwu_do_activate"}, .group = 1},                           \
        {.name = "wakeup_new", .tp = "sched:sched_wakeup_new",                                 \
         .kprobes = {"wake_up_new_task"}, .group = 1},                                         \
    {                                                                                          \
        .name = "switch", .tp = "sched:sched_switch", .kprobes = {KS_SCHED_SWITCH_KPROBES},     \
        .group = 1                                                                             \
    }

/* #define REPORT_STATE_MASK (sched_switch's prev_state bits below the preempted bit, from
 * the tracepoint's format) for programs that tell runnable from sleeping on the tracepoint.
 * false with *why when the format does not say. */
bool ks_sched_define_state_mask(struct ks_run *r, const char **why);

/* -p PID (> 0) for kscope.bpf.h's pid_wanted(): NUM_PID and PID_0. */
void ks_sched_define_pid(struct ks_run *r, long pid);

/* An interval's start as BCC's interval tools print it: an empty line, with -T the time. */
void ks_sched_interval_begin(bool timestamp);

/* What runq_done() needs (bpfsrc/kscope.bpf.h, KS_RUNQ): the state mask (or exit 2 unless
 * --probe=kprobe), a process filter (pid > 0: NUM_PID, PID_0), a thread filter (tid > 0),
 * RUNQ_BY_PROCESS when the process id is needed (-p, -P, --pidnss), RUNQ_COMMS when names
 * are. */
void ks_runq_configure(struct ks_run *r, long pid, long tid, bool by_process, bool comms);
/* -v: how the process id is had on the probes chosen (after attach). */
void ks_runq_explain(struct ks_run *r, bool by_process);

/* One interval of a log2 histogram tool (runqlat, cpudist; their programs define
 * KS_TIME_HIST): the "dist" map, keyed {u64 section, u64 slot},
 * printed as BCC prints it and cleared; "dist_sum" (totals in ns, keyed {section, 0}) for
 * --prom; "extension" for -e. */
struct ks_sched_hist {
    const char *unit;    /* "usecs" or "msecs" */
    uint64_t unit_ns;    /* 1000 or 1000000 */
    const char *section; /* "pid", "tid", "pidns", or NULL: one histogram */
    bool comm;           /* section value "ID COMM", the name from /proc at output (cpudist) */
    bool timestamp;      /* -T */
    bool extension;      /* -e */
    const char *metric;  /* --prom: the metric, without kscope_<tool>_ */
    const char *help;
};
void ks_sched_hist_interval(struct ks_run *r, const struct ks_sched_hist *h);

#endif
