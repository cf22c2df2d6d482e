//! Nagle: a small second write waits for the ACK of the first, which the peer delays — the
//! write-write-read stall of request/response code, with and without `TCP_NODELAY`.

use std::time::Duration;

use crate::nagle::write_write_read;

use super::env::{ev, Claim, Evidence, Netns, Res};
use super::{Outcome, Value, Verdict};

pub(crate) const CLAIM: Claim = Claim {
    id: "nagle",
    claim: "속도: TCP는 UDP보다 느림 (TCP is slower) — one cause the primer does not name: \
            Nagle's algorithm holds a small write until the previous one is acknowledged",
    method: "a loopback TCP connection; the client writes a 4-byte header and a 60-byte body \
             in two write()s, then reads the 64-byte reply the server sends once it has all 64 \
             bytes; 4 untimed then 8 timed exchanges with TCP_NODELAY on both ends, then without; \
             medians compared; in a fresh namespace, TcpExt.DelayedACKs counted for each setting",
};

/// Exchanges timed in each setting of [`nagle`] (each costs ~40 ms without `TCP_NODELAY`).
const ITERS: usize = 8;
/// Untimed exchanges first: Linux quick-ACKs a new connection's first segments.
const WARMUP: usize = 4;

/// The median of `v` in milliseconds (`v` not empty).
fn median_ms(mut v: Vec<Duration>) -> f64 {
    v.sort_unstable();
    v[v.len() / 2].as_secs_f64() * 1e3
}

/// The write-write-read stall, measured with and without `TCP_NODELAY`.
///
/// Figures: the median exchange in each setting and their ratio; in a private namespace, the
/// delayed ACKs the kernel sent in each (`TcpExt.DelayedACKs`), which is what the stall waits
/// for. Held when Nagle makes the exchange more than 5× slower (it is ~40 ms against tens of
/// microseconds on loopback); nuanced when it did not stall this run.
pub fn nagle() -> Outcome {
    CLAIM.run_ns_or_host(measure)
}

fn measure(ns: Option<&Netns>, e: &mut Evidence) -> Res<Outcome> {
    let c0 = ns.map(Netns::counters);
    let nodelay = write_write_read(true, WARMUP, ITERS)?;
    let c1 = ns.map(Netns::counters);
    let nagle = write_write_read(false, WARMUP, ITERS)?;
    let c2 = ns.map(Netns::counters);
    let (fast, slow) = (median_ms(nodelay), median_ms(nagle));
    let ratio = slow / fast;
    ev(e, "exchanges_per_setting", ITERS);
    ev(e, "nodelay_median_ms", Value::float(fast, "ms"));
    ev(e, "nagle_median_ms", Value::float(slow, "ms"));
    ev(e, "nagle_nodelay_ratio", Value::float(ratio, ""));
    let mut acks = None;
    if let (Some(c0), Some(c1), Some(c2)) = (&c0, &c1, &c2) {
        let key = "TcpExt.DelayedACKs";
        let (d_fast, d_slow) = (c0.delta(c1, key), c1.delta(c2, key));
        ev(e, "nodelay_delayed_acks", d_fast);
        ev(e, "nagle_delayed_acks", d_slow);
        acks = Some((d_fast, d_slow));
    }
    let stalled = ratio > 5.0;
    let acks_note = acks.map_or(String::new(), |(f, s)| {
        format!(
            "; the kernel sent {s} delayed ACKs during the Nagle exchanges, {f} with TCP_NODELAY"
        )
    });
    let (v, summary) = if stalled {
        (
            Verdict::Held,
            format!(
                "write(4)+write(60)+read: {slow:.1} ms per exchange with Nagle against \
                 {fast:.3} ms with TCP_NODELAY ({ratio:.0}×): the second write waited for the \
                 delayed ACK of the first{acks_note}"
            ),
        )
    } else {
        (
            Verdict::Nuanced,
            format!(
                "no stall this run: {slow:.3} ms with Nagle, {fast:.3} ms with TCP_NODELAY \
                 ({ratio:.1}×){acks_note}"
            ),
        )
    };
    Ok(CLAIM.outcome(v, summary, std::mem::take(e)))
}
