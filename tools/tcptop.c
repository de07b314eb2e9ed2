/* tcptop: TCP send and receive throughput per process and flow, top style (BCC's tcptop,
 * its kprobe design: BCC's current tcptop needs BTF). */
#define _GNU_SOURCE
#include <bcc/libbpf.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_inet.h"
#include "../bpfsrc/tcptop.h"
#include "ks_maps.h"
#include "ks_record.h"
#include "ks_tool.h"
#include "ks_top.h"

extern const char ks_bpfsrc_tcptop_bpf_c[], ks_bpfsrc_tcptop_h[];

static bool opt_nosummary, opt_ipv4, opt_ipv6;

static const struct ks_opt opts[] = {
    KS_TOP_OPT_NOCLEAR,
    KS_FLAG('S', "nosummary", "skip system summary (load averages)", &opt_nosummary),
    KS_FLAG('4', "ipv4", "trace IPv4 family only", &opt_ipv4),
    KS_FLAG('6', "ipv6", "trace IPv6 family only", &opt_ipv6),
    KS_OPT_END,
};

/* Kprobes only: no tracepoint sees each send's and receive's bytes. */
static struct ks_probe probes[] = {
    {.name = "send", .kprobes = {"tcp_sendmsg"}},
    {.name = "send_ret", .kprobes = {"tcp_sendmsg"}, .ret = true},
    {.name = "recv", .kprobes = {"tcp_cleanup_rbuf"}},
    /* Gone in 6.5 (sendpage became sendmsg with MSG_SPLICE_PAGES). */
    {.name = "send_page", .kprobes = {"tcp_sendpage"}, .optional = true},
    {.name = "send_page_ret", .kprobes = {"tcp_sendpage"}, .ret = true, .optional = true},
};

struct row {
    struct tcptop_key k;
    struct tcptop_bytes b;
    char local[80], remote[80];
};

/* BCC's columns: "addr:port", KB sent and received in the interval. */
enum { F_PID, F_COMM, F_LOCAL, F_LADDR, F_LPORT, F_REMOTE, F_RADDR, F_RPORT, F_RX, F_TX,
       F_RXB, F_TXB, NF };
#define FIELDS(lhdr, rhdr, w)                                                                \
    {                                                                                        \
        [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",       \
                   .fmt = "%-7d "},                                                          \
        [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-12s ",    \
                    .fmt = "%-12.12s "},                                                     \
        [F_LOCAL] = {.type = KS_T_STR, .header = lhdr, .hfmt = "%-" w "s ",                  \
                     .fmt = "%-" w "s "},                                                    \
        [F_LADDR] = {.json = "laddr", .type = KS_T_STR},                                     \
        [F_LPORT] = {.json = "lport", .type = KS_T_UINT},                                    \
        [F_REMOTE] = {.type = KS_T_STR, .header = rhdr, .hfmt = "%-" w "s ",                 \
                      .fmt = "%-" w "s "},                                                   \
        [F_RADDR] = {.json = "raddr", .type = KS_T_STR},                                     \
        [F_RPORT] = {.json = "rport", .type = KS_T_UINT},                                    \
        [F_RX] = {.type = KS_T_UINT, .header = "RX_KB", .hfmt = "%6s ", .fmt = "%6d "},      \
        [F_TX] = {.type = KS_T_UINT, .header = "TX_KB", .hfmt = "%6s", .fmt = "%6d"},        \
        [F_RXB] = {.json = "rx_bytes", .type = KS_T_UINT},                                   \
        [F_TXB] = {.json = "tx_bytes", .type = KS_T_UINT},                                   \
    }
static const struct ks_field fields4[NF] = FIELDS("LADDR", "RADDR", "21");
static const struct ks_field fields6[NF] = FIELDS("LADDR6", "RADDR6", "32");
static struct ks_record rec4 = {.fields = fields4, .nfields = NF};
static struct ks_record rec6 = {.fields = fields6, .nfields = NF};

/* Most bytes (sent and received) first, as BCC sorts. */
static int by_bytes(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    uint64_t sx = x->b.sent + x->b.received, sy = y->b.sent + y->b.received;
    if (sx != sy)
        return sx < sy ? 1 : -1;
    return memcmp(&x->k, &y->k, sizeof(x->k));
}

