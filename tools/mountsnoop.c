/* mountsnoop: trace mount() and umount() syscalls (BCC's mountsnoop). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/mountsnoop.h"
#include "ks_record.h"
#include "ks_syscall.h"
#include "ks_tool.h"
#include "ks_util.h"

extern const char ks_bpfsrc_mountsnoop_bpf_c[], ks_bpfsrc_mountsnoop_h[];

static bool opt_parent;

static const struct ks_opt opts[] = {
    KS_FLAG('P', "parent_process", "also snoop the parent process", &opt_parent),
    KS_OPT_END,
};

#define SYSCALL_PROBES(sys)                                                                  \
    {.name = #sys "_enter", .tp = "syscalls:sys_enter_" #sys,                                \
     .kprobes = {KS_SYSCALL_KPROBES(#sys)}},                                                 \
        {.name = #sys "_exit", .tp = "syscalls:sys_exit_" #sys,                              \
         .kprobes = {KS_SYSCALL_KPROBES(#sys)}, .ret = true}
static struct ks_probe probes[] = {
    SYSCALL_PROBES(mount),
    SYSCALL_PROBES(umount), /* umount2(2): the kernel's SYSCALL_DEFINE2(umount, ...) */
    /* -P without struct reads: parents recorded at fork (kscope.bpf.h). */
    {.name = "fork", .tp = "sched:sched_process_fork", .off = true, .optional = true},
};

