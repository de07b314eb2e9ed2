#define _GNU_SOURCE
#include "ks_features.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static char *g_root;
/* Kernel identity: set from a profile, else read from the running kernel on first use. */
static bool g_kernel_set, g_kernel_profile;
static char g_release[128], g_machine[64];
static char *g_proc_version;
static int g_tracefs_done;
static char g_tracefs[512];
static const char *g_tracefs_why;
static int g_kprobes = -1;
static const char *g_kprobes_why;

/* Symbol set from kallsyms / available_filter_functions / blacklist: loaded lazily. */
struct symset {
    char **v;
    size_t n, cap;
    bool loaded, present;
};
static struct symset g_kallsyms, g_filter, g_blacklist;

#define MAX_TYPES 64
static signed char g_prog_types[MAX_TYPES];
static signed char g_map_types[MAX_TYPES];

static void symset_free(struct symset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

void ks_features_set_root(const char *root)
{
    free(g_root);
    g_root = root && *root ? ks_xstrdup(root) : NULL;
    g_tracefs_done = 0;
    g_kprobes = -1;
    symset_free(&g_kallsyms);
    symset_free(&g_filter);
    symset_free(&g_blacklist);
    memset(g_prog_types, 0, sizeof(g_prog_types));
    memset(g_map_types, 0, sizeof(g_map_types));
}

const char *ks_features_root(void)
{
    return g_root;
}

void ks_features_set_kernel(const char *release, const char *machine, const char *proc_version)
{
    snprintf(g_release, sizeof(g_release), "%s", release);
    snprintf(g_machine, sizeof(g_machine), "%s", machine);
    free(g_proc_version);
    g_proc_version = ks_xstrdup(proc_version ? proc_version : "");
    g_kernel_set = g_kernel_profile = true;
}

static void load_kernel(void)
{
    if (g_kernel_set)
        return;
    struct utsname u;
    uname(&u);
    snprintf(g_release, sizeof(g_release), "%s", u.release);
    snprintf(g_machine, sizeof(g_machine), "%s", u.machine);
    g_proc_version = ks_read_file("/proc/version", NULL);
    if (!g_proc_version)
        g_proc_version = ks_xstrdup("");
    g_kernel_set = true;
}

bool ks_kernel_is_profile(void)
{
    return g_kernel_profile;
}

const char *ks_kernel_release(void)
{
    load_kernel();
    return g_release;
}

const char *ks_kernel_machine(void)
{
    load_kernel();
    return g_machine;
}

const char *ks_kernel_proc_version(void)
{
    load_kernel();
    return g_proc_version;
}

const char *ks_kernel_path(char *buf, size_t size, const char *p)
{
    return ks_join(buf, size, g_root, p);
}

bool ks_kernel_block_dev(const char *name, unsigned *major, unsigned *minor)
{
    if (!*name || strchr(name, '/') || strlen(name) > 64)
        return false;
    char rel[128], p[600];
    snprintf(rel, sizeof(rel), "/sys/class/block/%s/dev", name);
    char *t = ks_read_file(ks_kernel_path(p, sizeof(p), rel), NULL);
    bool ok = t && sscanf(t, "%u:%u", major, minor) == 2;
    free(t);
    return ok;
}

static const char *path(char *buf, size_t size, const char *p)
{
    return ks_join(buf, size, g_root, p);
}

/* A tracefs that is there but closed to us (mode 0700 and not root): said as such, not as
 * "not mounted". */
static char g_tracefs_denied[700];

static bool try_tracefs(const char *dir)
{
    char p[600], q[600];
    snprintf(q, sizeof(q), "%s/events", dir);
    struct stat st;
    if (stat(path(p, sizeof(p), q), &st) != 0 || !S_ISDIR(st.st_mode)) {
        char d[600];
        if (errno == EACCES && !g_tracefs_denied[0] && stat(path(d, sizeof(d), dir), &st) == 0)
            snprintf(g_tracefs_denied, sizeof(g_tracefs_denied),
                     "tracefs at %s cannot be read: permission denied (mode %04o, owner uid "
                     "%u; you are uid %u). Run as root, or make it readable: mount -o "
                     "remount,mode=755 %s",
                     dir, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
                     (unsigned)geteuid(), dir);
        return false;
    }
    path(g_tracefs, sizeof(g_tracefs), dir);
    return true;
}

const char *ks_tracefs(const char **why)
{
    if (!g_tracefs_done) {
        g_tracefs_done = 1;
        g_tracefs_why = NULL;
        g_tracefs[0] = '\0';
        g_tracefs_denied[0] = '\0';
        if (!try_tracefs("/sys/kernel/tracing") && !try_tracefs("/sys/kernel/debug/tracing")) {
            /* Containers started with --privileged get a fresh /sys without either. */
            if (!g_root && geteuid() == 0) {
                if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
                    try_tracefs("/sys/kernel/tracing")) {
                    ks_info("mounted tracefs on /sys/kernel/tracing");
                } else if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) == 0 &&
                           try_tracefs("/sys/kernel/debug/tracing")) {
                    ks_info("mounted debugfs on /sys/kernel/debug");
                }
            }
            if (!g_tracefs[0] && g_tracefs_denied[0])
                g_tracefs_why = g_tracefs_denied;
            else if (!g_tracefs[0])
                g_tracefs_why =
                    "no tracefs: neither /sys/kernel/tracing nor /sys/kernel/debug/tracing is "
                    "mounted, and mounting failed (run as root, or: mount -t tracefs tracefs "
                    "/sys/kernel/tracing)";
        }
    }
    if (why)
        *why = g_tracefs_why;
    return g_tracefs[0] ? g_tracefs : NULL;
}

