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

# Event buffers: rings the program writes events into in place (x86_64, 5.12+), else the
# BPF ring buffer (5.8+), else perf buffers; --events forces one. All must deliver the same
# events.
IFS=. read -r kmaj kmin _ < <(uname -r)
kinds=(perf)
if [ "$kmaj" -gt 5 ] || { [ "$kmaj" -eq 5 ] && [ "$kmin" -ge 8 ]; }; then
    kinds=(ringbuf perf)
fi
if [ "$(uname -m)" = x86_64 ] && { [ "$kmaj" -gt 5 ] || { [ "$kmaj" -eq 5 ] && [ "$kmin" -ge 12 ]; }; }; then
    kinds=(inplace ringbuf perf)
    check "default: events built in place on an x86_64 5.12+ kernel, 256 pages per CPU" \
        grep -q "events: built in place in a ring of 256 pages per CPU" "$T/out.err"
elif [ "${kinds[0]}" = ringbuf ]; then
    ring=1 # 64 pages per online CPU, rounded up to a power of two
    while [ "$ring" -lt $((64 * $(nproc))) ]; do ring=$((ring * 2)); done
    check "default: the BPF ring buffer on a 5.8+ kernel, $ring pages" \
        grep -q "events: BPF ring buffer of $ring pages" "$T/out.err"
else
    check "default: perf buffers before 5.8" grep -q "events: perf buffers" "$T/out.err"
fi
if [ "${kinds[0]}" = inplace ]; then
    # Rings above 512 pages cannot be one array entry each: auto says why it takes the ring
    # buffer instead; --events=inplace is refused with the reason.
    check "-b 1024: -v says why events are not built in place" \
        bash -c "'$BIN/opensnoop' -b 1024 -v -d 1 --cache-dir '$T/cache' 2>&1 >/dev/null | grep -q 'events: not built in place: -b is above 512 pages'"
    check "--events=inplace -b 1024: refused with the reason" \
        bash -c "'$BIN/opensnoop' --events=inplace -b 1024 -d 1 --cache-dir '$T/cache' 2>&1 >/dev/null | grep -q 'cannot build events in place here: -b is above 512 pages'"
fi
declare -A said=([inplace]="built in place in a ring of 256 pages per CPU (--events=inplace)"
    [ringbuf]="BPF ring buffer of" [perf]="perf buffers of 256 pages per CPU (--events=perf)")
for kind in "${kinds[@]}"; do
    start_tool opensnoop "$T/out4-$kind" --events=$kind --cache-dir "$T/cache" -v
    wait_ready "$T/out4-$kind" '^PID'
    cat "$good" >/dev/null &
    ppid_=$!
    wait "$ppid_"
    check "--events=$kind: the open is shown" wait_for "$T/out4-$kind" "^$ppid_ +cat +[0-9]+ +0 $good\$" 10
    check "--events=$kind: used" grep -qF "events: ${said[$kind]}" "$T/out4-$kind.err"
    check "--events=$kind: SIGINT exit 0" stop_tool INT
done

# Events of threads on different CPUs come out in the order they happened (in-place rings
# are merged by number; the BPF ring buffer is one queue): two threads pinned to two CPUs
# take turns opening 0, 1, 2, ... Perf buffers (one per CPU, read one after another) make
# no such promise, as with BCC.
if [ "$(nproc)" -ge 2 ]; then
    for kind in "${kinds[@]}"; do
        [ "$kind" = perf ] && continue
        d="$T/alt-$kind"
        mkdir -p "$d"
        for ((i = 0; i < 2000; i++)); do : >"$d/$i"; done
        start_tool opensnoop "$T/outA-$kind" --events=$kind --cache-dir "$T/cache"
        wait_ready "$T/outA-$kind" '^PID'
        "$TESTUTIL" alternate "$d" 2000
        check "--events=$kind: every turn seen" wait_for "$T/outA-$kind" " $d/1999\$" 10
        check "--events=$kind: SIGINT exit 0" stop_tool INT
        check "--events=$kind: two CPUs' events in the order they happened" \
            test "$(seq 0 1999)" = "$(awk -v d="$d/" 'index($NF, d) == 1 { sub(d, "", $NF); print $NF }' "$T/outA-$kind")"
    done
else
    check "two CPUs for the order of events across CPUs" test "${CI:-}" != true
fi

# A reader that cannot keep up loses events, and says so: stop the tool, overflow a
# one-page buffer, let it go on.
declare -A full=([inplace]="a CPU's event ring full" [ringbuf]="ring buffer full" [perf]="perf buffer full")
for kind in "${kinds[@]}"; do
    start_tool opensnoop "$T/lost-$kind" -b 1 --events=$kind --cache-dir "$T/cache"
    wait_ready "$T/lost-$kind" '^PID'
    kill -STOP "$TOOL_PID"
    for ((i = 0; i < 2000; i++)); do : <"$good"; done
    kill -CONT "$TOOL_PID"
    check "$kind: lost events reported while tracing" \
        wait_for "$T/lost-$kind.err" "possibly lost [0-9]+ events [(]${full[$kind]}" 10
    check "$kind: the tool goes on after losing events" stop_tool INT
    check "$kind: a total at exit" grep -qE "^opensnoop: [0-9]+ events lost in total" "$T/lost-$kind.err"
