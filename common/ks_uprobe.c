#define _GNU_SOURCE
#include "ks_uprobe.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_usyms.h"

/* Does this ELF file suit this machine (class and architecture of kscope itself)? ld.so's
 * cache lists 32-bit libraries too. */
static bool elf_for_us(const char *path)
{
    unsigned char h[20];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, h, sizeof(h));
    close(fd);
    if (n != (ssize_t)sizeof(h) || memcmp(h, ELFMAG, SELFMAG))
        return false;
    static const unsigned char *self;
    static unsigned char me[20];
    if (!self) {
        fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && read(fd, me, sizeof(me)) == (ssize_t)sizeof(me))
            self = me;
        if (fd >= 0)
            close(fd);
        if (!self)
            return true;
    }
    /* e_ident[EI_CLASS], e_ident[EI_DATA] and e_machine (bytes 18-19). */
    return h[EI_CLASS] == me[EI_CLASS] && h[EI_DATA] == me[EI_DATA] && h[18] == me[18] &&
           h[19] == me[19];
}

/* A library's file name matches a user's name: "c" and "libc" match libc.so.6 and
 * libc.so; a name with ".so" in it must be the whole file name. */
static bool lib_matches(const char *file, const char *name)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    if (strstr(name, ".so"))
        return !strcmp(base, name);
    char want[256];
    snprintf(want, sizeof(want), "%s%s.so", strncmp(name, "lib", 3) ? "lib" : "", name);
    size_t n = strlen(want);
    return !strncmp(base, want, n) && (base[n] == '\0' || base[n] == '.');
}

/* In the process's mappings: the path as the process sees it, opened from here through
 * its root (a container's files). */
static bool find_in_maps(const char *name, long pid, char *out, size_t size)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/%ld/maps", pid);
    FILE *f = fopen(p, "re");
    if (!f)
        return false;
    char line[PATH_MAX + 128];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        char *path = strchr(line, '/');
        if (!path)
            continue;
        path[strcspn(path, "\n")] = '\0';
        if (!lib_matches(path, name))
            continue;
        if (ks_is_file(path))
            snprintf(out, size, "%s", path);
        else
            snprintf(out, size, "/proc/%ld/root%s", pid, path);
        found = true;
    }
    fclose(f);
    return found;
}

/* glibc's /etc/ld.so.cache, the "glibc-ld.so.cache1.1" format (glibc 2.32+ writes only
 * it; older ones put it after the old "ld.so-1.7.0" table). Its entries name the library
 * (key) and its path (value) by offsets from the start of that header. */
static bool find_in_ldcache(const char *name, char *out, size_t size)
{
    size_t len = 0;
    char *c = ks_read_file("/etc/ld.so.cache", &len);
    if (!c)
        return false;
    static const char magic[] = "glibc-ld.so.cache1.1";
    size_t at = 0;
    if (len > 16 && !memcmp(c, "ld.so-1.7.0", 11)) {
        uint32_t nold;
        memcpy(&nold, c + 12, 4);
        at = (16 + (size_t)nold * 12 + 7) & ~(size_t)7; /* aligned to 8 */
    }
    bool found = false;
    if (at + 48 <= len && !memcmp(c + at, magic, sizeof(magic) - 1)) {
        uint32_t nlibs;
        memcpy(&nlibs, c + at + 20, 4);
        for (uint32_t i = 0; i < nlibs && !found; i++) {
            size_t e = at + 48 + (size_t)i * 24;
            if (e + 24 > len)
                break;
            uint32_t key, value;
            memcpy(&key, c + e + 4, 4);
            memcpy(&value, c + e + 8, 4);
            if (at + key >= len || at + value >= len || !memchr(c + at + key, 0, len - at - key) ||
                !memchr(c + at + value, 0, len - at - value))
                continue;
            const char *path = c + at + value;
            if (lib_matches(c + at + key, name) && elf_for_us(path)) {
                snprintf(out, size, "%s", path);
                found = true;
            }
        }
    }
    free(c);
    return found;
}

