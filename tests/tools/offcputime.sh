#!/usr/bin/env bash
# offcputime, for real: a thread sleeping in nanosleep() 100 ms at a time (stackload
# sleep) shows about the slept time under a stack with the nanosleep syscall, by -t TID
# and -p PID; -m drops the naps; --state picks S (1) and not D (2); -u and -k split user
# and kernel threads; bad input.
. "$(dirname "$0")/lib.sh"
: "${STACKLOAD:?STACKLOAD must name the stackload test workload}"
cache=(--cache-dir "$T/cache")
"$STACKLOAD" sleep >"$T/w" &
WPID=$!
trap 'kill $WPID 2>/dev/null || true; cleanup' EXIT
wait_for "$T/w" '^ready' 10
TID=$(awk '{print $3}' "$T/w")

# 1) -t TID, 3 s: one thread, blocks as BCC prints them, about 3 s off-CPU in nanosleep.
start_tool offcputime "$T/o1" -t "$TID" 3 "${cache[@]}"
check "-t: exits after the duration, status 0" wait_exit 60
check "-t: BCC's banner" grep -qx "Tracing off-CPU time (us) of TID $TID by user + kernel stack for 3 secs." "$T/o1"
check "-t: the nanosleep path in the kernel stack" grep -qE '^    (do_nanosleep|hrtimer_nanosleep)$' "$T/o1"
check "-t: the thread's function in the user stack" grep -qx '    sleeper' "$T/o1"
check "-t: the thread named with its TID" grep -qx "    -                sleeper ($TID)" "$T/o1"
# All of its blocks (a busy machine may also preempt it elsewhere, under other stacks).
us=$(grep -A1 -x "    -                sleeper ($TID)" "$T/o1" | awk '/^        [0-9]+$/ {s += $1} END {print s + 0}')
echo "off-CPU in 3 s: $us us"
check "-t: about the slept time (2.4-3.1 s of 3 s)" test "${us:-0}" -ge 2400000 -a "${us:-0}" -le 3100000
check "-t: no other thread" test "$(grep -E '^    -  ' "$T/o1" | sort -u | wc -l)" = 1
check "-v: sched_switch tracepoint chosen" grep -q 'tracepoint sched:sched_switch: chosen' "$T/o1.err"
check "no program left loaded" progs_gone "$T/o1.err"

# 2) -p PID, folded, kernel stacks delimited from user stacks.
start_tool offcputime "$T/o2" -p "$WPID" -f -d 2 "${cache[@]}"
check "-p -f: status 0" wait_exit 60
check "-p -f: folded 'sleeper;user...;-;kernel... N'" grep -qE '^sleeper;(.*;)?sleeper;(.*;)?-;(.*;)?do_nanosleep;.* [0-9]+$' "$T/o2"
check "-p -f: every line parses" awk '!/^[^;]+(;[^;]+)+ [0-9]+$/{bad=1} END{exit bad || NR == 0}' "$T/o2"
check "-v: -p needs no task struct read" grep -q -- '-p: the process of the thread leaving the CPU is the current task' "$T/o2.err"

start_tool offcputime "$T/o2s" -t "$TID" -s -K 1 "${cache[@]}"
check "-s: status 0" wait_exit 60
check "-s: frames with offsets" grep -qE '^    do_nanosleep\+0x[0-9a-f]+$' "$T/o2s"

# 3) -m 200000: the 100 ms naps are shorter, so nothing is counted; --state.
start_tool offcputime "$T/o3" -t "$TID" -m 200000 -f 1 "${cache[@]}"
check "-m: status 0" wait_exit 60
check "-m 200000: no 100 ms nap counted" test ! -s "$T/o3"
start_tool offcputime "$T/o4" -t "$TID" --state 1 -f 1 "${cache[@]}"
check "--state 1: status 0" wait_exit 60
check "--state 1 (S): the interruptible sleeps counted" grep -q 'do_nanosleep' "$T/o4"
start_tool offcputime "$T/o5" -t "$TID" --state 2 -f 1 "${cache[@]}"
check "--state 2: status 0" wait_exit 60
check "--state 2 (D): none of them" test ! -s "$T/o5"

# 4) -u and -k, whole system, kernel stacks only.
start_tool offcputime "$T/o6" -u -K -f 2 "${cache[@]}"
check "-u: status 0" wait_exit 60
check "-u: the sleeper is a user thread" grep -q '^sleeper;' "$T/o6"
check "-u: no kernel thread (ksoftirqd, kworker, rcu_*)" bash -c '! grep -qE "^(ksoftirqd|kworker|rcu_)" "$1"' _ "$T/o6"
start_tool offcputime "$T/o7" -k -K -f 2 "${cache[@]}"
check "-k: status 0" wait_exit 60
check "-k: kernel threads seen" grep -qE '^(ksoftirqd|kworker|rcu_|migration)' "$T/o7"
check "-k: not the sleeper" bash -c '! grep -q "^sleeper;" "$1"' _ "$T/o7"

# 5) Bad input.
bad() {
    local re=$1 rc=0; shift
    "$BIN/offcputime" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    [ "$rc" = 2 ] && grep -qE "$re" "$T/bad.err" || { echo "rc=$rc" >&2; cat "$T/bad.err" >&2; return 1; }
}
check "-p with -t refused" bad 'mutually exclusive' -p 1 -t 1
check "-f with -s refused" bad 'can only use -f or -s' -f -s
check "-m above -M refused" bad 'is above -M 10' -m 100 -M 10
check "duration 0 refused" bad "invalid duration '0'" 0
check "--check: sched_switch" grep -qx 'probe switch tracepoint sched:sched_switch' <("$BIN/offcputime" --check)
finish
