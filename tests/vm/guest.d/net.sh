# shellcheck shell=bash
# The network tools (issue 12, part 2) in guest kernels, kprobe mode: the struct reads of
# the kprobe paths against sockets made here on the guest's loopback. Sourced by
# guest-tools.sh (T, BIN, vm_* from there). One python3 per workload (forks are dear
# under TCG).
NET_PY=/usr/bin/python3
net_lo_up() { ip link set lo up 2>/dev/null; }

# solisten --show-netns: port, backlog, address and the namespace read from the socket.
check_solisten() {
  local mode=$1 out=$2 port=$((40000 + RANDOM % 1000)) pid ns
  net_lo_up
  "$NET_PY" -c 'import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)' "$port" &
  pid=$!
  wait "$pid"
  ns=$(stat -L -c %i /proc/self/ns/net)
  if vm_wait_match "$out" "^$pid +python3 +$ns +TCPv4 +5 +$port +127\\.0\\.0\\.1" 60; then
    vm_pass "solisten --probe=$mode: pid, netns, backlog, port, address"
  else
    vm_fail "solisten --probe=$mode: the listen" "no line for pid $pid port $port netns $ns"
    vm_evidence "$out" 20
  fi
}

# bindsnoop -E: the socket's protocol and options (SO_REUSEADDR: ...R.), and a failed bind.
check_bindsnoop() {
  local mode=$1 out=$2 port=$((41000 + RANDOM % 1000)) pid
  net_lo_up
  "$NET_PY" -c 'import socket, sys
p = int(sys.argv[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", p)); s.listen(1)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.bind(("::1", p))
t = socket.socket()
try: t.bind(("127.0.0.1", p))
except OSError: pass' "$port" &
  pid=$!
  wait "$pid"
  if vm_wait_match "$out" "^ +0 +$pid python3 +TCP +127\\.0\\.0\\.1 +$port \\.\\.\\.R\\. +0\$" 60; then
    vm_pass "bindsnoop --probe=$mode: TCP, address, port, SO_REUSEADDR, IF"
  else
    vm_fail "bindsnoop --probe=$mode: the TCP bind" "no line for pid $pid port $port"
    vm_evidence "$out" 20
  fi
  if vm_wait_match "$out" "^ +0 +$pid python3 +UDP +::1 +$port \\.\\.\\.\\.\\. +0\$" 10; then
    vm_pass "bindsnoop --probe=$mode: UDP over IPv6"
  else
    vm_fail "bindsnoop --probe=$mode: the UDP bind" "no line"
    vm_evidence "$out" 20
  fi
  if vm_wait_match "$out" "^-98 +$pid python3 +TCP +" 10; then
    vm_pass "bindsnoop --probe=$mode: the failed bind, -98"
  else
    vm_fail "bindsnoop --probe=$mode: the failed bind" "no -98 line"
    vm_evidence "$out" 20
  fi
}

suite_net() {
  guest_tool solisten   '^PID +COMM +NETNS +PROTO'          "--show-netns" kprobe
  guest_tool bindsnoop  '^ RC +PID +COMM +PROT'             "-E"           kprobe
  guest_tool tcpretrans '^TIME +PID +IP +LADDR:LPORT'        ""             kprobe
  guest_tool tcptop     'ready: tracing'                              "-C -S --json" kprobe
  guest_tool tcpdrop    '^TIME +PID +IP +SADDR:SPORT'        ""             kprobe
}
GUEST_SUITES+=(suite_net)

# tcptop -C -S --json: a loopback transfer of known size (tcpload), its bytes exactly.
check_tcptop() {
  local mode=$1 out=$2 port=$((42000 + RANDOM % 1000)) load=$BIN/../tests/tools/tcpload srv cli
  net_lo_up
  "$load" serve 127.0.0.1 "$port" 1 102400 >"$T/tcptop-srv" &
  srv=$!
  vm_wait_match "$T/tcptop-srv" '^ready' 30
  "$load" connect 127.0.0.1 "$port" 204800 >"$T/tcptop-cli" &
  cli=$!
  wait "$cli" "$srv"
  vm_sleep 2.5
  local tx=0 rx=0 l re="\"pid\":$cli,[^}]*\"rx_bytes\":([0-9]+),\"tx_bytes\":([0-9]+)"
  while IFS= read -r l; do
    while [[ $l =~ $re ]]; do
      rx=$((rx + BASH_REMATCH[1])) tx=$((tx + BASH_REMATCH[2]))
      l=${l/${BASH_REMATCH[0]}/}
    done
  done <"$out"
  if [ "$tx" = 204800 ] && [ "$rx" = 102400 ]; then
    vm_pass "tcptop --probe=$mode: the client's bytes sent and received, exactly"
  else
    vm_fail "tcptop --probe=$mode: the client's bytes" "sent $tx (want 204800), received $rx (want 102400)"
    vm_evidence "$out" 10
  fi
}

# tcpdrop: a zero-window probe the receiver drops. The server never reads (a small receive
# buffer), the client writes until it blocks; its kernel then probes the closed window with
# a segment of an old sequence number, which the receiver drops (tcp_validate_incoming):
# tcp_drop on 5.10 (no reason: "-"; the socket's state), kfree_skb_reason on 6.1 (reason
# TCP_INVALID_SEQUENCE; no skb->sk there: state "-"). The packet is read on these paths:
# addresses, ports and flags exactly.
check_tcpdrop() {
  local mode=$1 out=$2 port=$((43000 + RANDOM % 1000)) pid cport
  net_lo_up
  "$NET_PY" -c 'import socket, sys, time
p = int(sys.argv[1])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
l.bind(("127.0.0.1", p)); l.listen(1)
c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
c.connect(("127.0.0.1", p)); s, _ = l.accept(); c.setblocking(False)
try:
    while True: c.send(b"x" * 1024)
except BlockingIOError: pass
print("cport", c.getsockname()[1], flush=True)
time.sleep(30)' "$port" >"$T/tcpdrop-load" &
  pid=$!
  vm_wait_match "$T/tcpdrop-load" '^cport [0-9]+$' 60
  read -r _ cport <"$T/tcpdrop-load"
  # 6.1: the state from skb->sk, which early demux sets on loopback ("-" without it).
  if vm_wait_match "$out" "^[0-9:]{8} +[0-9]+ +4 +127\\.0\\.0\\.1:$cport +> 127\\.0\\.0\\.1:$port +(ESTABLISHED|-) \\(ACK\\) (-|TCP_[A-Z_]*SEQUENCE)\$" 60; then
    vm_pass "tcpdrop --probe=$mode: the dropped window probe, addresses, ports, flags, reason"
  else
    vm_fail "tcpdrop --probe=$mode: the window probe" "no line for 127.0.0.1:$cport > 127.0.0.1:$port"
    vm_evidence "$out" 20
  fi
  if vm_wait_match "$out" $'^\t(tcp_validate_incoming|tcp_rcv_established|tcp_v4_do_rcv)\\+0x' 10; then
    vm_pass "tcpdrop --probe=$mode: the kernel stack of the drop"
  else
    vm_fail "tcpdrop --probe=$mode: the kernel stack" "no TCP receive frame"
    vm_evidence "$out" 20
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
