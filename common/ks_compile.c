#define _GNU_SOURCE
#include "ks_compile.h"

#include "ks_features.h"

#include <bcc/bcc_version.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

const char *ks_libbcc_version(void)
{
    return LIBBCC_VERSION;
}

/* The part of libbcc's C API the compile step uses, resolved with dlsym. */
struct bcc_api {
    void *(*create)(const char *, unsigned, const char *[], int, bool, const char *);
    void (*destroy)(void *);
    char *(*license)(void *);
    size_t (*num_functions)(void *);
    const char *(*function_name)(void *, size_t);
    void *(*function_start_id)(void *, size_t);
    size_t (*function_size_id)(void *, size_t);
    size_t (*num_tables)(void *);
    const char *(*table_name)(void *, size_t);
    int (*table_fd_id)(void *, size_t);
    int (*table_type_id)(void *, size_t);
    size_t (*table_key_size_id)(void *, size_t);
    size_t (*table_leaf_size_id)(void *, size_t);
    size_t (*table_max_entries_id)(void *, size_t);
    int (*table_flags_id)(void *, size_t);
};

static bool load_api(struct bcc_api *a)
{
    void *h = dlopen("libbcc.so.0", RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "%s: error: cannot load libbcc: %s\n(install libbpfcc: apt-get install libbpfcc)\n",
                ks_prog, dlerror());
        return false;
    }
#define SYM(field, name)                                                                         \
    do {                                                                                         \
        *(void **)&a->field = dlsym(h, name);                                                    \
        if (!a->field) {                                                                         \
            fprintf(stderr, "%s: error: libbcc lacks %s\n", ks_prog, name);                      \
            return false;                                                                        \
        }                                                                                        \
    } while (0)
    SYM(create, "bpf_module_create_c_from_string");
    SYM(destroy, "bpf_module_destroy");
    SYM(license, "bpf_module_license");
    SYM(num_functions, "bpf_num_functions");
    SYM(function_name, "bpf_function_name");
    SYM(function_start_id, "bpf_function_start_id");
    SYM(function_size_id, "bpf_function_size_id");
    SYM(num_tables, "bpf_num_tables");
    SYM(table_name, "bpf_table_name");
    SYM(table_fd_id, "bpf_table_fd_id");
    SYM(table_type_id, "bpf_table_type_id");
    SYM(table_key_size_id, "bpf_table_key_size_id");
    SYM(table_leaf_size_id, "bpf_table_leaf_size_id");
    SYM(table_max_entries_id, "bpf_table_max_entries_id");
    SYM(table_flags_id, "bpf_table_flags_id");
#undef SYM
    return true;
}

/* libbcc decides whether to map bpf_probe_read_kernel to bpf_probe_read by loading all of
 * /proc/kallsyms into a hash table at every compile: 0.1-0.15 s on this kind of machine,
 * a third of a small program's compile. The runtime has already asked the kernel (by
 * loading a probe program), so the compile child gives libbcc that answer instead: in a
 * private mount namespace, /proc/kallsyms becomes a file naming only that symbol, or
 * nothing when the kernel lacks the helper. Best effort: without CAP_SYS_ADMIN libbcc
 * simply reads the real file. */
static void answer_kallsyms_lookup(const char *text, bool private_ns)
{
    /* The program text says which helpers it was configured for (the runtime's prelude);
     * libbcc's own rewrites must agree with it. */
    bool have = strstr(text, "\n#define KS_HAVE_PROBE_READ_USER ") != NULL;
    const char *step = "a private mount namespace";
    if (!private_ns)
        goto fail;
    /* The bind source must be a file in our mount namespace (a memfd is refused); the
     * file is removed at once, the mount keeps it. */
    static const char *dirs[] = {"/dev/shm", "/run", "/tmp"};
    char path[64];
    int fd = -1;
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && fd < 0; i++) {
        snprintf(path, sizeof(path), "%s/kscope-kallsyms-XXXXXX", dirs[i]);
        fd = mkostemp(path, O_CLOEXEC);
    }
    step = "a temporary file";
    if (fd < 0)
        goto fail;
    static const char line[] = "ffffffff81000000 T bpf_probe_read_kernel\n";
    bool ok = !have || write(fd, line, sizeof(line) - 1) > 0;
    char src[64];
    snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
    step = "the bind mount";
    ok = ok && mount(src, "/proc/kallsyms", NULL, MS_BIND, NULL) == 0;
    int err = errno;
    unlink(path);
    close(fd);
    errno = err;
    if (!ok)
        goto fail;
    ks_info("compile: libbcc's kallsyms lookup answered by the helper probe "
            "(bpf_probe_read_kernel %s)",
            have ? "present" : "absent");
    return;
fail:
    ks_info("compile: libbcc will read /proc/kallsyms itself (%s: %s)", step, strerror(errno));
}

