//! The measuring loop of `socklab compare`: per group, every path gets its own pair (and echo
//! or sender thread), then rounds run the paths in turn (ABCD ABCD…) recording each op.
//!
//! Also here: the Nagle canary and the harness' own overhead per sample.

use std::io;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::env::{self, Env};
use super::paths::{self, Path, PathName, Transport};
use super::stats::{self, Recorder};
use super::{count, Config, Group, Mode, Nagle, Pin, Report, Row};
use crate::sys::cfloor::twins;
use crate::sys::{self, opt::SoRcvTimeo};

/// How long a datagram receiver in `stream` mode waits before it asks whether the sender is done
/// (a datagram lost on loopback never arrives, so the round ends on this timeout).
const STREAM_DGRAM_TIMEOUT: Duration = Duration::from_millis(5);

/// The CPUs the run pins to: `(measuring thread, peer thread)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cpus {
    /// The CPU of the measuring (main) thread, `None` unpinned.
    pub main: Option<usize>,
    /// The CPU of the echo / sender thread, `None` unpinned.
    pub peer: Option<usize>,
}

impl Cpus {
    /// The CPUs for `pin` among the CPUs this process may use.
    ///
    /// # Errors
    /// `sched_getaffinity`'s error; `EINVAL` for `split` with fewer than two CPUs.
    pub fn for_pin(pin: Pin) -> io::Result<Cpus> {
        if pin == Pin::None {
            return Ok(Cpus::default());
        }
        let allowed: Vec<usize> = sys::sched_getaffinity(0)?.iter().collect();
        let first = allowed.first().copied();
        let peer = match pin {
            Pin::Split => Some(*allowed.get(1).ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "--pin split needs 2 CPUs")
            })?),
            _ => first,
        };
        Ok(Cpus { main: first, peer })
    }

    /// Pins the calling thread to `cpu` (nothing for `None`).
    ///
    /// # Errors
    /// `sched_setaffinity`'s error.
    pub fn pin_here(cpu: Option<usize>) -> io::Result<()> {
        if let Some(cpu) = cpu {
            sys::sched_setaffinity(0, &sys::CpuSet::single(cpu)?)?;
        }
        Ok(())
    }
}

/// Nanoseconds between two instants, for the histograms.
#[inline]
fn ns(from: Instant, to: Instant) -> u64 {
    to.duration_since(from).as_nanos() as u64
}

/// The sender thread of `stream` mode: told how many messages to send, replies when done.
struct Sender {
    cmd: mpsc::Sender<u64>,
    done: mpsc::Receiver<io::Result<u64>>,
    handle: JoinHandle<()>,
}

impl Sender {
    fn spawn(mut a: Box<dyn Path>, size: usize, cpu: Option<usize>) -> Sender {
        let (cmd, cmd_rx) = mpsc::channel::<u64>();
        let (done_tx, done) = mpsc::channel();
        let handle = std::thread::spawn(move || {
            if let Err(e) = Cpus::pin_here(cpu) {
                let _ = done_tx.send(Err(e));
                return;
            }
            let buf = vec![0xA5u8; size];
            for k in cmd_rx {
                let r = a.send_stream(&buf, k).map(|()| k);
                if done_tx.send(r).is_err() {
                    break;
                }
            }
        });
        Sender { cmd, done, handle }
    }
}

/// One path set up for one mode: its pair, its echo (rtt) or sender (stream) thread, its
/// samples. The unit the harness interleaves, and what `benches/` can time with `iter_custom`:
///
/// ```
/// use socklab::compare::harness::{Cpus, Slot};
/// use socklab::compare::paths::{PathName, Transport};
/// use socklab::compare::Mode;
/// let mut slot = Slot::new(Mode::Rtt, Transport::Udp, 64, 1, PathName::Std, Cpus::default())?;
/// let t = std::time::Instant::now();
/// slot.run(100, false)?;                  // 100 round trips against the echo thread
/// let elapsed = t.elapsed();
/// slot.finish()?;                          // stops and joins the echo thread
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Slot {
    /// The path.
    pub path: PathName,
    mode: Mode,
    batch: usize,
    a: Option<Box<dyn Path>>,
    b: Option<Box<dyn Path>>,
    echo: Option<JoinHandle<io::Result<u64>>>,
    sender: Option<Sender>,
    buf: Vec<u8>,
    /// `c-inline`'s timestamps, taken in C.
    stamps: Vec<i64>,
    /// Samples.
    pub rec: Recorder,
    /// Stream mode: messages the sender reported sent.
    pub sent: u64,
    /// Stream mode: messages received.
    pub received: u64,
    /// Stream mode: time from each round's start to its last message.
    pub busy: Duration,
}

