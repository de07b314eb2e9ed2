/* wakeuptime: summarize sleep to wakeup time by waker kernel stack (BCC's wakeuptime). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_ksyms.h"
#include "ks_stack.h"
#include "ks_stacktool.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_wakeuptime_bpf_c[];

static bool opt_useronly, opt_folded;
static long opt_stack_size = 1024, opt_min = 1, opt_max = -1;
static struct ks_id_list opt_pids, no_tids;

static const struct ks_opt opts[] = {
    KS_FLAG('u', "useronly", "user threads only (no kernel threads)", &opt_useronly),
    KS_FUNC('p', "pid", "PID", "trace this PID only (or comma separated PIDs)", &opt_pids,
            ks_parse_id_list),
    KS_FLAG('f', "folded", "output folded format", &opt_folded),
    KS_LONG(0, "stack-storage-size", "STACK_STORAGE_SIZE",
            "the number of unique stack traces that can be stored and displayed (default 1024)",
            &opt_stack_size, 1, 10000000),
    KS_LONG('m', "min-block-time", "MIN_BLOCK_TIME",
            "the amount of time in microseconds over which we store traces (default 1)",
            &opt_min, 0, 0x7fffffffffffffffL),
    KS_LONG('M', "max-block-time", "MAX_BLOCK_TIME",
            "the amount of time in microseconds under which we store traces (default U64_MAX)",
            &opt_max, 0, 0x7fffffffffffffffL),
    KS_OPT_END,
};

/* One group: the sleep time kept at switch-out is read at the wakeup. */
static struct ks_probe probes[] = {
    {.name = "switch", .tp = "sched:sched_switch", .kprobes = {"schedule"}, .group = 1},
    {.name = "waking", .tp = "sched:sched_waking", .kprobes = {"try_to_wake_up"}, .group = 1},
};

struct key_t {
    char waker[16];
    char target[16];
    int32_t w_k_stack_id;
};

static void configure(struct ks_run *r)
{
    if (opt_pids.n && opt_useronly)
        ks_usage_error("use either -p or -u");
    if (opt_max >= 0 && opt_min > opt_max)
        ks_usage_error("-m %ld is above -M %ld: no blocked time could be counted", opt_min,
                       opt_max);
    ks_stacktool_define_lists(r, &opt_pids, &no_tids);
    ks_define(r, "STACK_STORAGE_SIZE", opt_stack_size, "--stack-storage-size");
    ks_define(r, "MIN_BLOCK_US", opt_min, "-m");
    if (opt_max >= 0)
        ks_define(r, "MAX_BLOCK_US", opt_max, "-M");
    if (opt_useronly)
        ks_define(r, "USER_THREADS_ONLY", 1, "-u");
}

static void on_start(struct ks_run *r)
{
    const struct ks_probe_choice *c = ks_choice(r, "switch");
    if (c && c->kind == KS_KIND_TRACEPOINT && (opt_pids.n || opt_useronly))
        ks_info("-p/-u: tested on the thread going to sleep, the current task at "
                "sched_switch (no task struct read)");
    if (opt_folded) {
        ks_stacktool_preload(true);
        return;
    }
    printf("Tracing blocked time (us) by kernel stack");
    ks_stacktool_banner_end(r);
    ks_stacktool_preload(true);
}

static void print_entry(const void *key, uint64_t value, int sfd, struct ks_stack_losses *l)
{
    struct key_t k;
    memcpy(&k, key, sizeof(k));
    ks_stack_loss_add(l, k.w_k_stack_id);
    if (opt_folded) {
        /* waker;frames, root first;target N */
        struct ks_frames fr = {0};
        struct ks_buf line = {0};
        ks_frames_kernel(&fr, sfd, k.w_k_stack_id, 0);
        ks_buf_printf(&line, "%.16s", k.waker);
        ks_frames_fold(&line, &fr, "[Missed Kernel Stack]");
        ks_buf_printf(&line, ";%.16s", k.target);
        printf("%s %llu\n", line.s, (unsigned long long)value);
        ks_buf_free(&line);
        ks_frames_free(&fr);
        return;
    }
    uint64_t ips[KS_STACK_DEPTH];
    int nf = ks_stack_read(sfd, k.w_k_stack_id, ips, KS_STACK_DEPTH);
    char sym[256];
    printf("    %-16s %.16s\n", "target:", k.target);
    if (ks_stack_id_missed(k.w_k_stack_id))
        printf("    [Missed Kernel Stack]\n");
    for (int f = 0; f < nf; f++)
        printf("    %-16llx %s\n", (unsigned long long)ips[f],
               ks_ksym_str(ips[f], false, false, sym, sizeof(sym)));
    printf("    %-16s %.16s\n", "waker:", k.waker);
    printf("        %llu\n\n", (unsigned long long)value);
}

static void on_interval(struct ks_run *r)
{
    struct ks_stacktool_out out = {sizeof(struct key_t), opt_folded, "wakeups", 10240, NULL};
    ks_stacktool_each(r, &out, print_entry);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "wakeuptime",
            .description = "Summarize sleep to wakeup time by waker kernel stack",
            .opts = opts,
            .common = KS_C_POS_DURATION,
            .examples = "    wakeuptime             # trace blocked time with waker stacks\n"
                        "    wakeuptime 5           # trace for 5 seconds only\n"
                        "    wakeuptime -f 5        # 5 seconds, and output in folded format\n"
                        "    wakeuptime -u          # don't include kernel threads (user only)\n"
                        "    wakeuptime -p 185      # trace for PID 185 only\n"
                        "    wakeuptime -m 1000     # only sleeps of more than 1000 usec\n"
                        "(BCC's -v, raw addresses, is kscope's -v, verbose: the addresses are "
                        "always printed.)\n",
        },
    .bpf_source = ks_bpfsrc_wakeuptime_bpf_c,
    .bpf_name = "wakeuptime.bpf.c",
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
