# procs family (issue 16): hardirqs, softirqs, killsnoop, exitsnoop, capable, pidpersec,
# drsnoop in kprobe mode, compactsnoop (tracepoints only) and threadsnoop (a uprobe) in
# auto mode, each against a cheap workload (shell builtins, a few forks) and checked the
# way the host tests do. Sourced by tests/vm/guest-tools.sh.

# hardirqs -C: handle_irq_event_percpu; writes to the scratch disk raise its interrupts.
check_hardirqs() {
  local mode=$1 out=$2
  if [ -n "${KSCOPE_VM_DISK:-}" ] && [ -b "$KSCOPE_VM_DISK" ]; then
    dd if=/dev/zero of="$KSCOPE_VM_DISK" bs=64k count=32 oflag=direct status=none
  fi
  vm_sleep 1
  vm_tracer_stop
  if vm_wait_match "$out" '^[^ ]+ +[1-9][0-9]*$' 5; then
    vm_pass "hardirqs -C --probe=$mode: handled interrupts counted per handler name"
  else vm_fail "hardirqs -C --probe=$mode" "no row with a count"; vm_evidence "$out" 30; fi
}

# softirqs -C: one kprobe per vector's action; the timer vector always runs.
check_softirqs() {
  local mode=$1 out=$2
  vm_sleep 1
  vm_tracer_stop
  if vm_wait_match "$out" '^timer +[1-9][0-9]*$' 5; then
    vm_pass "softirqs -C --probe=$mode: timer softirqs counted (run_timer_softirq)"
  else vm_fail "softirqs -C --probe=$mode" "no timer row"; vm_evidence "$out" 30; fi
}

# killsnoop: kill -0 of this shell (a builtin), through __x64_sys_kill's saved registers.
check_killsnoop() {
  local mode=$1 out=$2
  kill -0 $$
  if vm_wait_match "$out" "^[0-9:]+ +$$ +bash +0 +$$ +0\$" 30; then
    vm_pass "killsnoop --probe=$mode: kill(self, 0) with sender, target and result"
  else vm_fail "killsnoop --probe=$mode" "no line for kill -0 $$"; vm_evidence "$out" 30; fi
}

# exitsnoop: a subshell exits with 7; do_exit(code), the parent and the age from the task.
check_exitsnoop() {
  local mode=$1 out=$2 p
  (exit 7) &
  p=$!
  wait "$p" || true
  if vm_wait_match "$out" "^bash +$p +$$ +$p +[0-9]+\.[0-9]{2} +code 7\$" 30; then
    vm_pass "exitsnoop --probe=$mode: exit code, parent and age from the task"
  else vm_fail "exitsnoop --probe=$mode" "no 'code 7' line for $p"; vm_evidence "$out" 30; fi
}

# capable: chown to another user is an audited CAP_CHOWN check (cap_capable's opts).
check_capable() {
  local mode=$1 out=$2 p
  : >"$T/capfile"
  chown 4321 "$T/capfile" &
  p=$!
  wait "$p"
  if vm_wait_match "$out" "^[0-9:]+ +0 +$p +chown +0 +CAP_CHOWN +1 *\$" 30; then
    vm_pass "capable --probe=$mode: CAP_CHOWN, audited, from the kprobe's options"
  else vm_fail "capable --probe=$mode" "no CAP_CHOWN line for $p"; vm_evidence "$out" 30; fi
}

# pidpersec: a few forks in one second.
check_pidpersec() {
  local mode=$1 out=$2 i kids=()
  for ((i = 0; i < 5; i++)); do (:) & kids+=($!); done
  wait "${kids[@]}" # only these: other suites may leave jobs of this shell running
  if vm_wait_match "$out" 'PIDs/sec: [1-9][0-9]*$' 30; then
    vm_pass "pidpersec --probe=$mode: forks counted (sched_fork)"
  else vm_fail "pidpersec --probe=$mode" "no second with forks"; vm_evidence "$out" 30; fi
}

