//! The statistics every socklab measurement shares: latency samples in an HDR histogram and the
//! percentiles read from it ([`Histogram`], [`Summary`]), the median of a list ([`median`]), and
//! one seeded PRNG ([`Rng`]) for bootstraps and payloads.

/// Highest latency a [`Histogram`] holds: 60 s in nanoseconds (larger samples saturate).
pub const MAX_NS: u64 = 60_000_000_000;

/// Latency samples in nanoseconds, in an HDR histogram of 3 significant figures from 1 ns to
/// [`MAX_NS`]: the one place socklab reads percentiles from. Memory is fixed (~200 KiB) however
/// many samples are recorded (about 216 KiB); each percentile is exact to 0.1%.
#[derive(Clone, Debug)]
pub struct Histogram(hdrhistogram::Histogram<u64>);

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram(
            hdrhistogram::Histogram::new_with_bounds(1, MAX_NS, 3).expect("valid static bounds"),
        )
    }

    /// Records `count` samples of `ns` nanoseconds each (a batch whose per-message time is `ns`
    /// stands for `count` operations). 0 counts as 1 ns; above [`MAX_NS`] saturates.
    #[inline]
    pub fn record(&mut self, ns: u64, count: u64) {
        self.0.saturating_record_n(ns.max(1), count);
    }

    /// Samples recorded.
    pub fn len(&self) -> u64 {
        self.0.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value at quantile `q` (0..=1), in nanoseconds; NaN when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.is_empty() {
            return f64::NAN;
        }
        self.0.value_at_quantile(q) as f64
    }

    /// Count, median, p99, p99.9, min and max of everything recorded (NaN when empty).
    pub fn summary(&self) -> Summary {
        let (min, max) = if self.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            (self.0.min() as f64, self.0.max() as f64)
        };
        Summary {
            count: self.len(),
            median_ns: self.quantile(0.5),
            p99_ns: self.quantile(0.99),
            p999_ns: self.quantile(0.999),
            min_ns: min,
            max_ns: max,
        }
    }
}

/// The latency summary of one row: compare's and pingpong's percentile fields.
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
    /// The largest sample.
    pub max_ns: f64,
}

/// The median of `v` (reordered in place); the mean of the middle two for an even length, NaN
/// for an empty slice.
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

/// xorshift64*: a tiny seeded PRNG, so every bootstrap and every payload is reproducible
/// without a dependency. Not for anything secret.
#[derive(Clone, Debug)]
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

    /// Fills `buf` with the next random bytes, 8 per step (little-endian).
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_a_list() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [2.0, 1.0]), 1.5);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn histogram_percentiles() {
        let mut h = Histogram::new();
        assert!(h.is_empty() && h.summary().median_ns.is_nan());
        for ns in 1..=1000 {
            h.record(ns * 1000, 1);
        }
        let s = h.summary();
        assert_eq!(s.count, 1000);
        // 3 significant figures: each value within 0.1% of the exact nearest-rank percentile.
        for (got, want) in [
            (s.median_ns, 500_000.0),
            (s.p99_ns, 990_000.0),
            (s.p999_ns, 999_000.0),
            (s.min_ns, 1000.0),
            (s.max_ns, 1_000_000.0),
        ] {
            assert!((got - want).abs() <= want * 0.001, "{got} vs {want}");
        }
        h.record(0, 3);
        assert_eq!((h.len(), h.summary().min_ns), (1003, 1.0));
    }

    #[test]
    fn rng_is_seeded_and_fills_every_byte() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        assert_eq!(a.next_u64(), b.next_u64());
        assert_ne!(Rng::new(0).next_u64(), 0);
        let mut buf = [0u8; 13];
        a.fill(&mut buf);
        let mut again = [0u8; 13];
        b.fill(&mut again);
        assert_eq!(buf, again);
        assert!(buf[8..].iter().any(|&x| x != 0));
        assert!((0..100).all(|_| a.below(3) < 3));
    }
}
