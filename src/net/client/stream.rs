//! `stream`: send for a while, count what the receiver got (see the module docs of
//! [`client`](super) for where each figure is counted).

use std::net::Shutdown;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{
    check, check_seconds, check_timing, connect, human, interrupted_note, whole_micros, Fnv,
    RowKey, DRAIN, PAYLOAD_SEED, RECV_TIMEOUT, TIMEOUT,
};
use crate::measure::stats::Rng;
use crate::net::monitor::{Clock, Monitor, Quiet};
use crate::net::serve::{CONTROL_LEN, CONTROL_MAGIC, OP_RESET, OP_STAT, STAT_LEN};
use crate::net::{Endpoint, NetError, Transport};
use crate::sys::{self, opt, Errno};
use crate::Socket;

/// `stream`'s settings. [`StreamConfig::new`] gives the CLI's defaults; change fields with
/// struct update syntax.
#[derive(Clone, Debug)]
pub struct StreamConfig {
    /// The server (either mode).
    pub to: Endpoint,
    /// tcp, udp or unix.
    pub transport: Transport,
    /// Bytes per send.
    pub size: usize,
    /// How long to send.
    pub seconds: f64,
    /// Pace the sender at this many Mbit/s of payload (`None`: as fast as it goes).
    pub rate_mbit: Option<f64>,
    /// Fresh random bytes in every message and a checksum of both directions (TCP, Unix): costs
    /// per-byte work in the loop, reported as `verify_s`. Off: one fixed message, no byte touched.
    pub verify: bool,
    /// How long a send may block (a server that stopped reading) before the run ends with an
    /// error. Rounded up to whole microseconds.
    pub timeout: Duration,
    /// Report every `interval` (`-i`); `None`: no interval reports.
    pub interval: Option<Duration>,
    /// TCP: set `TCP_NODELAY` (iperf3's `-N`); off by default, as iperf3 (Nagle's algorithm and
    /// the kernel's autocorking coalesce what the sender hands over).
    pub nodelay: bool,
}

impl StreamConfig {
    /// 16 KiB messages (UDP: 1400 B) for 5 s, unpaced, unverified, a [`RECV_TIMEOUT`] send
    /// timeout, no interval reports, Nagle's algorithm on (TCP).
    pub fn new(to: Endpoint, transport: Transport) -> StreamConfig {
        StreamConfig {
            to,
            transport,
            size: if transport == Transport::Udp {
                1400
            } else {
                16384
            },
            seconds: 5.0,
            rate_mbit: None,
            verify: false,
            timeout: RECV_TIMEOUT,
            interval: None,
            nodelay: false,
        }
    }
}

/// One interval of a `stream` run (`-i`), counted at the sender (the receiver's total is the
/// row's).
#[derive(Clone, Debug, serde::Serialize)]
pub struct StreamInterval {
    /// Start, seconds since the first send.
    pub start_s: f64,
    /// End, seconds since the first send.
    pub end_s: f64,
    /// Payload bytes the sender handed to the kernel in the interval.
    pub sent_bytes: u64,
    /// `sent_bytes` in Mbit/s (10^6 bits) over the interval.
    pub mbit_s: f64,
    /// Bytes that came back in the interval (echo servers, TCP and Unix); `null` for UDP.
    pub echoed_bytes: Option<u64>,
}

impl std::fmt::Display for StreamInterval {
    /// `[  0.00-  1.00 s]   2250.0 MB sent,  18000.0 Mbit/s`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{:6.2}-{:6.2} s] {:8.1} MB sent, {:8.1} Mbit/s",
            self.start_s,
            self.end_s,
            self.sent_bytes as f64 / 1e6,
            self.mbit_s
        )?;
        if let Some(b) = self.echoed_bytes.filter(|&b| b > 0) {
            write!(f, ", {:.1} MB echoed", b as f64 / 1e6)?;
        }
        Ok(())
    }
}

