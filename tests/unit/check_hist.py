#!/usr/bin/env python3
"""unit-hist: kscope's histograms must be byte-for-byte BCC's.

    check_hist.py HIST_DUMP VECTORS

Runs HIST_DUMP (kscope's ks_print_log2_hist / ks_print_linear_hist) on every vector of
VECTORS, calls BCC's own bcc.table._print_log2_hist / _print_linear_hist on the same
vectors, and compares the two outputs vector by vector.

BCC's Python module comes with python3-bpfcc (Debian's bpfcc-tools). When it cannot be
imported the test is skipped (exit 77), except in CI (CI=true), where it fails.
"""
import contextlib
import difflib
import io
import os
import subprocess
import sys

SKIP = 77
# Where distributions install the bcc package for their system python; a python3 from
# pyenv, a venv or /usr/local does not look there by itself.
BCC_DIRS = ["/usr/lib/python3/dist-packages", "/usr/lib/python3/site-packages",
            "/usr/lib64/python3/site-packages"]


def import_bcc_table():
    errors = []
    try:
        import bcc.table
        return bcc.table, None
    except Exception as e:  # ImportError, or OSError when libbcc.so is missing
        errors.append("%s: %s" % (type(e).__name__, e))
    for d in BCC_DIRS + sorted(_versioned_dirs()):
        if not os.path.isfile(os.path.join(d, "bcc", "table.py")):
            continue
        sys.path.append(d)
        for name in [m for m in sys.modules if m == "bcc" or m.startswith("bcc.")]:
            del sys.modules[name]
        try:
            import bcc.table
            return bcc.table, None
        except Exception as e:
            errors.append("%s (from %s): %s" % (type(e).__name__, d, e))
        sys.path.remove(d)
    return None, "; ".join(errors)


def _versioned_dirs():
    for base in ("/usr/lib", "/usr/lib64"):
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for n in names:
            if n.startswith("python3"):
                for sub in ("dist-packages", "site-packages"):
                    yield os.path.join(base, n, sub)


def parse_vectors(path):
    """The same rules as hist_dump.c: see the comment at the top of the vectors file."""
    vectors = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            toks = line.split("#", 1)[0].split()
            if not toks:
                continue
            kind, val_type, n = toks[0], toks[1], int(toks[2])
            if kind not in ("log2", "linear"):
                raise SystemExit("%s:%d: unknown kind %r" % (path, lineno, kind))
            vals = [0] * n
            pos = 0
            for t in toks[3:]:
                if "=" in t:
                    i, t = t.split("=", 1)
                    pos = int(i)
                vals[pos] = int(t)
                pos += 1
            vectors.append((lineno, kind, val_type, vals))
    return vectors


def bcc_output(table, vectors):
    out = io.StringIO()
    for lineno, kind, val_type, vals in vectors:
        out.write("### %d: %s %s %d\n" % (lineno, kind, val_type, len(vals)))
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            if kind == "log2":
                table._print_log2_hist(vals, val_type, False)
            else:
                table._print_linear_hist(vals, val_type, False)
        out.write(buf.getvalue())
    return out.getvalue()


def blocks(text):
    """### marker line -> the lines after it."""
    result, key = {}, None
    for line in text.splitlines(keepends=True):
        if line.startswith("### "):
            key = line.rstrip("\n")
            result[key] = []
        elif key is not None:
            result[key].append(line)
    return result


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: check_hist.py HIST_DUMP VECTORS")
    dump, vectors_file = sys.argv[1], sys.argv[2]

    table, err = import_bcc_table()
    if table is None:
        msg = "cannot import BCC's python module bcc.table (%s); install python3-bpfcc" % err
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            print("FAIL: " + msg, file=sys.stderr)
            return 1
        print("SKIP: " + msg)
        return SKIP
    print("BCC reference: %s" % table.__file__)

    vectors = parse_vectors(vectors_file)
    want = bcc_output(table, vectors)
    run = subprocess.run([dump, vectors_file], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if run.returncode != 0:
        sys.stderr.write(run.stderr.decode(errors="replace"))
        print("FAIL: %s exited with %d" % (dump, run.returncode), file=sys.stderr)
        return 1
    got = run.stdout.decode("utf-8", errors="surrogateescape")

    if got == want:
        print("PASS: %d vectors, %d bytes identical to BCC's" % (len(vectors), len(want)))
        return 0

    wb, gb = blocks(want), blocks(got)
    failed = 0
    for key in wb:
        if gb.get(key) == wb[key]:
            continue
        failed += 1
        print("FAIL: vector at %s:%s differs from BCC (-BCC +kscope):"
              % (os.path.basename(vectors_file), key[4:]), file=sys.stderr)
        diff = difflib.unified_diff(wb[key], gb.get(key, []), "bcc", "kscope", n=1)
        sys.stderr.writelines(list(diff)[2:])
    for key in gb:
        if key not in wb:
            failed += 1
            print("FAIL: unexpected block %r from hist_dump" % key, file=sys.stderr)
    if not failed:  # same blocks but different text: ordering or stray output
        print("FAIL: outputs differ outside the vector blocks", file=sys.stderr)
        failed = 1
    print("%d of %d vectors differ" % (failed, len(vectors)), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
