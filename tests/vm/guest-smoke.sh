#!/bin/bash
# guest-smoke.sh - runs INSIDE the guest (via run-in-guest.sh / vm-test.sh): proves that
# the harness gives a guest in which kprobe-based BPF works, without needing kscope:
#   - the booted kernel is the one asked for, and its headers (same ABI) are where bcc
#     looks for them (/lib/modules/$(uname -r)/build);
#   - kprobes are available; tracefs, debugfs and bpffs are mounted;
#   - /sys/kernel/btf is visible, or hidden when KSCOPE_VM_NOBTF=1;
#   - the root overlay and the scratch disk are writable;
#   - Debian's execsnoop-bpfcc (BCC Python, compiles its program with libbcc against the
#     guest's headers and attaches kprobes to the execve syscall) sees a marker workload.
# --no-bcc: skip the execsnoop-bpfcc part (it costs 45-110 s of TCG clang; the BTF-hidden
#           smoke test only needs to prove the hiding).
# Prints PASS/FAIL/TIME lines (guest-lib.sh); exit 0 if all passed.
set -uo pipefail   # no -e: a failing check is reported, the remaining checks still run
source "$(dirname "$0")/guest-lib.sh"
BCC=1
[ "${1:-}" = --no-bcc ] && BCC=0
if [ "${KSCOPE_VM_NOBTF:-0}" = 1 ]; then vm_suite vm-smoke-nobtf; else vm_suite vm-smoke; fi

K=$(uname -r)   # the real thing, not guest-lib's copy
W=$(mktemp -d)

# --- the guest -----------------------------------------------------------------------
vm_check "kernel is ${KSCOPE_VM_KVER:-?}" test "$K" = "${KSCOPE_VM_KVER:-}"
vm_check "headers for $K at /lib/modules/$K/build (same ABI)" \
  grep -qF "\"$K\"" "/lib/modules/$K/build/include/generated/utsrelease.h"
vm_check "kernel config has CONFIG_KPROBES=y" grep -qx CONFIG_KPROBES=y "/boot/config-$K"
if [ -d /sys/bus/event_source/devices/kprobe ] || [ -f /sys/kernel/tracing/kprobe_events ]; then
  vm_pass "kprobes available (perf kprobe PMU or tracefs kprobe_events)"
else
  vm_fail "kprobes available" "neither /sys/bus/event_source/devices/kprobe nor /sys/kernel/tracing/kprobe_events"
fi
for fs in tracefs:/sys/kernel/tracing debugfs:/sys/kernel/debug bpf:/sys/fs/bpf; do
  vm_check "${fs%%:*} mounted at ${fs#*:}" grep -qE "^[^ ]+ ${fs#*:} ${fs%%:*} " /proc/mounts
done
if [ "${KSCOPE_VM_NOBTF:-0}" = 1 ]; then
  vm_check "BTF hidden (/sys/kernel/btf/vmlinux absent)" test ! -e /sys/kernel/btf/vmlinux
else
  vm_check "BTF visible (/sys/kernel/btf/vmlinux)" test -s /sys/kernel/btf/vmlinux
fi
vm_check "root overlay writable" sh -c "echo x > /usr/.kscope-vm-probe && rm /usr/.kscope-vm-probe"
if [ -n "${KSCOPE_VM_DISK:-}" ]; then
  vm_check "scratch disk $KSCOPE_VM_DISK writable (direct I/O)" \
    dd if=/dev/zero of="$KSCOPE_VM_DISK" bs=64k count=16 oflag=direct status=none
fi
if [ -n "${KSCOPE_VM_RESULTS:-}" ]; then
  vm_check "results dir $KSCOPE_VM_RESULTS writable (host dir, read-write)" \
    sh -c "echo '$K' > '$KSCOPE_VM_RESULTS/kernel'"
fi

# --- kprobe-based BPF through libbcc ---------------------------------------------------
# execsnoop-bpfcc attaches a kprobe + kretprobe to the execve syscall (never fentry), so
# it proves kprobes + BPF, and its compile proves the headers path. Its header line is
# printed once the program is compiled, loaded and attached.
TOOL=execsnoop-bpfcc
if [ $BCC = 0 ]; then
  vm_skip "$TOOL" "--no-bcc"
elif ! command -v $TOOL >/dev/null; then
  vm_fail "$TOOL installed" "not found on the host (apt-get install bpfcc-tools)"
elif vm_tracer_start "bcc-compile+attach $TOOL" "$W/execsnoop.out" '^PCOMM' 300 $TOOL; then
  # Registered kprobes are listed in debugfs whichever way they were attached (bcc on 6.1
  # uses the perf kprobe PMU and leaves tracefs kprobe_events empty).
  vm_check "$TOOL registered an execve kprobe (debugfs kprobes/list)" \
    grep -qE 'sys_execve' /sys/kernel/debug/kprobes/list
  MARK=kscope-smoke-$$-$RANDOM
  for i in 1 2 3; do /bin/echo "$MARK" >/dev/null; done
  if vm_wait_match "$W/execsnoop.out" "echo $MARK" 15; then
    vm_pass "$TOOL saw the marker exec (kprobe events reach userspace)"
  else
    vm_fail "$TOOL saw the marker exec" "no line with '$MARK' within 15 s"
    vm_evidence "$W/execsnoop.out"
  fi
  vm_tracer_stop
fi
vm_finish
