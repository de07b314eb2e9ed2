/* Unit tests of ks_cache: which directories it accepts, put/get round trips, and that a
 * damaged, foreign or unsafe entry is never returned (and is removed). Only temporary
 * directories are touched. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ks_cache.h"
#include "ks_features.h"
#include "ks_test.h"
#include "ks_test_object.h"
#include "ks_util.h"

static void key_of(uint8_t key[32], int n)
{
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(n * 31 + i);
}

static bool entry_exists(const struct ks_cache *c, const uint8_t key[32])
{
    char p[PATH_MAX + 80];
    ks_cache_entry_path(c, key, p, sizeof(p));
    return ks_path_exists(p);
}

static char *read_entry(const struct ks_cache *c, const uint8_t key[32], size_t *len)
{
    char p[PATH_MAX + 80];
    ks_cache_entry_path(c, key, p, sizeof(p));
    return ks_read_file(p, len);
}

static void write_entry(const struct ks_cache *c, const uint8_t key[32], const void *data,
                        size_t len, mode_t mode)
{
    char p[PATH_MAX + 80];
    ks_cache_entry_path(c, key, p, sizeof(p));
    unlink(p);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) != 0) {
        perror(p);
        exit(99);
    }
    chmod(p, mode);
}

static int count_files(const char *dir, const char *containing)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' && strstr(e->d_name, containing))
            n++;
    closedir(d);
    return n;
}

static void test_open(void)
{
    char *dir = ks_test_tmpdir();
    struct ks_cache c;

    /* mkdtemp's 0700 directory, ours: used. */
    ks_cache_open(&c, dir, false);
    CHECK(c.enabled);
    CHECK_STREQ(c.dir, dir);

    /* --no-cache */
    ks_cache_open(&c, dir, true);
    CHECK(!c.enabled);

    /* Writable by others: a local user could plant programs for root to load. */
    chmod(dir, 0777);
    fprintf(stderr, "(a warning about an unsafe cache directory is expected here)\n");
    ks_cache_open(&c, dir, false);
    CHECK(!c.enabled);
    chmod(dir, 0770);
    ks_cache_open(&c, dir, false);
    CHECK(!c.enabled);
    chmod(dir, 0755); /* readable is fine, writable is not */
    ks_cache_open(&c, dir, false);
    CHECK(c.enabled);
    chmod(dir, 0700);

    /* A missing directory is created, private. */
    char sub[PATH_MAX];
    ks_test_path(sub, sizeof(sub), dir, "cache");
    ks_cache_open(&c, sub, false);
    CHECK(c.enabled);
    struct stat st;
    CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);

    /* ... but not its parents. */
    ks_test_path(sub, sizeof(sub), dir, "no/such/parent");
    ks_cache_open(&c, sub, false);
    CHECK(!c.enabled);

    /* A symbolic link to a good directory is refused (lstat). */
    char link[PATH_MAX], target[PATH_MAX];
    ks_test_path(target, sizeof(target), dir, "cache");
    ks_test_symlink(target, dir, "link");
    ks_test_path(link, sizeof(link), dir, "link");
    ks_cache_open(&c, link, false);
    CHECK(!c.enabled);

    /* A regular file is refused. */
    ks_test_write(dir, "file", "x");
    ks_test_path(sub, sizeof(sub), dir, "file");
    ks_cache_open(&c, sub, false);
    CHECK(!c.enabled);

    /* No --cache-dir: KSCOPE_CACHE_DIR. */
    ks_test_path(sub, sizeof(sub), dir, "cache");
    setenv("KSCOPE_CACHE_DIR", sub, 1);
    ks_cache_open(&c, NULL, false);
    CHECK(c.enabled);
    CHECK_STREQ(c.dir, sub);
    ks_cache_open(&c, "", false);
    CHECK_STREQ(c.dir, sub);
    /* --cache-dir wins over the environment. */
    ks_cache_open(&c, dir, false);
    CHECK_STREQ(c.dir, dir);
    unsetenv("KSCOPE_CACHE_DIR");

    ks_test_rmrf(dir);
    free(dir);
}

