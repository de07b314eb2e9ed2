#define _GNU_SOURCE
#include "ks_headers.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

const char *ks_kernel_arch(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return "x86";
#elif defined(__aarch64__)
    return "arm64";
#elif defined(__powerpc__)
    return "powerpc";
#elif defined(__s390x__)
    return "s390";
#elif defined(__riscv)
    return "riscv";
#else
    return "unknown";
#endif
}

static bool has(const char *dir, const char *rel)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    return ks_path_exists(p);
}

/* Debian's build dir Makefile is one line: "include /usr/src/linux-headers-X-common/Makefile". */
static bool source_from_makefile(const char *build, const char *root, char *out, size_t size)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/Makefile", build);
    char *text = ks_read_file(p, NULL);
    if (!text)
        return false;
    bool ok = false;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        const char *arg = NULL;
        if (!strncmp(line, "include ", 8))
            arg = line + 8;
        else if (!strncmp(line, "MAKEARGS := -C ", 15))
            arg = line + 15;
        if (!arg)
            continue;
        while (*arg == ' ')
            arg++;
        char dir[PATH_MAX];
        snprintf(dir, sizeof(dir), "%s", arg);
        char *sp = strpbrk(dir, " \t");
        if (sp)
            *sp = '\0';
        size_t n = strlen(dir);
        if (n > 9 && !strcmp(dir + n - 9, "/Makefile"))
            dir[n - 9] = '\0';
        /* Paths in the Makefile are absolute on the system the tree belongs to. */
        char full[PATH_MAX];
        if (dir[0] == '/')
            snprintf(full, sizeof(full), "%s%s", root ? root : "", dir);
        else
            snprintf(full, sizeof(full), "%s/%s", build, dir);
        if (has(full, "include/linux/kconfig.h")) {
            snprintf(out, size, "%s", full);
            ok = true;
            break;
        }
    }
    free(text);
    return ok;
}

static bool classify(const char *dir, const char *root, struct ks_headers *out)
{
    char b[PATH_MAX], s[PATH_MAX];
    /* A /lib/modules/X directory: build and source links. */
    snprintf(b, sizeof(b), "%s/build", dir);
    snprintf(s, sizeof(s), "%s/source", dir);
    if (has(b, "include/generated/autoconf.h") && has(s, "include/linux/kconfig.h")) {
        snprintf(out->build, sizeof(out->build), "%s", b);
        snprintf(out->source, sizeof(out->source), "%s", s);
        char rb[PATH_MAX], rs[PATH_MAX];
        out->split = !(realpath(b, rb) && realpath(s, rs) && !strcmp(rb, rs));
        return true;
    }
    if (has(b, "include/generated/autoconf.h"))
        return classify(b, root, out);

    bool gen = has(dir, "include/generated/autoconf.h");
    bool kconfig = has(dir, "include/linux/kconfig.h");
    if (gen && kconfig) {
        snprintf(out->build, sizeof(out->build), "%s", dir);
        snprintf(out->source, sizeof(out->source), "%s", dir);
        out->split = false;
        return true;
    }
    if (!gen)
        return false;
    /* A build dir without the rest: find its source tree. */
    snprintf(out->build, sizeof(out->build), "%s", dir);
    out->split = true;
    if (has(dir, "source/include/linux/kconfig.h")) {
        snprintf(out->source, sizeof(out->source), "%s/source", dir);
        return true;
    }
    if (source_from_makefile(dir, root, out->source, sizeof(out->source)))
        return true;
    /* Debian naming: linux-headers-X-amd64 -> linux-headers-X-common. */
    char sib[PATH_MAX], real[PATH_MAX];
    snprintf(sib, sizeof(sib), "%s", realpath(dir, real) ? real : dir);
    char *dash = strrchr(sib, '-');
    if (dash && !strchr(dash, '/')) {
        snprintf(dash, sizeof(sib) - (size_t)(dash - sib), "-common");
        if (has(sib, "include/linux/kconfig.h")) {
            snprintf(out->source, sizeof(out->source), "%s", sib);
            return true;
        }
    }
    return false;
}

