#!/usr/bin/env bash
# tcplife, for real: sessions between two network namespaces this test creates (IPv4 and
# IPv6 over a veth pair): each side's line with its owner's pid (the client's and the
# server's, never whoever ran the softirq), ports and addresses; -L/-D/-p/-4/-6 filters;
# -w and -s formats; --json. TX_KB/RX_KB: "-" (null) unless the headers are this kernel's
# own, then the bytes the test sent and received.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/netns.sh"
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
netns_setup

P1=$((20000 + $$ % 10000)) P2=$((20000 + $$ % 10000 + 1))
SEND=40000 REPLY=20000 # 39 KiB and 19 KiB: whole numbers either side of a rounding

tcp_serve "$NS_B" "$B4" "$P1" 9 "$REPLY" "$T/srv4"
spid4=$SPID
tcp_serve "$NS_B" "$B6" "$P1" 9 "$REPLY" "$T/srv6"
tcp_serve "$NS_B" "$B4" "$P2" 9 "$REPLY" "$T/srv4b"

# -D: the client's side of sessions to port P1 (its remote port).
start_tool tcplife "$T/out" -D "$P1" --cache-dir "$T/cache"
wait_ready "$T/out" '^PID +COMM +LADDR +LPORT +RADDR +RPORT +TX_KB +RX_KB +MS$'
tcp_connect "$NS_A" "$B4" "$P1" "$SEND" "$T/c1"
c1=$CPID l1=$CLPORT
tcp_connect "$NS_A" "$B4" "$P2" "$SEND" "$T/c2" # remote port P2: -D leaves it out
if grep -q 'struct reads on tracepoint paths: allowed' "$T/out.err"; then
    tx=$((SEND / 1024)) rx=$((REPLY / 1024)) # headers of this very kernel: real numbers
else
    tx=- rx=-
    check "the bytes' absence is explained once on stderr" \
        test "$(grep -c 'TX_KB and RX_KB print "-"' "$T/out.err")" -eq 1
fi
check "-D: the client's session: its pid, ends, bytes ($tx/$rx)" \
    wait_for "$T/out" "^$c1 +tcpload +$A4 +$l1 +$B4 +$P1 +$tx +$rx +[0-9]+\.[0-9][0-9]\$" 10
check "SIGINT: exit status 0" stop_tool INT
check "-D: exactly that session" test "$(ours "$T/out" | wc -l)" -eq 1
check "no program left loaded" progs_gone "$T/out.err"

# -L: the server's side (local port P1): the owner is the accepting server, whose close()
# came after the client's (LAST_ACK); the session's end runs in softirq.
start_tool tcplife "$T/outL" -L "$P1" -4 --cache-dir "$T/cache"
wait_ready "$T/outL" '^PID'
tcp_connect "$NS_A" "$B4" "$P1" "$SEND" "$T/c3"
l3=$CLPORT
tcp_connect "$NS_A" "$B6" "$P1" "$SEND" "$T/c4" # IPv6: -4 leaves it out
check "-L: the server's session with the server's pid" \
    wait_for "$T/outL" "^$spid4 +tcpload +$B4 +$P1 +$A4 +$l3 +$rx +$tx +[0-9.]+\$" 10
stop_tool INT || true
check "-L -4: exactly that session" test "$(ours "$T/outL" | wc -l)" -eq 1

# -p: one process's sessions; -w: wide columns with IP (IPv6 fits).
start_tool tcplife "$T/outw" -w -p "$spid4" --cache-dir "$T/cache"
wait_ready "$T/outw" '^PID +COMM +IP +LADDR +LPORT +RADDR +RPORT +TX_KB +RX_KB +MS$'
tcp_connect "$NS_A" "$B4" "$P1" "$SEND" "$T/c5"
l5=$CLPORT
tcp_connect "$NS_A" "$B6" "$P1" "$SEND" "$T/c6" # another server process
check "-w -p: the server's session, IP column" \
    wait_for "$T/outw" "^$spid4 +tcpload +4 +$B4 +$P1 +$A4 +$l5 +$rx +$tx +[0-9.]+\$" 10
stop_tool INT || true
check "-p: only that process's sessions" test "$(ours "$T/outw" | wc -l)" -eq 1

# -s -t -T: comma-separated, with time and timestamp; IPv6 (-6).
start_tool tcplife "$T/outs" -s -t -T -6 -D "$P1" --cache-dir "$T/cache"
wait_ready "$T/outs" '^TIME,TIME\(s\),PID,COMM,IP,LADDR,LPORT,RADDR,RPORT,TX_KB,RX_KB,MS$'
tcp_connect "$NS_A" "$B6" "$P1" "$SEND" "$T/c7"
check "-s -t -T -6: the IPv6 session as CSV" \
    wait_for "$T/outs" "^[0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]+\.[0-9]{6},$CPID,tcpload,6,$A6,$CLPORT,$B6,$P1,$tx,$rx,[0-9.]+\$" 10
stop_tool INT || true

# --json: tx_kb/rx_kb null (or the numbers), span_ns.
start_tool tcplife "$T/outj" --json -D "$P1" --cache-dir "$T/cache"
wait_ready "$T/outj.err" 'ready: tracing'
tcp_connect "$NS_A" "$B4" "$P1" "$SEND" "$T/c8"
wait_for "$T/outj" "$CLPORT" 10 || true
stop_tool INT || true
if [ "$tx" = - ]; then want="r['tx_kb'] is None and r['rx_kb'] is None"
else want="r['tx_kb'] == $tx and r['rx_kb'] == $rx"; fi
check "--json: valid; the session with its owner and bytes ($tx/$rx)" \
    python3 "$V" "$SCHEMAS/tcplife.schema.json" "$T/outj" \
    --expect "r['pid'] == $CPID and r['comm'] == 'tcpload' and r['laddr'] == '$A4' and r['lport'] == $CLPORT and r['raddr'] == '$B4' and r['rport'] == $P1 and $want and r['span_ns'] > 0"

bad_usage tcplife "-L 0" "invalid port '0'" -L 0
bad_usage tcplife "-D 70000" "invalid port '70000'" -D 22,70000
bad_usage tcplife "-L ''" "empty port list" -L ''
bad_usage tcplife "-6 -4" "exclude each other" -6 -4
kill_workloads
finish
