#include "ks_pagecache.h"

#include <stdlib.h>
#include <string.h>

#include "ks_features.h"

void ks_pagecache_configure(struct ks_run *r, struct ks_probe *probes)
{
    if (!ks_tracepoint_exists("writeback", "writeback_dirty_folio") &&
        ks_tracepoint_exists("writeback", "writeback_dirty_page")) {
        probes[KS_PC_APD].tp = "writeback:writeback_dirty_page";
        ks_define(r, "APD_TP_PAGE", 1, "writeback_dirty_page: the kernel's name before folios");
    }
}

double ks_meminfo_mb(const char *meminfo, const char *key)
{
    size_t n = strlen(key);
    for (const char *l = meminfo; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        if (!strncmp(l, key, n) && l[n] == ':')
            return (double)strtoull(l + n + 1, NULL, 10) / 1024.0;
    return 0;
}
