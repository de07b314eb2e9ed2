#!/usr/bin/env bash
# kscope-doctor on fabricated kernels (KSCOPE_FAKE_ROOT: a /sys, /proc, /lib/modules and
# tracefs under a directory, which the doctor and the tools it runs both read). Covers what
# this host cannot show: kprobe fallbacks chosen where tracepoints are missing, a kernel
# with neither, a missing tracefs, no kernel headers and matching ones. No root needed.
. "$(dirname "$0")/lib.sh"

REL=$(uname -r)
NT=${KS_NTOOLS:?KS_NTOOLS: the number of tools (from CMake)}
# Tools on perf events only (profile): they run on every fake kernel that has headers.
NPERF=1
# Tools that run on sched:sched_process_fork alone (pidpersec), besides biolatency.
NFORK=1
# Tools on the block tracepoints alone (biolatency counted apart): biosnoop, biotop,
# bitesize, biopattern.
NBLK=4
TR=sys/kernel/tracing

# mkroot DIR [tp cat:event]... [pmu] [syms] [headers]: build a fake kernel.
mkroot() {
    local r=$1; shift
    mkdir -p "$r/proc" "$r/sys/kernel"
    # program types 2 (kprobe), 5 (tracepoint), 7 (perf_event); maps 1 hash, 2 array,
    # 4 perf_event_array, 9 lru_hash
    printf 'prog 2\nprog 5\nprog 7\nmap 1\nmap 2\nmap 4\nmap 9\n' >"$r/kscope-features"
    while [ $# -gt 0 ]; do
        case $1 in
        tracefs) mkdir -p "$r/$TR/events" ;;
        tp)
            mkdir -p "$r/$TR/events/${2%%:*}/${2#*:}"
            printf 'name: %s\nID: 1\nformat:\n' "${2#*:}" >"$r/$TR/events/${2%%:*}/${2#*:}/format"
            shift ;;
        pmu)
            mkdir -p "$r/sys/bus/event_source/devices/kprobe"
            echo 6 >"$r/sys/bus/event_source/devices/kprobe/type"
            # and uprobes (threadsnoop, plockstat, memleak -p), which kernels with kprobes
            # have as well
            mkdir -p "$r/sys/bus/event_source/devices/uprobe"
            echo 7 >"$r/sys/bus/event_source/devices/uprobe/type" ;;
        syms)
            local s
            for s in __x64_sys_execve __x64_sys_execveat do_sys_openat2 blk_mq_start_request \
                __blk_account_io_start __blk_account_io_done finish_task_switch.isra.0 \
                try_to_wake_up schedule \
                tcp_v4_connect tcp_v6_connect tcp_set_state tcp_rcv_state_process inet_csk_accept \
                handle_irq_event run_timer_softirq \
                __x64_sys_kill __x64_sys_tkill __x64_sys_tgkill do_exit cap_capable sched_fork \
                try_to_free_pages oom_kill_process mutex_lock mutex_unlock \
                vfs_read vfs_write vfs_fsync_range vfs_open vfs_create vfs_unlink vfs_mkdir \
                vfs_rmdir security_inode_create filemap_add_folio folio_mark_accessed \
                __folio_mark_dirty mark_buffer_dirty lookup_fast d_lookup md_flush_request \
                page_cache_ra_order filemap_alloc_folio \
                ext4_file_read_iter ext4_file_write_iter ext4_file_open ext4_sync_file \
                xfs_file_read_iter xfs_file_write_iter xfs_file_open xfs_file_fsync \
                btrfs_file_read_iter btrfs_file_write_iter btrfs_file_open btrfs_sync_file \
                nfs_file_read nfs_file_write nfs_file_open nfs_getattr \
                __x64_sys_sync __x64_sys_fsync __x64_sys_fdatasync \
                __x64_sys_msync __x64_sys_sync_file_range __x64_sys_syncfs __x64_sys_statfs \
                __x64_sys_mount __x64_sys_umount \
                inet_listen inet_bind inet6_bind tcp_retransmit_skb tcp_sendmsg tcp_cleanup_rbuf \
                kfree_skb_reason; do
                echo "ffffffff81000000 T $s"
            done >"$r/proc/kallsyms"
            awk '{print $3}' "$r/proc/kallsyms" >"$r/$TR/available_filter_functions" ;;
        oldheaders) # headers of another release where this one's are looked for
            local h=$r/lib/modules/$REL/build
            mkdir -p "$h/include/generated" "$h/include/linux" "$h/arch/x86"
            echo '#define CONFIG_BPF 1' >"$h/include/generated/autoconf.h"
            echo '#define UTS_RELEASE "4.19.0-other"' >"$h/include/generated/utsrelease.h"
            : >"$h/include/linux/kconfig.h" ;;
        headers)
            local h=$r/lib/modules/$REL/build
            mkdir -p "$h/include/generated" "$h/include/linux" "$h/arch/x86"
            echo '#define CONFIG_BPF 1' >"$h/include/generated/autoconf.h"
            echo "#define UTS_RELEASE \"$REL\"" >"$h/include/generated/utsrelease.h"
            : >"$h/include/linux/kconfig.h" ;;
        *) echo "mkroot: $1?" >&2; exit 1 ;;
        esac
        shift
    done
}
fake() { local r=$1; shift; KSCOPE_FAKE_ROOT=$r doctor "$@"; }
[ "$(uname -m)" = x86_64 ] || prereq "the fake kernels use x86_64 symbol names"

