/* Unit tests of ks_probe's resolver and the ks_features answers it relies on, against a
 * fabricated /sys and /proc under a temporary root (ks_features_set_root). With a fake
 * root, program types come from <root>/kscope-features ("prog N" lines). */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_features.h"
#include "ks_probe.h"
#include "ks_test.h"

#define TRACING "sys/kernel/tracing"
#define KALLSYMS_BOTH                                                                        \
    "ffffffff81000000 T _stext\n"                                                            \
    "ffffffff81234560 T __x64_sys_execve\n"                                                  \
    "ffffffff81234570 T sys_execve\n"                                                        \
    "ffffffffc0000000 t some_module_fn\t[some_module]\n"

/* Options for one fabricated kernel. */
struct fake {
    bool tracefs;          /* sys/kernel/tracing/events exists */
    bool debug_tracefs;    /* sys/kernel/debug/tracing/events instead */
    const char *tps[4];    /* "cat:event" with a format file */
    const char *kallsyms;  /* proc/kallsyms text, or NULL */
    const char *filter;    /* available_filter_functions text, or NULL */
    const char *blacklist; /* sys/kernel/debug/kprobes/blacklist text, or NULL */
    bool pmu;              /* sys/bus/event_source/devices/kprobe/type */
    bool kprobe_events;    /* <tracing>/kprobe_events */
    const char *features;  /* kscope-features text, or NULL */
};

static char *g_root;

static void setup(const struct fake *f)
{
    if (g_root) {
        ks_test_rmrf(g_root);
        free(g_root);
    }
    g_root = ks_test_tmpdir();
    const char *tracing = f->debug_tracefs ? "sys/kernel/debug/tracing" : TRACING;
    char p[512];
    if (f->tracefs || f->debug_tracefs) {
        snprintf(p, sizeof(p), "%s/events", tracing);
        ks_test_mkdirs(g_root, p);
        for (int i = 0; i < 4 && f->tps[i]; i++) {
            const char *colon = strchr(f->tps[i], ':');
            snprintf(p, sizeof(p), "%s/events/%.*s/%s/format", tracing,
                     (int)(colon - f->tps[i]), f->tps[i], colon + 1);
            ks_test_write(g_root, p, "name: fake\nID: 1\nformat:\n");
        }
        if (f->filter) {
            snprintf(p, sizeof(p), "%s/available_filter_functions", tracing);
            ks_test_write(g_root, p, f->filter);
        }
        if (f->kprobe_events) {
            snprintf(p, sizeof(p), "%s/kprobe_events", tracing);
            ks_test_write(g_root, p, "");
        }
    }
    if (f->kallsyms)
        ks_test_write(g_root, "proc/kallsyms", f->kallsyms);
    if (f->blacklist)
        ks_test_write(g_root, "sys/kernel/debug/kprobes/blacklist", f->blacklist);
    if (f->pmu)
        ks_test_write(g_root, "sys/bus/event_source/devices/kprobe/type", "6\n");
    if (f->features)
        ks_test_write(g_root, "kscope-features", f->features);
    /* Also resets every cached answer from the previous case. */
    ks_features_set_root(g_root);
}

/* A kernel with everything: tracefs, kprobes, both program types. */
static struct fake full(void)
{
    struct fake f = {.tracefs = true,
                     .tps = {"syscalls:sys_enter_execve", "sched:sched_process_fork"},
                     .kallsyms = KALLSYMS_BOTH,
                     .pmu = true,
                     .features = "map 1\nprog 2\nprog 5\n"};
    return f;
}

static struct ks_probe exec_probe(void)
{
    struct ks_probe p = {.name = "exec_enter",
                         .tp = "syscalls:sys_enter_execve",
                         .kprobes = {"__x64_sys_execve", "sys_execve"}};
    return p;
}

struct result {
    int rc;
    struct ks_probe_choice c[4];
    struct ks_buf err, prelude;
};

static void resolve(const struct ks_probe *p, int n, enum ks_probe_mode mode, struct result *r)
{
    ks_buf_free(&r->err);
    ks_buf_free(&r->prelude);
    ks_probes_free(r->c, 4); /* a result is reused: the reasons of the last resolve */
    r->rc = ks_probes_resolve(p, n, mode, r->c, &r->err);
    ks_probes_prelude(p, r->c, n, &r->prelude);
}

static void done(struct result *r, int n)
{
    ks_probes_free(r->c, n);
    ks_buf_free(&r->err);
    ks_buf_free(&r->prelude);
}

