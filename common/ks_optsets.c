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
    /* The file-system family (kprobe-only; tests/vm/guest.d/fs.sh uses these sets). */
    {"vfsstat", "", 0, NULL},
    {"cachestat", "", 0, NULL},
    {"filelife", "", 0, NULL},
    {"fileslower", "", 0, NULL},
    {"fileslower", "0", 0, NULL},
    {"fileslower", "-a", 0, NULL},
    {"dcstat", "", 0, NULL},
    {"dcsnoop", "", 0, NULL},
    {"dcsnoop", "-a", 0, NULL},
    {"mdflush", "", 0, NULL},
    {"ext4slower", "", 0, NULL},
    {"ext4slower", "0", 0, NULL},
    {"xfsslower", "", 0, NULL},
    {"btrfsslower", "", 0, NULL},
    {"nfsslower", "", 0, NULL},
    /* The guest suite's (tests/vm/guest-tools.sh), after the compat check's own. */
    {"execsnoop", "-x", 0, NULL},
    {"syscount", "-x", 0, NULL},
};
const int ks_noptsets = (int)(sizeof(ks_optsets) / sizeof(ks_optsets[0]));
