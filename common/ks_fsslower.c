#include "ks_fsslower.h"

#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/fsslower.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_fsslower_bpf_c[], ks_bpfsrc_fsslower_h[];

/* How an operation's function takes its file (the program's ARG_* values). */
enum { KIOCB = 1, INODE_FILE = 2, FILE1 = 3, PATH = 4 };
enum { OP_READ, OP_WRITE, OP_OPEN, OP_SYNC, OP_OPEN2, NOPS };

struct fs_op {
    const char *funcs[3]; /* the kernel functions, in order of preference */
    int arg;
    char type;
};

/* The file systems: BCC's functions for each, with the generic ones as fallbacks where
 * older kernels have no function of the file system's own (the magic number then keeps
 * other file systems' files out). */
static const struct fs {
    const char *name;
    unsigned long magic; /* its superblock's s_magic (include/uapi/linux/magic.h) */
    struct fs_op ops[NOPS];
} fss[] = {
    {"ext4", 0xEF53,
     {[OP_READ] = {{"ext4_file_read_iter", "generic_file_read_iter"}, KIOCB, 'R'},
      [OP_WRITE] = {{"ext4_file_write_iter"}, KIOCB, 'W'},
      [OP_OPEN] = {{"ext4_file_open"}, INODE_FILE, 'O'},
      [OP_SYNC] = {{"ext4_sync_file"}, FILE1, 'S'}}},
    {"xfs", 0x58465342,
     {[OP_READ] = {{"xfs_file_read_iter"}, KIOCB, 'R'},
      [OP_WRITE] = {{"xfs_file_write_iter"}, KIOCB, 'W'},
      [OP_OPEN] = {{"xfs_file_open"}, INODE_FILE, 'O'},
      [OP_SYNC] = {{"xfs_file_fsync"}, FILE1, 'S'}}},
    {"btrfs", 0x9123683E,
     {[OP_READ] = {{"btrfs_file_read_iter", "generic_file_read_iter"}, KIOCB, 'R'},
      [OP_WRITE] = {{"btrfs_file_write_iter"}, KIOCB, 'W'},
      [OP_OPEN] = {{"btrfs_file_open", "generic_file_open"}, INODE_FILE, 'O'},
      [OP_SYNC] = {{"btrfs_sync_file"}, FILE1, 'S'}}},
    /* NFS: getattr takes fsync's place (BCC's G); v4 opens have their own function. */
    {"nfs", 0x6969,
     {[OP_READ] = {{"nfs_file_read"}, KIOCB, 'R'},
      [OP_WRITE] = {{"nfs_file_write"}, KIOCB, 'W'},
      [OP_OPEN] = {{"nfs_file_open"}, INODE_FILE, 'O'},
      [OP_SYNC] = {{"nfs_getattr"}, PATH, 'G'},
      [OP_OPEN2] = {{"nfs4_file_open"}, INODE_FILE, 'O'}}},
};

static const char *const op_names[NOPS] = {"read", "write", "open", "sync", "open2"};

static const struct fs *g_fs;
static bool opt_csv;
static long opt_min_ms = 10;
/* BCC's positional argument. */
static const struct ks_opt min_ms_arg =
    KS_LONG(0, "min_ms", "MIN_MS", "minimum I/O duration to trace, in ms (default 10)",
            &opt_min_ms, 0, 100000000);

static const struct ks_opt opts[] = {
    KS_FLAG('j', "csv", "just print fields: comma-separated values", &opt_csv),
    KS_OPT_END,
};

/* Per operation an entry kprobe and a return kretprobe: probe names <op>, <op>_ret. */
static struct ks_probe probes[2 * NOPS];
static char probe_names[2 * NOPS][16];

