//! The clients of `socklab serve`: [`pingpong`] times round trips against `serve --mode echo`;
//! [`stream`] sends for a while and counts what the receiver got, against either mode.
//!
//! # What `stream` counts, and where
//! - **TCP / Unix**: the client writes for `--seconds`, then `shutdown(SHUT_WR)`, and reads until
//!   the server closes. The server closes only after reading our FIN, which comes after every
//!   byte: so at that moment the receiver has read all `sent` bytes, and the elapsed time runs
//!   from the first write to that close (not to the last write, which only filled a buffer).
//!   Against `--mode echo` the bytes coming back are counted and checksummed as well.
//! - **UDP**: the server counts per peer; before sending, the client resets its counters
//!   ([`OP_RESET`]), after sending it asks for them
//!   ([`OP_STAT`]): `lost` = sent − received by the server, and `mbit_s`
//!   is the received bytes over the server's first-to-last-datagram time.

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use super::serve::{domain, CONTROL_LEN, CONTROL_MAGIC, OP_RESET, OP_STAT, STAT_LEN};
use super::{Endpoint, NetError, Transport};
use crate::measure::stats::{Histogram, Rng};
use crate::sys::{self, opt, Errno, PollFd, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM};
use crate::Socket;

/// How long [`pingpong`]/[`stream`] wait for a connection.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// How long [`stream`] waits, after its `shutdown(SHUT_WR)`, for the server to close.
pub const DRAIN: Duration = Duration::from_secs(60);
/// How long a UDP round trip of [`pingpong`] waits for its answer before counting it lost.
pub const UDP_WAIT: Duration = Duration::from_secs(1);

/// `socket` + `connect` with a deadline: a non-blocking `connect`, `poll(POLLOUT, timeout)`,
/// then `getsockopt(SO_ERROR)`, then back to blocking. UDP "connects" at once.
///
/// # Errors
/// The connect error the kernel gave (`ECONNREFUSED`, `ENETUNREACH`…), or `ETIMEDOUT` built
/// by socklab with a note when nothing answered within `timeout` (a blackholed address): the
/// line reads `connect(fd 5, 10.0.0.1:9): ETIMEDOUT (Connection timed out): no answer within 300 ms`.
pub fn connect(to: &Endpoint, transport: Transport, timeout: Duration) -> Result<Socket, NetError> {
    transport.check_addr("--to", to)?;
    let ty = if transport.is_stream() {
        SOCK_STREAM
    } else {
        SOCK_DGRAM
    };
    let s = Socket::socket(domain(to), ty | SOCK_CLOEXEC, 0)?;
    let addr = to.to_sockaddr()?;
    s.set_nonblocking(true)?;
    match s.connect(&addr) {
        Ok(()) => {}
        Err(e) if e.code() == Errno::EINPROGRESS || e.code() == Errno::EAGAIN => {
            let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
            let deadline = Instant::now() + timeout;
            loop {
                let mut fds = [PollFd::new(s.as_fd(), libc::POLLOUT)];
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .as_millis() as i32;
                match sys::poll(&mut fds, left.min(ms)) {
                    Ok(0) => {
                        let args = format!("fd {}, {addr}", std::os::fd::AsRawFd::as_raw_fd(&s));
                        return Err(sys::Error::new(Errno::ETIMEDOUT, "connect", args)
                            .with_note(format!("no answer within {} ms", timeout.as_millis()))
                            .into());
                    }
                    Ok(_) => break,
                    Err(e) if e.code() == Errno::EINTR => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            if let Some(code) = s.take_error()? {
                let args = format!("fd {}, {addr}", std::os::fd::AsRawFd::as_raw_fd(&s));
                return Err(sys::Error::new(code, "connect", args).into());
            }
        }
        Err(e) => return Err(e.into()),
    }
    s.set_nonblocking(false)?;
    if transport == Transport::Tcp {
        s.set_nodelay(true)?;
    }
    Ok(s)
}

/// `pingpong`'s settings.
#[derive(Clone, Debug)]
pub struct PingpongConfig {
    /// The echo server.
    pub to: Endpoint,
    /// tcp, udp or unix.
    pub transport: Transport,
    /// Bytes per message (UDP: at least 8, for the sequence number).
    pub size: usize,
    /// Timed round trips.
    pub iters: u64,
    /// Untimed round trips first.
    pub warmup: u64,
}

/// The fields every `pingpong`/`stream` row starts with: compare's row key plus `to`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RowKey {
    /// `rtt` (pingpong) or `stream`.
    pub mode: &'static str,
    /// tcp, udp or unix.
    pub transport: &'static str,
    /// The calls each side makes: socklab's `sys::send`/`sys::recv` (`libc-send-recv`).
    pub path: &'static str,
    /// The server's address.
    pub to: String,
    /// Bytes per message.
    pub size: usize,
    /// Round trips asked for (pingpong) or messages sent (stream).
    pub iters: u64,
}

impl RowKey {
    fn new(
        mode: &'static str,
        transport: Transport,
        to: &Endpoint,
        size: usize,
        iters: u64,
    ) -> RowKey {
        RowKey {
            mode,
            transport: transport.name(),
            path: "libc-send-recv",
            to: to.to_string(),
            size,
            iters,
        }
    }
}

/// One `pingpong` result: a row in compare's schema plus `to`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PingpongRow {
    /// mode, transport, path, to, size, iters.
    #[serde(flatten)]
    pub key: RowKey,
    /// Round trips that came back (UDP may lose some).
    pub received: u64,
    /// Round trips with no answer within the timeout (UDP only).
    pub lost: u64,
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
}

