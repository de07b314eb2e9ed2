/* tcpconnect: trace active TCP connections, connect() (BCC's tcpconnect). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_inet.h"
#include "ks_record.h"
#include "ks_tool.h"

#include "../bpfsrc/tcpconnect.h"

extern const char ks_bpfsrc_tcpconnect_bpf_c[], ks_bpfsrc_tcpconnect_h[];

static bool opt_timestamp, opt_ipv4, opt_ipv6, opt_lport, opt_print_uid, opt_count, opt_dns;
static long opt_uid = -1;
static struct ks_ports opt_ports;

static const struct ks_opt opts[] = {
    KS_FLAG('t', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FUNC('P', "port", "PORT", "comma-separated list of destination ports to trace.",
            &opt_ports, ks_ports_parse),
    KS_FLAG('4', "ipv4", "trace IPv4 family only", &opt_ipv4),
    KS_FLAG('6', "ipv6", "trace IPv6 family only", &opt_ipv6),
    KS_FLAG('L', "lport", "include LPORT on output", &opt_lport),
    KS_FLAG('U', "print-uid", "include UID on output", &opt_print_uid),
    KS_LONG('u', "uid", "UID", "trace this UID only", &opt_uid, 0, 0xfffffffe),
    KS_FLAG('c', "count", "count connects per src ip and dest ip/port", &opt_count),
    KS_FLAG('d', "dns",
            "not provided: BCC's DNS query column needs a DNS parser and a udp_recvmsg probe "
            "(an error here)",
            &opt_dns),
    KS_OPT_END,
};

/* The tracepoint sees every family; the kprobe fallbacks are one function per family
 * (their returns too). tcp_v6_connect is optional: IPv6 may be a module not loaded, or
 * absent. */
static struct ks_probe probes[] = {
    {.name = "connect", .tp = "sock:inet_sock_set_state", .kprobes = {"tcp_v4_connect"},
     .group = 1},
    {.name = "connect_ret", .kprobes = {"tcp_v4_connect"}, .ret = true, .optional = true,
     .group = 1},
    {.name = "connect6", .kprobes = {"tcp_v6_connect"}, .optional = true, .group = 1},
    {.name = "connect6_ret", .kprobes = {"tcp_v6_connect"}, .ret = true, .optional = true,
     .group = 1},
};

