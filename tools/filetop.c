/* filetop: file reads and writes by thread and file, top-style (BCC's filetop).
 * Kprobe-only: no tracepoint sees the VFS's reads and writes (read() syscalls are neither
 * all of them nor only them). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../bpfsrc/filetop.h"
#include "ks_maps.h"
#include "ks_prom.h"
#include "ks_record.h"
#include "ks_sys.h"
#include "ks_tool.h"
#include "ks_top.h"

extern const char ks_bpfsrc_filetop_bpf_c[], ks_bpfsrc_filetop_h[];

static bool opt_all, opt_read_only, opt_write_only;
static const char *opt_sort = "all", *opt_dir;
static unsigned long long dir_ino;

static const struct ks_opt opts[] = {
    KS_FLAG('a', "all-files", "include non-regular file types (sockets, FIFOs, etc)",
            &opt_all),
    KS_TOP_OPT_NOCLEAR,
    KS_TOP_OPT_MAXROWS,
    KS_STR('s', "sort", "{all,reads,writes,rbytes,wbytes}", "sort column, default all",
           &opt_sort),
    KS_FLAG(0, "read-only", "trace only reads", &opt_read_only),
    KS_FLAG(0, "write-only", "trace only writes", &opt_write_only),
    KS_STR('d', "directory", "DIRECTORY", "trace this directory only", &opt_dir),
    KS_OPT_END,
};

static struct ks_probe probes[] = {
    {.name = "read", .kprobes = {"vfs_read"}},
    {.name = "write", .kprobes = {"vfs_write"}},
};

struct row { /* as ks_map_drain packs an entry: the key, then the value */
    struct filetop_key k;
    struct filetop_val v;
};
_Static_assert(sizeof(struct row) == sizeof(struct filetop_key) + sizeof(struct filetop_val),
               "struct row is a packed entry");

/* -s: BCC sorts by one value ("all": the sum of the four), largest first. */
enum { S_ALL, S_READS, S_WRITES, S_RBYTES, S_WBYTES };
static const char *const sort_names[] = {"all", "reads", "writes", "rbytes", "wbytes"};
static int sort_key;

static uint64_t sort_value(const struct row *w)
{
    switch (sort_key) {
    case S_READS: return w->v.reads;
    case S_WRITES: return w->v.writes;
    case S_RBYTES: return w->v.rbytes;
    case S_WBYTES: return w->v.wbytes;
    default: return w->v.rbytes + w->v.wbytes + w->v.reads + w->v.writes;
    }
}

/* Ties (BCC leaves them in hash order): by thread, then name, then inode. */
static int cmp_rows(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    uint64_t vx = sort_value(x), vy = sort_value(y);
    if (vx != vy)
        return vx < vy ? 1 : -1;
    if (x->k.tid != y->k.tid)
        return x->k.tid < y->k.tid ? -1 : 1;
    int c = strncmp(x->k.name, y->k.name, sizeof(x->k.name));
    if (c)
        return c;
    return x->k.inode < y->k.inode ? -1 : x->k.inode > y->k.inode;
}

/* BCC's columns: "%-7d %-16s %-6d %-6d %-7d %-7d %1s %s"; R_Kb and W_Kb are whole Kbytes
 * (bytes / 1024, rounded down). JSON has the bytes. */
