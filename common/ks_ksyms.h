/* ks_ksyms: kernel addresses to symbol names, from /proc/kallsyms.
 *
 * Loaded once (about 100-200k symbols), sorted, binary-searched. Module symbols carry
 * their module ("[ext4]"). Addresses read as 0 when kptr_restrict hides them from this
 * user: then nothing resolves and every frame prints "[unknown]". */
#ifndef KS_KSYMS_H
#define KS_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ks_ksym {
    uint64_t addr;
    const char *name;
    const char *module; /* NULL for the kernel image */
};

/* The symbol containing addr (the nearest at or below it), or NULL. Loads on first use;
 * the path is /proc/kallsyms unless ks_ksyms_load() named another (tests). */
const struct ks_ksym *ks_ksym_find(uint64_t addr);

/* The address of a code symbol of the kernel image by name (the first found), or 0.
 * A linear search: for the few markers a tool needs once (__sched_text_start). */
uint64_t ks_ksym_addr(const char *name);

/* "name", "name+0x1a" (offset), "name [module]" (module), or "[unknown]", into buf. */
const char *ks_ksym_str(uint64_t addr, bool offset, bool module, char *buf, size_t size);

/* Load a kallsyms-format file now (replacing what was loaded). Returns the symbol count,
 * -1 when the file cannot be read. */
long ks_ksyms_load(const char *path);

#endif
