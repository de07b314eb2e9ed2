/* runqslower: trace high run queue latency (BCC's runqslower). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ks_record.h"
#include "ks_sched.h"
#include "ks_tool.h"
#include "ks_util.h"

extern const char ks_bpfsrc_runqslower_bpf_c[];

static bool opt_previous;
static long opt_pid, opt_tid;
static long min_us = 10000;

static const struct ks_opt opts[] = {
    KS_FLAG('P', "previous", "also show previous task name and TID", &opt_previous),
    KS_LONG('p', "pid", "PID", "trace this PID only", &opt_pid, 1, 0x3fffffff),
    KS_LONG('t', "tid", "TID", "trace this TID only", &opt_tid, 1, 0x3fffffff),
    KS_OPT_END,
};
/* BCC's positional argument; above an hour is no run-queue latency but a mistake. */
static const struct ks_opt min_us_arg = KS_LONG(
    0, "min_us", "MIN_US", "minimum run queue latency to trace, in us (default 10000)", &min_us,
    0, 3600000000L);

static struct ks_probe probes[] = {KS_RUNQ_PROBES};

/* The BPF program's event (struct runq_ev, bpfsrc/kscope.bpf.h). */
struct runq_ev {
    uint64_t delta_ns;
    uint32_t tid, tgid, prev_tid, pad;
    char comm[16];
    char prev_comm[16];
};

enum { F_TIME, F_COMM, F_TID, F_LAT, F_PREV_COMM, F_PREV_TID, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-8s ",
                .fmt = "%-8s "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_TID] = {.json = "tid", .type = KS_T_INT, .header = "TID", .hfmt = "%-6s ",
               .fmt = "%-6d "},
    [F_LAT] = {.json = "latency_us", .type = KS_T_UINT, .header = "LAT(us)", .hfmt = "%14s",
               .fmt = "%14llu"},
    [F_PREV_COMM] = {.json = "prev_comm", .type = KS_T_STR, .header = "PREV COMM",
                     .hfmt = " %-16s", .fmt = " %-16s", .on = &opt_previous},
    [F_PREV_TID] = {.json = "prev_tid", .type = KS_T_INT, .header = "PREV TID",
                    .hfmt = " %-6s", .fmt = " %-6d", .on = &opt_previous},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void configure(struct ks_run *r)
{
    if (opt_pid > 0 && opt_tid > 0)
        ks_usage_error("argument -t/--tid: not allowed with argument -p/--pid");
    ks_runq_configure(r, opt_pid, opt_tid, opt_pid > 0, true);
    ks_define(r, "MIN_US", min_us, "min_us");
}

static void on_start(struct ks_run *r)
{
    ks_runq_explain(r, opt_pid > 0);
    ks_textf("Tracing run queue latency higher than %ld us\n", min_us);
    ks_record_header(&rec);
}

static void on_event(void *data, int size)
{
    if (size < (int)sizeof(struct runq_ev))
        return;
    struct runq_ev e;
    memcpy(&e, data, sizeof(e));
    char comm[17], prev[17];
    memcpy(comm, e.comm, 16);
    comm[16] = '\0';
    memcpy(prev, e.prev_comm, 16);
    prev[16] = '\0';
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct ks_val v[NF] = {
        [F_TIME] = KS_U((uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec),
        [F_COMM] = KS_S(comm),
        [F_TID] = KS_I(e.tid),
        [F_LAT] = KS_U(e.delta_ns / 1000),
        [F_PREV_COMM] = KS_S(prev),
        [F_PREV_TID] = KS_I(e.prev_tid),
    };
    ks_record_emit(&rec, v);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "runqslower",
            .json = true,
            .description = "Trace high run queue latency",
            .opts = opts,
            .common = KS_C_BUFFER,
            .default_pages = 64,
            .positional = &min_us_arg,
            .examples = "    runqslower         # trace run queue latency higher than 10000 us "
                        "(default)\n"
                        "    runqslower 1000    # trace run queue latency higher than 1000 us\n"
                        "    runqslower -p 123  # trace pid 123\n"
                        "    runqslower -t 123  # trace tid 123 (use for threads only)\n"
                        "    runqslower -P      # also show previous task comm and TID\n",
        },
    .bpf_source = ks_bpfsrc_runqslower_bpf_c,
    .bpf_name = "runqslower.bpf.c",
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
