/* ks_cache: compiled objects on disk, so a second run does not start clang at all.
 *
 * The key covers everything that can change the compiled result: the final BPF text
 * (with its #define prelude and probe choices), the compiler flags, the libbcc version,
 * the running kernel (release and /proc/version) and the identity of the headers.
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

void ks_cache_key(const char *text, const struct ks_headers *h, const char *extra,
                  uint8_t key[32]);

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
