#!/usr/bin/env bash
# solisten, for real: listeners the test starts in its own network namespaces, IPv4 and
# IPv6, each with its own port and backlog; the PID, backlog, port, address and namespace
# of each exactly; -p and -n keep only theirs; bad input exits 2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/netns.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || prereq "python3 is not installed"
netns_setup

# listener NS ADDR PORT BACKLOG OUT: a process in NS listening on ADDR:PORT with BACKLOG;
# LPID is its pid. It lives until kill_workloads.
listener() {
    local ns=$1 addr=$2 port=$3 backlog=$4 out=$5
    workload "$out" ip netns exec "$ns" "$PY" -c '
import socket, sys, time
a, p, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.bind((a, p)); s.listen(b)
print("ready", flush=True); time.sleep(60)' "$addr" "$port" "$backlog"
    LPID=$WPID
}
ns_a=$(stat -L -c %i "/run/netns/$NS_A")
ns_b=$(stat -L -c %i "/run/netns/$NS_B")

start_tool solisten "$T/out" --show-netns --cache-dir "$T/cache"
wait_ready "$T/out" '^PID +COMM +NETNS +PROTO +BACKLOG +PORT +ADDR'
listener "$NS_A" "$A4" 4242 7 "$T/l1"; p1=$LPID
listener "$NS_B" "$B6" 4243 3 "$T/l2"; p2=$LPID
listener "$NS_A" 0.0.0.0 4244 1 "$T/l3"; p3=$LPID
check "IPv4: pid, comm, netns, TCPv4, backlog 7, port, address" \
    wait_for "$T/out" "^$p1 +python3 +$ns_a +TCPv4 +7 +4242 +$A4 *\$" 10
check "IPv6: backlog 3, the address in full" \
    wait_for "$T/out" "^$p2 +python3 +$ns_b +TCPv6 +3 +4243 +$B6 *\$" 10
check "the wildcard address" wait_for "$T/out" "^$p3 +python3 +$ns_a +TCPv4 +1 +4244 +0.0.0.0 *\$" 10
check "BCC's column layout, byte for byte" \
    grep -qx "$(printf '%-6d %-12.12s %-12s %-6s %-8s %-5s %-39s' "$p1" python3 "$ns_a" TCPv4 7 4242 "$A4")" "$T/out"
check "SIGINT: exit status 0" stop_tool INT
check "no program left loaded" progs_gone "$T/out.err"
# (by these pids: tests that run alongside may listen from python3 too)
check "one line per listen" test "$(grep -cE "^($p1|$p2|$p3) " "$T/out")" = 3
kill_workloads

# -p: only that process. Two listeners wait (socket bound) until the tool runs.
mkfifo "$T/go1" "$T/go2"
held() { # held NS ADDR PORT BACKLOG OUT FIFO: listens once FIFO says so; LPID
    workload "$5" ip netns exec "$1" "$PY" -c '
import socket, sys, time
a, p, b, f = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.bind((a, p)); print("ready", flush=True)
open(f).read(); s.listen(b); print("listening", flush=True); time.sleep(60)' "$2" "$3" "$4" "$6"
    LPID=$WPID
}
held "$NS_A" "$A4" 4245 5 "$T/l4" "$T/go1"; p4=$LPID
held "$NS_A" "$A4" 4248 6 "$T/l7" "$T/go2"
start_tool solisten "$T/outp" -p "$p4" --cache-dir "$T/cache"
wait_ready "$T/outp" '^PID +COMM +PROTO +BACKLOG +PORT +ADDR'
echo >"$T/go2"
echo >"$T/go1"
wait_for "$T/l7" '^listening' 10
check "-p: the process's listen" wait_for "$T/outp" "^$p4 +python3 +TCPv4 +5 +4245 +$A4 *\$" 10
check "-p: SIGINT exit 0" stop_tool INT
check "-p: another process's listen is not shown" bash -c "! grep -q 4248 '$T/outp'"
kill_workloads

start_tool solisten "$T/outn" -n "$ns_b" --show-netns --json --cache-dir "$T/cache"
wait_ready "$T/outn.err" 'ready: tracing'
listener "$NS_A" "$A4" 4246 5 "$T/l5"
listener "$NS_B" "$B4" 4247 9 "$T/l6"; p6=$LPID
check "-n: the namespace's listener, as JSON" \
    wait_for "$T/outn" "\"pid\":$p6,.*\"netns\":$ns_b,\"proto\":\"TCPv4\",\"backlog\":9,\"port\":4247,\"addr\":\"$B4\"" 10
check "-n --json: SIGINT exit 0" stop_tool INT
check "--json: valid against schemas/solisten.schema.json" \
    python3 "$(dirname "$0")/json_validate.py" "$(dirname "$0")/../../schemas/solisten.schema.json" "$T/outn"
check "-n: another namespace's listener is not shown" bash -c "! grep -q 4246 '$T/outn'"
kill_workloads

for bad in "-n 0" "-n x" "-n 4294967296" "-p -1" "--bogus"; do
    # shellcheck disable=SC2086 # the words of each case
    check "bad input '$bad': exit 2, one line" \
        bash -c "out=\$('$BIN/solisten' $bad 2>&1 >/dev/null); rc=\$?; [ \$rc -eq 2 ] && [ \$(printf '%s\n' \"\$out\" | grep -c .) -le 2 ]"
done
finish