bool ks_headers_classify(const char *dir, struct ks_headers *out)
{
    return classify(dir, NULL, out);
}

static const char *running_release(const struct ks_headers_req *req, char *buf, size_t size)
{
    if (req->release)
        return req->release;
    struct utsname u;
    uname(&u);
    snprintf(buf, size, "%s", u.release);
    return buf;
}

/* "6.1.0-56-amd64" -> 6,1,0. Missing parts are 0. */
static void parse_version(const char *rel, long v[3])
{
    v[0] = v[1] = v[2] = 0;
    const char *p = rel;
    for (int i = 0; i < 3 && *p; i++) {
        char *end;
        v[i] = strtol(p, &end, 10);
        if (end == p)
            break;
        p = end;
        if (*p != '.')
            break;
        p++;
    }
}

static long labs_(long x)
{
    return x < 0 ? -x : x;
}

static long distance(const long a[3], const long b[3])
{
    long d = labs_(a[0] - b[0]) * 1000000 + labs_(a[1] - b[1]) * 1000;
    long p = labs_(a[2] - b[2]);
    return d + (p > 999 ? 999 : p);
}

struct cand {
    struct ks_headers h;
    long dist;
};

static void consider(struct cand *best, bool *found, const char *dir, const char *release,
                     const char *root, const long want[3], const char *arch)
{
    struct ks_headers h;
    memset(&h, 0, sizeof(h));
    if (!classify(dir, root, &h))
        return;
    char archdir[PATH_MAX];
    snprintf(archdir, sizeof(archdir), "arch/%s", arch);
    if (!has(h.source, archdir))
        return;
    long v[3];
    parse_version(release, v);
    long d = distance(v, want);
    /* On a tie prefer the newer tree: newer headers know more tracepoint-era types. */
    if (!*found || d < best->dist ||
        (d == best->dist && strverscmp(release, best->h.release) > 0)) {
        best->h = h;
        snprintf(best->h.release, sizeof(best->h.release), "%s", release);
        best->dist = d;
        *found = true;
    }
}

static bool find_closest(const struct ks_headers_req *req, const char *rel, struct ks_headers *out)
{
    const char *root = req->root ? req->root : "";
    const char *arch = ks_kernel_arch();
    long want[3];
    parse_version(rel, want);
    struct cand best;
    memset(&best, 0, sizeof(best));
    bool found = false;
    char dir[PATH_MAX];

    /* Where distributions put header trees, and how a directory name gives the release. */
    static const struct {
        const char *dir, *prefix; /* prefix: NULL = the name is the release */
    } places[] = {
        {"/lib/modules", NULL},
        {"/usr/src", "linux-headers-"}, /* Debian, Ubuntu */
        {"/usr/src", "linux-"},         /* a plain unpacked tree */
        {"/usr/src/kernels", NULL},     /* RHEL, CentOS, Fedora */
    };
    for (size_t k = 0; k < sizeof(places) / sizeof(places[0]); k++) {
        snprintf(dir, sizeof(dir), "%s%s", root, places[k].dir);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d))) {
            const char *pfx = places[k].prefix;
            if (e->d_name[0] == '.' || !strcmp(e->d_name, "kernels"))
                continue;
            if (pfx && (strncmp(e->d_name, pfx, strlen(pfx)) != 0 ||
                        (!strcmp(pfx, "linux-") && !strncmp(e->d_name, "linux-headers-", 14))))
                continue;
            char sub[PATH_MAX];
            snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
            /* Under /usr/src only build trees count: the -common half comes with them. */
            if (pfx && !has(sub, "include/generated/autoconf.h"))
                continue;
            consider(&best, &found, sub, e->d_name + (pfx ? strlen(pfx) : 0), root, want, arch);
        }
        closedir(d);
    }
    if (found)
        *out = best.h;
    return found;
}

