/* profile: sample stack traces at a timed interval (BCC's profile), plus -T/--top. */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_ksyms.h"
#include "ks_maps.h"
#include "ks_stack.h"
#include "ks_sys.h"
#include "ks_stacktool.h"
#include "ks_tool.h"
#include "ks_usyms.h"

extern const char ks_bpfsrc_profile_bpf_c[];

#define COMM_LEN 16

static bool opt_user_only, opt_kernel_only, opt_delimited, opt_annotations, opt_idle,
    opt_folded;
static long opt_freq, opt_period, opt_cpu = -1, opt_top, opt_stack_size = 16384,
                                  opt_hash_size = 40960;
static struct ks_id_list opt_pids, opt_tids;

static const struct ks_opt opts[] = {
    KS_FUNC('p', "pid", "PID", "profile process with one or more comma separated PIDs only",
            &opt_pids, ks_parse_id_list),
    KS_FUNC('L', "tid", "TID", "profile thread with one or more comma separated TIDs only",
            &opt_tids, ks_parse_id_list),
    KS_FLAG('U', "user-stacks-only", "show stacks from user space only (no kernel space stacks)",
            &opt_user_only),
    KS_FLAG('K', "kernel-stacks-only",
            "show stacks from kernel space only (no user space stacks)", &opt_kernel_only),
    KS_LONG('F', "frequency", "FREQUENCY", "sample frequency, Hertz (default 49)", &opt_freq, 1,
            1000000000),
    KS_LONG('c', "count", "COUNT", "sample period, number of events", &opt_period, 1,
            1000000000000L),
    KS_FLAG('d', "delimited", "insert delimiter between kernel/user stacks", &opt_delimited),
    KS_FLAG('a', "annotations", "add _[k] annotations to kernel frames", &opt_annotations),
    KS_FLAG('I', "include-idle", "include CPU idle stacks", &opt_idle),
    KS_FLAG('f', "folded", "output folded format, one line per stack (for flame graphs)",
            &opt_folded),
    KS_LONG(0, "hash-storage-size", "HASH_STORAGE_SIZE",
            "the number of hash keys that can be stored (default 40960)", &opt_hash_size, 1,
            10000000),
    KS_LONG(0, "stack-storage-size", "STACK_STORAGE_SIZE",
            "the number of unique stack traces that can be stored and displayed (default "
            "16384)",
            &opt_stack_size, 1, 10000000),
    KS_LONG('C', "cpu", "CPU", "cpu number to run profile on", &opt_cpu, 0, 4095),
    KS_LONG('T', "top", "N",
            "print only the N stacks with the most samples (a kscope extension; BCC's "
            "profile prints all)",
            &opt_top, 1, 100000000),
    KS_OPT_END,
};

static struct ks_perf_spec perf_spec = {.cpu = -1};
static struct ks_probe probes[] = {
    {.name = "cpu", .perf = &perf_spec},
};

/* The BPF program's key (bpfsrc/profile.bpf.c). */
struct key_t {
    uint32_t pid;
    int32_t user_stack_id;
    int32_t kernel_stack_id;
    char name[COMM_LEN];
};
static long max_sample_rate(void)
{
    char *s = ks_read_file("/proc/sys/kernel/perf_event_max_sample_rate", NULL);
    long v = s ? strtol(s, NULL, 10) : 0;
    free(s);
    return v;
}

