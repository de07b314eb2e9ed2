#!/usr/bin/env bash
# biolatency, for real: direct-I/O writes to a file on a real block device; counts appear
# for that disk; -D names it; interval and count end the run.
. "$(dirname "$0")/lib.sh"

dir=${KSCOPE_TEST_IO_DIR:-$(dirname "$BIN")}   # the build tree lives on a real disk
src=$(findmnt -no SOURCE --target "$dir" | head -n1)
disk=$(lsblk -no PKNAME "$src" 2>/dev/null | head -n1)
[ -n "$disk" ] || disk=$(basename "$src")
[ -b "/dev/$disk" ] || prereq "$dir is not on a block device (found '$src')"
file="$dir/.kscope-bio-$$"
trap 'rm -f "$file"; cleanup' EXIT

write_direct() { dd if=/dev/zero of="$file" bs=1M count="$1" oflag=direct conv=fsync status=none; }

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
finish