static void test_features(void)
{
    struct fake f = full();
    setup(&f);
    CHECK_STREQ(ks_features_root(), g_root);
    CHECK(ks_tracefs(NULL) != NULL);
    CHECK(ks_tracepoint_exists("syscalls", "sys_enter_execve"));
    CHECK(!ks_tracepoint_exists("syscalls", "sys_enter_nothing"));
    CHECK(ks_kprobes_supported(NULL));
    CHECK(ks_ksym_exists("__x64_sys_execve"));
    CHECK(ks_ksym_exists("some_module_fn")); /* "[module]" is not part of the name */
    CHECK(!ks_ksym_exists("_stext_nope"));
    CHECK(ks_prog_type_supported(BPF_PROG_TYPE_KPROBE));
    CHECK(ks_prog_type_supported(BPF_PROG_TYPE_TRACEPOINT));
    CHECK(!ks_prog_type_supported(BPF_PROG_TYPE_SOCKET_FILTER));
    CHECK(ks_map_type_supported(BPF_MAP_TYPE_HASH));
    CHECK(!ks_map_type_supported(BPF_MAP_TYPE_ARRAY));
    CHECK(!ks_btf_present());

    /* No tracefs at all: a reason, and no mount attempt under a fake root. */
    struct fake none = {.features = "prog 2\n"};
    setup(&none);
    const char *why = NULL;
    CHECK(ks_tracefs(&why) == NULL);
    CHECK_CONTAINS(why, "tracefs");
    CHECK(!ks_kprobes_supported(&why));
    CHECK_CONTAINS(why, "no kprobe support");
    CHECK(!ks_prog_type_supported(BPF_PROG_TYPE_TRACEPOINT));

    /* Old layout: tracefs under debugfs; kprobe_events without the PMU. */
    struct fake old = {.debug_tracefs = true,
                       .tps = {"syscalls:sys_enter_execve"},
                       .kprobe_events = true};
    setup(&old);
    CHECK(ks_tracefs(NULL) != NULL);
    CHECK_CONTAINS(ks_tracefs(NULL), "/sys/kernel/debug/tracing");
    CHECK(ks_tracepoint_exists("syscalls", "sys_enter_execve"));
    CHECK(ks_kprobes_supported(NULL));
}

static void test_tracepoint_chosen(void)
{
    struct fake f = full();
    setup(&f);
    struct ks_probe p = exec_probe();
    struct result r = {0};
    resolve(&p, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_TRACEPOINT);
    CHECK_STREQ(r.c[0].target, "syscalls:sys_enter_execve");
    CHECK_STREQ(r.c[0].func, "tracepoint__syscalls__sys_enter_execve");
    CHECK_INTEQ(r.c[0].kprobe_index, 0);
    CHECK_CONTAINS(r.c[0].why.s, "tracepoint syscalls:sys_enter_execve: chosen");
    CHECK_CONTAINS(r.c[0].why.s, "kprobe __x64_sys_execve: not needed");
    CHECK_CONTAINS(r.prelude.s, "#define KS_TP_exec_enter 1");
    CHECK_NOT_CONTAINS(r.prelude.s, "KS_KP_exec_enter");
    CHECK(r.err.s == NULL || r.err.len == 0);

    /* --probe=tracepoint: the same. */
    resolve(&p, 1, KS_MODE_TRACEPOINT, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_TRACEPOINT);

    /* --probe=kprobe: the tracepoint is not tried even though it exists. */
    resolve(&p, 1, KS_MODE_KPROBE, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_KPROBE);
    CHECK_INTEQ(r.c[0].kprobe_index, 1);
    CHECK_STREQ(r.c[0].target, "__x64_sys_execve");
    CHECK_STREQ(r.c[0].func, "kp_exec_enter");
    CHECK_CONTAINS(r.c[0].why.s, "tracepoint syscalls:sys_enter_execve: not tried (--probe=kprobe)");
    CHECK_CONTAINS(r.prelude.s, "#define KS_KP_exec_enter 1");
    CHECK_NOT_CONTAINS(r.prelude.s, "KS_TP_exec_enter");
    done(&r, 1);
}

