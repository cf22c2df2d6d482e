//! `pingpong`: round trips against `serve --mode echo`, timed one by one (see the module docs
//! of [`client`](super) for the UDP loss rule).

use std::time::{Duration, Instant};

use super::{
    check, check_seconds, check_timing, connect, human, interrupted_note, whole_micros, RowKey,
    PAYLOAD_SEED, RECV_TIMEOUT, TIMEOUT, UDP_LOSS_FLOOR,
};
use crate::measure::stats::{Histogram, Rng};
use crate::net::monitor::{Clock, Monitor, Quiet};
use crate::net::{Endpoint, NetError, Transport};
use crate::sys::{self, opt, Errno};
use crate::Socket;

/// `pingpong`'s settings. [`PingpongConfig::new`] gives the CLI's defaults; change fields with
/// struct update syntax.
#[derive(Clone, Debug)]
pub struct PingpongConfig {
    /// The echo server.
    pub to: Endpoint,
    /// tcp, udp or unix.
    pub transport: Transport,
    /// Bytes per message (UDP: at least 8, for the sequence number).
    pub size: usize,
    /// Timed round trips: the run ends after this many (`None`: only `seconds` ends it).
    pub iters: Option<u64>,
    /// Untimed round trips first.
    pub warmup: u64,
    /// How long the timed part may last (`None`: only `iters` ends it). With both, whichever
    /// comes first.
    pub seconds: Option<f64>,
    /// How long to wait for an echo: any receive (TCP, Unix); the first answer and the longest
    /// silence (UDP). Rounded up to whole microseconds.
    pub timeout: Duration,
    /// Report every `interval` (`-i`); `None`: no interval reports.
    pub interval: Option<Duration>,
}

impl PingpongConfig {
    /// 64-byte messages, 10 000 timed round trips after 100 untimed ones, no time bound, a
    /// [`RECV_TIMEOUT`] wait, no interval reports.
    pub fn new(to: Endpoint, transport: Transport) -> PingpongConfig {
        PingpongConfig {
            to,
            transport,
            size: 64,
            iters: Some(10_000),
            warmup: 100,
            seconds: None,
            timeout: RECV_TIMEOUT,
            interval: None,
        }
    }
}

/// One interval of a `pingpong` run (`-i`): the round trips that ended in it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PingInterval {
    /// Start, seconds since the timed part began.
    pub start_s: f64,
    /// End, seconds since the timed part began.
    pub end_s: f64,
    /// Round trips answered in the interval.
    pub round_trips: u64,
    /// Round trips given up in the interval (UDP).
    pub lost: u64,
    /// The interval's RTT median, nanoseconds (NaN, `null` in JSON, when none was answered).
    pub median_ns: f64,
    /// The interval's 99th percentile.
    pub p99_ns: f64,
    /// The interval's fastest round trip.
    pub min_ns: f64,
    /// The interval's slowest round trip.
    pub max_ns: f64,
}

impl std::fmt::Display for PingInterval {
    /// `[  0.00-  0.10 s]    4521 round trips, median 21.3 µs, p99 30.1 µs, lost 0`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{:6.2}-{:6.2} s] {:7} round trips, median {:.1} µs, p99 {:.1} µs, lost {}",
            self.start_s,
            self.end_s,
            self.round_trips,
            self.median_ns / 1e3,
            self.p99_ns / 1e3,
            self.lost
        )
    }
}

