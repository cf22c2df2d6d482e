//! The Nagle canary of `socklab compare`: the write-write-read exchange on TCP with and without
//! `TCP_NODELAY` (the `nagle` experiment's exchange, [`crate::nagle`]), run after the measured
//! groups when TCP was measured.

use super::stats;
use super::{Error, Nagle};

/// Exchanges the Nagle canary times in each setting (each costs ~40 ms without NODELAY).
pub const NAGLE_ITERS: u64 = 6;
/// Unrecorded exchanges first: Linux quick-ACKs a new connection's first segments.
const NAGLE_WARMUP: u64 = 4;

/// About how long [`nagle_canary`] takes with `iters`, in seconds, for the progress line's ETA:
/// each exchange without `TCP_NODELAY` waits for a delayed ACK (40 ms minimum on Linux).
pub fn estimate_secs(iters: u64) -> f64 {
    (iters + NAGLE_WARMUP) as f64 * 0.045
}

/// The Nagle canary: the client writes a 4-byte header and a 60-byte body in two `write`s,
/// then reads a 64-byte reply; the server replies once it has all 64 bytes. With `TCP_NODELAY`
/// this is one round trip; without it the body waits for the ACK of the header, which the
/// server delays (~40 ms).
///
/// # Errors
/// A setup or socket error.
pub fn nagle_canary(iters: u64) -> Result<Nagle, Error> {
    // The exchange itself is the `nagle` experiment's, so the canary and the experiment measure
    // the same thing.
    let median = |nodelay| -> Result<f64, Error> {
        let n = usize::try_from(iters).unwrap_or(usize::MAX);
        let samples = crate::nagle::write_write_read(nodelay, NAGLE_WARMUP as usize, n)?;
        let mut ns: Vec<f64> = samples.iter().map(|d| d.as_nanos() as f64).collect();
        Ok(stats::median(&mut ns))
    };
    Ok(Nagle {
        iters,
        nodelay_median_ns: median(true)?,
        nagle_median_ns: median(false)?,
    })
}
