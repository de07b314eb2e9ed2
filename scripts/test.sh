#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run ctest. Idempotent.
# Test-only packages: bpfcc-tools (BCC's own histogram printer, to compare formats),
# python3-jsonschema (validates --json output against schemas/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh bpfcc-tools python3-bpfcc python3-jsonschema
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
cd build
exec ctest --output-on-failure --timeout 1800 "$@"
