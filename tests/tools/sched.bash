# Shared by the scheduler tools' tests (runqlat, runqslower, runqlen, cpudist), after lib.sh:
# threads that never sleep pinned to one CPU (the last online one), so that each waits for
# the others' turns, and sums of BCC's text histograms.
: "${STACKLOAD:?STACKLOAD must name the stackload test workload}"
H="$(dirname "${BASH_SOURCE[0]}")/hist.awk"
cache=(--cache-dir "$T/cache")
CPU=$(awk -F'[-,]' '{print $NF}' /sys/devices/system/cpu/online)
SCHED_PIDS=()
# SIGKILL, one pid at a time: a stopped process outlived a SIGTERM once, and held ctest's
# output pipe until the test timed out.
trap 'for p in "${SCHED_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; cleanup' EXIT

# spinners OUT N: a stackload process with N spinning threads on $CPU; its "ready PID TID..."
# line in OUT; SPID is its pid.
spinners() {
    taskset -c "$CPU" "$STACKLOAD" spin "$2" >"$1" 2>"$1.err" &
    SPID=$!
    SCHED_PIDS+=("$SPID")
    wait_for "$1" '^ready' 10
}

# sums FILE [SECTION [LO]]: "TOTAL AT_LEAST" of FILE's histograms (hist.awk).
sums() { awk -v sect="${2:-}" -v lo="${3:-0}" -f "$H" "$1"; }
