/* capable: trace security capability checks (BCC's capable). */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bpfsrc/capable.h"
#include "ks_features.h"
#include "ks_record.h"
#include "ks_stack.h"
#include "ks_stacktool.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_capable_bpf_c[], ks_bpfsrc_capable_h[];

static bool opt_kstack, opt_ustack, opt_extra, opt_unique;

static const struct ks_opt opts[] = {
    KS_FLAG('K', "kernel-stack", "output kernel stack trace", &opt_kstack),
    KS_FLAG('U', "user-stack", "output user stack trace", &opt_ustack),
    KS_FLAG('x', "extra", "show extra fields in TID and INSETID columns", &opt_extra),
    KS_FLAG(0, "unique", "don't repeat stacks for the same pid or cgroup", &opt_unique),
    KS_OPT_END,
};

/* The tracepoint (6.16+) has no audit flag; the kprobe is BCC's. */
static struct ks_probe probes[] = {
    {.name = "cap", .tp = "capability:cap_capable", .kprobes = {"cap_capable"}},
};

/* include/uapi/linux/capability.h, as BCC's table. */
static const char *const cap_names[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
#define NCAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

/* BCC's columns. Its PID column shows the thread id and its -x TID column the process id
 * (swapped); here PID is the process and TID the thread (see the man page). AUDIT and
 * INSETID print "-" where the probe cannot tell (the tracepoint). */
enum { F_TIME, F_UID, F_PID, F_TID, F_COMM, F_CAP, F_NAME, F_AUDIT, F_INSETID, F_RET, F_KSTACK,
       F_USTACK, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-9s ",
                .fmt = "%-9s "},
    [F_UID] = {.json = "uid", .type = KS_T_UINT, .header = "UID", .hfmt = "%-6s ",
               .fmt = "%-6d "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-6s ",
               .fmt = "%-6d "},
    [F_TID] = {.json = "tid", .type = KS_T_UINT, .header = "TID", .hfmt = "%-6s ",
               .fmt = "%-6d ", .on = &opt_extra},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_CAP] = {.json = "cap", .type = KS_T_INT, .header = "CAP", .hfmt = "%-4s ",
               .fmt = "%-4d "},
    [F_NAME] = {.json = "name", .type = KS_T_STR, .header = "NAME", .hfmt = "%-20s ",
                .fmt = "%-20s "},
    [F_AUDIT] = {.json = "audit", .type = KS_T_INT, .header = "AUDIT", .hfmt = "%-6s",
                 .fmt = "%-6d", .null_text = "-"},
    [F_INSETID] = {.json = "insetid", .type = KS_T_INT, .header = "INSETID", .hfmt = " %s",
                   .fmt = " %d", .null_text = "N/A", .on = &opt_extra},
    [F_RET] = {.json = "ret", .type = KS_T_INT},
    [F_KSTACK] = {.json = "kernel_stack", .type = KS_T_STRV, .on = &opt_kstack},
    [F_USTACK] = {.json = "user_stack", .type = KS_T_STRV, .on = &opt_ustack},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static int stacks_fd = -1;

/* BCC: "        sym+off" per frame, or "    [Missed Kernel Stack]" for a lost one. */
static void print_frames(const struct ks_frames *fr, const char *what)
{
    if (fr->missed) {
        ks_textf("    [Missed %s Stack]\n", what);
        return;
    }
    for (int i = 0; i < fr->n; i++)
        ks_textf("        %s\n", fr->f[i]);
}

static void on_event(void *data, int size)
{
    const struct capable_event *e = data;
    /* The tool's own checks are not shown (BCC's: in the program; here, so that the
     * program does not depend on the tool's pid and can be cached and built elsewhere). */
    if ((size_t)size < sizeof(*e) || e->tgid == (uint32_t)getpid())
        return;
    char comm[KS_COMM_LEN + 1];
    memcpy(comm, e->comm, KS_COMM_LEN);
    comm[KS_COMM_LEN] = '\0';
    struct ks_frames kf = {0}, uf = {0};
    if (opt_kstack)
        ks_frames_kernel(&kf, stacks_fd, e->kernel_stack_id, KS_FRAME_OFFSET);
    if (opt_ustack)
        ks_frames_user(&uf, stacks_fd, e->user_stack_id, e->tgid, KS_FRAME_OFFSET);
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_wall_ns()),
        [F_UID] = KS_U(e->uid),
        [F_PID] = KS_U(e->tgid),
        [F_TID] = KS_U(e->tid),
        [F_COMM] = KS_S(comm),
        [F_CAP] = KS_I(e->cap),
        [F_NAME] = KS_S(e->cap >= 0 && e->cap < NCAPS ? cap_names[e->cap] : "?"),
        [F_AUDIT] = e->audit >= 0 ? KS_I(e->audit) : KS_NULL,
        [F_INSETID] = e->insetid >= 0 ? KS_I(e->insetid) : KS_NULL,
        [F_RET] = e->ret != 1 ? KS_I(e->ret) : KS_NULL,
        [F_KSTACK] = KS_V((const char *const *)kf.f, kf.n),
        [F_USTACK] = KS_V((const char *const *)uf.f, uf.n),
    };
    if (kf.missed)
        v[F_KSTACK] = KS_NULL;
    if (uf.missed)
        v[F_USTACK] = KS_NULL;
    ks_record_emit(&rec, v);
    if (opt_kstack)
        print_frames(&kf, "Kernel");
    if (opt_ustack)
        print_frames(&uf, "User");
    ks_frames_free(&kf);
    ks_frames_free(&uf);
}

static void configure(struct ks_run *r)
{
    /* BCC's -v (include non-audit checks) is also kscope's -v (say what is chosen). */
    bool all = r->opt.verbose;
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (!all)
        ks_define(r, "AUDIT_ONLY", 1, "no -v: audited checks only");
    if (opt_kstack)
        ks_define(r, "KERNEL_STACKS", 1, "-K");
    if (opt_ustack)
        ks_define(r, "USER_STACKS", 1, "-U");
    if (opt_unique) {
        ks_define(r, "UNIQUE", 1, "--unique");
        if (ks_helper_supported(BPF_PROG_TYPE_KPROBE, BPF_FUNC_get_current_cgroup_id))
            ks_define(r, "UNIQUE_CGROUP", 1, "--unique: per cgroup too (4.18+)");
    }
    if (r->opt.probe_mode != KS_MODE_KPROBE && !all)
        ks_info("capability:cap_capable (6.16+) does not say whether a check is audited: on "
                "it every check is shown and AUDIT prints '-'");
}

static void on_start(struct ks_run *r)
{
    stacks_fd = ks_map_fd(r, "stacks");
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "capable",
            .json = true,
            .description = "Trace security capability checks",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER | KS_C_CONTAINERS,
            .default_pages = 64,
            .examples = "    capable             # trace capability checks\n"
                        "    capable -v          # verbose: include non-audit checks\n"
                        "    capable -p 181      # only trace PID 181\n"
                        "    capable -K          # add kernel stacks to trace\n"
                        "    capable -U          # add user-space stacks to trace\n"
                        "    capable -x          # extra fields: show TID and INSETID columns\n"
                        "    capable --unique    # don't repeat stacks for the same pid or "
                        "cgroup\n"
                        "    capable --cgroupmap mappath  # only trace cgroups in this BPF map\n"
                        "    capable --mntnsmap mappath   # only trace mount namespaces in the "
                        "map\n",
        },
    .bpf_source = ks_bpfsrc_capable_bpf_c,
    .bpf_name = "capable.bpf.c",
    .bpf_header = ks_bpfsrc_capable_h,
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
