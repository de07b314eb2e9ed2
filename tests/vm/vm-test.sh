#!/bin/bash
# vm-test.sh [OPTIONS] KERNEL GUEST_SCRIPT [ARGS...]
#
# What ctest runs for a guest-kernel test: makes sure the prerequisites are there
# (setup-kernels.sh KERNEL: qemu, busybox-static, the kernel image and its headers; it
# installs/downloads them when it can), optionally runs a host-side preparation step, then
# boots KERNEL (6.1 | 5.10 | a full ABI) once and runs `bash GUEST_SCRIPT ARGS...` inside
# (see guest-lib.sh for how a guest script reports PASS/FAIL lines).
#
# Exit status: the guest script's (0 pass, 77 skip, other fail); 125 when the guest could
# not be run. When a prerequisite cannot be had (no root to install it, no package archive,
# KSCOPE_VM_NO_SETUP=1 and not prepared): exit 77 with the reason, or 1 when CI=true -
# CI must not pass by skipping.
#
# Options:
#   --nobtf           hide /sys/kernel/btf in the guest (KSCOPE_VM_NOBTF=1)
#   --rw DIR          also share host DIR read-write at the same path (repeatable), e.g. a
#                     compile cache the host filled for the guest kernel
#   --before CMD      run `bash -c CMD` on the HOST before the boot, with KSCOPE_VM_KVER
#                     (the ABI) and KSCOPE_VM_KBUILD (/lib/modules/<ABI>/build) exported:
#                     the place to compile BPF programs for the guest kernel on the host,
#                     where clang is ~20x faster than under TCG. Non-zero: the test fails.
# Environment: every knob of run-in-guest.sh (KSCOPE_VM_TIMEOUT, KSCOPE_VM_MEM, ...), and
#   KSCOPE_VM_RESULTS  host dir shared read-write with the guest for results (created;
#                      default: a temporary dir, removed afterwards). Guest scripts write
#                      timings there (guest-lib.sh vm_time) and they are echoed at the end.
#   KSCOPE_VM_NO_SETUP=1  never install or download; only use what is prepared.
#   KSCOPE_VM_TEST_TIMEOUT  seconds ctest gives this test (set by tests/vm/CMakeLists.txt):
#                      the guest is stopped in time for the summary below to be printed.
#   KSCOPE_VM_STREAM=1  stream the output even when it is not a terminal (see below).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

NOBTF=0 RWX=() BEFORE=
while [ $# -gt 0 ]; do
  case $1 in
    --nobtf) NOBTF=1; shift ;;
    --rw) RWX+=("$2"); shift 2 ;;
    --before) BEFORE=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "vm-test: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 2 ] || { echo "usage: $0 [--nobtf] [--rw DIR]... [--before CMD] KERNEL GUEST_SCRIPT [ARGS...]" >&2; exit 2; }
KERNEL=$1 SCRIPT=$2; shift 2
NAME="vm-test[$KERNEL]"; [ $NOBTF = 0 ] || NAME="vm-test[$KERNEL,nobtf]"

# A prerequisite is missing: skip locally, fail in CI.
unavailable() {
  if [ "${CI:-}" = true ]; then
    echo "$NAME: FAIL (CI=true): $*" >&2; exit 1
  fi
  echo "$NAME: SKIP: $*" >&2; exit 77
}

T0=$(date +%s)
# Under ctest (output not a terminal) the whole output goes to a log that is printed at the
# end after a summary: the verdict, the FAIL lines, and the guest's last lines (where it was
# when it ended). ctest shows a failed test's output from its beginning, and a CI report
# may keep only that: the host step alone prints dozens of lines.
LOG=
if [ ! -t 1 ] && [ "${KSCOPE_VM_STREAM:-0}" != 1 ]; then
  LOG=$(mktemp /tmp/kscope-vm-log.XXXXXX)
  exec 3>&1 4>&2 >"$LOG" 2>&1
