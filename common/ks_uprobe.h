/* ks_uprobe: where user-space probes go, for struct ks_uprobe_spec (ks_probe.h).
 *
 * A uprobe is an offset in an ELF file; the kernel puts it into every process that maps
 * the file (or one, with a pid). This module finds the file a user names, the offset of a
 * function in it (symbols read by ks_usyms, the same tables stacks use), and the USDT
 * probes a file declares in its .note.stapsdt section.
 *
 * Usage (what funccount c:malloc does):
 *     char path[PATH_MAX];
 *     uint64_t off;
 *     struct ks_buf err = {0};
 *     if (!ks_uprobe_find("c", pid, path, sizeof(path), &err) ||
 *         !ks_uprobe_func_offset(path, "malloc", &off, &err))
 *         ks_usage_error("%s", err.s);
 *     static struct ks_uprobe_spec u;
 *     u = (struct ks_uprobe_spec){.path = strdup(path), .offset = off, .what = "malloc",
 *                                 .pid = pid};
 *     probe->uprobe = &u;   (probe->ret = true for a uretprobe)
 * The resolver (ks_probes_resolve) then says whether uprobes work here, -v and --check
 * print the choice, ks_attach attaches it (per process or system-wide) and ks_detach_all
 * removes it on every way out. In the BPF source the function is a kprobe program:
 *     int up_NAME(struct pt_regs *ctx)   (or the name set in probe->func) */
#ifndef KS_UPROBE_H
#define KS_UPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_util.h"

/* The ELF file a user names, into out:
 *   - a path (anything with a '/'): that file;
 *   - "c": the C library;
 *   - a library name ("pthread", "libpthread", "libz.so.1"): with pid >= 0 first among the
 *     files that process maps (/proc/PID/maps, opened through /proc/PID/root), then in
 *     ld.so's cache (/etc/ld.so.cache), then in the standard library directories;
 *   - a program name ("bash"): that process's executable (pid >= 0), else along PATH.
 * false with a message naming what was searched in *err. */
bool ks_uprobe_find(const char *name, long pid, char *out, size_t size, struct ks_buf *err);
/* The library the process pid maps (pid >= 0), or the file name names when it is a path:
 * what a tool probing one process's C library (memleak -p, plockstat) must use. Unlike
 * ks_uprobe_find, no other place is searched: a process that does not map it (a static
 * binary has no C library) gets false, and *err says so in one line. */
bool ks_uprobe_find_mapped(const char *name, long pid, char *out, size_t size,
                           struct ks_buf *err);

/* The file offset of function func in the ELF file path. false with a message in *err. */
bool ks_uprobe_func_offset(const char *path, const char *func, uint64_t *off,
                           struct ks_buf *err);

/* One USDT probe from a file's .note.stapsdt notes (systemtap's <sys/sdt.h> format). */
struct ks_usdt_note {
    const char *provider, *name;
    const char *args;   /* the argument spec ("-4@%edi 8@%rax"), as the note has it */
    uint64_t off;       /* file offset of the probe site (a nop) */
    uint64_t sem_off;   /* file offset of its semaphore, 0: none */
};
/* Each USDT probe of the file; fn returns false to stop. Returns the number of probes
 * seen, or -1 when the file does not open or is not ELF. */
long ks_usdt_each(const char *path, bool (*fn)(const struct ks_usdt_note *n, void *ctx),
                  void *ctx);

/* Argument n (1-based) of a USDT probe whose note says args ("-8@-48(%rbp) -8@%rax"), as
 * a C expression of type s64 or u64 over the probe's registers (struct pt_regs *ctx):
 * a register, a constant ($5) or memory at a register plus an offset (read with
 * ks_probe_read_user). Built from the parsed spec only (register names from a fixed
 * table, numbers). x86_64. false with a message in *err (no such argument, a form not
 * read here such as symbol(%rip)). */
bool ks_usdt_arg_c(const char *args, int n, struct ks_buf *out, struct ks_buf *err);

#endif
