#!/usr/bin/env bash
# The kprobe-only file-system tools on this host (no kprobes): each refuses with ONE line
# that names the kernel function it needs and says this kernel cannot probe kernel
# functions (the probe resolver's message, common/ks_probe.c), exit status 1, nothing on
# stdout; --check lists its probes and "result unsupported"; -v says why for each probe;
# usage errors exit 2 with one line. Their real tests run in the guest kernels
# (tests/vm/guest.d/fs.sh). On a kernel with kprobes, --check must find the kprobes.
. "$(dirname "$0")/lib.sh"

# tool|its first probe|the kernel function that probe needs first
TOOLS="vfsstat|read|vfs_read
cachestat|mpa|folio_mark_accessed
filelife|create|vfs_create
fileslower|read|__vfs_read
dcstat|fast|lookup_fast
dcsnoop|lookup|d_lookup
mdflush|flush|md_flush_request
ext4slower|read|ext4_file_read_iter
xfsslower|read|xfs_file_read_iter
btrfsslower|read|btrfs_file_read_iter
nfsslower|read|nfs_file_read
filetop|read|vfs_read
vfscount|vfs|vfs_read
readahead|ra|__do_page_cache_readahead
cachetop|mpa|folio_mark_accessed"

KPROBES=false
if [ -e /sys/bus/event_source/devices/kprobe/type ] || [ -e /sys/kernel/tracing/kprobe_events ] ||
    [ -e /sys/kernel/debug/tracing/kprobe_events ]; then
    KPROBES=true
fi
cache=(--cache-dir "$T/cache")
# one_line FILE: exactly one line.
one_line() { [ "$(wc -l <"$1")" -eq 1 ] || { echo "not one line:" >&2; cat "$1" >&2; return 1; }; }

while IFS='|' read -r tool probe func; do
    if [ $KPROBES = true ]; then
        rc=0
        "$BIN/$tool" --check "${cache[@]}" >"$T/$tool.check" 2>"$T/$tool.check.err" || rc=$?
        check "$tool --check (kprobes here): its kprobe is considered" \
            grep -qE "^probe $probe (kprobe|kretprobe|none) " "$T/$tool.check"
        continue
    fi
    for mode in auto kprobe; do
        rc=0
        "$BIN/$tool" --probe=$mode "${cache[@]}" >"$T/$tool.out" 2>"$T/$tool.err" || rc=$?
        check "$tool --probe=$mode: exit status 1" test "$rc" -eq 1
        check "$tool --probe=$mode: nothing on stdout" test ! -s "$T/$tool.out"
        check "$tool --probe=$mode: one line on stderr" one_line "$T/$tool.err"
        check "$tool --probe=$mode: names $func; this kernel cannot probe kernel functions" \
            grep -qxE "$tool: error: cannot attach probe '$probe' \(--probe=$mode\): no tracepoint measures it; it needs a kprobe on the kernel function $func, and this kernel cannot probe kernel functions: the kernel has no kprobe support .*CONFIG_KPROBES is off\)" "$T/$tool.err"
    done
    rc=0
    "$BIN/$tool" --check "${cache[@]}" >"$T/$tool.check" 2>"$T/$tool.check.err" || rc=$?
    check "$tool --check: exit 1" test "$rc" -eq 1
    check "$tool --check: probe $probe has nothing" grep -qx "probe $probe none -" "$T/$tool.check"
    check "$tool --check: result unsupported" test "$(tail -n1 "$T/$tool.check")" = "result unsupported"
    check "$tool --check: the same one line on stderr" one_line "$T/$tool.check.err"
    rc=0
    "$BIN/$tool" -v --check "${cache[@]}" >/dev/null 2>"$T/$tool.v" || rc=$?
    check "$tool -v: no tracepoint for $probe" grep -qF "tracepoint: none exists for this probe" "$T/$tool.v"
    check "$tool -v: kprobe $func: no kprobe support" \
        grep -qE "kprobe $func: the kernel has no kprobe support" "$T/$tool.v"
    check "$tool --help: exit 0" "$BIN/$tool" --help >/dev/null
done <<<"$TOOLS"

