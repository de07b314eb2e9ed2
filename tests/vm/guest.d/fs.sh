# The file-system family (kprobe-only tools) in the guest kernels, against workloads on an
# ext4 file system made here on the scratch disk. Sourced by guest-tools.sh (T, BIN,
# CACHE, guest_tool, vm_* come from there). Workloads are shell builtins and redirections
# with few forks: each fork+exec costs 0.1-1 s under TCG.
#
# Not here: xfsslower and btrfsslower (no mkfs.xfs or mkfs.btrfs on the host image, and
# their modules are not in the guest), nfsslower (no NFS server), mdflush's events (no md
# array: it is started, attached to md_flush_request, and stopped).

FS_DIR=/tmp/ks-ext4
FS_OK=0
fs_setup() {
  [ "$FS_OK" = 1 ] && return 0
  if [ -z "${KSCOPE_VM_DISK:-}" ] || [ ! -b "$KSCOPE_VM_DISK" ]; then
    vm_fail "fs: an ext4 file system on the scratch disk" "no scratch disk in this guest"
    return 1
  fi
  mkdir -p "$FS_DIR"
  if mkfs.ext4 -q -F "$KSCOPE_VM_DISK" >"$T/mkfs.out" 2>&1 &&
      mount -t ext4 "$KSCOPE_VM_DISK" "$FS_DIR" >>"$T/mkfs.out" 2>&1; then
    vm_pass "fs: ext4 made and mounted on $KSCOPE_VM_DISK"
    FS_OK=1
  else
    vm_fail "fs: ext4 on $KSCOPE_VM_DISK" "mkfs or mount failed"; vm_evidence "$T/mkfs.out"
    return 1
  fi
}

# col_sum FILE N: the sum of column N over the lines that start with HH:MM:SS (interval
# tools' rows; their count per second is the interval's count, the interval being 1 s).
col_sum() {
  local file=$1 n=$2 sum=0 l f
  while read -r -a f; do
    [[ ${f[0]:-} =~ ^[0-9]{2}:[0-9]{2}:[0-9]{2}:?$ ]] && sum=$((sum + ${f[n - 1]:-0}))
  done <"$file"
  echo "$sum"
}
# expect_line NAME OUTFILE ERE SECONDS WHY: a line matching ERE shows up in time.
expect_line() {
  if vm_wait_match "$2" "$3" "$4"; then vm_pass "$1"
  else vm_fail "$1" "$5"; vm_evidence "$2" 20; fi
}
# expect_at_least NAME VALUE MIN OUTFILE
expect_at_least() {
  if [ "$2" -ge "$3" ]; then vm_pass "$1: $2 (>= $3)"
  else vm_fail "$1" "$2 < $3"; vm_evidence "$4" 30; fi
}

