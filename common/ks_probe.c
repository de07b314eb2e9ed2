#include "ks_probe.h"

#include <errno.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ks_features.h"

bool ks_probe_mode_parse(const char *s, enum ks_probe_mode *out)
{
    if (!strcmp(s, "auto"))
        *out = KS_MODE_AUTO;
    else if (!strcmp(s, "tracepoint"))
        *out = KS_MODE_TRACEPOINT;
    else if (!strcmp(s, "kprobe"))
        *out = KS_MODE_KPROBE;
    else
        return false;
    return true;
}

const char *ks_probe_mode_name(enum ks_probe_mode m)
{
    return m == KS_MODE_TRACEPOINT ? "tracepoint" : m == KS_MODE_KPROBE ? "kprobe" : "auto";
}

bool ks_probe_is_syscall_wrapper(const char *sym)
{
    static const char *pfx[] = {"__x64_sys_", "__arm64_sys_", "__s390x_sys_", "__ia32_sys_",
                                "__riscv_sys_"};
    for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++)
        if (!strncmp(sym, pfx[i], strlen(pfx[i])))
            return true;
    return false;
}

const char *ks_perf_event_name(unsigned type, unsigned long long config)
{
    if (type == PERF_TYPE_HARDWARE && config == PERF_COUNT_HW_CPU_CYCLES)
        return "hardware:cycles";
    if (type == PERF_TYPE_SOFTWARE && config == PERF_COUNT_SW_CPU_CLOCK)
        return "software:cpu-clock";
    return type == PERF_TYPE_HARDWARE ? "hardware:?" : "software:?";
}

const char *ks_perf_events_denied(unsigned type, unsigned long long config)
{
    static char why[400];
    const char *root = ks_features_root();
    if (root && *root)
        return NULL; /* a fabricated kernel (tests): its program types answer */
    struct perf_event_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.type = type;
    a.config = config;
    a.freq = 1;
    a.sample_freq = 1;
    a.disabled = 1;
    /* Every task on CPU 0, the way a profiler opens it. */
    int fd = (int)syscall(__NR_perf_event_open, &a, -1, 0, -1, 0);
    if (fd >= 0) {
        close(fd);
        return NULL;
    }
    int e = errno;
    char paranoid[32] = "?";
    char *p = ks_read_file("/proc/sys/kernel/perf_event_paranoid", NULL);
    if (p) {
        snprintf(paranoid, sizeof(paranoid), "%.*s", (int)strcspn(p, "\n"), p);
        free(p);
    }
    if (e == EACCES || e == EPERM)
        snprintf(why, sizeof(why),
                 "perf events are not allowed here (%s; kernel.perf_event_paranoid is %s): run "
                 "as root with CAP_PERFMON or CAP_SYS_ADMIN, or lower it with sysctl "
                 "kernel.perf_event_paranoid=1; in a container, run it --privileged or with "
                 "a seccomp profile that allows perf_event_open",
                 strerror(e), paranoid);
    else if (e == ENOENT || e == ENODEV || e == EOPNOTSUPP)
        snprintf(why, sizeof(why), "no %s event on this machine (%s)",
                 ks_perf_event_name(type, config), strerror(e));
    else if (e == ENOSYS)
        snprintf(why, sizeof(why), "this kernel has no perf events (perf_event_open: %s)",
                 strerror(e));
    else
        snprintf(why, sizeof(why), "cannot open a %s perf event: %s",
                 ks_perf_event_name(type, config), strerror(e));
    return why;
}

