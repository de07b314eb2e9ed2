# bench/families.sh: the tool-family sections of bench/run.sh (issues 12-16), sourced by it.
# Uses run.sh's measure, sample, meta, say, lost_of, wait_quiet, bcc_headers and its settings.
#
#   net      tcpconnect, tcplife during paced loopback connections (a netns of our own)
#   block    biosnoop during 4 KiB O_DIRECT writes
#   generic  funccount on a uprobe called in a tight loop; time to ready for a 500-function glob
#   mem      memleak -p on a process doing paced malloc/free pairs
#   sched    runqlat during a pipe ping-pong pair (bpf_stats: ns per program run)
#
# Every implementation is run between two untraced runs of the same workload, in the same round.
# An implementation that cannot start is a result (its error line, "needs kprobes" where that
# is the reason) and is not retried in later rounds.

if [ "$QUICK" = 1 ]; then
    NET_SECS=2 FAM_NDIO=5000 NCALLS=${FAM_CALLS:-200000} NMALLOC=${FAM_MALLOCS:-100000} NPINGPONG=200000 GLOB_RUNS=1
else
    NET_SECS=10 FAM_NDIO=50000 NCALLS=${FAM_CALLS:-10000000} NMALLOC=${FAM_MALLOCS:-1000000} NPINGPONG=1000000 GLOB_RUNS=${FAM_GLOB_RUNS:-3}
fi
NET_RATE=20000 MALLOC_RATE=1000000 NET_PORT=5999 NGLOB=500
FAM_RUNS=$WL_RUNS
FL=$WORK/famload
NETNS=""
declare -A FAM_FAILED

fam_cleanup() {
    [ -n "$NETNS" ] && ip netns del "$NETNS" 2>/dev/null
    NETNS=""
}

# BCC's tools need the kernel headers kscope uses (see bcc_headers in run.sh). Learn them
# once from a kscope tool's -v, if the opensnoop sections did not already.
fam_bcc_env() {
    [ -n "$khdr" ] && return
    mkdir -p "$WORK/warm"
    "$H" -e "$WORK/hdr.err" -p "Tracing" -t 90 -- "$BIN/runqlat" --cache-dir "$WORK/warm" -v >/dev/null 2>&1
    khdr=$(sed -n 's/.*kernel headers: \(.*\) (\([a-z]*\))$/\1|\2/p' "$WORK/hdr.err" | head -1)
    meta kscope_headers "${khdr:-unknown}"
    bcc_headers
}

# The key=value pairs of a workload's result line, as samples.
fam_wl_samples() { # SEC TOOL IMPL RUN FILE
    local kv
    for kv in $(tail -n 1 "$5" 2>/dev/null); do
        case ${kv%%=*} in
        wall_s | rate | cpu_s | ns_per_call | switches_per_s | errors) sample "$1" "$2" "$3" "$4" "wl_${kv%%=*}" "${kv#*=}" ;;
        esac
    done
}

# fam_run SEC TOOL IMPL RUN PATTERN MATCH WORKLOAD -- CMD...: one traced run (IMPL untraced:
# the workload alone). MATCH: a word counted in the tool's output (its lines for the workload).
fam_run() {
    local sec=$1 tool=$2 impl=$3 r=$4 pat=$5 match=$6 wl=$7
    shift 8
    local base=$WORK/$sec-$tool-$impl-$r out=$SHM/$sec-$tool-$impl-$r.out
    if [ "$impl" = untraced ]; then
        sh -c "$wl" >"$base.lg" 2>"$base.lgerr"
        fam_wl_samples "$sec" "$tool" "$impl" "$r" "$base.lg"
        return
    fi
    [ -n "${FAM_FAILED[$sec.$tool.$impl]:-}" ] && return 1
    if ! measure "$sec" "$tool" "$impl" "$r" -p "$pat" -t 90 -H 1 -o "$out" \
        -w "$wl" -W "$base.lg" -d 60 -- "$@"; then
        FAM_FAILED[$sec.$tool.$impl]=1
        # kprobe-based tools: BCC's "cannot attach kprobe", bpftrace's "not traceable".
        grep -qiE 'kprobe|not traceable|blk_account_io|could not attach' "$base.err" "$out" 2>/dev/null &&
            sample "$sec" "$tool" "$impl" "$r" needs_kprobes 1
        rm -f "$out"
        return 1
    fi
    fam_wl_samples "$sec" "$tool" "$impl" "$r" "$base.lg"
    sample "$sec" "$tool" "$impl" "$r" lost "$(lost_of "$base.err" "$out")"
    [ -n "$match" ] && sample "$sec" "$tool" "$impl" "$r" lines "$(grep -cw -- "$match" "$out")"
    rm -f "$out"
}

