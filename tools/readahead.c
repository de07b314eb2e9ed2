/* readahead: read-ahead pages' wait for their first use, and those never used (BCC's
 * readahead). Kprobe-only: read-ahead, page cache allocation and page accesses have no
 * tracepoints. */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <stdio.h>
#include <stdlib.h>

#include "ks_hist.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_readahead_bpf_c[];

static const struct ks_opt opts[] = {KS_OPT_END};

/* Each part in the order BCC asks the kernel for its functions. */
#define RA_FUNCS "__do_page_cache_readahead", "do_page_cache_ra", "page_cache_ra_order"
static struct ks_probe probes[] = {
    /* A thread enters read-ahead, and leaves it (the same function, by one group). */
    {.name = "ra", .kprobes = {RA_FUNCS}, .group = 1},
    {.name = "ra_ret", .kprobes = {RA_FUNCS}, .ret = true, .group = 1},
    /* A page cache page allocated (the return: the page). _noprof: 6.10's name. */
    {.name = "alloc_ret",
     .kprobes = {"__page_cache_alloc", "filemap_alloc_folio", "filemap_alloc_folio_noprof"},
     .ret = true},
    /* A page accessed. mark_page_accessed is a wrapper of the folio function from 5.16. */
    {.name = "mpa", .kprobes = {"folio_mark_accessed", "mark_page_accessed"}},
};

static void on_interval(struct ks_run *r)
{
    int32_t zero = 0;
    int64_t unused = 0;
    bpf_lookup_elem(ks_map_fd(r, "pages"), &zero, &unused);
    const struct ks_map_def *m = ks_map_def(r, "dist");
    struct ks_hist_section *s = NULL;
    int n = ks_hist_collect(ks_map_fd(r, "dist"), m->key_size, 1, &s);
    ks_interval_begin();
    if (ks_out_json())
        ks_json_int(ks_out_writer(), "unused_pages", unused);
    ks_textf("\nRead-ahead unused pages: %lld\n", (long long)unused);
    ks_textf("Histogram of read-ahead used page age (ms):\n\n");
    ks_hist_begin("age (ms)", NULL);
    for (int i = 0; i < n; i++)
        ks_hist_emit("", s[i].vals, KS_LOG2_SLOTS);
    ks_hist_end();
    ks_interval_end();
    free(s);
}

static void configure(struct ks_run *r)
{
    ks_define(r, "KS_TIME_HIST", 1, "log2 histograms (kscope.bpf.h)");
    ks_define(r, "MILLISECONDS", 1, "ages in milliseconds");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_textf("Tracing... Hit Ctrl-C to end.\n");
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "readahead",
            .json = true,
            .description = "Monitor performance of read ahead cache",
            .opts = opts,
            .common = KS_C_DURATION,
            .examples = "    readahead -d 20       # monitor for 20 seconds and generate stats\n"
                        "    readahead             # until Ctrl-C\n",
        },
    .bpf_source = ks_bpfsrc_readahead_bpf_c,
    .bpf_name = "readahead.bpf.c",
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
