#!/usr/bin/env bash
# tcptop is kprobe-only (no tracepoint sees each send's and receive's bytes). Where the
# kernel cannot probe functions: one clear error naming the function, status 1. Where it
# can: the bytes of a connection the test makes between its namespaces, exactly. Bad
# input exits 2.
. "$(dirname "$0")/lib.sh"

check "-4 with -6: exit 2" bash -c "'$BIN/tcptop' -4 -6 >/dev/null 2>&1; [ \$? -eq 2 ]"
check "interval 0: exit 2" bash -c "'$BIN/tcptop' 0 >/dev/null 2>&1; [ \$? -eq 2 ]"
check "an unknown option: exit 2" bash -c "'$BIN/tcptop' -x >/dev/null 2>&1; [ \$? -eq 2 ]"

if [ ! -e /sys/bus/event_source/devices/kprobe/type ] &&
    ! grep -qs . /sys/kernel/tracing/kprobe_events /sys/kernel/debug/tracing/kprobe_events &&
    [ ! -e /sys/kernel/tracing/kprobe_events ] && [ ! -e /sys/kernel/debug/tracing/kprobe_events ]; then
    out=$("$BIN/tcptop" --cache-dir "$T/cache" 2>&1 >/dev/null) && rc=0 || rc=$?
    check "no kprobes here: exit status 1" test "$rc" = 1
    check "no kprobes here: the error names tcp_sendmsg" grep -q "tcp_sendmsg" <<<"$out"
    check "no kprobes here: nothing on stdout" test -z "$("$BIN/tcptop" --cache-dir "$T/cache" 2>/dev/null)"
    finish
    exit 0
fi

# Kprobes: 200 KiB sent and 100 KiB received by one client, in its own namespace.
. "$(dirname "$0")/lib/netns.sh"
netns_setup
start_tool tcptop "$T/out" -C -S --json 1 --cache-dir "$T/cache"
wait_ready "$T/out.err" 'ready: tracing'
tcp_serve "$NS_B" "$B4" 7001 1 102400 "$T/srv"
tcp_connect "$NS_A" "$B4" 7001 204800 "$T/cli"
sleep 2.2 # the intervals that hold the transfer are printed
check "SIGINT: exit status 0" stop_tool INT
sum() { python3 -c '
import json, sys
pid, key = int(sys.argv[2]), sys.argv[3]
print(sum(r[key] for l in open(sys.argv[1]) for r in json.loads(l).get("rows", []) if r["pid"] == pid))' "$T/out" "$1" "$2"; }
check "the client's bytes sent: 204800" test "$(sum "$CPID" tx_bytes)" = 204800
check "the client's bytes received: 102400" test "$(sum "$CPID" rx_bytes)" = 102400
check "the server's bytes received: 204800" test "$(sum "$SPID" rx_bytes)" = 204800
finish