# vfsstat: 1000 opens and writes (echo >> f, a builtin), 10 unlinks (one rm), a mkdir and
# an rmdir; the per-second columns of 1-second intervals add up to at least those.
check_vfsstat() {
  local mode=$1 out=$2 i
  fs_setup || return
  for ((i = 0; i < 1000; i++)); do echo x >>"$FS_DIR/vfs-$((i % 10))"; done
  rm -f "$FS_DIR"/vfs-?
  mkdir "$FS_DIR/vfs-dir" && rmdir "$FS_DIR/vfs-dir"
  vm_sleep 1.5
  vm_tracer_stop
  expect_line "vfsstat --probe=$mode: BCC's row, eight columns" "$out" '^[0-9]{2}:[0-9]{2}:[0-9]{2}: +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$' 1 \
    "no HH:MM:SS: row of 8 numbers"
  expect_at_least "vfsstat --probe=$mode: WRITE/s summed" "$(col_sum "$out" 3)" 1000 "$out"
  expect_at_least "vfsstat --probe=$mode: OPEN/s summed" "$(col_sum "$out" 5)" 1000 "$out"
  expect_at_least "vfsstat --probe=$mode: UNLINK/s summed" "$(col_sum "$out" 7)" 10 "$out"
  expect_at_least "vfsstat --probe=$mode: MKDIR/s summed" "$(col_sum "$out" 8)" 1 "$out"
  expect_at_least "vfsstat --probe=$mode: RMDIR/s summed" "$(col_sum "$out" 9)" 1 "$out"
  # --json: the counts themselves, per interval.
  local o2=$T/vfsstat-json.out n=0 l
  if vm_tracer_start vfsstat-json "$o2" 'ready: tracing' 300 \
      "$BIN/vfsstat" -v --probe=kprobe --json --cache-dir "$CACHE"; then
    for ((i = 0; i < 500; i++)); do echo x >>"$FS_DIR/vfs-json"; done
    vm_sleep 1.5
    vm_tracer_stop
    while read -r l; do
      [[ $l =~ ^\{\"time_unix_ns\":[0-9]+,\"seconds\":[0-9]+,\"read\":[0-9]+,\"write\":([0-9]+),\"fsync\":[0-9]+,\"open\":[0-9]+,\"create\":[0-9]+,\"unlink\":[0-9]+,\"mkdir\":[0-9]+,\"rmdir\":[0-9]+\}$ ]] &&
        n=$((n + BASH_REMATCH[1]))
    done <"$o2"
    expect_at_least "vfsstat --json: \"write\" counts summed" "$n" 500 "$o2"
  fi
}

# filelife: a file created by this shell, deleted a second later by rm (pid known).
check_filelife() {
  local mode=$1 out=$2 f=fl-marker-$1-$$ rp
  fs_setup || return
  echo x >"$FS_DIR/$f"
  vm_sleep 1
  rm "$FS_DIR/$f" &
  rp=$!
  wait "$rp"
  expect_line "filelife --probe=$mode: the file, its deleter (pid $rp) and its age (>= 1 s)" "$out" "^[0-9]{2}:[0-9]{2}:[0-9]{2} +$rp +rm +([1-9]|[1-9][0-9])\.[0-9]{2} +$f\$" 30 \
    "no line for $f deleted by rm $rp"
}

# fileslower 0: this shell writes 6 bytes and reads the file back (builtins).
check_fileslower() {
  local mode=$1 out=$2 f=fsl-marker-$1-$$ l
  fs_setup || return
  echo hello >"$FS_DIR/$f"
  read -r l <"$FS_DIR/$f"
  expect_line "fileslower 0 --probe=$mode: the 6-byte write, thread $$" "$out" "^[0-9]+\.[0-9]{3} +bash +$$ +W +6 +[0-9]+\.[0-9]{2} $f\$" 30 \
    "no W line for $f"
  expect_line "fileslower 0 --probe=$mode: the read" "$out" "^[0-9]+\.[0-9]{3} +bash +$$ +R +[0-9]+ +[0-9]+\.[0-9]{2} $f\$" 10 \
    "no R line for $f"
}

# ext4slower 0: open, write (6 bytes at offset 0) and read by this shell; an fsync by dd.
check_ext4slower() {
  local mode=$1 out=$2 f=e4-marker-$1-$$ l dp
  fs_setup || return
  echo hello >"$FS_DIR/$f"
  read -r l <"$FS_DIR/$f"
  dd if=/dev/zero of="$FS_DIR/$f.sync" bs=4k count=1 conv=fsync status=none &
  dp=$!
  wait "$dp"
  local row="^[0-9]{2}:[0-9]{2}:[0-9]{2} +"
  expect_line "ext4slower 0 --probe=$mode: the write: 6 bytes at offset 0" "$out" "${row}bash +$$ +W +6 +0 +[0-9]+\.[0-9]{2} $f\$" 30 \
    "no W line for $f"
  expect_line "ext4slower 0 --probe=$mode: the open" "$out" "${row}bash +$$ +O +0 +0 +[0-9]+\.[0-9]{2} $f\$" 5 \
    "no O line for $f"
  expect_line "ext4slower 0 --probe=$mode: the read" "$out" "${row}bash +$$ +R +[0-9]+ +0 +[0-9]+\.[0-9]{2} $f\$" 5 \
    "no R line for $f"
  expect_line "ext4slower 0 --probe=$mode: dd's fsync (pid $dp)" "$out" "${row}dd +$dp +S +0 +0 +[0-9]+\.[0-9]{2} $f\.sync\$" 10 \
    "no S line for $f.sync"
  [ "$mode" = kprobe ] || return 0
  # -j: BCC's CSV; --json: the values themselves (same program, from the cache).
  local o2=$T/ext4slower-j.out o3=$T/ext4slower-json.out
  vm_tracer_stop
  if vm_tracer_start ext4slower-j "$o2" '^ENDTIME_us,TASK,PID,TYPE,BYTES,OFFSET_b,LATENCY_us,FILE$' 300 \
      "$BIN/ext4slower" -v --probe=kprobe -j 0 --cache-dir "$CACHE"; then
    echo hello >"$FS_DIR/$f.csv"
    expect_line "ext4slower -j 0: the write as BCC's CSV" "$o2" "^[0-9]+,bash,$$,W,6,0,[0-9]+,$f\.csv\$" 30 \
      "no CSV line for $f.csv"
    vm_tracer_stop
  fi
  if vm_tracer_start ext4slower-json "$o3" 'ready: tracing' 300 \
      "$BIN/ext4slower" -v --probe=kprobe --json 0 --cache-dir "$CACHE"; then
    echo hello >"$FS_DIR/$f.json"
    expect_line "ext4slower --json 0: the write as one JSON object" "$o3" "^\{\"time_unix_ns\":[0-9]+,\"comm\":\"bash\",\"pid\":$$,\"type\":\"W\",\"file\":\"$f\.json\",\"ret\":6,\"offset\":0,\"latency_us\":[0-9]+\}\$" 30 \
      "no object for $f.json"
    vm_tracer_stop
  fi
}

# dcsnoop -a: a new file's name misses the dcache (d_lookup finds nothing when the open
# creates it: M); an existing one's lookups are references (R).
check_dcsnoop() {
  local mode=$1 out=$2 f=dc-new-$1-$$
  fs_setup || return
  echo x >"$FS_DIR/$f"
  : <"$FS_DIR/$f"
  expect_line "dcsnoop -a --probe=$mode: the new name missed (M), by this shell" "$out" "^[0-9]+\.[0-9]{6} +$$ +bash +M +$f\$" 30 \
    "no M line for $f"
  expect_line "dcsnoop -a --probe=$mode: the existing name referenced (R)" "$out" "^[0-9]+\.[0-9]{6} +$$ +bash +R +$f\$" 10 \
    "no R line for $f"
}

# dcstat: 500 lookups of an existing path and 20 new names (misses).
check_dcstat() {
  local mode=$1 out=$2 i
  fs_setup || return
  for ((i = 0; i < 500; i++)); do : <"$FS_DIR/dcs-$((i % 20))" 2>/dev/null || echo >"$FS_DIR/dcs-$((i % 20))"; done
  vm_sleep 1.5
  vm_tracer_stop
  expect_line "dcstat --probe=$mode: BCC's row" "$out" '^[0-9]{2}:[0-9]{2}:[0-9]{2}: +[0-9]+ +[0-9]+ +[0-9]+ +([0-9]+\.[0-9]{2}| +-%)$' 1 \
    "no row"
  expect_at_least "dcstat --probe=$mode: REFS/s summed" "$(col_sum "$out" 2)" 500 "$out"
  expect_at_least "dcstat --probe=$mode: MISS/s summed" "$(col_sum "$out" 4)" 20 "$out"
}

# cachestat: a 4 MiB file written, the caches dropped, the file read twice (cat): it
# misses once (its 1024 pages added), then hits (1024 pages accessed); half of each at
# least (read-ahead and page accesses do not map one to one).
check_cachestat() {
  local mode=$1 out=$2 hits misses
  fs_setup || return
  dd if=/dev/urandom of="$FS_DIR/cs-$mode" bs=64k count=64 status=none
  sync
  echo 3 >/proc/sys/vm/drop_caches
  # Each phase in intervals of its own: the write's dirtied buffers would otherwise cap
  # the read's misses (BCC's arithmetic subtracts them from the accesses).
  vm_sleep 1.5
  cat "$FS_DIR/cs-$mode" >/dev/null
  vm_sleep 1.5
  cat "$FS_DIR/cs-$mode" >/dev/null
  vm_sleep 1.5
  vm_tracer_stop
  hits=0 misses=0
  while read -r -a f; do
    [[ ${f[0]:-} =~ ^[0-9]+$ && ${f[3]:-} =~ %$ ]] || continue
    hits=$((hits + f[0])) misses=$((misses + f[1]))
  done <"$out"
  expect_at_least "cachestat --probe=$mode: MISSES after dropping caches" "$misses" 512 "$out"
  expect_at_least "cachestat --probe=$mode: HITS on the second read" "$hits" 512 "$out"
}

# filetop -C: this shell reads a 6-byte file 100 times (bash's read builtin: one read(2)
# of 4096 bytes each) and appends 2 bytes to another 200 times (one write(2) each); over
# the intervals its rows (thread $$) add up to exactly those calls, and R_Kb is 4 a read.
check_filetop() {
  local mode=$1 out=$2 f=ft-$1-$$ i l
  fs_setup || return
  echo hello >"$FS_DIR/$f.r"
  for ((i = 0; i < 100; i++)); do read -r l <"$FS_DIR/$f.r"; done
  for ((i = 0; i < 200; i++)); do echo x >>"$FS_DIR/$f.w"; done
  vm_sleep 1.5
  vm_tracer_stop
  expect_line "filetop --probe=$mode: BCC's header" "$out" '^TID +COMM +READS +WRITES +R_Kb +W_Kb +T FILE$' 1 "no header"
  local rr=0 rw=0 rkb=0 wr=0 ww=0 a
  while read -r -a a; do
    [ "${a[0]:-}" = "$$" ] && [ "${a[1]:-}" = bash ] && [ "${a[6]:-}" = R ] || continue
    case ${a[7]:-} in
      "$f.r") rr=$((rr + a[2])) rw=$((rw + a[3])) rkb=$((rkb + a[4])) ;;
      "$f.w") wr=$((wr + a[2])) ww=$((ww + a[3])) ;;
    esac
  done <"$out"
  if [ "$rr/$rw/$rkb/$wr/$ww" = "100/1/400/0/200" ]; then
    vm_pass "filetop --probe=$mode: $f.r read 100 times (400 Kb asked), written once; $f.w written 200 times"
  else
    vm_fail "filetop --probe=$mode: exact counts" "reads/writes/R_Kb of $f.r, reads/writes of $f.w: $rr/$rw/$rkb/$wr/$ww, want 100/1/400/0/200"
    vm_evidence "$out" 40
  fi
}

# vfscount: 300 appends by this shell (an open and a write each); at Ctrl-C BCC's table,
# the smallest count first, has vfs_write and vfs_open with at least that many.
check_vfscount() {
  local mode=$1 out=$2 i n prev=0 sorted=1 a w=0 o=0
  fs_setup || return
  for ((i = 0; i < 300; i++)); do echo x >>"$FS_DIR/vc-$mode"; done
  # Ctrl-C, then the table: it is printed once ~80 kprobes are detached, which under TCG
  # on a loaded host takes longer than vm_tracer_stop waits before its SIGKILL.
  kill -INT "$VM_TRACER_PID" 2>/dev/null
  for ((i = 0; i < 600; i++)); do kill -0 "$VM_TRACER_PID" 2>/dev/null || break; vm_sleep 0.2; done
  vm_tracer_stop
  expect_line "vfscount --probe=$mode: BCC's header" "$out" '^ADDR +FUNC +COUNT$' 1 "no header"
  n=0
  while read -r -a a; do
    [[ ${a[0]:-} =~ ^[0-9a-f]{16}$ && ${a[1]:-} == vfs_* && ${a[2]:-} =~ ^[0-9]+$ ]] || continue
    n=$((n + 1))
    [ "${a[2]}" -ge "$prev" ] || sorted=0
    prev=${a[2]}
    case ${a[1]} in vfs_write) w=${a[2]} ;; vfs_open) o=${a[2]} ;; esac
  done <"$out"
  expect_at_least "vfscount --probe=$mode: rows (ADDR vfs_* COUNT)" "$n" 3 "$out"
  if [ "$sorted" = 1 ]; then vm_pass "vfscount --probe=$mode: the smallest count first"
  else vm_fail "vfscount --probe=$mode: order" "counts not ascending"; vm_evidence "$out" 40; fi
  expect_at_least "vfscount --probe=$mode: vfs_write" "$w" 300 "$out"
  expect_at_least "vfscount --probe=$mode: vfs_open" "$o" 300 "$out"
}

