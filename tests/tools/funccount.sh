#!/usr/bin/env bash
# funccount, for real, on genload (tests/tools/genload.c): its own functions, its own
# shared library (by path and by name through the process's maps), USDT probes (one with
# a semaphore the kernel sets), t:syscalls:* and t:sched:* patterns, -r, --json, -T/-i,
# a process that exits (the tool ends by itself), exact counts; then bad input.
. "$(dirname "$0")/lib.sh"
: "${GENLOAD:?GENLOAD must name the genload test workload}"
: "${GENLIB:?GENLIB must name the shared library of genload}"
cache=(--cache-dir "$T/cache")
trap 'kill_workloads; cleanup' EXIT
readelf -n "$GENLOAD" | grep -q 'stapsdt' || prereq "genload has no USDT probes (apt-get install systemtap-sdt-dev, rebuild)"

# row NAME COUNT: BCC's line "%-36s %8d".
row() { printf '%-36s %8d\n' "$1" "$2"; }
hdr=$(printf '%-36s %8s' FUNC COUNT)

# run OUT MODE EXIT ARGS...: genload MODE; funccount -p PID ARGS; go; wait for "done". The
# tool then ends by itself (EXIT=self: a uprobe's process exited) or by SIGINT.
run() {
    local out=$1 mode=$2 how=$3
    shift 3
    workload "$T/w.$mode.$RANDOM" "$GENLOAD" "$mode"
    start_tool funccount "$out" -p "$WPID" "$@" "${cache[@]}"
    case " $* " in
    *" --json "*) wait_for "$out.err" ': ready: tracing' 120 ;;
    *) wait_ready "$out" '^Tracing [0-9]+ functions for ' ;;
    esac
    kill -USR1 "$WPID"
    wait_for "$T"/w.$mode.* '^done' 20 >/dev/null || true
    if [ "$how" = self ]; then
        check "$out: ends by itself when the process exits (status 0)" wait_exit 20
        check "$out: says the process exited" grep -q "process $WPID exited; detaching" "$out.err"
    else
        for i in $(seq 50); do kill -0 "$WPID" 2>/dev/null || break; sleep 0.1; done
        check "$out: SIGINT, status 0" stop_tool INT
    fi
    rm -f "$T"/w.$mode.*
}

# 1) The program's own functions, by glob: exact counts, ascending, zeros skipped.
run "$T/f1" calls self "$GENLOAD:gen_*"
check "glob: 7 gen_* functions" grep -qx "Tracing 7 functions for \"$GENLOAD:gen_\\*\"... Hit Ctrl-C to end." "$T/f1"
check "glob: BCC's output, exactly" diff <(tail -n 5 "$T/f1") <(echo; echo "$hdr"; row gen_mul 50; row gen_add 100; echo Detaching...)
check "ends with Detaching..." test "$(tail -n 1 "$T/f1")" = "Detaching..."
check "-v: uprobes chosen" grep -q "uprobe $GENLOAD:gen_add (file offset 0x[0-9a-f]*, one process): chosen" "$T/f1.err"
check "no program left loaded" progs_gone "$T/f1.err"
# the output block once more, for the log
tail -n 5 "$T/f1"

# 2) Its shared library: by path, then by name ("genlib" found in the process's maps).
run "$T/f2" calls self "$GENLIB:genlib_*"
check "library by path: exact counts" diff <(tail -n 3 "$T/f2") <(row genlib_other 7; row genlib_work 30; echo Detaching...)
run "$T/f3" calls self "genlib:genlib_work"
check "library by name (-p maps): genlib_work 30" grep -qx "$(row genlib_work 30)" "$T/f3"

# 3) -r: a regular expression, matched from the start (re.match).
run "$T/f4" calls self -r "$GENLOAD:gen_(add|mul)\$"
check "-r: 2 functions" grep -q '^Tracing 2 functions' "$T/f4"
check "-r: exact counts" diff <(tail -n 3 "$T/f4") <(row gen_mul 50; row gen_add 100; echo Detaching...)

# 4) USDT probes: u:lib:probe, a semaphore-gated probe (set by the kernel while traced), and
#    u:lib:provider:probe with a glob.
run "$T/f5" calls self "u:$GENLOAD:tick"
check "USDT tick: 20" grep -qx "$(row tick 20)" "$T/f5"
run "$T/f6" calls self "u:$GENLOAD:genload:*"
check "USDT provider glob: gated (semaphore) 10, tick 20" diff <(tail -n 3 "$T/f6") <(row gated 10; row tick 20; echo Detaching...)
check "-v: the semaphore is passed" grep -q "genload:gated (file offset 0x[0-9a-f]*, semaphore at 0x" "$T/f6.err"

