#!/usr/bin/env bash
# biopattern, for real, on a loop device of the test's own: a sequential writer (32 x
# 64 KiB, one after the other) is 100% sequential, a random one (8 x 4 KiB at scattered
# offsets) 100% random, with exactly their request counts and kilobytes; BCC's columns; -d.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/blockio.bash"

loop_disk 32
cache=(--cache-dir "$T/cache")
head=$(printf '%-9s %-7s %5s %5s %8s %10s' TIME DISK '%RND' '%SEQ' COUNT KBYTES)

# Sequential: the first request has nothing before it; the 31 others follow one another.
start_tool biopattern "$T/s" -d "$LOOP_NAME" "${cache[@]}"
wait_ready "$T/s" "^TIME +DISK"
dd if=/dev/zero of="$LOOP" bs=64k count=32 oflag=direct status=none
sleep 0.3
check "SIGINT: exit status 0" stop_tool INT
check "header as BCC prints it" test "$(head -n1 "$T/s")" = "$head"
row=$(printf '%-7s %5d %5d %8d %10d' "$LOOP_NAME" 0 100 31 1984)
check "sequential writer: '$row'" grep -qE "^[0-9]{2}:[0-9]{2}:[0-9]{2}  $row\$" "$T/s"

# Random: 8 writes of 4 KiB, no one where the previous ended; JSON with an interval.
start_tool biopattern "$T/r" --json -d "$LOOP_NAME" 1 "${cache[@]}"
wait_ready "$T/r.err" 'ready: tracing'
for off in 900 17 512 3 777 250 60 1400; do
    dd if=/dev/zero of="$LOOP" bs=4k count=1 seek="$off" oflag=direct status=none
done
sleep 1.5
check "--json: SIGINT, exit status 0" stop_tool INT
check "--json: valid" python3 "$(dirname "$0")/json_validate.py" \
    "$(dirname "$0")/../../schemas/biopattern.schema.json" "$T/r"
check "random writer: 7 random requests, 28 KiB, nothing sequential" python3 -c '
import json, sys
rows = [r for l in open(sys.argv[1]) for r in json.loads(l)["rows"] if r["disk"] == sys.argv[2]]
assert all(r["random_pct"] == 100 and r["sequential_pct"] == 0 for r in rows), rows
assert sum(r["count"] for r in rows) == 7 and sum(r["bytes"] for r in rows) == 28672, rows
' "$T/r" "$LOOP_NAME"

rc=0
"$BIN/biopattern" -d no-such-disk >"$T/bad" 2>&1 || rc=$?
check "-d no-such-disk: exit 2, the known disks listed" \
    bash -c "[ $rc = 2 ] && grep -q 'known disks: .*$LOOP_NAME' '$T/bad'"
finish
