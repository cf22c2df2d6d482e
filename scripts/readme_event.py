#!/usr/bin/env python3
"""README's "blocking vs epoll vs tokio vs io_uring" table from one
`socklab compare --paths event --json` run (stdin or a file argument).

Each cell is the row's median over `libc-send-recv`'s in the same group (blocking `send`/`recv`,
the reference: the same `sendto`/`recvfrom` syscalls the event paths make when nothing waits),
then its `ratio_to_twin`; in batch mode over `c`'s (the per-call C loop; `libc-send-recv` does
not run there). The first line gives the reference medians, the last column the syscalls per op
counted under strace in rtt udp.
Usage: socklab compare --paths event --json | scripts/readme_event.py
"""
import json
import sys

GROUPS = [("same-thread", "udp"), ("rtt", "udp"), ("rtt", "tcp"), ("rtt", "unix"),
          ("rtt", "unixdgram"), ("batch", "udp")]
PATHS = ["libc-send-recv", "libc-epoll", "mio", "tokio", "io-uring", "libc-busy-poll",
         "libc-mmsg", "io-uring-batch"]


def main():
    doc = json.load(open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin)
    by = {(r["mode"], r["transport"], r["path"]): r for r in doc["rows"]}
    groups = [g for g in GROUPS if (g[0], g[1], "c") in by]

    def ref(m, t):
        return by.get((m, t, "c" if m == "batch" else "libc-send-recv"))

    head = " | ".join(f"{m} {t}" for m, t in groups)
    print(f"| path (÷ blocking · ÷ twin) | {head} | sys/op rtt udp |")
    print("|---" * (len(groups) + 2) + "|")
    cells = []
    for m, t in groups:
        r = ref(m, t)
        name = "c" if m == "batch" else "libc-send-recv"
        cells.append("" if r is None else f"{r['median_ns'] / 1000:.2f} µs ({name})")
    print("| blocking (median) | " + " | ".join(cells) + " | |")
    for p in PATHS:
        cells = []
        for m, t in groups:
            r, base = by.get((m, t, p)), ref(m, t)
            if r is None or base is None:
                cells.append("")
                continue
            twin = r.get("ratio_to_twin")
            twin = "" if twin is None else f" · {twin:.3f}"
            cells.append(f"{r['median_ns'] / base['median_ns']:.3f}{twin}")
        sys_op = by.get(("rtt", "udp", p), {}).get("syscalls_per_op")
        if sys_op is None:
            batch = by.get(("batch", "udp", p), {}).get("syscalls_per_op")
            sys_op_s = "" if batch is None else f"{batch:.2f} (batch, per msg)"
        else:
            sys_op_s = f"{sys_op:.2f}"
        label = p if (p != "io-uring-batch" and p != "libc-mmsg") else f"{p} (32)"
        print(f"| `{label}` | " + " | ".join(cells) + f" | {sys_op_s} |")


if __name__ == "__main__":
    main()
