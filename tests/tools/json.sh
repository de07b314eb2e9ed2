#!/usr/bin/env bash
# --json, for real: every tool's output under a workload this test causes, each line
# validated against the tool's schema (schemas/, python3-jsonschema), and the known events
# checked field by field (the stack tools on stackload's known stacks). Also --check --json and --ebpf --json for every tool, and
# kscope-doctor --json.
. "$(dirname "$0")/lib.sh"

SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
V="$(dirname "$0")/json_validate.py"
python3 -c 'import jsonschema' 2>/dev/null || prereq "python3-jsonschema (Debian package)"
valid() { # valid SCHEMA FILE [validator options]: every line valid, expectations met
    local s=$1 f=$2; shift 2
    python3 "$V" "$SCHEMAS/$s.schema.json" "$f" "$@"
}
# wait_json ERRFILE: JSON has no header line; -v says when tracing has started.
wait_json() { wait_ready "$1" 'ready: tracing'; }

for tool in execsnoop opensnoop biolatency syscount profile offcputime offwaketime wakeuptime; do
    "$BIN/$tool" --check --json >"$T/$tool.check" 2>/dev/null || true
    check "$tool --check --json: valid, a probe per part" \
        valid check "$T/$tool.check" --expect "r['tool'] == '$tool' and len(r['probes']) > 0"
    "$BIN/$tool" --ebpf --json >"$T/$tool.ebpf"
    check "$tool --ebpf --json: the program text in one object" \
        valid ebpf "$T/$tool.ebpf" --expect "'#define' in r['bpf_program']"
    "$BIN/$tool" --ebpf --json --check >"$T/$tool.both" 2>/dev/null || true
    check "$tool --ebpf --check --json: the check object (check wins)" \
        valid check "$T/$tool.both"
done

# opensnoop: a success, a failure with a path that is not UTF-8, and -t on this shell.
good="$T/ks-json-ok"
bad=$T/$'ks-json-\xff\x80-missing'
echo data >"$good"
start_tool opensnoop "$T/open" --json -T -U -e --cache-dir "$T/cache"
wait_json "$T/open.err"
cat "$good" >/dev/null &
gpid=$!
wait "$gpid"
cat "$bad" 2>/dev/null &
bpid=$!
wait "$bpid" || true
wait_for "$T/open" 'ks-json-.*missing' 10 || true
check "opensnoop --json: SIGINT exit 0" stop_tool INT
check "opensnoop --json -T -U -e: valid; the open and the failure as they happened" \
    valid opensnoop "$T/open" \
    --expect "r['pid'] == $gpid and r['comm'] == 'cat' and r['path'] == '$good' and r['fd'] >= 0 and r['errno'] == 0 and r['uid'] == 0 and r['elapsed_ns'] >= 0 and r['flags'] >= 0" \
    --expect "r['pid'] == $bpid and r['fd'] is None and r['errno'] == 2 and r['path'] == '$T/ks-json-\ufffd\ufffd-missing'"
start_tool opensnoop "$T/open2" --json -t $$ --cache-dir "$T/cache"
wait_json "$T/open2.err"
: <"$good"
wait_for "$T/open2" "ks-json-ok" 10 || true
stop_tool INT || true
check "opensnoop --json -t: the thread id, no pid" \
    valid opensnoop "$T/open2" --expect "r['tid'] == $$ and 'pid' not in r and r['path'] == '$good'"

# execsnoop: arguments with a space, a newline, quotes and a byte that is not UTF-8.
cp /bin/true "$T/ksjtrue"
start_tool execsnoop "$T/exec" --json -T -t -U -x --cache-dir "$T/cache"
wait_json "$T/exec.err"
"$T/ksjtrue" 'a b' $'c\nd' '"q"' $'\xff' &
epid=$!
wait "$epid"
"$T/ks-json-no-such-binary" 2>/dev/null || true
wait_for "$T/exec" 'ks-json-no-such-binary' 10 || true
check "execsnoop --json: SIGINT exit 0" stop_tool INT
check "execsnoop --json -T -t -U -x: valid; the exec and the failed one, arguments exact" \
    valid execsnoop "$T/exec" \
    --expect "r['pid'] == $epid and r['comm'] == 'ksjtrue' and r['ppid'] == $$ and r['retval'] == 0 and r['args'] == ['$T/ksjtrue', 'a b', 'c\nd', '\"q\"', '\ufffd'] and r['time_unix_ns'] > 1e18 and r['uid'] == 0" \
    --expect "r['retval'] == -2 and r['args'][0] == '$T/ks-json-no-such-binary'"

