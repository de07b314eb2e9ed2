#include "ks_optsets.h"

#include <stddef.h>

#define KV(a, b, c) (((unsigned)(a) << 16) | ((unsigned)(b) << 8) | (unsigned)(c))
#define CGROUPMAP_WHY "--cgroupmap needs 4.18 (bpf_get_current_cgroup_id), as in BCC"

const struct ks_optset ks_optsets[] = {
    {"execsnoop", "", 0, NULL},
    {"execsnoop", "--max-args 64", 0, NULL}, /* the largest unrolled loop */
    {"execsnoop", "--cgroupmap /sys/fs/bpf/kscope-compat", KV(4, 18, 0), CGROUPMAP_WHY},
    {"opensnoop", "", 0, NULL},
    {"opensnoop", "-p 1", 0, NULL},
    {"opensnoop", "-u 0", 0, NULL},
    {"opensnoop", "-f O_WRONLY", 0, NULL},
    {"opensnoop", "-f O_RDONLY -f O_WRONLY", 0, NULL},
    {"opensnoop", "--cgroupmap /sys/fs/bpf/kscope-compat", KV(4, 18, 0), CGROUPMAP_WHY},
    {"biolatency", "", 0, NULL},
    {"biolatency", "-Q", 0, NULL},
    {"biolatency", "-D", 0, NULL},
    {"biolatency", "-F", 0, NULL},
    {"biolatency", "-e -D", 0, NULL},
    {"biolatency", "-D --prom /tmp/kscope-compat.prom", 0, NULL}, /* KS_PROM: the _sum */
    {"syscount", "", 0, NULL},
    {"syscount", "-P", 0, NULL},
    {"syscount", "-L", 0, NULL},
    {"syscount", "-P -L -x", 0, NULL},
    {"syscount", "-p 1 -e ENOENT --syscall openat", 0, NULL},
    {"syscount", "-c 1 -L", 0, NULL},
    {"profile", "", 0, NULL},
    {"profile", "-U", 0, NULL},
    {"profile", "-K -I", 0, NULL},
    {"profile", "-p 1,2 -f", 0, NULL},
    {"offcputime", "", 0, NULL},
    {"offcputime", "-K -u", 0, NULL},
    {"offcputime", "-p 1 -U --state 2", 0, NULL},
    {"offcputime", "-k -m 1000 -M 100000", 0, NULL},
    {"offwaketime", "", 0, NULL},
    {"offwaketime", "-p 1,2 -K --state 1", 0, NULL},
    {"offwaketime", "-u -U -f", 0, NULL},
    {"wakeuptime", "", 0, NULL},
    {"wakeuptime", "-u -m 10 -M 1000", 0, NULL},
    {"wakeuptime", "-p 1", 0, NULL},
    {"biosnoop", "", 0, NULL},
    {"biosnoop", "-Q -P", 0, NULL},
    {"biosnoop", "-p 1", 0, NULL},
    {"biotop", "", 0, NULL},
    {"biotop", "-p 1", 0, NULL},
    {"bitesize", "", 0, NULL},
    {"biopattern", "", 0, NULL},
    {"syncsnoop", "", 0, NULL},
    {"statsnoop", "", 0, NULL},
    {"statsnoop", "-x -p 1", 0, NULL},
    {"mountsnoop", "", 0, NULL},
    {"mountsnoop", "-P", 0, NULL},
    {"solisten", "", 0, NULL},
    {"solisten", "--show-netns", 0, NULL},
    {"bindsnoop", "", 0, NULL},
    {"bindsnoop", "-E", 0, NULL},
    {"bindsnoop", "-E -P 80,81 -u 0", 0, NULL},
    {"tcpretrans", "", 0, NULL},
    {"tcpretrans", "-s", 0, NULL},
    {"tcpretrans", "-c -4", 0, NULL},
    {"tcpretrans", "-l", 0, NULL},
    {"tcptop", "", 0, NULL},
    {"tcptop", "-4", 0, NULL},
    {"tcptop", "-C -S --json", 0, NULL}, /* the guest suite's */
    /* The guest suite's (tests/vm/guest-tools.sh), after the compat check's own. */
    {"execsnoop", "-x", 0, NULL},
    {"syscount", "-x", 0, NULL},
};
const int ks_noptsets = (int)(sizeof(ks_optsets) / sizeof(ks_optsets[0]));