# fam_rounds SEC BASE TOOL PATTERN MATCH WORKLOAD ROUNDS [ARGS...]: each round the workload
# untraced (named BASE), under kscope's TOOL ARGS, BCC's, bpftrace's (the packaged script, or
# the program in BT_PROG), untraced again.
fam_rounds() {
    local sec=$1 base=$2 tool=$3 pat=$4 match=$5 wl=$6 rounds=$7 r impl
    shift 7
    for r in $(seq "$rounds"); do
        fam_run "$sec" "$base" untraced "$r" "" "" "$wl" --
        for impl in kscope bcc bpftrace; do
            case $impl in
            kscope) ks_tool "$tool" "$@" ;;
            bcc) bcc_tool "$tool" "$@" ;;
            bpftrace) bt_tool "$tool" ;;
            esac
            fam_run "$sec" "$tool" $impl "$r" "$pat" "$match" "$wl" -- "${CMD[@]}"
        done
        fam_run "$sec" "$base" untraced "$r.2" "" "" "$wl" --
    done
}

bcc_tool() { CMD=(env "${BCC_ENV[@]}" "/usr/sbin/$1-bpfcc" "${@:2}"); }
# bpftrace's scripts that #include kernel headers find them as BCC does (BPFTRACE_KERNEL_SOURCE).
bt_env() { BT_ENV=(); [ ${#BCC_ENV[@]} -gt 0 ] && BT_ENV=(BPFTRACE_KERNEL_SOURCE="${BCC_ENV[0]#*=}"); }
bt_tool() {
    if [ -n "${BT_PROG:-}" ]; then CMD=(bpftrace -e "$BT_PROG"); else CMD=(env "${BT_ENV[@]}" bpftrace "/usr/sbin/$1.bt"); fi
}
ks_tool() { CMD=("$BIN/$1" --cache-dir "$WORK/warm" "${@:2}"); }

# ---- net: tcpconnect and tcplife during NET_RATE loopback connections a second ----------------
fam_net() {
    NETNS=ksbench-$$
    ip netns add "$NETNS" && ip netns exec "$NETNS" ip link set lo up ||
        { meta fam_net_skipped "cannot create a network namespace"; return; }
    local wl="ip netns exec $NETNS $FL conn -r $NET_RATE -s $NET_SECS -P $NET_PORT"
    wait_quiet net 'inet_sock_set_state|tcp_'
    say "net: tcpconnect, tcplife during $NET_RATE loopback connections/s for $NET_SECS s ($FAM_RUNS rounds)"
    fam_rounds net conn tcpconnect DPORT "$NET_PORT" "$wl" "$FAM_RUNS"
    fam_rounds net conn tcplife LADDR "$NET_PORT" "$wl" "$FAM_RUNS"
    fam_cleanup
}

# ---- block: biosnoop during FAM_NDIO 4 KiB O_DIRECT writes --------------------------------------
fam_block() {
    local dio=$WORK/ksbench-fam-dio
    wait_quiet block 'block_rq_|block_io_'
    say "block: biosnoop during $FAM_NDIO O_DIRECT writes ($FAM_RUNS rounds)"
    fam_rounds block dio biosnoop 'LAT(ms)' loadgen "$LG -D -n $FAM_NDIO -f $dio" "$FAM_RUNS"
    rm -f "$dio"
}

# ---- generic: funccount through a uprobe; a 500-function glob --------------------------------
# One round only: a uprobe hit costs microseconds (about 30 us on a loaded VM), so 10 million
# calls take minutes per tool (FAM_CALLS=N in the environment sets fewer).
fam_generic() {
    local wl="$FL call -n $NCALLS" spec="$FL:ksb_target" r impl i cold
    sysctl -q -w kernel.bpf_stats_enabled=1 >/dev/null 2>&1 || meta fam_generic_nostats 1
    wait_quiet generic
    say "generic: funccount on a uprobe, $NCALLS calls (1 round)"
    BT_PROG="BEGIN { printf(\"Tracing 1 functions\\n\"); } uprobe:$spec { @ = count(); }" \
        fam_rounds generic call funccount Tracing "" "$wl" 1 "$spec"
    sysctl -q -w kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null 2>&1
    # Time to ready with NGLOB uprobes: a generated library of NGLOB small functions.
    local lib=$WORK/libksbglob.so
    {
        for ((i = 0; i < NGLOB; i++)); do printf 'int ksbglob_f%03d(int x) { return x * %d + 1; }\n' "$i" "$i"; done
    } >"$WORK/ksbglob.c"
    cc -O1 -shared -fPIC -o "$lib" "$WORK/ksbglob.c" || { meta fam_glob_skipped "cc failed"; return; }
    say "generic: time to ready for a $NGLOB-function glob ($GLOB_RUNS runs)"
    for r in $(seq "$GLOB_RUNS"); do
        for impl in kscope-cold kscope-warm bcc bpftrace; do
            [ -n "${FAM_FAILED[glob.$impl]:-}" ] && continue
            case $impl in
            kscope-cold) cold=$(mktemp -d "$WORK/cold.XXXXXX") && CMD=("$BIN/funccount" --cache-dir "$cold" "$lib:ksbglob_f*") ;;
            kscope-warm) ks_tool funccount "$lib:ksbglob_f*" ;;
            bcc) bcc_tool funccount "$lib:ksbglob_f*" ;;
            bpftrace) CMD=(bpftrace -e "BEGIN { printf(\"Tracing $NGLOB functions\\n\"); } uprobe:$lib:ksbglob_f* { @[probe] = count(); }") ;;
            esac
            measure glob funccount "$impl" "$r" -p Tracing -t 120 -H 1 -k 120 -- "${CMD[@]}" ||
                FAM_FAILED[glob.$impl]=1
            # what the cold start compiled makes the warm start warm
            [ "$impl" = kscope-cold ] && cp -a "$cold/." "$WORK/warm/" 2>/dev/null
            # Ctrl-C to exit: the kernel removes the 500 uprobes as the tool closes them.
            sample glob funccount "$impl" "$r" stop_ms "$(sed -n 's/^stop_ms=//p' "$WORK/glob-funccount-$impl-$r.h")"
        done
    done
    meta n_glob "$NGLOB"
}

