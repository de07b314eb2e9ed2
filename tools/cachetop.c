/* cachetop: page cache hits and misses per process, top-style (BCC's cachetop). The
 * events are cachestat's (ks_pagecache); page accesses are kprobe-only. BCC's screen is
 * curses; here it is ks_top's (cleared on a terminal, a blank line in files and pipes),
 * and on a terminal BCC's keys work without curses: q quits, r reverses the order, < and
 * > move the sort column, each at the next refresh. */
#define _GNU_SOURCE
#include <linux/types.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "../bpfsrc/cachetop.h"
#include "ks_maps.h"
#include "ks_pagecache.h"
#include "ks_record.h"
#include "ks_sys.h"
#include "ks_tool.h"
#include "ks_top.h"

extern const char ks_bpfsrc_cachetop_bpf_c[], ks_bpfsrc_cachetop_h[];

static const struct ks_opt opts[] = {KS_OPT_END};

static struct ks_probe probes[] = {KS_PAGECACHE_PROBES};

/* BCC's columns, which are also its sort keys (< and > move along them). */
enum { F_PID, F_UID, F_CMD, F_HITS, F_MISSES, F_DIRTIES, F_RHIT, F_WHIT, NF };
static const char *const field_names[NF] = {"PID",    "UID",     "CMD",       "HITS",
                                            "MISSES", "DIRTIES", "READ_HIT%", "WRITE_HIT%"};
static int sort_field = F_HITS; /* BCC's default: HITS, descending */
static bool sort_reverse = true;

/* BCC: "{0:8} {username:8.8} {2:16} {3:8} {4:8} {5:8} {6:9.1f}% {7:9.1f}%" (Python
 * right-aligns numbers); the header "{0:8} {1:8} ... {7:10}" left-aligns the names. */
static const struct ks_field fields[NF] = {
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-8s ", .fmt = "%8d "},
    [F_UID] = {.json = "user", .type = KS_T_STR, .header = "UID", .hfmt = "%-8s ",
               .fmt = "%-8.8s "},
    [F_CMD] = {.json = "comm", .type = KS_T_STR, .header = "CMD", .hfmt = "%-16s ",
               .fmt = "%-16s "},
    [F_HITS] = {.json = "hits", .type = KS_T_UINT, .header = "HITS", .hfmt = "%-8s ",
                .fmt = "%8d "},
    [F_MISSES] = {.json = "misses", .type = KS_T_UINT, .header = "MISSES", .hfmt = "%-8s ",
                  .fmt = "%8d "},
    [F_DIRTIES] = {.json = "dirties", .type = KS_T_UINT, .header = "DIRTIES", .hfmt = "%-8s ",
                   .fmt = "%8d "},
    [F_RHIT] = {.json = "read_hit_pct", .type = KS_T_FLOAT, .header = "READ_HIT%",
                .hfmt = "%-10s ", .fmt = "%9.1f%% "},
    [F_WHIT] = {.json = "write_hit_pct", .type = KS_T_FLOAT, .header = "WRITE_HIT%",
                .hfmt = "%-10s", .fmt = "%9.1f%%"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

struct row {
    uint32_t pid, uid;
    char comm[17];
    uint64_t n[KS_PC_N]; /* the four events */
    uint64_t hits, misses;
    double rhit, whit;
};

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }
static int cmp_dbl(double a, double b) { return a < b ? -1 : a > b; }

static int cmp_rows(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    int c = 0;
    switch (sort_field) {
    case F_PID: c = cmp_u64(x->pid, y->pid); break;
    case F_UID: c = cmp_u64(x->uid, y->uid); break;
    case F_CMD: c = strcmp(x->comm, y->comm); break;
    case F_HITS: c = cmp_u64(x->hits, y->hits); break;
    case F_MISSES: c = cmp_u64(x->misses, y->misses); break;
    case F_DIRTIES: c = cmp_u64(x->n[KS_PC_MBD], y->n[KS_PC_MBD]); break;
    case F_RHIT: c = cmp_dbl(x->rhit, y->rhit); break;
    case F_WHIT: c = cmp_dbl(x->whit, y->whit); break;
    }
    if (sort_reverse)
        c = -c;
    /* Ties, as BCC's stable sort leaves them: by pid, uid and command. */
    if (!c)
        c = cmp_u64(x->pid, y->pid);
    if (!c)
        c = cmp_u64(x->uid, y->uid);
    return c ? c : strcmp(x->comm, y->comm);
}

static void fill(const void *p, struct ks_val *v)
{
    const struct row *w = p;
    static char user[32];
    struct passwd *pw = getpwuid(w->uid);
    if (pw)
        snprintf(user, sizeof(user), "%s", pw->pw_name);
    else /* BCC's name for a uid without an entry (another user namespace's) */
        snprintf(user, sizeof(user), "UNKNOWN(%u)", w->uid);
    v[F_PID] = KS_U(w->pid);
    v[F_UID] = KS_S(user);
    v[F_CMD] = KS_S(w->comm);
    v[F_HITS] = KS_U(w->hits);
    v[F_MISSES] = KS_U(w->misses);
    v[F_DIRTIES] = KS_U(w->n[KS_PC_MBD]);
    v[F_RHIT] = KS_D(w->rhit);
    v[F_WHIT] = KS_D(w->whit);
}

static const struct ks_top_table table = {
    .rec = &rec,
    .key = "pid",
    .row_size = sizeof(struct row),
    .cmp = cmp_rows,
    .fill = fill,
};

/* The program's rows (one per process and event), read and deleted, folded into one row
 * per (pid, uid, comm) with BCC's arithmetic. */
static size_t read_rows(struct ks_run *r, struct row **out)
{
    struct ent {
        struct cachetop_key k;
        uint64_t v;
    };
    void *recs = NULL;
    size_t n = ks_map_drain(ks_map_fd(r, "counts"), sizeof(struct cachetop_key), 8, &recs);
    struct ent *e = recs;
    struct row *rows = ks_xcalloc(n ? n : 1, sizeof(*rows));
    size_t nr = 0;
    for (size_t i = 0; i < n; i++) {
        char comm[17];
        memcpy(comm, e[i].k.comm, 16);
        comm[16] = '\0';
        size_t j = 0;
        while (j < nr && !(rows[j].pid == e[i].k.pid && rows[j].uid == e[i].k.uid &&
                           !strcmp(rows[j].comm, comm)))
            j++;
        if (j == nr) {
            rows[nr].pid = e[i].k.pid;
            rows[nr].uid = e[i].k.uid;
            memcpy(rows[nr].comm, comm, sizeof(comm));
            nr++;
        }
        if (e[i].k.nf < KS_PC_N)
            rows[j].n[e[i].k.nf] += e[i].v;
    }
    free(recs);
    for (size_t j = 0; j < nr; j++) {
        struct row *w = &rows[j];
        /* BCC's cachetop (not cachestat's arithmetic): hits are accesses and dirtied
         * buffers, misses are pages added and pages dirtied; the read and write "hit"
         * ratios are accesses and additions over both. */
        w->hits = w->n[KS_PC_MPA] + w->n[KS_PC_MBD];
        w->misses = w->n[KS_PC_APCL] + w->n[KS_PC_APD];
        double all = (double)(w->hits + w->misses);
        w->rhit = w->n[KS_PC_MPA] ? 100.0 * (double)w->n[KS_PC_MPA] / all : 0;
        w->whit = w->n[KS_PC_APCL] ? 100.0 * (double)w->n[KS_PC_APCL] / all : 0;
    }
    *out = rows;
    return nr;
}

/* BCC's keys, from a terminal on standard input (no curses: raw mode, read when the
 * screen is refreshed, as BCC reads one key per refresh). */
static struct termios saved_tty;
static bool keys_on;

static void keys_restore(void)
{
    if (keys_on)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
    keys_on = false;
}

static void keys_start(void)
{
    if (ks_out_json() || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) ||
        tcgetattr(STDIN_FILENO, &saved_tty) != 0)
        return;
    struct termios t = saved_tty;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
        keys_on = true;
        atexit(keys_restore);
    }
}