# 5) Tracepoints: one, and a glob over syscalls and sched.
run "$T/f7" calls int t:syscalls:sys_enter_getppid
check "t:syscalls:sys_enter_getppid: 33" grep -qx "$(row syscalls:sys_enter_getppid 33)" "$T/f7"
check "-v: tracepoint chosen" grep -q 'tracepoint syscalls:sys_enter_getppid: chosen' "$T/f7.err"
run "$T/f8" calls int 't:syscalls:sys_*_getppid'
check "t: glob: enter and exit, 33 each" diff <(tail -n 3 "$T/f8") <(row syscalls:sys_enter_getppid 33; row syscalls:sys_exit_getppid 33; echo Detaching...)
run "$T/f9" fork int 't:sched:sched_process_fo*'
check "t:sched:sched_process_fo*: 3 forks" grep -qx "$(row sched:sched_process_fork 3)" "$T/f9"

# 6) --json: one object per interval, rows ascending.
run "$T/f10" calls self --json "$GENLOAD:gen_*"
check "--json: the rows" python3 -c '
import json, sys
o = [json.loads(l) for l in open(sys.argv[1])]
assert len(o) == 1, o
assert o[0]["rows"] == [{"func": "gen_mul", "count": 50}, {"func": "gen_add", "count": 100}], o
' "$T/f10"

check "--json: valid against schemas/funccount.schema.json" python3 "$(dirname "$0")/json_validate.py" "$(dirname "$0")/../../schemas/funccount.schema.json" "$T/f10"
check "--check --json: valid, uprobe kinds and functions" bash -c '"$1/funccount" --check --json "$2:gen_add" | python3 "$3/json_validate.py" "$3/../../schemas/check.schema.json" /dev/stdin --expect "r[\"probes\"][0][\"kind\"] == \"uprobe\" and r[\"probes\"][0][\"func\"] == \"probe_0\""' _ "$BIN" "$GENLOAD" "$(dirname "$0")"

# 7) -T -i 1 -d 2: two outputs with a time, then the end.
start_tool funccount "$T/f11" -T -i 1 -d 2 t:sched:sched_switch "${cache[@]}"
check "-i 1 -d 2: ends by itself" wait_exit 60
check "-i 1 -d 2: two outputs" test "$(grep -c "^$hdr\$" "$T/f11")" = 2
check "-T: a time before each" test "$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' "$T/f11")" = 2
check "-i: sched_switch counted" grep -qE '^sched:sched_switch +[0-9]+$' "$T/f11"

# 8) Bad input: usage errors exit 2 with one line (and a caret for malformed specs);
#    what cannot be traced exits 1 with one line.
expect_fail() { # expect_fail STATUS REGEX ARGS...
    local st=$1 re=$2 rc=0
    shift 2
    "$BIN/funccount" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    check "funccount $*: exit $st" test "$rc" = "$st"
    check "funccount $*: says /$re/" grep -qE -e "$re" "$T/bad.err"
}
expect_fail 2 'required: pattern'
expect_fail 2 "too many ':'-separated parts" 'p:a:b:c:d'
expect_fail 2 '^           \^$' 'p:a:b:c:d'
expect_fail 2 'the type must be p, r, t or u' 'x:c:malloc'
expect_fail 2 "cannot find library or program 'no_such_lib_kscope'" 'no_such_lib_kscope:foo'
expect_fail 2 'not a character' 'c:mal;loc'
expect_fail 1 "no match for '.*nomatch_\\*' among the function symbols of" "$GENLOAD:nomatch_*"
expect_fail 1 'more than 1000 probes' 'c:*'
expect_fail 2 'not r' "r:$GENLOAD:gen_add"
if [ ! -e /sys/bus/event_source/devices/kprobe/type ] && ! grep -q kprobe_events <(ls /sys/kernel/tracing 2>/dev/null); then
    expect_fail 1 'cannot attach probes to kernel functions .vfs_\*.: this kernel cannot probe functions' 'vfs_*'
    expect_fail 1 'cannot attach probes to kernel function .vfs_read.: this kernel cannot probe functions' 'vfs_read'
fi
check "--check: kinds listed" bash -c '"$1/funccount" --check | grep -q "^probe user_function uprobe .*:malloc$"' _ "$BIN"

finish
