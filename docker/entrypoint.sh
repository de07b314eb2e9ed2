#!/bin/sh
# kscope-entrypoint: make the kernel's tracing file systems visible in the container,
# then run the given command (default, from the image's CMD: an interactive bash).
#
# Why: `docker run --privileged` gives the container a fresh sysfs on /sys, without the
# tracefs and debugfs mounts that the host has under it. libbcc needs tracefs for
# tracepoints and kprobe events; kernels before 4.17 also need debugfs (writable) for
# kprobes, and before 4.1 tracing lives only inside debugfs. Mounting them is harmless
# where they already exist, so it is done only when absent.
#
# Deliberately POSIX sh and never fatal: the command runs even when a mount fails, and
# the tool itself (or kscope-doctor) then explains what is missing.

# mount_if_absent FSTYPE DIR: adds FSTYPE to $failed when it cannot be mounted.
failed=
mount_if_absent() {
    # The kernel has no such directory (no CONFIG_DEBUG_FS, or tracefs before 4.1): skip.
    [ -d "$2" ] || return 0
    mountpoint -q "$2" 2>/dev/null && return 0
    mount -t "$1" "$1" "$2" 2>/dev/null || failed="$failed $1"
}

# tracefs first: on 4.1+ it is all that tracepoints need. debugfs second, for old
# kernels' kprobes (mounting it also auto-mounts tracefs at /sys/kernel/debug/tracing).
mount_if_absent tracefs /sys/kernel/tracing
mount_if_absent debugfs /sys/kernel/debug
# Without --privileged, /sys is read-only and mount(2) is not allowed: say so once.
[ -z "$failed" ] ||
    echo "kscope-entrypoint: cannot mount${failed} under /sys/kernel; the tools need the container run with --privileged" >&2

# No command at all (e.g. `--entrypoint` reset CMD): fall back to a shell.
[ "$#" -gt 0 ] || set -- bash

# exec: the tool (or the shell) becomes PID 1 and receives docker's SIGINT/SIGTERM itself.
exec "$@"
