/* syscount: summarize syscall counts and latencies (BCC's syscount). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_maps.h"
#include "ks_record.h"
#include "ks_prom.h"
#include "ks_sys.h"
#include "ks_syscall.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_syscount_bpf_c[];

/* Syscall numbers counted by the default mode: the per-CPU array's size. Today's largest
 * number is under 500 on every architecture; kernels newer than the build's headers may
 * have a few more, which still fit. */
#define SYSCALL_SLOTS 1024
#define COMM_LEN 16
#define MAX_ERRNO 4095 /* the kernel returns -1..-4095 for errors */

static bool opt_failures, opt_latency, opt_ms, opt_process, opt_list;
static long opt_ppid = -1, opt_tid = -1, opt_top = 10, opt_interval, opt_errno, opt_syscall = -1;
static const char *opt_syscall_name;

/* -e: a name (EPERM) or a number (1; -1 as well, as BCC takes its absolute value). */
static bool parse_errno(const char *arg, void *dest)
{
    long v;
    int e = ks_errno_nr(arg);
    if (e > 0)
        v = e;
    else if (!ks_parse_long(arg[0] == '-' ? arg + 1 : arg, 1, MAX_ERRNO, &v))
        ks_usage_error("couldn't map '%s' to an errno (use a name like EPERM, or 1-%d)",
                       ks_q(arg), MAX_ERRNO);
    *(long *)dest = v;
    return true;
}

/* --syscall: a name from -l, or a number (for syscalls newer than this build knows). */
static bool parse_syscall(const char *arg, void *dest)
{
    long nr = ks_syscall_nr(arg);
    if (nr < 0 && !ks_parse_long(arg, 0, SYSCALL_SLOTS - 1, &nr))
        ks_usage_error("syscall '%s' not found (syscount -l lists the names; numbers 0-%d "
                       "work too)",
                       ks_q(arg), SYSCALL_SLOTS - 1);
    *(long *)dest = nr;
    opt_syscall_name = arg;
    return true;
}

static const struct ks_opt opts[] = {
    KS_LONG('t', "tid", "TID", "trace only this tid", &opt_tid, 0, 0x7fffffff),
    KS_LONG('c', "ppid", "PPID", "trace only child of this pid", &opt_ppid, 0, 0x7fffffff),
    KS_LONG('i', "interval", "INTERVAL",
            "print summary at this interval (seconds), as the interval argument does",
            &opt_interval, 1, 100000000),
    KS_LONG('T', "top", "TOP", "print only the top syscalls by count or latency (default 10)",
            &opt_top, 1, 100000000),
    KS_FLAG('x', "failures", "trace only failed syscalls (return < 0)", &opt_failures),
    KS_FUNC('e', "errno", "ERRNO",
            "trace only syscalls that return this error (numeric or EPERM, etc.)", &opt_errno,
            parse_errno),
    KS_FLAG('L', "latency", "collect syscall latency (total time, sorted by it)", &opt_latency),
    KS_FLAG('m', "milliseconds", "display latency in milliseconds (default: microseconds)",
            &opt_ms),
    KS_FLAG('P', "process", "count by process and not by syscall", &opt_process),
    KS_FLAG('l', "list", "print list of recognized syscalls and exit", &opt_list),
    KS_FUNC(0, "syscall", "SYSCALL", "trace this syscall only (a name from -l, or a number)",
            &opt_syscall, parse_syscall),
    KS_OPT_END,
};

/* One group: the entry's timestamps are read by the exit. Neither has a kprobe fallback:
 * no kernel function sees every syscall, each has its own entry point. */
static struct ks_probe probes[] = {
    {.name = "sys_enter", .tp = "raw_syscalls:sys_enter", .group = 1}, /* -L only */
    {.name = "sys_exit", .tp = "raw_syscalls:sys_exit", .group = 1},
    /* -c without the kernel's own headers: parents recorded at fork (kscope.bpf.h). */
    {.name = "fork", .tp = "sched:sched_process_fork", .off = true},
};

/* One output line before sorting. */
struct row {
    uint32_t key; /* syscall number, or tgid with -P */
    uint64_t count, total_ns;
    char comm[COMM_LEN + 1]; /* -P: as the BPF program saw it */
};

