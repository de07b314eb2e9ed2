#!/usr/bin/env bash
# compactsnoop, for real. Writing 1 to /proc/sys/vm/compact_memory compacts every populated
# zone of every node, synchronously, in the writing process (compact_nodes(): one
# compact_zone() per zone, order -1). A marker shell (a copy of dash under a unique name)
# waits on a fifo, then writes it with a builtin: compactsnoop -p MARKER must print one line
# per populated zone of /proc/zoneinfo (those with a start_pfn), in /proc/zoneinfo's order,
# with the marker's name and pid, ORDER -1, MODE SYNC and a STATUS the kernel's print fmt
# names. Direct compaction (an allocation of order > 0 on fragmented memory) cannot be
# caused on demand on a shared host, so ORDER > 0 is not checked here.
. "$(dirname "$0")/lib.sh"
cache=(--cache-dir "$T/cache")
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
[ -w /proc/sys/vm/compact_memory ] || prereq "no /proc/sys/vm/compact_memory (kernel without CONFIG_COMPACTION)"
TF=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
    [ -d "$d/events/compaction" ] && TF=$d/events/compaction && break
done
[ -n "$TF" ] || prereq "no compaction tracepoints"
mk=kscs$$
cp "$(command -v dash || command -v sh)" "$T/$mk"
# The zones compact_memory compacts, in order: ZONE_<NAME> per node.
ZONES=$(awk '/^Node/ { n = $2; sub(",", "", n); z = toupper($4) } /start_pfn:/ { print n " ZONE_" z }' /proc/zoneinfo)
NZ=$(echo "$ZONES" | grep -c .)
# STATUS: the names mm_compaction_end's print fmt gives enum compact_result.
STATUSES=$(grep -o '"[a-z_]*"' "$TF/mm_compaction_end/format" | tr -d '"' | paste -sd'|')

# marker: MPID waits for a line on its fifo, then compacts (a builtin write, no exec).
marker() {
    rm -f "$T/go"
    mkfifo "$T/go"
    "$T/$mk" -c 'echo ready; read x <"$1"; echo 1 >/proc/sys/vm/compact_memory; echo done' _ "$T/go" >"$T/marker.out" &
    MPID=$!
    wait_for "$T/marker.out" '^ready' 10
}
compact() {
    echo go >"$T/go"
    wait "$MPID"
    grep -q '^done' "$T/marker.out"
}

# 1) -T -K -p MARKER: one line per populated zone, then its kernel stack.
marker
start_tool compactsnoop "$T/out1" -T -K -p "$MPID" "${cache[@]}"
wait_ready "$T/out1" '^TIME\(s\) +COMM +PID +NODE +ZONE +ORDER +MODE +LAT\(ms\) +STATUS$'
check "the marker compacted" compact
wait_for "$T/out1" "^[0-9.]+ +$mk +$MPID +[0-9]+ +$(echo "$ZONES" | tail -n1 | cut -d' ' -f2) " 20 || true
check "-T -K: SIGINT, status 0" stop_tool INT
check "header as BCC's (-T)" grep -qxF "$(printf '%-14s %-14s %-6s %-4s %-12s %-5s %-7s %9s %16s' 'TIME(s)' COMM PID NODE ZONE ORDER MODE 'LAT(ms)' STATUS)" "$T/out1"
grep -E "^[0-9]+\.[0-9]{9} " "$T/out1" >"$T/lines1" || true
check "one line per populated zone ($NZ), the marker's only" test "$(grep -c . "$T/lines1")" -eq "$NZ"
check "node and zone of each line, in /proc/zoneinfo's order" \
    test "$(awk '{ print $4 " " $5 }' "$T/lines1")" = "$ZONES"
check "each line: marker, pid, ORDER -1, SYNC, LAT, a status of the print fmt" \
    test "$(grep -cE "^[0-9]+\.[0-9]{9} +$mk +$MPID +[0-9]+ +ZONE_[A-Z0-9]+ +-1 +SYNC +[0-9]+\.[0-9]{3} +($STATUSES)\$" "$T/lines1")" -eq "$NZ"
check "-K: a kernel stack through the compact_memory handler" grep -qE $'^\t.*compaction_handler' "$T/out1"
check "-v: mm_compaction_suitable, _begin, _end chosen" \
    test "$(grep -cE 'tracepoint compaction:mm_compaction_(suitable|begin|end): chosen' "$T/out1.err")" -eq 3
check "no program left loaded" progs_gone "$T/out1.err"

# 2) --json -p: the same, as JSON Lines.
marker
start_tool compactsnoop "$T/out2" --json -p "$MPID" "${cache[@]}"
wait_ready "$T/out2.err" 'ready: tracing'
check "--json: the marker compacted" compact
wait_for "$T/out2" "\"zone\":\"$(echo "$ZONES" | tail -n1 | cut -d' ' -f2)\"" 20 || true
check "--json: SIGINT, status 0" stop_tool INT
check "--json: valid, the marker's compactions" python3 "$V" "$SCHEMAS/compactsnoop.schema.json" "$T/out2" \
    --expect "r['comm'] == '$mk' and r['pid'] == $MPID and r['order'] == -1 and r['mode'] == 'SYNC' and r['zone'].startswith('ZONE_') and r['status'] in '$STATUSES'.split('|')"
check "--json: one object per populated zone" test "$(grep -c . "$T/out2")" -eq "$NZ"

# 3) -p another process: the marker's compactions are not shown.
marker
start_tool compactsnoop "$T/out3" -p $$ "${cache[@]}"
wait_ready "$T/out3" '^COMM +PID +NODE +ZONE'
check "-p other: the marker compacted" compact
check "-p other: SIGINT, status 0" stop_tool INT
check "-p other: no line for the marker" test "$(grep -c " $mk " "$T/out3")" -eq 0

bad() { usage_error compactsnoop "$@"; }
bad "invalid PID 'x'" -p x
bad "unrecognized option" --bogus
finish
