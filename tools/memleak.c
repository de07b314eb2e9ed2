/* memleak: outstanding memory allocations and their stacks (BCC's memleak). */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bpfsrc/memleak.h"
#include "ks_json.h"
#include "ks_ksyms.h"
#include "ks_maps.h"
#include "ks_record.h"
#include "ks_stack.h"
#include "ks_sys.h"
#include "ks_tool.h"
#include "ks_uprobe.h"
#include "ks_usyms.h"
#include "ks_util.h"

extern const char ks_bpfsrc_memleak_bpf_c[], ks_bpfsrc_memleak_h[];

#define MAX_ALLOCS 1000000     /* BCC's size of the table of allocations */
#define STACK_TABLE_SIZE 10240 /* BCC's size of the stack table */

static bool opt_trace, opt_show_allocs, opt_combined, opt_wa_missing_free, opt_percpu;
static long opt_older = 500, opt_sample = 1, opt_top = 10, opt_min = -1, opt_max = -1;
static const char *opt_command, *opt_obj = "c", *opt_sort = "size", *opt_symbols_prefix;

static const struct ks_opt opts[] = {
    KS_FLAG('t', "trace", "print trace messages for each alloc/free call", &opt_trace),
    KS_FLAG('a', "show-allocs", "show allocation addresses and sizes as well as call stacks",
            &opt_show_allocs),
    KS_LONG('o', "older", "OLDER", "prune allocations younger than this age in milliseconds",
            &opt_older, 0, 0x7fffffffL),
    KS_STR('c', "command", "COMMAND", "execute and trace the specified command", &opt_command),
    KS_FLAG(0, "combined-only", "show combined allocation statistics only", &opt_combined),
    KS_FLAG(0, "wa-missing-free", "Workaround to alleviate misjudgments when free is missing",
            &opt_wa_missing_free),
    KS_LONG('s', "sample-rate", "SAMPLE_RATE",
            "sample every N-th allocation to decrease the overhead", &opt_sample, 1, 0x7fffffffL),
    KS_LONG('T', "top", "TOP", "display only this many top allocating stacks (by size)",
            &opt_top, 1, 0x7fffffffL),
    KS_LONG('z', "min-size", "MIN_SIZE", "capture only allocations larger than this size",
            &opt_min, 0, 0x7fffffffffffffffL),
    KS_LONG('Z', "max-size", "MAX_SIZE", "capture only allocations smaller than this size",
            &opt_max, 0, 0x7fffffffffffffffL),
    KS_STR('O', "obj", "OBJ", "attach to allocator functions in the specified object",
           &opt_obj),
    KS_FLAG(0, "percpu", "trace percpu allocations", &opt_percpu),
    KS_STR(0, "sort", "SORT", "report sorted in given key; available key list: size, count",
           &opt_sort),
    KS_STR(0, "symbols-prefix", "SYMBOLS_PREFIX", "memory allocator symbols prefix",
           &opt_symbols_prefix),
    KS_OPT_END,
};

/* Kernel mode: the kmem tracepoints (every kernel kscope runs on has them); the *_node
 * twins only where the kernel still has them as separate events (before 6.1). --percpu:
 * the percpu tracepoints (4.13+) instead. User mode (-p, -c): uprobes, appended in
 * configure() (below). */
#define NKPROBES 10
#define MAX_PROBES (NKPROBES + 24)
static struct ks_probe probes[MAX_PROBES] = {
    {.name = "kmalloc", .tp = "kmem:kmalloc"},
    {.name = "kmalloc_node", .tp = "kmem:kmalloc_node", .optional = true},
    {.name = "kmem_cache_alloc", .tp = "kmem:kmem_cache_alloc"},
    {.name = "kmem_cache_alloc_node", .tp = "kmem:kmem_cache_alloc_node", .optional = true},
    {.name = "kfree", .tp = "kmem:kfree"},
    {.name = "kmem_cache_free", .tp = "kmem:kmem_cache_free"},
    {.name = "page_alloc", .tp = "kmem:mm_page_alloc"},
    {.name = "page_free", .tp = "kmem:mm_page_free"},
    {.name = "percpu_alloc", .tp = "percpu:percpu_alloc_percpu", .off = true},
    {.name = "percpu_free", .tp = "percpu:percpu_free_percpu", .off = true},
};

