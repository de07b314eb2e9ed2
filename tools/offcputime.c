/* offcputime: summarize off-CPU time by stack trace (BCC's offcputime). */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_sched.h"
#include "ks_stack.h"
#include "ks_stacktool.h"
#include "ks_tool.h"
#include "ks_usyms.h"

extern const char ks_bpfsrc_offcputime_bpf_c[];

static bool opt_user_threads, opt_kernel_threads, opt_user_only, opt_kernel_only,
    opt_delimited, opt_folded, opt_offset;
static long opt_stack_size = 16384, opt_min = 1, opt_max = -1, opt_state = -1;
static struct ks_id_list opt_pids, opt_tids;

static const struct ks_opt opts[] = {
    KS_FUNC('p', "pid", "PIDS", "trace these PIDS only (comma separated)", &opt_pids,
            ks_parse_id_list),
    KS_FUNC('t', "tid", "TIDS", "trace these TIDS only (comma separated)", &opt_tids,
            ks_parse_id_list),
    KS_FLAG('u', "user-threads-only", "user threads only (no kernel threads)",
            &opt_user_threads),
    KS_FLAG('k', "kernel-threads-only", "kernel threads only (no user threads)",
            &opt_kernel_threads),
    KS_FLAG('U', "user-stacks-only", "show stacks from user space only (no kernel space stacks)",
            &opt_user_only),
    KS_FLAG('K', "kernel-stacks-only",
            "show stacks from kernel space only (no user space stacks)", &opt_kernel_only),
    KS_FLAG('d', "delimited", "insert delimiter between kernel/user stacks", &opt_delimited),
    KS_FLAG('f', "folded", "output folded format", &opt_folded),
    KS_FLAG('s', "offset", "show address offsets", &opt_offset),
    KS_LONG(0, "stack-storage-size", "STACK_STORAGE_SIZE",
            "the number of unique stack traces that can be stored and displayed (default "
            "16384)",
            &opt_stack_size, 1, 10000000),
    KS_LONG('m', "min-block-time", "MIN_BLOCK_TIME",
            "the amount of time in microseconds over which we store traces (default 1)",
            &opt_min, 0, 0x7fffffffffffffffL),
    KS_LONG('M', "max-block-time", "MAX_BLOCK_TIME",
            "the amount of time in microseconds under which we store traces (default U64_MAX)",
            &opt_max, 0, 0x7fffffffffffffffL),
    KS_LONG(0, "state", "STATE",
            "filter on this thread state bitmask (eg, 2 == TASK_UNINTERRUPTIBLE) see "
            "include/linux/sched.h",
            &opt_state, 0, 0x7fffffff),
    KS_OPT_END,
};

/* sched_switch has both ends; finish_task_switch (and the copies compilers make of it)
 * is BCC's kprobe. */
static struct ks_probe probes[] = {
    {.name = "switch",
     .tp = "sched:sched_switch",
     .kprobes = {"finish_task_switch", "finish_task_switch.isra.0", "finish_task_switch.isra.1",
                 "finish_task_switch.constprop.0"}},
};

/* The BPF program's key (bpfsrc/offcputime.bpf.c). */
struct key_t {
    uint32_t pid, tgid;
    int32_t user_stack_id, kernel_stack_id;
    char name[16];
};

static void configure(struct ks_run *r)
{
    int threads = (opt_pids.n > 0) + (opt_tids.n > 0) + opt_user_threads + opt_kernel_threads;
    if (threads > 1)
        ks_usage_error("-p, -t, -u and -k are mutually exclusive");
    if (opt_user_only && opt_kernel_only)
        ks_usage_error("argument -K/--kernel-stacks-only: not allowed with argument "
                       "-U/--user-stacks-only");
    if (opt_folded && opt_offset)
        ks_usage_error("can only use -f or -s");
    if (opt_max >= 0 && opt_min > opt_max)
        ks_usage_error("-m %ld is above -M %ld: no off-CPU time could be counted", opt_min,
                       opt_max);
    ks_stacktool_define_lists(r, &opt_pids, &opt_tids);
    ks_define(r, "STACK_STORAGE_SIZE", opt_stack_size, "--stack-storage-size");
    ks_define(r, "MIN_BLOCK_US", opt_min, "-m");
    if (opt_max >= 0)
        ks_define(r, "MAX_BLOCK_US", opt_max, "-M");
    if (!opt_user_only)
        ks_define(r, "KERNEL_STACKS", 1, "not -U");
    if (!opt_kernel_only) {
        ks_define(r, "USER_STACKS", 1, "not -K");
        ks_define(r, "KS_NOTE_PIDS", 1, "user stacks: the tool reads each process's maps");
    }
    if (opt_user_threads)
        ks_define(r, "USER_THREADS_ONLY", 1, "-u");
    if (opt_kernel_threads)
        ks_define(r, "KERNEL_THREADS_ONLY", 1, "-k");
    if (opt_state >= 0) {
        ks_define(r, "STATE_FILTER", 1, "--state");
        ks_define(r, "STATE_VALUE", opt_state, "--state");
        const char *why = NULL;
        uint64_t bit = ks_sched_preempt_bit(&why);
        if (bit)
            ks_define(r, "REPORT_STATE_MASK", (long long)(bit - 1),
                      "prev_state bits below the preempted bit, from the sched_switch format");
        else if (r->opt.probe_mode != KS_MODE_KPROBE)
            ks_usage_error("--state: cannot tell preempted threads apart on sched_switch here "
                           "(%s); use --probe=kprobe",
                           why);
    }
}