/// One `stream` result: a row in compare's schema (`mbit_s`, `lost`) plus `to`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StreamRow {
    /// mode, transport, path, to, size, iters (whole messages sent).
    #[serde(flatten)]
    pub key: RowKey,
    /// Seconds asked for.
    pub seconds: f64,
    /// The pacing rate asked for, Mbit/s.
    pub rate_mbit_s: Option<f64>,
    /// Payload bytes sent.
    pub sent_bytes: u64,
    /// Payload bytes the receiver got.
    pub received_bytes: u64,
    /// Messages sent minus messages received, counted at the receiver (always 0 for streams
    /// that closed in order: TCP delivers or fails).
    pub lost: u64,
    /// `lost` over messages sent.
    pub lost_fraction: f64,
    /// Received payload in Mbit/s (10^6 bits) over the receiver's time.
    pub mbit_s: f64,
    /// The receiver's time over the messages it got, in nanoseconds: a mean (one figure for the
    /// whole run; no message is timed on its own).
    pub mean_ns: Option<f64>,
    /// The receiver's time in seconds.
    pub elapsed_s: f64,
    /// Bytes that came back (the server echoed them), `null` when none did or for UDP.
    pub echoed_bytes: Option<u64>,
    /// Whether the payload was random and checksummed (`--verify`).
    pub verify: bool,
    /// With `verify`: whether the echoed bytes equal what was sent (FNV-1a 64 of the whole
    /// stream); `null` without `verify` or when nothing came back (`--mode sink`, UDP).
    pub checksum_ok: Option<bool>,
    /// With `verify`: seconds spent drawing random payload and checksumming, both threads
    /// (CPU time the run spent on itself); `null` without.
    pub verify_s: Option<f64>,
    /// Whether the run was stopped early (Ctrl-C): the figures cover what was sent until then.
    pub interrupted: bool,
    /// The interval reports (`-i`), empty without.
    pub intervals: Vec<StreamInterval>,
}

impl std::fmt::Display for StreamRow {
    /// `stream tcp 127.0.0.1:40123 16384 B for 5.0 s: 9000.0 Mbit/s at the receiver, …`: the
    /// line `socklab stream` prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stream {} {} {} B for {:.1} s: {:.1} Mbit/s at the receiver, {} of {} bytes received, lost {} ({:.3}%)",
            self.key.transport,
            self.key.to,
            self.key.size,
            self.elapsed_s,
            self.mbit_s,
            self.received_bytes,
            self.sent_bytes,
            self.lost,
            self.lost_fraction * 100.0,
        )?;
        match (self.checksum_ok, self.verify_s) {
            (Some(true), Some(v)) => write!(f, ", echo checksum equal (verify took {v:.2} s)")?,
            (Some(false), _) => f.write_str(", echo checksum DIFFERS")?,
            (None, Some(v)) => write!(f, ", nothing came back to checksum (verify took {v:.2} s)")?,
            _ => {}
        }
        f.write_str(&interrupted_note(self.interrupted, self.elapsed_s))
    }
}

/// Checks `stream`'s settings.
fn check_stream(cfg: &StreamConfig) -> Result<(), NetError> {
    check(cfg.transport, &cfg.to, cfg.size)?;
    check_seconds("--seconds", cfg.seconds)?;
    if let Some(r) = cfg.rate_mbit {
        if !(r > 0.0 && r <= 1e6) {
            return Err(NetError::OutOfRange {
                flag: "--rate",
                value: r.to_string(),
                transport: None,
                allowed: "Mbit/s above 0, at most 1000000".into(),
            });
        }
    }
    if cfg.verify && cfg.transport == Transport::Udp {
        return Err(NetError::NotFor {
            flag: "--verify",
            transport: Transport::Udp,
            why: "a UDP server counts datagrams, nothing comes back whole to checksum (use tcp \
                  or unix)",
        });
    }
    check_timing(cfg.timeout, cfg.interval)
}

/// `stream` without a monitor: see [`stream_with`].
///
/// # Errors
/// As [`stream_with`].
pub fn stream(cfg: &StreamConfig) -> Result<StreamRow, NetError> {
    stream_with(cfg, &mut Quiet)
}

