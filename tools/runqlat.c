/* runqlat: summarize run queue (scheduler) latency as a histogram (BCC's runqlat). */
#define _GNU_SOURCE
#include <stdio.h>

#include "ks_record.h"
#include "ks_sched.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_runqlat_bpf_c[];

static bool opt_timestamp, opt_ms, opt_pids, opt_pidnss, opt_tids;
static long opt_pid;

static const struct ks_opt opts[] = {
    KS_FLAG('T', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('m', "milliseconds", "millisecond histogram", &opt_ms),
    KS_FLAG('P', "pids", "print a histogram per process ID", &opt_pids),
    KS_FLAG(0, "pidnss", "print a histogram per PID namespace", &opt_pidnss),
    KS_FLAG('L', "tids", "print a histogram per thread ID", &opt_tids),
    KS_LONG('p', "pid", "PID", "trace this PID only", &opt_pid, 1, 0x3fffffff),
    KS_OPT_END,
};

static struct ks_probe probes[] = {KS_RUNQ_PROBES};

static bool by_process(void)
{
    return opt_pid > 0 || opt_pids || opt_pidnss;
}

static void configure(struct ks_run *r)
{
    if (opt_pids + opt_tids + opt_pidnss > 1)
        ks_usage_error("can only use one of -P, -L and --pidnss");
    const char *why = NULL;
    if (opt_pidnss && r->opt.probe_mode != KS_MODE_KPROBE && !ks_struct_reads(r, &why))
        ks_usage_error("--pidnss reads each task's PID namespace from its task_struct, which "
                       "on tracepoints needs the running kernel's own headers (%s); use "
                       "--probe=kprobe",
                       why);
    ks_runq_configure(r, opt_pid, 0, by_process(), false);
    ks_define(r, "KS_TIME_HIST", 1, "log2 histograms (kscope.bpf.h)");
    if (opt_ms)
        ks_define(r, "MILLISECONDS", 1, "-m");
    if (opt_pids)
        ks_define(r, "PER_PID", 1, "-P");
    if (opt_tids)
        ks_define(r, "PER_TID", 1, "-L");
    if (opt_pidnss)
        ks_define(r, "PER_PIDNS", 1, "--pidnss");
}

static void on_start(struct ks_run *r)
{
    ks_runq_explain(r, by_process());
    ks_textf("Tracing run queue latency... Hit Ctrl-C to end.\n");
}

static void on_interval(struct ks_run *r)
{
    struct ks_sched_hist h = {
        .unit = opt_ms ? "msecs" : "usecs",
        .unit_ns = opt_ms ? 1000000 : 1000,
        .section = opt_pids ? "pid" : opt_tids ? "tid" : opt_pidnss ? "pidns" : NULL,
        .timestamp = opt_timestamp,
        .metric = "latency_seconds",
        .help = "Run queue latency: time from a thread becoming runnable to running on a CPU",
    };
    ks_sched_hist_interval(r, &h);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "runqlat",
            .json = true,
            .description = "Summarize run queue (scheduler) latency as a histogram",
            .opts = opts,
            .common = KS_C_INTERVAL,
            .examples = "    runqlat            # summarize run queue latency as a histogram\n"
                        "    runqlat 1 10       # print 1 second summaries, 10 times\n"
                        "    runqlat -mT 1      # 1s summaries, milliseconds, and timestamps\n"
                        "    runqlat -P         # show each PID separately\n"
                        "    runqlat -p 185     # trace PID 185 only\n"
                        "    runqlat --json 1   # JSON: one histogram object per second\n",
        },
    .bpf_source = ks_bpfsrc_runqlat_bpf_c,
    .bpf_name = "runqlat.bpf.c",
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