# --- 1: syscall tracepoints missing (no CONFIG_FTRACE_SYSCALLS), kprobes present ---------
# (raw_syscalls:* come with the architecture's syscall tracing, not with that option.)
R=$T/kp
mkroot "$R" tracefs tp sched:sched_process_fork tp block:block_rq_issue \
    tp block:block_rq_complete tp block:block_rq_insert \
    tp raw_syscalls:sys_enter tp raw_syscalls:sys_exit pmu syms headers \
    tp sched:sched_switch tp sched:sched_wakeup tp sched:sched_wakeup_new tp sched:sched_migrate_task \
    tp kmem:kmalloc tp kmem:kmem_cache_alloc tp kmem:kfree tp kmem:kmem_cache_free \
    tp kmem:mm_page_alloc tp kmem:mm_page_free \
    tp compaction:mm_compaction_begin tp compaction:mm_compaction_end
# sched_switch's print fmt marks preempted threads (runqlat, runqlen read the bit from it).
echo 'print fmt: "prev_state=%s%s", REC->prev_state & 0x7f ? "S" : "R", REC->prev_state & 0x100 ? "+" : ""' \
    >>"$R/$TR/events/sched/sched_switch/format"
fake "$R" "$T/kp.txt"
check "kprobes: exit 0 (all tools run)" test "$RC" -eq 0
check "kprobes: says available" hasre "$T/kp.txt" "^  ok    kprobes +available \(perf kprobe PMU\)"
check "kprobes: headers match" hasre "$T/kp.txt" "^  ok    headers +$REL \(/lib/modules\), matches"
check "kprobes: execsnoop mixes" hasre "$T/kp.txt" "^  ok    execsnoop +runs with tracepoints\+kprobes"
check "kprobes: execsnoop exec_enter on a kprobe" hasre "$T/kp.txt" "exec_enter +kprobe +__x64_sys_execve$"
check "kprobes: execsnoop exec_exit on a kretprobe" hasre "$T/kp.txt" "exec_exit +kretprobe +__x64_sys_execve$"
check "kprobes: opensnoop on kprobes" hasre "$T/kp.txt" "^  ok    opensnoop +runs with kprobes$"
check "kprobes: no ring buffer: perf buffers" has "$T/kp.txt" "ringbuf no (optional: events go through perf buffers)"
check "kprobes: biolatency on tracepoints" hasre "$T/kp.txt" "^  ok    biolatency +runs with tracepoints$"
check "kprobes: syscount on tracepoints (it has no kprobe variant)" \
    hasre "$T/kp.txt" "^  ok    syscount +runs with tracepoints$"
check "kprobes: summary" has "$T/kp.txt" "Summary: $NT of $NT tools can run (tracepoints and kprobes)"
check "kprobes: no 'unavailable' in the summary" bash -c "! grep -q 'kprobe fallbacks unavailable' '$T/kp.txt'"
fake "$R" "$T/kp.json" --json
check "kprobes: --json facts" json "$T/kp.json" "
f = j['features']
assert f['kprobes'] is True and f['kprobe_pmu'] is True, f
assert f['map_types']['ringbuf'] is False, f['map_types']  # not in the fake kernel's list
assert j['headers']['exact'] is True and j['headers']['how'] == 'modules', j['headers']
assert tool['execsnoop']['variant'] == 'tracepoints+kprobes', tool['execsnoop']
assert tool['opensnoop']['variant'] == 'kprobes'
for n in ('execsnoop', 'opensnoop', 'biolatency'):
    assert tool[n]['modes']['kprobe']['ok'] is True, (n, tool[n]['modes']['kprobe'])
