#define _GNU_SOURCE
#include "ks_test.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ks_util.h"

int ks_test_failures;
int ks_test_checks;

void ks_test_fail(const char *file, int line, const char *fmt, ...)
{
    ks_test_failures++;
    fflush(stdout);
    fprintf(stderr, "%s:%d: FAILED: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int ks_test_done(const char *name)
{
    fflush(stdout);
    if (ks_test_failures) {
        fprintf(stderr, "%s: %d of %d checks FAILED\n", name, ks_test_failures, ks_test_checks);
        return 1;
    }
    printf("%s: all %d checks passed\n", name, ks_test_checks);
    return 0;
}

static void die(const char *what, const char *path)
{
    fprintf(stderr, "test setup: %s %s: %s\n", what, path, strerror(errno));
    exit(99);
}

char *ks_test_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof(tmpl), "%s/kscope-unit.XXXXXX", t && *t ? t : "/tmp");
    char *d = mkdtemp(tmpl);
    if (!d)
        die("mkdtemp", tmpl);
    return strdup(d);
}

void ks_test_rmrf(const char *path)
{
    if (path && *path && strcmp(path, "/") != 0)
        ks_rmtree(path);
}

const char *ks_test_path(char *buf, size_t size, const char *root, const char *rel)
{
    snprintf(buf, size, "%s/%s", root, rel);
    return buf;
}

void ks_test_mkdirs(const char *root, const char *rel)
{
    char p[PATH_MAX];
    ks_test_path(p, sizeof(p), root, rel);
    for (char *s = p + strlen(root) + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            die("mkdir", p);
        *s = '/';
    }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        die("mkdir", p);
}

static void mkparent(const char *root, const char *rel)
{
    char r[PATH_MAX];
    snprintf(r, sizeof(r), "%s", rel);
    char *slash = strrchr(r, '/');
    if (slash) {
        *slash = '\0';
        ks_test_mkdirs(root, r);
    }
}

void ks_test_write(const char *root, const char *rel, const char *text)
{
    mkparent(root, rel);
    char p[PATH_MAX];
    ks_test_path(p, sizeof(p), root, rel);
    FILE *f = fopen(p, "w");
    if (!f)
        die("fopen", p);
    fputs(text, f);
    if (fclose(f) != 0)
        die("write", p);
}

void ks_test_symlink(const char *target, const char *root, const char *rel)
{
    mkparent(root, rel);
    char p[PATH_MAX];
    ks_test_path(p, sizeof(p), root, rel);
    if (symlink(target, p) != 0)
        die("symlink", p);
}

bool ks_test_same_path(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    if (!a || !b || !realpath(a, ra) || !realpath(b, rb))
        return false;
    return strcmp(ra, rb) == 0;
}

int ks_test_run_child(void (*fn)(void *), void *arg, char **out)
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe", "");
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        die("fork", "");
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[1]);
        fn(arg);
        fflush(stdout);
        fflush(stderr);
        _exit(0);
    }
    close(fds[1]);
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        ssize_t r = read(fds[0], buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n == cap) {
            char sink[4096];
            while (read(fds[0], sink, sizeof(sink)) > 0)
                ;
            break;
        }
    }
    buf[n] = '\0';
    close(fds[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            die("waitpid", "");
    *out = buf;
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}
