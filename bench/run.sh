#!/usr/bin/env bash
# bench/run.sh: kscope against BCC's Python tools and bpftrace, side by side, on this machine.
#
#   bash bench/run.sh [--quick] [--explore] [--runs N] [--opens N] [--out FILE] ...
#
# As root. Builds kscope if needed, installs Debian's bpfcc-tools, bpftrace and bpftool if
# missing, measures (see bench/README.md), and writes a Markdown report to bench/results.md
# (also printed). About 8 minutes on a 2-core machine; --quick is about 3.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${KSB_BUILD:-$ROOT/build}
BIN=$BUILD/bin
PY=/usr/bin/python3 # Debian's python3, which has the bcc module (not a pyenv or venv one)

RUNS=5          # time-to-ready and RSS samples per tool and implementation
WL_RUNS=5       # runs of the openat workload per implementation (5: a VM has outliers)
NOPENS=1000000  # openat() calls per workload run
NCOST_OPENS=200000
COST_RUNS=3      # runs of opensnoop's in-kernel cost (the median is reported)
NDIO=20000      # O_DIRECT writes for biolatency's per-event cost
NSYSCALLS=1000000 # getppid() calls for syscount's per-event cost
HOLD=2          # seconds of tracing before steady RSS is read
BUSY_MAX=30     # wait (up to QUIET_WAIT s) until other processes use under this % of the CPUs
QUIET_WAIT=30
INSTALL=1
EXPLORE=0
KEEP=0
OUT=$HERE/results.md
TOOLS=(opensnoop execsnoop biolatency)
ONLY=""         # --only: the sections to run (default all)
SECTIONS="ready,workload,cost,profile,net,block,generic,mem,sched"

usage() {
    cat <<EOF
usage: bash bench/run.sh [options]
  --quick          2 runs, 1 workload run of 200000 opens (a quick look; not for the record)
  --runs N         time-to-ready/RSS runs per tool and implementation (default $RUNS)
  --wl-runs N      openat workload runs per implementation (default $WL_RUNS)
  --opens N        openat() calls per workload run (default $NOPENS)
  --explore        also run kscope opensnoop with -b 64, -b 1024, and output to tmpfs
  --busy-max PCT   wait for other load below PCT % of the CPUs before each section ($BUSY_MAX)
  --quiet-wait S   ... but at most S seconds (default $QUIET_WAIT)
  --no-install     do not apt-get install missing tools
  --out FILE       report file (default bench/results.md)
  --keep           keep the work directory (raw samples, tool output)
  --only S[,S...]  run only these sections: ready workload cost profile (opensnoop, execsnoop,
                   biolatency, profile) net block generic mem sched (the tool families)
EOF
}

QUICK=0
case " $* " in *" --quick "*) QUICK=1 ;; esac # the family sections' --quick sizes
while [ $# -gt 0 ]; do
    case $1 in
    --quick) RUNS=2 WL_RUNS=1 NOPENS=200000 NCOST_OPENS=100000 COST_RUNS=1 NDIO=5000 NSYSCALLS=200000 HOLD=1 QUIET_WAIT=10 ;;
    --runs) RUNS=$2; shift ;;
    --wl-runs) WL_RUNS=$2; shift ;;
    --opens) NOPENS=$2; shift ;;
    --explore) EXPLORE=1 ;;
    --busy-max) BUSY_MAX=$2; shift ;;
    --quiet-wait) QUIET_WAIT=$2; shift ;;
    --no-install) INSTALL=0 ;;
    --out) OUT=$(realpath -m "$2"); shift ;;
    --keep) KEEP=1 ;;
    --only) ONLY=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
    shift
done

want() { [ -z "$ONLY" ] || case ",$ONLY," in *",$1,"*) true ;; *) false ;; esac; }
# --only: the report goes to results-SECTION[-SECTION].md unless --out says otherwise
[ -n "$ONLY" ] && [ "$OUT" = "$HERE/results.md" ] && OUT=$HERE/results-${ONLY//,/-}.md
for s in ${ONLY//,/ }; do
    case ",$SECTIONS," in *",$s,"*) ;; *) echo "run.sh: unknown section '$s' for --only (one of: $SECTIONS)" >&2; exit 2 ;; esac
done

say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (tracing needs it): sudo bash bench/run.sh"

