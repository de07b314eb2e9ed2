#!/usr/bin/env bash
# softirqs, for real: loopback TCP traffic the test sends raises NET_RX (and NET_TX)
# softirqs while the tool runs; /proc/softirqs, read before the tool is ready and after it
# stops, brackets what the tool can have seen: every count it prints must be > 0 and no
# more than that vector's increase (on that CPU with -c), and net_rx must be there. Then
# the time columns, -d, --json, and bad input (exit 2).
. "$(dirname "$0")/lib.sh"
cache=(--cache-dir "$T/cache")
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)

# softirq_counts [CPU]: "name count" per vector, lower case as the tool names them.
softirq_counts() {
    awk -v cpu="${1:--1}" 'NR == 1 {next} { s = 0
            for (i = 2; i <= NF; i++) if (cpu < 0 || i - 2 == cpu) s += $i
            n = tolower($1); sub(/:$/, "", n); print n, s }' /proc/softirqs | sort
}
delta() { join "$1" "$2" | awk '{print $1, $3 - $2}'; }
rows() { awk '/^SOFTIRQ /{on = 1; next} on && NF >= 2 {print $1, $NF}' "$1"; }
within() {
    local name n max bad=0
    while read -r name n; do
        max=$(awk -v k="$name" '$1 == k {print $2}' "$2")
        if [ -z "$max" ] || [ "$n" -le 0 ] || [ "$n" -gt "$max" ]; then
            echo "$name: $n, /proc/softirqs: ${max:-none}" >&2
            bad=1
        fi
    done < <(rows "$1")
    return $bad
}
# traffic: 4 MiB through a loopback TCP connection (net_tx/net_rx softirqs).
traffic() {
    python3 - <<'PY'
import socket, threading
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
def sink():
    c, _ = srv.accept()
    while c.recv(65536):
        pass
t = threading.Thread(target=sink)
t.start()
s = socket.create_connection(srv.getsockname())
for _ in range(256):
    s.sendall(b"x" * 16384)
s.close()
t.join()
PY
}

# 1) -C (--events): counts per vector, bracketed by /proc/softirqs.
softirq_counts >"$T/before"
start_tool softirqs "$T/out1" -C "${cache[@]}"
wait_ready "$T/out1" '^Tracing soft irq events\.\.\. Hit Ctrl-C to end\.$'
traffic
check "-C: SIGINT, status 0" stop_tool INT
softirq_counts >"$T/after"
delta "$T/before" "$T/after" >"$T/delta"
check "-C: header as BCC's" grep -qxF "$(printf '%-16s %11s' SOFTIRQ TOTAL_count)" "$T/out1"
check "-C: net_rx counted" grep -qE '^net_rx +[1-9][0-9]*$' "$T/out1"
check "-C: every count > 0 and <= /proc/softirqs' increase" within "$T/out1" "$T/delta"
check "-C: rows as BCC prints them (%-16s %11d)" \
    awk '/^SOFTIRQ /{on = 1; next} on && NF {if ($0 != sprintf("%-16s %11d", $1, $2)) exit 1}' "$T/out1"
counts=$(rows "$T/out1" | awk '{print $2}')
check "-C: sorted by count, descending" test "$counts" = "$(sort -rn <<<"$counts")"
check "-C: no exit probe attached" grep -q "not needed with these options" "$T/out1.err"
check "-C: no program left loaded" progs_gone "$T/out1.err"

# 2) --events -c 0: CPU 0's column only.
softirq_counts 0 >"$T/before2"
start_tool softirqs "$T/out2" --events -c 0 "${cache[@]}"
wait_ready "$T/out2" '^Tracing soft irq events'
taskset -c 0 bash -c "$(declare -f traffic); traffic"
check "-c 0: SIGINT, status 0" stop_tool INT
softirq_counts 0 >"$T/after2"
delta "$T/before2" "$T/after2" >"$T/delta2"
check "-c 0: every count <= CPU 0's increase" within "$T/out2" "$T/delta2"

# 3) Time, default unit: net_rx has time; -N nanoseconds.
start_tool softirqs "$T/out3" "${cache[@]}"
wait_ready "$T/out3" '^Tracing soft irq event time\.\.\. Hit Ctrl-C to end\.$'
traffic
check "time: SIGINT, status 0" stop_tool INT
check "time: header TOTAL_usecs" grep -qxF "$(printf '%-16s %11s' SOFTIRQ TOTAL_usecs)" "$T/out3"
check "time: a net_rx row" grep -qE '^net_rx +[0-9]+$' "$T/out3"
check "time: only known vector names" \
    bash -c "! awk '/^SOFTIRQ /{on = 1; next} on && NF {print \$1}' '$T/out3' | grep -vxE 'hi|timer|net_tx|net_rx|block|irq_poll|tasklet|sched|hrtimer|rcu'"
start_tool softirqs "$T/out3n" -N "${cache[@]}"
wait_ready "$T/out3n" '^Tracing soft irq event time'
traffic
stop_tool INT || true
check "-N: net_rx time in ns (> 0)" grep -qE '^net_rx +[1-9][0-9]*$' "$T/out3n"

# 4) -d -T 1 2: histograms per vector, twice, then exit.
start_tool softirqs "$T/out4" -d -T 1 2 "${cache[@]}"
wait_ready "$T/out4" '^Tracing soft irq event time'
traffic
check "-d 1 2: exits by itself, status 0" wait_exit 30
check "-d: two time stamps" test "$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' "$T/out4")" -eq 2
check "-d: a net_rx histogram" grep -qx 'softirq = net_rx' "$T/out4"

# 5) --json.
start_tool softirqs "$T/out5" --json -C "${cache[@]}"
wait_ready "$T/out5.err" 'ready: tracing'
traffic
check "--json: SIGINT, status 0" stop_tool INT
check "--json -C: valid, net_rx counted" python3 "$V" "$SCHEMAS/irqs.schema.json" "$T/out5" \
    --expect "r['key'] == 'softirq' and any(w['softirq'] == 'net_rx' and w['count'] > 0 for w in r['rows'])"
start_tool softirqs "$T/out6" --json "${cache[@]}"
wait_ready "$T/out6.err" 'ready: tracing'
traffic
stop_tool INT || true
check "--json: time rows in ns" python3 "$V" "$SCHEMAS/irqs.schema.json" "$T/out6" \
    --expect "any(w['softirq'] == 'net_rx' and w['total_ns'] > 0 for w in r['rows'])"

# 6) --probe=kprobe on a kernel without kprobes (this one): one clear error.
if [ ! -e /sys/bus/event_source/devices/kprobe ] && [ ! -e /sys/kernel/tracing/kprobe_events ]; then
    rc=0
    "$BIN/softirqs" --probe=kprobe "${cache[@]}" >"$T/kp.out" 2>"$T/kp.err" || rc=$?
    check "--probe=kprobe without kprobes: fails (status $rc)" test "$rc" -ne 0
    check "--probe=kprobe: says no probe can be attached" grep -q "no probe of softirqs can be attached" "$T/kp.err"
fi

bad() { usage_error softirqs "$@"; }
bad "the --events option can't be used with time-based options" -C -d
bad "the --events option can't be used with time-based options" --events -N
bad "CPU 4000 is not online" -c 4000
finish
