#!/usr/bin/env bash
# `socklab stream` against `socklab serve --mode sink` beside iperf3 on the same loopback, TCP,
# same send size (16 KiB and 128 KiB by default), in alternating runs: each round runs both
# tools at each size, the order flipping every round, so drift hits both alike. Prints each
# run's receiver goodput, the per-round ratio socklab / iperf3 and its median per size, with the
# load average before and after (the ratio only means something on a quiet machine).
#
#   benches/stream_vs_iperf3.sh [ROUNDS [SECONDS [SIZES…]]]     (defaults: 5 3 16384 131072)
#
# SOCKLAB=path/to/socklab uses that binary; otherwise `cargo build --release` builds it.
# iperf3 is installed with apt-get when missing (as root, or through sudo). Loopback only:
# iperf3 runs as `iperf3 -s -B 127.0.0.1 -p <free port> -1`, one server per run.
set -euo pipefail

rounds=${1:-5}
secs=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(16384 131072)

cd "$(dirname "$0")/.."
if [ -z "${SOCKLAB:-}" ]; then
    cargo build --release --quiet --bin socklab
    SOCKLAB=target/release/socklab
fi

if ! command -v iperf3 >/dev/null; then
    echo "iperf3 is missing: apt-get install -y iperf3" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y iperf3 >/dev/null ||
        { $sudo apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y iperf3 >/dev/null; }
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# A TCP port free on 127.0.0.1 now (bind port 0, read it back, close).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# socklab's sink: one server for the whole run; its first line is `listening on ADDR`.
"$SOCKLAB" serve --addr 127.0.0.1:0 --mode sink >"$work/serve.out" &
server_pid=$!
for _ in $(seq 100); do
    grep -q '^listening on ' "$work/serve.out" 2>/dev/null && break
    sleep 0.05
done
to=$(sed -n 's/^listening on //p' "$work/serve.out")
[ -n "$to" ] || { echo "socklab serve did not start" >&2; exit 1; }

# Receiver goodput in Mbit/s, one number.
run_socklab() {
    "$SOCKLAB" stream --to "$to" --size "$1" --seconds "$secs" |
        sed -n 's/.*: \([0-9.]*\) Mbit\/s at the receiver.*/\1/p'
}

run_iperf3() {
    local port
    port=$(free_port)
    iperf3 -s -B 127.0.0.1 -p "$port" -1 >/dev/null 2>&1 &
    local spid=$!
    for _ in $(seq 100); do
        ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && break
        sleep 0.05
    done
    iperf3 -c 127.0.0.1 -p "$port" -l "$1" -t "$secs" -f m |
        awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }'
    wait "$spid" 2>/dev/null || true
}

echo "socklab stream vs iperf3, TCP loopback into a sink, ${secs} s per run, $rounds rounds"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(iperf3 --version | head -1); $("$SOCKLAB" --version)"
printf '%-6s %-8s %12s %12s %8s\n' round size socklab iperf3 ratio
for r in $(seq "$rounds"); do
    for size in "${sizes[@]}"; do
        if [ $((r % 2)) -eq 1 ]; then
            s=$(run_socklab "$size"); i=$(run_iperf3 "$size")
        else
            i=$(run_iperf3 "$size"); s=$(run_socklab "$size")
        fi
        ratio=$(awk -v s="$s" -v i="$i" 'BEGIN { if (i > 0) printf "%.3f", s / i; else print "nan" }')
        printf '%-6s %-8s %12s %12s %8s\n' "$r" "$size" "$s" "$i" "$ratio"
        echo "$size $ratio" >>"$work/ratios"
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for size in "${sizes[@]}"; do
    awk -v want="$size" '$1 == want { print $2 }' "$work/ratios" | sort -g |
        awk -v size="$size" '{ v[NR] = $1 }
            END {
                m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                printf "size %-7s socklab/iperf3: median %.3f, range %.3f-%.3f over %d rounds\n", size, m, v[1], v[NR], NR
            }'
done
