/* execsnoop: trace new processes through exec() syscalls (BCC's execsnoop). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/execsnoop.h"
#include "ks_record.h"
#include "ks_regex.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_execsnoop_bpf_c[], ks_bpfsrc_execsnoop_h[];

static bool opt_time, opt_timestamp, opt_fails, opt_quote, opt_print_uid;
static const char *opt_name, *opt_line;
static long opt_uid = -1, opt_max_args = 20, opt_ppid = -1;
static struct ks_regex *re_name, *re_line;

static bool parse_uid(const char *arg, void *dest)
{
    long v;
    if (ks_parse_long(arg, 0, 0xfffffffe, &v)) {
        *(long *)dest = v;
        return true;
    }
    struct passwd *pw = getpwnam(arg);
    if (!pw)
        return false;
    *(long *)dest = pw->pw_uid;
    return true;
}

static const struct ks_opt opts[] = {
    KS_FLAG('T', "time", "include time column on output (HH:MM:SS)", &opt_time),
    KS_FLAG('t', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('x', "fails", "include failed exec()s", &opt_fails),
    KS_FUNC('u', "uid", "USER", "trace this UID (or user name) only", &opt_uid, parse_uid),
    KS_FLAG('q', "quote", "add \"quotemarks\" around arguments", &opt_quote),
    KS_STR('n', "name", "NAME",
           "only print commands matching this name, any arg " KS_REGEX_SYNTAX, &opt_name),
    KS_STR('l', "line", "LINE",
           "only print commands where arg contains this line " KS_REGEX_SYNTAX, &opt_line),
    KS_FLAG('U', "print-uid", "print UID column", &opt_print_uid),
    KS_LONG(0, "max-args", "MAX_ARGS",
            "maximum number of arguments parsed and displayed, defaults to 20", &opt_max_args, 1,
            64),
    KS_LONG('P', "ppid", "PPID", "trace this parent PID only", &opt_ppid, 0, 0x7fffffff),
    KS_OPT_END,
};

static struct ks_probe probes[] = {
    {.name = "exec_enter", .tp = "syscalls:sys_enter_execve",
     .kprobes = {KS_SYSCALL_KPROBES("execve")}},
    {.name = "exec_exit", .tp = "syscalls:sys_exit_execve",
     .kprobes = {KS_SYSCALL_KPROBES("execve")}, .ret = true},
    {.name = "execat_enter", .tp = "syscalls:sys_enter_execveat",
     .kprobes = {KS_SYSCALL_KPROBES("execveat")}, .optional = true},
    {.name = "execat_exit", .tp = "syscalls:sys_exit_execveat",
     .kprobes = {KS_SYSCALL_KPROBES("execveat")}, .ret = true, .optional = true},
    /* Only where the exit path cannot read the parent from task_struct (kscope.bpf.h). */
    {.name = "fork", .tp = "sched:sched_process_fork", .optional = true},
};

/* Arguments arrive one event each; they wait here, per exec() attempt, for its exit
 * event. They are kept as given, NUL-separated: -l matches them unquoted (as BCC does),
 * -q quotes them only for printing. */
struct pending {
    __u32 pid;
    bool used;
    __u64 attempt;
    struct ks_buf args;
};
#define NPENDING 256
static struct pending pending[NPENDING];
static unsigned next_victim;
static uint64_t start_ns;

static struct pending *find_pending(__u32 pid, __u64 attempt, bool create)
{
    for (int i = 0; i < NPENDING; i++)
        if (pending[i].used && pending[i].pid == pid && pending[i].attempt == attempt)
            return &pending[i];
    if (!create)
        return NULL;
    struct pending *p = NULL;
    for (int i = 0; i < NPENDING && !p; i++)
        if (!pending[i].used)
            p = &pending[i];
    if (!p) /* all busy: exits were lost; reuse one round-robin */
        p = &pending[next_victim++ % NPENDING];
    p->used = true;
    p->pid = pid;
    p->attempt = attempt;
    p->args.len = 0;
    return p;
}

/* The arguments joined by spaces: as given (for -l), or as shown (newlines escaped,
 * quoted with -q). */
static void join_args(const struct pending *p, bool shown, struct ks_buf *out)
{
    out->len = 0;
    ks_buf_add(out, "");
    for (size_t off = 0; p && off < p->args.len;) {
        const char *arg = p->args.s + off;
        size_t n = strlen(arg);
        off += n + 1;
        if (out->len)
            ks_buf_add(out, " ");
        if (!shown) {
            ks_buf_addn(out, arg, n);
            continue;
        }
        if (opt_quote)
            ks_buf_add(out, "\"");
        for (const char *c = arg; *c; c++) {
            if (*c == '\n')
                ks_buf_add(out, "\\n");
            else if (opt_quote && *c == '"')
                ks_buf_add(out, "\\\"");
            else
                ks_buf_addn(out, c, 1);
        }
        if (opt_quote)
            ks_buf_add(out, "\"");
    }
}

