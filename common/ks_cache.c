#define _GNU_SOURCE
#include "ks_cache.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ks_compile.h"
#include "ks_sha256.h"

#define ENTRY_MAGIC "KSCACHE1"
/* The Cache Directory Tagging signature (bford.info/cachedir), so backup tools skip the
 * cache, and a second line that makes it kscope's: the mark of a dedicated directory. */
#define TAG_NAME "CACHEDIR.TAG"
#define TAG_TEXT                                                                           \
    "Signature: 8a477f597d28d172789f06886806bc55\n"                                         \
    "# kscope compile cache: compiled BPF programs, safe to delete.\n"
/* A temporary entry older than this was left by a writer that died (a store takes ms). */
#define STALE_TMP_SECONDS 600

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

/* An entry, <64 hex>.kso, or its temporary, <64 hex>.kso.tmpXXXXXX. */
static bool entry_name(const char *n, bool *tmp)
{
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)n[i]) || isupper((unsigned char)n[i]))
            return false;
    if (strncmp(n + 64, ".kso", 4))
        return false;
    *tmp = n[68] != '\0';
    return !*tmp || (!strncmp(n + 68, ".tmp", 4) && strlen(n + 72) == 6);
}

/* Anything named after a key (<64 hex>.kso, .info, ...), the tag, and kheaders/. */
static bool ours(const char *n)
{
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)n[i]) || isupper((unsigned char)n[i]))
            return !strcmp(n, TAG_NAME) || !strcmp(n, "kheaders");
    return n[64] == '.';
}

static bool has_tag(const char *dir)
{
    char p[PATH_MAX + 32];
    snprintf(p, sizeof(p), "%s/" TAG_NAME, dir);
    int fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[sizeof(TAG_TEXT)];
    struct stat st;
    ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, sizeof(buf) - 1) : -1;
    close(fd);
    return n == (ssize_t)sizeof(TAG_TEXT) - 1 && !memcmp(buf, TAG_TEXT, sizeof(TAG_TEXT) - 1);
}

/* A cache directory must be the cache's alone: entries are deleted and replaced there, so
 * --cache-dir / or /etc must not be taken. Accepted: a directory kscope tagged
 * (CACHEDIR.TAG with kscope's line), or one that holds nothing but kscope's own names
 * (empty, or a cache from before the tag); that one is tagged now. */
static bool dir_is_dedicated(const char *dir, char *why, size_t size)
{
    if (has_tag(dir))
        return true;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(why, size, "cannot list it: %s", strerror(errno));
        return false;
    }
    const char *foreign = NULL;
    for (struct dirent *e; !foreign && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !ours(e->d_name))
            foreign = e->d_name;
    if (foreign) {
        snprintf(why, size, "it holds files that are not kscope's (such as '%s')", foreign);
        closedir(d);
        return false;
    }
    closedir(d);
    char p[PATH_MAX + 32];
    snprintf(p, sizeof(p), "%s/" TAG_NAME, dir);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (write(fd, TAG_TEXT, sizeof(TAG_TEXT) - 1) != (ssize_t)sizeof(TAG_TEXT) - 1)
            unlink(p);
        close(fd);
    }
    return true;
}

/* One warning per run for a cache that cannot be written, with what to do about it. */
static bool g_store_warned;

