# Guest checks of the block and storage-syscall tools (biosnoop, biotop, bitesize,
# biopattern, syncsnoop, statsnoop, mountsnoop): kprobe mode where the tool has kprobes,
# against cheap workloads on the guest's scratch disk ($KSCOPE_VM_DISK).

block_disk_ok() { # block_disk_ok NAME: a scratch disk, else fail (CI) or skip
  if [ -n "${KSCOPE_VM_DISK:-}" ] && [ -b "$KSCOPE_VM_DISK" ]; then return 0; fi
  if [ "${CI:-}" = true ]; then vm_fail "$1" "no scratch disk in this guest"
  else vm_skip "$1" "no scratch disk in this guest"; fi
  return 1
}

# biosnoop: 32 direct writes of 64 KiB by dd: 32 lines naming the disk, W, 65536 bytes (the
# submitter is dd where the insert kprobe exists; 5.17-6.4 inline it: taken at issue).
check_biosnoop() {
  local mode=$1 out=$2 disk n
  block_disk_ok "biosnoop-$mode" || return
  disk=${KSCOPE_VM_DISK#/dev/}
  dd if=/dev/zero of="$KSCOPE_VM_DISK" bs=64k count=32 seek=64 oflag=direct status=none
  vm_tracer_stop
  n=$(grep -cE "^[0-9.]+ +[^ ].* +[0-9]+ +$disk +W +[0-9]+ +65536 +[0-9.]+$" "$out")
  if [ "$n" -ge 32 ]; then vm_pass "biosnoop --probe=$mode: $n writes of 65536 bytes on $disk"
  else vm_fail "biosnoop --probe=$mode: writes on $disk" "$n < 32"; vm_evidence "$out" 30; fi
  # The submitter: dd, where a submission probe exists. Kernels 5.17-6.4 inline the insert
  # kprobes' targets: the submitter is then taken at issue, a kernel worker for requests
  # that waited in the I/O scheduler (biosnoop(8), PROBES).
  if grep -qE " dd +[0-9]+ +$disk +W " "$out"; then vm_pass "biosnoop --probe=$mode: the writer dd named"
  elif grep -qE "probe insert:" "$out" && ! grep -qE "kprobe (__)?blk_account_io_start: chosen" "$out"; then
    vm_pass "biosnoop --probe=$mode: no insert kprobe on this kernel (inlined): submitter taken at issue"
  else vm_fail "biosnoop --probe=$mode: the writer dd named" "no dd line"; vm_evidence "$out" 30; fi
}

# biotop: the same writes in one row, 32 I/Os and 2048.0 Kbytes for dd on the disk.
check_biotop() {
  local mode=$1 out=$2 disk
  block_disk_ok "biotop-$mode" || return
  disk=${KSCOPE_VM_DISK#/dev/}
  dd if=/dev/zero of="$KSCOPE_VM_DISK" bs=64k count=32 seek=64 oflag=direct status=none
  sleep 2
  vm_tracer_stop
  if grep -qE "^[0-9]+ +[^ ]+ +W +[0-9]+ +[0-9]+ +$disk +[0-9]+ +2048\.0 +[0-9.]+$" "$out" ||
      awk -v d="$disk" '$3 == "W" && $6 == d {io += $7; kb += $8} END {exit !(io >= 32 && kb >= 2048)}' "$out"; then
    vm_pass "biotop --probe=$mode: 32 writes, 2048 Kbytes on $disk"
  else vm_fail "biotop --probe=$mode: the writes on $disk" "no such rows"; vm_evidence "$out" 40; fi
}

# bitesize and biopattern have tracepoints only (as BCC): auto mode.
check_bitesize() {
  local mode=$1 out=$2
  block_disk_ok "bitesize-$mode" || return
  dd if=/dev/zero of="$KSCOPE_VM_DISK" bs=64k count=16 seek=64 oflag=direct status=none
  vm_tracer_stop
  # block_rq_issue runs where the request is issued: in dd, or in a kworker when the queue
  # is run asynchronously (seen: 9 and 7 under two kworkers), so the slot is added up over
  # every process's histogram.
  if awk '$1 == 64 && $2 == "->" && $3 == 127 {n += $5} END {exit !(n >= 16)}' "$out"; then
    vm_pass "bitesize --probe=$mode: the 64 KiB writes in the 64 -> 127 slot"
  else vm_fail "bitesize --probe=$mode: 64 KiB writes" "no 64 -> 127 slot >= 16"; vm_evidence "$out" 40; fi
}
check_biopattern() {
  local mode=$1 out=$2 disk
  block_disk_ok "biopattern-$mode" || return
  disk=${KSCOPE_VM_DISK#/dev/}
  dd if=/dev/zero of="$KSCOPE_VM_DISK" bs=64k count=32 seek=64 oflag=direct status=none
  vm_tracer_stop
  if awk -v d="$disk" '$2 == d && $4 >= 90 && $5 >= 31 {ok = 1} END {exit !ok}' "$out"; then
    vm_pass "biopattern --probe=$mode: the sequential writer is >= 90% sequential on $disk"
  else vm_fail "biopattern --probe=$mode: sequential writer" "no such row"; vm_evidence "$out" 20; fi
}

check_syncsnoop() {
  local mode=$1 out=$2
  sync
  vm_tracer_stop
  if grep -qE '^[0-9.]+ +sync +sync +$' "$out"; then vm_pass "syncsnoop --probe=$mode: sync(1)'s sync()"
  else vm_fail "syncsnoop --probe=$mode: sync()" "no line"; vm_evidence "$out" 20; fi
}

check_statsnoop() {
  local mode=$1 out=$2
  [ -e "$T/statsnoop-missing" ] && rm -f "$T/statsnoop-missing"
  stat "$T/statsnoop-missing" >/dev/null 2>&1
  vm_tracer_stop
  if grep -qE "^[0-9]+ +stat +-1 +2 $T/statsnoop-missing\$" "$out"; then
    vm_pass "statsnoop --probe=$mode: the failed stat, ENOENT, its path"
  else vm_fail "statsnoop --probe=$mode: failed stat" "no line"; vm_evidence "$out" 30; fi
}

check_mountsnoop() {
  local mode=$1 out=$2
  mkdir -p "$T/msrc" "$T/mdst"
  unshare -m --propagation private sh -c "mount --bind '$T/msrc' '$T/mdst' && umount '$T/mdst'"
  vm_tracer_stop
  if grep -qE "mount\(\"$T/msrc\", \"$T/mdst\", \"[a-z]*\", MS_BIND, \"\"\) = 0\$" "$out" &&
      grep -qE "umount\(\"$T/mdst\", 0x0\) = 0\$" "$out"; then
    vm_pass "mountsnoop --probe=$mode: the bind mount and its umount"
  else vm_fail "mountsnoop --probe=$mode: bind mount" "no lines"; vm_evidence "$out" 20; fi
  # MNT_NS is read on kprobe paths: a number, not "-".
  if [ "$mode" = kprobe ] && grep -qE '^mount +[0-9]+ +[0-9]+ +[0-9]+ +mount\(' "$out"; then
    vm_pass "mountsnoop --probe=kprobe: MNT_NS read"
  elif [ "$mode" = kprobe ]; then vm_fail "mountsnoop --probe=kprobe: MNT_NS" "not a number"; vm_evidence "$out" 20; fi
}

suite_block() {
  guest_tool biosnoop   '^TIME\(s\)'                   ""  kprobe
  guest_tool biotop     '^Tracing\.\.\. Output every'  ""  kprobe
  guest_tool bitesize   '^Tracing block I/O'           ""  auto
  guest_tool biopattern '^TIME +DISK'                  ""  auto
  guest_tool syncsnoop  '^TIME\(s\)'                   ""  kprobe
  guest_tool statsnoop  '^PID +COMM'                   ""  kprobe
  guest_tool mountsnoop '^COMM +PID'                   ""  kprobe
}
GUEST_SUITES+=(suite_block)
