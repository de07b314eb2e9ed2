#define _GNU_SOURCE
#include "ks_sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ks_util.h"

int ks_online_cpus(int *cpus, int max)
{
    char *s = ks_read_file("/sys/devices/system/cpu/online", NULL);
    if (!s)
        return 0;
    int n = 0;
    char *p = s;
    while (*p && n < max) {
        char *end;
        long a = strtol(p, &end, 10);
        if (end == p)
            break;
        long b = a;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            p = end;
        }
        for (long c = a; c <= b && n < max; c++)
            cpus[n++] = (int)c;
        if (*p == ',')
            p++;
        else
            break;
    }
    free(s);
    return n;
}

struct disk {
    uint32_t dev;
    char name[32];
};
static struct disk *g_disks;
static size_t g_ndisks;
static bool g_disks_loaded;

/* /proc/partitions: "major minor #blocks name" for every disk and partition. */
static void load_disks(void)
{
    if (g_disks_loaded)
        return;
    g_disks_loaded = true;
    char *text = ks_read_file("/proc/partitions", NULL);
    if (!text)
        return;
    size_t cap = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned maj, min;
        unsigned long long blocks;
        char name[32];
        if (sscanf(line, " %u %u %llu %31s", &maj, &min, &blocks, name) != 4)
            continue;
        if (g_ndisks == cap) {
            cap = cap ? cap * 2 : 16;
            g_disks = ks_xrealloc(g_disks, cap * sizeof(*g_disks));
        }
        g_disks[g_ndisks].dev = (maj << 20) | min;
        snprintf(g_disks[g_ndisks].name, sizeof(g_disks[g_ndisks].name), "%s", name);
        g_ndisks++;
    }
    free(text);
}

const char *ks_disk_name(uint32_t kdev)
{
    load_disks();
    for (size_t i = 0; i < g_ndisks; i++)
        if (g_disks[i].dev == kdev)
            return g_disks[i].name;
    return "?";
}

bool ks_disk_dev(const char *name, uint32_t *kdev)
{
    load_disks();
    for (size_t i = 0; i < g_ndisks; i++)
        if (!strcmp(g_disks[i].name, name)) {
            *kdev = g_disks[i].dev;
            return true;
        }
    return false;
}

uint32_t ks_proc_ppid(uint32_t pid)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/%u/status", pid);
    char *s = ks_read_file(p, NULL);
    if (!s)
        return 0;
    uint32_t ppid = 0;
    char *line = strstr(s, "\nPPid:");
    if (line)
        ppid = (uint32_t)strtoul(line + 6, NULL, 10);
    free(s);
    return ppid;
}

const char *ks_time_str(char *buf, size_t size, const char *fmt)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, size, fmt, &tm);
    return buf;
}