static int run_quiet(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Unpack /sys/kernel/kheaders.tar.xz once per kernel into dir/<release>. */
static bool use_kheaders(const struct ks_headers_req *req, const char *rel, struct ks_headers *out)
{
    char tarball[PATH_MAX];
    ks_join(tarball, sizeof(tarball), req->root, "/sys/kernel/kheaders.tar.xz");
    /* modprobe finds modules through /lib/modules/<release>/modules.dep: without it (a
     * kernel whose modules are not installed here) it can only fail, and trying costs a
     * fork and an exec at every cold start. */
    char dep[PATH_MAX];
    snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep", rel);
    if (!ks_path_exists(tarball) && !req->root && geteuid() == 0 && ks_path_exists(dep)) {
        char *argv[] = {"modprobe", "-q", "kheaders", NULL};
        run_quiet(argv);
    }
    if (!ks_path_exists(tarball) || !req->kheaders_dir)
        return false;
    char dest[PATH_MAX], tmp[PATH_MAX + 32];
    snprintf(dest, sizeof(dest), "%s/kheaders-%s", req->kheaders_dir, rel);
    if (!has(dest, "include/linux/kconfig.h")) {
        mkdir(req->kheaders_dir, 0700);
        snprintf(tmp, sizeof(tmp), "%s.tmp%d", dest, (int)getpid());
        if (mkdir(tmp, 0700) != 0)
            return false;
        char *argv[] = {"tar", "-xJf", tarball, "-C", tmp, NULL};
        if (run_quiet(argv) != 0 || rename(tmp, dest) != 0) {
            char *rm[] = {"rm", "-rf", tmp, NULL};
            run_quiet(rm);
            if (!has(dest, "include/linux/kconfig.h"))
                return false;
        }
    }
    snprintf(out->source, sizeof(out->source), "%s", dest);
    snprintf(out->build, sizeof(out->build), "%s", dest);
    out->split = false;
    return true;
}

int ks_headers_find(const struct ks_headers_req *req, struct ks_headers *out, struct ks_buf *err)
{
    char relbuf[128];
    const char *rel = running_release(req, relbuf, sizeof(relbuf));
    memset(out, 0, sizeof(*out));

    const char *ov = req->override;
    const char *ovname = "--kernel-headers";
    if (!ov && (ov = getenv("KSCOPE_KERNEL_HEADERS")))
        ovname = "KSCOPE_KERNEL_HEADERS";
    if (!ov && (ov = getenv("BCC_KERNEL_SOURCE")))
        ovname = "BCC_KERNEL_SOURCE";
    if (ov && *ov) {
        if (!classify(ov, req->root, out)) {
            ks_buf_printf(err,
                          "%s=%s is not a kernel header tree (no include/generated/autoconf.h "
                          "with a matching include/linux/kconfig.h).\n"
                          "Point it at /lib/modules/<release>, its build directory, or an "
                          "unpacked kernel tree.",
                          ovname, ov);
            return -1;
        }
        out->how = "override";
        /* The release of an override is whatever the user says; trust it. */
        snprintf(out->release, sizeof(out->release), "%s", rel);
        out->exact = true;
        return 0;
    }

    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/lib/modules/%s", req->root ? req->root : "", rel);
    if (classify(dir, req->root, out)) {
        out->how = "modules";
        snprintf(out->release, sizeof(out->release), "%s", rel);
        out->exact = true;
        return 0;
    }
    if (use_kheaders(req, rel, out)) {
        out->how = "kheaders";
        snprintf(out->release, sizeof(out->release), "%s", rel);
        out->exact = true;
        return 0;
    }
    if (find_closest(req, rel, out)) {
        out->how = "closest";
        out->exact = strcmp(out->release, rel) == 0;
        return 0;
    }
    /* Set by kscope's image (/.dockerenv also exists on hosts that are themselves
     * sandboxes, so it proves nothing). */
    bool container = getenv("KSCOPE_CONTAINER") && *getenv("KSCOPE_CONTAINER");
    if (container)
        ks_buf_printf(err,
                      "no kernel headers found for kernel %s.\n"
                      "This is a container: the headers come from the host. Mount them with\n"
                      "  -v /lib/modules:/lib/modules:ro -v /usr/src:/usr/src:ro\n"
                      "and on the host install linux-headers-%s (Debian, Ubuntu) or\n"
                      "kernel-devel-%s (RHEL, CentOS, Fedora); or use --kernel-headers DIR.",
                      rel, rel, rel);
    else
        ks_buf_printf(err,
                      "no kernel headers found for kernel %s.\n"
                      "Install them: apt-get install linux-headers-%s (Debian, Ubuntu) or\n"
                      "  yum install kernel-devel-%s (RHEL, CentOS, Fedora);\n"
                      "or point --kernel-headers DIR (or KSCOPE_KERNEL_HEADERS) at a header tree.\n"
                      "In a container, mount the host's /lib/modules and /usr/src "
                      "(-v /lib/modules:/lib/modules:ro -v /usr/src:/usr/src:ro).",
                      rel, rel, rel);
    return -1;
}

int ks_headers_cflags(const struct ks_headers *h, const char *arch, char flags[][PATH_MAX + 4],
                      int max)
{
    /* libbcc adds -I for the relative paths inside BCC_KERNEL_SOURCE (the source half);
     * the generated headers live in the build half and come after them. */
    static const char *rel[] = {
        "arch/%s/include/generated", "include", "arch/%s/include/generated/uapi",
        "include/generated/uapi",
    };
    int n = 0;
    if (!h->split)
        return 0;
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]) && n < max; i++) {
        char r[128];
        snprintf(r, sizeof(r), rel[i], arch);
        snprintf(flags[n++], PATH_MAX + 4, "-I%s/%s", h->build, r);
    }
    return n;
}

