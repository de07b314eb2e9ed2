#!/usr/bin/env bash
# trace, for real: uprobes and uretprobes on genload (tests/tools/genload.c) and its shared
# library with filters, a signature and formats (exact lines); a USDT probe with -M; a
# tracepoint with STRCMP on a string field and a format (exact line, only the path asked
# for); -U stacks; --json against its schema; then bad input, and injection attempts in
# every expression position, each refused with a caret.
. "$(dirname "$0")/lib.sh"
: "${GENLOAD:?GENLOAD must name the genload test workload}"
: "${GENLIB:?GENLIB must name the shared library of genload}"
cache=(--cache-dir "$T/cache")
trap 'kill_workloads; cleanup' EXIT
readelf -n "$GENLOAD" | grep -q 'stapsdt' || prereq "genload has no USDT probes (apt-get install systemtap-sdt-dev, rebuild)"

# line PID FUNC MSG: BCC's "%-7d %-7d %-15s %-16s %s" for genload's main thread.
line() { printf '%-7d %-7d %-15s %-16s %s\n' "$1" "$1" genload "$2" "$3"; }
hdr=$(printf '%-7s %-7s %-15s %-16s %s' PID TID COMM FUNC -)

# run OUT MODE ARGS...: genload MODE; trace -p PID ARGS; go; the tool ends by itself when
# the process exits (uprobes attached for it).
run() {
    local out=$1 mode=$2
    shift 2
    workload "$T/w.$mode.$RANDOM" "$GENLOAD" "$mode"
    start_tool trace "$out" -p "$WPID" "$@" "${cache[@]}"
    case " $* " in
    *" --json "*) wait_ready "$out.err" ': ready: tracing' ;;
    *) wait_ready "$out" '^(TIME +)?PID +TID +COMM +FUNC' ;;
    esac
    kill -USR1 "$WPID"
    check "$out: ends by itself when the process exits (status 0)" wait_exit 30
    rm -f "$T"/w.$mode.*
}

# 1) Uprobes, a uretprobe, a library function with a signature and a USDT probe's
#    arguments (on the stack and in a register, per its note): filters and formats.
run "$T/t1" calls "$GENLOAD:gen_add (arg1 < 3) \"a=%d b=%ld\", arg1, arg2" \
    "r:$GENLOAD:gen_mul (retval == 12) \"ret=%ld\"  , retval" \
    "genlib:genlib_other(int x) (x >= 5 && \$tgid != \$pid - \$pid) \"x=%-3d|%x|%c %%\", x, x * 100, 'A' + x" \
    "u:$GENLOAD:tick (arg1 > 17) \"i=%d v=%lld\", arg1, arg2"
P=$WPID
check "uprobes: BCC's lines, exactly" diff "$T/t1" <(echo "$hdr"
    line "$P" gen_add "a=0 b=2"; line "$P" gen_add "a=1 b=2"; line "$P" gen_add "a=2 b=2"
    line "$P" gen_mul "ret=12"
    line "$P" genlib_other "x=5  |1f4|F %"; line "$P" genlib_other "x=6  |258|G %"
    line "$P" tick "i=18 v=1018"; line "$P" tick "i=19 v=1019")
check "-v: a uretprobe chosen" grep -q "uretprobe $GENLOAD:gen_mul" "$T/t1.err"
check "no program left loaded" progs_gone "$T/t1.err"
cat "$T/t1"

# 2) A USDT probe without a format (no "-" header), -M 5: five lines, then the end.
run "$T/t2" calls -M 5 "u:$GENLOAD:tick"
check "USDT -M 5: header and five lines" diff "$T/t2" <(printf '%-7s %-7s %-15s %-16s \n' PID TID COMM FUNC
    for i in 1 2 3 4 5; do line "$WPID" tick ""; done)

# 3) A tracepoint with a string filter (exact: the longer name and another file do not
#    match) and a format over its fields; this shell opens the files.
start_tool trace "$T/t3" "t:syscalls:sys_enter_openat (STRCMP(\"$T/nope-2\", args->filename)) \"%s flags=%x\", args->filename, args->flags" "${cache[@]}"
wait_ready "$T/t3" '^PID +TID +COMM +FUNC +-$'
for f in nope-1 nope-2x nope-2 nope-3; do { : <"$T/$f"; } 2>/dev/null || true; done
check "t: the open of nope-2 printed" wait_for "$T/t3" "nope-2 flags=0$" 10
{ : <"$T/nope-end"; } 2>/dev/null || true
check "SIGINT, status 0" stop_tool INT
check "t: STRCMP exact, BCC's line" diff <(tail -n +2 "$T/t3") <(printf '%-7d %-7d %-15s %-16s %s\n' $$ $$ bash sys_enter_openat "$T/nope-2 flags=0")

