#define _GNU_SOURCE
#include "ks_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_compile.h"
#include "ks_features.h"
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

void ks_cache_headers_id(const struct ks_headers *h, char id[65], char *uts, size_t usize)
{
    struct ks_sha256 s;
    ks_sha256_init(&s);
    hash_str(&s, "kscope-headers", "1");
    hash_file(&s, "autoconf", h->build, "include/generated/autoconf.h");
    hash_file(&s, "version", h->build, "include/generated/uapi/linux/version.h");
    hash_file(&s, "utsrelease", h->build, "include/generated/utsrelease.h");
    hash_file(&s, "kconfig", h->source, "include/linux/kconfig.h");
    uint8_t d[32];
    ks_sha256_final(&s, d);
    ks_sha256_hex(d, id);
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

bool ks_cache_note_kernel(const struct ks_cache *c, const char *headers_id)
{
    char kid[65], name[80];
    ks_cache_kernel_id(kid);
    snprintf(name, sizeof(name), "%s.kernel", kid);
    const char *pv = ks_kernel_proc_version();
    struct ks_buf b = {0};
    ks_buf_printf(&b, "headers %s\nrelease %s\nmachine %s\nversion %.*s\n", headers_id,
                  ks_kernel_release(), ks_kernel_machine(), (int)strcspn(pv, "\n"), pv);
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

bool ks_cache_kernel_headers(const struct ks_cache *c, char headers_id[65])
{
    if (!c->enabled)
        return false;
    char kid[65], p[PATH_MAX + 80];
    ks_cache_kernel_id(kid);
    snprintf(p, sizeof(p), "%s/%s.kernel", c->dir, kid);
    char *text = read_trusted(p, NULL);
    bool ok = text && ks_text_field(text, "headers", headers_id, 65) && strlen(headers_id) == 64 &&
              is_hex(headers_id, 64);
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
        ks_rm_tree(dir);
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
    ks_rm_tree(dir);
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