assert tool['opensnoop']['modes']['tracepoint']['ok'] is False
assert 'not in this kernel' in tool['opensnoop']['modes']['tracepoint']['reason']"
check "kprobes: offwaketime (no sched_waking) on finish_task_switch's .isra copy" \
    hasre "$T/kp.txt" "switch +kprobe +finish_task_switch\.isra\.0$"
check "kprobes: a forced mode that fails says why" \
    hasre "$T/kp.txt" "--probe=tracepoint: cannot attach probe 'openat_enter': tracepoint syscalls:sys_enter_openat: not in this kernel"

# --- 2: neither the syscall tracepoints nor kprobes ----------------------------------------
R=$T/none
mkroot "$R" tracefs tp sched:sched_process_fork tp block:block_rq_issue \
    tp block:block_rq_complete headers
fake "$R" "$T/none.txt"
check "no kprobes, no syscall tps: exit 1" test "$RC" -eq 1
check "no kprobes, no syscall tps: execsnoop FAIL" hasre "$T/none.txt" "^  FAIL  execsnoop +cannot run: cannot attach probe 'exec_enter'"
check "no kprobes, no syscall tps: fix names both" has "$T/none.txt" "fix: this kernel lacks the tracepoints"
check "no kprobes, no syscall tps: the tool's own words" hasre "$T/none.txt" "^ +\| execsnoop: error: "
check "no kprobes, no syscall tps: biolatency runs" hasre "$T/none.txt" "^  ok    biolatency +runs with tracepoints$"
check "no kprobes: a kprobe-only tool is unsupported here (WARN, not FAIL)" \
    hasre "$T/none.txt" "^  WARN  vfsstat +unsupported here: cannot attach probe 'read': no tracepoint measures it; it needs a kprobe on the kernel function vfs_read, and this kernel cannot probe kernel functions"
check "no kprobes: the summary counts the kprobe-only tools" \
    hasre "$T/none.txt" "kprobe fallbacks unavailable on this kernel; [0-9]+ kprobe-only tools? unsupported here"
check "no kprobes, no syscall tps: summary" has "$T/none.txt" "Summary: $((1 + NFORK + NBLK + NPERF)) of $NT tools can run (tracepoints); kprobe fallbacks unavailable on this kernel"
fake "$R" "$T/none.json" --json
check "no kprobes, no syscall tps: --json" json "$T/none.json" "
assert j['features']['kprobes'] is False
assert tool['execsnoop']['runs'] is False and tool['execsnoop']['check'] == 'unsupported'
assert tool['execsnoop']['fix'] and tool['execsnoop']['reason']
assert tool['execsnoop']['modes']['auto']['stderr'], tool['execsnoop']
assert j['summary']['tools_runnable'] == $((1 + NFORK + NBLK + NPERF)) and j['summary']['all_runnable'] is False"

# --- 2b: the network tracepoints, headers of another release: struct-read columns "-" ----
R=$T/net
mkroot "$R" tracefs tp sock:inet_sock_set_state tp skb:kfree_skb oldheaders
printf '\tfield:enum skb_drop_reason reason;\toffset:36;\tsize:4;\tsigned:0;\n' \
    >>"$R/$TR/events/skb/kfree_skb/format"
# The tree given in the environment, for the doctor and the tools it runs: this machine's
# own headers (whatever they are) must not decide.
export KSCOPE_KERNEL_HEADERS=$R/lib/modules/$REL/build
fake "$R" "$T/net.txt"
check "other headers: tcplife's TX_KB and RX_KB print '-', and why" inblock "$T/net.txt" tcplife \
    '^ +prints "-": TX_KB and RX_KB: they are read from struct tcp_sock, and the kernel headers are for 4\.19\.0-other, the running kernel is '
check "other headers: tcpdrop's addresses print '-'" inblock "$T/net.txt" tcpdrop \
    '^ +prints "-": SADDR:SPORT, DADDR:DPORT, STATE and FLAGS: they are read from the packet'
check "other headers: the '\"-\" columns' item lists them" bash -c "
    [ \"\$(awk '/^  info  \"-\" columns /{p=1; next} /^  [a-zA-Z]/{p=0} p && /^ +[a-z]+ +[A-Z]/' '$T/net.txt' |
        awk '{print \$1}' | sort | tr '\n' ' ')\" = 'tcpdrop tcplife ' ]"
