#define _GNU_SOURCE
#include "ks_usyms.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_util.h"

struct sym {
    uint64_t addr, size;
    const char *name;
};

/* One mapped file, shared by every process that maps it. */
struct elf_file {
    dev_t dev;
    ino_t ino;
    struct elf_file *next;
    struct sym *syms;
    size_t nsyms;
    char *names; /* the string pool the symbols point into */
    size_t names_len, names_cap;
    /* Loadable segments, to turn a file offset into the address symbols use. */
    struct {
        uint64_t off, vaddr, filesz;
    } seg[16];
    int nseg;
};

struct mapping {
    uint64_t start, end, pgoff;
    struct elf_file *file; /* NULL: not a file we could read */
};

struct proc {
    uint32_t pid;
    struct proc *next;
    struct mapping *maps;
    size_t nmaps;
    struct sym *jit; /* /tmp/perf-PID.map */
    size_t njit;
    char *jit_names;
    bool refreshed; /* one re-read of the maps for an address none covered */
};

#define NBUCKET 1024
static struct proc *g_procs[NBUCKET];
static struct elf_file *g_files[NBUCKET];
static unsigned g_nprocs, g_nfiles;

void ks_usyms_stats(unsigned *procs, unsigned *files)
{
    *procs = g_nprocs;
    *files = g_nfiles;
}

static int cmp_sym(const void *a, const void *b)
{
    const struct sym *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    /* At one address prefer the sized symbol (a function over an alias label). */
    return x->size > y->size ? -1 : x->size < y->size;
}

static const struct sym *find_sym(const struct sym *s, size_t n, uint64_t addr)
{
    if (!n || addr < s[0].addr)
        return NULL;
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    /* Several symbols may share the address: take the first, sorted sized-first. */
    while (lo > 0 && s[lo - 1].addr == s[lo].addr)
        lo--;
    if (s[lo].size && addr >= s[lo].addr + s[lo].size)
        return NULL;
    return &s[lo];
}

static const char *pool_add(struct elf_file *f, const char *name)
{
    size_t n = strlen(name) + 1;
    if (f->names_len + n > f->names_cap) {
        /* Symbols keep offsets until the pool stops moving; see fix_names(). */
        f->names_cap = (f->names_len + n) * 2 + 4096;
        f->names = ks_xrealloc(f->names, f->names_cap);
    }
    memcpy(f->names + f->names_len, name, n);
    const char *off = (const char *)(uintptr_t)f->names_len;
    f->names_len += n;
    return off;
}

/* The function symbols of one symbol table section. */
static void read_symtab(struct elf_file *f, Elf *e, Elf_Scn *scn, GElf_Shdr *sh)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !sh->sh_entsize)
        return;
    size_t n = sh->sh_size / sh->sh_entsize;
    f->syms = ks_xrealloc(f->syms, (f->nsyms + n) * sizeof(*f->syms));
    for (size_t i = 0; i < n; i++) {
        GElf_Sym s;
        if (!gelf_getsym(d, (int)i, &s))
            continue;
        int type = GELF_ST_TYPE(s.st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF ||
            !s.st_value)
            continue;
        const char *name = elf_strptr(e, sh->sh_link, s.st_name);
        if (!name || !*name)
            continue;
        f->syms[f->nsyms++] = (struct sym){s.st_value, s.st_size, pool_add(f, name)};
    }
}

/* Find a section by type; with a name too when given. */
static Elf_Scn *find_scn(Elf *e, unsigned type, const char *name, GElf_Shdr *out)
{
    size_t shstrndx;
    if (elf_getshdrstrndx(e, &shstrndx) != 0)
        return NULL;
    for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
        if (!gelf_getshdr(scn, out) || out->sh_type != type)
            continue;
        const char *n = elf_strptr(e, shstrndx, out->sh_name);
        if (!name || (n && !strcmp(n, name)))
            return scn;
    }
    return NULL;
}

/* The GNU build id, as lowercase hex. */
static bool build_id(Elf *e, char *hex, size_t size)
{
    GElf_Shdr sh;
    for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        size_t off = 0, name_off, desc_off;
        GElf_Nhdr nh;
        while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
            if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
                memcmp((char *)d->d_buf + name_off, "GNU", 4) || nh.n_descsz * 2 + 1 > size)
                continue;
            const unsigned char *b = (const unsigned char *)d->d_buf + desc_off;
            for (size_t i = 0; i < nh.n_descsz; i++)
                sprintf(hex + 2 * i, "%02x", b[i]);
            return nh.n_descsz > 1;
        }
    }
    return false;
}

