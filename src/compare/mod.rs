//! `socklab compare`: every syscall path measured against the C floor in the same run, paths
//! interleaved in rounds, each result a ratio to `c` (JSON contract: `docs/compare-schema.md`).
//!
//! The library does the work; the binary (`src/bin/socklab/compare.rs`) only parses flags into a
//! [`Config`], calls [`run`] and prints the [`Report`] with [`report::table`] or [`report::json`].
//!
//! - [`paths`]: the measured paths and the socket pair they run on (also used by `benches/`).
//! - [`harness`]: the modes, the interleaved rounds, the Nagle canary, the harness overhead.
//! - [`count`]: `syscalls_per_op`, counted by re-running each row briefly under `strace -f`.
//! - [`stats`]: HDR histograms, per-round samples, the seeded paired bootstrap of `ratio_ci95`.
//! - [`mod@env`]: the environment block.
//!
//! ```no_run
//! use socklab::compare::{self, Config, Mode};
//! let cfg = Config { modes: vec![Mode::SameThread], iters: 2000, ..Config::default() };
//! cfg.validate().unwrap();
//! let report = compare::run(&cfg, &mut |line| eprint!("\r{line}"))?;
//! print!("{}", compare::report::table(&report));
//! # Ok::<(), std::io::Error>(())
//! ```

/// `Display` as the type's `name()` and `FromStr` back through its `ALL` list, for the enums whose
/// names are CLI values and schema strings (`Mode`, `Transport`, `PathName`); `$what` names the
/// kind in the error (`unknown mode "x"`).
macro_rules! named_enum {
    ($t:ty, $what:literal) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<$t, String> {
                <$t>::ALL
                    .into_iter()
                    .find(|v| v.name() == s)
                    .ok_or_else(|| format!(concat!("unknown ", $what, " {:?}"), s))
            }
        }
    };
}

pub mod count;
/// The environment block, shared with `socklab::net` (it lives in [`crate::measure`]).
pub use crate::measure::env;
pub mod harness;
pub mod paths;
pub mod report;
pub mod stats;
pub mod syscall;

use std::str::FromStr;

pub use harness::run;

// compare's datagram limit is the one `socklab::net` uses too.
const _: () = assert!(paths::MAX_DATAGRAM == crate::measure::MAX_DATAGRAM);
use paths::{PathName, Transport};

/// A measurement mode of the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Send on one end, receive on the other, one thread: the pure path cost.
    SameThread,
    /// Blocking ping-pong against an echo thread; one op = one round trip.
    Rtt,
    /// One-way messages from a sender thread, counted at the receiver; one op = one message.
    Stream,
    /// `same-thread` in batches of `--batch` messages; `libc-mmsg` sends and receives each batch
    /// with one `sendmmsg`/`recvmmsg`; one op = one message.
    Batch,
    /// Bare syscall cost, no transport: `getppid` and a `recv` failing with `EAGAIN`, inline,
    /// through C frames, glibc, socklab and rustix ([`syscall`]); one op = one call. Not in the
    /// default run.
    Syscall,
}

impl Mode {
    /// Every mode, in table order.
    pub const ALL: [Mode; 5] = [
        Mode::SameThread,
        Mode::Rtt,
        Mode::Stream,
        Mode::Batch,
        Mode::Syscall,
    ];

    /// The schema name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::SameThread => "same-thread",
            Mode::Rtt => "rtt",
            Mode::Stream => "stream",
            Mode::Batch => "batch",
            Mode::Syscall => "syscall",
        }
    }

    /// The transports a mode runs on when `--transport` is not given (batching is a datagram
    /// matter: `sendmmsg` on a stream is one `sendmsg` per message).
    fn default_transports(self) -> &'static [Transport] {
        match self {
            Mode::Batch => &[Transport::Udp, Transport::UnixDgram],
            Mode::Syscall => &[],
            _ => &Transport::ALL,
        }
    }

    /// Whether the mode can run on `t` (`syscall` has no transport: it makes no groups).
    fn allows(self, t: Transport) -> bool {
        match self {
            Mode::Batch => !t.is_stream(),
            Mode::Syscall => false,
            _ => true,
        }
    }

    /// The paths a mode runs when `--paths` is not given: every path that has the mode's
    /// operations (`libc-mmsg` and its twin `c-mmsg` only in batch, `libc-gso` only in stream,
    /// where it is skipped with a note on transports other than udp).
    pub fn default_paths(self) -> Vec<PathName> {
        let mmsg = |p| matches!(p, PathName::LibcMmsg | PathName::CMmsg);
        PathName::ALL
            .into_iter()
            .filter(|&p| self == Mode::Batch || !mmsg(p))
            .filter(|&p| self == Mode::Stream || p != PathName::LibcGso)
            .collect()
    }
}

named_enum!(Mode, "mode");