done
usage_error opensnoop "invalid event buffer kind 'fast'" --events=fast
# -f takes every O_* name the C library defines (item 6), aliases included; O_RDONLY
# selects read-only opens (BCC's mask of 0 would match nothing).
for f in fsync ndelay plain ro wo; do echo x >"$T/flag-$f"; done
start_tool opensnoop "$T/outf" -f O_FSYNC -f O_NDELAY --cache-dir "$T/cache"
wait_ready "$T/outf" '^PID'
"$TESTUTIL" open "$T/flag-fsync" O_WRONLY O_FSYNC
"$TESTUTIL" open "$T/flag-ndelay" O_RDONLY O_NDELAY
"$TESTUTIL" open "$T/flag-plain" O_WRONLY
"$TESTUTIL" open "$T/flag-fsync" O_RDONLY O_ASYNC O_RSYNC O_NOATIME
check "-f O_FSYNC: shown" wait_for "$T/outf" " $T/flag-fsync\$" 10
check "-f O_NDELAY: shown" wait_for "$T/outf" " $T/flag-ndelay\$" 10
check "-f: SIGINT exit 0" stop_tool INT
check "-f: an open without those flags is not shown" bash -c "! grep -q flag-plain '$T/outf'"
start_tool opensnoop "$T/outr" -f O_RDONLY --cache-dir "$T/cache"
wait_ready "$T/outr" '^PID'
"$TESTUTIL" open "$T/flag-wo" O_WRONLY
"$TESTUTIL" open "$T/flag-ro" O_RDONLY
check "-f O_RDONLY: a read-only open is shown" wait_for "$T/outr" " $T/flag-ro\$" 10
check "-f O_RDONLY: SIGINT exit 0" stop_tool INT
check "-f O_RDONLY: a write open is not" bash -c "! grep -q flag-wo '$T/outr'"
check "-f: an unknown name is a usage error" bash -c "'$BIN/opensnoop' -f O_BOGUS 2>/dev/null; [ \$? -eq 2 ]"
# -F/--full-path: relative names completed with the working directory, or with the
# directory descriptor openat() was given; absolute names as they are.
mkdir -p "$T/cwd-dir/sub" "$T/fd-dir"
echo x >"$T/cwd-dir/sub/rel-$$"
echo x >"$T/fd-dir/at-$$"
start_tool opensnoop "$T/outF" -F --cache-dir "$T/cache"
wait_ready "$T/outF" '^PID'
bash -c 'cd "$1"; : <"sub/rel-$2"; : <"$1/sub/rel-$2"; sleep 1' _ "$T/cwd-dir" "$$" &
fpid=$!
"$TESTUTIL" openat "$T/fd-dir" "at-$$" &
apid=$!
wait $fpid $apid
check "-F: a cwd-relative name in full" wait_for "$T/outF" "^$fpid +bash +[0-9]+ +0 $T/cwd-dir/sub/rel-$$\$" 10
check "-F: an absolute name as it is" \
    bash -c "[ \$(grep -c ' $T/cwd-dir/sub/rel-$$\$' '$T/outF') -eq 2 ]"
check "-F: openat() relative to a directory descriptor" \
    wait_for "$T/outF" "^$apid +ks_testutil +[0-9]+ +0 $T/fd-dir/at-$$\$" 10
check "-F: SIGINT exit 0" stop_tool INT
check "-F: -v says how paths are completed" grep -q -- "-F: relative paths are completed" "$T/outF.err"

# The name shown is the thread's name at the open, though the program keeps it between
# opens (bpfsrc/opensnoop.bpf.c, KEEP_COMM): a rename by prctl, a rename of a sibling thread
# through /proc, an exec, and a new process reusing the pid of one that had another name.
# Twice: with every thread in the array indexed by thread id (pid_max here is below its cap),
# then with the array cut to one entry (KSCOPE_TID_ARRAY_MAX=1), so that every thread's
# entry is in the hash map, the path of machines with a large pid_max.
names_run() { # names_run LABEL ARRAY_SIZE [ENV...]
    local label=$1 size=$2 d="$T/names-$1" out="$T/outN-$1"
    shift 2
    mkdir -p "$d"
    for n in n0 n1 n2a n2 n3 n4 exec0 exec1; do : >"$d/$n"; done
    env "$@" "$BIN/opensnoop" -v -T --cache-dir "$T/cache" >"$out" 2>"$out.err" &
    TOOL_PID=$!
    wait_ready "$out" '^TIME'
    check "names ($label): -v gives the array's size" \
        grep -qF "map tid_open: an entry for each thread id below $size (" "$out.err"
    "$TESTUTIL" names "$d" >"$d.out"
    read -r _ npid _ ntid _ reused <"$d.out"
    bash -c ': <"$1/exec0"; exec "$2" open "$1/exec1" O_RDONLY' _ "$d" "$T/ksexecmark" &
    local epid=$!
    wait "$epid"
    check "names ($label): every open seen" wait_for "$out" " $d/exec1\$" 10
    check "names ($label): SIGINT exit 0" stop_tool INT
    local want got
    want=$(printf '%s\n' "$npid ks_testutil n0" "$npid ks-prctl n1" "$npid ks-prctl n2a" \
        "$npid ks-sibling n2" "$reused ks-first n3" "$reused ks-prctl n4" "$epid bash exec0" \
        "$epid ksexecmark exec1")
    got=$(awk -v d="$d/" 'index($NF, d) == 1 { sub(d, "", $NF); print $2, $3, $NF }' "$out")
    check "names ($label): as each thread was named at its open (prctl, sibling rename, pid reuse, exec)" \
        test "$want" = "$got"
    [ "$want" = "$got" ] || printf 'want:\n%s\ngot:\n%s\n' "$want" "$got"
}
cp "$TESTUTIL" "$T/ksexecmark"
pid_max=$(cat /proc/sys/kernel/pid_max)
[ "$pid_max" -le 65536 ] || pid_max=65536
names_run array "$pid_max"
names_run hash 1 KSCOPE_TID_ARRAY_MAX=1
finish
