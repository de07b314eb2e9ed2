#!/usr/bin/env bash
# statsnoop, for real: stat(1) of a unique existing path and of a missing one, statfs via
# stat -f, by processes of known pid: their lines with FD, ERR and path; -t -s -x -p.
. "$(dirname "$0")/lib.sh"

cache=(--cache-dir "$T/cache")
M=$T/statsnoop-marker-$$
touch "$M"
# gated STAT-ARGS...: stat(1) that waits for `go`; SPID its pid.
gated() {
    rm -f "$T/gate"; mkfifo "$T/gate"
    bash -c 'read -r _ <"$0"; exec stat "$@" >/dev/null 2>&1' "$T/gate" "$@" &
    SPID=$!
}
go() { echo go >"$T/gate"; wait "$SPID" || true; }

start_tool statsnoop "$T/t" -s "${cache[@]}"
wait_ready "$T/t" '^PID +COMM'
gated "$M"; A=$SPID; go
gated "$M.missing"; B=$SPID; go
gated -f "$M"; C=$SPID; go
wait_for "$T/t" "^$C +stat .* statfs +$M\$" 10
check "SIGINT: exit status 0" stop_tool INT
check "header as BCC prints it (-s)" test "$(head -n1 "$T/t")" = "$(printf '%-7s %-16s %4s %3s %-12s %s' PID COMM FD ERR SYSCALL PATH)"
row() { printf '%-7d %-16s %4d %3d %-12s %s' "$@"; }
check "stat of the marker by $A: FD 0, ERR 0" grep -qE "^$A +stat +0 +0 (statx|newfstatat|newstat) +$M\$" "$T/t"
check "stat of a missing path by $B: FD -1, ERR 2" grep -qE "^$B +stat +-1   2 (statx|newfstatat|newstat) +$M\.missing\$" "$T/t"
check "statfs by $C, named" grep -qxF "$(row "$C" stat 0 0 statfs "$M")" "$T/t"

# -x -p -t, JSON: only the failed call of that process.
gated "$M.missing"; B=$SPID
start_tool statsnoop "$T/j" --json -x -t -p "$B" "${cache[@]}"
wait_ready "$T/j.err" 'ready: tracing'
stat "$M" >/dev/null
go
wait_for "$T/j" "missing" 10
check "--json: SIGINT, exit status 0" stop_tool INT
check "--json -x -t -p: valid; the failed stat, errno 2, fd null" python3 \
    "$(dirname "$0")/json_validate.py" "$(dirname "$0")/../../schemas/statsnoop.schema.json" "$T/j" \
    --expect "r['pid'] == $B and r['fd'] is None and r['errno'] == 2 and r['path'] == '$M.missing' and 'elapsed_ns' in r"
check "-x -p: nothing else" test "$(grep -vc "\"pid\":$B,.*\"errno\":[1-9]" "$T/j")" = 0
check "no program left loaded" progs_gone "$T/j.err"
finish
