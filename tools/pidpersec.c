/* pidpersec: count new processes (via fork) per second (BCC's pidpersec). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "ks_maps.h"
#include "ks_prom.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_pidpersec_bpf_c[];

static const struct ks_opt opts[] = {KS_OPT_END};

/* Not named "fork": that name is kscope.bpf.h's parent map. */
static struct ks_probe probes[] = {
    {.name = "clone", .tp = "sched:sched_process_fork", .kprobes = {"sched_fork"}},
};

/* BCC's line: "HH:MM:SS: PIDs/sec: N". */
enum { F_TIME, F_COUNT, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "", .hfmt = "%s",
                .fmt = "%s: PIDs/sec: "},
    [F_COUNT] = {.json = "pids", .type = KS_T_UINT, .header = "", .hfmt = "%s", .fmt = "%d"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static uint64_t total, last_print_ns;

static void on_interval(struct ks_run *r)
{
    uint64_t now = ks_now_ns();
    /* At Ctrl-C BCC prints nothing for the part of a second that has passed. */
    if (now - last_print_ns < 900000000ull)
        return;
    last_print_ns = now;
    uint32_t zero = 0;
    uint64_t sum = 0;
    if (ks_percpu_sum_u64(ks_map_fd(r, "stats"), &zero, 8, &sum, 1) != 0)
        return;
    uint64_t n = sum - total;
    total = sum;
    ks_prom_counter("forks_total", "New tasks (processes and threads) created", NULL, 0, n,
                    false);
    struct ks_val v[NF] = {[F_TIME] = KS_U(ks_wall_ns()), [F_COUNT] = KS_U(n)};
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    r->opt.interval = 1; /* BCC's: every second, until Ctrl-C */
}

static void on_start(struct ks_run *r)
{
    last_print_ns = r->start_ns;
    ks_textf("Tracing... Ctrl-C to end.\n");
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "pidpersec",
            .json = true,
            .description = "Count new processes (via fork) per second",
            .opts = opts,
            .common = KS_C_DURATION,
            .examples = "    pidpersec           # new processes and threads each second\n"
                        "    pidpersec -d 10     # for ten seconds\n",
        },
    .bpf_source = ks_bpfsrc_pidpersec_bpf_c,
    .bpf_name = "pidpersec.bpf.c",
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