static bool private_mount_ns(void)
{
    return unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

/* Compiling for a saved profile: libbcc reads a tracepoint's format from tracefs to lay
 * out TRACEPOINT_PROBE's arguments, so it must see the profile's formats, not this
 * kernel's. The profile's tracing directory goes over both places libbcc looks. */
static bool show_profile_tracefs(void)
{
    char src[PATH_MAX];
    ks_kernel_path(src, sizeof(src), "/sys/kernel/tracing");
    static const char *const dst[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
    int n = 0;
    for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++) {
        if (!ks_is_dir(dst[i]))
            continue;
        if (mount(src, dst[i], NULL, MS_BIND, NULL) != 0) {
            fprintf(stderr, "%s: error: cannot show the profile's tracepoint formats at %s: %s\n",
                    ks_prog, dst[i], strerror(errno));
            return false;
        }
        n++;
    }
    if (!n)
        fprintf(stderr, "%s: error: no /sys/kernel/tracing to show the profile's tracepoint "
                        "formats at\n", ks_prog);
    else
        ks_info("compile: libbcc reads the profile's tracepoint formats (%s)", src);
    return n > 0;
}

/* libbcc's compiled module -> a ks_object (map fds in the code become map indexes). 0, or
 * the child's exit status for the failure. */
static int module_object(const struct bcc_api *api, void *mod, const struct ks_func_plan *plan,
                         int nplan, struct ks_object *o)
{
    memset(o, 0, sizeof(*o));
    snprintf(o->license, sizeof(o->license), "%s", api->license(mod) ? api->license(mod) : "GPL");
    o->nmaps = (uint32_t)api->num_tables(mod);
    o->maps = ks_xcalloc(o->nmaps ? o->nmaps : 1, sizeof(*o->maps));
    int *fds = ks_xcalloc(o->nmaps ? o->nmaps : 1, sizeof(int));
    for (uint32_t i = 0; i < o->nmaps; i++) {
        struct ks_map_def *m = &o->maps[i];
        snprintf(m->name, sizeof(m->name), "%s", api->table_name(mod, i));
        m->type = (uint32_t)api->table_type_id(mod, i);
        m->key_size = (uint32_t)api->table_key_size_id(mod, i);
        m->value_size = (uint32_t)api->table_leaf_size_id(mod, i);
        m->max_entries = (uint32_t)api->table_max_entries_id(mod, i);
        m->flags = (uint32_t)api->table_flags_id(mod, i);
        fds[i] = api->table_fd_id(mod, i);
    }
    o->nprogs = (uint32_t)nplan;
    o->progs = ks_xcalloc(o->nprogs ? o->nprogs : 1, sizeof(*o->progs));
    size_t nf = api->num_functions(mod);
    for (int p = 0; p < nplan; p++) {
        size_t id = nf;
        for (size_t f = 0; f < nf; f++)
            if (!strcmp(api->function_name(mod, f), plan[p].func))
                id = f;
        if (id == nf) {
            fprintf(stderr, "%s: error: the BPF source has no function %s\n", ks_prog,
                    plan[p].func);
            return 5;
        }
        struct ks_prog_def *g = &o->progs[p];
        snprintf(g->name, sizeof(g->name), "%s", plan[p].func);
        g->type = (uint32_t)plan[p].prog_type;
        g->insn_cnt = (uint32_t)(api->function_size_id(mod, id) / sizeof(struct bpf_insn));
        g->insns = ks_xmalloc(g->insn_cnt * sizeof(struct bpf_insn));
        memcpy(g->insns, api->function_start_id(mod, id), g->insn_cnt * sizeof(struct bpf_insn));
        /* libbcc put its own map fds into ld_imm64; store map indexes instead. */
        for (uint32_t k = 0; k < g->insn_cnt; k++) {
            struct bpf_insn *in = &g->insns[k];
            if (in->code != (BPF_LD | BPF_IMM | BPF_DW))
                continue;
            if (in->src_reg == BPF_PSEUDO_MAP_FD) {
                uint32_t j = 0;
                while (j < o->nmaps && fds[j] != in->imm)
                    j++;
                if (j == o->nmaps) {
                    fprintf(stderr, "%s: error: %s refers to an unknown map fd %d\n", ks_prog,
                            g->name, in->imm);
                    return 5;
                }
                in->imm = (int32_t)j;
            } else if (in->src_reg != 0) {
                fprintf(stderr, "%s: error: %s uses an unsupported map reference (src %d)\n",
                        ks_prog, g->name, in->src_reg);
                return 5;
            }
            k++; /* the second half of the 16-byte instruction */
        }
    }
    free(fds);
    return 0;
}

/* Runs in the child: compile, convert, write to fd. Exit status is the result. */
static int child_compile(int fd, const char *text, const struct ks_headers *h, bool light,
                         const struct ks_func_plan *plan, int nplan)
{
    bool ns = private_mount_ns();
    if (ks_kernel_is_profile()) {
        if (!ns) {
            fprintf(stderr, "%s: error: compiling for a profile needs root (a private mount "
                            "namespace shows libbcc the profile's tracepoint formats): %s\n",
                    ks_prog, strerror(errno));
            return 7;
        }
        if (!show_profile_tracefs())
            return 7;
    }
    answer_kallsyms_lookup(text, ns);
    struct bcc_api api;
    if (!load_api(&api))
        return 3;
    char flags[8][PATH_MAX + 4];
    const char *cflags[8];
    int n = ks_headers_cflags(h, ks_kernel_arch(), flags, 8);
    for (int i = 0; i < n; i++)
        cflags[i] = flags[i];
    unsetenv("BCC_LINUX_VERSION_CODE");

    /* A program that reads tracepoint fields only compiles with the light headers
     * (ks_headers.c); if it needs more, the real headers compile it. KSCOPE_LIGHT_HEADERS=0
     * turns this off; =check compiles with both and fails if the programs differ. */
    const char *mode = getenv("KSCOPE_LIGHT_HEADERS");
    bool check = mode && !strcmp(mode, "check");
    struct ks_object lo;
    bool have_light = false;
    char ldir[PATH_MAX];
    if (light && !(mode && !strcmp(mode, "0")) && ks_headers_light(h, text, ldir, sizeof(ldir))) {
        setenv("BCC_KERNEL_SOURCE", ldir, 1);
        /* Its errors are not the user's: the real headers get the last word. */
        int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDERR_FILENO);
        void *lmod = api.create(text, 0, NULL, 0, true, NULL);
        have_light = lmod && module_object(&api, lmod, plan, nplan, &lo) == 0;
        if (saved >= 0) {
            dup2(saved, STDERR_FILENO);
            close(saved);
        }
        if (null >= 0)
            close(null);
        ks_rmtree(ldir);
        ks_info("compile: %s", have_light ? "light headers (the program reads tracepoint "
                                            "fields only)"
                                          : "the program needs the kernel headers");
    }
    struct ks_object o;
    if (have_light && !check) {
        o = lo;
    } else {
        setenv("BCC_KERNEL_SOURCE", h->source, 1);
        void *mod = api.create(text, 0, cflags, n, true, NULL);
        if (!mod)
            return 4;
        int st = module_object(&api, mod, plan, nplan, &o);
        if (st)
            return st;
    }
    if (check && have_light) {
        struct ks_buf a = {0}, b = {0};
        ks_object_serialize(&o, &a);
        ks_object_serialize(&lo, &b);
        if (a.len != b.len || memcmp(a.s, b.s, a.len)) {
            fprintf(stderr, "%s: error: the light headers give a different program than the "
                            "kernel headers\n", ks_prog);
            return 8;
        }
        ks_info("compile: light headers checked: the same program as with the kernel headers");
    }
    struct ks_buf out = {0};
    ks_object_serialize(&o, &out);
    size_t off = 0;
    while (off < out.len) {
        ssize_t w = write(fd, out.s + off, out.len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return 6;
        }
        off += (size_t)w;
    }
    return 0;
}