impl std::fmt::Display for PingpongRow {
    /// `pingpong tcp 127.0.0.1:40123 64 B x 10000: median 21.3 µs, p99 …, lost 0`: the line
    /// `socklab pingpong` prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pingpong {} {} {} B x {}: median {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, min {:.1} µs, lost {}",
            self.key.transport,
            self.key.to,
            self.key.size,
            self.key.iters,
            self.median_ns / 1e3,
            self.p99_ns / 1e3,
            self.p999_ns / 1e3,
            self.min_ns / 1e3,
            self.lost
        )
    }
}

/// Checks the counts and sizes shared by both clients.
fn check(transport: Transport, to: &Endpoint, size: usize) -> Result<(), NetError> {
    transport.check_addr("--to", to)?;
    transport.check_size(size)
}

/// Sends all of `buf` (`send` until done, `MSG_NOSIGNAL`).
fn send_all(s: &Socket, mut buf: &[u8]) -> Result<(), NetError> {
    while !buf.is_empty() {
        let n = s.send(buf, libc::MSG_NOSIGNAL)?;
        buf = &buf[n..];
    }
    Ok(())
}

/// Receives exactly `buf.len()` bytes; an early EOF is a protocol error.
fn recv_exact(s: &Socket, buf: &mut [u8]) -> Result<(), NetError> {
    let mut got = 0;
    while got < buf.len() {
        let n = s.recv(&mut buf[got..], 0)?;
        if n == 0 {
            return Err(NetError::Protocol(format!(
                "the server closed the connection after {got} of {} echoed bytes",
                buf.len()
            )));
        }
        got += n;
    }
    Ok(())
}

