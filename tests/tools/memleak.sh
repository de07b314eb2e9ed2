#!/usr/bin/env bash
# memleak, kernel mode, for real: memload opens 400 pipes and writes a byte into each, so
# the kernel allocates 400 pipe pages in pipe_write (anon_pipe_write on 6.16+) and keeps
# them while the pipes stay open. memleak's report has a stack through that function with
# at least 400 allocations of at least 400 pages (other pipes of the machine may add), in
# BCC's format (-a lists the addresses; --combined-only the same stack); --json validates.
# Bad input: -z above -Z, --sort, -p (user mode).
. "$(dirname "$0")/lib.sh"
: "${MEMLOAD:?MEMLOAD must name the memload test workload}"
cache=(--cache-dir "$T/cache")
trap 'kill_workloads; cleanup' EXIT
PAGE=$(getconf PAGESIZE)

# fill OUT: memload (started before the tool, so its exec is over) fills its pipes now
# that the tool is ready, well before the first report.
fill() { kill -USR1 "$WPID"; wait_for "$1" '^filled' 10; }

# stack_total FILE: the largest "N bytes in M allocations" block whose frames name the pipe
# write path: prints "bytes allocations".
stack_total() {
    awk '/^\t[0-9]+ bytes in [0-9]+ allocations from stack$/ { b = $1; n = $4; next }
         /^\t\t/ && /(anon_)?pipe_write\+0x/ && b != "" { if (b > best) { best = b; bn = n } ; b = "" }
         END { print best + 0, bn + 0 }' "$1"
}

# stacks_lost FILE: the pipes' stack may have lost its place in the stack table, which is
# shared with every allocation on the machine (BCC's 10240 entries; a hash collision with
# another test's stacks drops it for the whole run). memleak says so: on stderr, or as a
# "stack information lost" block with --combined-only. A case that missed the pipes for that
# reason runs once more.
stacks_lost() {
    grep -q 'could not keep their stacks' "$1.err" || grep -q 'stack information lost' "$1"
}
# run_case CASE OUT: run the case; again if OUT lacks the pipes' stack because it was lost.
# (The JSON case's test of the pipes is its own: it passes a command as a third argument.)
run_case() {
    local found=${3:-}
    "$1"
    if [ -z "$found" ]; then
        local allocs
        read -r _ allocs < <(stack_total "$2")
        [ "$allocs" -ge 400 ] && found=true || found=false
    fi
    if ! $found >/dev/null 2>&1 && stacks_lost "$2"; then
        echo "note: the pipes' stack was lost from the stack table (a collision): once more"
        kill_workloads
        "$1"
    fi
}

# 1) Text, -a, interval 2, three times: the pipes are filled after the banner and are older
# than -o 500 ms by the second or, on a loaded machine where filling them is slow, the
# third report (the check takes the largest block of any report).
case_text() {
    workload "$T/w" "$MEMLOAD" pipes 400
    start_tool memleak "$T/o1" -a 2 3 "${cache[@]}"
    check "banner as BCC's" wait_ready "$T/o1" '^Attaching to kernel allocators, Ctrl\+C to quit\.$'
    fill "$T/w"
    check "ends after three reports, status 0" wait_exit 60
}
run_case case_text "$T/o1"
check "three reports" test "$(grep -cE '^\[[0-9:]{8}\] Top 10 stacks' "$T/o1")" -eq 3
check "BCC's report header" grep -qE '^\[[0-9]{2}:[0-9]{2}:[0-9]{2}\] Top 10 stacks with outstanding allocations:$' "$T/o1"
read -r bytes allocs < <(stack_total "$T/o1")
echo "pipe_write stack: $bytes bytes in $allocs allocations"
check "a pipe_write stack with >= 400 allocations" test "$allocs" -ge 400
check "... of >= 400 pages" test "$bytes" -ge $((400 * PAGE))
check "frames as BCC's: 0x%016x, tab, name+0xoff [kernel]" grep -qP '^\t\t0x[0-9a-f]{16}\t(anon_)?pipe_write\+0x[0-9a-f]+ \[kernel\]$' "$T/o1"
check "-a: the pages' lines (addr = hex size = N)" test "$(grep -cE "^	addr = [0-9a-f]+ size = $PAGE\$" "$T/o1")" -ge 400
check "no program left loaded" progs_gone "$T/o1.err"

