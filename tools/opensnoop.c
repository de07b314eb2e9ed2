/* opensnoop: trace open() syscalls (BCC's opensnoop). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bpfsrc/opensnoop.h"
#include "ks_record.h"
#include "ks_tpfmt.h"
#include "ks_syscall.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_opensnoop_bpf_c[], ks_bpfsrc_opensnoop_h[];

static bool opt_timestamp, opt_print_uid, opt_failed, opt_extended, opt_full_path;
static long opt_tid = -1, opt_uid = -1, opt_flags;
static const char *opt_name;
static uint64_t first_ts;

static bool opt_flag_rdonly;

/* -f O_WRONLY -f O_RDWR: OR the named bits into one mask. Every O_* name the C library
 * defines is known (ks_syscall's generated table), as Python's os module gives BCC.
 * O_RDONLY is no bit (it is 0): it selects opens whose access mode is read-only, where
 * BCC's mask of 0 would match nothing. */
static bool parse_flag(const char *arg, void *dest)
{
    long v = ks_open_flag(arg);
    if (v < 0)
        return false;
    if (!strcmp(arg, "O_RDONLY"))
        opt_flag_rdonly = true;
    *(long *)dest |= v;
    return true;
}

static const struct ks_opt opts[] = {
    KS_FLAG('T', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('U', "print-uid", "print UID column", &opt_print_uid),
    KS_FLAG('x', "failed", "only show failed opens", &opt_failed),
    KS_LONG('t', "tid", "TID", "trace this TID only", &opt_tid, 0, 0x7fffffff),
    KS_LONG('u', "uid", "UID", "trace this UID only", &opt_uid, 0, 0xfffffffe),
    KS_STR('n', "name", "NAME", "only print process names containing this name", &opt_name),
    KS_FLAG('e', "extended_fields", "show extended fields", &opt_extended),
    KS_FUNC('f', "flag_filter", "FLAG",
            "filter on flags argument (e.g., O_WRONLY; any O_* name; O_RDONLY: read-only opens)",
            &opt_flags, parse_flag),
    KS_FLAG('F', "full-path",
            "show full path for an open file with relative path (completed from /proc as "
            "the event arrives)",
            &opt_full_path),
    KS_OPT_END,
};

/* The probes, in their own header: bench/floor.c attaches empty programs to the same. */
#include "opensnoop_probes.h"

/* -F: a relative name completed with the directory it was opened in: the process's
 * working directory (AT_FDCWD) or the directory descriptor it passed. BCC walks the
 * dentries of the task's cwd in the kernel, a struct read; here user space reads
 * /proc/PID/task/TID/cwd or /proc/PID/fd/DFD as soon as the event arrives, which also
 * honours openat()'s descriptor (BCC always uses the cwd). When the process is already
 * gone the name stays as given. */
static void full_path(const struct opensnoop_event *e, char *name, size_t size)
{
    if (name[0] == '/' || name[0] == '\0')
        return;
    char link[96], dir[PATH_MAX];
    unsigned pid = (unsigned)(e->id >> 32), tid = (unsigned)e->id;
    if (e->dfd == AT_FDCWD)
        snprintf(link, sizeof(link), "/proc/%u/task/%u/cwd", pid, tid);
    else
        snprintf(link, sizeof(link), "/proc/%u/fd/%d", pid, e->dfd);
    ssize_t n = readlink(link, dir, sizeof(dir) - 1);
    if (n <= 0 || dir[0] != '/')
        return;
    dir[n] = '\0';
    char full[PATH_MAX + OPENSNOOP_NAME_LEN + 2];
    snprintf(full, sizeof(full), "%s/%s", strcmp(dir, "/") ? dir : "", name);
    snprintf(name, size, "%s", full);
}

/* The record: BCC's columns and formats; -t shows the thread id in place of the pid. */
static bool show_tid;
enum { F_TS, F_UID, F_PID, F_TID, F_COMM, F_FD, F_ERR, F_FLAGS, F_PATH, NF };
static const struct ks_field fields[NF] = {
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-14s",
              .fmt = "%-14.9f", .on = &opt_timestamp},
    [F_UID] = {.json = "uid", .type = KS_T_UINT, .header = "UID", .hfmt = "%-6s", .fmt = "%-6d",
               .on = &opt_print_uid},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-6s ",
               .fmt = "%-6d ", .off = &show_tid},
    [F_TID] = {.json = "tid", .type = KS_T_UINT, .header = "TID", .hfmt = "%-6s ",
               .fmt = "%-6d ", .on = &show_tid},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    /* A failed open has no descriptor: null in JSON, -1 in text as BCC prints. */
    [F_FD] = {.json = "fd", .type = KS_T_INT, .header = "FD", .hfmt = "%4s ", .fmt = "%4d ",
              .null_text = "-1"},
    [F_ERR] = {.json = "errno", .type = KS_T_INT, .header = "ERR", .hfmt = "%3s ",
               .fmt = "%3d "},
    [F_FLAGS] = {.json = "flags", .type = KS_T_UINT, .header = "FLAGS", .hfmt = "%-9s",
                 .fmt = "%08o ", .on = &opt_extended},
    [F_PATH] = {.json = "path", .type = KS_T_STR, .header = "PATH", .hfmt = "%s", .fmt = "%s"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_event(void *data, int size)
{
    const struct opensnoop_event *e = data;
    /* Events carry only the used part of the name. */
    size_t fixed = offsetof(struct opensnoop_event, name);
    if ((size_t)size <= fixed)
        return;
    size_t namelen = (size_t)size - fixed;
    if (namelen > OPENSNOOP_NAME_LEN)
        namelen = OPENSNOOP_NAME_LEN;
    if (opt_failed && e->ret >= 0)
        return;
    char comm[KS_COMM_LEN + 1], name[PATH_MAX + OPENSNOOP_NAME_LEN + 2];
    memcpy(comm, e->comm, KS_COMM_LEN);
    comm[KS_COMM_LEN] = '\0';
    memcpy(name, e->name, namelen);
    name[namelen] = '\0';
    if (opt_name && !strstr(comm, opt_name))
        return;
    if (opt_full_path)
        full_path(e, name, sizeof(name));
    if (!first_ts)
        first_ts = e->ts;
    struct ks_val v[NF] = {
        [F_TS] = KS_U(e->ts - first_ts),
        [F_UID] = KS_U(e->uid),
        [F_PID] = KS_U(e->id >> 32),
        [F_TID] = KS_U((__u32)e->id),
        [F_COMM] = KS_S(comm),
        [F_FD] = e->ret >= 0 ? KS_I(e->ret) : KS_NULL,
        [F_ERR] = KS_I(e->ret >= 0 ? 0 : -e->ret),
        [F_FLAGS] = KS_U((unsigned)e->flags),
        [F_PATH] = KS_S(name),
    };
    ks_record_emit(&rec, v);
}

static struct ks_tool tool;

static void configure(struct ks_run *r)
{
    if (opt_full_path) {
        /* The sooner an event is read, the likelier its process is still there. */
        tool.wakeup_events = 1;
        ks_info("-F: relative paths are completed from /proc/PID/task/TID/cwd or "
                "/proc/PID/fd/DIRFD as each event arrives (the kernel's own path walk would "
                "read structs); a process gone by then keeps its relative path");
    }
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_tid >= 0)
        ks_define(r, "TID_FILTER", opt_tid, "-t");
    if (opt_uid >= 0)
        ks_define(r, "UID_FILTER", opt_uid, "-u");
    if (opt_flags)
        ks_define(r, "FLAG_FILTER", opt_flags, "-f");
    if (opt_flag_rdonly)
        ks_define(r, "FLAG_FILTER_RDONLY", 1, "-f O_RDONLY");
    if (opt_timestamp)
        ks_define(r, "WANT_TS", 1, "-T");
    if (opt_print_uid)
        ks_define(r, "WANT_UID", 1, "-U");
    show_tid = opt_tid >= 0;
    /* The name-keeping tracepoints go together, and task_rename must say whose name changed
     * (its pid field: a thread may rename a sibling through /proc). */
    bool keep = ks_tp_has_field("task", "task_rename", "pid") &&
                ks_tp_has_field("task", "task_rename", "newcomm") &&
                ks_tp_has_field("task", "task_newtask", "pid");
    opensnoop_probes[OPENSNOOP_COMM_RENAME].off = !keep;
    opensnoop_probes[OPENSNOOP_COMM_NEWTASK].off = !keep;
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "opensnoop",
            .json = true,
            .description = "Trace open() syscalls",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 256,
            .inplace_events = true,
            .examples = "    opensnoop                        # trace all open() syscalls\n"
                        "    opensnoop -T                     # include timestamps\n"
                        "    opensnoop -U                     # include UID\n"
                        "    opensnoop -x                     # only show failed opens\n"
                        "    opensnoop -p 181                 # only trace PID 181\n"
                        "    opensnoop -t 123                 # only trace TID 123\n"
                        "    opensnoop -u 1000                # only trace UID 1000\n"
                        "    opensnoop -d 10                  # trace for 10 seconds only\n"
                        "    opensnoop -n main                # only print process names "
                        "containing \"main\"\n"
                        "    opensnoop -e                     # show extended fields\n"
                        "    opensnoop -f O_WRONLY -f O_RDWR  # only print calls for writing\n"
                        "    opensnoop -F                     # show full path for an open file "
                        "with relative path\n"
                        "    opensnoop --cgroupmap mappath    # only trace cgroups in this BPF "
                        "map\n"
                        "    opensnoop --mntnsmap mappath     # only trace mount namespaces in "
                        "the map\n"
                        "    opensnoop -b 256                 # a larger buffer per CPU\n",
        },
    .bpf_source = ks_bpfsrc_opensnoop_bpf_c,
    .bpf_name = "opensnoop.bpf.c",
    .bpf_header = ks_bpfsrc_opensnoop_h,
    .probes = opensnoop_probes,
    .nprobes = sizeof(opensnoop_probes) / sizeof(opensnoop_probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    /* Wake user space every 1024 events (or 100 ms): per-event wake-ups cost more than the
     * events themselves at high rates (bench/: 11.2 us per open with per-event wake-ups,
     * 5.0 with 32, 4.35 with 128). A wake-up is an interrupt the BPF program raises (in a
     * VM an exit to the hypervisor), about 9 us, paid inside the exit program: with bpf_stats
     * its cost per run fell from ~395 to ~320 ns going from 128 to 1024 (4096 gains nothing
     * more). 1024 short events are under a tenth of the default ring buffer (or of a CPU's
     * perf buffer), so the reader still catches up long before it fills. */
    .wakeup_events = 1024,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