static int cmp_rows(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    /* BCC sorts by count, or by total time with -L; ties by key, for stable output. */
    uint64_t vx = opt_latency ? x->total_ns : x->count;
    uint64_t vy = opt_latency ? y->total_ns : y->count;
    if (vx != vy)
        return vx < vy ? 1 : -1;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* The count table's row: BCC's columns (by syscall, or by process with -P). */
static bool show_us, show_ms;
enum { F_SYSCALL, F_NAME, F_NR, F_PID, F_COMM, F_COUNT, F_TIME_US, F_TIME_MS, NF };
static const struct ks_field fields[NF] = {
    [F_SYSCALL] = {.type = KS_T_STR, .header = "SYSCALL", .hfmt = "%-22s ", .fmt = "%-22s ",
                   .off = &opt_process},
    [F_NAME] = {.json = "syscall", .type = KS_T_STR, .off = &opt_process},
    [F_NR] = {.json = "syscall_nr", .type = KS_T_UINT, .off = &opt_process},
    /* BCC prints "%-6d %-15s" as one 22-wide column; the same bytes. */
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-6s ",
               .fmt = "%-6d ", .on = &opt_process},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-15s ",
                .fmt = "%-15s ", .on = &opt_process},
    [F_COUNT] = {.json = "count", .type = KS_T_UINT, .header = "COUNT", .hfmt = "%8s",
                 .fmt = "%8d"},
    [F_TIME_US] = {.json = "total_ns", .type = KS_T_NS, .header = "TIME (us)", .hfmt = " %16s",
                   .fmt = " %16.3f", .on = &show_us, .scale = 1e3},
    [F_TIME_MS] = {.json = "total_ns", .type = KS_T_NS, .header = "TIME (ms)", .hfmt = " %16s",
                   .fmt = " %16.6f", .on = &show_ms, .scale = 1e6},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void list_syscalls(void)
{
    const char *const *names;
    size_t n = ks_syscall_names(&names);
    if (ks_out_json()) {
        struct ks_json *j = ks_out_writer();
        ks_json_object(j, NULL);
        ks_json_array(j, "syscalls");
        for (size_t i = 0; i < n; i++)
            ks_json_str(j, NULL, names[i]);
        ks_json_end(j);
        ks_json_end(j);
        ks_json_nl(j);
        return;
    }
    /* BCC's layout: four columns of 22, three spaces apart. */
    for (size_t i = 0; i < n; i++)
        printf("%-22s%s", names[i], (i % 4 == 3 || i == n - 1) ? "\n" : "   ");
}

/* The counters' width in the values: count, plus total_ns with -L. */
static unsigned nfields(void)
{
    return opt_latency ? 2 : 1;
}

static const struct ks_map_def *checked_map(struct ks_run *r, const char *name, unsigned vsize)
{
    const struct ks_map_def *m = ks_map_def(r, name);
    if (!m || ks_map_fd(r, name) < 0 || m->value_size != vsize) {
        ks_err("internal: map %s is missing or not laid out as expected", name);
        exit(1);
    }
    return m;
}

/* Per syscall: the array's counters only grow; each output shows the growth since the
 * previous one. Nothing is written back, so no count is lost between read and reset. */
static size_t read_by_syscall(struct ks_run *r, struct row *rows)
{
    static uint64_t prev[SYSCALL_SLOTS][2];
    unsigned nf = nfields();
    checked_map(r, "by_syscall", nf * 8);
    int fd = ks_map_fd(r, "by_syscall");
    size_t n = 0;
    for (uint32_t nr = 0; nr < SYSCALL_SLOTS; nr++) {
        uint64_t sum[2] = {0, 0};
        if (ks_percpu_sum_u64(fd, &nr, nf * 8, sum, nf) != 0)
            continue;
        uint64_t count = sum[0] - prev[nr][0], total = sum[1] - prev[nr][1];
        prev[nr][0] = sum[0];
        prev[nr][1] = sum[1];
        if (!count)
            continue;
        rows[n++] = (struct row){.key = nr, .count = count, .total_ns = total};
    }
    return n;
}

/* Per process: read every entry, then delete it (BCC's data.clear()), so that processes
 * that are gone do not fill the map. */
