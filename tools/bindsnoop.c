/* bindsnoop: trace IPv4 and IPv6 bind()s (BCC's bindsnoop). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_inet.h"
#include "../bpfsrc/bindsnoop.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_bindsnoop_bpf_c[], ks_bpfsrc_bindsnoop_h[];

static bool opt_timestamp, opt_wide, opt_errors, opt_print_uid, opt_count;
static long opt_uid = -1;
static struct ks_ports ports;

static const struct ks_opt opts[] = {
    KS_FLAG('t', "timestamp", "include timestamp on output", &opt_timestamp),
    KS_FLAG('w', "wide", "wide column output (fits IPv6 addresses)", &opt_wide),
    KS_FUNC('P', "port", "PORT", "comma-separated list of ports to trace.", &ports,
            ks_ports_parse),
    KS_FLAG('E', "errors", "include errors in the output.", &opt_errors),
    KS_FLAG('U', "print-uid", "include UID on output", &opt_print_uid),
    KS_LONG('u', "uid", "UID", "trace this UID only", &opt_uid, 0, 0xfffffffe),
    KS_FLAG(0, "count", "count binds per src ip and port", &opt_count),
    KS_OPT_END,
};

/* The tracepoints see every bind() call; the kprobes see IPv4 and IPv6 sockets apart. */
static struct ks_probe probes[] = {
    {.name = "enter", .tp = "syscalls:sys_enter_bind", .kprobes = {"inet_bind"}, .group = 1},
    {.name = "exit", .tp = "syscalls:sys_exit_bind", .kprobes = {"inet_bind"}, .ret = true,
     .group = 1},
    {.name = "enter6", .kprobes = {"inet6_bind"}, .optional = true, .group = 1},
    {.name = "exit6", .kprobes = {"inet6_bind"}, .ret = true, .optional = true, .group = 1},
};

/* BCC's columns: 80 wide, or -w (IPv6 addresses whole, RC as words). */
static bool narrow, rc_narrow, rc_wide;
enum { F_TS, F_UID, F_RC, F_RC_W, F_ERRNO, F_PID, F_PID_W, F_COMM, F_PROT, F_PROT_W, F_ADDR,
       F_ADDR_W, F_PORT, F_OPTS, F_IF, NF };
