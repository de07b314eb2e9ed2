# shellcheck shell=bash
# guest-lib.sh - sourced by the test scripts that run INSIDE the guest (bash).
#
# A guest test is a bash script that runs several checks in one boot and prints one line
# per check:
#     PASS: <name>
#     FAIL: <name>: <why>          (followed by indented evidence, e.g. the tool's output)
#     SKIP: <name>: <why>
#     TIME: <name> <seconds>s      (measurements, e.g. how long a compile took)
# and ends with vm_finish, which prints "<suite>: N passed, N failed, N skipped" and exits
# 1 if anything failed, else 0. The host side (vm-test.sh) only looks at that exit code.
#
#   source "$(dirname "$0")/guest-lib.sh"
#   vm_suite my-suite
#   vm_check "kprobes available" test -d /sys/bus/event_source/devices/kprobe
#   vm_tracer_start execsnoop "$out" '^PCOMM' 240 execsnoop-bpfcc || ...
#   ... workload ...; vm_wait_match "$out" 'marker' 10 && vm_pass x || vm_fail x "no event"
#   vm_tracer_stop
#   vm_finish
#
# Environment set by run-in-guest.sh: KSCOPE_VM=1, KSCOPE_VM_KVER (the booted ABI),
# KSCOPE_VM_NOBTF (1 when /sys/kernel/btf is hidden), KSCOPE_VM_DISK (scratch block device,
# if any), KSCOPE_VM_RESULTS (a read-write host dir, when vm-test.sh provides one), CI and
# every other KSCOPE_* variable of the host.

VM_SUITE=${VM_SUITE:-guest}
VM_NPASS=0 VM_NFAIL=0 VM_NSKIP=0
# shellcheck disable=SC2034 # VM_TRACER_OUT is for the test scripts: the tracer's output file
VM_TRACER_PID='' VM_TRACER_OUT=''
read -r VM_KVER < /proc/sys/kernel/osrelease   # = uname -r, without a fork

vm_suite() { VM_SUITE=$1; echo "== $VM_SUITE on $VM_KVER (KSCOPE_VM_NOBTF=${KSCOPE_VM_NOBTF:-0})"; }
vm_pass() { VM_NPASS=$((VM_NPASS + 1)); echo "PASS: $1"; }
vm_fail() { VM_NFAIL=$((VM_NFAIL + 1)); echo "FAIL: $1: ${2:-failed}"; }
vm_skip() { VM_NSKIP=$((VM_NSKIP + 1)); echo "SKIP: $1: ${2:-skipped}"; }
vm_time() {  # vm_time NAME SECONDS: print (and keep in $KSCOPE_VM_RESULTS/times) a measurement
  echo "TIME: $1 ${2}s"
  [ -n "${KSCOPE_VM_RESULTS:-}" ] && echo "$VM_KVER $1 $2" >> "$KSCOPE_VM_RESULTS/times"
  return 0
}
vm_evidence() {  # vm_evidence FILE [LINES]: show the tail of a file, indented, after a FAIL
  [ -f "$1" ] && tail -n "${2:-20}" "$1" | sed 's/^/    | /'
  return 0
}

# vm_check NAME CMD...: PASS if CMD succeeds, else FAIL with its output as evidence.
vm_check() {
  local name=$1; shift
  local out; out=$(mktemp)
  if "$@" >"$out" 2>&1; then vm_pass "$name"; else vm_fail "$name" "'$*' failed"; vm_evidence "$out"; fi
  rm -f "$out"
}

# Waiting and timing use bash builtins only: under TCG every fork+exec of a dynamically
# linked program costs 0.1-1 s of guest CPU, which a polling loop would steal from the
# clang compile it waits for (and every exec is an event for exec tracers).
vm_now() { echo "${EPOCHREALTIME/./}"; }    # microseconds
vm_elapsed() {  # vm_elapsed START_US -> seconds with one decimal
  local d=$(( ${EPOCHREALTIME/./} - $1 ))
  printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000))
}
VM_SLEEP_FD=
vm_sleep() {  # vm_sleep SECONDS (fractions ok): read -t on a fifo nobody writes to
  if [ -z "$VM_SLEEP_FD" ]; then
    local f; f=$(mktemp -u /tmp/.vm-sleep.XXXXXX); mkfifo "$f"
    exec {VM_SLEEP_FD}<>"$f"; rm -f "$f"
  fi
  read -r -t "$1" -u "$VM_SLEEP_FD" _ || true
}

