# netns.sh: network namespaces for the network tools' tests. Source it after lib.sh:
#   . "$(dirname "$0")/lib/netns.sh"
#   netns_setup                      # two namespaces, a veth pair between them
#   tcp_serve "$NS_B" "$B4" 8080 1 100 "$T/srv"    # a listener in NS_B: SPID
#   tcp_connect "$NS_A" "$B4" 8080 5000 "$T/cli"   # a client in NS_A: CPID, CLPORT
# Nothing leaves the machine: the namespaces have no route out, only the veth pair between
# them and their own loopback. They (and the veth pair) are removed when the test exits.
#
# After netns_setup:
#   NS_A, NS_B   namespace names (unique per test run)
#   A4, B4       their IPv4 addresses on the pair (10.N.M.1 and .2, /24)
#   A6, B6       their IPv6 addresses on the pair (fd00:6b73:N:M::1 and ::2, /64, no DAD)
#   127.0.0.1 and ::1 work inside each namespace as well (loopback is up).
# The addresses differ from run to run, so a tool that sees every namespace (as BPF
# programs do) can be checked for exactly this test's connections.
# TCPLOAD (from ctest, else next to the tools) is tests/tools/tcpload.c.

: "${TCPLOAD:=$(dirname "$BIN")/tests/tools/tcpload}"
[ -x "$TCPLOAD" ] || prereq "the tcpload workload is not built ($TCPLOAD)"
command -v ip >/dev/null || prereq "iproute2 (ip) is not installed"

NS_A= NS_B=
netns_cleanup() {
    local ns
    for ns in $NS_A $NS_B; do
        # Processes still in it keep it alive: end them first.
        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
}
trap 'netns_cleanup; cleanup' EXIT

# in_ns NS COMMAND...: run COMMAND in namespace NS (ip netns exec execs it: same pid).
in_ns() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}

netns_setup() {
    local n=$(($$ % 250 + 1)) m=$((RANDOM % 250 + 1)) tag=ks$$-$RANDOM
    NS_A=$tag-a
    NS_B=$tag-b
    ip netns add "$NS_A" 2>/dev/null || prereq "cannot create network namespaces (ip netns add)"
    ip netns add "$NS_B"
    A4=10.$n.$m.1 B4=10.$n.$m.2
    A6=fd00:6b73:$n:$m::1 B6=fd00:6b73:$n:$m::2
    # Created inside NS_A with its peer inside NS_B: no interface name in the host's
    # namespace, so tests running side by side cannot collide.
    ip -n "$NS_A" link add veth0 type veth peer name veth0 netns "$NS_B"
    ip -n "$NS_A" addr add "$A4/24" dev veth0
    ip -n "$NS_B" addr add "$B4/24" dev veth0
    ip -n "$NS_A" -6 addr add "$A6/64" dev veth0 nodad
    ip -n "$NS_B" -6 addr add "$B6/64" dev veth0 nodad
    local ns
    for ns in "$NS_A" "$NS_B"; do
        ip -n "$ns" link set lo up
        ip -n "$ns" link set veth0 up
    done
    # Carrier on both ends before the first connection.
    local i
    for ((i = 0; i < 50; i++)); do
        ip -n "$NS_A" link show veth0 | grep -q 'state UP' &&
            ip -n "$NS_B" link show veth0 | grep -q 'state UP' && return 0
        sleep 0.1
    done
    echo "netns_setup: the veth pair did not come up" >&2
    return 1
}

# tcp_serve NS ADDR PORT COUNT REPLY OUT: a listener on ADDR:PORT in NS accepting COUNT
# connections, answering each with REPLY bytes; waits until it listens. SPID is its pid;
# its lines ("conn PEER PEERPORT RECEIVED") go to OUT. kill_workloads stops it.
tcp_serve() {
    local ns=$1 addr=$2 port=$3 count=$4 reply=$5 out=$6
    workload "$out" ip netns exec "$ns" "$TCPLOAD" serve "$addr" "$port" "$count" "$reply"
    SPID=$WPID
}

# tcp_connect NS ADDR PORT SEND OUT [LPORT]: one connection from NS to ADDR:PORT sending
# SEND bytes, to its end. CPID is the client's pid, CLPORT its local port ("" if it
# failed); its line ("done LPORT SENT RECEIVED") goes to OUT. Returns its status.
tcp_connect() {
    local ns=$1 addr=$2 port=$3 send=$4 out=$5 lport=${6:-} rc=0
    # shellcheck disable=SC2086 # LPORT: no word when not given
    ip netns exec "$ns" "$TCPLOAD" connect "$addr" "$port" "$send" $lport >"$out" &
    CPID=$!
    wait "$CPID" || rc=$?
    CLPORT=$(awk '/^done/ {print $2}' "$out")
    return $rc
}
