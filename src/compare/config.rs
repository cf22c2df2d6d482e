//! What a run measures: the [`Mode`]s, the [`Config`] the CLI fills, the [`Group`]s it expands
//! to (mode × transport × size, each with its paths) and the checks that refuse a run that
//! cannot be measured honestly ([`Config::validate`], [`ConfigError`]).

use std::fmt;

use super::paths::{self, PathGroup, PathName, Transport};
use crate::sys;

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
    /// through C frames, glibc, socklab and rustix ([`super::syscall`]); one op = one call. Not in the
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
    /// operations (`libc-mmsg` and its twin `c-mmsg` only in batch, `libc-gso` and `c-gso` only
    /// in stream, where they are skipped with a note on transports other than udp:
    /// [`PathName::only_in`]), but the event-driven ones ([`PathName::is_event`]), which run
    /// when asked for (`--paths event`, [`PathGroup::Event`]).
    pub fn default_paths(self) -> Vec<PathName> {
        PathName::ALL
            .into_iter()
            .filter(|p| p.only_in().is_none_or(|m| m == self) && !p.is_event())
            .collect()
    }
}

named_enum!(Mode, "mode");

/// Where the threads of a run are pinned ([`Config::pin`] for same-thread, rtt and batch,
/// [`Config::stream_pin`] for stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pin {
    /// Every thread on the first allowed CPU: no cross-core wakeups. In stream mode the sender
    /// and the receiver then take turns on one CPU, so the figures measure the scheduler too.
    Same,
    /// The measuring thread on the first allowed CPU, its peer (echo, sender) on the second.
    Split,
    /// No affinity calls: the scheduler decides.
    None,
}

impl Pin {
    /// Every pinning, in `--help` order.
    pub const ALL: [Pin; 3] = [Pin::Same, Pin::Split, Pin::None];

    /// The flag value.
    pub fn name(self) -> &'static str {
        match self {
            Pin::Same => "same",
            Pin::Split => "split",
            Pin::None => "none",
        }
    }
}

