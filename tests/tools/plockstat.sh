#!/usr/bin/env bash
# plockstat, for real: memload's two threads take one pthread mutex 5 times each, holding
# it 100 ms each time (in hold_lock()). The hold table has hold_lock's row: exactly 10
# holds, each about 100 ms; the wait table has 10 acquisitions of which the waits add up
# to at least 0.4 s (one thread waits for the other's holds); another memload's holds at
# the same time are not counted. Bad input.
. "$(dirname "$0")/lib.sh"
: "${MEMLOAD:?MEMLOAD must name the memload test workload}"
cache=(--cache-dir "$T/cache")
trap 'kill_workloads; cleanup' EXIT
# Another memload at the same time (3 + 3 short holds): -p filters at attach time (the
# program has no PID_FILTER), so none of its holds may be counted.
workload "$T/w2" "$MEMLOAD" mutex 10 3
OTHER=$WPID
workload "$T/w" "$MEMLOAD" mutex 100 5
start_tool plockstat "$T/o" -p "$WPID" "${cache[@]}"
check "banner" wait_ready "$T/o" '^Tracing lock events\.\.\. Hit Ctrl-C to end\.$'
kill -USR1 "$OTHER" "$WPID"
check "the other workload is done" wait_for "$T/w2" '^done' 20
check "the workload is done" wait_for "$T/w" '^done' 20
check "stops on SIGINT, status 0" stop_tool INT
cat "$T/o"
ROW='^ *hold_lock\+0x[0-9a-f]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$'
# Rows after each header: the first table is waits, the second holds.
awk -v re="$ROW" '/Avg Spin/ {t = "wait"} /Avg Hold/ {t = "hold"} $0 ~ re {print t, $2, $3, $4, $5}' "$T/o" >"$T/rows"
cat "$T/rows"
read -r _ wavg wcount wmax wtotal < <(grep '^wait' "$T/rows")
read -r _ havg hcount hmax htotal < <(grep '^hold' "$T/rows")
check "wait: 10 acquisitions by hold_lock" test "${wcount:-0}" = 10
check "wait: at least 0.4 s in all (one thread waits for the other)" test "${wtotal:-0}" -ge 400000000
check "wait: at most 1.2 s in all" test "${wtotal:-0}" -le 1200000000
check "hold: exactly 10 holds by hold_lock" test "${hcount:-0}" = 10
check "hold: 1.0-1.3 s in all (10 x 100 ms)" test "${htotal:-0}" -ge 1000000000 -a "${htotal:-0}" -le 1300000000
check "hold: the longest 100-200 ms" test "${hmax:-0}" -ge 100000000 -a "${hmax:-0}" -le 200000000
check "hold: avg = total / count" test "${havg:-x}" = $((${htotal:-0} / ${hcount:-1}))
check "no program left loaded" progs_gone "$T/o.err"
check "-p is not in the program (one program for every process)" bash -c \
    "a=\$('$BIN/plockstat' --ebpf 2>/dev/null) && b=\$('$BIN/plockstat' --ebpf -p $OTHER 2>/dev/null) &&
     [ -n \"\$a\" ] && [ \"\$a\" = \"\$b\" ]"

bad() {
    local re=$1 rc=0; shift
    "$BIN/plockstat" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    [ "$rc" = 2 ] && grep -qE -- "$re" "$T/bad.err" || { echo "rc=$rc" >&2; cat "$T/bad.err" >&2; return 1; }
}
check "no -p refused" bad '-p PID is required'
check "-p of no process refused" bad '-p 999999999: no such process' -p 999999999
static_marker
check "-p of a static binary: no C library to probe" bad "-p $WPID: it maps no C library \(a static binary has no C library to probe\)\$" -p "$WPID"
kill_workloads

# -p of a process that exits while traced: the tool ends by itself, says so, status 0.
mkfifo "$T/go"
workload "$T/m" sh -c 'echo ready; read x <"$1"' _ "$T/go"
start_tool plockstat "$T/o2" -p "$WPID" "${cache[@]}"
check "exiting process: ready" wait_ready "$T/o2" '^Tracing lock events\.\.\. Hit Ctrl-C to end\.$'
echo go >"$T/go"
check "exiting process: plockstat ends by itself, status 0" wait_exit 20
check "exiting process: says it exited" grep -qx "plockstat: process $WPID exited; detaching" "$T/o2.err"
check "exiting process: no program left loaded" progs_gone "$T/o2.err"
finish
