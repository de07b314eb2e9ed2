#!/bin/bash
# unit-options: command-line handling of the real tool binaries.
#
#   bash options.sh BINDIR
#
# Options are parsed before anything touches the kernel, so none of this needs root or
# BPF: every case ends in exit 0 (--help, --version) or exit 2 (a usage error).
set -u

bin=${1:?usage: options.sh BINDIR}
fails=0
cases=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kscope-options.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() {
    fails=$((fails + 1))
    printf 'FAIL: %s\n' "$*" >&2
}

# expect STATUS STREAM TEXT TOOL ARGS...: run TOOL ARGS..., check the exit status and that
# STREAM (stdout or stderr) contains TEXT ("" = anything). Matching is done in bash, not
# with grep, to keep the test to two processes a case.
expect() {
    local want=$1 stream=$2 text=$3 tool=$4
    shift 4
    cases=$((cases + 1))
    if [[ ! -x $bin/$tool ]]; then
        fail "$tool: not built ($bin/$tool)"
        return 0
    fi
    # </dev/null and a timeout: a tool that got past option parsing must not hang the test.
    timeout 10 "$bin/$tool" "$@" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
    local st=$? what="$tool $*" before=$fails
    local stdout stderr
    stdout=$(<"$tmp/stdout")
    stderr=$(<"$tmp/stderr")
    local -n got=$stream
    if ((st != want)); then
        fail "$what: exit status $st, expected $want"
        printf '    %s\n' "${stderr//$'\n'/$'\n    '}" >&2
        return 0
    fi
    if [[ -n $text && $got != *"$text"* ]]; then
        fail "$what: $stream does not contain \"$text\""
        printf '    %s\n' "${got//$'\n'/$'\n    '}" >&2
        return 0
    fi
    if ((want == 2)); then
        # Usage errors: the message and the hint on stderr, nothing on stdout.
        [[ $stderr == *"Try '$tool --help' for more information."* ]] ||
            fail "$what: no --help hint on stderr"
        [[ -z $stdout ]] || fail "$what: usage error printed to stdout"
        # Only printable text (a raw getopt code must not leak out as a byte).
        if LC_ALL=C eval '[[ $stderr == *[![:print:][:space:]]* ]]'; then
            fail "$what: unprintable bytes in the message: $(od -c "$tmp/stderr" | head -3)"
        fi
        # One line of message and the hint, however long or strange the argument was.
        local nl=${stderr//[!$'\n']/}
        ((${#nl} == 1)) || fail "$what: the message is not one line ($((${#nl} + 1)) lines)"
        ((${#stderr} < 400)) || fail "$what: the message is ${#stderr} bytes long"
    fi
    ((fails == before)) && printf 'ok: %s -> %s\n' "$what" "$st"
    return 0
}

for tool in execsnoop opensnoop biolatency; do
    [ -x "$bin/$tool" ] || { [ "$tool" = biolatency ] && continue; }
    expect 0 stdout "usage: $tool " "$tool" -h
    expect 0 stdout "usage: $tool " "$tool" --help
    expect 0 stdout "$tool (kscope) " "$tool" --version
    expect 2 stderr "invalid probe mode 'bogus'" "$tool" --probe=bogus
    expect 2 stderr "invalid probe mode 'bogus'" "$tool" --probe bogus
    expect 2 stderr "option '--probe' needs a value" "$tool" --probe
    expect 2 stderr "unrecognized option '--no-such-option'" "$tool" --no-such-option
    expect 2 stderr "unrecognized option '-Z'" "$tool" -Z
    expect 2 stderr "--ebpf" "$tool" --ebpf=yes
    expect 2 stderr "--no-cache" "$tool" --no-cache=1
    expect 2 stderr "option '--kernel-headers' needs a value" "$tool" --kernel-headers
done

# --help must start with the usage line (argparse style).
for tool in execsnoop opensnoop; do
    cases=$((cases + 1))
    first=$("$bin/$tool" -h 2>/dev/null)
    first=${first%%$'\n'*}
    case $first in
    "usage: $tool "*) printf 'ok: %s -h first line\n' "$tool" ;;
    *) fail "$tool -h: first line is '$first'" ;;
    esac
done

# opensnoop: -p PID, -t TID, -u UID, -d, -b
expect 2 stderr "invalid PID 'abc'" opensnoop -p abc
expect 2 stderr "invalid PID 'abc'" opensnoop --pid=abc
expect 2 stderr "invalid PID '-1'" opensnoop -p -1
expect 2 stderr "invalid PID '12x'" opensnoop -p 12x
expect 2 stderr "invalid PID '99999999999999999999'" opensnoop -p 99999999999999999999
expect 2 stderr "option '-p' needs a value" opensnoop -p
expect 2 stderr "invalid TID 'x'" opensnoop -t x
expect 2 stderr "invalid UID '-5'" opensnoop -u -5
expect 2 stderr "invalid duration '0'" opensnoop -d 0
expect 2 stderr "must be a power of two" opensnoop -b 3
expect 2 stderr "unexpected argument '5'" opensnoop 5
expect 0 stdout "-p, --pid PID" opensnoop -h

# execsnoop: --max-args 1..64, -P PPID, -u USER, no -p
expect 2 stderr "invalid MAX_ARGS '0'" execsnoop --max-args 0
expect 2 stderr "invalid MAX_ARGS '65'" execsnoop --max-args=65
expect 2 stderr "invalid MAX_ARGS 'ten'" execsnoop --max-args ten
expect 2 stderr "invalid PPID '-1'" execsnoop -P -1
expect 2 stderr "unrecognized option '-p'" execsnoop -p 1
expect 2 stderr "option '-d' needs a value" execsnoop -d
expect 2 stderr "unexpected argument 'extra'" execsnoop extra
expect 0 stdout "--max-args MAX_ARGS" execsnoop -h
expect 2 stderr "invalid regex for -l at offset" execsnoop -l 'a(b'
expect 2 stderr "invalid regex for -n at offset" execsnoop -n '*x'
expect 0 stdout "Python re syntax, by PCRE2" execsnoop -h
expect 0 stdout "--cgroupmap CGROUPMAP" execsnoop -h
expect 0 stdout "--mntnsmap MNTNSMAP" opensnoop -h
expect 0 stdout "-F, --full-path" opensnoop -h
expect 2 stderr "option '--cgroupmap' needs a value" opensnoop --cgroupmap
expect 2 stderr "invalid PPID 'x'" syscount -c x

# biolatency (when built): [interval [count]]
if [ -x "$bin/biolatency" ]; then
    expect 2 stderr "unexpected argument '3'" biolatency 1 2 3
    expect 2 stderr "invalid interval '0'" biolatency 0
    expect 2 stderr "invalid interval 'x'" biolatency x
    expect 2 stderr "invalid count '0'" biolatency 1 0
    expect 0 stdout "usage: biolatency [options] [interval [count]]" biolatency -h
    expect 2 stderr "no such disk 'not-a-disk'" biolatency -d not-a-disk
    expect 0 stdout "-e, --extension" biolatency -h
fi

# What the user typed is echoed quoted and shortened: newlines, control characters and
# 64 KB values (issue 17 item 15).
big=$(printf '%*s' 65536 '' | tr ' ' 7)
expect 2 stderr "invalid probe mode 'x\\ny' (use auto" execsnoop --probe=$'x\ny'
expect 2 stderr "invalid probe mode 'a\\x1b[31m\\x07'" execsnoop --probe=$'a\e[31m\a'
expect 2 stderr "invalid MAX_ARGS '777777777777" execsnoop --max-args "$big"
expect 2 stderr "... (65536 bytes)'" execsnoop --max-args "$big"
expect 2 stderr "unexpected argument 'two\\nlines'" opensnoop $'two\nlines'
expect 2 stderr "invalid PID 'it\\'s'" opensnoop -p "it's"
expect 2 stderr "unrecognized option '--xxxxxxxx" opensnoop "--$(printf '%*s' 3000 '' | tr ' ' x)"
expect 2 stderr "(3002 bytes)" opensnoop "--$(printf '%*s' 3000 '' | tr ' ' x)"
# A tool's own check that echoes without ks_q still cannot split the message.
if [ -x "$bin/syscount" ]; then
    expect 2 stderr "couldn't map" syscount -e $'EP\nERM'
    expect 2 stderr "syscall '" syscount --syscall "$big"
fi

# kscope-doctor's own options (issue 17 item 17: a value given to a flag named the flag).
if [ -x "$bin/kscope-doctor" ]; then
    expect 2 stderr "option '--json' doesn't allow a value" kscope-doctor --json=1
    expect 2 stderr "option '--verbose' doesn't allow a value" kscope-doctor --verbose=yes
    expect 2 stderr "option '--kernel-headers' needs a value" kscope-doctor --kernel-headers
    expect 2 stderr "unrecognized option '-Z'" kscope-doctor -Z
    expect 2 stderr "unrecognized option '--no-such'" kscope-doctor --no-such
    expect 2 stderr "unexpected argument 'a\\nb'" kscope-doctor $'a\nb'
fi

if [ "$fails" -ne 0 ]; then
    printf '%d of %d option cases FAILED\n' "$fails" "$cases" >&2
    exit 1
fi
printf 'all %d option cases passed\n' "$cases"
