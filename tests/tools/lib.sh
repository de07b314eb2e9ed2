# Shared by the tool tests: start a tool, wait until it is ready, stop it, check results.
# Tests source this file; BIN (the tools' directory) and TESTUTIL come from ctest.
set -euo pipefail

: "${BIN:?BIN must name the directory of the built tools}"
: "${TESTUTIL:?TESTUTIL must name the ks_testutil binary}"
T=$(mktemp -d /var/tmp/kscope-test.XXXXXX)
chmod 755 "$T"
TOOL_PID=
cleanup() {
    [ -n "$TOOL_PID" ] && kill -INT "$TOOL_PID" 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "${BASH_SOURCE[0]}")/../checks.sh"
[ "$(id -u)" = 0 ] || prereq "tool tests need root (BPF)"
[ -e /sys/fs/bpf ] || [ -e /proc/sys/kernel/unprivileged_bpf_disabled ] || prereq "kernel without BPF"

# start_tool NAME OUTFILE ARGS...: runs BIN/NAME -v ARGS in the background, stderr in OUTFILE.err
start_tool() {
    local name=$1 out=$2; shift 2
    "$BIN/$name" -v "$@" >"$out" 2>"$out.err" &
    TOOL_PID=$!
}

# wait_ready OUTFILE REGEX [SECONDS]: the header is printed only once everything is attached.
wait_ready() {
    local out=$1 re=$2 secs=${3:-120} i
    for ((i = 0; i < secs * 10; i++)); do
        if grep -qE "$re" "$out" 2>/dev/null; then return 0; fi
        if ! kill -0 "$TOOL_PID" 2>/dev/null; then
            echo "tool exited before it was ready:" >&2
            cat "$out" "$out.err" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "tool not ready after ${secs}s" >&2
    cat "$out.err" >&2
    return 1
}

# stop_tool SIGNAL: stop the tool and return its exit status.
stop_tool() {
    local sig=${1:-INT} rc=0
    kill -"$sig" "$TOOL_PID"
    wait "$TOOL_PID" || rc=$?
    TOOL_PID=
    return $rc
}

# wait_exit SECONDS: wait for a tool that ends by itself; its status, or 124 on timeout.
wait_exit() {
    local secs=$1 i
    for ((i = 0; i < secs * 10; i++)); do
        if ! kill -0 "$TOOL_PID" 2>/dev/null; then
            local rc=0
            wait "$TOOL_PID" || rc=$?
            TOOL_PID=
            return $rc
        fi
        sleep 0.1
    done
    return 124
}

# wait_for OUTFILE REGEX SECONDS: events reach the file within a flush interval.
wait_for() {
    local out=$1 re=$2 secs=${3:-10} i
    for ((i = 0; i < secs * 10; i++)); do
        grep -qE "$re" "$out" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "no line matching /$re/ in $out; its last lines:" >&2
    tail -n 15 "$out" >&2
    return 1
}

# workload OUT ARGS...: start a test workload (binary first in ARGS) and wait for its
# "ready" line in OUT; WPID is its pid, WL every one started (kill_workloads stops them).
WL=()
workload() {
    local out=$1
    shift
    "$@" >"$out" &
    WL+=($!)
    WPID=$!
    wait_for "$out" '^ready' 10
}
kill_workloads() { for p in "${WL[@]}"; do kill "$p" 2>/dev/null || true; done; }

# static_marker: build (cc -static) and start a program without a C library, past its
# exec (it says "ready"); WPID is its pid. memleak -p and plockstat must refuse it.
static_marker() {
    printf '#include <unistd.h>\nint main(void) { write(1, "ready\\n", 6); pause(); return 0; }\n' >"$T/static.c"
    "${CC:-cc}" -static -O1 -o "$T/static" "$T/static.c" 2>"$T/static.err" ||
        prereq "cannot link a static program (cc -static needs libc6-dev's libc.a)"
    workload "$T/static.out" "$T/static"
}

# prog_misses PID: runs of process PID's BPF programs the kernel skipped because another
# BPF program was running on that CPU (other tracers on a busy machine; fdinfo, 5.12+).
# Tests that count events exactly allow for them.
prog_misses() { cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^recursion_misses:/ { s += $2 } END { print s + 0 }'; }

# progs_gone ERRFILE: every program id the tool reported with -v is unloaded.
progs_gone() {
    local ids id i
    ids=$(grep -oE 'program id [0-9]+' "$1" | awk '{print $3}')
    [ -n "$ids" ] || { echo "no program ids in $1" >&2; return 1; }
    for id in $ids; do
        for ((i = 0; i < 50; i++)); do
            "$TESTUTIL" prog-exists "$id" || break
            sleep 0.1
        done
        if "$TESTUTIL" prog-exists "$id"; then
            echo "program $id is still loaded" >&2
            return 1
        fi
    done
}

# io_disk NAME: for direct-I/O workloads, sets IO_FILE (a file NAME on a real disk, the build
# tree's unless KSCOPE_TEST_IO_DIR says otherwise) and IO_DISK (that disk's name).
io_disk() {
    local dir=${KSCOPE_TEST_IO_DIR:-$(dirname "$BIN")} src
    src=$(findmnt -no SOURCE --target "$dir" | head -n1)
    IO_DISK=$(lsblk -no PKNAME "$src" 2>/dev/null | head -n1)
    [ -n "$IO_DISK" ] || IO_DISK=$(basename "$src")
    [ -b "/dev/$IO_DISK" ] || prereq "$dir is not on a block device (found '$src')"
    IO_FILE="$dir/.kscope-$1-$$"
}
# write_direct MIB: writes to IO_FILE bypassing the page cache: each MiB reaches the disk.
write_direct() { dd if=/dev/zero of="$IO_FILE" bs=1M count="$1" oflag=direct conv=fsync status=none; }

# usage_error TOOL MESSAGE ARGS...: BIN/TOOL ARGS exits 2, and its stderr says MESSAGE.
usage_error() {
    local tool=$1 msg=$2 rc=0
    shift 2
    "$BIN/$tool" "$@" >"$T/usage.out" 2>"$T/usage.err" || rc=$?
    check "$tool $*: exit 2" test "$rc" -eq 2
    check "$tool $*: says '$msg'" grep -qF -- "$msg" "$T/usage.err"
}

finish() {
    if [ "$FAILS" -gt 0 ]; then
        echo "$FAILS check(s) failed"
        exit 1
    fi
    echo "all checks passed"
}
