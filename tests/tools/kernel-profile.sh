#!/usr/bin/env bash
# Kernel profiles, --target and kscope-cache, on this host:
#   - kscope-doctor --save-profile writes a versioned tar.xz of text files, a few MB at most;
#   - kscope-cache build --target compiles for the profile's kernel, under the key that
#     kernel computes for itself: a run of the same kernel with no headers and no libbcc
#     compiler (both hidden in a private mount namespace) loads it and traces;
#   - export/import/list; a tampered import is refused; doctor shows the cached programs;
#   - bad profiles (another architecture, truncated, tampered, unknown version) and headers
#     of another release: one clear error each, and nothing stored in the cache.
. "$(dirname "$0")/lib.sh"
command -v unshare >/dev/null || prereq "unshare (util-linux) is needed"

C="$T/cache"
REL=$(uname -r)
P="$T/host.kprofile"

# ---- the profile --------------------------------------------------------------------
check "doctor --save-profile succeeds" bash -c "'$BIN/kscope-doctor' --save-profile '$P' >'$T/save.out' 2>&1"
check "the profile is a tar.xz" bash -c "tar -tJf '$P' >'$T/list'"
check "with a version field" bash -c "tar -xJOf '$P' ./kscope-profile | grep -qx 'kscope-profile 3'"
check "with uname, /proc/version, kallsyms, BPF features and checksums" bash -c "
    for f in ./proc/version ./proc/kallsyms ./kscope-features ./config ./SHA256SUMS; do
        grep -qx \"\$f\" '$T/list' || exit 1; done"
check "with every tracepoint's format file" test \
    "$(grep -c '/format$' "$T/list")" -eq "$(find /sys/kernel/tracing/events -mindepth 3 -name format | wc -l)"
# This kernel has uprobes: the profile must say so, or builds for it skip the uprobe tools.
check "with this kernel's uprobe support (the uprobe PMU)" grep -qx './sys/bus/event_source/devices/uprobe/type' "$T/list"
check "doctor says the kernel has uprobes" grep -qx "uprobes: yes" "$T/save.out"
check "a few MB at most" test "$(stat -c %s "$P")" -lt $((8 * 1024 * 1024))
check "doctor says what was saved" grep -q "tracepoint formats:" "$T/save.out"

# A header tree that says it is for this kernel: a copy of an installed one with its
# utsrelease.h rewritten (the host has no headers package for its own kernel).
src=""
for d in /lib/modules/*/build; do
    [ -f "$d/include/generated/utsrelease.h" ] && { src=$(readlink -f "$d"); break; }
done
[ -n "$src" ] || prereq "no kernel header tree under /lib/modules/*/build"
H="$T/headers"
cp -r "$src" "$H"
echo "#define UTS_RELEASE \"$REL\"" >"$H/include/generated/utsrelease.h"

# ---- build for the profile, then run with no headers and no compiler ------------------
# The base tools only: every tool's option sets are compiled for the guest kernels by the
# vm tests, and here the whole set would cost minutes under the sanitizer build.
check "kscope-cache build --target compiles the tools named" bash -c \
    "'$BIN/kscope-cache' build --target '$P' --kernel-headers '$H' --cache-dir '$C' \
        --tools execsnoop,opensnoop,biolatency,syscount,threadsnoop >'$T/build.out' 2>&1"
check "build reports compiled programs" grep -qE "^kscope-cache: [1-9][0-9]* programs for $REL" "$T/build.out"
check "build says why kprobe mode does not apply here" grep -q "not applicable: .*kprobe" "$T/build.out"
check "build compiles the uprobe tool too (the profile has uprobes)" bash -c \
    "grep -qE '^ +threadsnoop .*--probe=auto +compiled\$' '$T/build.out'"
