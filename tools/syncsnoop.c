/* syncsnoop: trace sync-family syscalls (BCC's syncsnoop). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "../bpfsrc/syncsnoop.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_syncsnoop_bpf_c[], ks_bpfsrc_syncsnoop_h[];

static const struct ks_opt opts[] = {
    KS_OPT_END,
};

#define SYNC_PROBE(sys, opt)                                                                 \
    {.name = #sys, .tp = "syscalls:sys_enter_" #sys, .kprobes = {KS_SYSCALL_KPROBES(#sys)},    \
     .optional = (opt)}
static struct ks_probe probes[] = {
    /* sync(2)'s entry stub is not traceable on some kernels (6.1's __x64_sys_sync is not
     * in available_filter_functions): then its body, ksys_sync (4.17+). */
    {.name = "sync", .tp = "syscalls:sys_enter_sync",
     .kprobes = {KS_SYSCALL_KPROBES("sync"), "ksys_sync"}},
    SYNC_PROBE(fsync, false),
    SYNC_PROBE(fdatasync, false),
    SYNC_PROBE(msync, false),
    /* One of the two, by architecture. */
    SYNC_PROBE(sync_file_range, true),
    SYNC_PROBE(sync_file_range2, true),
    SYNC_PROBE(syncfs, false),
};

/* BCC: "%-18.9f %-16s" + " %-16s": the time in seconds (at microsecond resolution) of the
 * monotonic clock, the comm, the call. JSON adds the pid BCC does not print. */
enum { F_TS, F_PID, F_COMM, F_CALL, NF };
static const struct ks_field fields[NF] = {
    [F_TS] = {.json = "ts_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-18s ",
              .fmt = "%-18.9f "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s",
                .fmt = "%-16s"},
    [F_CALL] = {.json = "call", .type = KS_T_STR, .header = "CALL", .hfmt = " %-16s",
                .fmt = " %-16s"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_event(void *data, int size)
{
    static const char *const names[] = {"N/A",   "sync",           "fsync", "fdatasync",
                                        "msync", "sync_file_range", "syncfs"};
    if ((size_t)size < sizeof(struct syncsnoop_event))
        return;
    struct syncsnoop_event e;
    memcpy(&e, data, sizeof(e));
    char comm[17];
    memcpy(comm, e.comm, 16);
    comm[16] = '\0';
    struct ks_val v[NF] = {
        [F_TS] = KS_U(e.ts / 1000 * 1000),
        [F_PID] = KS_U(e.pid),
        [F_COMM] = KS_S(comm),
        [F_CALL] = KS_S(e.call < sizeof(names) / sizeof(names[0]) ? names[e.call] : "N/A"),
    };
    ks_record_emit(&rec, v);
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "syncsnoop",
            .json = true,
            .description = "Trace sync-related system calls",
            .opts = opts,
            .common = KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 8,
            .examples = "    syncsnoop           # trace sync(), fsync() and the like\n"
                        "    syncsnoop --json    # as JSON Lines, with the pid\n",
        },
    .bpf_source = ks_bpfsrc_syncsnoop_bpf_c,
    .bpf_name = "syncsnoop.bpf.c",
    .bpf_header = ks_bpfsrc_syncsnoop_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .on_event = on_event,
    .on_start = on_start,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