static void on_start(struct ks_run *r)
{
    const struct ks_probe_choice *c = ks_choice(r, "switch");
    if (c && c->kind == KS_KIND_TRACEPOINT) {
        if (opt_pids.n)
            ks_info("-p: the process of the thread leaving the CPU is the current task at "
                    "sched_switch (no task struct read)");
        if (opt_user_threads || opt_kernel_threads)
            ks_info("-u/-k: kernel threads are the ones without user memory (a user stack "
                    "lookup answers -EFAULT; no task struct read)");
        if (opt_state >= 0)
            ks_info("--state: matched against sched_switch's prev_state, a report encoding "
                    "(idle kernel threads report I, 0x80, not D)");
    }
    if (opt_folded)
        return;
    char thread[160];
    ks_stacktool_thread_context(thread, sizeof(thread), &opt_pids, "PID", &opt_tids, "TID");
    if (!opt_pids.n && !opt_tids.n)
        snprintf(thread, sizeof(thread), "%s",
                 opt_user_threads     ? "user threads"
                 : opt_kernel_threads ? "kernel threads"
                                      : "all threads");
    printf("Tracing off-CPU time (us) of %s by %s stack", thread,
           opt_user_only ? "user" : opt_kernel_only ? "kernel" : "user + kernel");
    if (r->opt.duration)
        printf(" for %ld secs.\n", r->opt.duration);
    else
        printf("... Hit Ctrl-C to end.\n");
}

static void on_interval(struct ks_run *r)
{
    int cfd = ks_map_fd(r, "counts"), sfd = ks_map_fd(r, "stack_traces");
    const struct ks_map_def *cd = ks_map_def(r, "counts");
    if (cfd < 0 || sfd < 0 || !cd || cd->key_size != sizeof(struct key_t)) {
        ks_err("internal: the counts or stack_traces map is missing or not as expected");
        exit(1);
    }
    if (!opt_folded)
        printf("\n");
    static const struct ks_stack_key layout = {
        .size = sizeof(struct key_t),
        .pid_off = offsetof(struct key_t, pid),
        .tgid_off = offsetof(struct key_t, tgid),
        .ustack_off = offsetof(struct key_t, user_stack_id),
        .kstack_off = offsetof(struct key_t, kernel_stack_id),
        .comm_off = offsetof(struct key_t, name),
    };
    struct ks_stack_report o = {
        .kernel_on = !opt_user_only,
        .user_on = !opt_kernel_only,
        .delimit = opt_delimited,
        .folded = opt_folded,
        .kflags = opt_offset ? KS_FRAME_OFFSET : 0,
        .uflags = opt_offset ? KS_FRAME_OFFSET : 0,
    };
    ks_stack_report(cfd, sfd, &layout, &o, stdout);
    ks_stack_dropped_warn(ks_map_fd(r, "dropped"), "off-CPU spans", 10240, NULL);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "offcputime",
            .description = "Summarize off-CPU time by stack trace",
            .opts = opts,
            .common = KS_C_POS_DURATION,
            .examples =
                "    offcputime             # trace off-CPU stack time until Ctrl-C\n"
                "    offcputime 5           # trace for 5 seconds only\n"
                "    offcputime -f 5        # 5 seconds, and output in folded format\n"
                "    offcputime -s 5        # 5 seconds, and show symbol offsets\n"
                "    offcputime -m 1000     # trace only events that last more than 1000 usec\n"
                "    offcputime -M 10000    # trace only events that last less than 10000 usec\n"
                "    offcputime -p 185      # only trace threads for PID 185\n"
                "    offcputime -t 188      # only trace thread 188\n"
                "    offcputime -u          # only trace user threads (no kernel)\n"
                "    offcputime -k          # only trace kernel threads (no user)\n"
                "    offcputime -U          # only show user space stacks (no kernel)\n"
                "    offcputime -K          # only show kernel space stacks (no user)\n"
                "    offcputime --state 2   # only threads off-CPU in TASK_UNINTERRUPTIBLE\n"
                "    offcputime -f 10 | kscope-flamegraph > offcpu.svg  # an off-CPU flame graph\n",
        },
    .bpf_source = ks_bpfsrc_offcputime_bpf_c,
    .bpf_name = "offcputime.bpf.c",
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = ks_stacktool_on_note,
    .on_start = on_start,
    .on_interval = on_interval,
    .wakeup_events = 1,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