named_enum!(Pin, "pin mode");

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
    /// Paths; empty (and no [`Config::path_groups`]) = each mode's default.
    pub paths: Vec<PathName>,
    /// Named sets of paths added to [`Config::paths`] (`--paths event`, `all`), expanded per
    /// mode ([`PathGroup::paths`]).
    pub path_groups: Vec<PathGroup>,
    /// Measured operations per path and row.
    pub iters: u64,
    /// Unrecorded operations per path before the first round.
    pub warmup: u64,
    /// Interleaved rounds the iterations are split into (the bootstrap's unit).
    pub rounds: usize,
    /// Thread pinning of same-thread, rtt, batch and syscall mode.
    pub pin: Pin,
    /// Thread pinning of stream mode: [`Pin::Split`] by default (sender and receiver on two
    /// CPUs: the rate of the path, not of the scheduler's turns); where this process may use one
    /// CPU only, `Split` here runs as [`Pin::Same`] with a note.
    pub stream_pin: Pin,
    /// Messages per batch in `batch` mode; with a sweep ([`Config::batches`]), the batch of the
    /// per-call paths' samples (a row per message either way).
    pub batch: usize,
    /// A batch sweep: every batch size here runs for the batched paths (`libc-mmsg`, `c-mmsg`)
    /// in one interleaved group, each a row with its `batch`; empty = [`Config::batch`] alone.
    pub batches: Vec<usize>,
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
            path_groups: Vec::new(),
            iters: 20_000,
            warmup: 2_000,
            rounds: 50,
            pin: Pin::Same,
            stream_pin: Pin::Split,
            batch: 32,
            batches: Vec::new(),
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
    /// Paths, `c` first.
    pub paths: Vec<PathName>,
    /// Batch mode: the batch sizes each batched path ([`PathName::is_batched`]) runs at, one
    /// slot and row each; empty in the other modes.
    pub batches: Vec<usize>,
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

    /// The batch sizes of batch mode: [`Config::batches`] (repeats merged, in the order
    /// given), or [`Config::batch`] alone.
    pub fn batch_sizes(&self) -> Vec<usize> {
        if self.batches.is_empty() {
            vec![self.batch]
        } else {
            merged(&self.batches)
        }
    }

    /// The largest batch of the run (the per-call paths' and every batch size): batch-mode
    /// rounds are whole batches of it.
    pub fn max_batch(&self) -> usize {
        self.batch_sizes().into_iter().fold(self.batch, usize::max)
    }

    /// The pinning of `mode`'s threads: [`Config::stream_pin`] for stream, [`Config::pin`]
    /// otherwise (before the one-CPU fallback of `split` in stream mode).
    pub fn pin_for(&self, mode: Mode) -> Pin {
        if mode == Mode::Stream {
            self.stream_pin
        } else {
            self.pin
        }
    }

    /// The paths `--paths` asks of `mode`: the paths given and the groups' paths in that mode,
    /// or the mode's defaults when neither is given. A given path that cannot run `mode`
    /// ([`PathName::runs_in`]: an event path in stream or batch) is left out.
    fn asked_paths(&self, mode: Mode) -> Vec<PathName> {
        if self.paths.is_empty() && self.path_groups.is_empty() {
            return mode.default_paths();
        }
        let given = self.paths.iter().copied().filter(|p| p.runs_in(mode));
        let grouped = self.path_groups.iter().flat_map(|g| g.paths(mode));
        merged(&given.chain(grouped).collect::<Vec<_>>())
    }

    /// The paths of one group of `mode` on `transport`: `--paths` (or the mode's defaults) plus
    /// what the ratios are taken to, `c` and each path's C twin on `transport` (so neither
    /// `ratio_to_c` nor `ratio_to_twin` is null for want of a row), in table order.
    fn group_paths(&self, mode: Mode, transport: Transport) -> Vec<PathName> {
        let mut paths = self.asked_paths(mode);
        let twins: Vec<PathName> = paths.iter().filter_map(|p| p.twin(transport)).collect();
        paths.push(PathName::C);
        paths.extend(twins);
        paths.sort();
        paths.dedup();
        paths
    }

    /// The modes of the run: the given ones (repeats merged), or the defaults that have a
    /// transport and, when `--paths` is given, a path asked for (`--paths tokio` runs
    /// same-thread and rtt, `--paths event` no stream).
    pub fn modes(&self) -> Vec<Mode> {
        if self.modes.is_empty() {
            let fits =
                |m: &Mode| !self.transports_for(*m).is_empty() && !self.asked_paths(*m).is_empty();
            DEFAULT_MODES.into_iter().filter(fits).collect()
        } else {
            merged(&self.modes)
        }
    }

    /// The groups of the run, in order: modes × transports × sizes, each with `c` and the C
    /// twins of its paths added.
    pub fn groups(&self) -> Vec<Group> {
        let mut out = Vec::new();
        for mode in self.modes() {
            let batches = if mode == Mode::Batch {
                self.batch_sizes()
            } else {
                Vec::new()
            };
            for transport in self.transports_for(mode) {
                let paths = self.group_paths(mode, transport);
                for size in self.sizes() {
                    out.push(Group {
                        mode,
                        transport,
                        size,
                        paths: paths.clone(),
                        batches: batches.clone(),
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
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.check_counts()?;
        self.check_sizes()?;
        self.check_paths()?;
        self.check_batches_fit()?;
        self.check_pin()
    }

    /// `--iters`, `--rounds` and `--batch`: each within its range, and samples in every round.
    fn check_counts(&self) -> Result<(), ConfigError> {
        if self.iters == 0 {
            return Err(ConfigError::NoIters);
        }
        if self.rounds == 0 || self.count_ops == 0 {
            return Err(ConfigError::NoRounds);
        }
        if self.iters < self.rounds as u64 {
            return Err(ConfigError::ItersBelowRounds {
                iters: self.iters,
                rounds: self.rounds,
            });
        }
        let sweep = self.batches.iter();
        if let Some(&bad) = sweep
            .chain([&self.batch])
            .find(|b| !(1..=MAX_BATCH).contains(*b))
        {
            return Err(ConfigError::BatchOutOfRange(bad));
        }
        Ok(())
    }

    /// `--size`: at least one, and each within every transport's range; every mode (but
    /// `syscall`) has a transport it can run on.
    fn check_sizes(&self) -> Result<(), ConfigError> {
        if self.sizes.is_empty() {
            return Err(ConfigError::NoSize);
        }
        for mode in self.modes().into_iter().filter(|&m| m != Mode::Syscall) {
            let transports = self.transports_for(mode);
            if transports.is_empty() {
                return Err(ConfigError::NoTransport(mode));
            }
            for transport in transports {
                for &size in &self.sizes {
                    if size == 0 || size > transport.max_size() {
                        return Err(ConfigError::SizeOutOfRange { size, transport });
                    }
                }
            }
        }
        Ok(())
    }

    /// `--paths`: every mode of the run has a path asked for (`--mode stream --paths tokio`
    /// has none: the event paths do not run in stream mode).
    fn check_paths(&self) -> Result<(), ConfigError> {
        let modes = self.modes().into_iter().filter(|&m| m != Mode::Syscall);
        match modes.into_iter().find(|&m| self.asked_paths(m).is_empty()) {
            Some(mode) => Err(ConfigError::NoPathInMode(mode)),
            None => Ok(()),
        }
    }

    /// Refuses a batch group whose largest `--batch` of messages of `--size` bytes a fresh
    /// pair cannot queue (probed with [`paths::queue_capacity`]), when a path of the group
    /// sends the batch before receiving it (the batched paths: `libc-mmsg`, `c-mmsg`).
    fn check_batches_fit(&self) -> Result<(), ConfigError> {
        let queues = |g: &Group| g.mode == Mode::Batch && g.paths.iter().any(|p| p.is_batched());
        for g in self.groups().iter().filter(|g| queues(g)) {
            let batch = g.batches.iter().copied().max().unwrap_or(self.batch);
            let (transport, size) = (g.transport, g.size);
            let fit = paths::queue_capacity(transport, size, batch)
                .map_err(|source| ConfigError::BatchProbe { transport, source })?;
            if fit < batch {
                return Err(ConfigError::BatchDoesNotFit {
                    batch,
                    size,
                    transport,
                    fit,
                });
            }
        }
        Ok(())
    }

    /// `--pin split` needs two CPUs this process may use ([`Config::stream_pin`]'s default
    /// `split` falls back to `same` with a note instead).
    fn check_pin(&self) -> Result<(), ConfigError> {
        if self.pin == Pin::Split {
            let cpus = sys::sched_getaffinity(0).map_or(1, |s| s.count());
            if cpus < 2 {
                return Err(ConfigError::SplitNeedsTwoCpus { cpus });
            }
        }
        Ok(())
    }
}

/// Why [`Config::validate`] refuses a run: each prints as one line naming the flag and the
/// allowed values (`--iters: must be at least 1`), as the CLI shows it with exit code 2.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `--iters 0`.
    NoIters,
    /// `--rounds 0` (or no operations per row for the strace count).
    NoRounds,
    /// Fewer iterations than rounds: a round without samples.
    ItersBelowRounds {
        /// `--iters`.
        iters: u64,
        /// `--rounds`.
        rounds: usize,
    },
    /// `--batch` outside `1..=`[`MAX_BATCH`].
    BatchOutOfRange(usize),
    /// No `--size` at all.
    NoSize,
    /// A mode with no transport it can run on (`batch` given only stream transports).
    NoTransport(Mode),
    /// A mode none of the `--paths` given runs in (an event path in stream mode).
    NoPathInMode(Mode),
    /// A size of 0, or above the transport's maximum ([`Transport::max_size`]).
    SizeOutOfRange {
        /// The size given.
        size: usize,
        /// The transport it does not fit.
        transport: Transport,
    },
    /// Probing how many messages the socket buffers queue failed.
    BatchProbe {
        /// The transport probed.
        transport: Transport,
        /// The failing call.
        source: sys::Error,
    },
    /// `--batch` messages of `--size` bytes do not fit the socket buffers: `sendmmsg` would
    /// block or the receiver would lose datagrams.
    BatchDoesNotFit {
        /// `--batch`.
        batch: usize,
        /// `--size`.
        size: usize,
        /// The transport.
        transport: Transport,
        /// How many did queue before the receiver read.
        fit: usize,
    },
    /// `--pin split` where this process may use fewer than two CPUs.
    SplitNeedsTwoCpus {
        /// The CPUs it may use.
        cpus: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NoIters => f.write_str("--iters: must be at least 1"),
            ConfigError::NoRounds => f.write_str("--rounds: must be at least 1"),
            ConfigError::ItersBelowRounds { iters, rounds } => write!(
                f,
                "--iters: {iters} is below --rounds {rounds}: every interleaved round needs \
                 samples (raise --iters or lower --rounds)"
            ),
            ConfigError::BatchOutOfRange(batch) => write!(
                f,
                "--batch: {batch} is out of range (allowed: 1..={MAX_BATCH})"
            ),
            ConfigError::NoSize => f.write_str("--size: give at least one value"),
            ConfigError::NoTransport(mode) => write!(
                f,
                "--transport: mode {mode} needs a datagram transport (allowed: udp, unixdgram)"
            ),
            ConfigError::NoPathInMode(mode) => write!(
                f,
                "--paths: none of the paths given runs in mode {mode} (the event paths run in \
                 same-thread and rtt, io-uring-batch in batch; allowed here: {})",
                PathGroup::Default
                    .paths(*mode)
                    .iter()
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ConfigError::SizeOutOfRange { size, transport } => write!(
                f,
                "--size: {size} is out of range for {transport} (allowed: 1..={} for \
                 datagrams, 1..={} for streams)",
                paths::MAX_DATAGRAM,
                paths::MAX_STREAM
            ),
            ConfigError::BatchProbe { transport, source } => {
                write!(
                    f,
                    "--batch: probing the {transport} socket buffers: {source}"
                )
            }
            ConfigError::BatchDoesNotFit {
                batch,
                size,
                transport,
                fit,
            } => write!(
                f,
                "--batch: {batch} messages of {size} B do not fit the {transport} socket \
                 buffers (only {fit} queue before the receiver reads; sendmmsg would block or \
                 datagrams be lost): lower --batch or --size, or raise \
                 net.core.wmem_max/rmem_max"
            ),
            ConfigError::SplitNeedsTwoCpus { cpus } => write!(
                f,
                "--pin: split needs 2 CPUs, this process may use {cpus} (allowed: same, none)"
            ),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::BatchProbe { source, .. } => Some(source),
            _ => None,
        }
    }
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
            c.validate().unwrap_err().to_string()
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
        let stream_tokio = |c: &mut Config| {
            c.modes = vec![Mode::Stream];
            c.paths = vec![PathName::Tokio];
        };
        assert!(
            bad(stream_tokio).starts_with("--paths: none of the paths given runs in mode stream")
        );
    }

    /// The event paths run when asked for: `--paths event` adds them (and leaves stream out),
    /// `--paths tokio` runs same-thread and rtt, the default run has none of them.
    #[test]
    fn event_paths_run_when_asked_for() {
        let d = Config::default();
        assert!(d
            .groups()
            .iter()
            .all(|g| g.paths.iter().all(|p| !p.is_event())));
        let event = Config {
            path_groups: vec![PathGroup::Event],
            ..Config::default()
        };
        event.validate().unwrap();
        assert_eq!(event.modes(), [Mode::SameThread, Mode::Rtt, Mode::Batch]);
        let rtt_udp = event
            .groups()
            .into_iter()
            .find(|g| g.mode == Mode::Rtt && g.transport == Transport::Udp)
            .unwrap();
        use PathName as P;
        assert_eq!(
            rtt_udp.paths,
            [
                P::C,
                P::CSendRecv,
                P::CEpoll,
                P::CIoUring,
                P::CBusyPoll,
                P::LibcSendRecv,
                P::LibcEpoll,
                P::Mio,
                P::Tokio,
                P::IoUring,
                P::LibcBusyPoll
            ]
        );
        let tokio = Config {
            paths: vec![P::Tokio],
            ..Config::default()
        };
        assert_eq!(tokio.modes(), [Mode::SameThread, Mode::Rtt]);
        let all = Config {
            path_groups: vec![PathGroup::All],
            ..Config::default()
        };
        assert_eq!(all.modes(), DEFAULT_MODES);
    }
}
