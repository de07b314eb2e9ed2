/* tcpconnlat: trace TCP active connection latency (BCC's tcpconnlat). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_inet.h"
#include "ks_record.h"
#include "ks_tool.h"

#include "../bpfsrc/tcpconnlat.h"

extern const char ks_bpfsrc_tcpconnlat_bpf_c[], ks_bpfsrc_tcpconnlat_h[];

static bool opt_timestamp, opt_lport, opt_ipv4, opt_ipv6;
static double opt_min_ms;

static const struct ks_opt opts[] = {
    KS_FLAG('t', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('L', "lport", "include LPORT on output", &opt_lport),
    KS_FLAG('4', "ipv4", "trace IPv4 family only", &opt_ipv4),
    KS_FLAG('6', "ipv6", "trace IPv6 family only", &opt_ipv6),
    KS_OPT_END,
};

/* [duration_ms]: a fraction of a millisecond is fine (0.1 is 100 us), as in BCC. */
static bool parse_min_ms(const char *arg, void *dest)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !isfinite(v) || v < 0 || v > 1e9)
        return false;
    *(double *)dest = v;
    return true;
}
static const struct ks_opt positional = KS_FUNC(
    0, NULL, "duration_ms", "minimum duration (ms) to trace; fractions allowed (0.1 = 100 us)",
    &opt_min_ms, parse_min_ms);

/* Tracepoint: one for everything. Kprobes: the connect entry points start the clock,
 * tcp_rcv_state_process sees the answer. tcp_v6_connect is optional (IPv6 may be a module
 * not loaded). */
static struct ks_probe probes[] = {
    {.name = "connect", .tp = "sock:inet_sock_set_state", .kprobes = {"tcp_v4_connect"},
     .group = 1},
    {.name = "connect6", .kprobes = {"tcp_v6_connect"}, .optional = true, .group = 1},
    {.name = "rcv_state", .kprobes = {"tcp_rcv_state_process"}, .optional = true, .group = 1},
};

/* The record: BCC's columns and formats. */
enum { F_TS, F_PID, F_COMM, F_IP, F_SADDR, F_LPORT, F_DADDR, F_DPORT, F_LAT, NF };
static const struct ks_field fields[NF] = {
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-9s",
              .fmt = "%-9.3f", .on = &opt_timestamp},
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
    [F_DPORT] = {.json = "dport", .type = KS_T_UINT, .header = "DPORT", .hfmt = "%-5s ",
                 .fmt = "%-5d "},
    [F_LAT] = {.json = "lat_ns", .type = KS_T_NS, .header = "LAT(ms)", .hfmt = "%s",
               .fmt = "%.2f", .scale = 1e6},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static uint64_t first_ts;

static void on_event(void *data, int size)
{
    const struct tcpconnlat_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    struct ks_inet_text x;
    ks_inet_text(&e->t, e->comm, &x);
    if (!first_ts)
        first_ts = e->ts;
    struct ks_val v[NF] = {
        [F_TS] = KS_U(e->ts - first_ts),
        [F_PID] = KS_U(e->pid),
        [F_COMM] = KS_S(x.comm),
        [F_IP] = KS_I(x.ipver),
        [F_SADDR] = KS_S(x.saddr),
        [F_LPORT] = KS_U(e->t.sport),
        [F_DADDR] = KS_S(x.daddr),
        [F_DPORT] = KS_U(e->t.dport),
        [F_LAT] = KS_U(e->lat_ns),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    ks_inet_family_define(r, opt_ipv4, opt_ipv6);
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_min_ms > 0)
        ks_define(r, "MIN_LAT_NS", (long long)(opt_min_ms * 1e6 + 0.5), "duration_ms, in ns");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "tcpconnlat",
            .json = true,
            .description = "Trace TCP connects and show connection latency",
            .opts = opts,
            .positional = &positional,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    tcpconnlat              # trace all TCP connect()s\n"
                        "    tcpconnlat 1            # trace connection latency slower than 1 ms\n"
                        "    tcpconnlat 0.1          # trace connection latency slower than 100 "
                        "us\n"
                        "    tcpconnlat -t           # include timestamps\n"
                        "    tcpconnlat -p 181       # only trace PID 181\n"
                        "    tcpconnlat -L           # include LPORT while printing outputs\n"
                        "    tcpconnlat -4           # trace IPv4 family only\n"
                        "    tcpconnlat -6           # trace IPv6 family only\n",
        },
    .bpf_source = ks_bpfsrc_tcpconnlat_bpf_c,
    .bpf_name = "tcpconnlat.bpf.c",
    .bpf_header = ks_bpfsrc_tcpconnlat_h,
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
