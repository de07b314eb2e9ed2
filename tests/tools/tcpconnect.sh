#!/usr/bin/env bash
# tcpconnect, for real: connections between two network namespaces this test creates
# (IPv4 and IPv6 over a veth pair); exactly those connects, with the client's pid, its
# addresses and ports; -P, -L, -p, -4/-6, -c, --json; bad input exits 2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/netns.sh"
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
netns_setup

P1=$((20000 + $$ % 10000)) P2=$((20000 + $$ % 10000 + 1))

tcp_serve "$NS_B" "$B4" "$P1" 9 10 "$T/srv4"
tcp_serve "$NS_B" "$B6" "$P1" 9 10 "$T/srv6"
tcp_serve "$NS_B" "$B4" "$P2" 9 10 "$T/srv4b"

start_tool tcpconnect "$T/out" -P "$P1" --cache-dir "$T/cache"
wait_ready "$T/out" '^PID +COMM +IP +SADDR +DADDR +DPORT *$'
check "the banner, as BCC's" grep -qx 'Tracing connect ... Hit Ctrl-C to end' "$T/out"
tcp_connect "$NS_A" "$B4" "$P1" 100 "$T/c1"
c1=$CPID
tcp_connect "$NS_A" "$B6" "$P1" 100 "$T/c2"
c2=$CPID
tcp_connect "$NS_A" "$B4" "$P2" 100 "$T/c3" # another port: -P leaves it out
check "IPv4: the client's pid, comm, addresses, port" \
    wait_for "$T/out" "^$c1 +tcpload +4 +$A4 +$B4 +$P1 *\$" 10
check "IPv6: the client's pid, comm, addresses, port" \
    wait_for "$T/out" "^$c2 +tcpload +6 +$A6 +$B6 +$P1 *\$" 10
check "SIGINT: exit status 0" stop_tool INT
check "-P: exactly the two connects to port $P1" test "$(ours "$T/out" | wc -l)" -eq 2
check "tracepoint path here" grep -q 'tracepoint sock:inet_sock_set_state: chosen' "$T/out.err"
check "no program left loaded" progs_gone "$T/out.err"

# -L: the local port, known only after connect() chose it; -U: the uid.
start_tool tcpconnect "$T/outL" -L -U -P "$P1,$P2" --cache-dir "$T/cache"
wait_ready "$T/outL" '^UID +PID +COMM +IP +SADDR +LPORT +DADDR +DPORT *$'
tcp_connect "$NS_A" "$B4" "$P2" 100 "$T/c4"
c4=$CPID l4=$CLPORT
tcp_connect "$NS_A" "$B6" "$P1" 100 "$T/c5" 40999
c5=$CPID
check "-L: the local port the kernel chose" \
    wait_for "$T/outL" "^0 +$c4 +tcpload +4 +$A4 +$l4 +$B4 +$P2 *\$" 10
check "-L: a bound local port (IPv6)" \
    wait_for "$T/outL" "^0 +$c5 +tcpload +6 +$A6 +40999 +$B6 +$P1 *\$" 10
stop_tool INT || true

# -p: only the process given; -6: only IPv6. A shell connects through /dev/tcp when told.
fifo="$T/fifo"
mkfifo "$fifo"
ip netns exec "$NS_A" bash -c 'read -r x <"$1"; exec 3<>"/dev/tcp/$2/$3"; exec 3<>"/dev/tcp/$4/$3"' \
    _ "$fifo" "$B4" "$P1" "$B6" &
target=$!
start_tool tcpconnect "$T/outp" -p "$target" -6 --cache-dir "$T/cache"
wait_ready "$T/outp" '^PID'
tcp_connect "$NS_A" "$B6" "$P1" 100 "$T/c6" # another process
echo go >"$fifo"
wait "$target" || true
check "-p -6: the process's IPv6 connect" wait_for "$T/outp" "^$target +bash +6 +$A6 +$B6 +$P1 *\$" 10
stop_tool INT || true
check "-p -6: nothing else (not its IPv4 connect, not other processes)" \
    test "$(ours "$T/outp" | wc -l)" -eq 1

# -c: connects counted per flow, printed at the end.
start_tool tcpconnect "$T/outc" -c -4 -P "$P1" --cache-dir "$T/cache"
wait_ready "$T/outc" '^Tracing connect'
tcp_connect "$NS_A" "$B4" "$P1" 10 "$T/c7"
tcp_connect "$NS_A" "$B4" "$P1" 10 "$T/c8"
sleep 0.3
check "-c: SIGINT exit 0" stop_tool INT
check "-c: BCC's header" grep -qE '^LADDR +RADDR +RPORT +CONNECTS *$' "$T/outc"
check "-c: two connects from $A4 to $B4 port $P1" grep -qE "^$A4 +$B4 +$P1 +2 *\$" "$T/outc"

# --json: the same events as objects (schemas/tcpconnect.schema.json).
start_tool tcpconnect "$T/outj" --json -t -L -P "$P1" --cache-dir "$T/cache"
wait_ready "$T/outj.err" 'ready: tracing'
tcp_connect "$NS_A" "$B4" "$P1" 10 "$T/c9"
wait_for "$T/outj" "\"pid\":$CPID" 10 || true
stop_tool INT || true
check "--json: valid; the connect with its ports" \
    python3 "$V" "$SCHEMAS/tcpconnect.schema.json" "$T/outj" \
    --expect "r['pid'] == $CPID and r['comm'] == 'tcpload' and r['ip'] == 4 and r['saddr'] == '$A4' and r['daddr'] == '$B4' and r['dport'] == $P1 and r['lport'] == $CLPORT and r['elapsed_ns'] >= 0"
start_tool tcpconnect "$T/outjc" --json -c -P "$P1" --cache-dir "$T/cache"
wait_ready "$T/outjc.err" 'ready: tracing'
tcp_connect "$NS_A" "$B6" "$P1" 10 "$T/c10"
sleep 0.3
stop_tool INT || true
check "--json -c: valid; the flow counted" \
    python3 "$V" "$SCHEMAS/tcpconnect-count.schema.json" "$T/outjc" \
    --expect "any(x['laddr'] == '$A6' and x['raddr'] == '$B6' and x['rport'] == $P1 and x['connects'] == 1 for x in r['rows'])"

# Bad input: one clear line, exit 2.
bad_usage tcpconnect "-P 0" "invalid port '0' in '0': ports are numbers 1-65535" -P 0
bad_usage tcpconnect "-P 65536" "invalid port '65536'" -P 80,65536
bad_usage tcpconnect "-P ''" "empty port list" -P ''
bad_usage tcpconnect "-P 80,,81" "empty element in port list" -P 80,,81
bad_usage tcpconnect "-P http" "invalid port 'http'" -P http
bad_usage tcpconnect "-4 -6" "exclude each other" -4 -6
bad_usage tcpconnect "-d (BCC's DNS)" "-d/--dns is not provided" -d
kill_workloads
finish
