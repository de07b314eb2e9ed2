#!/usr/bin/env bash
# bitesize, for real: a process of a unique name writes 8 x 64 KiB and 8 x 4 KiB with direct
# I/O on a loop device of the test's own: its histogram has exactly those counts in the
# 64 -> 127 and 4 -> 7 Kbytes slots, in BCC's text and in --json.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/blockio.bash"

loop_disk 16
cache=(--cache-dir "$T/cache")
cp "$(command -v dd)" "$T/bsz_writer"
writes() {
    "$T/bsz_writer" if=/dev/zero of="$LOOP" bs=64k count=8 oflag=direct status=none
    "$T/bsz_writer" if=/dev/zero of="$LOOP" bs=4k count=8 seek=1000 oflag=direct status=none
}

start_tool bitesize "$T/t" "${cache[@]}"
wait_ready "$T/t" '^Tracing block I/O\.\.\. Hit Ctrl-C to end\.$'
writes
sleep 0.3
check "SIGINT: exit status 0" stop_tool INT
# The section as BCC's print_log2_hist prints it: title, header, slots up to the last used.
want=$(printf 'Process Name = bsz_writer\n     %-19s : count     distribution\n' Kbytes
    bar() { printf '%*s' "$1" '' | tr ' ' '*'; }
    slot() { printf '%10d -> %-10d : %-8d |%-40s|\n' "$1" "$2" "$3" "$(bar "$4")"; }
    slot 0 1 0 0; slot 2 3 0 0; slot 4 7 8 40; slot 8 15 0 0; slot 16 31 0 0; slot 32 63 0 0
    slot 64 127 8 40)
got=$(sed -n '/^Process Name = bsz_writer$/,/^$/p' "$T/t")
check "the writer's histogram, byte for byte as BCC prints it" test "$got" = "$want"

start_tool bitesize "$T/j" --json "${cache[@]}"
wait_ready "$T/j.err" 'ready: tracing'
writes
sleep 0.3
check "--json: SIGINT, exit status 0" stop_tool INT
check "--json: valid; the writer's slots" python3 "$(dirname "$0")/json_validate.py" \
    "$(dirname "$0")/../../schemas/histogram.schema.json" "$T/j" \
    --expect '[(b["low"], b["count"]) for h in r["histograms"] if h["Process Name"] == "bsz_writer" for b in h["buckets"] if b["count"]] == [(4, 8), (64, 8)]'
rc=0
"$BIN/bitesize" --prom "$T/x.prom" >"$T/bad" 2>&1 || rc=$?
check "--prom: refused (no metrics), exit 2" test "$rc" = 2
finish