static bool show_text, show_csv;
enum { F_TIME, F_COMM, F_PID, F_T, F_BYTES, F_OFF, F_LAT, F_FILE, /* text */
       C_END, C_TASK, C_PID, C_TYPE, C_BYTES, C_OFF, C_LAT, C_FILE, /* -j */
       J_RET, J_OFF, J_LAT, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-8s ",
                .fmt = "%-8s ", .on = &show_text},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-14s ",
                .fmt = "%-14.14s ", .on = &show_text},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-6s ",
               .fmt = "%-6d ", .on = &show_text},
    [F_T] = {.json = "type", .type = KS_T_STR, .header = "T", .hfmt = "%1s ", .fmt = "%1s ",
             .on = &show_text},
    [F_BYTES] = {.type = KS_T_INT, .header = "BYTES", .hfmt = "%-7s ", .fmt = "%-7d ",
                 .on = &show_text},
    [F_OFF] = {.type = KS_T_UINT, .header = "OFF_KB", .hfmt = "%-8s ", .fmt = "%-8d ",
               .on = &show_text},
    [F_LAT] = {.type = KS_T_NS, .header = "LAT(ms)", .hfmt = "%7s ", .fmt = "%7.2f ",
               .on = &show_text, .scale = 1e6},
    [F_FILE] = {.json = "file", .type = KS_T_STR, .header = "FILENAME", .hfmt = "%s",
                .fmt = "%s", .on = &show_text},
    /* -j: BCC's CSV, with its header line. */
    [C_END] = {.type = KS_T_UINT, .header = "ENDTIME_us", .hfmt = "%s,", .fmt = "%d,",
               .on = &show_csv},
    [C_TASK] = {.type = KS_T_STR, .header = "TASK", .hfmt = "%s,", .fmt = "%s,", .on = &show_csv},
    [C_PID] = {.type = KS_T_UINT, .header = "PID", .hfmt = "%s,", .fmt = "%d,", .on = &show_csv},
    [C_TYPE] = {.type = KS_T_STR, .header = "TYPE", .hfmt = "%s,", .fmt = "%s,", .on = &show_csv},
    [C_BYTES] = {.type = KS_T_INT, .header = "BYTES", .hfmt = "%s,", .fmt = "%d,",
                 .on = &show_csv},
    [C_OFF] = {.type = KS_T_UINT, .header = "OFFSET_b", .hfmt = "%s,", .fmt = "%d,",
               .on = &show_csv},
    [C_LAT] = {.type = KS_T_UINT, .header = "LATENCY_us", .hfmt = "%s,", .fmt = "%d,",
               .on = &show_csv},
    [C_FILE] = {.type = KS_T_STR, .header = "FILE", .hfmt = "%s", .fmt = "%s", .on = &show_csv},
    /* --json: the values themselves. */
    [J_RET] = {.json = "ret", .type = KS_T_INT},
    [J_OFF] = {.json = "offset", .type = KS_T_UINT},
    [J_LAT] = {.json = "latency_us", .type = KS_T_UINT},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_event(void *data, int size)
{
    const struct fsslower_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    char comm[FSSLOWER_COMM_LEN + 1], file[FSSLOWER_NAME_LEN + 1], type[2] = {(char)e->type, 0};
    ks_event_str(comm, e->comm, FSSLOWER_COMM_LEN);
    ks_event_str(file, e->file, FSSLOWER_NAME_LEN);
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_wall_ns()),
        [F_COMM] = KS_S(comm),
        [F_PID] = KS_U(e->pid),
        [F_T] = KS_S(type),
        [F_BYTES] = KS_I(e->ret),
        [F_OFF] = KS_U(e->offset / 1024),
        [F_LAT] = KS_U(e->delta_us * 1000),
        [F_FILE] = KS_S(file),
        [C_END] = KS_U(e->ts_us),
        [C_TASK] = KS_S(comm),
        [C_PID] = KS_U(e->pid),
        [C_TYPE] = KS_S(type),
        [C_BYTES] = KS_I(e->ret),
        [C_OFF] = KS_U(e->offset),
        [C_LAT] = KS_U(e->delta_us),
        [C_FILE] = KS_S(file),
        [J_RET] = KS_I(e->ret),
        [J_OFF] = KS_U(e->offset),
        [J_LAT] = KS_U(e->delta_us),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    if (opt_csv && r->opt.json)
        ks_usage_error("-j (CSV) and --json are two output formats: choose one");
    show_csv = opt_csv;
    show_text = !opt_csv;
    ks_define(r, "KS_DENTRY_NAMES", 1, "ks_dentry_name (kscope.bpf.h)");
    ks_define(r, "FS_MAGIC", (long long)g_fs->magic, g_fs->name);
    ks_define(r, "MIN_US", opt_min_ms * 1000, "min_ms, in microseconds");
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    for (int op = 0; op < NOPS; op++) {
        const struct fs_op *o = &g_fs->ops[op];
        char name[32];
        if (!o->funcs[0])
            continue;
        snprintf(name, sizeof(name), "ARG_%s", op_names[op]);
        ks_define(r, name, o->arg, "how the function takes its file");
        snprintf(name, sizeof(name), "TYPE_%s", op_names[op]);
        ks_define(r, name, o->type, NULL);
    }
}

