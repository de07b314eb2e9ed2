/* biolatency: summarize block device I/O latency as a histogram (BCC's biolatency). */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_block.h"
#include "ks_hist.h"
#include "ks_record.h"
#include "ks_prom.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_biolatency_bpf_c[];

static bool opt_timestamp, opt_queued, opt_ms, opt_disks, opt_flags, opt_extension;
static const char *opt_disk;

static const struct ks_opt opts[] = {
    KS_FLAG('T', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('Q', "queued", "include OS queued time in I/O time", &opt_queued),
    KS_FLAG('m', "milliseconds", "millisecond histogram", &opt_ms),
    KS_FLAG('D', "disks", "print a histogram per disk device", &opt_disks),
    KS_FLAG('F', "flags", "print a histogram per set of I/O flags", &opt_flags),
    KS_FLAG('e', "extension", "summarize average/total value", &opt_extension),
    KS_STR('d', "disk", "DISK", "Trace this disk only", &opt_disk),
    KS_OPT_END,
};

/* One group: the start map is keyed by (dev, sector) on tracepoints and by the request
 * pointer on kprobes, so all three must use the same mechanism. */
static struct ks_probe probes[] = {
    {.name = "insert", .tp = "block:block_rq_insert",
     .kprobes = {"__blk_account_io_start", "blk_account_io_start"}, .group = 1},
    {.name = "issue", .tp = "block:block_rq_issue", .kprobes = {"blk_mq_start_request"},
     .group = 1},
    /* Before 5.0, single-queue devices start requests here instead (BCC attaches both). */
    {.name = "issue_sq", .kprobes = {"blk_start_request"}, .optional = true, .group = 1},
    {.name = "done", .tp = "block:block_rq_complete",
     .kprobes = {"__blk_account_io_done", "blk_account_io_done", "blk_mq_end_request"},
     .group = 1},
};

/* BCC's words for request flags, from the kernel's rwbs text (tracepoints): an optional
 * leading F (preflush), the operation, then F (FUA), A (read-ahead), S (sync), M (meta). */
static void rwbs_words(const char *rwbs, char *out, size_t size)
{
    const char *p = rwbs;
    const char *op = "Unknown";
    bool preflush = false;
    if (p[0] == 'F' && p[1] && strchr("WRDNEF", p[1]))
        preflush = true, p++;
    switch (*p) {
    case 'W': op = "Write"; p++; break;
    case 'R': op = "Read"; p++; break;
    case 'D':
        op = "Discard";
        p++;
        if (*p == 'E')
            op = "SecureErase", p++;
        break;
    case 'F': op = "Flush"; p++; break;
    case 'N': op = "Unknown"; p++; break;
    default: break;
    }
    char desc[128];
    snprintf(desc, sizeof(desc), "%s", op);
    /* BCC prefixes flag words in this order: Sync, Metadata, ForcedUnitAccess, ..., ReadAhead */
    struct {
        char c;
        const char *word;
    } flags[] = {{'S', "Sync-"}, {'M', "Metadata-"}, {'F', "ForcedUnitAccess-"}, {'A', "ReadAhead-"}};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (strchr(p, flags[i].c)) {
            char tmp[128];
            snprintf(tmp, sizeof(tmp), "%s%s", flags[i].word, desc);
            snprintf(desc, sizeof(desc), "%s", tmp);
        }
    if (preflush) {
        char tmp[128];
        snprintf(tmp, sizeof(tmp), "PreFlush-%s", desc);
        snprintf(desc, sizeof(desc), "%s", tmp);
    }
    snprintf(out, size, "%s", desc);
}

/* BCC's flags_print(), for cmd_flags read on the kprobe path (REQ_OP_BITS = 8). */
static void cmd_flags_words(unsigned flags, char *out, size_t size)
{
    static const char *ops[] = {"Read", "Write", "Flush", "Discard", NULL, "SecureErase",
                                "ZoneReset", "WriteSame", NULL, "WriteZeros"};
    unsigned op = flags & 0xff;
    char desc[160];
    snprintf(desc, sizeof(desc), "%s", op < 10 && ops[op] ? ops[op] : "Unknown");
    static const struct {
        int bit;
        const char *word;
    } bits[] = {{11, "Sync-"}, {12, "Metadata-"}, {17, "ForcedUnitAccess-"}, {13, "Priority-"},
                {14, "NoMerge-"}, {15, "Idle-"}, {19, "ReadAhead-"}, {20, "Background-"},
                {21, "NoWait-"}};
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (flags & (1u << bits[i].bit)) {
            char tmp[160];
            snprintf(tmp, sizeof(tmp), "%s%s", bits[i].word, desc);
            snprintf(desc, sizeof(desc), "%s", tmp);
        }
    snprintf(out, size, "%s", desc);
}

/* --prom: one section as a Prometheus histogram, with the sum the program measured (its
 * dist_sum map is never cleared: a total, so that no sum is lost between the two reads). */
static void prom_section(const struct ks_hist_section *s, const struct ks_hist_section *sums,
                         int nsums, const char *label, const char *value)
{
    uint64_t sum = 0;
    for (int i = 0; i < nsums; i++)
        if (!memcmp(sums[i].key, s->key, sizeof(s->key)))
            sum = sums[i].vals[0];
    struct ks_prom_label l = {label, value};
    ks_prom_log2_hist(opt_queued ? "io_queued_seconds" : "io_seconds",
                      opt_queued ? "Block I/O latency from insertion into the OS queue to "
                                   "completion (biolatency -Q)"
                                 : "Block I/O latency from issue to the device to completion",
                      &l, label ? 1 : 0, s->vals, KS_LOG2_SLOTS, opt_ms ? 1000000 : 1000, sum);
}

static void on_interval(struct ks_run *r)
{
    const struct ks_map_def *m = ks_map_def(r, "dist");
    struct ks_hist_section *s = NULL;
    int n = ks_hist_collect(ks_map_fd(r, "dist"), m->key_size, 1, &s);
    struct ks_hist_ext ext = {0};
    if (opt_extension)
        ks_hist_ext_take(ks_map_fd(r, "extension"), &ext);
    const char *label = opt_ms ? "msecs" : "usecs";
    struct ks_hist_section *sums = NULL, none = {.key = {0}};
    int nsums = 0;
    if (ks_prom_enabled())
        nsums = ks_hist_collect(ks_map_fd(r, "dist_sum"), m->key_size, 0, &sums);
    if (!n && !opt_disks && !opt_flags)
        prom_section(&none, sums, nsums, NULL, NULL); /* the metric exists from the start */
    ks_interval_begin();
    ks_textf("\n");
    if (opt_timestamp) {
        char t[16];
        ks_textf("%-8s\n", ks_time_str(t, sizeof(t), "%H:%M:%S"));
    }
    ks_hist_begin(label, opt_disks ? "disk" : opt_flags ? "flags" : NULL);
    for (int i = 0; i < n; i++) {
        uint64_t section;
        memcpy(&section, s[i].key, sizeof(section));
        char words[160] = "";
        if (opt_disks) {
            snprintf(words, sizeof(words), "%s", ks_disk_name((uint32_t)section));
            prom_section(&s[i], sums, nsums, "disk", words);
        } else if (opt_flags) {
            if (section >> 63) {
                cmd_flags_words((unsigned)section, words, sizeof(words));
            } else {
                char rwbs[9];
                memcpy(rwbs, &section, 8);
                rwbs[8] = '\0';
                rwbs_words(rwbs, words, sizeof(words));
            }
            prom_section(&s[i], sums, nsums, "flags", words);
        } else {
            prom_section(&s[i], sums, nsums, NULL, NULL);
        }
        ks_hist_emit(words, s[i].vals, KS_LOG2_SLOTS);
    }
    ks_hist_end();
    free(s);
    free(sums);
    ks_hist_ext_print(&ext, label);
    ks_interval_end();
}

static void configure(struct ks_run *r)
{
    if (opt_disks && opt_flags)
        ks_usage_error("can only use -D or -F");
    ks_define(r, "KS_TIME_HIST", 1, "log2 histograms (kscope.bpf.h)");
    ks_define(r, "KS_TIME_HIST_ENTRIES", 4096, "disks or flag sets x slots");
    probes[0].off = !opt_queued; /* insert: only for -Q */
    probes[2].off = opt_queued;  /* issue_sq: -Q starts the clock at insert instead */
    if (opt_queued)
        ks_define(r, "QUEUED", 1, "-Q");
    if (opt_ms)
        ks_define(r, "MILLISECONDS", 1, "-m");
    if (opt_disks)
        ks_define(r, "PER_DISK", 1, "-D");
    if (opt_flags)
        ks_define(r, "PER_FLAG", 1, "-F");
    if (opt_extension)
        ks_define(r, "EXTENSION", 1, "-e");
    if (opt_disk)
        ks_define(r, "DISK_FILTER", ks_block_disk_arg(opt_disk), "-d");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_textf("Tracing block device I/O... Hit Ctrl-C to end.\n");
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "biolatency",
            .json = true,
            .description = "Summarize block device I/O latency as a histogram",
            .opts = opts,
            .common = KS_C_INTERVAL,
            .json_short = 'j',
            .examples = "    biolatency                    # summarize block I/O latency as a "
                        "histogram\n"
                        "    biolatency 1 10               # print 1 second summaries, 10 times\n"
                        "    biolatency -mT 1              # 1s summaries, milliseconds, and "
                        "timestamps\n"
                        "    biolatency -Q                 # include OS queued time in I/O time\n"
                        "    biolatency -D                 # show each disk device separately\n"
                        "    biolatency -F                 # show I/O flags separately\n"
                        "    biolatency -e                 # show extension summary(total, "
                        "average)\n"
                        "    biolatency -d sdc             # Trace sdc only\n"
                        "    biolatency -j 1               # JSON: one object per second\n",
        },
    .bpf_source = ks_bpfsrc_biolatency_bpf_c,
    .bpf_name = "biolatency.bpf.c",
    .bpf_lib = KS_BLKREQ_BPF, /* blk_rq_dev() */
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
