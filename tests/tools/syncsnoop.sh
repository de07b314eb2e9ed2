#!/usr/bin/env bash
# syncsnoop, for real: a process of known pid calls sync(), fsync(), fdatasync(), msync(),
# sync_file_range() and syncfs() once each: six lines, in that order, in BCC's columns.
. "$(dirname "$0")/lib.sh"

cache=(--cache-dir "$T/cache")
mkfifo "$T/fifo"
start_tool syncsnoop "$T/t" "${cache[@]}"
wait_ready "$T/t" '^TIME\(s\)'
"$TESTUTIL" syncs "$T/fifo" "$T/file" & P=$!
echo go >"$T/fifo"
check "the workload's calls succeed" wait "$P"
wait_for "$T/t" '^[0-9.]+ +ks_testutil +syncfs +$' 10
check "SIGINT: exit status 0" stop_tool INT
check "header as BCC prints it" test "$(head -n1 "$T/t")" = "$(printf '%-18s %-16s %-16s' 'TIME(s)' COMM CALL)"
got=$(grep -E '^[0-9]+\.[0-9]{9} +ks_testutil ' "$T/t" | awk '{print $3}' | tr '\n' ' ')
check "the six calls, in order (got: $got)" test "$got" = "sync fsync fdatasync msync sync_file_range syncfs "
check "rows in BCC's columns (%-18.9f of microseconds, %-16s, %-16s)" test "$(grep -cE \
    "^[0-9]+\.[0-9]{6}000 +ks_testutil      (sync|fsync|fdatasync|msync|sync_file_range|syncfs) +\$" "$T/t")" = 6

mkfifo "$T/fifo2"
start_tool syncsnoop "$T/j" --json "${cache[@]}"
wait_ready "$T/j.err" 'ready: tracing'
"$TESTUTIL" syncs "$T/fifo2" "$T/file" & P=$!
echo go >"$T/fifo2"
wait "$P"
wait_for "$T/j" '"call":"syncfs"' 10
check "--json: SIGINT, exit status 0" stop_tool INT
check "--json: valid, with the pid" python3 "$(dirname "$0")/json_validate.py" \
    "$(dirname "$0")/../../schemas/syncsnoop.schema.json" "$T/j" \
    --expect "r['pid'] == $P and r['comm'] == 'ks_testutil' and r['call'] == 'msync'"
check "no program left loaded" progs_gone "$T/j.err"
finish
