#define _GNU_SOURCE
#include "ks_profile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ks_features.h"
#include "ks_opts.h" /* KS_VERSION */
#include "ks_sha256.h"

#define MANIFEST "kscope-profile"
#define SUMS "SHA256SUMS"

/* The CONFIG_ options kscope (tools and kscope-doctor) reads or names in its advice. */
static const char *const config_opts[] = {
    "CONFIG_BPF_SYSCALL", "CONFIG_BPF_EVENTS",     "CONFIG_BPF_JIT",
    "CONFIG_KPROBES",     "CONFIG_KPROBE_EVENTS",  "CONFIG_FTRACE_SYSCALLS",
    "CONFIG_IKHEADERS",   "CONFIG_DEBUG_INFO_BTF", "CONFIG_BPF_JIT_ALWAYS_ON",
    "CONFIG_UPROBE_EVENTS",
};

/* ---- small file helpers ---------------------------------------------------------------- */

static int mkdirs(const char *path)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Write rel (a path inside dir) with n bytes of data, making its directories. */
static int put_file(const char *dir, const char *rel, const char *data, size_t n)
{
    char p[PATH_MAX + 256];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    if (mkdirs(p) != 0)
        return -1;
    *slash = '/';
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    return close(fd) == 0 && off == n ? 0 : -1;
}

static bool copy_in(const char *dir, const char *rel, const char *from)
{
    size_t n;
    char *text = ks_read_file(from, &n);
    if (!text)
        return false;
    int rc = put_file(dir, rel, text, n);
    free(text);
    return rc == 0;
}

/* Where a profile is unpacked: thousands of small files, so memory (/dev/shm) when there
 * is one; TMPDIR when set. */
static const char *scratch_dir(void)
{
    const char *t = getenv("TMPDIR");
    if (t && *t)
        return t;
    return access("/dev/shm", W_OK) == 0 && ks_is_dir("/dev/shm") ? "/dev/shm" : "/tmp";
}

/* ---- saving ---------------------------------------------------------------------------- */

/* kallsyms, functions only, as "0 t name" lines: ks_features reads the third column. */
static long save_kallsyms(const char *dir)
{
    char *text = ks_read_file("/proc/kallsyms", NULL);
    if (!text)
        return -1;
    struct ks_buf b = {0};
    long n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char type, name[512];
        if (sscanf(line, "%*s %c %511s", &type, name) != 2)
            continue;
        if (type != 't' && type != 'T' && type != 'w' && type != 'W')
            continue;
        ks_buf_printf(&b, "0 %c %s\n", type, name);
        n++;
    }
    free(text);
    int rc = put_file(dir, "proc/kallsyms", b.s ? b.s : "", b.len);
    ks_buf_free(&b);
    return rc == 0 ? n : -1;
}

static long save_formats(const char *dir, const char *tracefs)
{
    char events[PATH_MAX];
    snprintf(events, sizeof(events), "%s/events", tracefs);
    DIR *d = opendir(events);
    if (!d)
        return -1;
    long n = 0;
    struct dirent *c;
    while ((c = readdir(d))) {
        if (c->d_name[0] == '.')
            continue;
        char cdir[PATH_MAX + 256];
        snprintf(cdir, sizeof(cdir), "%s/%s", events, c->d_name);
        DIR *e = opendir(cdir);
        if (!e)
            continue;
        struct dirent *ev;
        while ((ev = readdir(e))) {
            if (ev->d_name[0] == '.')
                continue;
            char from[PATH_MAX * 2], rel[768];
            snprintf(from, sizeof(from), "%s/%s/format", cdir, ev->d_name);
            snprintf(rel, sizeof(rel), "sys/kernel/tracing/events/%s/%s/format", c->d_name,
                     ev->d_name);
            n += copy_in(dir, rel, from);
        }
        closedir(e);
    }
    closedir(d);
    return n;
}

