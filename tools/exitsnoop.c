/* exitsnoop: trace all process termination (exit, fatal signal) (BCC's exitsnoop). */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <ctype.h>
#include <dirent.h>
#include <linux/bpf.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../bpfsrc/exitsnoop.h"
#include "ks_record.h"
#include "ks_syscall.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_exitsnoop_bpf_c[], ks_bpfsrc_exitsnoop_h[];

static bool opt_timestamp, opt_utc, opt_failed, opt_per_thread;
static const char *opt_label;

static const struct ks_opt opts[] = {
    KS_FLAG('t', "timestamp", "include timestamp (local time default)", &opt_timestamp),
    KS_FLAG(0, "utc", "include timestamp in UTC (-t implied)", &opt_utc),
    KS_STR(0, "label", "LABEL", "label each line", &opt_label),
    KS_FLAG('x', "failed", "trace only fails, exclude exit(0)", &opt_failed),
    KS_FLAG(0, "per-thread", "trace per thread termination", &opt_per_thread),
    KS_OPT_END,
};

/* The exit itself, then what replaces BCC's task struct reads on tracepoint paths where
 * the headers are not the running kernel's (all off when the reads are allowed). */
static struct ks_probe probes[] = {
    {.name = "exit", .tp = "sched:sched_process_exit", .kprobes = {"do_exit"}},
    {.name = "exit_group", .tp = "syscalls:sys_enter_exit_group", .optional = true},
    {.name = "exit_thread", .tp = "syscalls:sys_enter_exit", .optional = true},
    {.name = "signal", .tp = "signal:signal_generate", .optional = true},
    {.name = "fork", .tp = "sched:sched_process_fork", .optional = true},
};
#define NPROBES ((int)(sizeof(probes) / sizeof(probes[0])))

static char time_header[32];
static bool show_time, show_label;
enum { F_TIME, F_WALL, F_LABEL, F_COMM, F_PID, F_PPID, F_TID, F_AGE, F_AGE_NS, F_EXIT, F_CODE,
       F_STATUS, F_SIG, F_SIGNAME, F_CORE, NF };
static struct ks_field fields[NF] = {
    [F_TIME] = {.type = KS_T_STR, .header = time_header, .hfmt = "%-13s", .fmt = "%-13s",
                .on = &show_time},
    [F_WALL] = {.json = "time_unix_ns", .type = KS_T_UINT},
    [F_LABEL] = {.json = "label", .type = KS_T_STR, .header = "LABEL", .hfmt = "%-6s",
                 .fmt = "%-6s", .on = &show_label},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "PCOMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    [F_PPID] = {.json = "ppid", .type = KS_T_UINT, .header = "PPID", .hfmt = "%-7s ",
                .fmt = "%-7d ", .null_text = "-"},
    [F_TID] = {.json = "tid", .type = KS_T_UINT, .header = "TID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    [F_AGE] = {.type = KS_T_NS, .header = "AGE(s)", .hfmt = "%-7s ", .fmt = "%-7.2f ",
               .null_text = "-"},
    [F_AGE_NS] = {.json = "age_ns", .type = KS_T_UINT},
    [F_EXIT] = {.type = KS_T_STR, .header = "EXIT_CODE", .hfmt = "%-10s", .fmt = "%s"},
    /* JSON: the raw code as wait() reports it, and its parts. */
    [F_CODE] = {.json = "exit_code", .type = KS_T_INT},
    [F_STATUS] = {.json = "exit_status", .type = KS_T_INT},
    [F_SIG] = {.json = "signal", .type = KS_T_INT},
    [F_SIGNAME] = {.json = "signal_name", .type = KS_T_STR},
    [F_CORE] = {.json = "core_dumped", .type = KS_T_INT},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

/* "HH:MM:SS.mmm", local or UTC, as BCC prints it. */
static void time_text(char *buf, size_t size, uint64_t wall_ns)
{
    time_t t = (time_t)(wall_ns / 1000000000ull);
    struct tm tm;
    if (opt_utc)
        gmtime_r(&t, &tm);
    else
        localtime_r(&t, &tm);
    char hms[16];
    strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
    snprintf(buf, size, "%s.%03u", hms, (unsigned)(wall_ns / 1000000ull % 1000));
}