static void test_put_get(void)
{
    char *dir = ks_test_tmpdir();
    struct ks_cache c;
    ks_cache_open(&c, dir, false);
    CHECK(c.enabled);
    uint8_t ka[32], kb[32];
    key_of(ka, 1);
    key_of(kb, 2);

    /* Entry names: <dir>/<64 hex digits>.kso */
    char p[PATH_MAX + 80], want[PATH_MAX + 80];
    ks_cache_entry_path(&c, ka, p, sizeof(p));
    snprintf(want, sizeof(want), "%s/1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e.kso", dir);
    CHECK_STREQ(p, want);

    const char *why = NULL;
    CHECK(ks_cache_get(&c, ka, &why) == NULL);
    CHECK_STREQ(why, "no entry");

    struct ks_object *o = ks_test_object(0);
    CHECK(ks_cache_put(&c, ka, o));
    CHECK(entry_exists(&c, ka));
    struct stat st;
    CHECK(stat(p, &st) == 0 && (st.st_mode & 077) == 0);
    CHECK_INTEQ(count_files(dir, "tmp"), 0); /* no temporary file left */

    why = NULL;
    struct ks_object *g = ks_cache_get(&c, ka, &why);
    CHECK(g != NULL);
    CHECK(ks_test_object_equal(o, g));
    ks_object_free(g);
    /* Getting does not consume it. */
    g = ks_cache_get(&c, ka, &why);
    CHECK(g != NULL);
    ks_object_free(g);
    CHECK(ks_cache_get(&c, kb, &why) == NULL);

    /* Put again replaces. */
    struct ks_object *o1 = ks_test_object(1), *o2 = ks_test_object(2);
    CHECK(ks_cache_put(&c, ka, o1));
    CHECK(ks_cache_put(&c, kb, o2));
    g = ks_cache_get(&c, ka, &why);
    CHECK(ks_test_object_equal(o1, g));
    ks_object_free(g);
    g = ks_cache_get(&c, kb, &why);
    CHECK(ks_test_object_equal(o2, g));
    ks_object_free(g);
    CHECK_INTEQ(count_files(dir, ".kso"), 2);
    CHECK_INTEQ(count_files(dir, "tmp"), 0);

    /* A disabled cache neither stores nor returns. */
    struct ks_cache off;
    ks_cache_open(&off, dir, true);
    CHECK(!ks_cache_put(&off, ka, o));
    CHECK(ks_cache_get(&off, ka, &why) == NULL);
    CHECK_STREQ(why, "cache off");

    /* The cache directory vanished: put fails softly. */
    struct ks_cache gone = c;
    snprintf(gone.dir, sizeof(gone.dir), "%s/vanished", dir);
    CHECK(!ks_cache_put(&gone, ka, o));

    ks_object_free(o);
    ks_object_free(o1);
    ks_object_free(o2);
    ks_test_rmrf(dir);
    free(dir);
}

