/* cpudist: summarize on- and off-CPU time per task as a histogram (BCC's cpudist). */
#define _GNU_SOURCE
#include <stdio.h>

#include "ks_record.h"
#include "ks_sched.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_cpudist_bpf_c[];

static bool opt_offcpu, opt_timestamp, opt_ms, opt_pids, opt_tids, opt_idle, opt_extension;
static long opt_pid;

static const struct ks_opt opts[] = {
    KS_FLAG('O', "offcpu", "measure off-CPU time", &opt_offcpu),
    KS_FLAG('T', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('m', "milliseconds", "millisecond histogram", &opt_ms),
    KS_FLAG('P', "pids", "print a histogram per process ID", &opt_pids),
    KS_FLAG('L', "tids", "print a histogram per thread ID", &opt_tids),
    KS_LONG('p', "pid", "PID", "trace this PID only", &opt_pid, 1, 0x3fffffff),
    KS_FLAG('I', "include-idle", "include CPU idle time", &opt_idle),
    KS_FLAG('e', "extension", "show extension summary (average/total/count)", &opt_extension),
    KS_OPT_END,
};

static struct ks_probe probes[] = {
    {.name = "switch", .tp = "sched:sched_switch", .kprobes = {KS_SCHED_SWITCH_KPROBES}},
};

static void configure(struct ks_run *r)
{
    if (opt_pids && opt_tids)
        ks_usage_error("can only use one of -P and -L");
    ks_define(r, "KS_TIME_HIST", 1, "log2 histograms (kscope.bpf.h)");
    if (opt_offcpu)
        ks_define(r, "OFFCPU", 1, "-O");
    if (opt_ms)
        ks_define(r, "MILLISECONDS", 1, "-m");
    if (opt_pids)
        ks_define(r, "PER_PID", 1, "-P");
    if (opt_tids)
        ks_define(r, "PER_TID", 1, "-L");
    ks_sched_define_pid(r, opt_pid);
    if (opt_idle)
        ks_define(r, "INCLUDE_IDLE", 1, "-I");
    if (opt_extension)
        ks_define(r, "EXTENSION", 1, "-e");
}

static void on_start(struct ks_run *r)
{
    const struct ks_probe_choice *c = ks_choice(r, "switch");
    if (c && c->kind == KS_KIND_TRACEPOINT && (opt_pid > 0 || opt_pids))
        ks_info("process ids: taken as each thread leaves the CPU, when it is the current "
                "task at sched_switch (no task struct read)");
    ks_textf("Tracing %s-CPU time... Hit Ctrl-C to end.\n", opt_offcpu ? "off" : "on");
}

static void on_interval(struct ks_run *r)
{
    struct ks_sched_hist h = {
        .unit = opt_ms ? "msecs" : "usecs",
        .unit_ns = opt_ms ? 1000000 : 1000,
        .section = opt_pids ? "pid" : opt_tids ? "tid" : NULL,
        .comm = true,
        .timestamp = opt_timestamp,
        .extension = opt_extension,
        .metric = opt_offcpu ? "offcpu_seconds" : "oncpu_seconds",
        .help = opt_offcpu ? "Time threads spent off-CPU, per span (cpudist -O)"
                           : "Time threads spent on-CPU, per span",
    };
    ks_sched_hist_interval(r, &h);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "cpudist",
            .json = true,
            .description = "Summarize on- and off-CPU time per task as a histogram.",
            .opts = opts,
            .common = KS_C_INTERVAL,
            .examples = "    cpudist              # summarize on-CPU time as a histogram\n"
                        "    cpudist -O           # summarize off-CPU time as a histogram\n"
                        "    cpudist 1 10         # print 1 second summaries, 10 times\n"
                        "    cpudist -mT 1        # 1s summaries, milliseconds, and timestamps\n"
                        "    cpudist -P           # show each PID separately\n"
                        "    cpudist -p 185       # trace PID 185 only\n"
                        "    cpudist -I           # include CPU idle time\n"
                        "    cpudist -e           # show extension summary "
                        "(average/total/count)\n",
        },
    .bpf_source = ks_bpfsrc_cpudist_bpf_c,
    .bpf_name = "cpudist.bpf.c",
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
