#!/usr/bin/env bash
# profile, for real: a PIE spinning in hot_a() 3x as long as in hot_b() is sampled with
# -U -p PID (both functions named, the ratio about 3), -f (folded lines parse), -T 2
# (exactly two stacks), a syscall loop with -K (kernel frames), a stripped copy with a
# debuglink file, a process that exits during the run, a deleted binary; then bad input
# and a stack map too small (reported with the number).
. "$(dirname "$0")/lib.sh"
: "${STACKLOAD:?STACKLOAD must name the stackload test workload}"
cache=(--cache-dir "$T/cache")
trap 'kill_workloads; cleanup' EXIT

# sum FILE REGEX: samples of the folded lines matching REGEX.
sum() { awk -v re="$2" '$0 ~ re {s += $NF} END {print s + 0}' "$1"; }

# 1) -U -p PID, folded, on the PIE: hot_a and hot_b named, about 3:1.
workload "$T/w1" "$STACKLOAD" hot
check "workload is a PIE (ELF type ET_DYN)" test "$(od -An -tx1 -j16 -N1 "$STACKLOAD" | tr -d ' ')" = 03
start_tool profile "$T/p1" -U -f -F 199 -p "$WPID" 4 "${cache[@]}"
check "-f: exits by itself after the duration, status 0" wait_exit 60
a=$(sum "$T/p1" ';hot_a;spin [0-9]+$') b=$(sum "$T/p1" ';hot_b;spin [0-9]+$')
echo "hot_a $a samples, hot_b $b samples"
check "-U: hot_a sampled (resolved in the PIE)" test "$a" -gt 40
check "-U: hot_b sampled" test "$b" -gt 12
check "-U: hot_a:hot_b about 3:1 (2.2-4.2)" awk -v a="$a" -v b="$b" 'BEGIN{exit !(b > 0 && a / b > 2.2 && a / b < 4.2)}'
check "-f: every line is 'comm;frames... N'" awk '!/^[^;]+(;[^;]+)+ [0-9]+$/{bad=1} END{exit bad || NR == 0}' "$T/p1"
check "-f: stacks start at the process name and main" grep -qE '^stackload;(.*;)?main;(.*;)?hot_a;spin [0-9]+$' "$T/p1"
check "-f: no banner" bash -c '! grep -q Sampling "$1"' _ "$T/p1"
check "-U: no kernel frames" bash -c '! grep -qE "entry_SYSCALL|asm_sysvec" "$1"' _ "$T/p1"
check "-v: cpu-clock perf event chosen" grep -q 'perf event software:cpu-clock: chosen' "$T/p1.err"
check "no program left loaded" progs_gone "$T/p1.err"

# 2) Blocks, -T 2: BCC's banner, exactly two stacks, the hottest last.
start_tool profile "$T/p2" -U -T 2 -p "$WPID" -F 99 "${cache[@]}"
wait_ready "$T/p2" "^Sampling at 99 Hertz of PID $WPID by user stack\.\.\. Hit Ctrl-C to end\.$"
sleep 2
check "-T 2: SIGINT, status 0" stop_tool INT
check "-T 2: exactly two stacks" test "$(grep -cE "^    -                stackload \($WPID\)$" "$T/p2")" = 2
counts=$(grep -A1 -E '^    - ' "$T/p2" | grep -E '^        [0-9]+$' | tr -d ' ')
check "-T 2: ascending counts" test "$counts" = "$(sort -n <<<"$counts")"
check "-T 2: frames indented 4, hot_a named" grep -qx '    hot_a' "$T/p2"
check "-T 2: no program left loaded" progs_gone "$T/p2.err"
kill "$WPID"

# 3) -K on a syscall loop: the kernel's read path.
workload "$T/w3" "$STACKLOAD" sys
start_tool profile "$T/p3" -K -f -d -F 199 -p "$WPID" 3 "${cache[@]}"
check "-K: status 0" wait_exit 60
check "-K: kernel frames of read() (vfs_read)" grep -qE '^stackload;.*vfs_read' "$T/p3"
check "-K: no user frames (no main)" bash -c '! grep -q ";main;" "$1"' _ "$T/p3"
kill "$WPID"

# 4) A stripped copy with a .gnu_debuglink file beside it: still named. Without the
#    debug file, [unknown] (the check can fail).
mkdir -p "$T/strip"
objcopy --only-keep-debug "$STACKLOAD" "$T/strip/stackload.debug"
objcopy --strip-all --add-gnu-debuglink="$T/strip/stackload.debug" "$STACKLOAD" "$T/strip/stackload"
check "stripped copy has no .symtab" bash -c '! readelf -S "$1" | grep -q "\.symtab"' _ "$T/strip/stackload"
workload "$T/w4" "$T/strip/stackload" hot
start_tool profile "$T/p4" -U -f -F 199 -p "$WPID" 2 "${cache[@]}"
check "stripped: status 0" wait_exit 60
check "stripped + debuglink: hot_a named" grep -q ';hot_a;spin ' "$T/p4"
kill "$WPID"
mkdir -p "$T/strip2"
cp "$T/strip/stackload" "$T/strip2/stackload"
workload "$T/w4b" "$T/strip2/stackload" hot
start_tool profile "$T/p4b" -U -f -F 199 -p "$WPID" 2 "${cache[@]}"
check "stripped, no debug file: status 0" wait_exit 60
check "stripped, no debug file: [unknown] frames, counted" grep -qE '\[unknown\].* [0-9]+$' "$T/p4b"
kill "$WPID"

