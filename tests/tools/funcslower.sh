#!/usr/bin/env bash
# funcslower, for real, on genload (tests/tools/genload.c): -m 2 shows exactly the calls
# that took 2 ms (genload's even tags wait 3 ms, odd ones return at once; genload times
# each call itself), with BCC's columns, the return value and -a's arguments; -u 0 shows
# every call of a recursive function and of a second function, each level timed from its
# own entry; -U names the caller (main), -f folds it; --json; bad input.
. "$(dirname "$0")/lib.sh"
: "${GENLOAD:?GENLOAD must name the genload test workload}"
: "${GENLIB:?GENLIB must name the shared library of genload}"
cache=(--cache-dir "$T/cache")
trap 'kill_workloads; cleanup' EXIT

# run OUT MODE ARGS...: genload MODE traced by funcslower -p PID ARGS; ends with the process.
run() {
    local out=$1 mode=$2
    shift 2
    workload "$T/w.$mode" "$GENLOAD" "$mode"
    start_tool funcslower "$out" -p "$WPID" "$@" "${cache[@]}"
    case " $* " in
    *" --json "* | *" -f "*) wait_for "$out.err" ': ready: tracing' 120 ;;
    *) wait_ready "$out" '^(TIME +)?COMM +PID' ;;
    esac
    kill -USR1 "$WPID"
    check "$out: ends by itself when the process exits" wait_exit 30
}

# slow_calls OUT WORK MIN_MS: the lines are exactly the slow calls of genload's "slow" mode:
# every call genload asked to wait MIN_MS or more is there, none it timed under MIN_MS is
# (the tool times inside genload's own timing), each with RVAL tag*2 and ARGS "0x3|0x0 tag".
slow_calls() {
    python3 - "$@" <<'PY'
import re, sys
out, work, min_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
took = [(int(l.split()[2]), int(l.split()[3])) for l in open(work) if l.startswith("took slow_call ")]
assert len(took) == 20, took
must = {t for t, (ns, least) in enumerate(took) if least >= min_ms * 1e6}
can = {t for t, (ns, least) in enumerate(took) if ns >= min_ms * 1e6}
got = []
for l in open(out):
    m = re.match(r"^genload +(\d+) +(\d+\.\d\d) +([0-9a-f]+) (\S+:slow_call) (0x[0-9a-f]+) (0x[0-9a-f]+)$", l.rstrip("\n"))
    if not m:
        continue
    lat, rval, a1, tag = float(m.group(2)), int(m.group(3), 16), int(m.group(5), 16), int(m.group(6), 16)
    assert lat >= min_ms, l
    assert rval == tag * 2, l
    assert a1 == (0 if tag % 2 else 3), l
    got.append(tag)
print("tags reported %s; must %s; can %s" % (sorted(got), sorted(must), sorted(can)))
assert len(got) == len(set(got)) and must <= set(got) <= can
PY
}

# 1) -m 2 -a 2: the 10 calls of 3 ms, not the 10 quick ones.
run "$T/s1" slow -m 2 -a 2 "$GENLOAD:slow_call"
cat "$T/s1"
check "-m 2: BCC's first line" grep -qx 'Tracing function calls slower than 2 ms... Ctrl+C to quit.' "$T/s1"
check "-m 2 -a: BCC's header" grep -qx 'COMM           PID    LAT(ms)             RVAL FUNC ARGS' "$T/s1"
check "-m 2: exactly the slow calls, RVAL and ARGS right" slow_calls "$T/s1" "$T/w.slow" 2
check "-m 2: genload's pid" grep -qE "^genload +$WPID " "$T/s1"
check "no program left loaded" progs_gone "$T/s1.err"

# 2) -u 2500, -t: microseconds, BCC's TIME column (seconds since the first call).
run "$T/s2" slow -u 2500 -t -a 2 "$GENLOAD:slow_call"
check "-u: first line" grep -qx 'Tracing function calls slower than 2500 us... Ctrl+C to quit.' "$T/s2"
check "-u -t: header" grep -qx 'TIME       COMM           PID    LAT(us)             RVAL FUNC ARGS' "$T/s2"
check "-t: the first call at 0.000000" grep -qE '^0\.000000 +genload ' "$T/s2"
sed -E 's/^[0-9]+\.[0-9]{6} +//; s/^(genload +[0-9]+ +)([0-9.]+)/\1 \2/' "$T/s2" |
    awk '/^genload/ { $3 = sprintf("%.2f", $3 / 1000) } { print }' OFS=' ' >"$T/s2.ms"
