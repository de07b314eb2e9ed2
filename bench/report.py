#!/usr/bin/python3
"""report.py META SAMPLES: the Markdown report of bench/run.sh (on stdout).

META: key<TAB>value lines. SAMPLES: section, tool, impl, run, key, value (tab-separated).
Medians over the runs; ratios of medians; PASS/FAIL against the targets of issue 3."""
import collections
import statistics
import sys

meta = {}
for line in open(sys.argv[1]):
    k, _, v = line.rstrip("\n").partition("\t")
    meta[k] = v

S = collections.defaultdict(list)  # (section, tool, impl, key) -> [values]
rows = []
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("\t")
    if len(f) < 6:
        continue
    sec, tool, impl, run, key, val = f[:6]
    rows.append(f)
    S[(sec, tool, impl, key)].append(val)

TOOLS = ["opensnoop", "execsnoop", "biolatency"]
# --only: the opensnoop/execsnoop/biolatency parts only when one of their sections ran
OLD = meta.get("sections", "all") == "all" or any(
    x in meta.get("sections", "").split(",") for x in ("ready", "workload", "cost"))


def nums(sec, tool, impl, key):
    out = []
    for v in S.get((sec, tool, impl, key), []):
        try:
            out.append(float(v))
        except ValueError:
            pass
    return out


def med(sec, tool, impl, key):
    v = nums(sec, tool, impl, key)
    return statistics.median(v) if v else None


def works(tool, impl):
    return meta.get("works_%s.%s" % (tool, impl)) == "1"


def err(sec, tool, impl):
    e = S.get((sec, tool, impl, "error"))
    return e[0] if e else None


def bcc_ref(tool):
    """The BCC reference: Debian's tool if it runs, else BCC's Python API on kscope's program."""
    if works(tool, "bcc"):
        return "bcc"
    if works(tool, "bcc-same"):
        return "bcc-same"
    return None


def fmt(x, unit="", nd=1):
    if x is None:
        return "n/a"
    return ("%." + str(nd) + "f%s") % (x, unit)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return "%.1fx" % (a / b)


def mib(kb):
    return None if kb is None else kb / 1024.0


out = []
w = out.append

w("# kscope benchmark results")
w("")
w("Produced by `bash bench/run.sh` (see [README.md](README.md)); do not edit by hand.")
w("")
w("| | |")
w("|---|---|")
w("| date | %s |" % meta.get("date", "?"))
w("| machine | `%s`: %s, %s CPUs, %s memory |" % (meta.get("host", "?"), meta.get("cpu", "?"),
                                              meta.get("nproc", "?"), meta.get("mem", "?")))
w("| kernel | %s |" % meta.get("kernel", "?"))
w("| kscope | commit %s (%s) |" % (meta.get("commit", "?"), meta.get("kscope_version", "?")))
w("| BCC | bpfcc-tools %s (Python tools) |" % meta.get("bcc_version", "?"))
w("| bpftrace | %s |" % meta.get("bpftrace_version", "?"))
w("| kernel headers | kscope: %s; BCC: %s |" % (
    meta.get("kscope_headers", "?").replace("|", " (") + ")",
    meta.get("bcc_headers", "its own lookup (/lib/modules/$(uname -r))")))
w("| settings | %s; took %s |" % (meta.get("settings", "?"), meta.get("duration", "?")))
w("| load average | start %s, end %s |" % (meta.get("loadavg_start", "?"),
                                           meta.get("loadavg_end", "?")))
for sec in ("ready", "workload", "cost"):
    if "busy_" + sec in meta:
        w("| before %s | %s |" % ({"ready": "time to ready", "workload": "openat workload",
                                  "cost": "in-kernel cost"}[sec], meta["busy_" + sec]))
w("")

# ---- availability ----
w = out.append if OLD else (lambda line: None)  # (--only without those sections: skipped)
w("## Which tools run on this kernel")
w("")
w("A failure is a result: the first error line is quoted. \"BCC, headers supplied\" is "
  "Debian's tool with `BCC_KERNEL_SOURCE` pointing at the same kernel headers kscope uses "
  "(only tried when the tool as installed found none). \"BCC API, kscope's program\" is "
  "[bcc_same.py](bcc_same.py): kscope's BPF program (`TOOL --ebpf`) compiled and run the "
  "way BCC's Python tools do, at every start; it stands in for BCC where Debian's tool "
  "cannot run.")
