# Guest checks of the memory and lock tools (tests/vm/guest.d/README.md), kprobe mode:
# klockstat's hold table (mutex_lock/mutex_unlock kprobes) under a bash loop writing into a
# pipe (pipe_write takes the pipe's mutex); oomkill on oom_kill_process for an OOM kill in
# a 32 MiB memory cgroup; memleak's kernel mode (its tracepoints: auto).

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
  local mode=$1 out=$2 cg= m hog
  # A cgroup2 hierarchy with the memory controller: the guest's own, or one mounted here.
  grep -q '^[^ ]* [^ ]* cgroup2 ' /proc/mounts ||
    { mkdir -p "$T/cg2" && mount -t cgroup2 none "$T/cg2" 2>/dev/null; }
  for m in $(awk '$3 == "cgroup2" {print $2}' /proc/mounts); do
    grep -qw memory "$m/cgroup.controllers" 2>/dev/null || continue
    grep -qw memory "$m/cgroup.subtree_control" 2>/dev/null || echo +memory >"$m/cgroup.subtree_control" 2>/dev/null
    grep -qw memory "$m/cgroup.subtree_control" 2>/dev/null || continue
    cg=$m/kscope-oom; mkdir -p "$cg" && echo 32M >"$cg/memory.max"; break
  done
  if [ -z "$cg" ] && [ -d /sys/fs/cgroup/memory ]; then
    cg=/sys/fs/cgroup/memory/kscope-oom; mkdir -p "$cg" && echo $((32 << 20)) >"$cg/memory.limit_in_bytes"
  fi
  if [ -z "$cg" ]; then
    vm_fail "oomkill --probe=$mode" "no memory cgroup in the guest: $(grep cgroup /proc/mounts | tr '\n' ';')"
    return
  fi
  # A bash string doubling in memory: no fork, no extra binary.
  bash -c 'echo $$ >"$1/cgroup.procs"; s=x; while :; do s=$s$s; done' _ "$cg" &
  hog=$!
  if vm_wait_match "$out" "OOM kill of PID $hog \(\"bash\"\), [0-9]+ pages, loadavg: " 120; then
    vm_pass "oomkill --probe=$mode: the victim with its pages (oom_kill_process)"
  else
    vm_fail "oomkill --probe=$mode: the victim" "no line for PID $hog"; vm_evidence "$out" 20
  fi
  kill -9 "$hog" 2>/dev/null; wait "$hog" 2>/dev/null; rmdir "$cg" 2>/dev/null
  umount "$T/cg2" 2>/dev/null || true
}

suite_mem() {
  guest_tool klockstat '^Tracing lock events' "-i 1" kprobe
  guest_tool oomkill '^Tracing OOM kills' "" kprobe
  guest_tool memleak '^Attaching to kernel allocators' "" auto
}
GUEST_SUITES+=(suite_mem)
