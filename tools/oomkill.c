/* oomkill: trace the kernel's out-of-memory killer (BCC's oomkill). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpfsrc/oomkill.h"
#include "ks_features.h"
#include "ks_record.h"
#include "ks_tool.h"
#include "ks_tpfmt.h"

extern const char ks_bpfsrc_oomkill_bpf_c[], ks_bpfsrc_oomkill_h[];

static const struct ks_opt opts[] = {
    KS_OPT_END,
};

/* The tracepoint gives the victim (and, 6.8+, its comm and sizes), never the OOM
 * control's pages; the kprobe reads them all from the structs, as BCC does. */
static struct ks_probe probes[] = {
    {.name = "victim", .tp = "oom:mark_victim", .kprobes = {"oom_kill_process"}},
};

/* BCC's line, one field at a time: "%s Triggered by PID %d (\"%s\"), OOM kill of PID %d
 * (\"%s\"), %d pages, loadavg: %s". No header line. */
enum { F_TIME, F_FPID, F_FCOMM, F_TPID, F_TCOMM, F_PAGES, F_LOADAVG, F_VM, F_ANON, F_FILE,
       F_SHMEM, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%s",
                .fmt = "%s Triggered by PID "},
    [F_FPID] = {.json = "trigger_pid", .type = KS_T_UINT, .header = "FPID", .hfmt = "%s",
                .fmt = "%d (\""},
    [F_FCOMM] = {.json = "trigger_comm", .type = KS_T_STR, .header = "FCOMM", .hfmt = "%s",
                 .fmt = "%s\"), OOM kill of PID "},
    [F_TPID] = {.json = "victim_pid", .type = KS_T_UINT, .header = "TPID", .hfmt = "%s",
                .fmt = "%d (\""},
    [F_TCOMM] = {.json = "victim_comm", .type = KS_T_STR, .header = "TCOMM", .hfmt = "%s",
                 .fmt = "%s\"), "},
    [F_PAGES] = {.json = "pages", .type = KS_T_UINT, .header = "PAGES", .hfmt = "%s",
                 .fmt = "%d pages, loadavg: "},
    [F_LOADAVG] = {.json = "loadavg", .type = KS_T_STR, .header = "LOADAVG", .hfmt = "%s",
                   .fmt = "%s"},
    /* JSON only: the victim's sizes where the tracepoint has them (6.8+). */
    [F_VM] = {.json = "victim_total_vm_kb", .type = KS_T_UINT},
    [F_ANON] = {.json = "victim_anon_rss_kb", .type = KS_T_UINT},
    [F_FILE] = {.json = "victim_file_rss_kb", .type = KS_T_UINT},
    [F_SHMEM] = {.json = "victim_shmem_rss_kb", .type = KS_T_UINT},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

/* The victim's comm when the probe could not read it: /proc, while the victim is still
 * dying. NULL when it is gone. */
static const char *proc_comm(__u32 pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%u/comm", pid);
    char *s = ks_read_file(path, NULL);
    if (!s)
        return NULL;
    s[strcspn(s, "\n")] = '\0';
    snprintf(buf, size, "%s", s);
    free(s);
    return buf;
}

static void on_event(void *data, int size)
{
    const struct oomkill_event *e = data;
    if (size < (int)sizeof(*e))
        return;
    char fcomm[OOMKILL_COMM_LEN + 1], tcomm[64], avg[128] = "";
    memcpy(fcomm, e->fcomm, OOMKILL_COMM_LEN);
    fcomm[OOMKILL_COMM_LEN] = '\0';
    const char *victim = NULL;
    if (e->have & OOMKILL_HAVE_TCOMM) {
        memcpy(tcomm, e->tcomm, OOMKILL_COMM_LEN);
        tcomm[OOMKILL_COMM_LEN] = '\0';
        victim = tcomm;
    } else {
        victim = proc_comm(e->tpid, tcomm, sizeof(tcomm));
    }
    /* BCC reads /proc/loadavg as each event is printed. */
    char *la = ks_read_file("/proc/loadavg", NULL);
    if (la) {
        la[strcspn(la, "\n")] = '\0';
        snprintf(avg, sizeof(avg), "%s", la);
        free(la);
    }
    bool rss = e->have & OOMKILL_HAVE_RSS;
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_wall_ns()),
        [F_FPID] = KS_U(e->fpid),
        [F_FCOMM] = KS_S(fcomm),
        [F_TPID] = KS_U(e->tpid),
        [F_TCOMM] = victim ? KS_S(victim) : KS_NULL,
        [F_PAGES] = (e->have & OOMKILL_HAVE_PAGES) ? KS_U(e->pages) : KS_NULL,
        [F_LOADAVG] = KS_S(avg),
        [F_VM] = rss ? KS_U(e->total_vm) : KS_NULL,
        [F_ANON] = rss ? KS_U(e->anon_rss) : KS_NULL,
        [F_FILE] = rss ? KS_U(e->file_rss) : KS_NULL,
        [F_SHMEM] = rss ? KS_U(e->shmem_rss) : KS_NULL,
    };
    ks_record_emit(&rec, v);
    ks_flush();
}

static void configure(struct ks_run *r)
{
    if (r->opt.probe_mode == KS_MODE_KPROBE)
        return;
    if (ks_tp_has_field("oom", "mark_victim", "comm"))
        ks_define(r, "MARK_VICTIM_COMM", 1, "oom:mark_victim has the victim's comm (6.8+)");
    if (ks_tp_has_field("oom", "mark_victim", "total_vm") &&
        ks_tp_has_field("oom", "mark_victim", "shmem_rss"))
        ks_define(r, "MARK_VICTIM_RSS", 1, "oom:mark_victim has the victim's sizes (6.8+)");
}

static void on_start(struct ks_run *r)
{
    const struct ks_probe_choice *c = ks_choice(r, "victim");
    if (c && c->kind == KS_KIND_TRACEPOINT) {
        /* Said once, on stderr: which columns this probe cannot fill, and why. */
        ks_warn("on oom:mark_victim the OOM control's total pages are not known (printed "
                "\"-\"; the tracepoint does not carry them and reading them would need the "
                "oom_kill_process kprobe: --probe=kprobe)%s; the victim PID is the task "
                "chosen (its thread id)",
                ks_tp_has_field("oom", "mark_victim", "comm")
                    ? ""
                    : ", and the victim's name is read from /proc when the event arrives "
                      "(\"-\" when it is already gone)");
    }
    ks_textf("Tracing OOM kills... Ctrl-C to stop.\n");
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "oomkill",
            .json = true,
            .description = "Trace the kernel's out-of-memory killer: the process whose "
                           "allocation triggered it, the victim, and the load averages",
            .opts = opts,
            .common = KS_C_DURATION,
            .examples = "    oomkill                # trace OOM kills until Ctrl-C\n"
                        "    oomkill --json         # one JSON object per OOM kill\n"
                        "    oomkill --probe=kprobe # oom_kill_process: with the pages "
                        "column\n",
        },
    .bpf_source = ks_bpfsrc_oomkill_bpf_c,
    .bpf_name = "oomkill.bpf.c",
    .bpf_header = ks_bpfsrc_oomkill_h,
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
