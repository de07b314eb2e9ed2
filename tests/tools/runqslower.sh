#!/usr/bin/env bash
# runqslower, for real: three threads that never sleep pinned to one CPU wait a scheduler
# slice for each other: above 1000 us they are printed, with -p only the process's threads,
# with -t only the thread, with -P the thread they took the CPU from; --json; bad input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sched.bash"
spinners "$T/w1" 2
W1=$SPID
spinners "$T/w2" 1
W2=$SPID
read -r _ _ T1 T2 <"$T/w1"
read -r _ _ T3 <"$T/w2"

# 1) -p W1 1000 -P: W1's threads only, above 1000 us, with the previous thread.
start_tool runqslower "$T/o1" -p "$W1" -P 1000 "${cache[@]}"
wait_ready "$T/o1" '^TIME '
check "BCC's banner" grep -qx 'Tracing run queue latency higher than 1000 us' "$T/o1"
check "BCC's header with -P" grep -qx 'TIME     COMM             TID           LAT(us) PREV COMM        PREV TID' "$T/o1"
# Until a wait behind another spinner is seen (on a busy machine other tasks share the CPU
# too), then a second for more lines.
wait_for "$T/o1" " spinner +($T1|$T2) +[0-9]+ +spinner +($T1|$T2|$T3)\$" 20 || true
sleep 1
check "-p: SIGINT exit 0" stop_tool INT
lines() { grep -E '^[0-9]{2}:[0-9]{2}:[0-9]{2} ' "$1" || true; }
n=$(lines "$T/o1" | wc -l)
echo "-p $W1: $n lines"
check "-p: the spinners' waits printed (got $n)" test "$n" -ge 5
check "-p: every line a spinner of $W1, above 1000 us" bash -c \
    'awk -v a="$2" -v b="$3" '"'"'!($2 == "spinner" && ($3 == a || $3 == b) && $4 > 1000) {bad = 1} END {exit bad}'"'"' <(grep -E "^[0-9]{2}:[0-9]{2}:[0-9]{2} " "$1")' _ "$T/o1" "$T1" "$T2"
check "-P: some previous thread is another spinner" bash -c \
    'grep -E "^[0-9]{2}:[0-9]{2}:[0-9]{2} " "$1" | awk -v a="$2" -v b="$3" -v c="$4" '"'"'$5 == "spinner" && ($6 == a || $6 == b || $6 == c) {ok = 1} END {exit !ok}'"'"'' _ "$T/o1" "$T1" "$T2" "$T3"
check "no program left loaded" progs_gone "$T/o1.err"

# 2) -t T3 500: that thread only.
start_tool runqslower "$T/o2" -t "$T3" 500 "${cache[@]}"
wait_ready "$T/o2" '^TIME '
check "BCC's header" grep -qx 'TIME     COMM             TID           LAT(us)' "$T/o2"
wait_for "$T/o2" " $T3 " 10 || true
sleep 1 # more waits than the first
check "-t: SIGINT exit 0" stop_tool INT
n=$(lines "$T/o2" | wc -l)
check "-t: lines printed (got $n)" test "$n" -ge 2
check "-t: every line thread $T3 above 500 us" bash -c \
    'grep -E "^[0-9]{2}:[0-9]{2}:[0-9]{2} " "$1" | awk -v t="$2" '"'"'!($3 == t && $4 > 500) {bad = 1} END {exit bad}'"'"'' _ "$T/o2" "$T3"

# 3) --json -P.
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
start_tool runqslower "$T/o3" --json -P -p "$W2" 1000 "${cache[@]}"
wait_ready "$T/o3.err" 'ready: tracing'
wait_for "$T/o3" "\"tid\":$T3" 10 || true
check "--json: SIGINT exit 0" stop_tool INT
if python3 -c 'import jsonschema' 2>/dev/null; then
    check "--json -P: valid, the spinner of $W2 above 1000 us with the previous thread" \
        python3 "$(dirname "$0")/json_validate.py" "$SCHEMAS/runqslower.schema.json" "$T/o3" \
        --expect "r['tid'] == $T3 and r['comm'] == 'spinner' and r['latency_us'] > 1000 and 'prev_tid' in r"
else
    prereq "python3-jsonschema (Debian package)"
fi

# 4) bad input: thresholds negative, absurd or not numbers; -p with -t.
bad() { # bad WHAT REGEX ARGS...
    local what=$1 re=$2 rc=0
    shift 2
    "$BIN/runqslower" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    check "$what: exit 2 ($rc) with '$re'" bash -c '[ "$1" = 2 ] && grep -qE "$2" "$3" && [ "$(wc -l <"$3")" -le 2 ]' _ "$rc" "$re" "$T/bad.err"
}
bad "min_us -1" "invalid min_us '-1' \(a whole number from 0 to 3600000000\)" -- -1
bad "min_us absurd" "invalid min_us '99999999999'" 99999999999
bad "min_us not a number" "invalid min_us '1ms'" 1ms
bad "two thresholds" "unexpected argument '2'" 1 2
bad "-p with -t" "not allowed with argument -p/--pid" -p 1 -t 1
finish