check "build stored entries with a kernel note" bash -c "ls '$C'/*.kso >/dev/null && ls '$C'/*.kernel >/dev/null"
check "a second build finds everything cached" bash -c \
    "'$BIN/kscope-cache' build --target '$P' --kernel-headers '$H' --cache-dir '$C' --tools execsnoop | grep -qE '\(0 compiled, [1-9][0-9]* already cached\)'"
check "list names the kernel and the tools" bash -c \
    "'$BIN/kscope-cache' list --cache-dir '$C' | tee '$T/list.out' | grep -q '^kernel $REL (this kernel)' && grep -q '  execsnoop ' '$T/list.out'"

marker="ksp$$"
cp /bin/true "$T/$marker"
# In a private mount namespace: no kernel headers anywhere, libbcc's compiler gone.
bare() {  # exec: the tool's pid is the background job's (for stop_tool)
    exec unshare -m bash -c '
        for d in /lib/modules /usr/src; do mount -t tmpfs none "$d"; done
        for l in /usr/lib/*/libbcc.so.0 /usr/lib/*/libbcc.so.0.*; do [ -e "$l" ] && mount --bind /dev/null "$l"; done
        exec "$@"' bare "$@"
}
(bare "$BIN/execsnoop" -v --cache-dir "$C") >"$T/bare.out" 2>"$T/bare.err" &
TOOL_PID=$!
if wait_ready "$T/bare.out" '^PCOMM' 30; then
    "$T/$marker" bare-run &
    m=$!
    wait "$m"
    check "no headers, no compiler: the cached program traces" \
        wait_for "$T/bare.out" "^$marker +$m +$$ +0 $T/$marker bare-run\$" 10
    stop_tool INT || true
else
    fail "no headers, no compiler: execsnoop starts from the cache"
fi
check "no headers: -v says the program came from the cache, no compile" \
    grep -q "from the compile cache .*no compile" "$T/bare.err"
check "no headers: nothing compiled" bash -c "! grep -q 'program: compiled' '$T/bare.err'"

rc=0
(bare "$BIN/opensnoop" -u 4242 --cache-dir "$C") >"$T/miss.out" 2>"$T/miss.err" || rc=$?
check "a missing entry without headers fails" test "$rc" = 1
check "and says how to build and ship one" bash -c \
    "grep -q 'kscope-cache build --target $REL.kprofile --kernel-headers /lib/modules/$REL/build' '$T/miss.err' &&
     grep -q 'kscope-cache import' '$T/miss.err'"

# ---- doctor, export, import -----------------------------------------------------------
check "doctor shows the cached programs per tool" bash -c \
    "KSCOPE_CACHE_DIR='$C' '$BIN/kscope-doctor' >'$T/doc.out' 2>&1; grep -q 'cached .*compiled programs\? for this kernel' '$T/doc.out' && grep -q 'execsnoop .*present' '$T/doc.out'"
check "export writes the entries" bash -c "'$BIN/kscope-cache' export '$T/progs.tar.xz' --cache-dir '$C' | grep -q '^exported '"
check "import into an empty cache" bash -c \
    "'$BIN/kscope-cache' import '$T/progs.tar.xz' --cache-dir '$T/c2' | grep -q '^imported [1-9]'"
check "imported: the same entries" bash -c \
    "diff <(cd '$C' && ls *.kso) <(cd '$T/c2' && ls *.kso)"
check "imported entries are ours, mode 0600" bash -c \
    "! find '$T/c2' -name '*.kso' ! -perm 600 | grep -q ."
