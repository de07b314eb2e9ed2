#define _GNU_SOURCE
#include "ks_ksyms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_util.h"

static struct ks_ksym *g_syms;
static size_t g_n;
static char *g_text; /* every name and module, in one block */
static bool g_loaded;

static int cmp_sym(const void *a, const void *b)
{
    const struct ks_ksym *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Lines are "ffffffff81000000 T _stext" or "ffffffffc0a01000 t foo\t[ext4]". Only code
 * symbols (t, T, w, W) can be in a stack; data symbols between them would only shadow
 * the function an address belongs to. */
long ks_ksyms_load(const char *path)
{
    free(g_syms);
    free(g_text);
    g_syms = NULL;
    g_text = NULL;
    g_n = 0;
    g_loaded = true;
    size_t len;
    g_text = ks_read_file(path, &len);
    if (!g_text)
        return -1;
    size_t cap = 0;
    char *save = NULL;
    for (char *line = strtok_r(g_text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *end;
        uint64_t addr = strtoull(line, &end, 16);
        if (end == line || *end != ' ' || !end[1] || end[2] != ' ')
            continue;
        char type = end[1];
        if (type != 't' && type != 'T' && type != 'w' && type != 'W')
            continue;
        char *name = end + 3;
        char *module = NULL;
        char *tab = strchr(name, '\t');
        if (tab) {
            *tab = '\0';
            module = tab + 1;
            while (*module == ' ' || *module == '\t')
                module++;
        }
        if (!addr || !*name)
            continue;
        if (g_n == cap) {
            cap = cap ? cap * 2 : 65536;
            g_syms = ks_xrealloc(g_syms, cap * sizeof(*g_syms));
        }
        g_syms[g_n++] = (struct ks_ksym){addr, name, module && *module ? module : NULL};
    }
    qsort(g_syms, g_n, sizeof(*g_syms), cmp_sym);
    return (long)g_n;
}

const struct ks_ksym *ks_ksym_find(uint64_t addr)
{
    if (!g_loaded)
        ks_ksyms_load("/proc/kallsyms");
    if (!g_n || addr < g_syms[0].addr)
        return NULL;
    size_t lo = 0, hi = g_n; /* the last symbol with addr <= the address */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (g_syms[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    /* Past the last symbol of the kernel image or a module there is no telling where the
     * code ends: an address more than 1 MiB beyond its nearest symbol is not its. */
    if (addr - g_syms[lo].addr > (1u << 20))
        return NULL;
    return &g_syms[lo];
}

uint64_t ks_ksym_addr(const char *name)
{
    if (!g_loaded)
        ks_ksyms_load("/proc/kallsyms");
    for (size_t i = 0; i < g_n; i++)
        if (!g_syms[i].module && !strcmp(g_syms[i].name, name))
            return g_syms[i].addr;
    return 0;
}

const char *ks_ksym_str(uint64_t addr, bool offset, bool module, char *buf, size_t size)
{
    const struct ks_ksym *s = ks_ksym_find(addr);
    if (!s) {
        snprintf(buf, size, "[unknown]");
        return buf;
    }
    int n = offset ? snprintf(buf, size, "%s+0x%llx", s->name,
                              (unsigned long long)(addr - s->addr))
                   : snprintf(buf, size, "%s", s->name);
    if (module && s->module && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " %s", s->module);
    return buf;
}
