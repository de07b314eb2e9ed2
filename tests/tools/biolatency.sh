#!/usr/bin/env bash
# biolatency, for real: direct-I/O writes to a file on a real block device; counts appear
# for that disk; -D names it; interval and count end the run.
. "$(dirname "$0")/lib.sh"

io_disk bio # the build tree lives on a real disk
disk=$IO_DISK
trap 'rm -f "$IO_FILE"; cleanup' EXIT

# 1) -D with interval and count: runs 3 intervals of 1 s and exits by itself.
start_tool biolatency "$T/out" -D 1 3 --cache-dir "$T/cache"
wait_ready "$T/out" '^Tracing block device I/O'
write_direct 16
check "interval and count: exits by itself with status 0" wait_exit 30
check "-D: a histogram for disk $disk" grep -q "^disk = $disk\$" "$T/out"
total=$(awk -v d="$disk" '/^disk = /{on = ($3 == d)} on && /->/{s += $5} END{print s+0}' "$T/out")
check "-D: at least 16 I/Os counted for $disk (got $total)" test "$total" -ge 16
check "histogram header as BCC prints it" grep -qE '^     usecs +: count +distribution$' "$T/out"
check "no program left loaded" progs_gone "$T/out.err"

# 2) -Q -m -F -T, ended by SIGINT: prints the histogram at exit, flags named like BCC's.
start_tool biolatency "$T/out2" -QmFT --cache-dir "$T/cache"
wait_ready "$T/out2" '^Tracing block device I/O'
write_direct 8
check "SIGINT: exit status 0" stop_tool INT
check "-F: a Write section" grep -qE '^flags = .*Write$' "$T/out2"
check "-m: msecs" grep -qE '^     msecs +: count +distribution$' "$T/out2"
check "-T: a timestamp line" grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} *$' "$T/out2"
check "-Q: the insert tracepoint was used" grep -q "tracepoint block:block_rq_insert: chosen" "$T/out2.err"
# An interval with no I/O at all: the histogram map is empty (UBSan: qsort of NULL; the
# sanitizer build fails here when that comes back).
check "an empty histogram is collected cleanly" "$TESTUTIL" hist-empty
# 3) -e (BCC's "avg = ..., total: ..., count: ..." line) and -d (this disk only): the
# line's count is the histogram's, its average the total over the count.
start_tool biolatency "$T/out3" -e -d "$disk" 1 2 --cache-dir "$T/cache"
wait_ready "$T/out3" '^Tracing block device I/O'
write_direct 16
check "-e -d: exits by itself" wait_exit 30
check "-e: the summary line as BCC prints it" \
    grep -qE '^avg = [0-9]+ usecs, total: [0-9]+ usecs, count: [0-9]+$' "$T/out3"
ext_ok() { # avg = total / count per line; the counts add up to the histograms' over the run
    awk '/->/ {s += $5}
         /^avg = / {n++; gsub(",", ""); c += $9; if ($3 + 0 != int($6 / $9)) bad = 1}
         END {exit (n >= 1 && !bad && c == s) ? 0 : 1}' "$1"
}
check "-e: count and average agree with the histogram" ext_ok "$T/out3"
total3=$(awk '/->/{s += $5} END{print s+0}' "$T/out3")
check "-d $disk: at least 16 I/Os counted (got $total3)" test "$total3" -ge 16
# The other disk: an idle loop device of this test's own (any real disk may carry other
# tests' I/O while this one runs).
. "$(dirname "$0")/blockio.bash"
loop_disk 4
trap 'losetup -d "$LOOP" 2>/dev/null || true; rm -f "$IO_FILE"; cleanup' EXIT
other=$LOOP_NAME
if [ -n "$other" ]; then
    start_tool biolatency "$T/out4" -d "$other" 1 2 --cache-dir "$T/cache"
    wait_ready "$T/out4" '^Tracing block device I/O'
    write_direct 16
    check "-d $other: exits by itself" wait_exit 30
    total4=$(awk '/->/{s += $5} END{print s+0}' "$T/out4")
    check "-d $other: none of the writes to $disk counted (got $total4)" test "$total4" -eq 0
fi
check "-d: a missing disk is a usage error naming it" \
    bash -c "'$BIN/biolatency' -d no-such-disk 2>&1 | grep -q \"no such disk 'no-such-disk'\""
finish