/* Open the separate debug file of e (located at path, under root), or -1. */
static int open_debug_file(Elf *e, const char *root, const char *path)
{
    char p[PATH_MAX], id[128];
    int fd;
    if (build_id(e, id, sizeof(id))) {
        const char *roots[] = {root, ""};
        for (int r = 0; r < 2; r++) {
            snprintf(p, sizeof(p), "%s/usr/lib/debug/.build-id/%.2s/%s.debug", roots[r], id,
                     id + 2);
            if ((fd = open(p, O_RDONLY | O_CLOEXEC)) >= 0)
                return fd;
        }
    }
    GElf_Shdr sh;
    Elf_Scn *scn = find_scn(e, SHT_PROGBITS, ".gnu_debuglink", &sh);
    Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
    if (!d || !d->d_size || !memchr(d->d_buf, 0, d->d_size))
        return -1;
    const char *link = d->d_buf;
    if (strchr(link, '/'))
        return -1; /* a plain file name, by definition */
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    /* Under the process's root first (a container's own files), then as the host sees
     * the path (a chroot: /proc/PID/maps shows paths from the reader's root). */
    const char *fmts[] = {"%s%s/%s", "%s%s/.debug/%s", "%s/usr/lib/debug%s/%s"};
    const char *roots[] = {root, ""};
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 3; i++) {
            snprintf(p, sizeof(p), fmts[i], roots[r], dir, link);
            if (strcmp(p, path) && (fd = open(p, O_RDONLY | O_CLOEXEC)) >= 0)
                return fd;
        }
    return -1;
}

static void load_elf(struct elf_file *f, int fd, const char *root, const char *path)
{
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!e || elf_kind(e) != ELF_K_ELF) {
        if (e)
            elf_end(e);
        return;
    }
    size_t nph = 0;
    elf_getphdrnum(e, &nph);
    for (size_t i = 0; i < nph && f->nseg < 16; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD) {
            f->seg[f->nseg].off = ph.p_offset;
            f->seg[f->nseg].vaddr = ph.p_vaddr;
            f->seg[f->nseg].filesz = ph.p_filesz;
            f->nseg++;
        }
    }
    GElf_Shdr sh;
    Elf_Scn *scn = find_scn(e, SHT_SYMTAB, NULL, &sh);
    if (scn) {
        read_symtab(f, e, scn, &sh);
    } else {
        /* Stripped: the debug file's .symtab has the same addresses. */
        int dfd = open_debug_file(e, root, path);
        if (dfd >= 0) {
            Elf *de = elf_begin(dfd, ELF_C_READ_MMAP, NULL);
            GElf_Shdr dsh;
            Elf_Scn *ds = de ? find_scn(de, SHT_SYMTAB, NULL, &dsh) : NULL;
            if (ds)
                read_symtab(f, de, ds, &dsh);
            if (de)
                elf_end(de);
            close(dfd);
        }
        if (!f->nsyms && (scn = find_scn(e, SHT_DYNSYM, NULL, &sh)))
            read_symtab(f, e, scn, &sh);
    }
    elf_end(e);
    for (size_t i = 0; i < f->nsyms; i++)
        f->syms[i].name = f->names + (uintptr_t)f->syms[i].name;
    qsort(f->syms, f->nsyms, sizeof(*f->syms), cmp_sym);
}

/* The file's symbols, loaded once per (device, inode). */
static struct elf_file *get_file(int fd, const char *root, const char *path)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return NULL;
    unsigned b = (unsigned)(st.st_ino ^ st.st_dev) % NBUCKET;
    for (struct elf_file *f = g_files[b]; f; f = f->next)
        if (f->dev == st.st_dev && f->ino == st.st_ino)
            return f;
    static bool elf_ready;
    if (!elf_ready) {
        elf_version(EV_CURRENT);
        elf_ready = true;
    }
    struct elf_file *f = ks_xcalloc(1, sizeof(*f));
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    load_elf(f, fd, root, path);
    f->next = g_files[b];
    g_files[b] = f;
    g_nfiles++;
    return f;
}

/* /tmp/perf-PID.map: "START SIZE name" in hex, written by JITs (perf's convention). The
 * file is in the process's /tmp, named with its pid as its own namespace sees it. */
static void load_perf_map(struct proc *p, const char *root)
{
    char path[PATH_MAX];
    uint32_t nspid = p->pid;
    snprintf(path, sizeof(path), "/proc/%u/status", p->pid);
    char *st = ks_read_file(path, NULL);
    char *l = st ? strstr(st, "\nNSpid:") : NULL;
    if (l) {
        char *end = strchr(l + 1, '\n');
        if (end)
            *end = '\0';
        char *last = strrchr(l, '\t');
        if (last)
            nspid = (uint32_t)strtoul(last + 1, NULL, 10);
    }
    free(st);
    snprintf(path, sizeof(path), "%s/tmp/perf-%u.map", root, nspid);
    char *text = ks_read_file(path, NULL);
    if (!text)
        return;
    p->jit_names = text;
    size_t cap = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *a, *b;
        uint64_t start = strtoull(line, &a, 16);
        uint64_t size = strtoull(a, &b, 16);
        if (a != line && b != a && *b == ' ') {
            if (p->njit == cap) {
                cap = cap ? cap * 2 : 256;
                p->jit = ks_xrealloc(p->jit, cap * sizeof(*p->jit));
            }
            p->jit[p->njit++] = (struct sym){start, size, b + 1};
        }
        line = nl ? nl + 1 : NULL;
    }
    qsort(p->jit, p->njit, sizeof(*p->jit), cmp_sym);
}

