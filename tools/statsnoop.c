/* statsnoop: trace stat() syscalls (BCC's statsnoop). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "../bpfsrc/statsnoop.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_statsnoop_bpf_c[], ks_bpfsrc_statsnoop_h[];

static bool opt_timestamp, opt_sysname, opt_failed;
static uint64_t first_ts;

static const struct ks_opt opts[] = {
    KS_FLAG('t', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('s', "sysname", "include syscall name on output", &opt_sysname),
    KS_FLAG('x', "failed", "only show failed stats", &opt_failed),
    KS_OPT_END,
};

/* Each syscall: entry and return, a tracepoint each, else a kprobe and a kretprobe on the
 * syscall's function. Which exist depends on the architecture; statfs is everywhere. */
#define STAT_PROBES(sys, opt)                                                                \
    {.name = #sys "_enter", .tp = "syscalls:sys_enter_" #sys,                                \
     .kprobes = {KS_SYSCALL_KPROBES(#sys)}, .optional = (opt)},                              \
        {.name = #sys "_exit", .tp = "syscalls:sys_exit_" #sys,                              \
         .kprobes = {KS_SYSCALL_KPROBES(#sys)}, .ret = true, .optional = (opt)}
static struct ks_probe probes[] = {
    STAT_PROBES(newstat, true),   STAT_PROBES(newlstat, true), STAT_PROBES(newfstatat, true),
    STAT_PROBES(statx, true),     STAT_PROBES(statfs, false),  STAT_PROBES(stat, true),
    STAT_PROBES(fstatat64, true),
};

/* BCC's columns: ["%-14s" TIME(s)] "%-7s %-16s %4s %3s" [" %-12s" SYSCALL] " %s" PATH. */
enum { F_TS, F_PID, F_COMM, F_FD, F_ERR, F_CALL, F_PATH, NF };
static const struct ks_field fields[NF] = {
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-14s",
              .fmt = "%-14.9f", .on = &opt_timestamp},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    /* A failed call has no descriptor: null in JSON, -1 in text as BCC prints. */
    [F_FD] = {.json = "fd", .type = KS_T_INT, .header = "FD", .hfmt = "%4s ", .fmt = "%4d ",
              .null_text = "-1"},
    [F_ERR] = {.json = "errno", .type = KS_T_INT, .header = "ERR", .hfmt = "%3s", .fmt = "%3d"},
    [F_CALL] = {.json = "syscall", .type = KS_T_STR, .header = "SYSCALL", .hfmt = " %-12s",
                .fmt = " %-12s", .on = &opt_sysname},
    [F_PATH] = {.json = "path", .type = KS_T_STR, .header = "PATH", .hfmt = " %s",
                .fmt = " %s"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_event(void *data, int size)
{
    static const char *const names[] = {"N/A",     "stat",     "statx",     "statfs",
                                        "newstat", "newlstat", "fstatat64", "newfstatat"};
    if ((size_t)size < sizeof(struct statsnoop_event))
        return;
    struct statsnoop_event e;
    memcpy(&e, data, sizeof(e));
    char comm[17];
    memcpy(comm, e.comm, 16);
    comm[16] = '\0';
    e.name[STATSNOOP_NAME_LEN] = '\0';
    if (!first_ts)
        first_ts = e.ts;
    struct ks_val v[NF] = {
        [F_TS] = KS_U(e.ts - first_ts),
        [F_PID] = KS_U(e.pid),
        [F_COMM] = KS_S(comm),
        /* statfs() and statx() return 0, not a descriptor: BCC prints it as FD all the same. */
        [F_FD] = e.ret >= 0 ? KS_I(e.ret) : KS_NULL,
        [F_ERR] = KS_I(e.ret >= 0 ? 0 : -e.ret),
        [F_CALL] = KS_S(e.call < sizeof(names) / sizeof(names[0]) ? names[e.call] : "N/A"),
        [F_PATH] = KS_S(e.name),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_failed)
        ks_define(r, "FAILED_ONLY", 1, "-x");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "statsnoop",
            .json = true,
            .description = "Trace stat() syscalls",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    statsnoop           # trace all stat() syscalls\n"
                        "    statsnoop -t        # include timestamps\n"
                        "    statsnoop -s        # include syscall name\n"
                        "    statsnoop -x        # only show failed stats\n"
                        "    statsnoop -p 181    # only trace PID 181\n",
        },
    .bpf_source = ks_bpfsrc_statsnoop_bpf_c,
    .bpf_name = "statsnoop.bpf.c",
    .bpf_header = ks_bpfsrc_statsnoop_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    .wakeup_events = 64,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
