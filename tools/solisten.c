/* solisten: trace TCP sockets that start listening (BCC's solisten). */
#define _GNU_SOURCE
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_inet.h"
#include "../bpfsrc/solisten.h"
#include "ks_record.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_solisten_bpf_c[], ks_bpfsrc_solisten_h[];

static bool opt_show_netns;
static long opt_netns;

static const struct ks_opt opts[] = {
    KS_FLAG(0, "show-netns", "show network namespace", &opt_show_netns),
    KS_LONG('n', "netns", "NETNS", "trace this Network Namespace only", &opt_netns, 1,
            0xffffffffL),
    KS_OPT_END,
};

/* One group: the backlog remembered at sys_enter_listen is read at the state change. */
static struct ks_probe probes[] = {
    {.name = "listen", .tp = "sock:inet_sock_set_state", .kprobes = {"inet_listen"},
     .group = 1},
    {.name = "listen_enter", .tp = "syscalls:sys_enter_listen", .optional = true, .group = 1},
    {.name = "listen_exit", .tp = "syscalls:sys_exit_listen", .optional = true, .group = 1},
};

/* BCC's columns; NETNS with --show-netns. */
enum { F_PID, F_COMM, F_NETNS, F_PROTO, F_BACKLOG, F_PORT, F_ADDR, NF };
static const struct ks_field fields[NF] = {
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-6s ",
               .fmt = "%-6d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-12s ",
                .fmt = "%-12.12s "},
    [F_NETNS] = {.json = "netns", .type = KS_T_UINT, .header = "NETNS", .hfmt = "%-12s ",
                 .fmt = "%-12d ", .on = &opt_show_netns, .null_text = "-"},
    [F_PROTO] = {.json = "proto", .type = KS_T_STR, .header = "PROTO", .hfmt = "%-6s ",
                 .fmt = "%-6s "},
    [F_BACKLOG] = {.json = "backlog", .type = KS_T_INT, .header = "BACKLOG", .hfmt = "%-8s ",
                   .fmt = "%-8d ", .null_text = "-"},
    [F_PORT] = {.json = "port", .type = KS_T_UINT, .header = "PORT", .hfmt = "%-5s ",
                .fmt = "%-5d "},
    [F_ADDR] = {.json = "addr", .type = KS_T_STR, .header = "ADDR", .hfmt = "%-39s",
                .fmt = "%-39s"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static bool netns_from_proc; /* the program does not read the socket's namespace */

/* The namespace of the listening thread, from /proc as the event arrives: 0 when gone. */
static uint32_t thread_netns(uint64_t id)
{
    char path[64], link[64];
    snprintf(path, sizeof(path), "/proc/%u/task/%u/ns/net", (unsigned)(id >> 32),
             (unsigned)id);
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    unsigned long inum = 0;
    if (n > 0) {
        link[n] = '\0';
        if (sscanf(link, "net:[%lu]", &inum) != 1)
            inum = 0;
    }
    return (uint32_t)inum;
}

static void on_event(void *data, int size)
{
    const struct solisten_event *e = data;
    if ((size_t)size < sizeof(*e))
        return;
    uint32_t netns = e->netns;
    if (!netns && netns_from_proc && (opt_show_netns || opt_netns))
        netns = thread_netns(e->id);
    if (opt_netns && netns != (uint32_t)opt_netns)
        return;
    char comm[SOLISTEN_COMM_LEN + 1], addr[KS_INET_ADDRSTRLEN];
    memcpy(comm, e->comm, SOLISTEN_COMM_LEN);
    comm[SOLISTEN_COMM_LEN] = '\0';
    bool v6 = e->t.family == KS_AF_INET6;
    ks_inet_addr(e->t.family, e->t.saddr, addr, sizeof(addr));
    struct ks_val v[NF] = {
        [F_PID] = KS_U(e->id >> 32),
        [F_COMM] = KS_S(comm),
        [F_NETNS] = netns ? KS_U(netns) : KS_NULL,
        [F_PROTO] = KS_S(v6 ? "TCPv6" : "TCPv4"),
        [F_BACKLOG] = e->backlog == SOLISTEN_NO_BACKLOG ? KS_NULL : KS_I(e->backlog),
        [F_PORT] = KS_U(e->t.sport),
        [F_ADDR] = KS_S(addr),
    };
    ks_record_emit(&rec, v);
}

static void configure(struct ks_run *r)
{
    if (r->opt.pid >= 0)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
    if (opt_show_netns || opt_netns)
        ks_define(r, "WANT_NETNS", 1, "--show-netns or -n");
    if (opt_netns)
        ks_define(r, "NETNS_FILTER", opt_netns, "-n");
}

static void on_start(struct ks_run *r)
{
    const char *why = "";
    const struct ks_probe_choice *c = ks_choice(r, "listen");
    netns_from_proc = c && c->kind == KS_KIND_TRACEPOINT && !ks_struct_reads(r, &why);
    if (netns_from_proc && (opt_show_netns || opt_netns))
        ks_info("NETNS: the listening thread's network namespace from /proc as each event "
                "arrives; the socket's own would be a struct read (%s)",
                why);
    if (c && c->kind == KS_KIND_TRACEPOINT && !ks_choice(r, "listen_enter")->kind)
        ks_info("BACKLOG: '-' (no syscalls:sys_enter_listen tracepoint)");
    ks_record_header(&rec);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "solisten",
            .json = true,
            .description = "Stream sockets listen",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER,
            .default_pages = 64,
            .examples = "    solisten              # Stream socket listen\n"
                        "    solisten -p 1234      # Stream socket listen for specified PID "
                        "only\n"
                        "    solisten --netns 4242 # \" for the specified network namespace "
                        "ID only\n"
                        "    solisten --show-netns # Show network ns ID (useful for "
                        "containers)\n",
        },
    .bpf_source = ks_bpfsrc_solisten_bpf_c,
    .bpf_name = "solisten.bpf.c",
    .bpf_lib = KS_INET_BPF_LIB,
    .bpf_lib_name = "ks_inet.h",
    .bpf_header = ks_bpfsrc_solisten_h,
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