w("")
w("| tool | kscope | BCC (bpfcc-tools), as installed | BCC, headers supplied | "
  "BCC API, kscope's program | bpftrace (packaged .bt) |")
w("|---|---|---|---|---|---|")


def cell(tool, impl):
    e = err("check", tool, impl)
    if e:
        return "fails: " + e
    if ("check", tool, impl, "ready_ms") in S:
        return "runs"
    return "-"


for t in TOOLS:
    bt = cell(t, "bpftrace")
    tp = meta.get("bpftrace_tp_" + t)
    if tp:
        name = tp.split("/")[-1]
        bt += "; measured with [%s](%s) instead (same script on tracepoints)" % (name, name)
    w("| %s | %s | %s | %s | %s | %s |" % (
        t, cell(t, "kscope"), cell(t, "bcc-installed"), cell(t, "bcc"), cell(t, "bcc-same"), bt))
w("")
w = out.append

# ---- targets (filled below, printed first) ----
targets = []  # (target, measured, verdict)


def verdict(ok):
    return "n/a" if ok is None else ("**PASS**" if ok else "**FAIL**")


bcc_label = {"bcc": "BCC", "bcc-same": "BCC API*"}

# ---- time to ready ----
ready = []
ready.append("## Time to ready (ms, median of %s runs)" % meta.get("settings", "").split()[0].split("=")[-1])
ready.append("")
ready.append("From just before exec until the tool's column header appears on its terminal "
             "(a pseudo-terminal read by [harness.c](harness.c)). kscope cold: an empty "
             "`--cache-dir`, so the program is compiled; warm: from the compile cache. BCC and "
             "bpftrace compile at every start (cold = warm). BCC API* = bcc_same.py (see above).")
ready.append("")
ready.append("| tool | kscope cold | kscope warm | BCC | bpftrace | BCC ÷ kscope warm | "
             "bpftrace ÷ kscope warm | BCC ÷ kscope cold | bpftrace ÷ kscope cold |")
ready.append("|---|---|---|---|---|---|---|---|---|")
for t in TOOLS:
    c = med("ready", t, "kscope-cold", "ready_ms")
    wm = med("ready", t, "kscope-warm", "ready_ms")
    ref = bcc_ref(t)
    b = med("ready", t, ref, "ready_ms") if ref else None
    bt = med("ready", t, "bpftrace", "ready_ms")
    btl = fmt(bt, "", 0) + ("†" if meta.get("bpftrace_tp_" + t) else "") if bt is not None else "fails"
    ready.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        t, fmt(c, "", 0), fmt(wm, "", 1),
        (fmt(b, "", 0) + ("*" if ref == "bcc-same" else "")) if b is not None else "fails",
        btl, ratio(b, wm), ratio(bt, wm), ratio(b, c), ratio(bt, c)))
    targets.append(("%s: warm time to ready <= 50 ms" % t, fmt(wm, " ms"),
                    verdict(None if wm is None else wm <= 50)))
    targets.append(("%s: warm time to ready >= 20x faster than BCC's Python tool" % t,
                    "%s (BCC%s %s ms)" % (ratio(b, wm), "*" if ref == "bcc-same" else "",
                                         fmt(b, "", 0)),
                    verdict(None if b is None or wm is None else b / wm >= 20)))
    targets.append(("%s: cold time to ready no slower than BCC's Python tool" % t,
                    "%s vs BCC%s %s" % (fmt(c, " ms", 0), "*" if ref == "bcc-same" else "",
                                        fmt(b, " ms", 0)),
                    verdict(None if b is None or c is None else c <= b)))
if any(meta.get("bpftrace_tp_" + t) for t in TOOLS):
    ready.append("")
    ready.append("† the packaged .bt script cannot attach here; bench/%s-tp.bt (the same "
                 "script on tracepoints) was measured instead." %
                 [t for t in TOOLS if meta.get("bpftrace_tp_" + t)][0])

