/* ks_features: ask the kernel what it offers. Every answer is computed once per run.
 *
 * All paths go through a root prefix so that tests can fabricate a /sys and /proc
 * (KSCOPE_FAKE_ROOT). With a fake root, kernel checks that need syscalls (program and
 * map types) read their answers from files under the fake root instead. */
#ifndef KS_FEATURES_H
#define KS_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

#include "ks_util.h"

/* Use a fabricated root (tests); NULL for the real system. Resets all cached answers. */
void ks_features_set_root(const char *root);
const char *ks_features_root(void);

/* The tracefs directory (…/tracing), mounting tracefs or debugfs when running as root and
 * neither is mounted. NULL when there is none; *why says what was tried. */
const char *ks_tracefs(const char **why);

bool ks_tracepoint_exists(const char *category, const char *event);

/* Kprobe support: the kprobe PMU or a kprobe_events file. */
bool ks_kprobes_supported(const char **why);

/* Uprobe support: the uprobe PMU or an uprobe_events file (CONFIG_UPROBE_EVENTS). */
bool ks_uprobes_supported(const char **why);

/* A kernel function a kprobe can be put on. *why explains a false answer. */
bool ks_ksym_attachable(const char *sym, const char **why);
bool ks_ksym_exists(const char *sym);

/* Program/map types and helpers, by loading tiny programs. */
bool ks_prog_type_supported(int prog_type);
bool ks_map_type_supported(int map_type);
bool ks_helper_supported(int prog_type, int helper_id);

/* bpf_probe_read_user/_kernel (5.5+) for tracing programs; before them bpf_probe_read read
 * both address spaces. */
bool ks_have_probe_read_user(void);
/* Does the verifier take bounded loops (5.3+; before, any backward jump is refused)?
 * Asked by loading a four-round loop. Programs then need not be unrolled. */
bool ks_have_bounded_loops(void);
/* Can tracing programs build events in place (KS_EVENTS_INPLACE, bpfsrc/kscope.bpf.h)? An
 * array map the tool can mmap (5.5+) and atomic adds that return the old value (5.12+). */
bool ks_have_inplace_events(void);

/* Does /sys/kernel/btf/vmlinux exist (information only: kscope never needs it). */
bool ks_btf_present(void);

/* The kernel every answer above is about: the running one, or the one a saved profile
 * describes (ks_profile sets it, with the profile as the root). */
void ks_features_set_kernel(const char *release, const char *machine, const char *proc_version);
bool ks_kernel_is_profile(void);
const char *ks_kernel_release(void);
const char *ks_kernel_machine(void);
const char *ks_kernel_proc_version(void); /* the text of /proc/version */

/* A block device's numbers as that kernel's sysfs gives them (/sys/class/block/NAME/dev):
 * a profile carries them, so an option naming a disk of the target can be compiled. */
bool ks_kernel_block_dev(const char *name, unsigned *major, unsigned *minor);

/* A path of the kernel's files (/proc/..., /sys/...) under the root in use. */
const char *ks_kernel_path(char *buf, size_t size, const char *p);

/* That kernel's version as KERNEL_VERSION(a,b,c) with c clamped to 255. */
unsigned ks_kernel_version_code(void);

#endif