struct ks_object *ks_compile(const char *text, const struct ks_headers *h, bool light,
                             const struct ks_func_plan *plan, int nplan, struct ks_buf *err)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        ks_buf_printf(err, "pipe: %s", strerror(errno));
        return NULL;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        ks_buf_printf(err, "fork: %s", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return NULL;
    }
    if (pid == 0) {
        close(pfd[0]);
        /* libbcc prints some diagnostics on stdout; stdout belongs to the tool's output. */
        dup2(2, 1);
        _exit(child_compile(pfd[1], text, h, light, plan, nplan));
    }
    close(pfd[1]);
    struct ks_buf data = {0};
    char chunk[65536];
    for (;;) {
        ssize_t r = read(pfd[0], chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        ks_buf_addn(&data, chunk, (size_t)r);
    }
    close(pfd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
            ks_buf_printf(err,
                          "compiling the BPF program failed (see the compiler's messages above).\n"
                          "Kernel headers used: %s%s%s (%s%s).",
                          h->source, h->split ? " + " : "", h->split ? h->build : "", h->how,
                          h->exact ? "" : ", not the running kernel's version");
        else if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
            ks_buf_printf(err, "%s", KS_COMPILE_NO_LIBBCC);
        else if (WIFSIGNALED(st))
            ks_buf_printf(err, "the BPF compiler crashed (signal %d)", WTERMSIG(st));
        else
            ks_buf_printf(err, "the BPF compile step failed (status %d)",
                          WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        ks_buf_free(&data);
        return NULL;
    }
    const char *why = NULL;
    struct ks_object *o = ks_object_parse(data.s, data.len, &why);
    if (!o)
        ks_buf_printf(err, "the BPF compile step returned a bad object: %s", why);
    ks_buf_free(&data);
    return o;
}
