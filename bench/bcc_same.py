#!/usr/bin/python3
# bcc_same.py: BCC's Python way of running a tool, applied to kscope's own BPF program.
#
#   bcc_same.py TOOL PROGRAM.c [PAGES]
#
# TOOL is opensnoop, execsnoop or biolatency; PROGRAM.c is what `TOOL --ebpf` prints (the
# full program kscope compiles for this kernel, tracepoints included). Like BCC's Python
# tools, this compiles the program with libbcc's clang at every start (BPF(text=...)),
# attaches it, opens the perf buffer (PAGES per CPU, default 64), prints the tool's
# header, and handles every event in Python.
#
# Why it exists: Debian's opensnoop-bpfcc, execsnoop-bpfcc and biolatency-bpfcc do not run
# on a kernel without kprobes (bench/run.sh records how each one fails). This stand-in is
# "BCC's Python tool compiling the same kind of program" for the time-to-ready, memory and
# throughput comparisons. Loss is reported as BCC does ("Possibly lost N samples").
import ctypes
import os
import signal
import sys

from bcc import BPF

tool, progfile = sys.argv[1], sys.argv[2]
pages = int(sys.argv[3]) if len(sys.argv) > 3 else 64
lost_total = 0


def on_lost(n):
    global lost_total
    lost_total += n
    print("Possibly lost %d samples" % n, file=sys.stderr)


def stop(sig, frame):
    raise KeyboardInterrupt


signal.signal(signal.SIGTERM, stop)

with open(progfile) as f:
    text = f.read()
b = BPF(text=text)  # compiles; TRACEPOINT_PROBE()s attach themselves



# The events, as bpfsrc/opensnoop.h and bpfsrc/execsnoop.h define them (BCC cannot map
# __u64 and friends from the C text by itself).
class OpenEvent(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("ts", ctypes.c_uint64), ("uid", ctypes.c_uint32),
                ("ret", ctypes.c_int32), ("flags", ctypes.c_int32),
                ("comm", ctypes.c_char * 16), ("name", ctypes.c_char * 255)]


class ExecEvent(ctypes.Structure):
    _fields_ = [("pid", ctypes.c_uint32), ("ppid", ctypes.c_uint32), ("uid", ctypes.c_uint32),
                ("type", ctypes.c_uint32), ("retval", ctypes.c_int32), ("pad", ctypes.c_uint32),
                ("comm", ctypes.c_char * 16), ("arg", ctypes.c_char * 128)]


out = sys.stdout
if tool == "opensnoop":

    def on_event(cpu, data, size):
        e = ctypes.cast(data, ctypes.POINTER(OpenEvent)).contents
        ret = e.ret
        fd, err = (ret, 0) if ret >= 0 else (-1, -ret)
        out.write("%-6d %-16s %4d %3d %s\n" % (e.id >> 32, e.comm.decode("utf-8", "replace"),
                                              fd, err, e.name.decode("utf-8", "replace")))

    b["events"].open_perf_buffer(on_event, page_cnt=pages, lost_cb=on_lost)
    out.write("%-6s %-16s %4s %3s %s\n" % ("PID", "COMM", "FD", "ERR", "PATH"))
elif tool == "execsnoop":
    pending = {}

    def ppid_of(pid):
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("PPid:"):
                        return line.split()[1]
        except OSError:
            pass
        return "?"

    def on_event(cpu, data, size):
        e = ctypes.cast(data, ctypes.POINTER(ExecEvent)).contents
        if e.type == 0:  # EXECSNOOP_ARG
            pending.setdefault(e.pid, []).append(e.arg.decode("utf-8", "replace"))
            return
        args = " ".join(pending.pop(e.pid, []))
        if e.retval != 0:
            return
        ppid = str(e.ppid) if e.ppid else ppid_of(e.pid)
        out.write("%-16s %-7d %-7s %3d %s\n" % (e.comm.decode("utf-8", "replace"), e.pid, ppid,
                                               e.retval, args))

    b["events"].open_perf_buffer(on_event, page_cnt=pages, lost_cb=on_lost)
    out.write("%-16s %-7s %-7s %3s %s\n" % ("PCOMM", "PID", "PPID", "RET", "ARGS"))
elif tool == "biolatency":
    out.write("Tracing block device I/O... Hit Ctrl-C to end.\n")
else:
    sys.exit("bcc_same.py: unknown tool %s" % tool)
out.flush()

try:
    if tool == "biolatency":
        signal.pause()
    else:
        while True:
            b.perf_buffer_poll()
except KeyboardInterrupt:
    pass
if tool == "biolatency":
    dist = {}
    for k, v in b["dist"].items():
        dist[k.slot] = dist.get(k.slot, 0) + v.value
    out.write("\n%8s : count\n" % "log2(us)")
    for slot in sorted(dist):
        out.write("%8d : %d\n" % (slot, dist[slot]))
out.flush()
if lost_total:
    print("%d events lost in total" % lost_total, file=sys.stderr)
