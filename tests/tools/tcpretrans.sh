#!/usr/bin/env bash
# tcpretrans, for real: an established connection between two namespaces of the test's
# own whose data an iptables DROP rule holds back for a second, so that it is sent again.
# Every retransmit the kernel counts in the client's namespace (its own RetransSegs
# counter, which nothing else in that namespace touches) must be one line for exactly this
# connection, and -c's count for the flow the same number. -l is kprobe-only: here, a clear
# error. Bad input exits 2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/netns.sh"
command -v iptables >/dev/null || prereq "iptables is not installed"
netns_setup
retrans_segs() { # the client namespace's Tcp RetransSegs
    ip netns exec "$NS_A" awk '/^Tcp:/ { if (n++) print $13 }' /proc/net/snmp
}

start_tool tcpretrans "$T/out" --cache-dir "$T/cache"
wait_ready "$T/out" '^TIME +PID +IP +LADDR:LPORT +T> RADDR:RPORT +STATE$'
"$BIN/tcpretrans" -c --cache-dir "$T/cache" >"$T/count" 2>"$T/count.err" &
cpid=$!
wait_for "$T/count" '^Tracing retransmits' 60
tcp_serve "$NS_B" "$B4" 6001 1 0 "$T/srv"
# Data segments (PSH) to the server are dropped; the handshake and ACKs pass.
ip netns exec "$NS_B" iptables -A INPUT -p tcp --dport 6001 --tcp-flags PSH PSH -j DROP ||
    prereq "iptables cannot add a rule in a network namespace"
before=$(retrans_segs)
ip netns exec "$NS_A" "$TCPLOAD" connect "$B4" 6001 1000 >"$T/cli" &
cli=$!
sleep 1.5
ip netns exec "$NS_B" iptables -D INPUT -p tcp --dport 6001 --tcp-flags PSH PSH -j DROP
check "the client finished once the rule was gone" wait "$cli"
lport=$(awk '/^done/ {print $2}' "$T/cli")
n=$(($(retrans_segs) - before))
check "the kernel retransmitted ($n segments)" test "$n" -gt 0
line="^[0-9:]{8} +[0-9]+ +4 +${A4//./\\.}:$lport +R> ${B4//./\\.}:6001 +FIN_WAIT1\$"
lines() { grep -cE "$line" "$T/out"; }
for ((i = 0; i < 50 && $(lines) < n; i++)); do sleep 0.1; done
got=$(lines) missed=$(prog_misses "$TOOL_PID") cmissed=$(prog_misses "$cpid")
# Exactly the kernel's count; on a busy machine, what the kernel says the program missed
# accounts for the difference.
check "one line per retransmit ($n; $got shown, $missed runs missed), IPv4, R, FIN_WAIT1" \
    test "$got" -le "$n" -a "$((got + missed))" -ge "$n" -a "$got" -gt 0
check "no other line for these addresses" test "$(grep -c "${A4}:\|${B4}:" "$T/out")" = "$got"
check "SIGINT: exit status 0" stop_tool INT
check "no program left loaded" progs_gone "$T/out.err"
kill -INT "$cpid"
check "-c: SIGINT exit 0" wait "$cpid"
check "-c: the header" grep -qxE 'LADDR:LPORT +RADDR:RPORT +RETRANSMITS' "$T/count"
c=$(awk -v k="[$A4]#$lport" '$1 == k && $2 == "<->" && $3 == "['"$B4"']#6001" {print $4}' "$T/count")
check "-c: the flow's count is the kernel's ($n; $c counted, $cmissed runs missed)" \
    test "${c:-0}" -le "$n" -a "$((${c:-0} + cmissed))" -ge "$n" -a "${c:-0}" -gt 0
check "-c: BCC's row layout, byte for byte" \
    grep -qxF "$(printf '%-20s <-> %-20s %10d' "[$A4]#$lport" "[$B4]#6001" "${c:-0}")" "$T/count"
[ "$FAILS" = 0 ] || tail -n 20 "$T/out" "$T/count" >&2
kill_workloads

# -6 --json -s: IPv6, and SEQ null on tracepoints without the kernel's own headers.
start_tool tcpretrans "$T/out6" -6 -s --json --cache-dir "$T/cache"
wait_ready "$T/out6.err" 'ready: tracing'
tcp_serve "$NS_B" "$B6" 6002 1 0 "$T/srv6"
ip netns exec "$NS_B" ip6tables -A INPUT -p tcp --dport 6002 --tcp-flags PSH PSH -j DROP
ip netns exec "$NS_A" "$TCPLOAD" connect "$B6" 6002 1000 >"$T/cli6" &
cli=$!
sleep 1
ip netns exec "$NS_B" ip6tables -D INPUT -p tcp --dport 6002 --tcp-flags PSH PSH -j DROP
wait "$cli"
lport=$(awk '/^done/ {print $2}' "$T/cli6")
check "-6 --json: the IPv6 flow" \
    wait_for "$T/out6" "\"ip\":6,\"laddr\":\"$A6\",\"lport\":$lport,\"type\":\"R\",\"raddr\":\"$B6\",\"rport\":6002,\"state\":\"FIN_WAIT1\",\"seq\":" 10
if grep -q 'struct reads on tracepoint paths: allowed' "$T/out6.err"; then
    check "-s: the sequence number" grep -q '"seq":[0-9]' "$T/out6"
else
    check "-s: SEQ null without the kernel's own headers" grep -q '"seq":null}' "$T/out6"
    check "-s: the tool says why, once" test "$(grep -c 'SEQ prints "-"' "$T/out6.err")" = 1
fi
check "-6: SIGINT exit 0" stop_tool INT
check "--json: valid against schemas/tcpretrans.schema.json" \
    python3 "$(dirname "$0")/json_validate.py" "$(dirname "$0")/../../schemas/tcpretrans.schema.json" "$T/out6"
kill_workloads

# -l needs a kprobe: on a kernel without kprobes, a clear error naming the function.
if ! grep -q 'kprobe' /proc/filesystems 2>/dev/null && [ ! -e /sys/bus/event_source/devices/kprobe ]; then
    out=$("$BIN/tcpretrans" -l --cache-dir "$T/cache" 2>&1 >/dev/null) && rc=0 || rc=$?
    check "-l without kprobes: exit status 1" test "$rc" = 1
    check "-l without kprobes: the error names tcp_send_loss_probe" \
        grep -q "tcp_send_loss_probe" <<<"$out"
fi
check "-4 with -6: exit 2" bash -c "'$BIN/tcpretrans' -4 -6 >/dev/null 2>&1; [ \$? -eq 2 ]"
check "an unknown option: exit 2" bash -c "'$BIN/tcpretrans' -x >/dev/null 2>&1; [ \$? -eq 2 ]"
finish
