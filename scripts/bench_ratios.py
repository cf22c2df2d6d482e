#!/usr/bin/env python3
"""bench_ratios.py — reads the last `cargo bench --bench paths` run from criterion's directory and
prints every bench as a ratio to its group's floor, plus the recvmmsg/sendmmsg speedups.

Usage: scripts/bench_ratios.py [CRITERION_DIR]   (default: $CARGO_TARGET_DIR/criterion or
                                                  target/criterion)

Per bench it takes criterion's `median` estimate (the median over samples of the time per
iteration, `new/estimates.json`) and divides it by the elements per iteration for the batch
groups (`Throughput::Elements`: datagrams), so batch rows are per datagram.

The floor of a row is `c` at the same size in the same group; `stream/*` groups have no `c` and
use `libc-read-write` (the same write/read calls). Batch rows compare per datagram with `c`
(n = 32) in `batch/*` and with `libc-sendto-recvfrom` (n = 32) in the one-sided `batch-send/*`
and `batch-recv/*` groups.
ratio = per-op time / floor's per-op time (< 1: faster than the floor).
speedup (target: recvmmsg(32) >= 1.5x, sendmmsg(32) >= 1.2x per datagram) =
libc-sendto-recvfrom per datagram / libc-mmsg(32) per datagram, same group, same run.
"""

import json
import os
import sys
from pathlib import Path

ONE_SIDED_FLOOR = "libc-sendto-recvfrom"
# PathName::ALL's order (the table order of `socklab compare`).
PATH_ORDER = ["c", "libc-read-write", "libc-send-recv", "libc-sendto-recvfrom",
              "libc-sendmsg-recvmsg", "libc-mmsg", "std", "nix", "socket2", "rustix"]
SPEEDUP_TARGETS = {"batch-recv/udp": ("recvmmsg", 1.5), "batch-send/udp": ("sendmmsg", 1.2)}


def load(root):
    """Every bench of the last run: {group: {(path, value): (median_ns, per_op_ns)}}."""
    groups = {}
    for meta in sorted(root.glob("**/new/benchmark.json")):
        bench = json.loads(meta.read_text())
        est = json.loads((meta.parent / "estimates.json").read_text())
        median = est["median"]["point_estimate"]
        elements = (bench.get("throughput") or {}).get("Elements", 1)
        key = (bench["function_id"], bench["value_str"])
        if key[0] not in PATH_ORDER or not key[1].isdigit():
            continue  # another bench's results in the same folder (e.g. trace_off)
        groups.setdefault(bench["group_id"], {})[key] = (median, median / elements)
    return groups


def floor_of(group, rows, value):
    """The floor row's per-op time for `value`: `c` at that size (benches from before the C
    floor had one-way calls lack `c` in `stream` groups: there `libc-read-write` at that size,
    the same write/read calls). Batch groups compare per datagram: `c` (n = 32) in `batch/*`, `libc-sendto-recvfrom`
    (n = 32) in the one-sided `batch-send/*` and `batch-recv/*`."""
    for path in ("c", "libc-read-write" if group.startswith("stream/") else None):
        if (path, value) in rows:
            return rows[(path, value)][1]
    if group.startswith("batch"):
        for floor in ("c", ONE_SIDED_FLOOR):
            per_op = [op for (path, _), (_, op) in rows.items() if path == floor]
            if per_op:
                return per_op[0]
    return None


def fmt_ns(ns):
    return f"{ns / 1000:.3f} µs" if ns >= 1000 else f"{ns:.1f} ns"


def main():
    default = Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "criterion"
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    groups = load(root)
    if not groups:
        sys.exit(f"no criterion results under {root} (run `cargo bench --bench paths` first)")
    print(f"{'group':<22} {'path':<22} {'size/n':>7} {'median/iter':>13} {'per op':>13} {'ratio':>7}")
    for group, rows in sorted(groups.items()):
        order = sorted(rows, key=lambda k: (PATH_ORDER.index(k[0]), int(k[1])))
        if not group.startswith("batch"):
            order.sort(key=lambda k: int(k[1]))  # size-major: c first at every size
        for path, value in order:
            median, per_op = rows[(path, value)]
            floor = floor_of(group, rows, value)
            ratio = f"{per_op / floor:7.3f}" if floor else "      -"
            print(f"{group:<22} {path:<22} {value:>7} {fmt_ns(median):>13} {fmt_ns(per_op):>13} {ratio}")
    print()
    for group, (call, target) in SPEEDUP_TARGETS.items():
        rows = groups.get(group, {})
        per_call = rows.get((ONE_SIDED_FLOOR, "32"))
        mmsg = rows.get(("libc-mmsg", "32"))
        if not (per_call and mmsg):
            print(f"{call}(32) speedup: not measured ({group} lacks {ONE_SIDED_FLOOR}/32 or libc-mmsg/32)")
            continue
        speedup = per_call[1] / mmsg[1]
        verdict = "meets" if speedup >= target else "misses"
        print(
            f"{call}(32) vs per-call ({group}): {fmt_ns(per_call[1])} -> {fmt_ns(mmsg[1])} per "
            f"datagram = {speedup:.2f}x ({verdict} target {target}x)"
        )


if __name__ == "__main__":
    main()