static void test_kprobe_fallbacks(void)
{
    struct ks_probe p = exec_probe();
    struct result r = {0};

    /* No tracepoint: the first fallback. */
    struct fake f = full();
    f.tps[0] = "sched:sched_process_fork";
    f.tps[1] = NULL;
    setup(&f);
    resolve(&p, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_KPROBE);
    CHECK_INTEQ(r.c[0].kprobe_index, 1);
    CHECK_STREQ(r.c[0].target, "__x64_sys_execve");
    CHECK_STREQ(r.c[0].func, "kp_exec_enter");
    CHECK_CONTAINS(r.c[0].why.s, "tracepoint syscalls:sys_enter_execve: not in this kernel");
    CHECK_CONTAINS(r.c[0].why.s, "kprobe __x64_sys_execve: chosen");
    CHECK_CONTAINS(r.c[0].why.s, "kprobe sys_execve: not needed");
    CHECK_CONTAINS(r.prelude.s, "#define KS_KP_exec_enter 1");
    CHECK_CONTAINS(r.prelude.s, "#define KS_KP_exec_enter_WRAPPED 1");
    CHECK_NOT_CONTAINS(r.prelude.s, "KS_TP_");

    /* The first fallback is not in kallsyms: the second. */
    f.kallsyms = "ffffffff81234570 T sys_execve\n";
    setup(&f);
    resolve(&p, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_KPROBE);
    CHECK_INTEQ(r.c[0].kprobe_index, 2);
    CHECK_STREQ(r.c[0].target, "sys_execve");
    CHECK_CONTAINS(r.c[0].why.s, "kprobe __x64_sys_execve: not in /proc/kallsyms");
    CHECK_CONTAINS(r.prelude.s, "#define KS_KP_exec_enter 2");
    CHECK_NOT_CONTAINS(r.prelude.s, "_WRAPPED");

    /* In kallsyms but not in available_filter_functions (notrace): the second. */
    f.kallsyms = KALLSYMS_BOTH;
    f.filter = "_stext\nsys_execve\nsome_module_fn [some_module]\n";
    setup(&f);
    resolve(&p, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_KPROBE);
    CHECK_INTEQ(r.c[0].kprobe_index, 2);
    CHECK_CONTAINS(r.c[0].why.s, "kprobe __x64_sys_execve: not in available_filter_functions");
    CHECK(ks_ksym_attachable("some_module_fn", &(const char *){NULL}));

    /* When the filter list names it, the first again. */
    f.filter = "__x64_sys_execve\nsys_execve\n";
    setup(&f);
    resolve(&p, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.c[0].kprobe_index, 1);

    /* In the kprobe blacklist: the second. */
    f.filter = NULL;
    f.blacklist = "0xffffffff81234560-0xffffffff81234570\t__x64_sys_execve\n";
    setup(&f);
    resolve(&p, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kprobe_index, 2);
    CHECK_CONTAINS(r.c[0].why.s, "kprobe __x64_sys_execve: in the kprobe blacklist");

    /* Return probes. */
    f.blacklist = NULL;
    setup(&f);
    struct ks_probe ret = {.name = "exec_exit",
                           .tp = "syscalls:sys_exit_execve",
                           .kprobes = {"__x64_sys_execve", "sys_execve"},
                           .ret = true};
    resolve(&ret, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_KRETPROBE);
    CHECK_INTEQ(r.c[0].kprobe_index, 1);
    CHECK_CONTAINS(r.c[0].why.s, "kretprobe __x64_sys_execve: chosen");
    CHECK_CONTAINS(r.prelude.s, "#define KS_KP_exec_exit 1 /* kretprobe __x64_sys_execve */");
    done(&r, 1);
}

static void test_nothing_possible(void)
{
    struct ks_probe p = exec_probe();
    struct result r = {0};
    struct fake f = full();
    f.tps[0] = NULL;
    f.kallsyms = "ffffffff81000000 T _stext\n";
    setup(&f);
    resolve(&p, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, -1);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_NONE);
    CHECK_CONTAINS(r.err.s, "cannot attach probe 'exec_enter'");
    CHECK_CONTAINS(r.err.s, "--probe=auto");
    CHECK_CONTAINS(r.err.s, "tracepoint syscalls:sys_enter_execve: not in this kernel");
    CHECK_CONTAINS(r.err.s, "kprobe __x64_sys_execve: not in /proc/kallsyms");
    CHECK_CONTAINS(r.err.s, "kprobe sys_execve: not in /proc/kallsyms");
    CHECK_CONTAINS(r.prelude.s, "/* probe exec_enter: not attached */");

    /* No tracepoint and no fallback defined. */
    struct ks_probe only_tp = {.name = "fork", .tp = "sched:sched_process_exec"};
    resolve(&only_tp, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, -1);
    CHECK_CONTAINS(r.err.s, "cannot attach probe 'fork'");
    CHECK_CONTAINS(r.err.s, "sched:sched_process_exec");
    CHECK_CONTAINS(r.err.s, "no fallback");

    /* A malformed tracepoint name is reported as such. */
    struct ks_probe bad = {.name = "bad", .tp = "no_colon_here"};
    resolve(&bad, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, -1);
    CHECK_CONTAINS(r.err.s, "malformed");
    done(&r, 1);
}

