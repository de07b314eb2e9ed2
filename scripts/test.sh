#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run ctest. Idempotent.
# Test-only packages: bpfcc-tools (BCC's own histogram printer, to compare formats).
# e2fsprogs: chattr, for the immutable-cache test. chromium: kscope-flamegraph's SVG
# rendered in a real browser. binutils: objcopy and readelf, for a stripped binary with a
# debuglink file in the symbol tests. python3-jsonschema: validates --json output against
# schemas/. prometheus-node-exporter, prometheus (promtool), curl: --prom against the real
# parts. python3-yaml, systemd: deploy/ (the manifest, systemd-analyze verify). groff-base,
# man-db: the man pages render cleanly. iproute2, iptables: the network tools' tests
# (namespaces joined by veth pairs; a DROP rule that makes TCP retransmit). libc6-dev: libc.a,
# for the static program memleak -p and plockstat -p must refuse (cc -static).
#
# Then, when run without arguments (as CI does), the quick labels once more in a
# sanitizer build (build-asan: -fsanitize=address,undefined, every finding fatal), so
# memory errors, leaks and undefined behaviour fail the run. KSCOPE_SANITIZE=0 skips it.
# gcc's libasan and libubsan come with gcc itself (libgcc-*-dev).
#
# Tests run two at a time (KSCOPE_TEST_JOBS): most of a tool test is waiting for events,
# and the guest-kernel tests reserve both CPUs (PROCESSORS 2), so they still run alone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh bpfcc-tools python3-bpfcc e2fsprogs chromium binutils python3-jsonschema \
    prometheus-node-exporter prometheus curl python3-yaml groff-base man-db systemd \
    iproute2 iptables libc6-dev
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
rc=0
JOBS=${KSCOPE_TEST_JOBS:-2}
(cd build && ctest -j"$JOBS" --output-on-failure --timeout 1800 "$@") || rc=$?
if [ $# -eq 0 ] && [ "${KSCOPE_SANITIZE:-1}" != 0 ]; then
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKS_SANITIZE=address,undefined \
        >/dev/null
    cmake --build build-asan -j"$(nproc)"
    # The compile child dlopen()s libbcc (LLVM, not instrumented) after fork() and leaves
    # with _exit(), so LeakSanitizer never scans LLVM's heap; nothing needs suppressing.
    (cd build-asan &&
        ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest -j"$JOBS" --output-on-failure --timeout 900 -L 'unit|tools|doctor' -LE 'vm|container') ||
        rc=$?
fi
exit $rc
