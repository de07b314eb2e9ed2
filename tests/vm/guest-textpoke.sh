#!/bin/bash
# Runs INSIDE a guest: a check of the harness, not of kscope. Toggles a syscall tracepoint
# and a kprobe N times (default 60) while two shells make syscalls on both CPUs. Each
# toggle patches kernel text (text_poke_bp: an int3, then the new bytes) that the other
# CPU is running. Under multi-threaded TCG (KSCOPE_VM_TCG_THREAD=multi, qemu 7.2) a vCPU
# soon runs an int3 already replaced, forever: the guest stops with a soft lockup (and
# panics, run-in-guest.sh). The harness's default, single-threaded TCG, passes.
#   guest-textpoke.sh [N]
set -uo pipefail
source "$(dirname "$0")/guest-lib.sh"
vm_suite "text patching under TCG"
N=${1:-60}
TR=/sys/kernel/tracing
vm_check "tracefs with syscall events and kprobe_events" test -w $TR/kprobe_events -a -d $TR/events/syscalls/sys_exit_openat
( while :; do : </dev/null; done ) &
h1=$!
( while :; do : </dev/null; done ) &
h2=$!
t0=$(vm_now) ok=1
for ((i = 1; i <= N; i++)); do
  # builtins only: every write below patches text while the hogs run
  { echo 1 > $TR/events/syscalls/sys_exit_openat/enable &&
    echo 0 > $TR/events/syscalls/sys_exit_openat/enable &&
    echo 'p:kstextpoke do_sys_openat2' > $TR/kprobe_events &&
    echo 1 > $TR/events/kprobes/kstextpoke/enable &&
    echo 0 > $TR/events/kprobes/kstextpoke/enable &&
    echo > $TR/kprobe_events; } || { ok=0; break; }
  ((i % 20 == 0)) && echo "toggled $i times ($(vm_elapsed "$t0")s)"
done
kill $h1 $h2
wait $h1 $h2 2>/dev/null
if [ $ok = 1 ]; then vm_pass "$N toggles of a tracepoint and a kprobe under syscall load"
else vm_fail "toggles" "a tracefs write failed at toggle $i"; fi
vm_time textpoke "$(vm_elapsed "$t0")"
vm_finish
