#!/usr/bin/env bash
# Man pages: one per tool and for kscope-doctor, kscope-cache and kscope-flamegraph; each renders without a warning (groff -ww
# and man --warnings); every option that --help lists, every example it shows and every
# probe the tool declares is in the page; cmake --install puts the pages in share/man/man8.
set -euo pipefail
. "$(dirname "$0")/../checks.sh"
: "${BIN:?}" "${MANDIR:?}" "${BUILD:?}" "${TOOLS:?}"
for c in groff man col; do
    command -v $c >/dev/null || prereq "$c not installed (scripts/test.sh installs groff-base, man-db)"
done
T=$(mktemp -d /var/tmp/kscope-man.XXXXXX)
trap 'rm -rf "$T"' EXIT

# in_page WORD FILE: WORD as a whole option or name (not a part of a longer one).
in_page() { grep -qE -- "(^|[^A-Za-z0-9_-])$1([^A-Za-z0-9_-]|\$)" "$2"; }

for t in $TOOLS; do
    page=$MANDIR/$t.8
    check "$t: has a page" test -s "$page" || continue
    groff -man -ww -z "$page" 2>"$T/groff.err" || true
    check "$t: groff -man -ww -z: no warnings" test ! -s "$T/groff.err"
    MANWIDTH=200 man --warnings -l "$page" 2>"$T/man.err" | col -b >"$T/$t.txt"
    check "$t: man --warnings: no warnings" test ! -s "$T/man.err"
    check "$t: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXAMPLES, SEE ALSO" bash -c \
        'for s in NAME SYNOPSIS DESCRIPTION OPTIONS EXAMPLES "SEE ALSO"; do grep -qx "$s" "$1" || exit 1; done' _ "$T/$t.txt"
    "$BIN/$t" --help >"$T/$t.help"
    # Options: the left column of the option lines ("  -T, --timestamp", "  --prom FILE").
    opts=$(awk -F'  +' '/^  -/{print $2}' "$T/$t.help" | grep -oE -- '--?[A-Za-z0-9][A-Za-z0-9_-]*' | sort -u)
    check "$t: --help lists options" test -n "$opts"
    missing=
    for o in $opts; do in_page "$o" "$T/$t.txt" || missing="$missing $o"; done
    check "$t: every option of --help is in the page${missing:+ (missing:$missing)}" test -z "$missing"
    # Positional arguments: in the usage line and listed, as --help has them.
    syn=$(sed -n "1s/^usage: $t \[options\] *//p" "$T/$t.help")
    [ "$t" = kscope-doctor ] || [ "$t" = kscope-cache ] || # several usage lines
        check "$t: the synopsis has '$syn'" grep -qF -- "$t [options]${syn:+ $syn}" <(tr -s ' ' <"$T/$t.txt")
    missing=
    for a in $(sed -n '/^positional arguments:/,/^$/p' "$T/$t.help" | awk 'NR > 1 && NF {print $1}'); do
        in_page "$a" <(sed -n '/^ARGUMENTS/,/^OPTIONS/p' "$T/$t.txt") || missing="$missing $a"
    done
    check "$t: every positional argument is under ARGUMENTS${missing:+ (missing:$missing)}" test -z "$missing"
    # Examples: each command of the examples block, spaces squeezed.
    missing=
    while IFS= read -r ex; do
        grep -qF -- "$ex" <(tr -s ' ' <"$T/$t.txt") || missing="$missing [$ex]"
    done < <(sed -n '/^examples:/,$p' "$T/$t.help" | sed -n 's/^ *\([^#]*[^ #]\) *#.*/\1/p' | tr -s ' ')
    check "$t: every example of --help is in the page${missing:+ (missing:$missing)}" test -z "$missing"
    if [ "${t#kscope-}" = "$t" ]; then # a tracing tool: its probes
        missing=
        for p in $("$BIN/$t" --check 2>/dev/null | awk '/^probe /{print $2}'); do
            in_page "$p" "$T/$t.txt" || missing="$missing $p"
        done
        check "$t: every probe is in PROBES${missing:+ (missing:$missing)}" test -z "$missing"
    fi
done

# A hidden option (--man) does not show in --help, and what the page says matches the
# binary: a page generated now is the installed one.
check "--man is not listed by --help" bash -c '! grep -q -- "--man" "$1"' _ "$T/biolatency.help"
check "biolatency --man = the built page" cmp -s <("$BIN/biolatency" --man) "$MANDIR/biolatency.8"

# cmake --install puts every page in share/man/man8.
DESTDIR=$T/inst cmake --install "$BUILD" --prefix /usr >"$T/install.log" 2>&1
for t in $TOOLS; do
    check "installed: share/man/man8/$t.8" cmp -s "$T/inst/usr/share/man/man8/$t.8" "$MANDIR/$t.8"
done
check "man finds an installed page by name" bash -c \
    'MANPATH="$1/usr/share/man" man -w syscount | grep -q "man8/syscount.8"' _ "$T/inst"
if [ "$FAILS" -gt 0 ]; then
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all checks passed"