# 4) -U: user stacks under each line (gen_leaf called from gen_mid from gen_top).
run "$T/t4" stack -U -M 1 "$GENLOAD:gen_leaf"
check "-U: the callers, leaf first" diff <(sed -n '3,5p' "$T/t4" | sed 's/+0x[0-9a-f]*//') <(printf '        %s\n' gen_leaf gen_mid gen_top)

# 5) --json -t -C: objects valid against the schema, the values; --uid 0 (root runs it) and
#    -L 1 (not its thread) as filters in the program.
run "$T/t5" calls --json -t -C --uid 0 "$GENLOAD:gen_mul (arg1 == 7) \"%d*%d\", arg1, arg2"
check "--json: valid against schemas/trace.schema.json" python3 "$(dirname "$0")/json_validate.py" \
    "$(dirname "$0")/../../schemas/trace.schema.json" "$T/t5" \
    --expect "r['func'] == 'gen_mul' and r['msg'] == '7*3' and r['comm'] == 'genload' and 'cpu' in r and 'time' in r"
check "--json: one object" test "$(wc -l <"$T/t5")" = 1
run "$T/t6" calls -L 1 "$GENLOAD:gen_mul"
check "-L 1: no line for other threads" test "$(wc -l <"$T/t6")" = 1
check "--ebpf: the filters as defines" bash -c '"$1/trace" --ebpf -L 5 --uid 7 "$2:gen_mul" | grep -q "^#define TID 5 " &&
    "$1/trace" --ebpf --uid 7 "$2:gen_mul" | grep -q "^#define UID 7 "' _ "$BIN" "$GENLOAD"

# 6) Bad input: usage errors exit 2 with one line and a caret; what cannot be traced exits 1.
usage_error trace 'required: probe'
usage_error trace 'unknown conversion in the format' "$GENLOAD:gen_add \"%q\", arg1"
check "the caret under the q" grep -qE "^ {$((4 + ${#GENLOAD} + 11))}\\^\$" "$T/usage.err"
usage_error trace 'fewer arguments than the format' "$GENLOAD:gen_add \"%d %d\", arg1"
usage_error trace 'more arguments than the format' "$GENLOAD:gen_add \"%d\", arg1, arg2"
usage_error trace 'expected a format string' "$GENLOAD:gen_add arg1"
usage_error trace 'unmatched' "$GENLOAD:gen_add (arg1 == 1"
usage_error trace 'retval exists only in return probes' "$GENLOAD:gen_add (retval)"
usage_error trace 'tracepoints have no arg1' 't:syscalls:sys_enter_openat (arg1)'
usage_error trace 'invalid signature' "$GENLOAD:gen_add(int a, b) (a)"
usage_error trace '-I is not supported' -I linux/fs.h "$GENLOAD:gen_add"
usage_error trace 'named twice' t:sched:sched_switch t:sched:sched_switch
cannot_trace() { # cannot_trace MESSAGE ARGS...: exit 1 with that line
    local msg=$1 rc=0
    shift
    "$BIN/trace" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    check "trace $*: exit 1, says '$msg'" bash -c '[ "$1" = 1 ] && grep -qF -- "$2" "$3"' _ "$rc" "$msg" "$T/bad.err"
}
cannot_trace "no match for" "$GENLOAD:nope_kscope"
if [ ! -e /sys/bus/event_source/devices/kprobe/type ]; then
    cannot_trace 'this kernel cannot probe functions' 'do_sys_openat2 "%s", arg2'
fi
# Injection attempts, in the filter and in the arguments: refused, a caret under them.
for bad in 'arg1); bpf_trace_printk("x"' 'arg1 } int x() { return 0' 'arg1 = 0' \
    'arg1 /* c */' '#define X' 'bpf_override_return(ctx, 0)' 'arg1++' '({ 1; })' \
    'STRCMP(arg1, "x")' '$task->pid' 'arg1 \' "sizeof(arg1)" '"a" "b"'; do
    for where in "($bad) \"%d\", arg1" "\"%d\", $bad"; do
        rc=0
        "$BIN/trace" "$GENLOAD:gen_add $where" >"$T/inj.out" 2>"$T/inj.err" || rc=$?
        check "injection refused: $where" test "$rc" = 2
        check "injection: a caret line: $where" grep -qE '^ +\^$' "$T/inj.err"
        check "injection: nothing compiled: $where" test ! -s "$T/inj.out"
    done
done

finish
