# Shared by the doctor tests on the host (host.sh, fake.sh): checks and their tally.
# BIN (the directory of the built tools and kscope-doctor) comes from ctest.
set -euo pipefail

: "${BIN:?BIN must name the directory of the built tools}"
DOCTOR=$BIN/kscope-doctor
T=$(mktemp -d /var/tmp/kscope-doctor-test.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT

. "$(dirname "${BASH_SOURCE[0]}")/../checks.sh"
# has FILE TEXT: FILE contains TEXT (fixed string).
has() { grep -qF -- "$2" "$1"; }
# hasre FILE ERE
hasre() { grep -qE -- "$2" "$1"; }
# block FILE NAME: the lines of the human report's item NAME (its line, details and fix).
block() {
    awk -v n="$2" '$0 ~ "^  [A-Za-z]+ +" n " " { p = 1; print; next }
        /^  [A-Za-z]/ || /^$/ { p = 0 } p' "$1"
}
# inblock FILE NAME ERE: a line of item NAME matches ERE.
inblock() { block "$1" "$2" | grep -qE -- "$3"; }

# doctor OUT [ARGS...]: run kscope-doctor, stdout in OUT, stderr in OUT.err; sets RC.
doctor() {
    local out=$1; shift
    RC=0
    "$DOCTOR" "$@" >"$out" 2>"$out.err" || RC=$?
}

# json FILE PYTHON: run PYTHON with j = the parsed JSON document; a failed assert fails.
json() {
    local file=$1 code=$2
    python3 -c '
import json, os, sys
j = json.load(open(sys.argv[1]))
tool = {t["name"]: t for t in j["tools"]}
exec(sys.argv[2])
' "$file" "$code"
}

command -v python3 >/dev/null || prereq "python3 is needed to check the JSON output"
[ -x "$DOCTOR" ] || { echo "FAIL: $DOCTOR was not built" >&2; exit 1; }

finish() {
    if [ "$FAILS" -gt 0 ]; then
        echo "$FAILS check(s) failed"
        exit 1
    fi
    echo "all checks passed"
}
