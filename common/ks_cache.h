/* ks_cache: compiled objects on disk, so a second run does not start clang at all.
 *
 * The key covers everything that can change the compiled result: the final BPF text
 * (with its #define prelude and probe choices), the compiler flags, the libbcc version,
 * the kernel (release, machine and /proc/version: the running one, or a profile's with
 * --target) and the content of the headers' version and config files. Nothing in it is
 * a path or a file's identity on this machine, so a build machine compiling for a
 * profile computes the key the target kernel computes for itself.
 * The directory must be root's alone: a writable cache would let another user put code
 * into the kernel. Entries are written atomically and verified before use. */
#ifndef KS_CACHE_H
#define KS_CACHE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "ks_compile.h"
#include "ks_headers.h"
#include "ks_object.h"

#define KS_CACHE_DEFAULT_DIR "/var/cache/kscope"

struct ks_cache {
    bool enabled;
    char dir[PATH_MAX];
};

/* dir: --cache-dir or NULL (then KSCOPE_CACHE_DIR, then the default). Never fails: an
 * unusable or unsafe directory disables the cache with a warning. The directory must be
 * the cache's own: new, empty, or already kscope's (tagged with CACHEDIR.TAG, or holding
 * only entries); anything else (/, /etc, a home directory) is refused. */
void ks_cache_open(struct ks_cache *c, const char *dir, bool disabled);

/* A header tree by content: SHA-256 (hex) over include/generated/autoconf.h,
 * include/generated/uapi/linux/version.h, include/generated/utsrelease.h and
 * include/linux/kconfig.h; remembered in cache c (if usable) under the files' identity
 * (path, inode, size, times). *uts: the release utsrelease.h names ("" if none). */
void ks_cache_headers_id(const struct ks_cache *c, const struct ks_headers *h, char id[65],
                         char *uts, size_t usize);
/* The kernel the answers are for (ks_kernel_release/_machine/_proc_version), in hex. */
void ks_cache_kernel_id(char id[65]);

void ks_cache_key(const char *text, const char *headers_id, const char *extra, uint8_t key[32]);

/* Which headers entries for this kernel were compiled with (exact headers only), so a
 * machine without headers can still compute the key: <kernel id>.kernel in the cache. */
/* struct_reads: whether those headers allowed struct reads on tracepoint paths (the
 * exact-headers decision), which a machine without headers must repeat to compute the same
 * program text; -1 when the note does not say. */
bool ks_cache_note_kernel(const struct ks_cache *c, const char *headers_id, bool struct_reads);
bool ks_cache_kernel_headers(const struct ks_cache *c, char headers_id[65], int *struct_reads);
/* What an entry is (kernel, tool, options), for kscope-cache list and kscope-doctor:
 * <key>.info beside it. */
bool ks_cache_put_info(const struct ks_cache *c, const uint8_t key[32], const char *tool,
                       const char *args);

/* kscope-cache: move entries between machines, and say what is there. Each returns 0, or
 * -1 with a message for people in *err; *out says what was done. */
int ks_cache_export(const struct ks_cache *c, const char *file, struct ks_buf *out,
                    struct ks_buf *err);
/* Every entry is verified (complete, intact, a BPF object, named by its own key) before
 * it is stored, and stored as this user's, writable by it only. */
int ks_cache_import(const struct ks_cache *c, const char *file, struct ks_buf *out,
                    struct ks_buf *err);
/* One block per kernel: the release, then per entry the tool and its options. kernel_id:
 * only that kernel's (NULL: all). Returns the number of entries listed. */
int ks_cache_list(const struct ks_cache *c, const char *kernel_id, struct ks_buf *out);

/* NULL when absent or rejected; *why says why (for -v). Never blocks (a FIFO in an
 * entry's place is rejected, not read). */
struct ks_object *ks_cache_get(const struct ks_cache *c, const uint8_t key[32], const char **why);
/* Where kheaders.tar.xz is unpacked: <cache>/kheaders, kept across runs. With the cache
 * off, a new private directory (mkdtemp, 0700) that the caller removes (*private set); NULL
 * when none could be made (then kheaders is not used). */
const char *ks_cache_kheaders_dir(const struct ks_cache *c, char *buf, size_t size, bool *private);

/* Remove an entry that turned out not to fit (see ks_cache_fits). */
void ks_cache_drop(const struct ks_cache *c, const uint8_t key[32]);

/* A map the tool will use, by name and BPF_MAP_TYPE_*. */
struct ks_map_need {
    const char *name;
    uint32_t type;
};
/* Whether an intact object is the one the tool will attach: exactly the planned programs
 * with their types, and the maps it needs. An entry can be whole and still hold another
 * tool's program; loading it would fail at attach. For cached and imported entries. */
bool ks_cache_fits(const struct ks_object *o, const struct ks_func_plan *plan, int nplan,
                   const struct ks_map_need *maps, int nmaps, char *why, size_t size);

/* Best effort; false when it could not be stored, with one warning per run saying why and
 * what to do. Removes temporaries of stores that died (older than ten minutes). */
bool ks_cache_put(const struct ks_cache *c, const uint8_t key[32], const struct ks_object *o);
/* Path of an entry (for tests and -v). */
void ks_cache_entry_path(const struct ks_cache *c, const uint8_t key[32], char *out, size_t size);

#endif