check "other headers: the fix names this kernel's headers" inblock "$T/net.txt" '"-" columns' \
    "fix: install the running kernel's headers \(linux-headers-$REL"
fake "$R" "$T/net.json" --json
unset KSCOPE_KERNEL_HEADERS
check "other headers: --json: dashed per tool" json "$T/net.json" "
assert tool['tcplife']['dashed'] and tool['tcplife']['dashed'][0].startswith('TX_KB and RX_KB: '), tool['tcplife']
assert tool['tcpdrop']['dashed'][0].startswith('SADDR:SPORT, DADDR:DPORT, STATE and FLAGS: ')
assert tool['execsnoop']['dashed'] == []
c = [c for c in j['checks'] if c['id'] == 'struct_reads'][0]
assert c['status'] == 'info' and len(c['detail']) == 2, c"
# Kprobe paths may read structs: nothing prints "-" there (tcplife on tcp_set_state).
check "kprobes: tcplife on its kprobe, no '-' columns" bash -c "! grep -q 'prints \"-\"' '$T/kp.txt'"

# --- 3: no tracefs, no kprobes, no headers ---------------------------------------------------
R=$T/bare
mkroot "$R"
fake "$R" "$T/bare.txt"
check "bare: exit 1" test "$RC" -eq 1
check "bare: tracefs FAIL with the mount command" \
    has "$T/bare.txt" "fix: mount -t tracefs tracefs /sys/kernel/tracing"
check "bare: headers FAIL with the install hint" \
    has "$T/bare.txt" "fix: install linux-headers-$REL (Debian, Ubuntu) or kernel-devel-$REL (RHEL, Fedora)"
check "bare: tools FAIL" hasre "$T/bare.txt" "^  FAIL  opensnoop +cannot run"
check "bare: summary" has "$T/bare.txt" "Summary: 0 of $NT tools can run"
fake "$R" "$T/bare.json" --json
check "bare: --json" json "$T/bare.json" "
assert j['features']['tracefs'] is None and j['headers']['found'] is False
assert all(not t['runs'] for t in j['tools'])"

# --- 4: tools missing next to the doctor ---------------------------------------------------
mkdir -p "$T/alone"
cp "$DOCTOR" "$T/alone/"
rc=0; KSCOPE_FAKE_ROOT=$T/kp "$T/alone/kscope-doctor" >"$T/alone.txt" 2>&1 || rc=$?
check "tools missing: exit 1" test "$rc" -eq 1
check "tools missing: says where it looked" has "$T/alone.txt" "cannot run: not found at $T/alone/execsnoop"

# --- tools that misbehave: an old one without --check, one that crashes, one that lies --------
mkdir -p "$T/odd-tools"
cp "$DOCTOR" "$T/odd-tools/"
printf '#!/bin/sh\necho "execsnoop: unrecognized option '"'"'--check'"'"'" >&2\nexit 2\n' \
    >"$T/odd-tools/execsnoop"
printf '#!/bin/sh\necho "probe x tracepoint a:b"\nkill -SEGV $$\n' >"$T/odd-tools/opensnoop"
printf '#!/bin/sh\necho "probe x tracepoint a:b"\nexit 0\n' >"$T/odd-tools/biolatency"
chmod +x "$T/odd-tools/"*snoop "$T/odd-tools/biolatency"
rc=0; KSCOPE_FAKE_ROOT=$T/kp "$T/odd-tools/kscope-doctor" >"$T/oddt.txt" 2>&1 || rc=$?
check "odd tools: exit 1" test "$rc" -eq 1
check "odd tools: no --check: says so, rebuild" \
    inblock "$T/oddt.txt" execsnoop "fix: the tool does not understand --check: rebuild"
check "odd tools: crash reported" inblock "$T/oddt.txt" opensnoop "cannot run: crashed \(signal 11\)"
check "odd tools: no result line is not a pass" \
    inblock "$T/oddt.txt" biolatency "cannot run: no result line in its --check output"

# --- the JSON emitter: odd bytes in what it reports stay valid JSON --------------------------
R=$T/odd
mkroot "$R" tracefs tp sched:sched_process_fork headers
fake "$R" "$T/odd.json" --json --kernel-headers "$(printf '/no"such\\dir\t\001\377')"
check "odd bytes: still one valid JSON document" json "$T/odd.json" "
assert '/no\"such\\\\dir\t\x01\ufffd' in j['headers']['error'], j['headers']['error']"
finish
