#!/usr/bin/env bash
# killsnoop, for real: this shell sends signals to marker processes it started (kill()),
# a kill() that fails (ESRCH, a process that is gone), and python sends a tgkill(); each
# must show as exactly one line with the sender, the signal, the target and the result.
# Then the filters (-T, -s by number and name, -x, -p), --json, and bad input (exit 2).
. "$(dirname "$0")/lib.sh"
cache=(--cache-dir "$T/cache")
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)
w=$(($(wc -c </proc/sys/kernel/pid_max))) # BCC: len(pid_max) + 1 (wc counts the newline)
# line SENDER COMM SIG TARGET RESULT: the columns after TIME, as BCC prints them.
line() { printf "%-${w}d %-16s %-4d %-${w}d %d" "$1" "$2" "$3" "$4" "$5"; }
has() { # has FILE TEXT: a line that ends with exactly TEXT after the time column
    grep -qE "^[0-9]{2}:[0-9]{2}:[0-9]{2}  $(sed 's/[][\.*^$]/\\&/g' <<<"$2")\$" "$1" ||
        { echo "no line '$2' in $1:" >&2; cat "$1" >&2; return 1; }
}
sleep 1000 &
m1=$!
sleep 1000 &
m2=$!
(exit 0) &
gone=$!
wait "$gone"

# 1) Everything: a TERM to m1, a USR1 to m2 by name, a failing kill, a tgkill.
start_tool killsnoop "$T/out1" "${cache[@]}"
wait_ready "$T/out1" "^TIME +PID +COMM +SIG +TPID +RESULT$"
kill -TERM "$m1"
kill -s USR1 "$m2"
kill -HUP "$gone" 2>/dev/null || true
tg=$(python3 -c 'import os, signal, threading; signal.pthread_kill(threading.main_thread().ident, 0); print(os.getpid())')
wait_for "$T/out1" " -3$" 10 || true
wait_for "$T/out1" "^[0-9:]+ +$tg " 10 || true
check "SIGINT: exit status 0" stop_tool INT
check "header as BCC's (PID columns: pid_max digits + 1)" \
    grep -qxF "$(printf "%-9s %-${w}s %-16s %-4s %-${w}s %s" TIME PID COMM SIG TPID RESULT)" "$T/out1"
check "kill -TERM m1: one line, result 0" has "$T/out1" "$(line $$ bash 15 "$m1" 0)"
check "kill -USR1 m2: one line, result 0" has "$T/out1" "$(line $$ bash 10 "$m2" 0)"
check "kill of a gone process: ESRCH (-3)" has "$T/out1" "$(line $$ bash 1 "$gone" -3)"
check "tgkill from python, signal 0, to itself" has "$T/out1" "$(line "$tg" python3 0 "$tg" 0)"
check "-v: syscall tracepoints chosen" grep -q "tracepoint syscalls:sys_enter_kill: chosen" "$T/out1.err"
check "no program left loaded" progs_gone "$T/out1.err"
wait "$m1" 2>/dev/null || true
wait "$m2" 2>/dev/null || true

# 2) -x: only the failure. (m3 ignores SIGHUP: section 3 sends it one.)
bash -c 'trap "" HUP; exec sleep 1000' &
m3=$!
start_tool killsnoop "$T/out2" -x "${cache[@]}"
wait_ready "$T/out2" "^TIME +PID"
kill -0 "$m3"
kill -HUP "$gone" 2>/dev/null || true
wait_for "$T/out2" " -3$" 10 || true
check "-x: SIGINT, status 0" stop_tool INT
check "-x: the failing kill" has "$T/out2" "$(line $$ bash 1 "$gone" -3)"
check "-x: nothing that succeeded" bash -c "! grep -qE ' 0\$' '$T/out2'"

# 3) -T m3 -s TERM,9: a HUP to m3 (signal filtered) and a TERM to m4 (target filtered)
# are not shown; the KILL to m3 is.
sleep 1000 &
m4=$!
start_tool killsnoop "$T/out3" -T "$m3" -s TERM,9 "${cache[@]}"
wait_ready "$T/out3" "^TIME +PID"
kill -HUP "$m3" 2>/dev/null || true
kill -TERM "$m4"
sleep 1000 &
m3b=$!
kill -KILL "$m3" 2>/dev/null || true
wait_for "$T/out3" " 0$" 10 || true
check "-T -s: SIGINT, status 0" stop_tool INT
check "-T -s: the KILL to the target" has "$T/out3" "$(line $$ bash 9 "$m3" 0)"
check "-T -s: nothing else" test "$(grep -cE '^[0-9]{2}:' "$T/out3")" -eq 1
check "-s TERM,9 becomes the mask of signals 9 and 15" \
    bash -c "'$BIN/killsnoop' --ebpf -s TERM,9 | grep -q '^#define SIGNAL_MASK_LO $(((1 << 8) | (1 << 14))) '"
kill "$m3b" 2>/dev/null || true
wait "$m3" "$m4" "$m3b" 2>/dev/null || true

# 4) -p: only this shell's kills; --json with the names.
sleep 1000 &
m6=$!
start_tool killsnoop "$T/out4" --json -p $$ "${cache[@]}"
wait_ready "$T/out4.err" 'ready: tracing'
python3 -c 'import os, signal, threading; signal.pthread_kill(threading.main_thread().ident, 0)'
kill -TERM "$m6"
wait_for "$T/out4" "\"tpid\":$m6" 10 || true
check "--json -p: SIGINT, status 0" stop_tool INT
check "--json: valid, the TERM with its name and syscall" python3 "$V" "$SCHEMAS/killsnoop.schema.json" "$T/out4" \
    --expect "r['pid'] == $$ and r['comm'] == 'bash' and r['sig'] == 15 and r['signal'] == 'TERM' and r['tpid'] == $m6 and r['result'] == 0 and r['syscall'] == 'kill' and r['ttid'] is None"
check "-p: python's tgkill not shown" bash -c "! grep -q tgkill '$T/out4'"
wait "$m6" 2>/dev/null || true

bad() { usage_error killsnoop "$@"; }
bad "unknown signal 'FOO'" -s FOO
bad "unknown signal '65'" -s 9,65
bad "unknown signal '0'" -s 0
bad "invalid TPID 'x'" -T x
finish