# 5) A process that exits during the run, from a binary deleted while it ran.
mkdir -p "$T/gone"
cp "$STACKLOAD" "$T/gone/stackload"
workload "$T/w5" "$T/gone/stackload" hot 1.5
start_tool profile "$T/p5" -U -f -F 199 -p "$WPID" 4 "${cache[@]}"
wait_for "$T/p5.err" 'attached pe_cpu' 60
rm -f "$T/gone/stackload"
kill -USR1 "$WPID" # it exits 1.5 s from now, before the profile ends
check "exited: status 0" wait_exit 60
check "exited process, deleted binary: hot_a still named" grep -q ';hot_a;spin ' "$T/p5"
check "exited: the process had exited before the output" bash -c '! kill -0 "$1" 2>/dev/null' _ "$WPID"

# 5b) A process with its own root (as in a container): a stripped binary whose debug file
#     exists only inside that root, found through /proc/PID/root.
CR=$T/croot
mkdir -p "$CR"
cp "$T/strip/stackload" "$CR/stackload"
cp "$T/strip/stackload.debug" "$CR/stackload.debug"
for lib in $(ldd "$STACKLOAD" | grep -oE '/[^ ]+'); do
    mkdir -p "$CR$(dirname "$lib")"
    cp -L "$lib" "$CR$lib"
done
workload "$T/w5b" chroot "$CR" /stackload hot
check "own root: the workload runs in it" test "$(readlink "/proc/$WPID/root")" = "$CR"
start_tool profile "$T/p5b" -U -f -F 199 -p "$WPID" 2 "${cache[@]}"
check "own root: status 0" wait_exit 60
check "own root: hot_a named from the debug file inside it" grep -q ';hot_a;spin ' "$T/p5b"
kill "$WPID"

# 5c) JIT code: an address in anonymous memory, named by /tmp/perf-PID.map.
if [ "$(uname -m)" = x86_64 ]; then
    workload "$T/w5c" "$STACKLOAD" jit
    start_tool profile "$T/p5c" -U -f -F 199 -p "$WPID" 2 "${cache[@]}"
    check "JIT: status 0" wait_exit 60
    check "JIT: the frame named from /tmp/perf-$WPID.map" grep -qE '^stackload;(.*;)?main;(jit;)?jit_spin [0-9]+$' "$T/p5c"
    kill "$WPID"
    rm -f "/tmp/perf-$WPID.map"
fi

# 6) A stack map of one entry, whole system: lost stacks reported with their number.
workload "$T/w6" "$STACKLOAD" sys
start_tool profile "$T/p6" -K --stack-storage-size 1 -F 499 2 "${cache[@]}"
check "tiny stack map: status 0" wait_exit 60
check "tiny stack map: WARNING with the number" grep -qE '^WARNING: [0-9]+ stack traces could not be displayed \([0-9]+ to a full stack map, [0-9]+ to hash collisions\)\. Consider increasing --stack-storage-size\.$' "$T/p6.err"
check "tiny stack map: placeholders printed" grep -q '\[Missed Kernel Stack\]' "$T/p6"
start_tool profile "$T/p6b" -K --hash-storage-size 1 -F 499 1 "${cache[@]}"
check "tiny counts table: status 0" wait_exit 60
check "tiny counts table: WARNING with the number" grep -qE '^WARNING: [0-9]+ samples were not counted: the table of stacks was full \(1 entries\)\. Consider increasing --hash-storage-size\.$' "$T/p6b.err"
check "tiny counts table: one stack printed" test "$(grep -c '^    -  ' "$T/p6b")" = 1
kill "$WPID"

# 7) Bad input: exit 2 with one line naming the problem.
bad() { # bad REGEX ARGS...
    local re=$1 rc=0; shift
    "$BIN/profile" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    [ "$rc" = 2 ] && grep -qE "$re" "$T/bad.err" || { echo "rc=$rc" >&2; cat "$T/bad.err" >&2; return 1; }
}
check "-F 0 refused" bad "invalid FREQUENCY '0'" -F 0
check "-F -5 refused" bad "invalid FREQUENCY '-5'" -F -5
check "-F absurd refused, naming the limit" bad 'above this kernel.s limit of [0-9]+' -F 100000000
check "-c with -F refused" bad 'not allowed with argument -F' -F 99 -c 1000
check "-U with -K refused" bad 'not allowed' -U -K
check "-p abc refused" bad "invalid id 'abc'" -p abc
check "-C on a CPU that is not online refused" bad 'CPU 4000 is not online' -C 4000
check "stack storage 0 refused" bad "invalid STACK_STORAGE_SIZE '0'" --stack-storage-size 0
start_tool profile "$T/p7" -p 1073741000 1 "${cache[@]}"
check "unknown PID: runs, status 0" wait_exit 60
check "unknown PID: a note says so" grep -q 'note: no process 1073741000 is running now' "$T/p7.err"
check "--check: the perf event" grep -qx 'probe cpu perf_event software:cpu-clock' <("$BIN/profile" --check)
check "-h: BCC's options and the --top extension" bash -c '"$1" -h | grep -q -- "-T, --top N" && "$1" -h | grep -q -- "--stack-storage-size"' _ "$BIN/profile"

finish