/* User mode: the C library's allocator functions, by uprobes in the traced process only:
 * each function's entry (the size) and, for those that return memory, its return (the
 * address, and the stack, in the caller's context). BCC lets mmap, valloc, pvalloc,
 * aligned_alloc and munmap be missing (jemalloc, bionic), and so does kscope, with
 * reallocarray (glibc 2.26+). */
struct ufunc {
    const char *name;  /* the C function */
    const char *enter; /* the BPF program at its entry */
    const char *ret;   /* at its return, or NULL */
    bool optional;
};
static const struct ufunc ufuncs[] = {
    {"malloc", "up_malloc", "up_alloc_ret", false},
    {"calloc", "up_calloc", "up_alloc_ret", false},
    {"realloc", "up_realloc", "up_alloc_ret", false},
    {"reallocarray", "up_reallocarray", "up_alloc_ret", true},
    {"mmap", "up_mmap", "up_alloc_ret", true},
    {"posix_memalign", "up_posix_memalign", "up_posix_memalign_ret", false},
    {"valloc", "up_malloc", "up_alloc_ret", true},
    {"memalign", "up_memalign", "up_alloc_ret", false},
    {"pvalloc", "up_malloc", "up_alloc_ret", true},
    {"aligned_alloc", "up_memalign", "up_alloc_ret", true},
    {"free", "up_free", NULL, false},
    {"munmap", "up_free", NULL, true},
};
#define NUFUNCS (sizeof(ufuncs) / sizeof(ufuncs[0]))
static struct ks_uprobe_spec uspecs[NUFUNCS];
static char uprobe_names[NUFUNCS][2][40];
static long g_pid = -1; /* user mode: the process */

/* The BPF program's value in `allocs` and `combined_allocs` (bpfsrc/memleak.bpf.c). */
struct alloc_info {
    uint64_t size, timestamp_ns;
    int32_t stack_id;
    int32_t pad;
};
struct combined_info {
    uint64_t total_size, number_of_allocs;
};

