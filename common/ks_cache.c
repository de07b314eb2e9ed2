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
#include <time.h>
#include <unistd.h>

#include "ks_compile.h"
#include "ks_features.h"
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

/* A file's content (or "missing") into the hash. */
static void hash_file(struct ks_sha256 *s, const char *label, const char *dir, const char *rel)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    size_t n = 0;
    char *data = ks_read_file(p, &n);
    uint8_t d[32];
    char hex[65] = "missing";
    if (data) {
        ks_sha256(data, n, d);
        ks_sha256_hex(d, hex);
    }
    free(data);
    hash_str(s, label, hex);
}

static bool put_text(const struct ks_cache *c, const char *name, const char *text);
static char *read_trusted(const char *p, size_t *len);
static bool is_hex(const char *s, size_t n);

/* A file's identity without reading it: any change to its content changes its ctime,
 * which no one can set back. False if it changed in the last two seconds: two writes within
 * one tick of the file system's clock could leave the same times. */
static bool hash_stat(struct ks_sha256 *s, const char *dir, const char *rel)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    struct stat st;
    char v[PATH_MAX + 256] = "missing";
    bool settled = true;
    if (stat(p, &st) == 0) {
        settled = time(NULL) - st.st_ctim.tv_sec >= 2;
        snprintf(v, sizeof(v), "%s %llu %llu %lld %lld.%09ld %lld.%09ld", p,
                 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                 (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                 (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
    }
    hash_str(s, rel, v);
    return settled;
}

static const char *const headers_files[][2] = {
    {"autoconf", "include/generated/autoconf.h"},
    {"version", "include/generated/uapi/linux/version.h"},
    {"utsrelease", "include/generated/utsrelease.h"},
    {"kconfig", "include/linux/kconfig.h"},
};

void ks_cache_headers_id(const struct ks_cache *c, const struct ks_headers *h, char id[65],
                         char *uts, size_t usize)
{
    /* The id hashes the files' content; hashing autoconf.h (~200 KB) took ~0.8 ms of every
     * start, so the cache remembers each id under the files' identity (<64 hex>.hdrid). */
    struct ks_sha256 s;
    char memo[PATH_MAX + 80] = "", name[80];
    bool settled = true;
    if (c && c->enabled) {
        ks_sha256_init(&s);
        hash_str(&s, "kscope-headers-stat", "1");
        for (size_t i = 0; i < sizeof(headers_files) / sizeof(headers_files[0]); i++)
            settled &= hash_stat(&s, i == 3 ? h->source : h->build, headers_files[i][1]);
        uint8_t d[32];
        char hex[65];
        ks_sha256_final(&s, d);
        ks_sha256_hex(d, hex);
        snprintf(name, sizeof(name), "%s.hdrid", hex);
        snprintf(memo, sizeof(memo), "%s/%s", c->dir, name);
        size_t n = 0;
        char *got = read_trusted(memo, &n);
        bool ok = got && n == 64 && is_hex(got, 64);
        if (ok) {
            memcpy(id, got, 64);
            id[64] = '\0';
        }
        free(got);
        if (ok)
            memo[0] = '\0'; /* found: nothing to store */
        else
            id[0] = '\0';
    } else {
        id[0] = '\0';
    }
    if (!id[0]) {
        ks_sha256_init(&s);
        hash_str(&s, "kscope-headers", "1");
        for (size_t i = 0; i < sizeof(headers_files) / sizeof(headers_files[0]); i++)
            hash_file(&s, headers_files[i][0], i == 3 ? h->source : h->build,
                      headers_files[i][1]);
        uint8_t d[32];
        ks_sha256_final(&s, d);
        ks_sha256_hex(d, id);
        if (memo[0] && settled)
            put_text(c, name, id);
    }
    if (uts && usize) {
        uts[0] = '\0';
        char p[PATH_MAX + 64];
        snprintf(p, sizeof(p), "%s/include/generated/utsrelease.h", h->build);
        char *text = ks_read_file(p, NULL);
        const char *q = text ? strstr(text, "UTS_RELEASE \"") : NULL;
        if (q) {
            q += strlen("UTS_RELEASE \"");
            snprintf(uts, usize, "%.*s", (int)strcspn(q, "\""), q);
        }
        free(text);
    }
}

void ks_cache_kernel_id(char id[65])
{
    struct ks_sha256 s;
    ks_sha256_init(&s);
    hash_str(&s, "release", ks_kernel_release());
    hash_str(&s, "machine", ks_kernel_machine());
    hash_str(&s, "procversion", ks_kernel_proc_version());
    uint8_t d[32];
    ks_sha256_final(&s, d);
    ks_sha256_hex(d, id);
}

void ks_cache_key(const char *text, const char *headers_id, const char *extra, uint8_t key[32])
{
    struct ks_sha256 s;
    ks_sha256_init(&s);
    hash_str(&s, "kscope-cache", "2");
    hash_str(&s, "text", text);
    hash_str(&s, "extra", extra);
    hash_str(&s, "libbcc", ks_libbcc_version());
    hash_str(&s, "release", ks_kernel_release());
    hash_str(&s, "machine", ks_kernel_machine());
    hash_str(&s, "procversion", ks_kernel_proc_version());
    hash_str(&s, "headers", headers_id);
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

/* ---- kernel notes, entry info, export, import, list ------------------------------------- */

/* Small text files beside the entries, written like entries (temporary file, rename). */
static bool put_text(const struct ks_cache *c, const char *name, const char *text)
{
    if (!c->enabled)
        return false;
    char p[PATH_MAX + 80], tmp[PATH_MAX + 100];
    snprintf(p, sizeof(p), "%s/%s", c->dir, name);
    snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", p);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return false;
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n;
    if (close(fd) != 0 || !ok || rename(tmp, p) != 0) {
        unlink(tmp);
        return false;
    }
    return true;
}

/* A file of the cache, read only when it is ours alone (the trust rule of entries). */
static char *read_trusted(const char *p, size_t *len)
{
    int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
              !(st.st_mode & (S_IWGRP | S_IWOTH)) && st.st_size < (64 << 20);
    close(fd);
    return ok ? ks_read_file(p, len) : NULL;
}


static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[n] == '\0' || s[n] == '.';
}

bool ks_cache_note_kernel(const struct ks_cache *c, const char *headers_id, bool struct_reads)
{
    char kid[65], name[80];
    ks_cache_kernel_id(kid);
    snprintf(name, sizeof(name), "%s.kernel", kid);
    const char *pv = ks_kernel_proc_version();
    struct ks_buf b = {0};
    ks_buf_printf(&b, "headers %s\nstruct-reads %d\nrelease %s\nmachine %s\nversion %.*s\n",
                  headers_id, struct_reads, ks_kernel_release(), ks_kernel_machine(),
                  (int)strcspn(pv, "\n"), pv);
    /* Unchanged: leave the file (and its time) alone. */
    char p[PATH_MAX + 80];
    snprintf(p, sizeof(p), "%s/%s", c->dir, name);
    char *old = c->enabled ? read_trusted(p, NULL) : NULL;
    bool ok = old && !strcmp(old, b.s);
    free(old);
    ok = ok || put_text(c, name, b.s);
    ks_buf_free(&b);
    return ok;
}

bool ks_cache_kernel_headers(const struct ks_cache *c, char headers_id[65], int *struct_reads)
{
    if (!c->enabled)
        return false;
    char kid[65], p[PATH_MAX + 80];
    ks_cache_kernel_id(kid);
    snprintf(p, sizeof(p), "%s/%s.kernel", c->dir, kid);
    char *text = read_trusted(p, NULL);
    bool ok = text && ks_text_field(text, "headers", headers_id, 65) && strlen(headers_id) == 64 &&
              is_hex(headers_id, 64);
    char v[8] = "";
    if (struct_reads)
        *struct_reads = ok && ks_text_field(text, "struct-reads", v, sizeof(v)) &&
                                (!strcmp(v, "0") || !strcmp(v, "1"))
                            ? v[0] - '0'
                            : -1;
    free(text);
    return ok;
}

bool ks_cache_put_info(const struct ks_cache *c, const uint8_t key[32], const char *tool,
                       const char *args)
{
    char kid[65], hex[65], name[80];
    ks_cache_kernel_id(kid);
    ks_sha256_hex(key, hex);
    snprintf(name, sizeof(name), "%s.info", hex);
    struct ks_buf b = {0};
    ks_buf_printf(&b, "kernel %s\nrelease %s\ntool %s\nargs %s\n", kid, ks_kernel_release(), tool,
                  args ? args : "");
    bool ok = put_text(c, name, b.s);
    ks_buf_free(&b);
    return ok;
}

/* Names in the cache dir ending in suffix whose stem is 64 hex digits. */
static char **list_names(const char *dir, const char *suffix, int *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **v = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strlen(e->d_name) != 64 + strlen(suffix) || strcmp(e->d_name + 64, suffix) ||
            !is_hex(e->d_name, 64))
            continue;
        v = ks_xrealloc(v, (size_t)(*n + 1) * sizeof(*v));
        v[(*n)++] = ks_xstrdup(e->d_name);
    }
    closedir(d);
    return v;
}

