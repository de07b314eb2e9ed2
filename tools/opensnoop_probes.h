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
    /* Not for events: they keep each thread's name between its opens (bpfsrc, KEEP_COMM).
     * Both or neither (opensnoop's configure); no kprobes: without them the name is asked
     * of the kernel on each open. */
    {.name = "comm_rename", .tp = "task:task_rename", .optional = true},
    {.name = "comm_newtask", .tp = "task:task_newtask", .optional = true},
};
enum { OPENSNOOP_COMM_RENAME = 6, OPENSNOOP_COMM_NEWTASK = 7 };

#endif
