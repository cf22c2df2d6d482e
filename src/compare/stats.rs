//! Statistics for `socklab compare`: a per-path sample recorder (HDR histogram + per-round
//! medians) and the seeded bootstrap of the ratio to `c`. The histogram, the summary a row
//! prints, the median and the PRNG are [`crate::measure::stats`]'s, re-exported here.

use crate::measure::stats::Histogram;
pub use crate::measure::stats::{median, Rng, Summary};

/// Every sample of one path in one group: an HDR histogram over the whole run and each
/// interleaved round's samples, sorted (the unit the bootstrap resamples).
pub struct Recorder {
    hist: Histogram,
    round: Vec<u64>,
    rounds: Vec<Vec<u64>>,
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
            hist: Histogram::new(),
            round: Vec::new(),
            rounds: Vec::new(),
        }
    }

    /// Records one sample of `ns` nanoseconds standing for `count` operations (1 for a single
    /// op; `n` for a batch whose per-message time is `ns`).
    #[inline]
    pub fn record(&mut self, ns: u64, count: u64) {
        let ns = ns.max(1);
        self.hist.record(ns, count);
        self.round.push(ns);
    }

    /// Closes the current round: keeps its samples, sorted.
    pub fn end_round(&mut self) {
        if !self.round.is_empty() {
            let mut round = std::mem::take(&mut self.round);
            round.sort_unstable();
            self.rounds.push(round);
        }
    }

    /// The samples of each closed round, sorted.
    pub fn rounds(&self) -> &[Vec<u64>] {
        &self.rounds
    }

    /// The median of each closed round.
    pub fn round_medians(&self) -> Vec<f64> {
        self.rounds.iter().map(|r| median_sorted(r)).collect()
    }

    /// The summary of everything recorded.
    pub fn summary(&self) -> Summary {
        self.hist.summary()
    }
}

/// The summary of per-round figures (stream mode: ns per delivered message, one per round):
/// median (the mean of the middle two for an even count, as [`median`]), p99 and p99.9 by
/// nearest rank, min and max over the rounds; `count` is what the rows call `iters` (stream:
/// the messages delivered). NaN figures for no rounds.
pub fn round_summary(per_round: &[f64], count: u64) -> Summary {
    let v = finite_sorted(per_round);
    let rank = |q: f64| {
        let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len().max(1)) - 1;
        v.get(i).copied().unwrap_or(f64::NAN)
    };
    Summary {
        count,
        median_ns: median(&mut v.clone()),
        p99_ns: rank(0.99),
        p999_ns: rank(0.999),
        min_ns: v.first().copied().unwrap_or(f64::NAN),
        max_ns: v.last().copied().unwrap_or(f64::NAN),
    }
}

/// The median of a sorted, non-empty slice; the mean of the middle two for an even length.
fn median_sorted(v: &[u64]) -> f64 {
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid] as f64
    } else {
        (v[mid - 1] as f64 + v[mid] as f64) / 2.0
    }
}

/// A row whose `ratio_ci95` is wider than this share of its ratio (`(hi − lo) / ratio`) is
/// marked `!` in the table: its rounds disagree (noise, a stall, a path whose cost moved during
/// the run), so its ratio is not a figure to quote, and a baseline comparison does not flag
/// its change. At the default 20 000 ops in 50 rounds the intervals are 0.5–3% wide here; a
/// stream row's ten rounds on a busy machine, 10–300%.
pub const WIDE_CI: f64 = 0.10;

/// Whether `ci` is wider than [`WIDE_CI`] of `ratio`.
pub fn is_wide(ci: Option<[f64; 2]>, ratio: Option<f64>) -> bool {
    match (ci, ratio) {
        (Some([lo, hi]), Some(r)) if r > 0.0 => (hi - lo) / r > WIDE_CI,
        _ => false,
    }
}

/// Bootstrap resamples behind every interval.
const RESAMPLES: usize = 1000;
/// The seed of every bootstrap: fixed, so the same rounds give the same interval.
const SEED: u64 = 0x50C1_AB00_0000_0001;

/// The rounds of one path, ready for pooled medians of any multiset of rounds.
struct Pooled<'a> {
    rounds: &'a [Vec<u64>],
    /// Every sample of every round, sorted: the candidate medians.
    all: Vec<u64>,
}

