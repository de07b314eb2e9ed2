/* threadsnoop: list new thread creation (BCC's threadsnoop). */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/threadsnoop.h"
#include "ks_record.h"
#include "ks_tool.h"
#include "ks_uprobe.h"
#include "ks_usyms.h"

extern const char ks_bpfsrc_threadsnoop_bpf_c[], ks_bpfsrc_threadsnoop_h[];

static const struct ks_opt opts[] = {
    KS_OPT_END,
};

/* pthread_create: a uprobe only (no tracepoint knows the start routine). Where it is is
 * found in configure(): libpthread where it still defines it, else the C library. */
static struct ks_uprobe_spec create_spec;
static struct ks_probe probes[] = {
    {.name = "create", .uprobe = &create_spec, .func = "up_create"},
};

/* BCC's columns: "%-10d %-7d %-16s %s" (TIME in ms since the first event). */
enum { F_MS, F_NS, F_PID, F_COMM, F_FUNC, F_ADDR, NF };
static const struct ks_field fields[NF] = {
    [F_MS] = {.type = KS_T_UINT, .header = "TIME(ms)", .hfmt = "%-10s ", .fmt = "%-10d "},
    [F_NS] = {.json = "elapsed_ns", .type = KS_T_UINT},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_FUNC] = {.json = "func", .type = KS_T_STR, .header = "FUNC", .hfmt = "%s", .fmt = "%s"},
    [F_ADDR] = {.json = "func_addr", .type = KS_T_UINT},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static uint64_t first_ts;

static void on_event(void *data, int size)
{
    const struct threadsnoop_event *e = data;
    if (size < (int)sizeof(*e))
        return;
    if (!first_ts)
        first_ts = e->ts;
    char comm[17], func[256];
    snprintf(comm, sizeof(comm), "%.16s", e->comm);
    /* BCC prints the address in hex when the symbol is unknown. */
    ks_usym_str(e->pid, e->start, false, func, sizeof(func));
    if (!strcmp(func, "[unknown]"))
        snprintf(func, sizeof(func), "0x%llx", (unsigned long long)e->start);
    uint64_t ns = e->ts - first_ts;
    struct ks_val v[NF] = {
        [F_MS] = KS_U(ns / 1000000), [F_NS] = KS_U(ns),        [F_PID] = KS_U(e->pid),
        [F_COMM] = KS_S(comm),       [F_FUNC] = KS_S(func),    [F_ADDR] = KS_U(e->start),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    ks_require_pid(r);
    static char path[PATH_MAX];
    struct ks_buf err = {0};
    uint64_t off;
    /* Since glibc 2.34 libpthread is an empty shell and pthread_create is in libc. */
    if (!(ks_uprobe_find("pthread", r->opt.pid, path, sizeof(path), &err) &&
          ks_uprobe_func_offset(path, "pthread_create", &off, &err))) {
        ks_buf_free(&err);
        if (!ks_uprobe_find("c", r->opt.pid, path, sizeof(path), &err) ||
            !ks_uprobe_func_offset(path, "pthread_create", &off, &err)) {
            ks_err("pthread_create not found: %s", err.s ? err.s : "");
            exit(1);
        }
    }
    ks_buf_free(&err);
    create_spec = (struct ks_uprobe_spec){
        .path = path, .offset = off, .what = "pthread_create", .pid = r->opt.pid};
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "threadsnoop",
            .json = true,
            .description = "List new thread creation (pthread_create), with the function "
                           "each thread starts in",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    threadsnoop          # every pthread_create() of the machine\n"
                        "    threadsnoop -p 181   # only in process 181\n",
        },
    .bpf_source = ks_bpfsrc_threadsnoop_bpf_c,
    .bpf_name = "threadsnoop.bpf.c",
    .bpf_header = ks_bpfsrc_threadsnoop_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    .wakeup_events = 1,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