bool ks_tracepoint_exists(const char *category, const char *event)
{
    const char *t = ks_tracefs(NULL);
    if (!t)
        return false;
    char p[1024];
    snprintf(p, sizeof(p), "%s/events/%s/%s/format", t, category, event);
    return ks_path_exists(p);
}

bool ks_kprobes_supported(const char **why)
{
    if (g_kprobes < 0) {
        char p[600];
        g_kprobes_why = NULL;
        if (ks_path_exists(path(p, sizeof(p), "/sys/bus/event_source/devices/kprobe/type"))) {
            g_kprobes = 1;
        } else {
            const char *t = ks_tracefs(NULL);
            char q[600];
            snprintf(q, sizeof(q), "%s/kprobe_events", t ? t : "");
            g_kprobes = t && ks_path_exists(q);
            if (!g_kprobes)
                g_kprobes_why = "the kernel has no kprobe support (no kprobe PMU in "
                                "/sys/bus/event_source/devices and no kprobe_events in "
                                "tracefs: CONFIG_KPROBES is off)";
        }
    }
    if (why)
        *why = g_kprobes_why;
    return g_kprobes == 1;
}

bool ks_uprobes_supported(const char **why)
{
    static int state = -1;
    static const char *root_seen;
    if (state < 0 || root_seen != g_root) {
        char p[600], q[600];
        root_seen = g_root;
        const char *t = ks_tracefs(NULL);
        snprintf(q, sizeof(q), "%s/uprobe_events", t ? t : "");
        state = ks_path_exists(path(p, sizeof(p), "/sys/bus/event_source/devices/uprobe/type")) ||
                (t && ks_path_exists(q));
    }
    if (why)
        *why = state ? NULL
                     : "the kernel has no uprobe support (no uprobe PMU in "
                       "/sys/bus/event_source/devices and no uprobe_events in tracefs: "
                       "CONFIG_UPROBE_EVENTS is off)";
    return state == 1;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void symset_add(struct symset *s, const char *name, size_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = ks_xrealloc(s->v, s->cap * sizeof(char *));
    }
    char *c = ks_xmalloc(len + 1);
    memcpy(c, name, len);
    c[len] = '\0';
    s->v[s->n++] = c;
}

/* field: which whitespace-separated column holds the name (kallsyms: 2, others: 0 or 1). */
static void symset_load(struct symset *s, const char *file, int field)
{
    if (s->loaded)
        return;
    s->loaded = true;
    char *text = ks_read_file(file, NULL);
    if (!text)
        return;
    s->present = true;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *p = line;
        for (int f = 0; f < field && *p; f++) {
            while (*p && *p != ' ' && *p != '\t')
                p++;
            while (*p == ' ' || *p == '\t')
                p++;
        }
        size_t len = strcspn(p, " \t[");
        if (len)
            symset_add(s, p, len);
    }
    free(text);
    qsort(s->v, s->n, sizeof(char *), cmpstr);
}