mkdir "$T/x" && tar -xJf "$T/progs.tar.xz" -C "$T/x"
x=("$T/x"/*.kso) # (not ls | head: with many entries ls dies of SIGPIPE under pipefail)
e=${x[0]}
printf '\xff' | dd of="$e" bs=1 seek=100 conv=notrunc status=none
tar -cJf "$T/bad.tar.xz" -C "$T/x" .
rc=0
"$BIN/kscope-cache" import "$T/bad.tar.xz" --cache-dir "$T/c3" >"$T/imp.out" 2>"$T/imp.err" || rc=$?
check "a tampered import fails" test "$rc" = 1
check "and names the rejected entry" grep -q "rejected $(basename "$e")" "$T/imp.out"
check "the tampered entry is not in the cache" test ! -e "$T/c3/$(basename "$e")"
head -c 2000 "$T/progs.tar.xz" >"$T/trunc.tar.xz"
rc=0
"$BIN/kscope-cache" import "$T/trunc.tar.xz" --cache-dir "$T/c4" >/dev/null 2>"$T/imp2.err" || rc=$?
check "a truncated export is refused" bash -c "[ $rc = 1 ] && grep -q 'cannot be unpacked' '$T/imp2.err'"

# ---- bad input: one clear error, nothing compiled into the cache ----------------------
repack() {  # repack NAME SED-EXPR [FILE-TO-CHANGE]: a changed copy of the profile
    local d="$T/p-$1"
    mkdir -p "$d" && tar -xJf "$P" -C "$d"
    sed -i "$2" "$d/${3:-kscope-profile}"
    if [ -z "${3:-}" ]; then  # a consistent profile (checksums redone): only the field differs
        (cd "$d" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort |
            xargs sha256sum >SHA256SUMS)
    fi
    tar -cJf "$T/$1.kprofile" -C "$d" .
}
repack arch 's/^machine .*/machine aarch64/'
repack version 's/^kscope-profile 3$/kscope-profile 99/'
repack tampered 's/field/fieId/' sys/kernel/tracing/events/syscalls/sys_enter_openat/format
head -c 50000 "$P" >"$T/truncated.kprofile"
expect_bad() {  # expect_bad NAME REGEX ARGS...
    local name=$1 re=$2 rc=0; shift 2
    local before; before=$(ls "$C"/*.kso | wc -l)
    "$BIN/execsnoop" --target "$@" --cache-dir "$C" >"$T/bad-$name.out" 2>"$T/bad-$name.err" || rc=$?
    check "$name: fails" test "$rc" = 1
    check "$name: says what does not match" grep -qE "$re" "$T/bad-$name.err"
    check "$name: one error line" test "$(wc -l <"$T/bad-$name.err")" = 1
    check "$name: nothing stored" test "$(ls "$C"/*.kso | wc -l)" = "$before"
}
expect_bad arch "is for machine aarch64 .* but this machine is $(uname -m)" "$T/arch.kprofile" --kernel-headers "$H"
expect_bad version "has version 99; this kscope .* reads version 3" "$T/version.kprofile" --kernel-headers "$H"
expect_bad tampered "damaged or was changed: .*sys_enter_openat/format" "$T/tampered.kprofile" --kernel-headers "$H"
expect_bad truncated "cannot be unpacked \(truncated" "$T/truncated.kprofile" --kernel-headers "$H"
expect_bad headers "headers in .* are for [^ ]+, but the profile .* is for $REL" "$P" --kernel-headers "$src"
rc=0
"$BIN/kscope-cache" build --target "$T/arch.kprofile" --cache-dir "$C" >/dev/null 2>"$T/kc-arch.err" || rc=$?
check "kscope-cache build: a foreign profile is one clear error" \
    bash -c "[ $rc = 1 ] && [ \$(wc -l <'$T/kc-arch.err') = 1 ] && grep -q 'is for machine aarch64' '$T/kc-arch.err'"
rc=0
"$BIN/kscope-cache" build --target "$P" --kernel-headers "$src" --cache-dir "$T/c5" >/dev/null 2>"$T/kc-hdr.err" || rc=$?
check "kscope-cache build: headers of another release stop it with one clear error" \
    bash -c "[ $rc = 1 ] && grep -q 'headers in .* are for .*, but the profile .* is for $REL' '$T/kc-hdr.err'"
check "kscope-cache build: nothing stored under a wrong key" bash -c "! ls '$T/c5'/*.kso 2>/dev/null"
finish
