#!/usr/bin/env bash
# sockperf_crosscheck.sh — cross-checks socklab's C floor against sockperf: UDP ping-pong RTT,
# 64 B, loopback, client and server pinned to one CPU, both tools run alternately in one session.
#
# Usage: scripts/sockperf_crosscheck.sh   (ROUNDS=7 SECS=2 ITERS=100000 SIZE=64 by default)
#        ROUNDS=9 SECS=5 scripts/sockperf_crosscheck.sh
#
# What runs, ROUNDS times, alternating so drift hits both tools alike:
#   taskset -c CPU sockperf server    -i 127.0.0.1 -p PORT                  (once, background)
#   taskset -c CPU sockperf ping-pong -i 127.0.0.1 -p PORT -m SIZE -t SECS --full-rtt
#   taskset -c CPU cargo run --release -q -- compare --paths c --transport udp --mode rtt \
#                  --pin same --size SIZE --iters ITERS --json   (~1.5 s at 100000)
# CPU is the first CPU this shell may run on: sockperf's client and server share it, and socklab
# (allowed only that CPU by taskset) pins its client and echo threads to it with `--pin same`.
# sockperf blocks in recvfrom() with a single socket (it says so on stderr), as the C floor
# blocks in read(); `--full-rtt` makes it print round trips instead of its default RTT/2.
#
# Port: sockperf needs an explicit port. A free UDP port comes from binding port 0 in python3 and
# closing it again; another process could take it in between (a tiny race). If sockperf's server
# then fails to start, the script picks a new port (3 tries).
#
# Prints per round the two medians (µs) and socklab/sockperf; then the median of each column
# and their ratio, the median of the per-round ratios (paired: robust to drift between rounds)
# and the ratio of each tool's fastest round (least disturbed by other load on the CPU).
# Target: socklab's `c` UDP RTT within ±10% of sockperf's. Loopback only; the sockperf
# server is killed on exit (trap).
set -euo pipefail

ROUNDS=${ROUNDS:-7}
SECS=${SECS:-2}
SIZE=${SIZE:-64}
ITERS=${ITERS:-100000}
cd "$(dirname "$0")/.."

if ! command -v sockperf >/dev/null; then
    echo "sockperf missing: installing the Debian package" >&2
    apt-get update && apt-get install -y sockperf
fi

CPU=$(python3 -c 'import os; print(min(os.sched_getaffinity(0)))')
TMP=$(mktemp -d)
SERVER=
cleanup() {
    if [ -n "$SERVER" ]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_udp_port() {
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Starts the server on a fresh port; sets SERVER and PORT. Returns 1 if it did not come up.
start_server() {
    PORT=$(free_udp_port)
    taskset -c "$CPU" sockperf server -i 127.0.0.1 -p "$PORT" >"$TMP/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 50); do
        if ss -Huln "sport = :$PORT" | grep -q .; then
            return 0
        fi
        if ! kill -0 "$SERVER" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    echo "sockperf server did not start on 127.0.0.1:$PORT:" >&2
    cat "$TMP/server.log" >&2
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=
    return 1
}

for try in 1 2 3; do
    start_server && break
    [ "$try" = 3 ] && { echo "giving up: no sockperf server" >&2; exit 1; }
done

echo "building socklab (release)..." >&2
cargo build --release -q

# Median RTT in µs from sockperf's "percentile 50.000 = X" line (X is µs with --full-rtt).
sockperf_p50() {
    taskset -c "$CPU" sockperf ping-pong -i 127.0.0.1 -p "$PORT" -m "$SIZE" -t "$SECS" \
        --full-rtt >"$TMP/client.log" 2>&1 || { cat "$TMP/client.log" >&2; return 1; }
    sed 's/\x1b\[[0-9;]*m//g' "$TMP/client.log" |
        awk '/percentile 50\.000 =/ { print $NF; found = 1 } END { exit !found }'
}

# Median RTT in µs of the `c` row from `socklab compare --json` (median_ns, see compare-schema.md).
socklab_p50() {
    taskset -c "$CPU" cargo run --release -q -- compare --paths c --transport udp --mode rtt \
        --pin same --size "$SIZE" --iters "$ITERS" --json >"$TMP/socklab.json" 2>"$TMP/socklab.err" ||
        { cat "$TMP/socklab.err" >&2; return 1; }
    python3 - "$TMP/socklab.json" "$SIZE" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rows = [r for r in doc["rows"] if (r["path"], r["mode"], r["transport"], r["size"])
        == ("c", "rtt", "udp", int(sys.argv[2]))]
if len(rows) != 1:
    sys.exit(f"expected one c/rtt/udp row in socklab's JSON, found {len(rows)}")
print(rows[0]["median_ns"] / 1000)
PY
}

echo "CPU $CPU, UDP 127.0.0.1:$PORT, $SIZE B, sockperf $(sockperf --version 2>&1 |
    grep -o 'version [^ ]*' | head -1), $ROUNDS rounds of ${SECS}s sockperf + socklab compare"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }
printf '%-6s %14s %14s %10s\n' round sockperf_us socklab_c_us ratio
SP=() SL=()
for r in $(seq "$ROUNDS"); do
    sp=$(sockperf_p50)
    sl=$(socklab_p50)
    SP+=("$sp") SL+=("$sl")
    printf '%-6s %14.3f %14.3f %10.3f\n' "$r" "$sp" "$sl" "$(ratio "$sl" "$sp")"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
msp=$(median "${SP[@]}")
msl=$(median "${SL[@]}")
RATIOS=()
for i in "${!SP[@]}"; do RATIOS+=("$(ratio "${SL[$i]}" "${SP[$i]}")"); done
bsp=$(printf '%s\n' "${SP[@]}" | sort -g | head -1)
bsl=$(printf '%s\n' "${SL[@]}" | sort -g | head -1)
printf '%-6s %14.3f %14.3f %10.3f\n' median "$msp" "$msl" "$(ratio "$msl" "$msp")"
printf '%-6s %14.3f %14.3f %10.3f\n' best "$bsp" "$bsl" "$(ratio "$bsl" "$bsp")"
printf 'median of per-round ratios: %.3f\n' "$(median "${RATIOS[@]}")"
echo "ratio = socklab c / sockperf median RTT (target 0.90..1.10)"
