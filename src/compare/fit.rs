//! How cost grows: ordinary least squares over the rows of one run.
//!
//! - **Over the sizes** (`--size` with three or more values): per mode, transport and path (and
//!   batch size for a batched path), `t(size) = fixed + per_kib × size` over the rows' medians,
//!   size in KiB. `fixed_ns` is what a call costs with no bytes to move (the syscall, the stack's
//!   per-message work), `per_kib_ns` the copy and checksum work per KiB; the size at which the
//!   two are equal is `fixed / per_kib` ([`Fit::crossover`]).
//! - **Over the batch sizes** (`--batch` with three or more values, batch mode, the batched
//!   paths): `t(batch) = per_msg + per_call / batch` per message. `per_call_ns` is the fixed cost
//!   a batch shares out (the syscall entry and exit, the `mmsghdr` walk set-up), `per_msg_ns`
//!   what every message still costs; at `batch = per_call / per_msg` the shared part equals the
//!   per-message part, and every doubling past it gains less than a third; past
//!   [`Fit::doubling_gains_less_than`]`(0.05)`, less than 5%: batching has stopped paying.
//!
//! `r2` is the coefficient of determination of the fit over its own points (null when every
//! point has the same time). Each fit names the rows it was made from (`sizes` / `batches`), so
//! a reader can recompute it from the JSON.

use super::paths::{PathName, Transport};
use super::{Mode, Row};

/// What a fit's x axis is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Over {
    /// Message size: `t = fixed_ns + per_kib_ns × size / 1024`.
    Size,
    /// Batch size: `t = per_msg_ns + per_call_ns / batch`.
    Batch,
}

impl Over {
    /// The schema name (`over` in the JSON): `size`, `batch`.
    pub fn name(self) -> &'static str {
        match self {
            Over::Size => "size",
            Over::Batch => "batch",
        }
    }
}

/// One least-squares fit of a path's median over the sizes or batch sizes of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// The mode of the rows.
    pub mode: Mode,
    /// The transport of the rows.
    pub transport: Transport,
    /// The path of the rows.
    pub path: PathName,
    /// What x is.
    pub over: Over,
    /// A size fit of a batched path in a batch sweep: the rows' batch size; else `None`.
    pub batch: Option<usize>,
    /// A batch fit: the rows' message size; else `None`.
    pub size: Option<usize>,
    /// The x of each point, in the order the run gave them (bytes, or messages per batch).
    pub xs: Vec<usize>,
    /// The intercept: `fixed_ns` (size) or `per_msg_ns` (batch).
    pub intercept_ns: f64,
    /// The slope: `per_kib_ns` (size) or `per_call_ns` (batch).
    pub slope_ns: f64,
    /// The coefficient of determination; `None` when the points' times are all equal.
    pub r2: Option<f64>,
}

impl Fit {
    /// The fitted time at `x` (a size in bytes, or a batch size).
    pub fn predict(&self, x: usize) -> f64 {
        self.intercept_ns + self.slope_ns * transform(self.over, x)
    }

    /// A batch fit: the batch past which doubling it makes each message less than `gain`
    /// cheaper (`(1 + p/n) / (1 + p/2n) < 1 + gain`, `p = per_call / per_msg`, so
    /// `n = p (1 - gain) / (2 gain)`): where batching stops paying. `None` for a size fit or
    /// unless both terms are positive.
    pub fn doubling_gains_less_than(&self, gain: f64) -> Option<f64> {
        let p = self.crossover().filter(|_| self.over == Over::Batch)?;
        Some(p * (1.0 - gain) / (2.0 * gain))
    }

    /// Where the two terms are equal: the size in bytes at which per-byte work equals the fixed
    /// cost (`1024 × fixed / per_kib`), or the batch size at which the per-call share equals
    /// the per-message work (`per_call / per_msg`). `None` unless both terms are positive.
    pub fn crossover(&self) -> Option<f64> {
        if self.intercept_ns <= 0.0 || self.slope_ns <= 0.0 {
            return None;
        }
        Some(match self.over {
            Over::Size => 1024.0 * self.intercept_ns / self.slope_ns,
            Over::Batch => self.slope_ns / self.intercept_ns,
        })
    }
}

/// The regression's x for `x`: KiB for a size, `1 / batch` for a batch size.
fn transform(over: Over, x: usize) -> f64 {
    match over {
        Over::Size => x as f64 / 1024.0,
        Over::Batch => 1.0 / x as f64,
    }
}