/* Block devices' numbers (sys/class/block/NAME/dev): options that name a disk (-d). */
static void save_block_devs(const char *dir)
{
    DIR *d = opendir("/sys/class/block");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char from[PATH_MAX], rel[PATH_MAX];
        snprintf(from, sizeof(from), "/sys/class/block/%.200s/dev", e->d_name);
        snprintf(rel, sizeof(rel), "sys/class/block/%.200s/dev", e->d_name);
        copy_in(dir, rel, from);
    }
    if (d)
        closedir(d);
}

static void save_features(const char *dir, struct ks_buf *summary)
{
    struct ks_buf b = {0};
    int np = 0, nm = 0, nh = 0;
    for (int t = 1; t < 64; t++)
        if (ks_prog_type_supported(t)) {
            ks_buf_printf(&b, "prog %d\n", t);
            np++;
        }
    for (int t = 1; t < 64; t++)
        if (ks_map_type_supported(t)) {
            ks_buf_printf(&b, "map %d\n", t);
            nm++;
        }
    /* Helpers as tracing programs see them (what the tools' programs are). */
    int ptype = ks_prog_type_supported(BPF_PROG_TYPE_TRACEPOINT) ? BPF_PROG_TYPE_TRACEPOINT
                                                                  : BPF_PROG_TYPE_KPROBE;
    for (int h = 1; h < __BPF_FUNC_MAX_ID; h++)
        if (ks_helper_supported(ptype, h)) {
            ks_buf_printf(&b, "helper %d\n", h);
            nh++;
        }
    /* Every other feature probe of ks_features, in its fake-root form (a new probe there
     * needs its line here, or a profile answers it "no"). */
    if (ks_have_bounded_loops())
        ks_buf_add(&b, "bounded_loops 1\n");
    if (ks_have_inplace_events())
        ks_buf_add(&b, "inplace_events 1\n");
    put_file(dir, "kscope-features", b.s ? b.s : "", b.len);
    ks_buf_printf(summary, "BPF: %d program types, %d map types, %d helpers\n", np, nm, nh);
    ks_buf_free(&b);
}

static void save_config(const char *dir, const char *release, struct ks_buf *summary)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "/boot/config-%s", release);
    char *text = ks_read_file(p, NULL);
    struct ks_buf b = {0};
    ks_buf_printf(&b, "# from %s\n", text ? p : "(no /boot/config: unknown)");
    for (size_t i = 0; text && i < sizeof(config_opts) / sizeof(config_opts[0]); i++) {
        const char *v = "n";
        size_t n = strlen(config_opts[i]);
        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
            if (!strncmp(l, config_opts[i], n) && l[n] == '=')
                v = l[n + 1] == 'y' ? "y" : l[n + 1] == 'm' ? "m" : "n";
        ks_buf_printf(&b, "%s=%s\n", config_opts[i], v);
    }
    put_file(dir, "config", b.s, b.len);
    ks_buf_printf(summary, "config: %s\n", text ? p : "none found (/boot/config-<release>)");
    free(text);
    ks_buf_free(&b);
}

/* SHA256SUMS over every regular file but itself, sorted by path. */
static struct ks_buf *g_sums;
static const char *g_sums_dir;
static int sum_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)f;
    const char *rel = p + strlen(g_sums_dir) + 1;
    if (flag != FTW_F || !strcmp(rel, SUMS))
        return 0;
    size_t n;
    char *data = ks_read_file(p, &n);
    if (!data)
        return -1;
    uint8_t d[32];
    char hex[65];
    ks_sha256(data, n, d);
    ks_sha256_hex(d, hex);
    free(data);
    ks_buf_printf(g_sums, "%s  %s\n", hex, rel);
    return 0;
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a + 66, *(char *const *)b + 66);
}

static int checksums(const char *dir, struct ks_buf *out)
{
    struct ks_buf raw = {0};
    g_sums = &raw;
    g_sums_dir = dir;
    int rc = nftw(dir, sum_entry, 16, FTW_PHYS);
    /* Sort for a reproducible file. */
    char **lines = NULL;
    size_t n = 0;
    char *save = NULL;
    for (char *l = raw.s ? strtok_r(raw.s, "\n", &save) : NULL; l;
         l = strtok_r(NULL, "\n", &save)) {
        lines = ks_xrealloc(lines, (n + 1) * sizeof(*lines));
        lines[n++] = l;
    }
    qsort(lines, n, sizeof(*lines), cmp_lines);
    for (size_t i = 0; i < n; i++)
        ks_buf_printf(out, "%s\n", lines[i]);
    free(lines);
    ks_buf_free(&raw);
    return rc;
}