check "-u 2500: the calls of 3 ms only" python3 -c '
import re, sys
tags = [int(l.split()[-1], 16) for l in open(sys.argv[1]) if re.match(r"^\d+\.\d{6} +genload ", l)]
took = [l.split() for l in open(sys.argv[2]) if l.startswith("took slow_call ")]
must = {t for t in range(20) if t % 2 == 0}
can = {t for t in range(20) if int(took[t][2]) >= 2500000}
print(sorted(tags), sorted(can))
assert len(tags) == len(set(tags)) and must <= set(tags) <= can
' "$T/s2" "$T/w.slow"

# 3) -u 0: every call; gen_rec(3) five times recurses 3 levels down and each level calls
#    gen_sleep: 20 calls of each, every level timed and returned (RVAL 3, 2, 1, 0).
run "$T/s3" nested -u 0 "$GENLOAD:gen_rec" "$GENLOAD:gen_sleep"
check "-u 0, two functions: 20 gen_rec calls" test "$(grep -c ":gen_rec $" "$T/s3")" = 20
check "-u 0, two functions: 20 gen_sleep calls" test "$(grep -c ":gen_sleep $" "$T/s3")" = 20
check "nesting: each level's return value, 5 times each" test "$(awk '$NF ~ /:gen_rec$/ {print $4}' "$T/s3" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" = "0:5 1:5 2:5 3:5 "
check "nesting: the outer calls took at least 8 ms" test "$(awk '$NF ~ /:gen_rec$/ && $4 == 3 && $3 >= 8 {n++} END {print n + 0}' "$T/s3")" = 5

# 4) -U: the user stack at the return names the caller, main; -f folds it.
run "$T/s4" slow -m 2 -U "$GENLOAD:slow_call"
check "-U: each slow call followed by its stack, main first" test "$(awk '/^genload/ {getline; print}' "$T/s4" | sort -u)" = "    main"
check "-U: at least 10 calls" test "$(grep -c '^genload' "$T/s4")" -ge 10
run "$T/s5" slow -m 2 -f -U "$GENLOAD:slow_call"
check "-f: no header" bash -c "! grep -q 'COMM' '$T/s5'"
check "-f: folded lines ending in main 1" test "$(grep -cE '^genload;([^;]*;)*main 1$' "$T/s5")" -ge 10
check "-f: nothing else" test "$(grep -cvE '^genload;([^;]*;)*main 1$' "$T/s5")" = 0

# 5) --json
run "$T/s6" slow --json -m 2 -a 1 -U "$GENLOAD:slow_call"
check "--json: the slow calls with retval, args, latency, stack" python3 -c '
import json, sys
o = [json.loads(l) for l in open(sys.argv[1])]
assert len(o) >= 10, o
for e in o:
    assert e["comm"] == "genload" and e["latency_ns"] >= 2000000, e
    assert e["args"] == ["0x3"] or e["args"] == ["0x0"], e
    assert e["user_stack"][0] == "main", e
assert sum(1 for e in o if e["args"] == ["0x3"]) == 10, o
assert sorted(e["retval"] for e in o if e["args"] == ["0x3"]) == list(range(0, 40, 4)), o
' "$T/s6"

check "--json: valid against schemas/funcslower.schema.json" python3 "$(dirname "$0")/json_validate.py" "$(dirname "$0")/../../schemas/funcslower.schema.json" "$T/s6"

# 6) Bad input.
usage_error funcslower 'required: function'
usage_error funcslower '-m and -u are exclusive' -m 1 -u 1 c:read
usage_error funcslower 'invalid ARGUMENTS' -a 7 c:read
usage_error funcslower 'invalid MIN_MS' -m x c:read
usage_error funcslower 'only functions have returns' t:sched:sched_switch
usage_error funcslower 'not r' r:c:read
usage_error funcslower '-f prints stacks' -f c:read
usage_error funcslower 'invalid probe' 'c:read(' 
rc=0
"$BIN/funcslower" "$GENLOAD:nomatch" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
check "unknown function: exit 1" test "$rc" = 1
check "unknown function: says no match" grep -q 'no match' "$T/bad.err"

finish
