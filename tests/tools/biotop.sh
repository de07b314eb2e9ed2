#!/usr/bin/env bash
# biotop, for real: direct-I/O writes and reads of known sizes, by processes of known pid,
# on a loop device of the test's own. The rows name each process, its disk and direction
# with exactly its I/O count and bytes; the screen is BCC's (loadavg line, header, rows by
# bytes, -r, interval and count); --json carries the same rows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/blockio.bash"

loop_disk 32
cache=(--cache-dir "$T/cache")
maj=${LOOP_DEV%:*} min=${LOOP_DEV#*:}

# 1) --json, 1 s intervals: a writer (16 x 64 KiB) and a reader (8 x 16 KiB).
gate_dd if=/dev/zero of="$LOOP" bs=64k count=16 oflag=direct
W=$GPID
start_tool biotop "$T/j" --json 1 "${cache[@]}"
wait_ready "$T/j.err" 'ready: tracing'
go
gate_dd if="$LOOP" of=/dev/null bs=16k count=8 iflag=direct
R=$GPID
go
sleep 1.5
check "SIGINT: exit status 0" stop_tool INT
check "--json: valid, loadavg and rows" python3 "$(dirname "$0")/json_validate.py" \
    "$(dirname "$0")/../../schemas/biotop.schema.json" "$T/j" --min 2 \
    --expect 'len(r["loadavg"]) == 3 and r["key"] == "pid_disk"'
w=$(json_sum "$T/j" "r['pid'] == $W and r['comm'] == 'dd' and r['rw'] == 'W' and r['disk'] == '$LOOP_NAME' and (r['major'], r['minor']) == ($maj, $min)" bytes)
check "writer $W: 1 MiB written to $LOOP_NAME (got rows, bytes: $w)" test "${w#* }" = 1048576
wio=$(json_sum "$T/j" "r['pid'] == $W and r['rw'] == 'W'" io)
check "writer $W: 16 I/Os (got ${wio#* })" test "${wio#* }" = 16
r=$(json_sum "$T/j" "r['pid'] == $R and r['comm'] == 'dd' and r['rw'] == 'R' and r['disk'] == '$LOOP_NAME'" bytes)
check "reader $R: 128 KiB read (got $r)" test "${r#* }" = 131072
rio=$(json_sum "$T/j" "r['pid'] == $R and r['rw'] == 'R'" io)
check "reader $R: 8 I/Os (got ${rio#* })" test "${rio#* }" = 8
check "no other process's I/O on $LOOP_NAME" \
    test "$(json_sum "$T/j" "r['disk'] == '$LOOP_NAME' and r['pid'] not in ($W, $R)" io)" = "0 0"
check "rows sorted by bytes, largest first" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    b = [r["bytes"] for r in json.loads(line)["rows"]]
    assert b == sorted(b, reverse=True), b' "$T/j"

# 2) Text, -C, -p, interval 2 and count 2: BCC's screen and the writer's row; exits by itself.
gate_dd if=/dev/zero of="$LOOP" bs=64k count=16 oflag=direct
W=$GPID
start_tool biotop "$T/t" -C -p "$W" 2 2 "${cache[@]}"
wait_ready "$T/t" '^Tracing\.\.\. Output every 2 secs\. Hit Ctrl-C to end$'
go
check "interval and count: exits by itself with status 0" wait_exit 30
check "the loadavg line, then a blank line, then BCC's header (twice)" test "$(grep -A2 -E \
    '^[0-9]{2}:[0-9]{2}:[0-9]{2} loadavg: [0-9.]+ [0-9.]+ [0-9.]+ [0-9]+/[0-9]+ [0-9]+$' "$T/t" |
    grep -cx 'PID     COMM             D MAJ MIN DISK       I/O  Kbytes  AVGms')" = 2
row=$(printf '%-7d %-16s %1s %-3d %-3d %-8s %5s %7s ' "$W" dd W "$maj" "$min" "$LOOP_NAME" 16 1024.0)
check "the writer's row, BCC's columns: '$row'" grep -qE -- "^$row +[0-9]+\.[0-9]{2}\$" "$T/t"
check "-C: no screen clearing" bash -c "! grep -q $'\e' '$T/t'"
check "Detaching... at the end" test "$(tail -n1 "$T/t")" = "Detaching..."
check "no program left loaded" progs_gone "$T/t.err"

# -r 1: at most one row per screen, whatever the machine's other I/O.
start_tool biotop "$T/r" -r 1 1 3 "${cache[@]}"
wait_ready "$T/r" '^Tracing'
dd if=/dev/zero of="$LOOP" bs=64k count=16 oflag=direct status=none
dd if="$LOOP" of=/dev/null bs=16k count=8 iflag=direct status=none
check "-r 1: exits by itself" wait_exit 30
check "-r 1: at most one row under each of the 3 headers" awk '
    /^PID +COMM/ {h++; rows = 0; next} h && /^[0-9]+ / {if (++rows > 1) bad = 1}
    END {exit (h == 3 && !bad) ? 0 : 1}' "$T/r"

# 3) -p: only the process asked for.
gate_dd if="$LOOP" of=/dev/null bs=16k count=8 iflag=direct
R=$GPID
start_tool biotop "$T/p" --json -p "$R" 1 "${cache[@]}"
wait_ready "$T/p.err" 'ready: tracing'
dd if=/dev/zero of="$LOOP" bs=64k count=4 oflag=direct status=none
go
sleep 1.5
check "-p: SIGINT, exit status 0" stop_tool INT
pr=$(json_sum "$T/p" "r['pid'] == $R and r['rw'] == 'R'" io)
check "-p $R: its 8 reads (got ${pr#* })" test "${pr#* }" = 8
check "-p $R: no other process" test "$(json_sum "$T/p" "r['pid'] != $R" io)" = "0 0"

# Bad input: exit 2, one line.
for bad in "-r 0" "-r x" "-p nope" "0"; do
    rc=0
    "$BIN/biotop" $bad >"$T/bad" 2>&1 || rc=$?
    check "biotop $bad: usage error (2), one line" test "$rc:$(wc -l <"$T/bad")" = "2:2"
done
finish
