#!/bin/bash
# Runs INSIDE a guest kernel that has kprobes: every kscope tool with --probe=kprobe and
# with --probe=auto, each against a workload started here, checking the events the way
# the host tests do. One boot per kernel runs all of it.
#   guest-tools.sh BIN_DIR XCHG_DIR [MODES]
# The programs were compiled on the host for this kernel (host-cache.sh: its profile,
# kscope-cache build, export to XCHG_DIR/programs.tar.xz). Here they are imported into a
# cache of the guest's own, and every tool must start from it: nothing is compiled in the
# guest, except once, at the end, as a check that a guest-built program is the host-built
# one. With KSCOPE_VM_NOBTF=1 the run proves nothing needs BTF.
set -uo pipefail
source "$(dirname "$0")/guest-lib.sh"
BIN=$1
XCHG=$2
MODES=${3:-kprobe auto}
vm_suite "tools ($MODES, host-compiled)"

# ---- the suite: one line per tool ---------------------------------------------------
# guest_tool NAME READY_ERE "OPTIONS" [MODES]: start NAME -v --probe=MODE OPTIONS from the
# imported cache for each mode, wait for READY_ERE, check the mode's probes were chosen
# and nothing was compiled, then run check_NAME MODE OUTFILE (below) if there is one:
# its workload and the events it expects (before_NAME MODE, if there is one, runs before
# the tool starts). OPTIONS must be one of the tool's option sets
# (common/ks_optsets.c), which kscope-cache build compiles on the host.
suite() {
  guest_tool execsnoop  '^PCOMM'                        "-x"
  guest_tool opensnoop  '^PID +COMM'                    ""
  guest_tool biolatency '^Tracing block device I/O'     "-D --prom /tmp/kscope-compat.prom"
  guest_tool syscount   '^Tracing (failed )?syscalls'   "-x"   auto
  # The tool families' suites (tests/vm/guest.d/*.sh), each a function in GUEST_SUITES.
  # (not where KSCOPE_GUEST_BASE_TOOLS limits the run to the tools above)
  local s
  [ -n "${KSCOPE_GUEST_BASE_TOOLS:-}" ] && return
  for s in "${GUEST_SUITES[@]}"; do "$s"; done
}
# A family's guest checks live in tests/vm/guest.d/<family>.sh: its before_/check_
# functions, and a suite function (guest_tool lines, kprobe mode) added to GUEST_SUITES.
GUEST_SUITES=()
for f in "$(dirname "$0")"/guest.d/*.sh; do
  [ -e "$f" ] || continue
  # shellcheck disable=SC1090 # the families' files
  source "$f"
done

if [ "${KSCOPE_VM_NOBTF:-0}" = 1 ]; then
  vm_check "BTF is hidden from the tools" test ! -e /sys/kernel/btf/vmlinux
fi
T=$(mktemp -d /tmp/kscope-guest.XXXXXX)
# Before 5.11 BPF memory counts against RLIMIT_MEMLOCK, and the programs of the tools run
# before are freed only after an RCU grace period: the helpers run here (ks_testutil's
# pinned map) would fail for memory alone. The tools raise it themselves.
ulimit -l unlimited 2>/dev/null
CACHE=/tmp/kscope-guest-cache  # the guest's own (tmpfs): only what was imported
t0=$(vm_now)
if "$BIN/kscope-cache" import "$XCHG/programs.tar.xz" --cache-dir "$CACHE" >"$T/import.out" 2>&1; then
  vm_pass "kscope-cache import of the host-built programs ($(tail -n1 "$T/import.out"))"
else
  vm_fail "kscope-cache import" "see below"; vm_evidence "$T/import.out"
fi
vm_time import "$(vm_elapsed "$t0")"

# The kprobe variant each probe must get on this kernel, by mode (auto: tracepoints).
expect_choice() {  # expect_choice MODE OUTFILE TOOL
  local mode=$1 out=$2 tool=$3 re
  if [ "$mode" = kprobe ]; then re='(kprobe|kretprobe) [A-Za-z0-9_.]+: chosen'
  else re='(tracepoint [a-z_]+:[a-z_0-9]+|uprobe [^ ]+ \([^)]*\)): chosen'; fi  # uprobe-only tools
  if vm_wait_match "$out" "$re" 1; then vm_pass "$tool --probe=$mode: $mode variant chosen"
  else vm_fail "$tool --probe=$mode: $mode variant chosen" "no '$re' in -v output"; vm_evidence "$out"; fi
  if [ "$mode" = kprobe ] && vm_wait_match "$out" 'tracepoint [a-z_]+:[a-z_0-9]+: chosen' 0; then
    vm_fail "$tool --probe=kprobe: no tracepoint used" "a tracepoint was chosen"
  fi
}

# No compile in the guest: -v says where the program came from.
expect_cached() {  # expect_cached OUTFILE WHAT
  if vm_wait_match "$1" 'program: from the compile cache' 0 && ! vm_wait_match "$1" 'program: compiled' 0; then
    vm_pass "$2: loaded the host-built program, nothing compiled"
  else
    vm_fail "$2: loaded the host-built program" "it compiled (or failed)"; vm_evidence "$1" 30
  fi
}

guest_tool() {
  local tool=$1 ready=$2 opts=$3 modes=${4:-$MODES} mode out
  for mode in $modes; do
    case " $MODES " in *" $mode "*) ;; *) continue ;; esac
    out=$T/$tool-$mode.out
    vm_step "$tool --probe=$mode"
    if declare -F "before_$tool" >/dev/null; then "before_$tool" "$mode"; fi
    # shellcheck disable=SC2086 # OPTIONS are words
    if vm_tracer_start "$tool-$mode" "$out" "$ready" 300 \
        "$BIN/$tool" -v --probe="$mode" $opts --cache-dir "$CACHE"; then
      expect_choice "$mode" "$out" "$tool"
      expect_cached "$out" "$tool --probe=$mode"
      if declare -F "check_$tool" >/dev/null; then "check_$tool" "$mode" "$out"; fi
      vm_tracer_stop
    fi
    vm_step_end
  done
}

# ---- per-tool workloads and checks ------------------------------------------------------
# execsnoop -x: a unique marker exec, pid, ppid (a struct read on the kprobe path); an
# exec chain; the PPID of a process older than the tool.
before_execsnoop() {
  local mode=$1 marker=ksm$1$$
  cp /bin/true "$T/$marker"
  mkdir -p "$T/p1-$mode" "$T/bin-$mode"
  cp /bin/true "$T/bin-$mode/$marker"
  # A process older than the tool: its PPID comes from the task (kprobe path, or exact
  # headers) or from /proc at start, never "?".
  mkfifo "$T/fifo-$mode"
  sh -c 'read x <"$1"; exec "$2" old-process' _ "$T/fifo-$mode" "$T/$marker" &
  OLD=$!
}
check_execsnoop() {
  local mode=$1 out=$2 marker=ksm$1$$ m c want got
  cp /bin/true "$T/$marker"
  "$T/$marker" "arg-$mode" &
  m=$!
  wait "$m"
  if vm_wait_match "$out" "^$marker +$m +$$ +0 $T/$marker arg-$mode\$" 60; then
    vm_pass "execsnoop --probe=$mode: marker exec with pid, ppid, ret, args"
  else
    vm_fail "execsnoop --probe=$mode: marker exec" "no line for $marker (pid $m, ppid $$)"
    vm_evidence "$out" 30
  fi
  [ -n "${OLD:-}" ] && [ -p "$T/fifo-$mode" ] || return 0
  # An exec chain: env's execvp() fails in p1, then runs the marker; three lines, in
  # order, each with its own arguments and return value.
  env PATH="$T/p1-$mode:$T/bin-$mode" "$marker" "chain-$mode" &
  c=$!
  wait "$c"
  vm_fifo_send "$T/fifo-$mode" go
  wait "$OLD"
  vm_wait_match "$out" "^$marker +$OLD .*old-process\$" 60
  want=$(printf '%s\n' "env $c 0 /usr/bin/env PATH=$T/p1-$mode:$T/bin-$mode $marker chain-$mode" \
    "env $c -2 $T/p1-$mode/$marker chain-$mode" "$marker $c 0 $T/bin-$mode/$marker chain-$mode")
  got=$(awk -v p="$c" '$2 == p { $3 = ""; print }' "$out" | tr -s ' ')
  if [ "$got" = "$want" ]; then
    vm_pass "execsnoop --probe=$mode: exec chain, one line per attempt, in order"
  else
    vm_fail "execsnoop --probe=$mode: exec chain" "got: $got"
    vm_evidence "$out" 30
  fi
  if vm_wait_match "$out" "^$marker +$OLD +$$ +0 $T/$marker old-process\$" 1; then
    vm_pass "execsnoop --probe=$mode: PPID of a process older than the tool"
  else
    vm_fail "execsnoop --probe=$mode: PPID of a process older than the tool" "no line"
    vm_evidence "$out" 30
  fi
  OLD=
}

# opensnoop: a unique path opened, and one that fails.
check_opensnoop() {
  local mode=$1 out=$2 good=$T/ks-open-$1-$$-${RANDOM}
  echo x >"$good"
  # Shell redirections open in this shell: no fork+exec, which costs much under TCG.
  : <"$good"
  : <"$good-missing" 2>/dev/null
  if vm_wait_match "$out" "^$$ +bash +[0-9]+ +0 $good\$" 60; then
    vm_pass "opensnoop --probe=$mode: successful open with fd and path"
  else
    vm_fail "opensnoop --probe=$mode: successful open" "no line for $good"; vm_evidence "$out" 30
  fi
  if vm_wait_match "$out" "^$$ +bash +-1 +2 $good-missing\$" 10; then
    vm_pass "opensnoop --probe=$mode: failed open with ENOENT"
  else
    vm_fail "opensnoop --probe=$mode: failed open" "no ENOENT line"; vm_evidence "$out" 30
  fi
}

# biolatency -D: direct writes to the scratch disk; per-disk name from the kernel.
check_biolatency() {
  local mode=$1 out=$2 disk n=0 line
  if [ -z "${KSCOPE_VM_DISK:-}" ] || [ ! -b "$KSCOPE_VM_DISK" ]; then
    # The harness gives every guest a scratch disk; without one, CI must not pass quietly.
    if [ "${CI:-}" = true ]; then vm_fail "biolatency-$mode" "no scratch disk in this guest"
    else vm_skip "biolatency-$mode" "no scratch disk in this guest"; fi
    return
  fi
  disk=${KSCOPE_VM_DISK#/dev/}
  dd if=/dev/zero of="$KSCOPE_VM_DISK" bs=64k count=64 oflag=direct status=none
  vm_tracer_stop
  if vm_wait_match "$out" "^disk = $disk\$" 5; then
    vm_pass "biolatency -D --probe=$mode: histogram for $disk"
  else
    vm_fail "biolatency -D --probe=$mode: histogram for $disk" "no 'disk = $disk'"
    vm_evidence "$out" 30
  fi
  while read -r line; do
    [[ $line =~ -\>\ +[0-9]+\ +:\ +([0-9]+) ]] && n=$((n + BASH_REMATCH[1]))
  done <"$out"
  if [ "$n" -ge 64 ]; then vm_pass "biolatency --probe=$mode: $n I/Os counted (>= 64)"
  else vm_fail "biolatency --probe=$mode: I/O count" "$n < 64"; vm_evidence "$out" 30; fi
  # --prom: the same count in the metrics, and a _sum the program measured (KS_PROM).
  local prom=/tmp/kscope-compat.prom
  line=$(grep "^kscope_biolatency_io_seconds_count{disk=\"$disk\"} " "$prom")
  if [ "${line##* }" = "$n" ] && grep -qE "^kscope_biolatency_io_seconds_sum\{disk=\"$disk\"\} ([1-9][0-9.]*|0\.[0-9]*[1-9][0-9]*)\$" "$prom"; then
    vm_pass "biolatency --probe=$mode --prom: _count $n as the text, a measured _sum"
  else vm_fail "biolatency --probe=$mode --prom" "'$line' for $n I/Os"; vm_evidence "$prom" 40; fi
  # -d (the disk read from each request at its start: a struct read, kprobe path) and -e
  # (BCC's avg/total/count line). The disk's numbers go into the program: the host built
  # it for this guest's vda from the profile (host-cache.sh).
  out=$T/biolatency-d-$mode.out
  if [ "$mode" = kprobe ] && vm_tracer_start "biolatency-d-$mode" "$out" \
      '^Tracing block device I/O' 900 "$BIN/biolatency" -v -e -d "$disk" --probe="$mode" \
      --cache-dir "$CACHE"; then
    expect_cached "$out" "biolatency -e -d $disk --probe=$mode"
    dd if=/dev/zero of="$KSCOPE_VM_DISK" bs=64k count=64 oflag=direct status=none
    vm_tracer_stop
    if vm_wait_match "$out" '^avg = [0-9]+ usecs, total: [0-9]+ usecs, count: ([6-9][0-9]|[0-9]{3,})$' 5; then
      vm_pass "biolatency -e -d $disk --probe=$mode: the writes counted, BCC's summary line"
    else
      vm_fail "biolatency -e -d $disk --probe=$mode" "no avg line with count >= 60"
      vm_evidence "$out" 30
    fi
  fi
}

# syscount -x: tracepoints only (raw_syscalls:*), on this kernel's own tracefs format.
check_syscount() {
  local mode=$1 out=$2 i n
  for ((i = 0; i < 300; i++)); do : <"$T/missing-$i" 2>/dev/null; done
  vm_tracer_stop
  n=$(awk '$1 == "openat" {print $2}' "$out")
  if [ "${n:-0}" -ge 300 ]; then vm_pass "syscount -x: $n failed openat counted (>= 300)"
  else vm_fail "syscount -x: failed openat count" "${n:-none} < 300"; vm_evidence "$out" 30; fi
}

# KSCOPE_GUEST_ONLY="suite_x suite_y": only those families' suites (a quicker run while
# a family is being written; CI runs everything).
if [ -n "${KSCOPE_GUEST_ONLY:-}" ]; then
  for s in $KSCOPE_GUEST_ONLY; do "$s"; done
  vm_finish
  exit
fi
suite

vm_step "syscount --probe=kprobe refused" 60
r=0
"$BIN/syscount" --probe=kprobe --cache-dir "$CACHE" >/dev/null 2>"$T/sc-kp.err" || r=$?
if [ "$r" -ne 0 ] && grep -q "kprobe: no fallback for this probe" "$T/sc-kp.err"; then
  vm_pass "syscount --probe=kprobe: refused, no kprobe variant"
else
  vm_fail "syscount --probe=kprobe: refused" "exit $r"; vm_evidence "$T/sc-kp.err"
fi

# ---- offcputime, offwaketime, wakeuptime on their kprobes (finish_task_switch or its
# .isra copy, try_to_wake_up, schedule): a bash loop blocking 0.2 s at a time in select()
# (a builtin: no fork under TCG), woken by its timer. ----
if [[ " $MODES " == *" kprobe "* ]]; then
  mkfifo "$T/idle.fifo"
  bash -c 'exec 3<>"$1"; while :; do read -r -t 0.2 -u 3 x; done' _ "$T/idle.fifo" &
  idle=$!
  for spec in "offcputime|-K -f -p $idle|^bash;(.*;)?(do_select|do_sys_poll|schedule_hrtimeout_range|poll_schedule_timeout)[^;]*;.* [0-9]+\$" \
              "offwaketime|-K -f -p $idle|^bash;.*;--;(.*;)?hrtimer_wakeup;.* [0-9]+\$" \
              "wakeuptime|-f -p $idle|;hrtimer_wakeup;(.*;)?try_to_wake_up;bash [0-9]+\$"; do
    IFS='|' read -r tool args want <<<"$spec"
    vm_step "$tool --probe=kprobe $args"
    out=$T/$tool-kprobe.out
    # shellcheck disable=SC2086 # args are words
    # Folded output has no header: ready once -v says the switch probe is attached.
    if vm_tracer_start "$tool-kprobe" "$out" 'attached kp_switch to kprobe' 900 \
        "$BIN/$tool" -v --probe=kprobe $args --cache-dir "$CACHE" 3; then
      if vm_wait_match "$out" 'kprobe (finish_task_switch[.a-z0-9]*|schedule): chosen' 1; then
        vm_pass "$tool --probe=kprobe: kprobe variant chosen"
      else vm_fail "$tool --probe=kprobe: kprobe variant chosen" "none in -v output"; vm_evidence "$out"; fi
      # The tool ends by itself after 3 s and prints then.
      if vm_wait_match "$out" "$want" 60; then vm_pass "$tool --probe=kprobe: the loop's blocked stack"
      else vm_fail "$tool --probe=kprobe: the loop's blocked stack" "no line /$want/"; vm_evidence "$out" 30; fi
      vm_tracer_stop
    fi
  done
  vm_step_end
  kill "$idle" 2>/dev/null
fi

# ---- --mntnsmap on the kprobe path (a struct read kprobes may do): a process in a new
# mount namespace, put in a map pinned here, is the only one shown. The host built this
# program too (host-cache.sh); the map path does not go into the program. ----
TESTUTIL=$(dirname "$BIN")/tests/tools/ks_testutil
if [[ " $MODES " == *" kprobe "* ]] && [ -x "$TESTUTIL" ] && mkdir -p "$T/bpffs" &&
    mount -t bpf none "$T/bpffs"; then
  vm_step "opensnoop --mntnsmap --probe=kprobe"
  "$TESTUTIL" pin-hash "$T/bpffs/mntns" 8 4 || vm_fail "pin a hash map for --mntnsmap" "ks_testutil failed"
  echo x >"$T/ns-in"; echo x >"$T/ns-out"
  mkfifo "$T/ns-fifo"
  unshare -m sh -c 'read x <"$1"; cat "$2" >/dev/null' _ "$T/ns-fifo" "$T/ns-in" &
  u=$!
  out=$T/opensnoop-mntns.out
  if vm_tracer_start opensnoop-mntns "$out" '^PID +COMM' 900 \
      "$BIN/opensnoop" -v --probe=kprobe --mntnsmap "$T/bpffs/mntns" --cache-dir "$CACHE"; then
    expect_cached "$out" "opensnoop --mntnsmap --probe=kprobe"
    for ((i = 0; i < 50; i++)); do
      [ "$(stat -L -c %i /proc/$u/ns/mnt)" != "$(stat -L -c %i /proc/self/ns/mnt)" ] && break
      sleep 0.1
    done
    "$TESTUTIL" map-put "$T/bpffs/mntns" "$(stat -L -c %i /proc/$u/ns/mnt)"
    vm_fifo_send "$T/ns-fifo" go
    wait "$u"
    cat "$T/ns-out" >/dev/null
    if vm_wait_match "$out" " $T/ns-in\$" 30 && ! grep -q "ns-out" "$out"; then
      vm_pass "opensnoop --mntnsmap --probe=kprobe: only the namespace's open"
    else
      vm_fail "opensnoop --mntnsmap --probe=kprobe" "ns-in missing or ns-out shown"
      vm_evidence "$out" 30
    fi
    vm_tracer_stop
  fi
  vm_step_end
  umount "$T/bpffs"
fi

# ---- no kernel headers, no libbcc compiler: the cached program still starts (a fleet target)
out=$T/noheaders.out
vm_step "execsnoop without kernel headers"
if vm_tracer_start "execsnoop-noheaders" "$out" '^PCOMM' 120 unshare -m bash -c \
    'mount -t tmpfs none /lib/modules && mount -t tmpfs none /usr/src &&
     for l in /usr/lib/*/libbcc.so.0*; do mount --bind /dev/null "$l" || exit 1; done && exec "$@"' x \
    "$BIN/execsnoop" -v -x --probe=auto --cache-dir "$CACHE"; then
  # auto: tracepoints, whose struct reads depend on the headers; without any, the tool
  # decides as the host did for this kernel's headers (the kernel note), same program.
  expect_cached "$out" "execsnoop without kernel headers"
  check_execsnoop auto "$out"
  vm_tracer_stop
