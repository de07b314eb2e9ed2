#!/usr/bin/env bash
# oomkill, for real: a process this test puts in a memory-limited cgroup (cgroup v2
# memory.max, or v1 memory.limit_in_bytes where the memory controller is on v1) allocates
# until the OOM killer kills it; oomkill (text and --json at once) names it as the victim
# and as the trigger (its own allocation failed). Bad input.
. "$(dirname "$0")/lib.sh"
: "${MEMLOAD:?MEMLOAD must name the memload test workload}"
cache=(--cache-dir "$T/cache")

# A memory cgroup of our own, limited to 64 MiB, no swap.
CG=
for m in $(awk '$3 == "cgroup2" {print $2}' /proc/mounts); do
    grep -qw memory "$m/cgroup.controllers" 2>/dev/null || continue
    grep -qw memory "$m/cgroup.subtree_control" 2>/dev/null || continue
    CG="$m/kscope-oom-$$"
    mkdir "$CG" && echo 64M >"$CG/memory.max" && { echo 0 >"$CG/memory.swap.max" 2>/dev/null || true; }
    break
done
if [ -z "$CG" ]; then
    m=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ {print $2; exit}' /proc/mounts)
    [ -n "$m" ] || prereq "no memory cgroup controller (v2 memory.max or v1 memory)"
    CG="$m/kscope-oom-$$"
    mkdir "$CG" && echo $((64 << 20)) >"$CG/memory.limit_in_bytes"
    echo $((64 << 20)) >"$CG/memory.memsw.limit_in_bytes" 2>/dev/null || true
fi
trap 'kill_workloads; [ -n "$TOOL2" ] && kill -INT "$TOOL2" 2>/dev/null; rmdir "$CG" 2>/dev/null; cleanup' EXIT
TOOL2=

# 1) Text and JSON at once.
"$BIN/oomkill" --json "${cache[@]}" -v >"$T/j" 2>"$T/j.err" &
TOOL2=$!
start_tool oomkill "$T/o" "${cache[@]}"
check "banner as BCC's" wait_ready "$T/o" '^Tracing OOM kills\.\.\. Ctrl-C to stop\.$'
check "--json: ready" wait_ready "$T/j.err" 'ready: tracing'
sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" hog' _ "$CG" "$MEMLOAD" >"$T/w" &
WL+=($!)
HOG=$!
check "the victim names the hog" wait_for "$T/o" "OOM kill of PID $HOG \(\"memload\"\)" 60
line=$(grep "OOM kill of PID $HOG " "$T/o" | head -n1)
echo "$line"
check "BCC's line: trigger, victim, pages, loadavg" \
    grep -qE "^[0-9]{2}:[0-9]{2}:[0-9]{2} Triggered by PID $HOG \(\"memload\"\), OOM kill of PID $HOG \(\"memload\"\), (-|[0-9]+) pages, loadavg: [0-9.]+ [0-9.]+ [0-9.]+ [0-9]+/[0-9]+ [0-9]+$" <<<"$line"
check "the hog was killed (SIGKILL)" bash -c 'wait_rc=0; for i in $(seq 100); do kill -0 '"$HOG"' 2>/dev/null || exit 0; sleep 0.1; done; exit 1'
if grep -q 'tracepoint oom:mark_victim: chosen' "$T/o.err"; then
    check "tracepoint: pages not known, printed '-'" grep -q ' - pages, ' <<<"$line"
    check "tracepoint: said once why" test "$(grep -c 'total pages are not known' "$T/o.err")" = 1
fi
check "--json: the victim" wait_for "$T/j" "\"victim_pid\":$HOG," 10
V="$(dirname "$0")/json_validate.py"
if python3 -c 'import jsonschema' 2>/dev/null; then
    check "--json: valid against schemas/oomkill.schema.json" python3 "$V" \
        "$(dirname "$0")/../../schemas/oomkill.schema.json" "$T/j" \
        --expect "r['victim_pid'] == $HOG and r['trigger_comm'] == 'memload' and r['victim_comm'] == 'memload'"
else
    prereq "python3-jsonschema (Debian package)"
fi
check "stops cleanly on SIGINT" stop_tool INT
kill -INT "$TOOL2"; wait "$TOOL2" || true; TOOL2=
check "no program left loaded" progs_gone "$T/o.err"

# 2) Bad input and --check.
rc=0; "$BIN/oomkill" extra >"$T/bad" 2>&1 || rc=$?
check "a stray argument: exit 2" test "$rc" = 2
check "--check: a probe for the victim" grep -qE '^probe victim (tracepoint oom:mark_victim|kprobe oom_kill_process)$' <("$BIN/oomkill" --check)
finish