static void fill(const void *row, struct ks_val *v)
{
    const struct row *w = row;
    static char comm[TCPTOP_COMM_LEN + 1], la[KS_INET_ADDRSTRLEN], ra[KS_INET_ADDRSTRLEN];
    memcpy(comm, w->k.comm, TCPTOP_COMM_LEN);
    ks_inet_addr(w->k.t.family, w->k.t.saddr, la, sizeof(la));
    ks_inet_addr(w->k.t.family, w->k.t.daddr, ra, sizeof(ra));
    v[F_PID] = KS_U(w->k.pid);
    v[F_COMM] = KS_S(comm);
    v[F_LOCAL] = KS_S(w->local);
    v[F_LADDR] = KS_S(la);
    v[F_LPORT] = KS_U(w->k.t.sport);
    v[F_REMOTE] = KS_S(w->remote);
    v[F_RADDR] = KS_S(ra);
    v[F_RPORT] = KS_U(w->k.t.dport);
    v[F_RX] = KS_U(w->b.received / 1024);
    v[F_TX] = KS_U(w->b.sent / 1024);
    v[F_RXB] = KS_U(w->b.received);
    v[F_TXB] = KS_U(w->b.sent);
}

static const struct ks_top_table table4 = {
    .rec = &rec4, .key = "flow", .header_if_rows = true, .row_size = sizeof(struct row),
    .cmp = by_bytes, .fill = fill};
static const struct ks_top_table table6 = {
    .rec = &rec6, .key = "flow", .member = "rows_ipv6", .lead = "\n", .header_if_rows = true,
    .row_size = sizeof(struct row), .cmp = by_bytes, .fill = fill};

/* Each interval: every flow's bytes, read and deleted (BCC's clear), IPv4 and IPv6 apart. */
static void on_interval(struct ks_run *r)
{
    int fd = ks_map_fd(r, "flows");
    struct tcptop_key *keys;
    size_t n = ks_map_keys(fd, sizeof(*keys), (void **)&keys);
    struct row *v4 = ks_xcalloc(n ? n : 1, sizeof(*v4)), *v6 = ks_xcalloc(n ? n : 1, sizeof(*v6));
    size_t n4 = 0, n6 = 0;
    for (size_t i = 0; i < n; i++) {
        struct tcptop_bytes b;
        if (bpf_lookup_elem(fd, &keys[i], &b) != 0)
            continue;
        bpf_delete_elem(fd, &keys[i]);
        struct row *w = keys[i].t.family == KS_AF_INET6 ? &v6[n6++] : &v4[n4++];
        w->k = keys[i];
        w->b = b;
        char la[KS_INET_ADDRSTRLEN], ra[KS_INET_ADDRSTRLEN];
        ks_inet_addr(w->k.t.family, w->k.t.saddr, la, sizeof(la));
        ks_inet_addr(w->k.t.family, w->k.t.daddr, ra, sizeof(ra));
        snprintf(w->local, sizeof(w->local), "%s:%u", la, w->k.t.sport);
        snprintf(w->remote, sizeof(w->remote), "%s:%u", ra, w->k.t.dport);
    }
    ks_top_begin(!opt_nosummary);
    ks_top_table(&table4, v4, n4);
    ks_top_table(&table6, v6, n6);
    ks_top_end();
    free(v4);
    free(v6);
    free(keys);
}

static void configure(struct ks_run *r)
{
    ks_inet_family_define(r, opt_ipv4, opt_ipv6);
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    r->opt.interval = ks_top_interval(r->opt.interval);
}

static void on_start(struct ks_run *r)
{
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
            .name = "tcptop",
            .json = true,
            .description = "Summarize TCP send/recv throughput by host",
            .opts = opts,
            .common = KS_C_PID | KS_C_INTERVAL | KS_C_CONTAINERS,
            .examples = "    tcptop           # trace TCP send/recv by host\n"
                        "    tcptop -C        # don't clear the screen\n"
                        "    tcptop -p 181    # only trace PID 181\n"
                        "    tcptop --cgroupmap mappath  # only trace cgroups in this BPF map\n"
                        "    tcptop --mntnsmap mappath   # only trace mount namespaces in the "
                        "map\n"
                        "    tcptop -4        # trace IPv4 family only\n"
                        "    tcptop -6        # trace IPv6 family only\n",
        },
    .bpf_source = ks_bpfsrc_tcptop_bpf_c,
    .bpf_name = "tcptop.bpf.c",
    .bpf_lib = KS_INET_BPF_LIB,
    .bpf_lib_name = "ks_inet.h",
    .bpf_header = ks_bpfsrc_tcptop_h,
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
