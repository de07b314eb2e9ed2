#!/bin/bash
# Runs INSIDE a guest kernel that has kprobes: every kscope tool with --probe=kprobe and
# with --probe=auto, each against a workload started here, checking the events the way
# the host tests do. One boot per kernel runs all of it.
#   guest-tools.sh BIN_DIR CACHE_DIR [MODES]
# CACHE_DIR is shared with the host read-write (a rerun of the same kernel loads instead of
# running clang under TCG again). With KSCOPE_VM_NOBTF=1 the run proves nothing needs BTF.
set -uo pipefail
source "$(dirname "$0")/guest-lib.sh"
BIN=$1
CACHE=$2
MODES=${3:-kprobe auto}
vm_suite "tools ($MODES)"

if [ "${KSCOPE_VM_NOBTF:-0}" = 1 ]; then
  vm_check "BTF is hidden from the tools" test ! -e /sys/kernel/btf/vmlinux
fi
T=$(mktemp -d /tmp/kscope-guest.XXXXXX)
mkdir -p "$CACHE" && chmod 700 "$CACHE"

# The kprobe variant each probe must get on this kernel, by mode (auto: tracepoints).
expect_choice() {  # expect_choice MODE OUTFILE TOOL
  local mode=$1 out=$2 tool=$3 re
  if [ "$mode" = kprobe ]; then re='(kprobe|kretprobe) [A-Za-z0-9_]+: chosen'
  else re='tracepoint [a-z_]+:[a-z_0-9]+: chosen'; fi
  if vm_wait_match "$out" "$re" 1; then vm_pass "$tool --probe=$mode: $mode variant chosen"
  else vm_fail "$tool --probe=$mode: $mode variant chosen" "no '$re' in -v output"; vm_evidence "$out"; fi
  if [ "$mode" = kprobe ] && vm_wait_match "$out" 'tracepoint [a-z_]+:[a-z_0-9]+: chosen' 0; then
    vm_fail "$tool --probe=kprobe: no tracepoint used" "a tracepoint was chosen"
  fi
}

