#!/usr/bin/env bash
# --prom, with the real parts: Debian's node_exporter on a free loopback port reads the
# tools' files through its textfile collector; the test scrapes /metrics with curl and
# compares kscope's metrics with the tools' own text for the same intervals (direct-I/O
# writes for biolatency, a marker's known syscalls for syscount). promtool accepts the
# files. Bad input: a missing, read-only or directory target (exit 2, nothing attached),
# and a full disk (a warning per failed write, the last good file kept, tracing goes on).
. "$(dirname "$0")/lib.sh"
CHECK="python3 $(dirname "$0")/prom_check.py"
cache=(--cache-dir "$T/cache")

# ---- a full disk, run in a private mount namespace (re-entered below) ----
if [ "${1:-}" = fulldisk ]; then
    d=$2
    mount -t tmpfs -o size=128k kscope-test "$d"
    start_tool syscount "$d/../full.out" --prom "$d/syscount.prom" 1 "${cache[@]}"
    for ((i = 0; i < 100; i++)); do [ -s "$d/syscount.prom" ] && break; sleep 0.1; done
    [ -s "$d/syscount.prom" ] || { echo "no first file" >&2; exit 1; }
    dd if=/dev/zero of="$d/fill" bs=4k status=none 2>/dev/null || true # until ENOSPC
    sleep 0.3
    cp "$d/syscount.prom" "$d/../kept.prom"
    before=$(grep -c 'warning: --prom' "$d/../full.out.err" || true)
    sleep 3.2
    after=$(grep -c 'warning: --prom' "$d/../full.out.err" || true)
    check "full disk: a warning per failed write ($((after - before)) in ~3 intervals)" \
        test $((after - before)) -ge 2 -a $((after - before)) -le 5
    check "full disk: the warning says why and that the file is kept" \
        grep -q "warning: --prom: cannot write in $d: No space left on device; $d/syscount.prom keeps its previous metrics" "$d/../full.out.err"
    check "full disk: the last good file is kept, whole" cmp -s "$d/syscount.prom" "$d/../kept.prom"
    check "full disk: no temporary file left" test "$(ls -A "$d")" = "$(printf 'fill\nsyscount.prom')"
    check "full disk: the tool keeps tracing" kill -0 "$TOOL_PID"
    rm -f "$d/fill"
    sleep 1.5
    check "space again: the file is written again" bash -c '! cmp -s "$1" "$2"' _ "$d/syscount.prom" "$d/../kept.prom"
    check "space again: promtool accepts it" promtool check metrics <"$d/syscount.prom"
    check "full disk: SIGINT, exit status 0" stop_tool INT
    finish
    exit
fi

for c in prometheus-node-exporter promtool curl unshare; do
    command -v "$c" >/dev/null || prereq "$c not installed (scripts/test.sh installs it)"
done

# ---- node_exporter on a free loopback port, reading $T/textfile ----
mkdir -p "$T/textfile"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
    --collector.textfile --collector.textfile.directory="$T/textfile" >"$T/ne.log" 2>&1 &
NE_PID=$!
trap 'kill $NE_PID 2>/dev/null || true; cleanup' EXIT
scrape() { curl -sf "http://127.0.0.1:$port/metrics" >"$1"; }
for ((i = 0; i < 100; i++)); do scrape "$T/m0" && break; sleep 0.1; done
check "node_exporter serves /metrics on 127.0.0.1:$port" scrape "$T/m0"
# wait_metric FILE REGEX: scrape until a line matches (the file follows the text).
wait_metric() {
    for ((i = 0; i < 100; i++)); do
        scrape "$1" && grep -qE "$2" "$1" && return 0
        sleep 0.1
    done
    echo "no metric /$2/ in the scrape" >&2
    return 1
}

# ---- biolatency: direct-I/O writes on the build tree's disk ----
io_disk prom
disk=$IO_DISK
trap 'kill $NE_PID 2>/dev/null || true; rm -f "$IO_FILE"; cleanup' EXIT

prom=$T/textfile/biolatency.prom
start_tool biolatency "$T/bio" -D -T --prom "$prom" 3 2 "${cache[@]}"
wait_ready "$T/bio" '^Tracing block device I/O'
write_direct 8
check "biolatency: first interval printed" wait_for "$T/bio" "^disk = $disk\$" 10
check "biolatency: node_exporter serves the first interval" \
    wait_metric "$T/m1" "^kscope_biolatency_io_seconds_count\{disk=\"$disk\"\} [1-9]"
check "biolatency: scrape = the text of interval 1" $CHECK bio "$T/bio" "$T/m1" "$disk" running 1
write_direct 8
check "biolatency: interval and count: exits by itself, status 0" wait_exit 30
check "biolatency: the file = the text of intervals 1+2 (totals since start)" \
    $CHECK bio "$T/bio" "$prom" "$disk" settled 1 2
