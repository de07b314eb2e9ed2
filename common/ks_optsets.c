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
    {"tcpconnect", "", 0, NULL},
    {"tcpconnect", "-L -U -P 80,443 -p 1 -u 0 -6", 0, NULL},
    {"tcpconnlat", "", 0, NULL},
    {"tcpconnlat", "-L -p 1 -4 0.5", 0, NULL},
    {"tcplife", "", 0, NULL},
    {"tcplife", "-L 80,81 -D 443 -p 1 -6", 0, NULL},
    {"tcpstates", "", 0, NULL},
    {"tcpstates", "-L 80 -D 81,82 -4", 0, NULL},
    {"tcpaccept", "", 0, NULL},
    {"tcpaccept", "-P 80,81 -p 1 -6", 0, NULL},
    {"oomkill", "", 0, NULL},
    {"klockstat", "", 0, NULL},
    {"klockstat", "-i 1", 0, NULL}, /* the guest suite's */
    {"klockstat", "-p 1 -s 3", 0, NULL},
    {"klockstat", "-t 1", 0, NULL},
    {"memleak", "", 0, NULL},
    {"memleak", "--percpu", KV(4, 13, 0), "the percpu tracepoints came in 4.13"},
    {"memleak", "-z 16 -Z 4096 -s 2 --wa-missing-free", 0, NULL},
    {"memleak", "-t", 0, NULL},
    {"memleak", "-c true", 0, NULL}, /* user mode: the program of every -p and -c */
    {"threadsnoop", "", 0, NULL},
    {"plockstat", "", 0, NULL}, /* -p is attach-time only: one program for every process */
    {"plockstat", "-t 1", 0, NULL},
    /* The generic tracers build their probes from a pattern: fixed patterns of each kind
     * stand for them (a tracepoint, a kernel function, a libc function). */
    {"funccount", "t:sched:sched_process_fork", 0, NULL},
    {"funccount", "vfs_read", 0, NULL},
    {"funccount", "-i 1 vfs_read", 0, NULL}, /* the guest suite's (guest.d/generic.sh) */
    {"funccount", "c:malloc", 0, NULL},
    {"funclatency", "-i 1 vfs_read", 0, NULL},
    {"funclatency", "-m -F c:malloc", 0, NULL},
    {"stackcount", "t:sched:sched_process_fork", 0, NULL},
    {"stackcount", "-i 1 -K vfs_read", 0, NULL},
    {"stackcount", "-U c:malloc", 0, NULL},
    {"runqlat", "", 0, NULL},
    {"runqlat", "-P", 0, NULL}, /* RUNQ_BY_PROCESS: latencies kept until the thread leaves */
    {"runqslower", "", 0, NULL},
    {"runqslower", "-P -p 1 1000", 0, NULL}, /* events sent from the switch-out */
    {"runqlen", "", 0, NULL},
    {"runqlen", "-C", 0, NULL},
    {"cpudist", "", 0, NULL},
    {"cpudist", "-O -P -e", 0, NULL},
    {"hardirqs", "", 0, NULL},
    {"hardirqs", "-C", 0, NULL},
    {"hardirqs", "-d -N -c 0", 0, NULL},
    {"hardirqs", "-d --prom /tmp/kscope-compat.prom", 0, NULL}, /* KS_PROM: the _sum */
    {"softirqs", "", 0, NULL},
    {"softirqs", "-C", 0, NULL},
    {"softirqs", "-d -c 0", 0, NULL},
    {"softirqs", "-d --prom /tmp/kscope-compat.prom", 0, NULL},
    {"killsnoop", "", 0, NULL},
    {"killsnoop", "-x -p 1 -T 1 -s 9,15,40", 0, NULL},
    {"exitsnoop", "", 0, NULL},
    {"exitsnoop", "-x -p 1 --per-thread", 0, NULL},
    {"pidpersec", "", 0, NULL},
    {"capable", "", 0, NULL},
    {"capable", "-v -K -U --unique -p 1", 0, NULL},
    {"drsnoop", "", 0, NULL},
    {"drsnoop", "--memcg -p 1 -u 0", 0, NULL},
    {"capable", "--cgroupmap /sys/fs/bpf/kscope-compat", KV(4, 18, 0), CGROUPMAP_WHY},
    /* The guest suite's (tests/vm/guest-tools.sh), after the compat check's own. */
    {"execsnoop", "-x", 0, NULL},
    {"syscount", "-x", 0, NULL},
};
const int ks_noptsets = (int)(sizeof(ks_optsets) / sizeof(ks_optsets[0]));