enum { F_TID, F_COMM, F_READS, F_WRITES, F_RKB, F_WKB, F_T, F_FILE, F_RBYTES, F_WBYTES, NF };
static const struct ks_field fields[NF] = {
    [F_TID] = {.json = "tid", .type = KS_T_UINT, .header = "TID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_READS] = {.json = "reads", .type = KS_T_UINT, .header = "READS", .hfmt = "%-6s ",
                 .fmt = "%-6d "},
    [F_WRITES] = {.json = "writes", .type = KS_T_UINT, .header = "WRITES", .hfmt = "%-6s ",
                  .fmt = "%-6d "},
    [F_RKB] = {.type = KS_T_UINT, .header = "R_Kb", .hfmt = "%-7s ", .fmt = "%-7d "},
    [F_WKB] = {.type = KS_T_UINT, .header = "W_Kb", .hfmt = "%-7s ", .fmt = "%-7d "},
    [F_T] = {.json = "type", .type = KS_T_STR, .header = "T", .hfmt = "%1s ", .fmt = "%1s "},
    [F_FILE] = {.json = "file", .type = KS_T_STR, .header = "FILE", .hfmt = "%s", .fmt = "%s"},
    [F_RBYTES] = {.json = "rbytes", .type = KS_T_UINT},
    [F_WBYTES] = {.json = "wbytes", .type = KS_T_UINT},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

/* BCC's name: as the dentry has it, or, when longer than 32 characters, its first 29
 * and "...". */
static const char *file_name(const struct filetop_key *k, char *buf, size_t size)
{
    snprintf(buf, size, "%.*s", FILETOP_NAME_MAX, k->name);
    if (k->name_len > FILETOP_NAME_MAX)
        snprintf(buf + FILETOP_NAME_MAX - 3, size - (FILETOP_NAME_MAX - 3), "...");
    return buf;
}

/* One row's values; the strings live until the next row's. */
static void fill(const void *p, struct ks_val *v)
{
    const struct row *w = p;
    static char comm[17], name[FILETOP_NAME_MAX + 1], type[2];
    memcpy(comm, w->k.comm, 16);
    comm[16] = '\0';
    type[0] = w->k.type;
    v[F_TID] = KS_U(w->k.tid);
    v[F_COMM] = KS_S(comm);
    v[F_READS] = KS_U(w->v.reads);
    v[F_WRITES] = KS_U(w->v.writes);
    v[F_RKB] = KS_U(w->v.rbytes / 1024);
    v[F_WKB] = KS_U(w->v.wbytes / 1024);
    v[F_T] = KS_S(type);
    v[F_FILE] = KS_S(file_name(&w->k, name, sizeof(name)));
    v[F_RBYTES] = KS_U(w->v.rbytes);
    v[F_WBYTES] = KS_U(w->v.wbytes);
}

static const struct ks_top_table table = {
    .rec = &rec,
    .key = "tid_file",
    .maxrows = &ks_top_maxrows,
    .row_size = sizeof(struct row),
    .cmp = cmp_rows,
    .fill = fill,
};

/* --prom: every row (not only the top -r) as counters, labelled like its columns. */
static void prom_row(const struct row *w)
{
    char tid[16], comm[17], name[FILETOP_NAME_MAX + 1], type[2] = {w->k.type, 0};
    snprintf(tid, sizeof(tid), "%u", w->k.tid);
    memcpy(comm, w->k.comm, 16);
    comm[16] = '\0';
    struct ks_prom_label l[4] = {
        {"tid", tid}, {"comm", comm}, {"type", type}, {"file", file_name(&w->k, name, sizeof(name))}};
    ks_prom_counter("reads_total", "vfs_read calls, by thread and file", l, 4, w->v.reads, false);
    ks_prom_counter("writes_total", "vfs_write calls, by thread and file", l, 4, w->v.writes,
                    false);
    ks_prom_counter("read_bytes_total", "Bytes asked for by the reads counted in reads_total", l,
                    4, w->v.rbytes, false);
    ks_prom_counter("write_bytes_total", "Bytes asked for by the writes counted in writes_total",
                    l, 4, w->v.wbytes, false);
}

static void on_interval(struct ks_run *r)
{
    int fd = ks_map_fd(r, "counts");
    const struct ks_map_def *m = ks_map_def(r, "counts");
    if (fd < 0 || !m || m->key_size != sizeof(struct filetop_key) ||
        m->value_size != sizeof(struct filetop_val)) {
        ks_err("internal: map counts is missing or not laid out as expected");
        exit(1);
    }
    /* Every row, read and deleted (BCC's counts.clear()): the next interval starts empty. */
    void *recs = NULL;
    size_t n = ks_map_drain(fd, sizeof(struct filetop_key), sizeof(struct filetop_val), &recs);
    struct row *rows = recs;
    for (size_t i = 0; i < n && ks_prom_enabled(); i++)
        prom_row(&rows[i]);
    ks_top_begin(true);
    ks_top_table(&table, rows, n);
    ks_top_end();
    free(recs);
}

static void configure(struct ks_run *r)
{
    r->opt.interval = ks_top_interval(r->opt.interval);
    sort_key = -1;
    for (int i = 0; i < (int)(sizeof(sort_names) / sizeof(sort_names[0])); i++)
        if (!strcmp(opt_sort, sort_names[i]))
            sort_key = i;
    if (sort_key < 0)
        ks_usage_error("argument -s/--sort: invalid choice: '%s' (choose from 'all', 'reads', "
                       "'writes', 'rbytes', 'wbytes')",
                       ks_q(opt_sort));
    if (opt_read_only && opt_write_only)
        ks_usage_error("--read-only and --write-only: give one of them (neither traces both)");
    probes[0].off = opt_write_only;
    probes[1].off = opt_read_only;
    ks_define(r, "KS_DENTRY_NAMES", 1, "ks_dentry_name (kscope.bpf.h)");
    if (r->opt.pid >= 0)
        ks_define(r, "TGID_FILTER", r->opt.pid, "-p");
    if (opt_all)
        ks_define(r, "ALL_FILES", 1, "-a");
    if (opt_dir) {
        struct stat st;
        if (lstat(opt_dir, &st) != 0)
            ks_usage_error("-d %s: %s", ks_q(opt_dir), strerror(errno));
        if (!S_ISDIR(st.st_mode))
            ks_usage_error("-d %s: not a directory", ks_q(opt_dir));
        dir_ino = (unsigned long long)st.st_ino;
        ks_define(r, "DIR_INODE", (long long)st.st_ino, "-d: the directory's inode number");
    }
}

static void on_start(struct ks_run *r)
{
    if (opt_dir) /* BCC's line */
        ks_textf("Tracing directory: %s (Inode: %llu)\n", opt_dir, dir_ino);
    ks_top_banner(r->opt.interval);
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    ks_top_detach();
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "filetop",
            .json = true,
            .description = "File reads and writes by process",
            .opts = opts,
            .common = KS_C_PID | KS_C_INTERVAL,
            .examples =
                "    filetop                 # file I/O top, 1 second refresh\n"
                "    filetop -C              # don't clear the screen\n"
                "    filetop -p 181          # PID 181 only\n"
                "    filetop -d /home/user   # trace files in /home/user directory only\n"
                "    filetop 5               # 5 second summaries\n"
                "    filetop 5 10            # 5 second summaries, 10 times only\n"
                "    filetop 5 --read-only   # 5 second summaries, only read operations traced\n"
                "    filetop 5 --write-only  # 5 second summaries, only write operations traced\n"
                "    filetop -r 5 --json 1   # the top 5 rows as JSON, every second\n",
        },
    .bpf_source = ks_bpfsrc_filetop_bpf_c,
    .bpf_name = "filetop.bpf.c",
    .bpf_header = ks_bpfsrc_filetop_h,
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