static void warn_unwritable(const char *what, const char *path, int e)
{
    if (g_store_warned)
        return;
    g_store_warned = true;
    const char *fix;
    switch (e) {
    case EROFS:
        fix = "the file system is read-only: use --cache-dir on a writable one, or --no-cache";
        break;
    case EPERM:
        fix = "the directory is immutable or append-only (lsattr -d; chattr -i -a), or use "
              "--no-cache";
        break;
    case ENOSPC:
    case EDQUOT:
        fix = "the file system is full: free space, or use --cache-dir elsewhere";
        break;
    case EISDIR:
    case ENOTEMPTY:
    case EEXIST:
        fix = "a directory has the entry's name: remove it";
        break;
    case ENAMETOOLONG:
        fix = "the path is too long: use a shorter --cache-dir";
        break;
    case ENOENT:
    case ENOTDIR:
        fix = "its parent directory does not exist: create it, or use --cache-dir elsewhere";
        break;
    case EACCES:
        fix = "permission denied: run as the directory's owner, or use --cache-dir";
        break;
    default:
        fix = "use --cache-dir elsewhere, or --no-cache";
        break;
    }
    ks_warn("compile cache: cannot %s %s: %s; every start compiles until this is fixed (%s)",
            what, path, strerror(e), fix);
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
    if (strlen(dir) >= sizeof(c->dir) - 100) {
        warn_unwritable("use", dir, ENAMETOOLONG);
        return;
    }
    snprintf(c->dir, sizeof(c->dir), "%s", dir);
    if (mkdir(c->dir, 0700) != 0 && errno != EEXIST) {
        warn_unwritable("create", c->dir, errno);
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
    char reason[PATH_MAX + 100];
    if (!dir_is_dedicated(c->dir, reason, sizeof(reason))) {
        ks_warn("not using the compile cache %s: %s. The cache needs a directory of its own: "
                "a new or empty one (kscope marks it with " TAG_NAME ").",
                c->dir, reason);
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

/* Read an open entry whole. */
static char *read_fd(int fd, size_t size, size_t *len)
{
    char *data = ks_xmalloc(size + 1);
    size_t off = 0;
    while (off < size) {
        ssize_t n = read(fd, data + off, size - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    *len = off;
    return data;
}

struct ks_object *ks_cache_get(const struct ks_cache *c, const uint8_t key[32], const char **why)
{
    *why = "cache off";
    if (!c->enabled)
        return NULL;
    char p[PATH_MAX + 80];
    ks_cache_entry_path(c, key, p, sizeof(p));
    /* O_NONBLOCK: a FIFO (or device) named like the entry must not block the open; the
     * type is checked on what was opened, and the bytes are read from that same file. */
    int fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *why = errno == ENOENT ? "no entry" : "cannot open the entry";
        if (errno == ELOOP)
            unlink(p);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & (S_IWGRP | S_IWOTH)) || st.st_size > (64 << 20)) {
        close(fd);
        *why = "entry rejected: not a regular file owned by us and writable by us only";
        unlink(p); /* a FIFO, device or unsafe file; a directory stays (unlink fails) */
        return NULL;
    }
    size_t len;
    char *data = read_fd(fd, (size_t)st.st_size, &len);
    close(fd);
    struct ks_object *o = NULL;
    if (len < 8 + 32 || memcmp(data, ENTRY_MAGIC, 8) != 0) {
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

const char *ks_cache_kheaders_dir(const struct ks_cache *c, char *buf, size_t size, bool *private)
{
    *private = false;
    if (c->enabled) {
        snprintf(buf, size, "%s/kheaders", c->dir);
        return buf;
    }
    /* No cache to keep kheaders.tar.xz unpacked in: a directory of this run's own, never
     * a fixed name in /tmp that another user could have created first. */
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, size, "%s/kscope-kheaders.XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
    if (!mkdtemp(buf))
        return NULL;
    *private = true;
    return buf;
}

void ks_cache_drop(const struct ks_cache *c, const uint8_t key[32])
{
    if (!c->enabled)
        return;
    char p[PATH_MAX + 80];
    ks_cache_entry_path(c, key, p, sizeof(p));
    unlink(p);
}

bool ks_cache_fits(const struct ks_object *o, const struct ks_func_plan *plan, int nplan,
                   const struct ks_map_need *maps, int nmaps, char *why, size_t size)
{
    for (int i = 0; i < nplan; i++) {
        uint32_t k = 0;
        while (k < o->nprogs && strcmp(o->progs[k].name, plan[i].func))
            k++;
        if (k == o->nprogs) {
            snprintf(why, size, "it has no program %s", plan[i].func);
            return false;
        }
        if (o->progs[k].type != (uint32_t)plan[i].prog_type) {
            snprintf(why, size, "its program %s has type %u, the tool attaches type %d",
                     plan[i].func, o->progs[k].type, plan[i].prog_type);
            return false;
        }
    }
    if (o->nprogs != (uint32_t)nplan) {
        snprintf(why, size, "it holds %u programs, the tool attaches %d", o->nprogs, nplan);
        return false;
    }
    for (int i = 0; i < nmaps; i++) {
        const struct ks_map_def *m = ks_object_map(o, maps[i].name);
        if (!m) {
            snprintf(why, size, "it has no map %s", maps[i].name);
            return false;
        }
        if (m->type != maps[i].type) {
            snprintf(why, size, "its map %s has type %u, the tool needs type %u", maps[i].name,
                     m->type, maps[i].type);
            return false;
        }
    }
    return true;
}

/* Temporaries whose writer died (SIGKILL during a store) would stay forever: remove ours
 * once they are clearly too old to belong to a store in progress. */
static void remove_stale_tmps(const struct ks_cache *c)
{
    DIR *d = opendir(c->dir);
    if (!d)
        return;
    time_t now = time(NULL);
    for (struct dirent *e; (e = readdir(d));) {
        bool tmp;
        struct stat st;
        if (!entry_name(e->d_name, &tmp) || !tmp)
            continue;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            now - st.st_mtime > STALE_TMP_SECONDS) {
            unlinkat(dirfd(d), e->d_name, 0);
            ks_info("compile cache: removed a stale temporary file %s/%s", c->dir, e->d_name);
        }
    }
    closedir(d);
}

bool ks_cache_put(const struct ks_cache *c, const uint8_t key[32], const struct ks_object *o)
{
    if (!c->enabled)
        return false;
    remove_stale_tmps(c);
    char p[PATH_MAX + 80], tmp[PATH_MAX + 100];
    ks_cache_entry_path(c, key, p, sizeof(p));
    snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", p);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        warn_unwritable("write in", c->dir, errno);
        return false;
    }
    struct ks_buf b = {0};
    ks_buf_addn(&b, ENTRY_MAGIC, 8);
    ks_buf_addn(&b, key, 32);
    ks_object_serialize(o, &b);
    size_t off = 0;
    int e = 0;
    while (off < b.len) {
        ssize_t w = write(fd, b.s + off, b.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            e = w < 0 ? errno : ENOSPC;
            break;
        }
        off += (size_t)w;
    }
    ks_buf_free(&b);
    if (close(fd) != 0 && !e)
        e = errno;
    /* Concurrent runs each write their own temporary file; the last rename wins and
     * every version is complete. */
    if (!e && rename(tmp, p) != 0)
        e = errno;
    if (e) {
        warn_unwritable("store", p, e);
        unlink(tmp);
        return false;
    }
    return true;
}