# ---- mem: memleak -p on MALLOC_RATE malloc/free pairs a second ---------------------------------
# famload waits on a FIFO, so the tool attaches to a process past its loader; the workload
# command starts it and reads its result line from a second FIFO. One round, as for generic:
# each pair is three uprobe hits (malloc, its return, free).
fam_mem() {
    local r impl run ri
    wait_quiet mem
    say "mem: memleak -p during $NMALLOC malloc/free pairs at $MALLOC_RATE/s (1 round)"
    for r in 1; do
        for ri in "untraced $r" "kscope $r" "bcc $r" "untraced $r.2"; do
            read -r impl run <<<"$ri"
            [ -n "${FAM_FAILED[mem.memleak.$impl]:-}" ] && continue
            local go=$WORK/mem-go-$impl-$run res=$WORK/mem-res-$impl-$run pid line=""
            mkfifo "$go" "$res"
            "$FL" malloc -r "$MALLOC_RATE" -n "$NMALLOC" -g "$go" -o "$res" >"$WORK/mem-$impl-$run.fl" &
            pid=$!
            for _ in $(seq 100); do
                line=$(head -n 1 "$WORK/mem-$impl-$run.fl")
                [ -n "$line" ] && break
                sleep 0.05
            done
            local wl="printf go > $go; cat $res"
            case $impl in
            kscope) ks_tool memleak -p "$pid" ;;
            bcc) bcc_tool memleak -p "$pid" ;;
            esac
            fam_run mem memleak "$impl" "$run" "Attaching to pid" "" "$wl" -- "${CMD[@]}" || kill "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            rm -f "$go" "$res"
        done
    done
}

# ---- sched: runqlat during a pipe ping-pong pair ----------------------------------------------
fam_sched() {
    sysctl -q -w kernel.bpf_stats_enabled=1 >/dev/null 2>&1 || meta fam_sched_nostats 1
    wait_quiet sched 'sched_switch|sched_wakeup'
    say "sched: runqlat during $NPINGPONG pipe round trips ($FAM_RUNS rounds)"
    fam_rounds sched pingpong runqlat Tracing "" "$FL pingpong -n $NPINGPONG" "$FAM_RUNS"
    sysctl -q -w kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null 2>&1
}

families() {
    local s any=0
    for s in net block generic mem sched; do want $s && any=1; done
    [ $any = 1 ] || return 0
    cc -O2 -fno-builtin -Wall -pthread -o "$FL" "$HERE/famload.c" || die "cannot build bench/famload.c"
    fam_bcc_env
    bt_env
    trap 'fam_cleanup; cleanup' EXIT
    for s in net block generic mem sched; do want $s && "fam_$s"; done
    meta n_net_rate "$NET_RATE"; meta n_net_secs "$NET_SECS"; meta n_fam_dio "$FAM_NDIO"
    meta n_calls "$NCALLS"; meta n_malloc "$NMALLOC"; meta n_malloc_rate "$MALLOC_RATE"
    meta n_pingpong "$NPINGPONG"
    meta fam_settings "rounds=$FAM_RUNS net=${NET_RATE}/s x ${NET_SECS}s dio=$FAM_NDIO calls=$NCALLS mallocs=$NMALLOC at ${MALLOC_RATE}/s pingpong=$NPINGPONG"
}