/* The quoted value of "#define NAME "value"" in a generated header, or false. */
static bool header_string(const char *dir, const char *file, const char *name, char *out,
                          size_t size)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/include/generated/%s", dir, file);
    char *text = ks_read_file(p, NULL);
    if (!text)
        return false;
    bool ok = false;
    size_t n = strlen(name);
    for (char *line = strtok(text, "\n"); line && !ok; line = strtok(NULL, "\n")) {
        if (strncmp(line, "#define ", 8) != 0 || strncmp(line + 8, name, n) != 0 ||
            (line[8 + n] != ' ' && line[8 + n] != '\t'))
            continue;
        char *q1 = strchr(line + 8 + n, '"'), *q2 = q1 ? strrchr(q1 + 1, '"') : NULL;
        if (q1 && q2) {
            snprintf(out, size, "%.*s", (int)(q2 - q1 - 1), q1 + 1);
            ok = true;
        }
    }
    free(text);
    return ok;
}

static void trim_nl(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* The "CONFIG_..." lines of a configuration, in order (comments and blanks dropped). */
static char *config_lines(char *text)
{
    if (!text)
        return NULL;
    struct ks_buf b = {0};
    ks_buf_add(&b, "");
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        if (!strncmp(line, "CONFIG_", 7)) {
            ks_buf_add(&b, line);
            ks_buf_add(&b, "\n");
        }
    free(text);
    return b.s;
}

/* The running kernel's configuration: the distribution's /boot/config-<release> (a plain
 * read), or /proc/config.gz (CONFIG_IKCONFIG_PROC: gzip in a child, some milliseconds) when
 * gz is allowed. NULL when neither can be read. */
static char *kernel_config(const char *root, const char *release, bool gz, const char **from)
{
    char p[PATH_MAX], rel[PATH_MAX];
    snprintf(rel, sizeof(rel), "/boot/config-%s", release);
    ks_join(p, sizeof(p), root, rel);
    char *text = ks_read_file(p, NULL);
    if (text) {
        *from = "/boot/config-<release>";
        return config_lines(text);
    }
    ks_join(p, sizeof(p), root, "/proc/config.gz");
    if (!gz || !ks_is_file(p) || strchr(p, '\''))
        return NULL;
    /* gzip is everywhere; a pipe keeps zlib out of the tools. */
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof(cmd), "gzip -dc '%s' 2>/dev/null", p);
    FILE *f = popen(cmd, "r");
    if (!f)
        return NULL;
    struct ks_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        ks_buf_addn(&b, chunk, n);
    if (pclose(f) == 0 && b.len) {
        *from = "/proc/config.gz";
        return config_lines(b.s);
    }
    ks_buf_free(&b);
    return NULL;
}

