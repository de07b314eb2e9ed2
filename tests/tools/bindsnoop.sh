#!/usr/bin/env bash
# bindsnoop, for real: binds the test makes in its own network namespaces (TCP and UDP,
# IPv4 and IPv6, one that fails with EADDRINUSE), each seen with its PID, address, port
# and result; -E, -P, -p, -u, -w, -t, -U, --count, --json; bad input exits 2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib/netns.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || prereq "python3 is not installed"
netns_setup

# binder NS OUT TYPE ADDR PORT [TYPE ADDR PORT]...: one process binding each in turn
# (tcp or udp sockets; a listening tcp socket stays open so that a later bind to its port
# fails), printing "bind ADDR PORT ERRNO" for each. BPID is its pid.
binder() {
    local ns=$1 out=$2
    shift 2
    ip netns exec "$ns" "$PY" -c '
import socket, sys
keep, a = [], sys.argv[1:]
for i in range(0, len(a), 3):
    t, addr, port = a[i], a[i + 1], int(a[i + 2])
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET,
                      socket.SOCK_DGRAM if t == "udp" else socket.SOCK_STREAM)
    try:
        s.bind((addr, port)); err = 0
        if t == "tcp": s.listen(1)
    except OSError as e:
        err = e.errno
    keep.append(s)
    print("bind", addr, port, err, flush=True)' "$@" >"$out" &
    BPID=$!
    wait "$BPID"
}
row() { # the narrow row BCC prints, as an ERE: PID COMM PROT ADDR PORT OPTS IF
    printf '^ *%s python3 +- +%s +%s +- +-$' "$1" "${2//./\\.}" "$3"
}

start_tool bindsnoop "$T/out" --cache-dir "$T/cache"
wait_ready "$T/out" '^ +PID +COMM +PROT +ADDR +PORT +OPTS +IF$'
check "the banner first" bash -c "head -n1 '$T/out' | grep -qx 'Tracing binds ... Hit Ctrl-C to end'"
binder "$NS_A" "$T/b1" tcp "$A4" 5001 udp 127.0.0.1 5002 tcp "$A4" 5001
b1=$BPID
check "the workload's third bind failed (EADDRINUSE)" grep -qx "bind $A4 5001 98" "$T/b1"
check "TCP bind: pid, comm, address, port" wait_for "$T/out" "$(row "$b1" "$A4" 5001)" 10
check "UDP bind" wait_for "$T/out" "$(row "$b1" 127.0.0.1 5002)" 10
check "BCC's 80-column layout, byte for byte" \
    grep -qx "$(printf '%8d %-12.12s %-4.4s %-15.15s %5d %-5s %2s' "$b1" python3 - "$A4" 5001 - -)" "$T/out"
check "SIGINT: exit status 0" stop_tool INT
check "no program left loaded" progs_gone "$T/out.err"
check "without -E the failed bind is not shown" test "$(grep -c " $b1 python3" "$T/out")" = 2
check "the tracepoint path says which columns it cannot fill" \
    grep -q "PROT, OPTS and IF are '-'" "$T/out.err"

# -E -w -t -U: the failure with its reason, IPv6 in full.
start_tool bindsnoop "$T/outw" -E -w -t -U --cache-dir "$T/cache"
wait_ready "$T/outw" '^TIME\(s\) +UID RC +PID +COMM +PROT +ADDR +PORT +OPTS +IF$'
binder "$NS_B" "$T/b2" tcp "$B6" 5003 tcp "$B6" 5003
b2=$BPID
check "-w: IPv6 address in full, RC 0" \
    wait_for "$T/outw" "^[0-9]+\\.[0-9]{6} +0 0 +$b2 python3 +- +$B6 +5003 +- +-\$" 10
check "-E -w: the failure's reason in words" \
    wait_for "$T/outw" "^[0-9.]+ +0 Address already in use +$b2 python3 +- +$B6 +5003 " 10
check "-E -w: SIGINT exit 0" stop_tool INT

