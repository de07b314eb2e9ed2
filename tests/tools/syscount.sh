#!/usr/bin/env bash
# syscount, for real: a marker process makes a known number of getppid() calls, failing
# openat()s (ENOENT) and failing getpgid()s (ESRCH) once syscount is attached; the counts,
# columns and filters are checked against those numbers. Then -l, interval and count,
# -i/-d, bad options, and that nothing stays loaded.
. "$(dirname "$0")/lib.sh"

NPPID=3217 NOPEN=2113 NPGID=1031 # unusual numbers, made only by the marker
cache=(--cache-dir "$T/cache")

# The marker: started first (so syscount -p can name it), blocked on a FIFO until the
# tool is ready; after its syscalls it prints "done" and waits again until released.
MPID= MFIFO=
start_marker() {
    MFIFO="$T/fifo.$1"
    mkfifo "$MFIFO"
    "$TESTUTIL" syscalls "$MFIFO" "$NPPID" "$NOPEN" "$NPGID" >"$MFIFO.out" &
    MPID=$!
    # Its exec and loader make failing calls of their own (-x would count them).
    wait_for "$MFIFO.out" '^ready$' 30
}
run_marker() { # let it make its syscalls, wait until it has
    timeout 30 bash -c 'echo go >"$1"' _ "$MFIFO" &&
        wait_for "$MFIFO.out" '^done$' 30
}
end_marker() {
    timeout 30 bash -c 'echo exit >"$1"' _ "$MFIFO" || true
    wait "$MPID" || true
}
# row NAME COUNT: a count line exactly as BCC prints it ("%-22s %8d").
row() { printf '%-22s %8d' "$1" "$2"; }
# rows FILE: the lines of the (last) table.
rows() { awk '/^\[[0-9:]+\]$/{n = 0; delete r; next} /^(SYSCALL|PID) /{on = 1; next}
              /^$/{on = 0} on{r[n++] = $0} END{for (i = 0; i < n; i++) print r[i]}' "$1"; }
has_line() { grep -qxF -- "$2" "$1" || { echo "no line '$2' in $1:" >&2; cat "$1" >&2; return 1; }; }

# 1) By syscall, one process (-p): exact counts, BCC's header and columns.
start_marker 1
start_tool syscount "$T/out1" -p "$MPID" -T 20 "${cache[@]}"
wait_ready "$T/out1" '^Tracing syscalls, printing top 20\.\.\. Ctrl\+C to quit\.$'
check "marker ran" run_marker
check "SIGINT: exit status 0" stop_tool INT
end_marker
check "a [HH:MM:SS] line" grep -qE '^\[[0-9]{2}:[0-9]{2}:[0-9]{2}\]$' "$T/out1"
check "header: SYSCALL, COUNT as BCC spaces them" has_line "$T/out1" "$(printf '%-22s %8s' SYSCALL COUNT)"
check "getppid counted exactly $NPPID times" has_line "$T/out1" "$(row getppid "$NPPID")"
check "getpgid counted exactly $NPGID times" has_line "$T/out1" "$(row getpgid "$NPGID")"
counts=$(rows "$T/out1" | awk '{print $NF}')
check "sorted by count, descending" test "$counts" = "$(sort -rn <<<"$counts")"
check "more than one row to sort" test "$(wc -l <<<"$counts")" -gt 1
check "ends with Detaching..." test "$(tail -n 1 "$T/out1")" = "Detaching..."
check "-v: no kprobe fallback exists" grep -q "kprobe: no fallback for this probe" "$T/out1.err"
check "-v: sys_enter not attached without -L" grep -q "not needed with these options" "$T/out1.err"
check "no program left loaded" progs_gone "$T/out1.err"

# 2) -P: the marker by PID and name (alive at output: named from /proc).
start_marker 2
start_tool syscount "$T/out2" -P -p "$MPID" "${cache[@]}"
wait_ready "$T/out2" '^Tracing syscalls'
check "-P: marker ran" run_marker
check "-P: SIGINT, status 0" stop_tool INT
end_marker
check "-P: header PID COMM COUNT" has_line "$T/out2" "$(printf '%-22s %8s' 'PID    COMM' COUNT)"
line=$(grep -E "^$MPID +ks_testutil +[0-9]+$" "$T/out2" || true)
check "-P: a line for the marker: $line" test -n "$line"
check "-P: its columns as BCC prints them" test "$line" = "$(printf '%-6d %-15s %8d' "$MPID" ks_testutil "${line##* }")"
check "-P: at least all its known syscalls" test "${line##* }" -ge $((NPPID + NOPEN + NPGID))
check "-P: no program left loaded" progs_gone "$T/out2.err"

# 3) -P -L -m: the marker has exited before the output: named by what BPF saw.
start_marker 3
start_tool syscount "$T/out3" -P -L -m -p "$MPID" "${cache[@]}"
wait_ready "$T/out3" '^Tracing syscalls'
check "-PLm: marker ran" run_marker
end_marker
check "-PLm: SIGINT, status 0" stop_tool INT
check "-PLm: header with TIME (ms)" has_line "$T/out3" "$(printf '%-22s %8s %16s' 'PID    COMM' COUNT 'TIME (ms)')"
check "-PLm: exited marker still named, ms with 6 decimals" \
    grep -qE "^$MPID +ks_testutil +[0-9]+ +[0-9]+\.[0-9]{6}$" "$T/out3"
check "-PLm: sys_enter attached" grep -q "attached tracepoint__raw_syscalls__sys_enter" "$T/out3.err"
check "-PLm: no program left loaded" progs_gone "$T/out3.err"

# 4) -x: only failures, all of them.
start_marker 4
start_tool syscount "$T/out4" -x -p "$MPID" "${cache[@]}"
wait_ready "$T/out4" '^Tracing failed syscalls, printing top 10\.\.\. Ctrl\+C to quit\.$'
check "-x: marker ran" run_marker
check "-x: SIGINT, status 0" stop_tool INT
end_marker
check "-x: openat failed exactly $NOPEN times" has_line "$T/out4" "$(row openat "$NOPEN")"
check "-x: getpgid failed exactly $NPGID times" has_line "$T/out4" "$(row getpgid "$NPGID")"
check "-x: nothing else (getppid never fails)" test "$(rows "$T/out4" | wc -l)" -eq 2
[ "$(rows "$T/out4" | wc -l)" -eq 2 ] || { echo "-x rows:" >&2; rows "$T/out4" >&2; }

# 5) -e ENOENT: only that error.
start_marker 5
start_tool syscount "$T/out5" -e ENOENT -p "$MPID" "${cache[@]}"
wait_ready "$T/out5" '^Tracing syscalls'
check "-e: marker ran" run_marker
check "-e: SIGINT, status 0" stop_tool INT
end_marker
check "-e ENOENT: openat, $NOPEN" has_line "$T/out5" "$(row openat "$NOPEN")"
check "-e ENOENT: nothing else (getpgid failed with ESRCH)" test "$(rows "$T/out5" | wc -l)" -eq 1

# 6) -L: the time column, microseconds with 3 decimals.
start_marker 6
start_tool syscount "$T/out6" -L -p "$MPID" "${cache[@]}"
wait_ready "$T/out6" '^Tracing syscalls'
check "-L: marker ran" run_marker
check "-L: SIGINT, status 0" stop_tool INT
end_marker
check "-L: header with TIME (us)" has_line "$T/out6" "$(printf '%-22s %8s %16s' SYSCALL COUNT 'TIME (us)')"
check "-L: getppid, $NPPID, a time" grep -qE "^getppid {15} +$NPPID +[0-9]+\.[0-9]{3}$" "$T/out6"
check "-L: no program left loaded" progs_gone "$T/out6.err"

# 7) --syscall: that one only.
start_marker 7
start_tool syscount "$T/out7" --syscall getppid -p "$MPID" "${cache[@]}"
wait_ready "$T/out7" "^Tracing syscall 'getppid'\.\.\. Ctrl\+C to quit\.$"
check "--syscall: marker ran" run_marker
check "--syscall: SIGINT, status 0" stop_tool INT
end_marker
check "--syscall getppid: its count" has_line "$T/out7" "$(row getppid "$NPPID")"
check "--syscall getppid: nothing else" test "$(rows "$T/out7" | wc -l)" -eq 1

# 8) interval and count, whole system: two outputs of at most -T rows, then it exits.
start_tool syscount "$T/out8" -T 3 1 2 "${cache[@]}"
wait_ready "$T/out8" '^Tracing syscalls, printing top 3\.'
check "interval and count: exits by itself with status 0" wait_exit 30
check "interval and count: two outputs" test "$(grep -cE '^\[[0-9:]+\]$' "$T/out8")" -eq 2
check "-T 3: at most 3 rows each" \
    awk '/^SYSCALL/{n = 0; on = 1; next} /^$/{on = 0} on && ++n > 3{exit 1}' "$T/out8"
check "interval and count: Detaching... last" test "$(tail -n 1 "$T/out8")" = "Detaching..."
check "interval and count: no program left loaded" progs_gone "$T/out8.err"

# -i and -d, BCC's spelling: every second for two seconds.
start_tool syscount "$T/out9" -i 1 -d 2 "${cache[@]}"
wait_ready "$T/out9" '^Tracing syscalls'
check "-i 1 -d 2: exits by itself with status 0" wait_exit 30
check "-i 1 -d 2: two outputs" test "$(grep -cE '^\[[0-9:]+\]$' "$T/out9")" -eq 2

# 9) -l: the names this build knows, four columns as BCC lays them out.
rc=0
"$BIN/syscount" -l >"$T/list" || rc=$?
check "-l: exit 0" test "$rc" -eq 0
check "-l: getppid is listed" grep -qE '(^| )getppid( |$)' "$T/list"
check "-l: openat is listed" grep -qE '(^| )openat( |$)' "$T/list"
check "-l: 4 names a line" awk 'NF > 4 || (NR > 1 && prev != 4){exit 1} {prev = NF}' "$T/list"
read -r a b c d <"$T/list"
check "-l: columns of 22, 3 spaces apart" test "$(head -n 1 "$T/list")" = "$(printf '%-22s   %-22s   %-22s   %-22s' "$a" "$b" "$c" "$d")"

# 10) What reaches the BPF program: numbers only, filters only when asked for.
ebpf() { "$BIN/syscount" --ebpf "$@"; }
check "-e EPERM becomes ERRNO_FILTER 1" bash -c "'$BIN/syscount' --ebpf -e EPERM | grep -q '^#define ERRNO_FILTER 1 '"
check "-e -3 becomes ERRNO_FILTER 3" bash -c "'$BIN/syscount' --ebpf -e -3 | grep -q '^#define ERRNO_FILTER 3 '"
check "-e EWOULDBLOCK (an alias) is EAGAIN's number" \
    bash -c "'$BIN/syscount' --ebpf -e EWOULDBLOCK | grep -q '^#define ERRNO_FILTER 11 '"
nr=$(awk '$1 == "#define" && $2 == "SYSCALL_FILTER"{print $3}' <(ebpf --syscall getppid))
check "--syscall getppid becomes its number ($nr)" test -n "$nr"
ebpf >"$T/default.bpf.c"
check "default: no filter, no latency compiled in" \
    bash -c "! grep -qE '^#define (PID_FILTER|TID_FILTER|SYSCALL_FILTER|FAILED_ONLY|ERRNO_FILTER|BY_PROCESS|LATENCY|KS_TP_sys_enter) ' '$T/default.bpf.c'"
check "default program compiles" "$TESTUTIL" compile "$T/default.bpf.c"
ebpf -L -P -x -e EPERM -p 1 -t 1 --syscall read >"$T/all.bpf.c"
check "every option at once compiles" "$TESTUTIL" compile "$T/all.bpf.c"

# 11) Bad input: exit 2 and a message that says what is wrong.
bad() { # bad DESCRIPTION MESSAGE ARGS...
    local what=$1 msg=$2 rc=0
    shift 2
    "$BIN/syscount" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    check "$what: exit 2" test "$rc" -eq 2
    check "$what: says '$msg'" grep -qF -- "$msg" "$T/bad.err"
}
bad "-e EFOO" "couldn't map 'EFOO' to an errno" -e EFOO
bad "-e 0" "couldn't map '0' to an errno" -e 0
bad "--syscall nosuch" "syscall 'nosuch' not found" --syscall nosuch
bad "-T 0" "invalid TOP '0'" -T 0
bad "-p abc" "invalid PID 'abc'" -p abc
bad "-i and interval disagree" "disagree" -i 2 3
bad "unknown option" "unrecognized option" --frobnicate
# -c PPID (BCC: only children of this process): a parent started before the tool forks
# the marker after it is ready; every getppid() the marker makes is counted, and only
# the marker (the parent's one child) shows with -P.
mkfifo "$T/cgo" "$T/fifo.c"
sh -c 'read x <"$1"; "$2" syscalls "$3" "$4" "$5" "$6" >"$3.out"; exit 0' _ \
    "$T/cgo" "$TESTUTIL" "$T/fifo.c" "$NPPID" "$NOPEN" "$NPGID" &
parent=$!
start_tool syscount "$T/outc" -c "$parent" -P "${cache[@]}"
wait_ready "$T/outc" '^Tracing syscalls'
echo go >"$T/cgo"
MFIFO="$T/fifo.c"
check "-c: marker ran" run_marker
check "-c: SIGINT, status 0" stop_tool INT
end_marker
wait "$parent" || true
cpids=$(rows "$T/outc" | awk '{print $1}' | sort -u)
check "-c -P: only the parent's child is counted (got: $cpids)" \
    bash -c "[ \$(wc -w <<<'$cpids') -eq 1 ] && ! grep -qx '$parent' <<<'$cpids'"
# The marker started before the tool: its parent is known from /proc at start.
start_marker c2
start_tool syscount "$T/outc2" -c "$$" --syscall getppid "${cache[@]}"
wait_ready "$T/outc2" '^Tracing syscall'
check "-c: marker ran (2)" run_marker
check "-c: SIGINT, status 0 (2)" stop_tool INT
end_marker
check "-c --syscall getppid: the marker's $NPPID calls" has_line "$T/outc2" "$(row getppid "$NPPID")"
check "-c: -v says where the parent comes from" grep -q -- "-c: " "$T/outc.err"
finish