static const struct ks_field fields[NF] = {
    [F_TS] = {.json = "elapsed_ns", .type = KS_T_NS, .header = "TIME(s)", .hfmt = "%-9s ",
              .fmt = "%-9.6f ", .on = &opt_timestamp},
    [F_UID] = {.json = "uid", .type = KS_T_UINT, .header = "UID", .hfmt = "%6s ",
               .fmt = "%6d ", .on = &opt_print_uid},
    [F_RC] = {.type = KS_T_INT, .header = "RC", .hfmt = "%3s ", .fmt = "%3d ", .on = &rc_narrow},
    [F_RC_W] = {.type = KS_T_STR, .header = "RC", .hfmt = "%-25s ", .fmt = "%-25s ",
                .on = &rc_wide},
    [F_ERRNO] = {.json = "errno", .type = KS_T_INT, .on = &opt_errors},
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%8s ",
               .fmt = "%8d ", .on = &narrow},
    [F_PID_W] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%10s ",
                 .fmt = "%10d ", .on = &opt_wide},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-12s ",
                .fmt = "%-12.12s "},
    [F_PROT] = {.json = "protocol", .type = KS_T_STR, .header = "PROT", .hfmt = "%-4s ",
                .fmt = "%-4.4s ", .on = &narrow, .null_text = "-"},
    [F_PROT_W] = {.json = "protocol", .type = KS_T_STR, .header = "PROT", .hfmt = "%-4s ",
                  .fmt = "%-4s ", .on = &opt_wide, .null_text = "-"},
    [F_ADDR] = {.json = "addr", .type = KS_T_STR, .header = "ADDR", .hfmt = "%-15s ",
                .fmt = "%-15.15s ", .on = &narrow},
    [F_ADDR_W] = {.json = "addr", .type = KS_T_STR, .header = "ADDR", .hfmt = "%-39s ",
                  .fmt = "%-39s ", .on = &opt_wide},
    [F_PORT] = {.json = "port", .type = KS_T_UINT, .header = "PORT", .hfmt = "%-5s ",
                .fmt = "%5d "},
    [F_OPTS] = {.json = "opts", .type = KS_T_STR, .header = "OPTS", .hfmt = "%5s ",
                .fmt = "%-5s ", .null_text = "-"},
    [F_IF] = {.json = "bound_if", .type = KS_T_UINT, .header = "IF", .hfmt = "%2s",
              .fmt = "%2d", .null_text = "-"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

/* --count: binds per local address and port, printed at the end. */
enum { C_ADDR, C_PORT, C_BINDS, NC };
static const struct ks_field count_fields[NC] = {
    [C_ADDR] = {.json = "addr", .type = KS_T_STR, .header = "LADDR", .hfmt = "%-32s ",
                .fmt = "%-32s "},
    [C_PORT] = {.json = "port", .type = KS_T_UINT, .header = "LPORT", .hfmt = "%20s     ",
                .fmt = "%20d     "},
    [C_BINDS] = {.json = "binds", .type = KS_T_UINT, .header = "BINDS", .hfmt = "%-10s",
                 .fmt = "%-10d"},
};
static struct ks_record count_rec = {.fields = count_fields, .nfields = NC};
struct count_row {
    char addr[KS_INET_ADDRSTRLEN];
    unsigned port;
    uint64_t binds;
};
static struct count_row *counts;
static size_t ncounts;

static void count_bind(const char *addr, unsigned port)
{
    for (size_t i = 0; i < ncounts; i++)
        if (counts[i].port == port && !strcmp(counts[i].addr, addr)) {
            counts[i].binds++;
            return;
        }
    counts = ks_xrealloc(counts, (ncounts + 1) * sizeof(*counts));
    struct count_row *c = &counts[ncounts++];
    snprintf(c->addr, sizeof(c->addr), "%s", addr);
    c->port = port;
    c->binds = 1;
}

static int by_binds(const void *a, const void *b)
{
    const struct count_row *x = a, *y = b;
    return x->binds != y->binds ? (x->binds < y->binds ? 1 : -1) : strcmp(x->addr, y->addr);
}

/* BCC names protocols after Python's socket.IPPROTO_* constants. */
static const char *protocol_name(unsigned p)
{
    switch (p) {
    case 0: return "IP";
    case 1: return "ICMP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 58: return "ICMPV6";
    case 132: return "SCTP";
    case 136: return "UDPLITE";
    case 255: return "RAW";
    case 262: return "MPTCP";
    default: return "UNKNOWN";
    }
}

static uint64_t first_ts;

static void on_event(void *data, int size)
{
    const struct bindsnoop_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    char addr[KS_INET_ADDRSTRLEN], comm[BINDSNOOP_COMM_LEN + 1], opts[6] = ".....";
    ks_inet_addr(e->t.family, e->t.saddr, addr, sizeof(addr));
    if (opt_count) {
        count_bind(addr, e->t.sport);
        return;
    }
    memcpy(comm, e->comm, BINDSNOOP_COMM_LEN);
    comm[BINDSNOOP_COMM_LEN] = '\0';
    for (int i = 0; i < 5; i++)
        if (e->opts & (1 << i))
            opts[i] = "FTNRr"[i];
    if (!first_ts)
        first_ts = e->ts;
    struct ks_val prot = e->sock_read ? KS_S(protocol_name(e->protocol)) : KS_NULL;
    struct ks_val v[NF] = {
        [F_TS] = KS_U(e->ts - first_ts),
        [F_UID] = KS_U(e->uid),
        [F_RC] = KS_I(e->ret),
        [F_RC_W] = KS_S(e->ret ? strerror(-e->ret) : "0"),
        [F_ERRNO] = KS_I(-e->ret),
        [F_PID] = KS_U(e->id >> 32),
        [F_PID_W] = KS_U(e->id >> 32),
        [F_COMM] = KS_S(comm),
        [F_PROT] = prot,
        [F_PROT_W] = prot,
        [F_ADDR] = KS_S(addr),
        [F_ADDR_W] = KS_S(addr),
        [F_PORT] = KS_U(e->t.sport),
        [F_OPTS] = e->sock_read ? KS_S(opts) : KS_NULL,
        [F_IF] = e->sock_read ? KS_U(e->bound_if) : KS_NULL,
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    narrow = !opt_wide;
    rc_narrow = opt_errors && !opt_wide;
    rc_wide = opt_errors && opt_wide;
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_uid >= 0)
        ks_define(r, "UID_FILTER", opt_uid, "-u");
    if (opt_errors)
        ks_define(r, "WANT_ERRORS", 1, "-E");
    ks_ports_define(r, "PORT", &ports, "-P");
}

static void on_start(struct ks_run *r)
{
    if (ks_choice(r, "exit")->kind == KS_KIND_TRACEPOINT && !opt_count)
        ks_warn("PROT, OPTS and IF are '-': the bind() tracepoints see the call's address, "
                "not the socket (the kprobes on inet_bind/inet6_bind read them: --probe=kprobe "
                "where the kernel can probe functions)");
    ks_textf("Tracing binds ... Hit Ctrl-C to end\n");
    if (!opt_count)
        ks_record_header(&rec);
}

static void on_exit_(struct ks_run *r)
{
    (void)r;
    if (!opt_count)
        return;
    qsort(counts, ncounts, sizeof(*counts), by_binds);
    ks_textf("\n");
    ks_interval_begin();
    ks_table_begin(&count_rec, "addr");
    for (size_t i = 0; i < ncounts; i++) {
        struct ks_val v[NC] = {[C_ADDR] = KS_S(counts[i].addr), [C_PORT] = KS_U(counts[i].port),
                               [C_BINDS] = KS_U(counts[i].binds)};
        ks_record_emit(&count_rec, v);
    }
    ks_table_end();
    ks_interval_end();
    free(counts);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "bindsnoop",
            .json = true,
            .description = "Trace TCP binds",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER | KS_C_CONTAINERS,
            .default_pages = 64,
            .examples = "    bindsnoop           # trace all TCP bind()s\n"
                        "    bindsnoop -t        # include timestamps\n"
                        "    bindsnoop -w        # wider columns (fit IPv6)\n"
                        "    bindsnoop -p 181    # only trace PID 181\n"
                        "    bindsnoop -P 80     # only trace port 80\n"
                        "    bindsnoop -P 80,81  # only trace port 80 and 81\n"
                        "    bindsnoop -U        # include UID\n"
                        "    bindsnoop -u 1000   # only trace UID 1000\n"
                        "    bindsnoop -E        # report bind errors\n"
                        "    bindsnoop --count   # count bind per src ip\n"
                        "    bindsnoop --cgroupmap mappath  # only trace cgroups in this BPF "
                        "map\n"
                        "    bindsnoop --mntnsmap  mappath  # only trace mount namespaces in "
                        "the map\n",
        },
    .bpf_source = ks_bpfsrc_bindsnoop_bpf_c,
    .bpf_name = "bindsnoop.bpf.c",
    .bpf_lib = KS_INET_BPF_LIB,
    .bpf_lib_name = "ks_inet.h",
    .bpf_header = ks_bpfsrc_bindsnoop_h,
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
