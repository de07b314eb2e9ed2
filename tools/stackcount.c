/* stackcount: count events and their stack traces (BCC's stackcount). The events are any
 * probe a pattern names (ks_spec): kernel functions, tracepoints, user functions, USDT. */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_maps.h"
#include "ks_spec.h"
#include "ks_stack.h"
#include "ks_stacktool.h"
#include "ks_sys.h"
#include "ks_tool.h"
#include "ks_usyms.h"

extern const char ks_bpfsrc_stackcount_bpf_c[];

static bool opt_timestamp, opt_regex, opt_offset, opt_perpid, opt_kernel, opt_user,
    opt_delimited, opt_folded;
static long opt_interval, opt_duration, opt_cpu = -1, opt_stack_size = 1024;

static const struct ks_opt opts[] = {
    KS_LONG('c', "cpu", "CPU", "trace this CPU only", &opt_cpu, 0, 1000000),
    KS_LONG('i', "interval", "INTERVAL", "summary interval, seconds", &opt_interval, 1,
            100000000),
    KS_LONG('D', "duration", "DURATION", "total duration of trace, seconds", &opt_duration, 1,
            100000000),
    KS_FLAG('T', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('r', "regexp", "use regular expressions. Default is \"*\" wildcards only.",
            &opt_regex),
    KS_FLAG('s', "offset", "show address offsets", &opt_offset),
    KS_FLAG('P', "perpid", "display stacks separately for each process", &opt_perpid),
    KS_FLAG('K', "kernel-stacks-only", "kernel stack only", &opt_kernel),
    KS_FLAG('U', "user-stacks-only", "user stack only", &opt_user),
    KS_FLAG('d', "delimited", "insert delimiter between kernel/user stacks", &opt_delimited),
    KS_FLAG('f', "folded", "output folded format", &opt_folded),
    KS_LONG(0, "stack-storage-size", "STACK_STORAGE_SIZE",
            "the number of unique stack traces that can be stored (default 1024)",
            &opt_stack_size, 1, 10000000),
    KS_OPT_END,
};

static struct ks_tool tool;
static struct ks_spec spec;
static struct ks_spec_target *targets;
static int ntargets;
static bool kernel_on, user_on, per_pid, kernel_probe;
static long g_pid = -1;

static void configure(struct ks_run *r)
{
    if (r->opt.npos != 1) {
        if (r->opt.check && !r->opt.npos) {
            tool.probes = ks_spec_check_probes(&tool.nprobes);
            return;
        }
        ks_usage_error(r->opt.npos ? "one pattern only"
                                   : "the following arguments are required: pattern");
    }
    if (opt_kernel && opt_user)
        ks_usage_error("-K and -U are mutually exclusive. If you want both stacks, that is the "
                       "default.");
    if (opt_cpu >= ks_possible_cpus())
        ks_usage_error("invalid CPU %ld (this machine has CPUs 0-%d)", opt_cpu,
                       ks_possible_cpus() - 1);
    ks_stacktool_check_format(r, opt_folded);
    struct ks_buf err = {0};
    if (ks_spec_parse(r->opt.pos[0], r->opt.pid, opt_regex ? KS_SPEC_REGEX : 0, &spec,
                      &err) != 0)
        ks_usage_error_at(spec.text, spec.err_pos, err.s);
    if (spec.ret)
        ks_usage_error("stackcount counts events: the type must be p, t or u, not r");
    ntargets = ks_spec_expand(&spec, opt_regex, r->opt.pid, &targets, &err);
    if (ntargets < 0) {
        ks_err("%s", err.s);
        exit(1);
    }
    tool.probes = ks_spec_probes(&spec, targets, ntargets, 0, false, &tool.nprobes);
    ks_spec_defines(&r->defines, ntargets);
    g_pid = r->opt.pid;
    kernel_probe = spec.kind == KS_SPEC_KFUNC || spec.kind == KS_SPEC_TP;
    kernel_on = !opt_user;
    user_on = !opt_kernel;
    /* BCC: split by process for -P, for user stacks and for user probes (their symbols
     * mean something per process); -p implies it. */
    per_pid = opt_perpid || !kernel_probe || user_on || r->opt.pid >= 0;
    if (r->opt.pid >= 0 && kernel_probe)
        ks_define(r, "TGID", r->opt.pid, "-p: this process only");
    if (opt_cpu >= 0)
        ks_define(r, "CPU", opt_cpu, "-c: this CPU only");
    if (per_pid)
        ks_define(r, "PER_PID", 1, "counted per process, with its name");
    if (kernel_on)
        ks_define(r, "KERNEL_STACKS", 1, "not -U");
    if (user_on) {
        ks_define(r, "USER_STACKS", 1, "not -K");
        ks_define(r, "KS_NOTE_PIDS", 1, "user stacks: the tool reads each process's maps");
    }
    ks_define(r, "STACK_STORAGE_SIZE", opt_stack_size, "--stack-storage-size");
    r->opt.duration = opt_duration;
    if (opt_interval)
        r->opt.interval = opt_interval;
    else if (opt_duration)
        r->opt.interval = opt_duration;
}

static void on_start(struct ks_run *r)
{
    (void)r;
    if (!opt_folded)
        ks_textf("Tracing %d functions for \"%s\"... Hit Ctrl-C to end.\n", ntargets,
                 spec.text);
    ks_stacktool_preload(kernel_on);
    /* -p: the process is known now; read its maps while it surely lives (it may exit
     * before its first event is read). */
    if (user_on && g_pid >= 0)
        ks_usyms_note((uint32_t)g_pid);
}

/* BCC's frame line: two spaces, the raw address with -v, the symbol. */
static void print_frames(const struct ks_frames *fr)
{
    for (int i = 0; i < fr->n; i++) {
        if (ks_verbose)
            printf("  %-16llx %s\n", (unsigned long long)fr->ip[i], fr->f[i]);
        else
            printf("  %s\n", fr->f[i]);
    }
}

struct key_t {
    uint32_t tgid;
    int32_t kernel_stack_id, user_stack_id;
    char name[16];
};

static void one_stack(const void *kp, uint64_t value, int stacks_fd,
                      struct ks_stack_losses *losses)
{
    struct key_t k;
    memcpy(&k, kp, sizeof(k));
    char comm[17];
    snprintf(comm, sizeof(comm), "%.16s", k.name);
    struct ks_stack_sample s = {
        .comm = comm,
        .pid = k.tgid,
        .tgid = -1,
        .value = value,
        .value_json = "count",
        .kernel_on = kernel_on,
        .user_on = user_on,
        .delimit = opt_delimited && kernel_on && user_on,
    };
    unsigned flags = opt_offset ? KS_FRAME_OFFSET : 0;
    if (kernel_on) {
        ks_stack_loss_add(losses, k.kernel_stack_id);
        ks_frames_kernel(&s.kernel, stacks_fd, k.kernel_stack_id, flags);
    }
    if (user_on) {
        ks_stack_loss_add(losses, k.user_stack_id);
        ks_frames_user(&s.user, stacks_fd, k.user_stack_id, k.tgid, flags);
    }
    if (opt_folded || ks_out_json()) {
        ks_stack_print(stdout, &s, opt_folded);
    } else {
        /* BCC's block: kernel frames, "--" with -d, user frames, "comm [pid]" unless -p,
         * the count and a blank line. A stack that is not there prints nothing. */
        print_frames(&s.kernel);
        if (s.delimit)
            printf("    --\n");
        print_frames(&s.user);
        if (g_pid < 0 && k.tgid != 0xffffffff)
            printf("    %s [%u]\n", comm, k.tgid);
        printf("    %llu\n\n", (unsigned long long)value);
    }
    ks_frames_free(&s.kernel);
    ks_frames_free(&s.user);
}

static void on_interval(struct ks_run *r)
{
    if (opt_timestamp && !ks_out_json()) {
        char t[16];
        if (!opt_folded)
            ks_textf("\n");
        ks_textf("%-8s\n", ks_time_str(t, sizeof(t), "%H:%M:%S"));
    }
    struct ks_stacktool_out out = {sizeof(struct key_t), opt_folded || opt_timestamp, "events",
                                   10240, NULL};
    ks_stacktool_each(r, &out, one_stack);
    /* Each interval counts afresh (BCC's counts.clear()). */
    int fd = ks_map_fd(r, "counts");
    void *keys;
    size_t n = ks_map_keys(fd, sizeof(struct key_t), &keys);
    for (size_t i = 0; i < n; i++)
        bpf_delete_elem(fd, (char *)keys + i * sizeof(struct key_t));
    free(keys);
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    if (!opt_folded)
        ks_textf("Detaching...\n");
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "stackcount",
            .description = "Count events and their stack traces",
            .opts = opts,
            .common = KS_C_PID,
            .json = true,
            .pos_name = "pattern",
            .pos_help = "search expression for events",
            .pos_max = 1,
            .examples =
                "    stackcount submit_bio         # count kernel stack traces for submit_bio\n"
                "    stackcount -d ip_output       # include a user/kernel stack delimiter\n"
                "    stackcount -s ip_output       # show symbol offsets\n"
                "    stackcount -sv ip_output      # show offsets and raw addresses (verbose)\n"
                "    stackcount 'tcp_send*'        # count stacks for funcs matching tcp_send*\n"
                "    stackcount -r '^tcp_send.*'   # same as above, using regular expressions\n"
                "    stackcount -Ti 5 ip_output    # output every 5 seconds, with timestamps\n"
                "    stackcount -p 185 ip_output   # count ip_output stacks for PID 185 only\n"
                "    stackcount -c 1 put_prev_entity  # count put_prev_entity stacks for CPU 1 "
                "only\n"
                "    stackcount -p 185 c:malloc    # count stacks for malloc in PID 185\n"
                "    stackcount t:sched:sched_fork # count stacks for sched_fork tracepoint\n"
                "    stackcount -p 185 u:node:*    # count stacks for all USDT probes in node\n"
                "    stackcount -K t:sched:sched_switch   # kernel stacks only\n"
                "    stackcount -U t:sched:sched_switch   # user stacks only\n",
        },
    .bpf_source = ks_bpfsrc_stackcount_bpf_c,
    .bpf_name = "stackcount.bpf.c",
    .configure = configure,
    .on_event = ks_stacktool_on_note,
    .on_start = on_start,
    .on_interval = on_interval,
    .on_exit = on_exit_,
    .wakeup_events = 1,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
