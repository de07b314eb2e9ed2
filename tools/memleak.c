/* memleak: outstanding memory allocations and their stacks (BCC's memleak). */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
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
#include "ks_util.h"

extern const char ks_bpfsrc_memleak_bpf_c[], ks_bpfsrc_memleak_h[];

#define MAX_ALLOCS 1000000 /* BCC's size of the table of allocations */

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
 * the percpu tracepoints (4.13+) instead. */
static struct ks_probe probes[] = {
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
#define NPROBES (sizeof(probes) / sizeof(probes[0]))

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

/* A frame as BCC prints it: "name+0xoff [module]" (the kernel image is "[kernel]"). */
static void frame_name(uint64_t ip, char *buf, size_t size)
{
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
                const struct ks_ksym *k = ks_ksym_find(ips[i]);
                ks_json_object(j, NULL);
                ks_json_uint(j, "addr", ips[i]);
                frame_name(ips[i], name, sizeof(name));
                ks_json_str(j, "symbol", k ? k->name : "[unknown]");
                ks_json_uint(j, "offset", k ? ips[i] - k->addr : 0);
                ks_json_str(j, "module", k ? (k->module ? k->module : "[kernel]") : NULL);
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
    for (size_t i = 0; i < n; i++) {
        struct alloc_info info;
        uint64_t addr;
        memcpy(&addr, (char *)keys + i * 8, 8);
        memcpy(&info, (char *)vals + i * sizeof(info), sizeof(info));
        /* Younger than -o (it may still be freed), or without a stack: not shown. */
        if (info.timestamp_ns + min_age > now || info.stack_id < 0)
            continue;
        a[m++] = (struct alloc_row){addr, info.size, info.stack_id};
    }
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

static void configure(struct ks_run *r)
{
    if (strcmp(opt_sort, "size") && strcmp(opt_sort, "count"))
        ks_usage_error("--sort '%s': the keys are size and count", ks_q(opt_sort));
    sort_by_count = !strcmp(opt_sort, "count");
    if (opt_min >= 0 && opt_max >= 0 && opt_min > opt_max)
        ks_usage_error("min_size (-z) can't be greater than max_size (-Z)");
    if (r->opt.pid >= 0 || opt_command)
        ks_usage_error("user mode (-p, -c) needs uprobes on the C library, which this build "
                       "of memleak does not have yet; without -p it traces the kernel's "
                       "allocators");
    /* BCC's default: a report every 5 seconds. */
    if (!r->opt.interval)
        r->opt.interval = 5;
    if (opt_percpu) {
        for (size_t i = 0; i < NPROBES; i++)
            probes[i].off = strncmp(probes[i].name, "percpu_", 7) != 0;
    }
    if (opt_trace)
        tool.on_event = on_event;
    ks_define(r, "STACK_STORAGE_SIZE", 10240, "BCC's stack table size");
    ks_define(r, "MAX_ALLOCS", MAX_ALLOCS, "allocations kept at once");
    ks_define(r, "MEMLEAK_PAGE_SIZE", sysconf(_SC_PAGESIZE), "mm_page_alloc: bytes per page");
    ks_define(r, "STACK_FLAGS", 0, "kernel stacks");
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
    ks_textf("Attaching to kernel allocators, Ctrl+C to quit.\n");
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
    .nprobes = NPROBES,
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
