#!/usr/bin/env bash
# Off-cost of the trace hook: builds benches/trace_off.rs with the hook compiled in (default
# features, log off) and compiled out (--no-default-features --features cli), then runs the two
# binaries alternately ROUNDS times (default 5) and prints each round's ratio in/out, and the
# median of the ratios. Per run it takes the fastest criterion sample (ns per send+recv pair):
# on a shared machine other processes only ever add time, so the minimum is the least disturbed
# estimate; the median of each run is printed beside it.
#   usage: benches/trace_off.sh [ROUNDS] [MEASUREMENT_SECS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
secs=${2:-3}
unset SOCKLAB_TRACE
target=${CARGO_TARGET_DIR:-target}

bin() { # the bench executable for the given cargo feature flags
    cargo bench --bench trace_off --no-run --message-format=json "$@" 2>/dev/null |
        python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "trace_off" and m.get("executable"):
        print(m["executable"])'
}
in_bin=$(bin)
out_bin=$(bin --no-default-features --features cli)
[ -n "$in_bin" ] && [ -n "$out_bin" ] || { echo "build failed" >&2; exit 1; }

stats() { # "min median" ns per iteration of the last run of bench id $1
    python3 -c 'import json,sys
d = sys.argv[1]
s = json.load(open(d + "/sample.json"))
m = json.load(open(d + "/estimates.json"))["median"]["point_estimate"]
print(min(t / i for t, i in zip(s["times"], s["iters"])), m)' \
        "$target/criterion/udp_send_recv/$1/new"
}
run() { "$1" --bench --noplot --warm-up-time 1 --measurement-time "$secs" >/dev/null 2>&1; }

ratios=()
for i in $(seq "$rounds"); do
    run "$in_bin";  read -r in_min in_med < <(stats trace_compiled_in_off)
    run "$out_bin"; read -r out_min out_med < <(stats trace_compiled_out)
    r=$(python3 -c "print(f'{$in_min/$out_min:.4f}')")
    ratios+=("$r")
    printf 'round %d: fastest sample in(off) %.1f ns, out %.1f ns: ratio %s (medians %.1f / %.1f)\n' \
        "$i" "$in_min" "$out_min" "$r" "$in_med" "$out_med"
done
python3 -c 'import statistics,sys; r=[float(x) for x in sys.argv[1:]]; print(f"median ratio (compiled in, off / compiled out): {statistics.median(r):.4f}  (min {min(r):.4f}, max {max(r):.4f}, {len(r)} rounds)")' "${ratios[@]}"
