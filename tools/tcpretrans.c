/* tcpretrans: trace or count TCP retransmits and tail loss probes (BCC's tcpretrans). */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_inet.h"
#include "../bpfsrc/tcpretrans.h"
#include "ks_maps.h"
#include "ks_record.h"
#include "ks_tool.h"
#include "ks_tpfmt.h"

extern const char ks_bpfsrc_tcpretrans_bpf_c[], ks_bpfsrc_tcpretrans_h[];

static bool opt_seq, opt_tlp, opt_count, opt_ipv4, opt_ipv6;

static const struct ks_opt opts[] = {
    KS_FLAG('s', "sequence", "display TCP sequence numbers", &opt_seq),
    KS_FLAG('l', "lossprobe", "include tail loss probe attempts", &opt_tlp),
    KS_FLAG('c', "count", "count occurred retransmits per flow", &opt_count),
    KS_FLAG('4', "ipv4", "trace IPv4 family only", &opt_ipv4),
    KS_FLAG('6', "ipv6", "trace IPv6 family only", &opt_ipv6),
    KS_OPT_END,
};

static struct ks_probe probes[] = {
    {.name = "retransmit", .tp = "tcp:tcp_retransmit_skb", .kprobes = {"tcp_retransmit_skb"}},
    /* -l: no tracepoint sees tail loss probes. */
    {.name = "tlp", .kprobes = {"tcp_send_loss_probe"}, .off = true},
};

/* BCC's columns; "addr:port" in text, apart in JSON. */
enum { F_TIME, F_PID, F_IP, F_LOCAL, F_LADDR, F_LPORT, F_TYPE, F_REMOTE, F_RADDR, F_RPORT,
       F_STATE, F_STATE_S, F_SEQ, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-8s ",
                .fmt = "%-8s "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    [F_IP] = {.json = "ip", .type = KS_T_UINT, .header = "IP", .hfmt = "%-2s ", .fmt = "%-2d "},
    [F_LOCAL] = {.type = KS_T_STR, .header = "LADDR:LPORT", .hfmt = "%-20s ", .fmt = "%-20s "},
    [F_LADDR] = {.json = "laddr", .type = KS_T_STR},
    [F_LPORT] = {.json = "lport", .type = KS_T_UINT},
    [F_TYPE] = {.json = "type", .type = KS_T_STR, .header = "T", .hfmt = "%1s> ",
                .fmt = "%1s> "},
    [F_REMOTE] = {.type = KS_T_STR, .header = "RADDR:RPORT", .hfmt = "%-20s", .fmt = "%-20s"},
    [F_RADDR] = {.json = "raddr", .type = KS_T_STR},
    [F_RPORT] = {.json = "rport", .type = KS_T_UINT},
    [F_STATE] = {.json = "state", .type = KS_T_STR, .header = "STATE", .hfmt = " %-4s",
                 .fmt = " %s", .off = &opt_seq, .null_text = "-"},
    [F_STATE_S] = {.json = "state", .type = KS_T_STR, .header = "STATE", .hfmt = " %-12s",
                   .fmt = " %-12s", .on = &opt_seq, .null_text = "-"},
    [F_SEQ] = {.json = "seq", .type = KS_T_UINT, .header = "SEQ", .hfmt = " %-10s",
               .fmt = " %d", .on = &opt_seq, .null_text = "-"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

/* -c at the end: BCC's "[addr]#port <-> [addr]#port  count" lines, fewest first. */
enum { C_LOCAL, C_LADDR, C_LPORT, C_REMOTE, C_RADDR, C_RPORT, C_COUNT, NC };
static const struct ks_field count_fields[NC] = {
    [C_LOCAL] = {.type = KS_T_STR, .header = "LADDR:LPORT", .hfmt = "%-25s ",
                 .fmt = "%-20s <-> "},
    [C_LADDR] = {.json = "laddr", .type = KS_T_STR},
    [C_LPORT] = {.json = "lport", .type = KS_T_UINT},
    [C_REMOTE] = {.type = KS_T_STR, .header = "RADDR:RPORT", .hfmt = "%-25s ", .fmt = "%-20s "},
    [C_RADDR] = {.json = "raddr", .type = KS_T_STR},
    [C_RPORT] = {.json = "rport", .type = KS_T_UINT},
    [C_COUNT] = {.json = "retransmits", .type = KS_T_UINT, .header = "RETRANSMITS",
                 .hfmt = "%-10s", .fmt = "%10d"},
};
static struct ks_record count_rec = {.fields = count_fields, .nfields = NC};

static void flow_addrs(const struct ks_inet_tuple *f, char *l, char *r)
{
    ks_inet_addr(f->family, f->saddr, l, KS_INET_ADDRSTRLEN);
    ks_inet_addr(f->family, f->daddr, r, KS_INET_ADDRSTRLEN);
}

static void on_event(void *data, int size)
{
    const struct tcpretrans_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    char la[KS_INET_ADDRSTRLEN], ra[KS_INET_ADDRSTRLEN], local[80], remote[80];
    flow_addrs(&e->flow, la, ra);
    snprintf(local, sizeof(local), "%s:%u", la, e->flow.sport);
    snprintf(remote, sizeof(remote), "%s:%u", ra, e->flow.dport);
    struct ks_val state = e->state ? KS_S(ks_tcp_state_name(e->state)) : KS_NULL;
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_wall_ns()),
        [F_PID] = KS_U(e->pid),
        [F_IP] = KS_U(ks_inet_ipver(e->flow.family)),
        [F_LOCAL] = KS_S(local),
        [F_LADDR] = KS_S(la),
        [F_LPORT] = KS_U(e->flow.sport),
        [F_TYPE] = KS_S(e->type == TCPRETRANS_TLP ? "L" : "R"),
        [F_REMOTE] = KS_S(remote),
        [F_RADDR] = KS_S(ra),
        [F_RPORT] = KS_U(e->flow.dport),
        [F_STATE] = state,
        [F_STATE_S] = state,
        [F_SEQ] = e->have_seq ? KS_U(e->seq) : KS_NULL,
    };
    ks_record_emit(&rec, v);
}