bool ks_headers_exact(const struct ks_headers *h, const char *root, struct ks_buf *why)
{
    char p[PATH_MAX], release[256] = "", version[256] = "", procver[1024] = "";
    char *t;
    if ((t = ks_read_file(ks_join(p, sizeof(p), root, "/proc/sys/kernel/osrelease"), NULL))) {
        snprintf(release, sizeof(release), "%s", t);
        free(t);
    }
    if ((t = ks_read_file(ks_join(p, sizeof(p), root, "/proc/sys/kernel/version"), NULL))) {
        snprintf(version, sizeof(version), "%s", t);
        free(t);
    }
    if ((t = ks_read_file(ks_join(p, sizeof(p), root, "/proc/version"), NULL))) {
        snprintf(procver, sizeof(procver), "%s", t);
        free(t);
    }
    trim_nl(release);
    trim_nl(version);
    if (!root && !*release) {
        struct utsname u;
        uname(&u);
        snprintf(release, sizeof(release), "%s", u.release);
        snprintf(version, sizeof(version), "%s", u.version);
    }

    /* Randomized layouts: the seed stays with the kernel's build, no header says it. */
    char ac[PATH_MAX];
    snprintf(ac, sizeof(ac), "%s/include/generated/autoconf.h", h->build);
    char *autoconf = ks_read_file(ac, NULL);
    bool randstruct = autoconf && (strstr(autoconf, "CONFIG_RANDSTRUCT_FULL 1") ||
                                   strstr(autoconf, "CONFIG_RANDSTRUCT_PERFORMANCE 1") ||
                                   strstr(autoconf, "CONFIG_GCC_PLUGIN_RANDSTRUCT 1"));
    free(autoconf);
    if (randstruct) {
        ks_buf_printf(why, "the kernel headers (%s) are for a kernel with randomized struct "
                           "layout (CONFIG_RANDSTRUCT), which no header describes",
                      h->build);
        return false;
    }
    if (h->how && !strcmp(h->how, "kheaders")) {
        ks_buf_printf(why, "the kernel headers are the running kernel's own "
                           "(/sys/kernel/kheaders.tar.xz)");
        return true;
    }

    char hrel[256];
    if (!header_string(h->build, "utsrelease.h", "UTS_RELEASE", hrel, sizeof(hrel))) {
        ks_buf_printf(why, "the kernel headers (%s) do not say which kernel they are for "
                           "(no include/generated/utsrelease.h)",
                      h->build);
        return false;
    }
    if (strcmp(hrel, release) != 0) {
        ks_buf_printf(why, "the kernel headers are for %s, the running kernel is %s", hrel,
                      release);
        return false;
    }
    int checks = 0;
    char hver[256];
    if (header_string(h->build, "utsversion.h", "UTS_VERSION", hver, sizeof(hver)) ||
        header_string(h->build, "compile.h", "UTS_VERSION", hver, sizeof(hver))) {
        if (*version && strcmp(hver, version) != 0) {
            ks_buf_printf(why, "the kernel headers for %s come from another build (\"%s\"; "
                               "the running kernel is \"%s\")",
                          release, hver, version);
            return false;
        }
        checks += *version != '\0';
    }
    char hcc[512];
    if (header_string(h->build, "compile.h", "LINUX_COMPILER", hcc, sizeof(hcc)) && *procver) {
        if (!strstr(procver, hcc)) {
            ks_buf_printf(why, "the kernel headers for %s were built with another compiler "
                               "(%s) than the running kernel (/proc/version)",
                          release, hcc);
            return false;
        }
        checks++;
    }
    const char *from = "";
    /* /proc/config.gz costs a gzip: only when the build checks above could not be made. */
    char *kconf = kernel_config(root, release, checks == 0, &from);
    if (kconf) {
        snprintf(p, sizeof(p), "%s/.config", h->build);
        char *hconf = config_lines(ks_read_file(p, NULL));
        bool same = hconf && !strcmp(hconf, kconf);
        free(hconf);
        free(kconf);
        if (!same) {
            ks_buf_printf(why, "the kernel headers for %s were configured differently from "
                               "the running kernel (%s/.config vs %s)",
                          release, h->build, from);
            return false;
        }
        checks++;
    }
    if (!checks) {
        ks_buf_printf(why, "the kernel headers are for %s, but nothing tells whether they are "
                           "this build's (no UTS_VERSION in them, no kernel configuration in "
                           "/proc/config.gz or /boot)",
                      release);
        return false;
    }
    ks_buf_printf(why, "the kernel headers (%s) are the running kernel's: release %s%s%s",
                  h->build, release, *version ? ", build " : "", version);
    return true;
}