/* BCC's words: "0", "code N", "signal N (NAME)" and ", core dumped ". */
static void exit_text(char *buf, size_t size, const struct exitsnoop_event *e)
{
    if (!(e->flags & EXITSNOOP_CODE_KNOWN)) {
        snprintf(buf, size, "-");
        return;
    }
    int code = e->exit_code;
    int sig = code & 0x7f;
    if ((code & 0xff) == 0) {
        if (code >> 8)
            snprintf(buf, size, "code %d", code >> 8);
        else
            snprintf(buf, size, "0");
        return;
    }
    const char *name = ks_signal_name(sig);
    size_t n = 0;
    buf[0] = '\0';
    if (sig)
        n = (size_t)snprintf(buf, size, "signal %d (%s)", sig, name ? name : "unknown");
    if ((code & 0x80) && n < size)
        snprintf(buf + n, size - n, ", core dumped ");
}

static void on_event(void *data, int size)
{
    const struct exitsnoop_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    char comm[KS_COMM_LEN + 1], when[32], code[64];
    memcpy(comm, e->comm, KS_COMM_LEN);
    comm[KS_COMM_LEN] = '\0';
    uint64_t wall = ks_wall_ns();
    time_text(when, sizeof(when), wall);
    exit_text(code, sizeof(code), e);
    bool known = e->flags & EXITSNOOP_CODE_KNOWN;
    bool by_signal = known && (e->exit_code & 0xff);
    bool has_start = (e->flags & EXITSNOOP_START_KNOWN) && e->exit_ns >= e->start_ns;
    const char *signame = by_signal ? ks_signal_name(e->exit_code & 0x7f) : NULL;
    struct ks_val v[NF] = {
        [F_TIME] = KS_S(when),
        [F_WALL] = KS_U(wall),
        [F_LABEL] = KS_S(opt_label && *opt_label ? opt_label : "exit"),
        [F_COMM] = KS_S(comm),
        [F_PID] = KS_U(e->pid),
        [F_PPID] = (e->flags & EXITSNOOP_PPID_KNOWN) ? KS_U(e->ppid) : KS_NULL,
        [F_TID] = KS_U(e->tid),
        [F_AGE] = has_start ? KS_U(e->exit_ns - e->start_ns) : KS_NULL,
        [F_AGE_NS] = has_start ? KS_U(e->exit_ns - e->start_ns) : KS_NULL,
        [F_EXIT] = KS_S(code),
        [F_CODE] = known ? KS_I(e->exit_code) : KS_NULL,
        [F_STATUS] = known && !by_signal ? KS_I(e->exit_code >> 8) : KS_NULL,
        [F_SIG] = by_signal ? KS_I(e->exit_code & 0x7f) : KS_NULL,
        [F_SIGNAME] = signame ? KS_S(signame) : KS_NULL,
        [F_CORE] = by_signal && (e->flags & EXITSNOOP_CORE_KNOWN)
                       ? KS_I((e->exit_code & 0x80) ? 1 : 0)
                       : KS_NULL,
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    if (opt_utc)
        opt_timestamp = true;
    show_time = opt_timestamp;
    show_label = opt_label != NULL;
    if (opt_timestamp) {
        char tz[16] = "UTC";
        if (!opt_utc) {
            time_t now = time(NULL);
            struct tm tm;
            localtime_r(&now, &tm);
            strftime(tz, sizeof(tz), "%Z", &tm);
        }
        snprintf(time_header, sizeof(time_header), "TIME-%s", tz);
    }
    const char *why;
    /* The kprobe path reads the task; a tracepoint path only with the kernel's own headers. */
    bool reads = r->opt.probe_mode == KS_MODE_KPROBE || ks_struct_reads(r, &why);
    for (int i = 1; i < NPROBES; i++)
        probes[i].off = reads;
    if (r->opt.probe_mode != KS_MODE_KPROBE)
        ks_info("exit code, PPID, age: %s (%s)",
                reads ? "read from the task (exit_code, real_parent, start_time)"
                      : "from the exit_group()/exit() syscalls and signal_generate, and "
                        "sched_process_fork plus /proc at start; a core dump is not "
                        "reported, a re-parented process shows its first parent",
                why);
    if (!reads)
        ks_define(r, "KS_ON_FORK", 1, "the fork program notes start times");
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_per_thread)
        ks_define(r, "PER_THREAD", 1, "--per-thread");
    if (opt_failed)
        ks_define(r, "FAILED_ONLY", 1, "-x");
}