int ks_profile_save(const char *file, struct ks_buf *summary, struct ks_buf *err)
{
    if (geteuid() != 0) {
        ks_buf_add(err, "saving a profile needs root (tracefs, kallsyms and the BPF feature "
                        "probes): sudo kscope-doctor --save-profile FILE");
        return -1;
    }
    const char *why = NULL;
    const char *tracefs = ks_tracefs(&why);
    if (!tracefs) {
        ks_buf_printf(err, "cannot save a profile: %s", why);
        return -1;
    }
    /* Before 5.11 BPF memory counts against RLIMIT_MEMLOCK, and hundreds of probe programs
     * in a row (freed only after an RCU grace period) exhaust the default: later probes
     * would fail for that reason alone and the profile would deny what the kernel has. */
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_MEMLOCK, &rl);
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/kscope-profile.XXXXXX", scratch_dir());
    if (!mkdtemp(dir)) {
        ks_buf_printf(err, "cannot make a temporary directory: %s", strerror(errno));
        return -1;
    }
    int rc = -1;
    struct utsname u;
    uname(&u);
    struct ks_buf m = {0};
    ks_buf_printf(&m, "%s %d\nrelease %s\nmachine %s\nuname-version %s\nkscope %s\n", MANIFEST,
                  KS_PROFILE_VERSION, u.release, u.machine, u.version, KS_VERSION);
    put_file(dir, MANIFEST, m.s, m.len);
    ks_buf_free(&m);
    ks_buf_printf(summary, "kernel: %s (%s)\n", u.release, u.machine);
    /* What the exact-headers check (ks_headers_exact) reads of a kernel: with these, a
     * compile for the profile decides struct reads as the target decides them itself. */
    copy_in(dir, "proc/sys/kernel/osrelease", "/proc/sys/kernel/osrelease");
    copy_in(dir, "proc/sys/kernel/version", "/proc/sys/kernel/version");
    char bc[PATH_MAX], rel[PATH_MAX + 16];
    snprintf(bc, sizeof(bc), "/boot/config-%s", u.release);
    snprintf(rel, sizeof(rel), "boot/config-%s", u.release);
    copy_in(dir, rel, bc);
    if (!copy_in(dir, "proc/version", "/proc/version")) {
        ks_buf_printf(err, "cannot read /proc/version: %s", strerror(errno));
        goto out;
    }
    uint64_t t0 = ks_now_ns();
    long nf = save_formats(dir, tracefs);
    ks_info("profile: tracepoint formats, %.1f s", (double)(ks_now_ns() - t0) / 1e9);
    long nk = save_kallsyms(dir);
    ks_info("profile: kallsyms, %.1f s", (double)(ks_now_ns() - t0) / 1e9);
    if (nf < 0 || nk < 0) {
        ks_buf_printf(err, "cannot read %s: %s",
                      nf < 0 ? "the tracepoint formats" : "/proc/kallsyms",
                      strerror(errno));
        goto out;
    }
    ks_buf_printf(summary, "tracepoint formats: %ld\nkallsyms functions: %ld\n", nf, nk);
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/available_filter_functions", tracefs);
    bool aff = copy_in(dir, "sys/kernel/tracing/available_filter_functions", p);
    snprintf(p, sizeof(p), "%s/kprobe_events", tracefs);
    if (ks_path_exists(p))
        put_file(dir, "sys/kernel/tracing/kprobe_events", "", 0);
    bool bl = copy_in(dir, "sys/kernel/debug/kprobes/blacklist",
                      "/sys/kernel/debug/kprobes/blacklist");
    copy_in(dir, "sys/bus/event_source/devices/kprobe/type",
            "/sys/bus/event_source/devices/kprobe/type");
    /* Uprobes (threadsnoop, plockstat, ...): what ks_uprobes_supported() asks the kernel.
     * Without these a build for the profile finds no uprobes and skips those programs. */
    snprintf(p, sizeof(p), "%s/uprobe_events", tracefs);
    if (ks_path_exists(p))
        put_file(dir, "sys/kernel/tracing/uprobe_events", "", 0);
    copy_in(dir, "sys/bus/event_source/devices/uprobe/type",
            "/sys/bus/event_source/devices/uprobe/type");
    copy_in(dir, "sys/devices/system/cpu/online", "/sys/devices/system/cpu/online");
    save_block_devs(dir);
    bool btf = ks_btf_present();
    if (btf)
        put_file(dir, "sys/kernel/btf/vmlinux", "", 0); /* presence only */
    ks_buf_printf(summary,
                  "available_filter_functions: %s\nkprobe blacklist: %s\nkprobes: %s\nuprobes: "
                  "%s\nBTF: %s\n",
                  aff ? "saved" : "not readable", bl ? "saved" : "not readable (debugfs)",
                  ks_kprobes_supported(NULL) ? "yes" : "no",
                  ks_uprobes_supported(NULL) ? "yes" : "no", btf ? "yes" : "no");
    ks_info("profile: tracefs and sysfs files, %.1f s", (double)(ks_now_ns() - t0) / 1e9);
    save_features(dir, summary);
    ks_info("profile: BPF feature probes, %.1f s", (double)(ks_now_ns() - t0) / 1e9);
    save_config(dir, u.release, summary);
    struct ks_buf sums = {0};
    if (checksums(dir, &sums) != 0 || put_file(dir, SUMS, sums.s, sums.len) != 0) {
        ks_buf_free(&sums);
        ks_buf_printf(err, "cannot checksum the profile's files");
        goto out;
    }
    ks_buf_free(&sums);

    char tmp[PATH_MAX + 16], msg[512];
    snprintf(tmp, sizeof(tmp), "%s.tmp%d", file, (int)getpid());
    char *argv[] = {"tar", "-cJf", tmp, "-C", dir, "--owner=0", "--group=0", "--numeric-owner",
                    "--sort=name", ".", NULL};
    if (ks_run(argv, msg, sizeof(msg)) != 0) {
        ks_buf_printf(err, "cannot write %s: tar: %s", file, msg);
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, file) != 0) {
        ks_buf_printf(err, "cannot write %s: %s", file, strerror(errno));
        unlink(tmp);
        goto out;
    }
    ks_info("profile: written, %.1f s", (double)(ks_now_ns() - t0) / 1e9);
    rc = 0;