# biolatency: direct-I/O writes on the disk the build tree is on; -D and -j (BCC's flag).
dir=${KSCOPE_TEST_IO_DIR:-$(dirname "$BIN")}
src=$(findmnt -no SOURCE --target "$dir" | head -n1)
disk=$(lsblk -no PKNAME "$src" 2>/dev/null | head -n1)
[ -n "$disk" ] || disk=$(basename "$src")
file="$dir/.kscope-json-bio-$$"
trap 'rm -f "$file"; cleanup' EXIT
if [ -b "/dev/$disk" ]; then
    start_tool biolatency "$T/bio" -D --json 1 2 --cache-dir "$T/cache"
    wait_json "$T/bio.err"
    dd if=/dev/zero of="$file" bs=1M count=16 oflag=direct conv=fsync status=none
    check "biolatency -D --json 1 2: exits by itself" wait_exit 30
    check "biolatency -D --json: valid, two intervals, $disk counted" \
        valid histogram "$T/bio" --min 2 \
        --expect "r['unit'] == 'usecs' and r['section'] == 'disk' and sum(b['count'] for h in r['histograms'] if h['disk'] == '$disk' for b in h['buckets']) >= 16"
    start_tool biolatency "$T/bio2" -j -F -m -e --cache-dir "$T/cache"
    wait_json "$T/bio2.err"
    dd if=/dev/zero of="$file" bs=1M count=8 oflag=direct conv=fsync status=none
    check "biolatency -j: SIGINT exit 0" stop_tool INT
    check "biolatency -j -F -m -e: valid, one object at exit, flags sections, msecs, total and count" \
        valid histogram "$T/bio2" \
        --expect "r['unit'] == 'msecs' and r['section'] == 'flags' and any(h['flags'].endswith('Write') for h in r['histograms']) and r['count'] == sum(b['count'] for h in r['histograms'] for b in h['buckets']) and r['total'] >= 0"
    check "biolatency -j: buckets are BCC's log2 slots" \
        valid histogram "$T/bio2" \
        --expect "all(b['low'] == (0 if i == 0 else 1 << i) and b['high'] == (1 << (i + 1)) - 1 for h in r['histograms'] for i, b in enumerate(h['buckets']))"
else
    fail "biolatency: $dir is not on a block device (found '$src')"
fi

# syscount: a known number of failing syscalls from one process.
start_tool syscount "$T/sc" --json -x -L --cache-dir "$T/cache"
wait_json "$T/sc.err"
bash -c 'for i in $(seq 50); do : <"/nonexistent-ks-json-$i"; done' 2>/dev/null || true
check "syscount --json: SIGINT exit 0" stop_tool INT
check "syscount --json -x -L: valid; the failed openat()s counted with their time" \
    valid syscount "$T/sc" \
    --expect "r['key'] == 'syscall' and any(w['syscall'] == 'openat' and w['syscall_nr'] > 0 and w['count'] >= 50 and w['total_ns'] > 0 for w in r['rows'])"
start_tool syscount "$T/sc2" --json -P -p $$ 1 2 --cache-dir "$T/cache"
wait_json "$T/sc2.err"
for i in $(seq 20); do : <"$good"; done
check "syscount -P --json 1 2: exits by itself" wait_exit 30
check "syscount -P --json: valid, two intervals, this shell counted" \
    valid syscount "$T/sc2" --min 2 \
    --expect "r['key'] == 'pid' and any(w['pid'] == $$ and w['comm'] == 'bash' and w['count'] >= 20 for w in r['rows'])"
"$BIN/syscount" -l --json >"$T/sclist"
check "syscount -l --json: the names" valid syscount-list "$T/sclist" \
    --expect "'openat' in r['syscalls']"