/* Light headers: what libbcc needs to compile a program that reads tracepoint fields only.
 *
 * libbcc includes its helpers.h in every program, and helpers.h includes kernel headers
 * (linux/log2.h, asm/page.h, linux/types.h, ...) that pull in about 110 more, parsed twice
 * (libbcc's rewriter, then the code generation): about 45 ms of every compile, more than
 * half of a small program's. A program that reads only tracepoint fields needs none of it:
 * the fields' layout comes from the tracepoint's format file, and the program uses only
 * fixed-size types and BPF's own definitions (libbcc's copy of linux/bpf.h). So the compile
 * child gives libbcc this small tree instead of the kernel's: the few files helpers.h asks
 * for, with the definitions it and the programs use. The kernel configuration still comes
 * from the real headers (their autoconf.h lines for the CONFIG_ options the program names,
 * for #if and IS_ENABLED; their version.h), so #if on a kernel option decides as before.
 * Anything else the
 * program includes is missing here and the compile fails: the child then compiles again
 * with the real headers (common/ks_compile.c), and tests/tools/light-headers.sh checks that
 * both trees give the same bytes. */
static const struct {
    const char *path, *text;
} light_files[] = {
    {"include/linux/kconfig.h",
     "/* kscope light headers: the kernel's configuration, and IS_ENABLED() on it. */\n"
     "#ifndef KS_LIGHT_KCONFIG_H\n#define KS_LIGHT_KCONFIG_H\n"
     "#include <generated/autoconf.h>\n"
     "/* An option set to y is defined as 1: pasting it onto KS_ON_ gives \"0,\", which\n"
     " * moves the 1 into second place; anything else leaves 0 second. */\n"
     "#define KS_ON_1 0,\n"
     "#define ks_second_(ignored, val, ...) val\n"
     "#define ks_set__(junk) ks_second_(junk 1, 0)\n"
     "#define ks_set_(val) ks_set__(KS_ON_##val)\n"
     "#define ks_set(option) ks_set_(option)\n"
     "#define IS_BUILTIN(option) ks_set(option)\n"
     "#define IS_MODULE(option) ks_set(option##_MODULE)\n"
     "#define IS_ENABLED(option) (IS_BUILTIN(option) || IS_MODULE(option))\n"
     "#endif\n"},
    {"include/linux/types.h",
     "/* kscope light headers: the kernel's fixed-size and common types (same sizes). */\n"
     "#ifndef _LINUX_TYPES_H\n#define _LINUX_TYPES_H\n"
     "typedef signed char __s8;\ntypedef unsigned char __u8;\n"
     "typedef signed short __s16;\ntypedef unsigned short __u16;\n"
     "typedef signed int __s32;\ntypedef unsigned int __u32;\n"
     "typedef signed long long __s64;\ntypedef unsigned long long __u64;\n"
     "typedef __s8 s8;\ntypedef __u8 u8;\ntypedef __s16 s16;\ntypedef __u16 u16;\n"
     "typedef __s32 s32;\ntypedef __u32 u32;\ntypedef __s64 s64;\ntypedef __u64 u64;\n"
     "typedef __u16 __le16;\ntypedef __u16 __be16;\ntypedef __u32 __le32;\n"
     "typedef __u32 __be32;\ntypedef __u64 __le64;\ntypedef __u64 __be64;\n"
     "typedef __u16 __sum16;\ntypedef __u32 __wsum;\n"
     "#define __aligned_u64 __u64 __attribute__((aligned(8)))\n"
     "typedef _Bool bool;\nenum { false = 0, true = 1 };\n"
     "#define NULL ((void *)0)\n"
     "#define offsetof(TYPE, MEMBER) __builtin_offsetof(TYPE, MEMBER)\n"
     "typedef unsigned long size_t;\ntypedef long ssize_t;\n"
     "typedef int pid_t;\ntypedef unsigned int uid_t;\ntypedef unsigned int gid_t;\n"
     "typedef unsigned short umode_t;\ntypedef long long loff_t;\n"
     "typedef u32 dev_t;\ntypedef u64 sector_t;\ntypedef unsigned int gfp_t;\n"
     "typedef int clockid_t;\ntypedef long long time64_t;\ntypedef unsigned long uintptr_t;\n"
     "typedef unsigned long ino_t;\ntypedef long off_t;\ntypedef long time_t;\n"
     "typedef unsigned int fmode_t;\ntypedef u64 dma_addr_t;\ntypedef u64 phys_addr_t;\n"
     "#define __always_inline inline __attribute__((__always_inline__))\n"
     "#endif\n"},
    /* libbcc's own copy (bcc/bpf.h, included first) has the same include guard. */
    {"include/uapi/linux/bpf.h", "/* kscope light headers: libbcc's bcc/bpf.h has it */\n"},
    {"include/linux/bpf_common.h", "/* kscope light headers: not used by the programs */\n"},
    {"include/uapi/linux/if_packet.h", "/* kscope light headers: not used by the programs */\n"},
    {"include/linux/version.h",
     "/* kscope light headers: the real headers' version (else the real headers) */\n"
     "#if __has_include(<generated/uapi/linux/version.h>)\n"
     "#include <generated/uapi/linux/version.h>\n"
     "#else\n#error no generated/uapi/linux/version.h\n#endif\n"},
    {"include/linux/log2.h",
     "/* kscope light headers: the next power of two (libbcc's BPF_STACK_TRACE) */\n"
     "#define roundup_pow_of_two(n) \\\n"
     "    ((n) <= 1 ? 1UL : 1UL << (64 - __builtin_clzll((unsigned long long)(n) - 1)))\n"},
};

