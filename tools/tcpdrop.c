/* tcpdrop: TCP packets dropped by the kernel, with the drop reason and the kernel stack
 * (BCC's tcpdrop). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_inet.h"
#include "../bpfsrc/tcpdrop.h"
#include "ks_record.h"
#include "ks_stack.h"
#include "ks_tool.h"
#include "ks_tpfmt.h"

extern const char ks_bpfsrc_tcpdrop_bpf_c[], ks_bpfsrc_tcpdrop_h[];

static bool opt_ipv4, opt_ipv6;

static const struct ks_opt opts[] = {
    KS_FLAG('4', "ipv4", "trace IPv4 family only", &opt_ipv4),
    KS_FLAG('6', "ipv6", "trace IPv6 family only", &opt_ipv6),
    KS_OPT_END,
};

static struct ks_probe probes[] = {
    {.name = "drop",
     .tp = "skb:kfree_skb",
     /* What the tracepoint sees first (5.17+), then TCP's own drops (BCC's tcp_drop). */
     .kprobes = {"kfree_skb_reason", "sk_skb_reason_drop", "tcp_drop_reason", "tcp_drop"}},
};

/* BCC's line, "addr:port" in text and apart in JSON, then the drop reason. */
enum { F_TIME, F_PID, F_IP, F_SRC, F_SADDR, F_SPORT, F_DST, F_DADDR, F_DPORT, F_STATE,
       F_FLAGS, F_REASON, F_CODE, F_KSTACK, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-8s ",
                .fmt = "%-8s "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    [F_IP] = {.json = "ip", .type = KS_T_UINT, .header = "IP", .hfmt = "%-2s ", .fmt = "%-2d "},
    [F_SRC] = {.type = KS_T_STR, .header = "SADDR:SPORT", .hfmt = "%-20s > ",
               .fmt = "%-20s > ", .null_text = "-"},
    [F_SADDR] = {.json = "saddr", .type = KS_T_STR},
    [F_SPORT] = {.json = "sport", .type = KS_T_UINT},
    [F_DST] = {.type = KS_T_STR, .header = "DADDR:DPORT", .hfmt = "%-20s ", .fmt = "%-20s ",
               .null_text = "-"},
    [F_DADDR] = {.json = "daddr", .type = KS_T_STR},
    [F_DPORT] = {.json = "dport", .type = KS_T_UINT},
    [F_STATE] = {.json = "state", .type = KS_T_STR, .header = "STATE", .hfmt = "%s",
                 .fmt = "%s", .null_text = "-"},
    [F_FLAGS] = {.json = "flags", .type = KS_T_STR, .header = "FLAGS", .hfmt = " (%s)",
                 .fmt = " (%s)", .null_text = "-"},
    [F_REASON] = {.json = "reason", .type = KS_T_STR, .header = "REASON", .hfmt = " %s",
                  .fmt = " %s", .null_text = "-"},
    [F_CODE] = {.json = "reason_code", .type = KS_T_UINT},
    [F_KSTACK] = {.json = "kernel_stack", .type = KS_T_STRV},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static struct ks_tp_symbols reasons; /* this kernel's enum skb_drop_reason names */
static int stacks_fd = -1;
static struct ks_stack_losses losses;

/* BCC's flags2str: the names of the set bits, "|" between. */
static void flags_text(unsigned f, char *buf, size_t size)
{
    static const char *const names[8] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < 8; i++)
        if (f & (1u << i))
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "|" : "", names[i]);
}

static void on_event(void *data, int size)
{
    const struct tcpdrop_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    char sa[KS_INET_ADDRSTRLEN], da[KS_INET_ADDRSTRLEN], src[80], dst[80], flags[40];
    const char *reason = NULL;
    char unknown[32];
    if (e->have_reason) {
        reason = ks_tp_symbol(&reasons, e->reason);
        if (!reason) { /* a number this kernel's format file does not name */
            snprintf(unknown, sizeof(unknown), "%u", e->reason);
            reason = unknown;
        }
    }
    struct ks_frames kf = {0};
    ks_frames_kernel(&kf, stacks_fd, e->kernel_stack_id, KS_FRAME_OFFSET);
    ks_stack_loss_add(&losses, e->kernel_stack_id);
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_wall_ns()),
        [F_PID] = KS_U(e->pid),
        [F_IP] = KS_U(ks_inet_ipver(e->flow.family)),
        [F_SRC] = KS_NULL, [F_SADDR] = KS_NULL, [F_SPORT] = KS_NULL,
        [F_DST] = KS_NULL, [F_DADDR] = KS_NULL, [F_DPORT] = KS_NULL,
        [F_STATE] = e->state ? KS_S(ks_tcp_state_name(e->state)) : KS_NULL,
        [F_FLAGS] = KS_NULL,
        [F_REASON] = reason ? KS_S(reason) : KS_NULL,
        [F_CODE] = e->have_reason ? KS_U(e->reason) : KS_NULL,
        [F_KSTACK] = kf.missed ? KS_NULL : KS_V((const char *const *)kf.f, kf.n),
    };
    if (e->have_packet) {
        ks_inet_addr(e->flow.family, e->flow.saddr, sa, sizeof(sa));
        ks_inet_addr(e->flow.family, e->flow.daddr, da, sizeof(da));
        snprintf(src, sizeof(src), "%s:%u", sa, e->flow.sport);
        snprintf(dst, sizeof(dst), "%s:%u", da, e->flow.dport);
        flags_text(e->tcpflags, flags, sizeof(flags));
        v[F_SRC] = KS_S(src), v[F_SADDR] = KS_S(sa), v[F_SPORT] = KS_U(e->flow.sport);
        v[F_DST] = KS_S(dst), v[F_DADDR] = KS_S(da), v[F_DPORT] = KS_U(e->flow.dport);
        v[F_FLAGS] = KS_S(flags);
    }
    ks_record_emit(&rec, v);
    /* BCC: the stack, one "\tsym+off" line per frame, and a blank line. */
    if (kf.missed)
        ks_textf("\t[Missed Kernel Stack]\n");
    for (int i = 0; i < kf.n; i++)
        ks_textf("\t%s\n", kf.f[i]);
    ks_textf("\n");
    ks_frames_free(&kf);
}

