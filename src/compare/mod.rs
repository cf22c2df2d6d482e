//! `socklab compare`: every syscall path measured against the C floor in the same run, paths
//! interleaved in rounds, each result a ratio to `c` (JSON contract: `docs/compare-schema.md`).
//!
//! The library does the work; the binary (`src/bin/socklab/compare.rs`) only parses flags into a
//! [`Config`], calls [`run`] (or [`run_until`], which Ctrl-C can end) and prints the [`Report`]
//! with [`report::table`] or [`report::json`], exports it ([`report::markdown`],
//! [`report::csv`], [`saved::to_json`]) and compares it with a baseline ([`baseline`]).
//!
//! A run is a scheduler driving an executor, as in hyperfine:
//! - [`mod@config`]: what to measure — [`Mode`], [`Config`], the [`Group`]s it expands to, and
//!   [`Config::validate`].
//! - [`schedule`]: the scheduler — which group runs when, the interleaved rounds (ABCD, BCDA…),
//!   the operations per round, the progress line and its ETA. No sockets, no clocks but the ETA's.
//! - [`harness`]: the executor — one [`harness::Slot`] per path (its pair, its echo or sender
//!   thread), pinned ([`harness::Cpus`]), the call log switched off, its timed loop recording
//!   each op.
//! - [`run()`]: the run itself — set-up, the groups (scheduler × executor), the rows, then the
//!   extras: [`canary`] (the Nagle canary), the harness overhead and [`count`].
//! - [`paths`]: the measured paths, one file per family, and the socket pair they run on (also
//!   used by `benches/`).
//! - [`rows`]: the results of one group as [`Row`]s: ratios to `c`, twin and floor, stream rates.
//! - [`fit`]: how cost grows, least squares over the sizes (`fixed + per_kib × size`) and the
//!   batch sizes (`per_msg + per_call / batch`) of a run.
//! - [`count`]: `syscalls_per_op`, counted by re-running each row briefly under `strace -f`.
//! - [`stats`]: HDR histograms, per-round samples, the seeded paired bootstrap of `ratio_ci95`.
//! - [`syscall`]: `--mode syscall`, the bare cost of one syscall through each frame.
//! - [`report`]: the table (text or Markdown), CSV, the JSON document, several runs side by
//!   side; [`saved`]: the document written with serde_json and read back into a [`Report`];
//!   [`baseline`]: a run compared with a saved one (criterion's `--save-baseline`/`--baseline`);
//!   `plot` (feature `plot`): the ratios as SVG; [`mod@env`]: the environment block.
//! - [`Error`]: what can stop a run ([`ConfigError`] for a run refused before it starts).
//!
//! ```no_run
//! use socklab::compare::{self, Config, Mode};
//! let cfg = Config { modes: vec![Mode::SameThread], iters: 2000, ..Config::default() };
//! cfg.validate()?;
//! let report = compare::run(&cfg, &mut |line| eprint!("\r{line}"))?;
//! print!("{}", compare::report::table(&report));
//! # Ok::<(), compare::Error>(())
//! ```

/// `Display` as the type's `name()` and `FromStr` back through its `ALL` list, for the enums whose
/// names are CLI values and schema strings (`Mode`, `Pin`, `Transport`, `PathName`); `$what` names
/// the kind in the error ([`NameError`]: `unknown mode "x"`).
macro_rules! named_enum {
    ($t:ty, $what:literal) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $t {
            type Err = $crate::compare::NameError;
            fn from_str(s: &str) -> Result<$t, $crate::compare::NameError> {
                <$t>::ALL
                    .into_iter()
                    .find(|v| v.name() == s)
                    .ok_or_else(|| $crate::compare::NameError {
                        kind: $what,
                        name: s.to_owned(),
                    })
            }
        }
    };
}

pub mod baseline;
pub mod canary;
// The C floor's FFI opts in to `unsafe` (CONVENTIONS.md), as `paths::uring` does in paths/mod.rs.
#[allow(unsafe_code)]
pub mod cfloor;
pub mod comparison;
pub mod config;
pub mod count;
pub mod fit;
/// The environment block, shared with `socklab::net` (it lives in [`crate::measure`]).
pub use crate::measure::env;
mod error;
pub mod harness;
pub mod paths;
#[cfg(feature = "plot")]
pub mod plot;
pub mod report;
pub mod rows;
mod run;
pub mod saved;
pub mod schedule;
pub mod stats;
pub mod syscall;

use std::fmt;

