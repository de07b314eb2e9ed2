/* ks_profile: a saved kernel profile, so that a compile on one machine can answer the
 * questions the runtime asks of the kernel it will run on.
 *
 * A profile is a tar.xz of text files laid out like the kernel's own (proc/version,
 * proc/kallsyms, sys/kernel/tracing/events/<cat>/<event>/format, boot/config-<release>,
 * ...), plus
 * kscope-features (the BPF program/map types and helpers the kernel accepted, in the
 * format of ks_features' fabricated roots), config (the CONFIG_ options kscope reads),
 * kscope-profile (version, release, machine) and SHA256SUMS. Opening one unpacks it into
 * a private directory that becomes ks_features' root: "this kernel" and "a saved profile"
 * then answer through the same functions.
 *
 * tar and xz are run as commands (as for kheaders.tar.xz): both are on every Debian and
 * RHEL system (dpkg and rpm need them), and the tracing process links no archive
 * library for a step only --target and kscope-doctor --save-profile take. */
#ifndef KS_PROFILE_H
#define KS_PROFILE_H

#include <limits.h>
#include <stdbool.h>

#include "ks_util.h"

/* 2: uprobe support recorded (version 1 profiles said "no uprobes" for every kernel).
 * 3: in-place events recorded (inplace_events; version 2 profiles said "no", so a target
 *    that has them would look for a program the build machine never made). */
#define KS_PROFILE_VERSION 3

struct ks_profile {
    char file[PATH_MAX];
    char dir[PATH_MAX]; /* the unpacked files; removed by ks_profile_close */
    char release[128], machine[64];
    char *proc_version;
    int version;
};

/* Capture the running kernel into FILE (needs root: tracefs and the BPF feature probes).
 * Returns 0, or -1 with a message for people in *err. *summary: what was saved. */
int ks_profile_save(const char *file, struct ks_buf *summary, struct ks_buf *err);

/* Unpack and verify a profile: complete, unchanged (checksums), a known version, for this
 * machine's architecture. Returns 0, or -1 with a message naming what does not match. */
int ks_profile_open(const char *file, struct ks_profile *p, struct ks_buf *err);
/* Make ks_features (and so the probe resolver, the #define prelude, the compile child and
 * the cache key) answer for the profile's kernel. */
void ks_profile_use(const struct ks_profile *p);
void ks_profile_close(struct ks_profile *p);

#endif