# ---- prerequisites -------------------------------------------------------------------------
install_missing() {
    local pkgs=()
    [ -x /usr/sbin/opensnoop-bpfcc ] || pkgs+=(bpfcc-tools)
    command -v bpftrace >/dev/null || pkgs+=(bpftrace)
    command -v bpftool >/dev/null || pkgs+=(bpftool)
    command -v cc >/dev/null || pkgs+=(gcc)
    command -v ip >/dev/null || pkgs+=(iproute2) # the net section's network namespace
    [ ${#pkgs[@]} -eq 0 ] && return
    if [ "$INSTALL" = 0 ]; then
        say "missing (not installed, --no-install): ${pkgs[*]}"
        return
    fi
    say "installing ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${pkgs[@]}" >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get install -y -qq "${pkgs[@]}" >/dev/null; } ||
        say "apt-get install ${pkgs[*]} failed; those columns will say so"
}
install_missing

build_kscope() {
    local t ok=1
    for t in "${TOOLS[@]}"; do [ -x "$BIN/$t" ] || ok=0; done
    if [ -f "$BUILD/CMakeCache.txt" ]; then
        # Bring the build up to date; if others' edits break it, measure what is there.
        cmake --build "$BUILD" -j"$(nproc)" >"$WORK/build.log" 2>&1 ||
            { [ $ok = 1 ] && say "warning: rebuild failed (see --keep, build.log); using existing binaries"; }
    elif [ $ok = 0 ]; then
        say "building kscope"
        [ -x "$ROOT/scripts/deps.sh" ] && bash "$ROOT/scripts/deps.sh" >/dev/null 2>&1
        cmake -S "$ROOT" -B "$BUILD" >"$WORK/build.log" 2>&1 &&
            cmake --build "$BUILD" -j"$(nproc)" >>"$WORK/build.log" 2>&1
    fi
    for t in "${TOOLS[@]}"; do
        [ -x "$BIN/$t" ] || { cat "$WORK/build.log" >&2; die "kscope's $t was not built"; }
    done
}

WORK=$(mktemp -d /var/tmp/ksbench.XXXXXX) # not tmpfs: the O_DIRECT workload needs a disk
SHM=$(mktemp -d /dev/shm/ksbench.XXXXXX 2>/dev/null || mktemp -d) # output that costs no disk I/O
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo "")
cleanup() {
    [ -n "$STATS_OLD" ] && sysctl -q -w kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null 2>&1
    rm -rf "$SHM"
    if [ "$KEEP" = 1 ]; then say "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_kscope
cc -O2 -Wall -o "$WORK/harness" "$HERE/harness.c" -lpthread || die "cannot build bench/harness.c"
cc -O2 -Wall -o "$WORK/loadgen" "$HERE/loadgen.c" || die "cannot build bench/loadgen.c"
H=$WORK/harness
LG=$WORK/loadgen
SAMPLES=$WORK/samples.tsv # section tool impl run key value
META=$WORK/meta.tsv       # key value
: >"$SAMPLES"
: >"$META"
meta() { printf '%s\t%s\n' "$1" "$2" >>"$META"; }
sample() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$SAMPLES"; }

T_START=$(date +%s)
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta host "$(hostname)"
meta kernel "$(uname -r)"
meta cpu "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
meta nproc "$(nproc)"
meta mem "$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain -- common tools bpfsrc CMakeLists.txt 2>/dev/null)" ]; then
    commit="$commit (+ uncommitted changes in common/, tools/ or bpfsrc/)"
fi
meta commit "$commit"
meta kscope_version "$("$BIN/opensnoop" --version 2>&1 | head -1)"
meta bcc_version "$(dpkg-query -W -f='${Version}' bpfcc-tools 2>/dev/null || echo none)"
meta bpftrace_version "$(bpftrace --version 2>/dev/null || echo none)"
meta loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"
meta settings "runs=$RUNS wl_runs=$WL_RUNS cost_runs=$COST_RUNS opens=$NOPENS hold=${HOLD}s"

# shellcheck source=families.sh
. "$HERE/families.sh" # the family sections (step 6), and fam_bcc_env for --only profile

