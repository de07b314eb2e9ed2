# The TCP tools in the guest kernels, kprobe mode (their fallbacks: tcp_v4/v6_connect,
# tcp_rcv_state_process, tcp_set_state, inet_csk_accept), on loopback connections made
# here by tests/tools/tcpload (host-built, seen through the host root). tcplife's bytes
# are read from struct tcp_sock on this path: they must equal what the client sent and
# received.
TCPLOAD=$(dirname "$BIN")/tests/tools/tcpload
TCP_PORT=$((21000 + $$ % 1000))
TCP_SEND=40000 TCP_REPLY=20000 # 39 KiB and 19 KiB

# tcp_guest_conn NAME [ADDR]: a server on ADDR (127.0.0.1) answering one connection, and
# one client: TCP_SPID, TCP_CPID, TCP_LPORT; TCP_PORT changes per connection.
tcp_guest_conn() {
  local name=$1 addr=${2:-127.0.0.1}
  TCP_PORT=$((TCP_PORT + 1))
  ip link set lo up 2>/dev/null || busybox ip link set lo up 2>/dev/null
  "$TCPLOAD" serve "$addr" "$TCP_PORT" 1 "$TCP_REPLY" >"$T/$name.srv" &
  TCP_SPID=$!
  vm_wait_match "$T/$name.srv" '^ready' 30 || { vm_fail "tcp $name: the server" "not ready"; return 1; }
  "$TCPLOAD" connect "$addr" "$TCP_PORT" "$TCP_SEND" >"$T/$name.cli" &
  TCP_CPID=$!
  wait "$TCP_CPID"
  wait "$TCP_SPID"
  read -r _ TCP_LPORT _ <"$T/$name.cli"
}

tcp_expect() {  # tcp_expect OUT WHAT ERE
  if vm_wait_match "$1" "$3" 60; then vm_pass "$2"
  else vm_fail "$2" "no line matching $3"; vm_evidence "$1" 30; fi
}

check_tcpconnect() {
  local mode=$1 out=$2
  tcp_guest_conn "connect-$mode" || return 0
  tcp_expect "$out" "tcpconnect --probe=$mode: the client's IPv4 connect" \
    "^$TCP_CPID +tcpload +4 +127\.0\.0\.1 +127\.0\.0\.1 +$TCP_PORT *\$"
  if [ -e /proc/net/if_inet6 ]; then
    tcp_guest_conn "connect6-$mode" ::1 || return 0
    tcp_expect "$out" "tcpconnect --probe=$mode: the client's IPv6 connect" \
      "^$TCP_CPID +tcpload +6 +::1 +::1 +$TCP_PORT *\$"
  fi
}

check_tcpconnlat() {
  local mode=$1 out=$2
  tcp_guest_conn "connlat-$mode" || return 0
  tcp_expect "$out" "tcpconnlat --probe=$mode: the client's connection and a latency" \
    "^$TCP_CPID +tcpload +4 +127\.0\.0\.1 +127\.0\.0\.1 +$TCP_PORT +[0-9]+\.[0-9]{2}\$"
}

check_tcplife() {
  local mode=$1 out=$2 tx=$((TCP_SEND / 1024)) rx=$((TCP_REPLY / 1024))
  tcp_guest_conn "life-$mode" || return 0
  tcp_expect "$out" "tcplife --probe=$mode: the client's session, bytes as sent/received ($tx/$rx KB)" \
    "^$TCP_CPID +tcpload +127\.0\.0\.1 +$TCP_LPORT +127\.0\.0\.1 +$TCP_PORT +$tx +$rx +[0-9.]+\$"
  tcp_expect "$out" "tcplife --probe=$mode: the server's session with the server's pid ($rx/$tx KB)" \
    "^$TCP_SPID +tcpload +127\.0\.0\.1 +$TCP_PORT +127\.0\.0\.1 +$TCP_LPORT +$rx +$tx +[0-9.]+\$"
}

check_tcpstates() {
  local mode=$1 out=$2
  tcp_guest_conn "states-$mode" || return 0
  tcp_expect "$out" "tcpstates --probe=$mode: connect() in the client (CLOSE -> SYN_SENT)" \
    "^[0-9a-f]+ +$TCP_CPID +tcpload +127\.0\.0\.1 +[0-9]+ +127\.0\.0\.1 +$TCP_PORT +CLOSE +-> SYN_SENT +"
  tcp_expect "$out" "tcpstates --probe=$mode: the client established" \
    " 127\.0\.0\.1 +$TCP_LPORT +127\.0\.0\.1 +$TCP_PORT +SYN_SENT +-> ESTABLISHED +"
  tcp_expect "$out" "tcpstates --probe=$mode: the server's close() after the client's" \
    "^[0-9a-f]+ +$TCP_SPID +tcpload +127\.0\.0\.1 +$TCP_PORT +127\.0\.0\.1 +$TCP_LPORT +CLOSE_WAIT +-> LAST_ACK +"
}

check_tcpaccept() {
  local mode=$1 out=$2
  tcp_guest_conn "accept-$mode" || return 0
  tcp_expect "$out" "tcpaccept --probe=$mode: the accepting server's pid and the ends" \
    "^$TCP_SPID +tcpload +4 +127\.0\.0\.1 +$TCP_LPORT +127\.0\.0\.1 +$TCP_PORT *\$"
}

suite_tcp() {
  guest_tool tcpconnect '^PID +COMM +IP +SADDR' "" kprobe
  guest_tool tcpconnlat '^PID +COMM +IP +SADDR' "" kprobe
  guest_tool tcplife    '^PID +COMM +LADDR'     "" kprobe
  guest_tool tcpstates  '^SKADDR +C-PID'        "" kprobe
  guest_tool tcpaccept  '^PID +COMM +IP +RADDR' "" kprobe
}
GUEST_SUITES+=(suite_tcp)
