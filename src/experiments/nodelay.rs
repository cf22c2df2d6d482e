//! Nagle: a small second write waits for the ACK of the first, which the peer delays — the
//! write-write-read stall of request/response code, with and without `TCP_NODELAY`.

use std::time::Duration;

use crate::nagle::write_write_read;

use super::claim::{kept, Claim, Evidence, Finding, Record, Res};
use super::host::Netns;
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
    CLAIM.run_ns_or_host(|ns, e| {
        let x = kept(e, probe_exchanges(ns)?);
        Ok(verdict(&x))
    })
}

/// The exchange timed in each setting, and (in a namespace) the delayed ACKs the kernel sent
/// during each.
struct Exchanges {
    /// Median exchange with `TCP_NODELAY` and without it, in ms.
    fast: f64,
    slow: f64,
    /// `(with TCP_NODELAY, without)`.
    delayed_acks: Option<(i64, i64)>,
}

impl Exchanges {
    fn ratio(&self) -> f64 {
        self.slow / self.fast
    }
}

impl Record for Exchanges {
    fn record(&self, e: &mut Evidence) {
        e.push("exchanges_per_setting", ITERS);
        e.push("nodelay_median_ms", Value::float(self.fast, "ms"));
        e.push("nagle_median_ms", Value::float(self.slow, "ms"));
        e.push("nagle_nodelay_ratio", Value::float(self.ratio(), ""));
        if let Some((fast, slow)) = self.delayed_acks {
            e.push("nodelay_delayed_acks", fast);
            e.push("nagle_delayed_acks", slow);
        }
    }
}

fn probe_exchanges(ns: Option<&Netns>) -> Res<Exchanges> {
    let c0 = ns.map(Netns::counters);
    let nodelay = write_write_read(true, WARMUP, ITERS)?;
    let c1 = ns.map(Netns::counters);
    let nagle = write_write_read(false, WARMUP, ITERS)?;
    let c2 = ns.map(Netns::counters);
    let key = "TcpExt.DelayedACKs";
    let delayed_acks = match (&c0, &c1, &c2) {
        (Some(c0), Some(c1), Some(c2)) => Some((c0.delta(c1, key), c1.delta(c2, key))),
        _ => None,
    };
    Ok(Exchanges {
        fast: median_ms(nodelay),
        slow: median_ms(nagle),
        delayed_acks,
    })
}

/// Held when Nagle made the exchange more than 5× slower; nuanced when it did not stall.
fn verdict(x: &Exchanges) -> Finding {
    let (fast, slow, ratio) = (x.fast, x.slow, x.ratio());
    let acks_note = x.delayed_acks.map_or(String::new(), |(f, s)| {
        format!(
            "; the kernel sent {s} delayed ACKs during the Nagle exchanges, {f} with TCP_NODELAY"
        )
    });
    if ratio > 5.0 {
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
    }
}
