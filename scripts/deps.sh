#!/usr/bin/env bash
# Install what building and running kscope needs, when it is missing. Idempotent.
# Debian/Ubuntu: build tools, libbcc, and kernel headers for the running kernel when the
# archive has them (otherwise the distribution's current headers: kscope then uses the
# closest version it finds, which tracepoint-based probes do not mind).
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "deps.sh: run as root (sudo $0)" >&2; exit 1; }
rel=$(uname -r)

if command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    want=(cmake make gcc pkg-config libbpfcc-dev libbpfcc libpcre2-dev libelf-dev xz-utils util-linux systemtap-sdt-dev "$@")
    missing=()
    for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    have_headers=no
    if [ -e "/lib/modules/$rel/build/include/generated/autoconf.h" ] ||
        ls -d /usr/src/linux-headers-*/include/generated 2>/dev/null | grep -q .; then
        have_headers=yes
    fi
    if [ ${#missing[@]} -gt 0 ] || [ "$have_headers" = no ]; then
        apt-get update -qq
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    if [ "$have_headers" = no ]; then
        if apt-cache show "linux-headers-$rel" >/dev/null 2>&1; then
            apt-get install -y -qq --no-install-recommends "linux-headers-$rel" >/dev/null
        else
            # No package for this kernel (custom or newer kernel): the distribution's own.
            arch=$(dpkg --print-architecture)
            echo "deps.sh: no linux-headers-$rel in the archive; installing linux-headers-$arch" >&2
            apt-get install -y -qq --no-install-recommends "linux-headers-$arch" >/dev/null ||
                echo "deps.sh: no kernel headers package found; see README (Kernel headers)" >&2
        fi
    fi
elif command -v dnf >/dev/null || command -v yum >/dev/null; then
    pm=$(command -v dnf || command -v yum)
    "$pm" install -y cmake make gcc pkgconfig bcc-devel pcre2-devel elfutils-libelf-devel xz systemtap-sdt-devel "kernel-devel-$rel" "$@" ||
        "$pm" install -y cmake make gcc pkgconfig bcc-devel pcre2-devel elfutils-libelf-devel xz systemtap-sdt-devel kernel-devel "$@"
else
    echo "deps.sh: unknown package manager; install cmake, gcc, pkg-config, libbcc (bcc) and kernel headers" >&2
    exit 1
fi
