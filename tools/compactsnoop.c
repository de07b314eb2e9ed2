/* compactsnoop: trace memory compaction of zones (BCC's compactsnoop). */
#define _GNU_SOURCE
#include <ctype.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/compactsnoop.h"
#include "ks_features.h"
#include "ks_record.h"
#include "ks_stack.h"
#include "ks_tool.h"
#include "ks_tpfmt.h"

extern const char ks_bpfsrc_compactsnoop_bpf_c[], ks_bpfsrc_compactsnoop_h[];

static bool opt_timestamp, opt_kstack;

static const struct ks_opt opts[] = {
    KS_FLAG('T', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('K', "kernel-stack", "output kernel stack trace", &opt_kstack),
    KS_OPT_END,
};

/* Tracepoints only: see bpfsrc/compactsnoop.bpf.c for why there are no kprobe fallbacks.
 * Without the suitability check (optional) ORDER prints "-". */
static struct ks_probe probes[] = {
    {.name = "suitable", .tp = "compaction:mm_compaction_suitable", .optional = true},
    {.name = "begin", .tp = "compaction:mm_compaction_begin"},
    {.name = "end", .tp = "compaction:mm_compaction_end"},
};
enum { P_SUITABLE };

static uint64_t first_ts;
enum { F_TS, F_COMM, F_PID, F_NODE, F_ZONE, F_ORDER, F_MODE, F_LAT, F_STATUS, F_KSTACK, NF };
static const struct ks_field fields[NF] = {
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-14s ",
              .fmt = "%-14.9f ", .on = &opt_timestamp},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-14s ",
                .fmt = "%-14.14s "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-6s ",
               .fmt = "%-6d "},
    [F_NODE] = {.json = "node", .type = KS_T_INT, .header = "NODE", .hfmt = "%-4s ",
                .fmt = "%-4d ", .null_text = "-"},
    [F_ZONE] = {.json = "zone", .type = KS_T_STR, .header = "ZONE", .hfmt = "%-12s ",
                .fmt = "%-12s ", .null_text = "-"},
    [F_ORDER] = {.json = "order", .type = KS_T_INT, .header = "ORDER", .hfmt = "%-5s ",
                 .fmt = "%-5d ", .null_text = "-"},
    [F_MODE] = {.json = "mode", .type = KS_T_STR, .header = "MODE", .hfmt = "%-7s ",
                .fmt = "%-7s "},
    [F_LAT] = {.json = "latency_ns", .type = KS_T_NS, .header = "LAT(ms)", .hfmt = "%9s ",
               .fmt = "%9.3f ", .scale = 1e6},
    [F_STATUS] = {.json = "status", .type = KS_T_STR, .header = "STATUS", .hfmt = "%16s",
                  .fmt = "%16s"},
    [F_KSTACK] = {.json = "kernel_stack", .type = KS_T_STRV, .on = &opt_kstack},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

/* enum compact_result's names and enum zone_type's, as this kernel prints them. */
static struct ks_tp_symbols status_names, zone_names;
static bool suitable_traced;
static int stacks_fd = -1;

/* The populated zones, from /proc/zoneinfo: a zone's first page frame names it. */
struct zone_info {
    unsigned long start_pfn;
    int nid;
    char name[32];
};
static struct zone_info zones[64];
static int nzones;

static void read_zoneinfo(void)
{
    char path[256], line[256], name[32];
    FILE *f = fopen(ks_kernel_path(path, sizeof(path), "/proc/zoneinfo"), "r");
    nzones = 0;
    if (!f)
        return;
    int nid = -1;
    unsigned long pfn;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "Node %d, zone %31s", &nid, name) == 2)
            continue;
        if (nid >= 0 && sscanf(line, " start_pfn: %lu", &pfn) == 1 &&
            nzones < (int)(sizeof(zones) / sizeof(zones[0]))) {
            zones[nzones].start_pfn = pfn;
            zones[nzones].nid = nid;
            snprintf(zones[nzones].name, sizeof(zones[nzones].name), "%s", name);
            nzones++;
        }
    }
    fclose(f);
}

static const struct zone_info *zone_of(unsigned long start_pfn)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < nzones; i++)
            if (zones[i].start_pfn == start_pfn)
                return &zones[i];
        read_zoneinfo(); /* memory hotplug may have added one */
    }
    return NULL;
}

