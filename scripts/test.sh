#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run ctest. Idempotent.
# Test-only packages: bpfcc-tools (BCC's own histogram printer, to compare formats),
# chromium (kscope-flamegraph's SVG rendered in a real browser), binutils (objcopy,
# readelf: a stripped binary with a debuglink file for the symbol tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh bpfcc-tools python3-bpfcc chromium binutils
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
cd build
exec ctest --output-on-failure --timeout 1800 "$@"
