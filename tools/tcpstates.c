/* tcpstates: trace TCP session state changes and durations (BCC's tcpstates). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "ks_inet.h"
#include "ks_record.h"
#include "ks_tool.h"

#include "../bpfsrc/tcpstates.h"

extern const char ks_bpfsrc_tcpstates_bpf_c[], ks_bpfsrc_tcpstates_h[];

static bool opt_time, opt_timestamp, opt_wide, opt_csv, opt_journal, opt_ipv4, opt_ipv6;
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
    KS_FLAG('Y', "journal",
            "not provided: BCC logs to the systemd journal through python-systemd (an error "
            "here; pipe the --json output to systemd-cat instead)",
            &opt_journal),
    KS_FLAG('4', "ipv4", "trace IPv4 family only", &opt_ipv4),
    KS_FLAG('6', "ipv6", "trace IPv6 family only", &opt_ipv6),
    KS_OPT_END,
};

static struct ks_probe probes[] = {
    {.name = "state", .tp = "sock:inet_sock_set_state", .kprobes = {"tcp_set_state"}},
};

/* The record: BCC's columns; -w and -s change the formats (configure()); the IP column
 * only with -w and -s, as BCC's. */
static bool show_ip;
enum { F_TIME, F_TS, F_SKADDR, F_PID, F_COMM, F_IP, F_LADDR, F_LPORT, F_RADDR, F_RPORT,
       F_OLD, F_NEW, F_MS, NF };
static struct ks_field fields[NF] = {
    [F_TIME] = {.json = "time_unix_ns", .type = KS_T_WALL, .header = "TIME", .hfmt = "%-8s ",
                .fmt = "%-8s ", .on = &opt_time},
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-9s ",
              .fmt = "%-9.6f ", .on = &opt_timestamp},
    [F_SKADDR] = {.json = "skaddr", .type = KS_T_UINT, .header = "SKADDR", .hfmt = "%-16s ",
                  .fmt = "%-16x "},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "C-PID", .hfmt = "%-5s ",
               .fmt = "%-5d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "C-COMM", .hfmt = "%-10s ",
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
    [F_OLD] = {.json = "oldstate", .type = KS_T_STR, .header = "OLDSTATE", .hfmt = "%-11s ",
               .fmt = "%-11s "},
    [F_NEW] = {.json = "newstate", .type = KS_T_STR, .header = "NEWSTATE", .hfmt = "-> %-11s ",
               .fmt = "-> %-11s "},
    [F_MS] = {.json = "span_ns", .type = KS_T_NS, .header = "MS", .hfmt = "%s", .fmt = "%.3f",
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
        set_fmt(F_LADDR, "%-26s ", "%-26s ");
        set_fmt(F_RADDR, "%-26s ", "%-26s ");
    }
    if (opt_csv) {
        static const char *const vcsv[NF] = {"%s,", "%.6f,", "%x,", "%d,", "%s,", "%d,", "%s,",
                                             "%d,", "%s,", "%d,", "%s,", "%s,", "%.3f"};
        for (int i = 0; i < NF; i++)
            set_fmt(i, i == F_MS ? "%s" : "%s,", vcsv[i]);
    }
    show_ip = opt_wide || opt_csv;
}

static uint64_t first_ts;

static void on_event(void *data, int size)
{
    const struct tcpstates_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    struct ks_inet_text x;
    ks_inet_text(&e->t, e->comm, &x);
    if (!first_ts)
        first_ts = e->ts;
    struct ks_val v[NF] = {
        [F_TIME] = KS_U(ks_wall_ns()),
        [F_TS] = KS_U(e->ts - first_ts),
        [F_SKADDR] = KS_U(e->skaddr),
        [F_PID] = KS_U(e->pid),
        [F_COMM] = KS_S(x.comm),
        [F_IP] = KS_I(x.ipver),
        [F_LADDR] = KS_S(x.saddr),
        [F_LPORT] = KS_U(e->t.sport),
        [F_RADDR] = KS_S(x.daddr),
        [F_RPORT] = KS_U(e->t.dport),
        [F_OLD] = KS_S(ks_tcp_state_name(e->oldstate)),
        [F_NEW] = KS_S(ks_tcp_state_name(e->newstate)),
        [F_MS] = KS_U(e->span_ns),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    if (opt_journal)
        ks_usage_error("-Y/--journal is not provided by kscope's tcpstates: use --json and "
                       "pipe it to systemd-cat (tcpstates --json | systemd-cat -t tcpstates)");
    ks_inet_family_define(r, opt_ipv4, opt_ipv6);
    ks_ports_define(r, "LPORT", &opt_lports, "-L");
    ks_ports_define(r, "DPORT", &opt_dports, "-D");
    choose_formats();
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "tcpstates",
            .json = true,
            .description = "Trace TCP session state changes and durations",
            .opts = opts,
            .common = KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    tcpstates           # trace all TCP state changes\n"
                        "    tcpstates -t        # include timestamp column\n"
                        "    tcpstates -T        # include time column (HH:MM:SS)\n"
                        "    tcpstates -w        # wider columns (fit IPv6)\n"
                        "    tcpstates -stT      # csv output, with times & timestamps\n"
                        "    tcpstates -L 80     # only trace local port 80\n"
                        "    tcpstates -L 80,81  # only trace local ports 80 and 81\n"
                        "    tcpstates -D 80     # only trace remote port 80\n"
                        "    tcpstates -6        # only trace IPv6 family\n",
        },
    .bpf_source = ks_bpfsrc_tcpstates_bpf_c,
    .bpf_name = "tcpstates.bpf.c",
    .bpf_header = ks_bpfsrc_tcpstates_h,
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
