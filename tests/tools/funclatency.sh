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

# matches HIST WORKLOAD NAME UNIT_NS: the histogram holds exactly the calls genload timed
# itself ("took NAME NS MIN_NS"), each in a bucket between the least the call can take
# (the sleep it asked for) and what genload measured around it (the tool times from entry
# to return, inside that; on a busy machine the two can be buckets apart).
matches() {
    python3 - "$@" <<'PY'
import sys
hist, work, name, unit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rows = []
for l in open(hist):
    f = l.split()
    if len(f) >= 5 and f[1] == "->" and f[3] == ":":
        rows.append((int(f[0]), int(f[2]), int(f[4])))
took = [(int(l.split()[2]), int(l.split()[3])) for l in open(work) if l.startswith("took " + name + " ")]
def row(units):
    for i, (lo, hi, _) in enumerate(rows):
        if lo <= units <= hi:
            return i
    return None
lo_need = [0] * len(rows); hi_can = [0] * len(rows)
for v, least in took:
    a, b = row(least // unit), row(v // unit)
    if b is None:
        sys.exit("a call of %d ns is past the histogram's last row" % v)
    if a is None or a > b:
        sys.exit("a call of %d ns (at least %d) fits no row" % (v, least))
    if a == b:
        lo_need[b] += 1
    for i in range(a, b + 1):
        hi_can[i] += 1
got = [c for (_, _, c) in rows]
ok = sum(got) == len(took) and all(lo_need[i] <= got[i] <= hi_can[i] for i in range(len(rows)))
print("calls timed by genload: %d; histogram %s; need >= %s; can <= %s" % (len(took), got, lo_need, hi_can))
sys.exit(0 if ok else 1)
PY
}
# The workload's own record of its calls.
took() { grep -c "^took $2 " "$1"; }

# 1) -u: 10 calls of 5 ms, 4 of 1 ms: each in the bucket of its own duration.
run "$T/l1" sleep -u "$GENLOAD:gen_sleep"
cat "$T/l1"
check "-u: 1 function" grep -qx "Tracing 1 functions for \"$GENLOAD:gen_sleep\"... Hit Ctrl-C to end." "$T/l1"
check "-u: BCC's header" grep -qx '     usecs               : count     distribution' "$T/l1"
check "-u: genload timed 14 calls" test "$(took "$T/w.sleep" gen_sleep)" = 14
check "-u: each call in the bucket of its duration (5 ms: 4096 -> 8191 unless delayed)" matches "$T/l1" "$T/w.sleep" gen_sleep 1000
check "-u: avg line, count 14" grep -qE '^avg = [0-9]+ usecs, total: [0-9]+ usecs, count: 14$' "$T/l1"
check "-u: total at least 54 ms (10 x 5 + 4 x 1)" awk '/^avg = /{t = $6; sub(",", "", t); exit !(t + 0 >= 54000)}' "$T/l1"
check "no program left loaded" progs_gone "$T/l1.err"

# 2) -m, with the library function too (-F: a histogram per function).
run "$T/l2" sleep -m -F "$GENLIB:genlib_sleep"
check "-m -F: section 'Function = genlib_sleep [PID]' (user functions: per process, as BCC)" grep -qx "Function = genlib_sleep \\[$WPID\\]" "$T/l2"
check "-m -F: the 20 ms calls where genload timed them" matches "$T/l2" "$T/w.sleep" genlib_sleep 1000000
run "$T/l3" sleep -m "$GENLOAD:gen_sleep"
check "-m: each call in its bucket" matches "$T/l3" "$T/w.sleep" gen_sleep 1000000

# 3) Recursion: gen_rec(3) five times; each level sleeps 2 ms before recursing, so the
#    levels take about 8, 6, 4 and 2 ms: each timed from its own entry (genload times
#    every level too).
run "$T/l4" nested -u "$GENLOAD:gen_rec"
cat "$T/l4"
check "nested: 20 calls" grep -qE 'count: 20$' "$T/l4"
check "nested: every level in the bucket of its own duration" matches "$T/l4" "$T/w.nested" gen_rec 1000
run "$T/l5" nested -m -l 1 "$GENLOAD:gen_rec"
check "-l 1: only the outer calls timed, none under 8 ms" test "$(awk '$2 == "->" && $3 < 8 {s += $5} END {print s + 0}' "$T/l5")" = 0
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
assert sum(b.values()) == 14, b
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
expect_fail 2 'only functions have returns' 't:sched:sched_switch'
expect_fail 2 '-u and -m' -u -m c:read
expect_fail 2 "invalid LEVEL" -l 0 c:read
expect_fail 1 'no match' "$GENLOAD:nomatch"

finish
