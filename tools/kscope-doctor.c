/* kscope-doctor: what works on this machine, and what to do about what does not.
 *
 * Checks, in order: the system (kernel release, user, libbcc and its compiler library, the
 * compile cache), kernel features (the bpf() syscall, BPF program and map types, the JIT,
 * tracefs, debugfs, kprobes, BTF, lockdown), the kernel headers the tools would compile
 * against, and then every tool: each is run as `<tool> --check --probe=MODE` for the modes
 * auto, tracepoint and kprobe, and its answer (probe lines, result line, exit status and
 * stderr) is reported. Every item gets a status (ok, info, warn, fail) and, when it is not
 * ok, one line saying how to fix it.
 *
 * Exit status: 0 when every tool can run, 1 when some cannot, 2 on usage errors.
 * "Can run" means for real: the tool's probes resolve (--check), and root, the bpf()
 * syscall, the kernel headers and libbcc's compiler are there. Without root the BPF checks
 * are skipped and, tracefs being root's, the tools' answers are reported as not verified.
 *
 * KSCOPE_FAKE_ROOT (tests) makes the doctor, and the tools it runs, read /sys, /proc,
 * /lib/modules and tracefs under that directory (see ks_features.h).
 *
 * --json prints one JSON object. Its keys are stable (add keys, never rename or remove
 * them without bumping "schema"); absent or unchecked facts are null:
 *
 *   schema              1
 *   kscope_version      string
 *   system              {kernel_release, kernel_version ("a.b.c" as the kernel clamps it),
 *                        machine, euid (number), root (bool), libbcc_version,
 *                        libbcc_compiler (bool: libbcc.so.0 loads), libbcc_error,
 *                        cache_dir (string or null when the cache is unusable)}
 *   features            {bpf_syscall (bool|null), bpf_error,
 *                        prog_types {tracepoint, kprobe, perf_event} (bool|null each),
 *                        map_types {hash, array, perf_event_array, lru_hash, ringbuf}
 *                        (bool|null each),
 *                        unprivileged_bpf_disabled (number|null),
 *                        jit ("on"|"off"|"debug"|"unknown"), jit_enable (number|null),
 *                        tracefs (path|null), tracefs_mounted (bool: a tracefs or debugfs
 *                        tracing mount exists, even if this user cannot read it),
 *                        tracefs_mounted_by_doctor (bool), debugfs (mount point|null),
 *                        kprobes (bool|null), kprobe_pmu (bool), kprobe_events (bool),
 *                        kprobes_reason (string|null), btf (bool), lockdown (string|null)}
 *   headers             {found (bool), running_release, release, uts_release (from the
 *                        tree's utsrelease.h), exact (bool|null), how ("override"|"modules"|
 *                        "kheaders"|"closest"|null), source, build, split (bool), error}
 *   tools_dir           directory the tools were looked up in
 *   tools               [{name, path, found (bool), runs (bool: can run for real here),
 *                         check ("ok"|"unsupported"|"error"|"missing": the --probe=auto
 *                         answer), variant ("tracepoints"|"kprobes"|"tracepoints+kprobes"|
 *                         null), probes [{name, kind ("tracepoint"|"kprobe"|"kretprobe"|
 *                         "none"), target (string|null)}] (auto mode),
 *                         dashed [strings "COLUMNS[ (with OPTION)]: why": columns read from
 *                         kernel structs that print "-" here (auto mode)],
 *                         modes {auto, tracepoint, kprobe: {ok (bool), exit (number|null),
 *                                probes [...], reason (string|null), stderr [lines]}},
 *                         blocked_by [ids of failed prerequisites: "root", "bpf_syscall",
 *                                     "headers", "libbcc"], reason (string|null),
 *                         fix (string|null)}]
 *   checks              [{id ("kernel", "root", "fake_root", "libbcc", "cache", "bpf_syscall",
 *                         "prog_types", "map_types", "jit", "tracefs", "debugfs", "kprobes",
 *                         "btf", "lockdown", "headers", "tool.<name>", "struct_reads",
 *                         "cached"), section, name,
 *                         status ("ok"|"info"|"warn"|"fail"), value,
 *                         fix (string|null), detail [lines]}]: every line of the human
 *                         report, in order
 *   summary             {tools_total, tools_runnable, all_runnable (bool),
 *                        kprobe_only_unsupported (kprobe-only tools on a kernel without
 *                        kprobes), warnings, failures, text}
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/bpf.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ks_cache.h"
#include "ks_compile.h"
#include "ks_features.h"
#include "ks_headers.h"
#include "ks_json.h"
#include "ks_opts.h"
#include "ks_probe.h"
#include "ks_profile.h"
#include "ks_util.h"

#ifndef KS_TOOL_NAMES
#define KS_TOOL_NAMES "execsnoop;opensnoop;biolatency"
#endif

#define TOOL_TIMEOUT_MS 60000
#define MAX_TOOLS 128
#define MAX_PROBES 32
#define STDERR_LINES 4 /* of a tool's reason, in the human report (all with -v) */

/* ---- items: one line of the report each ------------------------------------------------ */

enum status { ST_OK, ST_INFO, ST_WARN, ST_FAIL };
static const char *const status_name[] = {"ok", "info", "warn", "fail"};
/* Tags in the human report: problems in capitals so they stand out. */
static const char *const status_tag[] = {"ok", "info", "WARN", "FAIL"};

enum section { SEC_SYSTEM, SEC_FEATURES, SEC_HEADERS, SEC_TOOLS, SEC_N };
static const char *const section_name[] = {"System", "Kernel features", "Kernel headers", "Tools"};

struct item {
    enum section section;
    char id[80]; /* stable: "kernel", "bpf_syscall", ..., "tool.<name>" */
    char name[64];
    enum status status;
    char *value;
    char *fix;
    char **detail;
    int ndetail;
};

static struct item *g_items;
static int g_nitems, g_capitems;

static char *vfmt(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0) {
        fprintf(stderr, "kscope-doctor: out of memory\n");
        abort();
    }
    return s;
}

static struct item *add_item(enum section sec, const char *id, const char *name, enum status st,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static struct item *add_item(enum section sec, const char *id, const char *name, enum status st,
                             const char *fmt, ...)
{
    if (g_nitems == g_capitems) {
        g_capitems = g_capitems ? g_capitems * 2 : 32;
        g_items = ks_xrealloc(g_items, (size_t)g_capitems * sizeof(*g_items));
    }
    struct item *it = &g_items[g_nitems++];
    memset(it, 0, sizeof(*it));
    it->section = sec;
    snprintf(it->id, sizeof(it->id), "%s", id);
    snprintf(it->name, sizeof(it->name), "%s", name);
    it->status = st;
    va_list ap;
    va_start(ap, fmt);
    it->value = vfmt(fmt, ap);
    va_end(ap);
    return it;
}

static void set_fix(struct item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_fix(struct item *it, const char *fmt, ...)
{
    free(it->fix);
    va_list ap;
    va_start(ap, fmt);
    it->fix = vfmt(fmt, ap);
    va_end(ap);
}

static void add_detail(struct item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_detail(struct item *it, const char *fmt, ...)
{
    it->detail = ks_xrealloc(it->detail, (size_t)(it->ndetail + 1) * sizeof(char *));
    va_list ap;
    va_start(ap, fmt);
    it->detail[it->ndetail++] = vfmt(fmt, ap);
    va_end(ap);
}

/* ---- small helpers ----------------------------------------------------------------------- */

/* A path on the system under test: the fake root of the tests, or the real one. */
static const char *sys_path(char *buf, size_t size, const char *p)
{
    return ks_join(buf, size, ks_features_root(), p);
}

/* First line of a small file, without the newline; false when unreadable. */
static bool read_line(const char *path, char *out, size_t size)
{
    char p[PATH_MAX];
    char *text = ks_read_file(sys_path(p, sizeof(p), path), NULL);
    if (!text) return false;
    text[strcspn(text, "\n")] = '\0';
    snprintf(out, size, "%s", text);
    free(text);
    return true;
}

/* Where a file system of this type is mounted (the first such mount), from /proc/self/mounts. */
static bool mount_of_type(const char *fstype, char *where, size_t size)
{
    char p[PATH_MAX];
    char *text = ks_read_file(sys_path(p, sizeof(p), "/proc/self/mounts"), NULL);
    if (!text) return false;
    bool found = false;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && !found;
         line = strtok_r(NULL, "\n", &save)) {
        char dev[256], dir[PATH_MAX], type[64];
        if (sscanf(line, "%255s %4095s %63s", dev, dir, type) == 3 && !strcmp(type, fstype)) {
            snprintf(where, size, "%s", dir);
            found = true;
        }
    }
    free(text);
    return found;
}

/* A CONFIG_ option from /boot/config-<release>: "y", "m", "n" (not set), or NULL (no file). */
static const char *kconfig(const char *release, const char *opt)
{
    char rel[PATH_MAX], p[PATH_MAX];
    snprintf(rel, sizeof(rel), "/boot/config-%s", release);
    char *text = ks_read_file(sys_path(p, sizeof(p), rel), NULL);
    if (!text) return NULL;
    const char *ans = "n";
    size_t n = strlen(opt);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, opt, n) && line[n] == '=') {
            ans = line[n + 1] == 'y' ? "y" : line[n + 1] == 'm' ? "m" : "n";
            break;
        }
    }
    free(text);
    return ans;
}