static void on_start(struct ks_run *r)
{
    (void)r;
    if (!opt_csv && opt_min_ms == 0)
        ks_textf("Tracing %s operations\n", g_fs->name);
    else if (!opt_csv)
        ks_textf("Tracing %s operations slower than %ld ms\n", g_fs->name, opt_min_ms);
    ks_record_header(&rec);
}

int ks_fsslower_main(const char *fs, int argc, char **argv)
{
    for (size_t i = 0; i < sizeof(fss) / sizeof(fss[0]) && !g_fs; i++)
        if (!strcmp(fss[i].name, fs))
            g_fs = &fss[i];
    if (!g_fs) {
        fprintf(stderr, "internal: no file system '%s' in the fsslower table\n", fs);
        return 1;
    }
    int n = 0;
    for (int op = 0; op < NOPS; op++) {
        const struct fs_op *o = &g_fs->ops[op];
        if (!o->funcs[0])
            continue;
        for (int ret = 0; ret < 2; ret++) {
            struct ks_probe *p = &probes[n];
            snprintf(probe_names[n], sizeof(probe_names[n]), "%s%s", op_names[op],
                     ret ? "_ret" : "");
            p->name = probe_names[n];
            for (int k = 0; k < 3 && o->funcs[k]; k++)
                p->kprobes[k] = o->funcs[k];
            p->ret = ret;
            p->optional = op == OP_OPEN2; /* NFS v4 only */
            n++;
        }
    }
    static char name[32], desc[96], examples[1024];
    snprintf(name, sizeof(name), "%sslower", fs);
    snprintf(desc, sizeof(desc), "Trace common %s file operations slower than a threshold", fs);
    snprintf(examples, sizeof(examples),
             "    %1$s             # trace operations slower than 10 ms (default)\n"
             "    %1$s 1           # trace operations slower than 1 ms\n"
             "    %1$s -j 1        # ... 1 ms, parsable output (csv)\n"
             "    %1$s 0           # trace all operations (warning: verbose)\n"
             "    %1$s -p 185      # trace PID 185 only\n",
             name);
    static struct ks_tool tool;
    tool = (struct ks_tool){
        .spec =
            {
                .name = name,
                .json = true,
                .description = desc,
                .opts = opts,
                .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
                .default_pages = 64,
                .examples = examples,
                .positional = &min_ms_arg,
            },
        .bpf_source = ks_bpfsrc_fsslower_bpf_c,
        .bpf_name = "fsslower.bpf.c",
        .bpf_header = ks_bpfsrc_fsslower_h,
        .probes = probes,
        .nprobes = n,
        .configure = configure,
        .on_event = on_event,
        .on_start = on_start,
    };
    return ks_tool_main(&tool, argc, argv);
}