out:
    ks_rmtree(dir);
    return rc;
}

/* ---- opening --------------------------------------------------------------------------- */

static const char *g_bad;
static int check_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)p, (void)f;
    if (flag == FTW_D || (flag == FTW_F && S_ISREG(st->st_mode)))
        return 0;
    g_bad = "it holds something other than files and directories";
    return 1;
}


/* Every file listed hashes as listed, and every file is listed. */
static bool verify_sums(const char *dir, const char **what, char *path, size_t psize)
{
    char p[PATH_MAX + 32];
    snprintf(p, sizeof(p), "%s/%s", dir, SUMS);
    char *listed = ks_read_file(p, NULL);
    if (!listed) {
        *what = "it has no " SUMS;
        return false;
    }
    struct ks_buf actual = {0};
    checksums(dir, &actual);
    bool ok = actual.s && !strcmp(actual.s, listed);
    if (!ok) {
        /* Name the first file that differs. */
        const char *a = actual.s ? actual.s : "", *l = listed;
        while (*a && *l && strcspn(a, "\n") == strcspn(l, "\n") &&
               !strncmp(a, l, strcspn(a, "\n"))) {
            a += strcspn(a, "\n") + 1;
            l += strcspn(l, "\n") + 1;
        }
        const char *line = *l ? l : a;
        const char *name = strlen(line) > 66 ? line + 66 : "?";
        snprintf(path, psize, "%.*s", (int)strcspn(name, "\n"), name);
        *what = "a file does not match its checksum, or is missing or extra";
    }
    ks_buf_free(&actual);
    free(listed);
    return ok;
}