static void test_forced_modes(void)
{
    struct ks_probe p = exec_probe();
    struct result r = {0};

    /* --probe=tracepoint with only kprobes available: an error that says so. */
    struct fake f = full();
    f.tps[0] = NULL;
    setup(&f);
    resolve(&p, 1, KS_MODE_TRACEPOINT, &r);
    CHECK_INTEQ(r.rc, -1);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_NONE);
    CHECK_CONTAINS(r.err.s, "cannot attach probe 'exec_enter' (--probe=tracepoint)");
    CHECK_CONTAINS(r.err.s, "kprobe __x64_sys_execve: not tried (--probe=tracepoint)");
    CHECK_CONTAINS(r.err.s, "kprobe sys_execve: not tried (--probe=tracepoint)");

    /* --probe=kprobe on a kernel without kprobes (no PMU, no kprobe_events). */
    f = full();
    f.pmu = false;
    setup(&f);
    resolve(&p, 1, KS_MODE_KPROBE, &r);
    CHECK_INTEQ(r.rc, -1);
    CHECK_CONTAINS(r.err.s, "cannot attach probe 'exec_enter' (--probe=kprobe)");
    CHECK_CONTAINS(r.err.s, "not tried (--probe=kprobe)");
    CHECK_CONTAINS(r.err.s, "kprobe __x64_sys_execve: the kernel has no kprobe support");
    CHECK_CONTAINS(r.err.s, "kprobe sys_execve: the kernel has no kprobe support");
    /* ... while auto still uses the tracepoint there. */
    resolve(&p, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_TRACEPOINT);

    /* kprobe_events in tracefs is enough without the PMU. */
    f.kprobe_events = true;
    setup(&f);
    resolve(&p, 1, KS_MODE_KPROBE, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_KPROBE);

    /* The kernel cannot load kprobe programs. */
    f = full();
    f.features = "prog 5\n";
    setup(&f);
    resolve(&p, 1, KS_MODE_KPROBE, &r);
    CHECK_INTEQ(r.rc, -1);
    CHECK_CONTAINS(r.err.s, "cannot load BPF kprobe programs");

    /* ... nor tracepoint programs: auto falls back to the kprobe. */
    f.features = "prog 2\n";
    setup(&f);
    resolve(&p, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_KPROBE);
    CHECK_CONTAINS(r.c[0].why.s, "cannot load BPF tracepoint programs");

    /* No tracefs at all: the reason reaches the tracepoint line; kprobes via the PMU. */
    f = full();
    f.tracefs = false;
    setup(&f);
    resolve(&p, 1, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_KPROBE);
    CHECK_CONTAINS(r.c[0].why.s, "tracepoint syscalls:sys_enter_execve: no tracefs");
    done(&r, 1);
}

static void test_optional_and_off(void)
{
    struct result r = {0};
    struct fake f = full();
    f.tps[0] = "sched:sched_process_fork"; /* no sys_enter_execve */
    f.tps[1] = NULL;
    f.kallsyms = "ffffffff81000000 T _stext\n";
    setup(&f);

    struct ks_probe p[3] = {exec_probe(), exec_probe(), exec_probe()};
    p[0].name = "opt";
    p[0].optional = true;
    p[1].name = "off";
    p[1].off = true;
    p[2].name = "fork";
    p[2].tp = "sched:sched_process_fork";
    p[2].kprobes[0] = NULL;
    p[2].kprobes[1] = NULL;
    resolve(p, 3, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_NONE);
    CHECK_INTEQ(r.c[1].kind, KS_KIND_NONE);
    CHECK_CONTAINS(r.c[1].why.s, "not needed with these options");
    CHECK_INTEQ(r.c[2].kind, KS_KIND_TRACEPOINT);
    CHECK(r.err.len == 0);
    CHECK_CONTAINS(r.prelude.s, "/* probe opt: not attached */");
    CHECK_CONTAINS(r.prelude.s, "/* probe off: not attached */");
    CHECK_CONTAINS(r.prelude.s, "#define KS_TP_fork 1");

    /* An off probe is never resolved, even when it could be. */
    f = full();
    setup(&f);
    resolve(p, 3, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_TRACEPOINT);
    CHECK_INTEQ(r.c[1].kind, KS_KIND_NONE);
    CHECK_NOT_CONTAINS(r.prelude.s, "KS_TP_off");
    done(&r, 3);
}

