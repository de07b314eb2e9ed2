/* dcsnoop: trace directory entry cache (dcache) lookups (BCC's dcsnoop). Kprobe-only: no
 * tracepoint sees dcache lookups. */
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "../bpfsrc/dcsnoop.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_dcsnoop_bpf_c[], ks_bpfsrc_dcsnoop_h[];

static bool opt_all;

static const struct ks_opt opts[] = {
    KS_FLAG('a', "all", "trace all lookups (default is fails only)", &opt_all),
    KS_OPT_END,
};

static struct ks_probe probes[] = {
    /* -a only; static, so often a copy with a suffix (see dcstat). */
    {.name = "fast", .kprobes = {"lookup_fast", "lookup_fast.constprop.0", "lookup_fast.isra.0"}},
    {.name = "lookup", .kprobes = {"d_lookup"}},
    {.name = "lookup_ret", .kprobes = {"d_lookup"}, .ret = true},
};

enum { F_TIME, F_PID, F_COMM, F_T, F_FILE, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-11s ",
                .fmt = "%-11.6f "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ", .fmt = "%-7d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_T] = {.json = "type", .type = KS_T_STR, .header = "T", .hfmt = "%1s ", .fmt = "%1s "},
    [F_FILE] = {.json = "file", .type = KS_T_STR, .header = "FILE", .hfmt = "%s", .fmt = "%s"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};
static uint64_t start_ns;

static void on_event(void *data, int size)
{
    const struct dcsnoop_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    char comm[DCSNOOP_COMM_LEN + 1], name[DCSNOOP_NAME_LEN + 1];
    ks_event_str(comm, e->comm, DCSNOOP_COMM_LEN);
    ks_event_str(name, e->name, DCSNOOP_NAME_LEN);
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_now_ns() - start_ns),
        [F_PID] = KS_U(e->pid),
        [F_COMM] = KS_S(comm),
        [F_T] = KS_S(e->type ? "R" : "M"),
        [F_FILE] = KS_S(name),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    (void)r;
    probes[0].off = !opt_all;
}

static void on_start(struct ks_run *r)
{
    start_ns = r->start_ns;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "dcsnoop",
            .json = true,
            .description = "Trace directory entry cache (dcache) lookups",
            .opts = opts,
            .common = KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    dcsnoop           # trace failed dcache lookups\n"
                        "    dcsnoop -a        # trace all dcache lookups\n",
        },
    .bpf_source = ks_bpfsrc_dcsnoop_bpf_c,
    .bpf_name = "dcsnoop.bpf.c",
    .bpf_header = ks_bpfsrc_dcsnoop_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    .wakeup_events = 64,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