# compactsnoop (tracepoints only, no kprobe variant: auto): a subshell writes compact_memory
# (compact_zone() of every populated zone, order -1, synchronous, in the writer).
check_compactsnoop() {
  local mode=$1 out=$2 p
  (echo 1 >/proc/sys/vm/compact_memory) &
  p=$!
  wait "$p"
  if vm_wait_match "$out" "^bash +$p +[0-9]+ +ZONE_[A-Z0-9]+ +-1 +SYNC +[0-9]+\.[0-9]{3} +[a-z_]+\$" 60; then
    vm_pass "compactsnoop --probe=$mode: compact_memory's zone compactions, order -1"
  else vm_fail "compactsnoop --probe=$mode" "no line for $p"; vm_evidence "$out" 30; fi
}

# drsnoop --memcg: a bash string doubling in a 16 MiB memory cgroup reclaims at its limit
# (try_to_free_mem_cgroup_pages, kprobe and kretprobe) before the OOM killer ends it.
# guest_tool's -v is also BCC's -v: FREE(KB), free memory read at vm_zone_stat, whose
# address (this boot's, from /proc/kallsyms) the tool hands the host-built program.
check_drsnoop() {
  local mode=$1 out=$2 hog
  vm_memcg kscope-dr 16M
  if [ -z "$VM_MEMCG" ]; then vm_fail "drsnoop --probe=$mode" "no memory cgroup in the guest"; return; fi
  vm_memcg_hog
  hog=$VM_HOG
  if vm_wait_match "$out" "^bash +$hog +[0-9]+\.[0-9]{2} +[0-9]+ +[1-9][0-9]*\$" 120; then
    vm_pass "drsnoop -v --memcg --probe=$mode: reclaim at the cgroup's limit, latency, pages, FREE(KB)"
  else vm_fail "drsnoop -v --memcg --probe=$mode" "no line for $hog with FREE(KB)"; vm_evidence "$out" 30; fi
  kill -9 "$hog" 2>/dev/null; wait "$hog" 2>/dev/null; vm_memcg_done
}

# threadsnoop (a uprobe on pthread_create): memload makes one thread in thread_main().
before_threadsnoop() {
  "$BIN/../tests/tools/memload" thread >"$T/thread.out" &
  TSNOOP=$!
  vm_wait_match "$T/thread.out" '^ready' 30
}
check_threadsnoop() {
  local mode=$1 out=$2
  kill -USR1 "$TSNOOP"
  if vm_wait_match "$out" "^[0-9]+ +$TSNOOP +memload +thread_main\$" 60; then
    vm_pass "threadsnoop: memload's thread with its start function (uprobe in the guest)"
  else vm_fail "threadsnoop" "no line for $TSNOOP"; vm_evidence "$out" 30; fi
  kill "$TSNOOP" 2>/dev/null || true
}

suite_procs() {
  guest_tool hardirqs  '^Tracing hard irq events'     "-C"  kprobe
  guest_tool softirqs  '^Tracing soft irq events'     "-C"  kprobe
  guest_tool killsnoop '^TIME +PID +COMM +SIG'        ""    kprobe
  guest_tool exitsnoop '^PCOMM +PID +PPID'            ""    kprobe
  guest_tool capable   '^TIME +UID +PID +COMM'        ""    kprobe
  guest_tool pidpersec '^Tracing\.\.\. Ctrl-C'        ""    kprobe
  guest_tool compactsnoop '^COMM +PID +NODE +ZONE'    ""    auto
  suite_procs_mm
}
GUEST_SUITES+=(suite_procs)
# The reclaim and uprobe tools; a quicker run of them:
# KSCOPE_GUEST_ONLY="suite_procs_mm suite_mem_plockstat" KSCOPE_GUEST_TOOLS=drsnoop,threadsnoop,plockstat
suite_procs_mm() {
  guest_tool drsnoop   '^COMM +PID +LAT\(ms\)'        "--memcg" kprobe
  guest_tool threadsnoop '^TIME\(ms\) +PID +COMM'     ""    auto
}
# A quicker run of one tool: KSCOPE_GUEST_ONLY=suite_procs_hardirqs KSCOPE_GUEST_TOOLS=hardirqs
suite_procs_hardirqs() { guest_tool hardirqs '^Tracing hard irq events' "-C" kprobe; }