static struct ks_tool tool;

/* Without the kernel's own headers, the tracepoint path reads neither the packet nor the
 * socket (the runtime says so at start and in --check). */
static struct ks_struct_cols struct_cols[] = {
    {.probe = "drop", .columns = "SADDR:SPORT, DADDR:DPORT, STATE and FLAGS",
     .what = "they are read from the packet (struct sk_buff) and its socket, which alone "
             "tell TCP from other protocols: drops of every IPv4/IPv6 protocol are shown"},
};

static void configure(struct ks_run *r)
{
    ks_inet_family_define(r, opt_ipv4, opt_ipv6);
    /* The tracepoint is of use only with its reason field (5.17+); before, kprobes. */
    if (!ks_tp_has_field("skb", "kfree_skb", "reason")) {
        probes[0].tp = NULL;
        if (r->opt.probe_mode != KS_MODE_KPROBE)
            ks_info("skb:kfree_skb has no reason field on this kernel (before 5.17): the "
                    "kprobes are used");
    }
    ks_tp_symbols_free(&reasons);
    long unspecified = 0;
    if (ks_tp_symbols("skb", "kfree_skb", "reason", &reasons) == 0) {
        for (int i = 0; i < reasons.n; i++)
            if (!strcmp(reasons.name[i], "NOT_SPECIFIED"))
                unspecified = reasons.value[i];
    } else {
        ks_info("no drop reason names: skb:kfree_skb's format has none here; reasons print "
                "as numbers");
    }
    ks_define(r, "REASON_NOT_SPECIFIED", unspecified,
              "this kernel's SKB_DROP_REASON_NOT_SPECIFIED (format file)");
    if (ks_tp_has_field("skb", "kfree_skb", "rx_sk"))
        ks_define(r, "TP_HAS_RX_SK", 1, "the tracepoint names the receiving socket");
}

static void on_start(struct ks_run *r)
{
    stacks_fd = ks_map_fd(r, "stacks");
    ks_record_header(&rec);
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    ks_stack_loss_report(&losses);
    ks_tp_symbols_free(&reasons);
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "tcpdrop",
            .json = true,
            .description = "Trace TCP drops by the kernel",
            .notes =
                "  On skb:kfree_skb (5.17+), every dropped IPv4/IPv6 packet with a reason\n"
                "  beyond NOT_SPECIFIED is seen, of any protocol. Only with the running\n"
                "  kernel's own headers are the packet and socket read: then TCP segments\n"
                "  only, with addresses, ports, state and flags. Otherwise those print \"-\"\n"
                "  and drops of UDP, ICMP... show too (the tool says so). The kprobe path\n"
                "  (kfree_skb_reason, sk_skb_reason_drop, tcp_drop_reason, tcp_drop) always\n"
                "  reads them. --netns-id and --pid-netns (BCC) are not provided.\n",
            .opts = opts,
            .common = KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    tcpdrop           # trace kernel TCP drops\n"
                        "    tcpdrop -4        # trace IPv4 family only\n"
                        "    tcpdrop -6        # trace IPv6 family only\n",
        },
    .bpf_source = ks_bpfsrc_tcpdrop_bpf_c,
    .bpf_name = "tcpdrop.bpf.c",
    .bpf_lib = KS_INET_BPF_LIB,
    .bpf_lib_name = "ks_inet.h",
    .bpf_header = ks_bpfsrc_tcpdrop_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    .on_exit = on_exit_,
    .struct_cols = struct_cols,
    .nstruct_cols = 1,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
