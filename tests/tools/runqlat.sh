#!/usr/bin/env bash
# runqlat, for real: three threads that never sleep (two of one process, one of another)
# pinned to one CPU each wait for the others' turns, so their run-queue latencies are
# scheduler slices (hundreds of us and more); -p, -P and -L against the test's own pids and
# tids, a stopped process that must count nothing; --json, --prom; bad input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sched.bash"
spinners "$T/w1" 2
W1=$SPID
spinners "$T/w2" 1
W2=$SPID
sleep 1000 >/dev/null 2>&1 & # (not on the test's output: see sched.bash's trap)
STOPPED=$!
SCHED_PIDS+=("$STOPPED")
kill -STOP "$STOPPED"
read -r _ _ T1 T2 <"$T/w1"
read -r _ _ T3 <"$T/w2"

# 1) -p W1, 2 intervals: the spinners' waits, mostly a slice of another spinner.
start_tool runqlat "$T/o1" -p "$W1" 1 2 "${cache[@]}"
check "-p: interval and count: exits by itself with status 0" wait_exit 60
check "BCC's banner" grep -qx 'Tracing run queue latency... Hit Ctrl-C to end.' "$T/o1"
check "BCC's histogram header" grep -qE '^     usecs +: count +distribution$' "$T/o1"
read -r total above <<<"$(sums "$T/o1" '' 256)"
echo "-p $W1: $total latencies, $above of them >= 256 us"
check "-p: the spinners' latencies counted (got $total, want >= 50)" test "$total" -ge 50
check "-p: most of them 256 us or more, a slice of another spinner ($above of $total)" test $((above * 2)) -ge "$total"
check "-v: process ids taken when the thread leaves the CPU" grep -q 'process ids: sched_switch carries thread ids only' "$T/o1.err"
check "-v: the tracepoints chosen" grep -q 'tracepoint sched:sched_wakeup: chosen' "$T/o1.err"
check "no program left loaded" progs_gone "$T/o1.err"

# 2) -p of a stopped process: nothing at all, while the spinners run.
start_tool runqlat "$T/o2" -p "$STOPPED" 2 1 "${cache[@]}"
check "-p stopped: status 0" wait_exit 60
read -r total _ <<<"$(sums "$T/o2")"
check "-p of a stopped process: exactly 0 counted (got $total)" test "$total" -eq 0

# 3) -P, and -L -m -T with --prom (two tools at once): a histogram per process and per
# thread. Three threads share the CPU, so each waits about two thirds of the time: the
# latencies' sum per thread (--prom's _sum, measured in BPF) is 0.8 to 2.1 s of the 2 s.
start_tool runqlat "$T/o3" -P 2 1 "${cache[@]}"
P3=$TOOL_PID
start_tool runqlat "$T/o4" -L -mT --prom "$T/tids.prom" 2 1 "${cache[@]}"
check "-L: status 0" wait_exit 60
TOOL_PID=$P3
check "-P: status 0" wait_exit 60
for p in "$W1" "$W2"; do
    read -r total above <<<"$(sums "$T/o3" "pid = $p" 256)"
    check "-P: pid $p has a histogram of its waits, most of them slices (got $total, $above >= 256 us)" \
        test "$total" -ge 20 -a $((above * 2)) -ge "$total"
done
for t in "$T1" "$T2" "$T3"; do
    read -r total _ <<<"$(sums "$T/o4" "tid = $t")"
    check "-L: tid $t has a histogram (got $total)" test "$total" -ge 10
    sum=$(grep -oP "^kscope_runqlat_latency_seconds_sum\{tid=\"$t\"\} \K[0-9.]+" "$T/tids.prom" || echo 0)
    check "-L --prom: tid $t waited 0.8-2.1 s of the 2 s (got $sum s)" \
        awk -v s="$sum" 'BEGIN {exit !(s >= 0.8 && s <= 2.1)}'
done
# 4) --json -P and --prom -p: the same numbers in the other formats.
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
start_tool runqlat "$T/o5" -P --json --prom "$T/runqlat.prom" 1 2 "${cache[@]}"
check "--json: status 0" wait_exit 60
if python3 -c 'import jsonschema' 2>/dev/null; then
    check "--json -P: valid histogram objects, pid $W1 among them" \
        python3 "$(dirname "$0")/json_validate.py" "$SCHEMAS/histogram.schema.json" "$T/o5" --min 2 \
        --expect "r['section'] == 'pid' and any(h['pid'] == '$W1' and sum(b['count'] for b in h['buckets']) >= 20 for h in r['histograms'])"
else
    prereq "python3-jsonschema (Debian package)"
fi
prom_count=$(grep -oP "^kscope_runqlat_latency_seconds_count\{pid=\"$W1\"\} \K[0-9]+" "$T/runqlat.prom" || echo 0)
json_count=$(python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    for h in json.loads(line)["histograms"]:
        if h["pid"] == sys.argv[2]:
            n += sum(b["count"] for b in h["buckets"])
print(n)' "$T/o5" "$W1")
check "--prom: pid $W1's _count is the JSON's total over both intervals ($prom_count = $json_count)" \
    test "$prom_count" = "$json_count" -a "$prom_count" -gt 0
check "--prom: a measured _sum" grep -qE "^kscope_runqlat_latency_seconds_sum\{pid=\"$W1\"\} [0-9.]*[1-9]" "$T/runqlat.prom"
if command -v promtool >/dev/null; then
    check "--prom: promtool accepts the file" promtool check metrics <"$T/runqlat.prom"
fi

# 5) --pidnss: the PID namespace needs a task read; here it is either refused with the
# reason or names this test's namespace.
rc=0
"$BIN/runqlat" --pidnss 1 1 "${cache[@]}" >"$T/o6" 2>"$T/o6.err" || rc=$?
if [ "$rc" = 2 ]; then
    check "--pidnss: refused with the reason and the way out" grep -q -- '--pidnss reads each task.s PID namespace.*--probe=kprobe' "$T/o6.err"
else
    ns=$(stat -L -c %i /proc/$W1/ns/pid)
    check "--pidnss: status 0 and a histogram for this namespace ($ns)" \
        bash -c '[ "$1" = 0 ] && grep -qx "pidns = $2" "$3"' _ "$rc" "$ns" "$T/o6"
fi

# 6) bad input and this kernel's missing kprobes.
bad() { # bad WHAT REGEX ARGS...: exit 2 and one line matching REGEX
    local what=$1 re=$2 rc=0
    shift 2
    "$BIN/runqlat" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    check "$what: exit 2 ($rc) with '$re'" bash -c '[ "$1" = 2 ] && grep -qE "$2" "$3"' _ "$rc" "$re" "$T/bad.err"
}
bad "-P with -L" 'can only use one of -P, -L and --pidnss' -P -L
bad "-p 0" "invalid PID '0'" -p 0
bad "-p -5" "invalid PID '-5'" -p -5
bad "-p abc" "invalid PID 'abc'" -p abc
bad "interval 0" "invalid interval '0'" 0
rc=0
"$BIN/runqlat" --probe=kprobe "${cache[@]}" >/dev/null 2>"$T/kp.err" || rc=$?
check "--probe=kprobe on a kernel without kprobes: refused (exit $rc) naming the function" \
    bash -c '[ "$1" != 0 ] && grep -q "ttwu_do_wakeup" "$2"' _ "$rc" "$T/kp.err"
finish