/// `pingpong`: `iters` round trips of `size` bytes against `serve --mode echo`, timed one by
/// one with a monotonic clock; the row holds the percentiles. Over UDP each datagram carries its
/// sequence number and waits [`UDP_WAIT`] at most: unanswered ones are counted in `lost`, late
/// answers to earlier ones are skipped.
///
/// # Errors
/// Usage errors (size, iters, address), the failing call, or a protocol error (short echo,
/// bytes that differ from those sent).
pub fn pingpong(cfg: &PingpongConfig) -> Result<PingpongRow, NetError> {
    check(cfg.transport, &cfg.to, cfg.size)?;
    if cfg.iters == 0 || cfg.iters > super::MAX_ITERS {
        return Err(NetError::OutOfRange {
            flag: "--iters",
            value: cfg.iters.to_string(),
            transport: None,
            allowed: format!("1..={}", super::MAX_ITERS),
        });
    }
    let s = connect(&cfg.to, cfg.transport, TIMEOUT)?;
    let udp = cfg.transport == Transport::Udp;
    if udp {
        s.set_opt(opt::SoRcvTimeo, Some(UDP_WAIT))?;
    }
    let mut msg = vec![0u8; cfg.size];
    Rng::new(PAYLOAD_SEED).fill(&mut msg);
    let mut back = vec![0u8; cfg.size];
    let mut samples = Histogram::new();
    let mut lost = 0;
    for i in 0..cfg.warmup + cfg.iters {
        if udp {
            msg[..8].copy_from_slice(&i.to_le_bytes());
        }
        let t0 = Instant::now();
        let ok = if udp {
            udp_round_trip(&s, &msg, &mut back)?
        } else {
            send_all(&s, &msg)?;
            recv_exact(&s, &mut back)?;
            true
        };
        let ns = t0.elapsed().as_nanos() as u64;
        if ok && back != msg {
            return Err(NetError::Protocol(format!(
                "round trip {i}: the echo differs from what was sent"
            )));
        }
        if i >= cfg.warmup {
            if ok {
                samples.record(ns, 1);
            } else {
                lost += 1;
            }
        }
    }
    let rtt = samples.summary();
    Ok(PingpongRow {
        key: RowKey::new("rtt", cfg.transport, &cfg.to, cfg.size, cfg.iters),
        received: rtt.count,
        lost,
        median_ns: rtt.median_ns,
        p99_ns: rtt.p99_ns,
        p999_ns: rtt.p999_ns,
        min_ns: rtt.min_ns,
        max_ns: rtt.max_ns,
    })
}

/// One UDP round trip: send, then receive until the datagram with our sequence number comes
/// back (`true`) or `SO_RCVTIMEO` expires (`false`).
fn udp_round_trip(s: &Socket, msg: &[u8], back: &mut [u8]) -> Result<bool, NetError> {
    s.send(msg, 0)?;
    loop {
        match s.recv(back, 0) {
            Ok(n) if n == msg.len() && back[..8] == msg[..8] => return Ok(true),
            Ok(_) => continue, // a late answer to an earlier round trip, or a control reply
            Err(e) if e.code() == Errno::EAGAIN => return Ok(false),
            Err(e) => return Err(e.into()),
        }
    }
}

/// `stream`'s settings.
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
}

/// One `stream` result: a row in compare's schema (`mbit_s`, `lost`) plus `to`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StreamRow {
    /// mode, transport, path, to, size, iters (messages sent).
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
    /// Mean nanoseconds per received message over the receiver's time.
    pub median_ns: Option<f64>,
    /// The receiver's time in seconds.
    pub elapsed_s: f64,
    /// Bytes that came back (the server echoed them), `null` for UDP.
    pub echoed_bytes: Option<u64>,
    /// Whether the echoed bytes equal what was sent (FNV-1a 64 of the whole stream), `null`
    /// when nothing came back (`--mode sink`) or for UDP.
    pub checksum_ok: Option<bool>,
}

impl std::fmt::Display for StreamRow {
    /// `stream tcp 127.0.0.1:40123 16384 B for 5.0 s: 9000.0 Mbit/s at the receiver, …`: the
    /// line `socklab stream` prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stream {} {} {} B for {:.1} s: {:.1} Mbit/s at the receiver, {} of {} bytes received, lost {} ({:.3}%){}",
            self.key.transport,
            self.key.to,
            self.key.size,
            self.elapsed_s,
            self.mbit_s,
            self.received_bytes,
            self.sent_bytes,
            self.lost,
            self.lost_fraction * 100.0,
            match self.checksum_ok {
                Some(true) => ", echo checksum equal",
                Some(false) => ", echo checksum DIFFERS",
                None => "",
            }
        )
    }
}

/// The seed of every payload [`pingpong`] and [`stream`] send (the bytes are
/// [`Rng`]'s, so a run is reproducible).
pub const PAYLOAD_SEED: u64 = 0x5eed;