/* The record: BCC's columns and formats. */
enum { F_TIME, F_TS, F_UID, F_COMM, F_PID, F_PPID, F_RET, F_ARGS, F_ARGV, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-9s",
                .fmt = "%-9s", .on = &opt_time},
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-8s",
              .fmt = "%-8.3f", .on = &opt_timestamp},
    [F_UID] = {.json = "uid", .type = KS_T_UINT, .header = "UID", .hfmt = "%-6s", .fmt = "%-6d",
               .on = &opt_print_uid},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "PCOMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    /* Unknown when the parent has exited: "?" as BCC prints, null in JSON. */
    [F_PPID] = {.json = "ppid", .type = KS_T_UINT, .header = "PPID", .hfmt = "%-7s ",
                .fmt = "%-7d ", .null_text = "?"},
    [F_RET] = {.json = "retval", .type = KS_T_INT, .header = "RET", .hfmt = "%3s ",
               .fmt = "%3d "},
    /* Text: BCC's one string (-q quotes, newlines escaped); JSON: the list as captured. */
    [F_ARGS] = {.type = KS_T_STR, .header = "ARGS", .hfmt = "%s", .fmt = "%s"},
    [F_ARGV] = {.json = "args", .type = KS_T_STRV},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void print_exec(const struct execsnoop_event *e)
{
    static struct ks_buf raw, shown;
    struct pending *p = find_pending(e->pid, e->attempt, false);
    char comm[KS_COMM_LEN + 1];
    memcpy(comm, e->comm, KS_COMM_LEN);
    comm[KS_COMM_LEN] = '\0';
    __u32 ppid = e->ppid;
    join_args(p, false, &raw);
    bool skip = (e->retval != 0 && !opt_fails) ||
                (re_name && !ks_regex_search(re_name, comm, strlen(comm))) ||
                (re_line && !ks_regex_search(re_line, raw.s, raw.len)) ||
                (opt_ppid >= 0 && ppid != (__u32)opt_ppid);
    if (!skip) {
        join_args(p, true, &shown);
        const char *argv[130];
        int argc = 0;
        for (size_t off = 0; p && off < p->args.len && argc < 130; argc++) {
            argv[argc] = p->args.s + off;
            off += strlen(argv[argc]) + 1;
        }
        struct ks_val v[NF] = {
            [F_TIME] = KS_U(ks_wall_ns()),
            [F_TS] = KS_U(ks_now_ns() - start_ns),
            [F_UID] = KS_U(e->uid),
            [F_COMM] = KS_S(comm),
            [F_PID] = KS_U(e->pid),
            [F_PPID] = ppid ? KS_U(ppid) : KS_NULL,
            [F_RET] = KS_I(e->retval),
            [F_ARGS] = KS_S(shown.s),
            [F_ARGV] = KS_V(argv, argc),
        };
        ks_record_emit(&rec, v);
    }
    if (p)
        p->used = false;
}

/* Exit events wait for the end of the pass over all CPUs: exec() usually moves the task
 * to another CPU, so with per-CPU perf buffers its arguments may be read after its exit,
 * and a later attempt's exit before an earlier one's. Each pass prints its exits in the
 * order they happened; one that still has no arguments waits one pass more, and so do
 * the later attempts of the same process, to keep their order. */
#define NDEFER 1024
static struct deferred {
    struct execsnoop_event e;
    int passes;
} deferred[NDEFER];
static int ndeferred;

static int cmp_deferred(const void *a, const void *b)
{
    const struct deferred *x = a, *y = b;
    return x->e.ts < y->e.ts ? -1 : x->e.ts > y->e.ts;
}

static bool pid_waiting(__u32 pid, int kept)
{
    for (int i = 0; i < kept; i++)
        if (deferred[i].e.pid == pid)
            return true;
    return false;
}

static void on_batch(void)
{
    int kept = 0;
    if (ndeferred > 1)
        qsort(deferred, (size_t)ndeferred, sizeof(deferred[0]), cmp_deferred);
    for (int i = 0; i < ndeferred; i++) {
        struct deferred *d = &deferred[i];
        bool args_missing = !find_pending(d->e.pid, d->e.attempt, false);
        if ((args_missing && d->passes++ == 0) || pid_waiting(d->e.pid, kept)) {
            deferred[kept++] = *d;
            continue;
        }
        print_exec(&d->e);
    }
    ndeferred = kept;
}