/* Write text to dir/rel. */
static bool light_write(const char *dir, const char *rel, const char *text)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    bool ok = f && fputs(text, f) >= 0;
    return f && fclose(f) == 0 && ok;
}

/* Whether the program text (or libbcc's helpers.h) names this CONFIG_ option: a
 * "#define CONFIG_X" line of autoconf.h, or its CONFIG_X_MODULE (IS_ENABLED asks both). */
/* The CONFIG_ names a program's text mentions, found once: each of autoconf.h's thousands
 * of lines is then checked against these few, not against the whole text (a scan of the
 * text per line took ~8 ms of each light compile). */
struct config_names {
    const char **at; /* into the text */
    size_t *len, n;
};

static void config_names_find(const char *text, struct config_names *c)
{
    memset(c, 0, sizeof(*c));
    size_t cap = 0;
    for (const char *t = strstr(text, "CONFIG_"); t; t = strstr(t + 1, "CONFIG_")) {
        if (c->n == cap) {
            cap = cap ? cap * 2 : 8;
            c->at = ks_xrealloc(c->at, cap * sizeof(*c->at));
            c->len = ks_xrealloc(c->len, cap * sizeof(*c->len));
        }
        c->at[c->n] = t;
        c->len[c->n++] = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
    }
}

static bool config_named(const char *line, const struct config_names *c)
{
    /* helpers.h's own, in libbcc 0.26 (the light-headers test finds any others). */
    static const char *const helpers[] = {"CONFIG_ARCH_HAS_SYSCALL_WRAPPER", "CONFIG_BPF_SYSCALL",
                                          "CONFIG_CC_STACKPROTECTOR", "CONFIG_FRAME_POINTER",
                                          "CONFIG_FUNCTION_TRACER", "CONFIG_IKHEADERS"};
    const char *name = line + strlen("#define ");
    size_t n = strcspn(name, " \n");
    if (n > 7 && !strncmp(name + n - 7, "_MODULE", 7))
        n -= 7;
    for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
        if (!strncmp(name, helpers[i], strlen(helpers[i]))) /* and _AUTO, _STRONG, ... */
            return true;
    for (size_t i = 0; i < c->n; i++)
        if (c->len[i] == n && !strncmp(c->at[i], name, n))
            return true;
    return false;
}

