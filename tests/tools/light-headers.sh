#!/usr/bin/env bash
# Light headers (common/ks_headers.c, ks_headers_light): a program of tracepoints only
# compiles with kscope's small header tree, to the same bytes as with the kernel's headers
# (KSCOPE_LIGHT_HEADERS=check compiles with both and fails on any difference); it is the
# default; a program that includes kernel headers falls back to the kernel's, quietly;
# KSCOPE_LIGHT_HEADERS=0 uses the kernel's; the tree is removed after the compile.
. "$(dirname "$0")/lib.sh"

export TMPDIR="$T/tmp"
mkdir "$TMPDIR"

# cold OUT TOOL HEADER ARGS...: start TOOL with an empty cache, wait for its header, stop.
cold() {
    local out=$1 tool=$2 re=$3
    shift 3
    start_tool "$tool" "$out" --cache-dir "$T/cache.$(basename "$out")" "$@"
    wait_ready "$out" "$re" || return 1
    stop_tool INT
}

absent() { ! grep -q "$@"; }

SAME="compile: light headers checked: the same program as with the kernel headers"
LIGHT="compile: light headers (the program reads tracepoint fields only)"

# With the running kernel's own headers, tracepoint paths may read structs (principle 3)
# and programs include kernel headers: kscope then compiles with those alone.
"$BIN/opensnoop" --ebpf >"$T/ebpf"
if grep -q "^#define KS_EXACT_HEADERS" "$T/ebpf"; then
    prereq "the kernel's own headers are installed: light headers are not used here"
fi

export KSCOPE_LIGHT_HEADERS=check
check "opensnoop: light and kernel headers, one program" cold "$T/os" opensnoop '^PID +COMM'
check "opensnoop: the check ran and found them the same" grep -qF "$SAME" "$T/os.err"
check "opensnoop -T -U -x: the same program" cold "$T/osx" opensnoop '^TIME' -T -U -x
check "opensnoop -T -U -x: checked" grep -qF "$SAME" "$T/osx.err"
check "execsnoop: light and kernel headers, one program" cold "$T/es" execsnoop '^PCOMM'
check "execsnoop: the check ran and found them the same" grep -qF "$SAME" "$T/es.err"
check "biolatency: light and kernel headers, one program" cold "$T/bl" biolatency 'Tracing block'
check "biolatency: the check ran and found them the same" grep -qF "$SAME" "$T/bl.err"

export KSCOPE_LIGHT_HEADERS=0
check "KSCOPE_LIGHT_HEADERS=0: compiles" cold "$T/off" opensnoop '^PID +COMM'
check "KSCOPE_LIGHT_HEADERS=0: with the kernel headers" \
    absent "compile: light headers" "$T/off.err"

unset KSCOPE_LIGHT_HEADERS
# mountsnoop includes kernel headers (linux/nsproxy.h): the light compile fails, quietly,
# and the kernel's headers compile it.
check "a program that needs the kernel headers: compiles" cold "$T/mnt" mountsnoop '^COMM'
check "... with the kernel headers" grep -qF "compile: the program needs the kernel headers" "$T/mnt.err"
check "... and the light attempt's errors are not shown" absent "error" "$T/mnt.err"
check "default: compiles" cold "$T/def" execsnoop '^PCOMM'
check "default: light headers" grep -qF "$LIGHT" "$T/def.err"
check "the light tree is removed after the compile" test -z "$(ls -A "$TMPDIR")"
finish
