/* klockstat: kernel mutex wait and hold times per caller (BCC's klockstat; also installed
 * as lockstat). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_attach.h"
#include "ks_ksyms.h"
#include "ks_lockstat.h"
#include "ks_record.h"
#include "ks_stack.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_klockstat_bpf_c[];

static struct ks_lockstat_opts o = KS_LOCKSTAT_DEFAULTS;

static const struct ks_opt opts[] = {
    KS_LOCKSTAT_OPTS(o),
    KS_OPT_END,
};

/* Waits: the contention tracepoints (5.19+), else BCC's kprobe pair on mutex_lock. Holds:
 * kprobes only (nothing marks a release), optional: without them the wait table alone. */
#define MUTEX_LOCK_KPROBES {"mutex_lock_nested", "mutex_lock"}
static struct ks_probe probes[] = {
    {.name = "begin", .tp = "lock:contention_begin", .optional = true, .group = 1},
    {.name = "end", .tp = "lock:contention_end", .optional = true, .group = 1},
    {.name = "lock", .kprobes = MUTEX_LOCK_KPROBES, .optional = true},
    {.name = "lock_ret", .kprobes = MUTEX_LOCK_KPROBES, .ret = true, .optional = true},
    {.name = "unlock", .kprobes = {"mutex_unlock"}, .optional = true},
};

static bool chosen(struct ks_run *r, const char *probe)
{
    const struct ks_probe_choice *c = ks_choice(r, probe);
    return c && c->kind != KS_KIND_NONE;
}

/* The first frames of a stack are the lock's own code (mutex_lock, __mutex_lock_slowpath,
 * __mutex_lock...; with the tracepoint also the tracing code before them). The kernel
 * puts its locking and scheduling functions in two text sections (__lock_text_*,
 * __sched_text_*, as perf lock contention knows them): the caller is the first frame after
 * the first run of frames in them. Without those markers, BCC's rule: the second frame. */
static uint64_t g_sched[2], g_lock[2];
static bool lock_code(uint64_t ip)
{
    return (ip >= g_sched[0] && ip < g_sched[1]) || (ip >= g_lock[0] && ip < g_lock[1]);
}

static int kernel_frames(int stacks_fd, int stackid, char **out, int max)
{
    if (ks_stack_id_missed(stackid) || stackid < 0) {
        out[0] = ks_xstrdup("[Missed Kernel Stack]");
        return 1;
    }
    uint64_t ips[KS_STACK_DEPTH];
    int n = ks_stack_read(stacks_fd, stackid, ips, KS_STACK_DEPTH);
    int i = 0;
    if (g_sched[1] || g_lock[1]) {
        while (i < n && !lock_code(ips[i]))
            i++;
        if (i == n)
            i = 0; /* no lock code seen: print from the top */
        while (i < n && lock_code(ips[i]))
            i++;
    } else {
        i = n > 1 ? 1 : 0;
    }
    int m = 0;
    char buf[256];
    for (; i < n && m < max; i++)
        out[m++] = ks_xstrdup(ks_ksym_str(ips[i], true, false, buf, sizeof(buf)));
    return m;
}

static void configure(struct ks_run *r)
{
    ks_lockstat_configure(r, &o);
}

static void on_start(struct ks_run *r)
{
    g_sched[0] = ks_ksym_addr("__sched_text_start");
    g_sched[1] = ks_ksym_addr("__sched_text_end");
    g_lock[0] = ks_ksym_addr("__lock_text_start");
    g_lock[1] = ks_ksym_addr("__lock_text_end");
    if (!chosen(r, "begin") && !chosen(r, "lock")) {
        /* Neither way of timing waits: nothing to show. */
        ks_err("no way to time mutex waits here: lock:contention_begin/end (5.19+) are "
               "missing and mutex_lock cannot be probed (run with -v for why, or "
               "kscope-doctor)");
        ks_detach_all();
        exit(1);
    }
    if (!(chosen(r, "lock") && chosen(r, "lock_ret") && chosen(r, "unlock"))) {
        const struct ks_probe_choice *c = ks_choice(r, "unlock");
        const char *why = c && c->why.s ? c->why.s : "";
        const char *k = strstr(why, "kprobe mutex_unlock: ");
        const char *reason = k ? k + strlen("kprobe mutex_unlock: ") : "not attached";
        ks_warn("hold times need kprobes on mutex_lock and mutex_unlock (%.*s): printing "
                "wait times only",
                (int)strcspn(reason, "\n"), reason);
    }
    if (chosen(r, "begin"))
        ks_info("waits: lock:contention_begin/end, mutexes only: contended acquisitions (an "
                "uncontended mutex_lock is not seen)");
    ks_lockstat_banner();
}

static void on_interval(struct ks_run *r)
{
    bool hold = chosen(r, "lock") && chosen(r, "lock_ret") && chosen(r, "unlock");
    ks_lockstat_report(r, &o, hold, kernel_frames);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "klockstat",
            .json = true,
            .description = "Kernel mutex statistics: wait (and, with kprobes, hold) times per "
                           "caller",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION,
            .examples = "    klockstat                           # trace system wide\n"
                        "    klockstat -d 5                      # trace for 5 seconds only\n"
                        "    klockstat -i 5                      # display stats every 5 "
                        "seconds\n"
                        "    klockstat -p 123                    # trace locks for PID 123\n"
                        "    klockstat -t 321                    # trace locks for TID 321\n"
                        "    klockstat -c pipe_                  # display stats only for lock "
                        "callers with 'pipe_' substring\n"
                        "    klockstat -S acq_count              # sort lock acquired results "
                        "on acquired count\n"
                        "    klockstat -S hld_total              # sort lock held results on "
                        "total held time\n"
                        "    klockstat -S acq_count,hld_total    # combination of above\n"
                        "    klockstat -n 3                      # display 3 locks\n"
                        "    klockstat -s 3                      # display 3 levels of stack\n",
        },
    .bpf_source = ks_bpfsrc_klockstat_bpf_c,
    .bpf_name = "klockstat.bpf.c",
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
    .on_exit = ks_lockstat_on_exit,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