bool ks_headers_light(const struct ks_headers *real, const char *text, char *dir, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, size, "%s/kscope-light.XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return false;
    static const char *const dirs[] = {"include",           "include/linux",
                                       "include/uapi",      "include/uapi/linux",
                                       "include/asm",       "include/generated",
                                       "include/generated/uapi", "include/generated/uapi/linux"};
    char p[PATH_MAX], real_file[PATH_MAX];
    bool ok = true;
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, dirs[i]);
        ok = ok && mkdir(p, 0700) == 0;
    }
    for (size_t i = 0; ok && i < sizeof(light_files) / sizeof(light_files[0]); i++)
        ok = light_write(dir, light_files[i].path, light_files[i].text);
    struct ks_buf b = {0};
    /* The page size is the running kernel's (libbcc's BPF_RINGBUF_OUTPUT counts pages). */
    ks_buf_printf(&b, "/* kscope light headers */\n#define PAGE_SIZE %ldUL\n",
                  sysconf(_SC_PAGESIZE));
    ok = ok && light_write(dir, "include/asm/page.h", b.s);
    /* The real headers' configuration, only the options the program names: the whole
     * autoconf.h (thousands of lines, parsed twice) is a tenth of a light compile. */
    snprintf(real_file, sizeof(real_file), "%s/include/generated/autoconf.h", real->build);
    char *conf = ks_read_file(real_file, NULL);
    b.len = 0;
    ks_buf_add(&b, "/* kscope light headers: the options the program names, from ");
    ks_buf_add(&b, real_file);
    ks_buf_add(&b, " */\n");
    struct config_names names;
    config_names_find(text, &names);
    for (char *line = conf; line && *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        if (!strncmp(line, "#define CONFIG_", 15) && config_named(line, &names))
            ks_buf_addn(&b, line, len);
        line += len;
    }
    free(names.at);
    free(names.len);
    ok = ok && conf && light_write(dir, "include/generated/autoconf.h", b.s);
    free(conf);
    ks_buf_free(&b);
    snprintf(real_file, sizeof(real_file), "%s/include/generated/uapi/linux/version.h",
             real->build);
    snprintf(p, sizeof(p), "%s/include/generated/uapi/linux/version.h", dir);
    if (ok && ks_path_exists(real_file))
        ok = symlink(real_file, p) == 0;
    if (!ok)
        ks_rmtree(dir);
    return ok;
}
