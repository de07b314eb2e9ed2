/* funclatency: time functions and print their latency as a histogram (BCC's funclatency).
 * Kernel functions (kprobes and kretprobes) or user functions (uprobes and uretprobes)
 * named by a pattern (ks_spec). */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_hist.h"
#include "ks_maps.h"
#include "ks_record.h"
#include "ks_spec.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_funclatency_bpf_c[];

#define DEFAULT_LEVEL 16

static bool opt_timestamp, opt_us, opt_ms, opt_function, opt_regex;
static long opt_interval, opt_level;

static const struct ks_opt opts[] = {
    KS_LONG('i', "interval", "INTERVAL", "summary interval, in seconds", &opt_interval, 1,
            100000000),
    KS_FLAG('T', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('u', "microseconds", "microsecond histogram", &opt_us),
    KS_FLAG('m', "milliseconds", "millisecond histogram", &opt_ms),
    KS_FLAG('F', "function", "show a separate histogram per function", &opt_function),
    KS_FLAG('r', "regexp", "use regular expressions. Default is \"*\" wildcards only.",
            &opt_regex),
    KS_LONG('l', "level", "LEVEL",
            "set the level of nested or recursive functions timed (default 16)", &opt_level, 1,
            64),
    KS_OPT_END,
};

static struct ks_tool tool;
static struct ks_pattern pat;
static bool section_fn, section_pid;
static const char *label = "nsecs";

static void configure(struct ks_run *r)
{
    if (opt_us && opt_ms)
        ks_usage_error("-u and -m are exclusive: pick one unit");
    tool.probes = ks_pattern_probes(r->opt.npos, r->opt.pos, r->opt.check, r->opt.pid, opt_regex,
                                    true, &pat, &tool.nprobes);
    if (!pat.n)
        return;
    ks_spec_defines(&r->defines, pat.n);
    if (r->opt.pid >= 0)
        ks_define(r, "TGID", r->opt.pid, "-p: this process only");
    long factor = opt_ms ? 1000000 : opt_us ? 1000 : 1;
    label = opt_ms ? "msecs" : opt_us ? "usecs" : "nsecs";
    ks_define(r, "FACTOR", factor, "nanoseconds per histogram unit");
    ks_define(r, "KS_NEST_LEVELS", 1, "per-thread nesting levels (kscope.bpf.h)");
    ks_define(r, "MAX_LEVEL", opt_level ? opt_level : DEFAULT_LEVEL,
              "nesting levels timed per thread (-l)");
    /* BCC: a histogram per function with -F, and per function and process for user
     * functions traced in every process (their addresses mean something per process). */
    bool user = pat.spec.kind == KS_SPEC_UFUNC;
    section_fn = opt_function || (user && r->opt.pid < 0);
    section_pid = section_fn && user;
    if (section_fn)
        ks_define(r, "SECTION_FN", 1, "a histogram per function");
    if (section_pid)
        ks_define(r, "SECTION_PID", 1, "and per process");
    if (opt_interval)
        r->opt.interval = opt_interval;
    else if (r->opt.duration)
        r->opt.interval = r->opt.duration;
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_textf("Tracing %d functions for \"%s\"... Hit Ctrl-C to end.\n", pat.n, pat.spec.text);
}

static void on_interval(struct ks_run *r)
{
    const struct ks_map_def *m = ks_map_def(r, "dist");
    struct ks_hist_section *s = NULL;
    int n = ks_hist_collect(ks_map_fd(r, "dist"), m->key_size, 1, &s);
    ks_interval_begin();
    ks_textf("\n");
    if (opt_timestamp) {
        char t[16];
        ks_textf("%-8s\n", ks_time_str(t, sizeof(t), "%H:%M:%S"));
    }
    ks_hist_begin(label, section_fn ? "Function" : NULL);
    for (int i = 0; i < n; i++) {
        uint32_t fn, pid;
        memcpy(&fn, s[i].key, 4);
        memcpy(&pid, s[i].key + 4, 4);
        char name[300] = "";
        if (section_fn && fn < (uint32_t)pat.n) {
            if (section_pid)
                snprintf(name, sizeof(name), "%s [%u]", pat.targets[fn].name, pid);
            else
                snprintf(name, sizeof(name), "%s", pat.targets[fn].name);
        }
        ks_hist_emit(name, s[i].vals, KS_LOG2_SLOTS);
    }
    ks_hist_end();
    free(s);
    /* The growth of the sums since the last output (the counters only grow). */
    static uint64_t prev[2];
    uint64_t v[2] = {0, 0};
    int fd = ks_map_fd(r, "avg");
    for (uint32_t k = 0; k < 2; k++)
        ks_percpu_sum_u64(fd, &k, 8, &v[k], 1);
    uint64_t total = v[0] - prev[0], count = v[1] - prev[1];
    prev[0] = v[0];
    prev[1] = v[1];
    uint64_t factor = opt_ms ? 1000000 : opt_us ? 1000 : 1;
    if (ks_out_json()) {
        ks_json_uint(ks_out_writer(), "total", total / factor);
        ks_json_uint(ks_out_writer(), "count", count);
    } else if (count > 0) {
        printf("\navg = %" PRIu64 " %s, total: %" PRIu64 " %s, count: %" PRIu64 "\n\n",
               total / factor / count, label, total / factor, label, count);
    }
    ks_interval_end();
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    ks_textf("Detaching...\n");
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "funclatency",
            .description = "Time functions and print latency as a histogram",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION,
            .json = true,
            .pos_name = "pattern",
            .pos_help = "search expression for functions",
            .pos_max = 1,
            .examples =
                "    funclatency do_sys_open       # time the do_sys_open() kernel function\n"
                "    funclatency c:read            # time the read() C library function\n"
                "    funclatency -u vfs_read       # time vfs_read(), in microseconds\n"
                "    funclatency -m do_nanosleep   # time do_nanosleep(), in milliseconds\n"
                "    funclatency -i 2 -d 10 c:open # output every 2 seconds, for duration 10s\n"
                "    funclatency -mTi 5 vfs_read   # output every 5 seconds, with timestamps\n"
                "    funclatency -p 181 vfs_read   # time process 181 only\n"
                "    funclatency 'vfs_fstat*'      # time both vfs_fstat() and vfs_fstatat()\n"
                "    funclatency 'c:*printf'       # time the *printf family of functions\n"
                "    funclatency -F 'vfs_r*'       # show one histogram per matched function\n",
        },
    .bpf_source = ks_bpfsrc_funclatency_bpf_c,
    .bpf_name = "funclatency.bpf.c",
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
    .on_exit = on_exit_,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