# vm_step NAME [SECONDS]: NAME is running now, for at most SECONDS (default 240). If it
# runs longer, a watchdog prints "FAIL: NAME: still running after SECONDS s" and kills this
# shell's child processes (the tracer, the workload, a command that hangs), so the step
# ends and the suite goes on: one hang costs one step, not the whole boot's time, and the
# log says which step it was. vm_step_end (or the next vm_step, or vm_finish) disarms it.
VM_STEP_DOG=
trap 'VM_NFAIL=$((VM_NFAIL + 1))' USR1   # the watchdog's FAIL, counted here
vm_step() {
  vm_step_end
  local name=$1 secs=${2:-240} me=$$
  echo "STEP: $name (${secs}s)"   # the host stops a guest silent for longer (vm-test.sh)
  vm_sleep 0   # opens the fifo the watchdog waits on
  (
    read -r -t "$secs" -u "$VM_SLEEP_FD" _
    echo "FAIL: $name: still running after ${secs}s: its processes are killed"
    # What each process was doing, in the background: reading a stuck process's /proc
    # files may block too (its command line needs its memory map's lock).
    vm_step_dump "$me" &
    read -r -t 3 -u "$VM_SLEEP_FD" _
    kill -USR1 "$me"
    for c in $(pgrep -P "$me"); do [ "$c" = "$BASHPID" ] || kill -KILL "$c" 2>/dev/null; done
  ) &
  VM_STEP_DOG=$!
}
# vm_step_dump PID: every process's state and kernel wait channel (names from stat, not
# the command line: see above), and the kernel stacks of PID and its children.
vm_step_dump() {
  local c
  ps -e -o pid,ppid,stat,wchan:32,time,comm --sort=pid |   # not the kernel's threads
    awk 'NR == 1 || ($1 != 2 && $2 != 2) { print "    | " $0 }'
  for c in "$1" $(pgrep -P "$1"); do
    echo "    | kernel stack of $c ($(cat "/proc/$c/comm" 2>/dev/null)):"
    sed 's/^/    |   /' "/proc/$c/stack" 2>/dev/null
  done
  echo "    | the kernel's last messages:"
  dmesg 2>/dev/null | tail -n 30 | sed 's/^/    |   /'
}
vm_step_end() {
  [ -n "$VM_STEP_DOG" ] || return 0
  kill "$VM_STEP_DOG" 2>/dev/null; wait "$VM_STEP_DOG" 2>/dev/null
  VM_STEP_DOG=
}

# vm_fifo_send FIFO WORD: write a line to a fifo's reader without ever blocking: a fifo
# opened read-write opens at once, where a write-only open waits for a reader (forever, if
# the reader died) in this shell, where no watchdog can interrupt it.
vm_fifo_send() {
  local fd
  exec {fd}<>"$1" && echo "$2" >&"$fd"
  exec {fd}>&-
}