# ---- quiet machine ---------------------------------------------------------------------------
# % of all CPUs busy over one second (everything: this script is idle while it samples).
busy_pct() {
    local a b
    a=($(head -1 /proc/stat))
    sleep 1
    b=($(head -1 /proc/stat))
    local tot=0 idle i
    for i in 1 2 3 4 5 6 7 8; do tot=$((tot + b[i] - a[i])); done
    idle=$((b[4] - a[4] + b[5] - a[5]))
    [ $tot -gt 0 ] && echo $(((tot - idle) * 100 / tot)) || echo 0
}
# Tracers not started by us on the probes we measure (they slow the workload down).
foreign_tracers() { # REGEX of tracepoints that matter to the next section
    command -v bpftool >/dev/null || return 0
    bpftool perf show 2>/dev/null | grep -E "$1" |
        awk '{print $2}' | sort -u | while read -r pid; do
        printf '%s(%s) ' "$pid" "$(cat /proc/"$pid"/comm 2>/dev/null)"
    done
}
wait_quiet() { # SECTION [TRACEPOINT-REGEX]
    local t0=$SECONDS b f=""
    while :; do
        b=$(busy_pct)
        [ -n "${2:-}" ] && f=$(foreign_tracers "$2")
        if [ "$b" -le "$BUSY_MAX" ] && [ -z "$f" ]; then break; fi
        if [ $((SECONDS - t0)) -ge "$QUIET_WAIT" ]; then
            say "machine still busy (${b}% CPU${f:+, other tracers: $f}); measuring anyway"
            break
        fi
        sleep 2
    done
    meta "busy_$1" "${b}% CPU busy before the section, load average $(cut -d' ' -f1-3 /proc/loadavg)${f:+; other tracers attached: $f}"
}

# ---- running one measurement -----------------------------------------------------------------
# Error line of a failed run: for a Python traceback its first and last lines.
errline() { # ERRFILE OUTFILE
    local e=$1 o=$2 l=""
    if grep -qs "Unable to find kernel headers" "$o" "$e"; then
        l="Unable to find kernel headers (none for $(uname -r) in /lib/modules)"
    elif grep -qs "could not attach probe" "$e"; then
        l="$(grep -c 'could not attach probe' "$e") probes not attached: $(grep -m1 -E 'create_probe_event|not traceable' "$e")"
    elif grep -qs '^Traceback' "$e"; then
        local first last
        first=$(grep -v '^[[:space:]]*$' "$e" | head -1)
        last=$(grep -v '^[[:space:]]*$' "$e" | tail -1)
        if [ "${first#Traceback}" != "$first" ]; then l=$last; else l="$first ... $last"; fi
    else
        l=$(grep -v -e '^[[:space:]]*$' -e RLIMIT_MEMLOCK "$e" | head -1)
    fi
    [ -z "$l" ] && l=$(grep -v '^[[:space:]]*$' "$o" 2>/dev/null | head -1)
    [ -z "$l" ] && l="exited before printing its header"
    l=${l//$'\t'/ }
    l=${l//|/\\|}
    printf '%s' "${l:0:200}"
}

# measure SECTION TOOL IMPL RUN HARNESS-ARGS... -- CMD...: run the harness, record its keys.
# Returns 1 if the tool did not get ready.
measure() {
    local sec=$1 tool=$2 impl=$3 run=$4
    shift 4
    local base=$WORK/$sec-$tool-$impl-$run
    "$H" -e "$base.err" -s "$base.out" "$@" >"$base.h" 2>"$base.herr"
    local k v rc=0
    while IFS='=' read -r k v; do
        case $k in
        prog) sample "$sec" "$tool" "$impl" "$run" prog "$v" ;;
        ready | ready_ms | ready_hwm_kb | steady_rss_kb | hwm_kb | workload_ms | drain_ms | \
            tool_cpu_ms | tool_wakeups | post_rss_kb | post_hwm_kb | tree_maxrss_kb | total_cpu_ms | exit | killed)
            sample "$sec" "$tool" "$impl" "$run" "$k" "$v" ;;
        esac
    done <"$base.h"
    if ! grep -q '^ready_ms=' "$base.h"; then
        local o=$WORK/$sec-$tool-$impl-$run.out
        sample "$sec" "$tool" "$impl" "$run" error "$(errline "$base.err" "$o")"
        rc=1
    elif grep -qs "could not attach probe" "$base.err"; then
        # bpftrace skips probes it cannot attach and runs on: not a working tool.
        sample "$sec" "$tool" "$impl" "$run" error "$(errline "$base.err" /dev/null)"
        rc=1
    fi
    return $rc
}