static size_t read_by_process(struct ks_run *r, struct row **out)
{
    unsigned nf = nfields(), vsize = nf * 8 + COMM_LEN;
    checked_map(r, "by_process", vsize);
    int fd = ks_map_fd(r, "by_process");
    void *keys;
    size_t nkeys = ks_map_keys(fd, sizeof(uint32_t), &keys);
    struct row *rows = ks_xcalloc(nkeys ? nkeys : 1, sizeof(*rows));
    unsigned char *buf = ks_xmalloc(ks_percpu_size(vsize));
    size_t stride = ks_percpu_stride(vsize), n = 0;
    for (size_t i = 0; i < nkeys; i++) {
        uint32_t tgid;
        memcpy(&tgid, (char *)keys + i * sizeof(tgid), sizeof(tgid));
        if (ks_percpu_lookup(fd, &tgid, buf) != 0)
            continue;
        struct row *w = &rows[n];
        memset(w, 0, sizeof(*w));
        w->key = tgid;
        for (int c = 0; c < ks_possible_cpus(); c++) {
            const unsigned char *v = buf + (size_t)c * stride;
            uint64_t f[2] = {0, 0};
            memcpy(f, v, nf * 8);
            w->count += f[0];
            w->total_ns += f[1];
            /* Only the CPU that inserted the entry has the name. */
            if (!w->comm[0] && v[nf * 8])
                memcpy(w->comm, v + nf * 8, COMM_LEN);
        }
        ks_percpu_delete(fd, &tgid, vsize);
        if (w->count)
            n++;
    }
    free(buf);
    free(keys);
    *out = rows;
    return n;
}

/* BCC names a process by /proc/PID/comm at output time; one that has exited since keeps
 * the name the BPF program saw. */
static void process_name(const struct row *w, char *comm, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%u/comm", w->key);
    char *s = ks_read_file(path, NULL);
    if (s) {
        s[strcspn(s, "\n")] = '\0';
        snprintf(comm, size, "%s", s);
        free(s);
    } else {
        snprintf(comm, size, "%s", w->comm[0] ? w->comm : "[unknown]");
    }
}

/* --prom: every row (not only the top ones printed) as counters. Failed-only counts get
 * their own names, so that two syscount instances on one host never mix meanings. */
static void prom_row(const struct row *w)
{
    char key[64], err[32], comm[64];
    struct ks_prom_label l[3];
    int nl = 0;
    if (opt_process) {
        snprintf(key, sizeof(key), "%u", w->key);
        l[nl++] = (struct ks_prom_label){"pid", key};
        process_name(w, comm, sizeof(comm));
        l[nl++] = (struct ks_prom_label){"comm", comm};
    } else {
        const char *name = ks_syscall_name(w->key);
        if (name)
            snprintf(key, sizeof(key), "%s", name);
        else
            snprintf(key, sizeof(key), "%u", w->key); /* newer than this build's tables */
        l[nl++] = (struct ks_prom_label){"syscall", key};
    }
    if (opt_errno) {
        const char *e = ks_errno_name((int)opt_errno);
        if (e)
            snprintf(err, sizeof(err), "%s", e);
        else
            snprintf(err, sizeof(err), "%ld", opt_errno);
        l[nl++] = (struct ks_prom_label){"errno", err};
    }
    bool failed = opt_failures || opt_errno;
    ks_prom_counter(failed ? "failed_syscalls_total" : "syscalls_total",
                    failed ? "Failed syscalls (syscount -x or -e)" : "Syscalls", l, nl, w->count,
                    false);
    if (opt_latency)
        ks_prom_counter(failed ? "failed_syscall_seconds_total" : "syscall_seconds_total",
                        failed ? "Time spent in failed syscalls, from entry to exit (syscount -L)"
                               : "Time spent in syscalls, from entry to exit (syscount -L)",
                        l, nl, w->total_ns, true);
}

