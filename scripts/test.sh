#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run ctest. Idempotent.
# Test-only packages: bpfcc-tools (BCC's own histogram printer, to compare formats).
# e2fsprogs: chattr, for the immutable-cache test. chromium: kscope-flamegraph's SVG
# rendered in a real browser. binutils: objcopy and readelf, for a stripped binary with a
# debuglink file in the symbol tests.
#
# Then, when run without arguments (as CI does), the quick labels once more in a
# sanitizer build (build-asan: -fsanitize=address,undefined, every finding fatal), so
# memory errors, leaks and undefined behaviour fail the run. KSCOPE_SANITIZE=0 skips it.
# gcc's libasan and libubsan come with gcc itself (libgcc-*-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh bpfcc-tools python3-bpfcc e2fsprogs chromium binutils
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
rc=0
(cd build && ctest --output-on-failure --timeout 1800 "$@") || rc=$?
if [ $# -eq 0 ] && [ "${KSCOPE_SANITIZE:-1}" != 0 ]; then
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKS_SANITIZE=address,undefined \
        >/dev/null
    cmake --build build-asan -j"$(nproc)"
    # The compile child dlopen()s libbcc (LLVM, not instrumented) after fork() and leaves
    # with _exit(), so LeakSanitizer never scans LLVM's heap; nothing needs suppressing.
    (cd build-asan &&
        ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure --timeout 900 -L 'unit|tools|doctor' -LE 'vm|container') ||
        rc=$?
fi
exit $rc