PAT_opensnoop="ERR PATH"
PAT_execsnoop="ARGS"
PAT_biolatency="Tracing block device I/O"
pat() { local v=PAT_$1; printf '%s' "${!v}"; }

# The command line of an implementation of a tool (a bash array named CMD).
cmd_of() { # TOOL IMPL [extra kscope args...]
    local tool=$1 impl=$2
    shift 2
    case $impl in
    kscope-cold)
        local d
        d=$(mktemp -d "$WORK/cold.XXXXXX")
        CMD=("$BIN/$tool" --cache-dir "$d" "$@") ;;
    kscope | kscope-warm | kscope-shm) CMD=("$BIN/$tool" --cache-dir "$WORK/warm" "$@") ;;
    kscope-b*) CMD=("$BIN/$tool" --cache-dir "$WORK/warm" -b "${impl#kscope-b}" "$@") ;;
    kscope-perf) CMD=("$BIN/$tool" --cache-dir "$WORK/warm" --events=perf "$@") ;;
    kscope-ringbuf) CMD=("$BIN/$tool" --cache-dir "$WORK/warm" --events=ringbuf "$@") ;;
    # JSON has no header line: -v says "ready: tracing" on stderr (harness -E).
    kscope-json) CMD=("$BIN/$tool" --cache-dir "$WORK/warm" --json -v "$@") ;;
    bcc) CMD=(env "${BCC_ENV[@]}" "/usr/sbin/$tool-bpfcc") ;;
    bcc-same) CMD=(env "${BCC_ENV[@]}" "$PY" "$HERE/bcc_same.py" "$tool" "$WORK/$tool.prog.c") ;;
    bpftrace) CMD=(bpftrace "${BT_SCRIPT[$tool]}") ;;
    floor) CMD=("$FLOOR" --cache-dir "$WORK/warm") ;;
    esac
}

# ---- 1. which tools run here -------------------------------------------------------------------
declare -A WORKS BT_SCRIPT
BCC_ENV=()
khdr=""
if want ready || want workload || want cost; then # (--only: not indented, to keep diffs small)
say "work directory $WORK; checking which tools run on this kernel"
mkdir -p "$WORK/warm"
# Warm kscope's cache and learn which kernel headers it uses (BCC gets the same ones).
for t in "${TOOLS[@]}"; do
    cmd_of "$t" kscope -v
    if measure check "$t" kscope 0 -p "$(pat "$t")" -H 0.5 -- "${CMD[@]}"; then
        WORKS[$t.kscope]=1
        [ -z "$khdr" ] && khdr=$(sed -n 's/.*kernel headers: \(.*\) (\([a-z]*\))$/\1|\2/p' \
            "$WORK/check-$t-kscope-0.err" | head -1)
    fi
    # BCC API* runs the program as BCC's Python tools would: events through perf buffers.
    if "$BIN/$t" --help | grep -q -- '--events'; then
        "$BIN/$t" --ebpf --events=perf >"$WORK/$t.prog.c" 2>/dev/null
    else
        "$BIN/$t" --ebpf >"$WORK/$t.prog.c" 2>/dev/null
    fi
done
meta kscope_headers "${khdr:-unknown}"
fi # ready, workload or cost (the function below is also used by the family sections)