# ---- memory ----
mem = []
mem.append("## Memory of the tracing process (MiB, median)")
mem.append("")
mem.append("Peak: VmHWM, and steady: VmRSS, both from /proc/PID/status after %s of tracing, "
           "of the process that traces (for BCC the python3 process; kscope's short-lived "
           "compile child is not the tracing process: its peak is in the note below). "
           "kscope numbers are from warm runs." % (meta.get("settings", "hold=2s").split("hold=")[-1]))
mem.append("")
mem.append("| tool | kscope peak | kscope steady | BCC peak | BCC steady | bpftrace peak | "
           "bpftrace steady | BCC ÷ kscope (steady) | bpftrace ÷ kscope (steady) |")
mem.append("|---|---|---|---|---|---|---|---|---|")
cold_tree = []
for t in TOOLS:
    kp = mib(med("ready", t, "kscope-warm", "hwm_kb"))
    ks = mib(med("ready", t, "kscope-warm", "steady_rss_kb"))
    kcs = mib(med("ready", t, "kscope-cold", "steady_rss_kb"))
    ref = bcc_ref(t)
    bp = mib(med("ready", t, ref, "hwm_kb")) if ref else None
    bs = mib(med("ready", t, ref, "steady_rss_kb")) if ref else None
    tp = mib(med("ready", t, "bpftrace", "hwm_kb"))
    ts = mib(med("ready", t, "bpftrace", "steady_rss_kb"))
    star = "*" if ref == "bcc-same" else ""
    mem.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        t, fmt(kp), fmt(ks), fmt(bp) + star if bp else "fails", fmt(bs) + star if bs else "fails",
        fmt(tp) if tp else "fails", fmt(ts) if ts else "fails", ratio(bs, ks), ratio(ts, ks)))
    worst = max([x for x in (ks, kcs) if x is not None], default=None)
    targets.append(("%s: steady RSS <= 10 MB" % t,
                    "%s MiB warm, %s MiB after a cold start" % (fmt(ks), fmt(kcs)),
                    verdict(None if worst is None else worst <= 10.0)))
    ct = mib(med("ready", t, "kscope-cold", "tree_maxrss_kb"))
    if ct:
        cold_tree.append("%s %s MiB" % (t, fmt(ct)))
if cold_tree:
    mem.append("")
    mem.append("Note: peak RSS of kscope's process tree on a cold start, the compile child "
               "(clang/LLVM) included: " + ", ".join(cold_tree) + ". That memory is returned "
               "when the child exits, before the tool prints its header.")

# ---- workload ----
wl = []
n = int(float(meta.get("n_opens", "1000000")))
wl.append("## %s openat() calls, traced by opensnoop writing to a file" % format(n, ","))
wl.append("")
wl.append("[loadgen.c](loadgen.c) opens and closes one unique path %s times; the tracer's "
          "stdout is a file. Wall time is the workload's own; tool CPU is the tracer's "
          "utime+stime from just before the workload until it has written everything, and per "
          "event it is divided by all the lines the tool printed (other processes' opens "
          "included: their count is in parentheses); lost "
          "events as each tool reports them (kscope: `N events lost in total`, BCC: `Possibly "
          "lost N samples`, bpftrace: `Lost N events`); lines: output lines naming the "
          "workload's path. Medians of the runs (lost: median, and the worst run)." % format(n, ","))
wl.append("")
wl.append("| implementation | workload wall (s) | slowdown vs untraced | tool CPU (s) | "
          "tool CPU per event printed (µs) | lost events (worst run) | lines seen (of %s) |" % format(n, ","))
wl.append("|---|---|---|---|---|---|---|")
base = med("workload", "opensnoop", "untraced", "wall_s")
wl.append("| untraced | %s | 1.0x | - | - | - | - |" % fmt(base, "", 2))
names = {"kscope": "kscope opensnoop (defaults)",
         "kscope-json": "kscope opensnoop --json",
         "kscope-ringbuf": "kscope opensnoop --events=ringbuf (the BPF ring buffer, as 5.8-5.11)",
         "kscope-perf": "kscope opensnoop --events=perf (perf buffers, as before 5.8)",
         "bcc": "BCC opensnoop-bpfcc",
         "bcc-same": "BCC API*, kscope's program", "bpftrace": "bpftrace opensnoop.bt"}
