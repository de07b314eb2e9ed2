/* kscope-floor: the floor under opensnoop, for bench/run.sh.
 *
 * The same probes as opensnoop (the same tracepoints, or the same kprobe fallbacks), chosen,
 * compiled, loaded and attached by kscope's own runtime (common/, ks_tool_main), but every
 * program is empty: it returns at once. What the openat() loop loses with this attached is
 * what any tracer of those probes pays on this kernel (on x86, enabling a syscall tracepoint
 * sends every system call through the slow path, plus the BPF dispatch); what opensnoop
 * costs beyond it is opensnoop's own. A separate binary, not a hidden tool option, so that
 * no tool carries benchmark code and the floor cannot differ from a tool in how it is
 * loaded. It prints opensnoop's header line, the harness's readiness signal, and nothing
 * else. Built by CMake into build/bench/ (not installed). */
#include <stdio.h>

#include "ks_tool.h"

/* Exactly opensnoop's probes. */
#include "../tools/opensnoop_probes.h"

/* One empty program per probe the runtime chose: a tracepoint (KS_TP_<probe>) or the
 * kprobe fallback (KS_KP_<probe>, a function named kp_<probe>). */
static const char floor_bpf[] =
    "#define EMPTY_TP(probe, event) TRACEPOINT_PROBE(syscalls, event) { return 0; }\n"
    "#ifdef KS_TP_open_enter\nEMPTY_TP(open_enter, sys_enter_open)\n#endif\n"
    "#ifdef KS_TP_open_exit\nEMPTY_TP(open_exit, sys_exit_open)\n#endif\n"
    "#ifdef KS_TP_openat_enter\nEMPTY_TP(openat_enter, sys_enter_openat)\n"
    "#elif defined(KS_KP_openat_enter)\nint kp_openat_enter(struct pt_regs *ctx) { return 0; }\n"
    "#endif\n"
    "#ifdef KS_TP_openat_exit\nEMPTY_TP(openat_exit, sys_exit_openat)\n"
    "#elif defined(KS_KP_openat_exit)\nint kp_openat_exit(struct pt_regs *ctx) { return 0; }\n"
    "#endif\n"
    "#ifdef KS_TP_openat2_enter\nEMPTY_TP(openat2_enter, sys_enter_openat2)\n#endif\n"
    "#ifdef KS_TP_openat2_exit\nEMPTY_TP(openat2_exit, sys_exit_openat2)\n#endif\n"
    /* opensnoop's name keeping: these do not fire in an open loop, but are attached alike. */
    "#ifdef KS_TP_comm_rename\nTRACEPOINT_PROBE(task, task_rename) { return 0; }\n#endif\n"
    "#ifdef KS_TP_comm_newtask\nTRACEPOINT_PROBE(task, task_newtask) { return 0; }\n#endif\n";

static void on_start(struct ks_run *r)
{
    (void)r;
    printf("%-6s %-16s %4s %3s PATH\n", "PID", "COMM", "FD", "ERR");
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "kscope-floor",
            .description = "Empty programs on opensnoop's probes (the bench's floor)",
            .common = KS_C_DURATION,
            .examples = "    kscope-floor                     # attach, print a header, wait\n",
        },
    .bpf_source = floor_bpf,
    .bpf_name = "floor.bpf.c",
    .probes = opensnoop_probes,
    .nprobes = sizeof(opensnoop_probes) / sizeof(opensnoop_probes[0]),
    .on_start = on_start,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
