/* opensnoop_probes.h: opensnoop's probes, shared by tools/opensnoop.c and bench/floor.c
 * (the bench's floor: empty programs on exactly these probes). */
#ifndef OPENSNOOP_PROBES_H
#define OPENSNOOP_PROBES_H
#include "ks_probe.h"

static struct ks_probe opensnoop_probes[] = {
    {.name = "open_enter", .tp = "syscalls:sys_enter_open", .optional = true},
    {.name = "open_exit", .tp = "syscalls:sys_exit_open", .optional = true},
    /* In kprobe mode this one probe sees open, openat and openat2 alike. */
    {.name = "openat_enter", .tp = "syscalls:sys_enter_openat",
     .kprobes = {"do_sys_openat2", "do_sys_open"}},
    {.name = "openat_exit", .tp = "syscalls:sys_exit_openat",
     .kprobes = {"do_sys_openat2", "do_sys_open"}, .ret = true},
    {.name = "openat2_enter", .tp = "syscalls:sys_enter_openat2", .optional = true},
    {.name = "openat2_exit", .tp = "syscalls:sys_exit_openat2", .optional = true},
};

#endif
