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

#include "ks_headers.h"
#include "ks_object.h"

#define KS_CACHE_DEFAULT_DIR "/var/cache/kscope"

struct ks_cache {
    bool enabled;
    char dir[PATH_MAX];
};

/* dir: --cache-dir or NULL (then KSCOPE_CACHE_DIR, then the default). Never fails: an
 * unusable or unsafe directory disables the cache with a warning. */
void ks_cache_open(struct ks_cache *c, const char *dir, bool disabled);

void ks_cache_key(const char *text, const struct ks_headers *h, const char *extra,
                  uint8_t key[32]);

/* NULL when absent or rejected; *why says why (for -v). */
struct ks_object *ks_cache_get(const struct ks_cache *c, const uint8_t key[32], const char **why);
/* Best effort; false (with a warning via -v) when it could not be stored. */
bool ks_cache_put(const struct ks_cache *c, const uint8_t key[32], const struct ks_object *o);
/* Path of an entry (for tests and -v). */
void ks_cache_entry_path(const struct ks_cache *c, const uint8_t key[32], char *out, size_t size);

#endif
