"""The tool-family sections of the bench report (bench/families.sh's samples), for report.py.

render(meta, S, nums, med, err, fmt) -> (Markdown lines, targets). S maps (section, tool,
impl, key) to the list of values; nums/med/err/fmt are report.py's helpers."""
import statistics

IMPL = {"kscope": "kscope %s", "bcc": "BCC %s-bpfcc", "bpftrace": "bpftrace %s.bt"}

# section: the untraced workload's name, the tools, the main number (key, label, higher is
# better), other workload numbers, what the lines column counts, the heading and intro.
SECTIONS = [
    ("net", "conn", ["tcpconnect", "tcplife"], ("wl_rate", "connections/s", True),
     [("wl_cpu_s", "workload CPU (s)", 3)], "lines naming port 5999",
     "net: tcpconnect and tcplife during paced loopback connections",
     "[famload.c](famload.c) `conn` connects to 127.0.0.1:5999 at %s a second for %s s in "
     "a network namespace the bench creates (each connection closed with an RST: no TIME_WAIT); "
     "a thread accepts. The rate it reached, and its own CPU time (client and acceptor), "
     "traced and untraced in the same round (on a busy machine the rate reached varies from "
     "run to run; the workload's CPU time, with its ratio to untraced, is the steadier "
     "measure of what tracing costs it). Lines: output lines naming the port (tcplife "
     "sees both ends of each connection)."),
    ("block", "dio", ["biosnoop"], ("wl_wall_s", "workload wall (s)", False), [],
     "lines by loadgen",
     "block: biosnoop during 4 KiB O_DIRECT writes",
     "[loadgen.c](loadgen.c) `-D`: %s 4 KiB O_DIRECT overwrites of one file (after 1,024 "
     "allocating writes, also traced). Lines: biosnoop lines whose COMM is loadgen."),
    ("generic", "call", ["funccount"], ("wl_ns_per_call", "ns per call", False), [], None,
     "generic: funccount on a user function through a uprobe",
     "[famload.c](famload.c) `call` calls a non-inlined function %s times in a tight loop; "
     "each tool counts it through a uprobe (bpftrace: `uprobe:famload:ksb_target { @ = "
     "count(); }`). The added time per call is the uprobe's trap plus the program."),
    ("mem", "memleak", ["memleak"], ("wl_wall_s", "workload wall (s)", False),
     [("wl_rate", "pairs/s reached", 0)], None,
     "mem: memleak -p on a process doing paced malloc/free pairs",
     "[famload.c](famload.c) `malloc`: %s malloc()/free() pairs paced at %s a second, in a "
     "process the tool attaches to with -p while it waits (past its loader). RSS: the "
     "tracing process after the workload."),
    ("sched", "pingpong", ["runqlat"], ("wl_switches_per_s", "context switches/s", True), [],
     None, "sched: runqlat during a pipe ping-pong pair",
     "[famload.c](famload.c) `pingpong`: two processes pinned to one CPU pass a byte over "
     "two pipes %s times (two context switches per round trip), unpaced: the untraced rate "
     "is what this machine does. Program cost: kernel.bpf_stats_enabled=1 during the section."),
]


def label_of(sec, tool, impl):
    if sec == "generic" and impl == "bpftrace":
        return "bpftrace `uprobe:...{@=count()}`"
    return IMPL[impl] % tool


