#!/usr/bin/env bash
# stackcount, for real, on genload (tests/tools/genload.c): -U on a user function shows its
# caller chain gen_leaf <- gen_mid <- gen_top <- main with the exact count (7); -f folded;
# -K on t:sched:sched_process_fork (3 forks, the kernel's fork path); -P per process;
# --json; bad input.
. "$(dirname "$0")/lib.sh"
: "${GENLOAD:?GENLOAD must name the genload test workload}"
cache=(--cache-dir "$T/cache")
trap 'kill_workloads; cleanup' EXIT

# run OUT MODE HOW ARGS...: genload MODE traced by stackcount ARGS (-p PID added).
run() {
    local out=$1 mode=$2 how=$3
    shift 3
    workload "$T/w.$mode" "$GENLOAD" "$mode"
    start_tool stackcount "$out" -p "$WPID" "$@" "${cache[@]}"
    if [ -n "${READY_ERR:-}" ]; then
        wait_for "$out.err" "$READY_ERR" 120
    else
        case " $* " in
    *" --json "*) wait_for "$out.err" ': ready: tracing' 120 ;;
    *) wait_ready "$out" '^Tracing [0-9]+ functions for ' ;;
    esac
    fi
    kill -USR1 "$WPID"
    if [ "$how" = self ]; then
        check "$out: ends by itself when the process exits" wait_exit 30
    else
        wait_for "$T/w.$mode" '^done' 20
        sleep 0.2
        check "$out: SIGINT, status 0" stop_tool INT
    fi
}

# 1) -U: the caller chain, leaf first, two spaces in (and the address with -v), count 7.
run "$T/s1" stack self -U "$GENLOAD:gen_leaf"
cat "$T/s1"
check "-U: banner" grep -qx "Tracing 1 functions for \"$GENLOAD:gen_leaf\"... Hit Ctrl-C to end." "$T/s1"
check "-U: gen_leaf, gen_mid, gen_top, main in order" bash -c '
    grep -E "^  " "$1" | sed -E "s/^  ([0-9a-f]+ +)?//" | head -n 4 | tr "\n" " " | grep -qx "gen_leaf gen_mid gen_top main "' _ "$T/s1"
check "-U: count 7" grep -qx '    7' "$T/s1"
check "-p: no 'comm [pid]' line" bash -c '! grep -qE "^    genload \[" "$1"' _ "$T/s1"
check "ends with Detaching..." test "$(tail -n 1 "$T/s1")" = "Detaching..."
check "no program left loaded" progs_gone "$T/s1.err"

# 2) -f: one folded line, root first.
READY_ERR='attached probe_0' run "$T/s2" stack self -U -f "$GENLOAD:gen_leaf"
check "-f: 'genload;...;main;gen_top;gen_mid;gen_leaf 7'" grep -qE '^genload;(.*;)?main;gen_top;gen_mid;gen_leaf 7$' "$T/s2"
check "-f: no banner" bash -c '! grep -q Tracing "$1"' _ "$T/s2"

# 3) -K on a tracepoint: the kernel's fork path, 3 forks.
run "$T/s3" fork int -K t:sched:sched_process_fork
cat "$T/s3"
check "-K: fork path in the kernel stack" grep -qE '^  ([0-9a-f]+ +)?(kernel_clone|_do_fork|do_fork|copy_process)' "$T/s3"
check "-K: count 3" grep -qx '    3' "$T/s3"

# 4) --json: one sample with the user stack, leaf first.
run "$T/s4" stack self -U --json "$GENLOAD:gen_leaf"
check "--json: the sample" python3 -c '
import json, sys
o = [json.loads(l) for l in open(sys.argv[1])]
assert len(o) == 1, o
s = [f["symbol"] for f in o[0]["user_stack"]][:4]
assert s == ["gen_leaf", "gen_mid", "gen_top", "main"], s
assert o[0]["count"] == 7, o[0]
' "$T/s4"

check "--json: valid against schemas/stack.schema.json" python3 "$(dirname "$0")/json_validate.py" "$(dirname "$0")/../../schemas/stack.schema.json" "$T/s4"

# 5) Bad input.
expect_fail() { # expect_fail STATUS REGEX ARGS...
    local st=$1 re=$2 rc=0
    shift 2
    "$BIN/stackcount" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    check "stackcount $*: exit $st" test "$rc" = "$st"
    check "stackcount $*: says /$re/" grep -qE -e "$re" "$T/bad.err"
}
expect_fail 2 'required: pattern'
expect_fail 2 'mutually exclusive' -K -U t:sched:sched_switch
expect_fail 2 'two output formats' -f --json t:sched:sched_switch
expect_fail 1 'no match' 't:sched:nomatch_*'

finish
