#!/usr/bin/env bash
# funclatency, for real, on genload (tests/tools/genload.c): a 5 ms function lands in the
# 4096-8191 us bucket (10 calls) and a 1 ms one in 1024-2047 (4 calls), in -u and -m; a
# recursive function is timed per level (2, 4, 6, 8 ms); -F and per-process sections for
# user functions; the avg line; --json; bad input.
. "$(dirname "$0")/lib.sh"
: "${GENLOAD:?GENLOAD must name the genload test workload}"
: "${GENLIB:?GENLIB must name the shared library of genload}"
cache=(--cache-dir "$T/cache")
trap 'kill_workloads; cleanup' EXIT

# bucket FILE LOW HIGH: the count printed for that bucket ("%10d -> %-10d : %-8d |").
bucket() { awk -v lo="$2" -v hi="$3" '$1 == lo && $2 == "->" && $3 == hi {print $5; f=1} END {if (!f) print 0}' "$1"; }

# run OUT MODE ARGS...: genload MODE traced by funclatency -p PID ARGS; ends with the process.
run() {
    local out=$1 mode=$2
    shift 2
    workload "$T/w.$mode" "$GENLOAD" "$mode"
    start_tool funclatency "$out" -p "$WPID" "$@" "${cache[@]}"
    case " $* " in
    *" --json "*) wait_for "$out.err" ': ready: tracing' 120 ;;
    *) wait_ready "$out" '^Tracing [0-9]+ functions for ' ;;
    esac
    kill -USR1 "$WPID"
    check "$out: ends by itself when the process exits" wait_exit 30
}

# A sleep never ends early, but on a busy machine it may end late: counts and lower bounds
# are exact; where the calls land above them, the 5 ms bucket must hold the most calls.
# below FILE LOW: calls counted in buckets under LOW.
below() { awk -v lo="$2" '$2 == "->" && $3 < lo {s += $5} END {print s + 0}' "$1"; }
# atleast FILE LOW HIGH N
atleast() { test "$(bucket "$1" "$2" "$3")" -ge "$4"; }
# mode FILE LOW HIGH: that bucket holds the most calls.
mode() { awk -v lo="$2" -v hi="$3" '$2 == "->" {if ($5 > m) {m = $5; b = $1 " " $3}} END {exit b != lo " " hi}' "$1"; }

# 1) -u: 10 calls of 5 ms, 4 of 1 ms.
run "$T/l1" sleep -u "$GENLOAD:gen_sleep"
cat "$T/l1"
check "-u: 1 function" grep -qx "Tracing 1 functions for \"$GENLOAD:gen_sleep\"... Hit Ctrl-C to end." "$T/l1"
check "-u: BCC's header" grep -qx '     usecs               : count     distribution' "$T/l1"
check "-u: the 5 ms calls make 4096 -> 8191 the fullest bucket" mode "$T/l1" 4096 8191
check "-u: 1 ms calls: at 1024 us or more" atleast "$T/l1" 1024 2047 1
check "-u: none under 1024 us" test "$(below "$T/l1" 1024)" = 0
check "-u: avg line, count 14" grep -qE '^avg = [0-9]+ usecs, total: [0-9]+ usecs, count: 14$' "$T/l1"
check "-u: avg at least 3.85 ms" awk '/^avg = /{exit !($3 >= 3850)}' "$T/l1"
check "no program left loaded" progs_gone "$T/l1.err"

# 2) -m, with the library function too (-F: a histogram per function).
run "$T/l2" sleep -m -F "$GENLIB:genlib_sleep"
check "-m -F: section 'Function = genlib_sleep [PID]' (user functions: per process, as BCC)" grep -qx "Function = genlib_sleep \\[$WPID\\]" "$T/l2"
check "-m: 20 ms calls: 2 in 16 -> 31" test "$(bucket "$T/l2" 16 31)" = 2
run "$T/l3" sleep -m "$GENLOAD:gen_sleep"
cat "$T/l3"
check "-m: the 5 ms calls make 4 -> 7 the fullest bucket" mode "$T/l3" 4 7
check "-m: count 14" grep -qE 'count: 14$' "$T/l3"

# 3) Recursion: gen_rec(3) five times; each level sleeps 2 ms before recursing, so the
#    levels take about 8, 6, 4 and 2 ms: each timed from its own entry.
run "$T/l4" nested -m "$GENLOAD:gen_rec"
cat "$T/l4"
check "nested: 20 calls" grep -qE 'count: 20$' "$T/l4"
check "nested: none under 2 ms (each level from its own entry)" test "$(below "$T/l4" 2)" = 0
check "nested: 4 levels x 5: 5 at 8 ms or more (the outer calls)" test "$(awk '$2 == "->" && $1 >= 8 {s += $5} END {print s + 0}' "$T/l4")" -ge 5
check "nested: 15 at 4 ms or more (all but the innermost)" test "$(awk '$2 == "->" && $1 >= 4 {s += $5} END {print s + 0}' "$T/l4")" -ge 15
run "$T/l5" nested -m -l 1 "$GENLOAD:gen_rec"
check "-l 1: only the outer calls timed (5, ~8 ms)" test "$(below "$T/l5" 8)" = 0
check "-l 1: count 5" grep -qE 'count: 5$' "$T/l5"

# 4) Without -p, a user function has one histogram per process, as BCC's.
workload "$T/w6" "$GENLOAD" sleep
start_tool funclatency "$T/l6" -u "$GENLOAD:gen_sleep" "${cache[@]}"
wait_ready "$T/l6" '^Tracing 1 functions'
kill -USR1 "$WPID"
wait_for "$T/w6" '^done' 20
check "no -p: SIGINT, status 0" stop_tool INT
check "no -p: section 'Function = gen_sleep [PID]'" grep -qx "Function = gen_sleep \\[$WPID\\]" "$T/l6"

# 5) --json: the histogram's buckets and the sums.
run "$T/l7" sleep --json -u "$GENLOAD:gen_sleep"
check "--json: buckets and count" python3 -c '
import json, sys
o = [json.loads(l) for l in open(sys.argv[1])]
assert len(o) == 1, o
h = o[0]["histograms"][0]["buckets"]
b = {(x["low"], x["high"]): x["count"] for x in h}
assert max(b, key=b.get) == (4096, 8191), b
assert sum(c for (lo, hi), c in b.items() if lo < 1024) == 0, b
assert o[0]["count"] == 14 and o[0]["unit"] == "usecs", o[0]
' "$T/l7"

check "--json: valid against schemas/histogram.schema.json" python3 "$(dirname "$0")/json_validate.py" "$(dirname "$0")/../../schemas/histogram.schema.json" "$T/l7"

# 6) Bad input.
expect_fail() { # expect_fail STATUS REGEX ARGS...
    local st=$1 re=$2 rc=0
    shift 2
    "$BIN/funclatency" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    check "funclatency $*: exit $st" test "$rc" = "$st"
    check "funclatency $*: says /$re/" grep -qE -e "$re" "$T/bad.err"
}
expect_fail 2 'required: pattern'
expect_fail 2 'times functions' 't:sched:sched_switch'
expect_fail 2 '-u and -m' -u -m c:read
expect_fail 2 "invalid LEVEL" -l 0 c:read
expect_fail 1 'no match' "$GENLOAD:nomatch"

finish
