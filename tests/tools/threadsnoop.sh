#!/usr/bin/env bash
# threadsnoop, for real: memload creates one thread starting in thread_main() on SIGUSR1;
# threadsnoop (system-wide and with -p) prints it with memload's pid and comm, the
# function named. --json validates.
. "$(dirname "$0")/lib.sh"
: "${MEMLOAD:?MEMLOAD must name the memload test workload}"
cache=(--cache-dir "$T/cache")
trap 'kill_workloads; cleanup' EXIT
workload "$T/w" "$MEMLOAD" thread
start_tool threadsnoop "$T/o" "${cache[@]}"
check "BCC's header" wait_ready "$T/o" '^TIME\(ms\)   PID     COMM             FUNC$'
kill -USR1 "$WPID"
check "the workload made its thread" wait_for "$T/w" '^done' 10
check "the thread: pid, comm, thread_main" wait_for "$T/o" "^[0-9]+ +$WPID +memload +thread_main\$" 10
check "stops on SIGINT, status 0" stop_tool INT
check "no program left loaded" progs_gone "$T/o.err"

workload "$T/w2" "$MEMLOAD" thread
start_tool threadsnoop "$T/j" -p "$WPID" --json "${cache[@]}"
check "--json: ready" wait_ready "$T/j.err" 'ready: tracing'
kill -USR1 "$WPID"
check "--json -p: the thread" wait_for "$T/j" "\"pid\":$WPID,\"comm\":\"memload\",\"func\":\"thread_main\"" 10
stop_tool INT || true
if python3 -c 'import jsonschema' 2>/dev/null; then
    check "--json: valid against schemas/threadsnoop.schema.json" python3 "$(dirname "$0")/json_validate.py" \
        "$(dirname "$0")/../../schemas/threadsnoop.schema.json" "$T/j"
else
    prereq "python3-jsonschema (Debian package)"
fi
rc=0; "$BIN/threadsnoop" -p 999999999 >"$T/bad" 2>&1 || rc=$?
check "-p of no process: exit 2" test "$rc" = 2
finish