for mode in $MODES; do
  # ---- execsnoop: a unique marker exec, pid, ppid (a struct read on the kprobe path) ----
  out=$T/execsnoop-$mode.out
  marker=ksm$mode$$
  cp /bin/true "$T/$marker"
  mkdir -p "$T/p1-$mode" "$T/bin-$mode"
  cp /bin/true "$T/bin-$mode/$marker"
  # A process older than the tool: its PPID comes from the task (kprobe path, or exact
  # headers) or from /proc at start, never "?".
  mkfifo "$T/fifo-$mode"
  sh -c 'read x <"$1"; exec "$2" old-process' _ "$T/fifo-$mode" "$T/$marker" &
  old=$!
  if vm_tracer_start "execsnoop-$mode" "$out" '^PCOMM' 900 \
      "$BIN/execsnoop" -x -v --probe="$mode" --cache-dir "$CACHE"; then
    expect_choice "$mode" "$out" execsnoop
    "$T/$marker" "arg-$mode" &
    m=$!
    wait "$m"
    if vm_wait_match "$out" "^$marker +$m +$$ +0 $T/$marker arg-$mode\$" 60; then
      vm_pass "execsnoop --probe=$mode: marker exec with pid, ppid, ret, args"
    else
      vm_fail "execsnoop --probe=$mode: marker exec" "no line for $marker (pid $m, ppid $$)"
      vm_evidence "$out" 30
    fi
    # An exec chain: env's execvp() fails in p1, then runs the marker; three lines, in
    # order, each with its own arguments and return value.
    env PATH="$T/p1-$mode:$T/bin-$mode" "$marker" "chain-$mode" &
    c=$!
    wait "$c"
    echo go >"$T/fifo-$mode"
    wait "$old"
    vm_wait_match "$out" "^$marker +$old .*old-process\$" 60
    want=$(printf '%s\n' "env $c 0 /usr/bin/env PATH=$T/p1-$mode:$T/bin-$mode $marker chain-$mode" \
      "env $c -2 $T/p1-$mode/$marker chain-$mode" "$marker $c 0 $T/bin-$mode/$marker chain-$mode")
    got=$(awk -v p="$c" '$2 == p { $3 = ""; print }' "$out" | tr -s ' ')
    if [ "$got" = "$want" ]; then
      vm_pass "execsnoop --probe=$mode: exec chain, one line per attempt, in order"
    else
      vm_fail "execsnoop --probe=$mode: exec chain" "got: $got"
      vm_evidence "$out" 30
    fi
    if vm_wait_match "$out" "^$marker +$old +$$ +0 $T/$marker old-process\$" 1; then
      vm_pass "execsnoop --probe=$mode: PPID of a process older than the tool"
    else
      vm_fail "execsnoop --probe=$mode: PPID of a process older than the tool" "no line"
      vm_evidence "$out" 30
    fi
    vm_tracer_stop
  fi

  # ---- opensnoop: a unique path opened, and one that fails ----
  out=$T/opensnoop-$mode.out
  good=$T/ks-open-$mode-$$
  echo x >"$good"
  if vm_tracer_start "opensnoop-$mode" "$out" '^PID +COMM' 900 \
      "$BIN/opensnoop" -v --probe="$mode" --cache-dir "$CACHE"; then
    expect_choice "$mode" "$out" opensnoop
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
    vm_tracer_stop
  fi

  # ---- biolatency -D: direct writes to the scratch disk; per-disk name from the kernel ----
  if [ -n "${KSCOPE_VM_DISK:-}" ] && [ -b "$KSCOPE_VM_DISK" ]; then
    disk=${KSCOPE_VM_DISK#/dev/}
    out=$T/biolatency-$mode.out
    if vm_tracer_start "biolatency-$mode" "$out" '^Tracing block device I/O' 900 \
        "$BIN/biolatency" -v -D --probe="$mode" --prom "$T/bio-$mode.prom" --cache-dir "$CACHE"; then
      expect_choice "$mode" "$out" biolatency
      dd if=/dev/zero of="$KSCOPE_VM_DISK" bs=64k count=64 oflag=direct status=none
      vm_tracer_stop
      if vm_wait_match "$out" "^disk = $disk\$" 5; then
        vm_pass "biolatency -D --probe=$mode: histogram for $disk"
      else
        vm_fail "biolatency -D --probe=$mode: histogram for $disk" "no 'disk = $disk'"
        vm_evidence "$out" 30
      fi
      n=0
      while read -r line; do
        [[ $line =~ -\>\ +[0-9]+\ +:\ +([0-9]+) ]] && n=$((n + BASH_REMATCH[1]))
      done <"$out"
      if [ "$n" -ge 64 ]; then vm_pass "biolatency --probe=$mode: $n I/Os counted (>= 64)"
      else vm_fail "biolatency --probe=$mode: I/O count" "$n < 64"; vm_evidence "$out" 30; fi
      # --prom: the same count in the metrics, and a _sum the program measured (KS_PROM).
      line=$(grep "^kscope_biolatency_io_seconds_count{disk=\"$disk\"} " "$T/bio-$mode.prom")
      if [ "${line##* }" = "$n" ] && grep -qE "^kscope_biolatency_io_seconds_sum\{disk=\"$disk\"\} ([1-9][0-9.]*|0\.[0-9]*[1-9][0-9]*)\$" "$T/bio-$mode.prom"; then
        vm_pass "biolatency --probe=$mode --prom: _count $n as the text, a measured _sum"
      else vm_fail "biolatency --probe=$mode --prom" "'$line' for $n I/Os"; vm_evidence "$T/bio-$mode.prom" 40; fi
    fi
    # -d (the disk read from each request at its start: a struct read, kprobe path) and
    # -e (BCC's avg/total/count line).
    out=$T/biolatency-d-$mode.out
    if [ "$mode" = kprobe ] && vm_tracer_start "biolatency-d-$mode" "$out" \
        '^Tracing block device I/O' 900 "$BIN/biolatency" -v -e -d "$disk" --probe="$mode" \
        --cache-dir "$CACHE"; then
      dd if=/dev/zero of="$KSCOPE_VM_DISK" bs=64k count=64 oflag=direct status=none
      vm_tracer_stop
      if vm_wait_match "$out" '^avg = [0-9]+ usecs, total: [0-9]+ usecs, count: ([6-9][0-9]|[0-9]{3,})$' 5; then
        vm_pass "biolatency -e -d $disk --probe=$mode: the writes counted, BCC's summary line"
      else
        vm_fail "biolatency -e -d $disk --probe=$mode" "no avg line with count >= 60"
        vm_evidence "$out" 30
      fi
    fi
  else
    # The harness gives every guest a scratch disk; without one, CI must not pass quietly.
    if [ "${CI:-}" = true ]; then vm_fail "biolatency-$mode" "no scratch disk in this guest"
    else vm_skip "biolatency-$mode" "no scratch disk in this guest"; fi
  fi
done

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
  kill "$idle" 2>/dev/null
fi

# ---- --mntnsmap on the kprobe path (a struct read kprobes may do): a process in a new
# mount namespace, put in a map pinned here, is the only one shown ----
TESTUTIL=$(dirname "$BIN")/tests/tools/ks_testutil
if [[ " $MODES " == *" kprobe "* ]] && [ -x "$TESTUTIL" ] && mkdir -p "$T/bpffs" &&
    mount -t bpf none "$T/bpffs"; then
  "$TESTUTIL" pin-hash "$T/bpffs/mntns" 8 4
  echo x >"$T/ns-in"; echo x >"$T/ns-out"
  mkfifo "$T/ns-fifo"
  unshare -m sh -c 'read x <"$1"; cat "$2" >/dev/null' _ "$T/ns-fifo" "$T/ns-in" &
  u=$!
  out=$T/opensnoop-mntns.out
  if vm_tracer_start opensnoop-mntns "$out" '^PID +COMM' 900 \
      "$BIN/opensnoop" -v --probe=kprobe --mntnsmap "$T/bpffs/mntns" --cache-dir "$CACHE"; then
    for ((i = 0; i < 50; i++)); do
      [ "$(stat -L -c %i /proc/$u/ns/mnt)" != "$(stat -L -c %i /proc/self/ns/mnt)" ] && break
      sleep 0.1
    done
    "$TESTUTIL" map-put "$T/bpffs/mntns" "$(stat -L -c %i /proc/$u/ns/mnt)"
    echo go >"$T/ns-fifo"
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
  umount "$T/bpffs"
fi

# ---- syscount: tracepoints only (raw_syscalls:*), on this kernel's own tracefs format ----
out=$T/syscount.out
if vm_tracer_start syscount "$out" '^Tracing (failed )?syscalls' 900 \
    "$BIN/syscount" -v -x -p $$ --cache-dir "$CACHE"; then
  for ((i = 0; i < 300; i++)); do : <"$T/missing-$i" 2>/dev/null; done
  vm_tracer_stop
  n=$(awk '$1 == "openat" {print $2}' "$out")
  if [ "${n:-0}" -ge 300 ]; then vm_pass "syscount -x -p: $n failed openat counted (>= 300)"
  else vm_fail "syscount -x -p: failed openat count" "${n:-none} < 300"; vm_evidence "$out" 30; fi
fi
r=0
"$BIN/syscount" --probe=kprobe >/dev/null 2>"$T/sc-kp.err" || r=$?
if [ "$r" -ne 0 ] && grep -q "kprobe: no fallback for this probe" "$T/sc-kp.err"; then
  vm_pass "syscount --probe=kprobe: refused, no kprobe variant"
else
  vm_fail "syscount --probe=kprobe: refused" "exit $r"; vm_evidence "$T/sc-kp.err"
fi
vm_finish