check "biolatency: node_exporter serves the same totals" \
    wait_metric "$T/m2" "^kscope_biolatency_io_seconds_count\{disk=\"$disk\"\} $(grep -oP "^kscope_biolatency_io_seconds_count\{disk=\"$disk\"\} \K\d+" "$prom")\$"
check "biolatency: the scrape = the text of intervals 1+2" $CHECK bio "$T/bio" "$T/m2" "$disk" settled 1 2
check "biolatency: _sum is measured in BPF under KS_PROM" bash -c \
    '"$1/biolatency" --ebpf --prom "$2" | grep -q "^#define KS_PROM 1"' _ "$BIN" "$prom"
check "biolatency: promtool check metrics accepts the file" promtool check metrics <"$prom"
check "node_exporter read the files without errors" \
    grep -qx 'node_textfile_scrape_error 0' "$T/m2"
check "biolatency: no program left loaded" progs_gone "$T/bio.err"

# ---- syscount -L: a marker's known syscalls ----
NPPID=2719 NOPEN=1117 NPGID=613
MFIFO="$T/fifo"
mkfifo "$MFIFO"
"$TESTUTIL" syscalls "$MFIFO" "$NPPID" "$NOPEN" "$NPGID" >"$MFIFO.out" &
MPID=$!
wait_for "$MFIFO.out" '^ready$' 30
prom=$T/textfile/syscount.prom
start_tool syscount "$T/sc" -L -p "$MPID" --prom "$prom" "${cache[@]}"
wait_ready "$T/sc" '^Tracing syscalls'
timeout 30 bash -c 'echo go >"$1"' _ "$MFIFO"
check "syscount: marker ran" wait_for "$MFIFO.out" '^done$' 30
check "syscount: SIGINT, exit status 0" stop_tool INT
timeout 30 bash -c 'echo exit >"$1"' _ "$MFIFO" || true
wait "$MPID" || true
check "syscount: node_exporter serves getppid = $NPPID" \
    wait_metric "$T/m3" "^kscope_syscount_syscalls_total\{syscall=\"getppid\"\} $NPPID\$"
for sc in getppid getpgid; do
    check "syscount: $sc: count and seconds in the scrape = the text" $CHECK sys "$T/sc" "$T/m3" $sc
done
check "syscount: promtool check metrics accepts the file" promtool check metrics <"$prom"
check "syscount: --prom without an interval says the file is written only at the end" \
    grep -q "warning: --prom without an interval writes $prom only at the end" "$T/sc.err"
check "syscount: counters typed and named as Prometheus asks" \
    grep -qx '# TYPE kscope_syscount_syscall_seconds_total counter' "$prom"

# ---- label values with quotes and backslashes (a process name), -P ----
odd="$T/q\"b\\s"
cp /bin/sleep "$odd"
start_tool syscount "$T/scp" -P --prom "$T/textfile/odd.prom" "${cache[@]}"
wait_ready "$T/scp" '^Tracing syscalls'
"$odd" 30 &  # alive at output: named from /proc, as BCC does
ODD=$!
sleep 0.5
check "-P: SIGINT, exit status 0" stop_tool INT
kill $ODD
check "-P: the name escaped in the label" grep -qF 'comm="q\"b\\s"' "$T/textfile/odd.prom"
check "-P: promtool accepts it" promtool check metrics <"$T/textfile/odd.prom"
check "-P: node_exporter parses it" wait_metric "$T/m4" 'comm="q\\"b\\\\s"'

# ---- bad input: one clear error at start, exit status 2, nothing attached ----
bad() { # bad WHAT EXPECTED-MESSAGE-REGEX --prom ARG [launcher...]
    local what=$1 re=$2 arg=$3 rc=0; shift 3
    "$@" "$BIN/biolatency" -v --prom "$arg" "${cache[@]}" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    check "$what: exit status 2 (got $rc)" test $rc = 2
    check "$what: one line on stderr" test "$(wc -l <"$T/bad.err")" = 1
    check "$what: says what is wrong" grep -qE "$re" "$T/bad.err"
    check "$what: nothing compiled or attached" bash -c '! grep -qE "attached|compil" "$1"' _ "$T/bad.err"
    check "$what: nothing printed" test ! -s "$T/bad.out"
}
bad "missing directory" "^biolatency: error: --prom $T/none/x.prom: directory $T/none does not exist" "$T/none/x.prom"
bad "a directory as FILE" "is a directory; give a file name in it" "$T/textfile"
mkdir "$T/ro"
bad "read-only directory" "cannot create files in $T/ro: Read-only file system" "$T/ro/x.prom" \
    unshare -m --propagation private sh -c 'mount -t tmpfs -o ro,size=64k kscope-test "$1" && shift && exec "$@"' _ "$T/ro"

# ---- a full disk (small tmpfs, private mount namespace) ----
mkdir "$T/full"
check "full disk: all checks inside passed" \
    unshare -m --propagation private bash "$0" fulldisk "$T/full"
finish
