//! The executor of `socklab compare`: one [`Slot`] per path — its pair, its echo (rtt) or sender
//! (stream) thread pinned to [`Cpus::peer`], its timed loop recording each op — and the
//! operations [`run`](super::run) asks of a group's slots: make them ([`slots`]), warm them up,
//! run one round in the order the scheduler ([`super::schedule`]) gives, finish them.
//!
//! Also here: the measuring thread pinned for a run ([`Pinned`]), the call log switched off
//! around the measured loops, and the executor's own cost per sample ([`harness_overhead_ns`]).

use std::io;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::config::{Group, Mode};
use super::paths::{self, Path, PathName, Transport};
use super::schedule::{batches, Round};
use super::stats::Recorder;
use crate::compare::cfloor::twins;
use crate::sys::{self, opt::SoRcvTimeo};

mod cpus;
mod stream;
mod trace_off;

pub use cpus::{mode_pins, Cpus, ModePin, Pinned};
pub use stream::StreamRound;
pub(crate) use trace_off::TraceOff;

/// How long a datagram receiver in `stream` mode waits before it asks whether the sender is done
/// (a datagram lost on loopback never arrives, so the round ends on this timeout; it falls
/// after the round's last delivery, outside the time the rate is taken over).
const STREAM_DGRAM_TIMEOUT: Duration = Duration::from_millis(1);

/// Nanoseconds between two instants, for the histograms.
#[inline]
fn ns(from: Instant, to: Instant) -> u64 {
    to.duration_since(from).as_nanos() as u64
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
    sender: Option<stream::Sender>,
    buf: Vec<u8>,
    /// `c-inline`'s timestamps, taken in C.
    stamps: Vec<i64>,
    /// Samples (every mode but stream, whose unit is the round: [`Slot::stream`]).
    pub rec: Recorder,
    /// Stream mode: each recorded round as the receiver saw it.
    pub stream: Vec<StreamRound>,
    /// Stream mode: messages the sender reported sent, over the recorded rounds.
    pub sent: u64,
    /// Stream mode: messages received, over the recorded rounds.
    pub received: u64,
    /// Stream mode: messages per scheduled op ([`paths::messages_per_send`]); 1 otherwise.
    per_op: u64,
}

impl Slot {
    /// Makes `path`'s pair on `transport` for `size`-byte messages and starts its echo (rtt)
    /// or sender (stream) thread, on `cpus.peer`. `batch` is the messages per op in batch mode.
    ///
    /// # Errors
    /// [`paths::make`]'s error (`Unsupported` for a path without this mode's operations, an
    /// event path outside same-thread and rtt: [`paths::cannot_run`]).
    pub fn new(
        mode: Mode,
        transport: Transport,
        size: usize,
        batch: usize,
        path: PathName,
        cpus: Cpus,
    ) -> io::Result<Slot> {
        if mode == Mode::Syscall {
            return Err(io::ErrorKind::Unsupported.into());
        }
        if let Some(e) = paths::cannot_run(path, mode) {
            return Err(e);
        }
        let (a, b) = paths::make(path, transport, size)?;
        let mut slot = Slot {
            path,
            mode,
            batch: batch.max(1),
            a: Some(a),
            b: Some(b),
            echo: None,
            sender: None,
            buf: vec![0x5Au8; size],
            stamps: Vec::new(),
            rec: Recorder::new(),
            stream: Vec::new(),
            sent: 0,
            received: 0,
            per_op: match mode {
                Mode::Stream => paths::messages_per_send(path, transport, size),
                _ => 1,
            },
        };
        slot.start_peer(transport, size, cpus.peer)?;
        Ok(slot)
    }

