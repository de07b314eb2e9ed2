#!/usr/bin/env bash
# kscope-flamegraph in a real browser: a known set of folded stacks, and a live profile
# piped through it, rendered by headless Chromium. The DOM after the page's script ran
# must hold the frames of the known stacks with their counts and percentages, kernel and
# user frames told apart, the search (#s=) and zoom (#z=) applied, and no script error
# (the page records errors it sees; Chromium's console log is checked too). A PNG is
# rendered as well.
. "$(dirname "$0")/lib.sh"
: "${STACKLOAD:?STACKLOAD must name the stackload test workload}"
command -v chromium >/dev/null || prereq "chromium (Debian package chromium) for the browser test"
FG=$BIN/kscope-flamegraph

# browse URL OUT: the DOM after scripts ran; the console in OUT.log.
browse() {
    local prof
    prof=$(mktemp -d "$T/chromium.XXXXXX")
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$prof" --enable-logging=stderr --v=0 --virtual-time-budget=3000 \
        --dump-dom "$1" >"$2" 2>"$2.log"
}
no_errors() { # no error recorded by the page, no uncaught error in the console
    grep -q 'data-ready="1"' "$1" && ! grep -q 'data-errors=' "$1" &&
        ! grep -qiE 'CONSOLE.*(Uncaught|Error)' "$1.log" || { grep -i console "$1.log" >&2; return 1; }
}

cat >"$T/known.folded" <<'FOLDED'
stackload;main;hot_a;spin 300
stackload;main;hot_b;spin 100
sleeper;start_thread;sleeper;-;entry_SYSCALL_64;do_nanosleep;schedule 50
stackload;main;[unknown] 50
FOLDED
check "known stacks: SVG written (-o)" "$FG" -t 'Known <profile>' -o "$T/known.svg" "$T/known.folded"
check "known stacks: well-formed XML" python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$T/known.svg"
check "browser: renders, the script ran" browse "file://$T/known.svg" "$T/dom1"
check "browser: no script errors" no_errors "$T/dom1"
check "DOM: hot_a with its count and share" grep -qF '<title>hot_a (300 samples, 60.00%)</title>' "$T/dom1"
check "DOM: hot_b with its count and share" grep -qF '<title>hot_b (100 samples, 20.00%)</title>' "$T/dom1"
check "DOM: spin merged under both callers" test "$(grep -c '<title>spin (' "$T/dom1")" = 2
check "DOM: the root is all samples" grep -qF '<title>all (500 samples, 100.00%)</title>' "$T/dom1"
check "DOM: [unknown] escaped and kept" grep -qF '<title>[unknown] (50 samples, 10.00%)</title>' "$T/dom1"
check "DOM: kernel frames after the '-' delimiter" grep -qE 'data-k="kernel"><title>do_nanosleep ' "$T/dom1"
check "DOM: user frames" grep -qE 'data-k="user"><title>hot_a ' "$T/dom1"
check "DOM: the title escaped" grep -qF 'Known &lt;profile&gt;' "$T/dom1"
check "DOM: labels fitted by the script" grep -qE '<text x="[0-9.]+" y="[0-9.]+">hot_a</text>' "$T/dom1"

# Search and zoom through the address, as a user would share them.
check "browser: #s=hot_ searches" browse "file://$T/known.svg#s=hot_" "$T/dom2"
check "search: no script errors" no_errors "$T/dom2"
check "search: two frames matched" grep -q 'data-matched="2"' "$T/dom2"
check "search: 80% matched" grep -qF 'Matched: 80.00%' "$T/dom2"
zid=$(grep -oE 'id="f[0-9]+"[^>]*><title>hot_b ' "$T/dom1" | grep -oE 'f[0-9]+' | head -1)
check "browser: #z=$zid zooms into hot_b" browse "file://$T/known.svg#z=$zid" "$T/dom3"
check "zoom: no script errors" no_errors "$T/dom3"
check "zoom: hot_a hidden" grep -qE 'style="display: none;"><title>hot_a ' "$T/dom3"
check "zoom: hot_b full width" grep -qE '<title>hot_b [^<]*</title><rect x="10" y="[0-9.]+" width="1180"' "$T/dom3"
check "zoom: main kept below as a parent" grep -qE 'class="f parent"[^>]*><title>main ' "$T/dom3"
prof=$(mktemp -d "$T/chromium.XXXXXX")
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$prof" --window-size=1200,300 --screenshot="$T/known.png" \
    "file://$T/known.svg" >/dev/null 2>&1 || true
check "PNG rendered" bash -c 'test "$(head -c 8 "$1" | od -An -tx1 | tr -d " ")" = 89504e470d0a1a0a' _ "$T/known.png"

# A live profile piped in (root: BPF).
if [ "$(id -u)" = 0 ]; then
    "$STACKLOAD" hot >"$T/w" &
    WPID=$!
    wait_for "$T/w" '^ready' 10
    "$BIN/profile" -U -f -F 199 -p "$WPID" 2 --cache-dir "$T/cache" 2>"$T/p.err" | "$FG" >"$T/live.svg"
    kill "$WPID"
    check "live: browser renders the profile" browse "file://$T/live.svg" "$T/dom4"
    check "live: no script errors" no_errors "$T/dom4"
    check "live: hot_a in the DOM" grep -qE '<title>hot_a \([0-9]+ samples, [0-9.]+%\)</title>' "$T/dom4"
fi

# Bad input.
check "bad lines: warned, not fatal" bash -c 'printf "a;b 3\nnot folded\nc;d x\n" | "$1" >/dev/null 2>"$2" && grep -q "ignored 2 lines" "$2"' _ "$FG" "$T/bad.err"
check "unreadable file: exit 1, named" bash -c '! "$1" /nonexistent 2>"$2" >/dev/null && grep -q "cannot read /nonexistent" "$2"' _ "$FG" "$T/bad.err"
check "bad width: exit 2" bash -c '"$1" -w 5 </dev/null >/dev/null 2>&1; test $? = 2' _ "$FG"
check "empty input: a valid empty graph" bash -c '"$1" </dev/null | python3 -c "import sys, xml.dom.minidom as m; m.parse(sys.stdin)"' _ "$FG"
finish
