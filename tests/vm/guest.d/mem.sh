# Guest checks of the memory and lock tools (tests/vm/guest.d/README.md), kprobe mode:
# klockstat's hold table (mutex_lock/mutex_unlock kprobes) under a bash loop writing into a
# pipe (pipe_write takes the pipe's mutex); oomkill on oom_kill_process for an OOM kill in
# a 32 MiB memory cgroup; memleak's kernel mode (its tracepoints: auto); plockstat's
# uprobes on the C library (auto: uprobes are its only kind).

before_klockstat() {
  mkfifo "$T/klock.fifo"
  # Reader and writer: bash builtins only (no fork per write under TCG).
  bash -c 'exec 3<>"$1"; while read -r -u 3 x; do :; done' _ "$T/klock.fifo" &
  KLOCK_READER=$!
}
check_klockstat() {
  local mode=$1 out=$2
  bash -c 'exec 3>"$1"; for ((i = 0; i < 3000; i++)); do echo x >&3; done' _ "$T/klock.fifo"
  if vm_wait_match "$out" '^ +Caller +Avg Hold +Count +Max hold +Total hold$' 60 &&
     vm_wait_match "$out" '^ *(anon_)?pipe_(write|read)\+0x[0-9a-f]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$' 30; then
    vm_pass "klockstat --probe=$mode: hold table with the pipe's caller"
  else
    vm_fail "klockstat --probe=$mode: hold table with the pipe's caller" "not in the output"
    vm_evidence "$out" 40
  fi
  kill "$KLOCK_READER" 2>/dev/null || true
}

check_oomkill() {
  local mode=$1 out=$2 cg hog
  vm_memcg kscope-oom 32M
  cg=$VM_MEMCG
  if [ -z "$cg" ]; then
    vm_fail "oomkill --probe=$mode" "no memory cgroup in the guest: $(grep cgroup /proc/mounts | tr '\n' ';')"
    return
  fi
  vm_memcg_hog
  hog=$VM_HOG
  if vm_wait_match "$out" "OOM kill of PID $hog \(\"bash\"\), [0-9]+ pages, loadavg: " 120; then
    vm_pass "oomkill --probe=$mode: the victim with its pages (oom_kill_process)"
  else
    vm_fail "oomkill --probe=$mode: the victim" "no line for PID $hog"; vm_evidence "$out" 20
  fi
  kill -9 "$hog" 2>/dev/null; wait "$hog" 2>/dev/null; vm_memcg_done
}

# plockstat (uprobes on the C library's pthread functions; the guest shares the host's
# root, so memload and libc are there): memload's two threads take one mutex twice each,
# holding it 50 ms (hold_lock()); at Ctrl-C the hold table has hold_lock's 4 holds. The
# workload starts before the suite's line: -p takes its pid (the program is the same for
# every -p: the option set "" is what the host compiled).
plock_start() {
  "$BIN/../tests/tools/memload" mutex 50 2 >"$T/plock.out" &
  PLOCK=$!
  vm_wait_match "$T/plock.out" '^ready' 30
}
check_plockstat() {
  local mode=$1 out=$2
  kill -USR1 "$PLOCK"
  vm_wait_match "$T/plock.out" '^done' 60
  vm_tracer_stop
  if vm_wait_match "$out" '^ +Caller +Avg Hold +Count +Max hold +Total hold$' 10 &&
     awk '/Avg Hold/ {h = 1} h && /^ *hold_lock\+0x[0-9a-f]+ +[0-9]+ +4 +[0-9]+ +[0-9]+$/ {f = 1} END {exit !f}' "$out"; then
    vm_pass "plockstat: memload's 4 holds by hold_lock (uprobes in the guest)"
  else vm_fail "plockstat: hold_lock's holds" "no row with 4 holds"; vm_evidence "$out" 30; fi
  kill "$PLOCK" 2>/dev/null || true
}

suite_mem() {
  guest_tool klockstat '^Tracing lock events' "-i 1" kprobe
  guest_tool oomkill '^Tracing OOM kills' "" kprobe
  guest_tool memleak '^Attaching to kernel allocators' "" auto
  suite_mem_plockstat
}
# plockstat alone: KSCOPE_GUEST_ONLY=suite_mem_plockstat KSCOPE_GUEST_TOOLS=plockstat
suite_mem_plockstat() {
  plock_start
  guest_tool plockstat '^Tracing lock events' "-p $PLOCK" auto
}
GUEST_SUITES+=(suite_mem)