/* Start times of the tasks that were there before the tool (tracepoint path): from
 * /proc/PID/stat's starttime (clock ticks since boot), moved to the monotonic clock the
 * BPF program uses. */
static uint64_t proc_start_ns(const char *path, uint64_t boot_to_mono)
{
    char *s = ks_read_file(path, NULL);
    if (!s)
        return 0;
    const char *p = strrchr(s, ')'); /* after the name, which may hold anything */
    unsigned long long start = 0;
    int field = 2;
    for (; p && *p && field < 22; p++)
        if (*p == ' ')
            field++;
    if (p && field == 22)
        start = strtoull(p, NULL, 10);
    free(s);
    uint64_t ns = start * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
    return ns > boot_to_mono ? ns - boot_to_mono : 0;
}

static void seed_one(int fd, uint32_t tid, const char *path, uint64_t off, size_t *n)
{
    uint64_t ns = proc_start_ns(path, off);
    /* BPF_NOEXIST: a fork seen since attaching is newer than this read. */
    if (ns && bpf_update_elem(fd, &tid, &ns, BPF_NOEXIST) == 0)
        (*n)++;
}

static void seed_starts(struct ks_run *r)
{
    int fd = ks_map_fd(r, "born");
    if (fd < 0)
        return;
    struct timespec b, m;
    clock_gettime(CLOCK_BOOTTIME, &b);
    clock_gettime(CLOCK_MONOTONIC, &m);
    uint64_t boot_ns = (uint64_t)b.tv_sec * 1000000000ull + (uint64_t)b.tv_nsec;
    uint64_t mono_ns = (uint64_t)m.tv_sec * 1000000000ull + (uint64_t)m.tv_nsec;
    uint64_t off = boot_ns > mono_ns ? boot_ns - mono_ns : 0;
    DIR *d = opendir("/proc");
    if (!d)
        return;
    struct dirent *de;
    size_t n = 0;
    char path[96];
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        uint32_t pid = (uint32_t)strtoul(de->d_name, NULL, 10);
        if (!opt_per_thread) {
            snprintf(path, sizeof(path), "/proc/%u/stat", pid);
            seed_one(fd, pid, path, off, &n);
            continue;
        }
        snprintf(path, sizeof(path), "/proc/%u/task", pid);
        DIR *td = opendir(path);
        struct dirent *te;
        while (td && (te = readdir(td))) {
            if (!isdigit((unsigned char)te->d_name[0]))
                continue;
            uint32_t tid = (uint32_t)strtoul(te->d_name, NULL, 10);
            snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", pid, tid);
            seed_one(fd, tid, path, off, &n);
        }
        if (td)
            closedir(td);
    }
    closedir(d);
    ks_info("start times of %zu running %s recorded from /proc", n,
            opt_per_thread ? "threads" : "processes");
}

static void on_start(struct ks_run *r)
{
    seed_starts(r);
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "exitsnoop",
            .json = true,
            .description = "Trace all process termination (exit, fatal signal)",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    exitsnoop                # trace all process termination\n"
                        "    exitsnoop -x             # trace only fails, exclude exit(0)\n"
                        "    exitsnoop -t             # include timestamps (local time)\n"
                        "    exitsnoop --utc          # include timestamps (UTC)\n"
                        "    exitsnoop -p 181         # only trace PID 181\n"
                        "    exitsnoop --label=exit   # label each output line with 'exit'\n"
                        "    exitsnoop --per-thread   # trace per thread termination\n",
        },
    .bpf_source = ks_bpfsrc_exitsnoop_bpf_c,
    .bpf_name = "exitsnoop.bpf.c",
    .bpf_header = ks_bpfsrc_exitsnoop_h,
    .probes = probes,
    .nprobes = NPROBES,
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
