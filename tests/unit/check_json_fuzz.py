#!/usr/bin/env python3
"""Random byte strings through kscope's JSON writer (json_fuzz): every line must parse with
Python's json, be valid UTF-8, and give back the input with each byte that is not part of
valid UTF-8 replaced by U+FFFD (the rule in docs/json.md)."""
import json
import re
import subprocess
import sys

fuzz, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20000
SURROGATE = re.compile('[\udc80-\udcff]')
failures = 0
for seed in (1, 2, 0x5eed):
    out = subprocess.run([fuzz, str(seed), str(count)], check=True, capture_output=True).stdout
    lines = out.split(b'\n')
    assert lines[-1] == b'', 'output must end with a newline'
    lines = lines[:-1]
    assert len(lines) == count, f'{len(lines)} lines, expected {count}'
    for line in lines:
        try:
            text = line.decode('utf-8')  # strict: the line itself must be valid UTF-8
            rec = json.loads(text)
        except ValueError as e:
            failures += 1
            print(f'seed {seed}: not valid: {e}: {line[:200]!r}')
            continue
        raw = bytes.fromhex(rec['raw'])
        # surrogateescape maps each undecodable byte to one lone surrogate: one per byte.
        want = SURROGATE.sub('\ufffd', raw.decode('utf-8', 'surrogateescape'))
        if rec['s'] != want or rec['a'] != [want]:
            failures += 1
            print(f'seed {seed} record {rec["i"]}: got {rec["s"]!r}, want {want!r}')
    if failures > 20:
        break
if failures:
    print(f'{failures} record(s) failed')
    sys.exit(1)
print(f'{3 * count} random strings: every line parses and round-trips')