static long sys_bpf(int cmd, union bpf_attr *attr, unsigned size)
{
    return syscall(__NR_bpf, cmd, attr, size);
}

/* Does bpf() work at all? 0, or the errno of a tiny array map's creation. */
static int bpf_syscall_errno(void)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    int fd = (int)sys_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
    if (fd < 0) return errno ? errno : EINVAL;
    close(fd);
    return 0;
}

/* The directory this executable lives in (the tools are installed next to it). */
static void self_dir(const char *argv0, char *out, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
    } else if (!realpath(argv0, exe)) {
        snprintf(exe, sizeof(exe), "%s", argv0);
    }
    char *slash = strrchr(exe, '/');
    if (slash == exe)
        snprintf(out, size, "/");
    else if (slash) {
        *slash = '\0';
        snprintf(out, size, "%s", exe);
    } else {
        snprintf(out, size, ".");
    }
}

/* ---- running a child, capturing stdout and stderr ---------------------------------------- */

struct captured {
    int status; /* exit status; 128+signal when killed; -1 when it could not start */
    bool timed_out;
    struct ks_buf out, err;
};

static void run_capture(char *const argv[], int timeout_ms, struct captured *c)
{
    memset(c, 0, sizeof(*c));
    c->status = -1;
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) != 0) return;
    if (pipe2(pe, O_CLOEXEC) != 0) {
        close(po[0]);
        close(po[1]);
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        ks_buf_printf(&c->err, "fork: %s\n", strerror(errno));
        close(po[0]);
        close(po[1]);
        close(pe[0]);
        close(pe[1]);
        return;
    }
    if (pid == 0) {
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0) dup2(nul, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        execv(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    struct pollfd fds[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
    struct ks_buf *bufs[2] = {&c->out, &c->err};
    int open_fds = 2;
    uint64_t deadline = ks_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    while (open_fds > 0) {
        uint64_t now = ks_now_ns();
        if (now >= deadline) {
            c->timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        int r = poll(fds, 2, (int)((deadline - now) / 1000000ull) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            ssize_t n = read(fds[i].fd, buf, sizeof(buf));
            if (n > 0) {
                if (bufs[i]->len < (1u << 20)) /* a runaway child cannot eat our memory */
                    ks_buf_addn(bufs[i], buf, (size_t)n);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0) close(fds[i].fd);
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) return;
    }
    c->status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

static void captured_free(struct captured *c)
{
    ks_buf_free(&c->out);
    ks_buf_free(&c->err);
}

/* Does libbcc's compiler half load? In a child: it maps clang and LLVM, ~100 MB. */
static bool libbcc_loads(char *err, size_t size)
{
    err[0] = '\0';
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(err, size, "pipe: %s", strerror(errno));
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, size, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return false;
    }
    if (pid == 0) {
        close(p[0]);
        void *h = dlopen("libbcc.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            const char *e = dlerror();
            dprintf(p[1], "%s", e ? e : "dlopen failed");
            _exit(1);
        }
        _exit(dlsym(h, "bpf_module_create_c_from_string") ? 0 : 2);
    }
    close(p[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < size &&
           ((r = read(p[0], err + n, size - n - 1)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0) n += (size_t)r;
    err[n] = '\0';
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, size, "waitpid: %s", strerror(errno));
            return false;
        }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return true;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
        snprintf(err, size, "libbcc.so.0 lacks bpf_module_create_c_from_string");
    else if (!err[0])
        snprintf(err, size, "loading libbcc.so.0 crashed");
    return false;
}

/* ---- JSON ------------------------------------------------------------------------------ */

/* -1: null (not known or not checked). */
static void json_tri(struct ks_json *j, const char *key, int v)
{
    if (v < 0)
        ks_json_null(j, key);
    else
        ks_json_bool(j, key, v);
}

/* ---- the facts ----------------------------------------------------------------------------- */

static struct {
    bool json;
    const char *kernel_headers;
} g_opt;

static struct {
    struct utsname u;
    unsigned vcode;
    bool root;
    bool fake;    /* KSCOPE_FAKE_ROOT: answers from a fabricated /sys and /proc (tests) */
    bool can_bpf; /* the BPF checks can be made (root, or a fake root) */
    bool libbcc_ok;
    char libbcc_err[512];
    char cache_dir[PATH_MAX];
    bool cache_ok;
    char kheaders_dir[PATH_MAX + 16];

    int bpf_syscall; /* 1, 0, -1: not checked */
    int bpf_errno;
    int prog_tp, prog_kp, prog_pe;
    int map_hash, map_array, map_perf, map_lru, map_ringbuf;
    int inplace; /* opensnoop can build events in place (KS_EVENTS_INPLACE) */
    long unpriv;
    long jit; /* -1: unknown */

    const char *tracefs;
    bool tracefs_mounted;
    bool tracefs_mounted_by_doctor;
    char debugfs[PATH_MAX];
    bool debugfs_mounted;
    int kprobes; /* 1, 0, -1: unknown */
    bool kprobe_pmu, kprobe_events;
    const char *kprobes_why;
    bool btf;
    char lockdown[64];
    bool lockdown_known;

    bool headers_found;
    struct ks_headers h;
    char headers_uts[128];
    struct ks_buf headers_err;
    bool headers_mismatch;
} F;

struct probe_line {
    char name[64];
    char kind[16];
    char target[128];
};

enum { MODE_AUTO, MODE_TP, MODE_KP, NMODES };
static const char *const mode_name[] = {"auto", "tracepoint", "kprobe"};

struct mode_result {
    bool ran;
    int exit;      /* -1: did not start */
    bool ok;       /* "result ok" and exit 0 */
    bool answered; /* printed a result line */
    struct probe_line probes[MAX_PROBES];
    int nprobes;
    char **err; /* stderr lines */
    int nerr;
    char **dash; /* "dash" lines: columns that print "-" here, and why */
    int ndash;
    char reason[512]; /* one line */
};

struct tool {
    char name[64];
    char path[PATH_MAX];
    bool found;
    struct mode_result m[NMODES];
    const char *check; /* "ok", "unsupported", "error", "missing" */
    char variant[32];
    bool runs;
    bool kprobe_only; /* needs kprobes, which this kernel has not: unsupported here */
    const char *blocked_by[4];
    int nblocked;
    char reason[512];
    char fix[512];
    enum status status;
};

static struct tool *g_tools; /* MAX_TOOLS of them, on the heap */
static int g_ntools;
static char g_tools_dir[PATH_MAX];

/* ---- checks ------------------------------------------------------------------------------- */

static const char *yesno(int v)
{
    return v < 0 ? "not checked" : v ? "yes" : "no";
}

static void remove_private_kheaders(void)
{
    ks_rmtree(F.kheaders_dir);
}

static void check_system(void)
{
    uname(&F.u);
    F.vcode = ks_kernel_version_code();
    F.root = geteuid() == 0;
    add_item(SEC_SYSTEM, "kernel", "kernel", ST_INFO, "%s (%s; version %u.%u.%u)", F.u.release,
             F.u.machine, F.vcode >> 16, (F.vcode >> 8) & 0xff, F.vcode & 0xff);

    struct item *it;
    if (F.root) {
        add_item(SEC_SYSTEM, "root", "user", ST_OK, "root");
    } else {
        it = add_item(SEC_SYSTEM, "root", "user", ST_WARN,
                      "not root (uid %d): the BPF checks need root and are skipped; tracefs "
                      "may be unreadable, so tool results are incomplete",
                      (int)geteuid());
        set_fix(it, "run as root: sudo kscope-doctor (the tools need root to trace too)");
    }
    if (F.fake)
        add_item(SEC_SYSTEM, "fake_root", "fake root", ST_INFO,
                 "KSCOPE_FAKE_ROOT=%s: kernel facts come from this directory (tests)",
                 ks_features_root());

    F.libbcc_ok = libbcc_loads(F.libbcc_err, sizeof(F.libbcc_err));
    if (F.libbcc_ok) {
        add_item(SEC_SYSTEM, "libbcc", "libbcc", ST_OK,
                 "%s (built against); compiler library libbcc.so.0 loads", ks_libbcc_version());
    } else {
        it = add_item(SEC_SYSTEM, "libbcc", "libbcc", ST_FAIL,
                      "%s (built against); compiler library libbcc.so.0 does not load: %s",
                      ks_libbcc_version(), F.libbcc_err);
        set_fix(it, "install libbcc: apt-get install libbpfcc (Debian, Ubuntu) or yum install "
                    "bcc (RHEL, Fedora)");
    }

    /* The compile cache, as the tools open it (it also holds unpacked kheaders). */
    if (F.root) {
        struct ks_cache c;
        ks_cache_open(&c, NULL, false);
        F.cache_ok = c.enabled;
        snprintf(F.cache_dir, sizeof(F.cache_dir), "%s", c.dir);
        /* Where the tools would unpack kheaders: the cache, or a private directory. */
        bool priv = false;
        if (!ks_cache_kheaders_dir(&c, F.kheaders_dir, sizeof(F.kheaders_dir), &priv))
            F.kheaders_dir[0] = '\0';
        if (priv)
            atexit(remove_private_kheaders);
        if (c.enabled) {
            add_item(SEC_SYSTEM, "cache", "compile cache", ST_OK, "%s", c.dir);
        } else {
            it = add_item(SEC_SYSTEM, "cache", "compile cache", ST_INFO,
                          "%s is not usable: every run compiles (slower start)", c.dir);
            set_fix(it,
                    "mkdir -p %s && chown root %s && chmod 700 %s (or set "
                    "KSCOPE_CACHE_DIR)",
                    c.dir, c.dir, c.dir);
        }
    } else {
        add_item(SEC_SYSTEM, "cache", "compile cache", ST_INFO, "not checked (not root)");
    }
}

static void check_bpf(void)
{
    struct item *it;
    F.bpf_syscall = F.prog_tp = F.prog_kp = F.prog_pe = -1;
    F.map_hash = F.map_array = F.map_perf = F.map_lru = F.map_ringbuf = F.inplace = -1;
    char line[64];
    F.unpriv = -1;
    if (read_line("/proc/sys/kernel/unprivileged_bpf_disabled", line, sizeof(line)))
        ks_parse_long(line, -1000, 1000, &F.unpriv);

    if (!F.can_bpf) {
        it = add_item(SEC_FEATURES, "bpf_syscall", "BPF syscall", ST_WARN,
                      "not checked: the BPF checks need root");
        set_fix(it, "run as root: sudo kscope-doctor");
    } else {
        if (F.fake) {
            F.bpf_syscall = ks_map_type_supported(BPF_MAP_TYPE_ARRAY);
            F.bpf_errno = F.bpf_syscall ? 0 : ENOSYS;
        } else {
            F.bpf_errno = bpf_syscall_errno();
            F.bpf_syscall = F.bpf_errno == 0;
        }
        if (F.bpf_syscall) {
            add_item(SEC_FEATURES, "bpf_syscall", "BPF syscall", ST_OK, "works");
        } else if (F.bpf_errno == ENOSYS) {
            it = add_item(SEC_FEATURES, "bpf_syscall", "BPF syscall", ST_FAIL,
                          "missing (ENOSYS): the kernel is built without CONFIG_BPF_SYSCALL");
            set_fix(it, "use a kernel with CONFIG_BPF_SYSCALL=y and CONFIG_BPF_EVENTS=y (4.7 or "
                        "later)");
        } else if (F.bpf_errno == EPERM || F.bpf_errno == EACCES) {
            it = add_item(SEC_FEATURES, "bpf_syscall", "BPF syscall", ST_FAIL, "not permitted (%s)",
                          strerror(F.bpf_errno));
            set_fix(it, "in a container, run it with --privileged (or CAP_SYS_ADMIN, or "
                        "CAP_BPF and CAP_PERFMON) and no seccomp filter on bpf(); check "
                        "kernel lockdown");
        } else {
            it = add_item(SEC_FEATURES, "bpf_syscall", "BPF syscall", ST_FAIL, "fails: %s",
                          strerror(F.bpf_errno));
            set_fix(it, "raise RLIMIT_MEMLOCK (ulimit -l unlimited) on kernels before 5.11, "
                        "or check dmesg");
        }
    }

    if (F.can_bpf && F.bpf_syscall == 1) {
        F.prog_tp = ks_prog_type_supported(BPF_PROG_TYPE_TRACEPOINT);
        F.prog_kp = ks_prog_type_supported(BPF_PROG_TYPE_KPROBE);
        F.prog_pe = ks_prog_type_supported(BPF_PROG_TYPE_PERF_EVENT);
        F.map_hash = ks_map_type_supported(BPF_MAP_TYPE_HASH);
        F.map_array = ks_map_type_supported(BPF_MAP_TYPE_ARRAY);
        F.map_perf = ks_map_type_supported(BPF_MAP_TYPE_PERF_EVENT_ARRAY);
        F.map_lru = ks_map_type_supported(BPF_MAP_TYPE_LRU_HASH);
        F.map_ringbuf = ks_map_type_supported(BPF_MAP_TYPE_RINGBUF);
        /* As ks_tool decides: the ring buffer wakes the reader, x86 orders the stores. */
        F.inplace = F.map_ringbuf && ks_have_inplace_events() &&
                    !strcmp(ks_kernel_machine(), "x86_64");

        enum status st = F.prog_tp && F.prog_kp   ? ST_OK
                         : F.prog_tp || F.prog_kp ? ST_WARN
                                                  : ST_FAIL;
        it = add_item(SEC_FEATURES, "prog_types", "BPF programs", st,
                      "tracepoint %s, kprobe %s, perf_event %s", yesno(F.prog_tp), yesno(F.prog_kp),
                      yesno(F.prog_pe));
        if (!F.prog_tp && !F.prog_kp)
            set_fix(it, "the kernel cannot load BPF tracing programs: use 4.7 or later with "
                        "CONFIG_BPF_EVENTS=y");
        else if (!F.prog_tp)
            set_fix(it, "BPF tracepoint programs need 4.7 or later; tools fall back to kprobes");
        else if (!F.prog_kp)
            set_fix(it, "BPF kprobe programs need CONFIG_BPF_EVENTS with CONFIG_KPROBE_EVENTS; "
                        "tools use tracepoints");

        bool need = F.map_hash && F.map_array && F.map_perf;
        it = add_item(SEC_FEATURES, "map_types", "BPF maps", need ? ST_OK : ST_FAIL,
                      "hash %s, array %s, perf_event_array %s, lru_hash %s%s, ringbuf %s%s%s",
                      yesno(F.map_hash), yesno(F.map_array), yesno(F.map_perf), yesno(F.map_lru),
                      F.map_lru ? "" : " (optional: plain hash maps are used)",
                      yesno(F.map_ringbuf),
                      F.map_ringbuf ? " (events go through the BPF ring buffer)"
                                    : " (optional: events go through perf buffers)",
                      F.inplace ? "; opensnoop builds its events in place (x86_64, 5.12+)" : "");
        if (!need) set_fix(it, "the kernel lacks map types the tools need: use 4.4 or later");
    } else if (F.can_bpf) {
        add_item(SEC_FEATURES, "prog_types", "BPF programs", ST_INFO,
                 "not checked (the bpf() syscall does not work)");
    }

    /* The JIT: 0 interpreter, 1 on, 2 on with debug output in the kernel log. */
    F.jit = -1;
    if (read_line("/proc/sys/net/core/bpf_jit_enable", line, sizeof(line)))
        ks_parse_long(line, 0, 1000, &F.jit);
    if (F.jit == 1) {
        add_item(SEC_FEATURES, "jit", "BPF JIT", ST_OK, "on (net.core.bpf_jit_enable = 1)");
    } else if (F.jit == 0) {
        it = add_item(SEC_FEATURES, "jit", "BPF JIT", ST_WARN,
                      "off (net.core.bpf_jit_enable = 0): programs run interpreted, slower");
        set_fix(it, "sysctl -w net.core.bpf_jit_enable=1");
    } else if (F.jit == 2) {
        it = add_item(SEC_FEATURES, "jit", "BPF JIT", ST_WARN,
                      "on, in debug mode (net.core.bpf_jit_enable = 2): every program is "
                      "dumped to the kernel log");
        set_fix(it, "sysctl -w net.core.bpf_jit_enable=1");
    } else {
        add_item(SEC_FEATURES, "jit", "BPF JIT", ST_INFO,
                 "unknown (no /proc/sys/net/core/bpf_jit_enable: no JIT for this "
                 "architecture, or CONFIG_BPF_JIT_ALWAYS_ON)");
    }
}

static void check_tracing(void)
{
    struct item *it;
    char where[PATH_MAX];
    /* Before: does a tracing mount exist? ks_tracefs() mounts one when it can (as root),
     * like the tools do; say so when that happened. */
    bool tfs_before = mount_of_type("tracefs", where, sizeof(where));
    bool dfs_before = mount_of_type("debugfs", where, sizeof(where));
    const char *why = NULL;
    F.tracefs = ks_tracefs(&why);
    bool tfs_after = mount_of_type("tracefs", where, sizeof(where));
    F.debugfs_mounted = mount_of_type("debugfs", F.debugfs, sizeof(F.debugfs));
    F.tracefs_mounted = tfs_after || F.debugfs_mounted || F.tracefs;
    F.tracefs_mounted_by_doctor =
        F.tracefs && ((!tfs_before && tfs_after) || (!dfs_before && F.debugfs_mounted));
    if (F.tracefs) {
        it = add_item(SEC_FEATURES, "tracefs", "tracefs", ST_OK, "%s%s", F.tracefs,
                      F.tracefs_mounted_by_doctor ? " (was not mounted: mounted it, as the "
                                                    "tools do when run as root)"
                                                  : "");
    } else if (!F.root && F.tracefs_mounted) {
        it = add_item(SEC_FEATURES, "tracefs", "tracefs", ST_WARN,
                      "mounted, but not readable by this user");
        set_fix(it, "run as root: sudo kscope-doctor");
    } else {
        it = add_item(SEC_FEATURES, "tracefs", "tracefs", ST_FAIL, "not mounted%s",
                      F.root && !F.fake ? ", and mounting it failed" : "");
        set_fix(it, "mount -t tracefs tracefs /sys/kernel/tracing (kernels before 4.1: mount "
                    "-t debugfs debugfs /sys/kernel/debug)");
        if (why) add_detail(it, "%s", why);
    }

    bool old = F.vcode < ((4u << 16) | (17u << 8));
    /* kprobes: the perf kprobe PMU (4.17+) or kprobe_events in tracefs. */
    char p[PATH_MAX];
    F.kprobe_pmu =
        ks_path_exists(sys_path(p, sizeof(p), "/sys/bus/event_source/devices/kprobe/type"));
    if (F.tracefs) {
        snprintf(p, sizeof(p), "%s/kprobe_events", F.tracefs);
        F.kprobe_events = ks_path_exists(p);
    }
    F.kprobes = ks_kprobes_supported(&F.kprobes_why);
    const char *kc = kconfig(F.u.release, "CONFIG_KPROBES");
    if (!F.kprobes && !F.tracefs && F.tracefs_mounted && old) {
        /* Without tracefs access a pre-4.17 kprobe_events cannot be seen: ask the config.
         * 4.17 and later have the kprobe PMU whenever they have kprobe events. */
        F.kprobes = kc ? !strcmp(kc, "y") : -1;
    }
    /* debugfs: needed for tracing before 4.1 (tracefs lives inside it), and kprobes before
     * 4.17 are made through kprobe_events there; later kernels only use it for the kprobe
     * blacklist, which kscope consults when it can. */
    if (F.debugfs_mounted) {
        add_item(SEC_FEATURES, "debugfs", "debugfs", ST_OK, "%s", F.debugfs);
    } else if (old && !F.tracefs) {
        it = add_item(SEC_FEATURES, "debugfs", "debugfs", ST_WARN,
                      "not mounted: kernels before 4.17 need it for kprobes (kprobe_events)");
        set_fix(it, "mount -t debugfs debugfs /sys/kernel/debug");
    } else if (F.kprobes == 0) {
        add_item(SEC_FEATURES, "debugfs", "debugfs", ST_INFO, "not mounted (not needed%s)",
                 old ? ": tracefs is mounted" : " on 4.17+");
    } else {
        it = add_item(SEC_FEATURES, "debugfs", "debugfs", ST_INFO,
                      "not mounted (not needed%s; the kprobe blacklist in it is not consulted)",
                      old ? ": tracefs is mounted" : " on 4.17+");
        set_fix(it, "optional: mount -t debugfs debugfs /sys/kernel/debug");
    }

    if (F.kprobes == 1) {
        add_item(SEC_FEATURES, "kprobes", "kprobes", ST_OK, "available (%s)",
                 F.kprobe_pmu      ? "perf kprobe PMU"
                 : F.kprobe_events ? "tracefs kprobe_events"
                                   : "CONFIG_KPROBES=y");
    } else if (F.kprobes == 0) {
        it = add_item(SEC_FEATURES, "kprobes", "kprobes", ST_WARN,
                      "unavailable: no kprobe PMU in /sys/bus/event_source/devices and no "
                      "kprobe_events in tracefs%s",
                      kc && strcmp(kc, "y") ? " (CONFIG_KPROBES is not set in /boot/config)" : "");
        F.kprobes_why = F.kprobes_why ? F.kprobes_why : "CONFIG_KPROBES is off";
        /* The config, when there is one, can tell the two options apart. */
        const char *kce = kconfig(F.u.release, "CONFIG_KPROBE_EVENTS");
        const char *opt = kc && !strcmp(kc, "y") && kce && strcmp(kce, "y") ? "CONFIG_KPROBE_EVENTS"
                                                                            : "CONFIG_KPROBES";
        set_fix(it,
                "kprobe fallbacks unavailable: %s is off; tools use tracepoints (a kernel "
                "with %s=y gives the fallbacks)",
                opt, opt);
    } else {
        it = add_item(SEC_FEATURES, "kprobes", "kprobes", ST_WARN,
                      "unknown: no kprobe PMU, and tracefs is not readable by this user");
        F.kprobes_why = "unknown: tracefs is not readable by this user";
        set_fix(it, "run as root: sudo kscope-doctor");
    }

    F.btf = ks_btf_present();
    add_item(SEC_FEATURES, "btf", "BTF", ST_INFO,
             "%s (not needed: kscope compiles against kernel headers)",
             F.btf ? "present at /sys/kernel/btf/vmlinux" : "absent");

    /* Lockdown: "none [integrity] confidentiality", the one in brackets is active. */
    char lk[256];
    if (read_line("/sys/kernel/security/lockdown", lk, sizeof(lk))) {
        char *o = strchr(lk, '['), *c = o ? strchr(o, ']') : NULL;
        if (o && c) {
            *c = '\0';
            snprintf(F.lockdown, sizeof(F.lockdown), "%s", o + 1);
            F.lockdown_known = true;
        }
    }
    if (F.lockdown_known) {
        if (!strcmp(F.lockdown, "confidentiality")) {
            it = add_item(SEC_FEATURES, "lockdown", "lockdown", ST_WARN,
                          "confidentiality: BPF programs cannot read kernel memory");
            set_fix(it, "boot with lockdown=integrity or lockdown=none (or without Secure "
                        "Boot enforcement)");
        } else {
            add_item(SEC_FEATURES, "lockdown", "lockdown",
                     strcmp(F.lockdown, "none") ? ST_INFO : ST_OK, "%s", F.lockdown);
        }
    }
}

static void read_uts_release(const char *dir, char *out, size_t size)
{
    char p[PATH_MAX + 64];
    out[0] = '\0';
    snprintf(p, sizeof(p), "%s/include/generated/utsrelease.h", dir);
    char *text = ks_read_file(p, NULL);
    if (!text) return;
    char *q = strstr(text, "UTS_RELEASE");
    if (q && (q = strchr(q, '"'))) {
        char *e = strchr(q + 1, '"');
        if (e) {
            *e = '\0';
            snprintf(out, size, "%s", q + 1);
        }
    }
    free(text);
}

static void check_headers(void)
{
    struct item *it;
    const char *rel = F.u.release;
    struct ks_headers_req req = {
        .root = ks_features_root(),
        .override = g_opt.kernel_headers,
        .kheaders_dir = F.root && F.kheaders_dir[0] ? F.kheaders_dir : NULL,
    };
    F.headers_found = ks_headers_find(&req, &F.h, &F.headers_err) == 0;
    const char *hint_fmt = "install linux-headers-%s (Debian, Ubuntu) or kernel-devel-%s "
                           "(RHEL, Fedora), or point --kernel-headers DIR at a header tree";
    if (!F.headers_found) {
        char p[PATH_MAX];
        bool kh = ks_path_exists(sys_path(p, sizeof(p), "/sys/kernel/kheaders.tar.xz"));
        const char *e = F.headers_err.s ? F.headers_err.s : "";
        int elen = (int)strcspn(e, "\n");
        if (elen > 0 && e[elen - 1] == '.') elen--;
        /* An override (option or environment) that is not a tree: its own message. */
        bool override = *e && strncmp(e, "no kernel headers", 17) != 0;
        if (override) {
            it = add_item(SEC_HEADERS, "headers", "headers", ST_FAIL,
                          "%.*s: the tools cannot compile their programs", elen, e);
            set_fix(it, "point it at /lib/modules/<release>/build or an unpacked kernel tree, "
                        "or leave it unset");
        } else {
            it = add_item(SEC_HEADERS, "headers", "headers", ST_FAIL,
                          "none found for %s: the tools cannot compile their programs", rel);
            if (!F.root && kh) {
                set_fix(it, "run as root: /sys/kernel/kheaders.tar.xz exists and would be "
                            "unpacked");
            } else {
                char fix[512];
                snprintf(fix, sizeof(fix), hint_fmt, rel, rel);
                set_fix(it, "%s%s", fix, kh ? "" : " (or a kernel with CONFIG_IKHEADERS)");
            }
        }
        return;
    }
    read_uts_release(F.h.build, F.headers_uts, sizeof(F.headers_uts));
    const char *used = F.h.release;
    /* An override or kheaders tree claims the running release; its utsrelease.h knows. */
    if (strcmp(F.h.how, "closest") && F.headers_uts[0] && strcmp(F.headers_uts, rel))
        used = F.headers_uts;
    F.headers_mismatch = !F.h.exact || strcmp(used, rel) != 0;
    const char *how = !strcmp(F.h.how, "override")   ? "given with --kernel-headers or the "
                                                       "environment"
                      : !strcmp(F.h.how, "modules")  ? "/lib/modules"
                      : !strcmp(F.h.how, "kheaders") ? "unpacked from /sys/kernel/kheaders.tar.xz"
                                                     : "closest installed";
    if (!F.headers_mismatch) {
        it = add_item(SEC_HEADERS, "headers", "headers", ST_OK,
                      "%s (%s), matches the running "
                      "kernel",
                      used, how);
    } else {
        it = add_item(SEC_HEADERS, "headers", "headers", ST_WARN,
                      "mismatch: running kernel %s, headers used %s (%s)", rel, used, how);
        char fix[512];
        snprintf(fix, sizeof(fix), hint_fmt, rel, rel);
        set_fix(it, "%s; tracepoint probes work with these, kprobe struct reads may be wrong", fix);
    }
    if (F.h.split) add_detail(it, "source %s", F.h.source);
    add_detail(it, "%s%s", F.h.split ? "build  " : "tree   ", F.h.build);
}

/* ---- the tools ---------------------------------------------------------------------------- */

static void split_lines(const char *s, char ***out, int *n)
{
    *out = NULL;
    *n = 0;
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        char *line = ks_xmalloc(len + 1);
        memcpy(line, s, len);
        line[len] = '\0';
        *out = ks_xrealloc(*out, (size_t)(*n + 1) * sizeof(char *));
        (*out)[(*n)++] = line;
        s += len + (nl ? 1 : 0);
    }
}

/* "execsnoop: error: cannot attach ..." -> "cannot attach ..." */
static const char *strip_prefix(const char *line, const char *tool)
{
    size_t n = strlen(tool);
    if (!strncmp(line, tool, n) && !strncmp(line + n, ": ", 2)) line += n + 2;
    if (!strncmp(line, "error: ", 7)) line += 7;
    return line;
}

/* The tool's first error line; when it ends in ':' the details follow, indented, one per
 * variant tried: add the first that was really tried. */
static void first_reason(struct mode_result *m, const char *tool)
{
    const char *first = strip_prefix(m->err[0], tool);
    size_t n = strlen(first);
    const char *more = NULL;
    for (int i = 1; n && first[n - 1] == ':' && i < m->nerr && !more; i++) {
        const char *l = m->err[i];
        if (strncmp(l, "  ", 2)) break;
        while (*l == ' ')
            l++;
        if (!strstr(l, ": not tried")) more = l;
    }
    snprintf(m->reason, sizeof(m->reason), "%s%s%s", first, more ? " " : "", more ? more : "");
    /* The mode is said where the reason is shown. */
    char *mode = strstr(m->reason, " (--probe=");
    char *end = mode ? strchr(mode, ')') : NULL;
    if (end) memmove(mode, end + 1, strlen(end + 1) + 1);
}

static void run_mode(struct tool *t, int mode)
{
    struct mode_result *m = &t->m[mode];
    char arg[64];
    snprintf(arg, sizeof(arg), "--probe=%s", mode_name[mode]);
    char *argv[] = {t->path, "--check", arg, NULL};
    struct captured c;
    run_capture(argv, TOOL_TIMEOUT_MS, &c);
    m->ran = true;
    m->exit = c.status;
    char **lines;
    int n;
    split_lines(c.out.s, &lines, &n);
    const char *result = NULL;
    for (int i = 0; i < n; i++) {
        char a[64], b[16], d[128];
        if (!strncmp(lines[i], "probe ", 6) && m->nprobes < MAX_PROBES &&
            sscanf(lines[i] + 6, "%63s %15s %127s", a, b, d) == 3) {
            struct probe_line *p = &m->probes[m->nprobes++];
            snprintf(p->name, sizeof(p->name), "%s", a);
            snprintf(p->kind, sizeof(p->kind), "%s", b);
            snprintf(p->target, sizeof(p->target), "%s", strcmp(d, "-") ? d : "");
        } else if (!strncmp(lines[i], "result ", 7)) {
            result = !strcmp(lines[i] + 7, "ok") ? "ok" : "unsupported";
        } else if (!strncmp(lines[i], "dash ", 5)) {
            m->dash = ks_xrealloc(m->dash, (size_t)(m->ndash + 1) * sizeof(*m->dash));
            m->dash[m->ndash++] = ks_xstrdup(lines[i] + 5);
        }
    }
    m->answered = result != NULL;
    m->ok = result && !strcmp(result, "ok") && c.status == 0;
    for (int i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    split_lines(c.err.s, &m->err, &m->nerr);

    if (m->ok)
        m->reason[0] = '\0';
    else if (c.timed_out)
        snprintf(m->reason, sizeof(m->reason), "no answer within %d s", TOOL_TIMEOUT_MS / 1000);
    else if (c.status == 127 && !m->answered)
        snprintf(m->reason, sizeof(m->reason), "%s", m->nerr ? m->err[0] : "cannot be started");
    else if (c.status == 2)
        snprintf(m->reason, sizeof(m->reason), "rejected --check (%s)",
                 m->nerr ? strip_prefix(m->err[0], t->name) : "usage error");
    else if (c.status > 128)
        snprintf(m->reason, sizeof(m->reason), "crashed (signal %d)", c.status - 128);
    else if (m->nerr)
        first_reason(m, t->name);
    else if (!m->answered)
        snprintf(m->reason, sizeof(m->reason), "no result line in its --check output (exit %d)",
                 c.status);
    else
        snprintf(m->reason, sizeof(m->reason), "unsupported (exit %d)", c.status);
    captured_free(&c);
}

static bool err_has(const struct mode_result *m, const char *s)
{
    for (int i = 0; i < m->nerr; i++)
        if (strstr(m->err[i], s)) return true;
    return false;
}

/* The probes' variants: "tracepoints", "kprobes", "tracepoints+kprobes", or "" (none);
 * "perf events" for a tool that samples with perf events (profile) and nothing else. */
static void variant_of(const struct mode_result *m, char *out, size_t size)
{
    bool tp = false, kp = false, pe = false;
    for (int i = 0; i < m->nprobes; i++) {
        tp |= !strcmp(m->probes[i].kind, "tracepoint");
        kp |= !strcmp(m->probes[i].kind, "kprobe") || !strcmp(m->probes[i].kind, "kretprobe");
        pe |= !strcmp(m->probes[i].kind, "perf_event");
    }
    snprintf(out, size, "%s",
             tp && kp ? "tracepoints+kprobes"
             : tp     ? "tracepoints"
             : kp     ? "kprobes"
             : pe     ? "perf events"
                      : "");
}

static void check_tool(struct tool *t)
{
    struct stat st;
    t->found = stat(t->path, &st) == 0 && S_ISREG(st.st_mode) && access(t->path, X_OK) == 0;
    if (!t->found) {
        t->check = "missing";
        t->status = ST_FAIL;
        snprintf(t->reason, sizeof(t->reason), "not found at %s", t->path);
        snprintf(t->fix, sizeof(t->fix),
                 "build it (cmake --build <build dir>) or reinstall "
                 "kscope: the tools are installed next to kscope-doctor");
        return;
    }
    for (int mode = 0; mode < NMODES; mode++)
        run_mode(t, mode);
    struct mode_result *a = &t->m[MODE_AUTO];
    t->check = a->ok ? "ok" : a->answered ? "unsupported" : "error";
    variant_of(a, t->variant, sizeof(t->variant));

    /* What, besides its probes, the tool needs to run for real. */
    if (!F.root && !F.fake) t->blocked_by[t->nblocked++] = "root";
    if (F.bpf_syscall == 0) t->blocked_by[t->nblocked++] = "bpf_syscall";
    if (!F.headers_found) t->blocked_by[t->nblocked++] = "headers";
    if (!F.libbcc_ok) t->blocked_by[t->nblocked++] = "libbcc";
    t->runs = a->ok && t->nblocked == 0;

    if (t->runs) {
        t->status = ST_OK;
        return;
    }
    if (!a->ok) {
        snprintf(t->reason, sizeof(t->reason), "%s", a->reason);
        /* The tool's one line (ks_probes_resolve): no tracepoint can stand in for it. */
        t->kprobe_only = err_has(a, KS_NO_KPROBES_MSG) || err_has(a, KS_NO_KFUNC_MSG);
        if (!F.root && !F.fake) {
            t->status = ST_WARN;
            snprintf(t->fix, sizeof(t->fix), "run as root: sudo kscope-doctor");
        } else if (t->kprobe_only) {
            t->status = ST_WARN;
            snprintf(t->fix, sizeof(t->fix), "%s",
                     err_has(a, KS_NO_KFUNC_MSG)
                         ? "kprobe-only, and the kernel functions it needs are not here: load "
                           "the module that has them (a file system's: modprobe it or mount one)"
                         : "kprobe-only (no tracepoint measures what it shows): run it on a "
                           "kernel with kprobes (CONFIG_KPROBES=y, CONFIG_KPROBE_EVENTS=y)");
        } else if (a->exit == 2) {
            t->status = ST_FAIL;
            snprintf(t->fix, sizeof(t->fix),
                     "the tool does not understand --check: rebuild "
                     "kscope so the tools and kscope-doctor match");
        } else if (!F.tracefs && !F.kprobes) {
            t->status = ST_FAIL;
            snprintf(t->fix, sizeof(t->fix), "mount -t tracefs tracefs /sys/kernel/tracing");
        } else if (err_has(a, "not in this kernel") && F.kprobes != 1) {
            t->status = ST_FAIL;
            snprintf(t->fix, sizeof(t->fix),
                     "this kernel lacks the tracepoints (syscall ones "
                     "need CONFIG_FTRACE_SYSCALLS) and kprobes (CONFIG_KPROBES): use a kernel "
                     "with either");
        } else if (err_has(a, "cannot load BPF")) {
            t->status = ST_FAIL;
            snprintf(t->fix, sizeof(t->fix),
                     "the kernel cannot load BPF tracing programs: "
                     "use 4.7 or later with CONFIG_BPF_EVENTS=y");
        } else {
            t->status = ST_FAIL;
            snprintf(t->fix, sizeof(t->fix), "see: %s --check -v", t->path);
        }
        return;
    }
    /* Its probes are fine; a prerequisite is not. */
    char what[256] = "";
    for (int i = 0; i < t->nblocked; i++)
        snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s", i ? ", " : "",
                 !strcmp(t->blocked_by[i], "root")          ? "not root"
                 : !strcmp(t->blocked_by[i], "bpf_syscall") ? "the bpf() syscall fails"
                 : !strcmp(t->blocked_by[i], "headers")     ? "no kernel headers"
                                                            : "libbcc's compiler does not load");
    snprintf(t->reason, sizeof(t->reason), "its probes resolve (%s), but %s", t->variant, what);
    if (!strcmp(t->blocked_by[0], "root")) {
        t->status = ST_WARN;
        snprintf(t->fix, sizeof(t->fix), "run as root (the tools need it to trace)");
    } else {
        t->status = ST_FAIL;
        snprintf(t->fix, sizeof(t->fix), "see %s above",
                 !strcmp(t->blocked_by[0], "bpf_syscall") ? "'BPF syscall' under Kernel features"
                 : !strcmp(t->blocked_by[0], "headers")   ? "Kernel headers"
                                                          : "'libbcc' under System");
    }
}

static void check_tools(const char *argv0, bool verbose)
{
    self_dir(argv0, g_tools_dir, sizeof(g_tools_dir));
    g_tools = ks_xcalloc(MAX_TOOLS, sizeof(*g_tools));
    char names[4096];
    snprintf(names, sizeof(names), "%s", KS_TOOL_NAMES);
    char *save = NULL;
    for (char *n = strtok_r(names, "; ,:", &save); n && g_ntools < MAX_TOOLS;
         n = strtok_r(NULL, "; ,:", &save)) {
        struct tool *t = &g_tools[g_ntools++];
        snprintf(t->name, sizeof(t->name), "%s", n);
        snprintf(t->path, sizeof(t->path), "%s/%s", g_tools_dir, n);
        check_tool(t);

        struct item *it;
        const struct mode_result *a = &t->m[MODE_AUTO];
        char id[80];
        snprintf(id, sizeof(id), "tool.%s", t->name);
        /* Not root and tracefs unreadable: the tool's answers say nothing about the kernel. */
        bool unverified = !a->ok && !F.root && !F.fake && !F.tracefs;
        if (t->runs)
            it = add_item(SEC_TOOLS, id, t->name, ST_OK, "runs with %s", t->variant);
        else if (unverified)
            it = add_item(SEC_TOOLS, id, t->name, t->status,
                          "not verified: its probe checks need root (tracefs is not readable "
                          "by this user)");
        else if (t->kprobe_only)
            it = add_item(SEC_TOOLS, id, t->name, t->status, "unsupported here: %s", t->reason);
        else
            it = add_item(SEC_TOOLS, id, t->name, t->status, "cannot run: %s", t->reason);
        if (t->fix[0]) set_fix(it, "%s", t->fix);
        if (unverified && !verbose) continue;
        /* The probes it would use, aligned (when it found any). */
        int w = 0, used = 0;
        for (int i = 0; i < a->nprobes; i++) {
            if ((int)strlen(a->probes[i].name) > w) w = (int)strlen(a->probes[i].name);
            used += strcmp(a->probes[i].kind, "none") != 0;
        }
        for (int i = 0; i < a->nprobes && used; i++) {
            const struct probe_line *p = &a->probes[i];
            if (!strcmp(p->kind, "none"))
                add_detail(it, "%-*s  -           (not used%s)", w, p->name,
                           a->ok ? ": optional, or off with the default options" : "");
            else
                add_detail(it, "%-*s  %-10s  %s", w, p->name, p->kind, p->target);
        }
        if (t->found) {
            char modes[256] = "";
            for (int mode = 0; mode < NMODES; mode++)
                snprintf(modes + strlen(modes), sizeof(modes) - strlen(modes), "%s%s %s",
                         mode ? ", " : "", mode_name[mode],
                         t->m[mode].ok         ? "ok"
                         : t->m[mode].answered ? "unsupported"
                                               : "error");
            add_detail(it, "--probe: %s", modes);
            /* Why a forced mode does not work, in one line each. */
            for (int mode = MODE_TP; mode < NMODES; mode++) {
                const struct mode_result *m = &t->m[mode];
                if (m->ok) continue;
                if (!a->ok && !strcmp(m->reason, a->reason))
                    add_detail(it, "--probe=%s: fails the same way", mode_name[mode]);
                else if (mode == MODE_KP && F.kprobes == 0)
                    add_detail(it, "--probe=kprobe: no kprobe support in this kernel "
                                   "(CONFIG_KPROBES is off)");
                else
                    add_detail(it, "--probe=%s: %s", mode_name[mode], m->reason);
            }
        }
        /* With -v: the probes each working forced mode would use, when not auto's. */
        for (int mode = MODE_TP; mode < NMODES && verbose && t->found; mode++) {
            const struct mode_result *m = &t->m[mode];
            bool same = m->nprobes == a->nprobes;
            for (int i = 0; i < m->nprobes && same; i++)
                same = !strcmp(m->probes[i].kind, a->probes[i].kind) &&
                       !strcmp(m->probes[i].target, a->probes[i].target);
            if (!m->ok || same) continue;
            add_detail(it, "--probe=%s would use:", mode_name[mode]);
            for (int i = 0; i < m->nprobes; i++)
                if (strcmp(m->probes[i].kind, "none"))
                    add_detail(it, "  %-*s  %-10s  %s", w, m->probes[i].name, m->probes[i].kind,
                               m->probes[i].target);
        }
        /* Struct-read columns that print "-" here (the tool's own rule, ks_struct_reads). */
        for (int i = 0; i < a->ndash && a->ok; i++)
            add_detail(it, "prints \"-\": %s", a->dash[i]);
        /* The tool's own words when it cannot run. */
        if (!a->ok && a->nerr) {
            int lim = verbose ? a->nerr : a->nerr < STDERR_LINES ? a->nerr : STDERR_LINES;
            for (int i = 0; i < lim; i++)
                add_detail(it, "| %s", a->err[i]);
            if (lim < a->nerr)
                add_detail(it, "| ... (%d more lines: kscope-doctor -v, or %s --check)",
                           a->nerr - lim, t->name);
        }
    }
}

/* ---- output ------------------------------------------------------------------------------- */

struct summary {
    int total, runnable, kprobe_only, warnings, failures;
    bool all;
    char text[512];
};

static void summarize(struct summary *s)
{
    memset(s, 0, sizeof(*s));
    s->total = g_ntools;
    bool tp = false, kp = false;
    for (int i = 0; i < g_ntools; i++) {
        s->kprobe_only += g_tools[i].kprobe_only;
        if (!g_tools[i].runs) continue;
        s->runnable++;
        tp |= strstr(g_tools[i].variant, "tracepoints") != NULL;
        kp |= strstr(g_tools[i].variant, "kprobes") != NULL;
    }
    s->all = s->runnable == s->total;
    for (int i = 0; i < g_nitems; i++) {
        s->warnings += g_items[i].status == ST_WARN;
        s->failures += g_items[i].status == ST_FAIL;
    }
    int n = snprintf(s->text, sizeof(s->text), "%s%d of %d tools %s",
                     !F.root && !F.fake ? "not root: " : "", s->runnable, s->total,
                     !F.root && !F.fake ? "verified" : "can run");
    if (s->runnable)
        n += snprintf(s->text + n, sizeof(s->text) - (size_t)n, " (%s)",
                      tp && kp ? "tracepoints and kprobes"
                      : tp     ? "tracepoints"
                               : "kprobes");
    if (F.kprobes == 0)
        n += snprintf(s->text + n, sizeof(s->text) - (size_t)n,
                      "; kprobe fallbacks unavailable on this kernel");
    if (s->kprobe_only)
        n += snprintf(s->text + n, sizeof(s->text) - (size_t)n,
                      "; %d kprobe-only tool%s unsupported here", s->kprobe_only,
                      s->kprobe_only == 1 ? "" : "s");
    if (!F.root && !F.fake)
        n += snprintf(s->text + n, sizeof(s->text) - (size_t)n,
                      "; run as root for a full check (sudo kscope-doctor)");
    if (F.headers_found && F.headers_mismatch)
        n += snprintf(s->text + n, sizeof(s->text) - (size_t)n,
                      "; kernel headers do not match the running kernel");
    if (s->failures || s->warnings)
        snprintf(s->text + n, sizeof(s->text) - (size_t)n, "; %d warning%s, %d failure%s",
                 s->warnings, s->warnings == 1 ? "" : "s", s->failures,
                 s->failures == 1 ? "" : "s");
}

#define NAME_W 16

static void print_human(const struct summary *s)
{
    printf("kscope-doctor %s: what works on this machine\n", KS_VERSION);
    for (int sec = 0; sec < SEC_N; sec++) {
        bool any = false;
        for (int i = 0; i < g_nitems; i++)
            any |= g_items[i].section == (enum section)sec;
        if (!any) continue;
        if (sec == SEC_TOOLS)
            printf("\n%s (%s)\n", section_name[sec], g_tools_dir);
        else
            printf("\n%s\n", section_name[sec]);
        for (int i = 0; i < g_nitems; i++) {
            const struct item *it = &g_items[i];
            if (it->section != (enum section)sec) continue;
            printf("  %-5s %-*s %s\n", status_tag[it->status], NAME_W, it->name, it->value);
            for (int d = 0; d < it->ndetail; d++)
                printf("  %-5s %-*s   %s\n", "", NAME_W, "", it->detail[d]);
            if (it->fix) printf("  %-5s %-*s fix: %s\n", "", NAME_W, "", it->fix);
        }
    }
    printf("\nSummary: %s\n", s->text);
}

static void json_probes(struct ks_json *j, const char *key, const struct mode_result *m)
{
    ks_json_array(j, key);
    for (int i = 0; i < m->nprobes; i++) {
        ks_json_object(j, NULL);
        ks_json_str(j, "name", m->probes[i].name);
        ks_json_str(j, "kind", m->probes[i].kind);
        ks_json_str(j, "target", m->probes[i].target[0] ? m->probes[i].target : NULL);
        ks_json_end(j);
    }
    ks_json_end(j);
}

static void print_json(const struct summary *s)
{
    struct ks_json jj;
    struct ks_json *j = &jj;
    ks_json_init(j, stdout, 2);
    char buf[64];

    ks_json_object(j, NULL);
    ks_json_int(j, "schema", 1);
    ks_json_str(j, "kscope_version", KS_VERSION);

    ks_json_object(j, "system");
    ks_json_str(j, "kernel_release", F.u.release);
    snprintf(buf, sizeof(buf), "%u.%u.%u", F.vcode >> 16, (F.vcode >> 8) & 0xff, F.vcode & 0xff);
    ks_json_str(j, "kernel_version", buf);
    ks_json_str(j, "machine", F.u.machine);
    ks_json_int(j, "euid", (long)geteuid());
    ks_json_bool(j, "root", F.root);
    ks_json_str(j, "libbcc_version", ks_libbcc_version());
    ks_json_bool(j, "libbcc_compiler", F.libbcc_ok);
    ks_json_str(j, "libbcc_error", F.libbcc_ok ? NULL : F.libbcc_err);
    ks_json_str(j, "cache_dir", F.cache_ok ? F.cache_dir : NULL);
    ks_json_end(j);

    ks_json_object(j, "features");
    json_tri(j, "bpf_syscall", F.bpf_syscall);
    ks_json_str(j, "bpf_error", F.bpf_syscall == 0 ? strerror(F.bpf_errno) : NULL);
    ks_json_object(j, "prog_types");
    json_tri(j, "tracepoint", F.prog_tp);
    json_tri(j, "kprobe", F.prog_kp);
    json_tri(j, "perf_event", F.prog_pe);
    ks_json_end(j);
    ks_json_object(j, "map_types");
    json_tri(j, "hash", F.map_hash);
    json_tri(j, "array", F.map_array);
    json_tri(j, "perf_event_array", F.map_perf);
    json_tri(j, "lru_hash", F.map_lru);
    json_tri(j, "ringbuf", F.map_ringbuf);
    ks_json_end(j);
    json_tri(j, "inplace_events", F.inplace);
    if (F.unpriv >= 0)
        ks_json_int(j, "unprivileged_bpf_disabled", F.unpriv);
    else
        ks_json_null(j, "unprivileged_bpf_disabled");
    ks_json_str(j, "jit", F.jit == 1 ? "on" : F.jit == 0 ? "off" : F.jit == 2 ? "debug" : "unknown");
    if (F.jit >= 0)
        ks_json_int(j, "jit_enable", F.jit);
    else
        ks_json_null(j, "jit_enable");
    ks_json_str(j, "tracefs", F.tracefs);
    ks_json_bool(j, "tracefs_mounted", F.tracefs_mounted);
    ks_json_bool(j, "tracefs_mounted_by_doctor", F.tracefs_mounted_by_doctor);
    ks_json_str(j, "debugfs", F.debugfs_mounted ? F.debugfs : NULL);
    json_tri(j, "kprobes", F.kprobes);
    ks_json_bool(j, "kprobe_pmu", F.kprobe_pmu);
    ks_json_bool(j, "kprobe_events", F.kprobe_events);
    ks_json_str(j, "kprobes_reason", F.kprobes == 1 ? NULL : F.kprobes_why);
    ks_json_bool(j, "btf", F.btf);
    ks_json_str(j, "lockdown", F.lockdown_known ? F.lockdown : NULL);
    ks_json_end(j);

    ks_json_object(j, "headers");
    ks_json_bool(j, "found", F.headers_found);
    ks_json_str(j, "running_release", F.u.release);
    ks_json_str(j, "release", F.headers_found ? F.h.release : NULL);
    ks_json_str(j, "uts_release", F.headers_uts[0] ? F.headers_uts : NULL);
    json_tri(j, "exact", F.headers_found ? !F.headers_mismatch : -1);
    ks_json_str(j, "how", F.headers_found ? F.h.how : NULL);
    ks_json_str(j, "source", F.headers_found ? F.h.source : NULL);
    ks_json_str(j, "build", F.headers_found ? F.h.build : NULL);
    ks_json_bool(j, "split", F.headers_found && F.h.split);
    ks_json_str(j, "error", F.headers_found ? NULL : F.headers_err.s);
    ks_json_end(j);

    ks_json_str(j, "tools_dir", g_tools_dir);
    ks_json_array(j, "tools");
    for (int i = 0; i < g_ntools; i++) {
        const struct tool *t = &g_tools[i];
        ks_json_object(j, NULL);
        ks_json_str(j, "name", t->name);
        ks_json_str(j, "path", t->path);
        ks_json_bool(j, "found", t->found);
        ks_json_bool(j, "runs", t->runs);
        ks_json_str(j, "check", t->check);
        ks_json_str(j, "variant", t->variant[0] ? t->variant : NULL);
        json_probes(j, "probes", &t->m[MODE_AUTO]);
        ks_json_array(j, "dashed");
        for (int k = 0; k < t->m[MODE_AUTO].ndash; k++)
            ks_json_str(j, NULL, t->m[MODE_AUTO].dash[k]);
        ks_json_end(j);
        ks_json_object(j, "modes");
        for (int mode = 0; mode < NMODES; mode++) {
            const struct mode_result *m = &t->m[mode];
            ks_json_object(j, mode_name[mode]);
            ks_json_bool(j, "ok", m->ok);
            if (m->ran)
                ks_json_int(j, "exit", m->exit);
            else
                ks_json_null(j, "exit");
            json_probes(j, "probes", m);
            ks_json_str(j, "reason", m->ok || !m->ran ? NULL : m->reason);
            ks_json_array(j, "stderr");
            for (int k = 0; k < m->nerr; k++)
                ks_json_str(j, NULL, m->err[k]);
            ks_json_end(j);
            ks_json_end(j);
        }
        ks_json_end(j);
        ks_json_array(j, "blocked_by");
        for (int k = 0; k < t->nblocked; k++)
            ks_json_str(j, NULL, t->blocked_by[k]);
        ks_json_end(j);
        ks_json_str(j, "reason", t->runs ? NULL : t->reason);
        ks_json_str(j, "fix", t->fix[0] ? t->fix : NULL);
        ks_json_end(j);
    }
    ks_json_end(j);

    ks_json_array(j, "checks");
    for (int i = 0; i < g_nitems; i++) {
        const struct item *it = &g_items[i];
        ks_json_object(j, NULL);
        ks_json_str(j, "id", it->id);
        ks_json_str(j, "section", section_name[it->section]);
        ks_json_str(j, "name", it->name);
        ks_json_str(j, "status", status_name[it->status]);
        ks_json_str(j, "value", it->value);
        ks_json_str(j, "fix", it->fix);
        ks_json_array(j, "detail");
        for (int d = 0; d < it->ndetail; d++)
            ks_json_str(j, NULL, it->detail[d]);
        ks_json_end(j);
        ks_json_end(j);
    }
    ks_json_end(j);

    ks_json_object(j, "summary");
    ks_json_int(j, "tools_total", s->total);
    ks_json_int(j, "tools_runnable", s->runnable);
    ks_json_bool(j, "all_runnable", s->all);
    ks_json_int(j, "kprobe_only_unsupported", s->kprobe_only);
    ks_json_int(j, "warnings", s->warnings);
    ks_json_int(j, "failures", s->failures);
    ks_json_str(j, "text", s->text);
    ks_json_end(j);
    ks_json_end(j);
    ks_json_nl(j);
}

/* ---- kernel profiles and cached programs -------------------------------------------------- */

/* --save-profile FILE: what a build machine needs to compile for this kernel. */
static int save_profile(const char *file)
{
    struct ks_buf sum = {0}, err = {0};
    int rc = ks_profile_save(file, &sum, &err);
    if (rc != 0) {
        ks_err("%s", err.s);
    } else {
        struct stat st;
        printf("kscope-doctor: saved the profile of this kernel to %s (%lld KiB)\n%s", file,
               stat(file, &st) == 0 ? (long long)st.st_size / 1024 : 0LL, sum.s);
        printf("Compile for it on a machine with its headers:\n"
               "  kscope-cache build --target %s --kernel-headers /lib/modules/%s/build\n",
               file, ks_kernel_release());
    }
    ks_buf_free(&sum);
    ks_buf_free(&err);
    return rc == 0 ? 0 : 1;
}

/* Per tool: programs in the compile cache for this kernel (they start without a compile,
 * headers or LLVM). */
/* One line for every tool column that prints "-" here (struct reads on tracepoint paths
 * need the running kernel's own headers; each tool's --check says which, and why). */
static void check_struct_reads(void)
{
    int n = 0, ntools = 0;
    for (int i = 0; i < g_ntools; i++) {
        n += g_tools[i].m[MODE_AUTO].ok ? g_tools[i].m[MODE_AUTO].ndash : 0;
        ntools += g_tools[i].m[MODE_AUTO].ok && g_tools[i].m[MODE_AUTO].ndash;
    }
    if (!n) {
        if (F.headers_found && !F.headers_mismatch)
            add_item(SEC_TOOLS, "struct_reads", "\"-\" columns", ST_OK,
                     "none: the headers are the running kernel's, struct reads are allowed");
        return;
    }
    struct item *it = add_item(SEC_TOOLS, "struct_reads", "\"-\" columns", ST_INFO,
                               "%d tool%s print \"-\" (null in JSON) in columns read from kernel "
                               "structs",
                               ntools, ntools == 1 ? "" : "s");
    for (int i = 0; i < g_ntools; i++) {
        const struct mode_result *a = &g_tools[i].m[MODE_AUTO];
        for (int k = 0; a->ok && k < a->ndash; k++) {
            char cols[256];
            snprintf(cols, sizeof(cols), "%s", a->dash[k]);
            char *colon = strchr(cols, ':'); /* "COLUMNS: why": the columns only */
            while (colon && colon[1] != ' ')
                colon = strchr(colon + 1, ':');
            if (colon)
                *colon = '\0';
            add_detail(it, "%-12s %s", g_tools[i].name, cols);
        }
    }
    const char *rel = F.u.release;
    set_fix(it, "install the running kernel's headers (linux-headers-%s on Debian and Ubuntu, "
                "kernel-devel-%s on RHEL and Fedora), or use --probe=kprobe where the kernel "
                "has kprobes; each tool's line above says why",
            rel, rel);
}

static void check_cached_programs(void)
{
    if (!F.root || !F.cache_ok) return;
    struct ks_cache c;
    ks_cache_open(&c, NULL, false);
    char kid[65];
    ks_cache_kernel_id(kid);
    struct ks_buf list = {0};
    int n = ks_cache_list(&c, kid, &list);
    struct item *it = add_item(SEC_TOOLS, "cached", "cached", n ? ST_OK : ST_INFO,
                               "%d compiled program%s for this kernel in %s", n,
                               n == 1 ? "" : "s", c.dir);
    for (int i = 0; i < g_ntools; i++) {
        char pfx[80];
        snprintf(pfx, sizeof(pfx), "\n  %s ", g_tools[i].name);
        int k = 0;
        for (const char *q = list.s ? list.s : ""; (q = strstr(q, pfx)); q += strlen(pfx)) k++;
        add_detail(it, "%-12s %s", g_tools[i].name,
                   k ? "present: starts without compiling" : "none: compiles at its first start");
    }
    if (!n)
        set_fix(it, "start each tool once, or import programs built elsewhere: kscope-cache "
                    "import FILE (docs/fleet.md)");
    ks_buf_free(&list);
}

/* ---- main --------------------------------------------------------------------------------- */

static void usage(void)
{
    printf("usage: kscope-doctor [-h] [-v] [--json] [--kernel-headers DIR] [--version]\n"
           "\n"
           "Say what works on this machine for kscope's tools: the kernel and its BPF, tracefs,\n"
           "debugfs, kprobe and BTF support, the kernel headers the tools compile against, the\n"
           "libbcc in use, and for every tool whether it can run, with which probes, or what is\n"
           "missing and how to fix it. Run it as root: the BPF checks need root.\n"
           "\n"
           "options:\n"
           "  -h, --help              show this help message and exit\n"
           "  -v, --verbose           show all of a failing tool's messages\n"
           "  --json                  print one JSON object (keys documented in the source)\n"
           "  --kernel-headers DIR    check this kernel header tree (as the tools' option)\n"
           "  --save-profile FILE     save this kernel's profile (tracepoint formats, symbols,\n"
           "                          BPF features) for kscope-cache build --target, and exit\n"
           "  --version               print the version and exit\n"
           "\n"
           "exit status: 0 when every tool can run (kprobe-only tools on a kernel without kprobes\n"
           "aside: listed as unsupported here), 1 when some cannot, 2 on usage errors.\n"
           "\n"
           "examples:\n"
           "  sudo kscope-doctor            # the report\n"
           "  sudo kscope-doctor --json     # the same facts for machines\n");
}

int main(int argc, char **argv)
{
    ks_set_prog("kscope-doctor");
    enum { OPT_JSON = 256, OPT_HEADERS, OPT_VERSION, OPT_SAVE_PROFILE };
    static const struct option lopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"verbose", no_argument, NULL, 'v'},
        {"json", no_argument, NULL, OPT_JSON},
        {"kernel-headers", required_argument, NULL, OPT_HEADERS},
        {"version", no_argument, NULL, OPT_VERSION},
        {"save-profile", required_argument, NULL, OPT_SAVE_PROFILE},
        {NULL, 0, NULL, 0},
    };
    bool verbose = false;
    const char *save_profile_file = NULL;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":hv", lopts, NULL)) != -1) {
        switch (ch) {
        case 'h':
            usage();
            return 0;
        case 'v':
            verbose = true;
            break;
        case OPT_JSON:
            g_opt.json = true;
            break;
        case OPT_HEADERS:
            g_opt.kernel_headers = optarg;
            break;
        case OPT_SAVE_PROFILE:
            save_profile_file = optarg;
            break;
        case OPT_VERSION:
            printf("kscope-doctor (kscope) %s, libbcc %s\n", KS_VERSION, ks_libbcc_version());
            return 0;
        default:
            ks_opts_getopt_error(ch, argv, lopts);
        }
    }
    if (optind < argc) ks_usage_error("unexpected argument '%s'", ks_q(argv[optind]));
    if (g_opt.kernel_headers && !*g_opt.kernel_headers)
        ks_usage_error("--kernel-headers needs a directory");

    const char *fake = getenv("KSCOPE_FAKE_ROOT");
    if (fake && *fake) {
        ks_features_set_root(fake);
        F.fake = true;
    }
    signal(SIGPIPE, SIG_IGN);
    if (save_profile_file) {
        ks_verbose = verbose;
        return save_profile(save_profile_file);
    }

    check_system();
    F.can_bpf = F.root || F.fake;
    check_bpf();
    check_tracing();
    check_headers();
    check_tools(argv[0], verbose);
    check_struct_reads();
    check_cached_programs();

    struct summary s;
    summarize(&s);
    if (g_opt.json)
        print_json(&s);
    else
        print_human(&s);
    if (fflush(stdout) != 0 || ferror(stdout)) return 1;
    /* Kprobe-only tools on a kernel without kprobes are listed, not a failure: nothing on
     * this machine can make them run. */
    return s.all || s.runnable + s.kprobe_only == s.total ? 0 : 1;
}