kill_workloads

# 2) --combined-only -T 500 --sort count: the same stack (counted as the pipes are filled,
# after the start), frames without addresses, ascending counts. -T 500, not less: on a
# busy machine many other kernel stacks allocate more often than the pipes do.
case_combined() {
    workload "$T/w2" "$MEMLOAD" pipes 400
    start_tool memleak "$T/o2" --combined-only -T 500 --sort count 4 1 "${cache[@]}"
    check "--combined-only: ready" wait_ready "$T/o2" '^Attaching to kernel allocators'
    fill "$T/w2"
    check "--combined-only: status 0" wait_exit 60
}
run_case case_combined "$T/o2"
check "--combined-only: header says Top 500" grep -qE '^\[[0-9:]{8}\] Top 500 stacks with outstanding allocations:$' "$T/o2"
check "--combined-only: at most 500 stacks" test "$(grep -cE '^	[0-9]+ bytes in [0-9]+ allocations from stack$' "$T/o2")" -le 500
read -r bytes allocs < <(stack_total "$T/o2")
echo "--combined-only: pipe_write stack: $bytes bytes in $allocs allocations"
check "--combined-only: the pipe_write stack, >= 400 allocations" test "$allocs" -ge 400
check "--combined-only: frames without addresses" grep -qP '^\t\t(anon_)?pipe_write\+0x[0-9a-f]+ \[kernel\]$' "$T/o2"
check "--sort count: ascending counts (the largest last)" awk '/allocations from stack$/ { if ($4 < prev) bad = 1; prev = $4 } END { exit bad }' "$T/o2"
kill_workloads

# 3) --json: one object per report, every second until stopped. The check waits for a
# report with the stack (the pipes older than -o 500 ms), so a slow start under load does
# not make it miss every report, as a fixed count of reports could.
if python3 -c 'import jsonschema' 2>/dev/null; then
    has_pipes() {
        python3 "$(dirname "$0")/json_validate.py" "$(dirname "$0")/../../schemas/memleak.schema.json" "$T/j" \
            --expect "any(s['allocations'] >= 400 and any('pipe_write' in f['symbol'] for f in (s['stack'] or [])) for s in r['stacks'])"
    }
    case_json() {
        workload "$T/w3" "$MEMLOAD" pipes 400
        start_tool memleak "$T/j" --json -T 50 1 "${cache[@]}"
        check "--json: ready" wait_ready "$T/j.err" 'ready: tracing'
        fill "$T/w3"
        # a report line may be half written while the tool runs: the last try prints why.
        for ((i = 0; i < 30; i++)); do has_pipes >/dev/null 2>&1 && break; sleep 1; done
        check "--json: SIGINT, status 0" stop_tool INT
    }
    run_case case_json "$T/j" has_pipes
    check "--json: valid against schemas/memleak.schema.json, a report with the pipe_write stack" has_pipes
else
    prereq "python3-jsonschema (Debian package)"
fi
kill_workloads

# 4) Bad input.
bad() {
    local re=$1 rc=0; shift
    "$BIN/memleak" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    [ "$rc" = 2 ] && grep -qE -- "$re" "$T/bad.err" || { echo "rc=$rc" >&2; cat "$T/bad.err" >&2; return 1; }
}
check "-z above -Z refused" bad "min_size \(-z\) can't be greater than max_size \(-Z\)" -z 100 -Z 10
check "--sort other than size or count refused" bad "--sort 'bytes'" --sort bytes
finish