static void configure(struct ks_run *r)
{
    if (opt_user_only && opt_kernel_only)
        ks_usage_error("argument -K/--kernel-stacks-only: not allowed with argument "
                       "-U/--user-stacks-only");
    if (opt_freq && opt_period)
        ks_usage_error("argument -c/--count: not allowed with argument -F/--frequency");
    if (opt_pids.n && opt_tids.n)
        ks_usage_error("argument -L/--tid: not allowed with argument -p/--pid");
    long maxrate = max_sample_rate();
    if (opt_freq && maxrate > 0 && opt_freq > maxrate)
        ks_usage_error("frequency %ld Hz is above this kernel's limit of %ld "
                       "(kernel.perf_event_max_sample_rate)",
                       opt_freq, maxrate);
    if (opt_cpu >= 0) {
        int cpus[4096], n = ks_online_cpus(cpus, 4096), found = 0;
        for (int i = 0; i < n; i++)
            found |= cpus[i] == opt_cpu;
        if (!found)
            ks_usage_error("CPU %ld is not online (see /sys/devices/system/cpu/online)",
                           opt_cpu);
    }
    if (!opt_freq && !opt_period)
        opt_freq = 49;
    perf_spec.freq = (unsigned long long)opt_freq;
    perf_spec.period = (unsigned long long)opt_period;
    perf_spec.cpu = (int)opt_cpu;
    ks_define(r, "STACK_STORAGE_SIZE", opt_stack_size, "--stack-storage-size");
    ks_define(r, "HASH_STORAGE_SIZE", opt_hash_size, "--hash-storage-size");
    if (!opt_user_only)
        ks_define(r, "KERNEL_STACKS", 1, "not -U");
    if (!opt_kernel_only) {
        ks_define(r, "USER_STACKS", 1, "not -K");
        ks_define(r, "KS_NOTE_PIDS", 1, "user stacks: the tool reads each process's maps");
    }
    if (opt_idle)
        ks_define(r, "INCLUDE_IDLE", 1, "-I");
    ks_stacktool_define_lists(r, &opt_pids, &opt_tids);
}

static void on_start(struct ks_run *r)
{
    if (opt_folded) {
        ks_stacktool_preload(!opt_user_only);
        return;
    }
    char thread[128], sample[64];
    ks_stacktool_thread_context(thread, sizeof(thread), &opt_pids, "PID", &opt_tids, "TID");
    if (opt_freq)
        snprintf(sample, sizeof(sample), "%ld Hertz", opt_freq);
    else
        snprintf(sample, sizeof(sample), "every %ld events", opt_period);
    printf("Sampling at %s of %s by %s stack", sample, thread,
           opt_user_only ? "user" : opt_kernel_only ? "kernel" : "user + kernel");
    if (opt_cpu >= 0)
        printf(" on CPU#%ld", opt_cpu);
    ks_stacktool_banner_end(r);
    ks_stacktool_preload(!opt_user_only);
}

static void on_interval(struct ks_run *r)
{
    static const struct ks_stack_key layout = {
        .size = sizeof(struct key_t),
        .pid_off = offsetof(struct key_t, pid),
        .tgid_off = -1,
        .ustack_off = offsetof(struct key_t, user_stack_id),
        .kstack_off = offsetof(struct key_t, kernel_stack_id),
        .comm_off = offsetof(struct key_t, name),
    };
    struct ks_stack_report rep = {
        .kernel_on = !opt_user_only,
        .user_on = !opt_kernel_only,
        .delimit = opt_delimited,
        .folded = opt_folded,
        .kflags = opt_annotations ? KS_FRAME_ANNOTATE : 0,
        .top = opt_top,
    };
    struct ks_stacktool_out o = {sizeof(struct key_t), opt_folded, "samples", opt_hash_size,
                                 "--hash-storage-size"};
    ks_stacktool_report(r, &o, &layout, &rep);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "profile",
            .description = "Profile CPU stack traces at a timed interval",
            .opts = opts,
            .common = KS_C_POS_DURATION,
            .examples =
                "    profile             # profile stack traces at 49 Hertz until Ctrl-C\n"
                "    profile -F 99       # profile stack traces at 99 Hertz\n"
                "    profile -c 1000000  # profile stack traces every 1 in a million events\n"
                "    profile 5           # profile at 49 Hertz for 5 seconds only\n"
                "    profile -f 5        # output in folded format for flame graphs\n"
                "    profile -p 185      # only profile process with PID 185\n"
                "    profile -L 185      # only profile thread with TID 185\n"
                "    profile -U          # only show user space stacks (no kernel)\n"
                "    profile -K          # only show kernel space stacks (no user)\n"
                "    profile -F 10 -K -T 20  # the 20 hottest kernel stacks (kscope's --top)\n"
                "    profile -f 10 | kscope-flamegraph > cpu.svg  # a flame graph\n",
        },
    .bpf_source = ks_bpfsrc_profile_bpf_c,
    .bpf_name = "profile.bpf.c",
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = ks_stacktool_on_note,
    .on_start = on_start,
    .on_interval = on_interval,
    .wakeup_events = 1,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