static void on_event(void *data, int size)
{
    const struct compactsnoop_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    char comm[KS_COMM_LEN + 1];
    memcpy(comm, e->comm, KS_COMM_LEN);
    comm[KS_COMM_LEN] = '\0';
    if (!first_ts)
        first_ts = e->ts;

    /* BCC's zone names: ZONE_DMA, ZONE_DMA32, ZONE_NORMAL (the kernel's enum names). */
    const struct zone_info *z = zone_of(e->zone_start);
    char zone[40] = "";
    if (z) {
        snprintf(zone, sizeof(zone), "ZONE_%s", z->name);
        for (char *p = zone; *p; p++)
            *p = toupper((unsigned char)*p);
    }
    /* The order of the suitability check taken at begin, if it was about this zone; with
     * none, compact_zone() was asked for the whole zone (order -1: compact_memory,
     * proactive compaction), the only case in which it makes no check. */
    struct ks_val order = KS_NULL;
    if (suitable_traced) {
        order = KS_I(-1);
        const char *checked = e->nid >= 0 ? ks_tp_symbol(&zone_names, e->idx) : NULL;
        if (z && checked && e->nid == z->nid && !strcmp(checked, z->name))
            order = KS_I(e->order);
    }
    char status_num[16];
    const char *status = ks_tp_symbol(&status_names, e->status);
    if (!status) {
        snprintf(status_num, sizeof(status_num), "%d", e->status);
        status = status_num;
    }
    struct ks_frames kf = {0};
    if (opt_kstack)
        ks_frames_kernel(&kf, stacks_fd, e->kernel_stack_id, KS_FRAME_OFFSET);
    struct ks_val v[NF] = {
        [F_TS] = KS_U(e->ts - first_ts),
        [F_COMM] = KS_S(comm),
        [F_PID] = KS_U(e->id >> 32),
        [F_NODE] = z ? KS_I(z->nid) : KS_NULL,
        [F_ZONE] = z ? KS_S(zone) : KS_NULL,
        [F_ORDER] = order,
        [F_MODE] = KS_S(e->sync ? "SYNC" : "ASYNC"),
        [F_LAT] = KS_U(e->delta),
        [F_STATUS] = KS_S(status),
        [F_KSTACK] = kf.missed ? KS_NULL : KS_V((const char *const *)kf.f, kf.n),
    };
    ks_record_emit(&rec, v);
    if (opt_kstack) { /* BCC: a tab and sym+off per frame, then an empty line */
        if (kf.missed)
            ks_textf("\t[Missed Kernel Stack]\n");
        for (int i = 0; i < kf.n; i++)
            ks_textf("\t%s\n", kf.f[i]);
        ks_textf("\n");
    }
    ks_frames_free(&kf);
}

static void configure(struct ks_run *r)
{
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_kstack)
        ks_define(r, "KERNEL_STACKS", 1, "-K");
    if (ks_tp_symbols("compaction", "mm_compaction_end", "status", &status_names) < 0)
        ks_info("mm_compaction_end's print fmt has no table of results: STATUS prints "
                "numbers");
    ks_tp_symbols("compaction", "mm_compaction_suitable", "idx", &zone_names);
    /* The check's "continue", as this kernel numbers enum compact_result. */
    long cont = -1;
    for (int i = 0; i < status_names.n; i++)
        if (!strcmp(status_names.name[i], "continue"))
            cont = status_names.value[i];
    if (cont < 0) {
        probes[P_SUITABLE].off = true;
        ks_info("mm_compaction_end's print fmt does not number \"continue\": ORDER prints "
                "'-'");
    } else {
        ks_define(r, "COMPACT_CONTINUE", cont, "the value mm_compaction_end prints as continue");
    }
    read_zoneinfo();
}

static void on_start(struct ks_run *r)
{
    suitable_traced = r->choices[P_SUITABLE].kind == KS_KIND_TRACEPOINT;
    if (!suitable_traced)
        ks_info("no compaction:mm_compaction_suitable here: ORDER prints '-'");
    if (opt_kstack)
        stacks_fd = ks_map_fd(r, "stacks");
    ks_record_header(&rec);
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    ks_tp_symbols_free(&status_names);
    ks_tp_symbols_free(&zone_names);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "compactsnoop",
            .json = true,
            .description = "Trace compact zone",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    compactsnoop          # trace all compact stall\n"
                        "    compactsnoop -T       # include timestamps\n"
                        "    compactsnoop -d 10    # trace for 10 seconds only\n"
                        "    compactsnoop -K       # output kernel stack trace\n"
                        "    compactsnoop -p 181   # only trace PID 181\n",
        },
    .bpf_source = ks_bpfsrc_compactsnoop_bpf_c,
    .bpf_name = "compactsnoop.bpf.c",
    .bpf_header = ks_bpfsrc_compactsnoop_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    .on_exit = on_exit_,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
