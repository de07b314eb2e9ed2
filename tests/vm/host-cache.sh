#!/bin/bash
# host-cache.sh BIN PROFILES_DIR HOST_CACHE EXPORT_FILE
#
# The host step of the guest tool suites (vm-test.sh --before, which exports KSCOPE_VM_KVER
# and KSCOPE_VM_KBUILD): compile every tool for the guest kernel HERE, where clang is ~20x
# faster than under TCG, and hand the guest one file to import.
#   1. the guest kernel's profile: PROFILES_DIR/<ABI>.kprofile, captured once by a short
#      guest boot (kscope-doctor --save-profile) and kept for later runs;
#   2. kscope-cache build --target it, with the guest's headers (installed on this host);
#      HOST_CACHE is kept too, so a rerun only checks that everything is there;
#   3. kscope-cache export to EXPORT_FILE (in a directory the guest sees).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$1 PROFILES=$2 HCACHE=$3 OUT=$4
: "${KSCOPE_VM_KVER:?run by vm-test.sh --before}" "${KSCOPE_VM_KBUILD:?run by vm-test.sh --before}"
mkdir -p "$PROFILES" "$HCACHE"
chmod 700 "$HCACHE"
P=$PROFILES/$KSCOPE_VM_KVER.kprofile
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'; }
t0=$(date +%s.%N)
# A profile of another format version (an older kscope's: version 1 did not record uprobe
# support) is captured again: this kscope refuses it, or would build from stale facts.
want=$(sed -n 's/^#define KS_PROFILE_VERSION \([0-9]*\).*/\1/p' "$HERE/../../common/ks_profile.h")
if [ -s "$P" ] && [ "$(tar -xJOf "$P" ./kscope-profile 2>/dev/null | head -n1)" != "kscope-profile $want" ]; then
  echo "host-cache: $P is not a version $want profile: capturing it again" >&2
  rm -f "$P"
fi
if [ ! -s "$P" ]; then
  rm -f "$P.tmp"
  # (with the harness's scratch disk, vda: biolatency -d vda is built for it below)
  KSCOPE_VM_RW_DIRS=$PROFILES KSCOPE_VM_NOBTF=0 KSCOPE_VM_TIMEOUT=300 \
    "$HERE/run-in-guest.sh" "$KSCOPE_VM_KVER" "$BIN/kscope-doctor" --save-profile "$P.tmp" >&2
  mv "$P.tmp" "$P"
  rm -rf "$HCACHE" && mkdir -m 700 "$HCACHE"   # programs for an earlier profile: never loaded
  echo "host-cache: captured the profile of $KSCOPE_VM_KVER in a guest boot ($(since "$t0"))" >&2
fi
t1=$(date +%s.%N)
# KSCOPE_GUEST_TOOLS="a,b": only those tools (with KSCOPE_GUEST_ONLY, a quicker run).
if [ -n "${KSCOPE_GUEST_TOOLS:-}" ]; then
  "$BIN/kscope-cache" build --target "$P" --kernel-headers "$KSCOPE_VM_KBUILD" --cache-dir "$HCACHE" \
    --tools "$KSCOPE_GUEST_TOOLS" >&2
  "$BIN/kscope-cache" export "$OUT" --cache-dir "$HCACHE" >&2
  exit 0
fi
# KSCOPE_GUEST_BASE_TOOLS="a,b": the guest runs only the base suite (tests/vm/CMakeLists.txt).
# Every tool otherwise: each tools/*.c but kscope-* is a tool in BIN (CMakeLists.txt).
if [ -n "${KSCOPE_GUEST_BASE_TOOLS:-}" ]; then
  tools=$(tr ',' '\n' <<<"$KSCOPE_GUEST_BASE_TOOLS")
else
  tools=$(for f in "$HERE"/../../tools/*.c; do
    n=${f##*/} && n=${n%.c} && [[ $n == kscope-* ]] || echo "$n"; done)
fi
# Two builds at once, 4 tools per kscope-cache run (each run unpacks the profile, ~1 s):
# the compiles are single-threaded and the vm tests hold both host cores (PROCESSORS 2).
# 6.1, every tool (230 programs): 158 s one at a time, 112 s so (2026-11-30, another job
# beside it). Entries are written by rename: two builds share the cache safely.
# shellcheck disable=SC2016 # expanded by the inner shell
xargs -P "${KSCOPE_VM_HOST_JOBS:-2}" -n 4 bash -c '
  IFS=,; "$0" build --target "$1" --kernel-headers "$2" --cache-dir "$3" --tools "${*:4}" >&2' \
  "$BIN/kscope-cache" "$P" "$KSCOPE_VM_KBUILD" "$HCACHE" <<<"$tools"
# Option sets the guest suite uses beyond common/ks_optsets.c (each tool takes --target).
"$BIN/opensnoop" --target "$P" --kernel-headers "$KSCOPE_VM_KBUILD" --cache-dir "$HCACHE" \
  --probe=kprobe --mntnsmap /sys/fs/bpf/kscope-guest >&2
"$BIN/biolatency" --target "$P" --kernel-headers "$KSCOPE_VM_KBUILD" --cache-dir "$HCACHE" \
  --probe=kprobe -e -d vda >&2
rm -f "$OUT"
"$BIN/kscope-cache" export "$OUT" --cache-dir "$HCACHE" >&2
echo "host-cache: programs for $KSCOPE_VM_KVER built and exported on the host in $(since "$t1")" >&2
