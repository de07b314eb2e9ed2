#!/usr/bin/env bash
# drsnoop, for real. Global direct reclaim needs the whole machine short of memory, which
# a test must not cause on a shared host; so the test makes a memory cgroup with a 16 MiB
# limit and reads a 64 MiB file (written with O_DIRECT, so none of it is cached) from a
# marker process inside it: the page cache it fills is charged to the cgroup, and the
# marker must reclaim at the limit (try_to_free_mem_cgroup_pages). drsnoop --memcg must
# show the marker's reclaims (pages > 0); plain drsnoop (BCC's: global direct reclaim
# only) must not. Then -T -U columns, -n, --json, and bad input (exit 2).
. "$(dirname "$0")/lib.sh"
cache=(--cache-dir "$T/cache")
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
io_disk drsnoop
mk=ksdr$$
cp "$(command -v cat)" "$T/$mk"
dd if=/dev/zero of="$IO_FILE" bs=1M count=64 oflag=direct status=none
CG=
if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
    CG=/sys/fs/cgroup/kscope-drsnoop-$$
    mkdir "$CG" && echo $((16 << 20)) >"$CG/memory.max" || prereq "cannot make a memory cgroup (v2)"
elif [ -d /sys/fs/cgroup/memory ]; then
    CG=/sys/fs/cgroup/memory/kscope-drsnoop-$$
    mkdir "$CG" && echo $((16 << 20)) >"$CG/memory.limit_in_bytes" || prereq "cannot make a memory cgroup (v1)"
else
    prereq "no memory cgroup controller here"
fi
cleanup_cg() { rm -f "$IO_FILE"; [ -n "$CG" ] && rmdir "$CG" 2>/dev/null || true; }
trap 'cleanup; cleanup_cg' EXIT
# squeeze: the marker reads the file inside the cgroup; MPID is its pid.
squeeze() {
    # Drop what an earlier read left cached (charged to the cgroup), then read again.
    dd if="$IO_FILE" iflag=nocache count=0 status=none
    sh -c 'echo $$ >"$1/cgroup.procs"; exec "$2" "$3"' _ "$CG" "$T/$mk" "$IO_FILE" >/dev/null &
    MPID=$!
    wait "$MPID"
    # The page cache stays charged: empty the cgroup's for the next round.
    [ -f "$CG/memory.force_empty" ] && echo 0 >"$CG/memory.force_empty" 2>/dev/null
    [ -f "$CG/memory.reclaim" ] && echo $((64 << 20)) >"$CG/memory.reclaim" 2>/dev/null
    true
}

# 1) --memcg -T -U: the marker's reclaims at its cgroup's limit.
start_tool drsnoop "$T/out1" --memcg -T -U "${cache[@]}"
# (The tests run tools with -v, which is also BCC's -v: the FREE(KB) column.)
wait_ready "$T/out1" '^TIME\(s\) +UID +COMM +PID +LAT\(ms\) PAGES +FREE\(KB\)$'
squeeze
wait_for "$T/out1" " $mk " 10 || true
check "--memcg: SIGINT, status 0" stop_tool INT
check "header as BCC's (-T -U -v)" grep -qxF "$(printf '%-14s%-6s%-14s %-6s %8s %5s%10s' 'TIME(s)' UID COMM PID 'LAT(ms)' PAGES 'FREE(KB)')" "$T/out1"
check "--memcg: the marker's reclaims, pages > 0" \
    grep -qE "^[0-9]+\.[0-9]{9} *0 +$mk +$MPID +[0-9]+\.[0-9]{2} +[1-9][0-9]* +(-|[0-9]+)\$" "$T/out1"
check "--memcg: -v says the memcg tracepoints were chosen" \
    grep -q "tracepoint vmscan:mm_vmscan_memcg_reclaim_begin: chosen" "$T/out1.err"
check "no program left loaded" progs_gone "$T/out1.err"
# -v's FREE(KB) reads vm_zone_stat at an address the tool hands the program at start, so
# the program is the same with and without -v (cacheable across boots, KASLR or not).
if grep -qE ' (vm_zone_stat|vm_stat)$' /proc/kallsyms; then
    check "-v: FREE(KB) of the marker's reclaims is a number" \
        grep -qE " $mk +$MPID +[0-9]+\.[0-9]{2} +[1-9][0-9]* +[0-9]+\$" "$T/out1"
else
    check "-v: FREE(KB) is '-' without vm_zone_stat in kallsyms" \
        grep -qE " $mk +$MPID +[0-9]+\.[0-9]{2} +[1-9][0-9]* +-\$" "$T/out1"
    check "-v: and says why" grep -q "no vm_zone_stat or vm_stat in /proc/kallsyms" "$T/out1.err"
fi
check "-v does not change the program" bash -c \
    "a=\$('$BIN/drsnoop' --ebpf --memcg 2>/dev/null) && b=\$('$BIN/drsnoop' -v --ebpf --memcg 2>/dev/null) &&
     grep -q 'BPF_ARRAY(vm_stat_addr' <<<\"\$a\" && [ \"\$a\" = \"\$b\" ]"

# 2) BCC's drsnoop (global direct reclaim only): the cgroup's reclaim is not shown.
start_tool drsnoop "$T/out2" -n "$mk" "${cache[@]}"
wait_ready "$T/out2" '^COMM +PID +LAT\(ms\) PAGES'
squeeze
sleep 0.5
check "default: SIGINT, status 0" stop_tool INT
check "default: no line for the cgroup's reclaim" test "$(grep -c " $mk " "$T/out2")" -eq 0

# 3) --json -n: the marker only.
start_tool drsnoop "$T/out3" --json --memcg -n "$mk" "${cache[@]}"
wait_ready "$T/out3.err" 'ready: tracing'
squeeze
wait_for "$T/out3" "\"$mk\"" 10 || true
check "--json: SIGINT, status 0" stop_tool INT
check "--json: valid, the marker's reclaims" python3 "$V" "$SCHEMAS/drsnoop.schema.json" "$T/out3" \
    --expect "r['comm'] == '$mk' and r['pid'] == $MPID and r['pages'] > 0 and r['latency_ns'] > 0 and r['memcg'] == 1"
check "-n: nothing else" bash -c "! grep -v '\"$mk\"' '$T/out3' | grep -q ."

bad() { usage_error drsnoop "$@"; }
bad "invalid TID 'x'" -t x
bad "invalid UID '-1'" -u -1
finish