fi
VERDICT=
report() {  # report EXIT_STATUS
  [ -n "$LOG" ] || return 0
  exec 1>&3 2>&4
  {
    echo "${VERDICT:-$NAME: ended with status $1 before the guest ran (see below)}"
    if grep -qE '^(FAIL|SKIP):' "$LOG"; then
      echo "$NAME: summary: the FAIL and SKIP lines"
      grep -E '^(FAIL|SKIP):' "$LOG" | head -n 40 | sed 's/^/    /'
    fi
    if [ "$1" != 0 ] && [ "$1" != 77 ]; then
      echo "$NAME: summary: the last lines"
      grep -v -e '^    | ' -e '^vm-test\[.*\]: time: ' "$LOG" | tail -n 25 | sed 's/^/    /'
    fi
    echo "$NAME: the whole log:"
    cat "$LOG"
  } >&2
  rm -f "$LOG"
}
trap 'report $?' EXIT
# --- prerequisites ---------------------------------------------------------------------
series=$KERNEL
case $KERNEL in 6.1.*) series=6.1 ;; 5.10.*) series=5.10 ;; esac
case $series in 6.1|5.10) ;; *) echo "$NAME: unknown kernel $KERNEL (6.1, 5.10 or their ABI)" >&2; exit 2 ;; esac
# root: to install the prerequisites, to share every file of / with the guest (whose root
# user must be able to read what the host's root can), and for the shared cache's locks
[ "$(id -u)" = 0 ] || unavailable "guest-kernel tests run as root (like the tools they test)"
if ! "$HERE/setup-kernels.sh" --check "$series" >/dev/null 2>&1; then
  [ "${KSCOPE_VM_NO_SETUP:-0}" = 1 ] && unavailable "kernel $series not prepared and KSCOPE_VM_NO_SETUP=1 (run tests/vm/setup-kernels.sh)"
  log=$(mktemp)
  if ! "$HERE/setup-kernels.sh" "$series" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    unavailable "cannot prepare kernel $series (qemu / kernel download): see above"
  fi
  grep '^kscope-vm: kernel' "$log" >&2 || true; rm -f "$log"
fi
ABI=$(readlink "${KSCOPE_VM_CACHE:-/var/tmp/kscope-vm}/kernels/$series")
case $KERNEL in 6.1|5.10) ;; *) ABI=$KERNEL ;; esac
# a genuine harness problem from here on is a failure, not a skip
"$HERE/run-in-guest.sh" --prepare "$ABI" || { echo "$NAME: FAIL: cannot build the boot files for $ABI" >&2; exit 125; }

# --- host-side preparation --------------------------------------------------------------
if [ -n "$BEFORE" ]; then
  echo "$NAME: host step: $BEFORE" >&2
  KSCOPE_VM_KVER=$ABI KSCOPE_VM_KBUILD=/lib/modules/$ABI/build bash -c "$BEFORE" ||
    { echo "$NAME: FAIL: host step failed" >&2; exit 1; }
fi

# --- the boot ----------------------------------------------------------------------------
TMP_RESULTS=
if [ -z "${KSCOPE_VM_RESULTS:-}" ]; then
  KSCOPE_VM_RESULTS=$(mktemp -d /tmp/kscope-vm-results.XXXXXX); TMP_RESULTS=$KSCOPE_VM_RESULTS
else
  mkdir -p "$KSCOPE_VM_RESULTS"; rm -f "$KSCOPE_VM_RESULTS/times"
fi
trap 'st=$?; [ -n "$TMP_RESULTS" ] && rm -rf "$TMP_RESULTS"; report $st' EXIT
export KSCOPE_VM_RESULTS KSCOPE_VM_NOBTF=$NOBTF
export KSCOPE_VM_RW_DIRS="${KSCOPE_VM_RW_DIRS:-} $KSCOPE_VM_RESULTS ${RWX[*]:-}"

# The guest must end before ctest kills this script, or nothing above gets printed: what
# the host step left of ctest's time, less a margin for qemu's exit and the report.
guest_time() {
  [ -n "${KSCOPE_VM_TEST_TIMEOUT:-}" ] || return 0
  left=$(( KSCOPE_VM_TEST_TIMEOUT - ($(date +%s) - T0) - 45 ))
  if [ "$left" -lt "${KSCOPE_VM_TIMEOUT:-900}" ]; then
    echo "$NAME: the guest gets the ${left}s left of the test's ${KSCOPE_VM_TEST_TIMEOUT}s" >&2
    export KSCOPE_VM_TIMEOUT=$left
  fi
}