# BCC needs kernel headers too. Where /lib/modules/$(uname -r) has none, give BCC the tree
# kscope chose (merged into one directory, as BCC_KERNEL_SOURCE wants), so that the
# comparison is about the tools rather than about a missing package.
bcc_headers() {
    local rel src bld
    rel=$(uname -r)
    [ -e "/lib/modules/$rel/build/include/generated/autoconf.h" ] && return
    src=${khdr%% + *}
    src=${src%%|*}
    bld=${khdr#* + }
    bld=${bld%%|*}
    [ -n "$src" ] && [ -d "$src/include" ] || return
    mkdir -p "$WORK/bcc-kheaders"
    cp -rs "$(realpath "$src")/." "$WORK/bcc-kheaders/" 2>/dev/null
    [ "$bld" != "$src" ] && cp -rsf "$(realpath "$bld")/." "$WORK/bcc-kheaders/" 2>/dev/null
    BCC_ENV=(BCC_KERNEL_SOURCE="$WORK/bcc-kheaders")
    meta bcc_headers "BCC_KERNEL_SOURCE=<merged copy of ${khdr%%|*}>"
}

if want ready || want workload || want cost; then
bcc_headers
for t in "${TOOLS[@]}"; do
    # BCC's own tool, first as installed; if it finds no headers, with kscope's.
    if [ -x "/usr/sbin/$t-bpfcc" ]; then
        CMD=("/usr/sbin/$t-bpfcc")
        if measure check "$t" bcc-installed 0 -p "$(pat "$t")" -t 60 -H 0.5 -- "${CMD[@]}"; then
            WORKS[$t.bcc]=1
        elif [ ${#BCC_ENV[@]} -gt 0 ]; then
            cmd_of "$t" bcc
            measure check "$t" bcc 0 -p "$(pat "$t")" -t 60 -H 0.5 -- "${CMD[@]}" &&
                WORKS[$t.bcc]=1
        fi
    else
        sample check "$t" bcc-installed 0 error "not installed (/usr/sbin/$t-bpfcc)"
    fi
done
for t in "${TOOLS[@]}"; do
    cmd_of "$t" bcc-same
    measure check "$t" bcc-same 0 -p "$(pat "$t")" -t 60 -H 0.5 -- "${CMD[@]}" && WORKS[$t.bcc-same]=1
    for s in "/usr/sbin/$t.bt" "/usr/share/bpftrace/tools/$t.bt"; do
        [ -f "$s" ] && { BT_SCRIPT[$t]=$s; break; }
    done
    if [ -n "${BT_SCRIPT[$t]:-}" ] && command -v bpftrace >/dev/null; then
        cmd_of "$t" bpftrace
        if measure check "$t" bpftrace 0 -p "$(pat "$t")" -t 60 -H 1 -- "${CMD[@]}"; then
            WORKS[$t.bpftrace]=1
        elif [ -f "$HERE/$t-tp.bt" ]; then
            # The packaged script needs kprobes; a tracepoint version of it, for the numbers.
            BT_SCRIPT[$t]=$HERE/$t-tp.bt
            cmd_of "$t" bpftrace
            measure check "$t" bpftrace-tp 0 -p "$(pat "$t")" -t 60 -H 1 -- "${CMD[@]}" &&
                WORKS[$t.bpftrace]=1 && meta "bpftrace_tp_$t" "${BT_SCRIPT[$t]#"$ROOT"/}"
        fi
    else
        sample check "$t" bpftrace 0 error "no $t.bt installed"
    fi
done
# ---- the floor: empty programs on opensnoop's probes --------------------------------------
# kscope-floor (bench/floor.c) attaches an empty program to each probe opensnoop uses, with
# kscope's own runtime: what the loop loses with it attached is what tracing those probes
# costs at all on this kernel; opensnoop's slowdown is also reported against it.
FLOOR=$BUILD/bench/kscope-floor
floor_check() {
    if [ -x "$FLOOR" ]; then
        cmd_of opensnoop floor
        measure check opensnoop floor 0 -p "$(pat opensnoop)" -H 0.5 -- "${CMD[@]}" &&
            WORKS[opensnoop.floor]=1
    else
        sample check opensnoop floor 0 error "not built ($FLOOR)"
    fi
}
floor_check

for k in "${!WORKS[@]}"; do meta "works_$k" 1; done
fi # ready, workload or cost

IMPLS_READY=(kscope-cold kscope-warm bcc bcc-same bpftrace)

# ---- 2. time to ready, peak and steady RSS --------------------------------------------------
if want ready; then
wait_quiet ready
for t in "${TOOLS[@]}"; do
    say "time to ready and RSS: $t ($RUNS runs of each)"
    for r in $(seq "$RUNS"); do
        for impl in "${IMPLS_READY[@]}"; do
            case $impl in kscope-*) w=${WORKS[$t.kscope]:-} ;; *) w=${WORKS[$t.$impl]:-} ;; esac
            [ -n "$w" ] || continue
            cmd_of "$t" "$impl"
            measure ready "$t" "$impl" "$r" -p "$(pat "$t")" -t 60 -H "$HOLD" -- "${CMD[@]}"
            [ "$impl" = kscope-cold ] && rm -rf "${CMD[2]}"
        done
    done
done

fi # ready

# ---- 3. one million openat() calls ----------------------------------------------------------
# lost events, as each tool reports them
lost_of() { # ERRFILE OUTFILE
    local n
    n=$(cat "$1" "$2" 2>/dev/null | sed -n \
        -e 's/.*: \([0-9][0-9]*\) events lost in total.*/T \1/p' \
        -e 's/^\([0-9][0-9]*\) events lost in total.*/T \1/p' \
        -e 's/.*possibly lost \([0-9][0-9]*\) events.*/P \1/p' \
        -e 's/^Possibly lost \([0-9][0-9]*\) samples.*/P \1/p' \
        -e 's/^Lost \([0-9][0-9]*\) events.*/P \1/p' |
        awk '$1=="T" {t=$2; ht=1} $1=="P" {p+=$2} END {print ht ? t : p+0}')
    echo "${n:-0}"
}

workload_run() { # TOOL IMPL RUN SECTION N [extra kscope args]
    local t=$1 impl=$2 r=$3 sec=$4 n=$5
    shift 5
    local target=$WORK/ksbench-openat-$sec-$impl-$r
    local base=$WORK/$sec-$t-$impl-$r
    : >"$target" # created before the tracer starts: the workload's opens are exactly n
    if [ "$impl" = untraced ]; then
        "$LG" -n "$n" -f "$target" >"$base.lg"
    else
        cmd_of "$t" "$impl" "$@"
        local out=$base.out
        [ "$impl" = kscope-shm ] && out=$SHM/$sec-$t-$impl-$r.out
        local ready=(-p "$(pat "$t")") header=1
        [ "$impl" = kscope-json ] && ready=(-E -p "ready: tracing") header=0
        measure "$sec" "$t" "$impl" "$r" "${ready[@]}" -t 60 -o "$out" \
            -w "$LG -n $n -f $target" -W "$base.lg" -d 120 -- "${CMD[@]}" || return
        sample "$sec" "$t" "$impl" "$r" lost "$(lost_of "$base.err" "$out")"
        sample "$sec" "$t" "$impl" "$r" lines "$(grep -cF "$target" "$out")"
        # all events the tool printed, the workload's and everyone else's (for CPU per event)
        sample "$sec" "$t" "$impl" "$r" lines_all "$(($(wc -l <"$out") - header))"
        rm -f "$out"
    fi
    local wall
    wall=$(sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' "$base.lg")
    [ -n "$wall" ] && sample "$sec" "$t" "$impl" "$r" wall_s "$wall"
    rm -f "$target"
}

# kscope-perf: kscope with the perf buffers that kernels before 5.8 get; kscope-ringbuf: the
# BPF ring buffer that 5.8-5.11 and non-x86 kernels get (where opensnoop's default builds
# its events in place); kscope-json: --json.
IMPLS_WL=(untraced kscope kscope-json kscope-ringbuf kscope-perf bcc bcc-same bpftrace)
IMPLS_WL=(untraced floor "${IMPLS_WL[@]:1}") # the floor right after untraced, every round
if want workload; then
wait_quiet workload 'sys_(enter|exit)_open'
say "openat workload: $NOPENS opens, $WL_RUNS runs each of ${IMPLS_WL[*]}"
for r in $(seq "$WL_RUNS"); do
    for impl in "${IMPLS_WL[@]}"; do
        base=${impl%-perf}
        base=${base%-ringbuf}
        [ "$impl" = untraced ] || [ -n "${WORKS[opensnoop.${base%-json}]:-}" ] || continue
        workload_run opensnoop "$impl" "$r" workload "$NOPENS"
    done
done

fi # workload
if [ "$EXPLORE" = 1 ] && want workload && [ -n "${WORKS[opensnoop.kscope]:-}" ]; then
    say "explore: kscope opensnoop variants"
    for r in $(seq "$WL_RUNS"); do
        workload_run opensnoop untraced "$r" explore "$NOPENS"
        workload_run opensnoop kscope "$r" explore "$NOPENS"
        workload_run opensnoop kscope-b64 "$r" explore "$NOPENS"
        workload_run opensnoop kscope-b1024 "$r" explore "$NOPENS"
        workload_run opensnoop kscope-shm "$r" explore "$NOPENS"
    done
fi

# ---- 4. in-kernel cost per event ----------------------------------------------------------------
if ! want cost; then
    :
elif sysctl -q -w kernel.bpf_stats_enabled=1 >/dev/null 2>&1; then
    wait_quiet cost 'sys_(enter|exit)_open|block_rq_'
    say "in-kernel cost per event (kernel.bpf_stats_enabled=1)"
    DIO=$WORK/ksbench-dio
    for impl in kscope bcc bcc-same bpftrace; do
        [ -n "${WORKS[biolatency.$impl]:-}" ] || continue
        cmd_of biolatency "$impl"
        measure cost biolatency "$impl" 1 -p "$(pat biolatency)" -t 60 -o "$WORK/cost-bio-$impl.out" \
            -w "$LG -D -n $NDIO -f $DIO" -W "$WORK/cost-bio-$impl.lg" -d 20 -- "${CMD[@]}"
    done
    # Reference: the smallest counting program, bpftrace's count() on the same tracepoint.
    if [ -n "${WORKS[biolatency.bpftrace]:-}" ]; then
        measure cost biolatency bpftrace-count 1 -p "$(pat biolatency)" -t 60 -o "$WORK/cost-bio-count.out" \
            -w "$LG -D -n $NDIO -f $DIO" -W "$WORK/cost-bio-count.lg" -d 20 -- bpftrace -e \
            'BEGIN { printf("Tracing block device I/O\n"); } tracepoint:block:block_rq_issue { @issued = count(); }'
    fi
    # opensnoop three times, interleaved: its exit program's cost is a target (issue 18) and
    # one run of it here varies by +-10%; the report gives the median.
    for r in $(seq "$COST_RUNS"); do
        for impl in kscope kscope-ringbuf bcc bcc-same bpftrace floor; do
            [ -n "${WORKS[opensnoop.${impl%-ringbuf}]:-}" ] || continue
            cmd_of opensnoop "$impl"
            measure cost opensnoop "$impl" "$r" -p "$(pat opensnoop)" -t 60 -o "$SHM/cost-open.out" \
                -w "$LG -n $NCOST_OPENS -f $WORK/ksbench-cost-target" -W "$WORK/cost-open-$impl.lg" \
                -d 60 -- "${CMD[@]}"
        done
    done
    # The counting tool: syscount counts every system call in the kernel, during a loop of
    # getppid(). BCC's syscount uses the same raw_syscalls tracepoints, so it runs here.
    for impl in kscope bcc bpftrace; do
        case $impl in
        kscope) CMD=("$BIN/syscount" --cache-dir "$WORK/warm") pat='Tracing syscalls' ;;
        bcc) CMD=(env "${BCC_ENV[@]}" /usr/sbin/syscount-bpfcc) pat='Tracing syscalls' ;;
        bpftrace) CMD=(bpftrace /usr/sbin/syscount.bt) pat='Counting syscalls' ;;
        esac
        case $impl in
        kscope) [ -x "$BIN/syscount" ] || continue ;;
        bcc) [ -x /usr/sbin/syscount-bpfcc ] || continue ;;
        bpftrace) [ -e /usr/sbin/syscount.bt ] && command -v bpftrace >/dev/null || continue ;;
        esac
        measure cost syscount "$impl" 1 -p "$pat" -t 60 -o "$WORK/cost-sc-$impl.out" \
            -w "$LG -g -n $NSYSCALLS" -W "$WORK/cost-sc-$impl.lg" -d 20 -- "${CMD[@]}" || true
    done
    rm -f "$DIO" "$WORK/ksbench-cost-target" "$SHM/cost-open.out"
    sysctl -q -w kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null 2>&1