/// Where the threads of a run are pinned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pin {
    /// Every thread on the first allowed CPU: no cross-core wakeups.
    Same,
    /// The measuring thread on the first allowed CPU, its peer (echo, sender) on the second.
    Split,
    /// No affinity calls: the scheduler decides.
    None,
}

impl Pin {
    /// The flag value.
    pub fn name(self) -> &'static str {
        match self {
            Pin::Same => "same",
            Pin::Split => "split",
            Pin::None => "none",
        }
    }
}

impl FromStr for Pin {
    type Err = String;
    fn from_str(s: &str) -> Result<Pin, String> {
        [Pin::Same, Pin::Split, Pin::None]
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown pin mode {s:?}"))
    }
}

/// The modes of a run without `--mode`.
pub const DEFAULT_MODES: [Mode; 4] = [Mode::SameThread, Mode::Rtt, Mode::Batch, Mode::Stream];

/// Largest `--batch`: the kernel's `UIO_MAXIOV`, the most messages one `sendmmsg` takes.
pub const MAX_BATCH: usize = 1024;

/// What to measure. `Default` is the `socklab compare` default run.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Modes, in order; empty = [`DEFAULT_MODES`] (each skipped where no transport fits).
    pub modes: Vec<Mode>,
    /// Transports; empty = each mode's default.
    pub transports: Vec<Transport>,
    /// Message sizes in bytes.
    pub sizes: Vec<usize>,
    /// Paths; empty = each mode's default.
    pub paths: Vec<PathName>,
    /// Measured operations per path and row.
    pub iters: u64,
    /// Unrecorded operations per path before the first round.
    pub warmup: u64,
    /// Interleaved rounds the iterations are split into (the bootstrap's unit).
    pub rounds: usize,
    /// Thread pinning.
    pub pin: Pin,
    /// Messages per batch in `batch` mode.
    pub batch: usize,
    /// Hold `/dev/cpu_dma_latency` at 0 during the run.
    pub dma_latency: bool,
    /// Count `syscalls_per_op` under strace after the timed run.
    pub count_syscalls: bool,
    /// Operations per row in the strace run.
    pub count_ops: u64,
    /// Run the Nagle canary (when TCP is measured).
    pub nagle: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            modes: Vec::new(),
            transports: Vec::new(),
            sizes: vec![64],
            paths: Vec::new(),
            iters: 20_000,
            warmup: 2_000,
            rounds: 50,
            pin: Pin::Same,
            batch: 32,
            dma_latency: false,
            count_syscalls: true,
            count_ops: 200,
            nagle: true,
        }
    }
}

/// One table section: a mode, transport and size, and the paths interleaved in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// The mode.
    pub mode: Mode,
    /// The transport.
    pub transport: Transport,
    /// Message size in bytes.
    pub size: usize,
    /// Paths, `c` first when present.
    pub paths: Vec<PathName>,
}