static void test_rejected_entries(void)
{
    char *dir = ks_test_tmpdir();
    struct ks_cache c;
    ks_cache_open(&c, dir, false);
    uint8_t ka[32], kb[32];
    key_of(ka, 1);
    key_of(kb, 2);
    struct ks_object *o = ks_test_object(0);
    const char *why;

    /* A flipped byte in the object: rejected and removed. */
    CHECK(ks_cache_put(&c, ka, o));
    size_t len;
    char *good = read_entry(&c, ka, &len);
    CHECK(good && len > 100);
    if (!good) {
        ks_test_rmrf(dir);
        exit(1);
    }
    char *bad = malloc(len);
    memcpy(bad, good, len);
    bad[len - 3] ^= 0x10;
    write_entry(&c, ka, bad, len, 0600);
    why = NULL;
    CHECK(ks_cache_get(&c, ka, &why) == NULL);
    CHECK_CONTAINS(why, "checksum");
    CHECK(!entry_exists(&c, ka));

    /* Truncated. */
    write_entry(&c, ka, good, len - 10, 0600);
    CHECK(ks_cache_get(&c, ka, &why) == NULL);
    CHECK(!entry_exists(&c, ka));
    write_entry(&c, ka, good, 20, 0600);
    CHECK(ks_cache_get(&c, ka, &why) == NULL);
    CHECK(!entry_exists(&c, ka));
    write_entry(&c, ka, good, 0, 0600);
    CHECK(ks_cache_get(&c, ka, &why) == NULL);
    CHECK(!entry_exists(&c, ka));

    /* The entry's own magic. */
    memcpy(bad, good, len);
    bad[0] ^= 1;
    write_entry(&c, ka, bad, len, 0600);
    CHECK(ks_cache_get(&c, ka, &why) == NULL);
    CHECK_CONTAINS(why, "bad magic");
    CHECK(!entry_exists(&c, ka));

    /* Key A's entry at key B's path: intact, but not B's. */
    write_entry(&c, kb, good, len, 0600);
    why = NULL;
    CHECK(ks_cache_get(&c, kb, &why) == NULL);
    CHECK_CONTAINS(why, "belongs to another key");
    CHECK(!entry_exists(&c, kb));

    /* Writable by others: rejected and removed, even though intact. */
    write_entry(&c, ka, good, len, 0666);
    CHECK(ks_cache_get(&c, ka, &why) == NULL);
    CHECK_CONTAINS(why, "rejected");
    CHECK(!entry_exists(&c, ka));

    /* A symbolic link in place of an entry is not followed. */
    char target[PATH_MAX], p[PATH_MAX + 80];
    write_entry(&c, kb, good, len, 0600); /* a file the link could point to */
    ks_cache_entry_path(&c, kb, target, sizeof(target));
    ks_cache_entry_path(&c, ka, p, sizeof(p));
    CHECK(symlink(target, p) == 0);
    CHECK(ks_cache_get(&c, ka, &why) == NULL);
    unlink(p);

    /* A directory in place of an entry. */
    CHECK(mkdir(p, 0700) == 0);
    CHECK(ks_cache_get(&c, ka, &why) == NULL);
    rmdir(p);

    /* And after all that, put and get work again. */
    CHECK(ks_cache_put(&c, ka, o));
    struct ks_object *g = ks_cache_get(&c, ka, &why);
    CHECK(ks_test_object_equal(o, g));
    ks_object_free(g);

    free(bad);
    free(good);
    ks_object_free(o);
    ks_test_rmrf(dir);
    free(dir);
}

/* Keys by content: the same headers in another place (a build machine's, a target's)
 * give the same key; changed headers, text or flags do not. */
static void content_key(const char *text, const struct ks_headers *h, const char *extra, uint8_t k[32])
{
    char id[65];
    ks_cache_headers_id(NULL, h, id, NULL, 0);
    ks_cache_key(text, id, extra, k);
}

/* A small split header tree in dir (src/ and build/) with one CONFIG_ option. */
static void fake_headers(const char *dir, struct ks_headers *h)
{
    ks_test_write(dir, "src/include/linux/kconfig.h", "/* kconfig */\n");
    ks_test_write(dir, "build/include/generated/autoconf.h", "#define CONFIG_X 1\n");
    ks_test_write(dir, "build/include/generated/utsrelease.h", "#define UTS_RELEASE \"9.9.9-test\"\n");
    memset(h, 0, sizeof(*h));
    ks_test_path(h->source, sizeof(h->source), dir, "src");
    ks_test_path(h->build, sizeof(h->build), dir, "build");
    h->split = true;
}

