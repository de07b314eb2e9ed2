#!/usr/bin/env bash
# memleak, user mode, for real: memload leaks 10 x 1000 bytes from leak_a() (malloc) and
# 3 x 4096 from leak_b() (calloc 4 x 1024), and allocates and frees 100 x 500 bytes in
# churn(). memleak -p shows exactly 10000 bytes in 10 allocations under a stack whose first
# frame is leak_a, 12288 in 3 under leak_b, nothing from churn, and with -a the 13 blocks;
# -c starts the command and sees the same; --json validates. Bad input.
. "$(dirname "$0")/lib.sh"
: "${MEMLOAD:?MEMLOAD must name the memload test workload}"
cache=(--cache-dir "$T/cache")
trap 'kill_workloads; cleanup' EXIT

# last_report FILE: the lines of the last report.
last_report() { awk '/ stacks with outstanding allocations:$/ {n = 0; delete l} {l[n++] = $0} END {for (i = 0; i < n; i++) print l[i]}' "$1"; }
# block FILE BYTES COUNT FUNC: a stack of BYTES in COUNT allocations whose first frame is FUNC.
block() {
    last_report "$1" | awk -v b="$2" -v c="$3" -v f="$4" '
        $0 == "\t" b " bytes in " c " allocations from stack" { getline; if ($0 ~ "^\t\t(0x[0-9a-f]+\t)?" f "\\+0x[0-9a-f]+ \\[memload\\]$") ok = 1 }
        END { exit !ok }'
}

# 1) -p PID -a, a report every second.
workload "$T/w" "$MEMLOAD" leak
start_tool memleak "$T/o1" -p "$WPID" -a 1 "${cache[@]}"
check "banner as BCC's" wait_ready "$T/o1" "^Attaching to pid $WPID, Ctrl\+C to quit\.$"
kill -USR1 "$WPID"
check "the workload leaked" wait_for "$T/w" '^leaked' 10
sleep 2.5 # two more reports: the leaks are older than -o 500 ms in them
check "stops on SIGINT, status 0" stop_tool INT
last_report "$T/o1"
check "leak_a: 10000 bytes in 10 allocations" block "$T/o1" 10000 10 leak_a
check "leak_b: 12288 bytes in 3 allocations" block "$T/o1" 12288 3 leak_b
no_churn() { ! last_report "$1" | grep -q 'churn+'; }
check "churn: nothing outstanding" no_churn "$T/o1"
check "-a: the ten 1000-byte blocks" test "$(last_report "$T/o1" | grep -cE $'^\taddr = [0-9a-f]+ size = 1000$')" = 10
check "-a: the three 4096-byte blocks" test "$(last_report "$T/o1" | grep -cE $'^\taddr = [0-9a-f]+ size = 4096$')" -ge 3
check "frames: 0x%016x, tab, name+0xoff [memload]" grep -qP '^\t\t0x[0-9a-f]{16}\tleak_a\+0x[0-9a-f]+ \[memload\]$' "$T/o1"
check "no program left loaded" progs_gone "$T/o1.err"
kill_workloads

# 2) -c: the command started by memleak, traced from its first allocation; --json.
start_tool memleak "$T/o2" -c "$MEMLOAD leaknow" --json 1 "${cache[@]}"
check "-c --json: ready" wait_ready "$T/o2.err" 'ready: tracing'
check "-c: a report with leak_a's 10 blocks" wait_for "$T/o2" '"bytes":10000,"allocations":10,"stack":\[\{[^]]*"symbol":"leak_a"' 15
check "-c: stops on SIGINT" stop_tool INT
child=$(sed -n 's/^ready \([0-9]*\)$/\1/p' "$T/o2" | head -n1)
[ -n "$child" ] && kill "$child" 2>/dev/null || true
if python3 -c 'import jsonschema' 2>/dev/null; then
    grep '^{' "$T/o2" >"$T/o2.json"
    check "--json: valid against schemas/memleak.schema.json" python3 "$(dirname "$0")/json_validate.py" \
        "$(dirname "$0")/../../schemas/memleak.schema.json" "$T/o2.json" \
        --expect "any(s['bytes'] == 12288 and s['allocations'] == 3 and s['stack'][0]['symbol'] == 'leak_b' and s['stack'][0]['module'] == 'memload' for s in r['stacks'])"
else
    prereq "python3-jsonschema (Debian package)"
fi

# 3) Bad input.
: >"$T/noexec"
bad() {
    local re=$1 rc=0; shift
    "$BIN/memleak" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    [ "$rc" = 2 ] && grep -qE -- "$re" "$T/bad.err" || { echo "rc=$rc" >&2; cat "$T/bad.err" >&2; return 1; }
}
check "-p of no process refused" bad '-p 999999999: no such process' -p 999999999
check "-c of no command refused" bad "-c 'kscope-no-such-command': command not found" -c kscope-no-such-command
check "-p with -c refused" bad 'not both' -p 1 -c true
check "-c of a file that is not executable refused" bad "-c '$T/noexec': command not found \(or not executable\)" -c "$T/noexec"
static_marker
check "-p of a static binary: no C library to probe" bad "-p $WPID: it maps no C library \(a static binary has no C library to probe\)\$" -p "$WPID"
kill_workloads

# 4) -p of a process that exits while traced: the tool ends by itself, says so, status 0.
mkfifo "$T/go"
workload "$T/m" sh -c 'echo ready; read x <"$1"' _ "$T/go"
start_tool memleak "$T/o4" -p "$WPID" "${cache[@]}"
check "exiting process: ready" wait_ready "$T/o4" "^Attaching to pid $WPID, Ctrl\+C to quit\.$"
echo go >"$T/go"
check "exiting process: memleak ends by itself, status 0" wait_exit 20
check "exiting process: says it exited" grep -qx "memleak: process $WPID exited; detaching" "$T/o4.err"
check "exiting process: no program left loaded" progs_gone "$T/o4.err"
finish
