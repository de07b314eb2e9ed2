# kscope container: first-run hint, sourced by /etc/bash.bashrc (so bash syntax is fine).
#
# Shown once, in the first interactive shell of a container: it lists the tools that are
# actually in the tools directory (not a hard-coded list, so new tools show up by
# themselves) and points at kscope-doctor. Nested shells inherit KSCOPE_GREETED and stay
# quiet; non-interactive shells (`docker run kscope bash -c ...`) never get here.

case $- in *i*) ;; *) return 0 ;; esac

# The prompt says where you are: the host's shell looks alike, and tools need root.
PS1='kscope:\w\$ '

if [ -z "${KSCOPE_GREETED:-}" ]; then
    export KSCOPE_GREETED=1
    __ks_dir=/usr/local/share/kscope/tools
    __ks_tools=
    for __ks_t in "$__ks_dir"/*; do
        [ -f "$__ks_t" ] && [ -x "$__ks_t" ] && __ks_tools="$__ks_tools ${__ks_t##*/}"
    done
    printf '\nkscope: Linux kernel tracing tools, in %s (on your PATH)\n' "$__ks_dir"
    if [ -n "$__ks_tools" ]; then
        # One line of names, wrapped at word boundaries for an 80-column terminal.
        printf '%s\n' "${__ks_tools# }" | fold -s -w 74 | sed 's/^/  /'
    else
        printf '  (no tools found: this image was built without them)\n'
    fi
    printf 'Try: execsnoop (Ctrl-C stops it), biolatency 1 5, TOOL --help.\n'
    printf 'When something does not work, run: kscope-doctor\n'

    # Two things that the tools will otherwise only say when they fail.
    if ! mountpoint -q /sys/kernel/tracing 2>/dev/null &&
        ! [ -e /sys/kernel/debug/tracing/events ]; then
        printf '\nWarning: no tracefs: start the container with --privileged.\n'
    fi
    __ks_hdrs=
    for __ks_t in /lib/modules/*/build /usr/src/linux-headers-* /usr/src/kernels/* \
        /sys/kernel/kheaders.tar.xz; do
        [ -e "$__ks_t" ] && { __ks_hdrs=1; break; }
    done
    if [ -z "$__ks_hdrs" ]; then
        printf '\nWarning: no kernel headers visible. On the host install linux-headers-%s\n' "$(uname -r)"
        printf '(Debian, Ubuntu) or kernel-devel-%s (RHEL, Fedora), and start the container\n' "$(uname -r)"
        printf 'with -v /lib/modules:/lib/modules:ro -v /usr/src:/usr/src:ro.\n'
    fi
    printf '\n'
    unset __ks_dir __ks_tools __ks_t __ks_hdrs
fi
