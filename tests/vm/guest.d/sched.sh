# Scheduler tools (runqlat, runqslower, cpudist; runqlen has no kprobe path) in kprobe mode:
# ttwu_do_wakeup or ttwu_do_activate, wake_up_new_task, finish_task_switch (or its copy).
# Workload: three bash loops that never sleep, on a guest with 2 vCPUs plus the tools
# themselves, so the loops wait for each other's turns (no fork per iteration under TCG).
sched_spin_start() {
  SCHED_SPIN=()
  local i
  for i in 1 2 3; do
    if command -v taskset >/dev/null; then taskset -c 0 bash -c 'while :; do :; done' &
    else bash -c 'while :; do :; done' & fi
    SCHED_SPIN+=($!)
  done
  SCHED_PIDS="${SCHED_SPIN[*]}"
}
sched_spin_stop() { kill "${SCHED_SPIN[@]}" 2>/dev/null; wait "${SCHED_SPIN[@]}" 2>/dev/null; SCHED_SPIN=(); }
# sched_seen OUT: after 3 s of the loops, stop the tool and the loops; SEEN is how many of
# the loops' pids title a histogram ("pid = N" or "pid = N comm").
sched_seen() {
  local p
  vm_sleep 3
  vm_tracer_stop
  sched_spin_stop
  SEEN=0
  for p in $(grep -oE '^pid = [0-9]+( .*)?$' "$1" | awk '{print $3}'); do
    case " $SCHED_PIDS " in *" $p "*) SEEN=$((SEEN + 1)) ;; esac
  done
}

# runqlat -P: a histogram titled with each loop's pid (the pid read by kprobes from the
# task switched in, the current one).
before_runqlat() { sched_spin_start; }
check_runqlat() {
  local mode=$1 out=$2
  sched_seen "$out"
  if [ "$SEEN" -ge 2 ]; then vm_pass "runqlat -P --probe=$mode: histograms for the spinning loops ($SEEN of 3)"
  else vm_fail "runqlat -P --probe=$mode" "$SEEN of the loops' pids ($SCHED_PIDS) have a histogram"; vm_evidence "$out" 40; fi
}

# runqslower -P -p 1 1000: init's waits above 1 ms, if any (its events are sent from the
# switch-out on tracepoints, from finish_task_switch here): the check is that the kprobe
# programs load, attach and print BCC's header with -P's columns.
check_runqslower() {
  local mode=$1 out=$2
  if vm_wait_match "$out" '^TIME +COMM +TID +LAT\(us\) PREV COMM +PREV TID$' 1; then vm_pass "runqslower --probe=$mode: BCC's header"
  else vm_fail "runqslower --probe=$mode" "no header"; vm_evidence "$out" 20; fi
}

# cpudist -O -P -e: the loops' off-CPU spans per process, and BCC's summary line.
before_cpudist() { sched_spin_start; }
check_cpudist() {
  local mode=$1 out=$2
  sched_seen "$out"
  if [ "$SEEN" -ge 2 ] && grep -qE '^avg = [0-9]+ usecs, total: [0-9]+ usecs, count: [0-9]+$' "$out"; then
    vm_pass "cpudist -O -P -e --probe=$mode: the loops' off-CPU histograms and the summary"
  else vm_fail "cpudist -O -P -e --probe=$mode" "$SEEN of the loops ($SCHED_PIDS), or no avg line"; vm_evidence "$out" 40; fi
}

suite_sched() {
  guest_tool runqlat '^Tracing run queue latency' "-P" kprobe
  guest_tool runqslower '^TIME +COMM' "-P -p 1 1000" kprobe
  guest_tool cpudist '^Tracing off-CPU time' "-O -P -e" kprobe
}
GUEST_SUITES+=(suite_sched)
