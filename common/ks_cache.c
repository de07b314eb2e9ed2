#define _GNU_SOURCE
#include "ks_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ks_compile.h"
#include "ks_sha256.h"

#define ENTRY_MAGIC "KSCACHE1"

static bool dir_is_safe(const char *dir, const char **why)
{
    struct stat st;
    if (lstat(dir, &st) != 0) {
        *why = "cannot stat it";
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        *why = "not a directory (or a symbolic link)";
        return false;
    }
    if (st.st_uid != geteuid()) {
        *why = "owned by another user";
        return false;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        *why = "writable by group or others";
        return false;
    }
    return true;
}

void ks_cache_open(struct ks_cache *c, const char *dir, bool disabled)
{
    memset(c, 0, sizeof(*c));
    if (disabled) {
        ks_info("compile cache: off (--no-cache)");
        return;
    }
    if (!dir || !*dir)
        dir = getenv("KSCOPE_CACHE_DIR");
    if (!dir || !*dir)
        dir = KS_CACHE_DEFAULT_DIR;
    snprintf(c->dir, sizeof(c->dir), "%s", dir);
    if (mkdir(c->dir, 0700) != 0 && errno != EEXIST) {
        ks_info("compile cache: off (cannot create %s: %s)", c->dir, strerror(errno));
        return;
    }
    const char *why;
    if (!dir_is_safe(c->dir, &why)) {
        ks_warn("not using the compile cache %s: %s. Cached programs are loaded into the "
                "kernel, so the directory must be writable by its owner only "
                "(chown root %s; chmod 700 %s).",
                c->dir, why, c->dir, c->dir);
        return;
    }
    c->enabled = true;
}

static void hash_str(struct ks_sha256 *s, const char *label, const char *v)
{
    ks_sha256_update(s, label, strlen(label) + 1);
    if (v)
        ks_sha256_update(s, v, strlen(v));
    ks_sha256_update(s, "\n", 1);
}

static void hash_file_id(struct ks_sha256 *s, const char *label, const char *dir, const char *rel)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    struct stat st;
    char id[PATH_MAX + 200] = "missing";
    if (stat(p, &st) == 0)
        snprintf(id, sizeof(id), "%s:%lld:%lld:%lld", p, (long long)st.st_size,
                 (long long)st.st_mtime, (long long)st.st_ino);
    hash_str(s, label, id);
}

void ks_cache_key(const char *text, const struct ks_headers *h, const char *extra, uint8_t key[32])
{
    struct ks_sha256 s;
    ks_sha256_init(&s);
    hash_str(&s, "kscope-cache", "1");
    hash_str(&s, "text", text);
    hash_str(&s, "extra", extra);
    hash_str(&s, "libbcc", ks_libbcc_version());
    struct utsname u;
    uname(&u);
    hash_str(&s, "release", u.release);
    hash_str(&s, "machine", u.machine);
    char *pv = ks_read_file("/proc/version", NULL);
    hash_str(&s, "procversion", pv);
    free(pv);
    hash_str(&s, "source", h->source);
    hash_str(&s, "build", h->build);
    hash_file_id(&s, "autoconf", h->build, "include/generated/autoconf.h");
    hash_file_id(&s, "version", h->build, "include/generated/uapi/linux/version.h");
    hash_file_id(&s, "kconfig", h->source, "include/linux/kconfig.h");
    ks_sha256_final(&s, key);
}

void ks_cache_entry_path(const struct ks_cache *c, const uint8_t key[32], char *out, size_t size)
{
    char hex[65];
    ks_sha256_hex(key, hex);
    snprintf(out, size, "%s/%s.kso", c->dir, hex);
}

struct ks_object *ks_cache_get(const struct ks_cache *c, const uint8_t key[32], const char **why)
{
    *why = "cache off";
    if (!c->enabled)
        return NULL;
    char p[PATH_MAX + 80];
    ks_cache_entry_path(c, key, p, sizeof(p));
    int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        *why = errno == ENOENT ? "no entry" : "cannot open the entry";
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & (S_IWGRP | S_IWOTH))) {
        close(fd);
        *why = "entry rejected: not a regular file owned by us and writable by us only";
        unlink(p);
        return NULL;
    }
    close(fd);
    size_t len;
    char *data = ks_read_file(p, &len);
    struct ks_object *o = NULL;
    if (!data) {
        *why = "cannot read the entry";
    } else if (len < 8 + 32 || memcmp(data, ENTRY_MAGIC, 8) != 0) {
        *why = "entry rejected: bad magic";
    } else if (memcmp(data + 8, key, 32) != 0) {
        *why = "entry rejected: it belongs to another key";
    } else {
        o = ks_object_parse(data + 40, len - 40, why);
    }
    free(data);
    if (!o)
        unlink(p); /* corrupt or foreign: recompile and replace it */
    return o;
}

bool ks_cache_put(const struct ks_cache *c, const uint8_t key[32], const struct ks_object *o)
{
    if (!c->enabled)
        return false;
    char p[PATH_MAX + 80], tmp[PATH_MAX + 100];
    ks_cache_entry_path(c, key, p, sizeof(p));
    snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", p);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        ks_info("compile cache: cannot write %s: %s", tmp, strerror(errno));
        return false;
    }
    struct ks_buf b = {0};
    ks_buf_addn(&b, ENTRY_MAGIC, 8);
    ks_buf_addn(&b, key, 32);
    ks_object_serialize(o, &b);
    size_t off = 0;
    bool ok = true;
    while (off < b.len) {
        ssize_t w = write(fd, b.s + off, b.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ok = false;
            break;
        }
        off += (size_t)w;
    }
    ks_buf_free(&b);
    /* Concurrent runs each write their own temporary file; the last rename wins and
     * every version is complete. */
    if (close(fd) != 0 || !ok || rename(tmp, p) != 0) {
        ks_info("compile cache: cannot store %s", p);
        unlink(tmp);
        return false;
    }
    return true;
}