# vm_wait_match FILE ERE TIMEOUT: wait until a line of FILE matches ERE (bash =~, POSIX
# ERE). Lines already looked at are not scanned again (except the last, maybe partial).
vm_wait_match() {
  local file=$1 re=$2 deadline=$((EPOCHSECONDS + $3)) skip=0 lines l
  while :; do
    if [ -f "$file" ]; then
      mapfile -t -s "$skip" lines < "$file"
      for l in "${lines[@]}"; do [[ $l =~ $re ]] && return 0; done
      [ ${#lines[@]} -gt 1 ] && skip=$((skip + ${#lines[@]} - 1))
    fi
    # the tracer died: one last look, no point waiting any longer
    if [ -n "$VM_TRACER_PID" ] && ! kill -0 "$VM_TRACER_PID" 2>/dev/null; then
      mapfile -t lines < "$file"
      for l in "${lines[@]}"; do [[ $l =~ $re ]] && return 0; done
      return 1
    fi
    [ "$EPOCHSECONDS" -lt "$deadline" ] || return 1
    vm_sleep 0.25
  done
}

# vm_tracer_start NAME OUTFILE READY_ERE TIMEOUT CMD...: start a tracing tool in the
# background (stdout+stderr -> OUTFILE) and wait until its output matches READY_ERE (its
# header: printed once the BPF program is compiled, loaded and attached). Prints the
# start-up time as "TIME: NAME-startup". Returns 1 (after a FAIL line) if it never gets
# ready. Python tools need PYTHONUNBUFFERED=1, which is set here.
vm_tracer_start() {
  local name=$1 out=$2 ready=$3 timeout=$4; shift 4
  local t0; t0=$(vm_now)
  # shellcheck disable=SC2034 # read by the test scripts
  VM_TRACER_OUT=$out
  # Background jobs of a non-interactive shell start with SIGINT ignored, and Python keeps
  # it ignored (no KeyboardInterrupt): restore the default so vm_tracer_stop's SIGINT
  # works as Ctrl-C does for a user.
  # Emptied here, not only by the job's redirection (done in the child, later): a file of
  # an earlier run of the same name would otherwise answer the wait below.
  : >"$out"
  PYTHONUNBUFFERED=1 env --default-signal=INT "$@" >"$out" 2>&1 &
  VM_TRACER_PID=$!
  if vm_wait_match "$out" "$ready" "$timeout"; then
    vm_time "$name-startup" "$(vm_elapsed "$t0")"
    return 0
  fi
  local state=exited; kill -0 "$VM_TRACER_PID" 2>/dev/null && state="still running"
  vm_fail "$name starts" "not ready within ${timeout}s ($state)"
  vm_evidence "$out"
  vm_tracer_stop
  return 1
}

# vm_tracer_stop [SIGNAL]: stop the tracer like a user would (SIGINT by default: the tools
# print their summary / flush on it), then kill it if it lingers.
# shellcheck disable=SC2120 # the signal argument is optional
vm_tracer_stop() {
  local pid=$VM_TRACER_PID i
  [ -n "$pid" ] || return 0
  kill "-${1:-INT}" "$pid" 2>/dev/null
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; vm_sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  VM_TRACER_PID=
  return 0
}

# vm_memcg NAME SIZE: a memory cgroup limited to SIZE (memory.max syntax: 32M) under the
# guest's cgroup2 hierarchy (mounted under $T when the guest has none) or cgroup v1; its
# path in VM_MEMCG, empty when the guest has no memory controller. vm_memcg_done removes it.
vm_memcg() {
  local name=$1 size=$2 m
  VM_MEMCG=
  grep -q '^[^ ]* [^ ]* cgroup2 ' /proc/mounts ||
    { mkdir -p "$T/cg2" && mount -t cgroup2 none "$T/cg2" 2>/dev/null; }
  for m in $(awk '$3 == "cgroup2" {print $2}' /proc/mounts); do
    grep -qw memory "$m/cgroup.controllers" 2>/dev/null || continue
    grep -qw memory "$m/cgroup.subtree_control" 2>/dev/null || echo +memory >"$m/cgroup.subtree_control" 2>/dev/null
    grep -qw memory "$m/cgroup.subtree_control" 2>/dev/null || continue
    VM_MEMCG=$m/$name
    mkdir -p "$VM_MEMCG" && echo "$size" >"$VM_MEMCG/memory.max" || VM_MEMCG=
    return 0
  done
  if [ -d /sys/fs/cgroup/memory ]; then
    VM_MEMCG=/sys/fs/cgroup/memory/$name
    mkdir -p "$VM_MEMCG" && echo "$size" >"$VM_MEMCG/memory.limit_in_bytes" || VM_MEMCG=
  fi
}
# vm_memcg_hog: a bash string doubling in memory inside VM_MEMCG until the OOM killer ends
# it (no fork, no extra binary); its pid in VM_HOG. It never runs outside the cgroup, and
# a 512 MiB address-space limit stops it if the cgroup's limit does not.
vm_memcg_hog() {
  bash -c 'echo $$ >"$1/cgroup.procs" || exit 1; ulimit -v 524288; s=x; while :; do s=$s$s; done' \
    _ "$VM_MEMCG" &
  VM_HOG=$!
}
vm_memcg_done() { rmdir "$VM_MEMCG" 2>/dev/null; umount "$T/cg2" 2>/dev/null || true; }

vm_finish() {
  vm_step_end
  vm_tracer_stop
  echo "$VM_SUITE: $VM_NPASS passed, $VM_NFAIL failed, $VM_NSKIP skipped"
  [ "$VM_NFAIL" -eq 0 ] && [ "$VM_NPASS" -gt 0 ]
  exit $?
}