static const char *const lib_dirs[] = {
#if defined(__x86_64__)
    "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
#elif defined(__aarch64__)
    "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
#endif
    "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib",
};

static bool find_in_dirs(const char *name, char *out, size_t size)
{
    /* The names a library's file has: libNAME.so.N first, the development link after. */
    for (size_t d = 0; d < sizeof(lib_dirs) / sizeof(lib_dirs[0]); d++) {
        char p[PATH_MAX];
        if (strstr(name, ".so")) {
            snprintf(p, sizeof(p), "%s/%s", lib_dirs[d], name);
            if (elf_for_us(p)) {
                snprintf(out, size, "%s", p);
                return true;
            }
            continue;
        }
        const char *pre = strncmp(name, "lib", 3) ? "lib" : "";
        for (int v = 9; v >= -1; v--) {
            if (v >= 0)
                snprintf(p, sizeof(p), "%s/%s%s.so.%d", lib_dirs[d], pre, name, v);
            else
                snprintf(p, sizeof(p), "%s/%s%s.so", lib_dirs[d], pre, name);
            if (elf_for_us(p)) {
                snprintf(out, size, "%s", p);
                return true;
            }
        }
    }
    return false;
}

static bool find_program(const char *name, long pid, char *out, size_t size)
{
    if (pid >= 0) {
        char p[64], exe[PATH_MAX];
        snprintf(p, sizeof(p), "/proc/%ld/exe", pid);
        ssize_t n = readlink(p, exe, sizeof(exe) - 1);
        if (n > 0) {
            exe[n] = '\0';
            const char *base = strrchr(exe, '/');
            if (base && !strcmp(base + 1, name)) {
                snprintf(out, size, "%s", ks_is_file(exe) ? exe : p);
                return true;
            }
        }
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
    while (*path) {
        size_t n = strcspn(path, ":");
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%.*s/%s", (int)n, path, name);
        if (n && access(p, X_OK) == 0 && elf_for_us(p)) {
            snprintf(out, size, "%s", p);
            return true;
        }
        path += n + (path[n] == ':');
    }
    return false;
}

bool ks_uprobe_find(const char *name, long pid, char *out, size_t size, struct ks_buf *err)
{
    if (!name || !*name) {
        ks_buf_add(err, "no library or program named");
        return false;
    }
    if (strchr(name, '/')) {
        if (!ks_is_file(name)) {
            ks_buf_printf(err, "no file '%s' (%s)", name, strerror(errno ? errno : ENOENT));
            return false;
        }
        if (!elf_for_us(name)) {
            ks_buf_printf(err, "'%s' is not an ELF file for this machine", name);
            return false;
        }
        /* Absolute, so that -v and the kernel agree on what it is. */
        char *abs = realpath(name, NULL);
        snprintf(out, size, "%s", abs ? abs : name);
        free(abs);
        return true;
    }
    const char *lib = !strcmp(name, "c") ? "libc" : name;
    if ((pid >= 0 && find_in_maps(lib, pid, out, size)) || find_in_ldcache(lib, out, size) ||
        find_in_dirs(lib, out, size) || find_program(name, pid, out, size))
        return true;
    ks_buf_printf(err,
                  "cannot find library or program '%s' (searched %s/etc/ld.so.cache, %s and "
                  "the other library directories, and PATH); give its path instead",
                  name, pid >= 0 ? "the process's maps, " : "", lib_dirs[0]);
    return false;
}

bool ks_uprobe_find_mapped(const char *name, long pid, char *out, size_t size,
                           struct ks_buf *err)
{
    if (pid < 0 || (name && strchr(name, '/')))
        return ks_uprobe_find(name, pid, out, size, err);
    const char *lib = !strcmp(name, "c") ? "libc" : name;
    if (find_in_maps(lib, pid, out, size))
        return true;
    if (!strcmp(lib, "libc"))
        ks_buf_printf(err, "it maps no C library (a static binary has no C library to probe)");
    else
        ks_buf_printf(err, "it maps no '%s' (a static binary has no libraries to probe)", name);
    return false;
}

struct func_find {
    const char *func;
    uint64_t off;
    bool found;
};

static bool match_func(const char *name, uint64_t off, void *ctx)
{
    struct func_find *f = ctx;
    /* .dynsym names may carry a version ("malloc@@GLIBC_2.2.5"). */
    size_t n = strlen(f->func);
    if (strncmp(name, f->func, n) || (name[n] && name[n] != '@'))
        return true;
    f->off = off;
    f->found = true;
    return false;
}

bool ks_uprobe_func_offset(const char *path, const char *func, uint64_t *off,
                           struct ks_buf *err)
{
    struct func_find f = {.func = func};
    long n = ks_usyms_file_funcs(path, match_func, &f);
    if (n < 0) {
        ks_buf_printf(err, "cannot read ELF symbols from %s", path);
        return false;
    }
    if (!f.found) {
        ks_buf_printf(err, "no function '%s' in %s (%ld function symbols)", func, path, n);
        return false;
    }
    *off = f.off;
    return true;
}

/* A link-time address to its file offset, through the loadable segments. */
static bool vaddr_to_off(Elf *e, uint64_t vaddr, uint64_t *off)
{
    size_t nph = 0;
    elf_getphdrnum(e, &nph);
    for (size_t i = 0; i < nph; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
            vaddr < ph.p_vaddr + ph.p_filesz) {
            *off = vaddr - ph.p_vaddr + ph.p_offset;
            return true;
        }
    }
    return false;
}

