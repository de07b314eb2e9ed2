/* mdflush: trace md flush events (BCC's mdflush). Kprobe-only: no tracepoint marks a
 * flush of an md device. */
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "../bpfsrc/mdflush.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_mdflush_bpf_c[], ks_bpfsrc_mdflush_h[];

static const struct ks_opt opts[] = {KS_OPT_END};

static struct ks_probe probes[] = {
    {.name = "flush", .kprobes = {"md_flush_request"}},
};

enum { F_TIME, F_PID, F_COMM, F_DEV, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-8s ",
                .fmt = "%-8s "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ", .fmt = "%-7d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_DEV] = {.json = "device", .type = KS_T_STR, .header = "DEVICE", .hfmt = "%s", .fmt = "%s"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_event(void *data, int size)
{
    const struct mdflush_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    char comm[MDFLUSH_COMM_LEN + 1], disk[MDFLUSH_DISK_LEN + 1];
    ks_event_str(comm, e->comm, MDFLUSH_COMM_LEN);
    ks_event_str(disk, e->disk, MDFLUSH_DISK_LEN);
    struct ks_val v[NF] = {[F_TIME] = KS_U(ks_wall_ns()), [F_PID] = KS_U(e->pid),
                           [F_COMM] = KS_S(comm), [F_DEV] = KS_S(disk)};
    ks_record_emit(&rec, v);
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_textf("Tracing md flush requests... Hit Ctrl-C to end.\n");
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "mdflush",
            .json = true,
            .description = "Trace md flush events",
            .opts = opts,
            .common = KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 16,
            .examples = "    mdflush           # trace md flush requests\n"
                        "    mdflush -d 60     # for a minute\n",
        },
    .bpf_source = ks_bpfsrc_mdflush_bpf_c,
    .bpf_name = "mdflush.bpf.c",
    .bpf_header = ks_bpfsrc_mdflush_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .on_event = on_event,
    .on_start = on_start,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