/// `stream`: sends `size`-byte messages for `seconds` (paced at `rate_mbit` if given) and
/// reports what the receiver got; with `interval`, the sender's interval reports, which `mon`
/// also gets as they end. `mon.stop()` ends the sending early; the row then counts what was sent
/// until then (`interrupted`).
///
/// # Errors
/// Usage errors, the failing call (`send(fd 3, …): ECONNRESET` when the server resets), a
/// protocol error (a send blocked for `timeout`, an echo that differs, no UDP report).
pub fn stream_with<M: Monitor<StreamInterval> + ?Sized>(
    cfg: &StreamConfig,
    mon: &mut M,
) -> Result<StreamRow, NetError> {
    check_stream(cfg)?;
    let s = connect(&cfg.to, cfg.transport, TIMEOUT)?;
    let timeout = whole_micros(cfg.timeout);
    s.set_opt(opt::SoSndTimeo, Some(timeout))?;
    if cfg.transport == Transport::Udp {
        stream_udp(cfg, &s, mon)
    } else {
        s.set_opt(opt::SoRcvTimeo, Some(timeout))?;
        if cfg.transport == Transport::Tcp && !cfg.nodelay {
            // connect() sets TCP_NODELAY (pingpong's need); a bulk sender keeps the kernel's
            // default, as iperf3 does: with it each 16 KiB send would leave as its own segment.
            s.set_nodelay(false)?;
        }
        stream_bytes(cfg, &s, mon)
    }
}

/// What the sending loop did.
struct Sent {
    t0: Instant,
    bytes: u64,
    msgs: u64,
    sum: Fnv,
    verify: Duration,
    interrupted: bool,
    intervals: Vec<StreamInterval>,
}

/// The sending loop both transports share: blocking sends of one message (`verify`: fresh
/// random bytes each, checksummed as they leave) until `seconds` are over or `mon` stops it.
/// Per send: the call, one clock read, one comparison; `echoed` is read only when an interval
/// ends.
fn send_for<M: Monitor<StreamInterval> + ?Sized>(
    cfg: &StreamConfig,
    s: &Socket,
    flags: i32,
    echoed: Option<&AtomicU64>,
    mon: &mut M,
) -> Result<Sent, NetError> {
    let mut msg = vec![0u8; cfg.size];
    let mut rng = Rng::new(PAYLOAD_SEED);
    rng.fill(&mut msg);
    let udp = cfg.transport == Transport::Udp;
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs_f64(cfg.seconds);
    let mut clock = Clock::new(t0, cfg.interval);
    let mut out = Sent {
        t0,
        bytes: 0,
        msgs: 0,
        sum: Fnv::default(),
        verify: Duration::ZERO,
        interrupted: false,
        intervals: Vec::new(),
    };
    let mut part = Part::default();
    let mut off = 0; // bytes of `msg` already sent
    loop {
        if cfg.verify && off == 0 {
            let v = Instant::now();
            rng.fill(&mut msg);
            out.verify += v.elapsed();
        }
        match sys::send(s, &msg[off..], flags) {
            Ok(n) => {
                if cfg.verify {
                    let v = Instant::now();
                    out.sum.update(&msg[off..off + n]);
                    out.verify += v.elapsed();
                }
                off += n;
                out.bytes += n as u64;
                if off == msg.len() {
                    off = 0;
                    out.msgs += 1;
                }
            }
            Err(e) if e.code() == Errno::EINTR => {
                if mon.stop() {
                    out.interrupted = true;
                    break;
                }
            }
            Err(e) if e.code() == Errno::EAGAIN => {
                return Err(NetError::Protocol(format!(
                    "the server took no bytes for {}: is it reading?",
                    human(cfg.timeout)
                )))
            }
            // UDP: ENOBUFS, or ECONNREFUSED (an ICMP error for an earlier datagram): keep going.
            Err(e) if udp && (e.code() == Errno::ENOBUFS || e.code() == Errno::ECONNREFUSED) => {}
            Err(e) => return Err(e.into()),
        }
        let mut now = Instant::now();
        loop {
            if now >= clock.next {
                let due = clock.due(now);
                if due.interval {
                    let iv = part.take(&mut clock, now, out.bytes, echoed);
                    mon.interval(&iv);
                    out.intervals.push(iv);
                }
                if due.tick {
                    if mon.stop() {
                        out.interrupted = true;
                        break;
                    }
                    let done = (now - t0).as_secs_f64() / cfg.seconds;
                    mon.progress(now - t0, done.min(1.0));
                }
            }
            // Pacing: sleep until the next message is due, waking for ticks and the end.
            let wait = pace(cfg.rate_mbit, t0, out.bytes, now);
            if wait.is_zero() || now >= end {
                break;
            }
            std::thread::sleep(wait.min(clock.next - now).min(end - now));
            now = Instant::now();
        }
        if out.interrupted || (off == 0 && now >= end) {
            break;
        }
    }
    if out.bytes > part.bytes && clock.has_intervals() {
        let iv = part.take(&mut clock, Instant::now(), out.bytes, echoed);
        mon.interval(&iv);
        out.intervals.push(iv);
    }
    Ok(out)
}