/* A perf-event probe: hardware cycles when asked for and a PMU opens, else cpu-clock. */
static void resolve_perf(const struct ks_probe *p, struct ks_probe_choice *c)
{
    c->perf = p->perf;
    if (!ks_prog_type_supported(BPF_PROG_TYPE_PERF_EVENT)) {
        ks_buf_add(&c->why, "perf event: the kernel cannot load BPF perf_event programs "
                            "(needs 4.9+)\n");
        return;
    }
    const char *why;
    if (p->perf->cycles) {
        why = ks_perf_events_denied(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
        if (!why) {
            c->kind = KS_KIND_PERF;
            c->perf_type = PERF_TYPE_HARDWARE;
            c->perf_config = PERF_COUNT_HW_CPU_CYCLES;
        } else {
            ks_buf_printf(&c->why, "perf event hardware:cycles: %s\n", why);
        }
    }
    if (c->kind == KS_KIND_NONE) {
        why = ks_perf_events_denied(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK);
        if (why) {
            ks_buf_printf(&c->why, "perf event software:cpu-clock: %s\n", why);
            return;
        }
        c->kind = KS_KIND_PERF;
        c->perf_type = PERF_TYPE_SOFTWARE;
        c->perf_config = PERF_COUNT_SW_CPU_CLOCK;
    }
    c->target = ks_perf_event_name(c->perf_type, c->perf_config);
    snprintf(c->func, sizeof(c->func), "pe_%s", p->name);
    ks_buf_printf(&c->why, "perf event %s: chosen (one per CPU; --probe does not apply)\n",
                  c->target);
}

static bool tp_usable(const char *tp, const char **why)
{
    char cat[128];
    const char *colon = strchr(tp, ':');
    if (!colon || (size_t)(colon - tp) >= sizeof(cat)) {
        *why = "malformed tracepoint name";
        return false;
    }
    memcpy(cat, tp, (size_t)(colon - tp));
    cat[colon - tp] = '\0';
    const char *tfs_why;
    if (!ks_tracefs(&tfs_why)) {
        *why = tfs_why;
        return false;
    }
    if (!ks_tracepoint_exists(cat, colon + 1)) {
        *why = "not in this kernel (no events/<category>/<event>/format in tracefs)";
        return false;
    }
    if (!ks_prog_type_supported(BPF_PROG_TYPE_TRACEPOINT)) {
        *why = "the kernel cannot load BPF tracepoint programs (needs 4.7+)";
        return false;
    }
    return true;
}

static bool kprobe_usable(const char *sym, const char **why)
{
    if (!ks_kprobes_supported(why))
        return false;
    if (!ks_prog_type_supported(BPF_PROG_TYPE_KPROBE)) {
        *why = "the kernel cannot load BPF kprobe programs";
        return false;
    }
    return ks_ksym_attachable(sym, why);
}

static void resolve_one(const struct ks_probe *p, enum ks_probe_mode mode,
                        struct ks_probe_choice *c)
{
    ks_buf_free(&c->why);
    memset(c, 0, sizeof(*c));
    if (p->off) {
        ks_buf_add(&c->why, "not needed with these options\n");
        return;
    }
    if (p->perf) {
        resolve_perf(p, c);
        return;
    }
    {
        const char *why = NULL;
        if (p->tp) {
            if (mode == KS_MODE_KPROBE) {
                ks_buf_printf(&c->why, "tracepoint %s: not tried (--probe=kprobe)\n", p->tp);
            } else if (tp_usable(p->tp, &why)) {
                c->kind = KS_KIND_TRACEPOINT;
                c->target = p->tp;
                snprintf(c->func, sizeof(c->func), "tracepoint__%.*s__%s",
                         (int)(strchr(p->tp, ':') - p->tp), p->tp, strchr(p->tp, ':') + 1);
                ks_buf_printf(&c->why, "tracepoint %s: chosen\n", p->tp);
            } else {
                ks_buf_printf(&c->why, "tracepoint %s: %s\n", p->tp, why);
            }
        } else {
            ks_buf_add(&c->why, "tracepoint: none exists for this probe\n");
        }
        for (int k = 0; k < KS_MAX_KPROBES && p->kprobes[k]; k++) {
            const char *what = p->ret ? "kretprobe" : "kprobe";
            if (c->kind != KS_KIND_NONE) {
                ks_buf_printf(&c->why, "%s %s: not needed\n", what, p->kprobes[k]);
            } else if (mode == KS_MODE_TRACEPOINT) {
                ks_buf_printf(&c->why, "%s %s: not tried (--probe=tracepoint)\n", what,
                              p->kprobes[k]);
            } else if (kprobe_usable(p->kprobes[k], &why)) {
                c->kind = p->ret ? KS_KIND_KRETPROBE : KS_KIND_KPROBE;
                c->kprobe_index = k + 1;
                c->target = p->kprobes[k];
                snprintf(c->func, sizeof(c->func), "kp_%s", p->name);
                ks_buf_printf(&c->why, "%s %s: chosen\n", what, p->kprobes[k]);
            } else {
                ks_buf_printf(&c->why, "%s %s: %s\n", what, p->kprobes[k], why);
            }
        }
        if (!p->kprobes[0])
            ks_buf_add(&c->why, "kprobe: no fallback for this probe\n");
    }
}

/* Probes of a group share maps keyed differently per mechanism: if they came out mixed,
 * move the whole group to kprobes. */
static void unify_groups(const struct ks_probe *probes, int n, enum ks_probe_mode mode,
                         struct ks_probe_choice *choices)
{
    for (int g = 1; g < 64; g++) {
        bool tp = false, kp = false;
        for (int i = 0; i < n; i++)
            tp |= probes[i].group == g && choices[i].kind == KS_KIND_TRACEPOINT;
        /* A kprobe-only member (an extra entry point old kernels need) has nothing to add
         * when its group runs on tracepoints, which see every event anyway. */
        for (int i = 0; i < n && tp; i++) {
            if (probes[i].group != g || probes[i].tp || choices[i].kind == KS_KIND_NONE)
                continue;
            resolve_one(&probes[i], KS_MODE_TRACEPOINT, &choices[i]);
            ks_buf_add(&choices[i].why, "not needed: the group uses tracepoints\n");
        }
        tp = false;
        for (int i = 0; i < n; i++) {
            if (probes[i].group != g)
                continue;
            tp |= choices[i].kind == KS_KIND_TRACEPOINT;
            kp |= choices[i].kind == KS_KIND_KPROBE || choices[i].kind == KS_KIND_KRETPROBE;
        }
        if (!(tp && kp) || mode == KS_MODE_TRACEPOINT)
            continue;
        for (int i = 0; i < n; i++) {
            if (probes[i].group != g)
                continue;
            resolve_one(&probes[i], KS_MODE_KPROBE, &choices[i]);
            ks_buf_add(&choices[i].why, "(kprobes for the whole group: its probes share state)\n");
        }
    }
}

/* A probe no tracepoint can stand in for (principle 1: kprobe-only), on a kernel that
 * cannot probe functions at all: one line saying so, whatever else failed. */
static bool kprobe_only_refusal(const struct ks_probe *p, enum ks_probe_mode mode,
                                struct ks_buf *err)
{
    const char *why = NULL;
    if (p->tp || p->perf || !p->kprobes[0] || mode == KS_MODE_TRACEPOINT)
        return false;
    if (ks_kprobes_supported(&why)) {
        /* Kprobes work, but none of its functions is in this kernel (a module that is not
         * loaded: xfsslower without xfs): one line too. */
        for (int k = 0; k < KS_MAX_KPROBES && p->kprobes[k]; k++)
            if (ks_ksym_exists(p->kprobes[k]))
                return false;
        ks_buf_free(err);
        ks_buf_printf(err, "cannot attach probe '%s' (--probe=%s): no tracepoint measures it, "
                           "and %s ",
                      p->name, ks_probe_mode_name(mode), KS_NO_KFUNC_MSG);
        for (int k = 0; k < KS_MAX_KPROBES && p->kprobes[k]; k++)
            ks_buf_printf(err, "%s%s", k ? ", " : "", p->kprobes[k]);
        ks_buf_add(err, " (not in /proc/kallsyms: a module that is not loaded, or not in this "
                        "kernel)\n");
        return true;
    }
    ks_buf_free(err);
    ks_buf_printf(err,
                  "cannot attach probe '%s' (--probe=%s): no tracepoint measures it; it needs a "
                  "kprobe on the kernel function %s, and %s %s\n",
                  p->name, ks_probe_mode_name(mode), p->kprobes[0], KS_NO_KPROBES_MSG,
                  why ? why : "");
    return true;
}

int ks_probes_resolve(const struct ks_probe *probes, int n, enum ks_probe_mode mode,
                      struct ks_probe_choice *choices, struct ks_buf *err)
{
    int rc = 0;
    memset(choices, 0, (size_t)n * sizeof(*choices));
    for (int i = 0; i < n; i++)
        resolve_one(&probes[i], mode, &choices[i]);
    unify_groups(probes, n, mode, choices);
    for (int i = 0; i < n; i++) {
        const struct ks_probe *p = &probes[i];
        struct ks_probe_choice *c = &choices[i];
        if (c->kind == KS_KIND_NONE && !p->optional && !p->off &&
            kprobe_only_refusal(p, mode, err))
            return KS_PROBES_NEED_KPROBES;
    }
    for (int i = 0; i < n; i++) {
        const struct ks_probe *p = &probes[i];
        struct ks_probe_choice *c = &choices[i];
        if (c->kind == KS_KIND_NONE && !p->optional && !p->off) {
            ks_buf_printf(err, "cannot attach probe '%s' (--probe=%s):\n", p->name,
                          ks_probe_mode_name(mode));
            const char *s = c->why.s;
            while (s && *s) {
                const char *nl = strchr(s, '\n');
                size_t len = nl ? (size_t)(nl - s) : strlen(s);
                ks_buf_add(err, "  ");
                ks_buf_addn(err, s, len);
                ks_buf_add(err, "\n");
                s = nl ? nl + 1 : s + len;
            }
            rc = -1;
        }
    }
    return rc;
}

void ks_probes_free(struct ks_probe_choice *choices, int n)
{
    for (int i = 0; i < n; i++)
        ks_buf_free(&choices[i].why);
}

void ks_probes_prelude(const struct ks_probe *probes, const struct ks_probe_choice *choices,
                       int n, struct ks_buf *out)
{
    bool kprobes = false;
    for (int i = 0; i < n; i++)
        kprobes |= choices[i].kind == KS_KIND_KPROBE || choices[i].kind == KS_KIND_KRETPROBE;
    /* Each kernel header costs compile time; pt_regs is needed by kprobe programs only. */
    if (kprobes)
        ks_buf_add(out, "#define KS_USES_KPROBES 1 /* some probe is a kprobe */\n");
    for (int i = 0; i < n; i++) {
        const struct ks_probe_choice *c = &choices[i];
        switch (c->kind) {
        case KS_KIND_TRACEPOINT:
            ks_buf_printf(out, "#define KS_TP_%s 1 /* tracepoint %s */\n", probes[i].name,
                          c->target);
            break;
        case KS_KIND_PERF:
            ks_buf_printf(out, "#define KS_PE_%s 1 /* perf event %s */\n", probes[i].name,
                          c->target);
            break;
        case KS_KIND_KPROBE:
        case KS_KIND_KRETPROBE:
            ks_buf_printf(out, "#define KS_KP_%s %d /* %s %s */\n", probes[i].name,
                          c->kprobe_index, c->kind == KS_KIND_KPROBE ? "kprobe" : "kretprobe",
                          c->target);
            if (ks_probe_is_syscall_wrapper(c->target))
                ks_buf_printf(out, "#define KS_KP_%s_WRAPPED 1 /* args via struct pt_regs * */\n",
                              probes[i].name);
            break;
        default:
            ks_buf_printf(out, "/* probe %s: not attached */\n", probes[i].name);
        }
    }
}