fi

# ---- one compile in the guest: the same key and the same program as the host's ---------
# (opensnoop: its kprobe program is among the quickest to compile under TCG)
G=/tmp/kscope-guest-compile
out=$T/compile.out
vm_step "opensnoop compiled in the guest" 900
case " $MODES " in *" kprobe "*) mode=kprobe ;; *) mode=auto ;; esac
if vm_tracer_start "opensnoop-guest-compile" "$out" '^PID +COMM' 600 \
    "$BIN/opensnoop" -v --probe=$mode --cache-dir "$G"; then
  if vm_wait_match "$out" 'program: compiled' 0; then vm_pass "in-guest compile: compiled here"
  else vm_fail "in-guest compile" "it did not compile"; vm_evidence "$out"; fi
  check_opensnoop "$mode" "$out"
  vm_tracer_stop
  e=$(ls "$G"/*.kso 2>/dev/null | head -n1)
  if [ -n "$e" ] && [ -e "$CACHE/${e##*/}" ]; then
    vm_pass "in-guest compile: the guest's key is the host-built entry's (${e##*/})"
    if cmp -s "$e" "$CACHE/${e##*/}"; then
      vm_pass "in-guest compile: the guest-built program is byte-identical to the host-built one"
    else
      vm_fail "in-guest compile: same program" "guest-built and host-built entries differ"
    fi
  else
    vm_fail "in-guest compile: same key as the host" "no host-built entry named ${e##*/}"
  fi
fi
vm_finish
