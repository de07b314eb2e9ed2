#!/usr/bin/env bash
# kscope-doctor on this machine, checked against the machine itself and against the tools'
# own answers: kprobes (absent on the development host: it must say so, and say the tools
# still run on tracepoints), BTF, the kernel headers (a mismatch names the running release
# and the one used, as the tools' -v output does), every tool's probes and --probe modes,
# the exit status, --json, and a run as a user other than root.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || prereq "the doctor test needs root (BPF checks, tracefs)"
TOOLS="execsnoop opensnoop biolatency"
NT=${KS_NTOOLS:?KS_NTOOLS: the number of tools (from CMake)}
REL=$(uname -r)

KPROBES=false
if [ -e /sys/bus/event_source/devices/kprobe/type ] || [ -e /sys/kernel/tracing/kprobe_events ] ||
    [ -e /sys/kernel/debug/tracing/kprobe_events ]; then
    KPROBES=true
fi
BTF=false
[ -e /sys/kernel/btf/vmlinux ] && BTF=true
echo "note: kernel $REL, kprobes $KPROBES, BTF $BTF"
# Kprobe-only tools (vfsstat, ...) cannot run without kprobes: each says so in one line
# (ks_probes_resolve), and the doctor lists it as unsupported here, not as a failure.
KPO_TOOLS=()
for f in "$BIN"/*; do
    n=${f##*/}
    case $n in kscope-*) continue ;; esac
    [ -x "$f" ] || continue
    if ! "$f" --check >/dev/null 2>"$T/kpo.err" &&
        grep -qE 'this kernel (cannot probe kernel functions|has none of its kernel functions):' "$T/kpo.err"; then
        KPO_TOOLS+=("$n")
    fi