# readahead: a 4 MiB file written, the caches dropped, the file read once (cat): its
# pages come in by read-ahead and are used at once; at Ctrl-C the histogram of used pages'
# ages holds at least half of its 1024 pages, after BCC's "unused pages" line.
check_readahead() {
  local mode=$1 out=$2 used=0 a
  fs_setup || return
  dd if=/dev/urandom of="$FS_DIR/ra-$mode" bs=64k count=64 status=none
  sync
  echo 3 >/proc/sys/vm/drop_caches
  cat "$FS_DIR/ra-$mode" >/dev/null
  vm_tracer_stop
  expect_line "readahead --probe=$mode: BCC's unused-pages line" "$out" '^Read-ahead unused pages: -?[0-9]+$' 1 "no line"
  expect_line "readahead --probe=$mode: the histogram's header" "$out" '^ +age \(ms\) +: count +distribution$' 1 "no histogram"
  while read -r -a a; do
    [[ ${a[1]:-} == "->" && ${a[3]:-} == ":" && ${a[4]:-} =~ ^[0-9]+$ ]] && used=$((used + a[4]))
  done <"$out"
  expect_at_least "readahead --probe=$mode: used read-ahead pages (histogram total)" "$used" 512 "$out"
}

# cachetop 1: a 4 MiB file written, the caches dropped, then read twice by one cat (a
# known pid): its row has the pages added by the first read (MISSES) and the accesses of
# both (HITS), at least half of the 1024 pages each, summed over the screens.
check_cachetop() {
  local mode=$1 out=$2 cp hits=0 misses=0 a
  fs_setup || return
  dd if=/dev/urandom of="$FS_DIR/ct-$mode" bs=64k count=64 status=none
  sync
  echo 3 >/proc/sys/vm/drop_caches
  cat "$FS_DIR/ct-$mode" "$FS_DIR/ct-$mode" >/dev/null &
  cp=$!
  wait "$cp"
  vm_sleep 1.5
  vm_tracer_stop
  expect_line "cachetop --probe=$mode: BCC's top line" "$out" '^[0-9]{2}:[0-9]{2}:[0-9]{2} Buffers MB: [0-9]+ / Cached MB: [0-9]+ / Sort: HITS / Order: descending$' 1 "no top line"
  while read -r -a a; do
    [ "${a[0]:-}" = "$cp" ] && [ "${a[2]:-}" = cat ] || continue
    hits=$((hits + a[3])) misses=$((misses + a[4]))
  done <"$out"
  expect_at_least "cachetop --probe=$mode: cat $cp's MISSES" "$misses" 512 "$out"
  expect_at_least "cachetop --probe=$mode: cat $cp's HITS" "$hits" 512 "$out"
}