static void free_names(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int ks_cache_export(const struct ks_cache *c, const char *file, struct ks_buf *out,
                    struct ks_buf *err)
{
    if (!c->enabled) {
        ks_buf_printf(err, "the compile cache %s is not usable (see the warning above)", c->dir);
        return -1;
    }
    char list[] = "/tmp/kscope-export.XXXXXX";
    int fd = mkstemp(list);
    if (fd < 0) {
        ks_buf_printf(err, "cannot make a temporary file: %s", strerror(errno));
        return -1;
    }
    FILE *f = fdopen(fd, "w");
    int n = 0, nk = 0, ni = 0;
    static const char *const kinds[] = {".kso", ".info", ".kernel"};
    for (int k = 0; k < 3; k++) {
        int cnt;
        char **v = list_names(c->dir, kinds[k], &cnt);
        for (int i = 0; i < cnt; i++) {
            char p[PATH_MAX + 80];
            snprintf(p, sizeof(p), "%s/%s", c->dir, v[i]);
            char *data = read_trusted(p, NULL); /* only what this cache would load itself */
            if (!data)
                continue;
            free(data);
            fprintf(f, "%s\n", v[i]);
            *(k == 0 ? &n : k == 1 ? &ni : &nk) += 1;
        }
        free_names(v, cnt);
    }
    fclose(f);
    if (!n) {
        unlink(list);
        ks_buf_printf(err, "the compile cache %s has no entries to export", c->dir);
        return -1;
    }
    char tmp[PATH_MAX + 16], msg[512];
    snprintf(tmp, sizeof(tmp), "%s.tmp%d", file, (int)getpid());
    char *argv[] = {"tar", "-cJf", tmp, "-C", (char *)c->dir, "--owner=0", "--group=0",
                    "--numeric-owner", "--sort=name", "-T", list, NULL};
    int rc = ks_run(argv, msg, sizeof(msg));
    unlink(list);
    if (rc != 0 || rename(tmp, file) != 0) {
        ks_buf_printf(err, "cannot write %s: %s", file, rc ? msg : strerror(errno));
        unlink(tmp);
        return -1;
    }
    ks_buf_printf(out, "exported %d programs (%d kernels) from %s to %s\n", n, nk, c->dir, file);
    (void)ni;
    return 0;
}

/* An info or kernel file from elsewhere: short printable "key value" lines only. */
static bool plain_text(const char *s, size_t len)
{
    if (len == 0 || len > 4096 || s[len - 1] != '\n')
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
            return false;
    return true;
}

int ks_cache_import(const struct ks_cache *c, const char *file, struct ks_buf *out,
                    struct ks_buf *err)
{
    if (!c->enabled) {
        ks_buf_printf(err, "the compile cache %s is not usable (see the warning above)", c->dir);
        return -1;
    }
    char dir[] = "/tmp/kscope-import.XXXXXX";
    if (!mkdtemp(dir)) {
        ks_buf_printf(err, "cannot make a temporary directory: %s", strerror(errno));
        return -1;
    }
    char msg[512];
    char *argv[] = {"tar", "-xJf", (char *)file, "-C", dir, "--no-same-owner",
                    "--no-same-permissions", NULL};
    if (ks_run(argv, msg, sizeof(msg)) != 0) {
        ks_buf_printf(err, "%s cannot be unpacked (truncated, or not a kscope-cache export): %s",
                      file, msg[0] ? msg : "tar failed");
        ks_rmtree(dir);
        return -1;
    }
    int ok = 0, bad = 0, cnt;
    char **v = list_names(dir, ".kso", &cnt);
    for (int i = 0; i < cnt; i++) {
        char p[PATH_MAX + 80];
        snprintf(p, sizeof(p), "%s/%s", dir, v[i]);
        struct stat st;
        size_t len = 0;
        char *data = lstat(p, &st) == 0 && S_ISREG(st.st_mode) ? ks_read_file(p, &len) : NULL;
        uint8_t key[32];
        for (int b = 0; b < 32; b++)
            sscanf(v[i] + 2 * b, "%2hhx", &key[b]);
        const char *why = NULL;
        struct ks_object *o = NULL;
        if (!data)
            why = "not a regular file";
        else if (len < 8 + 32 || memcmp(data, ENTRY_MAGIC, 8) != 0)
            why = "not a kscope cache entry (bad magic)";
        else if (memcmp(data + 8, key, 32) != 0)
            why = "its key is not the one it is named by";
        else
            o = ks_object_parse(data + 40, len - 40, &why);
        if (o)
            why = NULL;
        free(data);
        /* Stored as ours, then read back through the cache's own checks. */
        if (o && !ks_cache_put(c, key, o))
            why = "cannot store it";
        const char *get_why = NULL;
        struct ks_object *back = o && !why ? ks_cache_get(c, key, &get_why) : NULL;
        if (o && !why && !back)
            why = get_why ? get_why : "the cache rejected it";
        if (back) {
            ok++;
            char ip[PATH_MAX + 80], name[80];
            snprintf(ip, sizeof(ip), "%s/%.64s.info", dir, v[i]);
            snprintf(name, sizeof(name), "%.64s.info", v[i]);
            char *info = lstat(ip, &st) == 0 && S_ISREG(st.st_mode) ? ks_read_file(ip, &len) : NULL;
            if (info && plain_text(info, len))
                put_text(c, name, info);
            free(info);
        } else {
            bad++;
            ks_buf_printf(out, "rejected %s: %s\n", v[i], why ? why : "invalid");
        }
        ks_object_free(back);
        ks_object_free(o);
    }
    free_names(v, cnt);
    int nk = 0;
    v = list_names(dir, ".kernel", &cnt);
    for (int i = 0; i < cnt; i++) {
        char p[PATH_MAX + 80], hid[80];
        snprintf(p, sizeof(p), "%s/%s", dir, v[i]);
        struct stat st;
        size_t len = 0;
        char *text = lstat(p, &st) == 0 && S_ISREG(st.st_mode) ? ks_read_file(p, &len) : NULL;
        if (text && plain_text(text, len) && ks_text_field(text, "headers", hid, sizeof(hid)) &&
            strlen(hid) == 64 && is_hex(hid, 64) && put_text(c, v[i], text))
            nk++;
        else
            ks_buf_printf(out, "rejected %s: not a kernel note\n", v[i]);
        free(text);
    }
    free_names(v, cnt);
    ks_rmtree(dir);
    ks_buf_printf(out, "imported %d programs (%d kernels) into %s%s\n", ok, nk, c->dir,
                  bad ? "" : "");
    if (bad) {
        ks_buf_printf(err, "%d of %d entries in %s were rejected (damaged or changed); the "
                           "others were imported",
                      bad, ok + bad, file);
        return -1;
    }
    if (!ok) {
        ks_buf_printf(err, "%s holds no cache entries", file);
        return -1;
    }
    return 0;
}

struct listed {
    char kernel[65], release[128], tool[64], args[512], key[13];
};

static int cmp_listed(const void *a, const void *b)
{
    const struct listed *x = a, *y = b;
    int r = strcmp(x->release, y->release);
    if (!r)
        r = strcmp(x->kernel, y->kernel);
    if (!r)
        r = strcmp(x->tool, y->tool);
    return r ? r : strcmp(x->args, y->args);
}

int ks_cache_list(const struct ks_cache *c, const char *kernel_id, struct ks_buf *out)
{
    if (!c->enabled)
        return 0;
    int cnt;
    char **v = list_names(c->dir, ".kso", &cnt);
    struct listed *l = ks_xcalloc((size_t)cnt + 1, sizeof(*l));
    int n = 0;
    for (int i = 0; i < cnt; i++) {
        char p[PATH_MAX + 80];
        snprintf(p, sizeof(p), "%s/%.64s.info", c->dir, v[i]);
        char *info = read_trusted(p, NULL);
        struct listed *e = &l[n];
        snprintf(e->key, sizeof(e->key), "%.12s", v[i]);
        if (!info || !ks_text_field(info, "kernel", e->kernel, sizeof(e->kernel)) ||
            !ks_text_field(info, "release", e->release, sizeof(e->release))) {
            snprintf(e->kernel, sizeof(e->kernel), "?");
            snprintf(e->release, sizeof(e->release), "(unknown kernel)");
        }
        if (!info || !ks_text_field(info, "tool", e->tool, sizeof(e->tool)))
            snprintf(e->tool, sizeof(e->tool), "?");
        if (info)
            ks_text_field(info, "args", e->args, sizeof(e->args));
        free(info);
        if (!kernel_id || !strcmp(kernel_id, e->kernel))
            n++;
    }
    free_names(v, cnt);
    qsort(l, (size_t)n, sizeof(*l), cmp_listed);
    char self[65];
    ks_cache_kernel_id(self);
    for (int i = 0; i < n; i++) {
        if (i == 0 || strcmp(l[i].kernel, l[i - 1].kernel)) {
            int k = 0;
            while (i + k < n && !strcmp(l[i + k].kernel, l[i].kernel))
                k++;
            char p[PATH_MAX + 80], ver[512] = "";
            snprintf(p, sizeof(p), "%s/%s.kernel", c->dir, l[i].kernel);
            char *note = read_trusted(p, NULL);
            if (note)
                ks_text_field(note, "version", ver, sizeof(ver));
            free(note);
            ks_buf_printf(out, "kernel %s%s: %d program%s%s%s\n", l[i].release,
                          !strcmp(l[i].kernel, self) ? " (this kernel)" : "", k, k == 1 ? "" : "s",
                          ver[0] ? "\n  " : "", ver);
        }
        ks_buf_printf(out, "  %-12s %-44s %s\n", l[i].tool, l[i].args[0] ? l[i].args : "(defaults)",
                      l[i].key);
    }
    free(l);
    return n;
}