kscope_lost = None
kscope_slow = None
json_lost = json_vs_text = None
KSCOPE_VARIANTS = ("kscope-perf", "kscope-json", "kscope-ringbuf")
for impl in ("kscope", "kscope-json", "kscope-ringbuf", "kscope-perf", "bcc", "bcc-same", "bpftrace"):
    if not works("opensnoop", "kscope" if impl in KSCOPE_VARIANTS else impl):
        continue
    if impl in KSCOPE_VARIANTS and not nums("workload", "opensnoop", impl, "wall_s"):
        continue  # an older bench run without this row
    wall = med("workload", "opensnoop", impl, "wall_s")
    cpu = med("workload", "opensnoop", impl, "tool_cpu_ms")
    lost = nums("workload", "opensnoop", impl, "lost")
    lines = med("workload", "opensnoop", impl, "lines")
    # CPU per event printed: the tool also prints other processes' opens (a busy
    # neighbour can add many), so divide by everything it printed, run by run.
    per = [c * 1e3 / l for c, l in zip(nums("workload", "opensnoop", impl, "tool_cpu_ms"),
                                         nums("workload", "opensnoop", impl, "lines_all")) if l > 0]
    per_ev = statistics.median(per) if per else None
    others = med("workload", "opensnoop", impl, "lines_all")
    if not nums("workload", "opensnoop", impl, "wall_s"):
        e = err("workload", "opensnoop", impl)
        wl.append("| %s | fails: %s | | | | | |" % (names[impl], e or "no result"))
        continue
    wl.append("| %s | %s | %s | %s | %s | %s (%s) | %s |" % (
        names[impl], fmt(wall, "", 2), ratio(wall, base), fmt(cpu / 1e3 if cpu is not None else None, "", 2),
        fmt(per_ev, "", 2) + ("" if others is None or lines is None else
                              " (%s other lines)" % format(int(others - lines), ",")),
        fmt(statistics.median(lost), "", 0) if lost else "n/a", fmt(max(lost), "", 0) if lost else "n/a",
        fmt(lines, "", 0)))
    if impl == "kscope":
        kscope_lost = max(lost) if lost else None
        kscope_slow = wall / base if wall and base else None
    if impl == "kscope-json":
        json_lost = max(lost) if lost else None
        text_wall = med("workload", "opensnoop", "kscope", "wall_s")
        json_vs_text = wall / text_wall if wall and text_wall else None
ex = sorted({r[2] for r in rows if r[0] == "explore" and r[2].startswith("kscope")},
            key=lambda i: (i != "kscope", i))
if ex:
    eb = med("explore", "opensnoop", "untraced", "wall_s")
    wl.append("")
    wl.append("Explored (--explore): kscope opensnoop variants, untraced %s s in the same rounds." % fmt(eb, "", 2))
    wl.append("")
    wl.append("| variant | workload wall (s) | slowdown | tool CPU (s) | lost (worst) |")
    wl.append("|---|---|---|---|---|")
    for i in ex:
        lost = nums("explore", "opensnoop", i, "lost")
        c = med("explore", "opensnoop", i, "tool_cpu_ms")
        wl.append("| %s | %s | %s | %s | %s |" % (
            "defaults" if i == "kscope" else "stdout to a tmpfs file" if i == "kscope-shm"
            else "-b " + i[len("kscope-b"):],
            fmt(med("explore", "opensnoop", i, "wall_s"), "", 2),
            ratio(med("explore", "opensnoop", i, "wall_s"), eb),
            fmt(c / 1e3 if c is not None else None, "", 2),
            fmt(max(lost), "", 0) if lost else "n/a"))
targets.append(("opensnoop to a file, %s openat(): zero lost events (defaults)" % format(n, ","),
                "%s lost in the worst run" % fmt(kscope_lost, "", 0),
                verdict(None if kscope_lost is None else kscope_lost == 0)))
targets.append(("opensnoop to a file, %s openat(): workload <= 1.5x untraced" % format(n, ","),
                "%s" % (fmt(kscope_slow, "x", 2)),
                verdict(None if kscope_slow is None else kscope_slow <= 1.5)))

