/* ks_probe: each probe a tool needs is a tracepoint plus an ordered list of kprobe
 * fallbacks. The resolver picks one variant per probe from what the kernel offers and
 * tells the BPF source through #define lines (KS_TP_<name> or KS_KP_<name>). */
#ifndef KS_PROBE_H
#define KS_PROBE_H

#include <stdbool.h>

#include "ks_util.h"

enum ks_probe_mode { KS_MODE_AUTO, KS_MODE_TRACEPOINT, KS_MODE_KPROBE };
enum ks_probe_kind { KS_KIND_NONE, KS_KIND_TRACEPOINT, KS_KIND_KPROBE, KS_KIND_KRETPROBE };

#define KS_MAX_KPROBES 6

struct ks_probe {
    const char *name;                     /* C identifier, unique in the tool */
    const char *tp;                       /* "category:event", or NULL */
    const char *kprobes[KS_MAX_KPROBES];  /* fallbacks in order of preference */
    bool ret;                             /* the fallbacks are kretprobes */
    bool optional;                        /* skip the probe when nothing works */
    bool off;                             /* not needed with the options given */
    int group; /* probes of one group (> 0) share state: all tracepoints or all kprobes */
};

struct ks_probe_choice {
    enum ks_probe_kind kind;
    int kprobe_index; /* 1-based index into kprobes[] when kind is a kprobe */
    const char *target;  /* tracepoint "cat:event" or kernel symbol */
    char func[96];       /* the BPF function to attach */
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
 * tried in *err. choices[] must have n entries; free them with ks_probes_free. */
int ks_probes_resolve(const struct ks_probe *probes, int n, enum ks_probe_mode mode,
                      struct ks_probe_choice *choices, struct ks_buf *err);
void ks_probes_free(struct ks_probe_choice *choices, int n);

/* The #define prelude for the chosen variants, with comments saying why. */
void ks_probes_prelude(const struct ks_probe *probes, const struct ks_probe_choice *choices,
                       int n, struct ks_buf *out);

/* Does this kernel symbol take the syscall's arguments through a struct pt_regs pointer? */
bool ks_probe_is_syscall_wrapper(const char *sym);

#endif