def render(meta, S, nums, med, err, fmt):
    out, targets = [], []
    w = out.append
    def intro_args(sec):
        m = lambda k: format(int(meta[k]), ",") if k in meta else "?"
        return {"net": (m("n_net_rate"), m("n_net_secs")), "block": (m("n_fam_dio"),),
                "generic": (m("n_calls"),), "mem": (m("n_malloc"), m("n_malloc_rate")),
                "sched": (m("n_pingpong"),)}[sec]

    def why(sec, tool, impl):
        e = err(sec, tool, impl)
        if e is None:
            return None
        k = "does not run here (needs kprobes)" if S.get((sec, tool, impl, "needs_kprobes")) \
            else "does not run here"
        return "%s: %s" % (k, e)

    ran = [x for x in SECTIONS if any(k[0] == x[0] for k in S)]
    if not ran:
        return out, targets
    w("## Tool families (issues 12-16)")
    w("")
    w("Each implementation runs between two untraced runs of the same workload, in the same "
      "round (%s); medians over the rounds, lost events: the worst round (snooping tools "
      "only; the others aggregate in the kernel). An implementation that "
      "cannot start here is a row saying why. kscope's time to ready: its first start of each "
      "tool in a run compiles into the run's fresh cache (with three rounds the median is a "
      "warm start; generic and mem have one round: a cold start). BCC's tools get kscope's kernel headers "
      "(BCC_KERNEL_SOURCE), bpftrace's scripts the same (BPFTRACE_KERNEL_SOURCE)." %
      meta.get("fam_settings", "?"))
    w("")
    for sec, base, tools, (mkey, mlabel, higher), extra, lines_label, title, intro in ran:
        w("### " + title)
        w("")
        w(intro % intro_args(sec))
        if "busy_" + sec in meta:
            w("")
            w("Before the section: %s." % meta["busy_" + sec])
        w("")
        head = ["tool", "implementation", "time to ready (ms)", mlabel, "slowdown vs untraced"]
        head += [label for _, label, _ in extra]
        head += ["lost events (worst)", lines_label] if lines_label else []
        head += ["tool CPU (s)", "tool RSS (MiB)", "tool peak RSS (MiB)"]
        w("| " + " | ".join(head) + " |")
        w("|" + "---|" * len(head))
        b = med(sec, base, "untraced", mkey)
        nd = 0 if higher else 3 if mkey.endswith("_s") else 1
        row = ["untraced", "-", "-", fmt(b, "", nd), "1.00x"]
        row += [fmt(med(sec, base, "untraced", k), "", d) for k, _, d in extra]
        row += ["-", "-"] if lines_label else []
        row += ["-", "-", "-"]
        w("| " + " | ".join(row) + " |")
        for tool in tools:
            for impl in ("kscope", "bcc", "bpftrace"):
                label = label_of(sec, tool, impl)
                e = why(sec, tool, impl)
                v = med(sec, tool, impl, mkey)
                if e:
                    w("| %s | %s | %s |%s" % (tool, label, e.replace("|", "\\|"),
                                             " |" * (len(head) - 3)))
                    continue
                if v is None:
                    continue
                slow = None
                if b and v:
                    slow = b / v if higher else v / b
                lost = nums(sec, tool, impl, "lost")
                row = [tool, label, fmt(med(sec, tool, impl, "ready_ms"), "", 0),
                       fmt(v, "", nd),
                       fmt(slow, "x", 2)]
                if sec == "generic" and b is not None:
                    row[4] += " (+%.0f ns per call)" % (v - b)
                for k, _, d in extra:  # with its ratio to untraced
                    x, u = med(sec, tool, impl, k), med(sec, base, "untraced", k)
                    row.append(fmt(x, "", d) + (" (%.2fx)" % (x / u) if x and u else ""))
                if lines_label:
                    row.append(fmt(max(lost), "", 0) if lost else "n/a")
                    row.append(fmt(med(sec, tool, impl, "lines"), "", 0))
                cpu = med(sec, tool, impl, "tool_cpu_ms")
                rss = med(sec, tool, impl, "post_rss_kb")
                hwm = med(sec, tool, impl, "post_hwm_kb")
                row += [fmt(cpu / 1e3 if cpu is not None else None, "", 2),
                        fmt(rss / 1024 if rss else None), fmt(hwm / 1024 if hwm else None)]
                w("| " + " | ".join(row) + " |")
                if impl == "kscope" and sec in ("net", "block"):
                    targets.append(("%s during the %s workload: zero lost events" % (tool, sec),
                                    "%s lost in the worst round" % (fmt(max(lost), "", 0) if lost else "n/a"),
                                    "n/a" if not lost else ("**PASS**" if max(lost) == 0 else "**FAIL**")))
        w("")
        if sec in ("sched", "generic"):
            prog_table(w, S, sec, tools)
        if sec == "generic":
            glob_table(w, meta, S, med, err, fmt)
    return out, targets


def prog_table(w, S, sec, tools):
    """ns per program run (bpf_stats) of each tool's programs, median over the rounds."""
    w("Program cost per event (run_time_ns / run_cnt over the workload, `bpftool prog show`'s "
      "numbers; bpf_stats adds two clock reads per run):")
    w("")
    w("| tool | implementation | program | attached to | runs (median) | ns per run (median) |")
    w("|---|---|---|---|---|---|")
    for tool in tools:
        for impl in ("kscope", "bcc", "bpftrace"):
            progs = {}
            for p in S.get((sec, tool, impl, "prog"), []):
                parts = p.split()
                kv = dict(x.split("=", 1) for x in parts if "=" in x)
                name = parts[1] if len(parts) > 1 else "?"
                att = parts[2] if len(parts) > 2 and "=" not in parts[2] else "?"
                progs.setdefault((name, att), []).append(
                    (int(kv.get("cnt", "0")), float(kv.get("ns_per_run", "0"))))
            top = max([c for v in progs.values() for c, _ in v], default=0)
            for (name, att), v in sorted(progs.items()):
                cnt = statistics.median([c for c, _ in v])
                if cnt == 0 or cnt < top / 100:
                    continue
                w("| %s | %s | %s | %s | %s | %.0f |" % (
                    tool, label_of(sec, tool, impl), name, att.split("/")[-1], format(int(cnt), ","),
                    statistics.median([n for _, n in v])))
    w("")


def glob_table(w, meta, S, med, err, fmt):
    n = meta.get("n_glob")
    if not n:
        return
    w("Time to ready with a %s-function glob (`funccount 'libksbglob.so:ksbglob_f*'`, a "
      "generated library; bpftrace: `uprobe:libksbglob.so:ksbglob_f* { @[probe] = count(); }`), "
      "median; kscope cold: an empty `--cache-dir`:" % n)
    w("")
    w("| implementation | time to ready (ms) | RSS after 1 s (MiB) | Ctrl-C to exit (ms) |")
    w("|---|---|---|---|")
    for impl, label in (("kscope-cold", "kscope funccount, cold"),
                        ("kscope-warm", "kscope funccount, warm"),
                        ("bcc", "BCC funccount-bpfcc"), ("bpftrace", "bpftrace")):
        e = err("glob", "funccount", impl)
        if e:
            w("| %s | does not run here: %s | | |" % (label, e.replace("|", "\\|")))
            continue
        r = med("glob", "funccount", impl, "ready_ms")
        rss = med("glob", "funccount", impl, "steady_rss_kb")
        if r is not None:
            w("| %s | %s | %s | %s |" % (label, fmt(r, "", 0), fmt(rss / 1024 if rss else None),
                                        fmt(med("glob", "funccount", impl, "stop_ms"), "", 0) +
                                        (" (SIGKILL after 120 s)" if S.get(("glob", "funccount", impl, "killed")) else "")))
    w("")
