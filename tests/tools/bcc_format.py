#!/usr/bin/env python3
"""The text output against the BCC format strings it follows, value for value.

    bcc_format.py TOOL TEXTFILE JSONFILE OPTION...

TEXTFILE and JSONFILE are the same tool, started with the same options (OPTION..., without
--json) at the same time and shown the same events. The header line of TEXTFILE must be
BCC's header format applied to BCC's column names, and each event line must be BCC's row
format applied to the values of the matching JSON record: so the text follows BCC's
formats and --json carries the same values. The formats below are BCC's, from its tools/
(execsnoop.py, opensnoop.py, syscount.py, biolatency.py with bcc/table.py).
"""
import json
import os
import sys

tool, textfile, jsonfile, *opts = sys.argv[1:]
text = open(textfile, "rb").read().decode("utf-8", "surrogateescape").split("\n")
records = [json.loads(x) for x in open(jsonfile, encoding="utf-8") if x.strip()]
fails = 0


def same(what, got, want):
    global fails
    if got != want:
        fails += 1
        print(f"FAIL {tool} {' '.join(opts)}: {what}:\n  text:  {got!r}\n  BCC's: {want!r}")


def opt(o):
    return o in opts


if tool == "execsnoop":
    # print("%-16s %-7s %-7s %3s %s" % ("PCOMM", "PID", "PPID", "RET", "ARGS")), after
    # "%-9s" TIME (-T), "%-8s" TIME(s) (-t), "%-6s" UID (-U).
    head = ("%-6s" % "UID" if opt("-U") else "") + \
        "%-16s %-7s %-7s %3s %s" % ("PCOMM", "PID", "PPID", "RET", "ARGS")
    same("header", text[0], head)
    rows = [x for x in text[1:] if x]
    same("number of events", len(rows), len(records))
    for line, r in zip(rows, records):
        # b"%-16s %-7d %-7s %3d %s" % (comm, pid, ppid or b"?", retval, argv joined,
        # newlines as \n); with -q each argument in quotes, inner quotes escaped.
        args = r["args"]
        if opt("-q"):
            args = ['"%s"' % a.replace('"', '\\"') for a in args]
        argv = " ".join(args).replace("\n", "\\n")
        ppid = "%d" % r["ppid"] if r["ppid"] is not None else "?"
        want = ("%-6d" % r["uid"] if opt("-U") else "") + \
            "%-16s %-7d %-7s %3d %s" % (r["comm"], r["pid"], ppid, r["retval"], argv)
        same("event line", line, want)
elif tool == "opensnoop":
    tid = opt("-t")
    head = ("%-6s" % "UID" if opt("-U") else "") + \
        "%-6s %-16s %4s %3s " % ("TID" if tid else "PID", "COMM", "FD", "ERR") + \
        ("%-9s" % "FLAGS" if opt("-e") else "") + "PATH"
    same("header", text[0], head)
    rows = [x for x in text[1:] if x]
    same("number of events", len(rows), len(records))
    for line, r in zip(rows, records):
        fd = r["fd"] if r["fd"] is not None else -1
        want = ("%-6d" % r["uid"] if opt("-U") else "") + \
            "%-6d %-16s %4d %3d " % (r["tid"] if tid else r["pid"], r["comm"], fd, r["errno"]) + \
            ("%08o " % r["flags"] if opt("-e") else "") + r["path"]
        same("event line", line, want)
elif tool == "syscount":
    # print("%-22s %8s" % (agg_colname, "COUNT")), agg_colname "PID    COMM" with -P;
    # rows b"%-22s %8d" % (agg_colval(k), count), agg_colval b"%-6d %-15s" % (pid, comm).
    lines = [x for x in text if x and not x.startswith(("Tracing", "Detaching", "["))]
    (r,) = records
    same("header", lines[0], "%-22s %8s" % ("PID    COMM" if opt("-P") else "SYSCALL", "COUNT"))
    same("number of rows", len(lines) - 1, len(r["rows"]))
    for line, w in zip(lines[1:], r["rows"]):
        col = "%-6d %-15s" % (w["pid"], w["comm"]) if opt("-P") else w["syscall"]
        same("row", line, "%-22s %8d" % (col, w["count"]))
elif tool == "biolatency":
    # print_log2_hist(label, "disk", disk_print): "\n%s = %s" per section, then BCC's own
    # table printer (bcc/table.py). Latencies differ by a few ns between two instances, so
    # the text is checked against BCC's printer fed its own counts, and the JSON against
    # the text's number of I/Os.
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "unit"))
    from check_hist import import_bcc_table
    table, err = import_bcc_table()
    if table is None:
        print("BCC's Python module is missing (python3-bpfcc):", err)
        sys.exit(77)
    import contextlib
    import io
    (r,) = records
    body = "\n".join(text)
    for h in r["histograms"]:
        start = body.find("\ndisk = %s\n" % h["disk"])
        section = body[start:].split("\n")[3:] if start >= 0 else []
        vals = [0] * 65
        for line in section:
            if "->" not in line:
                break
            high, count = int(line.split()[2]), int(line.split()[4])
            vals[high.bit_length()] = count
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            print("\n%s = %s" % ("disk", h["disk"]))
            table._print_log2_hist(vals, r["unit"], False)
        want = out.getvalue().rstrip("\n")
        same("section " + h["disk"], body[start:start + len(want)] if start >= 0 else "", want)
        same("I/Os of " + h["disk"] + " (text, JSON)", sum(vals),
             sum(b["count"] for b in h["buckets"]))
if fails:
    sys.exit(1)
print(f"{tool} {' '.join(opts)}: header and {len(records)} record(s) as BCC's formats print them")
