#!/bin/bash
# run-in-guest.sh KVER CMD [ARGS...]
# run-in-guest.sh --prepare KVER        (only build/refresh the cached initramfs)
#
# Boots Debian's stock kernel KVER ("6.1", "5.10" - aliases made by setup-kernels.sh - or a
# full ABI such as 6.1.0-56-amd64) under qemu with THIS machine's root file system shared
# read-only over virtio-9p and a tmpfs overlay on top for writes, then runs CMD (as root,
# through bash, in the same cwd) inside it. CMD's stdout+stderr stream to our stdout; our
# exit status is CMD's, or 125 when the guest could not be brought up (or timed out).
# Inside the guest proc, sys, dev, tracefs (/sys/kernel/tracing), debugfs, bpffs and
# cgroup2 are mounted, /lib/modules/KVER/build is the host's header tree for that ABI,
# /boot/config-KVER is the kernel's config, and KSCOPE_VM=1 / KSCOPE_VM_KVER=<ABI> are set.
#
# Prerequisites: tests/vm/setup-kernels.sh (qemu-system-x86, busybox-static, the cached
# linux-image .deb and matching headers). Nothing is downloaded here.
#
# Env knobs (all optional):
#   KSCOPE_VM_NOBTF=1     hide /sys/kernel/btf from the guest's userspace (the kernel still
#                         has BTF; libbpf/bcc just cannot find it) - proves BTF is not needed
#   KSCOPE_VM_RW_DIRS     space-separated host dirs mounted READ-WRITE at the same path in
#                         the guest (results, a compile cache built on the host, ...);
#                         everything else is copy-on-write and discarded at power-off
#   KSCOPE_VM_ENV         space-separated names of extra env vars to pass into the guest
#                         (CI and every KSCOPE_* variable are always passed)
#   KSCOPE_VM_TIMEOUT     seconds before the VM is killed (default 900) -> exit 125
#   KSCOPE_VM_MEM         guest RAM (default 2G; the overlay tmpfs may use half of it)
#   KSCOPE_VM_SMP         vCPUs (default 2)
#   KSCOPE_VM_DISK_MB     size of a scratch virtio disk, /dev/vda in the guest, for block
#                         I/O workloads (default 64; 0 = none); its path is $KSCOPE_VM_DISK
#   KSCOPE_VM_ACCEL       tcg (default) | kvm. /dev/kvm on this kind of machine is a
#                         software hypervisor without vmx/svm under which a stock kernel
#                         crawls; TCG boots to the command in ~5 s.
#   KSCOPE_VM_CPU         TCG cpu model (default max)
#   KSCOPE_VM_TCG_THREAD  single (default) | multi: TCG's vCPUs in one host thread, or one
#                         thread each. multi hangs guests (qemu 7.2, below); for work on
#                         that only (tests/vm/guest-textpoke.sh shows it)
#   KSCOPE_VM_APPEND      extra kernel command line
#   KSCOPE_VM_PVH=0       boot the compressed bzImage instead of the extracted vmlinux
#   KSCOPE_VM_CACHE       cache dir (default /var/tmp/kscope-vm)
#   KSCOPE_VM_QUIET=1     do not print the timing line on stderr
set -euo pipefail

