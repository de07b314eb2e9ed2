#!/bin/bash
# setup-kernels.sh [--check] [6.1] [5.10]     (no kernel named: both)
#
# Prepares this machine for the guest-kernel tests (tests/vm/): installs qemu and a static
# busybox, and for each requested Debian kernel series
#   6.1  - bookworm's current ABI: the linux-headers-6.1.*-amd64 installed on the host,
#          else the one linux-headers-amd64 installs;
#   5.10 - bullseye's ABI: what bullseye's linux-headers-amd64 points to;
# it caches the linux-image-<ABI> .deb (booted by run-in-guest.sh) in $KSCOPE_VM_CACHE/debs
# and makes sure linux-headers-<ABI> is installed on the host, because bcc/libbcc inside the
# guest (and kscope compiling for the guest on the host) read /lib/modules/<ABI>/build.
# Image and headers always come from the same apt index, so they are the exact same ABI.
#
# Idempotent: once prepared, a re-run touches no network and takes milliseconds.
# Prints one "kscope-vm: kernel <series> = <ABI>" line per prepared kernel; the alias
# $KSCOPE_VM_CACHE/kernels/<series> -> <ABI> lets run-in-guest.sh accept "6.1"/"5.10".
# --check: only report whether everything is prepared (exit 0) or not (exit 1); never
#          installs or downloads.
# Exit status: 0 ready; 1 something could not be had (the reason is printed on stderr).
#
# The host's apt configuration is never changed: bullseye is read through a private
# sources list / lists dir / cache under $KSCOPE_VM_CACHE/apt that names the same mirror as
# the host's own bookworm entry. The bullseye headers cannot be dpkg -i'd on bookworm (they
# depend on linux-compiler-gcc-10-x86 and libssl1.1, which bookworm lacks; forcing them in
# would leave dpkg with broken dependencies and break every later apt-get install), so
# their files are extracted into / exactly as the package lays them out (a manifest of
# what was written is kept in $KSCOPE_VM_CACHE/installed-<ABI>.list).
set -euo pipefail

CACHE=${KSCOPE_VM_CACHE:-/var/tmp/kscope-vm}
CHECK_ONLY=0
SERIES=()
for a in "$@"; do
  case $a in
    --check) CHECK_ONLY=1 ;;
    6.1|5.10) SERIES+=("$a") ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "setup-kernels: unknown argument '$a' (want 6.1 and/or 5.10)" >&2; exit 2 ;;
  esac
