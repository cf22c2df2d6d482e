//! A run compared with another, as criterion compares a benchmark with a saved baseline: rows
//! matched by mode, transport, size, path (and batch: [`RowKey`]), each row's change of
//! `ratio_to_c` with a bootstrap 95% interval, flagged only when the whole interval lies beyond
//! the noise threshold (and neither run's own interval of the row too wide to quote:
//! [`stats::WIDE_CI`]); the change of its median shown beside it, never flagged (absolute
//! times drift 20–30% between runs on a shared machine, the ratios measured interleaved do
//! not).
//!
//! The change of the ratio is taken over the rounds: each run keeps, per row, the ratio of the
//! path's median to `c`'s in every interleaved round (`round_ratios`, [`super::stats::round_ratios`]),
//! and the change is `median(now) / median(then) − 1` of those, its interval the percentiles of
//! the same statistic over the two runs' rounds resampled each on its own
//! ([`super::stats::change_ci95`]): two runs share no rounds. A row read from a document that
//! kept no rounds (`--json`) gets the change of its `ratio_to_c` without an interval, unflagged.
//!
//! Pure: it compares two [`Report`]s in memory. Where a baseline is kept and how it is read back
//! is [`super::baseline`]'s; the saved document ([`super::saved`]) writes a [`Comparison`].

use std::fmt;

use super::env::Env;
use super::paths::{PathName, Transport};
use super::stats;
use super::{Mode, Report, Row};

/// The noise threshold when none is given: a ratio change whose 95% interval lies wholly
/// beyond ±2% is flagged. Two default runs of the same build on a 2-CPU VM moved the 134
/// ratios of same-thread, rtt and batch by 0.3% at the median and 1.3% at most, several with
/// intervals excluding 0 (a path's code and data land elsewhere between processes, which no
/// bootstrap of one run's rounds can see): criterion's 1% would flag those.
pub const DEFAULT_NOISE: f64 = 0.02;

/// A row's identity across runs: what `socklab report` and `--baseline` match rows by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RowKey {
    /// The mode.
    pub mode: Mode,
    /// The transport.
    pub transport: Transport,
    /// The message size.
    pub size: usize,
    /// The path.
    pub path: PathName,
    /// The batch of a batched path's batch-mode row.
    pub batch: Option<usize>,
}

impl RowKey {
    /// The key of `r`.
    pub fn of(r: &Row) -> RowKey {
        RowKey {
            mode: r.mode,
            transport: r.transport,
            size: r.size,
            path: r.path,
            batch: r.batch,
        }
    }
}

impl fmt::Display for RowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} B {}",
            self.mode, self.transport, self.size, self.path
        )?;
        match self.batch {
            Some(b) => write!(f, " ({b})"),
            None => Ok(()),
        }
    }
}

/// Which way a flagged ratio moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// The ratio to `c` rose beyond the noise: the path got slower relative to C.
    Slower,
    /// The ratio fell beyond the noise.
    Faster,
}

impl Flag {
    /// `slower`, `faster` (the JSON's `flag`).
    pub fn name(self) -> &'static str {
        match self {
            Flag::Slower => "slower",
            Flag::Faster => "faster",
        }
    }

    /// The table's mark: `▲` slower, `▼` faster.
    pub fn mark(self) -> &'static str {
        match self {
            Flag::Slower => "▲",
            Flag::Faster => "▼",
        }
    }
}

/// How one row moved against the baseline's row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// The change of the ratio to `c` (`0.05` = 5% higher) and its bootstrap 95% interval
    /// (`None` when either run kept no rounds); `None` when either row has no ratio.
    pub ratio: Option<(f64, Option<[f64; 2]>)>,
    /// The change of `median_ns` (`now / then − 1`): shown, never flagged.
    pub median: f64,
    /// Set when the ratio's whole interval lies beyond ± the noise threshold, and neither row's
    /// own `ratio_ci95` is wider than [`stats::WIDE_CI`] of its ratio.
    pub flag: Option<Flag>,
    /// `false` when either row's own interval is too wide to judge its change (never flagged).
    pub judged: bool,
}

impl Change {
    /// `now` against `then`, flagged beyond `noise` (a fraction: `0.02`).
    pub fn of(now: &Row, then: &Row, noise: f64) -> Change {
        let ratio = match (now.round_ratios.is_empty(), then.round_ratios.is_empty()) {
            (false, false) => stats::change_ci95(&now.round_ratios, &then.round_ratios)
                .map(|(x, ci)| (x, Some(ci))),
            _ => match (now.ratio_to_c, then.ratio_to_c) {
                (Some(a), Some(b)) if b > 0.0 => Some((a / b - 1.0, None)),
                _ => None,
            },
        };
        // A row whose own interval is too wide to quote (the table's `!`) in either run is
        // noise-dominated: its change is shown, not judged.
        let wide = |r: &Row| stats::is_wide(r.ratio_ci95, r.ratio_to_c);
        let judged = !(wide(now) || wide(then));
        let flag = match ratio {
            _ if !judged => None,
            Some((_, Some([lo, _]))) if lo > noise => Some(Flag::Slower),
            Some((_, Some([_, hi]))) if hi < -noise => Some(Flag::Faster),
            _ => None,
        };
        Change {
            ratio,
            median: now.summary.median_ns / then.summary.median_ns - 1.0,
            flag,
            judged,
        }
    }
}

/// A run compared with a baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The baseline's name (or file).
    pub name: String,
    /// The socklab version that measured the baseline.
    pub then_version: String,
    /// The baseline's environment block.
    pub then_env: Env,
    /// The noise threshold the flags used.
    pub noise: f64,
    /// One entry per row of the compared run, in its order: `None` where the baseline has no
    /// such row.
    pub changes: Vec<Option<Change>>,
    /// The baseline's rows the compared run does not have ([`RowKey`]s, as text).
    pub unmatched: Vec<String>,
}

impl Comparison {
    /// `now` against `then` (named `name`), flagged beyond `noise`.
    pub fn new(now: &Report, then: &Report, name: &str, noise: f64) -> Comparison {
        let find = |k: RowKey| then.rows.iter().find(|r| RowKey::of(r) == k);
        let changes = now
            .rows
            .iter()
            .map(|r| find(RowKey::of(r)).map(|t| Change::of(r, t, noise)))
            .collect();
        let ours: Vec<RowKey> = now.rows.iter().map(RowKey::of).collect();
        let unmatched = then
            .rows
            .iter()
            .map(RowKey::of)
            .filter(|k| !ours.contains(k))
            .map(|k| k.to_string())
            .collect();
        Comparison {
            name: name.to_string(),
            then_version: then.socklab_version.clone(),
            then_env: then.env.clone(),
            noise,
            changes,
            unmatched,
        }
    }

    /// The rows flagged, with their change: `(row index, change)`.
    pub fn flagged(&self) -> impl Iterator<Item = (usize, &Change)> {
        self.changes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().filter(|c| c.flag.is_some()).map(|c| (i, c)))
    }
}
