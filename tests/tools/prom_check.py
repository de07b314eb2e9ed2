#!/usr/bin/env python3
"""Compare a tool's --prom metrics (a file, or node_exporter's /metrics) with its own text.

  prom_check.py bio TEXT METRICS DISK SUM N...
                                             biolatency -D -T: the sum of text intervals N...
                                             against kscope_biolatency_io_seconds{disk=DISK};
                                             SUM "settled" (the tool has exited) also checks
                                             _sum against the buckets' bounds
  prom_check.py sys TEXT METRICS NAME        syscount [-L]: the last table's row NAME against
                                             kscope_syscount_syscalls_total{syscall=NAME}
                                             (and syscall_seconds_total with -L)
Prints what it compared; exits 1 on a mismatch."""
import re
import sys
from fractions import Fraction

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metrics(path):
    """{(name, frozenset(labels)): value as text}"""
    out = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            m = SAMPLE.match(line.rstrip('\n'))
            if not m or line.startswith('#'):
                continue
            labels = frozenset((k, le(v) if k == 'le' else v)
                               for k, v in LABEL.findall(m.group(2) or ''))
            out[(m.group(1), labels)] = m.group(3)
    return out


def le(v):
    """node_exporter writes le="1e-06" where the file has "0.000001": compare numbers."""
    return v if v == '+Inf' else float(v)


def get(ms, name, **labels):
    key = (name, frozenset((k, le(v) if k == 'le' else v) for k, v in labels.items()))
    if key not in ms:
        sys.exit(f'FAIL: no sample {name}{labels}')
    return ms[key]


def bio(text, mpath, disk, settled, intervals):
    want = set(int(n) for n in intervals)
    slots = {}  # slot -> count, summed over the chosen intervals
    interval, section = 0, None
    for line in open(text, encoding='utf-8'):
        line = line.rstrip('\n')
        if re.fullmatch(r'\d\d:\d\d:\d\d *', line):
            interval += 1
            section = None
        elif line.startswith('disk = '):
            section = line[len('disk = '):]
        m = re.match(r'^\s*(\d+) -> (\d+)\s*: (\d+)', line)
        if m and section == disk and interval in want:
            high = int(m.group(2))
            slot = (high + 1).bit_length() - 1  # high = 2^slot - 1
            slots[slot] = slots.get(slot, 0) + int(m.group(3))
    total = sum(slots.values())
    if not total:
        sys.exit(f'FAIL: no counts for disk {disk} in intervals {intervals} of {text}')
    ms = metrics(mpath)
    name = 'kscope_biolatency_io_seconds'
    # BCC's text leaves out slot 0 (under 1 us); a disk I/O never takes less.
    if int(get(ms, name + '_bucket', disk=disk, le='0.000001')) != 0:
        sys.exit('FAIL: I/Os under 1 us')
    cum = 0
    for slot in range(1, 28):
        cum += slots.get(slot, 0)
        le = format(float(2**slot) / 1e6, '.6f').rstrip('0').rstrip('.')
        got = int(get(ms, name + '_bucket', disk=disk, le=le))
        if got != cum:
            sys.exit(f'FAIL: bucket le={le}: {got}, the text says {cum}')
    for suffix, labels in (('_count', {}), ('_bucket', {'le': '+Inf'})):
        got = int(get(ms, name + suffix, disk=disk, **labels))
        if got != total:
            sys.exit(f'FAIL: {suffix} {labels}: {got}, the text says {total}')
    # The measured sum lies within what the slots allow: slot s holds [2^(s-1), 2^s) us.
    # Only once the tool has exited: while it runs, an I/O that completes between the
    # reads of the counts and of the sums is in _sum one write before it is in _count.
    s = float(get(ms, name + '_sum', disk=disk))
    if not settled:
        print(f'ok: disk {disk}: {total} I/Os in 27 buckets, +Inf and _count as the text')
        return
    lo = sum(c * 2**(k - 1) for k, c in slots.items()) / 1e6
    hi = sum(c * 2**k for k, c in slots.items()) / 1e6
    if not lo <= s <= hi:
        sys.exit(f'FAIL: _sum {s} s outside [{lo}, {hi}] that the buckets allow')
    print(f'ok: disk {disk}: {total} I/Os in 27 buckets, +Inf and _count as the text; '
          f'_sum {s} s within [{lo}, {hi}]')


def sys_(text, mpath, name):
    row = None
    for line in open(text, encoding='utf-8'):
        f = line.split()
        if f and f[0] == name and len(f) in (2, 3):
            row = f  # the last table's row wins
    if not row:
        sys.exit(f'FAIL: no row {name} in {text}')
    ms = metrics(mpath)
    got = get(ms, 'kscope_syscount_syscalls_total', syscall=name)
    if got != row[1]:
        sys.exit(f'FAIL: {name}: {got} in the metrics, {row[1]} in the text')
    msg = f'ok: {name}: {got} syscalls'
    if len(row) == 3:
        # Text: microseconds with 3 decimals; metrics: seconds with 9. Both exact ns.
        us = Fraction(row[2])
        sec = Fraction(get(ms, 'kscope_syscount_syscall_seconds_total', syscall=name))
        if sec * 10**6 != us:
            sys.exit(f'FAIL: {name}: {sec} s in the metrics, {us} us in the text')
        msg += f', {float(sec)} s, both as the text'
    print(msg)


if __name__ == '__main__':
    if len(sys.argv) >= 7 and sys.argv[1] == 'bio':
        bio(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == 'settled', sys.argv[6:])
    elif len(sys.argv) == 5 and sys.argv[1] == 'sys':
        sys_(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