/// Where the current interval began: the sender's and the reader's byte counts then.
#[derive(Default)]
struct Part {
    bytes: u64,
    echoed: u64,
}

impl Part {
    /// The interval from `clock.interval_start` to `now`, given the running counts, and a fresh
    /// one from `now`.
    fn take(
        &mut self,
        clock: &mut Clock,
        now: Instant,
        bytes: u64,
        echoed: Option<&AtomicU64>,
    ) -> StreamInterval {
        let e = echoed.map(|a| a.load(Relaxed));
        let end_s = clock.secs(now);
        let sent = bytes - self.bytes;
        let iv = StreamInterval {
            start_s: clock.interval_start,
            end_s,
            sent_bytes: sent,
            mbit_s: sent as f64 * 8.0 / (end_s - clock.interval_start).max(1e-9) / 1e6,
            echoed_bytes: e.map(|e| e - self.echoed),
        };
        clock.interval_start = end_s;
        *self = Part {
            bytes,
            echoed: e.unwrap_or(0),
        };
        iv
    }
}

/// The pacer: how long to wait before the next send, given `sent` bytes since `t0`.
fn pace(rate_mbit: Option<f64>, t0: Instant, sent: u64, now: Instant) -> Duration {
    match rate_mbit {
        None => Duration::ZERO,
        Some(r) => {
            let due = Duration::from_secs_f64(sent as f64 * 8.0 / (r * 1e6));
            due.saturating_sub(now.saturating_duration_since(t0))
        }
    }
}

/// What the echo reader got.
struct Echoed {
    bytes: u64,
    sum: Fnv,
    verify: Duration,
    /// When the server closed (EOF): the end of the receiver's time.
    eof: Instant,
}