# Stack tools: one object per stack sample (schemas/stack.schema.json), on stackload's
# known stacks (tests/tools/stackload.c): hot_a/hot_b spinning, a nanosleep() thread, a
# ping-pong pair waking each other through pipes.
: "${STACKLOAD:?STACKLOAD must name the stackload test workload}"
trap 'kill_workloads; rm -f "$file"; cleanup' EXIT
# names KEY: the symbols of stack KEY of a record r, leaf first (for --expect).
names() { echo "[f['symbol'] for f in (r.get('$1') or [])]"; }
workload "$T/wh" "$STACKLOAD" hot
start_tool profile "$T/prof" --json -U -F 199 -p "$WPID" 2 --cache-dir "$T/cache"
wait_json "$T/prof.err"
check "profile --json -U -p 2: exits by itself" wait_exit 60
check "profile --json -U: valid; hot_a and hot_b in user stacks, counted; no kernel stack"     valid stack "$T/prof" \
    --expect "r['pid'] == $WPID and r['comm'] == 'stackload' and 'hot_a' in $(names user_stack) and 'main' in $(names user_stack) and r['count'] > 0 and 'kernel_stack' not in r" \
    --expect "r['pid'] == $WPID and 'hot_b' in $(names user_stack)"
check "profile --json: nothing but JSON on stdout (no banner)" \
    bash -c '! grep -v "^{" "$1"' _ "$T/prof"
rc=0
"$BIN/profile" --json -f 1 >/dev/null 2>"$T/prof-f.err" || rc=$?
check "profile --json -f: a usage error (exit 2)" test "$rc" = 2
check "profile --json -f: says why" grep -q -- '-f/--folded and --json are two output formats' "$T/prof-f.err"
kill "$WPID"

workload "$T/ws" "$STACKLOAD" sleep
TID=$(awk '{print $3}' "$T/ws")
start_tool offcputime "$T/off" --json -t "$TID" 2 --cache-dir "$T/cache"
wait_json "$T/off.err"
check "offcputime --json -t 2: exits by itself" wait_exit 60
check "offcputime --json: valid; the sleeper thread in nanosleep, its time in us" \
    valid stack "$T/off" \
    --expect "r['tid'] == $TID and r['pid'] == $WPID and r['comm'] == 'sleeper' and any(s in ('do_nanosleep', 'hrtimer_nanosleep') for s in $(names kernel_stack)) and all(f['module'] is None for f in r['kernel_stack']) and 'sleeper' in $(names user_stack) and 100000 <= r['total_us'] <= 2100000"
kill "$WPID"

workload "$T/wp" "$STACKLOAD" pingpong 200
CPID=$(awk '{print $3}' "$T/wp")
start_tool offwaketime "$T/owt" --json -p "$WPID,$CPID" 2 --cache-dir "$T/cache"
wait_json "$T/owt.err"
check "offwaketime --json 2: exits by itself" wait_exit 60
wake="any(s and ('pipe_write' in s or s == '__wake_up') for s in $(names waker_kernel_stack))"
check "offwaketime --json: valid; each of the pair woken by the other through the pipe" \
    valid stack "$T/owt" \
    --expect "r['comm'] == 'stackload' and r['pid'] == $WPID and r['waker_comm'] == 'pong' and r['waker_pid'] == $CPID and $wake and 'main' in $(names user_stack) and 'schedule' in $(names kernel_stack) and r['total_us'] > 0" \
    --expect "r['comm'] == 'pong' and r['tid'] == $CPID and r['waker_comm'] == 'stackload' and r['waker_pid'] == $WPID and $wake and 'main' in $(names waker_user_stack)"
start_tool wakeuptime "$T/wut" --json -p "$WPID,$CPID" 2 --cache-dir "$T/cache"
wait_json "$T/wut.err"
check "wakeuptime --json 2: exits by itself" wait_exit 60
check "wakeuptime --json: valid; the waker's kernel stack leaf first, no ids" \
    valid stack "$T/wut" \
    --expect "r['comm'] == 'stackload' and r['waker_comm'] == 'pong' and $wake and $(names waker_kernel_stack)[0] == 'try_to_wake_up' and 'pid' not in r and r['total_us'] > 0"
kill "$WPID" "$CPID" 2>/dev/null || true

# kscope-doctor --json: one indented document, same writer.
"$BIN/kscope-doctor" --json >"$T/doctor" 2>/dev/null || true
check "kscope-doctor --json: valid against its schema, every tool listed" \
    valid doctor "$T/doctor" --document \
    --expect "{t['name'] for t in r['tools']} >= {'biolatency', 'execsnoop', 'opensnoop', 'syscount'}"
finish
