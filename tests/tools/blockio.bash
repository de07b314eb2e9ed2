# Block I/O test helpers, sourced after lib.sh (not a test itself: tests are *.sh).
#
# loop_disk MIB: a loop device of the test's own over a scratch file in $T, so that the
# block tools see on that disk only the I/O the test causes (the machine's disks carry
# everyone's I/O). Sets LOOP (/dev/loopN), LOOP_NAME (loopN), LOOP_DEV (major:minor);
# detached at exit.
loop_disk() {
    command -v losetup >/dev/null || prereq "losetup (util-linux) is missing"
    dd if=/dev/zero of="$T/disk.img" bs=1M count="$1" status=none
    LOOP=$(losetup -f --show "$T/disk.img" 2>/dev/null) || prereq "no free loop device (losetup -f)"
    LOOP_NAME=${LOOP#/dev/}
    LOOP_DEV=$(cat "/sys/class/block/$LOOP_NAME/dev")
    trap 'losetup -d "$LOOP" 2>/dev/null || true; cleanup' EXIT
}

# gate_dd ARGS...: a dd (status=none) that waits until `go` is called; GPID is its pid,
# known before it does any I/O (exec keeps the shell's pid).
gate_dd() {
    rm -f "$T/gate"
    mkfifo "$T/gate"
    bash -c 'read -r _ <"$0"; exec dd "$@" status=none' "$T/gate" "$@" &
    GPID=$!
}
go() { echo go >"$T/gate"; wait "$GPID"; }

# json_sum FILE PYEXPR FIELD: over the records of a JSON Lines file (for tables, every
# interval's rows), those for which PYEXPR (over r) holds: prints their number and the sum
# of their FIELD.
json_sum() {
    python3 - "$@" <<'PY'
import json, sys
f, expr, field = sys.argv[1], sys.argv[2], sys.argv[3]
n = tot = 0
for line in open(f):
    o = json.loads(line)
    for r in o.get("rows", [o]):
        if eval(expr):
            n += 1
            tot += r.get(field, 1)
print(n, tot)
PY
}