static void test_key(void)
{
    char *dir = ks_test_tmpdir();
    struct ks_headers h;
    fake_headers(dir, &h);

    uint8_t k1[32], k2[32];
    content_key("int x;", &h, "-DX=1", k1);
    content_key("int x;", &h, "-DX=1", k2);
    CHECK(!memcmp(k1, k2, 32));
    content_key("int y;", &h, "-DX=1", k2);
    CHECK(memcmp(k1, k2, 32) != 0);
    content_key("int x;", &h, "-DX=2", k2);
    CHECK(memcmp(k1, k2, 32) != 0);
    content_key("int x;", &h, NULL, k2);
    CHECK(memcmp(k1, k2, 32) != 0);
    /* The text/extra boundary is not ambiguous. */
    content_key("int x;-DX=1", &h, "", k2);
    CHECK(memcmp(k1, k2, 32) != 0);

    char uts[64];
    char id[65];
    ks_cache_headers_id(NULL, &h, id, uts, sizeof(uts));
    CHECK(!strcmp(uts, "9.9.9-test"));

    /* A copy elsewhere, with new inodes and times: the same key. */
    ks_test_write(dir, "copy/src/include/linux/kconfig.h", "/* kconfig */\n");
    ks_test_write(dir, "copy/build/include/generated/autoconf.h", "#define CONFIG_X 1\n");
    ks_test_write(dir, "copy/build/include/generated/utsrelease.h",
                  "#define UTS_RELEASE \"9.9.9-test\"\n");
    struct ks_headers hc = h;
    ks_test_path(hc.source, sizeof(hc.source), dir, "copy/src");
    ks_test_path(hc.build, sizeof(hc.build), dir, "copy/build");
    content_key("int x;", &hc, "-DX=1", k2);
    CHECK(!memcmp(k1, k2, 32));

    /* Other headers, or the same headers changed, make another key. */
    struct ks_headers h2 = h;
    ks_test_path(h2.source, sizeof(h2.source), dir, "build");
    content_key("int x;", &h2, "-DX=1", k2);
    CHECK(memcmp(k1, k2, 32) != 0);
    ks_test_write(dir, "build/include/generated/autoconf.h", "#define CONFIG_X 1\n#define CONFIG_Y 1\n");
    content_key("int x;", &h, "-DX=1", k2);
    CHECK(memcmp(k1, k2, 32) != 0);

    /* Another kernel (a profile's identity): another key. */
    content_key("int x;", &h, "-DX=1", k1);
    ks_features_set_kernel("9.9.9-test", "x86_64", "Linux version 9.9.9-test\n");
    content_key("int x;", &h, "-DX=1", k2);
    CHECK(memcmp(k1, k2, 32) != 0);
    ks_test_rmrf(dir);
    free(dir);
}

/* Item 8: a FIFO (or any non-regular file) in an entry's place never blocks and is not read. */
static void test_fifo_entry(void)
{
    char *dir = ks_test_tmpdir();
    struct ks_cache c;
    ks_cache_open(&c, dir, false);
    uint8_t ka[32];
    key_of(ka, 1);
    char p[PATH_MAX + 80];
    ks_cache_entry_path(&c, ka, p, sizeof(p));
    CHECK(mkfifo(p, 0600) == 0);
    alarm(5); /* a blocking open would hang here: fail by SIGALRM instead */
    const char *why = NULL;
    CHECK(ks_cache_get(&c, ka, &why) == NULL);
    alarm(0);
    CHECK_CONTAINS(why, "not a regular file");
    CHECK(!entry_exists(&c, ka)); /* removed, so the next store can take its place */
    struct ks_object *o = ks_test_object(0);
    CHECK(ks_cache_put(&c, ka, o));
    struct ks_object *g = ks_cache_get(&c, ka, &why);
    CHECK(ks_test_object_equal(o, g));
    ks_object_free(g);
    ks_object_free(o);
    ks_test_rmrf(dir);
    free(dir);
}

