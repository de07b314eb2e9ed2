#define _GNU_SOURCE
#include "ks_syscall.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A few hundred entries, looked up a handful of times per output: a linear search is
 * simpler than an index and fast enough. */

static const char *name_of(const struct ks_name_nr *t, unsigned n, long nr)
{
    for (unsigned i = 0; i < n; i++)
        if (t[i].nr == nr)
            return t[i].name;
    return NULL;
}

static long nr_of(const struct ks_name_nr *t, unsigned n, const char *name)
{
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return t[i].nr;
    return -1;
}

const char *ks_syscall_name(long nr)
{
    return name_of(ks_syscall_table, ks_syscall_table_len, nr);
}

long ks_syscall_nr(const char *name)
{
    return nr_of(ks_syscall_table, ks_syscall_table_len, name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t ks_syscall_names(const char *const **names)
{
    static const char **sorted;
    if (!sorted) {
        sorted = malloc((ks_syscall_table_len + 1) * sizeof(*sorted));
        if (!sorted) {
            *names = NULL;
            return 0;
        }
        for (unsigned i = 0; i < ks_syscall_table_len; i++)
            sorted[i] = ks_syscall_table[i].name;
        qsort(sorted, ks_syscall_table_len, sizeof(*sorted), cmp_str);
    }
    *names = sorted;
    return ks_syscall_table_len;
}

const char *ks_errno_name(int err)
{
    return name_of(ks_errno_table, ks_errno_table_len, err);
}

int ks_errno_nr(const char *name)
{
    return (int)nr_of(ks_errno_table, ks_errno_table_len, name);
}

long ks_open_flag(const char *name)
{
    return nr_of(ks_open_flag_table, ks_open_flag_table_len, name);
}

/* The C library's abbreviations (glibc 2.32+), the names kill -l prints. */
const char *ks_signal_name(int sig)
{
    if (sig <= 0 || sig >= 65)
        return NULL;
    return sigabbrev_np(sig);
}

int ks_signal_nr(const char *name)
{
    char *end;
    long v = strtol(name, &end, 10);
    if (end != name && !*end)
        return v >= 1 && v <= 64 ? (int)v : -1;
    if (!strncasecmp(name, "SIG", 3))
        name += 3;
    for (int s = 1; s < 65; s++) {
        const char *n = ks_signal_name(s);
        if (n && !strcasecmp(n, name))
            return s;
    }
    return -1;
}
