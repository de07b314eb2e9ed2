#!/usr/bin/env bash
# The compile cache: miss then hit; a changed key compiles again; corrupt, truncated and
# foreign entries are recompiled, never loaded; a directory others can write is refused;
# two runs at once both work; a cached run sees the same events; and the tracing process
# never maps LLVM or clang.
. "$(dirname "$0")/lib.sh"

C="$T/cache"
marker="ksc$$"
cp /bin/true "$T/$marker"

# run_exec OUT ARGS...: execsnoop until it shows one marker exec, then SIGINT.
run_exec() {
    local out=$1; shift
    start_tool execsnoop "$out" --cache-dir "$C" "$@"
    wait_ready "$out" '^PCOMM' || return 1
    "$T/$marker" "$(basename "$out")" &
    local m=$!
    wait "$m"
    wait_for "$out" "^$marker +$m +$$ +0 $T/$marker $(basename "$out")\$" 10 || {
        echo "marker event missing in $out" >&2; cat "$out" >&2; stop_tool INT; return 1; }
    stop_tool INT
}
entry() { ls "$C"/*.kso | head -n1; }

check "cold run compiles and shows the marker" run_exec "$T/a"
check "cold run: compiled" grep -q "program: compiled in" "$T/a.err"
# libbcc would load all of /proc/kallsyms to learn what the helper probe already knows.
check "cold run: libbcc's kallsyms lookup answered, not read" \
    grep -q "compile: libbcc's kallsyms lookup answered by the helper probe (bpf_probe_read_kernel present)" "$T/a.err"
check "cold run: stored in the cache" grep -q "compile cache: stored" "$T/a.err"
check "cache dir is mode 0700" test "$(stat -c %a "$C")" = 700

check "warm run shows the marker" run_exec "$T/b"
check "warm run: loaded from the cache" grep -q "from the compile cache" "$T/b.err"
check "warm run: did not compile" bash -c "! grep -q 'program: compiled' '$T/b.err'"

check "the tracing process maps no LLVM or clang" bash -c '
    '"$BIN"'/execsnoop --cache-dir '"$C"' >'"$T"'/m.out 2>&1 &
    p=$!
    for i in $(seq 100); do grep -q PCOMM '"$T"'/m.out && break; sleep 0.1; done
    grep -q PCOMM '"$T"'/m.out || { kill $p; exit 1; }
    maps=$(cat /proc/$p/maps)
    kill -INT $p; wait $p
    ! grep -qiE "libLLVM|libclang|libbcc\.so" <<<"$maps" && grep -q libbcc_bpf <<<"$maps"'

check "a changed option (--max-args) compiles again" run_exec "$T/c" --max-args 5
check "changed key: compiled" grep -q "program: compiled in" "$T/c.err"

# Corrupt the default configuration's entry three ways; each run must recompile and work.
for how in truncate flip foreign; do
    run_exec "$T/pre-$how" >/dev/null 2>&1 || true
    e=$(grep -oE '/[^ ]+\.kso' "$T/pre-$how.err" | head -n1)
    [ -n "$e" ] || e=$(grep -l . "$C"/*.kso | head -n1)
    case $how in
        truncate) truncate -s 100 "$e" ;;
        flip) printf '\xff' | dd of="$e" bs=1 seek=200 conv=notrunc status=none ;;
        foreign) cp "$(ls "$C"/*.kso | grep -v "$e" | head -n1)" "$e" ;;
    esac
    check "$how entry: the run still shows the marker" run_exec "$T/d-$how"
    check "$how entry: rejected and recompiled" grep -q "program: compiled in" "$T/d-$how.err"
done

chmod 777 "$C"
check "a world-writable cache dir: the run still works" run_exec "$T/e"
check "a world-writable cache dir: refused with a warning" \
    grep -q "not using the compile cache" "$T/e.err"
check "a world-writable cache dir: compiled" grep -q "program: compiled in" "$T/e.err"
chmod 700 "$C"

rm -rf "$C"
"$BIN/execsnoop" -v -d 3 --cache-dir "$C" >"$T/p1" 2>"$T/p1.err" & p1=$!
"$BIN/execsnoop" -v -d 3 --cache-dir "$C" >"$T/p2" 2>"$T/p2.err" & p2=$!
r1=0; r2=0; wait $p1 || r1=$?; wait $p2 || r2=$?
check "two concurrent cold runs both succeed" test "$r1$r2" = 00
check "two concurrent cold runs both got ready" bash -c "grep -q PCOMM '$T/p1' && grep -q PCOMM '$T/p2'"
check "and left one good entry" run_exec "$T/f"
check "which the next run loads" grep -q "from the compile cache" "$T/f.err"
# The entry of the default configuration, from -v.
entry_of() { grep -oE '/[^ )]+\.kso' "$1" | head -n1; }
check "entry known" run_exec "$T/g"
e=$(entry_of "$T/g.err")

# A FIFO in the entry's place: no hang (before: open() blocked for ever), recompiled.
rm -f "$e"; mkfifo "$e"
check "a FIFO entry: the run does not block and shows the marker" timeout 60 bash -c "$(declare -f run_exec start_tool wait_ready wait_for stop_tool); C='$C' T='$T' BIN='$BIN' marker='$marker' run_exec '$T/fifo'"
check "a FIFO entry: rejected and recompiled" grep -q "program: compiled in" "$T/fifo.err"
check "a FIFO entry: replaced by a regular file" test -f "$e"

# Another tool's object under this key, with the key's own header: intact, but not the
# programs execsnoop attaches. Before: loaded, attach failed, kept for ever.
"$BIN/opensnoop" -v -d 1 --cache-dir "$C" >/dev/null 2>"$T/o.err"
oe=$(entry_of "$T/o.err")
{ head -c 40 "$e"; tail -c +41 "$oe"; } >"$T/forged" && cat "$T/forged" >"$e"
check "another tool's object under the key: the run shows the marker" run_exec "$T/h"
check "another tool's object: discarded, saying why" \
    grep -q "compile cache: entry discarded: .*no program" "$T/h.err"
check "another tool's object: recompiled" grep -q "program: compiled in" "$T/h.err"
check "another tool's object: replaced (the next run loads it)" run_exec "$T/i"
check "another tool's object: the next run is a cache hit" grep -q "from the compile cache" "$T/i.err"

# An entry that is intact and fits, but that the kernel refuses: the run fails with the
# verifier's reason, and the entry is removed so that the next start compiles and works.
"$TESTUTIL" cache-break "$e"
rc=0; "$BIN/execsnoop" -v -d 1 --cache-dir "$C" >/dev/null 2>"$T/k.err" || rc=$?
check "a cached program the kernel refuses: the run fails" test "$rc" -ne 0
check "a cached program the kernel refuses: says so, and removes the entry" \
    grep -q "the program came from the compile cache; that entry is removed" "$T/k.err"
check "a cached program the kernel refuses: the next run compiles and works" run_exec "$T/l"
check "a cached program the kernel refuses: compiled again" grep -q "program: compiled in" "$T/l.err"

# A cache that cannot be written (a read-only mount, in a mount namespace of our own):
# one warning without -v, with the reason and the fix.
mkdir -p "$T/ro"; chmod 700 "$T/ro"
check "a read-only cache: the tool still runs" unshare -m bash -c "
    mount --bind '$T/ro' '$T/ro' && mount -o remount,bind,ro '$T/ro' &&
    '$BIN/execsnoop' -d 1 --cache-dir '$T/ro' >/dev/null 2>'$T/ro.err'"
check "a read-only cache: one warning" test "$(grep -c "warning: compile cache" "$T/ro.err")" = 1
check "a read-only cache: says read-only and what to do" \
    grep -q "Read-only file system.*use --cache-dir on a writable one, or --no-cache" "$T/ro.err"

# A full file system and an immutable directory (small tmpfs mounts, private to the test).
mkdir -p "$T/full" "$T/imm"
check "a full cache: the tool still runs" unshare -m bash -c "
    mount -t tmpfs -o size=8k,mode=700 tmpfs '$T/full' &&
    '$BIN/execsnoop' -d 1 --cache-dir '$T/full' >/dev/null 2>'$T/full.err'"
check "a full cache: one warning naming it, and what to do" bash -c "
    test \$(grep -c 'warning: compile cache' '$T/full.err') = 1 &&
    grep -q 'No space left on device.*the file system is full: free space' '$T/full.err'"
command -v chattr >/dev/null || prereq "chattr (e2fsprogs) for the immutable-cache check"
check "an immutable cache: the tool still runs" unshare -m bash -c "
    mount -t tmpfs -o mode=700 tmpfs '$T/imm' && chattr +i '$T/imm' &&
    { '$BIN/execsnoop' -d 1 --cache-dir '$T/imm' >/dev/null 2>'$T/imm.err'; r=\$?;
      chattr -i '$T/imm'; exit \$r; }"
check "an immutable cache: one warning naming it, and what to do" bash -c "
    test \$(grep -c 'warning: compile cache' '$T/imm.err') = 1 &&
    grep -q 'Operation not permitted.*immutable or append-only' '$T/imm.err'"

# A directory that is not the cache's own is refused (before: entries written into /).
check "--cache-dir /: the tool still runs" bash -c "'$BIN/execsnoop' -d 1 --cache-dir / >/dev/null 2>'$T/root.err'"
check "--cache-dir /: refused, saying what is accepted" \
    grep -q "not using the compile cache /: it holds files that are not kscope's.*a new or empty one" "$T/root.err"
check "--cache-dir /: nothing written into /" bash -c "! ls / | grep -q '\.kso'"

# A temporary file left by a store that was killed is removed by the next store.
stale="$e.tmpDead01"
echo partial >"$stale"; touch -d '-1 hour' "$stale"
check "a stale temporary: a compiling run" run_exec "$T/j" --max-args 7
check "a stale temporary: removed" test ! -e "$stale"
finish
