//! The clients of `socklab serve`: [`pingpong`] times round trips against `serve --mode echo`;
//! [`stream`] sends for a while and counts what the receiver got, against either mode.
//!
//! Both measure the link, not themselves: nothing but the calls under test runs between two
//! timestamps, no byte is touched per message inside them (`stream` touches none at all unless
//! asked, `verify`; `pingpong` compares each echo with what it sent after taking the end time),
//! and a peer that stops answering ends the run with an error within its `timeout` instead of a silent wait.
//! [`pingpong_with`] and [`stream_with`] take a [`Monitor`](super::monitor::Monitor): interval
//! reports (`-i`), progress, and an early stop (Ctrl-C) that still returns what was measured.
//!
//! # What `pingpong` times, and how it loses nothing silently
//! One round trip = `send` of `size` bytes, then `recv` until they all came back, timed by a
//! monotonic clock around the two; the row holds the percentiles of an HDR histogram.
//! - **TCP / Unix**: every receive waits at most `timeout` (`SO_RCVTIMEO`); past it the run ends
//!   with [`NetError::NoEcho`]: `no echo within 3 s: is the server in --mode echo?`.
//! - **UDP**, as ping and sockperf do it: each datagram carries its sequence number (its first 8
//!   bytes); only the answer with the current number is timed. How long a round trip waits
//!   before it counts as `lost` follows the answers, as TCP's retransmission timer does (RFC
//!   6298: smoothed RTT + 4 × its variation), at least [`UDP_LOSS_FLOOR`], at most `timeout`, and
//!   doubled when an answer turns up after its round trip was given up (counted `late`, never
//!   taken for the current one). Before the first answer the wait is the whole `timeout`; a
//!   silence of `timeout` ends the run with [`NetError::NoEcho`].
//!
//! # What `stream` counts, and where
//! - **TCP / Unix**: the client sends one fixed message (its bytes drawn once) in blocking
//!   `send`s (TCP: Nagle's algorithm on, as iperf3, unless `nodelay`) for `seconds`, then
//!   `shutdown(SHUT_WR)`; a second thread reads what comes back (nothing from a sink; every
//!   byte from an echo server, so neither side stalls on a full buffer) until the server
//!   closes. The server closes only after reading our FIN, which comes after every byte: so at
//!   that moment the receiver has read all `sent` bytes, and the elapsed time runs from the
//!   first send to that close (not to the last send, which only filled a buffer). With
//!   `verify` every message is fresh random bytes and both directions are checksummed (FNV-1a
//!   64); the time that took is reported (`verify_s`).
//! - **UDP**: the server counts per peer; before sending, the client resets its counters
//!   ([`OP_RESET`](super::serve::OP_RESET)), after sending it asks for them
//!   ([`OP_STAT`](super::serve::OP_STAT)): `lost` = sent − received by the server, and
//!   `mbit_s` is the received bytes over the server's first-to-last-datagram time. Echoes are
//!   not read while sending (the kernel drops what overflows the client's buffer; that is not
//!   the link's loss, which the server counts) and are drained before asking.

mod pingpong;
mod stream;

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

pub use pingpong::{pingpong, pingpong_with, PingInterval, PingpongConfig, PingpongRow};
pub use stream::{stream, stream_with, StreamConfig, StreamInterval, StreamRow};

use super::serve::domain;
use super::{Endpoint, NetError, Transport};
use crate::sys::{self, Errno, PollFd, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM};
use crate::Socket;

/// How long [`pingpong`]/[`stream`] wait for a connection.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// The default `timeout` of both clients (`--timeout`): how long a receive (pingpong's echo) or
/// a send (stream into a server that stopped reading) may block before the run ends with an
/// error.
pub const RECV_TIMEOUT: Duration = Duration::from_secs(3);
/// How long [`stream`] waits, after its `shutdown(SHUT_WR)`, for the server to close.
pub const DRAIN: Duration = Duration::from_secs(60);
/// The shortest wait before a UDP round trip of [`pingpong`] counts as lost: above loopback's
/// and a LAN's scheduling hiccups, far below the default [`RECV_TIMEOUT`].
pub const UDP_LOSS_FLOOR: Duration = Duration::from_millis(50);