done
[ ${#SERIES[@]} -gt 0 ] || SERIES=(6.1 5.10)

log() { echo "kscope-vm: $*" >&2; }
die() { echo "kscope-vm: $*" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
# apt-get download drops privileges to _apt, which cannot write into our root-owned cache
# dir; downloading as root there is harmless and avoids a warning per file.
APT_DL_OPTS=(-q -o APT::Sandbox::User=root)

# --- helpers -------------------------------------------------------------------------

have_host_tools() {
  command -v qemu-system-x86_64 >/dev/null 2>&1 || return 1
  # The initramfs needs a *static* busybox (it runs before any library is reachable).
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'
}

# headers_ok ABI: the tree bcc needs is there and /lib/modules/ABI/build points at it.
headers_ok() {
  [ -f "/lib/modules/$1/build/.config" ] && [ -f "/lib/modules/$1/build/Makefile" ] &&
    [ -d "/lib/modules/$1/source/include" ]
}

# image_deb ABI -> path of the cached linux-image-ABI .deb (empty if none)
image_deb() { ls "$CACHE/debs/linux-image-$1"_*.deb 2>/dev/null | sort -V | tail -n1; }

apt_updated=0
host_apt_update() {  # once per run; only when an install/download failed for want of it
  [ $apt_updated = 1 ] && return 1
  apt_updated=1
  log "apt-get update (host sources)"
  apt-get update -q >&2
}

host_apt_install() {  # install from the host's own sources, no recommends
  apt-get install -y -q --no-install-recommends "$@" >&2 && return 0
  host_apt_update || return 1
  apt-get install -y -q --no-install-recommends "$@" >&2
}

need_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (run tests/vm/setup-kernels.sh as root once)"
}

write_alias() {  # $CACHE/kernels/<series> -> <ABI>
  [ "$(readlink "$CACHE/kernels/$1" 2>/dev/null)" = "$2" ] && return 0
  mkdir -p "$CACHE/kernels"
  ln -sfn "$2" "$CACHE/kernels/$1.tmp" && mv -T "$CACHE/kernels/$1.tmp" "$CACHE/kernels/$1"
}

# --- host tools ----------------------------------------------------------------------

ensure_host_tools() {
  have_host_tools && return 0
  [ $CHECK_ONLY = 1 ] && die "qemu-system-x86_64 or busybox-static is not installed"
  need_root "installing qemu-system-x86 and busybox-static"
  log "installing qemu-system-x86 busybox-static (no recommends)"
  host_apt_install qemu-system-x86 busybox-static ||
    die "cannot install qemu-system-x86 / busybox-static from the host's apt sources"
  have_host_tools || die "qemu-system-x86_64 still missing after install"
}

# --- 6.1: bookworm, from the host's own apt sources ------------------------------------

installed_61_abis() {  # newest first; only ABIs whose headers dpkg says are installed
  dpkg-query -W -f='${Package} ${Status}\n' 'linux-headers-6.1.*-amd64' 2>/dev/null |
    awk '$NF=="installed" {sub(/^linux-headers-/,"",$1); print $1}' | sort -rV
}

prepare_61() {
  local abi deb
  abi=$(installed_61_abis | head -n1)
  if [ -n "$abi" ] && headers_ok "$abi" && deb=$(image_deb "$abi") && [ -n "$deb" ]; then
    write_alias 6.1 "$abi"; echo "$abi"; return 0   # fast path: nothing to do
  fi
  [ $CHECK_ONLY = 1 ] && die "6.1: kernel image or headers not prepared"
  need_root "preparing the 6.1 kernel"
  if [ -z "$abi" ]; then
    # No 6.1 headers yet: install the metapackage and take the ABI it pulls in.
    log "6.1: installing linux-headers-amd64"
    host_apt_install linux-headers-amd64 || die "6.1: cannot install linux-headers-amd64"
    abi=$(installed_61_abis | head -n1)
    [ -n "$abi" ] || die "6.1: linux-headers-amd64 did not bring a 6.1 ABI (not bookworm?)"
  fi
  headers_ok "$abi" || host_apt_install "linux-headers-$abi" ||
    die "6.1: cannot install linux-headers-$abi"
  if [ -z "$(image_deb "$abi")" ]; then
    log "6.1: downloading linux-image-$abi"
    if ! download_debs "$CACHE/debs" -- "linux-image-$abi" &&
       ! { host_apt_update && download_debs "$CACHE/debs" -- "linux-image-$abi"; }; then
      # The archive keeps only the newest ABI's image: when the installed headers are
      # older, move on to the ABI the linux-headers-amd64 metapackage now names.
      log "6.1: linux-image-$abi is no longer in the archive; installing the current linux-headers-amd64"
      host_apt_install linux-headers-amd64 || die "6.1: cannot install linux-headers-amd64"
      local newabi; newabi=$(installed_61_abis | head -n1)
      [ "$newabi" != "$abi" ] || die "6.1: cannot apt-get download linux-image-$abi"
      abi=$newabi
      download_debs "$CACHE/debs" -- "linux-image-$abi" ||
        die "6.1: cannot apt-get download linux-image-$abi"
    fi
  fi
  headers_ok "$abi" || die "6.1: /lib/modules/$abi/build is incomplete after install"
  write_alias 6.1 "$abi"; echo "$abi"
}

# --- 5.10: bullseye, through a private apt index ---------------------------------------

# host_mirror: the URI (and signed-by keyring, if any) of the host's entry for its own
# release (bookworm) main suite, read from deb822 .sources files or one-line sources.list.
host_mirror() {
  local codename f tmp
  tmp=$(mktemp)
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v want="$codename" 'BEGIN{RS=""; FS="\n"}
      { t=""; u=""; s=""; k=""; en="yes"
        for (i=1;i<=NF;i++) {
          line=$i; if (line ~ /^[ \t]*#/) continue
          split(line, kv, ":"); key=tolower(kv[1]); val=substr(line, index(line,":")+1)
          gsub(/^[ \t]+|[ \t]+$/, "", val)
          if (key=="types") t=val; else if (key=="uris") u=val; else if (key=="suites") s=val
          else if (key=="signed-by") k=val; else if (key=="enabled") en=tolower(val) }
        if (en=="no" || (" " t " ") !~ / deb /) next
        n=split(s, ss, /[ \t]+/); for (j=1;j<=n;j++) if (ss[j]==want) {
          split(u, uu, /[ \t]+/); print uu[1], k; exit } }' "$f"
  done > "$tmp"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [opts] URI SUITE COMPONENTS...
    sed -e 's/#.*//' "$f" | awk -v want="$codename" '
      $1=="deb" { k=""; i=2
        if ($2 ~ /^\[/) { while (i<=NF) { if ($i ~ /signed-by=/) { k=$i; sub(/.*signed-by=/,"",k); sub(/\]$/,"",k) }
                                          if ($i ~ /\]$/) { i++; break } ; i++ } }
        if ($(i+1)==want) { print $i, k; exit } }'
  done >> "$tmp"
  # deb822 entries first, then one-line ones; the first match wins
  local r; r=$(sed -n 1p "$tmp"); rm -f "$tmp"
  [ -n "$r" ] && echo "$r"
}

BAPT=$CACHE/apt
bapt() {  # apt-get/apt-cache with a private, bullseye-only view; host config untouched
  local tool=$1; shift
  "$tool" -o Dir::Etc::sourcelist="$BAPT/sources.list" \
          -o Dir::Etc::sourceparts="$BAPT/sources.list.d" \
          -o Dir::Etc::preferences="$BAPT/preferences" \
          -o Dir::Etc::preferencesparts="$BAPT/preferences.d" \
          -o Dir::State::Lists="$BAPT/lists" \
          -o Dir::State::status=/dev/null \
          -o Dir::Cache="$BAPT/cache" \
          -o APT::Default-Release= "$@"
}

bullseye_abi() {  # the ABI bullseye's linux-headers-amd64 depends on
  bapt apt-cache show linux-headers-amd64 2>/dev/null |
    sed -n 's/^Depends:.*linux-headers-\(5\.10\.[0-9]*-[0-9]*-amd64\).*/\1/p' | sort -V | tail -n1
}

install_extracted() {  # install_extracted ABI DEB...: lay the headers' files into /
  local abi=$1; shift
  local st; st=$(mktemp -d "$CACHE/extract.XXXXXX")
  local d; for d in "$@"; do dpkg-deb -x "$d" "$st"; done
  # Only the trees the packages own; --keep-directory-symlink keeps /lib -> usr/lib (a plain
  # tar/dpkg -x into / would replace that symlink by a directory on this merged-/usr system),
  # --no-overwrite-dir leaves the metadata of existing directories (/, /usr, ...) alone.
  local paths=()
  for d in usr/src lib/modules usr/lib/modules usr/lib/linux-kbuild-5.10 usr/share/doc; do
    [ -e "$st/$d" ] && paths+=("./$d")
  done
  (cd "$st" && find "${paths[@]}" ! -type d) > "$CACHE/installed-$abi.list"
  tar -C "$st" -cf - "${paths[@]}" | tar -C / -xpf - --keep-directory-symlink --no-overwrite-dir
  rm -rf "$st"
}

prepare_510() {
  local abi=
  # fast path: a previous run prepared an ABI and nothing of it went missing
  if [ -L "$CACHE/kernels/5.10" ]; then
    abi=$(readlink "$CACHE/kernels/5.10")
    if headers_ok "$abi" && [ -n "$(image_deb "$abi")" ]; then echo "$abi"; return 0; fi
  fi
  [ $CHECK_ONLY = 1 ] && die "5.10: kernel image or headers not prepared"
  need_root "preparing the 5.10 kernel"
  local m uri key
  m=$(host_mirror) || die "5.10: no deb entry for this release in /etc/apt/sources.list{,.d} to take the mirror from"
  read -r uri key <<<"$m"
  mkdir -p "$BAPT/lists/partial" "$BAPT/cache/archives/partial" "$BAPT/sources.list.d" "$BAPT/preferences.d"
  local so=""; [ -n "$key" ] && so="[signed-by=$key] "
  echo "deb ${so}$uri bullseye main" > "$BAPT/sources.list.new"
  # Refresh the private index when it is missing or names another mirror. bullseye is a
  # closed release (its main suite no longer changes), so an existing index stays valid.
  if ! cmp -s "$BAPT/sources.list.new" "$BAPT/sources.list" || [ -z "$(bullseye_abi)" ]; then
    mv "$BAPT/sources.list.new" "$BAPT/sources.list"
    log "5.10: apt-get update (private bullseye index: $uri bullseye main)"
    bapt apt-get update -q >&2 || die "5.10: cannot fetch the bullseye index from $uri"
  else
    rm -f "$BAPT/sources.list.new"
  fi
  abi=$(bullseye_abi)
  [ -n "$abi" ] || die "5.10: bullseye's linux-headers-amd64 names no 5.10 ABI"
  local ver; ver=$(bapt apt-cache show "linux-headers-$abi" | sed -n 's/^Version: //p' | sort -V | tail -n1)
  local D=$CACHE/debs pk pkgs=("linux-image-$abi" "linux-headers-$abi" "linux-headers-${abi%-amd64}-common" linux-kbuild-5.10)
  local want=()
  for pk in "${pkgs[@]}"; do
    ls "$D/${pk}_${ver}_"*.deb >/dev/null 2>&1 || want+=("$pk=$ver")
  done
  if [ ${#want[@]} -gt 0 ]; then
    log "5.10: downloading ${want[*]}"
    download_debs "$D" bapt_marker -- "${want[@]}" ||
      die "5.10: cannot download ${want[*]} from $uri bullseye"
  fi
  if ! headers_ok "$abi"; then
    log "5.10: installing headers for $abi (extracted, see $CACHE/installed-$abi.list)"
    install_extracted "$abi" "$D/linux-headers-${abi}_${ver}_"*.deb \
      "$D/linux-headers-${abi%-amd64}-common_${ver}_"*.deb "$D/linux-kbuild-5.10_${ver}_"*.deb
  fi
  headers_ok "$abi" || die "5.10: /lib/modules/$abi/build is incomplete after install"
  write_alias 5.10 "$abi"; echo "$abi"
}

# download_debs DIR [bapt_marker] -- PKG[=VER]...: apt-get download into DIR, through the
# private bullseye view when bapt_marker is given.
download_debs() {
  local dir=$1; shift
  local private=0; while [ "$1" != -- ]; do [ "$1" = bapt_marker ] && private=1; shift; done; shift
  mkdir -p "$dir"
  if [ $private = 1 ]; then
    (cd "$dir" && bapt apt-get "${APT_DL_OPTS[@]}" download "$@" >&2)
  else
    (cd "$dir" && apt-get "${APT_DL_OPTS[@]}" download "$@" >&2)
  fi
}

# --- main ----------------------------------------------------------------------------

mkdir -p "$CACHE" 2>/dev/null || [ $CHECK_ONLY = 1 ] || die "cannot create $CACHE"
if [ $CHECK_ONLY = 0 ]; then
  # One setup at a time (two ctest entries may start it together; apt locks would fail).
  exec 8>"$CACHE/.setup.lock"; flock 8
fi
ensure_host_tools
for s in "${SERIES[@]}"; do
  case $s in
    6.1)  abi=$(prepare_61) ;;
    5.10) abi=$(prepare_510) ;;
  esac
  echo "kscope-vm: kernel $s = $abi (image $(basename "$(image_deb "$abi")"), headers /lib/modules/$abi/build)"
done
