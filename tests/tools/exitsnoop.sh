#!/usr/bin/env bash
# exitsnoop, for real: marker processes (copies of bash and sleep under unique names) exit
# with a known code, are killed by a known signal, and exit 0; each must show as one line
# with its name, pid, parent (this shell), thread id, age and BCC's exit text. Then -x,
# -p, -t/--utc, --label, --per-thread, --json, and bad input (exit 2).
. "$(dirname "$0")/lib.sh"
cache=(--cache-dir "$T/cache")
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
code=kse$$ sig=kss$$ ok=kso$$
cp "$(command -v bash)" "$T/$code"
cp "$(command -v bash)" "$T/$ok"
cp "$(command -v sleep)" "$T/$sig"
# exited FILE COMM PID PPID TEXT: BCC's line ("%-16s %-7d %-7d %-7d %-7.2f " TEXT).
exited() {
    grep -qE "^$(printf '%-16s %-7d %-7d %-7d ' "$2" "$3" "$4" "$3")[0-9]+\.[0-9]{2} +$5\$" "$1" ||
        { echo "no exit line for $2 ($3): $5 in $1:" >&2; cat "$1" >&2; return 1; }
}
markers() { # code 7, killed by TERM, exit 0; sets P_CODE P_SIG P_OK
    "$T/$code" -c 'exit 7' &
    P_CODE=$!
    wait "$P_CODE" || true
    "$T/$sig" 1000 &
    P_SIG=$!
    sleep 0.2
    kill -TERM "$P_SIG"
    wait "$P_SIG" 2>/dev/null || true
    "$T/$ok" -c 'exit 0' &
    P_OK=$!
    wait "$P_OK"
}

# 1) Default: the three markers.
start_tool exitsnoop "$T/out1" "${cache[@]}"
wait_ready "$T/out1" '^PCOMM +PID +PPID +TID +AGE\(s\) +EXIT_CODE'
markers
wait_for "$T/out1" "^$ok " 10 || true
check "SIGINT: exit status 0" stop_tool INT
check "header as BCC's" grep -qxF "$(printf '%-16s %-7s %-7s %-7s %-7s %-10s' PCOMM PID PPID TID 'AGE(s)' EXIT_CODE)" "$T/out1"
check "exit 7: 'code 7'" exited "$T/out1" "$code" "$P_CODE" $$ 'code 7'
check "killed by TERM: 'signal 15 (TERM)'" exited "$T/out1" "$sig" "$P_SIG" $$ 'signal 15 \(TERM\)'
check "exit 0: '0'" exited "$T/out1" "$ok" "$P_OK" $$ '0'
age=$(awk -v c="$sig" '$1 == c {print $5}' "$T/out1")
check "the sleeper's age is about its 0.2 s ($age)" awk -v a="$age" 'BEGIN {exit !(a >= 0.15 && a < 5)}'
check "-v: where the exit code comes from" grep -q "exit code, PPID, age: " "$T/out1.err"
check "no program left loaded" progs_gone "$T/out1.err"

# 2) A process older than the tool: its parent and age from /proc at start.
"$T/$sig" 1000 &
old=$!
sleep 1.2
start_tool exitsnoop "$T/out2" -x -p "$old" "${cache[@]}"
wait_ready "$T/out2" '^PCOMM'
kill -KILL "$old"
wait "$old" 2>/dev/null || true
wait_for "$T/out2" "^$sig " 10 || true
check "-p: SIGINT, status 0" stop_tool INT
check "older process, killed: 'signal 9 (KILL)', parent known" exited "$T/out2" "$sig" "$old" $$ 'signal 9 \(KILL\)'
oage=$(awk -v c="$sig" '$1 == c {print $5}' "$T/out2")
check "older process: age from /proc ($oage >= 1)" awk -v a="$oage" 'BEGIN {exit !(a >= 1 && a < 30)}'
check "-p: nothing else" test "$(grep -vc '^PCOMM' "$T/out2")" -eq 1

# 3) -x -t --label: the failures only, time and label columns.
start_tool exitsnoop "$T/out3" -x -t --label=done "${cache[@]}"
wait_ready "$T/out3" '^TIME-[A-Z]+ +LABEL PCOMM'
markers
wait_for "$T/out3" "$sig " 10 || true
sleep 0.3
check "-x: SIGINT, status 0" stop_tool INT
check "-x -t --label: code 7 with time and label" \
    grep -qE "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} done  $code +$P_CODE .* code 7\$" "$T/out3"
check "-x: the signal death" grep -qE "^[0-9:.]+ done  $sig +$P_SIG .* signal 15 \(TERM\)\$" "$T/out3"
check "-x: not the exit(0)" bash -c "! grep -q '$ok' '$T/out3'"
start_tool exitsnoop "$T/out3u" --utc "${cache[@]}"
wait_ready "$T/out3u" '^TIME-UTC +PCOMM'
check "--utc: header TIME-UTC, -t implied" stop_tool INT

# 4) --per-thread: a thread that ends before its process (python).
start_tool exitsnoop "$T/out4" --per-thread "${cache[@]}"
wait_ready "$T/out4" '^PCOMM'
pt=$(python3 -c '
import os, threading, sys
t = threading.Thread(target=lambda: None)
t.start(); t.join()
print(os.getpid())
sys.exit(3)') || true
wait_for "$T/out4" "^python3 +$pt " 10 || true
check "--per-thread: SIGINT, status 0" stop_tool INT
check "--per-thread: python's thread line (TID != PID)" \
    awk -v p="$pt" '$1 == "python3" && $2 == p && $4 != p {f = 1} END {exit !f}' "$T/out4"
check "--per-thread: python's main thread, code 3" \
    awk -v p="$pt" '$1 == "python3" && $2 == p && $4 == p && $(NF - 1) == "code" && $NF == 3 {f = 1} END {exit !f}' "$T/out4"

# 5) --json.
start_tool exitsnoop "$T/out5" --json "${cache[@]}"
wait_ready "$T/out5.err" 'ready: tracing'
markers
wait_for "$T/out5" "\"$ok\"" 10 || true
check "--json: SIGINT, status 0" stop_tool INT
check "--json: valid; the code, the signal" python3 "$V" "$SCHEMAS/exitsnoop.schema.json" "$T/out5" \
    --expect "r['pid'] == $P_CODE and r['comm'] == '$code' and r['ppid'] == $$ and r['exit_status'] == 7 and r['exit_code'] == 7 << 8 and r['signal'] is None" \
    --expect "r['pid'] == $P_SIG and r['signal'] == 15 and r['signal_name'] == 'TERM' and r['exit_status'] is None and r['age_ns'] > 0"

bad() { usage_error exitsnoop "$@"; }
bad "invalid PID 'x'" -p x
bad "unrecognized option" --frobnicate
finish
