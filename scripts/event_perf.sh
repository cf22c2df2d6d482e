#!/usr/bin/env bash
# event_perf.sh — what one operation of each blocking and event path costs the kernel, counted
# by the kernel's own tracepoints rather than under strace (which stops the threads at every
# call and so changes who waits): syscalls entered (raw_syscalls:sys_enter) and times a thread
# was switched out (sched:sched_switch: each sleep, each preemption) per op.
#
# Usage: scripts/event_perf.sh                       (OPS=20000, udp, same-thread and rtt)
#        OPS=50000 TRANSPORTS="udp unixdgram" PIN=split scripts/event_perf.sh
#
# For each path, mode and transport: `examples/event_ops` (one compare path, pinned as compare
# pins it: PIN=same puts the echo on the measuring thread's CPU, split on another) runs OPS and
# then 2 × OPS operations under `perf stat -x, -e raw_syscalls:sys_enter,sched:sched_switch`;
# the difference over OPS is per op, the set-up (sockets, rings, runtimes, threads) cancelling
# out. Needs perf (Debian: apt-get install linux-perf) and tracepoint access (root, or
# kernel.perf_event_paranoid <= 1); no hardware counters are used.
set -euo pipefail
cd "$(dirname "$0")/.."

OPS=${OPS:-20000}
TRANSPORTS=${TRANSPORTS:-udp}
MODES=${MODES:-same-thread rtt}
PIN=${PIN:-same}
PATHS=${PATHS:-c-send-recv libc-send-recv c-epoll libc-epoll mio tokio c-io-uring io-uring libc-busy-poll}

if ! perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
    echo "event_perf.sh: perf cannot count raw_syscalls:sys_enter here (apt-get install linux-perf; root or kernel.perf_event_paranoid <= 1)" >&2
    exit 1
fi
cargo build --release -q --example event_ops
bin=target/release/examples/event_ops

# `count N ARGS…`: "syscalls switches" of one run of N ops.
count() {
    local n=$1
    shift
    perf stat -x, -e raw_syscalls:sys_enter,sched:sched_switch "$bin" "$@" "$n" "$PIN" 2>&1 >/dev/null |
        awk -F, '$3 ~ /sys_enter/ {s=$1} $3 ~ /sched_switch/ {w=$1} END {print s, w}'
}

printf '%-12s %-10s %-16s %12s %14s\n' mode transport path 'syscalls/op' 'switches/op'
for mode in $MODES; do
    for t in $TRANSPORTS; do
        for p in $PATHS; do
            read -r s1 w1 < <(count "$OPS" "$p" "$mode" "$t")
            read -r s2 w2 < <(count $((2 * OPS)) "$p" "$mode" "$t")
            awk -v m="$mode" -v t="$t" -v p="$p" -v n="$OPS" -v s1="$s1" -v s2="$s2" -v w1="$w1" -v w2="$w2" \
                'BEGIN {printf "%-12s %-10s %-16s %12.2f %14.2f\n", m, t, p, (s2 - s1) / n, (w2 - w1) / n}'
        done
    done
done
