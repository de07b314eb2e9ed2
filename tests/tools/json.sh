#!/usr/bin/env bash
# --json, for real: every tool's output under a workload this test causes, each line
# validated against the tool's schema (schemas/, python3-jsonschema), and the known events
# checked field by field. Also --check --json and --ebpf --json for every tool, and
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

for tool in execsnoop opensnoop biolatency syscount; do
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

# kscope-doctor --json: one indented document, same writer.
"$BIN/kscope-doctor" --json >"$T/doctor" 2>/dev/null || true
check "kscope-doctor --json: valid against its schema, every tool listed" \
    valid doctor "$T/doctor" --document \
    --expect "{t['name'] for t in r['tools']} >= {'biolatency', 'execsnoop', 'opensnoop', 'syscount'}"
finish
