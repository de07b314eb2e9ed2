#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run ctest. Idempotent.
# Test-only packages: bpfcc-tools (BCC's own histogram printer, to compare formats);
# prometheus-node-exporter, prometheus (promtool), curl (--prom against the real parts);
# python3-yaml, systemd (deploy/: the manifest, systemd-analyze verify); groff-base,
# man-db (the man pages render cleanly).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh bpfcc-tools python3-bpfcc prometheus-node-exporter prometheus curl \
    python3-yaml groff-base man-db systemd
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
cd build
exec ctest --output-on-failure --timeout 1800 "$@"
