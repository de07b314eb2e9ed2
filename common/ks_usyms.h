/* ks_usyms: user-space addresses of a process to symbol names.
 *
 * A process's code is its executable and shared libraries mapped at addresses chosen at
 * run time (PIE, ASLR), plus code a JIT wrote into anonymous memory. For each process
 * this keeps what /proc/PID/maps said, and for each mapped file (by device and inode, so
 * a library is read once for every process) its function symbols:
 *   - .symtab when the file has one, else the separate debug file found through the
 *     build id (/usr/lib/debug/.build-id/xx/rest.debug) or .gnu_debuglink (next to the
 *     file, in its .debug/ directory, under /usr/lib/debug), else .dynsym;
 *   - files are opened through /proc/PID/root (processes in containers see their own
 *     root) and, when the path no longer opens (deleted, replaced), through
 *     /proc/PID/map_files;
 *   - JIT symbols from /tmp/perf-PID.map (the process's own /tmp, with its pid in its
 *     namespace).
 * ELF reading is elfutils' libelf. ks_usyms_note() takes the snapshot while the process
 * lives, so stacks of processes that exited before the output still resolve. */
#ifndef KS_USYMS_H
#define KS_USYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Take a snapshot of this process's mappings and load their symbols, unless one was taken
 * already. Cheap for a known pid. */
void ks_usyms_note(uint32_t pid);

/* The function containing addr in process pid ("name", "name+0x1a" with offset), or
 * "[unknown]". A process never noted is noted now (when it still lives). */
const char *ks_usym_str(uint32_t pid, uint64_t addr, bool offset, char *buf, size_t size);

/* Every function symbol of the ELF file at path (the tables stacks use: .symtab, else the
 * debug file's, else .dynsym) with its file offset, which is what a uprobe is placed at.
 * fn returns false to stop. Returns the number of symbols seen, or -1 when the file does
 * not open or is not ELF. */
long ks_usyms_file_funcs(const char *path,
                         bool (*fn)(const char *name, uint64_t off, void *ctx), void *ctx);

/* Processes noted, files loaded: for -v. */
void ks_usyms_stats(unsigned *procs, unsigned *files);

#endif
