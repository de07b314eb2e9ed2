/* biosnoop: trace block device I/O, one line per request, with its submitter and latency
 * (BCC's biosnoop). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "../bpfsrc/biosnoop.h"
#include "ks_block.h"
#include "ks_record.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_biosnoop_bpf_c[], ks_bpfsrc_biosnoop_h[];

static bool opt_queue, opt_pattern;
static const char *opt_disk;
static uint64_t first_us;

static const struct ks_opt opts[] = {
    KS_FLAG('Q', "queue", "include OS queued time", &opt_queue),
    KS_STR('d', "disk", "DISK", "trace this disk only", &opt_disk),
    KS_FLAG('P', "pattern", "display block I/O pattern (sequential or random)", &opt_pattern),
    KS_OPT_END,
};

static struct ks_probe probes[] = {KS_BLKREQ_PROBES};

/* BCC's columns, as its header and row formats print them. */
enum { F_TS, F_COMM, F_PID, F_DISK, F_T, F_SECTOR, F_BYTES, F_P, F_QUE, F_LAT, NF };
static const struct ks_field fields[NF] = {
    /* Seconds since the first completion, at BCC's microsecond resolution. */
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-11s ",
              .fmt = "%-11.6f "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-14s ",
                .fmt = "%-14.14s ", .null_text = "?"},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7d ", .null_text = "0"},
    [F_DISK] = {.json = "disk", .type = KS_T_STR, .header = "DISK", .hfmt = "%-9s ",
                .fmt = "%-9s ", .null_text = "<unknown>"},
    [F_T] = {.json = "rw", .type = KS_T_STR, .header = "T", .hfmt = "%-1s ", .fmt = "%-1s "},
    [F_SECTOR] = {.json = "sector", .type = KS_T_UINT, .header = "SECTOR", .hfmt = "%-10s ",
                  .fmt = "%-10u "},
    [F_BYTES] = {.json = "bytes", .type = KS_T_UINT, .header = "BYTES", .hfmt = "%-7s",
                 .fmt = "%-7u"},
    [F_P] = {.json = "pattern", .type = KS_T_STR, .header = "P", .hfmt = "%-1s ",
             .fmt = "%-1s ", .on = &opt_pattern, .null_text = "?"},
    [F_QUE] = {.json = "queue_ns", .type = KS_T_NS, .header = "QUE(ms)", .hfmt = "%7s ",
               .fmt = "%7.2f ", .on = &opt_queue, .scale = 1e6},
    [F_LAT] = {.json = "latency_ns", .type = KS_T_NS, .header = "LAT(ms)", .hfmt = "%7s",
               .fmt = "%7.2f", .scale = 1e6},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_event(void *data, int size)
{
    if ((size_t)size < sizeof(struct biosnoop_event))
        return;
    struct biosnoop_event e;
    memcpy(&e, data, sizeof(e));
    char comm[17];
    memcpy(comm, e.comm, 16);
    comm[16] = '\0';
    /* BCC keeps microseconds (ts / 1000) and prints their difference in seconds. */
    uint64_t us = e.ts_done / 1000;
    if (!first_us)
        first_us = us;
    const char *disk = ks_disk_name(e.dev);
    static const char *const pattern[] = {NULL, "S", "R"};
    struct ks_val v[NF] = {
        [F_TS] = KS_U((us - first_us) * 1000),
        [F_COMM] = e.pid ? KS_S(comm) : KS_NULL,
        [F_PID] = e.pid ? KS_U(e.pid) : KS_NULL,
        [F_DISK] = strcmp(disk, "?") ? KS_S(disk) : KS_NULL,
        [F_T] = KS_S(e.write ? "W" : "R"),
        [F_SECTOR] = KS_U(e.sector),
        [F_BYTES] = KS_U(e.bytes),
        [F_P] = e.pattern < 3 && pattern[e.pattern] ? KS_S(pattern[e.pattern]) : KS_NULL,
        [F_QUE] = KS_U(e.ts_issue - e.ts_submit),
        [F_LAT] = KS_U(e.ts_done - e.ts_issue),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    ks_define(r, "BLK_FOLLOW", 1, "follow requests (blkreq.bpf.h)");
    if (opt_disk)
        ks_define(r, "DISK_FILTER", ks_block_disk_arg(opt_disk), "-d");
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_pattern)
        ks_define(r, "PATTERN", 1, "-P");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "biosnoop",
            .json = true,
            .description = "Trace block I/O",
            .opts = opts,
            .common = KS_C_PID | KS_C_BUFFER, /* -d is the disk, as in BCC */
            .default_pages = 64,
            .examples = "    biosnoop           # trace all block I/O\n"
                        "    biosnoop -Q        # include OS queued time\n"
                        "    biosnoop -d sdc    # trace sdc only\n"
                        "    biosnoop -P        # display block I/O pattern\n"
                        "    biosnoop -p 181    # only I/O submitted by process 181\n",
        },
    .bpf_source = ks_bpfsrc_biosnoop_bpf_c,
    .bpf_name = "biosnoop.bpf.c",
    .bpf_header = ks_bpfsrc_biosnoop_h,
    .bpf_lib = KS_BLKREQ_BPF,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    /* Block I/O comes at most some 100,000 a second: a wake-up per 64 events is cheap
     * and the reader still looks every 100 ms. */
    .wakeup_events = 64,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
