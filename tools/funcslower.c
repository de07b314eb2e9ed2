/* funcslower: trace calls of kernel or user functions slower than a threshold, with their
 * latency, return value and, with -a, arguments (BCC's funcslower). Each function is a
 * probe spec (ks_spec): func (kernel, kprobes), lib:func or p:lib:func (uprobes). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/funcslower.h"
#include "ks_record.h"
#include "ks_spec.h"
#include "ks_stack.h"
#include "ks_stacktool.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_funcslower_bpf_c[], ks_bpfsrc_funcslower_h[];

#define MAX_LEVEL 16 /* nesting levels timed per thread */

static double opt_min_ms = -1, opt_min_us = -1;
static long opt_args;
static bool opt_time, opt_timestamp, opt_folded, opt_ustack, opt_kstack;

/* -m and -u take fractions, as BCC's (0.5 ms is 500 us). */
static bool parse_min(const char *arg, void *dest)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !isfinite(v) || v < 0 || v > 1e9)
        return false;
    *(double *)dest = v;
    return true;
}

static const struct ks_opt opts[] = {
    KS_FUNC('m', "min-ms", "MIN_MS", "minimum duration to trace (ms)", &opt_min_ms, parse_min),
    KS_FUNC('u', "min-us", "MIN_US", "minimum duration to trace (us)", &opt_min_us, parse_min),
    KS_LONG('a', "arguments", "ARGUMENTS", "print this many entry arguments, as hex",
            &opt_args, 0, FUNCSLOWER_NARGS),
    KS_FLAG('T', "time", "show HH:MM:SS timestamp", &opt_time),
    KS_FLAG('t', "timestamp", "show timestamp in seconds at us resolution", &opt_timestamp),
    KS_FLAG('f', "folded", "output folded format, one line per stack (for flame graphs)",
            &opt_folded),
    KS_FLAG('U', "user-stack", "output user stack trace", &opt_ustack),
    KS_FLAG('K', "kernel-stack", "output kernel stack trace", &opt_kstack),
    KS_OPT_END,
};

/* BCC: [TIME ]"%-14s %-6s %7s %16s %s" COMM PID LAT(ms) RVAL FUNC[ ARGS]; the values
 * "%-14.14s %-6s %7.2f %16x %s %s" (the arguments after a space, even when there are none).
 * JSON adds the thread. */
enum { F_TIME, F_TS, F_COMM, F_PID, F_TID, F_LAT, F_RVAL, F_FUNC, F_ARGS, F_KSTACK, F_USTACK,
       NF };
static struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-10s ",
                .fmt = "%-10s ", .on = &opt_time},
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME", .hfmt = "%-10s ",
              .fmt = "%-10.6f ", .on = &opt_timestamp},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-14s ",
                .fmt = "%-14.14s "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-6s ",
               .fmt = "%-6u "},
    [F_TID] = {.json = "tid", .type = KS_T_UINT},
    [F_LAT] = {.json = "latency_ns", .type = KS_T_NS, .header = "LAT(ms)", .hfmt = "%7s ",
               .fmt = "%7.2f ", .scale = 1e6},
    [F_RVAL] = {.json = "retval", .type = KS_T_UINT, .header = "RVAL", .hfmt = "%16s ",
                .fmt = "%16x "},
    [F_FUNC] = {.json = "function", .type = KS_T_STR, .header = "FUNC", .hfmt = "%s",
                .fmt = "%s"},
    /* No header of its own: FUNC's says "FUNC ARGS" with -a. */
    [F_ARGS] = {.json = "args", .type = KS_T_STRV, .header = "", .hfmt = "%s", .fmt = " %s"},
    [F_KSTACK] = {.json = "kernel_stack", .type = KS_T_STRV, .on = &opt_kstack},
    [F_USTACK] = {.json = "user_stack", .type = KS_T_STRV, .on = &opt_ustack},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static struct ks_tool tool;
static struct ks_pattern *pats;
static const char **fn_names; /* per probe number: what FUNC prints */
static int nfn;
static int stacks_fd = -1;
static uint64_t first_ns;
static struct ks_stack_losses losses;

static void configure(struct ks_run *r)
{
    if (opt_min_ms >= 0 && opt_min_us >= 0)
        ks_usage_error("-m and -u are exclusive: pick one");
    if (r->opt.npos == 0) {
        if (r->opt.check) {
            tool.probes = ks_spec_check_probes(&tool.nprobes);
            return;
        }
        ks_usage_error("the following arguments are required: function");
    }
    if (opt_folded && !opt_ustack && !opt_kstack)
        ks_usage_error("-f prints stacks: add -U and/or -K");
    ks_stacktool_check_format(r, opt_folded);
    /* Every function: its own spec, its probes numbered on from the ones before. */
    pats = ks_xcalloc((size_t)r->opt.npos, sizeof(*pats));
    for (int k = 0; k < r->opt.npos; k++) {
        struct ks_pattern *p = &pats[k];
        ks_pattern_load(r->opt.pos[k], r->opt.pid, 0, p);
        ks_spec_check_kind(&p->spec, true);
        int np;
        struct ks_probe *more = ks_spec_probes(&p->spec, p->targets, p->n, nfn, true, &np);
        ks_probes_append(&tool.probes, &tool.nprobes, more, np);
        fn_names = ks_xrealloc(fn_names, (size_t)(nfn + p->n) * sizeof(*fn_names));
        /* FUNC is what the user typed (BCC's); a pattern's matches by their own names. */
        for (int i = 0; i < p->n; i++)
            fn_names[nfn + i] = p->n == 1 ? p->spec.text : p->targets[i].name;
        nfn += p->n;
    }
    ks_spec_defines(&r->defines, nfn);
    double ns = opt_min_us >= 0 ? opt_min_us * 1e3 : opt_min_ms >= 0 ? opt_min_ms * 1e6 : 1e6;
    ks_define(r, "DURATION_NS", (long long)ns, "report calls at least this long (-m, -u)");
    ks_define(r, "KS_NEST_LEVELS", 1, "per-thread nesting levels (kscope.bpf.h)");
    ks_define(r, "MAX_LEVEL", MAX_LEVEL, "nesting levels timed per thread");
    if (r->opt.pid >= 0)
        ks_define(r, "TGID", r->opt.pid, "-p: this process only");
    if (opt_args)
        ks_define(r, "GRAB_ARGS", 1, "-a: keep the entry arguments");
    if (opt_ustack)
        ks_define(r, "USER_STACKS", 1, "-U");
    if (opt_kstack)
        ks_define(r, "KERNEL_STACKS", 1, "-K");
    if (opt_min_us >= 0) {
        fields[F_LAT].header = "LAT(us)";
        fields[F_LAT].scale = 1e3;
    }
    if (opt_args)
        fields[F_FUNC].header = "FUNC ARGS";
}

