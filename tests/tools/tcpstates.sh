#!/usr/bin/env bash
# tcpstates, for real: one connection between two network namespaces this test creates;
# the client's and the server's sockets go through exactly TCP's states, with the pids
# of the processes whose calls changed them; -L/-D/-4/-6; -w, -s, --json; bad input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/netns.sh"
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
netns_setup

P1=$((20000 + $$ % 10000))
# states FILE: "OLD>NEW" per line of this test, in order.
states() { ours "$1" | awk '{for (i = 1; i <= NF; i++) if ($i == "->") print $(i-1) ">" $(i+1)}' | tr '\n' ' '; }

tcp_serve "$NS_B" "$B4" "$P1" 9 100 "$T/srv4"
tcp_serve "$NS_B" "$B6" "$P1" 9 100 "$T/srv6"
spid6=$SPID

# -D: the client's socket (remote port P1), from connect() to close.
start_tool tcpstates "$T/out" -D "$P1" -4 --cache-dir "$T/cache"
wait_ready "$T/out" '^SKADDR +C-PID +C-COMM +LADDR +LPORT +RADDR +RPORT +OLDSTATE +-> NEWSTATE +MS$'
tcp_connect "$NS_A" "$B4" "$P1" 1000 "$T/c1"
c1=$CPID l1=$CLPORT
tcp_connect "$NS_A" "$B6" "$P1" 1000 "$T/c2" # IPv6: -4 leaves it out
check "-D: the client socket reaches CLOSE" wait_for "$T/out" " $A4 +$l1 +$B4 +$P1 +[A-Z_0-9]+ +-> CLOSE +[0-9.]+\$" 10
check "SIGINT: exit status 0" stop_tool INT
got=$(states "$T/out")
check "-D: connect() from the client's own process (CLOSE -> SYN_SENT, port not chosen yet)" \
    grep -qE "^[0-9a-f]+ +$c1 +tcpload +$A4 +0 +$B4 +$P1 +CLOSE +-> SYN_SENT +0\.000\$" "$T/out"
check "-D: the client's states in order ($got)" \
    bash -c "[[ '$got' =~ ^CLOSE\>SYN_SENT\ SYN_SENT\>ESTABLISHED\ ESTABLISHED\>FIN_WAIT1\ (FIN_WAIT1\>FIN_WAIT2\ FIN_WAIT2\>CLOSE|FIN_WAIT1\>CLOSING\ CLOSING\>CLOSE|FIN_WAIT1\>FIN_WAIT2\ FIN_WAIT2\>TIME_WAIT\ TIME_WAIT\>CLOSE)\ \$ ]]"
check "-D: one socket address for all of them" \
    test "$(ours "$T/out" | awk '{print $1}' | sort -u | wc -l)" -eq 1
check "no program left loaded" progs_gone "$T/out.err"

# -L -6 -w: the server's accepted IPv6 socket: its close() after the client's (LAST_ACK)
# runs in the server.
start_tool tcpstates "$T/outw" -w -L "$P1" -6 --cache-dir "$T/cache"
wait_ready "$T/outw" '^SKADDR +C-PID +C-COMM +IP +LADDR'
tcp_connect "$NS_A" "$B6" "$P1" 1000 "$T/c3"
l3=$CLPORT
check "-L -6 -w: the server's close() (CLOSE_WAIT -> LAST_ACK) in the server" \
    wait_for "$T/outw" "^[0-9a-f]+ +$spid6 +tcpload +6 +$B6 +$P1 +$A6 +$l3 +CLOSE_WAIT +-> LAST_ACK +[0-9.]+\$" 10
check "-L -6 -w: ... and reaches CLOSE" wait_for "$T/outw" " $B6 +$P1 +$A6 +$l3 +LAST_ACK +-> CLOSE +[0-9.]+\$" 10
stop_tool INT || true
check "-L -6: only the server side of IPv6 sessions" \
    test "$(ours "$T/outw" | grep -vcE " $B6 +$P1 +$A6 ")" -eq 0

# -s and --json.
start_tool tcpstates "$T/outs" -s -D "$P1" -4 --cache-dir "$T/cache"
wait_ready "$T/outs" '^SKADDR,C-PID,C-COMM,IP,LADDR,LPORT,RADDR,RPORT,OLDSTATE,NEWSTATE,MS$'
tcp_connect "$NS_A" "$B4" "$P1" 10 "$T/c4"
check "-s: CSV" wait_for "$T/outs" "^[0-9a-f]+,$CPID,tcpload,4,$A4,0,$B4,$P1,CLOSE,SYN_SENT,0\.000\$" 10
stop_tool INT || true
start_tool tcpstates "$T/outj" --json -D "$P1" --cache-dir "$T/cache"
wait_ready "$T/outj.err" 'ready: tracing'
tcp_connect "$NS_A" "$B4" "$P1" 10 "$T/c5"
wait_for "$T/outj" '"newstate":"CLOSE"' 10 || true
stop_tool INT || true
check "--json: valid; connect() and the established state" \
    python3 "$V" "$SCHEMAS/tcpstates.schema.json" "$T/outj" \
    --expect "r['pid'] == $CPID and r['oldstate'] == 'CLOSE' and r['newstate'] == 'SYN_SENT' and r['laddr'] == '$A4' and r['raddr'] == '$B4' and r['rport'] == $P1" \
    --expect "r['oldstate'] == 'SYN_SENT' and r['newstate'] == 'ESTABLISHED' and r['lport'] == $CLPORT and r['span_ns'] > 0"

bad_usage tcpstates "-L 0" "invalid port '0'" -L 0
bad_usage tcpstates "-Y" "systemd-cat" -Y
kill_workloads
finish
