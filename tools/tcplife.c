/* tcplife: trace the lifespan of TCP sessions and summarize (BCC's tcplife). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "ks_inet.h"
#include "ks_record.h"
#include "ks_tool.h"

#include "../bpfsrc/tcplife.h"

extern const char ks_bpfsrc_tcplife_bpf_c[], ks_bpfsrc_tcplife_h[];

static bool opt_time, opt_timestamp, opt_wide, opt_csv, opt_ipv4, opt_ipv6;
static struct ks_ports opt_lports, opt_dports;

static const struct ks_opt opts[] = {
    KS_FLAG('T', "time", "include time column on output (HH:MM:SS)", &opt_time),
    KS_FLAG('t', "timestamp", "include timestamp on output (seconds)", &opt_timestamp),
    KS_FLAG('w', "wide", "wide column output (fits IPv6 addresses)", &opt_wide),
    KS_FLAG('s', "csv", "comma separated values output", &opt_csv),
    KS_FUNC('L', "localport", "LPORTS", "comma-separated list of local ports to trace.",
            &opt_lports, ks_ports_parse),
    KS_FUNC('D', "remoteport", "DPORTS", "comma-separated list of remote ports to trace.",
            &opt_dports, ks_ports_parse),
    KS_FLAG('4', "ipv4", "trace IPv4 family only", &opt_ipv4),
    KS_FLAG('6', "ipv6", "trace IPv6 family only", &opt_ipv6),
    KS_OPT_END,
};

static struct ks_probe probes[] = {
    {.name = "state", .tp = "sock:inet_sock_set_state", .kprobes = {"tcp_set_state"}},
};

/* The record: BCC's columns; -w and -s change the formats (configure()). The IP column
 * is shown with -w and -s only, as BCC's (its default format has an empty %s there). */
static bool show_ip;
enum { F_TIME, F_TS, F_PID, F_COMM, F_IP, F_LADDR, F_LPORT, F_RADDR, F_RPORT, F_TX, F_RX,
       F_MS, NF };
static struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-8s ",
                .fmt = "%-8s ", .on = &opt_time},
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-9s ",
              .fmt = "%-9.6f ", .on = &opt_timestamp},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-5s ",
               .fmt = "%-5d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-10s ",
                .fmt = "%-10.10s "},
    [F_IP] = {.json = "ip", .type = KS_T_INT, .header = "IP", .hfmt = "%-2s ", .fmt = "%-2d ",
              .on = &show_ip},
    [F_LADDR] = {.json = "laddr", .type = KS_T_STR, .header = "LADDR", .hfmt = "%-15s ",
                 .fmt = "%-15s "},
    [F_LPORT] = {.json = "lport", .type = KS_T_UINT, .header = "LPORT", .hfmt = "%-5s ",
                 .fmt = "%-5d "},
    [F_RADDR] = {.json = "raddr", .type = KS_T_STR, .header = "RADDR", .hfmt = "%-15s ",
                 .fmt = "%-15s "},
    [F_RPORT] = {.json = "rport", .type = KS_T_UINT, .header = "RPORT", .hfmt = "%-5s ",
                 .fmt = "%-5d "},
    /* A struct read: "-" (null) where the headers do not allow it (see configure()). */
    [F_TX] = {.json = "tx_kb", .type = KS_T_UINT, .header = "TX_KB", .hfmt = "%5s ",
              .fmt = "%5d ", .null_text = "-"},
    [F_RX] = {.json = "rx_kb", .type = KS_T_UINT, .header = "RX_KB", .hfmt = "%5s ",
              .fmt = "%5d ", .null_text = "-"},
    [F_MS] = {.json = "span_ns", .type = KS_T_NS, .header = "MS", .hfmt = "%s", .fmt = "%.2f",
              .scale = 1e6},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static void set_fmt(int i, const char *hfmt, const char *fmt)
{
    fields[i].hfmt = hfmt;
    fields[i].fmt = fmt;
}

/* BCC's -w and -s formats. */
static void choose_formats(void)
{
    if (opt_wide) {
        set_fmt(F_COMM, "%-16s ", "%-16.16s ");
        set_fmt(F_LADDR, "%-39s ", "%-39s ");
        set_fmt(F_RADDR, "%-39s ", "%-39s ");
        set_fmt(F_TX, "%6s ", "%6d ");
        set_fmt(F_RX, "%6s ", "%6d ");
    }
    if (opt_csv) {
        static const char *const hcsv[NF] = {"%s,", "%s,", "%s,", "%s,", "%s,", "%s,",
                                             "%s,", "%s,", "%s,", "%s,", "%s,", "%s"};
        static const char *const vcsv[NF] = {"%s,", "%.6f,", "%d,", "%s,", "%d,", "%s,",
                                             "%d,", "%s,", "%d,", "%d,", "%d,", "%.2f"};
        for (int i = 0; i < NF; i++)
            set_fmt(i, hcsv[i], vcsv[i]);
    }
    show_ip = opt_wide || opt_csv;
}

static uint64_t first_ts;

static void on_event(void *data, int size)
{
    const struct tcplife_event *e = data;
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
        [F_LADDR] = KS_S(x.saddr),
        [F_LPORT] = KS_U(e->t.sport),
        [F_RADDR] = KS_S(x.daddr),
        [F_RPORT] = KS_U(e->t.dport),
        [F_TX] = e->have_bytes ? KS_U(e->tx_b / 1024) : KS_NULL,
        [F_RX] = e->have_bytes ? KS_U(e->rx_b / 1024) : KS_NULL,
        [F_MS] = KS_U(e->span_ns),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    ks_inet_family_define(r, opt_ipv4, opt_ipv6);
    ks_ports_define(r, "LPORT", &opt_lports, "-L");
    ks_ports_define(r, "DPORT", &opt_dports, "-D");
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    choose_formats();
}

/* TX_KB/RX_KB: struct tcp_sock read on kprobe paths, on the tracepoint path only with the
 * running kernel's own headers (principle 3): BCC reads it anyway and prints wrong numbers
 * with other headers. The runtime says so at start and in --check. */
static struct ks_struct_cols struct_cols[] = {
    {.probe = "state", .columns = "TX_KB and RX_KB",
     .what = "they are read from struct tcp_sock"},
};

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "tcplife",
            .json = true,
            .description = "Trace the lifespan of TCP sessions and summarize",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    tcplife           # trace all TCP connect()s\n"
                        "    tcplife -T        # include time column (HH:MM:SS)\n"
                        "    tcplife -w        # wider columns (fit IPv6)\n"
                        "    tcplife -stT      # csv output, with times & timestamps\n"
                        "    tcplife -p 181    # only trace PID 181\n"
                        "    tcplife -L 80     # only trace local port 80\n"
                        "    tcplife -L 80,81  # only trace local ports 80 and 81\n"
                        "    tcplife -D 80     # only trace remote port 80\n"
                        "    tcplife -4        # only trace IPv4 family\n"
                        "    tcplife -6        # only trace IPv6 family\n",
        },
    .bpf_source = ks_bpfsrc_tcplife_bpf_c,
    .bpf_name = "tcplife.bpf.c",
    .bpf_header = ks_bpfsrc_tcplife_h,
    .bpf_lib = KS_INET_BPF_LIB,
    .bpf_lib_name = "ks_inet.h",
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