else
    meta cost_skipped "kernel.bpf_stats_enabled cannot be set"
fi

# ---- 5. profile: sampling stacks on a busy machine -------------------------------------------
# stackgen keeps every CPU busy in 1024 distinct user stacks. Each profiler samples it for
# PROFILE_HOLD seconds at 49 and 999 Hz (user + kernel stacks, symbolized): its own CPU
# time and RSS at the end of the hold, then the time from SIGINT (Ctrl-C) to its exit,
# which covers reading, symbolizing and printing every stack. kscope's profile, BCC's
# profile (Python) where it runs, and bpftrace's profile probe with the same stacks.
PROFILE_HOLD=${PROFILE_HOLD:-60}
PROFILE_MD=$WORK/profile.md
stop_within() { # PID SECONDS: SIGINT, then SIGKILL after SECONDS; fails if it had to kill
    local pid=$1 i
    kill -INT "$pid" 2>/dev/null
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 1
}
profile_run() { # IMPL HZ: one line of the table
    local impl=$1 hz=$2 out=$WORK/profile-$1-$2.out pid t0 t1 ticks rss n i pat
    case $impl in
    kscope) pat='^Sampling at'; "$BIN/profile" --cache-dir "$WORK/warm" -F "$hz" >"$out" 2>"$out.err" & ;;
    bcc) pat='^Sampling at'; env "${BCC_ENV[@]}" /usr/sbin/profile-bpfcc -F "$hz" >"$out" 2>"$out.err" & ;;
    bpftrace) pat='^Attaching'
        bpftrace -e "profile:hz:$hz { @[kstack, ustack, comm] = count(); }" >"$out" 2>"$out.err" & ;;
    esac
    pid=$!
    # Ready within 60 s or not at all: a tool that cannot compile here may never say so
    # (BCC's profile has been seen stuck on headers of another kernel).
    for ((i = 0; ; i++)); do
        grep -qE "$pat" "$out" 2>/dev/null && break
        if ! kill -0 "$pid" 2>/dev/null || [ "$i" -ge 600 ]; then
            stop_within "$pid" 5
            printf '| %s | %s | did not start%s: %s | | | |\n' "$impl" "$hz" \
                "$([ "$i" -ge 600 ] && echo ' within 60 s')" \
                "$(grep -v '^$' "$out.err" | tail -n 2 | head -c 160 | tr '\n|' '  ')" >>"$PROFILE_MD"
            return
        fi
        sleep 0.1
    done
    "$SG" "$((PROFILE_HOLD + 5))" >/dev/null &
    local sg=$!
    sleep "$PROFILE_HOLD"
    read -r ticks rss < <(awk '{printf "%d ", $14 + $15}' "/proc/$pid/stat"; awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    t0=$(date +%s%N)
    local late=
    stop_within "$pid" 60 || late=1 # still symbolizing a minute later: killed
    t1=$(date +%s%N)
    kill "$sg" 2>/dev/null; wait "$sg" 2>/dev/null
    case $impl in
    bpftrace) n=$(grep -c '^@\[' "$out") ;;
    *) n=$(grep -c '^    -  ' "$out") ;;
    esac
    printf '| %s | %s | %.1f s | %.1f MiB | %s | %d |\n' "$impl" "$hz" \
        "$(echo "$ticks / $(getconf CLK_TCK)" | bc -l)" "$(echo "$rss / 1024" | bc -l)" \
        "$([ -n "$late" ] && echo "> 60 s (no exit; killed)" || echo "$(((t1 - t0) / 1000000)) ms")" \
        "$n" >>"$PROFILE_MD"
}
if want profile && [ -x "$BIN/profile" ]; then
    fam_bcc_env # BCC's headers, when --only skipped the checks that find them
    SG=$WORK/stackgen
    cc -O0 -g -fno-omit-frame-pointer -pthread -o "$SG" "$HERE/stackgen.c" || die "stackgen build failed"
    wait_quiet profile
    say "profile: 49 and 999 Hz, $PROFILE_HOLD s each, beside BCC and bpftrace"
    {
        echo
        echo "## profile: sampling 1024 distinct user stacks on every CPU ($PROFILE_HOLD s)"
        echo
        echo "| tool | Hz | its CPU time | RSS at the end | Ctrl-C to last line | stacks printed |"
        echo "|---|---|---|---|---|---|"
    } >"$PROFILE_MD"
    for hz in 49 999; do
        profile_run kscope "$hz"
        [ -x /usr/sbin/profile-bpfcc ] && profile_run bcc "$hz"
        command -v bpftrace >/dev/null && profile_run bpftrace "$hz"
    done
fi

# ---- 6. the tool families (issues 12-16): net, block, generic, mem, sched (bench/families.sh)
families

meta sections "${ONLY:-all}"
meta loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"
meta duration "$(($(date +%s) - T_START)) s"
meta n_opens "$NOPENS"
meta n_cost_opens "$NCOST_OPENS"
meta n_dio "$NDIO"
meta n_syscalls "$NSYSCALLS"

"$PY" "$HERE/report.py" "$META" "$SAMPLES" >"$OUT" || die "report.py failed"
[ -s "${PROFILE_MD:-}" ] && cat "$PROFILE_MD" >>"$OUT"
cat "$OUT"
[ "$KEEP" = 1 ] && cp "$SAMPLES" "$META" "$WORK/" 2>/dev/null
say "report written to $OUT"