int ks_profile_open(const char *file, struct ks_profile *p, struct ks_buf *err)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->file, sizeof(p->file), "%s", file);
    struct stat st;
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
        ks_buf_printf(err, "profile %s: %s", file, errno ? strerror(errno) : "not a file");
        return -1;
    }
    snprintf(p->dir, sizeof(p->dir), "%s/kscope-target.XXXXXX", scratch_dir());
    if (!mkdtemp(p->dir)) {
        ks_buf_printf(err, "cannot make a temporary directory for the profile: %s",
                      strerror(errno));
        p->dir[0] = '\0';
        return -1;
    }
    char msg[512];
    char *argv[] = {"tar", "-xJf", (char *)file, "-C", p->dir, "--no-same-owner",
                    "--no-same-permissions", NULL};
    if (ks_run(argv, msg, sizeof(msg)) != 0) {
        ks_buf_printf(err,
                      "profile %s cannot be unpacked (truncated, or not a kscope profile): %s",
                      file, msg[0] ? msg : "tar failed");
        goto fail;
    }
    g_bad = NULL;
    if (nftw(p->dir, check_entry, 16, FTW_PHYS) != 0 && g_bad) {
        ks_buf_printf(err, "profile %s is not a kscope profile: %s", file, g_bad);
        goto fail;
    }
    char mp[PATH_MAX + 32];
    snprintf(mp, sizeof(mp), "%s/%s", p->dir, MANIFEST);
    char *manifest = ks_read_file(mp, NULL);
    if (!manifest || sscanf(manifest, MANIFEST " %d", &p->version) != 1) {
        free(manifest);
        ks_buf_printf(err, "%s is not a kscope profile (no %s file with a version): save one "
                           "with kscope-doctor --save-profile FILE",
                      file, MANIFEST);
        goto fail;
    }
    if (p->version != KS_PROFILE_VERSION) {
        free(manifest);
        ks_buf_printf(err,
                      "profile %s has version %d; this kscope (%s) reads version %d only: save "
                      "the profile again with this kscope's kscope-doctor --save-profile",
                      file, p->version, KS_VERSION, KS_PROFILE_VERSION);
        goto fail;
    }
    const char *what = NULL;
    char bad[PATH_MAX] = "";
    if (!verify_sums(p->dir, &what, bad, sizeof(bad))) {
        free(manifest);
        ks_buf_printf(err, "profile %s is damaged or was changed: %s%s%s. Save it again on "
                           "the target (kscope-doctor --save-profile)",
                      file, what, bad[0] ? ": " : "", bad);
        goto fail;
    }
    bool ok = ks_text_field(manifest, "release", p->release, sizeof(p->release)) &&
              ks_text_field(manifest, "machine", p->machine, sizeof(p->machine));
    free(manifest);
    if (!ok) {
        ks_buf_printf(err, "profile %s names no kernel release or machine", file);
        goto fail;
    }
    struct utsname u;
    uname(&u);
    if (strcmp(p->machine, u.machine) != 0) {
        ks_buf_printf(err,
                      "profile %s is for machine %s (kernel %s), but this machine is %s: kscope "
                      "compiles for its own architecture; build on a machine of that one (%s)",
                      file, p->machine, p->release, u.machine, p->machine);
        goto fail;
    }
    char vp[PATH_MAX + 32];
    snprintf(vp, sizeof(vp), "%s/proc/version", p->dir);
    p->proc_version = ks_read_file(vp, NULL);
    if (!p->proc_version) {
        ks_buf_printf(err, "profile %s has no proc/version", file);
        goto fail;
    }
    return 0;
fail:
    ks_profile_close(p);
    return -1;
}

void ks_profile_use(const struct ks_profile *p)
{
    ks_features_set_root(p->dir);
    ks_features_set_kernel(p->release, p->machine, p->proc_version);
}

void ks_profile_close(struct ks_profile *p)
{
    if (p->dir[0])
        ks_rmtree(p->dir);
    p->dir[0] = '\0';
    free(p->proc_version);
    p->proc_version = NULL;
}
