#!/usr/bin/env bash
# argdist, for real, on genload's "calls" mode (tests/tools/genload.c): gen_add(i, 2) 100
# times, gen_mul 50 times, genlib_work(i) 30 times (returns 3i+1), getppid() 33 times.
# -C over arguments with a filter, -H over $retval, BCC's defaults ("total calls",
# "retval = N"), -T, $entry()/$latency with a label, a t: tracepoint with $COMM and $PID,
# several specifiers in one run, --json, --ebpf; injection attempts in every expression
# position rejected with a caret; bad input.
. "$(dirname "$0")/lib.sh"
: "${GENLOAD:?GENLOAD must name the genload test workload}"
: "${GENLIB:?GENLIB must name the shared library of genload}"
cache=(--cache-dir "$T/cache")
trap 'kill_workloads; cleanup' EXIT

# run OUT ARGS...: genload calls traced by argdist -p PID ARGS; prints the last interval
# when the process exits.
run() {
    local out=$1
    shift
    workload "$T/w" "$GENLOAD" calls
    start_tool argdist "$out" -p "$WPID" -i 1000 "$@" "${cache[@]}"
    wait_for "$out.err" ': ready: tracing' 120
    kill -USR1 "$WPID"
    check "$out: ends by itself when the process exits" wait_exit 30
}
# rows OUT LABEL: the "\tCOUNT EVENT" rows under LABEL, as "count|event" lines.
rows() { awk -v l="$2" '$0 == l {f = 1; next} f && /^\tCOUNT/ {next} f && /^\t/ {sub(/^\t/, ""); c = $1; sub(/^[0-9]+ +/, ""); print c "|" $0; next} f {exit}' "$1"; }

A="p:$GENLOAD:gen_add(unsigned long a, long b)"
# 1) Counts over arguments, a filter, a histogram of $retval, defaults, in one run.
run "$T/a1" -C "$A:long:b" -C "$A:u64:a%3:a<10" -H "r:$GENLOAD:gen_add():long:\$retval" \
    -C "p:$GENLOAD:gen_mul()" -C "r:$GENLIB:genlib_work()" -T 3
cat "$T/a1"
check "-C b: 100 calls with b = 2" test "$(rows "$T/a1" "$A:long:b")" = "100|b = 2"
check "-C a%3 with a filter a<10: 4, 3, 3 (ascending, ties by key)" test "$(rows "$T/a1" "$A:u64:a%3:a<10" | tr '\n' ' ')" = "3|a%3 = 1 3|a%3 = 2 4|a%3 = 0 "
check "-C: BCC's header line" grep -qxP '\tCOUNT      EVENT' "$T/a1"
check "-C, no expression: 50 total calls" test "$(rows "$T/a1" "p:$GENLOAD:gen_mul()")" = "50|total calls"
check "-C r:, no expression: retval rows, -T 3 keeps 3" test "$(rows "$T/a1" "r:$GENLIB:genlib_work()" | grep -cE '^1\|retval = [0-9]+$')" = 3
check "the interval's time line" grep -qE '^\[[0-9]{2}:[0-9]{2}:[0-9]{2}\]$' "$T/a1"
check "-H \$retval: BCC's header" grep -qx '     $retval             : count     distribution' "$T/a1"
check "-H \$retval: 2..101 in exact buckets" test "$(awk '$2 == "->" && $5 > 0 {printf "%s-%s:%s ", $1, $3, $5}' "$T/a1")" = "2-3:2 4-7:4 8-15:8 16-31:16 32-63:32 64-127:38 "
check "no program left loaded" progs_gone "$T/a1.err"

# 2) $entry() and $latency in a return probe, with a label; a tracepoint with $COMM, $PID.
run "$T/a2" -C "r:$GENLIB:genlib_work(int x):int:\$entry(x):\$latency > 0#entry values" \
    -C 't:syscalls:sys_enter_getppid():char*,u32:$COMM,$PID' -C 't:syscalls:sys_enter_getppid()' -H "r:$GENLIB:genlib_work(int x):int:\$retval-\$entry(x)*3"