static struct ks_tool tool;

/* Struct reads on the tracepoint path (the runtime says at start which print "-"). */
static bool show_state = true, show_seq;
static struct ks_struct_cols struct_cols[] = {
    {.probe = "retransmit", .columns = "STATE", .on = &show_state,
     .what = "this kernel's tcp_retransmit_skb tracepoint has no state field, and reading "
             "the socket is a struct read"},
    {.probe = "retransmit", .columns = "SEQ", .option = "-s", .on = &show_seq,
     .what = "the sequence number is in the kernel's skb, a struct read (the kprobe path, "
             "--probe=kprobe, reads it)"},
};

static void configure(struct ks_run *r)
{
    ks_inet_family_define(r, opt_ipv4, opt_ipv6);
    if (opt_count) {
        ks_define(r, "COUNT", 1, "-c");
        tool.on_event = NULL; /* counted in the kernel, printed at the end */
    }
    if (opt_seq)
        ks_define(r, "WANT_SEQ", 1, "-s");
    probes[1].off = !opt_tlp;
    /* Fields this kernel's tracepoint has (both came after 4.15). */
    show_state = !opt_count;
    show_seq = opt_seq && !opt_count; /* -c prints counts only */
    struct_cols[0].off = ks_tp_has_field("tcp", "tcp_retransmit_skb", "state");
    if (struct_cols[0].off)
        ks_define(r, "TP_HAS_STATE", 1, "the tracepoint has a state field");
    if (ks_tp_has_field("tcp", "tcp_retransmit_skb", "family"))
        ks_define(r, "TP_HAS_FAMILY", 1, "the tracepoint has a family field");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_textf("Tracing retransmits ... Hit Ctrl-C to end\n");
    if (!opt_count)
        ks_record_header(&rec);
}

struct count_row {
    struct ks_inet_tuple flow;
    uint64_t n;
};

static int by_count(const void *a, const void *b)
{
    const struct count_row *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return memcmp(&x->flow, &y->flow, sizeof(x->flow));
}

static void on_exit_(struct ks_run *r)
{
    if (!opt_count)
        return;
    int fd = ks_map_fd(r, "counts");
    struct ks_inet_tuple *keys;
    size_t n = ks_map_keys(fd, sizeof(*keys), (void **)&keys);
    struct count_row *rows = ks_xcalloc(n ? n : 1, sizeof(*rows));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        rows[m].flow = keys[i];
        if (bpf_lookup_elem(fd, &keys[i], &rows[m].n) == 0)
            m++;
    }
    qsort(rows, m, sizeof(*rows), by_count);
    ks_textf("\n");
    ks_interval_begin();
    ks_table_begin(&count_rec, "flow");
    for (size_t i = 0; i < m; i++) {
        char la[KS_INET_ADDRSTRLEN], ra[KS_INET_ADDRSTRLEN], local[80], remote[80];
        const struct ks_inet_tuple *f = &rows[i].flow;
        flow_addrs(f, la, ra);
        snprintf(local, sizeof(local), "[%s]#%u", la, f->sport);
        snprintf(remote, sizeof(remote), "[%s]#%u", ra, f->dport);
        struct ks_val v[NC] = {
            [C_LOCAL] = KS_S(local),   [C_LADDR] = KS_S(la), [C_LPORT] = KS_U(f->sport),
            [C_REMOTE] = KS_S(remote), [C_RADDR] = KS_S(ra), [C_RPORT] = KS_U(f->dport),
            [C_COUNT] = KS_U(rows[i].n),
        };
        ks_record_emit(&count_rec, v);
    }
    ks_table_end();
    ks_interval_end();
    free(rows);
    free(keys);
}

static struct ks_tool tool = {
    .spec =
        {
            .name = "tcpretrans",
            .json = true,
            .description = "Trace TCP retransmits",
            .opts = opts,
            .common = KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    tcpretrans           # trace TCP retransmits\n"
                        "    tcpretrans -s        # display TCP sequence numbers\n"
                        "    tcpretrans -l        # include TLP attempts\n"
                        "    tcpretrans -c        # count retransmits per flow, print at the "
                        "end\n"
                        "    tcpretrans -4        # trace IPv4 family only\n"
                        "    tcpretrans -6        # trace IPv6 family only\n",
        },
    .bpf_source = ks_bpfsrc_tcpretrans_bpf_c,
    .bpf_name = "tcpretrans.bpf.c",
    .bpf_lib = KS_INET_BPF_LIB,
    .bpf_lib_name = "ks_inet.h",
    .bpf_header = ks_bpfsrc_tcpretrans_h,
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    .struct_cols = struct_cols,
    .nstruct_cols = 2,
    .on_exit = on_exit_,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