impl Slot {
    /// Makes `path`'s pair on `transport` for `size`-byte messages and starts its echo (rtt)
    /// or sender (stream) thread, on `cpus.peer`. `batch` is the messages per op in batch mode.
    ///
    /// # Errors
    /// [`paths::make`]'s error (`Unsupported` for a path without this mode's operations).
    pub fn new(
        mode: Mode,
        transport: Transport,
        size: usize,
        batch: usize,
        path: PathName,
        cpus: Cpus,
    ) -> io::Result<Slot> {
        let group = Group {
            mode,
            transport,
            size,
            paths: Vec::new(),
        };
        let (a, b) = paths::make(path, group.transport, group.size)?;
        let mut slot = Slot {
            path,
            mode,
            batch: batch.max(1),
            a: Some(a),
            b: Some(b),
            echo: None,
            sender: None,
            buf: vec![0x5Au8; group.size],
            stamps: Vec::new(),
            rec: Recorder::new(),
            sent: 0,
            received: 0,
            busy: Duration::ZERO,
        };
        match group.mode {
            Mode::Rtt => {
                let b = slot.b.take().expect("b is set above");
                slot.echo = Some(paths::spawn_echo(b, group.size, cpus.peer));
            }
            Mode::Stream => {
                let b = slot.b.as_ref().expect("b is set above");
                if !group.transport.is_stream() {
                    sys::set_opt(b, SoRcvTimeo, Some(STREAM_DGRAM_TIMEOUT))?;
                }
                let a = slot.a.take().expect("a is set above");
                slot.sender = Some(Sender::spawn(a, group.size, cpus.peer));
            }
            Mode::SameThread | Mode::Batch => {}
            Mode::Syscall => return Err(io::ErrorKind::Unsupported.into()),
        }
        Ok(slot)
    }

    /// Runs `k` operations of the slot's mode (in batch mode, `k` messages rounded up to whole
    /// batches), recording each into `rec` if `record`.
    ///
    /// # Errors
    /// The first failing call.
    pub fn run(&mut self, k: u64, record: bool) -> io::Result<()> {
        let batch = self.batch;
        if self.path == PathName::CInline && self.mode != Mode::Stream {
            return self.timed_in_c(k, record);
        }
        match self.mode {
            Mode::SameThread => self.timed(k, 1, record, |a, b, buf| {
                a.pair_once(b.expect("same-thread keeps b"), buf)
            }),
            Mode::Rtt => self.timed(k, 1, record, |a, _, buf| a.rtt_once(buf)),
            Mode::Batch => {
                let n = batch;
                self.timed(batches(k, n), n as u64, record, |a, b, buf| {
                    a.batch_once(b.expect("batch keeps b"), buf, n)
                })
            }
            Mode::Stream => self.stream_round(k, record),
            Mode::Syscall => Err(io::ErrorKind::Unsupported.into()),
        }
    }

