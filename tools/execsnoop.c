/* execsnoop: trace new processes through exec() syscalls (BCC's execsnoop). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/execsnoop.h"
#include "ks_record.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_execsnoop_bpf_c[], ks_bpfsrc_execsnoop_h[];

static bool opt_time, opt_timestamp, opt_fails, opt_quote, opt_print_uid;
static const char *opt_name, *opt_line;
static long opt_uid = -1, opt_max_args = 20, opt_ppid = -1;
static regex_t re_name, re_line;

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
    KS_STR('n', "name", "NAME", "only print commands matching this name (regex), any arg",
           &opt_name),
    KS_STR('l', "line", "LINE", "only print commands where arg contains this line (regex)",
           &opt_line),
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
    /* Only where the exit path cannot read the parent from task_struct. */
    {.name = "fork", .tp = "sched:sched_process_fork", .optional = true},
};

/* Arguments arrive one event each; they wait here, per process, for the exit event. */
struct pending {
    __u32 pid;
    bool used;
    struct ks_buf args; /* as BCC prints them */
    struct ks_buf raw;  /* each as it came, NUL-terminated: JSON's list */
};
#define NPENDING 256
static struct pending pending[NPENDING];
static unsigned next_victim;
static uint64_t start_ns;

static struct pending *find_pending(__u32 pid, bool create)
{
    for (int i = 0; i < NPENDING; i++)
        if (pending[i].used && pending[i].pid == pid)
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
    p->args.len = 0;
    if (p->args.s)
        p->args.s[0] = '\0';
    p->raw.len = 0;
    return p;
}

static void add_arg(struct ks_buf *b, const char *arg)
{
    if (b->len)
        ks_buf_add(b, " ");
    if (opt_quote)
        ks_buf_add(b, "\"");
    for (const char *c = arg; *c; c++) {
        if (*c == '\n')
            ks_buf_add(b, "\\n");
        else if (opt_quote && *c == '"')
            ks_buf_add(b, "\\\"");
        else
            ks_buf_addn(b, c, 1);
    }
    if (opt_quote)
        ks_buf_add(b, "\"");
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
    struct pending *p = find_pending(e->pid, false);
    const char *args = p && p->args.s ? p->args.s : "";
    char comm[KS_COMM_LEN + 1];
    memcpy(comm, e->comm, KS_COMM_LEN);
    comm[KS_COMM_LEN] = '\0';
    __u32 ppid = e->ppid ? e->ppid : ks_proc_ppid(e->pid);
    bool skip = (e->retval != 0 && !opt_fails) ||
                (opt_name && regexec(&re_name, comm, 0, NULL, 0) != 0) ||
                (opt_line && regexec(&re_line, args, 0, NULL, 0) != 0) ||
                (opt_ppid >= 0 && ppid != (__u32)opt_ppid);
    if (!skip) {
        const char *argv[130];
        int argc = 0;
        for (size_t off = 0; p && off < p->raw.len && argc < 130; argc++) {
            argv[argc] = p->raw.s + off;
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
            [F_ARGS] = KS_S(args),
            [F_ARGV] = KS_V(argv, argc),
        };
        ks_record_emit(&rec, v);
    }
    if (p)
        p->used = false;
}

/* Exit events wait for the end of the pass over all CPUs: exec() usually moves the task
 * to another CPU, so its arguments may sit in a buffer read after its exit. One that still
 * has no arguments waits one pass more. */
#define NDEFER 1024
static struct {
    struct execsnoop_event e;
    int passes;
} deferred[NDEFER];
static int ndeferred;

static void on_batch(void)
{
    int kept = 0;
    for (int i = 0; i < ndeferred; i++) {
        if (!find_pending(deferred[i].e.pid, false) && deferred[i].passes++ == 0) {
            deferred[kept++] = deferred[i];
            continue;
        }
        print_exec(&deferred[i].e);
    }
    ndeferred = kept;
}

static void on_event(void *data, int size)
{
    const struct execsnoop_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    if (e->type == EXECSNOOP_ARG) {
        struct pending *p = find_pending(e->pid, true);
        char arg[EXECSNOOP_ARGSIZE + 1];
        memcpy(arg, e->arg, EXECSNOOP_ARGSIZE);
        arg[EXECSNOOP_ARGSIZE] = '\0';
        add_arg(&p->args, arg);
        ks_buf_addn(&p->raw, arg, strlen(arg) + 1);
        return;
    }
    if (ndeferred == NDEFER)
        on_batch();
    if (ndeferred == NDEFER) {
        print_exec(e);
        return;
    }
    deferred[ndeferred].e = *e;
    deferred[ndeferred].passes = 0;
    ndeferred++;
}

static void compile_regex(regex_t *re, const char *pattern, const char *what)
{
    int rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[128];
        regerror(rc, re, msg, sizeof(msg));
        ks_usage_error("invalid %s regex '%s': %s", what, pattern, msg);
    }
}

static void configure(struct ks_run *r)
{
    if (opt_name)
        compile_regex(&re_name, opt_name, "name");
    if (opt_line)
        compile_regex(&re_line, opt_line, "line");
    ks_define(r, "MAXARG", opt_max_args, "--max-args");
    if (opt_uid >= 0)
        ks_define(r, "UID_FILTER", opt_uid, "-u");
}

static void on_start(struct ks_run *r)
{
    start_ns = r->start_ns;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "execsnoop",
            .description = "Trace exec() syscalls",
            .opts = opts,
            .common = KS_C_DURATION | KS_C_BUFFER,
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
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
