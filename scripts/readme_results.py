#!/usr/bin/env python3
"""README's results table from one `socklab compare --json` run (stdin or a file argument).

Each cell is `ratio_to_c · ratio_to_twin · ratio_to_floor` of the row in that group; the first
line gives the `c` and `c-inline` medians. Stream rows, when present, follow as a second table
(delivered rate, ratios, loss), then the `--mode syscall` rows and the fits.
Usage: socklab compare --json | scripts/readme_results.py
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
    if not paths:
        paths = None
    head = " | ".join(f"{m} {t}" for m, t in GROUPS)
    if paths is not None:
        table(by, paths, head)
    stream = [r for r in rows if r["mode"] == "stream"]
    if stream:
        print()
        stream_table(stream)
    if doc.get("fits"):
        print()
        fit_table(doc["fits"])
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


def rate(x):
    return f"{x / 1e6:.2f} M/s" if x >= 1e6 else f"{x / 1e3:.0f} k/s"


def stream_table(rows):
    cols = []
    for r in rows:
        if (r["transport"], r["size"]) not in cols:
            cols.append((r["transport"], r["size"]))
    paths = []
    for r in rows:
        if r["path"] not in paths:
            paths.append(r["path"])
    by = {(r["transport"], r["size"], r["path"]): r for r in rows}
    head = " | ".join(f"stream {t} {s} B" for t, s in cols)
    print(f"| path (delivered · ratio_to_c · ratio_to_twin · lost) | {head} |")
    print("|---" * (len(cols) + 1) + "|")
    for p in paths:
        cells = []
        for t, s in cols:
            r = by.get((t, s, p))
            if r is None:
                cells.append("")
                continue
            lost = f"{100 * r['lost'] / max(r['sent'], 1):.1f}%"
            cells.append(f"{rate(r['msgs_per_s'])} · {fmt(r['ratio_to_c'])} · "
                         f"{fmt(r['ratio_to_twin'])} · {lost}")
        print(f"| `{p}` | " + " | ".join(cells) + " |")


def fit_table(fits):
    print("| fit | mode transport | path | fixed or per msg | per KiB or per call | R² | equal at |")
    print("|---|---|---|---|---|---|---|")
    for f in fits:
        name = f"`{f['path']}`" + (f" ({f['batch']})" if "batch" in f else "")
        r2 = "–" if f["r2"] is None else f"{f['r2']:.3f}"
        if f["over"] == "size":
            eq = f["equal_at_bytes"]
            eq = "–" if eq is None else f"{eq / 1024:.1f} KiB"
            print(f"| size | {f['mode']} {f['transport']} | {name} | {f['fixed_ns']:.0f} ns | "
                  f"{f['per_kib_ns']:.1f} ns | {r2} | {eq} |")
        else:
            eq = f["equal_at_batch"]
            eq = "–" if eq is None else f"batch {eq:.1f}"
            print(f"| batch ({f['size']} B) | {f['mode']} {f['transport']} | {name} | "
                  f"{f['per_msg_ns']:.0f} ns | {f['per_call_ns']:.0f} ns | {r2} | {eq} |")


main()