if [ $KPROBES = false ]; then
    # cachestat: the parts that have tracepoints take them (they fire where BCC's kprobes
    # would); only page accesses are kprobe-only.
    check "cachestat --check: page cache additions on their tracepoint" \
        grep -qx "probe apcl tracepoint filemap:mm_filemap_add_to_page_cache" "$T/cachestat.check"
    check "cachestat --check: dirtied buffers on block_dirty_buffer" \
        grep -qx "probe mbd tracepoint block:block_dirty_buffer" "$T/cachestat.check"
    check "cachestat --check: dirtied pages on writeback_dirty_folio" \
        grep -qx "probe apd tracepoint writeback:writeback_dirty_folio" "$T/cachestat.check"
    check "cachetop --check: cachestat's probes (additions on their tracepoint)" \
        grep -qx "probe apcl tracepoint filemap:mm_filemap_add_to_page_cache" "$T/cachetop.check"
    check "dcsnoop --check: fast (-a only) not needed" grep -qx "probe fast none -" "$T/dcsnoop.check"
fi

# Usage errors: exit 2 before anything is attached, the message first (then the --help
# hint, as argparse does).
usage() { # usage DESCRIPTION EXPECTED-TEXT TOOL ARGS...
    local what=$1 want=$2 rc=0
    shift 2
    "$@" >"$T/u.out" 2>"$T/u.err" || rc=$?
    check "$what: exit 2" test "$rc" -eq 2
    check "$what: says '$want' first" grep -qF -- "$want" <(head -n1 "$T/u.err")
    check "$what: nothing on stdout" test ! -s "$T/u.out"
}
usage "vfsstat 0" "invalid interval '0'" "$BIN/vfsstat" 0
usage "vfsstat 1 2 3" "unexpected argument '3'" "$BIN/vfsstat" 1 2 3
usage "cachestat -x" "unrecognized option '-x'" "$BIN/cachestat" -x
usage "ext4slower x" "invalid min_ms 'x'" "$BIN/ext4slower" x
usage "ext4slower 1 2" "unexpected argument '2'" "$BIN/ext4slower" 1 2
usage "ext4slower -j --json" "-j (CSV) and --json are two output formats" "$BIN/ext4slower" -j --json
usage "fileslower -1 (a negative threshold)" "unrecognized option '-1'" "$BIN/fileslower" -1
usage "dcstat -p 1 (no -p)" "unrecognized option" "$BIN/dcstat" -p 1
usage "filetop --read-only --write-only" "filetop: --read-only and --write-only: give one of them (neither traces both)" "$BIN/filetop" --read-only --write-only
usage "filetop -r 0" "filetop: invalid MAXROWS '0'" "$BIN/filetop" -r 0
usage "filetop -s size" "filetop: argument -s/--sort: invalid choice: 'size' (choose from 'all', 'reads', 'writes', 'rbytes', 'wbytes')" "$BIN/filetop" -s size
usage "filetop -d (no such directory)" "filetop: -d $T/none: No such file or directory" "$BIN/filetop" -d "$T/none"
usage "filetop -d (a file)" "filetop: -d $BIN/filetop: not a directory" "$BIN/filetop" -d "$BIN/filetop"
usage "readahead 5 (no positional)" "unexpected argument '5'" "$BIN/readahead" 5
usage "readahead -d 0" "readahead: invalid duration '0'" "$BIN/readahead" -d 0
usage "cachetop 0" "invalid interval '0'" "$BIN/cachetop" 0
usage "vfscount 0" "invalid duration '0'" "$BIN/vfscount" 0
usage "vfscount -p 1 (no -p)" "unrecognized option" "$BIN/vfscount" -p 1
check "filetop --help: BCC's -d example" \
    grep -qF "filetop -d /home/user   # trace files in /home/user directory only" <("$BIN/filetop" --help)
check "ext4slower --help: [min_ms] and its help" \
    grep -qF "usage: ext4slower [options] [min_ms]" <("$BIN/ext4slower" --help)
check "xfsslower --help: its own name in the examples" \
    grep -qF "xfsslower -j 1        # ... 1 ms, parsable output (csv)" <("$BIN/xfsslower" --help)
finish