CACHE=${KSCOPE_VM_CACHE:-/var/tmp/kscope-vm}
PREPARE_ONLY=0
if [ "${1:-}" = --prepare ]; then PREPARE_ONLY=1; shift; fi
if [ $# -lt 1 ] || { [ $PREPARE_ONLY = 0 ] && [ $# -lt 2 ]; }; then
  echo "usage: $0 KVER CMD [ARGS...] | $0 --prepare KVER" >&2; exit 2
fi
infra() { echo "kscope-vm: $*" >&2; exit 125; }

# --- which kernel --------------------------------------------------------------------
KVER=$1; shift
if [ -L "$CACHE/kernels/$KVER" ]; then KVER=$(readlink "$CACHE/kernels/$KVER"); fi
DEB=$(ls "$CACHE/debs/linux-image-$KVER"_*.deb 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$DEB" ] || infra "no cached linux-image-$KVER .deb in $CACHE/debs: run tests/vm/setup-kernels.sh"
[ -f "/lib/modules/$KVER/build/.config" ] ||
  infra "headers for $KVER missing (/lib/modules/$KVER/build): run tests/vm/setup-kernels.sh"
command -v qemu-system-x86_64 >/dev/null || infra "qemu-system-x86_64 not installed: run tests/vm/setup-kernels.sh"
KC=$CACHE/boot/$KVER
mkdir -p "$KC"

# Modules the initramfs needs to reach the host root: virtio PCI transport, 9p over
# virtio, overlayfs, plus virtio_blk for the scratch disk, ext4 for the file system the
# fs suite makes on it (crc32c_generic for its checksums) and md_mod (mdflush's md_flush_request), loaded before any tool
# runs so that the guest's profile (kallsyms) has their functions. Their dependencies (virtio_ring,
# netfs/fscache on 6.1, fscache only on 5.10, virtio_pci_{modern,legacy}_dev only on 6.x,
# ...) are resolved from each module's own .modinfo "depends=", and whatever the kernel
# has built in (modules.builtin) is skipped, so 5.10 and 6.1 module sets both work.
WANT_MODULES="virtio_pci 9pnet_virtio 9p overlay virtio_blk crc32c_generic ext4 md_mod"

# --- PID 1 of the guest (lives in the initramfs) ---------------------------------------
guest_init() { cat <<'GUEST_INIT_EOF'
#!/bin/busybox sh
# Mount the host root (9p, read-only) under a tmpfs overlay, chroot into it, run
# /run/kscope-vm/cmd with bash, leave its exit code in /run/kscope-vm/rc, power off.
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
fail() { echo "kscope-vm(guest): $*" >&2; dmesg | tail -n 20 >&2; poweroff -f; sleep 10; }
for m in $(cat /lib/modules/order); do
  insmod /lib/modules/$m.ko || echo "kscope-vm(guest): insmod $m failed" >&2
done
O="trans=virtio,version=9p2000.L,msize=512000"
mount -t 9p -o "$O,ro,cache=loose" hostroot /ro || fail "cannot mount the host root (9p)"
mount -t tmpfs -o mode=0755,size=50% tmpfs /rw && mkdir /rw/u /rw/w
mount -t overlay -o lowerdir=/ro,upperdir=/rw/u,workdir=/rw/w overlay /newroot || fail "overlay"
R=/newroot
mount -t proc proc $R/proc; mount -t sysfs sysfs $R/sys; mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm; mount -t devpts devpts $R/dev/pts; mount -t tmpfs tmpfs $R/dev/shm
mount -t tmpfs -o mode=0755 tmpfs $R/run; mkdir -p $R/run/kscope-vm
mount -t tracefs tracefs $R/sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs $R/sys/kernel/debug
mount -t bpf bpf $R/sys/fs/bpf
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
mount -t 9p -o "$O" xchg $R/run/kscope-vm || fail "cannot mount the exchange dir (9p)"
# The host has no /boot files for this kernel; tools (libbpf kconfig, bcc) may look there.
mkdir -p $R/boot && cp /boot/* $R/boot/ 2>/dev/null
# Hide BTF: an empty read-only tmpfs over /sys/kernel/btf (vmlinux and module BTF vanish
# for userspace; the kernel itself is unchanged).
[ -f $R/run/kscope-vm/nobtf ] && mount -t tmpfs -o ro,mode=0555 tmpfs $R/sys/kernel/btf
# Read-write host dirs: lines "tag path".
if [ -f $R/run/kscope-vm/rwdirs ]; then
  while read tag path; do
    mkdir -p "$R$path" 2>/dev/null
    mount -t 9p -o "$O" "$tag" "$R$path" || fail "cannot mount $path read-write"
  done < $R/run/kscope-vm/rwdirs
fi
stty -F /dev/console -onlcr 2>/dev/null   # no \r\n on the host side
hostname kscope-vm
# Kernel chatter stays out of the test output, but not a panic, an oops or a lockup
# (levels 0-2: emerg, alert, crit), or a guest that dies would leave no word of why. The
# stack dumps that follow them have no level of their own: level 2 makes them shown too.
echo "3 2 1 3" > /proc/sys/kernel/printk
# A soft lockup (a CPU in the kernel for 20 s) does not end by itself: print every CPU's
# stack and panic, so the guest stops at once (panic=-1) and the host sees why.
echo 1 > /proc/sys/kernel/softlockup_all_cpu_backtrace 2>/dev/null
echo 1 > /proc/sys/kernel/softlockup_panic
chroot $R /bin/bash /run/kscope-vm/cmd </dev/null >/dev/console 2>&1
echo $? > $R/run/kscope-vm/rc
sync
poweroff -f
GUEST_INIT_EOF
}

# --- initramfs (cached per kernel; rebuilt when init, module list or .deb change) -------
build_initrd() (  # a subshell: its EXIT trap removes the scratch dir however it ends
  set -euo pipefail
  bb=$(command -v busybox || true)
  [ -n "$bb" ] && ! readelf -l "$bb" 2>/dev/null | grep -q INTERP ||
    { echo "kscope-vm: need a static busybox (apt-get install busybox-static)" >&2; exit 1; }
  t=$(mktemp -d "$CACHE/initrd.XXXXXX")
  trap 'rm -rf "$t"' EXIT
  dpkg-deb -x "$DEB" "$t/k"
  md=$t/k/lib/modules/$KVER i=$t/initrd
  [ -d "$md" ] || md=$t/k/usr/lib/modules/$KVER
  [ -f "$t/k/boot/vmlinuz-$KVER" ] || { echo "kscope-vm: no vmlinuz-$KVER in $DEB" >&2; exit 1; }
  mkdir -p "$i"/{bin,boot,lib/modules,proc,sys,dev,ro,rw,newroot}
  cp "$bb" "$i/bin/busybox"
  guest_init > "$i/init"; chmod 755 "$i/init"
  cp "$t/k/boot/config-$KVER" "$i/boot/" 2>/dev/null || true

  # resolve WANT_MODULES + dependencies, dependencies first
  order=() seen=" "
  add_module() {
    local m=$1 alt f dep
    case $seen in *" $m "*) return 0 ;; esac
    seen="$seen$m "
    alt=$(echo "$m" | tr _ -)
    f=$(find "$md/kernel" \( -name "$m.ko" -o -name "$m.ko.*" -o -name "$alt.ko" -o -name "$alt.ko.*" \) | head -n1)
    if [ -z "$f" ]; then
      if grep -qE "/($m|$alt)\.ko$" "$md/modules.builtin"; then return 0; fi
      echo "kscope-vm: module $m is neither in $DEB nor built in" >&2; return 1
    fi
    case $f in
      *.xz) xz -dc "$f" ;; *.zst) zstd -qdc "$f" ;; *.gz) gzip -dc "$f" ;; *) cat "$f" ;;
    esac > "$i/lib/modules/$m.ko"
    # .modinfo is a run of NUL-terminated key=value strings; "depends=a,b" names the deps
    for dep in $(tr '\0' '\n' < "$i/lib/modules/$m.ko" | sed -n 's/^depends=//p' | tr , ' '); do
      add_module "$(echo "$dep" | tr - _)" || return 1
    done
    order+=("$m")
  }
  for m in $WANT_MODULES; do add_module "$m" || exit 1; done
  printf '%s\n' "${order[@]}" > "$i/lib/modules/order"
  (cd "$i" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$KC/initrd.gz.tmp"
  # Boot the *uncompressed* kernel through its PVH entry point when we can: under TCG the
  # XZ decompression of the bzImage alone takes ~4 s of every boot. Debian's kernels are
  # XZ-compressed and have CONFIG_PVH=y (ELF note XEN_ELFNOTE_PHYS32_ENTRY = 0x12); qemu
  # boots such an ELF directly. If either is not so, the bzImage is booted as it is.
  bz=$t/k/boot/vmlinuz-$KVER
  off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -n1 | cut -d: -f1)
  rm -f "$KC/vmlinux.pvh"
  if [ -n "$off" ]; then
    # (tail may die of SIGPIPE once xz has its one stream: judge by the result instead)
    tail -c +$((off + 1)) "$bz" | xz -dcq --single-stream > "$t/vmlinux" 2>/dev/null || true
  fi
  if [ -s "$t/vmlinux" ] && readelf -n "$t/vmlinux" 2>/dev/null | grep -q 'Xen.*0x00000012'; then
    mv "$t/vmlinux" "$KC/vmlinux.pvh"
  fi
  cp "$bz" "$KC/vmlinuz.tmp"
  mv "$KC/initrd.gz.tmp" "$KC/initrd.gz"; mv "$KC/vmlinuz.tmp" "$KC/vmlinuz"
  echo "kscope-vm: built initramfs for $KVER (modules: ${order[*]})" >&2
)

exec 9>"$KC/.lock"; flock 9   # concurrent runs of the same kernel build the cache once
STAMP=$( { guest_init; echo "$WANT_MODULES pvh1"; basename "$DEB"; command -v busybox; } | sha256sum | cut -c1-16)
if [ ! -s "$KC/vmlinuz" ] || [ ! -s "$KC/initrd.gz" ] || [ "$(cat "$KC/stamp" 2>/dev/null)" != "$STAMP" ]; then
  build_initrd || infra "could not build the initramfs for $KVER"
  echo "$STAMP" > "$KC/stamp"
fi
exec 9>&-
[ $PREPARE_ONLY = 1 ] && exit 0

# --- per-run exchange dir: the command, env, flags; rc and timings come back here ------
ACCEL=${KSCOPE_VM_ACCEL:-tcg}
# shellcheck disable=SC2054 # the commas belong to qemu's option syntax
case $ACCEL in
  kvm) ACC=(-accel kvm -cpu host) ;;
  # Single-threaded TCG. With a thread per vCPU (qemu 7.2, Debian 12), a vCPU can go on
  # running an int3 that the kernel's text_poke_bp has already replaced: the kernel finds
  # no breakpoint there, returns to the same address, and the vCPU takes the stale int3
  # again, forever (a soft lockup on every CPU, RIP at a tracepoint's static key). Every
  # tracepoint or kprobe a tool attaches or detaches patches kernel text this way: 2 of 26
  # boots of the 5.10 suite hung or reset here, and a 5.10 and a 6.1 boot in CI. guest-textpoke.sh, which only
  # toggles a tracepoint and a kprobe while both CPUs make syscalls, stopped 4 of 4
  # multi-threaded boots within seconds (that soft lockup, or an oops: a call to address 0
  # at the kprobe's site); single-threaded, 360 toggles passed, and the suites take as long
  # (their work is serial).
  tcg) ACC=(-accel "tcg,thread=${KSCOPE_VM_TCG_THREAD:-single}" -cpu "${KSCOPE_VM_CPU:-max}") ;;
  *) infra "KSCOPE_VM_ACCEL must be tcg or kvm" ;;
esac

X=$(mktemp -d /tmp/kscope-vm.XXXXXX)
QPID=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() { [ -n "$QPID" ] && kill "$QPID" 2>/dev/null; rm -rf "$X"; }
trap cleanup EXIT
trap 'echo "kscope-vm: interrupted" >&2; exit 125' INT TERM HUP

DISK_ARGS=()
if [ "${KSCOPE_VM_DISK_MB:-64}" -gt 0 ]; then
  # sparse scratch disk: costs nothing until the guest writes to it
  truncate -s "${KSCOPE_VM_DISK_MB:-64}M" "$X/disk.img"
  DISK_ARGS=(-drive "file=$X/disk.img,if=virtio,format=raw,cache=unsafe")
  export KSCOPE_VM_DISK=/dev/vda
fi
export KSCOPE_VM=1 KSCOPE_VM_KVER=$KVER
{
  echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb"
  for v in CI ${!KSCOPE_@} ${KSCOPE_VM_ENV:-}; do
    [ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
  done
  printf 'cd %q || { echo "kscope-vm(guest): cannot cd to %q" >&2; exit 125; }\n' "$PWD" "$PWD"
  # guest uptime when the command starts = boot time as the guest kernel saw it
  echo 'cut -d" " -f1 /proc/uptime > /run/kscope-vm/t_start'
  printf '%q ' "$@"; echo
  echo 'rc=$?; cut -d" " -f1 /proc/uptime > /run/kscope-vm/t_end; exit $rc'
} > "$X/cmd"
[ "${KSCOPE_VM_NOBTF:-0}" = 1 ] && touch "$X/nobtf"
RW=(); n=0
for d in ${KSCOPE_VM_RW_DIRS:-}; do
  [ -d "$d" ] || infra "KSCOPE_VM_RW_DIRS: $d is not a directory"
  d=$(realpath "$d"); echo "rw$n $d" >> "$X/rwdirs"
  RW+=(-virtfs "local,path=$d,mount_tag=rw$n,security_model=none,multidevs=remap"); n=$((n+1))
done

KERNEL=$KC/vmlinuz
[ "${KSCOPE_VM_PVH:-1}" = 1 ] && [ -s "$KC/vmlinux.pvh" ] && KERNEL=$KC/vmlinux.pvh

T0=$(date +%s.%N)
set +e
timeout -k 10 "${KSCOPE_VM_TIMEOUT:-900}" qemu-system-x86_64 "${ACC[@]}" \
  -m "${KSCOPE_VM_MEM:-2G}" -smp "${KSCOPE_VM_SMP:-2}" \
  -nodefaults -no-user-config -display none -no-reboot -monitor none -serial stdio \
  -kernel "$KERNEL" -initrd "$KC/initrd.gz" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init ${KSCOPE_VM_APPEND:-}" \
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
  -virtfs "local,path=$X,mount_tag=xchg,security_model=none" \
  "${DISK_ARGS[@]}" "${RW[@]}" </dev/null &
QPID=$!
wait $QPID; q=$?
QPID=
set -e
T1=$(date +%s.%N)

if [ "${KSCOPE_VM_QUIET:-0}" != 1 ] && [ -s "$X/t_start" ]; then
  awk -v k="$KVER" -v t0="$T0" -v t1="$T1" -v s="$(cat "$X/t_start")" -v e="$(cat "$X/t_end" 2>/dev/null || echo)" \
    'BEGIN { c = (e == "") ? "?" : sprintf("%.1fs", e - s)
             printf "kscope-vm: %s: boot %.1fs (guest uptime at command start), command %s, total wall %.1fs\n", k, s, c, t1 - t0 }' >&2
fi
if [ -s "$X/rc" ]; then exit "$(cat "$X/rc")"; fi
[ $q = 124 ] || [ $q = 137 ] && infra "guest killed after ${KSCOPE_VM_TIMEOUT:-900}s timeout"
infra "guest did not report an exit code (qemu rc=$q: the guest kernel stopped, a panic or a reset; its last messages are above)"
