/* drsnoop: trace direct reclaim (BCC's drsnoop). */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <linux/bpf.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bpfsrc/drsnoop.h"
#include "ks_features.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_drsnoop_bpf_c[], ks_bpfsrc_drsnoop_h[];

static bool opt_timestamp, opt_print_uid, opt_memcg;
static long opt_tid = -1, opt_uid = -1;
static const char *opt_name;

static const struct ks_opt opts[] = {
    KS_FLAG('T', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('U', "print-uid", "print UID column", &opt_print_uid),
    KS_LONG('t', "tid", "TID", "trace this TID only", &opt_tid, 0, 0x7fffffff),
    KS_LONG('u', "uid", "UID", "trace this UID only", &opt_uid, 0, 0xfffffffe),
    KS_STR('n', "name", "NAME", "only print process names containing this name", &opt_name),
    KS_FLAG(0, "memcg",
            "also trace the reclaim a task does at its cgroup's memory limit (a kscope "
            "extension)",
            &opt_memcg),
    KS_OPT_END,
};

/* Both pairs share the start map, keyed by thread: any mix of mechanisms works. */
static struct ks_probe probes[] = {
    {.name = "begin", .tp = "vmscan:mm_vmscan_direct_reclaim_begin",
     .kprobes = {"try_to_free_pages"}},
    {.name = "end", .tp = "vmscan:mm_vmscan_direct_reclaim_end",
     .kprobes = {"try_to_free_pages"}, .ret = true},
    {.name = "memcg_begin", .tp = "vmscan:mm_vmscan_memcg_reclaim_begin",
     .kprobes = {"try_to_free_mem_cgroup_pages"}, .off = true},
    {.name = "memcg_end", .tp = "vmscan:mm_vmscan_memcg_reclaim_end",
     .kprobes = {"try_to_free_mem_cgroup_pages"}, .ret = true, .off = true},
};

static bool show_free, show_tid;
static uint64_t first_ts;
enum { F_TS, F_UID, F_COMM, F_PID, F_TID, F_LAT, F_PAGES, F_FREE, F_MEMCG, NF };
static const struct ks_field fields[NF] = {
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-14s",
              .fmt = "%-14.9f", .on = &opt_timestamp},
    [F_UID] = {.json = "uid", .type = KS_T_UINT, .header = "UID", .hfmt = "%-6s",
               .fmt = "%-6d", .on = &opt_print_uid},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-14s ",
                .fmt = "%-14.14s "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-6s ",
               .fmt = "%-6d ", .off = &show_tid},
    [F_TID] = {.json = "tid", .type = KS_T_UINT, .header = "TID", .hfmt = "%-6s ",
               .fmt = "%-6d ", .on = &show_tid},
    [F_LAT] = {.json = "latency_ns", .type = KS_T_NS, .header = "LAT(ms)", .hfmt = "%8s ",
               .fmt = "%8.2f ", .scale = 1e6},
    [F_PAGES] = {.json = "pages", .type = KS_T_UINT, .header = "PAGES", .hfmt = "%5s",
                 .fmt = "%5d"},
    [F_FREE] = {.json = "free_kb", .type = KS_T_UINT, .header = "FREE(KB)", .hfmt = "%10s",
                .fmt = "%10d", .on = &show_free, .null_text = "-"},
    [F_MEMCG] = {.json = "memcg", .type = KS_T_UINT},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_event(void *data, int size)
{
    const struct drsnoop_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    char comm[KS_COMM_LEN + 1];
    memcpy(comm, e->comm, KS_COMM_LEN);
    comm[KS_COMM_LEN] = '\0';
    if (opt_name && !strstr(comm, opt_name))
        return;
    if (!first_ts)
        first_ts = e->ts;
    long kb_per_page = sysconf(_SC_PAGESIZE) / 1024;
    struct ks_val v[NF] = {
        [F_TS] = KS_U(e->ts - first_ts),
        [F_UID] = KS_U(e->uid),
        [F_COMM] = KS_S(comm),
        [F_PID] = KS_U(e->id >> 32),
        [F_TID] = KS_U((uint32_t)e->id),
        [F_LAT] = KS_U(e->delta),
        [F_PAGES] = KS_U(e->nr_reclaimed),
        [F_FREE] = e->free_pages == DRSNOOP_FREE_UNKNOWN
                       ? KS_NULL
                       : KS_U(e->free_pages * (uint64_t)kb_per_page),
        [F_MEMCG] = KS_U(e->memcg),
    };
    ks_record_emit(&rec, v);
}

/* -v: the kernel's vm_zone_stat array (vm_stat before 4.8), as BCC finds it. Only in
 * /proc/kallsyms with CONFIG_KALLSYMS_ALL. */
static unsigned long long vm_stat_addr(void)
{
    char path[256];
    FILE *f = fopen(ks_kernel_path(path, sizeof(path), "/proc/kallsyms"), "r");
    if (!f)
        return 0;
    char line[512], name[256], type;
    unsigned long long addr, found = 0;
    while (!found && fgets(line, sizeof(line), f))
        if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
            (!strcmp(name, "vm_zone_stat") || !strcmp(name, "vm_stat")))
            found = addr;
    fclose(f);
    return found;
}

static void configure(struct ks_run *r)
{
    show_tid = opt_tid >= 0;
    /* BCC's -v (show system memory state) is kscope's -v too. */
    show_free = r->opt.verbose;
    if (opt_memcg)
        probes[2].off = probes[3].off = false;
    if (r->opt.pid >= 0 && opt_tid < 0) /* BCC: TID trumps PID */
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_tid >= 0)
        ks_define(r, "TID_FILTER", opt_tid, "-t");
    if (opt_uid >= 0)
        ks_define(r, "UID_FILTER", opt_uid, "-u");
}

/* Everything is attached: -v hands the program this boot's vm_zone_stat address (the
 * program itself is the same with or without -v; a reclaim that began before this shows
 * "-"). */
static void on_start(struct ks_run *r)
{
    if (show_free) {
        unsigned long long a = vm_stat_addr();
        int fd = ks_map_fd(r, "vm_stat_addr"), zero = 0;
        if (!a)
            ks_warn("FREE(KB) prints '-': no vm_zone_stat or vm_stat in /proc/kallsyms (the "
                    "kernel needs CONFIG_KALLSYMS_ALL)");
        else if (fd < 0 || bpf_update_elem(fd, &zero, &a, BPF_ANY) != 0)
            ks_warn("FREE(KB) prints '-': cannot hand the program vm_zone_stat's address");
    }
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "drsnoop",
            .json = true,
            .description = "Trace direct reclaim",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    drsnoop           # trace all direct reclaim\n"
                        "    drsnoop -T        # include timestamps\n"
                        "    drsnoop -U        # include UID\n"
                        "    drsnoop -p 181    # only trace PID 181\n"
                        "    drsnoop -t 123    # only trace TID 123\n"
                        "    drsnoop -u 1000   # only trace UID 1000\n"
                        "    drsnoop -d 10     # trace for 10 seconds only\n"
                        "    drsnoop -n main   # only print process names containing \"main\"\n"
                        "    drsnoop --memcg   # also reclaim at cgroup memory limits\n",
        },
    .bpf_source = ks_bpfsrc_drsnoop_bpf_c,
    .bpf_name = "drsnoop.bpf.c",
    .bpf_header = ks_bpfsrc_drsnoop_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