long ks_usdt_each(const char *path, bool (*fn)(const struct ks_usdt_note *n, void *ctx),
                  void *ctx)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!e || elf_kind(e) != ELF_K_ELF) {
        if (e)
            elf_end(e);
        close(fd);
        return -1;
    }
    size_t shstrndx = 0;
    elf_getshdrstrndx(e, &shstrndx);
    /* Prelinked files moved the code: .stapsdt.base says by how much. */
    uint64_t base_now = 0;
    bool have_base = false;
    for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
        GElf_Shdr sh;
        const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
        if (n && !strcmp(n, ".stapsdt.base")) {
            base_now = sh.sh_addr;
            have_base = true;
        }
    }
    long count = 0;
    bool go = true;
    for (Elf_Scn *scn = elf_nextscn(e, NULL); scn && go; scn = elf_nextscn(e, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
            continue;
        const char *sn = elf_strptr(e, shstrndx, sh.sh_name);
        if (!sn || strcmp(sn, ".note.stapsdt"))
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        size_t off = 0, name_off, desc_off;
        GElf_Nhdr nh;
        while (go && d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
            /* NT_STAPSDT (3), owner "stapsdt": pc, base, semaphore (8 bytes each on 64-bit
             * files), then provider, name and arguments as C strings. */
            const char *desc = (const char *)d->d_buf + desc_off;
            if (nh.n_type != 3 || nh.n_namesz != 8 ||
                memcmp((char *)d->d_buf + name_off, "stapsdt", 8) || nh.n_descsz < 27)
                continue;
            uint64_t pc, base, sem;
            memcpy(&pc, desc, 8);
            memcpy(&base, desc + 8, 8);
            memcpy(&sem, desc + 16, 8);
            const char *end = desc + nh.n_descsz;
            const char *prov = desc + 24;
            const char *name = memchr(prov, 0, (size_t)(end - prov));
            const char *args = name ? memchr(name + 1, 0, (size_t)(end - name - 1)) : NULL;
            if (!name || !args || !memchr(args + 1, 0, (size_t)(end - args - 1)))
                continue;
            name++;
            args++;
            if (have_base) {
                pc += base_now - base;
                if (sem)
                    sem += base_now - base;
            }
            struct ks_usdt_note note = {.provider = prov, .name = name, .args = args};
            if (!vaddr_to_off(e, pc, &note.off))
                continue;
            if (sem && !vaddr_to_off(e, sem, &note.sem_off))
                continue;
            count++;
            go = fn(&note, ctx);
        }
    }
    elf_end(e);
    close(fd);
    return count;
}

