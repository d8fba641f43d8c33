#!/usr/bin/env python3
"""The house stays in shape: no source file over 500 lines and no function over 80, tests aside.

A file's lines are counted up to its `#[cfg(test)]` module; a function's from its `fn` line to
the brace that closes it. Run by .ci/run; prints what is over and exits 1.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_FILE = 500
MAX_FN = 80
FN = re.compile(r"^\s*(pub(\([a-z:]+\))?\s+)?(async\s+)?(const\s+)?fn\s+([A-Za-z0-9_]+)")


def code_lines(text):
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("#[cfg(test)]"):
            return lines[:i]
    return lines


def functions(lines):
    """(name, first line, length) of every fn whose body opens on its signature's lines."""
    out = []
    i = 0
    while i < len(lines):
        m = FN.match(lines[i])
        if not m:
            i += 1
            continue
        depth, started, j = 0, False, i
        while j < len(lines):
            s = re.sub(r'"(\\.|[^"\\])*"', '""', lines[j].split("//")[0])
            s = re.sub(r"'(\\.|[^'\\])'", "''", s)
            if not started and ";" in s and "{" not in s:
                break  # a declaration without a body (trait method)
            for ch in s:
                if ch == "{":
                    depth += 1
                    started = True
                elif ch == "}":
                    depth -= 1
            if started and depth == 0:
                out.append((m.group(5), i + 1, j - i + 1))
                break
            j += 1
        i += 1
    return out


def main():
    bad = []
    for d, _, files in os.walk(os.path.join(ROOT, "src")):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            path = os.path.join(d, f)
            rel = os.path.relpath(path, ROOT)
            with open(path, encoding="utf-8") as fh:
                lines = code_lines(fh.read())
            if len(lines) > MAX_FILE:
                bad.append(f"{rel}: {len(lines)} lines (at most {MAX_FILE}, tests aside)")
            for name, at, n in functions(lines):
                if n > MAX_FN:
                    bad.append(f"{rel}:{at}: fn {name} is {n} lines (at most {MAX_FN})")
    for b in sorted(bad):
        print(b)
    if bad:
        print(f"check-house: {len(bad)} over", file=sys.stderr)
        return 1
    print("check-house: every file and function within bounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
