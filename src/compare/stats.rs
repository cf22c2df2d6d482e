//! Statistics for `socklab compare`: a per-path sample recorder (HDR histogram + per-round
//! medians), the summary a row prints, and the seeded bootstrap of the ratio to `c`.

use hdrhistogram::Histogram;

/// Highest latency the histograms hold: 60 s in nanoseconds (larger samples saturate).
const MAX_NS: u64 = 60_000_000_000;

/// Every sample of one path in one group: an HDR histogram over the whole run and the median of
/// each interleaved round (the unit the bootstrap resamples).
pub struct Recorder {
    hist: Histogram<u64>,
    round: Vec<u64>,
    round_medians: Vec<f64>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

impl Recorder {
    /// An empty recorder (3 significant figures, 1 ns .. 60 s).
    pub fn new() -> Recorder {
        Recorder {
            hist: Histogram::new_with_bounds(1, MAX_NS, 3).expect("valid static bounds"),
            round: Vec::new(),
            round_medians: Vec::new(),
        }
    }

    /// Records one sample of `ns` nanoseconds standing for `count` operations (1 for a single
    /// op; `n` for a batch whose per-message time is `ns`).
    #[inline]
    pub fn record(&mut self, ns: u64, count: u64) {
        let ns = ns.max(1);
        self.hist.saturating_record_n(ns, count);
        self.round.push(ns);
    }

    /// Closes the current round: stores its median, clears its samples.
    pub fn end_round(&mut self) {
        if !self.round.is_empty() {
            self.round_medians.push(median_u64(&mut self.round));
            self.round.clear();
        }
    }

    /// The per-round medians so far.
    pub fn round_medians(&self) -> &[f64] {
        &self.round_medians
    }

    /// The summary of everything recorded.
    pub fn summary(&self) -> Summary {
        let q = |q| self.hist.value_at_quantile(q) as f64;
        Summary {
            count: self.hist.len(),
            median_ns: q(0.5),
            p99_ns: q(0.99),
            p999_ns: q(0.999),
            min_ns: self.hist.min() as f64,
        }
    }
}

/// The latency summary of one row.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    /// Operations recorded.
    pub count: u64,
    /// p50.
    pub median_ns: f64,
    /// p99.
    pub p99_ns: f64,
    /// p99.9.
    pub p999_ns: f64,
    /// The smallest sample.
    pub min_ns: f64,
}

/// The median of `v` (reordered in place); the mean of the middle two for an even length.
fn median_u64(v: &mut [u64]) -> f64 {
    let mid = v.len() / 2;
    let (_, &mut hi, _) = v.select_nth_unstable(mid);
    if v.len() % 2 == 1 {
        hi as f64
    } else {
        let lo = v[..mid].iter().copied().max().unwrap_or(hi);
        (lo as f64 + hi as f64) / 2.0
    }
}

/// The median of `v` (reordered in place); NaN for an empty slice.
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// xorshift64*: a tiny seeded PRNG so every bootstrap is reproducible without a dependency.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced, xorshift needs a non-zero state).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniform index below `n` (`n > 0`; the modulo bias is negligible for small `n`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Bootstrap resamples behind every interval.
const RESAMPLES: usize = 2000;
/// The seed of every bootstrap: fixed, so the same rounds give the same interval.
const SEED: u64 = 0x50C1_AB00_0000_0001;

/// A bootstrap 95% interval of the ratio `path / c`, over the per-round ratios of two recorders
/// whose rounds were interleaved (round `i` of both ran back to back): resamples the rounds with
/// replacement, takes each resample's median ratio, and returns the 2.5th and 97.5th
/// percentiles. `None` without a common round.
pub fn ratio_ci95(path_rounds: &[f64], c_rounds: &[f64]) -> Option<[f64; 2]> {
    let ratios: Vec<f64> = path_rounds
        .iter()
        .zip(c_rounds)
        .filter(|(_, &c)| c > 0.0)
        .map(|(&p, &c)| p / c)
        .collect();
    if ratios.is_empty() {
        return None;
    }
    let mut rng = Rng::new(SEED);
    let mut sample = vec![0.0; ratios.len()];
    let mut medians: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            for s in sample.iter_mut() {
                *s = ratios[rng.below(ratios.len())];
            }
            median(&mut sample)
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    let at = |q: f64| medians[((RESAMPLES - 1) as f64 * q).round() as usize];
    Some([at(0.025), at(0.975)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median_u64(&mut [5, 1, 3]), 3.0);
        assert_eq!(median_u64(&mut [4, 1, 3, 2]), 2.5);
        assert_eq!(median(&mut [2.0, 1.0]), 1.5);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn identical_rounds_give_a_point_interval() {
        let r = [10.0, 11.0, 12.0, 9.0];
        assert_eq!(ratio_ci95(&r, &r), Some([1.0, 1.0]));
        let double: Vec<f64> = r.iter().map(|x| x * 2.0).collect();
        assert_eq!(ratio_ci95(&double, &r), Some([2.0, 2.0]));
        assert_eq!(ratio_ci95(&[], &r), None);
    }

    #[test]
    fn interval_brackets_the_spread() {
        let c = [10.0; 20];
        let p: Vec<f64> = (0..20).map(|i| 10.0 + i as f64 * 0.1).collect();
        let [lo, hi] = ratio_ci95(&p, &c).unwrap();
        assert!(lo >= 1.0 && hi <= 1.19 && lo < hi, "{lo} {hi}");
    }

    #[test]
    fn recorder_summarizes_rounds() {
        let mut r = Recorder::new();
        for ns in [100, 200, 300] {
            r.record(ns, 1);
        }
        r.end_round();
        r.record(1000, 4);
        r.end_round();
        assert_eq!(r.round_medians(), [200.0, 1000.0]);
        let s = r.summary();
        assert_eq!((s.count, s.min_ns), (7, 100.0));
        assert_eq!(s.median_ns, 1000.0);
    }
}