# boot ARGS...: one boot; its exit status in rc, and in WHY what stopped it early, if
# anything did. A guest kernel that hangs prints nothing more while its qemu runs on to
# the timeout: the guest's steps say how long each may take ("STEP: NAME (Ns)",
# guest-lib.sh), and a guest silent for longer than that (plus a margin) is stopped.
boot() {
  local glog pid size=0 sz last now budget=300 line
  glog=$(mktemp /tmp/kscope-vm-guest.XXXXXX)
  rm -f "$KSCOPE_VM_RESULTS/times"
  WHY=
  # its own process group (the shell runs jobs without job control, so setsid need not
  # fork and the group is $pid), to stop qemu with it; -w: its exit status either way
  setsid -w "$HERE/run-in-guest.sh" "$ABI" bash "$SCRIPT" "$@" >"$glog" 2>&1 </dev/null &
  pid=$!
  [ -n "$LOG" ] || tail -n +1 -f --pid="$pid" "$glog" &
  last=$(date +%s)
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    now=$(date +%s) sz=$(stat -c %s "$glog")
    if [ "$sz" != "$size" ]; then
      size=$sz last=$now
      line=$(grep -a '^STEP: ' "$glog" | tail -n 1)
      [[ $line =~ \(([0-9]+)s\)$ ]] && budget=${BASH_REMATCH[1]}
    elif [ $((now - last)) -gt $((budget + 90)) ]; then
      WHY="printed nothing for $((now - last))s, in a step that may take ${budget}s: stopped"
      kill -TERM -- "-$pid" 2>/dev/null; sleep 3; kill -KILL -- "-$pid" 2>/dev/null
      break
    fi
  done
  wait "$pid"; rc=$?
  [ -n "$WHY" ] && rc=125
  wait  # the streaming tail
  [ -z "$LOG" ] || cat "$glog"
  if [ -n "$WHY" ]; then echo "$NAME: the guest $WHY" >&2
  elif [ "$rc" = 125 ]; then WHY=$(grep -a '^kscope-vm: guest' "$glog" | tail -n 1); WHY=${WHY:-did not run}
  fi
  rm -f "$glog"
}

guest_time
set +e
boot "$@"
# A guest that hung or stopped (not one whose checks failed) is booted once more, when
# time is left. Guests hung or reset under multi-threaded TCG (run-in-guest.sh: stale
# code after text patching), which the harness no longer uses; this stays for what
# emulation may still do. The first boot's log stays above, and the verdict says it took
# two.
FIRST=
if [ "$rc" = 125 ] && { [ -z "${KSCOPE_VM_TEST_TIMEOUT:-}" ] ||
    [ $(( KSCOPE_VM_TEST_TIMEOUT - ($(date +%s) - T0) )) -gt 400 ]; }; then
  FIRST=$WHY
  echo "$NAME: the first boot ended early ($FIRST): booting once more" >&2
  guest_time
  boot "$@"
fi
set -e
[ -s "$KSCOPE_VM_RESULTS/times" ] && sed "s/^/$NAME: time: /" "$KSCOPE_VM_RESULTS/times" >&2
second=${FIRST:+, on a second boot: the first $FIRST}
case $rc in
  0) VERDICT="$NAME: PASS ($(( $(date +%s) - T0 ))s$second)" ;;
  77) VERDICT="$NAME: SKIP (the guest script skipped)" ;;
  125) VERDICT="$NAME: FAIL: the guest could not be run, or hung or stopped: ${WHY:-see the log} ($(( $(date +%s) - T0 ))s$second)" ;;
  *) VERDICT="$NAME: FAIL (guest script exit $rc, $(( $(date +%s) - T0 ))s$second)" ;;
esac
[ -n "$LOG" ] || echo "$VERDICT" >&2
exit $rc