/* Item 9: an intact object that is not the one the tool attaches. */
static void test_fits(void)
{
    struct ks_object *o = ks_test_object(0);
    char why[256];
    struct ks_func_plan plan[2] = {
        {"tracepoint__syscalls__sys_enter_execve", BPF_PROG_TYPE_TRACEPOINT},
        {"kp_exec_exit", BPF_PROG_TYPE_KPROBE},
    };
    struct ks_map_need maps[2] = {{"events", BPF_MAP_TYPE_PERF_EVENT_ARRAY},
                                  {"start", BPF_MAP_TYPE_HASH}};
    CHECK(ks_cache_fits(o, plan, 2, maps, 2, why, sizeof(why)));
    CHECK(ks_cache_fits(o, plan, 2, NULL, 0, why, sizeof(why)));
    /* Another tool's programs. */
    struct ks_func_plan other[2] = {
        {"tracepoint__syscalls__sys_enter_openat", BPF_PROG_TYPE_TRACEPOINT},
        {"kp_exec_exit", BPF_PROG_TYPE_KPROBE},
    };
    CHECK(!ks_cache_fits(o, other, 2, maps, 2, why, sizeof(why)));
    CHECK_CONTAINS(why, "no program tracepoint__syscalls__sys_enter_openat");
    /* A program fewer or more. */
    CHECK(!ks_cache_fits(o, plan, 1, maps, 2, why, sizeof(why)));
    CHECK_CONTAINS(why, "holds 2 programs, the tool attaches 1");
    /* The same name as another type. */
    struct ks_func_plan kind[2] = {plan[0], {"kp_exec_exit", BPF_PROG_TYPE_TRACEPOINT}};
    CHECK(!ks_cache_fits(o, kind, 2, maps, 2, why, sizeof(why)));
    CHECK_CONTAINS(why, "has type");
    /* The event map of the other kind (ring buffer vs perf buffers), or missing. */
    struct ks_map_need ring = {"events", BPF_MAP_TYPE_RINGBUF};
    CHECK(!ks_cache_fits(o, plan, 2, &ring, 1, why, sizeof(why)));
    CHECK_CONTAINS(why, "map events has type");
    struct ks_map_need stat = {"events_stat", BPF_MAP_TYPE_PERCPU_ARRAY};
    CHECK(!ks_cache_fits(o, plan, 2, &stat, 1, why, sizeof(why)));
    CHECK_CONTAINS(why, "no map events_stat");
    ks_object_free(o);
}

/* Item 10: a cache that cannot be written warns once per run, with the reason and a fix. */
static void unwritable_child(void *arg)
{
    const char *dir = arg;
    struct ks_cache c;
    ks_cache_open(&c, dir, false);
    struct ks_object *o = ks_test_object(0);
    uint8_t ka[32];
    key_of(ka, 1);
    char p[PATH_MAX + 80];
    ks_cache_entry_path(&c, ka, p, sizeof(p));
    mkdir(p, 0700); /* a directory named like the entry */
    bool ok1 = ks_cache_put(&c, ka, o);
    bool ok2 = ks_cache_put(&c, ka, o);
    ks_object_free(o);
    exit(ok1 || ok2 ? 3 : 0);
}

static void test_unwritable(void)
{
    char *dir = ks_test_tmpdir();
    char *out = NULL;
    int st = ks_test_run_child(unwritable_child, dir, &out);
    CHECK_INTEQ(st, 0);
    CHECK_CONTAINS(out, "warning: compile cache: cannot store");
    CHECK_CONTAINS(out, "Is a directory");
    CHECK_CONTAINS(out, "a directory has the entry's name: remove it");
    /* Once per run, though two stores failed. */
    int n = 0;
    for (const char *w = out; w && (w = strstr(w, "warning:")); w++)
        n++;
    CHECK_INTEQ(n, 1);
    free(out);
    ks_test_rmrf(dir);
    free(dir);
}

static void toolong_child(void *arg)
{
    (void)arg;
    char dir[PATH_MAX];
    memset(dir, 'a', sizeof(dir) - 1);
    dir[0] = '/';
    dir[sizeof(dir) - 1] = '\0';
    struct ks_cache c;
    ks_cache_open(&c, dir, false);
    exit(c.enabled ? 3 : 0);
}

static void test_toolong(void)
{
    char *out = NULL;
    CHECK_INTEQ(ks_test_run_child(toolong_child, NULL, &out), 0);
    CHECK_CONTAINS(out, "File name too long");
    CHECK_CONTAINS(out, "use a shorter --cache-dir");
    free(out);
}

/* Item 11: temporaries of a store that died are removed once stale; fresh ones (a store in
 * progress) and other names are left alone. */