static void on_start(struct ks_run *r)
{
    if (opt_ustack || opt_kstack)
        stacks_fd = ks_map_fd(r, "stacks");
    if (opt_folded) {
        /* BCC: no header before folded lines; -v says when tracing has started. */
        if (!ks_out_json())
            ks_info("ready: tracing, folded lines on stdout");
        return;
    }
    bool us = opt_min_us >= 0;
    ks_textf("Tracing function calls slower than %g %s... Ctrl+C to quit.\n",
             us ? opt_min_us : opt_min_ms >= 0 ? opt_min_ms : 1.0, us ? "us" : "ms");
    ks_record_header(&rec);
}

static void on_event(void *data, int size)
{
    struct funcslower_event e;
    if ((size_t)size < sizeof(e))
        return;
    memcpy(&e, data, sizeof(e));
    char comm[KS_COMM_LEN + 1];
    memcpy(comm, e.comm, KS_COMM_LEN);
    comm[KS_COMM_LEN] = '\0';
    if (!first_ns)
        first_ns = e.start_ns;
    char argbuf[FUNCSLOWER_NARGS][24];
    const char *argv[FUNCSLOWER_NARGS];
    for (long i = 0; i < opt_args; i++) {
        snprintf(argbuf[i], sizeof(argbuf[i]), "0x%llx", (unsigned long long)e.args[i]);
        argv[i] = argbuf[i];
    }
    struct ks_stack_sample s = {.comm = comm, .pid = e.tgid, .value = 1,
                                .kernel_on = opt_kstack, .user_on = opt_ustack,
                                .delimit = true};
    if (opt_kstack) {
        ks_frames_kernel(&s.kernel, stacks_fd, e.kernel_stack_id, 0);
        ks_stack_loss_add(&losses, e.kernel_stack_id);
    }
    if (opt_ustack) {
        ks_frames_user(&s.user, stacks_fd, e.user_stack_id, e.tgid, 0);
        ks_stack_loss_add(&losses, e.user_stack_id);
    }
    if (opt_folded) {
        ks_stack_print_folded(stdout, &s);
    } else {
        struct ks_val v[NF] = {
            [F_TIME] = KS_U(ks_wall_ns()),
            [F_TS] = KS_U(e.start_ns - first_ns),
            [F_COMM] = KS_S(comm),
            [F_PID] = KS_U(e.tgid),
            [F_TID] = KS_U(e.tid),
            [F_LAT] = KS_U(e.duration_ns),
            [F_RVAL] = KS_U(e.retval),
            [F_FUNC] = KS_S(e.fn < (uint32_t)nfn ? fn_names[e.fn] : "?"),
            [F_ARGS] = KS_V(argv, opt_args),
            [F_KSTACK] = s.kernel.missed ? KS_NULL : KS_V((const char *const *)s.kernel.f,
                                                          s.kernel.n),
            [F_USTACK] = s.user.missed ? KS_NULL : KS_V((const char *const *)s.user.f,
                                                        s.user.n),
        };
        ks_record_emit(&rec, v);
        /* BCC: kernel frames, then user frames, "    %s" each, leaf first. */
        if (!ks_out_json()) {
            ks_frames_print(stdout, &s.kernel, "[Missed Kernel Stack]");
            ks_frames_print(stdout, &s.user, "[Missed User Stack]");
        }
    }
    ks_frames_free(&s.kernel);
    ks_frames_free(&s.user);
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    ks_stack_loss_report(&losses);
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "funcslower",
            .description = "Trace slow kernel or user function calls",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .json = true,
            .pos_name = "function",
            .pos_help = "function(s) to trace",
            .pos_synopsis = "function [function ...]",
            .examples =
                "    funcslower vfs_write        # trace vfs_write calls slower than 1ms\n"
                "    funcslower -m 10 vfs_write  # same, but slower than 10ms\n"
                "    funcslower -u 10 c:open     # trace open calls slower than 10us\n"
                "    funcslower -p 135 c:open    # trace pid 135 only\n"
                "    funcslower c:malloc c:free  # trace both malloc and free slower than 1ms\n"
                "    funcslower -a 2 c:open      # show first two arguments to open\n"
                "    funcslower -UK -m 10 c:open # Show user and kernel stack frame of open "
                "calls slower than 10ms\n"
                "    funcslower -f -UK c:open    # Output in folded format for flame graphs\n",
        },
    .bpf_source = ks_bpfsrc_funcslower_bpf_c,
    .bpf_name = "funcslower.bpf.c",
    .bpf_header = ks_bpfsrc_funcslower_h,
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    .on_exit = on_exit_,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
