#!/usr/bin/env python3
"""Summarise alternating benchmark samples into a markdown table.

Input: a directory of files CASE__TOOL.txt, one duration in seconds per line.
A file cases.tsv lists: case, tool, role (self|peer|floor), description.
Output: markdown on stdout: per case, each tool's median and spread
(interquartile range), and ccontainer's ratio to every other tool.
"""
import csv
import statistics
import sys
from pathlib import Path


def quartiles(xs):
    xs = sorted(xs)
    if len(xs) < 4:
        return xs[0], xs[-1]
    q = statistics.quantiles(xs, n=4)
    return q[0], q[2]


def fmt(s):
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def main():
    d = Path(sys.argv[1])
    rows = list(csv.reader(open(d / "cases.tsv"), delimiter="\t"))
    cases, units = {}, {}
    for row in rows:
        case, tool, role, desc = row[:4]
        units[case] = row[4] if len(row) > 4 and row[4] else "s"
        cases.setdefault(case, []).append((tool, role, desc))
    print("| case | tool | median | IQR | runs | ccontainer ÷ tool |")
    print("|---|---|---|---|---|---|")
    for case, tools in cases.items():
        samples = {}
        for tool, role, desc in tools:
            f = d / f"{case}__{tool}.txt"
            if f.exists():
                xs = [float(x) for x in f.read_text().split() if x.strip()]
                if xs:
                    samples[tool] = xs
        self_tool = next((t for t, r, _ in tools if r == "self"), None)
        unit = units[case]
        show = fmt if unit == "s" else (lambda v, u=unit: f"{v:.0f} {u}")
        base = statistics.median(samples[self_tool]) if self_tool in samples else None
        for tool, role, desc in tools:
            if tool not in samples:
                print(f"| {case} | {desc} | not run | | | |")
                continue
            xs = samples[tool]
            med = statistics.median(xs)
            lo, hi = quartiles(xs)
            ratio = "" if tool == self_tool or base is None else f"{base / med:.2f}"
            print(f"| {case} | {desc} | {show(med)} | {show(lo)}–{show(hi)} | {len(xs)} | {ratio} |")


if __name__ == "__main__":
    main()
