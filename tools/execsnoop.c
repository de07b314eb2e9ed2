/* execsnoop: trace new processes through exec() syscalls (BCC's execsnoop). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/execsnoop.h"
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
    struct ks_buf args;
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
        if (opt_time) {
            char t[16];
            printf("%-9s", ks_time_str(t, sizeof(t), "%H:%M:%S"));
        }
        if (opt_timestamp)
            printf("%-8.3f", (double)(ks_now_ns() - start_ns) / 1e9);
        if (opt_print_uid)
            printf("%-6u", e->uid);
        char pp[16] = "?";
        if (ppid)
            snprintf(pp, sizeof(pp), "%u", ppid);
        printf("%-16s %-7u %-7s %3d %s\n", comm, e->pid, pp, e->retval, args);
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
    if (opt_time)
        printf("%-9s", "TIME");
    if (opt_timestamp)
        printf("%-8s", "TIME(s)");
    if (opt_print_uid)
        printf("%-6s", "UID");
    printf("%-16s %-7s %-7s %3s %s\n", "PCOMM", "PID", "PPID", "RET", "ARGS");
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