static bool symset_has(const struct symset *s, const char *name)
{
    return s->n && bsearch(&name, s->v, s->n, sizeof(char *), cmpstr) != NULL;
}

bool ks_ksym_exists(const char *sym)
{
    char p[600];
    symset_load(&g_kallsyms, path(p, sizeof(p), "/proc/kallsyms"), 2);
    return symset_has(&g_kallsyms, sym);
}

bool ks_ksym_attachable(const char *sym, const char **why)
{
    if (!ks_ksym_exists(sym)) {
        *why = "not in /proc/kallsyms (not in this kernel, or inlined)";
        return false;
    }
    const char *t = ks_tracefs(NULL);
    if (t) {
        char p[600];
        snprintf(p, sizeof(p), "%s/available_filter_functions", t);
        symset_load(&g_filter, p, 0);
        if (g_filter.present && !symset_has(&g_filter, sym)) {
            *why = "not in available_filter_functions (notrace or inlined)";
            return false;
        }
    }
    char p[600];
    /* The blacklist's lines are "0xstart-0xend\tsymbol". */
    symset_load(&g_blacklist, path(p, sizeof(p), "/sys/kernel/debug/kprobes/blacklist"), 1);
    if (symset_has(&g_blacklist, sym)) {
        *why = "in the kprobe blacklist";
        return false;
    }
    return true;
}

static long sys_bpf(int cmd, union bpf_attr *attr, unsigned size)
{
    return syscall(__NR_bpf, cmd, attr, size);
}

/* With a fake root, answers come from <root>/kscope-features: lines "prog N", "map N",
 * "helper N" name what exists; nothing else does. */
static bool fake_has(const char *kind, int n)
{
    char p[600];
    char *text = ks_read_file(path(p, sizeof(p), "/kscope-features"), NULL);
    if (!text)
        return false;
    char want[64];
    snprintf(want, sizeof(want), "%s %d", kind, n);
    bool found = false;
    for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n"))
        found = !strcmp(line, want);
    free(text);
    return found;
}

/* A map of this kind, for a feature probe: its fd, or -1. */
static int create_map(int map_type, unsigned key_size, unsigned value_size, unsigned entries,
                      unsigned flags)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.map_type = (unsigned)map_type;
    attr.key_size = key_size;
    attr.value_size = value_size;
    attr.max_entries = entries;
    attr.map_flags = flags;
    return (int)sys_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
}

/* Does the kernel take this program? (Closed again at once.) */
static bool loads(int prog_type, const struct bpf_insn *insns, unsigned cnt);

static int load_probe(int prog_type, const struct bpf_insn *insns, unsigned cnt, char *log,
                      unsigned logsize)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = (unsigned)prog_type;
    attr.insns = (unsigned long)insns;
    attr.insn_cnt = cnt;
    attr.license = (unsigned long)"GPL";
    attr.kern_version = ks_kernel_version_code();
    if (log) {
        attr.log_buf = (unsigned long)log;
        attr.log_size = logsize;
        attr.log_level = 1;
        log[0] = '\0';
    }
    return (int)sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
}

static bool loads(int prog_type, const struct bpf_insn *insns, unsigned cnt)
{
    int fd = load_probe(prog_type, insns, cnt, NULL, 0);
    if (fd >= 0)
        close(fd);
    return fd >= 0;
}