static void test_stale_tmps(void)
{
    char *dir = ks_test_tmpdir();
    struct ks_cache c;
    ks_cache_open(&c, dir, false);
    uint8_t ka[32], kb[32];
    key_of(ka, 1);
    key_of(kb, 2);
    char p[PATH_MAX + 80], old[PATH_MAX + 100], fresh[PATH_MAX + 100];
    ks_cache_entry_path(&c, kb, p, sizeof(p));
    snprintf(old, sizeof(old), "%s.tmpAbC123", p);
    snprintf(fresh, sizeof(fresh), "%s.tmpXyZ789", p);
    ks_cache_entry_path(&c, ka, p, sizeof(p));
    char *base = strrchr(old, '/') + 1, *fbase = strrchr(fresh, '/') + 1;
    ks_test_write(dir, base, "partial");
    ks_test_write(dir, fbase, "partial");
    ks_test_write(dir, "notes.tmpAbC123", "not ours");
    struct timeval tv[2] = {{time(NULL) - 3600, 0}, {time(NULL) - 3600, 0}};
    CHECK(utimes(old, tv) == 0);
    char other[PATH_MAX];
    ks_test_path(other, sizeof(other), dir, "notes.tmpAbC123");
    CHECK(utimes(other, tv) == 0);
    struct ks_object *o = ks_test_object(0);
    CHECK(ks_cache_put(&c, ka, o));
    CHECK(!ks_path_exists(old));
    CHECK(ks_path_exists(fresh));
    CHECK(ks_path_exists(other));
    ks_object_free(o);
    ks_test_rmrf(dir);
    free(dir);
}

/* Item 12: only a directory of the cache's own is used. */
static void test_dedicated(void)
{
    char *dir = ks_test_tmpdir();
    struct ks_cache c;
    char sub[PATH_MAX];

    /* / and /etc: full of other things. */
    fprintf(stderr, "(warnings about directories that are not the cache's are expected)\n");
    ks_cache_open(&c, "/", false);
    CHECK(!c.enabled);
    ks_cache_open(&c, "/etc", false);
    CHECK(!c.enabled);

    /* A directory holding someone's files. */
    ks_test_write(dir, "home/notes.txt", "mine");
    ks_test_path(sub, sizeof(sub), dir, "home");
    chmod(sub, 0700);
    ks_cache_open(&c, sub, false);
    CHECK(!c.enabled);

    /* An empty directory is taken and tagged; files may then appear beside the entries. */
    ks_test_mkdirs(dir, "empty");
    ks_test_path(sub, sizeof(sub), dir, "empty");
    chmod(sub, 0700);
    ks_cache_open(&c, sub, false);
    CHECK(c.enabled);
    char tag[PATH_MAX];
    ks_test_path(tag, sizeof(tag), sub, "CACHEDIR.TAG");
    char *t = ks_read_file(tag, NULL);
    CHECK_CONTAINS(t, "Signature: 8a477f597d28d172789f06886806bc55");
    free(t);
    ks_test_write(sub, "index", "x");
    ks_cache_open(&c, sub, false);
    CHECK(c.enabled);

    /* A cache from before the tag: entries only. */
    ks_test_mkdirs(dir, "old/kheaders/kheaders-1.0");
    ks_test_write(dir, "old/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff.kso", "x");
    ks_test_write(dir, "old/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff.info", "x");
    ks_test_path(sub, sizeof(sub), dir, "old");
    chmod(sub, 0700);
    ks_cache_open(&c, sub, false);
    CHECK(c.enabled);

    /* A forged tag (someone else's cache) is not kscope's. */
    ks_test_write(dir, "other/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n");
    ks_test_write(dir, "other/data", "x");
    ks_test_path(sub, sizeof(sub), dir, "other");
    chmod(sub, 0700);
    ks_cache_open(&c, sub, false);
    CHECK(!c.enabled);
    ks_test_rmrf(dir);
    free(dir);
}

