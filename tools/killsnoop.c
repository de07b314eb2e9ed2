/* killsnoop: trace signals issued by the kill() syscall (BCC's killsnoop), and by tkill()
 * and tgkill(). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/killsnoop.h"
#include "ks_record.h"
#include "ks_syscall.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_killsnoop_bpf_c[], ks_bpfsrc_killsnoop_h[];

static bool opt_failed;
static long opt_tpid = -1;
static uint64_t sig_mask; /* bit s-1: signal s */
static const char *opt_signals;

/* -s 9,15 or -s KILL,SIGTERM: BCC takes numbers; names are a kscope extension. */
static bool parse_signals(const char *arg, void *dest)
{
    (void)dest;
    char *copy = ks_xstrdup(arg), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int s = ks_signal_nr(t);
        if (s < 0)
            ks_usage_error("unknown signal '%s' in '%s' (a number 1-64 or a name such as "
                           "TERM or SIGKILL, separated by commas)",
                           t, arg);
        sig_mask |= 1ull << (s - 1);
    }
    free(copy);
    if (!sig_mask)
        ks_usage_error("no signal in '%s'", arg);
    opt_signals = arg;
    return true;
}

static const struct ks_opt opts[] = {
    KS_FLAG('x', "failed", "only show failed kill syscalls", &opt_failed),
    KS_LONG('T', "tpid", "TPID",
            "trace this target PID only which is the receiver of signal", &opt_tpid, 0,
            0x7fffffff),
    KS_FUNC('s', "signal", "SIGNAL",
            "trace a signal or a signal list (numbers or names: 9,15 or KILL,TERM)", NULL,
            parse_signals),
    KS_OPT_END,
};

/* Each call's entry and exit; the tracepoints need CONFIG_FTRACE_SYSCALLS, the kprobes are
 * on the syscall functions. Entry and exit share a map keyed by thread id, the same for
 * either mechanism. */
static struct ks_probe probes[] = {
    {.name = "kill_enter", .tp = "syscalls:sys_enter_kill", .kprobes = {KS_SYSCALL_KPROBES("kill")}},
    {.name = "kill_exit", .tp = "syscalls:sys_exit_kill", .kprobes = {KS_SYSCALL_KPROBES("kill")},
     .ret = true},
    {.name = "tkill_enter", .tp = "syscalls:sys_enter_tkill",
     .kprobes = {KS_SYSCALL_KPROBES("tkill")}},
    {.name = "tkill_exit", .tp = "syscalls:sys_exit_tkill",
     .kprobes = {KS_SYSCALL_KPROBES("tkill")}, .ret = true},
    {.name = "tgkill_enter", .tp = "syscalls:sys_enter_tgkill",
     .kprobes = {KS_SYSCALL_KPROBES("tgkill")}},
    {.name = "tgkill_exit", .tp = "syscalls:sys_exit_tgkill",
     .kprobes = {KS_SYSCALL_KPROBES("tgkill")}, .ret = true},
};

/* BCC sizes the PID columns from /proc/sys/kernel/pid_max: its digits plus one. */
static char pid_hfmt[16], pid_fmt[16], tpid_hfmt[16], tpid_fmt[16];
enum { F_TIME, F_PID, F_TID, F_COMM, F_SIG, F_SIGNAME, F_TPID, F_TTID, F_RESULT, F_CALL, NF };
static struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-9s ",
                .fmt = "%-9s "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = pid_hfmt,
               .fmt = pid_fmt},
    [F_TID] = {.json = "tid", .type = KS_T_UINT},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_SIG] = {.json = "sig", .type = KS_T_INT, .header = "SIG", .hfmt = "%-4s ", .fmt = "%-4d "},
    [F_SIGNAME] = {.json = "signal", .type = KS_T_STR},
    [F_TPID] = {.json = "tpid", .type = KS_T_INT, .header = "TPID", .hfmt = tpid_hfmt,
                .fmt = tpid_fmt},
    [F_TTID] = {.json = "ttid", .type = KS_T_INT},
    [F_RESULT] = {.json = "result", .type = KS_T_INT, .header = "RESULT", .hfmt = "%s",
                  .fmt = "%d"},
    [F_CALL] = {.json = "syscall", .type = KS_T_STR},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_event(void *data, int size)
{
    const struct killsnoop_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    static const char *const calls[] = {"kill", "tkill", "tgkill"};
    char comm[KS_COMM_LEN + 1];
    memcpy(comm, e->comm, KS_COMM_LEN);
    comm[KS_COMM_LEN] = '\0';
    const char *name = ks_signal_name(e->sig);
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_wall_ns()),
        [F_PID] = KS_U(e->pid),
        [F_TID] = KS_U(e->tid),
        [F_COMM] = KS_S(comm),
        [F_SIG] = KS_I(e->sig),
        [F_SIGNAME] = name ? KS_S(name) : KS_NULL,
        [F_TPID] = KS_I(e->tpid),
        [F_TTID] = e->call == KILLSNOOP_TGKILL ? KS_I(e->ttid) : KS_NULL,
        [F_RESULT] = KS_I(e->ret),
        [F_CALL] = KS_S(e->call < 3 ? calls[e->call] : "?"),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    int width = 6;
    char *s = ks_read_file("/proc/sys/kernel/pid_max", NULL);
    if (s) {
        width = (int)strcspn(s, "\n") + 1;
        free(s);
    }
    snprintf(pid_hfmt, sizeof(pid_hfmt), "%%-%ds ", width);
    snprintf(pid_fmt, sizeof(pid_fmt), "%%-%dd ", width);
    snprintf(tpid_hfmt, sizeof(tpid_hfmt), "%%-%ds ", width);
    snprintf(tpid_fmt, sizeof(tpid_fmt), "%%-%dd ", width);
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_tpid >= 0)
        ks_define(r, "TPID_FILTER", opt_tpid, "-T");
    if (sig_mask & 0xffffffffull)
        ks_define(r, "SIGNAL_MASK_LO", (long long)(sig_mask & 0xffffffffull), "-s: 1-32");
    if (sig_mask >> 32)
        ks_define(r, "SIGNAL_MASK_HI", (long long)(sig_mask >> 32), "-s: 33-64");
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
            .name = "killsnoop",
            .json = true,
            .description = "Trace signals issued by the kill() syscall (and tkill(), tgkill())",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    killsnoop           # trace all kill() signals\n"
                        "    killsnoop -x        # only show failed kills\n"
                        "    killsnoop -p 181    # only trace PID 181\n"
                        "    killsnoop -T 189    # only trace target PID 189\n"
                        "    killsnoop -s 9      # only trace signal 9\n"
                        "    killsnoop -s 9,15   # trace signal 9 and 15\n"
                        "    killsnoop -s TERM   # trace SIGTERM (names work too)\n",
        },
    .bpf_source = ks_bpfsrc_killsnoop_bpf_c,
    .bpf_name = "killsnoop.bpf.c",
    .bpf_header = ks_bpfsrc_killsnoop_h,
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