done
KPO=${#KPO_TOOLS[@]}
NR=$((NT - KPO))
KPO_TEXT=
[ "$KPO" -gt 0 ] && KPO_TEXT="; $KPO kprobe-only tool$([ "$KPO" -gt 1 ] && echo s || true) unsupported here"
echo "note: $KPO kprobe-only tools: ${KPO_TOOLS[*]}"

# --- what the tools say themselves --------------------------------------------------------
# Headers: a tool run with -v names them ("kernel headers: DIR (how)") and, when they are
# not for the running kernel, warns "using RELEASE (closest installed)".
rc=0
timeout 300 "$BIN/biolatency" -v 1 1 >"$T/bio.out" 2>"$T/bio.err" || rc=$?
check "biolatency -v 1 1 runs (the oracle for the headers)" test "$rc" -eq 0
HREL=$(sed -nE 's/.*using (.+) \(closest installed\).*/\1/p' "$T/bio.err" | head -n1)
if [ -z "$HREL" ]; then
    if grep -q "kernel headers: .*(closest)" "$T/bio.err"; then
        fail "closest headers without a release in the warning"; cat "$T/bio.err" >&2
    fi
    HREL=$REL # the tool found headers for the running kernel
fi
echo "note: headers used by the tools: $HREL"
LIBBCC=$("$BIN/execsnoop" --version | sed -nE 's/.*libbcc (.+)$/\1/p')

# --- the report ---------------------------------------------------------------------------
doctor "$T/text"
check "exit status 0 (every tool can run, kprobe-only ones aside)" test "$RC" -eq 0
check "nothing on stderr" test ! -s "$T/text.err"
for s in System "Kernel features" "Kernel headers" "Tools \\("; do
    check "section '$s'" hasre "$T/text" "^$s"
done
check "kernel release shown" hasre "$T/text" "^  info  kernel +$REL "
check "libbcc version shown ($LIBBCC)" hasre "$T/text" "^  ok    libbcc +$LIBBCC "
check "BPF syscall works" hasre "$T/text" "^  ok    BPF syscall +works"
check "tracefs found" hasre "$T/text" "^  ok    tracefs +/sys/kernel"
if [ $BTF = true ]; then
    check "BTF present" hasre "$T/text" "BTF +present"
else
    check "BTF absent" hasre "$T/text" "BTF +absent"
fi
if [ $KPROBES = false ]; then
    check "says kprobes are unavailable" hasre "$T/text" "^  WARN  kprobes +unavailable"
    check "names CONFIG_KPROBES in the fix" \
        has "$T/text" "fix: kprobe fallbacks unavailable: CONFIG_KPROBES is off; tools use tracepoints"
    check "summary: all tools run on tracepoints, kprobes unavailable" \
        has "$T/text" "Summary: $NR of $NT tools can run (tracepoints); kprobe fallbacks unavailable on this kernel$KPO_TEXT"
    for tool in "${KPO_TOOLS[@]}"; do
        check "$tool: listed as unsupported here (kprobe-only)" \
            inblock "$T/text" "$tool" "^  WARN  $tool +unsupported here: cannot attach probe '[a-z_]+': no tracepoint measures it; it needs a kprobe on the kernel function [a-z_0-9.]+, and this kernel cannot probe kernel functions"
        check "$tool: with the fix (a kernel with kprobes)" inblock "$T/text" "$tool" "fix: kprobe-only"
    done
else
    check "says kprobes are available" hasre "$T/text" "^  ok    kprobes +available"
    check "summary: all tools run" hasre "$T/text" "^Summary: $NT of $NT tools can run"
fi
if [ "$HREL" != "$REL" ]; then
    check "headers: a mismatch warning" hasre "$T/text" "^  WARN  headers +mismatch: "
    check "headers: the warning names $REL and $HREL" \
        has "$T/text" "mismatch: running kernel $REL, headers used $HREL (closest installed)"
    check "headers: says how to get matching ones" \
        has "$T/text" "fix: install linux-headers-$REL (Debian, Ubuntu) or kernel-devel-$REL"
else
    check "headers: match" hasre "$T/text" "^  ok    headers +$REL "
fi
for tool in $TOOLS; do
    # The tool's own --check answers, per mode: the doctor must report the same.
    for mode in auto tracepoint kprobe; do
        r=0; "$BIN/$tool" --check --probe=$mode >"$T/$tool.$mode" 2>/dev/null || r=$?
        echo "$r" >"$T/$tool.$mode.rc"
    done
    want_kp=unsupported; grep -qx "result ok" "$T/$tool.kprobe" && want_kp=ok
    if [ $KPROBES = false ]; then
        check "$tool: runs with tracepoints" hasre "$T/text" "^  ok    $tool +runs with tracepoints$"
        check "$tool --check --probe=kprobe itself says unsupported" test "$want_kp" = unsupported
    else
        check "$tool: runs" hasre "$T/text" "^  ok    $tool +runs with "
    fi
    check "$tool: modes (kprobe $want_kp)" \
        inblock "$T/text" "$tool" "^ +--probe: auto ok, tracepoint ok, kprobe $want_kp$"
    # Each probe line of the tool shows up under it with the same variant and target.
    while read -r _ name kind target; do
        [ "$kind" = none ] && continue
        check "$tool: probe $name $kind $target listed" \
            inblock "$T/text" "$tool" "^ +$name +$kind +$target$"
    done < <(grep '^probe ' "$T/$tool.auto")
done
# Every problem comes with a way to fix it.
check "every WARN/FAIL line has a fix line" awk '
    /^  (WARN|FAIL) / { open = 1; next }
    /^  [a-zA-Z]/ || /^$/ { if (open) bad = 1; open = 0 }
    /^ +fix: / { open = 0 }
    END { exit bad || open }' "$T/text"

# --- --json -------------------------------------------------------------------------------
doctor "$T/json" --json
check "--json: exit status 0" test "$RC" -eq 0
check "--json: one valid JSON document" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/json"
check "--json: kernel release, libbcc, root" json "$T/json" "
s = j['system']
assert j['schema'] == 1, j['schema']
assert s['kernel_release'] == '$REL', s
assert s['libbcc_version'] == '$LIBBCC', s
assert s['root'] is True and s['libbcc_compiler'] is True, s"
check "--json: bpf syscall, tracepoint programs, tracefs" json "$T/json" "
f = j['features']
assert f['bpf_syscall'] is True, f
assert f['prog_types']['tracepoint'] is True, f
assert f['tracefs'] and f['tracefs'].startswith('/sys/kernel/'), f
assert f['jit'] in ('on', 'off', 'debug', 'unknown'), f
assert f['map_types']['ringbuf'] in (True, False), f['map_types']"
# The BPF ring buffer (5.8+), asked of the kernel like the tools ask it.
RB=False; grep -q "events: BPF ring buffer" <("$BIN/opensnoop" --events=ringbuf -v -d 1 2>&1 >/dev/null) && RB=True
check "--json: ringbuf $RB, as opensnoop found" json "$T/json" "assert j['features']['map_types']['ringbuf'] is $RB"
# Events built in place (x86_64, 5.12+), as opensnoop decides it.
IP=False; grep -q "events: built in place" <("$BIN/opensnoop" -v -d 1 2>&1 >/dev/null) && IP=True
check "--json: inplace_events $IP, as opensnoop found" json "$T/json" "assert j['features']['inplace_events'] is $IP"
if [ "$RB" = True ]; then
    check "text: events through the ring buffer" hasre "$T/text" "ringbuf yes \(events go through the BPF ring buffer\)"
fi
check "--json: kprobes $KPROBES" json "$T/json" "
assert j['features']['kprobes'] is $([ $KPROBES = true ] && echo True || echo False), j['features']"
check "--json: btf $BTF" json "$T/json" "
assert j['features']['btf'] is $([ $BTF = true ] && echo True || echo False), j['features']"
check "--json: headers $HREL for $REL" json "$T/json" "
h = j['headers']
assert h['found'] is True, h
assert h['running_release'] == '$REL', h
assert h['release'] == '$HREL', h
assert h['exact'] is $([ "$HREL" = "$REL" ] && echo True || echo False), h"
for tool in $TOOLS; do
    want_kp=False; grep -qx "result ok" "$T/$tool.kprobe" && want_kp=True
    probes=$(awk '/^probe /{printf "(\"%s\",\"%s\",\"%s\"),", $2, $3, $4}' "$T/$tool.auto")
    check "--json: $tool runs, modes auto/tracepoint ok, kprobe $want_kp" json "$T/json" "
t = tool['$tool']
assert t['found'] and t['runs'] and t['check'] == 'ok', t
m = t['modes']
assert m['auto']['ok'] and m['tracepoint']['ok'], m
assert m['kprobe']['ok'] is $want_kp, m['kprobe']
assert m['kprobe']['ok'] or m['kprobe']['reason'], m['kprobe']
got = [(p['name'], p['kind'], p['target'] or '-') for p in t['probes']]
assert got == [$probes], got"
    if [ $KPROBES = false ]; then
        check "--json: $tool uses tracepoints only" json "$T/json" "
t = tool['$tool']
assert t['variant'] == 'tracepoints', t['variant']
kinds = {p['kind'] for p in t['probes']}
assert 'tracepoint' in kinds and kinds <= {'tracepoint', 'none'}, kinds
assert t['modes']['kprobe']['exit'] == 1, t['modes']['kprobe']"
    fi
done
check "--json: summary" json "$T/json" "
s = j['summary']
assert s['tools_total'] == $NT and s['tools_runnable'] == $NR, s
assert s['all_runnable'] is $([ "$KPO" = 0 ] && echo True || echo False), s
assert s['kprobe_only_unsupported'] == $KPO, s
assert s['text'].startswith('$NR of $NT tools can run'), s"
check "--json: every warn/fail check has a fix" json "$T/json" "
bad = [c for c in j['checks'] if c['status'] in ('warn', 'fail') and not c['fix']]
assert not bad, bad"
check "--json: the checks are the human report's lines" json "$T/json" "
text = open('$T/text').read()
for c in j['checks']:
    assert c['value'] in text, c"

# --- options ------------------------------------------------------------------------------
# --- columns that print "-" here: exactly what each tool's --check says (dash lines) -------
# tcplife, mountsnoop, tcpdrop and tcpretrans read structs on tracepoint paths; whether they
# may is ks_struct_reads' answer for this machine's headers, and the doctor repeats it.
for n in tcplife mountsnoop tcpdrop tcpretrans; do
    "$BIN/$n" --check 2>/dev/null | sed -n 's/^dash //p' >"$T/dash.$n"
    block "$T/text" "$n" | sed -n 's/^ *prints "-": //p' >"$T/doc.$n"
    check "\"-\" columns: $n: as its --check says ($(wc -l <"$T/dash.$n") lines)" \
        cmp -s "$T/dash.$n" "$T/doc.$n"
done
if hasre "$T/text" '^  WARN  headers +mismatch'; then
    check "\"-\" columns: headers differ: tcplife's TX_KB and RX_KB are listed" \
        grep -qxF 'TX_KB and RX_KB' <(block "$T/text" '"-" columns' | awk '$1 == "tcplife" {$1 = ""; sub(/^ /, ""); print}')
    check "\"-\" columns: --json: tcplife's dashed" json "$T/json" "
assert tool['tcplife']['dashed'][0].startswith('TX_KB and RX_KB: they are read from struct tcp_sock, and '), tool['tcplife']"
fi

doctor "$T/help" --help
check "--help: exit 0" test "$RC" -eq 0
check "--help: usage" has "$T/help" "usage: kscope-doctor"
doctor "$T/ver" --version
check "--version: exit 0, names libbcc" has "$T/ver" "kscope-doctor (kscope) "
doctor "$T/bad" --bogus
check "unknown option: exit 2" test "$RC" -eq 2
check "unknown option: message" has "$T/bad.err" "unrecognized option '--bogus'"
doctor "$T/bad" extra
check "positional argument: exit 2" test "$RC" -eq 2
doctor "$T/bad" --kernel-headers
check "missing value: exit 2" test "$RC" -eq 2
doctor "$T/kh" --kernel-headers /nonexistent
check "--kernel-headers /nonexistent: exit 1 (tools cannot compile)" test "$RC" -eq 1
check "--kernel-headers /nonexistent: headers FAIL" hasre "$T/kh" "^  FAIL  headers "

# --- not root -----------------------------------------------------------------------------
NOBODY=$(id -u nobody 2>/dev/null || true)
if [ -n "$NOBODY" ] && command -v setpriv >/dev/null &&
    setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups test -x "$DOCTOR"; then
    asnobody() { setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups "$@"; }
    rc=0; asnobody "$DOCTOR" >"$T/nr" 2>"$T/nr.err" || rc=$?
    check "not root: no crash (exit 0 or 1)" test "$rc" -le 1
    check "not root: says so" hasre "$T/nr" "^  WARN  user +not root"
    check "not root: BPF checks need root" has "$T/nr" "the BPF checks need root"
    check "not root: summary asks for root" hasre "$T/nr" "^Summary: .*run as root"
    rc=0; asnobody "$DOCTOR" --json >"$T/nr.json" 2>/dev/null || rc=$?
    check "not root: --json valid, root false, bpf unchecked" json "$T/nr.json" "
assert j['system']['root'] is False
assert j['features']['bpf_syscall'] is None"
else
    echo "note: cannot run as nobody here; the non-root checks are skipped"
fi
finish
