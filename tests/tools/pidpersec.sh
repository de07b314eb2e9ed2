#!/usr/bin/env bash
# pidpersec, for real: a burst of forks the test makes while the tool runs must show up
# in its per-second counts (their sum at least the burst), in BCC's line format; -d ends
# it; --json; the partial second at Ctrl-C is not printed (as BCC).
. "$(dirname "$0")/lib.sh"
cache=(--cache-dir "$T/cache")
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
N=400
# (wait for the burst only: a bare wait would wait for the tool too)
burst() { local i p=(); for ((i = 0; i < N; i++)); do (:) & p+=($!); done; wait "${p[@]}"; }

start_tool pidpersec "$T/out1" "${cache[@]}"
wait_ready "$T/out1" '^Tracing\.\.\. Ctrl-C to end\.$'
burst
sleep 2.2
check "SIGINT: exit status 0" stop_tool INT
check "lines as BCC's: 'HH:MM:SS: PIDs/sec: N'" \
    bash -c "grep -v '^Tracing' '$T/out1' | grep -qvE '^[0-9]{2}:[0-9]{2}:[0-9]{2}: PIDs/sec: [0-9]+\$' && exit 1 || exit 0"
sum=$(awk '/PIDs\/sec/ {s += $NF} END {print s + 0}' "$T/out1")
check "the burst of $N forks counted (sum $sum >= $N)" test "$sum" -ge "$N"
check "at least two seconds printed" test "$(grep -c 'PIDs/sec' "$T/out1")" -ge 2
check "no program left loaded" progs_gone "$T/out1.err"

start_tool pidpersec "$T/out2" -d 2 --json "${cache[@]}"
wait_ready "$T/out2.err" 'ready: tracing'
burst
check "-d 2: exits by itself, status 0" wait_exit 30
check "--json: valid, two seconds, the burst" python3 "$V" "$SCHEMAS/pidpersec.schema.json" "$T/out2" \
    --min 2 --expect "r['pids'] >= 0"
jsum=$(python3 -c 'import json,sys; print(sum(json.loads(l)["pids"] for l in open(sys.argv[1])))' "$T/out2")
check "--json: the burst counted ($jsum >= $N)" test "$jsum" -ge "$N"
check "-d 2: exactly two seconds printed" test "$(wc -l <"$T/out2")" -eq 2
finish