if json_lost is not None or json_vs_text is not None:
    targets.append(("opensnoop --json to a file, %s openat(): zero lost events" % format(n, ","),
                    "%s lost in the worst run" % fmt(json_lost, "", 0),
                    verdict(None if json_lost is None else json_lost == 0)))
    targets.append(("opensnoop --json: workload <= 1.1x the same with text output",
                    "%s" % fmt(json_vs_text, "x", 2),
                    verdict(None if json_vs_text is None else json_vs_text <= 1.1)))

# ---- the floor (issue 18): empty programs on opensnoop's probes, in the same rounds ----
def floor_rows():
    """The floor table and its targets: kscope's rows against untraced and against the floor."""
    fl = med("workload", "opensnoop", "floor", "wall_s")
    if not nums("workload", "opensnoop", "floor", "wall_s"):
        e = err("check", "opensnoop", "floor") or err("workload", "opensnoop", "floor")
        wl.append("")
        wl.append("Floor: not measured (%s)." % (e or "kscope-floor did not run"))
        return
    wl.append("")
    wl.append("### Against the floor")
    wl.append("")
    wl.append("The floor is [floor.c](floor.c): an empty BPF program on each probe opensnoop "
              "uses, attached by kscope's own runtime, run in the same rounds. Its slowdown is "
              "what tracing those probes costs at all on this kernel (the syscall slow path, "
              "the BPF dispatch); the rest is the tool's own work.")
    wl.append("")
    wl.append("| implementation | workload wall (s) | vs untraced | vs floor | lost (worst run) |")
    wl.append("|---|---|---|---|---|")
    wl.append("| untraced | %s | 1.0x | %s | - |" % (fmt(base, "", 2), "%.2fx" % (base / fl) if base else "n/a"))
    wl.append("| floor (empty programs) | %s | %s | 1.00x | - |" % (
        fmt(fl, "", 2), "%.2fx" % (fl / base) if base else "n/a"))
    impls = sorted({r[2] for r in rows if r[0] == "workload" and r[2].startswith("kscope")},
                   key=lambda i: (i != "kscope", i))
    for impl in impls:
        wall = med("workload", "opensnoop", impl, "wall_s")
        if wall is None:
            continue
        lost = nums("workload", "opensnoop", impl, "lost")
        worst = max(lost) if lost else None
        label = names.get(impl, "kscope opensnoop " + impl[len("kscope-"):])
        wl.append("| %s | %s | %s | %.2fx | %s |" % (
            label, fmt(wall, "", 2), "%.2fx" % (wall / base) if base else "n/a", wall / fl,
            fmt(worst, "", 0)))
        if impl in ("kscope-perf", "kscope-ringbuf"):
            continue  # measured, no target: what older kernels get
        targets.append(("%s to a file: workload <= 1.10x the floor, zero lost" % label,
                        "%.2fx the floor (%s untraced), %s lost in the worst run" % (
                            wall / fl, "%.2fx" % (wall / base) if base else "n/a",
                            fmt(worst, "", 0)),
                        verdict(wall / fl <= 1.10 and worst == 0)))


floor_rows()

# ---- cost ----
cost = []
cost.append("## In-kernel cost per event (kernel.bpf_stats_enabled=1)")
cost.append("")
cost.append("run_time_ns / run_cnt of each BPF program the tracing process holds (the "
            "numbers `bpftool prog show` prints; the sysctl is restored afterwards), over a "
            "known workload: syscount during %s getppid() calls, biolatency during %s 4 KiB "
            "O_DIRECT writes, opensnoop during %s openat() calls. bpf_stats itself adds a "
            "little (two clock reads per run). syscount is the counting tool: its program "
            "only counts (BCC's syscount runs here: it uses tracepoints only). A reference row "
            "gives bpftrace's smallest counting program, `count()`, on a block tracepoint. "
            "Where a tool was measured more than once (opensnoop), a row gives the median "
            "ns per run, the runs of the middle measurement, and how many there were." % (
                format(int(meta.get("n_syscalls", "0")), ","),
                format(int(meta.get("n_dio", "0")), ","),
                format(int(meta.get("n_cost_opens", "0")), ",")))
