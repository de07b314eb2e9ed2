#define _GNU_SOURCE
#include "ks_syscall.h"

#include <stdlib.h>
#include <string.h>

/* A few hundred entries, looked up a handful of times per output: a linear search is
 * simpler than an index and fast enough. */

const char *ks_syscall_name(long nr)
{
    for (unsigned i = 0; i < ks_syscall_table_len; i++)
        if (ks_syscall_table[i].nr == nr)
            return ks_syscall_table[i].name;
    return NULL;
}

long ks_syscall_nr(const char *name)
{
    for (unsigned i = 0; i < ks_syscall_table_len; i++)
        if (!strcmp(ks_syscall_table[i].name, name))
            return ks_syscall_table[i].nr;
    return -1;
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
    for (unsigned i = 0; i < ks_errno_table_len; i++)
        if (ks_errno_table[i].nr == err)
            return ks_errno_table[i].name;
    return NULL;
}

int ks_errno_nr(const char *name)
{
    for (unsigned i = 0; i < ks_errno_table_len; i++)
        if (!strcmp(ks_errno_table[i].name, name))
            return (int)ks_errno_table[i].nr;
    return -1;
}
