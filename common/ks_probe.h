/* ks_probe: each probe a tool needs is a tracepoint plus an ordered list of kprobe
 * fallbacks. The resolver picks one variant per probe from what the kernel offers and
 * tells the BPF source through #define lines (KS_TP_<name> or KS_KP_<name>). */
#ifndef KS_PROBE_H
#define KS_PROBE_H

#include <stdbool.h>

#include "ks_util.h"

enum ks_probe_mode { KS_MODE_AUTO, KS_MODE_TRACEPOINT, KS_MODE_KPROBE };
enum ks_probe_kind {
    KS_KIND_NONE,
    KS_KIND_TRACEPOINT,
    KS_KIND_KPROBE,
    KS_KIND_KRETPROBE,
    KS_KIND_PERF, /* a sampling perf event per CPU (BPF_PROG_TYPE_PERF_EVENT, 4.9+) */
};

/* A perf-event probe: what to sample and how often. The tool fills it in configure();
 * the resolver decides the event (hardware cycles where asked and a PMU answers, else the
 * cpu-clock software event) and the attach opens one event per CPU. */
struct ks_perf_spec {
    bool cycles; /* prefer PERF_COUNT_HW_CPU_CYCLES; cpu-clock when there is no PMU */
    unsigned long long freq;   /* samples per second per CPU, or */
    unsigned long long period; /* one sample every this many events (nanoseconds for
                                  cpu-clock); exactly one of freq and period is set */
    int cpu;                   /* -1: every online CPU */
};

#define KS_MAX_KPROBES 6

struct ks_probe {
    const char *name;                     /* C identifier, unique in the tool */
    const char *tp;                       /* "category:event", or NULL */
    const char *kprobes[KS_MAX_KPROBES];  /* fallbacks in order of preference */
    bool ret;                             /* the fallbacks are kretprobes */
    bool optional;                        /* skip the probe when nothing works */
    bool off;                             /* not needed with the options given */
    int group; /* probes of one group (> 0) share state: all tracepoints or all kprobes */
    struct ks_perf_spec *perf; /* set: a perf-event probe (no tracepoint, no kprobes) */
};

struct ks_probe_choice {
    enum ks_probe_kind kind;
    int kprobe_index; /* 1-based index into kprobes[] when kind is a kprobe */
    const char *target;  /* tracepoint "cat:event" or kernel symbol */
    char func[96];       /* the BPF function to attach */
    unsigned perf_type;            /* KS_KIND_PERF: PERF_TYPE_HARDWARE or _SOFTWARE */
    unsigned long long perf_config; /* and the event within that type */
    const struct ks_perf_spec *perf;
    struct ks_buf why;   /* one line per variant considered */
};

/* Syscall entry points as kprobe targets: the wrapper name (4.17+ on x86_64 and arm64),
 * then the plain name older kernels use. */
#if defined(__x86_64__)
#define KS_SYSCALL_KPROBES(name) "__x64_sys_" name, "sys_" name
#elif defined(__aarch64__)
#define KS_SYSCALL_KPROBES(name) "__arm64_sys_" name, "sys_" name
#elif defined(__s390x__)
#define KS_SYSCALL_KPROBES(name) "__s390x_sys_" name, "sys_" name
#else
#define KS_SYSCALL_KPROBES(name) "sys_" name
#endif

bool ks_probe_mode_parse(const char *s, enum ks_probe_mode *out);
const char *ks_probe_mode_name(enum ks_probe_mode m);

/* Resolve every probe. Returns 0, or -1 with a message naming the probe and all that was
 * tried in *err. choices[] must have n entries; free them with ks_probes_free.
 * KS_PROBES_NEED_KPROBES: a probe without a tracepoint (a kprobe-only tool) on a kernel
 * without kprobes, or without any of its kernel functions; *err is then one line naming
 * the function(s), containing KS_NO_KPROBES_MSG or KS_NO_KFUNC_MSG (kscope-doctor lists
 * such tools as unsupported here). */
#define KS_PROBES_NEED_KPROBES (-2)
#define KS_NO_KPROBES_MSG "this kernel cannot probe kernel functions:"
/* ... or one whose kernel functions are all absent (KS_PROBES_NEED_KPROBES too). */
#define KS_NO_KFUNC_MSG "this kernel has none of its kernel functions:"

int ks_probes_resolve(const struct ks_probe *probes, int n, enum ks_probe_mode mode,
                      struct ks_probe_choice *choices, struct ks_buf *err);
void ks_probes_free(struct ks_probe_choice *choices, int n);

/* The #define prelude for the chosen variants, with comments saying why. */
void ks_probes_prelude(const struct ks_probe *probes, const struct ks_probe_choice *choices,
                       int n, struct ks_buf *out);

/* "software:cpu-clock" or "hardware:cycles", for -v, --check and messages. */
const char *ks_perf_event_name(unsigned type, unsigned long long config);

/* Can this process open perf events here? NULL when it can, else one line saying why
 * and what to change (perf_event_paranoid, a container's seccomp profile, no PMU). */
const char *ks_perf_events_denied(unsigned type, unsigned long long config);

/* Does this kernel symbol take the syscall's arguments through a struct pt_regs pointer? */
bool ks_probe_is_syscall_wrapper(const char *sym);

#endif
