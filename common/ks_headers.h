/* ks_headers: find the kernel headers libbcc compiles against.
 *
 * Order: explicit override (--kernel-headers, KSCOPE_KERNEL_HEADERS, BCC_KERNEL_SOURCE);
 * /lib/modules/$(uname -r)/build (+ its sibling source, Debian/Ubuntu split trees);
 * /sys/kernel/kheaders.tar.xz (CONFIG_IKHEADERS); the closest installed version (warns).
 * Tracepoint paths only need the headers to compile; kprobe struct reads need them to
 * match, which is why a mismatch is a warning and not an error. */
#ifndef KS_HEADERS_H
#define KS_HEADERS_H

#include <limits.h>
#include <stdbool.h>

#include "ks_util.h"

struct ks_headers {
    char source[PATH_MAX]; /* has include/linux/kconfig.h: libbcc's BCC_KERNEL_SOURCE */
    char build[PATH_MAX];  /* has include/generated/autoconf.h; == source unless split */
    char release[128];     /* kernel release the headers are for */
    const char *how;       /* "override", "modules", "kheaders", "closest" */
    bool exact;            /* release matches the running kernel */
    bool split;            /* build != source */
};

struct ks_headers_req {
    const char *root;     /* prefix for /lib, /usr, /sys (tests); NULL for the real system */
    const char *release;  /* running kernel release; NULL: uname -r */
    const char *override; /* explicit tree; NULL: from the environment */
    const char *kheaders_dir; /* where to unpack kheaders.tar.xz; NULL: no unpacking */
};

/* 0 on success. On failure returns -1 and puts a message for people into *err. */
int ks_headers_find(const struct ks_headers_req *req, struct ks_headers *out, struct ks_buf *err);

/* Look at one directory: a full tree, a Debian build dir with a common sibling, or a
 * /lib/modules/X dir with build and source. Fills source/build/split. */
bool ks_headers_classify(const char *dir, struct ks_headers *out);

/* The one decision principle 3 asks for: may a tracepoint path read kernel structs with
 * these headers? Only when they are the running kernel's own, by what the kernel says
 * of itself, not by version numbers alone:
 *   - the headers' UTS_RELEASE (include/generated/utsrelease.h) is uname -r;
 *   - their build's UTS_VERSION (utsversion.h, or compile.h before 6.2) is uname -v and
 *     their LINUX_COMPILER appears in /proc/version, where the headers say;
 *   - their .config equals the kernel's /boot/config-<release> where there is one, or
 *     /proc/config.gz when neither of the above could be checked;
 *   - at least one of the build checks could be made, and the layout is not randomized
 *     (CONFIG_RANDSTRUCT: the seed is not in the headers).
 * Headers unpacked from the kernel itself (kheaders) pass all but the last by nature.
 * root: prefix for /proc and /boot (tests); NULL for the real system. Returns the answer
 * and one line for people in *why (appended): what matched, or what did not. */
bool ks_headers_exact(const struct ks_headers *h, const char *root, struct ks_buf *why);

/* -I flags that make a split tree work through libbcc's single BCC_KERNEL_SOURCE. */
int ks_headers_cflags(const struct ks_headers *h, const char *arch, char flags[][PATH_MAX + 4],
                      int max);

/* The x86/arm64/... directory name the kernel uses for this machine. */
const char *ks_kernel_arch(void);

/* Light headers (the compile child, for programs that read tracepoint fields only): write
 * a small tree libbcc can use in place of the kernel's into a new temporary directory
 * (its path in dir; ks_rmtree it afterwards). The configuration stays the real headers'
 * (the CONFIG_ options the program text names). */
bool ks_headers_light(const struct ks_headers *real, const char *text, char *dir, size_t size);

#endif