/// `v` without repeats, first occurrence kept: `--mode rtt,rtt` runs rtt once.
fn merged<T: PartialEq + Copy>(v: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(v.len());
    for &x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

impl Config {
    /// The transports `mode` runs on under this config (repeats merged).
    fn transports_for(&self, mode: Mode) -> Vec<Transport> {
        if self.transports.is_empty() {
            mode.default_transports().to_vec()
        } else {
            let t = merged(&self.transports).into_iter();
            t.filter(|&t| mode.allows(t)).collect()
        }
    }

    /// The message sizes, repeats merged, in the order given.
    pub fn sizes(&self) -> Vec<usize> {
        merged(&self.sizes)
    }

    /// The modes of the run: the given ones (repeats merged), or the defaults that have a
    /// transport.
    pub fn modes(&self) -> Vec<Mode> {
        if self.modes.is_empty() {
            let fits = |m: &Mode| !self.transports_for(*m).is_empty();
            DEFAULT_MODES.into_iter().filter(fits).collect()
        } else {
            merged(&self.modes)
        }
    }

    /// The groups of the run, in order: modes × transports × sizes.
    pub fn groups(&self) -> Vec<Group> {
        let mut out = Vec::new();
        for mode in self.modes() {
            let mut paths = if self.paths.is_empty() {
                mode.default_paths()
            } else {
                self.paths.clone()
            };
            paths.sort();
            paths.dedup();
            for transport in self.transports_for(mode) {
                for size in self.sizes() {
                    out.push(Group {
                        mode,
                        transport,
                        size,
                        paths: paths.clone(),
                    });
                }
            }
        }
        out
    }

    /// Checks the flags: every error is one line naming the flag and the allowed values.
    ///
    /// # Errors
    /// `--iters 0`, `--iters` below `--rounds` (a round without samples; one sample per round
    /// gives a zero-width interval), a size of 0 or over the transport's maximum, `--pin split`
    /// with fewer than two CPUs, a mode without a transport, a batch outside 1..=1024, a batch
    /// whose messages do not fit the socket buffers ([`paths::queue_capacity`], probed on
    /// loopback: a `sendmmsg` would block forever or the receiver would lose datagrams).
    pub fn validate(&self) -> Result<(), String> {
        if self.iters == 0 {
            return Err("--iters: must be at least 1".into());
        }
        if self.rounds == 0 || self.count_ops == 0 {
            return Err("--rounds: must be at least 1".into());
        }
        if self.iters < self.rounds as u64 {
            return Err(format!(
                "--iters: {} is below --rounds {}: every interleaved round needs samples (raise \
                 --iters or lower --rounds)",
                self.iters, self.rounds
            ));
        }
        if !(1..=MAX_BATCH).contains(&self.batch) {
            return Err(format!(
                "--batch: {} is out of range (allowed: 1..={MAX_BATCH})",
                self.batch
            ));
        }
        if self.sizes.is_empty() {
            return Err("--size: give at least one value".into());
        }
        for mode in self.modes().into_iter().filter(|&m| m != Mode::Syscall) {
            let transports = self.transports_for(mode);
            if transports.is_empty() {
                return Err(format!(
                    "--transport: mode {mode} needs a datagram transport (allowed: udp, unixdgram)"
                ));
            }
            for t in transports {
                for &size in &self.sizes {
                    if size == 0 || size > t.max_size() {
                        return Err(format!(
                            "--size: {size} is out of range for {t} (allowed: 1..={} for \
                             datagrams, 1..={} for streams)",
                            paths::MAX_DATAGRAM,
                            paths::MAX_STREAM
                        ));
                    }
                }
            }
        }
        self.check_batches_fit()?;
        if self.pin == Pin::Split {
            let cpus = crate::sys::sched_getaffinity(0).map_or(1, |s| s.count());
            if cpus < 2 {
                return Err(format!(
                    "--pin: split needs 2 CPUs, this process may use {cpus} (allowed: same, none)"
                ));
            }
        }
        Ok(())
    }
}

impl Config {
    /// Refuses a batch group whose `--batch` messages of `--size` bytes a fresh pair cannot
    /// queue (probed with [`paths::queue_capacity`]), when a path of the group sends the batch
    /// before receiving it (`libc-mmsg`, `c-mmsg`).
    fn check_batches_fit(&self) -> Result<(), String> {
        let queues = |g: &Group| {
            g.mode == Mode::Batch
                && g.paths
                    .iter()
                    .any(|p| matches!(p, PathName::LibcMmsg | PathName::CMmsg))
        };
        for g in self.groups().iter().filter(|g| queues(g)) {
            let (t, size, n) = (g.transport, g.size, self.batch);
            let fit = paths::queue_capacity(t, size, n)
                .map_err(|e| format!("--batch: probing the {t} socket buffers: {e}"))?;
            if fit < n {
                return Err(format!(
                    "--batch: {n} messages of {size} B do not fit the {t} socket buffers (only \
                     {fit} queue before the receiver reads; sendmmsg would block or datagrams \
                     be lost): lower --batch or --size, or raise net.core.wmem_max/rmem_max"
                ));
            }
        }
        Ok(())
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
    /// `Some(n)` for `libc-mmsg` in batch mode.
    pub batch: Option<usize>,
    /// Latencies.
    pub summary: stats::Summary,
    /// `median_ns / c's median_ns` in the same group; `None` without a `c` row.
    pub ratio_to_c: Option<f64>,
    /// Bootstrap 95% interval of the ratio over the interleaved rounds.
    pub ratio_ci95: Option<[f64; 2]>,
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
    /// Throughput at the receiver (stream mode).
    pub mbit_s: Option<f64>,
    /// Messages sent minus received (stream mode).
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

/// Everything a run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_groups_are_valid() {
        let cfg = Config::default();
        cfg.validate().unwrap();
        let groups = cfg.groups();
        assert!(
            groups.iter().all(|g| g.paths[0] == PathName::C),
            "c first in every mode"
        );
        assert!(groups
            .iter()
            .all(|g| g.mode != Mode::Batch || !g.transport.is_stream()));
    }

    #[test]
    fn bad_flags_name_the_flag() {
        let bad = |f: fn(&mut Config)| {
            let mut c = Config::default();
            f(&mut c);
            c.validate().unwrap_err()
        };
        assert!(bad(|c| c.iters = 0).starts_with("--iters"));
        assert!(bad(|c| c.sizes = vec![0]).starts_with("--size"));
        assert!(bad(|c| c.sizes = vec![65_508]).starts_with("--size"));
        assert!(bad(|c| c.batch = 0).starts_with("--batch"));
        let tcp_batch = |c: &mut Config| {
            c.modes = vec![Mode::Batch];
            c.transports = vec![Transport::Tcp];
        };
        assert!(bad(tcp_batch).starts_with("--transport"));
        let tcp_only = Config {
            transports: vec![Transport::Tcp],
            sizes: vec![65_536],
            ..Config::default()
        };
        tcp_only.validate().unwrap();
        assert!(!tcp_only.modes().contains(&Mode::Batch));
    }
}
