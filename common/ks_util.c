#define _GNU_SOURCE
#include "ks_util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *ks_prog = "kscope";
int ks_verbose;

void ks_set_prog(const char *name)
{
    const char *slash = strrchr(name, '/');
    ks_prog = slash ? slash + 1 : name;
}

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
    /* stdout may hold buffered events: keep the order a person sees sensible. */
    fflush(stdout);
    fprintf(stderr, "%s: %s", ks_prog, kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void ks_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("error: ", fmt, ap);
    va_end(ap);
}

void ks_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

void ks_info(const char *fmt, ...)
{
    if (!ks_verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void *ks_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", ks_prog);
        abort();
    }
    return p;
}

void *ks_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", ks_prog);
        abort();
    }
    return p;
}

void *ks_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", ks_prog);
        abort();
    }
    return p;
}

char *ks_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(ks_xmalloc(n), s, n);
}

static void buf_reserve(struct ks_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->s = ks_xrealloc(b->s, cap);
    b->cap = cap;
}

void ks_buf_addn(struct ks_buf *b, const void *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void ks_buf_add(struct ks_buf *b, const char *s)
{
    ks_buf_addn(b, s, strlen(s));
}

void ks_buf_printf(struct ks_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ks_buf_free(struct ks_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

bool ks_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool ks_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

char *ks_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = ks_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap)
            buf = ks_xrealloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            free(buf);
            close(fd);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

bool ks_path_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

bool ks_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool ks_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

uint64_t ks_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t ks_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *ks_join(char *buf, size_t size, const char *prefix, const char *path)
{
    snprintf(buf, size, "%s%s", prefix ? prefix : "", path);
    return buf;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(p);
    else
        unlink(p);
    return 0;
}

void ks_rmtree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int ks_run(char *const argv[], char *msg, size_t size)
{
    int pe[2];
    if (pipe2(pe, O_CLOEXEC) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pe[1], 2);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pe[1]);
    struct ks_buf e = {0};
    char chunk[4096];
    ssize_t r;
    while ((r = read(pe[0], chunk, sizeof(chunk))) > 0 || (r < 0 && errno == EINTR))
        if (r > 0)
            ks_buf_addn(&e, chunk, (size_t)r);
    close(pe[0]);
    int st = 0;
    if (pid > 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    if (msg && size) {
        snprintf(msg, size, "%s", e.s ? e.s : "");
        msg[strcspn(msg, "\n")] = '\0';
    }
    ks_buf_free(&e);
    return pid < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

bool ks_text_field(const char *text, const char *key, char *out, size_t size)
{
    size_t n = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, key, n) && l[n] == ' ') {
            snprintf(out, size, "%.*s", (int)strcspn(l + n + 1, "\n"), l + n + 1);
            return true;
        }
    return false;
}
