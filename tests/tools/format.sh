#!/usr/bin/env bash
# Text output against BCC's format strings: each tool runs twice at once, as text and as
# --json, with the same options and filters, and sees the same events; bcc_format.py checks
# that the text header and every event line are BCC's formats applied to the JSON values.
. "$(dirname "$0")/lib.sh"

F="$(dirname "$0")/bcc_format.py"
# pair TOOL READY_REGEX OPTIONS...: start text and JSON instances; wait for both.
pair() {
    local tool=$1 re=$2; shift 2
    rm -f "$T/text" "$T/json" "$T/json.err" # no stale readiness line from the last pair
    "$BIN/$tool" "$@" >"$T/text" 2>"$T/text.err" &
    TEXT_PID=$!
    start_tool "$tool" "$T/json" --json "$@" --cache-dir "$T/cache"
    wait_ready "$T/json.err" 'ready: tracing'
    local i
    for ((i = 0; i < 600; i++)); do
        grep -qE "$re" "$T/text" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "$tool (text) not ready" >&2
    return 1
}
# unpair: stop both (SIGINT), then compare.
unpair() {
    local tool=$1; shift
    kill -INT "$TEXT_PID"
    wait "$TEXT_PID" || true
    stop_tool INT || true
    check "$tool $*: text as BCC's formats print the JSON values" \
        python3 "$F" "$tool" "$T/text" "$T/json" "$@"
}

mkdir -p "$T/bin"
cp /bin/cat "$T/bin/ksjfmt"
echo data >"$T/f"
for opts in "" "-U" "-e" "-U -e"; do
    # shellcheck disable=SC2086
    pair opensnoop '^(UID +)?PID' -n ksjfmt $opts
    "$T/bin/ksjfmt" "$T/f" "$T/missing" "$T/with space" >/dev/null 2>&1 || true
    sleep 0.3
    # shellcheck disable=SC2086
    unpair opensnoop -n ksjfmt $opts
done
# -t: a thread that opens only once both are ready (it polls with stat, which opens nothing).
bash -c 'while [ ! -e "$1" ]; do sleep 0.05; done; : <"$2"' _ "$T/go-open" "$T/f" &
target=$!
pair opensnoop '^TID' -t "$target"
touch "$T/go-open"
wait "$target"
sleep 0.3
unpair opensnoop -t "$target"

for opts in "" "-U" "-q" "-U -q -x"; do
    # shellcheck disable=SC2086
    pair execsnoop 'PCOMM' -n ksjfmt $opts
    "$T/bin/ksjfmt" "$T/f" 'a b' $'c\nd' '"q"' >/dev/null 2>&1 || true
    "$T/bin/ksjfmt" /nonexistent-ksj 2>/dev/null || true
    sleep 0.3
    # shellcheck disable=SC2086
    unpair execsnoop -n ksjfmt $opts
done

# syscount: one process, waiting on a FIFO until both instances are ready.
mkfifo "$T/go"
for opts in "" "-P"; do
    bash -c 'read -r _ <"$1"; for i in $(seq 30); do : <"$2"; done' _ "$T/go" "$T/f" &
    target=$!
    # shellcheck disable=SC2086
    pair syscount '^Tracing' -p "$target" $opts
    echo go >"$T/go"
    wait "$target"
    # shellcheck disable=SC2086
    unpair syscount -p "$target" $opts
done

# biolatency: direct I/O on a loop device only this test uses, so both see the same I/O.
img="$T/img"
truncate -s 64M "$img"
loop=$(losetup --find --show "$img" 2>/dev/null) || prereq "no loop device (losetup)"
trap 'losetup -d "$loop" 2>/dev/null; cleanup' EXIT
pair biolatency '^Tracing' -D
dd if=/dev/zero of="$loop" bs=4k count=300 oflag=direct status=none
dd if="$loop" of=/dev/null bs=64k count=100 iflag=direct status=none
sleep 0.3
kill -INT "$TEXT_PID"
stop_tool INT || true
wait "$TEXT_PID" || true
# Other disks' I/O may differ between the two: keep only this loop device's section.
python3 - "$T/json" "$(basename "$loop")" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read())
r["histograms"] = [h for h in r["histograms"] if h["disk"] == sys.argv[2]]
assert r["histograms"], "no histogram for " + sys.argv[2]
open(sys.argv[1], "w").write(json.dumps(r) + "\n")
PY
check "biolatency -D: the loop device's histogram as BCC's printer prints the JSON counts" \
    python3 "$F" biolatency "$T/text" "$T/json" -D
finish