# -E (narrow RC), -P, -p, -u.
mkfifo "$T/go"
workload "$T/held" ip netns exec "$NS_A" "$PY" -c '
import socket, sys
s = socket.socket(); print("ready", flush=True)
open(sys.argv[1]).read(); s.bind(("127.0.0.1", 5005)); print("bound", flush=True)' "$T/go"
held=$WPID
start_tool bindsnoop "$T/outf" -E -P 5005,5006 -p "$held" --cache-dir "$T/cache"
wait_ready "$T/outf" '^ RC +PID'
binder "$NS_A" "$T/b3" tcp 127.0.0.1 5006
echo >"$T/go"
check "-p: the process's bind" wait_for "$T/outf" "^  0 +$held python3 .* 5005 " 10
check "-p: SIGINT exit 0" stop_tool INT
check "-p: another process is not shown" bash -c "! grep -q ' 5006 ' '$T/outf'"
kill_workloads
start_tool bindsnoop "$T/outP" -E -P 5005,5006 -u 0 --cache-dir "$T/cache"
wait_ready "$T/outP" '^ RC +PID'
binder "$NS_A" "$T/b4" tcp 127.0.0.1 5004 tcp 127.0.0.1 5006 tcp 127.0.0.1 5006
b4=$BPID
check "-P: a listed port" wait_for "$T/outP" "^  0 +$b4 python3 .* 5006 " 10
check "-E: RC as BCC prints it (-98)" wait_for "$T/outP" "^-98 +$b4 python3 .* 5006 " 10
check "-P: SIGINT exit 0" stop_tool INT
check "-P: another port is not shown" bash -c "! grep -q ' 5004 ' '$T/outP'"
start_tool bindsnoop "$T/outu" -u 4242 --cache-dir "$T/cache"
wait_ready "$T/outu" '^ +PID'
binder "$NS_A" "$T/b5" tcp 127.0.0.1 5007
check "-u: SIGINT exit 0" stop_tool INT
check "-u 4242: root's bind is not shown" bash -c "! grep -q python3 '$T/outu'"

# --count: binds per address and port, at the end; --json.
start_tool bindsnoop "$T/outc" --count --cache-dir "$T/cache"
wait_ready "$T/outc" '^Tracing binds'
binder "$NS_A" "$T/b6" udp 127.0.0.1 5008
binder "$NS_A" "$T/b7" udp 127.0.0.1 5008
binder "$NS_B" "$T/b8" udp "$B4" 5009
check "--count: SIGINT exit 0" stop_tool INT
check "--count: the header" grep -qxE 'LADDR +LPORT +BINDS +' "$T/outc"
check "--count: 2 binds to 127.0.0.1:5008, first" \
    bash -c "grep -A1 '^LADDR' '$T/outc' | tail -n1 | grep -qE '^127\\.0\\.0\\.1 +5008 +2 *\$'"
check "--count: 1 bind to $B4:5009" grep -qE "^${B4//./\\.} +5009 +1 *\$" "$T/outc"
start_tool bindsnoop "$T/outj" --json -E --cache-dir "$T/cache"
wait_ready "$T/outj.err" 'ready: tracing'
binder "$NS_B" "$T/b9" udp "$B6" 5010
b9=$BPID
check "--json: the bind as an object, unread columns null" \
    wait_for "$T/outj" "^\\{\"errno\":0,\"pid\":$b9,\"comm\":\"python3\",\"protocol\":null,\"addr\":\"$B6\",\"port\":5010,\"opts\":null,\"bound_if\":null\\}\$" 10
check "--json: SIGINT exit 0" stop_tool INT
check "--json: valid against schemas/bindsnoop.schema.json" \
    python3 "$(dirname "$0")/json_validate.py" "$(dirname "$0")/../../schemas/bindsnoop.schema.json" "$T/outj"

for bad in "-P 0" "-P 65536" "-P 80," "-P ,80" "-P 1,2,3,4,5,6,7,8,9" "-P x" "-u -1" "--bogus"; do
    # shellcheck disable=SC2086 # the words of each case
    check "bad input '$bad': exit 2" bash -c "'$BIN/bindsnoop' $bad >/dev/null 2>&1; [ \$? -eq 2 ]"
done
finish