/* The parent, when the kernel could not say: /proc, read as soon as the event arrives,
 * while the process most likely still exists. */
static void fill_ppid(struct execsnoop_event *e)
{
    if (!e->ppid)
        e->ppid = ks_proc_ppid(e->pid);
}

static void on_event(void *data, int size)
{
    const struct execsnoop_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    if (e->type == EXECSNOOP_ARG) {
        struct pending *p = find_pending(e->pid, e->attempt, true);
        ks_buf_addn(&p->args, e->arg, strnlen(e->arg, EXECSNOOP_ARGSIZE));
        ks_buf_addn(&p->args, "", 1);
        return;
    }
    if (ndeferred == NDEFER)
        on_batch();
    if (ndeferred == NDEFER) {
        struct execsnoop_event copy = *e;
        fill_ppid(&copy);
        print_exec(&copy);
        return;
    }
    deferred[ndeferred].e = *e;
    deferred[ndeferred].passes = 0;
    fill_ppid(&deferred[ndeferred].e);
    ndeferred++;
}

static void configure(struct ks_run *r)
{
    if (opt_name)
        re_name = ks_regex_compile(opt_name, "-n");
    if (opt_line)
        re_line = ks_regex_compile(opt_line, "-l");
    /* With the kernel's own headers the exit reads the parent from the task itself. */
    probes[4].off = ks_struct_reads(r, NULL);
    ks_define(r, "MAXARG", opt_max_args, "--max-args");
    if (opt_uid >= 0)
        ks_define(r, "UID_FILTER", opt_uid, "-u");
}

/* -v: where the PPID column comes from. */
static void say_ppid_source(struct ks_run *r)
{
    const char *why;
    bool reads = ks_struct_reads(r, &why);
    const struct ks_probe_choice *c = ks_choice(r, "exec_exit");
    if (c && c->kind != KS_KIND_TRACEPOINT)
        ks_info("PPID: the task's real_parent (kprobe path)");
    else if (reads)
        ks_info("PPID: the task's real_parent (%s)", why);
    else
        ks_info("PPID: recorded at fork (sched_process_fork) and from /proc at start; else "
                "/proc/PID/status as the event arrives; no struct reads because %s",
                why);
}

static void on_start(struct ks_run *r)
{
    say_ppid_source(r);
    start_ns = r->start_ns;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "execsnoop",
            .json = true,
            .description = "Trace exec() syscalls",
            .opts = opts,
            .common = KS_C_DURATION | KS_C_BUFFER | KS_C_CONTAINERS,
            .default_pages = 256,
            .examples = "    execsnoop                      # trace all exec() syscalls\n"
                        "    execsnoop -x                   # include failed exec()s\n"
                        "    execsnoop -T                   # include time (HH:MM:SS)\n"
                        "    execsnoop -P 181               # only trace new processes whose "
                        "parent PID is 181\n"
                        "    execsnoop -U                   # include UID\n"
                        "    execsnoop -u 1000              # only trace UID 1000\n"
                        "    execsnoop -u user              # get user UID and trace only them\n"
                        "    execsnoop -t                   # include timestamps\n"
                        "    execsnoop -q                   # add \"quotemarks\" around arguments\n"
                        "    execsnoop -n main              # only print command lines containing "
                        "\"main\"\n"
                        "    execsnoop -l tpkg              # only print command where arguments "
                        "contains \"tpkg\"\n"
                        "    execsnoop -d 10                # trace for 10 seconds only\n"
                        "    execsnoop --cgroupmap mappath  # only trace cgroups in this BPF "
                        "map\n"
                        "    execsnoop --mntnsmap mappath   # only trace mount namespaces in "
                        "the map\n"
                        "    execsnoop --probe=kprobe -v    # force kprobes, say what was chosen\n",
        },
    .bpf_source = ks_bpfsrc_execsnoop_bpf_c,
    .bpf_name = "execsnoop.bpf.c",
    .bpf_header = ks_bpfsrc_execsnoop_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_batch = on_batch,
    .on_start = on_start,
    /* Wake user space every 128 events (or 100 ms): per-event wake-ups cost more than the
     * events themselves at high rates (measured in bench/ with opensnoop). */
    .wakeup_events = 128,
    /* PPID: the map is a hint; events of processes it lacks read /proc as they arrive. */
    .parents_after_ready = true,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
