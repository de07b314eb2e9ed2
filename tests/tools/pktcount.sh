#!/usr/bin/env bash
# The teaching example (examples/pktcount): packets received per interface, counted
# exactly. Two network namespaces joined by a veth pair with unique names; no ARP (static
# neighbours), no IPv6 (no router solicitations): the only packets are the test's own
# five UDP datagrams one way and the five ICMP port-unreachable replies the other way.
. "$(dirname "$0")/lib.sh"
command -v ip >/dev/null || prereq "ip (iproute2) is not installed"
PKT=$BIN/../examples/pktcount
na=kspa$$ nb=kspb$$ va=kspa$$ vb=kspb$$
net_cleanup() { ip netns del "$na" 2>/dev/null || true; ip netns del "$nb" 2>/dev/null || true; }
trap 'net_cleanup; cleanup' EXIT
ip netns add "$na" && ip netns add "$nb" || prereq "cannot create network namespaces"
ip link add "$va" netns "$na" type veth peer name "$vb" netns "$nb"
for side in "$na $va 10.77.1.1 $vb 10.77.1.2" "$nb $vb 10.77.1.2 $va 10.77.1.1"; do
    read -r ns dev addr peer paddr <<<"$side"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv4.icmp_ratelimit=0
    ip -n "$ns" addr add "$addr/24" dev "$dev"
done
ip -n "$na" neigh add 10.77.1.2 lladdr "$(ip -n "$nb" -br link show "$vb" | awk '{print $3}')" dev "$va" nud permanent
ip -n "$nb" neigh add 10.77.1.1 lladdr "$(ip -n "$na" -br link show "$va" | awk '{print $3}')" dev "$vb" nud permanent
ip -n "$na" link set "$va" up && ip -n "$nb" link set "$vb" up
sleep 0.2 # the links come up

# total OUT NAME: the packets of interface NAME over every interval printed.
total() { awk -v n="$2" '$1 == n { s += $2 } END { print s + 0 }' "$1"; }

"$PKT" -v 1 --cache-dir "$T/cache" >"$T/out" 2>"$T/out.err" &
TOOL_PID=$!
wait_ready "$T/out" '^Counting received packets per interface'
ip netns exec "$na" bash -c 'for i in 1 2 3 4 5; do echo x >/dev/udp/10.77.1.2/9; done'
sleep 2.2 # two more intervals: every packet counted and printed
missed=$(prog_misses "$TOOL_PID")
check "SIGINT: exit status 0" stop_tool INT
check "the header of each interval" grep -qE '^INTERFACE +PACKETS$' "$T/out"
# Exactly 5 each; on a busy machine the program's skipped runs account for a difference.
exact() { local got=$1; [ "$got" -le 5 ] && [ $((got + missed)) -ge 5 ] && [ "$got" -gt 0 ]; }
check "5 datagrams received on $vb ($missed runs missed)" exact "$(total "$T/out" "$vb")"
check "5 ICMP replies received on $va" exact "$(total "$T/out" "$va")"
check "the tracepoint was chosen" grep -q 'tracepoint net:netif_receive_skb: chosen' "$T/out.err"
check "no program left loaded" progs_gone "$T/out.err"

# --json: one object per interval, rows {interface, packets}; count ends the run.
"$PKT" -v --json 1 3 --cache-dir "$T/cache" >"$T/json" 2>"$T/json.err" &
TOOL_PID=$!
wait_ready "$T/json.err" 'ready: tracing' # JSON has no header line
ip netns exec "$na" bash -c 'for i in 1 2 3; do echo x >/dev/udp/10.77.1.2/9; done'
check "interval count: exits by itself, status 0" wait_exit 10
check "--json: three interval objects" test "$(wc -l <"$T/json")" = 3
check "--json: 3 packets on $vb" test "$(python3 -c '
import json, sys
print(sum(r["packets"] for l in open(sys.argv[1]) for r in json.loads(l)["rows"] if r["interface"] == sys.argv[2]))' "$T/json" "$vb")" = 3
check "bad interval: exit 2" bash -c "'$PKT' 0 >/dev/null 2>&1; [ \$? -eq 2 ]"
finish