impl<'a> Pooled<'a> {
    fn new(rounds: &'a [Vec<u64>]) -> Pooled<'a> {
        let mut all: Vec<u64> = rounds.iter().flatten().copied().collect();
        all.sort_unstable();
        Pooled { rounds, all }
    }

    /// The (lower) median of the samples of the rounds picked with multiplicity `weight[r]`:
    /// the smallest sample value `v` with at least half the picked samples `<= v`.
    fn median(&self, weight: &[u32]) -> f64 {
        let picked = |f: &dyn Fn(&Vec<u64>) -> usize| -> u64 {
            let per = self.rounds.iter().zip(weight);
            per.map(|(r, &w)| u64::from(w) * f(r) as u64).sum()
        };
        let half = picked(&|r| r.len()).div_ceil(2);
        let at_most = |v: u64| picked(&|r| r.partition_point(|&x| x <= v));
        let i = self.all.partition_point(|&v| at_most(v) < half);
        self.all.get(i).map_or(f64::NAN, |&v| v as f64)
    }
}

/// A bootstrap 95% interval of the ratio of pooled medians `path / c`, for two recorders whose
/// rounds were interleaved (round `i` of both ran back to back): resamples the rounds with
/// replacement — the same rounds for both, keeping the pairing — recomputes the ratio of the
/// pooled medians each time, and returns the 2.5th and 97.5th percentiles. `None` unless both
/// have the same, non-zero number of rounds.
pub fn ratio_ci95(path: &[Vec<u64>], c: &[Vec<u64>]) -> Option<[f64; 2]> {
    let n = path.len();
    if n == 0 || n != c.len() {
        return None;
    }
    let (p, c) = (Pooled::new(path), Pooled::new(c));
    let mut rng = Rng::new(SEED);
    let mut weight = vec![0u32; n];
    let mut ratios: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            weight.iter_mut().for_each(|w| *w = 0);
            for _ in 0..n {
                weight[rng.below(n)] += 1;
            }
            p.median(&weight) / c.median(&weight)
        })
        .filter(|r| r.is_finite())
        .collect();
    percentiles_95(&mut ratios)
}

/// Each round's ratio of medians `path / c`, for two recorders whose rounds were interleaved
/// (round `i` of both ran back to back): what a saved run keeps per row (`round_ratios`) so
/// that a later run can be compared with it ([`change_ci95`]). Empty unless both have the same,
/// non-zero number of rounds; a round whose `c` median is 0 gives NaN.
pub fn round_ratios(path: &[Vec<u64>], c: &[Vec<u64>]) -> Vec<f64> {
    if path.is_empty() || path.len() != c.len() {
        return Vec::new();
    }
    path.iter()
        .zip(c)
        .map(|(p, c)| {
            if p.is_empty() || c.is_empty() {
                return f64::NAN;
            }
            median_sorted(p) / median_sorted(c)
        })
        .collect()
}

