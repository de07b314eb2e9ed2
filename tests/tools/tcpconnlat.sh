#!/usr/bin/env bash
# tcpconnlat, for real: connections between two network namespaces this test creates
# (IPv4, IPv6); each established one once, with the connecting pid, its ends and a
# latency; a refused one not at all; -L, -p, -4/-6, the minimum latency, --json.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/netns.sh"
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
netns_setup

P1=$((20000 + $$ % 10000)) CLOSED=$((20000 + $$ % 10000 + 2))

tcp_serve "$NS_B" "$B4" "$P1" 9 10 "$T/srv4"
tcp_serve "$NS_B" "$B6" "$P1" 9 10 "$T/srv6"

start_tool tcpconnlat "$T/out" --cache-dir "$T/cache"
wait_ready "$T/out" '^PID +COMM +IP +SADDR +DADDR +DPORT +LAT\(ms\)$'
tcp_connect "$NS_A" "$B4" "$P1" 10 "$T/c1"
c1=$CPID
tcp_connect "$NS_A" "$B6" "$P1" 10 "$T/c2"
c2=$CPID
tcp_connect "$NS_A" "$B4" "$CLOSED" 10 "$T/c3" || true # refused: no latency to show
check "IPv4: pid, comm, ends, a latency" \
    wait_for "$T/out" "^$c1 +tcpload +4 +$A4 +$B4 +$P1 +[0-9]+\.[0-9]{2}\$" 10
check "IPv6: pid, comm, ends, a latency" \
    wait_for "$T/out" "^$c2 +tcpload +6 +$A6 +$B6 +$P1 +[0-9]+\.[0-9]{2}\$" 10
check "SIGINT: exit status 0" stop_tool INT
check "exactly the two established connections (not the refused one)" \
    test "$(ours "$T/out" | wc -l)" -eq 2
check "no program left loaded" progs_gone "$T/out.err"

# -L -6 -t; a minimum of 10 s hides everything; -p another process hides everything.
start_tool tcpconnlat "$T/outL" -L -6 -t --cache-dir "$T/cache"
wait_ready "$T/outL" '^TIME\(s\) +PID +COMM +IP +SADDR +LPORT +DADDR +DPORT +LAT\(ms\)$'
start_tool2() { "$BIN/tcpconnlat" -v "$@" >"$T/outm" 2>"$T/outm.err" & M_PID=$!; }
start_tool2 10000 --cache-dir "$T/cache"
wait_for "$T/outm" '^PID' 60
tcp_connect "$NS_A" "$B4" "$P1" 10 "$T/c4"
tcp_connect "$NS_A" "$B6" "$P1" 10 "$T/c5"
check "-L -6 -t: the local port, IPv6 only" \
    wait_for "$T/outL" "^[0-9]+\.[0-9]{3} +$CPID +tcpload +6 +$A6 +$CLPORT +$B6 +$P1 +[0-9.]+\$" 10
stop_tool INT || true
check "-6: not the IPv4 connection" test "$(ours "$T/outL" | wc -l)" -eq 1
kill -INT "$M_PID"
wait "$M_PID" || true
check "duration_ms 10000: faster connections are not shown" test "$(ours "$T/outm" | wc -l)" -eq 0

start_tool tcpconnlat "$T/outj" --json -p "$$" --cache-dir "$T/cache"
wait_ready "$T/outj.err" 'ready: tracing'
tcp_connect "$NS_A" "$B4" "$P1" 10 "$T/c6" # another process than -p's
sleep 0.3
stop_tool INT || true
check "-p: other processes' connections are not shown" test ! -s "$T/outj"
start_tool tcpconnlat "$T/outj" --json -L --cache-dir "$T/cache"
wait_ready "$T/outj.err" 'ready: tracing'
tcp_connect "$NS_A" "$B4" "$P1" 10 "$T/c7"
wait_for "$T/outj" "$CLPORT" 10 || true
stop_tool INT || true
check "--json: valid; the connection and its latency" \
    python3 "$V" "$SCHEMAS/tcpconnlat.schema.json" "$T/outj" \
    --expect "r['pid'] == $CPID and r['ip'] == 4 and r['saddr'] == '$A4' and r['lport'] == $CLPORT and r['daddr'] == '$B4' and r['dport'] == $P1 and 0 < r['lat_ns'] < 10**10"

bad_usage tcpconnlat "-4 -6" "exclude each other" -4 -6
bad_usage tcpconnlat "duration_ms 'fast'" "invalid duration_ms 'fast'" fast
kill_workloads
finish