/// A running FNV-1a 64 checksum, independent of how the stream is cut into reads.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Folds `bytes` in.
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Checks `stream`'s counts.
fn check_stream(cfg: &StreamConfig) -> Result<(), NetError> {
    check(cfg.transport, &cfg.to, cfg.size)?;
    if !(cfg.seconds > 0.0 && cfg.seconds <= super::MAX_SECONDS) {
        return Err(NetError::OutOfRange {
            flag: "--seconds",
            value: cfg.seconds.to_string(),
            transport: None,
            allowed: format!("more than 0, at most {}", super::MAX_SECONDS),
        });
    }
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
    Ok(())
}

/// `stream`: sends `size`-byte messages for `seconds` (paced at `rate_mbit` if given) and
/// reports what the receiver got; see the module docs for where each figure is counted.
///
/// # Errors
/// Usage errors, the failing call (`send(fd 3, …): ECONNRESET` when the server resets), a
/// protocol error (echo that differs, no UDP report).
pub fn stream(cfg: &StreamConfig) -> Result<StreamRow, NetError> {
    check_stream(cfg)?;
    let s = connect(&cfg.to, cfg.transport, TIMEOUT)?;
    if cfg.transport == Transport::Udp {
        stream_udp(cfg, &s)
    } else {
        stream_bytes(cfg, &s)
    }
}

/// The pacer: how long to wait before the next send, given `sent` bytes since `t0`.
fn pace(rate_mbit: Option<f64>, t0: Instant, sent: u64) -> Duration {
    match rate_mbit {
        None => Duration::ZERO,
        Some(r) => {
            let due = Duration::from_secs_f64(sent as f64 * 8.0 / (r * 1e6));
            due.saturating_sub(t0.elapsed())
        }
    }
}

