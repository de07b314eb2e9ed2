#define _GNU_SOURCE
#include "ks_block.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "ks_features.h"
#include "ks_opts.h"
#include "ks_util.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The whole disks of the kernel in use, sorted, space-separated ("" when unreadable). */
static void known_disks(struct ks_buf *out)
{
    char p[600];
    DIR *d = opendir(ks_kernel_path(p, sizeof(p), "/sys/block"));
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        names = ks_xrealloc(names, (n + 1) * sizeof(*names));
        names[n++] = ks_xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        ks_buf_printf(out, "%s%s", i ? " " : "", names[i]);
        free(names[i]);
    }
    free(names);
}

uint32_t ks_block_disk_arg(const char *name)
{
    unsigned ma, mi;
    if (ks_kernel_block_dev(name, &ma, &mi))
        return (ma << 20) | mi;
    struct ks_buf list = {0};
    known_disks(&list);
    ks_usage_error("no such disk '%s'%s (known disks: %s)", ks_q(name),
                   ks_kernel_is_profile() ? " in the profile" : "",
                   list.s ? list.s : "none found in /sys/block");
}