bool ks_prog_type_supported(int prog_type)
{
    if (prog_type <= 0 || prog_type >= MAX_TYPES)
        return false;
    if (!g_prog_types[prog_type]) {
        bool ok;
        if (g_root) {
            ok = fake_has("prog", prog_type);
        } else {
            struct bpf_insn insns[2] = {
                {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
                {.code = BPF_JMP | BPF_EXIT},
            };
            ok = loads(prog_type, insns, 2);
        }
        g_prog_types[prog_type] = ok ? 1 : -1;
    }
    return g_prog_types[prog_type] == 1;
}

bool ks_map_type_supported(int map_type)
{
    if (map_type <= 0 || map_type >= MAX_TYPES)
        return false;
    if (!g_map_types[map_type]) {
        bool ok;
        if (g_root) {
            ok = fake_has("map", map_type);
        } else {
            /* A ring buffer has no key or value; its size is a power-of-two number of pages. */
            bool rb = map_type == BPF_MAP_TYPE_RINGBUF;
            int fd = rb ? create_map(map_type, 0, 0, (unsigned)sysconf(_SC_PAGESIZE), 0)
                        : create_map(map_type, 4, 4, 1, 0);
            ok = fd >= 0;
            if (fd >= 0)
                close(fd);
        }
        g_map_types[map_type] = ok ? 1 : -1;
    }
    return g_map_types[map_type] == 1;
}

bool ks_helper_supported(int prog_type, int helper_id)
{
    if (g_root)
        return fake_has("helper", helper_id);
    struct bpf_insn insns[3] = {
        {.code = BPF_JMP | BPF_CALL, .imm = helper_id},
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    static char log[4096];
    int fd = load_probe(prog_type, insns, 3, log, sizeof(log));
    if (fd >= 0) {
        close(fd);
        return true;
    }
    /* Rejected for its (missing) arguments is fine: the helper exists. Newer kernels
     * say "program of this type cannot use helper" for one this program type lacks. */
    return !strstr(log, "invalid func") && !strstr(log, "unknown func") &&
           !strstr(log, "cannot use helper");
}

/* The kind of program the tools' programs are, for asking about them. */
static int tracing_type(void)
{
    return ks_prog_type_supported(BPF_PROG_TYPE_TRACEPOINT) ? BPF_PROG_TYPE_TRACEPOINT
                                                            : BPF_PROG_TYPE_KPROBE;
}

bool ks_have_probe_read_user(void)
{
    static int have = -1;
    if (have < 0 || g_root)
        have = ks_helper_supported(tracing_type(), BPF_FUNC_probe_read_user);
    return have;
}

bool ks_have_bounded_loops(void)
{
    static int have = -1;
    if (g_root)
        return fake_has("bounded_loops", 1);
    if (have < 0) {
        /* r0 = 0; do r0 += 1; while (r0 != 4); return 0 */
        struct bpf_insn insns[5] = {
            {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
            {.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 0, .imm = 1},
            {.code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = 0, .off = -2, .imm = 4},
            {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
            {.code = BPF_JMP | BPF_EXIT},
        };
        have = loads(tracing_type(), insns, 5);
    }
    return have;
}

bool ks_have_inplace_events(void)
{
    static int have = -1;
    if (g_root)
        return fake_has("inplace_events", 1);
    if (have < 0) {
        have = 0;
        int map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_MMAPABLE);
        if (map < 0)
            return false;
        /* key 0 on the stack; v = lookup(map, &key); if (v) old = fetch_add(v, 1) */
        struct bpf_insn insns[11] = {
            {.code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = 10, .off = -4, .imm = 0},
            {.code = BPF_LD | BPF_DW | BPF_IMM,
             .dst_reg = 1,
             .src_reg = BPF_PSEUDO_MAP_FD,
             .imm = map},
            {0},
            {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 2, .src_reg = 10},
            {.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 2, .imm = -4},
            {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem},
            {.code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = 0, .off = 2, .imm = 0},
            {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 1, .imm = 1},
            {.code = BPF_STX | BPF_ATOMIC | BPF_DW,
             .dst_reg = 0,
             .src_reg = 1,
             .imm = BPF_ADD | BPF_FETCH},
            {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
            {.code = BPF_JMP | BPF_EXIT},
        };
        have = loads(tracing_type(), insns, 11);
        close(map);
    }
    return have;
}

bool ks_btf_present(void)
{
    char p[600];
    return ks_path_exists(path(p, sizeof(p), "/sys/kernel/btf/vmlinux"));
}

unsigned ks_kernel_version_code(void)
{
    unsigned a = 0, b = 0, c = 0;
    sscanf(ks_kernel_release(), "%u.%u.%u", &a, &b, &c);
    /* KERNEL_VERSION() has 8 bits for the sublevel; the kernel clamps it too. */
    if (c > 255)
        c = 255;
    return (a << 16) + (b << 8) + c;
}
