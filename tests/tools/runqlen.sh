#!/usr/bin/env bash
# runqlen, for real: three threads that never sleep, pinned to one CPU: at every sample of
# that CPU one runs and two (or more, with other load) wait, so its histogram's mass is at
# 2 and up and its occupancy near 100%; --json; the length kept from tracepoints (-v).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sched.bash"
spinners "$T/w1" 3
cpu=$CPU

# 1) -C, 2 intervals of 1 s.
start_tool runqlen "$T/o1" -C --prom "$T/runqlen.prom" 1 2 "${cache[@]}"
check "-C: interval and count: exits by itself with status 0" wait_exit 60
check "BCC's banner" grep -qx 'Sampling run queue length... Hit Ctrl-C to end.' "$T/o1"
check "BCC's linear histogram header" grep -qE '^     runqlen +: count +distribution$' "$T/o1"
read -r total above <<<"$(sums "$T/o1" "cpu = $cpu" 2)"
echo "CPU $cpu: $total samples, $above with 2 or more waiting"
check "-C: CPU $cpu sampled, at most 99 times a second (got $total in 2 s)" test "$total" -ge 60 -a "$total" -le 230
check "-C: at least 90% of CPU $cpu's samples with 2 or more waiting ($above of $total)" \
    test $((above * 10)) -ge $((total * 9))
check "-v: the length is kept from tracepoints" grep -q 'run queue length: kept from sched_wakeup' "$T/o1.err"
check "-v: the cpu-clock perf event" grep -q 'software:cpu-clock' "$T/o1.err"
prom=$(grep -oP "^kscope_runqlen_samples_total\{cpu=\"$cpu\"\} \K[0-9]+" "$T/runqlen.prom" || echo none)
check "--prom: CPU $cpu's samples_total is the text's total ($prom = $total)" test "$prom" = "$total"
wprom=$(grep -oP "^kscope_runqlen_waiting_samples_total\{cpu=\"$cpu\"\} \K[0-9]+" "$T/runqlen.prom" || echo none)
wtext=$(sums "$T/o1" "cpu = $cpu" 1 | awk '{print $2}')
check "--prom: waiting_samples_total is the text's samples at 1 and up ($wprom = $wtext)" test "$wprom" = "$wtext"
check "no program left loaded" progs_gone "$T/o1.err"

# 2) -O -C -T: occupancy of that CPU as BCC prints it.
start_tool runqlen "$T/o2" -O -C -T 1 1 "${cache[@]}"
check "-O -C: status 0" wait_exit 60
occ=$(awk -v c="$cpu" '$1 == "runqocc," && $3 == c {print int($4)}' "$T/o2")
check "-O -C: BCC's line for CPU $cpu, 90% or more (got ${occ:-none})" test "${occ:-0}" -ge 90
check "-T: a timestamp line" grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} *$' "$T/o2"
start_tool runqlen "$T/o3" -O 1 1 "${cache[@]}"
check "-O: status 0" wait_exit 60
check "-O: BCC's system-wide line" grep -qE '^runqocc: [0-9]+\.[0-9]{2}%$' "$T/o3"

# 3) --json, -C and -O.
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
start_tool runqlen "$T/o4" --json -C 1 1 "${cache[@]}"
P4=$TOOL_PID
start_tool runqlen "$T/o5" --json -O -C 1 1 "${cache[@]}"
check "--json -O: status 0" wait_exit 60
TOOL_PID=$P4
check "--json -C: status 0" wait_exit 60
if python3 -c 'import jsonschema' 2>/dev/null; then
    check "--json -C: valid; CPU $cpu's buckets are lengths, mass at 2 and up" \
        python3 "$(dirname "$0")/json_validate.py" "$SCHEMAS/histogram.schema.json" "$T/o4" \
        --expect "r['unit'] == 'runqlen' and any(h['cpu'] == '$cpu' and sum(b['count'] for b in h['buckets'] if b['low'] >= 2) * 10 >= 9 * sum(b['count'] for b in h['buckets']) for h in r['histograms'])"
    check "--json -O -C: valid; CPU $cpu 90% or more" \
        python3 "$(dirname "$0")/json_validate.py" "$SCHEMAS/runqlen.schema.json" "$T/o5" \
        --expect "any(c['cpu'] == $cpu and c['percent'] >= 90 and c['samples'] > 50 for c in r['runqocc'])"
else
    prereq "python3-jsonschema (Debian package)"
fi
rc=0
"$BIN/runqlen" 1 2 3 >/dev/null 2>"$T/bad.err" || rc=$?
check "a third positional argument: exit 2 ($rc)" bash -c '[ "$1" = 2 ] && grep -q "unexpected argument" "$2"' _ "$rc" "$T/bad.err"
finish
