#!/usr/bin/env bash
# Output that cannot be written: a reader that goes away (| head -1) ends the tool within a
# second, even with no further events, with every program unloaded; any other write error
# (> /dev/full) is one line on stderr naming it, and a non-zero exit.
. "$(dirname "$0")/lib.sh"

# gone_after_head TOOL ARGS...: TOOL | head -1 returns within a second of head's exit.
# The filters make sure no event is printed after the header, so only the closed pipe
# itself can end the tool.
gone_after_head() {
    local tool=$1; shift
    local out="$T/$tool.head" i t0 t1 rc=0
    rm -f "$out" "$out.err" "$out.rc"
    { "$BIN/$tool" -v "$@" 2>"$out.err" & echo $! >"$out.pid"; wait $!; echo $? >"$out.rc"; } |
        head -1 >"$out" &
    local pl=$!
    for ((i = 0; i < 1200; i++)); do [ -s "$out" ] && break; sleep 0.05; done
    [ -s "$out" ] || { echo "$tool: no header within 60 s" >&2; cat "$out.err" >&2; kill $pl; return 1; }
    t0=$(date +%s%N)
    for ((i = 0; i < 100; i++)); do [ -s "$out.rc" ] && break; sleep 0.02; done
    t1=$(date +%s%N)
    if [ ! -s "$out.rc" ]; then
        echo "$tool still running 2 s after head exited" >&2
        kill -INT "$(cat "$out.pid")" 2>/dev/null || true
        wait $pl || true
        return 1
    fi
    wait $pl || rc=$?
    echo "$tool: ended $(((t1 - t0) / 1000000)) ms after head, status $(cat "$out.rc")"
    [ $(((t1 - t0) / 1000000)) -lt 1000 ] || { echo "$tool: too slow" >&2; return 1; }
    [ "$(cat "$out.rc")" = 0 ] || { echo "$tool: exit status $(cat "$out.rc")" >&2; return 1; }
    ! grep -q "error" "$out.err" || { echo "$tool: error on a closed pipe:" >&2; cat "$out.err" >&2; return 1; }
    progs_gone "$out.err"
}
check "execsnoop | head -1 returns, nothing loaded" gone_after_head execsnoop -n "nomatch$$"
check "opensnoop | head -1 returns, nothing loaded" gone_after_head opensnoop -p 2147483647
check "biolatency | head -1 returns, nothing loaded" gone_after_head biolatency
check "syscount | head -1 returns, nothing loaded" gone_after_head syscount -p 2147483647

# full_disk TOOL ARGS...: > /dev/full gives one error line, a non-zero exit, nothing loaded,
# and ends at once (well before -d's 20 s).
full_disk() {
    local tool=$1; shift
    local err="$T/$tool.full.err" rc=0 t0 t1
    t0=$(date +%s)
    "$BIN/$tool" -v "$@" >/dev/full 2>"$err" || rc=$?
    t1=$(date +%s)
    [ "$rc" -ne 0 ] || { echo "$tool > /dev/full: exit status 0" >&2; return 1; }
    [ "$(grep -c 'error:' "$err")" = 1 ] || { echo "$tool: not one error line:" >&2; cat "$err" >&2; return 1; }
    grep -q "error: cannot write the output: No space left on device" "$err" ||
        { echo "$tool: the error is not named:" >&2; cat "$err" >&2; return 1; }
    [ $((t1 - t0)) -lt 10 ] || { echo "$tool: took $((t1 - t0)) s" >&2; return 1; }
    progs_gone "$err"
}
check "opensnoop -d 20 > /dev/full: error, non-zero, nothing loaded" full_disk opensnoop -d 20
check "execsnoop -d 20 > /dev/full: error, non-zero, nothing loaded" full_disk execsnoop -d 20
check "biolatency 20 1 > /dev/full: error, non-zero, nothing loaded" full_disk biolatency 20 1

rc=0; "$BIN/execsnoop" --ebpf >/dev/full 2>"$T/ebpf.err" || rc=$?
check "--ebpf > /dev/full: non-zero" test "$rc" -ne 0
check "--ebpf > /dev/full: says why" grep -q "No space left on device" "$T/ebpf.err"
finish
