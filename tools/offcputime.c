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

static struct ks_offcpu_opts o = {.stack_size = 16384, .min = 1, .max = -1, .state = -1};
static bool opt_offset;

static const struct ks_opt opts[] = {
    KS_OFFCPU_OPTS(o, "the number of unique stack traces that can be stored and displayed "
                      "(default 16384)"),
    KS_FLAG('s', "offset", "show address offsets", &opt_offset),
    KS_OPT_END,
};

/* sched_switch has both ends; finish_task_switch (and the copies compilers make of it)
 * is BCC's kprobe. */
static struct ks_probe probes[] = {
    {.name = "switch",
     .tp = "sched:sched_switch",
     .kprobes = {KS_SCHED_SWITCH_KPROBES}},
};

/* The BPF program's key (bpfsrc/offcputime.bpf.c). */
struct key_t {
    uint32_t pid, tgid;
    int32_t user_stack_id, kernel_stack_id;
    char name[16];
};

static void configure(struct ks_run *r)
{
    if (o.folded && opt_offset)
        ks_usage_error("can only use -f or -s");
    ks_offcpu_configure(r, &o);
}

static void on_start(struct ks_run *r)
{
    ks_offcpu_explain(r, &o);
    if (o.folded) {
        ks_stacktool_preload(!o.user_only);
        return;
    }
    char thread[160];
    ks_offcpu_thread_context(thread, sizeof(thread), &o);
    ks_textf("Tracing off-CPU time (us) of %s by %s stack", thread, ks_offcpu_stack_context(&o));
    ks_stacktool_banner_end(r);
    ks_stacktool_preload(!o.user_only);
}

static void on_interval(struct ks_run *r)
{
    static const struct ks_stack_key layout = {
        .size = sizeof(struct key_t),
        .pid_off = offsetof(struct key_t, pid),
        .tgid_off = offsetof(struct key_t, tgid),
        .ustack_off = offsetof(struct key_t, user_stack_id),
        .kstack_off = offsetof(struct key_t, kernel_stack_id),
        .comm_off = offsetof(struct key_t, name),
    };
    struct ks_stack_report rep = {
        .value_json = "total_us",
        .kernel_on = !o.user_only,
        .user_on = !o.kernel_only,
        .delimit = o.delimited,
        .folded = o.folded,
        .kflags = opt_offset ? KS_FRAME_OFFSET : 0,
        .uflags = opt_offset ? KS_FRAME_OFFSET : 0,
    };
    struct ks_stacktool_out out = {sizeof(struct key_t), o.folded, "off-CPU spans", 10240,
                                   NULL};
    ks_stacktool_report(r, &out, &layout, &rep);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "offcputime",
            .description = "Summarize off-CPU time by stack trace",
            .opts = opts,
            .common = KS_C_POS_DURATION,
            .json = true,
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