check "label: the rows under 'entry values'" test "$(rows "$T/a2" "entry values" | wc -l)" = 30
check "\$entry(x): 0..29 once each" test "$(rows "$T/a2" "entry values" | sed 's/.*= //' | sort -n | tr '\n' ' ')" = "$(seq 0 29 | tr '\n' ' ')"
check "t: tracepoint: 33 getppid calls by genload" test "$(rows "$T/a2" 't:syscalls:sys_enter_getppid():char*,u32:$COMM,$PID')" = "33|\$COMM = genload, \$PID = $WPID"
check "t: a second specifier on the same tracepoint: 33 total calls" test "$(rows "$T/a2" 't:syscalls:sys_enter_getppid()')" = "33|total calls"
check "-H \$retval-\$entry(x)*3: 30 values of 1" test "$(awk '$2 == "->" && $5 > 0 {printf "%s-%s:%s ", $1, $3, $5}' "$T/a2")" = "0-1:30 "

# 3) --json: an object per specifier per interval.
run "$T/a3" --json -C "$A:long:b" -H "r:$GENLOAD:gen_add():long:\$retval"
check "--json: counts and buckets" python3 -c '
import json, sys
o = [json.loads(l) for l in open(sys.argv[1])]
c = [x for x in o if "rows" in x]
h = [x for x in o if "histograms" in x]
assert c[-1]["rows"] == [{"count": 100, "event": "b = 2"}], c
b = {(x["low"], x["high"]): x["count"] for x in h[-1]["histograms"][0]["buckets"] if x["count"]}
assert b == {(2, 3): 2, (4, 7): 4, (8, 15): 8, (16, 31): 16, (32, 63): 32, (64, 127): 38}, b
assert h[-1]["unit"] == "$retval" and c[-1]["specifier"].endswith(":long:b"), o
' "$T/a3"
check "--json: valid against schemas/argdist.schema.json" python3 "$(dirname "$0")/json_validate.py" "$(dirname "$0")/../../schemas/argdist.schema.json" "$T/a3"

# 4) --ebpf: the program with the expression as ks_expr wrote it.
"$BIN/argdist" --ebpf -C 'p:c:malloc(size_t size):size_t:size:size==16' >"$T/ebpf" 2>&1
check "--ebpf: the filter and value, rebuilt" grep -qF '__k.v[0] = (u64)(size_t)(((size_t)PT_REGS_PARM1(ctx)));' "$T/ebpf"
check "--ebpf: the filter" grep -qF 'if (!(((size_t)PT_REGS_PARM1(ctx)) == 16))' "$T/ebpf"

# 5) Injection attempts, in every position: refused (exit 2) with a caret under the place.
M='p:c:malloc(size_t size)'
inject() {
    local rc=0
    "$BIN/argdist" -C "$1" >"$T/inj.out" 2>"$T/inj.err" || rc=$?
    check "refused: $1" test "$rc" = 2
    check "refused with a caret: $1" grep -qE '^ *\^$' "$T/inj.err"
    check "nothing compiled: $1" test ! -s "$T/inj.out"
}
inject "$M:size_t:size; bpf_trace_printk(\"x\")"
inject "$M:size_t:size}{"
inject "$M:size_t:size /* comment */"
inject "$M:size_t:size // comment"
inject "$M:size_t:size = 1"
inject "$M:size_t:size++"
inject "$M:size_t:size += 1"
inject "$M:size_t:bpf_probe_write_user(size)"
inject "$M:size_t:\"unterminated"
inject "$M:size_t:size\\"
inject "$M:size_t:size:size == 1; return 0"
inject "$M:size_t:size:({ int x = 1; x; })"
inject "$M:size_t:size:size == 1 } int f() {"
inject "$M:size_t){ return 0; } int f(:size"
inject "$M:size_t:size,size:1"
inject "p:c:malloc(size_t size) { }:size_t:size"
inject "p:c:malloc(size_t size, int x; int y):size_t:size"
inject "p:c:malloc\$(x):size_t:1"
usage_error argdist 'invalid header' -I '../../etc/passwd' -C "$M"
usage_error argdist 'invalid header' -I 'x.h> int f() {' -C "$M"

# 6) Bad input.
usage_error argdist 'at least one specifier' 
usage_error argdist 'goes after -C or -H' "$M"
usage_error argdist 'a histogram takes one number' -H "$M:size_t,size_t:size,size"
usage_error argdist 'a histogram takes one number' -H "$M:char*:(char*)size"
usage_error argdist 'exist only in return probes' -C "$M:size_t:\$retval"
usage_error argdist 'cannot find library or program' -C 'r:nolib_xyz:f()'
usage_error argdist 'one type per expression' -C "$M:size_t:size,size"
rc=0
"$BIN/argdist" -C "p:$GENLOAD:nomatch()" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
check "unknown function: exit 1" test "$rc" = 1
check "unknown function: says no match" grep -q 'no match' "$T/bad.err"

finish