/// `v`'s finite values, sorted.
fn finite_sorted(v: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// One bootstrap resample of `v` (with replacement, same length) into `out`, and its median.
fn resampled_median(v: &[f64], rng: &mut Rng, out: &mut Vec<f64>) -> f64 {
    out.clear();
    out.extend((0..v.len()).map(|_| v[rng.below(v.len())]));
    median(out)
}

/// The 2.5th and 97.5th percentiles of `stats` (sorted in place).
fn percentiles_95(stats: &mut [f64]) -> Option<[f64; 2]> {
    if stats.is_empty() {
        return None;
    }
    stats.sort_by(f64::total_cmp);
    let at = |q: f64| stats[((stats.len() - 1) as f64 * q).round() as usize];
    Some([at(0.025), at(0.975)])
}

/// The median of per-round values (ratios of one path to another, round by round) and a
/// bootstrap 95% interval of it (the rounds resampled with replacement, 1000 times,
/// seeded). `None` without a finite value.
pub fn median_ci95(values: &[f64]) -> Option<(f64, [f64; 2])> {
    let v = finite_sorted(values);
    if v.is_empty() {
        return None;
    }
    let mut rng = Rng::new(SEED);
    let mut buf = Vec::with_capacity(v.len());
    let mut stats: Vec<f64> = (0..RESAMPLES)
        .map(|_| resampled_median(&v, &mut rng, &mut buf))
        .collect();
    Some((median(&mut v.clone()), percentiles_95(&mut stats)?))
}

/// How a per-round figure moved between two runs: `median(now) / median(then) - 1`, and a
/// bootstrap 95% interval of it. The two runs share no rounds, so each set is resampled on its
/// own (1000 times, seeded) and the interval is the percentiles of the resampled
/// changes. `None` unless both have a finite value.
pub fn change_ci95(now: &[f64], then: &[f64]) -> Option<(f64, [f64; 2])> {
    let (a, b) = (finite_sorted(now), finite_sorted(then));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let point = median(&mut a.clone()) / median(&mut b.clone()) - 1.0;
    let mut rng = Rng::new(SEED);
    let (mut ba, mut bb) = (Vec::with_capacity(a.len()), Vec::with_capacity(b.len()));
    let mut stats: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let x = resampled_median(&a, &mut rng, &mut ba);
            x / resampled_median(&b, &mut rng, &mut bb) - 1.0
        })
        .filter(|x| x.is_finite())
        .collect();
    Some((point, percentiles_95(&mut stats)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median_sorted(&[1, 3, 5]), 3.0);
        assert_eq!(median_sorted(&[1, 2, 3, 4]), 2.5);
        assert_eq!(median(&mut [2.0, 1.0]), 1.5);
        assert!(median(&mut []).is_nan());
        let rounds = vec![vec![1, 2, 3], vec![10, 20, 30]];
        let pooled = Pooled::new(&rounds);
        assert_eq!(pooled.median(&[1, 1]), 3.0);
        assert_eq!(pooled.median(&[2, 0]), 2.0);
        assert_eq!(pooled.median(&[0, 1]), 20.0);
    }

    #[test]
    fn identical_rounds_give_a_point_interval() {
        let r = vec![vec![10, 11, 12], vec![9, 10, 14]];
        assert_eq!(ratio_ci95(&r, &r), Some([1.0, 1.0]));
        let double: Vec<Vec<u64>> = r
            .iter()
            .map(|v| v.iter().map(|x| x * 2).collect())
            .collect();
        assert_eq!(ratio_ci95(&double, &r), Some([2.0, 2.0]));
        assert_eq!(ratio_ci95(&[], &r), None);
    }

    #[test]
    fn interval_brackets_the_spread() {
        let c: Vec<Vec<u64>> = (0..20).map(|_| vec![100, 100, 100]).collect();
        let p: Vec<Vec<u64>> = (0..20).map(|i| vec![100 + i; 3]).collect();
        let [lo, hi] = ratio_ci95(&p, &c).unwrap();
        assert!(lo >= 1.0 && hi <= 1.19 && lo < hi, "{lo} {hi}");
    }

    #[test]
    fn round_ratios_pair_the_rounds() {
        let c = vec![vec![10, 10, 10], vec![20, 20, 20]];
        let p = vec![vec![11, 12, 13], vec![30, 30, 40]];
        assert_eq!(round_ratios(&p, &c), [1.2, 1.5]);
        assert!(round_ratios(&p[..1], &c).is_empty());
    }

    #[test]
    fn a_known_change_is_outside_its_interval_of_noise() {
        // Two runs of 50 rounds whose ratios scatter ±2% around 1.00 and 1.10.
        let scatter = |centre: f64| -> Vec<f64> {
            (0..50)
                .map(|i| centre * (1.0 + 0.02 * ((i % 5) as f64 - 2.0) / 2.0))
                .collect()
        };
        let (point, [lo, hi]) = change_ci95(&scatter(1.10), &scatter(1.0)).unwrap();
        assert!((point - 0.10).abs() < 1e-9, "{point}");
        assert!(
            lo > 0.05 && hi < 0.15 && lo <= point && point <= hi,
            "{lo} {hi}"
        );
        // The same scatter twice: no change, an interval around 0.
        let (point, [lo, hi]) = change_ci95(&scatter(1.0), &scatter(1.0)).unwrap();
        assert_eq!(point, 0.0);
        assert!(lo <= 0.0 && hi >= 0.0 && hi - lo < 0.05, "{lo} {hi}");
        assert_eq!(change_ci95(&[], &scatter(1.0)), None);
        let (m, [lo, hi]) = median_ci95(&scatter(1.0)).unwrap();
        assert_eq!(m, 1.0);
        assert!(lo >= 0.98 && hi <= 1.02, "{lo} {hi}");
    }

    #[test]
    fn round_summaries() {
        let s = round_summary(&[30.0, 10.0, 20.0, 40.0], 400);
        assert_eq!(s.count, 400);
        assert_eq!((s.median_ns, s.min_ns, s.max_ns), (25.0, 10.0, 40.0));
        assert_eq!((s.p99_ns, s.p999_ns), (40.0, 40.0));
        let many: Vec<f64> = (1..=200).map(f64::from).collect();
        assert_eq!(round_summary(&many, 1).p99_ns, 198.0);
        assert!(round_summary(&[], 0).median_ns.is_nan());
    }

    #[test]
    fn recorder_summarizes_rounds() {
        let mut r = Recorder::new();
        for ns in [300, 100, 200] {
            r.record(ns, 1);
        }
        r.end_round();
        r.record(1000, 4);
        r.end_round();
        assert_eq!(r.round_medians(), [200.0, 1000.0]);
        assert_eq!(r.rounds()[0], [100, 200, 300]);
        let s = r.summary();
        assert_eq!((s.count, s.min_ns), (7, 100.0));
        assert_eq!(s.median_ns, 1000.0);
    }
}
