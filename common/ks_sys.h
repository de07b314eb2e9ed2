/* ks_sys: small lookups in /proc and /sys that tools share. */
#ifndef KS_SYS_H
#define KS_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Online CPUs as a list of ids; returns the count (0 on error). */
int ks_online_cpus(int *cpus, int max);

/* Disk name ("vda", "sda", "nvme0n1") for a kernel-internal dev_t (major << 20 | minor),
 * as tracepoints report it. Cached; "?" when unknown. */
const char *ks_disk_name(uint32_t kdev);
/* The kernel dev_t of a disk by name; false when there is none. */
bool ks_disk_dev(const char *name, uint32_t *kdev);

/* Parent PID from /proc/PID/status; 0 when the process is gone. */
uint32_t ks_proc_ppid(uint32_t pid);

/* Local time as strftime(fmt) into buf. */
const char *ks_time_str(char *buf, size_t size, const char *fmt);

#endif
