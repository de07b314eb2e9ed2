#!/usr/bin/env bash
# tests/container/run.sh - the container image (issue 5), end to end.
#
# Builds the image from docker/Dockerfile, unchanged, with rootful podman, and runs tools
# in it with the flags people remember from zlim/bcc (--privileged plus the host's
# /lib/modules, /usr/src and /etc/localtime), while this script makes a workload on the
# host whose events must show up in the tool's output:
#   1. podman: image layout (working directory, PATH, tools directory) and the
#      entrypoint's tracefs/debugfs mounts
#   2. podman: execsnoop one-shot with --pid=host; exec of a marker command on the host;
#      its PCOMM, PID, PPID and ARGS must match; stopped with SIGINT, must exit 0
#   3. podman: opensnoop one-shot; the host opens a unique path; stopped with SIGTERM
#   4. podman: no header mounts; the tool's error must name the host package and mounts
#   5. docker CLI against podman's Docker-compatible socket: the exact `docker run -it`
#      line of docs/container.md, the greeting, execsnoop at the shell prompt, Ctrl-C,
#      biolatency 1 1, kscope-doctor (once the image has it), exit
#
# Exit codes: 0 pass, 1 fail, 77 skip (a prerequisite is missing: not root, podman cannot
# be set up, ...). With CI=true a missing prerequisite is a failure instead of a skip.
#
# Environment (all optional):
#   KSCOPE_OCI_WORK   work dir with caches: base rootfs tarball, podman store (/var/tmp/kscope-oci)
#   KSCOPE_OCI_CLEAN  1: remove the podman store and the tarball first (a cold run)
#   KSCOPE_SRC        the repository to build (default: the one holding this script)
#   KSCOPE_DOCKER_CLI debian: use the client from Debian's docker.io package even when a
#                     docker client is on the PATH (default: the PATH's, else Debian's)
#
# Machine facts this relies on (Debian 12 host, no Docker engine, no registry):
#   - runc, not crun: crun refuses this host's hybrid cgroup layout;
#   - podman's default rlimits (1048576) exceed what this sandbox may set: containers.conf
#     lowers them to the current hard limits;
#   - no registry: the base image is made with mmdebstrap and tagged
#     docker.io/library/debian:bookworm, so the unmodified `FROM debian:bookworm` resolves
#     locally; `podman build --pull=never --network host`.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${KSCOPE_SRC:-$(cd "$HERE/../.." && pwd)}
WORK=${KSCOPE_OCI_WORK:-/var/tmp/kscope-oci}
SUITE=bookworm
BASE=docker.io/library/debian:$SUITE
# The name docs/container.md uses, so that the docker CLI step runs the documented line.
IMAGE=kscope
# How long a tool may take to print its header (compiling with clang included), and how
# long an event may take to appear once the workload ran. Bounds, not sleeps.
READY_TIMEOUT=180
EVENT_TIMEOUT=30
# The zlim/bcc flags, exactly as documented.
ZLIM=(--privileged -v /lib/modules:/lib/modules:ro -v /usr/src:/usr/src:ro
      -v /etc/localtime:/etc/localtime:ro)

