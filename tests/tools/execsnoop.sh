#!/usr/bin/env bash
# execsnoop, for real: exec a unique marker command and check pid, ppid, args and return
# value; a failing exec with -x; filters; clean exit on SIGINT with nothing left loaded.
. "$(dirname "$0")/lib.sh"

marker="ksm$$"                      # comm is at most 15 characters
cp /bin/true "$T/$marker"
printf '#!/bin/sh\n' >"$T/noexec$$"; chmod 644 "$T/noexec$$"

start_tool execsnoop "$T/out" -x --cache-dir "$T/cache"
wait_ready "$T/out" '^PCOMM +PID +PPID +RET +ARGS'

"$T/$marker" first-arg "two words" &
mpid=$!
wait "$mpid"
"$T/noexec$$" 2>/dev/null || true   # execve fails with EACCES (-13)

check "marker line: comm, pid, ppid, ret 0, args" \
    wait_for "$T/out" "^$marker +$mpid +$$ +0 $T/$marker first-arg two words\$" 10
check "failed exec shows with -x and its error" \
    wait_for "$T/out" " -13 $T/noexec$$\$" 10
check "SIGINT: exit status 0" stop_tool INT
check "SIGINT: no program left loaded" progs_gone "$T/out.err"
check "probes came from tracepoints" grep -q "tracepoint syscalls:sys_enter_execve: chosen" "$T/out.err"

# Without -x a failing exec is not shown; -n filters by command name.
start_tool execsnoop "$T/out2" -n "^$marker\$" --cache-dir "$T/cache"
wait_ready "$T/out2" '^PCOMM'
"$T/noexec$$" 2>/dev/null || true
/bin/true not-the-marker
"$T/$marker" again &
mpid2=$!
wait "$mpid2"
check "-n: marker shown" wait_for "$T/out2" "^$marker +$mpid2 .* $T/$marker again\$" 10
check "SIGTERM: exit status 0" stop_tool TERM
check "-n: other commands filtered out" bash -c "! grep -q not-the-marker '$T/out2'"
check "no -x: failed exec not shown" bash -c "! grep -q 'noexec$$' '$T/out2'"
check "second run loaded from the compile cache" grep -q "from the compile cache" "$T/out2.err"

# -d ends the run by itself.
start_tool execsnoop "$T/out3" -d 2 --cache-dir "$T/cache"
wait_ready "$T/out3" '^PCOMM'
check "-d 2: exits by itself with status 0" wait_exit 30

# Perf buffers (what kernels before 5.8 get) join an exec's events read from per-CPU
# buffers the same way: the marker line must be whole.
start_tool execsnoop "$T/out4" --events=perf --cache-dir "$T/cache"
wait_ready "$T/out4" '^PCOMM'
"$T/$marker" via perf buffers &
mpid4=$!
wait "$mpid4"
check "--events=perf: marker line whole" \
    wait_for "$T/out4" "^$marker +$mpid4 +$$ +0 $T/$marker via perf buffers\$" 10
check "--events=perf: perf buffers used" grep -q "events: perf buffers" "$T/out4.err"
check "--events=perf: SIGINT exit 0" stop_tool INT
finish