/* One stack's outstanding allocations. */
struct stack_row {
    int stack_id;
    uint64_t size, count;
};
static bool sort_by_count;
static int cmp_stack(const void *a, const void *b)
{
    const struct stack_row *x = a, *y = b;
    uint64_t vx = sort_by_count ? x->count : x->size, vy = sort_by_count ? y->count : y->size;
    if (vx != vy)
        return vx < vy ? -1 : 1; /* ascending: the largest is printed last, as BCC */
    return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

/* One allocation, for -a. */
struct alloc_row {
    uint64_t addr, size;
    int stack_id;
};
static int cmp_alloc(const void *a, const void *b)
{
    const struct alloc_row *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_alloc_stack(const void *a, const void *b)
{
    const struct alloc_row *x = a, *y = b;
    return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

/* User mode: the file mapped at addr in the process (BCC prints its base name), from
 * /proc/PID/maps read once per report; NULL when unknown (the process is gone). */
static char *g_maps;
static const char *user_module(uint64_t addr, char *buf, size_t size)
{
    for (const char *l = g_maps; l && *l;) {
        const char *nl = strchr(l, '\n');
        unsigned long long lo, hi;
        char path[PATH_MAX];
        if (sscanf(l, "%llx-%llx %*s %*s %*s %*s %4095[^\n]", &lo, &hi, path) == 3 &&
            addr >= lo && addr < hi && path[0] == '/') {
            const char *base = strrchr(path, '/');
            snprintf(buf, size, "%s", base + 1);
            return buf;
        }
        l = nl ? nl + 1 : l + strlen(l);
    }
    return NULL;
}

static void user_frame(uint64_t ip, char *buf, size_t size, const char **name, uint64_t *off)
{
    char sym[256], mod[256];
    ks_usym_str((uint32_t)g_pid, ip, true, sym, sizeof(sym));
    const char *m = user_module(ip, mod, sizeof(mod));
    if (m)
        snprintf(buf, size, "%s [%s]", sym, m);
    else
        snprintf(buf, size, "%s", sym);
    if (name) {
        static char n[256];
        char *plus = strrchr(sym, '+');
        *off = plus && plus[1] == '0' && plus[2] == 'x' ? strtoull(plus + 3, NULL, 16) : 0;
        if (plus && plus[1] == '0' && plus[2] == 'x')
            *plus = '\0';
        snprintf(n, sizeof(n), "%s", sym);
        *name = n;
    }
}

/* A frame as BCC prints it: "name+0xoff [module]" (the kernel image is "[kernel]"). */
static void frame_name(uint64_t ip, char *buf, size_t size)
{
    if (g_pid >= 0) {
        user_frame(ip, buf, size, NULL, NULL);
        return;
    }
    const struct ks_ksym *s = ks_ksym_find(ip);
    if (!s) {
        snprintf(buf, size, "[unknown]");
        return;
    }
    snprintf(buf, size, "%s+0x%llx %s", s->name, (unsigned long long)(ip - s->addr),
             s->module ? s->module : "[kernel]");
}

/* Print one stack: text as BCC ("\t%d bytes in %d allocations from stack" and a frame per
 * line, each "0x%016x\t" + name unless combined), or a JSON object. */
static void print_stack(struct ks_run *r, const struct stack_row *s, bool addresses)
{
    uint64_t ips[KS_STACK_DEPTH];
    int n = ks_stack_read(ks_map_fd(r, "stack_traces"), s->stack_id, ips, KS_STACK_DEPTH);
    char name[320];
    if (ks_out_json()) {
        struct ks_json *j = ks_out_writer();
        ks_json_object(j, NULL);
        ks_json_uint(j, "bytes", s->size);
        ks_json_uint(j, "allocations", s->count);
        if (n == 0 && s->stack_id >= 0) {
            ks_json_null(j, "stack");
        } else {
            ks_json_array(j, "stack");
            for (int i = 0; i < n; i++) {
                ks_json_object(j, NULL);
                ks_json_uint(j, "addr", ips[i]);
                if (g_pid >= 0) {
                    const char *sym;
                    uint64_t off;
                    char mod[256];
                    user_frame(ips[i], name, sizeof(name), &sym, &off);
                    ks_json_str(j, "symbol", sym);
                    ks_json_uint(j, "offset", off);
                    ks_json_str(j, "module", user_module(ips[i], mod, sizeof(mod)));
                } else {
                    const struct ks_ksym *k = ks_ksym_find(ips[i]);
                    ks_json_str(j, "symbol", k ? k->name : "[unknown]");
                    ks_json_uint(j, "offset", k ? ips[i] - k->addr : 0);
                    ks_json_str(j, "module", k ? (k->module ? k->module : "[kernel]") : NULL);
                }
                ks_json_end(j);
            }
            ks_json_end(j);
        }
        ks_json_end(j);
        return;
    }
    printf("\t%llu bytes in %llu allocations from stack\n", (unsigned long long)s->size,
           (unsigned long long)s->count);
    if (n == 0 && !addresses) {
        printf("\t\tstack information lost\n"); /* BCC's words for a stack gone */
        return;
    }
    for (int i = 0; i < n; i++) {
        frame_name(ips[i], name, sizeof(name));
        if (addresses)
            printf("\t\t0x%016llx\t%s\n", (unsigned long long)ips[i], name);
        else
            printf("\t\t%s\n", name);
    }
}

static void header_line(void)
{
    if (ks_out_json()) {
        ks_json_uint(ks_out_writer(), "top", (uint64_t)opt_top);
        return;
    }
    char t[16];
    printf("[%s] Top %ld stacks with outstanding allocations:\n",
           ks_time_str(t, sizeof(t), "%H:%M:%S"), opt_top);
}

/* BCC's default report: every allocation older than -o, grouped by stack. */
static void report_allocs(struct ks_run *r)
{
    void *keys, *vals;
    size_t n = ks_map_dump(ks_map_fd(r, "allocs"), sizeof(uint64_t), sizeof(struct alloc_info),
                           &keys, &vals),
           m = 0;
    struct alloc_row *a = ks_xcalloc(n ? n : 1, sizeof(*a));
    uint64_t now = ks_now_ns(), min_age = (uint64_t)opt_older * 1000000ull;
    uint64_t nostack = 0, nostack_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        struct alloc_info info;
        uint64_t addr;
        memcpy(&addr, (char *)keys + i * 8, 8);
        memcpy(&info, (char *)vals + i * sizeof(info), sizeof(info));
        /* Younger than -o (it may still be freed), or without a stack: not shown. */
        if (info.timestamp_ns + min_age > now)
            continue;
        if (info.stack_id < 0) {
            nostack++;
            nostack_bytes += info.size;
            continue;
        }
        a[m++] = (struct alloc_row){addr, info.size, info.stack_id};
    }
    /* BCC leaves these out silently; a leak whose stack was lost would just vanish. */
    if (nostack)
        fprintf(stderr,
                "%s: %llu outstanding allocations (%llu bytes) not shown: the stack table "
                "(%d entries) could not keep their stacks (a hash collision, or full); "
                "tracing fewer allocations (-p, -z, -Z, -s) leaves fewer stacks in it\n",
                ks_prog, (unsigned long long)nostack, (unsigned long long)nostack_bytes,
                STACK_TABLE_SIZE);
    free(keys);
    free(vals);
    /* Per stack: grouped in stack id order, then the allocations by size for -a. */
    qsort(a, m, sizeof(*a), cmp_alloc_stack);
    struct stack_row *s = ks_xcalloc(m ? m : 1, sizeof(*s));
    size_t ns = 0;
    for (size_t i = 0; i < m; i++) {
        if (!ns || s[ns - 1].stack_id != a[i].stack_id)
            s[ns++] = (struct stack_row){.stack_id = a[i].stack_id};
        s[ns - 1].size += a[i].size;
        s[ns - 1].count++;
    }
    qsort(a, m, sizeof(*a), cmp_alloc);
    if (opt_show_allocs) {
        if (ks_out_json()) {
            struct ks_json *j = ks_out_writer();
            ks_json_array(j, "allocs");
            for (size_t i = 0; i < m; i++) {
                ks_json_object(j, NULL);
                ks_json_uint(j, "addr", a[i].addr);
                ks_json_uint(j, "size", a[i].size);
                ks_json_end(j);
            }
            ks_json_end(j);
        } else {
            for (size_t i = 0; i < m; i++)
                printf("\taddr = %llx size = %llu\n", (unsigned long long)a[i].addr,
                       (unsigned long long)a[i].size);
        }
    }
    qsort(s, ns, sizeof(*s), cmp_stack);
    size_t first = ns > (size_t)opt_top ? ns - (size_t)opt_top : 0;
    if (ks_out_json())
        ks_json_array(ks_out_writer(), "stacks");
    for (size_t i = first; i < ns; i++)
        print_stack(r, &s[i], true);
    if (ks_out_json())
        ks_json_end(ks_out_writer());
    free(s);
    free(a);
}

/* --combined-only: the per-stack totals the BPF program kept (-o does not apply). */
static void report_combined(struct ks_run *r)
{
    void *keys, *vals;
    size_t n = ks_map_dump(ks_map_fd(r, "combined_allocs"), sizeof(uint64_t),
                           sizeof(struct combined_info), &keys, &vals),
           m = 0;
    struct stack_row *s = ks_xcalloc(n ? n : 1, sizeof(*s));
    for (size_t i = 0; i < n; i++) {
        uint64_t id;
        struct combined_info c;
        memcpy(&id, (char *)keys + i * 8, 8);
        memcpy(&c, (char *)vals + i * sizeof(c), sizeof(c));
        if (!c.number_of_allocs)
            continue;
        s[m++] = (struct stack_row){(int)(int64_t)id, c.total_size, c.number_of_allocs};
    }
    free(keys);
    free(vals);
    qsort(s, m, sizeof(*s), cmp_stack);
    size_t first = m > (size_t)opt_top ? m - (size_t)opt_top : 0;
    if (ks_out_json())
        ks_json_array(ks_out_writer(), "stacks");
    for (size_t i = first; i < m; i++)
        print_stack(r, &s[i], false);
    if (ks_out_json())
        ks_json_end(ks_out_writer());
    free(s);
}

static void on_interval(struct ks_run *r)
{
    if (opt_trace)
        return; /* BCC's -t prints the calls, not the reports */
    if (g_pid >= 0) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%ld/maps", g_pid);
        free(g_maps);
        g_maps = ks_read_file(path, NULL);
    }
    ks_interval_begin();
    header_line();
    if (opt_combined)
        report_combined(r);
    else
        report_allocs(r);
    ks_interval_end();
}

/* -t: one line per call, BCC's trace messages. */
static void on_event(void *data, int size)
{
    const struct memleak_event *e = data;
    if (size < (int)sizeof(*e))
        return;
    if (ks_out_json()) {
        struct ks_json *j = ks_out_writer();
        ks_json_object(j, NULL);
        ks_json_str(j, "call", e->kind == MEMLEAK_ALLOC ? "alloc" : "free");
        ks_json_uint(j, "addr", e->addr);
        ks_json_uint(j, "size", e->size);
        ks_json_end(j);
        ks_json_nl(j);
    } else if (e->kind == MEMLEAK_ALLOC) {
        printf("alloc exited, size = %llu, result = %llx\n", (unsigned long long)e->size,
               (unsigned long long)e->addr);
    } else {
        printf("free entered, address = %llx, size = %llu\n", (unsigned long long)e->addr,
               (unsigned long long)e->size);
    }
}

static struct ks_tool tool;

/* -c: the command, split at blanks as BCC does, forked now and held before its exec until
 * the probes are attached (on_start), so that none of its allocations is missed. */
static int g_go = -1;
static long start_command(const char *cmd)
{
    static char copy[4096];
    char *argv[64], *save = NULL;
    int n = 0;
    snprintf(copy, sizeof(copy), "%s", cmd);
    for (char *t = strtok_r(copy, " \t", &save); t && n < 63; t = strtok_r(NULL, " \t", &save))
        argv[n++] = t;
    argv[n] = NULL;
    if (!n)
        ks_usage_error("-c: the command is empty");
    bool found = strchr(argv[0], '/') && access(argv[0], X_OK) == 0;
    const char *path = getenv("PATH");
    for (const char *d = path ? path : "/usr/bin:/bin"; !found && !strchr(argv[0], '/') && *d;) {
        size_t len = strcspn(d, ":");
        char full[PATH_MAX];
        snprintf(full, sizeof(full), "%.*s/%s", (int)len, d, argv[0]);
        found = access(full, X_OK) == 0;
        d += len + (d[len] == ':');
    }
    if (!found)
        ks_usage_error("-c '%s': command not found (or not executable)", ks_q(argv[0]));
    int p[2];
    if (pipe(p) != 0)
        ks_usage_error("-c: cannot start the command: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        ks_usage_error("-c: cannot start the command: %s", strerror(errno));
    if (pid == 0) {
        char c;
        close(p[1]);
        /* memleak gone before attaching (an error): end without running the command. */
        if (read(p[0], &c, 1) != 1)
            _exit(0);
        close(p[0]);
        execvp(argv[0], argv);
        fprintf(stderr, "memleak: -c: cannot run '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(p[0]);
    g_go = p[1];
    ks_textf("Executing '%s' and tracing the resulting process.\n", cmd);
    return pid;
}

/* User mode: a uprobe at the entry of each allocator function of the C library (-O) the
 * process maps, and one at the return of those that return memory. */
static void user_probes(struct ks_run *r)
{
    static char lib[PATH_MAX];
    struct ks_buf err = {0};
    g_pid = r->opt.pid;
    if (!ks_uprobe_find_mapped(opt_obj, g_pid, lib, sizeof(lib), &err))
        ks_usage_error("-p %ld: %s", g_pid, err.s ? err.s : "the C library was not found");
    ks_buf_free(&err);
    int np = NKPROBES;
    for (size_t i = 0; i < NKPROBES; i++)
        probes[i].off = true;
    for (size_t i = 0; i < NUFUNCS; i++) {
        const struct ufunc *f = &ufuncs[i];
        char sym[128];
        uint64_t off;
        snprintf(sym, sizeof(sym), "%s%s", opt_symbols_prefix ? opt_symbols_prefix : "",
                 f->name);
        if (!ks_uprobe_func_offset(lib, sym, &off, &err)) {
            if (!f->optional)
                ks_usage_error("%s: %s", sym, err.s ? err.s : "not found");
            ks_info("%s: %s; not traced", sym, err.s ? err.s : "not found");
            ks_buf_free(&err);
            continue;
        }
        uspecs[i] = (struct ks_uprobe_spec){
            .path = lib, .offset = off, .what = f->name, .pid = g_pid};
        snprintf(uprobe_names[i][0], sizeof(uprobe_names[i][0]), "%s", f->name);
        probes[np++] = (struct ks_probe){.name = uprobe_names[i][0], .uprobe = &uspecs[i],
                                         .func = f->enter, .optional = f->optional};
        if (f->ret) {
            snprintf(uprobe_names[i][1], sizeof(uprobe_names[i][1]), "%s_ret", f->name);
            probes[np++] = (struct ks_probe){.name = uprobe_names[i][1],
                                             .uprobe = &uspecs[i],
                                             .ret = true,
                                             .func = f->ret,
                                             .optional = f->optional};
        }
    }
    tool.nprobes = np;
}

static void configure(struct ks_run *r)
{
    if (strcmp(opt_sort, "size") && strcmp(opt_sort, "count"))
        ks_usage_error("--sort '%s': the keys are size and count", ks_q(opt_sort));
    sort_by_count = !strcmp(opt_sort, "count");
    if (opt_min >= 0 && opt_max >= 0 && opt_min > opt_max)
        ks_usage_error("min_size (-z) can't be greater than max_size (-Z)");
    if (r->opt.pid >= 0 && opt_command)
        ks_usage_error("-p and -c: give one process to trace, not both");
    if (opt_command && !r->opt.ebpf && !r->opt.check && !r->opt.target)
        r->opt.pid = start_command(opt_command);
    if (r->opt.pid >= 0 && opt_percpu)
        ks_usage_error("--percpu traces the kernel's percpu allocator: not with -p or -c");
    ks_require_pid(r);
    if (r->opt.pid >= 0 || opt_command)
        user_probes(r);
    /* BCC's default: a report every 5 seconds. */
    if (!r->opt.interval)
        r->opt.interval = 5;
    if (opt_percpu) {
        for (size_t i = 0; i < NKPROBES; i++)
            probes[i].off = strncmp(probes[i].name, "percpu_", 7) != 0;
    }
    if (opt_trace)
        tool.on_event = on_event;
    ks_define(r, "STACK_STORAGE_SIZE", STACK_TABLE_SIZE, "BCC's stack table size");
    ks_define(r, "MAX_ALLOCS", MAX_ALLOCS, "allocations kept at once");
    ks_define(r, "MEMLEAK_PAGE_SIZE", sysconf(_SC_PAGESIZE), "mm_page_alloc: bytes per page");
    if (g_pid >= 0 || opt_command) {
        ks_define(r, "USER_MODE", 1, "-p/-c: the C library's allocator in one process");
        ks_define(r, "STACK_FLAGS", 256, "BPF_F_USER_STACK: user stacks");
    } else {
        ks_define(r, "STACK_FLAGS", 0, "kernel stacks");
    }
    ks_define(r, "SAMPLE_EVERY_N", opt_sample, "-s");
    if (opt_min >= 0)
        ks_define(r, "MIN_SIZE", opt_min, "-z");
    if (opt_max >= 0)
        ks_define(r, "MAX_SIZE", opt_max, "-Z");
    if (opt_wa_missing_free)
        ks_define(r, "WA_MISSING_FREE", 1, "--wa-missing-free");
    if (opt_trace)
        ks_define(r, "TRACE_EVENTS", 1, "-t");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    if (g_pid < 0) {
        ks_textf("Attaching to kernel allocators, Ctrl+C to quit.\n");
        return;
    }
    ks_textf("Attaching to pid %ld, Ctrl+C to quit.\n", g_pid);
    if (g_go >= 0) { /* -c: the probes are on; let the command run */
        if (write(g_go, "x", 1) != 1)
            ks_warn("-c: the command did not start");
        close(g_go);
        g_go = -1;
    } else {
        ks_usyms_note((uint32_t)g_pid); /* its maps and symbols while it lives */
    }
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "memleak",
            .json = true,
            .description = "Trace outstanding memory allocations that weren't freed, and the "
                           "stacks that made them (kernel allocators; -p/-c: a process's C "
                           "library allocations)",
            .opts = opts,
            .common = KS_C_PID | KS_C_INTERVAL,
            .examples =
                "    memleak -p $(pidof allocs)      # outstanding allocations of a process, "
                "every 5 seconds\n"
                "    memleak -p $(pidof allocs) -t   # each allocator call\n"
                "    memleak -ap $(pidof allocs) 10  # with addresses and sizes, every 10 "
                "seconds\n"
                "    memleak -c \"./allocs\"           # run the command and trace it\n"
                "    memleak                         # the kernel's outstanding allocations, "
                "every 5 seconds\n"
                "    memleak -o 60000                # only those at least a minute old\n"
                "    memleak -s 5                    # sample every 5th allocation\n"
                "    memleak --sort count            # sorted by allocation count\n",
        },
    .bpf_source = ks_bpfsrc_memleak_bpf_c,
    .bpf_name = "memleak.bpf.c",
    .bpf_header = ks_bpfsrc_memleak_h,
    .probes = probes,
    .nprobes = NKPROBES,
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
