#!/usr/bin/env bash
# What every tool shares: --ebpf prints a program that compiles; --probe=kprobe on a kernel
# without kprobes fails with a clear message, non-zero, and nothing loaded; bad options.
. "$(dirname "$0")/lib.sh"

for tool in execsnoop opensnoop biolatency syscount; do
    check "$tool --ebpf exits 0" bash -c "'$BIN/$tool' --ebpf >'$T/$tool.bpf.c'"
    check "$tool --ebpf shows the probe prelude" grep -q '^#define KS_TP_' "$T/$tool.bpf.c"
    check "$tool --ebpf output compiles" "$TESTUTIL" compile "$T/$tool.bpf.c"
done

kprobes=no
if [ -e /sys/bus/event_source/devices/kprobe ] || [ -e /sys/kernel/tracing/kprobe_events ] ||
    [ -e /sys/kernel/debug/tracing/kprobe_events ]; then
    kprobes=yes
fi
if [ "$kprobes" = no ]; then
    for tool in execsnoop opensnoop biolatency; do
        rc=0
        "$BIN/$tool" --probe=kprobe >"$T/kp.out" 2>"$T/kp.err" || rc=$?
        check "$tool --probe=kprobe: non-zero exit on a kernel without kprobes" test "$rc" -ne 0
        check "$tool --probe=kprobe: says kprobes are missing" \
            grep -q "no kprobe support" "$T/kp.err"
        check "$tool --probe=kprobe: nothing printed on stdout" test ! -s "$T/kp.out"
    done
    # syscount has no kprobe variant on any kernel: it says so.
    rc=0
    "$BIN/syscount" --probe=kprobe >"$T/kp.out" 2>"$T/kp.err" || rc=$?
    check "syscount --probe=kprobe: non-zero exit" test "$rc" -ne 0
    check "syscount --probe=kprobe: says there is no kprobe variant" \
        grep -q "kprobe: no fallback for this probe" "$T/kp.err"
else
    echo "note: this kernel has kprobes; the no-kprobe checks run in the guest tests"
fi

rc=0; "$BIN/opensnoop" -p abc 2>"$T/e" || rc=$?
check "invalid PID: exit 2" test "$rc" -eq 2
check "invalid PID: message" grep -q "invalid PID 'abc'" "$T/e"
rc=0; "$BIN/biolatency" 1 2 3 2>"$T/e" || rc=$?
check "too many positionals: exit 2" test "$rc" -eq 2
rc=0; "$BIN/execsnoop" --probe=sometimes 2>"$T/e" || rc=$?
check "bad --probe: exit 2" test "$rc" -eq 2
# Non-root --check against a tracefs mounted with mode 0700 (a fake root, so the host's own
# mount is not touched): "cannot be read" and why, not "not mounted".
F="$T/fake"
mkdir -p "$F/sys/kernel/tracing/events/syscalls/sys_enter_openat"
chmod 755 "$F" "$F/sys" "$F/sys/kernel"; chmod 700 "$F/sys/kernel/tracing"
rc=0
KSCOPE_FAKE_ROOT="$F" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$BIN/opensnoop" --check >"$T/nr.out" 2>"$T/nr.err" || rc=$?
check "non-root --check, tracefs 0700: fails" test "$rc" -ne 0
check "non-root --check, tracefs 0700: says it cannot be read, and why" \
    grep -q "tracefs at /sys/kernel/tracing cannot be read: permission denied (mode 0700" "$T/nr.err"
check "non-root --check, tracefs 0700: not called 'not mounted'" bash -c "! grep -q 'mounted, and mounting failed' '$T/nr.err'"
finish
