/* filelife: trace the lifespan of short-lived files (BCC's filelife). Kprobe-only: no
 * tracepoint sees a file's creation or deletion. */
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "../bpfsrc/filelife.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_filelife_bpf_c[], ks_bpfsrc_filelife_h[];

static const struct ks_opt opts[] = {KS_OPT_END};

static struct ks_probe probes[] = {
    {.name = "create", .kprobes = {"vfs_create"}},
    {.name = "open", .kprobes = {"vfs_open"}},
    /* Every create passes it, whatever the file system does; absent without an LSM hook
     * layer (then vfs_create and vfs_open see the creates). */
    {.name = "security_create", .kprobes = {"security_inode_create"}, .optional = true},
    {.name = "unlink", .kprobes = {"vfs_unlink"}},
    {.name = "unlink_ret", .kprobes = {"vfs_unlink"}, .ret = true},
};

enum { F_TIME, F_PID, F_COMM, F_AGE, F_FILE, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-8s ",
                .fmt = "%-8s "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ", .fmt = "%-7d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_AGE] = {.json = "age_ns", .type = KS_T_NS, .header = "AGE(s)", .hfmt = "%-7s ",
               .fmt = "%-7.2f "},
    [F_FILE] = {.json = "file", .type = KS_T_STR, .header = "FILE", .hfmt = "%s", .fmt = "%s"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void on_event(void *data, int size)
{
    const struct filelife_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    char comm[FILELIFE_COMM_LEN + 1], name[FILELIFE_NAME_LEN + 1];
    ks_event_str(comm, e->comm, FILELIFE_COMM_LEN);
    ks_event_str(name, e->name, FILELIFE_NAME_LEN);
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_wall_ns()), [F_PID] = KS_U(e->pid),   [F_COMM] = KS_S(comm),
        [F_AGE] = KS_U(e->age_ns),     [F_FILE] = KS_S(name),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    ks_define(r, "KS_DENTRY_NAMES", 1, "ks_dentry_name (kscope.bpf.h)");
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "filelife",
            .json = true,
            .description = "Trace lifecycle of file",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    filelife           # trace lifecycle of file(create->remove)\n"
                        "    filelife -p 181    # only trace PID 181\n",
        },
    .bpf_source = ks_bpfsrc_filelife_bpf_c,
    .bpf_name = "filelife.bpf.c",
    .bpf_header = ks_bpfsrc_filelife_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