cost.append("")
cost.append("| tool | implementation | program | attached to | runs | ns per run |")
cost.append("|---|---|---|---|---|---|")
counting_worst = None
open_exit = None
for tool in ("syscount", "biolatency", "opensnoop"):
    for impl in ("kscope", "kscope-ringbuf", "bcc", "bcc-same", "bpftrace", "bpftrace-count", "floor"):
        progs = S.get(("cost", tool, impl, "prog"), [])
        e = err("cost", tool, impl)
        if e:
            cost.append("| %s | %s | fails: %s | | | |" % (tool, impl, e))
        parsed = []
        for p in progs:
            # "ID NAME ATTACH cnt=C ns=T ns_per_run=X"
            parts = p.split()
            kv = dict(x.split("=", 1) for x in parts if "=" in x)
            parsed.append((parts, kv, int(kv.get("cnt", "0"))))
        top = max([c for _, _, c in parsed], default=0)
        # One row per program (name, attach point): the median of its measurements.
        groups = {}
        for parts, kv, cnt in parsed:
            if cnt == 0 or cnt < top / 100:  # programs the workload did not drive
                continue
            groups.setdefault(tuple(parts[1:3]), []).append(
                (float(kv.get("ns_per_run", "0")), parts, kv, cnt))
        for key, ms in groups.items():
            ms.sort(key=lambda m: m[0])
            per = statistics.median(m[0] for m in ms)
            _, parts, kv, cnt = ms[len(ms) // 2]  # the program line of the median run
            if len(ms) > 1:
                cnt_txt = "%s (median of %d)" % (format(cnt, ","), len(ms))
            else:
                cnt_txt = format(cnt, ",")
            if tool == "opensnoop" and impl == "kscope" and "exit" in (parts[2] if len(parts) > 2 else ""):
                open_exit = per if open_exit is None else max(open_exit, per)
            label = {"kscope": "kscope", "kscope-ringbuf": "kscope --events=ringbuf",
                     "bcc": "BCC", "bcc-same": "BCC API*",
                     "bpftrace": "bpftrace" + ("†" if meta.get("bpftrace_tp_" + tool) else ""),
                     "bpftrace-count": "reference: bpftrace `@issued = count()`",
                     "floor": "floor: empty program ([floor.c](floor.c))"}[impl]
            cost.append("| %s | %s | %s | %s | %s | %.0f |" % (
                tool, label, parts[1] if len(parts) > 1 else "?",
                parts[2] if len(parts) > 2 and "=" not in parts[2] else "?", cnt_txt, per))
            if tool == "syscount" and impl == "kscope":
                counting_worst = per if counting_worst is None else max(counting_worst, per)
if meta.get("cost_skipped"):
    cost.append("")
    cost.append("Skipped: " + meta["cost_skipped"])
targets.append(("counting tool (syscount): <= 100 ns per event per program",
                "%s ns (slowest program)" % fmt(counting_worst, "", 0),
                verdict(None if counting_worst is None else counting_worst <= 100)))
targets.append(("opensnoop's exit program (sys_exit_openat): < 250 ns per run",
                "%s ns (median)" % fmt(open_exit, "", 0),
                verdict(None if open_exit is None else open_exit < 250)))

# ---- the tool families (bench/families.sh): their tables, and their targets ----
sys.dont_write_bytecode = True  # no __pycache__ in bench/
import families_report  # noqa: E402  (bench/families_report.py)
fam, fam_targets = families_report.render(meta, S, nums, med, err, fmt)
targets = (targets if OLD else []) + fam_targets
if not OLD:
    ready, mem, wl, cost = [], [], [], []

# ---- print ----
w("## Targets")
w("")
w("| target | measured | result |")
w("|---|---|---|")
for t in targets:
    w("| %s | %s | %s |" % t)
w("")
if OLD:
    w("\\* BCC API = Debian's BCC Python API running kscope's own program "
      "([bcc_same.py](bcc_same.py)), used where Debian's BCC tool cannot run on this kernel.")
    w("")
out.extend(ready)
w("")
out.extend(mem)
w("")
out.extend(wl)
w("")
out.extend(cost)
w("")
out.extend(fam)
w("<details><summary>Raw samples</summary>")
w("")
w("```")
for f in rows:
    if f[4] in ("error",):
        continue
    w("\t".join(f[:6]))
w("```")
w("")
w("</details>")
print("\n".join(out))
