#!/usr/bin/env python3
"""README's results table from one `socklab compare --json` run (stdin or a file argument).

Each cell is `ratio_to_c · ratio_to_twin · ratio_to_floor` of the row in that group; the first
line gives the `c` and `c-inline` medians. `--mode syscall` rows, when present, follow as a
second table. Usage: socklab compare --json | scripts/readme_results.py
"""
import json
import sys

GROUPS = [("same-thread", "udp"), ("rtt", "udp"), ("rtt", "tcp"), ("rtt", "unix"),
          ("batch", "udp")]


def fmt(x):
    return "–" if x is None else f"{x:.3f}"


def main():
    doc = json.load(open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin)
    rows = [r for r in doc["rows"] if r["mode"] != "syscall"]
    by = {(r["mode"], r["transport"], r["path"]): r for r in rows}
    paths = []
    for r in rows:
        if (r["mode"], r["transport"]) in GROUPS and r["path"] not in paths:
            paths.append(r["path"])
    if not rows:
        paths = None
    head = " | ".join(f"{m} {t}" for m, t in GROUPS)
    if paths is not None:
        table(by, paths, head)
    sysrows = [r for r in doc["rows"] if r["mode"] == "syscall"]
    if sysrows:
        print()
        print("| call | path | median | ratio_to_floor |")
        print("|---|---|---|---|")
        for r in sysrows:
            print(f"| {r['call']} | `{r['path']}` | {r['median_ns']:.0f} ns | "
                  f"{fmt(r['ratio_to_floor'])} |")


def table(by, paths, head):
    print(f"| path | {head} | sys/op (rtt udp; batch: per msg) |")
    print("|---" * (len(GROUPS) + 2) + "|")
    for ref in ("c", "c-inline"):
        cells = []
        for m, t in GROUPS:
            r = by.get((m, t, ref))
            cells.append("" if r is None else f"{r['median_ns'] / 1000:.2f} µs")
        print(f"| `{ref}` (median) | " + " | ".join(cells) + " | |")
    for p in paths:
        cells = []
        for m, t in GROUPS:
            r = by.get((m, t, p))
            if r is None:
                cells.append("")
            else:
                cells.append(" · ".join(fmt(r[k]) for k in
                                        ("ratio_to_c", "ratio_to_twin", "ratio_to_floor")))
        calls = by.get(("rtt", "udp", p), by.get(("batch", "udp", p), {}))
        spo = calls.get("syscalls_per_op")
        name = f"`{p}` ({calls['batch']})" if "batch" in calls else f"`{p}`"
        spo = "" if spo is None else f"{spo:.2f}"
        print(f"| {name} | " + " | ".join(cells) + f" | {spo} |")


main()