/* Read /proc/PID/maps: executable file mappings only (code is what stacks hold). */
static void snapshot(struct proc *p)
{
    char path[PATH_MAX], root[64];
    snprintf(root, sizeof(root), "/proc/%u/root", p->pid);
    snprintf(path, sizeof(path), "/proc/%u/maps", p->pid);
    FILE *fp = fopen(path, "re");
    if (!fp)
        return; /* gone, or not ours to read: its frames print as [unknown] */
    free(p->maps);
    p->maps = NULL;
    p->nmaps = 0;
    size_t cap = 0;
    char line[PATH_MAX + 128];
    while (fgets(line, sizeof(line), fp)) {
        unsigned long long start, end, off;
        char perms[8];
        int name_at = 0;
        if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off,
                   &name_at) < 4 ||
            !strchr(perms, 'x'))
            continue;
        char *name = name_at ? line + name_at : NULL;
        if (name)
            name[strcspn(name, "\n")] = '\0';
        struct elf_file *f = NULL;
        if (name && name[0] == '/') {
            char *del = strstr(name, " (deleted)");
            if (del)
                *del = '\0';
            char fp2[PATH_MAX + 64];
            snprintf(fp2, sizeof(fp2), "%s%s", root, name);
            int fd = del ? -1 : open(fp2, O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                /* Deleted or replaced since: the mapping itself still opens. */
                snprintf(fp2, sizeof(fp2), "/proc/%u/map_files/%llx-%llx", p->pid, start, end);
                fd = open(fp2, O_RDONLY | O_CLOEXEC);
            }
            if (fd >= 0) {
                f = get_file(fd, root, name);
                close(fd);
            }
        }
        if (p->nmaps == cap) {
            cap = cap ? cap * 2 : 32;
            p->maps = ks_xrealloc(p->maps, cap * sizeof(*p->maps));
        }
        p->maps[p->nmaps++] = (struct mapping){start, end, off, f};
    }
    fclose(fp);
    if (!p->jit)
        load_perf_map(p, root);
}

static struct proc *get_proc(uint32_t pid, bool *created)
{
    unsigned b = pid % NBUCKET;
    for (struct proc *p = g_procs[b]; p; p = p->next)
        if (p->pid == pid)
            return p;
    struct proc *p = ks_xcalloc(1, sizeof(*p));
    p->pid = pid;
    p->next = g_procs[b];
    g_procs[b] = p;
    g_nprocs++;
    *created = true;
    return p;
}

void ks_usyms_note(uint32_t pid)
{
    bool created = false;
    struct proc *p = get_proc(pid, &created);
    if (created)
        snapshot(p);
}

/* The symbol, and in *at the address in the symbols' terms (the file's, for a file). */
static const struct sym *lookup(struct proc *p, uint64_t addr, uint64_t *at)
{
    *at = addr;
    for (size_t i = 0; i < p->nmaps; i++) {
        struct mapping *m = &p->maps[i];
        if (addr < m->start || addr >= m->end)
            continue;
        if (!m->file)
            break; /* anonymous code: a JIT's, named by its perf map if anything */
        uint64_t off = addr - m->start + m->pgoff;
        for (int s = 0; s < m->file->nseg; s++) {
            if (off >= m->file->seg[s].off &&
                off < m->file->seg[s].off + m->file->seg[s].filesz) {
                *at = off - m->file->seg[s].off + m->file->seg[s].vaddr;
                return find_sym(m->file->syms, m->file->nsyms, *at);
            }
        }
        return NULL;
    }
    return find_sym(p->jit, p->njit, addr);
}

const char *ks_usym_str(uint32_t pid, uint64_t addr, bool offset, char *buf, size_t size)
{
    bool created = false;
    struct proc *p = get_proc(pid, &created);
    if (created)
        snapshot(p);
    uint64_t at;
    const struct sym *s = lookup(p, addr, &at);
    if (!s && !p->refreshed) {
        /* A library loaded after the snapshot (dlopen) or a newer JIT map: look again,
         * once, if the process is still there. */
        p->refreshed = true;
        snapshot(p);
        s = lookup(p, addr, &at);
    }
    if (!s)
        snprintf(buf, size, "[unknown]");
    else if (offset)
        snprintf(buf, size, "%s+0x%llx", s->name, (unsigned long long)(at - s->addr));
    else
        snprintf(buf, size, "%s", s->name);
    return buf;
}

long ks_usyms_file_funcs(const char *path,
                         bool (*fn)(const char *name, uint64_t off, void *ctx), void *ctx)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct elf_file *f = get_file(fd, "", path);
    close(fd);
    if (!f || !f->nseg)
        return -1;
    long n = 0;
    for (size_t i = 0; i < f->nsyms; i++) {
        const struct sym *s = &f->syms[i];
        /* The symbol's address is in the file's load address space: the segment holding
         * it gives its place in the file. */
        for (int k = 0; k < f->nseg; k++) {
            if (s->addr < f->seg[k].vaddr || s->addr >= f->seg[k].vaddr + f->seg[k].filesz)
                continue;
            n++;
            if (!fn(s->name, s->addr - f->seg[k].vaddr + f->seg[k].off, ctx))
                return n;
            break;
        }
    }
    return n;
}
