/* bitesize: block I/O size histograms per process name (BCC's bitesize). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "ks_hist.h"
#include "ks_record.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_bitesize_bpf_c[];

static const struct ks_opt opts[] = {
    KS_OPT_END,
};

/* No kprobe fallback: BCC's bitesize is the tracepoint alone (it has been there since
 * 2.6.x; BPF programs can attach to it from 4.7). */
static struct ks_probe probes[] = {
    {.name = "issue", .tp = "block:block_rq_issue"},
};

static void on_interval(struct ks_run *r)
{
    const struct ks_map_def *m = ks_map_def(r, "dist");
    struct ks_hist_section *s = NULL;
    int n = ks_hist_collect(ks_map_fd(r, "dist"), m->key_size, 1, &s);
    ks_interval_begin();
    if (r->opt.interval) {
        char t[16];
        ks_textf("\n%-8s\n", ks_time_str(t, sizeof(t), "%H:%M:%S"));
    }
    ks_hist_begin("Kbytes", "Process Name");
    for (int i = 0; i < n; i++) {
        char comm[17];
        memcpy(comm, s[i].key, 16);
        comm[16] = '\0';
        ks_hist_emit(comm, s[i].vals, KS_LOG2_SLOTS);
    }
    ks_hist_end();
    ks_interval_end();
    free(s);
}

static void configure(struct ks_run *r)
{
    if (r->opt.prom)
        ks_usage_error("--prom: bitesize has no Prometheus metrics yet (biolatency, biotop "
                       "and biopattern do)");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_textf("Tracing block I/O... Hit Ctrl-C to end.\n");
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "bitesize",
            .json = true,
            .description = "Summarize block device I/O size as a histogram per process name",
            .opts = opts,
            .common = KS_C_INTERVAL,
            .examples = "    bitesize              # histograms at Ctrl-C\n"
                        "    bitesize 5 3          # every 5 seconds, three times\n"
                        "    bitesize --json       # JSON at Ctrl-C\n",
        },
    .bpf_source = ks_bpfsrc_bitesize_bpf_c,
    .bpf_name = "bitesize.bpf.c",
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
