/* ks_inet: addresses, TCP states, -4/-6 and port lists for the network tools. */
#include "ks_inet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_opts.h"
#include "ks_tool.h"

const char *ks_inet_addr(int family, const __u8 *addr, char *buf, size_t size)
{
    int af = family == KS_AF_INET6 ? AF_INET6 : AF_INET;
    if ((family != KS_AF_INET && family != KS_AF_INET6) ||
        !inet_ntop(af, addr, buf, (socklen_t)size))
        snprintf(buf, size, "?");
    return buf;
}

int ks_inet_ipver(int family)
{
    return family == KS_AF_INET6 ? 6 : 4;
}

const char *ks_tcp_state_name(int state)
{
    static const char *const names[] = {
        [KS_TCP_ESTABLISHED] = "ESTABLISHED", [KS_TCP_SYN_SENT] = "SYN_SENT",
        [KS_TCP_SYN_RECV] = "SYN_RECV",       [KS_TCP_FIN_WAIT1] = "FIN_WAIT1",
        [KS_TCP_FIN_WAIT2] = "FIN_WAIT2",     [KS_TCP_TIME_WAIT] = "TIME_WAIT",
        [KS_TCP_CLOSE] = "CLOSE",             [KS_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
        [KS_TCP_LAST_ACK] = "LAST_ACK",       [KS_TCP_LISTEN] = "LISTEN",
        [KS_TCP_CLOSING] = "CLOSING",         [KS_TCP_NEW_SYN_RECV] = "NEW_SYN_RECV",
    };
    if (state > 0 && state < (int)(sizeof(names) / sizeof(names[0])) && names[state])
        return names[state];
    return "UNKNOWN";
}

void ks_inet_family_define(struct ks_run *r, bool ipv4, bool ipv6)
{
    if (ipv4 && ipv6)
        ks_usage_error("-4/--ipv4 and -6/--ipv6 exclude each other: give at most one");
    if (ipv4)
        ks_define(r, "FAMILY_FILTER", KS_AF_INET, "-4");
    if (ipv6)
        ks_define(r, "FAMILY_FILTER", KS_AF_INET6, "-6");
}

bool ks_ports_parse(const char *arg, void *dest)
{
    struct ks_ports *p = dest;
    const char *s = arg;
    if (!*arg)
        ks_usage_error("empty port list: give ports 1-65535, comma-separated (80,443)");
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char one[16];
        long v;
        if (len == 0)
            ks_usage_error("empty element in port list '%s': give ports 1-65535, "
                           "comma-separated (80,443)",
                           ks_q(arg));
        snprintf(one, sizeof(one), "%.*s", (int)(len < sizeof(one) ? len : sizeof(one) - 1), s);
        if (len >= sizeof(one) || !ks_parse_long(one, 1, 65535, &v))
            ks_usage_error("invalid port '%s' in '%s': ports are numbers 1-65535",
                           ks_q(one), ks_q(arg));
        if (!ks_ports_has(p, (int)v)) {
            if (p->n == KS_INET_MAX_PORTS)
                ks_usage_error("too many ports in '%s': at most %d per list", ks_q(arg),
                               KS_INET_MAX_PORTS);
            p->port[p->n++] = (int)v;
        }
        if (!comma)
            return true;
        s = comma + 1;
    }
}

bool ks_ports_has(const struct ks_ports *p, int port)
{
    for (int i = 0; i < p->n; i++)
        if (p->port[i] == port)
            return true;
    return false;
}

void ks_ports_define(struct ks_run *r, const char *name, const struct ks_ports *p,
                     const char *option)
{
    char def[64];
    snprintf(def, sizeof(def), "NUM_%s", name);
    ks_define(r, def, p->n, option);
    for (int i = 0; i < KS_INET_MAX_PORTS; i++) {
        snprintf(def, sizeof(def), "%s_%d", name, i);
        ks_define(r, def, i < p->n ? p->port[i] : -1, NULL);
    }
}