static void on_interval(struct ks_run *r)
{
    struct row *rows;
    size_t n;
    if (opt_process) {
        n = read_by_process(r, &rows);
    } else {
        rows = ks_xcalloc(SYSCALL_SLOTS, sizeof(*rows));
        n = read_by_syscall(r, rows);
    }
    qsort(rows, n, sizeof(*rows), cmp_rows);
    for (size_t i = 0; i < n && ks_prom_enabled(); i++)
        prom_row(&rows[i]);

    ks_interval_begin();
    char t[16];
    ks_textf("[%s]\n", ks_time_str(t, sizeof(t), "%H:%M:%S"));
    ks_table_begin(&rec, opt_process ? "pid" : "syscall");
    for (size_t i = 0; i < n && i < (size_t)opt_top; i++) {
        char comm[64] = "", unknown[32];
        const char *name = NULL;
        if (opt_process) {
            process_name(&rows[i], comm, sizeof(comm));
        } else {
            name = ks_syscall_name(rows[i].key);
            snprintf(unknown, sizeof(unknown), "[unknown: %u]", rows[i].key);
        }
        struct ks_val v[NF] = {
            [F_SYSCALL] = KS_S(name ? name : unknown),
            [F_NAME] = name ? KS_S(name) : KS_NULL,
            [F_NR] = KS_U(rows[i].key),
            [F_PID] = KS_U(rows[i].key),
            [F_COMM] = KS_S(comm),
            [F_COUNT] = KS_U(rows[i].count),
            [F_TIME_US] = KS_U(rows[i].total_ns),
            [F_TIME_MS] = KS_U(rows[i].total_ns),
        };
        ks_record_emit(&rec, v);
    }
    ks_table_end();
    ks_textf("\n");
    ks_interval_end();
    free(rows);
}

static void configure(struct ks_run *r)
{
    if (opt_list) {
        list_syscalls();
        exit(0);
    }
    /* -i is BCC's spelling of the interval; the runtime's interval argument also counts. */
    if (opt_interval) {
        if (r->opt.interval && r->opt.interval != opt_interval)
            ks_usage_error("-i %ld and the interval argument %ld disagree", opt_interval,
                           r->opt.interval);
        r->opt.interval = opt_interval;
    }
    show_us = opt_latency && !opt_ms;
    show_ms = opt_latency && opt_ms;
    probes[0].off = !opt_latency; /* sys_enter */
    ks_define(r, "SYSCALL_SLOTS", SYSCALL_SLOTS, "syscall numbers counted: 0..SLOTS-1");
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_tid >= 0)
        ks_define(r, "TID_FILTER", opt_tid, "-t");
    if (opt_ppid >= 0) {
        const char *why;
        bool reads = ks_struct_reads(r, &why);
        probes[2].off = reads;
        ks_info("-c: %s (%s)",
                reads ? "the parent is read from the task (real_parent)"
                      : "parents recorded at fork (sched_process_fork) and from /proc at start; "
                        "a process re-parented since keeps its first parent",
                why);
        ks_define(r, "PPID_FILTER", opt_ppid, "-c");
    }
    if (opt_syscall >= 0)
        ks_define(r, "SYSCALL_FILTER", opt_syscall, "--syscall");
    if (opt_failures)
        ks_define(r, "FAILED_ONLY", 1, "-x");
    if (opt_errno)
        ks_define(r, "ERRNO_FILTER", opt_errno, "-e");
    if (opt_process)
        ks_define(r, "BY_PROCESS", 1, "-P");
    if (opt_latency)
        ks_define(r, "LATENCY", 1, "-L");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    if (opt_syscall_name)
        ks_textf("Tracing %ssyscall '%s'... Ctrl+C to quit.\n", opt_failures ? "failed " : "",
                 opt_syscall_name);
    else
        ks_textf("Tracing %ssyscalls, printing top %ld... Ctrl+C to quit.\n",
                 opt_failures ? "failed " : "", opt_top);
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    ks_textf("Detaching...\n");
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "syscount",
            .json = true,
            .description = "Summarize syscall counts and latencies",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_INTERVAL,
            .examples = "    syscount                  # count syscalls; the top 10 at Ctrl-C\n"
                        "    syscount -P               # count by process, not by syscall\n"
                        "    syscount -x               # only failed syscalls\n"
                        "    syscount -e EPERM         # only syscalls that failed with EPERM\n"
                        "    syscount -p 181           # only process 181\n"
                        "    syscount -t 182           # only thread 182\n"
                        "    syscount -c 181           # only children of process 181\n"
                        "    syscount -L -m            # with total time, in milliseconds\n"
                        "    syscount -T 20 -i 5       # the top 20 every 5 seconds\n"
                        "    syscount -d 30            # count for 30 seconds, print, exit\n"
                        "    syscount 1 10             # print every second, ten times\n"
                        "    syscount --syscall read   # only read()\n"
                        "    syscount -l               # list the syscall names known here\n",
        },
    .bpf_source = ks_bpfsrc_syscount_bpf_c,
    .bpf_name = "syscount.bpf.c",
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
    .on_exit = on_exit_,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
