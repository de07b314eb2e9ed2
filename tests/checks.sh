# Sourced by the shell tests (tests/tools, tests/doctor): the check tally and the rule for
# missing prerequisites, kept in one place.

# Missing prerequisites: fail under CI=true, skip (77, ctest's SKIP_RETURN_CODE) elsewhere.
prereq() {
    if [ "${CI:-}" = true ]; then
        echo "FAIL: prerequisite missing: $*" >&2
        exit 1
    fi
    echo "SKIP: $*" >&2
    exit 77
}

FAILS=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