/// `socket` + `connect` with a deadline: a non-blocking `connect`, `poll(POLLOUT, timeout)`,
/// then `getsockopt(SO_ERROR)`, then back to blocking, with `TCP_NODELAY` for TCP (what a round
/// trip needs; [`stream`] turns it off again unless asked). UDP "connects" at once.
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
    /// Timed round trips made (pingpong: received + lost) or whole messages sent (stream).
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

/// The seed of every payload [`pingpong`] and [`stream`] send (the bytes are
/// [`Rng`](crate::measure::stats::Rng)'s, so a run is reproducible).
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

/// Checks the address and size shared by both clients.
fn check(transport: Transport, to: &Endpoint, size: usize) -> Result<(), NetError> {
    transport.check_addr("--to", to)?;
    transport.check_size(size)
}

/// `Ok` when `secs` is above 0 and at most [`MAX_SECONDS`](super::MAX_SECONDS).
fn check_seconds(flag: &'static str, secs: f64) -> Result<(), NetError> {
    if secs > 0.0 && secs <= super::MAX_SECONDS {
        return Ok(());
    }
    Err(NetError::OutOfRange {
        flag,
        value: secs.to_string(),
        transport: None,
        allowed: format!("seconds above 0, at most {}", super::MAX_SECONDS),
    })
}

/// `--timeout` (above 0, at most an hour) and `-i` ([`MIN_INTERVAL`](super::monitor::MIN_INTERVAL)
/// ..= [`MAX_INTERVAL`](super::monitor::MAX_INTERVAL)).
fn check_timing(timeout: Duration, interval: Option<Duration>) -> Result<(), NetError> {
    check_seconds("--timeout", timeout.as_secs_f64())?;
    if timeout < Duration::from_micros(1) {
        return Err(NetError::OutOfRange {
            flag: "--timeout",
            value: timeout.as_secs_f64().to_string(),
            transport: None,
            allowed: "at least 1 µs".into(),
        });
    }
    use super::monitor::{MAX_INTERVAL, MIN_INTERVAL};
    match interval {
        Some(i) if !(MIN_INTERVAL..=MAX_INTERVAL).contains(&i) => Err(NetError::OutOfRange {
            flag: "--interval",
            value: i.as_secs_f64().to_string(),
            transport: None,
            allowed: format!(
                "{}..={} seconds",
                MIN_INTERVAL.as_secs_f64(),
                MAX_INTERVAL.as_secs_f64()
            ),
        }),
        _ => Ok(()),
    }
}

/// `d` rounded up to whole microseconds (at least 1): what `SO_RCVTIMEO`/`SO_SNDTIMEO` take.
fn whole_micros(d: Duration) -> Duration {
    Duration::from_micros(d.as_nanos().div_ceil(1000).clamp(1, u128::from(u64::MAX)) as u64)
}

/// A wait as a person reads it: `500 ms`, `3 s`, `1.5 s`.
pub(crate) fn human(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        let ms = d.as_secs_f64() * 1e3;
        if ms.fract() == 0.0 {
            format!("{ms} ms")
        } else {
            format!("{ms:.3} ms")
        }
    } else {
        format!("{} s", d.as_secs_f64())
    }
}

/// `, interrupted after 6.2 s` when a run was stopped early, else nothing.
fn interrupted_note(interrupted: bool, elapsed_s: f64) -> String {
    if interrupted {
        format!(", interrupted after {elapsed_s:.1} s")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_a_person_says_them() {
        assert_eq!(human(Duration::from_millis(500)), "500 ms");
        assert_eq!(human(Duration::from_secs(3)), "3 s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(
            whole_micros(Duration::from_nanos(1500)),
            Duration::from_micros(2)
        );
        assert_eq!(
            whole_micros(Duration::from_millis(50)),
            Duration::from_millis(50)
        );
        assert_eq!(whole_micros(Duration::ZERO), Duration::from_micros(1));
    }

    #[test]
    fn timing_settings_are_checked() {
        let e = check_timing(Duration::ZERO, None).unwrap_err();
        assert!(e.is_usage() && e.to_string().starts_with("--timeout: 0 is out of range"));
        let e = check_timing(Duration::from_secs(1), Some(Duration::from_millis(10))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--interval: 0.01 is out of range (allowed: 0.1..=60 seconds)"
        );
        assert!(check_timing(Duration::from_secs(1), Some(Duration::from_secs(1))).is_ok());
    }
}