/// The reader thread: reads what comes back until the server closes, so an echo server never
/// blocks on a full buffer (and then neither do we). `SO_RCVTIMEO` wakes it every `timeout`
/// while nothing comes; past [`DRAIN`] after our shutdown it gives up.
fn read_echoes(
    s: &Socket,
    verify: bool,
    echoed: &AtomicU64,
    shut: &OnceLock<Instant>,
) -> Result<Echoed, NetError> {
    let mut buf = vec![0u8; 128 * 1024];
    let mut out = Echoed {
        bytes: 0,
        sum: Fnv::default(),
        verify: Duration::ZERO,
        eof: Instant::now(),
    };
    loop {
        match sys::recv(s, &mut buf[..], 0) {
            Ok(0) => {
                out.eof = Instant::now();
                return Ok(out);
            }
            Ok(n) => {
                out.bytes += n as u64;
                echoed.fetch_add(n as u64, Relaxed);
                if verify {
                    let v = Instant::now();
                    out.sum.update(&buf[..n]);
                    out.verify += v.elapsed();
                }
            }
            Err(e) if e.code() == Errno::EINTR => {}
            Err(e) if e.code() == Errno::EAGAIN => {
                if shut.get().is_some_and(|at| at.elapsed() >= DRAIN) {
                    return Err(NetError::Protocol(format!(
                        "the server did not close the connection within {} s of our shutdown",
                        DRAIN.as_secs()
                    )));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn stream_bytes<M: Monitor<StreamInterval> + ?Sized>(
    cfg: &StreamConfig,
    s: &Socket,
    mon: &mut M,
) -> Result<StreamRow, NetError> {
    let echoed = AtomicU64::new(0);
    let shut = OnceLock::new();
    let (sent, back) = std::thread::scope(|sc| {
        let reader = sc.spawn(|| read_echoes(s, cfg.verify, &echoed, &shut));
        let sent = send_for(cfg, s, libc::MSG_NOSIGNAL, Some(&echoed), mon);
        // Our FIN after the last byte (or both ways after an error, so the reader returns).
        let how = if sent.is_ok() {
            Shutdown::Write
        } else {
            Shutdown::Both
        };
        let down = s.shutdown(how);
        let _ = shut.set(Instant::now());
        let back = reader
            .join()
            .unwrap_or_else(|_| Err(NetError::Protocol("the echo reader panicked".into())));
        (
            sent.and_then(|x| down.map(|()| x).map_err(NetError::from)),
            back,
        )
    });
    let (sent, back) = (sent?, back?);
    let elapsed = back.eof.saturating_duration_since(sent.t0).as_secs_f64();
    let echoed = (back.bytes > 0).then_some(back.bytes);
    if let Some(b) = echoed {
        if b != sent.bytes || (cfg.verify && back.sum != sent.sum) {
            return Err(NetError::Protocol(format!(
                "the echo differs: {} bytes sent, {b} came back{}",
                sent.bytes,
                if cfg.verify {
                    format!(", checksums {:#x} vs {:#x}", sent.sum.0, back.sum.0)
                } else {
                    String::new()
                }
            )));
        }
    }
    Ok(StreamRow {
        key: RowKey::new("stream", cfg.transport, &cfg.to, cfg.size, sent.msgs),
        seconds: cfg.seconds,
        rate_mbit_s: cfg.rate_mbit,
        sent_bytes: sent.bytes,
        received_bytes: sent.bytes,
        lost: 0,
        lost_fraction: 0.0,
        mbit_s: sent.bytes as f64 * 8.0 / elapsed.max(1e-9) / 1e6,
        mean_ns: (sent.msgs > 0).then(|| elapsed * 1e9 / sent.msgs as f64),
        elapsed_s: elapsed,
        echoed_bytes: echoed,
        verify: cfg.verify,
        checksum_ok: echoed.filter(|_| cfg.verify).map(|_| back.sum == sent.sum),
        verify_s: cfg
            .verify
            .then(|| (sent.verify + back.verify).as_secs_f64()),
        interrupted: sent.interrupted,
        intervals: sent.intervals,
    })
}

/// Sends a control request and waits for its reply, skipping echoes; retried 5 times.
fn control(s: &Socket, op: u8) -> Result<(u64, u64, u64), NetError> {
    let mut req = [0u8; CONTROL_LEN];
    req[..8].copy_from_slice(&CONTROL_MAGIC);
    req[8] = op;
    let mut buf = vec![0u8; 64 * 1024];
    s.set_opt(opt::SoRcvTimeo, Some(Duration::from_millis(500)))?;
    for _ in 0..5 {
        s.send(&req, 0)?;
        loop {
            match s.recv(&mut buf, 0) {
                Ok(STAT_LEN) if buf[..8] == CONTROL_MAGIC && buf[8] == op => {
                    let u =
                        |i: usize| u64::from_le_bytes(buf[i..i + 8].try_into().unwrap_or([0; 8]));
                    return Ok((u(16), u(24), u(32)));
                }
                Ok(_) => continue, // an echo of our data
                Err(e) if e.code() == Errno::EAGAIN => break,
                Err(e) => return Err(e.into()),
            }
        }
    }
    Err(NetError::Protocol(
        "the UDP server did not answer a socklab control request (is it socklab serve?)".into(),
    ))
}

fn stream_udp<M: Monitor<StreamInterval> + ?Sized>(
    cfg: &StreamConfig,
    s: &Socket,
    mon: &mut M,
) -> Result<StreamRow, NetError> {
    control(s, OP_RESET)?;
    let sent = send_for(cfg, s, 0, None, mon)?;
    // Let the last datagrams reach the receiver, throw away the echoes that queued up (an echo
    // server's), then ask what it got.
    std::thread::sleep(Duration::from_millis(200));
    let mut drain = vec![0u8; 64 * 1024];
    while s.recv(&mut drain, libc::MSG_DONTWAIT).is_ok() {}
    let (got, bytes, span_ns) = control(s, OP_STAT)?;
    let span = (span_ns as f64 / 1e9).max(1e-9);
    let lost = sent.msgs.saturating_sub(got);
    Ok(StreamRow {
        key: RowKey::new("stream", cfg.transport, &cfg.to, cfg.size, sent.msgs),
        seconds: cfg.seconds,
        rate_mbit_s: cfg.rate_mbit,
        sent_bytes: sent.bytes,
        received_bytes: bytes,
        lost,
        lost_fraction: if sent.msgs > 0 {
            lost as f64 / sent.msgs as f64
        } else {
            0.0
        },
        mbit_s: bytes as f64 * 8.0 / span / 1e6,
        mean_ns: (got > 0).then(|| span_ns as f64 / got as f64),
        elapsed_s: span,
        echoed_bytes: None,
        verify: false,
        checksum_ok: None,
        verify_s: None,
        interrupted: sent.interrupted,
        intervals: sent.intervals,
    })
}
