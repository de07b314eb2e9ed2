#!/usr/bin/env bash
# tcpdrop, for real, in network namespaces of the test's own:
#  - an iptables DROP rule on NS_A's OUTPUT drops a client's SYN inside its connect(): one
#    line with the client's pid and reason NETFILTER_DROP (from this kernel's format file),
#    the kernel stack through nf_hook_slow; the SYNs the timer sends again run in softirq
#    (other pids), so exactly one line has the client's pid;
#  - a SYN to a closed port in NS_B: reason NO_SOCKET, dropped in tcp_v4_rcv (in the
#    client's softirq on the way out of connect(), or ksoftirqd's on a busy machine);
#  - -6 --json: the IPv6 rule's drop; an IPv4 drop at the same time is not shown.
# Addresses, ports, state and flags: "-" (null) unless the headers are this kernel's.
# Bad input exits 2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/netns.sh"
command -v iptables >/dev/null || prereq "iptables is not installed"
command -v ip6tables >/dev/null || prereq "ip6tables is not installed"
[ -e /sys/kernel/tracing/events/skb/kfree_skb ] || [ -e /sys/kernel/debug/tracing/events/skb/kfree_skb ] ||
    prereq "no skb:kfree_skb tracepoint"
netns_setup
ip netns exec "$NS_A" iptables -A OUTPUT -p tcp -d "$B4" --dport 6101 -j DROP ||
    prereq "iptables cannot add a rule in a network namespace"
ip netns exec "$NS_A" ip6tables -A OUTPUT -p tcp -d "$B6" --dport 6102 -j DROP

start_tool tcpdrop "$T/out" --cache-dir "$T/cache"
wait_ready "$T/out" '^TIME +PID +IP +SADDR:SPORT +> DADDR:DPORT +STATE \(FLAGS\) REASON$'
reads=0
grep -q 'struct reads on tracepoint paths: allowed' "$T/out.err" && reads=1
check "BCC's header, byte for byte, and the reason" grep -qxF \
    "$(printf '%-8s %-7s %-2s %-20s > %-20s %s (%s) %s' TIME PID IP SADDR:SPORT DADDR:DPORT STATE FLAGS REASON)" "$T/out"

# A SYN dropped by the OUTPUT rule, inside the client's connect().
ip netns exec "$NS_A" "$TCPLOAD" connect "$B4" 6101 10 >/dev/null &
c1=$!
if [ "$reads" = 1 ]; then
    want="4 +${A4//./\\.}:[0-9]+ +> ${B4//./\\.}:6101 +SYN_SENT \(SYN\) NETFILTER_DROP"
else
    want="4 +- +> - +- \(-\) NETFILTER_DROP"
fi
check "NETFILTER_DROP with the client's pid" wait_for "$T/out" "^[0-9:]{8} $c1 +$want\$" 20
# Its block: the line, the stack ("\tsym+off", leaf first, through netfilter), a blank line.
stack=$(awk -v p="$c1" '$2 == p && /NETFILTER_DROP/ {f = 1; next} f && /^$/ {exit} f' "$T/out")
check "its kernel stack went through nf_hook_slow" grep -qE $'^\tnf_hook_slow\\+0x[0-9a-f]+$' <<<"$stack"
check "its kernel stack came from connect()" grep -qE $'^\t__sys_connect\\+0x' <<<"$stack"

# A SYN to a closed port: no socket in NS_B.
rc=0
ip netns exec "$NS_A" "$TCPLOAD" connect "$B4" 6199 10 >"$T/refused" &
c2=$!
wait "$c2" || rc=$?
check "the closed port refused the connection" grep -q 'Connection refused' "$T/refused"
if [ "$reads" = 1 ]; then
    want="4 +${A4//./\\.}:[0-9]+ +> ${B4//./\\.}:6199 +- \(SYN\) NO_SOCKET"
else
    want="4 +- +> - +- \(-\) NO_SOCKET"
fi
# Dropped in softirq: the client's own (leaving connect()), or ksoftirqd's when busy.
ksoft=$(pgrep -d '|' -x 'ksoftirqd/[0-9]+' || true)
check "NO_SOCKET for the SYN to the closed port (pid $c2 or ksoftirqd)" \
    wait_for "$T/out" "^[0-9:]{8} ($c2${ksoft:+|$ksoft}) +$want\$" 10
kill "$c1" 2>/dev/null
wait "$c1" 2>/dev/null || true
check "exactly one line with the first client's pid" \
    test "$(awk -v p="$c1" '$2 == p' "$T/out" | wc -l)" = 1
if [ "$reads" = 0 ]; then
    check "says once which columns print '-' and why" \
        test "$(grep -c 'SADDR:SPORT, DADDR:DPORT, STATE and FLAGS print "-"' "$T/out.err")" = 1
fi
check "SIGINT: exit status 0" stop_tool INT
check "no program left loaded" progs_gone "$T/out.err"

# -6 --json: the IPv6 drop, not the IPv4 one caused alongside.
start_tool tcpdrop "$T/out6" -6 --json --cache-dir "$T/cache"
wait_ready "$T/out6.err" 'ready: tracing'
ip netns exec "$NS_A" "$TCPLOAD" connect "$B4" 6101 10 >/dev/null &
c4=$!
ip netns exec "$NS_A" "$TCPLOAD" connect "$B6" 6102 10 >/dev/null &
c6=$!
if [ "$reads" = 1 ]; then
    want="\"saddr\":\"$A6\",\"sport\":[0-9]+,\"daddr\":\"$B6\",\"dport\":6102,\"state\":\"SYN_SENT\",\"flags\":\"SYN\""
else
    want='"saddr":null,"sport":null,"daddr":null,"dport":null,"state":null,"flags":null'
fi
check "-6 --json: the IPv6 NETFILTER_DROP with the client's pid" wait_for "$T/out6" \
    "^\{\"time_unix_ns\":[0-9]+,\"pid\":$c6,\"ip\":6,$want,\"reason\":\"NETFILTER_DROP\",\"reason_code\":[0-9]+,\"kernel_stack\":\[\"[^]]*\"nf_hook_slow\+0x[0-9a-f]+\"" 20
# The IPv4 client's SYN was dropped in its connect() as well, before or about when the
# IPv6 one was; the tool, reading in order, has printed it by now if it ever would.
check "-6: the IPv4 client's drop is not shown" test "$(grep -c "\"pid\":$c4," "$T/out6")" = 0
check "-6: no IPv4 line at all" test "$(grep -c '"ip":4' "$T/out6")" = 0
kill "$c4" "$c6" 2>/dev/null
wait "$c4" "$c6" 2>/dev/null || true
check "-6: SIGINT exit 0" stop_tool INT
check "--json: valid against schemas/tcpdrop.schema.json" \
    python3 "$(dirname "$0")/json_validate.py" "$(dirname "$0")/../../schemas/tcpdrop.schema.json" "$T/out6"

bad_usage tcpdrop "-4 with -6" "-4|-6" -4 -6
bad_usage tcpdrop "an unknown option" "unrecognized|unknown|invalid" -x
finish