/* The record: BCC's columns and formats. */
enum { F_TS, F_UID, F_PID, F_COMM, F_IP, F_SADDR, F_LPORT, F_DADDR, F_DPORT, NF };
static const struct ks_field fields[NF] = {
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-9s",
              .fmt = "%-9.3f", .on = &opt_timestamp},
    [F_UID] = {.json = "uid", .type = KS_T_UINT, .header = "UID", .hfmt = "%-6s", .fmt = "%-6d",
               .on = &opt_print_uid},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-12s ",
                .fmt = "%-12.12s "},
    [F_IP] = {.json = "ip", .type = KS_T_INT, .header = "IP", .hfmt = "%-2s ", .fmt = "%-2d "},
    [F_SADDR] = {.json = "saddr", .type = KS_T_STR, .header = "SADDR", .hfmt = "%-16s ",
                 .fmt = "%-16s "},
    [F_LPORT] = {.json = "lport", .type = KS_T_UINT, .header = "LPORT", .hfmt = "%-6s ",
                 .fmt = "%-6d ", .on = &opt_lport},
    [F_DADDR] = {.json = "daddr", .type = KS_T_STR, .header = "DADDR", .hfmt = "%-16s ",
                 .fmt = "%-16s "},
    [F_DPORT] = {.json = "dport", .type = KS_T_UINT, .header = "DPORT", .hfmt = "%-6s",
                 .fmt = "%-6d"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

/* -c: connects per (source address, destination address, port), printed at the end. */
enum { C_LADDR, C_RADDR, C_RPORT, C_CONNECTS, NC };
static const struct ks_field count_fields[NC] = {
    [C_LADDR] = {.json = "laddr", .type = KS_T_STR, .header = "LADDR", .hfmt = "%-25s ",
                 .fmt = "%-25s "},
    [C_RADDR] = {.json = "raddr", .type = KS_T_STR, .header = "RADDR", .hfmt = "%-25s ",
                 .fmt = "%-25s "},
    [C_RPORT] = {.json = "rport", .type = KS_T_UINT, .header = "RPORT", .hfmt = "%-20s ",
                 .fmt = "%-20d "},
    [C_CONNECTS] = {.json = "connects", .type = KS_T_UINT, .header = "CONNECTS",
                    .hfmt = "%-10s", .fmt = "%-10d"},
};
static struct ks_record count_rec = {.fields = count_fields, .nfields = NC};

struct flow {
    struct ks_inet_tuple t; /* sport 0 */
    unsigned long count;
};
static struct flow *flows;
static size_t nflows, flows_cap;

static void count_event(const struct tcpconnect_event *e)
{
    struct ks_inet_tuple k = e->t;
    k.sport = 0;
    for (size_t i = 0; i < nflows; i++)
        if (!memcmp(&flows[i].t, &k, sizeof(k))) {
            flows[i].count++;
            return;
        }
    if (nflows == flows_cap) {
        flows_cap = flows_cap ? flows_cap * 2 : 64;
        flows = realloc(flows, flows_cap * sizeof(*flows));
        if (!flows) {
            ks_err("out of memory");
            exit(1);
        }
    }
    flows[nflows++] = (struct flow){.t = k, .count = 1};
}

static uint64_t first_ts;

static void on_event(void *data, int size)
{
    const struct tcpconnect_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    if (opt_count) {
        count_event(e);
        return;
    }
    struct ks_inet_text x;
    ks_inet_text(&e->t, e->comm, &x);
    if (!first_ts)
        first_ts = e->ts;
    struct ks_val v[NF] = {
        [F_TS] = KS_U(e->ts - first_ts),
        [F_UID] = KS_U(e->uid),
        [F_PID] = KS_U(e->pid),
        [F_COMM] = KS_S(x.comm),
        [F_IP] = KS_I(x.ipver),
        [F_SADDR] = KS_S(x.saddr),
        [F_LPORT] = KS_U(e->t.sport),
        [F_DADDR] = KS_S(x.daddr),
        [F_DPORT] = KS_U(e->t.dport),
    };
    ks_record_emit(&rec, v);
}

static int by_count(const void *a, const void *b)
{
    const struct flow *x = a, *y = b;
    return x->count > y->count ? -1 : x->count < y->count;
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    if (!opt_count)
        return;
    qsort(flows, nflows, sizeof(*flows), by_count);
    ks_textf("\n");
    ks_interval_begin();
    ks_table_begin(&count_rec, "connection");
    for (size_t i = 0; i < nflows; i++) {
        const struct flow *f = &flows[i];
        char laddr[KS_INET_ADDRSTRLEN], raddr[KS_INET_ADDRSTRLEN];
        struct ks_val v[NC] = {
            [C_LADDR] = KS_S(ks_inet_addr(f->t.family, f->t.saddr, laddr, sizeof(laddr))),
            [C_RADDR] = KS_S(ks_inet_addr(f->t.family, f->t.daddr, raddr, sizeof(raddr))),
            [C_RPORT] = KS_U(f->t.dport),
            [C_CONNECTS] = KS_U(f->count),
        };
        ks_record_emit(&count_rec, v);
    }
    ks_table_end();
    ks_interval_end();
    free(flows);
}

static void configure(struct ks_run *r)
{
    if (opt_dns)
        ks_usage_error("-d/--dns is not provided by kscope's tcpconnect: BCC's DNS column "
                       "needs a DNS parser and a probe on udp_recvmsg; run without it");
    ks_inet_family_define(r, opt_ipv4, opt_ipv6);
    ks_ports_define(r, "DPORT", &opt_ports, "-P");
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_uid >= 0)
        ks_define(r, "UID_FILTER", opt_uid, "-u");
    if (opt_lport && !opt_count)
        ks_define(r, "WANT_LPORT", 1, "-L: wait for the local port");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_textf("Tracing connect ... Hit Ctrl-C to end\n");
    if (!opt_count)
        ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "tcpconnect",
            .json = true,
            .description = "Trace TCP connects",
            .opts = opts,
            .common = KS_C_PID | KS_C_BUFFER | KS_C_CONTAINERS,
            .default_pages = 64,
            .examples = "    tcpconnect           # trace all TCP connect()s\n"
                        "    tcpconnect -t        # include timestamps\n"
                        "    tcpconnect -p 181    # only trace PID 181\n"
                        "    tcpconnect -P 80     # only trace port 80\n"
                        "    tcpconnect -P 80,81  # only trace port 80 and 81\n"
                        "    tcpconnect -4        # only trace IPv4 family\n"
                        "    tcpconnect -6        # only trace IPv6 family\n"
                        "    tcpconnect -U        # include UID\n"
                        "    tcpconnect -u 1000   # only trace UID 1000\n"
                        "    tcpconnect -c        # count connects per src ip and dest ip/port\n"
                        "    tcpconnect -L        # include LPORT while printing outputs\n"
                        "    tcpconnect --cgroupmap mappath  # only trace cgroups in this BPF "
                        "map\n"
                        "    tcpconnect --mntnsmap mappath   # only trace mount namespaces in "
                        "the map\n",
        },
    .bpf_source = ks_bpfsrc_tcpconnect_bpf_c,
    .bpf_name = "tcpconnect.bpf.c",
    .bpf_header = ks_bpfsrc_tcpconnect_h,
    .bpf_lib = KS_INET_BPF_LIB,
    .bpf_lib_name = "ks_inet.h",
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = on_event,
    .on_start = on_start,
    .on_exit = on_exit_,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
