#!/usr/bin/env bash
# hardirqs, for real: direct writes to the disk under the build tree raise its interrupts
# while the tool runs; /proc/interrupts, read before the tool is ready and after it stops,
# brackets what the tool can have seen. Every handled count the tool prints for a line
# must be > 0 and <= what /proc/interrupts counted for that line (on that CPU with -c),
# and the busiest line of the window must be there. Then the time columns, -d, --json,
# interval/count, and bad input (exit 2).
. "$(dirname "$0")/lib.sh"
cache=(--cache-dir "$T/cache")
io_disk hardirqs
V="$(dirname "$0")/json_validate.py"
SCHEMAS=$(cd "$(dirname "$0")/../../schemas" && pwd)

# irq_counts [CPU]: "NAME COUNT" per numbered line of /proc/interrupts (all CPUs, or one).
irq_counts() {
    awk -v cpu="${1:--1}" 'NR == 1 { ncpu = NF; next }
        $1 ~ /^[0-9]+:$/ { s = 0
            for (i = 2; i <= ncpu + 1; i++) if (cpu < 0 || i - 2 == cpu) s += $i
            print $NF, s }' /proc/interrupts | sort
}
# delta BEFORE AFTER: "NAME INCREASE", largest first.
delta() { join "$1" "$2" | awk '{print $1, $3 - $2}' | sort -k2,2nr; }
# rows FILE: "NAME VALUE" of the table.
rows() { awk '/^HARDIRQ /{on = 1; next} on && NF >= 2 {print $1, $NF}' "$1"; }
# within OUT DELTA: every row's count is > 0 and no more than the line's increase.
within() {
    local name n max bad=0
    while read -r name n; do
        max=$(awk -v k="$name" '$1 == k {print $2}' "$2")
        [ -n "$max" ] || continue # a name shared by several lines, or not numbered
        if [ "$n" -le 0 ] || [ "$n" -gt "$max" ]; then
            echo "$name: $n, /proc/interrupts: $max" >&2
            bad=1
        fi
    done < <(rows "$1")
    return $bad
}

# 1) -C: handled interrupts per line.
irq_counts >"$T/before"
start_tool hardirqs "$T/out1" -C "${cache[@]}"
wait_ready "$T/out1" '^Tracing hard irq events\.\.\. Hit Ctrl-C to end\.$'
write_direct 32
check "-C: SIGINT, status 0" stop_tool INT
irq_counts >"$T/after"
rm -f "$IO_FILE"
delta "$T/before" "$T/after" >"$T/delta"
busiest=$(head -n 1 "$T/delta" | awk '{print $1}')
check "-C: header as BCC's" grep -qxF "$(printf '%-26s %11s' HARDIRQ TOTAL_count)" "$T/out1"
check "-C: the busiest line ($busiest) is counted" grep -qE "^$busiest +[1-9][0-9]*\$" "$T/out1"
check "-C: every count > 0 and <= /proc/interrupts' increase" within "$T/out1" "$T/delta"
check "-C: rows as BCC prints them (%-26s %11d)" \
    awk '/^HARDIRQ /{on = 1; next} on && NF {if ($0 != sprintf("%-26s %11d", $1, $2)) exit 1}' "$T/out1"
counts=$(rows "$T/out1" | awk '{print $2}')
check "-C: sorted by count, descending" test "$counts" = "$(sort -rn <<<"$counts")"
check "-C: -v: tracepoints chosen" grep -q "tracepoint irq:irq_handler_entry: chosen" "$T/out1.err"
check "-C: no program left loaded" progs_gone "$T/out1.err"

# 2) -c CPU: only that CPU's interrupts, against that CPU's column.
cpu=$(awk -v k="$busiest" 'NR == 1 {next} $NF == k { m = -1; for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/ && $i > m) { m = $i; c = i - 2 } print c; exit }' /proc/interrupts)
irq_counts "$cpu" >"$T/before2"
start_tool hardirqs "$T/out2" -C -c "$cpu" "${cache[@]}"
wait_ready "$T/out2" '^Tracing hard irq events'
write_direct 32
check "-c $cpu: SIGINT, status 0" stop_tool INT
irq_counts "$cpu" >"$T/after2"
rm -f "$IO_FILE"
delta "$T/before2" "$T/after2" >"$T/delta2"
check "-c $cpu: every count <= CPU $cpu's increase" within "$T/out2" "$T/delta2"
check "-c $cpu: CPU_FILTER in the program" \
    bash -c "'$BIN/hardirqs' --ebpf -c $cpu | grep -q '^#define CPU_FILTER $cpu '"

# 3) Time (default) and -N: the columns and the busiest line with some time.
start_tool hardirqs "$T/out3" -N "${cache[@]}"
wait_ready "$T/out3" '^Tracing hard irq event time\.\.\. Hit Ctrl-C to end\.$'
write_direct 16
check "-N: SIGINT, status 0" stop_tool INT
rm -f "$IO_FILE"
check "-N: header TOTAL_nsecs" grep -qxF "$(printf '%-26s %11s' HARDIRQ TOTAL_nsecs)" "$T/out3"
check "-N: some line with time" grep -qE '^[^ ]+ +[1-9][0-9]*$' "$T/out3"

# 4) -d -T with interval and count: two outputs of histograms, time stamps, then exit.
start_tool hardirqs "$T/out4" -d -T 1 2 "${cache[@]}"
wait_ready "$T/out4" '^Tracing hard irq event time'
write_direct 16
check "-d 1 2: exits by itself, status 0" wait_exit 30
rm -f "$IO_FILE"
check "-d: two time stamps" test "$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' "$T/out4")" -eq 2
check "-d: a histogram per line (hardirq = NAME)" grep -qE '^hardirq = .+' "$T/out4"
check "-d: BCC's usecs histogram header" grep -qE '^ +usecs +: count +distribution$' "$T/out4"

# 5) --json: one object per interval; the busiest line as a row with a count.
start_tool hardirqs "$T/out5" --json -C "${cache[@]}"
wait_ready "$T/out5.err" 'ready: tracing'
write_direct 16
check "--json: SIGINT, status 0" stop_tool INT
rm -f "$IO_FILE"
check "--json: valid, rows of handled counts" python3 "$V" "$SCHEMAS/irqs.schema.json" "$T/out5" \
    --expect "r['key'] == 'hardirq' and any(w['count'] > 0 for w in r['rows'])"
start_tool hardirqs "$T/out6" --json -d "${cache[@]}"
wait_ready "$T/out6.err" 'ready: tracing'
write_direct 8
stop_tool INT || true
rm -f "$IO_FILE"
check "--json -d: histograms per line" python3 "$V" "$SCHEMAS/histogram.schema.json" "$T/out6" \
    --expect "r['section'] == 'hardirq' and r['unit'] == 'usecs' and len(r['histograms']) > 0"

# 6) Bad input: exit 2, one clear line.
bad() { usage_error hardirqs "$@"; }
bad "can't be used with time-based options" -C -d
bad "can't be used with time-based options" -C -N
bad "CPU 4000 is not online" -c 4000
bad "invalid CPU 'x'" -c x
finish