/// One `pingpong` result: a row in compare's schema plus `to`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PingpongRow {
    /// mode, transport, path, to, size, iters (timed round trips made: received + lost).
    #[serde(flatten)]
    pub key: RowKey,
    /// Round trips that came back in time.
    pub received: u64,
    /// Round trips given up (UDP: no answer within the loss wait).
    pub lost: u64,
    /// Of the lost ones, answers that came back later (UDP), recognised by sequence number and
    /// neither timed nor taken for a later round trip.
    pub late: u64,
    /// RTT percentiles in nanoseconds, from an HDR histogram of 3 significant figures
    /// ([`Histogram`]: compare's).
    pub median_ns: f64,
    /// 99th percentile.
    pub p99_ns: f64,
    /// 99.9th percentile.
    pub p999_ns: f64,
    /// Fastest round trip.
    pub min_ns: f64,
    /// Slowest round trip.
    pub max_ns: f64,
    /// Seconds the timed part ran.
    pub elapsed_s: f64,
    /// The time bound asked for (`--seconds`), if any.
    pub seconds: Option<f64>,
    /// The echo timeout, seconds.
    pub timeout_s: f64,
    /// Whether the run was stopped early (Ctrl-C): the figures cover what ran until then.
    pub interrupted: bool,
    /// The interval reports (`-i`), empty without.
    pub intervals: Vec<PingInterval>,
}

impl std::fmt::Display for PingpongRow {
    /// `pingpong tcp 127.0.0.1:40123 64 B x 10000: median 21.3 µs, p99 …, lost 0`: the line
    /// `socklab pingpong` prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pingpong {} {} {} B x {}: ",
            self.key.transport, self.key.to, self.key.size, self.key.iters,
        )?;
        if self.received == 0 {
            write!(f, "no round trip answered, lost {}", self.lost)?;
        } else {
            write!(
                f,
                "median {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, min {:.1} µs, lost {}",
                self.median_ns / 1e3,
                self.p99_ns / 1e3,
                self.p999_ns / 1e3,
                self.min_ns / 1e3,
                self.lost
            )?;
        }
        if self.late > 0 {
            write!(f, " ({} answered late)", self.late)?;
        }
        f.write_str(&interrupted_note(self.interrupted, self.elapsed_s))
    }
}

/// Checks `pingpong`'s settings.
fn check_pingpong(cfg: &PingpongConfig) -> Result<(), NetError> {
    check(cfg.transport, &cfg.to, cfg.size)?;
    match cfg.iters {
        Some(n) if n == 0 || n > crate::net::MAX_ITERS => {
            return Err(NetError::OutOfRange {
                flag: "--iters",
                value: n.to_string(),
                transport: None,
                allowed: format!("1..={}", crate::net::MAX_ITERS),
            })
        }
        None if cfg.seconds.is_none() => {
            return Err(NetError::OutOfRange {
                flag: "--iters",
                value: "none".into(),
                transport: None,
                allowed: format!("1..={}, or a --seconds bound", crate::net::MAX_ITERS),
            })
        }
        _ => {}
    }
    if let Some(s) = cfg.seconds {
        check_seconds("--seconds", s)?;
    }
    check_timing(cfg.timeout, cfg.interval)
}

/// `pingpong` without a monitor: see [`pingpong_with`].
///
/// # Errors
/// As [`pingpong_with`].
pub fn pingpong(cfg: &PingpongConfig) -> Result<PingpongRow, NetError> {
    pingpong_with(cfg, &mut Quiet)
}

