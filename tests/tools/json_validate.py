#!/usr/bin/env python3
"""Validate a tool's JSON Lines output against its schema (Debian's python3-jsonschema).

    json_validate.py SCHEMA FILE [--min N] [--expect EXPR]... [--document]

Every line of FILE must parse (strict UTF-8, Python's json) and validate against SCHEMA;
there must be at least N lines (default 1); for each EXPR (a Python expression over the
record `r`), at least one line must make it true. --document: FILE is one JSON document
(kscope-doctor's indented object), not JSON Lines. Exit 0 when all hold, 1 otherwise."""
import argparse
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(77)

ap = argparse.ArgumentParser()
ap.add_argument("schema")
ap.add_argument("file")
ap.add_argument("--min", type=int, default=1)
ap.add_argument("--expect", action="append", default=[])
ap.add_argument("--document", action="store_true")
a = ap.parse_args()

with open(a.schema, encoding="utf-8") as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
records, bad = [], 0
with open(a.file, "rb") as f:
    lines = [f.read()] if a.document else f
    for n, raw in enumerate(lines, 1):
        try:
            r = json.loads(raw.decode("utf-8"))
        except ValueError as e:
            print(f"{a.file}:{n}: not JSON in UTF-8: {e}: {raw[:200]!r}")
            bad += 1
            continue
        errors = sorted(validator.iter_errors(r), key=lambda e: list(e.path))
        for e in errors[:3]:
            print(f"{a.file}:{n}: {'/'.join(map(str, e.path))}: {e.message}")
        bad += bool(errors)
        records.append(r)
if len(records) < a.min:
    print(f"{a.file}: {len(records)} record(s), expected at least {a.min}")
    bad += 1


def holds(code, r):
    try:
        return bool(eval(code, {}, {"r": r}))
    except (KeyError, TypeError, IndexError, ValueError):
        return False


for expr in a.expect:
    code = compile(expr, "--expect", "eval")
    if not any(holds(code, r) for r in records):
        print(f"{a.file}: no record where {expr}")
        bad += 1
print(f"{a.file}: {len(records)} record(s) valid against {a.schema.rsplit('/', 1)[-1]}"
      if not bad else f"{a.file}: {bad} problem(s)")
sys.exit(1 if bad else 0)