pub use config::{Config, ConfigError, Group, Mode, Pin, DEFAULT_MODES, MAX_BATCH};
pub use error::Error;
pub use run::{run, run_until};

use paths::{PathName, Transport};

/// A name that is none of its kind's (`unknown mode "warp"`): the `FromStr` error of [`Mode`],
/// [`Pin`], [`Transport`] and [`PathName`]. The CLI adds the allowed values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    /// What was parsed: `mode`, `pin mode`, `transport`, `path`.
    pub kind: &'static str,
    /// The text given.
    pub name: String,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.kind, self.name)
    }
}

impl std::error::Error for NameError {}

/// Adds `note` to `notes` unless it is there already (one note per skipped path or mode).
fn note_once(notes: &mut Vec<String>, note: String) {
    if !notes.contains(&note) {
        notes.push(note);
    }
}

/// One result row; the fields are the schema's row keys.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The mode.
    pub mode: Mode,
    /// The transport.
    pub transport: Transport,
    /// The path.
    pub path: PathName,
    /// Message size in bytes.
    pub size: usize,
    /// `Some(n)` for a batched path (`libc-mmsg`, `c-mmsg`) in batch mode: its batch size.
    pub batch: Option<usize>,
    /// Latencies (stream mode: ns per delivered message, over the rounds).
    pub summary: stats::Summary,
    /// `median_ns / c's median_ns` in the same group; `None` without a `c` row.
    pub ratio_to_c: Option<f64>,
    /// Bootstrap 95% interval of the ratio over the interleaved rounds.
    pub ratio_ci95: Option<[f64; 2]>,
    /// Each interleaved round's ratio of medians to `c` ([`stats::round_ratios`]; stream: of
    /// the rounds' ns per delivered message): what a saved run keeps so that a later run's
    /// ratio can be compared with it ([`baseline`]). Empty without a `c` row, and in a run read
    /// back from a document that did not keep them (`--json`).
    pub round_ratios: Vec<f64>,
    /// `median_ns` / the median of the C loop making the same syscalls ([`PathName::twin`]);
    /// `None` where there is none or it did not run.
    pub ratio_to_twin: Option<f64>,
    /// `median_ns` / `c-inline`'s median in the same group (the physical floor); `None`
    /// without a `c-inline` row.
    pub ratio_to_floor: Option<f64>,
    /// Counted under strace; `None` when not counted.
    pub syscalls_per_op: Option<f64>,
    /// The syscalls seen per op, e.g. `sendto+recvfrom` (table only).
    pub calls: String,
    /// Stream mode: messages delivered per second at the receiver, the median round's rate
    /// (`1e9 / median_ns`).
    pub msgs_per_s: Option<f64>,
    /// Stream mode: `msgs_per_s` in payload Mbit/s.
    pub mbit_s: Option<f64>,
    /// Stream mode: messages the sender sent in the recorded rounds.
    pub sent: Option<u64>,
    /// Stream mode: messages sent minus received.
    pub lost: Option<u64>,
}

/// The Nagle canary: a write-write-read exchange on TCP with and without `TCP_NODELAY`.
#[derive(Clone, Debug, PartialEq)]
pub struct Nagle {
    /// Exchanges timed in each setting.
    pub iters: u64,
    /// Median exchange with `TCP_NODELAY`.
    pub nodelay_median_ns: f64,
    /// Median exchange without it (Nagle holds the second write until the delayed ACK).
    pub nagle_median_ns: f64,
}

/// Everything a run produced (or a saved run read back: [`saved::read`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The socklab version that measured it.
    pub socklab_version: String,
    /// The environment block.
    pub env: env::Env,
    /// The rows, group by group.
    pub rows: Vec<Row>,
    /// The Nagle canary, when run.
    pub nagle: Option<Nagle>,
    /// The harness' own cost per sample (timestamp + histogram record), in ns.
    pub overhead_ns: f64,
    /// Paths skipped and why, and other remarks for the table.
    pub notes: Vec<String>,
    /// The `--mode syscall` rows (empty without that mode).
    pub syscall_rows: Vec<syscall::SyscallRow>,
    /// Each mode of the run with the pinning its threads ran with (`env.pin_by_mode`).
    pub pins: Vec<harness::ModePin>,
    /// How cost grows: least-squares fits over the sizes (three or more) and the batch sizes
    /// (three or more, batched paths) of the run.
    pub fits: Vec<fit::Fit>,
    /// `Some(why)` when the run ended early (Ctrl-C: [`run_until`]): its rows are the groups it
    /// finished, and what did not run is named here.
    pub incomplete: Option<String>,
}