/// `pingpong`: `warmup` untimed round trips, then timed ones until `iters` or `seconds`, each
/// timed with a monotonic clock around its `send` and `recv`s; the row holds the percentiles,
/// the lost and late counts (UDP) and, with `interval`, the interval reports, which `mon` also
/// gets as they end. `mon.stop()` ends the run early with what was measured (`interrupted`).
///
/// # Errors
/// Usage errors (size, iters, seconds, timeout, interval, address), the failing call,
/// [`NetError::NoEcho`] when nothing came back within `timeout`, or a protocol error (short
/// echo, bytes that differ from those sent).
pub fn pingpong_with<M: Monitor<PingInterval> + ?Sized>(
    cfg: &PingpongConfig,
    mon: &mut M,
) -> Result<PingpongRow, NetError> {
    check_pingpong(cfg)?;
    let s = connect(&cfg.to, cfg.transport, TIMEOUT)?;
    let timeout = whole_micros(cfg.timeout);
    s.set_opt(opt::SoSndTimeo, Some(timeout))?;
    s.set_opt(opt::SoRcvTimeo, Some(timeout))?;
    let mut rt = RoundTrips::new(&s, cfg, timeout);
    for _ in 0..cfg.warmup {
        if let Outcome::Stopped = rt.once(mon)?.0 {
            return Ok(rt.row(cfg, Instant::now(), Instant::now(), true, Vec::new()));
        }
    }
    rt.timed_from = rt.seq;
    let t0 = Instant::now();
    let mut clock = Clock::new(t0, cfg.interval);
    let end = cfg.seconds.map(|s| t0 + Duration::from_secs_f64(s));
    let mut part = Part::new(clock.has_intervals());
    let mut intervals = Vec::new();
    let mut interrupted = false;
    let mut now = t0;
    loop {
        if cfg.iters.is_some_and(|n| rt.done >= n) || end.is_some_and(|e| now >= e) {
            break;
        }
        let (outcome, at) = rt.once(mon)?;
        now = at;
        match outcome {
            Outcome::Echo(ns) => {
                rt.all.record(ns, 1);
                part.echo(ns);
                rt.done += 1;
            }
            Outcome::Lost => {
                rt.lost += 1;
                part.lost += 1;
                rt.done += 1;
            }
            Outcome::Stopped => {
                interrupted = true;
                break;
            }
        }
        if now >= clock.next {
            let due = clock.due(now);
            if due.interval {
                let iv = part.take(&mut clock, now);
                mon.interval(&iv);
                intervals.push(iv);
            }
            if due.tick {
                if mon.stop() {
                    interrupted = true;
                    break;
                }
                mon.progress(now - t0, fraction(cfg, rt.done, now - t0));
            }
        }
    }
    let t_end = Instant::now().max(now);
    if part.any() {
        let iv = part.take(&mut clock, t_end);
        mon.interval(&iv);
        intervals.push(iv);
    }
    Ok(rt.row(cfg, t0, t_end, interrupted, intervals))
}

/// How far a run is, by count or by time, whichever is further.
fn fraction(cfg: &PingpongConfig, done: u64, elapsed: Duration) -> f64 {
    let by_count = cfg.iters.map_or(0.0, |n| done as f64 / n as f64);
    let by_time = cfg
        .seconds
        .map_or(0.0, |s| elapsed.as_secs_f64() / s.max(1e-9));
    by_count.max(by_time).min(1.0)
}

/// The current interval's samples.
struct Part {
    hist: Option<Histogram>,
    lost: u64,
}

impl Part {
    fn new(on: bool) -> Part {
        Part {
            hist: on.then(Histogram::new),
            lost: 0,
        }
    }

    #[inline]
    fn echo(&mut self, ns: u64) {
        if let Some(h) = &mut self.hist {
            h.record(ns, 1);
        }
    }

    fn any(&self) -> bool {
        self.hist
            .as_ref()
            .is_some_and(|h| !h.is_empty() || self.lost > 0)
    }

    /// The interval from `clock.interval_start` to `now`, and a fresh one from `now`.
    fn take(&mut self, clock: &mut Clock, now: Instant) -> PingInterval {
        let h = self.hist.replace(Histogram::new()).unwrap_or_default();
        let sum = h.summary();
        let end_s = clock.secs(now);
        let iv = PingInterval {
            start_s: clock.interval_start,
            end_s,
            round_trips: sum.count,
            lost: std::mem::take(&mut self.lost),
            median_ns: sum.median_ns,
            p99_ns: sum.p99_ns,
            min_ns: sum.min_ns,
            max_ns: sum.max_ns,
        };
        clock.interval_start = end_s;
        iv
    }
}

/// What one round trip gave.
enum Outcome {
    /// Answered: its RTT in nanoseconds.
    Echo(u64),
    /// No answer within the loss wait (UDP).
    Lost,
    /// The monitor asked to stop while a call was interrupted.
    Stopped,
}