static void keys_read(void)
{
    char c;
    while (keys_on && read(STDIN_FILENO, &c, 1) == 1) {
        if (c == 'q')
            raise(SIGINT); /* as Ctrl-C: one last screen, then detach */
        else if (c == 'r')
            sort_reverse = !sort_reverse;
        else if (c == '<' && sort_field > 0)
            sort_field--;
        else if (c == '>' && sort_field < NF - 1)
            sort_field++;
    }
}

static void on_interval(struct ks_run *r)
{
    keys_read();
    struct row *rows;
    size_t n = read_rows(r, &rows);
    char *mi = ks_read_file("/proc/meminfo", NULL);
    double buffers = ks_meminfo_mb(mi, "Buffers"), cached = ks_meminfo_mb(mi, "Cached");
    free(mi);
    const char *order = sort_reverse ? "descending" : "ascending";
    ks_top_begin(false);
    if (ks_out_json()) {
        struct ks_json *j = ks_out_writer();
        ks_json_double(j, "buffers_mb", buffers);
        ks_json_double(j, "cached_mb", cached);
        ks_json_str(j, "sort", field_names[sort_field]);
        ks_json_str(j, "order", order);
    } else {
        char t[16];
        ks_textf("%-8s Buffers MB: %.0f / Cached MB: %.0f / Sort: %s / Order: %s\n",
                 ks_time_str(t, sizeof(t), "%H:%M:%S"), buffers, cached,
                 field_names[sort_field], order);
    }
    ks_top_table(&table, rows, n);
    ks_top_end();
    free(rows);
}

static void configure(struct ks_run *r)
{
    if (!r->opt.interval)
        r->opt.interval = 5; /* BCC's default */
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    ks_pagecache_configure(r, probes);
}

static void on_start(struct ks_run *r)
{
    (void)r;
    keys_start();
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    keys_restore();
    ks_top_detach();
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "cachetop",
            .json = true,
            .description = "show Linux page cache hit/miss statistics including read and "
                           "write hit % per processes in a UI like top.",
            .opts = opts,
            .common = KS_C_PID | KS_C_INTERVAL,
            .examples = "    cachetop              # every 5 seconds; keys: q, r, <, >\n"
                        "    cachetop 1            # every second\n"
                        "    cachetop -p 181 1 10  # PID 181 only, every second, 10 times\n",
        },
    .bpf_source = ks_bpfsrc_cachetop_bpf_c,
    .bpf_name = "cachetop.bpf.c",
    .bpf_header = ks_bpfsrc_cachetop_h,
    .bpf_lib = KS_PAGECACHE_BPF,
    .bpf_lib_name = KS_PAGECACHE_BPF_NAME,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
    .on_exit = on_exit_,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