/* x86_64 register names (64, 32, 16 and 8 bits) and their struct pt_regs fields. */
static const char *usdt_reg(const char *name, size_t len)
{
    static const char *const map[][5] = {
        {"rax", "eax", "ax", "al", "ax"},       {"rbx", "ebx", "bx", "bl", "bx"},
        {"rcx", "ecx", "cx", "cl", "cx"},       {"rdx", "edx", "dx", "dl", "dx"},
        {"rsi", "esi", "si", "sil", "si"},      {"rdi", "edi", "di", "dil", "di"},
        {"rbp", "ebp", "bp", "bpl", "bp"},      {"rsp", "esp", "sp", "spl", "sp"},
        {"r8", "r8d", "r8w", "r8b", "r8"},      {"r9", "r9d", "r9w", "r9b", "r9"},
        {"r10", "r10d", "r10w", "r10b", "r10"}, {"r11", "r11d", "r11w", "r11b", "r11"},
        {"r12", "r12d", "r12w", "r12b", "r12"}, {"r13", "r13d", "r13w", "r13b", "r13"},
        {"r14", "r14d", "r14w", "r14b", "r14"}, {"r15", "r15d", "r15w", "r15b", "r15"},
        {"rip", "eip", "ip", "ip", "ip"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        for (int k = 0; k < 4; k++)
            if (strlen(map[i][k]) == len && !strncmp(map[i][k], name, len)) return map[i][4];
    return NULL;
}

bool ks_usdt_arg_c(const char *args, int n, struct ks_buf *out, struct ks_buf *err)
{
#if !defined(__x86_64__)
    (void)args, (void)n, (void)out;
    ks_buf_printf(err, "USDT arguments are read on x86_64 only");
    return false;
#else
    /* The n-th blank-separated word. */
    const char *w = args;
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        w += len;
        w += strspn(w, " ");
        len = strcspn(w, " ");
        if (!len) {
            ks_buf_printf(err, "the probe has %d argument%s", i, i == 1 ? "" : "s");
            return false;
        }
    }
    char word[128];
    snprintf(word, sizeof(word), "%.*s", (int)len, w);
    char *at = strchr(word, '@'), *end;
    long size = at ? strtol(word, &end, 10) : 0;
    if (!at || end != at || !size || labs(size) > 8 || (labs(size) & (labs(size) - 1))) {
        ks_buf_printf(err, "cannot read USDT argument '%s' (SIZE@OPERAND expected)", word);
        return false;
    }
    const char *type = size == -8   ? "s64"
                       : size == 8  ? "u64"
                       : size == -4 ? "s32"
                       : size == 4  ? "u32"
                       : size == -2 ? "s16"
                       : size == 2  ? "u16"
                       : size == -1 ? "s8"
                                    : "u8";
    const char *wide = size < 0 ? "s64" : "u64";
    const char *op = at + 1;
    if (op[0] == '%') {
        const char *reg = usdt_reg(op + 1, strlen(op + 1));
        if (reg) {
            ks_buf_printf(out, "((%s)(%s)ctx->%s)", wide, type, reg);
            return true;
        }
    } else if (op[0] == '$') {
        long long v = strtoll(op + 1, &end, 0);
        if (end != op + 1 && !*end) {
            ks_buf_printf(out, "((%s)(%s)%lldLL)", wide, type, v);
            return true;
        }
    } else {
        /* [offset](%reg) */
        long long off = op[0] == '(' ? 0 : strtoll(op, &end, 0);
        const char *paren = op[0] == '(' ? op : end;
        const char *close = paren[0] == '(' ? strchr(paren, ')') : NULL;
        const char *reg = close && paren[1] == '%' && !close[1]
                              ? usdt_reg(paren + 2, (size_t)(close - paren - 2))
                              : NULL;
        if (reg) {
            ks_buf_printf(out,
                          "({ %s __v = 0; ks_probe_read_user(&__v, sizeof(__v), "
                          "(void *)(ctx->%s + (%lldLL))); (%s)__v; })",
                          type, reg, off, wide);
            return true;
        }
    }
    ks_buf_printf(err,
                  "cannot read USDT argument '%s' (registers, constants and "
                  "offset(%%register) are read)",
                  word);
    return false;
#endif
}