/// The state of a run's round trips: the socket, the message, the UDP sequence numbers and loss
/// wait, and the counts.
struct RoundTrips<'a> {
    s: &'a Socket,
    udp: bool,
    msg: Vec<u8>,
    back: Vec<u8>,
    timeout: Duration,
    /// The next UDP sequence number (warm-up included).
    seq: u64,
    /// The first timed sequence number: late answers before it are warm-up's.
    timed_from: u64,
    /// Answers received so far (warm-up included): 0 means the peer never echoed.
    echoes: u64,
    /// UDP: the loss wait in force (`SO_RCVTIMEO`).
    wait: Duration,
    /// UDP: how long nothing came back, summed over consecutive expired waits.
    silent: Duration,
    /// UDP: smoothed RTT and its variation, ns (RFC 6298).
    srtt: f64,
    rttvar: f64,
    all: Histogram,
    done: u64,
    lost: u64,
    late: u64,
}

impl<'a> RoundTrips<'a> {
    fn new(s: &'a Socket, cfg: &PingpongConfig, timeout: Duration) -> RoundTrips<'a> {
        let mut msg = vec![0u8; cfg.size];
        Rng::new(PAYLOAD_SEED).fill(&mut msg);
        RoundTrips {
            s,
            udp: cfg.transport == Transport::Udp,
            back: vec![0u8; cfg.size],
            msg,
            timeout,
            seq: 0,
            timed_from: 0,
            echoes: 0,
            wait: timeout,
            silent: Duration::ZERO,
            srtt: 0.0,
            rttvar: 0.0,
            all: Histogram::new(),
            done: 0,
            lost: 0,
            late: 0,
        }
    }

    /// One round trip, and the instant it ended (answer received or wait expired).
    fn once<M: Monitor<PingInterval> + ?Sized>(
        &mut self,
        mon: &mut M,
    ) -> Result<(Outcome, Instant), NetError> {
        if self.udp {
            self.once_udp(mon)
        } else {
            self.once_stream(mon)
        }
    }

    fn no_echo(&self) -> NetError {
        NetError::NoEcho {
            within: self.timeout,
            after: self.echoes,
        }
    }

    fn once_stream<M: Monitor<PingInterval> + ?Sized>(
        &mut self,
        mon: &mut M,
    ) -> Result<(Outcome, Instant), NetError> {
        let t = Instant::now();
        let mut off = 0;
        while off < self.msg.len() {
            match sys::send(self.s, &self.msg[off..], libc::MSG_NOSIGNAL) {
                Ok(n) => off += n,
                Err(e) if e.code() == Errno::EINTR => {
                    if mon.stop() {
                        return Ok((Outcome::Stopped, Instant::now()));
                    }
                }
                Err(e) if e.code() == Errno::EAGAIN => {
                    return Err(NetError::Protocol(format!(
                        "the server took no bytes for {}: is it reading?",
                        human(self.timeout)
                    )))
                }
                Err(e) => return Err(e.into()),
            }
        }
        let mut got = 0;
        while got < self.back.len() {
            match sys::recv(self.s, &mut self.back[got..], 0) {
                Ok(0) => {
                    return Err(NetError::Protocol(format!(
                        "the server closed the connection after {got} of {} echoed bytes",
                        self.back.len()
                    )))
                }
                Ok(n) => got += n,
                Err(e) if e.code() == Errno::EINTR => {
                    if mon.stop() {
                        return Ok((Outcome::Stopped, Instant::now()));
                    }
                }
                Err(e) if e.code() == Errno::EAGAIN => return Err(self.no_echo()),
                Err(e) => return Err(e.into()),
            }
        }
        let t1 = Instant::now();
        if self.back != self.msg {
            return Err(NetError::Protocol(format!(
                "round trip {}: the echo differs from what was sent",
                self.echoes
            )));
        }
        self.echoes += 1;
        Ok((Outcome::Echo((t1 - t).as_nanos() as u64), t1))
    }

    fn once_udp<M: Monitor<PingInterval> + ?Sized>(
        &mut self,
        mon: &mut M,
    ) -> Result<(Outcome, Instant), NetError> {
        let seq = self.seq;
        self.seq += 1;
        self.msg[..8].copy_from_slice(&seq.to_le_bytes());
        let t = Instant::now();
        loop {
            match sys::send(self.s, &self.msg, 0) {
                Ok(_) => break,
                Err(e) if e.code() == Errno::EINTR => {
                    if mon.stop() {
                        return Ok((Outcome::Stopped, Instant::now()));
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        loop {
            match sys::recv(self.s, &mut self.back[..], 0) {
                Ok(n) if n == self.msg.len() && self.back[..8] == self.msg[..8] => {
                    let t1 = Instant::now();
                    if self.back != self.msg {
                        return Err(NetError::Protocol(format!(
                            "round trip {seq}: the echo differs from what was sent"
                        )));
                    }
                    let ns = (t1 - t).as_nanos() as u64;
                    self.echoes += 1;
                    self.silent = Duration::ZERO;
                    self.learn(ns as f64)?;
                    return Ok((Outcome::Echo(ns), t1));
                }
                Ok(n) if n >= 8 => {
                    // An answer to an earlier round trip, given up already: late. The peer is
                    // alive but slower than the wait: wait longer from now on.
                    let was = u64::from_le_bytes(self.back[..8].try_into().unwrap_or([0; 8]));
                    if was < seq {
                        if was >= self.timed_from {
                            self.late += 1;
                        }
                        self.silent = Duration::ZERO;
                        self.set_wait((self.wait * 2).min(self.timeout))?;
                    }
                }
                Ok(_) => {} // not one of ours (a control reply, a stray datagram)
                Err(e) if e.code() == Errno::EAGAIN => {
                    self.silent += self.wait;
                    if self.silent >= self.timeout {
                        return Err(self.no_echo());
                    }
                    return Ok((Outcome::Lost, Instant::now()));
                }
                Err(e) if e.code() == Errno::EINTR => {
                    if mon.stop() {
                        return Ok((Outcome::Stopped, Instant::now()));
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// An answered round trip's RTT updates the loss wait (RFC 6298's RTO: srtt + 4·rttvar,
    /// clamped to [`UDP_LOSS_FLOOR`]..=`timeout`).
    fn learn(&mut self, rtt: f64) -> Result<(), NetError> {
        if self.echoes == 1 {
            self.srtt = rtt;
            self.rttvar = rtt / 2.0;
        } else {
            self.rttvar = 0.75 * self.rttvar + 0.25 * (self.srtt - rtt).abs();
            self.srtt = 0.875 * self.srtt + 0.125 * rtt;
        }
        let rto = Duration::from_nanos((self.srtt + 4.0 * self.rttvar) as u64);
        let want = rto.clamp(UDP_LOSS_FLOOR.min(self.timeout), self.timeout);
        // Only a change worth a setsockopt (outside the timed part, but not every round trip).
        let (w, n) = (self.wait.as_secs_f64(), want.as_secs_f64());
        if n > w * 1.25 || n < w * 0.8 {
            self.set_wait(want)?;
        }
        Ok(())
    }

    fn set_wait(&mut self, wait: Duration) -> Result<(), NetError> {
        let wait = whole_micros(wait);
        if wait != self.wait {
            self.s.set_opt(opt::SoRcvTimeo, Some(wait))?;
            self.wait = wait;
        }
        Ok(())
    }

    fn row(
        &self,
        cfg: &PingpongConfig,
        t0: Instant,
        t_end: Instant,
        interrupted: bool,
        intervals: Vec<PingInterval>,
    ) -> PingpongRow {
        let rtt = self.all.summary();
        PingpongRow {
            key: RowKey::new("rtt", cfg.transport, &cfg.to, cfg.size, self.done),
            received: rtt.count,
            lost: self.lost,
            late: self.late,
            median_ns: rtt.median_ns,
            p99_ns: rtt.p99_ns,
            p999_ns: rtt.p999_ns,
            min_ns: rtt.min_ns,
            max_ns: rtt.max_ns,
            elapsed_s: t_end.saturating_duration_since(t0).as_secs_f64(),
            seconds: cfg.seconds,
            timeout_s: cfg.timeout.as_secs_f64(),
            interrupted,
            intervals,
        }
    }
}