/* Item 13: with the cache off, kheaders goes to a private directory, new for each run. */
static void test_kheaders_dir(void)
{
    char *dir = ks_test_tmpdir();
    struct ks_cache c;
    char a[PATH_MAX + 16], b[PATH_MAX + 16];
    bool priv;
    ks_cache_open(&c, dir, false);
    CHECK_STREQ(ks_cache_kheaders_dir(&c, a, sizeof(a), &priv), strcat(strcpy(b, dir), "/kheaders"));
    CHECK(!priv);

    ks_cache_open(&c, dir, true);
    setenv("TMPDIR", dir, 1);
    CHECK(ks_cache_kheaders_dir(&c, a, sizeof(a), &priv) == a);
    CHECK(priv);
    CHECK(ks_cache_kheaders_dir(&c, b, sizeof(b), &priv) == b);
    CHECK(strcmp(a, b) != 0);
    CHECK_CONTAINS(a, "/kscope-kheaders.");
    struct stat st;
    CHECK(lstat(a, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700 &&
          st.st_uid == geteuid());
    /* A name planted beforehand changes nothing: the fixed name is never used. */
    CHECK(strcmp(a, "/tmp/kscope-kheaders") != 0);
    ks_rmtree(a);
    CHECK(!ks_path_exists(a));
    unsetenv("TMPDIR");
    ks_test_rmrf(dir);
    free(dir);
}

/* The headers' id is remembered in the cache under the files' identity: the same id as
 * hashing them, not stored while a file is fresh (its times may not yet tell a change),
 * used once stored, and not used once a file changes. */
static int count_suffix(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strlen(e->d_name) > strlen(suffix) &&
            !strcmp(e->d_name + strlen(e->d_name) - strlen(suffix), suffix))
            n++;
    if (d)
        closedir(d);
    return n;
}

static void test_headers_memo(void)
{
    char *dir = ks_test_tmpdir();
    struct ks_headers h;
    fake_headers(dir, &h);
    char cdir[PATH_MAX];
    ks_test_path(cdir, sizeof(cdir), dir, "cache");
    struct ks_cache c;
    ks_cache_open(&c, cdir, false);
    CHECK(c.enabled);

    char id0[65], id[65];
    ks_cache_headers_id(NULL, &h, id0, NULL, 0);
    ks_cache_headers_id(&c, &h, id, NULL, 0);
    CHECK(!strcmp(id, id0));
    CHECK(count_suffix(cdir, ".hdrid") == 0); /* the files are seconds old: not stored */
    sleep(2);
    ks_cache_headers_id(&c, &h, id, NULL, 0);
    CHECK(!strcmp(id, id0));
    CHECK(count_suffix(cdir, ".hdrid") == 1);
    /* Used: a planted value comes back. */
    DIR *d = opendir(cdir);
    char memo[PATH_MAX + 300] = "";
    for (struct dirent *e; d && (e = readdir(d));)
        if (strstr(e->d_name, ".hdrid"))
            snprintf(memo, sizeof(memo), "%s/%s", cdir, e->d_name);
    if (d)
        closedir(d);
    FILE *f = fopen(memo, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", f);
        fclose(f);
    }
    ks_cache_headers_id(&c, &h, id, NULL, 0);
    CHECK(!strcmp(id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    /* A changed file: hashed again, the new content's id. */
    ks_test_write(dir, "build/include/generated/autoconf.h", "#define CONFIG_X 1\n#define CONFIG_Y 1\n");
    ks_cache_headers_id(&c, &h, id, NULL, 0);
    ks_cache_headers_id(NULL, &h, id0, NULL, 0);
    CHECK(!strcmp(id, id0));
    CHECK(strcmp(id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") != 0);
    ks_test_rmrf(dir);
    free(dir);
}

int main(void)
{
    unsetenv("KSCOPE_CACHE_DIR");
    /* First: the warning comes once per process, and children inherit whether it came. */
    test_unwritable();
    test_toolong();
    test_open();
    test_put_get();
    test_rejected_entries();
    test_key();
    test_headers_memo();
    test_fifo_entry();
    test_fits();
    test_stale_tmps();
    test_dedicated();
    test_kheaders_dir();
    return ks_test_done("unit-cache");
}
