/* ks_inet: what the network tools share on the C side: addresses as text, TCP state
 * names, the -4/-6 choice, and port lists (-P 80,81) with their checks and their #defines
 * for the BPF program. The event tuple and the BPF helpers are in bpfsrc/ks_inet.h, which
 * a tool's program gets with .bpf_lib = KS_INET_BPF_LIB, .bpf_lib_name = "ks_inet.h". */
#ifndef KS_INET_H_C
#define KS_INET_H_C

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "../bpfsrc/ks_inet.h"

struct ks_run;

extern const char ks_bpfsrc_ks_inet_h[];
#define KS_INET_BPF_LIB ks_bpfsrc_ks_inet_h

/* An address as inet_ntop() writes it ("10.0.0.1", "fd00::1"); family KS_AF_INET reads
 * the first 4 bytes. Returns buf. */
#define KS_INET_ADDRSTRLEN 46
const char *ks_inet_addr(int family, const __u8 *addr, char *buf, size_t size);
/* 4 or 6, as the IP columns print the family. */
int ks_inet_ipver(int family);

/* "ESTABLISHED", "SYN_SENT"... (BCC's names); "UNKNOWN" otherwise. */
const char *ks_tcp_state_name(int state);

/* -4 and -6: a usage error when both are given. Defines FAMILY_FILTER for the program when
 * one is. Call from configure(). */
void ks_inet_family_define(struct ks_run *r, bool ipv4, bool ipv6);

/* A port list: "80", "80,81". Repeated options add to it. */
struct ks_ports {
    int n;
    int port[KS_INET_MAX_PORTS];
};
/* For KS_FUNC options (dest: a struct ks_ports). A bad list is a usage error naming what
 * is wrong: an empty list or element, a port outside 1-65535, more than
 * KS_INET_MAX_PORTS ports. */
bool ks_ports_parse(const char *arg, void *dest);
bool ks_ports_has(const struct ks_ports *p, int port);
/* NUM_<name> and <name>_0 .. <name>_7 for KS_PORT_WANTED(v, <name>) in the program. */
void ks_ports_define(struct ks_run *r, const char *name, const struct ks_ports *p,
                     const char *option);

#endif