/// Ordinary least squares of `y = a + b × x`: `(a, b, r²)`. `None` for fewer than two distinct
/// x; `r²` is `None` when every `y` is the same.
pub fn least_squares(points: &[(f64, f64)]) -> Option<(f64, f64, Option<f64>)> {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if points.len() < 2 || sxx <= 0.0 {
        return None;
    }
    let b = sxy / sxx;
    let a = my - b * mx;
    let ss_tot: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    let ss_res: f64 = points.iter().map(|p| (p.1 - a - b * p.0).powi(2)).sum();
    let r2 = (ss_tot > 0.0).then(|| 1.0 - ss_res / ss_tot);
    Some((a, b, r2))
}

/// The fewest distinct sizes or batch sizes a fit is made over.
pub const MIN_POINTS: usize = 3;

/// Every fit the rows allow, in the order their first row appears: over the sizes for each
/// mode, transport, path and batch label with [`MIN_POINTS`] sizes or more; over the batch
/// sizes for each batched path's batch-mode rows of one transport and size with [`MIN_POINTS`]
/// batch sizes or more.
pub fn fits(rows: &[Row]) -> Vec<Fit> {
    let mut out = Vec::new();
    let usable = rows.iter().filter(|r| r.summary.median_ns.is_finite());
    // (over, mode, transport, path, batch label, size) -> points.
    type Key = (u8, Mode, Transport, PathName, Option<usize>, Option<usize>);
    let mut series: Vec<(Key, Vec<(usize, f64)>)> = Vec::new();
    let mut add = |key: Key, x: usize, y: f64| match series.iter_mut().find(|(k, _)| *k == key) {
        Some((_, pts)) => pts.push((x, y)),
        None => series.push((key, vec![(x, y)])),
    };
    for r in usable {
        let y = r.summary.median_ns;
        add((0, r.mode, r.transport, r.path, r.batch, None), r.size, y);
        if let Some(n) = r.batch {
            add((1, r.mode, r.transport, r.path, None, Some(r.size)), n, y);
        }
    }
    for ((over, mode, transport, path, batch, size), pts) in series {
        let over = if over == 0 { Over::Size } else { Over::Batch };
        let xs: Vec<usize> = pts.iter().map(|p| p.0).collect();
        let mut distinct = xs.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < MIN_POINTS || distinct.len() != xs.len() {
            continue;
        }
        let points: Vec<(f64, f64)> = pts.iter().map(|&(x, y)| (transform(over, x), y)).collect();
        if let Some((a, b, r2)) = least_squares(&points) {
            out.push(Fit {
                mode,
                transport,
                path,
                over,
                batch,
                size,
                xs,
                intercept_ns: a,
                slope_ns: b,
                r2,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_through_its_points() {
        let (a, b, r2) = least_squares(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]).unwrap();
        assert!((a - 1.0).abs() < 1e-12 && (b - 2.0).abs() < 1e-12);
        assert!((r2.unwrap() - 1.0).abs() < 1e-12);
        // Scatter: the textbook example (x 1..5, y 2,4,5,4,5): b 0.6, a 2.2, r² 0.6.
        let pts: Vec<(f64, f64)> = [2.0, 4.0, 5.0, 4.0, 5.0]
            .iter()
            .enumerate()
            .map(|(i, &y)| (i as f64 + 1.0, y))
            .collect();
        let (a, b, r2) = least_squares(&pts).unwrap();
        assert!(
            (a - 2.2).abs() < 1e-12 && (b - 0.6).abs() < 1e-12,
            "{a} {b}"
        );
        assert!((r2.unwrap() - 0.6).abs() < 1e-12);
        assert_eq!(least_squares(&[(1.0, 1.0), (1.0, 2.0)]), None);
        assert_eq!(least_squares(&[(1.0, 2.0), (3.0, 2.0)]).unwrap().2, None);
    }

    #[test]
    fn crossovers() {
        let f = Fit {
            mode: Mode::Rtt,
            transport: Transport::Udp,
            path: PathName::C,
            over: Over::Size,
            batch: None,
            size: None,
            xs: vec![64, 1024, 8192],
            intercept_ns: 3000.0,
            slope_ns: 150.0,
            r2: Some(0.99),
        };
        assert_eq!(f.crossover(), Some(20.0 * 1024.0));
        assert_eq!(f.predict(2048), 3300.0);
        let b = Fit {
            over: Over::Batch,
            intercept_ns: 500.0,
            slope_ns: 2000.0,
            ..f.clone()
        };
        assert_eq!(b.crossover(), Some(4.0));
        assert_eq!(b.predict(4), 1000.0);
        // Doubling 38 → 76 saves 5% per message: t(38)/t(76) = 1.05.
        let n = b.doubling_gains_less_than(0.05).unwrap();
        assert!((n - 38.0).abs() < 1e-9, "{n}");
        let t = |n: f64| 500.0 + 2000.0 / n;
        assert!((t(n) / t(2.0 * n) - 1.05).abs() < 1e-12);
        assert_eq!(f.doubling_gains_less_than(0.05), None);
    }
}
