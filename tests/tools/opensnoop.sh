#!/usr/bin/env bash
# opensnoop, for real: opens of unique paths, one failing; -x; -p filters by process.
. "$(dirname "$0")/lib.sh"

good="$T/ks-open-ok-$$"
bad="$T/ks-open-missing-$$"
echo data >"$good"

start_tool opensnoop "$T/out" --cache-dir "$T/cache"
wait_ready "$T/out" '^PID +COMM +FD +ERR +PATH'
cat "$good" >/dev/null &
gpid=$!
wait "$gpid"
cat "$bad" 2>/dev/null &
bpid=$!
wait "$bpid" || true
check "successful open: pid, fd >= 0, err 0, path" \
    wait_for "$T/out" "^$gpid +cat +[0-9]+ +0 $good\$" 10
check "failed open: fd -1, errno 2 (ENOENT)" \
    wait_for "$T/out" "^$bpid +cat +-1 +2 $bad\$" 10
check "SIGINT: exit status 0" stop_tool INT
check "no program left loaded" progs_gone "$T/out.err"

# -x: only failures.
start_tool opensnoop "$T/out2" -x --cache-dir "$T/cache"
wait_ready "$T/out2" '^PID'
cat "$good" >/dev/null
cat "$bad" 2>/dev/null || true
check "-x: the failure is shown" wait_for "$T/out2" " -1 +2 $bad\$" 10
stop_tool INT || true
check "-x: the success is not" bash -c "! grep -q '$good' '$T/out2'"

# -p: a process that opens a path itself (a shell redirection opens in the shell).
fifo="$T/fifo"
mkfifo "$fifo"
bash -c 'read -r p <"$1"; : <"$p"; : <"$p-again" 2>/dev/null; sleep 0.5' _ "$fifo" &
target=$!
start_tool opensnoop "$T/out3" -p "$target" --cache-dir "$T/cache"
wait_ready "$T/out3" '^PID'
cat "$good" >/dev/null                  # another process: must not show
echo "$good" >"$fifo"
check "-p: the target's open is shown" wait_for "$T/out3" "^$target +bash +[0-9]+ +0 $good\$" 10
check "-p: the target's failed open is shown" wait_for "$T/out3" "^$target +bash +-1 +2 $good-again\$" 10
wait "$target" || true
stop_tool INT || true
check "-p: other processes filtered out" bash -c "[ \$(grep -c '$good' '$T/out3') -eq 2 ]"
finish
