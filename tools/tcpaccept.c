/* tcpaccept: trace TCP accepts (BCC's tcpaccept). Kprobe only (bpfsrc/tcpaccept.bpf.c). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "ks_inet.h"
#include "ks_record.h"
#include "ks_tool.h"

#include "../bpfsrc/tcpaccept.h"

extern const char ks_bpfsrc_tcpaccept_bpf_c[], ks_bpfsrc_tcpaccept_h[];

static bool opt_time, opt_timestamp, opt_ipv4, opt_ipv6;
static struct ks_ports opt_ports;

static const struct ks_opt opts[] = {
    KS_FLAG('T', "time", "include time column on output (HH:MM:SS)", &opt_time),
    KS_FLAG('t', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FUNC('P', "port", "PORTS", "comma-separated list of local ports to trace", &opt_ports,
            ks_ports_parse),
    KS_FLAG('4', "ipv4", "trace IPv4 family only", &opt_ipv4),
    KS_FLAG('6', "ipv6", "trace IPv6 family only", &opt_ipv6),
    KS_OPT_END,
};

static struct ks_probe probes[] = {
    {.name = "accept", .kprobes = {"inet_csk_accept"}, .ret = true},
};

/* The record: BCC's columns and formats. */
enum { F_TIME, F_TS, F_PID, F_COMM, F_IP, F_RADDR, F_RPORT, F_LADDR, F_LPORT, NF };
static const struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-9s",
                .fmt = "%-9s", .on = &opt_time},
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-9s",
              .fmt = "%-9.3f", .on = &opt_timestamp},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-12s ",
                .fmt = "%-12.12s "},
    [F_IP] = {.json = "ip", .type = KS_T_INT, .header = "IP", .hfmt = "%-2s ", .fmt = "%-2d "},
    [F_RADDR] = {.json = "raddr", .type = KS_T_STR, .header = "RADDR", .hfmt = "%-16s ",
                 .fmt = "%-16s "},
    [F_RPORT] = {.json = "rport", .type = KS_T_UINT, .header = "RPORT", .hfmt = "%-5s ",
                 .fmt = "%-5d "},
    [F_LADDR] = {.json = "laddr", .type = KS_T_STR, .header = "LADDR", .hfmt = "%-16s ",
                 .fmt = "%-16s "},
    [F_LPORT] = {.json = "lport", .type = KS_T_UINT, .header = "LPORT", .hfmt = "%-5s",
                 .fmt = "%-5d"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static uint64_t first_ts;

static void on_event(void *data, int size)
{
    const struct tcpaccept_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    struct ks_inet_text x;
    ks_inet_text(&e->t, e->comm, &x);
    if (!first_ts)
        first_ts = e->ts;
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_wall_ns()),
        [F_TS] = KS_U(e->ts - first_ts),
        [F_PID] = KS_U(e->pid),
        [F_COMM] = KS_S(x.comm),
        [F_IP] = KS_I(x.ipver),
        [F_RADDR] = KS_S(x.daddr),
        [F_RPORT] = KS_U(e->t.dport),
        [F_LADDR] = KS_S(x.saddr),
        [F_LPORT] = KS_U(e->t.sport),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    ks_inet_family_define(r, opt_ipv4, opt_ipv6);
    ks_ports_define(r, "LPORT", &opt_ports, "-P");
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
            .name = "tcpaccept",
            .json = true,
            .description = "Trace TCP accepts",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER | KS_C_CONTAINERS,
            .default_pages = 64,
            .examples = "    tcpaccept             # trace all TCP accept()s\n"
                        "    tcpaccept -t          # include timestamps\n"
                        "    tcpaccept -P 80,81    # only trace port 80 and 81\n"
                        "    tcpaccept -p 181      # only trace PID 181\n"
                        "    tcpaccept -4          # trace IPv4 family only\n"
                        "    tcpaccept -6          # trace IPv6 family only\n"
                        "    tcpaccept --cgroupmap mappath  # only trace cgroups in this BPF "
                        "map\n"
                        "    tcpaccept --mntnsmap mappath   # only trace mount namespaces in "
                        "the map\n",
        },
    .bpf_source = ks_bpfsrc_tcpaccept_bpf_c,
    .bpf_name = "tcpaccept.bpf.c",
    .bpf_header = ks_bpfsrc_tcpaccept_h,
    .bpf_lib = KS_INET_BPF_LIB,
    .bpf_lib_name = "ks_inet.h",
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