/* Probes of a group share state: mixed tracepoint/kprobe choices move all to kprobes. */
static void test_groups(void)
{
    struct result r = {0};
    struct fake f = full(); /* has sys_enter_execve, not sys_exit_execve */
    setup(&f);
    struct ks_probe p[3] = {
        {.name = "enter", .tp = "syscalls:sys_enter_execve",
         .kprobes = {"__x64_sys_execve"}, .group = 1},
        {.name = "exit", .tp = "syscalls:sys_exit_execve",
         .kprobes = {"__x64_sys_execve"}, .ret = true, .group = 1},
        {.name = "fork", .tp = "sched:sched_process_fork"},
    };
    resolve(p, 3, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_KPROBE);
    CHECK_INTEQ(r.c[1].kind, KS_KIND_KRETPROBE);
    CHECK_INTEQ(r.c[2].kind, KS_KIND_TRACEPOINT); /* not in the group */
    CHECK_CONTAINS(r.c[0].why.s, "whole group");
    CHECK_CONTAINS(r.prelude.s, "#define KS_KP_enter 1");
    CHECK_CONTAINS(r.prelude.s, "#define KS_KP_exit 1");
    CHECK_CONTAINS(r.prelude.s, "#define KS_TP_fork 1");

    /* --probe=tracepoint leaves the group alone: the exit probe then fails. */
    resolve(p, 3, KS_MODE_TRACEPOINT, &r);
    CHECK_INTEQ(r.rc, -1);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_TRACEPOINT);
    CHECK_CONTAINS(r.err.s, "cannot attach probe 'exit'");
    CHECK_NOT_CONTAINS(r.err.s, "'enter'");

    /* Both tracepoints present: the group stays on tracepoints. */
    f.tps[2] = "syscalls:sys_exit_execve";
    setup(&f);
    resolve(p, 3, KS_MODE_AUTO, &r);
    CHECK_INTEQ(r.rc, 0);
    CHECK_INTEQ(r.c[0].kind, KS_KIND_TRACEPOINT);
    CHECK_INTEQ(r.c[1].kind, KS_KIND_TRACEPOINT);
    CHECK_STREQ(r.c[1].func, "tracepoint__syscalls__sys_exit_execve");
    done(&r, 3);
}

static void test_small_helpers(void)
{
    enum ks_probe_mode m = KS_MODE_KPROBE;
    CHECK(ks_probe_mode_parse("auto", &m) && m == KS_MODE_AUTO);
    CHECK(ks_probe_mode_parse("tracepoint", &m) && m == KS_MODE_TRACEPOINT);
    CHECK(ks_probe_mode_parse("kprobe", &m) && m == KS_MODE_KPROBE);
    CHECK(!ks_probe_mode_parse("kprobes", &m));
    CHECK(!ks_probe_mode_parse("", &m));
    CHECK(!ks_probe_mode_parse("Auto", &m));
    CHECK_STREQ(ks_probe_mode_name(KS_MODE_AUTO), "auto");
    CHECK_STREQ(ks_probe_mode_name(KS_MODE_TRACEPOINT), "tracepoint");
    CHECK_STREQ(ks_probe_mode_name(KS_MODE_KPROBE), "kprobe");

    CHECK(ks_probe_is_syscall_wrapper("__x64_sys_execve"));
    CHECK(ks_probe_is_syscall_wrapper("__arm64_sys_openat"));
    CHECK(ks_probe_is_syscall_wrapper("__ia32_sys_open"));
    CHECK(!ks_probe_is_syscall_wrapper("sys_execve"));
    CHECK(!ks_probe_is_syscall_wrapper("do_sys_openat2"));
    CHECK(!ks_probe_is_syscall_wrapper("__x64_sy"));
}

int main(void)
{
    test_small_helpers();
    test_features();
    test_tracepoint_chosen();
    test_kprobe_fallbacks();
    test_nothing_possible();
    test_forced_modes();
    test_optional_and_off();
    test_groups();
    ks_features_set_root(NULL);
    if (g_root) {
        ks_test_rmrf(g_root);
        free(g_root);
    }
    return ks_test_done("unit-probe");
}
