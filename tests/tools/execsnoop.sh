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
# Exec chains (issue 17 item 1): every exec() attempt of one process is its own line, with
# its own arguments and return value, in the order they happened. env execs its command;
# a shell's exec replaces the shell; env's execvp() searches PATH, failing in two
# directories before the third works.
mkdir -p "$T/p1" "$T/p2" "$T/bin"
cp /bin/true "$T/bin/$marker"
# pid_lines OUTFILE PID: the lines of that process, without the PPID column.
pid_lines() { awk -v p="$2" '$2 == p { $3 = ""; print }' "$1"; }
# same_lines FILE_A FILE_B: prints both on a difference.
same_lines() {
    if cmp -s "$1" "$2"; then return 0; fi
    echo "expected:" >&2; cat "$1" >&2; echo "got:" >&2; cat "$2" >&2; return 1
}
run_chains() { # run_chains OUT: the three workloads; sets cpid1..3
    env "$T/bin/$marker" via-env &
    cpid1=$!; wait $cpid1
    sh -c "exec $T/bin/$marker via-sh" &
    cpid2=$!; wait $cpid2
    env PATH="$T/p1:$T/p2:$T/bin" "$marker" via-path &
    cpid3=$!; wait $cpid3
    /bin/true end-of-chains-$1
}
# Also through per-CPU perf buffers (kernels before 5.8), where exec() moving CPUs
# reorders reads.
for mode in -x "" "-x --events=perf"; do
    xflag=${mode%% *}
    out="$T/chain${mode// /}"
    start_tool execsnoop "$out" $mode --cache-dir "$T/cache"
    wait_ready "$out" '^PCOMM'
    run_chains "${mode// /}"
    check "chains $mode: all events arrived" wait_for "$out" "end-of-chains-${mode// /}\$" 10
    check "chains $mode: SIGINT exit 0" stop_tool INT
    printf '%s\n' "env $cpid1  0 /usr/bin/env $T/bin/$marker via-env" \
        "$marker $cpid1  0 $T/bin/$marker via-env" >"$T/want1"
    pid_lines "$out" "$cpid1" >"$T/got1"
    check "chains $mode: env then its command, each with its own args" \
        same_lines "$T/want1" "$T/got1"
    printf '%s\n' "sh $cpid2  0 /usr/bin/sh -c exec $T/bin/$marker via-sh" \
        "$marker $cpid2  0 $T/bin/$marker via-sh" >"$T/want2"
    pid_lines "$out" "$cpid2" >"$T/got2"
    check "chains $mode: sh -c 'exec ...' is two lines" same_lines "$T/want2" "$T/got2"
    {
        echo "env $cpid3  0 /usr/bin/env PATH=$T/p1:$T/p2:$T/bin $marker via-path"
        if [ -n "$xflag" ]; then
            echo "env $cpid3  -2 $T/p1/$marker via-path"
            echo "env $cpid3  -2 $T/p2/$marker via-path"
        fi
        echo "$marker $cpid3  0 $T/bin/$marker via-path"
    } >"$T/want3"
    pid_lines "$out" "$cpid3" >"$T/got3"
    check "chains $mode: PATH search, failed attempts ${xflag:-hidden} and in order" \
        same_lines "$T/want3" "$T/got3"
done

# -q with -l (item 2): -l matches the arguments as given, not the quoted text (as BCC).
# -l and -n take Python re syntax (item 3): \d works.
# Arguments are cut at 128 bytes (item 4, BCC's ARGSIZE).
long=$(printf 'L%.0s' $(seq 1 200))
start_tool execsnoop "$T/out5" -q -l "^$T/$marker q\\d+ " --cache-dir "$T/cache"
wait_ready "$T/out5" '^PCOMM'
"$T/$marker" q42 'say "hi"' &
qpid=$!; wait $qpid
"$T/$marker" qx not-matched &
"$T/$marker" q7 "$long" &
lpid=$!; wait $lpid
/bin/true end-of-q
check "-q -l: matched the unquoted args, printed quoted" \
    wait_for "$T/out5" "^$marker +$qpid +[0-9]+ +0 \"$T/$marker\" \"q42\" \"say \\\\\"hi\\\\\"\"\$" 10
check "-l with \\d: long argument cut at 128 bytes" \
    wait_for "$T/out5" "^$marker +$lpid +[0-9]+ +0 \"$T/$marker\" \"q7\" \"${long:0:128}\"\$" 10
check "-q -l: SIGINT exit 0" stop_tool INT
check "-l: others filtered out" bash -c "! grep -q -e not-matched -e end-of-q '$T/out5'"
start_tool execsnoop "$T/out6" -n "^ksm\\d+\$" --cache-dir "$T/cache"
wait_ready "$T/out6" '^PCOMM'
"$T/$marker" via-n &
npid=$!; wait $npid
check "-n with \\d (Python re syntax) matches" wait_for "$T/out6" "^$marker +$npid .* via-n\$" 10
check "-n: SIGINT exit 0" stop_tool INT
check "-h names the regex syntax" bash -c "'$BIN/execsnoop' -h | grep -q 'Python re syntax, by PCRE2'"
# PPID of a process older than the tool that execs and exits at once (item 5): the parent
# is known from /proc at start (or the task, with exact headers), not "?".
mkfifo "$T/fifo"
sh -c "read x <'$T/fifo'; exec '$T/$marker' pre-existing" &
oldpid=$!
start_tool execsnoop "$T/out7" --cache-dir "$T/cache"
wait_ready "$T/out7" '^PCOMM'
echo go >"$T/fifo"
wait $oldpid
check "PPID of a process older than the tool" \
    wait_for "$T/out7" "^$marker +$oldpid +$$ +0 $T/$marker pre-existing\$" 10
check "PPID: SIGINT exit 0" stop_tool INT
check "-v says where PPID comes from" grep -q "PPID: " "$T/out7.err"
finish
