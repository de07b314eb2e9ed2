#!/usr/bin/env bash
# biosnoop, for real: direct-I/O writes and reads of known sizes, by processes of known pid,
# on a loop device of the test's own: one line per request, naming the process that
# submitted it, with its disk, direction, sector and size; -Q, -P, -d, -p; BCC's columns.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/blockio.bash"

loop_disk 32
cache=(--cache-dir "$T/cache")

# 1) --json -Q -P: 16 sequential 64 KiB writes, then 8 sequential 16 KiB reads.
gate_dd if=/dev/zero of="$LOOP" bs=64k count=16 oflag=direct
W=$GPID
start_tool biosnoop "$T/j" --json -Q -P "${cache[@]}"
wait_ready "$T/j.err" 'ready: tracing'
go
gate_dd if="$LOOP" of=/dev/null bs=16k count=8 iflag=direct
R=$GPID
go
sleep 0.5
check "SIGINT: exit status 0" stop_tool INT
check "--json: valid" python3 "$(dirname "$0")/json_validate.py" \
    "$(dirname "$0")/../../schemas/biosnoop.schema.json" "$T/j" --min 24
on=$T/j
mine() { json_sum "$on" "r['disk'] == '$LOOP_NAME' and $1" bytes; }
check "writer $W: 16 writes of 65536 bytes by dd (got $(mine "r['pid'] == $W"))" \
    test "$(mine "r['pid'] == $W and r['comm'] == 'dd' and r['rw'] == 'W' and r['bytes'] == 65536")" = "16 1048576"
check "reader $R: 8 reads of 16384 bytes by dd (got $(mine "r['pid'] == $R"))" \
    test "$(mine "r['pid'] == $R and r['comm'] == 'dd' and r['rw'] == 'R' and r['bytes'] == 16384")" = "8 131072"
check "nothing else on $LOOP_NAME" test "$(mine "r['pid'] not in ($W, $R)")" = "0 0"
check "the writes' sectors: 0, 128, ..., 1920" test "$(mine "r['pid'] == $W and r['sector'] % 128 == 0 and r['sector'] < 2048")" = "16 1048576"
check "-P: the writes after the first are sequential" test "$(mine "r['pid'] == $W and r['pattern'] == 'S'" | cut -d' ' -f1)" -ge 15
check "-Q, latency: measured, plausible (< 10 s)" \
    test "$(mine "r['pid'] in ($W, $R) and 0 < r['latency_ns'] < 10**10 and 0 <= r['queue_ns'] < 10**10" | cut -d' ' -f1)" = 24

# 2) Text with -d and -Q: BCC's header and rows.
start_tool biosnoop "$T/t" -Q -d "$LOOP_NAME" "${cache[@]}"
wait_ready "$T/t" '^TIME\(s\)'
gate_dd if=/dev/zero of="$LOOP" bs=4k count=4 seek=100 oflag=direct
W=$GPID
go
dd if=/dev/zero of="$T/other" bs=4k count=4 oflag=direct conv=fsync status=none
wait_for "$T/t" "^[0-9.]+ +dd +$W +$LOOP_NAME +W 824 +4096 +[0-9.]+ +[0-9.]+$" 10
check "SIGINT: exit status 0" stop_tool INT
head=$(printf '%-11s %-14s %-7s %-9s %-1s %-10s %-7s%7s %7s' 'TIME(s)' COMM PID DISK T SECTOR BYTES 'QUE(ms)' 'LAT(ms)')
check "header as BCC prints it" test "$(head -n1 "$T/t")" = "$head"
check "4 writes of 4096 bytes at sectors 800-824, BCC's columns" test "$(grep -cE \
    "^[0-9]+\.[0-9]{6} +dd {13}$W +$LOOP_NAME +W (800|808|816|824) +4096 +[0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2}$" "$T/t")" = 4
check "-d $LOOP_NAME: no other disk" test "$(tail -n +2 "$T/t" | grep -vc " $LOOP_NAME ")" = 0
check "no program left loaded" progs_gone "$T/t.err"

# 3) -p: only what that process submitted.
gate_dd if="$LOOP" of=/dev/null bs=16k count=8 iflag=direct
R=$GPID
start_tool biosnoop "$T/p" --json -p "$R" "${cache[@]}"
wait_ready "$T/p.err" 'ready: tracing'
dd if=/dev/zero of="$LOOP" bs=64k count=4 oflag=direct status=none
go
sleep 0.5
check "-p: SIGINT, exit status 0" stop_tool INT
on=$T/p
check "-p $R: its 8 reads and nothing else" test "$(mine "r['pid'] == $R"):$(json_sum "$T/p" "r['pid'] != $R" bytes)" = "8 131072:0 0"

# Bad input: an unknown disk lists the known ones; exit 2.
rc=0
"$BIN/biosnoop" -d no-such-disk >"$T/bad" 2>&1 || rc=$?
check "-d no-such-disk: exit 2" test "$rc" = 2
check "-d no-such-disk: names it and lists the disks ($LOOP_NAME among them)" \
    grep -qE "no such disk 'no-such-disk' \(known disks: .*\b$LOOP_NAME\b" "$T/bad"
finish