    /// The timed loop: `k` samples of `op`, each standing for `per` operations. `op` gets the
    /// measuring end, the other end when this thread holds it (not in rtt) and the buffer.
    fn timed(
        &mut self,
        k: u64,
        per: u64,
        record: bool,
        mut op: impl FnMut(&mut dyn Path, Option<&mut dyn Path>, &mut [u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let a = self.a.as_deref_mut().expect("a is kept in this mode");
        let mut t0 = Instant::now();
        for _ in 0..k {
            let b = self.b.as_deref_mut().map(|b| b as &mut dyn Path);
            op(a, b, &mut self.buf)?;
            let t1 = Instant::now();
            if record {
                self.rec.record(ns(t0, t1) / per, per);
            }
            t0 = t1;
        }
        Ok(())
    }

    /// `c-inline`'s loop: the samples are timed in C (`clock_gettime` after each), so no function
    /// frame spans a syscall — not even the harness' per-op call every other path makes.
    fn timed_in_c(&mut self, k: u64, record: bool) -> io::Result<()> {
        let per = if self.mode == Mode::Batch {
            self.batch as u64
        } else {
            1
        };
        let samples = if self.mode == Mode::Batch {
            batches(k, self.batch)
        } else {
            k
        };
        if samples == 0 {
            return Ok(());
        }
        self.stamps.resize(samples as usize + 1, 0);
        let a = self.a.as_deref().expect("a is kept in this mode");
        let rx = self.b.as_deref().map_or(a.as_fd(), |b| b.as_fd());
        let stream = a.is_stream();
        twins::pair_stamps(
            twins::Call::Inline,
            a,
            rx,
            &mut self.buf,
            stream,
            per,
            &mut self.stamps,
        )?;
        if record {
            for w in self.stamps.windows(2) {
                let d = u64::try_from(w[1] - w[0]).unwrap_or(0);
                self.rec.record(d / per, per);
            }
        }
        Ok(())
    }

    /// One stream round: asks the sender for `k` messages, receives until all arrived or (for
    /// datagrams) the sender is done and the socket stays quiet.
    fn stream_round(&mut self, k: u64, record: bool) -> io::Result<()> {
        let sender = self.sender.as_ref().expect("stream slots have a sender");
        let b = self.b.as_deref_mut().expect("stream slots keep b");
        sender.cmd.send(k).map_err(|_| sender_gone())?;
        let start = Instant::now();
        let mut prev = start;
        let mut got = 0;
        let mut sent = None;
        while got < k {
            match b.recv_count(&mut self.buf) {
                Ok(n) => {
                    let t = Instant::now();
                    if record {
                        self.rec.record(ns(prev, t) / n.max(1), n.max(1));
                    }
                    prev = t;
                    got += n;
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    match sender.done.try_recv() {
                        Ok(r) => {
                            sent = Some(r?);
                            break;
                        }
                        Err(mpsc::TryRecvError::Empty) => continue,
                        Err(mpsc::TryRecvError::Disconnected) => return Err(sender_gone()),
                    }
                }
                Err(e) => return Err(e),
            }
        }
        let sent = match sent {
            Some(s) => s,
            None => sender.done.recv().map_err(|_| sender_gone())??,
        };
        if record {
            self.sent += sent;
            self.received += got;
            self.busy += prev.duration_since(start);
        }
        Ok(())
    }

    /// Stops the peer thread and joins it.
    ///
    /// # Errors
    /// The peer thread's error.
    pub fn finish(mut self) -> io::Result<()> {
        if let Some(echo) = self.echo.take() {
            paths::stop_echo(&**self.a.as_ref().expect("rtt keeps a"))?;
            echo.join().map_err(|_| thread_panicked())??;
        }
        if let Some(s) = self.sender.take() {
            drop(s.cmd);
            s.handle.join().map_err(|_| thread_panicked())?;
        }
        Ok(())
    }
}

fn sender_gone() -> io::Error {
    io::Error::other("stream sender thread ended early")
}

fn thread_panicked() -> io::Error {
    io::Error::other("a peer thread panicked")
}

/// Batches of `n` messages that cover `k` messages.
pub fn batches(k: u64, n: usize) -> u64 {
    k.div_ceil(n as u64)
}

/// Makes the slots of `group`, skipping (with a note) the paths that cannot run it.
///
/// # Errors
/// A setup error other than `Unsupported`.
pub fn slots(
    group: &Group,
    batch: usize,
    cpus: Cpus,
    notes: &mut Vec<String>,
) -> io::Result<Vec<Slot>> {
    let mut out = Vec::new();
    for &p in &group.paths {
        let g = group;
        match Slot::new(g.mode, g.transport, g.size, batch, p, cpus) {
            Ok(s) => out.push(s),
            Err(e) if e.kind() == io::ErrorKind::Unsupported => {
                let note = format!("skipped {e}");
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Ops of round `r` of `rounds` when `total` are split evenly (the first rounds take the rest).
fn round_ops(total: u64, rounds: usize, r: usize) -> u64 {
    let rounds = rounds as u64;
    total / rounds + u64::from((r as u64) < total % rounds)
}

/// Runs `cfg`: every group's paths interleaved round by round, then the Nagle canary, the
/// harness overhead and (unless disabled) the strace count. `progress` gets one status line at
/// a time (with an ETA).
///
/// # Errors
/// A setup or measurement error.
pub fn run(cfg: &Config, progress: &mut dyn FnMut(&str)) -> io::Result<Report> {
    let dma = if cfg.dma_latency {
        match env::DmaLatency::hold_zero() {
            Ok(h) => Some(h),
            Err(e) => {
                progress(&format!(
                    "--dma-latency: /dev/cpu_dma_latency not set: {e}\n"
                ));
                None
            }
        }
    } else {
        None
    };
    let mut environment = Env::capture(cfg.pin.name(), dma.as_ref().map(|_| 0));
    if TraceOff::tracing() {
        environment.trace = Some(
            "on (SOCKLAB_TRACE or --trace): the setup calls are logged; switched off for the \
             measured loops (warm-up and rounds) and the strace count child, whose timings and \
             counts it would inflate"
                .into(),
        );
    }
    let cpus = Cpus::for_pin(cfg.pin)?;
    let unpinned = sys::sched_getaffinity(0)?;
    Cpus::pin_here(cpus.main)?;
    let steal0 = env::steal_ticks();
    let started = Instant::now();

    let groups = cfg.groups();
    let mut notes = Vec::new();
    let mut rows = Vec::new();
    let total_units = groups.len() * cfg.rounds;
    for (gi, group) in groups.iter().enumerate() {
        let mut slots = slots(group, cfg.batch, cpus, &mut notes)?;
        if !slots.iter().any(|s| s.path == PathName::C) {
            let note = format!("{}: no c row, ratio_to_c is null", group.mode);
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        let trace_off = TraceOff::new();
        for s in &mut slots {
            s.run(cfg.warmup, false)?;
        }
        for r in 0..cfg.rounds {
            let done = gi * cfg.rounds + r;
            let eta = if done == 0 {
                String::from("?")
            } else {
                let per = started.elapsed().as_secs_f64() / done as f64;
                format!("{:.0}s", per * (total_units - done) as f64)
            };
            progress(&format!(
                "[{}/{}] {} {} {}B round {}/{} ETA {eta}   ",
                gi + 1,
                groups.len(),
                group.mode,
                group.transport,
                group.size,
                r + 1,
                cfg.rounds
            ));
            // Batch mode splits whole batches over the rounds, so the total stays `iters`
            // rounded up to one batch.
            let k = match group.mode {
                Mode::Batch => {
                    let n = cfg.batch as u64;
                    round_ops(batches(cfg.iters, cfg.batch), cfg.rounds, r) * n
                }
                _ => round_ops(cfg.iters, cfg.rounds, r),
            };
            // Every path once per round (ABCD), each round starting one path later (BCDA…), so
            // neither drift nor going first after a switch favours a path.
            let n = slots.len();
            for i in 0..n {
                let s = &mut slots[(r + i) % n];
                s.run(k, true)?;
                s.rec.end_round();
            }
        }
        drop(trace_off);
        rows.extend(group_rows(group, cfg, &slots));
        notes.extend(gro_notes(group, &slots));
        for s in slots {
            s.finish()?;
        }
    }
    let syscall_rows = if cfg.modes().contains(&Mode::Syscall) {
        let _trace_off = TraceOff::new();
        super::syscall::run(cfg, progress, &mut notes)?
    } else {
        Vec::new()
    };
    progress("\n");
    // The canary and the strace child need no pinning: give the thread its CPUs back.
    sys::sched_setaffinity(0, &unpinned)?;
    environment.cpu_steal_pct = env::steal_pct(steal0, env::steal_ticks());
    drop(dma);

    let wants_nagle = groups.iter().any(|g| g.transport == Transport::Tcp);
    let nagle = if cfg.nagle && wants_nagle {
        progress("nagle canary (write-write-read on TCP, with and without TCP_NODELAY)…\n");
        Some(nagle_canary(NAGLE_ITERS)?)
    } else {
        None
    };
    let overhead_ns = harness_overhead_ns();
    if cfg.count_syscalls {
        progress("counting syscalls per op under strace…\n");
        match count::count(cfg) {
            Ok(counts) => count::apply(&mut rows, &counts),
            Err(why) => {
                progress(&format!("syscalls_per_op: null: {why}\n"));
                notes.push(format!("syscalls_per_op not counted: {why}"));
            }
        }
    }
    Ok(Report {
        env: environment,
        rows,
        nagle,
        overhead_ns,
        notes,
        syscall_rows,
    })
}

/// Switches socklab's call log off while alive (the measured loops) and back on when dropped:
/// a traced loop formats and writes a line per `sys` call (ratios of 1.4-1.8 instead of ~1).
/// The count child (which inherits `SOCKLAB_TRACE`) switches it off itself.
struct TraceOff {
    #[cfg_attr(not(feature = "trace"), allow(dead_code))]
    was_on: bool,
}

impl TraceOff {
    /// Whether the log is printing.
    fn tracing() -> bool {
        #[cfg(feature = "trace")]
        return crate::trace::enabled();
        #[cfg(not(feature = "trace"))]
        return false;
    }

    fn new() -> TraceOff {
        let was_on = TraceOff::tracing();
        #[cfg(feature = "trace")]
        if was_on {
            crate::trace::disable();
        }
        TraceOff { was_on }
    }
}

impl Drop for TraceOff {
    fn drop(&mut self) {
        #[cfg(feature = "trace")]
        if self.was_on {
            crate::trace::enable();
        }
    }
}

/// `libc-gso`'s line: datagrams/s against `libc-sendto-recvfrom` in the same group, the
/// datagrams per `recvmsg` and the segment size GRO reported.
fn gro_notes(group: &Group, slots: &[Slot]) -> Vec<String> {
    let rate = |s: &Slot| s.received as f64 / s.busy.as_secs_f64().max(1e-9);
    let Some(gso) = slots.iter().find(|s| s.path == PathName::LibcGso) else {
        return Vec::new();
    };
    let stats = gso.b.as_deref().and_then(|b| b.gro_stats());
    let per_recv = stats.map_or(String::new(), |(recvs, n, seg)| {
        format!(
            ", {:.1} datagrams per recvmsg (segment size {seg} B, {recvs} recvmsg)",
            n as f64 / recvs.max(1) as f64
        )
    });
    let vs = slots
        .iter()
        .find(|s| s.path == PathName::LibcSendtoRecvfrom)
        .map_or(String::new(), |s| {
            format!(
                " vs libc-sendto-recvfrom {:.0} ({:.2}×)",
                rate(s),
                rate(gso) / rate(s).max(1e-9)
            )
        });
    vec![format!(
        "libc-gso {} {} B: {:.0} datagrams/s{vs}, {} lost of {}{per_recv}",
        group.transport,
        group.size,
        rate(gso),
        gso.sent.saturating_sub(gso.received),
        gso.sent
    )]
}

/// The rows of one measured group, ratios taken to its `c` slot.
fn group_rows(group: &Group, cfg: &Config, slots: &[Slot]) -> Vec<Row> {
    let c = slots.iter().find(|s| s.path == PathName::C);
    let c_median = c.map(|c| c.rec.summary().median_ns);
    let median_of = |p: PathName| {
        let m = slots.iter().find(|s| s.path == p)?.rec.summary().median_ns;
        (m > 0.0).then_some(m)
    };
    let floor = median_of(PathName::CInline);
    slots
        .iter()
        .map(|s| {
            let summary = s.rec.summary();
            let stream = group.mode == Mode::Stream;
            let mbit = |s: &Slot| {
                let bits = (s.received * group.size as u64 * 8) as f64;
                bits / s.busy.as_secs_f64().max(1e-9) / 1e6
            };
            Row {
                mode: group.mode,
                transport: group.transport,
                path: s.path,
                size: group.size,
                batch: (group.mode == Mode::Batch && s.path == PathName::LibcMmsg)
                    .then_some(cfg.batch),
                summary,
                ratio_to_c: c_median.filter(|&m| m > 0.0).map(|m| summary.median_ns / m),
                ratio_ci95: c.and_then(|c| stats::ratio_ci95(s.rec.rounds(), c.rec.rounds())),
                ratio_to_twin: s
                    .path
                    .twin(group.transport)
                    .and_then(median_of)
                    .map(|m| summary.median_ns / m),
                ratio_to_floor: floor.map(|m| summary.median_ns / m),
                syscalls_per_op: None,
                calls: String::new(),
                mbit_s: stream.then(|| mbit(s)),
                lost: stream.then(|| s.sent.saturating_sub(s.received)),
            }
        })
        .collect()
}

/// Exchanges the Nagle canary times in each setting (each costs ~40 ms without NODELAY).
pub const NAGLE_ITERS: u64 = 6;
/// Unrecorded exchanges first: Linux quick-ACKs a new connection's first segments.
const NAGLE_WARMUP: u64 = 4;

/// The Nagle canary: the client writes a 4-byte header and a 60-byte body in two `write`s,
/// then reads a 64-byte reply; the server replies once it has all 64 bytes. With `TCP_NODELAY`
/// this is one round trip; without it the body waits for the ACK of the header, which the
/// server delays (~40 ms).
///
/// # Errors
/// A setup or socket error.
pub fn nagle_canary(iters: u64) -> io::Result<Nagle> {
    // The exchange itself is the `nagle` experiment's, so the canary and the experiment measure
    // the same thing.
    let median = |nodelay| -> io::Result<f64> {
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

/// The harness' own cost per sample: a timestamp and a histogram + round record, as in the
/// timed loop, with no socket call in between. Mean ns per sample over 200 000 samples.
pub fn harness_overhead_ns() -> f64 {
    const N: u64 = 200_000;
    let mut rec = Recorder::new();
    let start = Instant::now();
    let mut t0 = start;
    for i in 0..N {
        let t1 = Instant::now();
        rec.record(ns(t0, t1), 1);
        t0 = t1;
        if i % 500 == 499 {
            rec.end_round();
        }
    }
    start.elapsed().as_nanos() as f64 / N as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_split_all_ops() {
        for (total, rounds) in [(10, 3), (200, 20), (5, 20), (1, 1)] {
            let sum: u64 = (0..rounds).map(|r| round_ops(total, rounds, r)).sum();
            assert_eq!(sum, total);
        }
    }

    #[test]
    fn every_mode_runs_a_few_ops() {
        for mode in super::super::Mode::ALL {
            let transport = if mode == Mode::Batch {
                Transport::Udp
            } else {
                Transport::Unix
            };
            let group = Group {
                mode,
                transport,
                size: 32,
                paths: vec![PathName::C, PathName::LibcReadWrite, PathName::Std],
            };
            let mut notes = Vec::new();
            let mut slots = slots(&group, 4, Cpus::default(), &mut notes).unwrap();
            for s in &mut slots {
                s.run(10, true).unwrap();
                s.rec.end_round();
                assert!(s.rec.summary().count >= 10, "{mode} {}", s.path);
            }
            for s in slots {
                s.finish().unwrap();
            }
        }
    }
}
