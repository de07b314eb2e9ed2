#!/usr/bin/env bash
# offwaketime and wakeuptime, for real: a ping-pong pair (stackload pingpong: the parent
# "stackload" and its child "pong" wake each other through pipes) shows each as the
# other's waker, with the pipe's wakeup path in the waker's kernel stack; both tools on
# the same pair; bad input.
. "$(dirname "$0")/lib.sh"
: "${STACKLOAD:?STACKLOAD must name the stackload test workload}"
cache=(--cache-dir "$T/cache")
"$STACKLOAD" pingpong 200 >"$T/w" &
WPID=$!
trap 'kill $WPID $CPID 2>/dev/null || true; cleanup' EXIT
wait_for "$T/w" '^ready' 10
CPID=$(awk '{print $3}' "$T/w")

# 1) offwaketime -p both, folded and delimited.
start_tool offwaketime "$T/o1" -p "$WPID,$CPID" -f -d 2 "${cache[@]}"
check "offwaketime -f: status 0" wait_exit 60
check "offwaketime: stackload woken by pong through the pipe" \
    grep -qE '^stackload;(.*;)?main;(.*;)?--;(.*;)?(anon_pipe_write|pipe_write|__wake_up)[^;]*;(.*;)?pong [0-9]+$' "$T/o1"
check "offwaketime: pong woken by stackload through the pipe" \
    grep -qE '^pong;(.*;)?main;(.*;)?--;(.*;)?(anon_pipe_write|pipe_write|__wake_up)[^;]*;(.*;)?stackload [0-9]+$' "$T/o1"
check "offwaketime: the target's user frames before its kernel frames (-d)" \
    grep -qE '^pong;(.*;)?main;(.*;)?-;(.*;)?schedule;' "$T/o1"
check "offwaketime -f: every line parses" awk '!/^[^;]+(;[^;]+)+ [0-9]+$/{bad=1} END{exit bad || NR == 0}' "$T/o1"
check "offwaketime: sched_waking chosen" grep -q 'tracepoint sched:sched_waking: chosen' "$T/o1.err"
check "offwaketime: no program left loaded" progs_gone "$T/o1.err"

# 2) offwaketime blocks: BCC's layout.
start_tool offwaketime "$T/o2" -p "$WPID" -K 2 "${cache[@]}"
check "offwaketime blocks: status 0" wait_exit 60
check "offwaketime blocks: banner" grep -qx 'Tracing blocked time (us) by kernel off-CPU and waker stack for 2 secs.' "$T/o2"
check "offwaketime blocks: waker line" grep -qE "^    waker:           pong $CPID$" "$T/o2"
check "offwaketime blocks: the -- separator" grep -qx '    --               --' "$T/o2"
check "offwaketime blocks: target line" grep -qE "^    target:          stackload $WPID$" "$T/o2"

# 3) wakeuptime -p both: each the other's waker, the pipe in the waker's stack.
start_tool wakeuptime "$T/u1" -p "$WPID,$CPID" -f 2 "${cache[@]}"
check "wakeuptime -f: status 0" wait_exit 60
check "wakeuptime: pong wakes stackload (pipe_write in its stack)" \
    grep -qE '^pong;(.*;)?(anon_pipe_write|pipe_write|__wake_up)[^;]*;(.*;)?try_to_wake_up;stackload [0-9]+$' "$T/u1"
check "wakeuptime: stackload wakes pong" \
    grep -qE '^stackload;(.*;)?(anon_pipe_write|pipe_write|__wake_up)[^;]*;(.*;)?try_to_wake_up;pong [0-9]+$' "$T/u1"
start_tool wakeuptime "$T/u2" -p "$WPID" 2 "${cache[@]}"
check "wakeuptime blocks: status 0" wait_exit 60
check "wakeuptime blocks: banner" grep -qx 'Tracing blocked time (us) by kernel stack for 2 secs.' "$T/u2"
check "wakeuptime blocks: address and name per frame" grep -qE '^    [0-9a-f]{16} try_to_wake_up$' "$T/u2"
check "wakeuptime blocks: target and waker lines" bash -c 'grep -qx "    target:          stackload" "$1" && grep -qx "    waker:           pong" "$1"' _ "$T/u2"

# 4) Bad input.
bad() {
    local tool=$1 re=$2 rc=0; shift 2
    "$BIN/$tool" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    [ "$rc" = 2 ] && grep -qE "$re" "$T/bad.err" || { echo "rc=$rc" >&2; cat "$T/bad.err" >&2; return 1; }
}
check "wakeuptime -p with -u refused" bad wakeuptime 'use either -p or -u' -p 1 -u
check "offwaketime -U with -K refused" bad offwaketime 'not allowed' -U -K
check "offwaketime -s is not an option" bad offwaketime "unrecognized option '-s'" -s
check "offwaketime --check: both probes" bash -c '"$1" --check | grep -qx "probe waking tracepoint sched:sched_waking"' _ "$BIN/offwaketime"
finish
