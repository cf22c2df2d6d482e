#!/bin/sh
# Cross-checks socklab's C floor against sockperf in one session: UDP ping-pong, 64 B, both
# pinned to one CPU. sockperf reports one-way latency (RTT/2); this prints both as RTT.
#
# Usage: scripts/sockperf-crosscheck.sh [seconds]   (needs: apt-get install sockperf; cargo)
# Target (issue 5): socklab's c UDP RTT within ±10% of sockperf's on the same machine/pinning.
set -eu
secs=${1:-5}
cpu=$(taskset -pc $$ | sed 's/.*: *//; s/[-,].*//')   # first CPU this shell may use
command -v sockperf >/dev/null || { echo "sockperf not installed (apt-get install sockperf)" >&2; exit 2; }

# A free loopback UDP port: bind port 0 and read it back (never a fixed port).
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
taskset -c "$cpu" sockperf server -i 127.0.0.1 -p "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
sleep 0.5
sp=$(taskset -c "$cpu" sockperf ping-pong -i 127.0.0.1 -p "$port" -m 64 -t "$secs" 2>&1 |
     sed -n 's/.*percentile 50.000 = *\([0-9.]*\).*/\1/p')
kill $server 2>/dev/null || true

cargo build --release --quiet
sl=$(cargo run --release --quiet -- compare --paths c --transport udp --mode rtt --pin same \
        --no-count --no-nagle 2>/dev/null | awk '$1 == "c" { print $2 }')

echo "sockperf ping-pong UDP 64 B, cpu $cpu: p50 one-way ${sp} µs = RTT $(echo "$sp * 2" | bc -l | sed 's/0*$//') µs"
echo "socklab compare --paths c --transport udp --pin same: p50 RTT ${sl}"
