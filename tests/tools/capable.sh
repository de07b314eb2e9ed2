#!/usr/bin/env bash
# capable, for real: a marker (a copy of chown under a unique name) gives a file of root's
# to another user, which needs CAP_CHOWN; its check must show as a line with its uid,
# pid, name, capability 0 and CAP_CHOWN. Then -x (TID, INSETID), -p, -K (a kernel stack
# through the capability check), --unique, --json, and bad input (exit 2).
. "$(dirname "$0")/lib.sh"
cache=(--cache-dir "$T/cache")
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
mk=kscap$$
cp "$(command -v chown)" "$T/$mk"
touch "$T/file"
chowner() { "$T/$mk" 4321 "$T/file" & CPID=$!; wait "$CPID"; chown 0 "$T/file"; }

# 1) Default.
start_tool capable "$T/out1" "${cache[@]}"
wait_ready "$T/out1" '^TIME +UID +PID +COMM +CAP +NAME +AUDIT'
chowner
wait_for "$T/out1" " $mk " 10 || true
check "SIGINT: exit status 0" stop_tool INT
check "header as BCC's" grep -qxF "$(printf '%-9s %-6s %-6s %-16s %-4s %-20s %-6s' TIME UID PID COMM CAP NAME AUDIT)" "$T/out1"
if grep -q "tracepoint capability:cap_capable: chosen" "$T/out1.err"; then
    audit='-     ' # the tracepoint does not say
else
    audit='1     '
fi
check "the marker's CAP_CHOWN check" \
    grep -qE "^[0-9:]{8}  $(printf '%-6d %-6d %-16s %-4d %-20s' 0 "$CPID" "$mk" 0 CAP_CHOWN) $audit\$" "$T/out1"
check "the tool's own checks not shown" bash -c "! grep -qE '^[0-9:]+ +[0-9]+ +[0-9]+ +capable ' '$T/out1'"
check "no program left loaded" progs_gone "$T/out1.err"

# 2) -x -p: the marker only (as a process), with TID and INSETID.
mkfifo "$T/go"
sh -c 'read x <"$1"; exec "$2" 4321 "$3"' _ "$T/go" "$T/$mk" "$T/file" &
P=$!
start_tool capable "$T/out2" -x -p "$P" "${cache[@]}"
wait_ready "$T/out2" '^TIME +UID +PID +TID +COMM'
echo go >"$T/go"
wait "$P"
chown 0 "$T/file"
wait_for "$T/out2" " $mk " 10 || true
check "-x -p: SIGINT, status 0" stop_tool INT
check "-x: header with TID and INSETID" \
    grep -qxF "$(printf '%-9s %-6s %-6s %-6s %-16s %-4s %-20s %-6s %s' TIME UID PID TID COMM CAP NAME AUDIT INSETID)" "$T/out2"
check "-x -p: the marker, PID and TID its own" \
    grep -qE "^[0-9:]{8}  $(printf '%-6d %-6d %-6d %-16s %-4d %-20s' 0 "$P" "$P" "$mk" 0 CAP_CHOWN) " "$T/out2"
check "-p: only that process" test "$(grep -cE '^[0-9]{2}:' "$T/out2")" -eq "$(grep -cE "^[0-9:]+ +0 +$P " "$T/out2")"

# 3) -K --unique: a kernel stack through the check; repeats of one stack shown once.
start_tool capable "$T/out3" -K --unique "${cache[@]}"
wait_ready "$T/out3" '^TIME +UID'
chowner
chowner
wait_for "$T/out3" " $mk " 10 || true
sleep 0.5
check "-K: SIGINT, status 0" stop_tool INT
check "-K: kernel frames, 8 spaces in, with offsets" grep -qE '^        [a-z_0-9.]+\+0x[0-9a-f]+$' "$T/out3"
check "-K: the chown path in the stack" grep -qE '^        .*chown.*\+0x' "$T/out3"

# 4) --json.
start_tool capable "$T/out4" --json -x "${cache[@]}"
wait_ready "$T/out4.err" 'ready: tracing'
chowner
wait_for "$T/out4" "\"$mk\"" 10 || true
check "--json: SIGINT, status 0" stop_tool INT
check "--json: valid, the marker's check" python3 "$V" "$SCHEMAS/capable.schema.json" "$T/out4" \
    --expect "r['comm'] == '$mk' and r['pid'] == $CPID and r['tid'] == $CPID and r['cap'] == 0 and r['name'] == 'CAP_CHOWN' and r['uid'] == 0"

bad() { usage_error capable "$@"; }
bad "invalid PID 'x'" -p x
finish
