#!/usr/bin/env bash
# tcpaccept is kprobe-only (inet_csk_accept; no tracepoint shows the accepting process
# with the socket). Where kprobes are missing, as here, it fails with one clear line and
# a non-zero status, attaching nothing; bad input still exits 2. Its events (the PID of
# the accepting server) are checked in the guest kernels (tests/vm/guest.d/tcp.sh).
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/lib/netns.sh"
# Kprobes exist where the kernel has the kprobe event source (CONFIG_KPROBE_EVENTS).
kprobes=0
[ -e /sys/bus/event_source/devices/kprobe ] && kprobes=1
rc=0
"$BIN/tcpaccept" --cache-dir "$T/cache" >"$T/out" 2>"$T/err" || rc=$?
if [ "$kprobes" = 0 ]; then
    check "no kprobes here: a non-zero status" test "$rc" -ne 0
    check "no kprobes here: the error names the kernel function it needs" \
        grep -q 'inet_csk_accept' "$T/err"
    check "no kprobes here: nothing printed on stdout" test ! -s "$T/out"
    "$BIN/tcpaccept" --check >"$T/check" 2>&1 || true
    check "--check: says it cannot run here" grep -qi 'inet_csk_accept' "$T/check"
else
    # A kernel with kprobes: the accepting server's pid, both families, -P.
    netns_setup
    P1=$((20000 + $$ % 10000))
    tcp_serve "$NS_B" "$B4" "$P1" 9 10 "$T/srv4"
    s4=$SPID
    tcp_serve "$NS_B" "$B6" "$P1" 9 10 "$T/srv6"
    s6=$SPID
    start_tool tcpaccept "$T/out" -P "$P1" --cache-dir "$T/cache"
    wait_ready "$T/out" '^PID +COMM +IP +RADDR +RPORT +LADDR +LPORT$'
    tcp_connect "$NS_A" "$B4" "$P1" 10 "$T/c1"
    l1=$CLPORT
    tcp_connect "$NS_A" "$B6" "$P1" 10 "$T/c2"
    check "IPv4: the accepting server's pid" \
        wait_for "$T/out" "^$s4 +tcpload +4 +$A4 +$l1 +$B4 +$P1 *\$" 10
    check "IPv6: the accepting server's pid" \
        wait_for "$T/out" "^$s6 +tcpload +6 +$A6 +$CLPORT +$B6 +$P1 *\$" 10
    check "SIGINT: exit status 0" stop_tool INT
    kill_workloads
fi
bad_usage tcpaccept "-P 0" "invalid port '0'" -P 0
bad_usage tcpaccept "-P ''" "empty port list" -P ''
bad_usage tcpaccept "-4 -6" "exclude each other" -4 -6
finish