# mdflush: no md array here; attached to md_flush_request (md_mod is loaded) is all.
check_mdflush() { :; }

suite_fs() {
  fs_setup || return
  guest_tool vfsstat    '^TIME +READ/s +WRITE/s'        ""     kprobe
  guest_tool filelife   '^TIME +PID +COMM +AGE\(s\)'     ""     kprobe
  guest_tool fileslower '^TIME\(s\) +COMM +TID'          "0"    kprobe
  guest_tool ext4slower '^TIME +COMM +PID +T +BYTES'    "0"    kprobe
  guest_tool dcsnoop    '^TIME\(s\) +PID +COMM +T +FILE' "-a"   kprobe
  guest_tool dcstat     '^TIME +REFS/s'                  ""     kprobe
  guest_tool cachestat  '^ +HITS +MISSES'                ""     "kprobe auto"
  guest_tool mdflush    '^TIME +PID +COMM +DEVICE'       ""     kprobe
  guest_tool filetop    '^Tracing\.\.\. Output every 1 secs' "-C" kprobe
  guest_tool vfscount   '^Tracing\.\.\. Ctrl-C to end\.$'  ""     kprobe
  guest_tool readahead  '^Tracing\.\.\. Hit Ctrl-C to end\.$' "" kprobe
  guest_tool cachetop   '^[0-9:]{8} Buffers MB' "1" "kprobe auto"
  umount "$FS_DIR" 2>/dev/null
}
GUEST_SUITES+=(suite_fs)
