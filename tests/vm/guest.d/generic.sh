# The generic tracers in the guest, where kernel functions can be probed: funccount,
# funclatency, stackcount, funcslower and argdist on vfs_read (kprobes and kretprobes from a
# pattern); trace on do_sys_openat2 (kprobe) and vfs_read's return (kretprobe).
# shellcheck shell=bash

# read_file N: N reads through vfs_read by the shell itself (no forks: cheap under TCG).
read_file() {
  local i l
  for ((i = 0; i < $1; i++)); do read -r l </proc/version; done
}

check_funccount() {
  local mode=$1 out=$2
  read_file 50
  if vm_wait_match "$out" '^vfs_read +[0-9]+$' 30; then
    vm_pass "funccount --probe=$mode -i 1 vfs_read: calls counted"
  else
    vm_fail "funccount --probe=$mode: vfs_read counted" "no 'vfs_read N' line"; vm_evidence "$out" 30
  fi
}

check_funclatency() {
  local mode=$1 out=$2
  read_file 50
  if vm_wait_match "$out" '^avg = [0-9]+ nsecs, total: [0-9]+ nsecs, count: [0-9]+$' 30 &&
      vm_wait_match "$out" '^     nsecs +: count +distribution$' 0; then
    vm_pass "funclatency --probe=$mode -i 1 vfs_read: histogram and avg line"
  else
    vm_fail "funclatency --probe=$mode: vfs_read timed" "no histogram or avg line"; vm_evidence "$out" 30
  fi
}

check_stackcount() {
  local mode=$1 out=$2
  read_file 50
  if vm_wait_match "$out" '^  ([0-9a-f]+ +)?(ksys_read|__x64_sys_read|sys_read)' 30; then
    vm_pass "stackcount --probe=$mode -i 1 -K vfs_read: the read syscall in the stack"
  else
    vm_fail "stackcount --probe=$mode: vfs_read stacks" "no read syscall frame"; vm_evidence "$out" 30
  fi
}

check_funcslower() {
  local mode=$1 out=$2
  read_file 20
  if vm_wait_match "$out" '^[^ ]+ +[0-9]+ +[0-9]+\.[0-9][0-9] +[0-9a-f]+ vfs_read $' 30; then
    vm_pass "funcslower --probe=$mode -m 0 vfs_read: reads with latency and return value"
  else
    vm_fail "funcslower --probe=$mode: vfs_read calls" "no 'COMM PID LAT RVAL vfs_read' line"; vm_evidence "$out" 30
  fi
}

check_argdist() {
  local mode=$1 out=$2
  read_file 20
  if vm_wait_match "$out" '^.[0-9]+ +arg3 = [0-9]+$' 30 &&
      vm_wait_match "$out" '^ +[$]retval +: count +distribution$' 5; then
    vm_pass "argdist --probe=$mode -C p::vfs_read():size_t:arg3 -H r::vfs_read(): counts and histogram"
  else
    vm_fail "argdist --probe=$mode: vfs_read" "no 'arg3 = N' row or no \$retval histogram"; vm_evidence "$out" 30
  fi
}

# trace: the shell's own opens (redirections) and reads, one line each, BCC's columns.
check_trace() {
  local mode=$1 out=$2
  read_file 5
  if vm_wait_match "$out" '^[0-9]+ +[0-9]+ +[^ ]+ +(do_sys_openat2|vfs_read) *$' 30; then
    vm_pass "trace --probe=$mode: a PID TID COMM FUNC line per call"
  else
    vm_fail "trace --probe=$mode: lines" "no 'PID TID COMM do_sys_openat2|vfs_read' line"; vm_evidence "$out" 30
  fi
}

suite_generic() {
  guest_tool funccount   '^Tracing 1 functions for "vfs_read"' "-i 1 vfs_read"    kprobe
  guest_tool funclatency '^Tracing 1 functions for "vfs_read"' "-i 1 vfs_read"    kprobe
  guest_tool stackcount  '^Tracing 1 functions for "vfs_read"' "-i 1 -K vfs_read" kprobe
  guest_tool funcslower  '^COMM +PID +LAT' "-m 0 vfs_read" kprobe
  guest_tool argdist     '^\[[0-9:]+\]$' '-i 1 -C p::vfs_read():size_t:arg3 -H r::vfs_read():long:$retval' kprobe
  guest_tool trace       '^PID +TID +COMM +FUNC'               "p::do_sys_openat2" kprobe
  guest_tool trace       '^PID +TID +COMM +FUNC'               "r::vfs_read"       kprobe
}
GUEST_SUITES+=(suite_generic)