/* BCC: '{:16} {:<7} {:<7} [{:16} {:<7}] {:<11} {}': COMM PID TID [PCOMM PPID] MNT_NS CALL. */
enum { F_COMM, F_PID, F_TID, F_PCOMM, F_PPID, F_MNTNS, F_CALL, F_SYSCALL, F_RET, NF };
static const struct ks_field fields[NF] = {
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7u "},
    [F_TID] = {.json = "tid", .type = KS_T_UINT, .header = "TID", .hfmt = "%-7s ",
               .fmt = "%-7u "},
    [F_PCOMM] = {.json = "pcomm", .type = KS_T_STR, .header = "PCOMM", .hfmt = "%-16s ",
                 .fmt = "%-16s ", .on = &opt_parent, .null_text = "?"},
    [F_PPID] = {.json = "ppid", .type = KS_T_UINT, .header = "PPID", .hfmt = "%-7s ",
                .fmt = "%-7u ", .on = &opt_parent, .null_text = "-"},
    /* A struct read: "-" (JSON null) where the tool may not read structs. */
    [F_MNTNS] = {.json = "mnt_ns", .type = KS_T_UINT, .header = "MNT_NS", .hfmt = "%-11s ",
                 .fmt = "%-11u ", .null_text = "-"},
    [F_CALL] = {.json = "call", .type = KS_T_STR, .header = "CALL", .hfmt = "%s", .fmt = "%s"},
    [F_SYSCALL] = {.json = "syscall", .type = KS_T_STR},
    [F_RET] = {.json = "retval", .type = KS_T_INT},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

struct flag_name {
    const char *name;
    unsigned long bit;
};

/* <sys/mount.h>'s MS_* in BCC's order. */
static const struct flag_name mount_flags[] = {
    {"MS_RDONLY", 1},          {"MS_NOSUID", 2},          {"MS_NODEV", 4},
    {"MS_NOEXEC", 8},          {"MS_SYNCHRONOUS", 16},    {"MS_REMOUNT", 32},
    {"MS_MANDLOCK", 64},       {"MS_DIRSYNC", 128},       {"MS_NOATIME", 1024},
    {"MS_NODIRATIME", 2048},   {"MS_BIND", 4096},         {"MS_MOVE", 8192},
    {"MS_REC", 16384},         {"MS_SILENT", 32768},      {"MS_POSIXACL", 1ul << 16},
    {"MS_UNBINDABLE", 1ul << 17}, {"MS_PRIVATE", 1ul << 18}, {"MS_SLAVE", 1ul << 19},
    {"MS_SHARED", 1ul << 20},  {"MS_RELATIME", 1ul << 21}, {"MS_KERNMOUNT", 1ul << 22},
    {"MS_I_VERSION", 1ul << 23}, {"MS_STRICTATIME", 1ul << 24}, {"MS_LAZYTIME", 1ul << 25},
    {"MS_ACTIVE", 1ul << 30},  {"MS_NOUSER", 1ul << 31},  {NULL, 0},
};
static const struct flag_name umount_flags[] = {
    {"MNT_FORCE", 1}, {"MNT_DETACH", 2}, {"MNT_EXPIRE", 4}, {"UMOUNT_NOFOLLOW", 8}, {NULL, 0},
};

/* BCC's _decode_flags: the names of the bits set, then what is left (or 0) in hex. */
static void add_flags(struct ks_buf *b, unsigned long flags, const struct flag_name *t,
                      bool any)
{
    for (; t->name; t++) {
        if (flags & t->bit) {
            ks_buf_printf(b, "%s%s", any ? "|" : "", t->name);
            any = true;
        }
        flags &= ~t->bit;
    }
    if (flags || !any)
        ks_buf_printf(b, "%s0x%lx", any ? "|" : "", flags);
}

/* BCC's decode_mount_string: in double quotes, C escapes, \xNN for other bytes. */
static void add_string(struct ks_buf *b, const char *s)
{
    ks_buf_add(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        static const char esc[] = "\a\b\t\n\v\f\r\"\\", rep[] = "abtnvfr\"\\";
        const char *e = strchr(esc, *p);
        if (e)
            ks_buf_printf(b, "\\%c", rep[e - esc]);
        else if (*p >= 0x20 && *p <= 0x7e)
            ks_buf_addn(b, p, 1);
        else
            ks_buf_printf(b, "\\x%02x", *p);
    }
    ks_buf_add(b, "\"");
}

/* BCC's decode_errno: "-EINVAL" for an error it can name, else the number. */
static void add_retval(struct ks_buf *b, int ret)
{
    const char *name = ret < 0 ? ks_errno_name(-ret) : NULL;
    if (name)
        ks_buf_printf(b, " = -%s", name);
    else
        ks_buf_printf(b, " = %d", ret);
}

/* -P: the parent's name at the time the event is read (BCC reads real_parent->comm). */
static bool parent_comm(uint32_t ppid, char *out, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%u/comm", ppid);
    char *s = ppid ? ks_read_file(path, NULL) : NULL;
    if (!s)
        return false;
    s[strcspn(s, "\n")] = '\0';
    snprintf(out, size, "%s", s);
    free(s);
    return true;
}

static void on_event(void *data, int size)
{
    if ((size_t)size < sizeof(struct mountsnoop_event))
        return;
    static struct mountsnoop_event ev; /* a copy: perf buffer records are 4-byte aligned */
    memcpy(&ev, data, sizeof(ev));
    const struct mountsnoop_event *e = &ev;
    char comm[17], str[4][MOUNTSNOOP_STR_LEN + 1], pcomm[64];
    memcpy(comm, e->comm, 16);
    comm[16] = '\0';
    for (int i = 0; i < 4; i++) {
        memcpy(str[i], e->str[i], MOUNTSNOOP_STR_LEN);
        str[i][MOUNTSNOOP_STR_LEN] = '\0';
    }
    struct ks_buf call = {0};
    if (e->call == MOUNTSNOOP_MOUNT) {
        ks_buf_add(&call, "mount(");
        for (int i = 0; i < 3; i++) {
            add_string(&call, str[i]);
            ks_buf_add(&call, ", ");
        }
        bool magic = (e->flags & 0xffff0000ul) == 0xc0ed0000ul; /* MS_MGC_VAL */
        if (magic)
            ks_buf_add(&call, "MS_MGC_VAL");
        add_flags(&call, magic ? e->flags & ~0xffff0000ul : e->flags, mount_flags, magic);
        ks_buf_add(&call, ", ");
        add_string(&call, str[3]);
        ks_buf_add(&call, ")");
    } else {
        ks_buf_add(&call, "umount(");
        add_string(&call, str[0]);
        ks_buf_add(&call, ", ");
        add_flags(&call, e->flags, umount_flags, false);
        ks_buf_add(&call, ")");
    }
    add_retval(&call, e->ret);
    bool have_pcomm = opt_parent && parent_comm(e->ppid, pcomm, sizeof(pcomm));
    struct ks_val v[NF] = {
        [F_COMM] = KS_S(comm),
        [F_PID] = KS_U(e->pid),
        [F_TID] = KS_U(e->tid),
        [F_PCOMM] = have_pcomm ? KS_S(pcomm) : KS_NULL,
        [F_PPID] = e->ppid ? KS_U(e->ppid) : KS_NULL,
        [F_MNTNS] = e->has_mnt_ns ? KS_U(e->mnt_ns) : KS_NULL,
        [F_CALL] = KS_S(call.s),
        [F_SYSCALL] = KS_S(e->call == MOUNTSNOOP_MOUNT ? "mount" : "umount"),
        [F_RET] = KS_I(e->ret),
    };
    ks_record_emit(&rec, v);
    ks_buf_free(&call);
}

/* MNT_NS: "-" on tracepoints without the running kernel's own headers (the runtime says
 * so at start and in --check). */
static struct ks_struct_cols struct_cols[] = {
    {.probe = "mount_exit", .columns = "MNT_NS",
     .what = "it is read from the task (nsproxy->mnt_ns)"},
};

static void configure(struct ks_run *r)
{
    bool reads = ks_struct_reads(r, NULL);
    ks_define(r, "KS_WANT_MNT_NS", 1, "ks_mnt_ns() (read where struct reads are allowed)");
    if (opt_parent) {
        ks_define(r, "PARENT", 1, "-P");
        probes[4].off = reads;
    }
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
            .name = "mountsnoop",
            .json = true,
            .description = "trace mount() and umount() syscalls",
            .opts = opts,
            .common = KS_C_CONTAINERS | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 8,
            .examples = "    mountsnoop                 # trace mount() and umount()\n"
                        "    mountsnoop -P              # with the parent process\n"
                        "    mountsnoop --mntnsmap map  # only mount namespaces in this map\n",
        },
    .bpf_source = ks_bpfsrc_mountsnoop_bpf_c,
    .bpf_name = "mountsnoop.bpf.c",
    .bpf_header = ks_bpfsrc_mountsnoop_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    .struct_cols = struct_cols,
    .nstruct_cols = 1,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