T0=$(date +%s)
log() { printf '=== [%s +%ss] %s\n' "$(date +%T)" "$(($(date +%s) - T0))" "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }
# A prerequisite (not the product) is missing: skip, except in CI where it must work.
prereq() {
    if [ "${CI:-}" = true ]; then printf 'FAIL (CI=true, prerequisite): %s\n' "$*"; exit 1; fi
    printf 'SKIP: %s\n' "$*"
    exit 77
}
# clean FILE: the output as text lines, without a terminal's carriage returns and the
# escape sequences bash's readline sends (bracketed paste on/off around each prompt).
clean() { tr -d '\r' <"$1" 2>/dev/null | sed -E 's/\x1b\[[0-9;?]*[A-Za-z]//g'; }
show() { # show FILE: the tail of a log for a failure message
    printf -- '--- %s (last 40 lines) ---\n' "$1"
    clean "$1" | tail -n 40 || true
    printf -- '---\n'
}

[ "$(id -u)" = 0 ] || prereq "needs root (rootful podman, mounting tracefs, loading BPF)"
[ -d /sys/kernel/tracing ] || [ -d /sys/kernel/debug ] ||
    prereq "this kernel has no tracefs/debugfs: the tools cannot run here at all"
[ -f "$SRC/docker/Dockerfile" ] || fail "no $SRC/docker/Dockerfile"
command -v apt-get >/dev/null || prereq "no apt-get: this test installs podman from Debian"

mkdir -p "$WORK"
# One run at a time: the podman store, the socket and the caches are shared.
exec 9>"$WORK/lock"
flock -w 900 9 || prereq "another run holds $WORK/lock"

TMP=$(mktemp -d /tmp/kscope-ctr.XXXXXX)
SVC_PID=
SCRIPT_PID=
cleanup() {
    local rc=$?
    { exec 3>&-; } 2>/dev/null || true
    [ -z "$SCRIPT_PID" ] || kill "$SCRIPT_PID" 2>/dev/null || true
    # Every container in the private store is this run's (the lock keeps others out),
    # including the docker session's, which has no name of ours: stop and remove them all.
    if declare -F pm >/dev/null; then pm rm -af -t 2 >/dev/null 2>&1 || true; fi
    if [ -n "$SVC_PID" ]; then kill "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
    # Keep a failed run's outputs (the tools' full output, the docker session) for a look.
    if [ "$rc" = 1 ]; then
        { rm -rf "$WORK/last-failure" && cp -r "$TMP" "$WORK/last-failure" &&
            echo "outputs of this run: $WORK/last-failure"; } || true
    fi
    rm -rf "$TMP"
    log "done, exit $rc"
}
trap cleanup EXIT
# Interrupted (Ctrl-C, a test timeout's SIGTERM): still clean up, through the EXIT trap.
trap 'exit 1' INT TERM HUP

# ---------------------------------------------------------------------------------------
# Setup: packages, podman configuration, base image (cached), the image itself.
# ---------------------------------------------------------------------------------------
apt_install() {
    # Another apt (e.g. a parallel install) may hold the lock for a while: wait for it.
    local apt=(apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends)
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" "$@" >>"$WORK/apt.log" 2>&1 && return 0
    # A fresh machine's package lists may be missing or stale.
    apt-get -o DPkg::Lock::Timeout=300 update >>"$WORK/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" "$@" >>"$WORK/apt.log" 2>&1
}

log "packages"
need=()
for p in podman runc mmdebstrap containernetworking-plugins iptables; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt_install "${need[@]}" || { show "$WORK/apt.log"; prereq "cannot install ${need[*]}"; }
fi

# containers.conf: podman's default ulimits cannot be set in this sandbox; runc because
# crun refuses the hybrid cgroup layout; cgroupfs/file because there is no systemd here.
# A private store and run state, so nothing here touches (or depends on) the machine's
# own podman: RUNROOT holds what must not outlive a boot (mount counts, locks, libpod's
# tmp dir); /run is not a tmpfs on every machine, so a new boot id clears it below.
RUNROOT=/run/kscope-oci
hn=$(ulimit -Hn); [ "$hn" = unlimited ] && hn=1048576; [ "$hn" -gt 1048576 ] && hn=1048576
hu=$(ulimit -Hu); [ "$hu" = unlimited ] && hu=32768; [ "$hu" -gt 32768 ] && hu=32768
cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$hn:$hn", "nproc=$hu:$hu"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$RUNROOT/libpod"
EOF
export CONTAINERS_CONF=$WORK/containers.conf
STORE=(--root "$WORK/storage" --runroot "$RUNROOT/storage" --storage-driver overlay)
# 9>&-: podman leaves conmon and the service running; they must not inherit the lock.
pm() { podman "${STORE[@]}" "$@" 9>&-; }

boot=$(cat /proc/sys/kernel/random/boot_id)
if [ "$(cat "$WORK/boot_id" 2>/dev/null)" != "$boot" ]; then
    rm -rf "$RUNROOT"
    echo "$boot" >"$WORK/boot_id"
fi
if [ "${KSCOPE_OCI_CLEAN:-0}" = 1 ]; then
    log "clean: removing the podman store and the base tarball"
    pm rm -af >/dev/null 2>&1 || true
    pm rmi -af >/dev/null 2>&1 || true
    rm -rf "$WORK/storage" "$RUNROOT" "$WORK/rootfs-$SUITE.tar"
fi

if ! pm info >"$WORK/podman-info.log" 2>&1 && grep -q 'database configuration mismatch' "$WORK/podman-info.log"; then
    # A store made with other paths (an older version of this script): start it anew;
    # the base tarball is kept, so this costs one import and one build.
    log "podman store made with other settings: recreating it"
    rm -rf "$WORK/storage" "$RUNROOT"
fi
pm info >"$WORK/podman-info.log" 2>&1 || { show "$WORK/podman-info.log"; prereq "podman does not work here"; }
# A run killed outright (SIGKILL) had no cleanup: its containers would still be tracing.
pm rm -af -t 2 >/dev/null 2>&1 || true

# Base image: no registry is reachable, so debian:bookworm is made from Debian's archive.
# Cached twice: the image in the store, and the rootfs tarball it was imported from.
if ! pm image exists "$BASE"; then
    tar=$WORK/rootfs-$SUITE.tar
    if [ ! -s "$tar" ]; then
        log "base image: mmdebstrap $SUITE"
        # The mirror this machine's apt uses (deb822 sources first, then the classic list).
        mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
        [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
        [ -n "$mirror" ] || prereq "no Debian mirror found in this machine's apt sources"
        # minbase, merged /usr by symlinks (as debootstrap and Docker Hub's image do it,
        # rather than through the usrmerge package, which brings perl), no docs.
        mmdebstrap --mode=root --variant=minbase --format=tar \
            --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
            --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
            --dpkgopt='path-include=/usr/share/locale/locale.alias' \
            --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
            "$SUITE" "$tar.part" "deb $mirror $SUITE main" "deb $mirror $SUITE-updates main" \
            "deb ${mirror%/debian}/debian-security $SUITE-security main" >"$WORK/mmdebstrap.log" 2>&1 ||
            { show "$WORK/mmdebstrap.log"; rm -f "$tar.part"; prereq "mmdebstrap failed"; }
        mv "$tar.part" "$tar"
    fi
    log "base image: import $tar as $BASE"
    pm import --change 'CMD ["/bin/bash"]' "$tar" "$BASE" >"$WORK/import.log" 2>&1 ||
        { show "$WORK/import.log"; prereq "podman import failed"; }
fi

# Earlier builds leave untagged images behind (the previous image, build-stage results):
# drop those older than a day so the store does not grow without bound. Fresh ones stay,
# and layers that later builds use are never dangling, so the build cache survives.
pm image prune -f --filter until=24h >/dev/null 2>&1 || true

log "build $IMAGE from docker/Dockerfile"
t=$(date +%s)
pm build --pull=never --network host -f "$SRC/docker/Dockerfile" -t "$IMAGE" "$SRC" \
    >"$WORK/build.log" 2>&1 || { show "$WORK/build.log"; fail "podman build failed (log: $WORK/build.log)"; }
BUILD_S=$(($(date +%s) - t))
SIZE_MB=$(pm image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d", $1/1e6}')
log "built in ${BUILD_S}s, image size ${SIZE_MB} MB"

# ---------------------------------------------------------------------------------------
# Helpers for the runs.
# ---------------------------------------------------------------------------------------
# wait_for FILE TIMEOUT PID AWK-CONDITION: poll until a line of FILE satisfies the
# condition; give up at the timeout or when PID (the tool's runner) has exited.
wait_for() {
    local file=$1 pid=$3 cond=$4 end=$(($(date +%s) + $2))
    while [ "$(date +%s)" -lt "$end" ]; do
        clean "$file" | awk "$cond {found=1} END {exit !found}" && return 0
        kill -0 "$pid" 2>/dev/null || { clean "$file" | awk "$cond {found=1} END {exit !found}"; return; }
        sleep 0.2
    done
    return 1
}
# Workloads: copies of coreutils programs under names that nothing else on the machine
# uses. A comm is at most 15 characters, so the name is kept that short to appear whole.
cp /bin/true "$TMP/kscope-x$$"
cp /bin/cat "$TMP/kscope-o$$"
XNAME=kscope-x$$
ONAME=kscope-o$$
TOKEN=tok-$$-$RANDOM$RANDOM

# run_marker: exec the marker on the host; sets MPID (its PID, which the exec keeps).
run_marker() {
    "$TMP/$XNAME" "$TOKEN" &
    MPID=$!
    wait "$MPID"
}
# awk condition for execsnoop's line of our marker (PCOMM PID PPID RET ARGS).
marker_line() { # marker_line [PID PPID]
    local c="\$1 == \"$XNAME\" && index(\$0, \"$TOKEN\")"
    [ $# -eq 0 ] || c="$c && \$2 == \"$1\" && \$3 == \"$2\""
    printf '%s' "$c"
}

# ---------------------------------------------------------------------------------------
# 1. Layout: working directory, PATH, the tools.
# ---------------------------------------------------------------------------------------
log "1. podman: layout, and the entrypoint's mounts"
# With the documented flags and before any tool ran: the entrypoint alone must have
# mounted tracefs (and debugfs, where the kernel has it). The tools can mount tracefs
# themselves, so the later steps would not notice a broken entrypoint.
# shellcheck disable=SC2016 # expanded by the container's bash
layout='pwd
for t in *; do if [ -x "$t" ]; then echo "tool $t $(command -v "$t")"; fi; done
mountpoint -q /sys/kernel/tracing && echo "mounted tracefs"
if [ ! -d /sys/kernel/debug ] || mountpoint -q /sys/kernel/debug; then echo "mounted debugfs"; fi
true'
pm run --rm "${ZLIM[@]}" "$IMAGE" bash -c "$layout" >"$TMP/layout.out" 2>"$TMP/layout.err" ||
    { show "$TMP/layout.err"; fail "layout run failed"; }
cat "$TMP/layout.out"
[ "$(head -n1 "$TMP/layout.out")" = /usr/local/share/kscope/tools ] ||
    fail "working directory is not the tools directory"
mapfile -t TOOLS < <(awk '$1 == "tool" {print $2}' "$TMP/layout.out")
for t in execsnoop opensnoop biolatency; do
    grep -qx "tool $t /.*" "$TMP/layout.out" || fail "$t is not in the tools directory or not on the PATH"
done
for fs in tracefs debugfs; do
    grep -qx "mounted $fs" "$TMP/layout.out" || { show "$TMP/layout.err"; fail "the entrypoint did not mount $fs"; }
done

# ---------------------------------------------------------------------------------------
# 2. execsnoop one-shot, --pid=host: the marker's PID and PPID are the host's.
# ---------------------------------------------------------------------------------------
log "2. podman: execsnoop (zlim flags + --pid=host), exec on the host"
name=kscope-ctr-$$-exec
out=$TMP/execsnoop.out
timeout -k 10 $((READY_TIMEOUT + 120)) \
    podman "${STORE[@]}" run --rm --name "$name" "${ZLIM[@]}" --pid=host "$IMAGE" execsnoop \
    >"$out" 2>&1 9>&- &
run=$!
wait_for "$out" "$READY_TIMEOUT" "$run" '/^PCOMM/' || { show "$out"; fail "execsnoop: no header line"; }
run_marker
wait_for "$out" "$EVENT_TIMEOUT" "$run" "$(marker_line)" ||
    { show "$out"; fail "execsnoop: no event for $XNAME $TOKEN"; }
clean "$out" | awk "$(marker_line "$MPID" $$)" | grep -q . ||
    { show "$out"; fail "execsnoop: $XNAME shown without PID $MPID / PPID $$ (--pid=host)"; }
clean "$out" | awk "$(marker_line)"
pm kill --signal INT "$name" >/dev/null
rc=0; wait "$run" || rc=$?
[ "$rc" = 0 ] || { show "$out"; fail "execsnoop: exit status $rc after SIGINT (want 0)"; }

# ---------------------------------------------------------------------------------------
# 3. opensnoop one-shot: the host opens a unique path.
# ---------------------------------------------------------------------------------------
log "3. podman: opensnoop (zlim flags), open on the host"
name=kscope-ctr-$$-open
out=$TMP/opensnoop.out
path=$TMP/open-$TOKEN.txt
echo kscope >"$path"
timeout -k 10 $((READY_TIMEOUT + 120)) \
    podman "${STORE[@]}" run --rm --name "$name" "${ZLIM[@]}" "$IMAGE" opensnoop >"$out" 2>&1 9>&- &
run=$!
wait_for "$out" "$READY_TIMEOUT" "$run" '/PID/ && /PATH/' || { show "$out"; fail "opensnoop: no header line"; }
"$TMP/$ONAME" "$path" >/dev/null
# PID COMM FD ERR PATH: our program, a file descriptor, no error, exactly our path.
cond="\$2 == \"$ONAME\" && \$3 >= 0 && \$4 == 0 && \$NF == \"$path\""
wait_for "$out" "$EVENT_TIMEOUT" "$run" "$cond" || { show "$out"; fail "opensnoop: no event for $path"; }
clean "$out" | awk "$cond"
pm kill --signal TERM "$name" >/dev/null
rc=0; wait "$run" || rc=$?
[ "$rc" = 0 ] || { show "$out"; fail "opensnoop: exit status $rc after SIGTERM (want 0)"; }

# ---------------------------------------------------------------------------------------
# 4. Without the header mounts: the error must say what to install and what to mount.
# ---------------------------------------------------------------------------------------
log "4. podman: no /lib/modules, /usr/src mounts"
out=$TMP/noheaders.out
rc=0
timeout -k 10 "$READY_TIMEOUT" podman "${STORE[@]}" run --rm --privileged "$IMAGE" execsnoop -d 1 \
    >"$out" 2>&1 9>&- || rc=$?
if [ "$rc" = 0 ]; then
    # The kernel brought its own headers (CONFIG_IKHEADERS): nothing to explain then.
    log "execsnoop ran without header mounts (the kernel provides headers): not checked"
else
    for want in "linux-headers-$(uname -r)" /lib/modules /usr/src; do
        grep -qF -- "$want" "$out" || { show "$out"; fail "no-headers error does not mention $want"; }
    done
    sed -n '1,8p' "$out"
fi

# ---------------------------------------------------------------------------------------
# 5. The documented `docker run -it` line, through the docker CLI and podman's socket.
# ---------------------------------------------------------------------------------------
log "5. docker CLI: the documented docker run -it line"
# A real Docker client: the one on the PATH unless it is podman-docker's shim; else the
# client binary out of Debian's docker.io package. Debian has no client-only package
# (docker.io also holds the engine), so the .deb is unpacked, not installed: no engine.
# KSCOPE_DOCKER_CLI=debian takes Debian's client even when another one is on the PATH.
DOCKER=
[ "${KSCOPE_DOCKER_CLI:-}" = debian ] || DOCKER=$(command -v docker || true)
if [ -z "$DOCKER" ] || ! "$DOCKER" --version 2>/dev/null | grep -q '^Docker version'; then
    DOCKER=$WORK/docker-cli/usr/bin/docker
    if [ ! -x "$DOCKER" ]; then
        mkdir -p "$WORK/deb"
        deb() { (cd "$WORK/deb" && apt-get download docker.io >>"$WORK/apt.log" 2>&1); }
        deb || { apt-get update >>"$WORK/apt.log" 2>&1 || true; deb; } ||
            { show "$WORK/apt.log"; prereq "cannot download Debian's docker.io for its client"; }
        debs=("$WORK"/deb/docker.io_*.deb)
        dpkg-deb -x "${debs[-1]}" "$WORK/docker-cli"
    fi
fi
log "docker client: $DOCKER ($("$DOCKER" --version))"

sock=$WORK/podman.sock
rm -f "$sock"
podman "${STORE[@]}" system service --time=0 "unix://$sock" >"$WORK/podman-service.log" 2>&1 9>&- &
SVC_PID=$!
export DOCKER_HOST=unix://$sock DOCKER_CONFIG=$WORK/docker-config
end=$(($(date +%s) + 30))
until "$DOCKER" version >"$TMP/docker-version.out" 2>&1; do
    if [ "$(date +%s)" -ge "$end" ] || ! kill -0 "$SVC_PID" 2>/dev/null; then
        show "$WORK/podman-service.log"; show "$TMP/docker-version.out"
        fail "podman's Docker API socket does not answer"
    fi
    sleep 0.2
done

# `-it` needs a terminal: script(1) gives the docker client a pty; we type into a fifo.
out=$TMP/docker.out
mkfifo "$TMP/keys"
DOCKER_LINE="$DOCKER run -it --rm --privileged -v /lib/modules:/lib/modules:ro -v /usr/src:/usr/src:ro -v /etc/localtime:/etc/localtime:ro $IMAGE"
timeout -k 10 600 script -qfec "$DOCKER_LINE" /dev/null <"$TMP/keys" >"$out" 2>&1 9>&- &
SCRIPT_PID=$!
exec 3>"$TMP/keys"
type_line() { printf '%s\r' "$1" >&3; }

wait_for "$out" 60 "$SCRIPT_PID" '/kscope-doctor/' || { show "$out"; fail "docker run: no greeting"; }
# The greeting's tool list (between its title and its "Try:" line) names every tool.
clean "$out" | awk '/^kscope: Linux kernel tracing tools/ {f = 1; next} /^Try:/ {f = 0} f' >"$TMP/listed"
for t in "${TOOLS[@]}"; do
    grep -qw -- "$t" "$TMP/listed" || { show "$out"; fail "greeting does not list $t"; }
done
wait_for "$out" 30 "$SCRIPT_PID" '/kscope:[^ ]*[#$] *$/' || { show "$out"; fail "docker run: no shell prompt"; }
clean "$out" | sed 's/^/  | /' # the greeting, as a person sees it
echo

type_line execsnoop
wait_for "$out" "$READY_TIMEOUT" "$SCRIPT_PID" '/^PCOMM/' || { show "$out"; fail "docker: execsnoop: no header line"; }
run_marker
wait_for "$out" "$EVENT_TIMEOUT" "$SCRIPT_PID" "$(marker_line)" ||
    { show "$out"; fail "docker: execsnoop: no event for $XNAME $TOKEN"; }
clean "$out" | awk "$(marker_line)"
printf '\003' >&3 # Ctrl-C, as a person stops it
type_line 'echo "EXEC-RC:$?"'
wait_for "$out" 30 "$SCRIPT_PID" '/^EXEC-RC:/' || { show "$out"; fail "docker: execsnoop did not stop on Ctrl-C"; }
clean "$out" | grep -qx 'EXEC-RC:0' || { show "$out"; fail "docker: execsnoop exit status after Ctrl-C is not 0"; }

type_line 'biolatency 1 1; echo "BIO-RC:$?"'
wait_for "$out" "$READY_TIMEOUT" "$SCRIPT_PID" '/^BIO-RC:/' || { show "$out"; fail "docker: biolatency 1 1 did not finish"; }
clean "$out" | grep -qx 'BIO-RC:0' || { show "$out"; fail "docker: biolatency 1 1 failed"; }

# The doctor, which the greeting points at, where the image has one: with the documented
# flags it must find nothing failing (warnings, e.g. about header versions, are fine).
if printf '%s\n' "${TOOLS[@]}" | grep -qx kscope-doctor; then
    type_line 'kscope-doctor; echo "DOC-RC:$?"'
    wait_for "$out" "$READY_TIMEOUT" "$SCRIPT_PID" '/^DOC-RC:/' || { show "$out"; fail "docker: kscope-doctor did not finish"; }
    clean "$out" | grep -qx 'DOC-RC:0' || { show "$out"; fail "docker: kscope-doctor reports failures"; }
fi

type_line exit
exec 3>&-
rc=0; wait "$SCRIPT_PID" || rc=$?
SCRIPT_PID=
[ "$rc" = 0 ] || { show "$out"; fail "docker run: exit status $rc"; }
"$DOCKER" image inspect "$IMAGE" >/dev/null || fail "docker CLI does not see $IMAGE"

log "PASS: image ${SIZE_MB} MB, build ${BUILD_S}s, whole test $(($(date +%s) - T0))s"
