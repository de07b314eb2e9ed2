#!/usr/bin/env bash
# --cgroupmap and --mntnsmap (BCC's filter_by_containers), shared by the tools that filter
# by process: a BPF hash map pinned by the user (here with ks_testutil, on a bpffs of our
# own) holds the cgroup ids or mount namespace ids to trace; everything else is left out.
. "$(dirname "$0")/lib.sh"

bpffs="$T/bpffs"
mkdir -p "$bpffs"
mount -t bpf none "$bpffs" || prereq "cannot mount a bpffs"
cg2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
if [ -z "$cg2" ]; then
    cg2="$T/cg2"
    mkdir -p "$cg2"
    mount -t cgroup2 none "$cg2" || prereq "no cgroup2 hierarchy"
fi
cg="$cg2/kscope-test-$$"
mkdir "$cg"
cleanup_containers() {
    rmdir "$cg" 2>/dev/null || true
    umount "$bpffs" 2>/dev/null || true
    [ "$cg2" = "$T/cg2" ] && umount "$cg2" 2>/dev/null
    cleanup
}
trap cleanup_containers EXIT
cgid=$(stat -c %i "$cg") # the cgroup id bpf_get_current_cgroup_id() returns
"$TESTUTIL" pin-hash "$bpffs/cgroups" 8 8
"$TESTUTIL" map-put "$bpffs/cgroups" "$cgid"
echo x >"$T/in-$$"
echo x >"$T/out-$$"
# in_cgroup CMD...: run CMD inside the test cgroup.
in_cgroup() { sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$cg" "$@"; }

start_tool opensnoop "$T/open" --cgroupmap "$bpffs/cgroups" --cache-dir "$T/cache"
wait_ready "$T/open" '^PID'
in_cgroup cat "$T/in-$$" >/dev/null
cat "$T/out-$$" >/dev/null
check "opensnoop --cgroupmap: an open in the cgroup is shown" wait_for "$T/open" " $T/in-$$\$" 10
check "opensnoop --cgroupmap: SIGINT exit 0" stop_tool INT
check "opensnoop --cgroupmap: an open elsewhere is not" bash -c "! grep -q 'out-$$' '$T/open'"

start_tool execsnoop "$T/exec" --cgroupmap "$bpffs/cgroups" --cache-dir "$T/cache"
wait_ready "$T/exec" '^PCOMM'
in_cgroup /bin/true inside-$$
/bin/true outside-$$
check "execsnoop --cgroupmap: an exec in the cgroup is shown" wait_for "$T/exec" " inside-$$\$" 10
check "execsnoop --cgroupmap: SIGINT exit 0" stop_tool INT
check "execsnoop --cgroupmap: an exec elsewhere is not" bash -c "! grep -q 'outside-$$' '$T/exec'"

# Wrong maps and missing ones: one clear line, nothing loaded.
rc=0
"$BIN/opensnoop" --cgroupmap "$bpffs/nothing-here" >/dev/null 2>"$T/e1" || rc=$?
check "a missing pinned map: non-zero exit" test "$rc" -ne 0
check "a missing pinned map: says what to pin" grep -q "cannot open the pinned BPF map" "$T/e1"
"$TESTUTIL" pin-hash "$bpffs/small-keys" 4 8
rc=0
"$BIN/opensnoop" --cgroupmap "$bpffs/small-keys" >/dev/null 2>"$T/e2" || rc=$?
check "a map with 4-byte keys: refused" test "$rc" -ne 0
check "a map with 4-byte keys: says why" grep -q "4-byte keys" "$T/e2"

# --mntnsmap: the mount namespace is a struct read. With the running kernel's own headers
# (or kprobes) a process in a new mount namespace is traced alone; otherwise the tool
# refuses, saying why and what to do.
"$TESTUTIL" pin-hash "$bpffs/mntns" 8 4
mkfifo "$T/fifo-$$"
start_tool opensnoop "$T/mnt" --mntnsmap "$bpffs/mntns" --cache-dir "$T/cache"
if wait_ready "$T/mnt" '^PID' 2>/dev/null; then
    unshare -m sh -c 'read x <"$1"; cat "$2" >/dev/null' _ "$T/fifo-$$" "$T/in-$$" &
    upid=$!
    # The namespace exists once unshare has exec'ed sh (its mnt link differs from ours).
    for ((i = 0; i < 50; i++)); do
        [ "$(stat -L -c %i /proc/$upid/ns/mnt)" != "$(stat -L -c %i /proc/self/ns/mnt)" ] && break
        sleep 0.1
    done
    "$TESTUTIL" map-put "$bpffs/mntns" "$(stat -L -c %i /proc/$upid/ns/mnt)"
    echo go >"$T/fifo-$$"
    wait $upid
    cat "$T/out-$$" >/dev/null
    check "--mntnsmap: the new namespace's open is shown" wait_for "$T/mnt" " $T/in-$$\$" 10
    check "--mntnsmap: SIGINT exit 0" stop_tool INT
    check "--mntnsmap: others are not" bash -c "! grep -q 'out-$$' '$T/mnt'"
else
    rc=0
    wait "$TOOL_PID" || rc=$?
    TOOL_PID=
    check "--mntnsmap without exact headers: non-zero exit" test "$rc" -ne 0
    check "--mntnsmap without exact headers: says why and what to do" \
        grep -q "needs the task's mount namespace, a kernel struct read.*" "$T/mnt.err"
    check "--mntnsmap without exact headers: names the fix" grep -q "linux-headers" "$T/mnt.err"
fi
finish