    /// Starts the peer thread of the slot's mode on `cpu`: the echo of rtt (which takes `b`),
    /// the sender of stream (which takes `a`; a datagram receiver gets a short timeout, see
    /// [`STREAM_DGRAM_TIMEOUT`]). Same-thread and batch keep both ends here.
    fn start_peer(
        &mut self,
        transport: Transport,
        size: usize,
        cpu: Option<usize>,
    ) -> io::Result<()> {
        match self.mode {
            Mode::Rtt => {
                let b = self.b.take().expect("b is set by new");
                self.echo = Some(paths::spawn_echo(b, size, cpu));
            }
            Mode::Stream => {
                let b = self.b.as_ref().expect("b is set by new");
                if !transport.is_stream() {
                    sys::set_opt(b, SoRcvTimeo, Some(STREAM_DGRAM_TIMEOUT))?;
                }
                let a = self.a.take().expect("a is set by new");
                self.sender = Some(stream::Sender::spawn(a, size, cpu));
            }
            Mode::SameThread | Mode::Batch | Mode::Syscall => {}
        }
        Ok(())
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

    /// The operations the slot runs for `ops` scheduled ones: in stream mode the scheduler
    /// counts send calls, so a GSO path runs [`paths::messages_per_send`] messages per op (its
    /// rounds then last about as long as a per-message path's, and hold as many sends); 1:1
    /// otherwise.
    pub fn scaled(&self, ops: u64) -> u64 {
        ops.saturating_mul(self.per_op)
    }

    /// The messages [`Slot::run`]`(k)` moves: `k` rounded up to whole batches in batch mode,
    /// `k` otherwise.
    pub fn messages_for(&self, k: u64) -> u64 {
        match self.mode {
            Mode::Batch => batches(k, self.batch) * self.batch as u64,
            _ => k,
        }
    }

    /// The messages per batch of this slot's batch-mode samples (1 outside batch mode).
    pub fn batch(&self) -> usize {
        if self.mode == Mode::Batch {
            self.batch
        } else {
            1
        }
    }

    /// The `batch` of this slot's row: its batch size for a batched path
    /// ([`PathName::is_batched`]) in batch mode, `None` otherwise (the per-call paths' rows are
    /// per message whatever their samples' batch).
    pub fn batch_label(&self) -> Option<usize> {
        (self.mode == Mode::Batch && self.path.is_batched()).then_some(self.batch)
    }

    /// The receiving end's GRO statistics (`libc-gso`: `(recvmsg calls, datagrams, last segment
    /// size)`); `None` for other paths, or where this thread does not hold the receiver.
    pub fn gro_stats(&self) -> Option<(u64, u64, usize)> {
        self.b.as_deref().and_then(|b| b.gro_stats())
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

/// The slots of `group` to make, in table order: `(path, batch)` — one per path, and in batch
/// mode one per batch size of [`Group::batches`] for each batched path (the per-call paths'
/// samples hold `batch` messages).
pub fn slot_plan(group: &Group, batch: usize) -> Vec<(PathName, usize)> {
    let mut out = Vec::new();
    for &p in &group.paths {
        if group.mode == Mode::Batch && p.is_batched() && !group.batches.is_empty() {
            out.extend(group.batches.iter().map(|&n| (p, n)));
        } else {
            out.push((p, batch));
        }
    }
    out
}

/// Makes the slots of `group` ([`slot_plan`]), skipping (with a note) the paths that cannot run
/// it.
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
    for (p, n) in slot_plan(group, batch) {
        let g = group;
        match Slot::new(g.mode, g.transport, g.size, n, p, cpus) {
            Ok(s) => out.push(s),
            Err(e) if e.kind() == io::ErrorKind::Unsupported => {
                super::note_once(notes, format!("skipped {e}"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// `k` unrecorded operations on every slot, before the first round.
///
/// # Errors
/// The first failing call.
pub fn warm_up(slots: &mut [Slot], k: u64) -> io::Result<()> {
    slots.iter_mut().try_for_each(|s| s.run(s.scaled(k), false))
}

/// One round: each slot, in the round's order, runs `round.ops` recorded operations
/// ([`Slot::scaled`]) and closes its round of samples.
///
/// # Errors
/// The first failing call.
pub fn run_round(slots: &mut [Slot], round: Round) -> io::Result<()> {
    for i in round.order(slots.len()) {
        let s = &mut slots[i];
        s.run(s.scaled(round.ops), true)?;
        s.rec.end_round();
    }
    Ok(())
}

/// Stops and joins every slot's peer thread.
///
/// # Errors
/// The first peer thread's error.
pub fn finish(slots: Vec<Slot>) -> io::Result<()> {
    slots.into_iter().try_for_each(Slot::finish)
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
    fn every_mode_runs_a_few_ops() {
        for mode in Mode::ALL {
            let transport = if mode == Mode::Batch {
                Transport::Udp
            } else {
                Transport::Unix
            };
            let group = Group {
                mode,
                transport,
                size: 32,
                paths: vec![
                    PathName::C,
                    PathName::LibcReadWrite,
                    PathName::LibcMmsg,
                    PathName::Std,
                ],
                batches: if mode == Mode::Batch {
                    vec![2, 8]
                } else {
                    Vec::new()
                },
            };
            let mut notes = Vec::new();
            let mut slots = slots(&group, 4, Cpus::default(), &mut notes).unwrap();
            if mode == Mode::Batch {
                let labels: Vec<_> = slots.iter().map(|s| (s.path, s.batch_label())).collect();
                assert_eq!(
                    labels,
                    [
                        (PathName::C, None),
                        (PathName::LibcReadWrite, None),
                        (PathName::LibcMmsg, Some(2)),
                        (PathName::LibcMmsg, Some(8)),
                        (PathName::Std, None)
                    ]
                );
            }
            for s in &mut slots {
                s.run(10, true).unwrap();
                s.rec.end_round();
                let count = match mode {
                    Mode::Stream => s.received,
                    _ => s.rec.summary().count,
                };
                assert!(count >= 10, "{mode} {}", s.path);
            }
            for s in slots {
                s.finish().unwrap();
            }
        }
    }
}
