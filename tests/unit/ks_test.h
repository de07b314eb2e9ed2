/* ks_test: the few helpers kscope's unit tests share. No framework: CHECK prints
 * file:line and the failing expression and carries on; ks_test_done() is the exit status. */
#ifndef KS_TEST_H
#define KS_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

extern int ks_test_failures;
extern int ks_test_checks;

void ks_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define CHECK(expr)                                                                          \
    do {                                                                                     \
        ks_test_checks++;                                                                    \
        if (!(expr))                                                                         \
            ks_test_fail(__FILE__, __LINE__, "CHECK(%s)", #expr);                            \
    } while (0)

/* Strings: both values are printed on failure. NULL never equals anything. */
#define CHECK_STREQ(a, b)                                                                    \
    do {                                                                                     \
        const char *ks_a_ = (a), *ks_b_ = (b);                                               \
        ks_test_checks++;                                                                    \
        if (!ks_a_ || !ks_b_ || strcmp(ks_a_, ks_b_) != 0)                                   \
            ks_test_fail(__FILE__, __LINE__, "CHECK_STREQ(%s, %s): \"%s\" != \"%s\"", #a, #b, \
                         ks_a_ ? ks_a_ : "(null)", ks_b_ ? ks_b_ : "(null)");                \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                          \
    do {                                                                                     \
        const char *ks_h_ = (hay), *ks_n_ = (needle);                                        \
        ks_test_checks++;                                                                    \
        if (!ks_h_ || !strstr(ks_h_, ks_n_))                                                 \
            ks_test_fail(__FILE__, __LINE__, "CHECK_CONTAINS(%s, \"%s\") in:\n%s", #hay,     \
                         ks_n_, ks_h_ ? ks_h_ : "(null)");                                   \
    } while (0)

#define CHECK_NOT_CONTAINS(hay, needle)                                                      \
    do {                                                                                     \
        const char *ks_h_ = (hay), *ks_n_ = (needle);                                        \
        ks_test_checks++;                                                                    \
        if (ks_h_ && strstr(ks_h_, ks_n_))                                                   \
            ks_test_fail(__FILE__, __LINE__, "CHECK_NOT_CONTAINS(%s, \"%s\") in:\n%s", #hay, \
                         ks_n_, ks_h_);                                                      \
    } while (0)

#define CHECK_INTEQ(a, b)                                                                    \
    do {                                                                                     \
        long long ks_a_ = (long long)(a), ks_b_ = (long long)(b);                            \
        ks_test_checks++;                                                                    \
        if (ks_a_ != ks_b_)                                                                  \
            ks_test_fail(__FILE__, __LINE__, "CHECK_INTEQ(%s, %s): %lld != %lld", #a, #b,     \
                         ks_a_, ks_b_);                                                      \
    } while (0)

/* Prints a summary; returns the process exit status (0, or 1 when anything failed). */
int ks_test_done(const char *name);

/* A fresh private directory under $TMPDIR (or /tmp). Aborts the test if it cannot. */
char *ks_test_tmpdir(void);
/* rm -rf, never following symbolic links. */
void ks_test_rmrf(const char *path);

/* Files under a root: rel may contain '/'; parent directories are created. */
void ks_test_mkdirs(const char *root, const char *rel);
void ks_test_write(const char *root, const char *rel, const char *text);
void ks_test_symlink(const char *target, const char *root, const char *rel);
/* root/rel -> buf */
const char *ks_test_path(char *buf, size_t size, const char *root, const char *rel);

/* realpath() of both, then compare: true when they name the same directory. */
bool ks_test_same_path(const char *a, const char *b);

/* Run fn(arg) in a child with stdout and stderr captured (together, up to 64 KiB).
 * Returns the exit status, 128 + signal number when it was killed; *out is malloc'ed. */
int ks_test_run_child(void (*fn)(void *), void *arg, char **out);

#endif
