#!/usr/bin/env bash
# mountsnoop, for real: in a private mount namespace the test makes, a bind mount and its
# umount, and a umount of a path that is no mount point (EINVAL), by processes of known pid:
# their lines as BCC prints them; MNT_NS where struct reads are allowed, "-" otherwise; -P.
. "$(dirname "$0")/lib.sh"

command -v unshare >/dev/null || prereq "unshare (util-linux) is missing"
cache=(--cache-dir "$T/cache")
mkdir -p "$T/src" "$T/dst"
mkfifo "$T/gate"
# In a new mount namespace: record its id, wait for `go`, then mount and umount (exec'ed,
# so the pids are known: the shell's pid is mount's).
cat >"$T/ns.sh" <<EOS
readlink /proc/self/ns/mnt >"$T/ns"
echo \$\$ >"$T/pid"
read -r _ <"$T/gate"
mount --bind "$T/src" "$T/dst"
umount "$T/dst"
umount "$T/src" 2>/dev/null || true
EOS

start_tool mountsnoop "$T/t" -P "${cache[@]}"
wait_ready "$T/t" '^COMM +PID'
unshare -m --propagation private bash "$T/ns.sh" & U=$!
for ((i = 0; i < 50; i++)); do [ -s "$T/pid" ] && break; sleep 0.1; done
echo go >"$T/gate"
wait "$U"
wait_for "$T/t" 'umount\(.*/src", 0x0\) = -EINVAL$' 10
check "SIGINT: exit status 0" stop_tool INT
S=$(cat "$T/pid")
ns=$(sed 's/.*\[\([0-9]*\)\]/\1/' "$T/ns")
if grep -q 'struct reads on tracepoint paths: allowed' "$T/t.err"; then want_ns=$ns; else want_ns=-; fi
check "header as BCC prints it (-P)" test "$(head -n1 "$T/t")" = \
    "$(printf '%-16s %-7s %-7s %-16s %-7s %-11s %s' COMM PID TID PCOMM PPID MNT_NS CALL)"
mnt=$(grep -F "mount(\"$T/src\", \"$T/dst\"," "$T/t" || true)
check "the bind mount: MS_BIND, = 0 ($mnt)" grep -qE \
    "^mount +[0-9]+ +[0-9]+ +bash +$S +$want_ns +mount\(\"$T/src\", \"$T/dst\", \"[a-z]*\", MS_BIND, \"\"\) = 0\$" <<<"$mnt"
check "its umount, = 0" grep -qE \
    "^umount +[0-9]+ +[0-9]+ +bash +$S +$want_ns +umount\(\"$T/dst\", 0x0\) = 0\$" "$T/t"
check "a umount of no mount point: = -EINVAL" grep -qE "umount\(\"$T/src\", 0x0\) = -EINVAL\$" "$T/t"

start_tool mountsnoop "$T/j" --json "${cache[@]}"
wait_ready "$T/j.err" 'ready: tracing'
unshare -m --propagation private umount -l "$T/nothing-$$" 2>/dev/null || true
wait_for "$T/j" 'nothing' 10
check "--json: SIGINT, exit status 0" stop_tool INT
check "--json: valid; umount with MNT_DETACH, ENOENT" python3 "$(dirname "$0")/json_validate.py" \
    "$(dirname "$0")/../../schemas/mountsnoop.schema.json" "$T/j" \
    --expect "r['syscall'] == 'umount' and r['retval'] == -2 and r['call'] == 'umount(\"$T/nothing-$$\", MNT_DETACH) = -ENOENT'"
check "no program left loaded" progs_gone "$T/j.err"
finish
