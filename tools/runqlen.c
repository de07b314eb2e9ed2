/* runqlen: summarize scheduler run queue length as a histogram (BCC's runqlen). */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_hist.h"
#include "ks_json.h"
#include "ks_prom.h"
#include "ks_record.h"
#include "ks_sched.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_runqlen_bpf_c[];

static bool opt_timestamp, opt_runqocc, opt_cpus;

static const struct ks_opt opts[] = {
    KS_FLAG('T', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('O', "runqocc", "report run queue occupancy", &opt_runqocc),
    KS_FLAG('C', "cpus", "print output for each CPU separately", &opt_cpus),
    KS_OPT_END,
};

/* BCC samples at 99 Hz; the length comes from the scheduler's tracepoints (no kprobe
 * fallbacks: a kprobe path would read the kernel's private struct rq / cfs_rq). Probes
 * attach in this order: the sampler last, so that no sample is taken before the
 * tracepoints that keep the length are in place (on a loaded machine attaching them can
 * take a noticeable part of a second). */
static struct ks_perf_spec sample_spec = {.freq = 99, .cpu = -1};
static struct ks_probe probes[] = {
    {.name = "wakeup", .tp = "sched:sched_wakeup", .group = 1},
    {.name = "wakeup_new", .tp = "sched:sched_wakeup_new", .group = 1},
    {.name = "switch", .tp = "sched:sched_switch", .group = 1},
    {.name = "migrate", .tp = "sched:sched_migrate_task", .group = 1},
    {.name = "sample", .perf = &sample_spec},
};

static void configure(struct ks_run *r)
{
    const char *why = NULL;
    if (!ks_sched_define_state_mask(r, &why))
        ks_usage_error("cannot tell runnable threads from sleeping ones on sched_switch here "
                       "(%s), so the run queue length cannot be kept",
                       why);
    if (opt_cpus)
        ks_define(r, "PER_CPU", 1, "-C");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_info("run queue length: kept from sched_wakeup, sched_wakeup_new, sched_switch and "
            "sched_migrate_task per thread, sampled per CPU at 99 Hz (no struct rq read); "
            "threads waiting since before the start count from their first run");
    ks_textf("Sampling run queue length... Hit Ctrl-C to end.\n");
}

/* -O: the share of samples with at least one thread waiting, as BCC prints it. */
static void occupancy(const struct ks_hist_section *s, int n)
{
    int cpumax = -1;
    for (int i = 0; i < n; i++) {
        uint64_t cpu;
        memcpy(&cpu, s[i].key, sizeof(cpu));
        if ((int)cpu > cpumax)
            cpumax = (int)cpu;
    }
    if (!opt_cpus)
        cpumax = 0;
    struct ks_json *j = ks_out_json() ? ks_out_writer() : NULL;
    if (j)
        ks_json_array(j, "runqocc");
    for (int c = 0; c <= cpumax; c++) {
        uint64_t idle = 0, queued = 0;
        for (int i = 0; i < n; i++) {
            uint64_t cpu;
            memcpy(&cpu, s[i].key, sizeof(cpu));
            if (opt_cpus && cpu != (uint64_t)c)
                continue;
            idle += s[i].vals[0];
            for (int k = 1; k < KS_LOG2_SLOTS; k++)
                queued += s[i].vals[k];
        }
        double occ = idle + queued ? 100.0 * (double)queued / (double)(idle + queued) : 0;
        if (j) {
            ks_json_object(j, NULL);
            if (opt_cpus)
                ks_json_int(j, "cpu", c);
            ks_json_uint(j, "samples", idle + queued);
            ks_json_double(j, "percent", occ);
            ks_json_end(j);
        } else if (opt_cpus) {
            printf("runqocc, CPU %-3d %6.2f%%\n", c, occ);
        } else {
            printf("runqocc: %0.2f%%\n", occ);
        }
    }
    if (j)
        ks_json_end(j);
}

/* --prom: counters per CPU (-C) or for all, from which occupancy and the mean length
 * follow (rate of waiting_samples or of waiting_threads over rate of samples). */
static void prom_emit(const char *cpu, const uint64_t c[3])
{
    struct ks_prom_label l = {"cpu", cpu};
    int nl = cpu ? 1 : 0;
    ks_prom_counter("samples_total", "Run queue samples (99 per second per CPU)", &l, nl, c[0],
                    false);
    ks_prom_counter("waiting_samples_total",
                    "Samples with at least one thread waiting (occupancy: over samples)", &l, nl,
                    c[1], false);
    ks_prom_counter("waiting_threads_total",
                    "Threads waiting, added up over the samples (mean length: over samples)", &l,
                    nl, c[2], false);
}

static void prom_counts(const struct ks_hist_section *s, int n)
{
    if (!ks_prom_enabled())
        return;
    uint64_t all[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        uint64_t c[3] = {0, 0, 0}; /* samples, with a thread waiting, threads waiting */
        for (int k = 0; k < KS_LOG2_SLOTS; k++) {
            c[0] += s[i].vals[k];
            c[1] += k ? s[i].vals[k] : 0;
            c[2] += (uint64_t)k * s[i].vals[k];
        }
        for (int k = 0; k < 3; k++)
            all[k] += c[k];
        if (opt_cpus) {
            uint64_t cpu;
            char v[24];
            memcpy(&cpu, s[i].key, sizeof(cpu));
            snprintf(v, sizeof(v), "%llu", (unsigned long long)cpu);
            prom_emit(v, c);
        }
    }
    if (!opt_cpus)
        prom_emit(NULL, all);
}

static void on_interval(struct ks_run *r)
{
    const struct ks_map_def *m = ks_map_def(r, "dist");
    struct ks_hist_section *s = NULL;
    int n = ks_hist_collect(ks_map_fd(r, "dist"), m->key_size, 1, &s);
    ks_sched_interval_begin(opt_timestamp);
    if (opt_runqocc) {
        occupancy(s, n);
    } else {
        ks_hist_begin("runqlen", opt_cpus ? "cpu" : NULL);
        for (int i = 0; i < n; i++) {
            uint64_t cpu;
            memcpy(&cpu, s[i].key, sizeof(cpu));
            char v[24];
            snprintf(v, sizeof(v), "%llu", (unsigned long long)cpu);
            ks_hist_emit_linear(v, s[i].vals, KS_LOG2_SLOTS);
        }
        ks_hist_end();
    }
    prom_counts(s, n);
    free(s);
    ks_interval_end();
    uint32_t zero = 0;
    uint64_t untracked = 0;
    int ufd = ks_map_fd(r, "untracked");
    if (ufd >= 0 && bpf_lookup_elem(ufd, &zero, &untracked) == 0 && untracked)
        ks_warn("%llu threads were not followed (the thread table was full): lengths may be "
                "low",
                (unsigned long long)untracked);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "runqlen",
            .json = true,
            .description = "Summarize scheduler run queue length as a histogram",
            .opts = opts,
            .common = KS_C_INTERVAL,
            .examples = "    runqlen            # summarize run queue length as a histogram\n"
                        "    runqlen 1 10       # print 1 second summaries, 10 times\n"
                        "    runqlen -T 1       # 1s summaries and timestamps\n"
                        "    runqlen -O         # report run queue occupancy\n"
                        "    runqlen -C         # show each CPU separately\n",
        },
    .bpf_source = ks_bpfsrc_runqlen_bpf_c,
    .bpf_name = "runqlen.bpf.c",
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