fn stream_bytes(cfg: &StreamConfig, s: &Socket) -> Result<StreamRow, NetError> {
    s.set_nonblocking(true)?;
    let mut msg = vec![0u8; cfg.size];
    let mut rng = Rng::new(PAYLOAD_SEED);
    let mut buf = vec![0u8; 64 * 1024];
    let (mut sent_sum, mut back_sum) = (Fnv::default(), Fnv::default());
    let (mut sent, mut back, mut msgs) = (0u64, 0u64, 0u64);
    let mut off = cfg.size; // bytes of `msg` already sent; a new message when == size
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs_f64(cfg.seconds);
    let mut writing = true;
    let mut drain_end = end + DRAIN;
    loop {
        if Instant::now() >= drain_end {
            return Err(NetError::Protocol(format!(
                "the server neither took our bytes nor closed the connection within {} s",
                DRAIN.as_secs()
            )));
        }
        if writing && Instant::now() >= end && off == cfg.size {
            s.shutdown(std::net::Shutdown::Write)?;
            writing = false;
            drain_end = Instant::now() + DRAIN;
        }
        let wait = if writing {
            pace(cfg.rate_mbit, t0, sent)
        } else {
            Duration::ZERO
        };
        let want_out = writing && wait.is_zero();
        let mut fds = [PollFd::new(
            s.as_fd(),
            libc::POLLIN | if want_out { libc::POLLOUT } else { 0 },
        )];
        // Writing: wake at the pacer's next slot or at the end of the run, whichever is first.
        // Draining: wait for echoes and the server's close, up to DRAIN.
        let timeout = if writing {
            let left = end.saturating_duration_since(Instant::now());
            let until = if want_out { left } else { wait.min(left) };
            (until.as_millis() as i32).max(1)
        } else {
            (drain_end
                .saturating_duration_since(Instant::now())
                .as_millis() as i32)
                .max(1)
        };
        match sys::poll(&mut fds, timeout) {
            Ok(_) => {}
            Err(e) if e.code() == Errno::EINTR => continue,
            Err(e) => return Err(e.into()),
        }
        let ev = fds[0].revents();
        if ev & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0 {
            match s.recv(&mut buf, libc::MSG_DONTWAIT) {
                Ok(0) if !writing => break,
                Ok(0) => {
                    return Err(NetError::Protocol(
                        "the server closed the connection while we were still sending".into(),
                    ))
                }
                Ok(n) => {
                    back += n as u64;
                    back_sum.update(&buf[..n]);
                }
                Err(e) if e.code() == Errno::EAGAIN => {}
                Err(e) => return Err(e.into()),
            }
        }
        if writing && ev & libc::POLLOUT != 0 {
            if off == cfg.size {
                rng.fill(&mut msg);
                off = 0;
            }
            match s.send(&msg[off..], libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT) {
                Ok(n) => {
                    sent_sum.update(&msg[off..off + n]);
                    off += n;
                    sent += n as u64;
                    if off == cfg.size {
                        msgs += 1;
                    }
                }
                Err(e) if e.code() == Errno::EAGAIN => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let echoed = (back > 0).then_some(back);
    if let Some(b) = echoed {
        if b != sent || back_sum != sent_sum {
            return Err(NetError::Protocol(format!(
                "the echo differs: {sent} bytes sent, {b} came back, checksums {:#x} vs {:#x}",
                sent_sum.0, back_sum.0
            )));
        }
    }
    Ok(StreamRow {
        key: RowKey::new("stream", cfg.transport, &cfg.to, cfg.size, msgs),
        seconds: cfg.seconds,
        rate_mbit_s: cfg.rate_mbit,
        sent_bytes: sent,
        received_bytes: sent,
        lost: 0,
        lost_fraction: 0.0,
        mbit_s: sent as f64 * 8.0 / elapsed / 1e6,
        median_ns: (msgs > 0).then(|| elapsed * 1e9 / msgs as f64),
        elapsed_s: elapsed,
        echoed_bytes: echoed,
        checksum_ok: echoed.map(|_| back_sum == sent_sum),
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

fn stream_udp(cfg: &StreamConfig, s: &Socket) -> Result<StreamRow, NetError> {
    control(s, OP_RESET)?;
    let mut msg = vec![0u8; cfg.size];
    Rng::new(PAYLOAD_SEED).fill(&mut msg);
    let (mut sent, mut msgs) = (0u64, 0u64);
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs_f64(cfg.seconds);
    let mut drain = vec![0u8; 64 * 1024];
    while Instant::now() < end {
        let wait = pace(cfg.rate_mbit, t0, sent);
        if !wait.is_zero() {
            std::thread::sleep(wait.min(Duration::from_millis(10)));
            continue;
        }
        msg[..8].copy_from_slice(&msgs.to_le_bytes());
        match s.send(&msg, 0) {
            Ok(n) => {
                sent += n as u64;
                msgs += 1;
            }
            // ENOBUFS / ECONNREFUSED (an ICMP error for an earlier datagram): keep going.
            Err(e) if e.code() == Errno::ENOBUFS || e.code() == Errno::ECONNREFUSED => {}
            Err(e) => return Err(e.into()),
        }
        // Against an echo server, throw the echoes away as they come.
        while let Ok(n) = s.recv(&mut drain, libc::MSG_DONTWAIT) {
            let _ = n;
        }
    }
    // Let the last datagrams reach the receiver before asking what it got.
    std::thread::sleep(Duration::from_millis(200));
    let (got, bytes, span_ns) = control(s, OP_STAT)?;
    let span = (span_ns as f64 / 1e9).max(1e-9);
    let lost = msgs.saturating_sub(got);
    Ok(StreamRow {
        key: RowKey::new("stream", cfg.transport, &cfg.to, cfg.size, msgs),
        seconds: cfg.seconds,
        rate_mbit_s: cfg.rate_mbit,
        sent_bytes: sent,
        received_bytes: bytes,
        lost,
        lost_fraction: if msgs > 0 {
            lost as f64 / msgs as f64
        } else {
            0.0
        },
        mbit_s: bytes as f64 * 8.0 / span / 1e6,
        median_ns: (got > 0).then(|| span_ns as f64 / got as f64),
        elapsed_s: span,
        echoed_bytes: None,
        checksum_ok: None,
    })
}
