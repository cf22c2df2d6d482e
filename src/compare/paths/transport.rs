//! The transports every path runs on, and the connected pair [`connect_pair`] makes for each
//! (loopback, port 0 or a socketpair), through [`crate::sys`] so the set-up is the same for every
//! path.

use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::time::Duration;

use crate::sys::opt::{SoRcvBuf, SoRcvTimeo, SoSndBuf, TcpNoDelay};
use crate::sys::{self, SockAddr};

/// Largest UDP payload over IPv4 (the one `socklab::net` uses too).
pub use crate::measure::MAX_DATAGRAM;
/// Largest message the harness sends on a stream transport (64 KiB).
pub const MAX_STREAM: usize = 65_536;

/// A socket transport, always on loopback, a socketpair or port 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// TCP over 127.0.0.1 (listener on port 0, `TCP_NODELAY` on both ends).
    Tcp,
    /// UDP over 127.0.0.1, two sockets bound to port 0 and connected to each other.
    Udp,
    /// `socketpair(AF_UNIX, SOCK_STREAM)`.
    Unix,
    /// `socketpair(AF_UNIX, SOCK_DGRAM)`.
    UnixDgram,
}

impl Transport {
    /// Every transport, in table order.
    pub const ALL: [Transport; 4] = [
        Transport::Tcp,
        Transport::Udp,
        Transport::Unix,
        Transport::UnixDgram,
    ];

    /// The schema name: `tcp`, `udp`, `unix`, `unixdgram`.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
            Transport::Unix => "unix",
            Transport::UnixDgram => "unixdgram",
        }
    }

    /// Whether messages are a byte stream (`SOCK_STREAM`) rather than datagrams.
    pub fn is_stream(self) -> bool {
        matches!(self, Transport::Tcp | Transport::Unix)
    }

    /// The largest message size this transport takes in the harness.
    pub fn max_size(self) -> usize {
        if self.is_stream() {
            MAX_STREAM
        } else {
            MAX_DATAGRAM
        }
    }
}

named_enum!(Transport, "transport");

/// The two ends of a connected pair on `transport`, made with [`crate::sys`] calls, plus each
/// end's peer address (for `sendto`; zero-length where the transport names no peer).
pub struct Conn {
    /// The client end (`connect`ed TCP socket, first UDP socket, `sv[0]`).
    pub a: OwnedFd,
    /// The server end (accepted TCP socket, second UDP socket, `sv[1]`).
    pub b: OwnedFd,
    /// `b`'s address, where `a` sends to.
    pub a_peer: SockAddr,
    /// `a`'s address, where `b` sends to.
    pub b_peer: SockAddr,
}

/// An address of length 0: what `sendto(fd, buf, len, flags, addr, 0)` passes on a connected
/// socket, where the kernel then behaves as for `NULL, 0`.
fn no_addr() -> SockAddr {
    let empty = SockAddr::empty();
    SockAddr::from_parts(*empty.as_storage(), 0).expect("0 fits any storage")
}

fn loopback0() -> SockAddr {
    SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)))
}

/// Socket buffers for a `size`-byte message: large enough that `same-thread` can queue a whole
/// message (or a batch) before reading it; the defaults are kept for small messages.
fn size_buffers(fd: &OwnedFd, size: usize) -> sys::Result<()> {
    if size >= 16 * 1024 {
        sys::set_opt(fd, SoSndBuf, 4 * size)?;
        sys::set_opt(fd, SoRcvBuf, 4 * size)?;
    }
    Ok(())
}

/// Makes a connected pair on `transport` (loopback, port 0 or a socketpair). TCP gets
/// `TCP_NODELAY` on both ends; every end gets a 5 s `SO_RCVTIMEO` so a lost datagram fails a
/// run instead of hanging it.
///
/// # Errors
/// The failing set-up call, as [`sys::Error`].
pub fn connect_pair(transport: Transport, size: usize) -> sys::Result<Conn> {
    use sys::{AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM};
    let conn = match transport {
        Transport::Tcp => {
            let lst = sys::socket(AF_INET, SOCK_STREAM, 0)?;
            sys::bind(&lst, &loopback0())?;
            sys::listen(&lst, 1)?;
            let a = sys::socket(AF_INET, SOCK_STREAM, 0)?;
            sys::connect(&a, &sys::getsockname(&lst)?)?;
            let b = sys::accept(&lst, None)?;
            for fd in [&a, &b] {
                sys::set_opt(fd, TcpNoDelay, true)?;
            }
            Conn {
                a,
                b,
                a_peer: no_addr(),
                b_peer: no_addr(),
            }
        }
        Transport::Udp => {
            let a = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
            let b = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
            sys::bind(&a, &loopback0())?;
            sys::bind(&b, &loopback0())?;
            let (a_addr, b_addr) = (sys::getsockname(&a)?, sys::getsockname(&b)?);
            sys::connect(&a, &b_addr)?;
            sys::connect(&b, &a_addr)?;
            Conn {
                a,
                b,
                a_peer: b_addr,
                b_peer: a_addr,
            }
        }
        Transport::Unix | Transport::UnixDgram => {
            let ty = if transport == Transport::Unix {
                SOCK_STREAM
            } else {
                SOCK_DGRAM
            };
            let (a, b) = sys::socketpair(AF_UNIX, ty, 0)?;
            Conn {
                a,
                b,
                a_peer: no_addr(),
                b_peer: no_addr(),
            }
        }
    };
    for fd in [&conn.a, &conn.b] {
        size_buffers(fd, size)?;
        sys::set_opt(fd, SoRcvTimeo, Some(Duration::from_secs(5)))?;
    }
    Ok(conn)
}

/// How many of `n` back-to-back `size`-byte messages a fresh pair on `transport` (buffers as
/// [`connect_pair`] sets them) queues for a receiver that has not read yet: what a batch of
/// `sendmmsg(n)` before `recvmmsg(n)` needs. Sends with `MSG_DONTWAIT` until `EAGAIN` (a full
/// unix datagram send buffer), then counts what arrives (loopback UDP drops what the receive
/// buffer cannot hold). `n` means the batch fits.
///
/// # Errors
/// A setup error, or a send failing with anything but `EAGAIN`/`ENOBUFS`.
pub fn queue_capacity(transport: Transport, size: usize, n: usize) -> sys::Result<usize> {
    let conn = connect_pair(transport, size)?;
    let buf = vec![0x5Au8; size];
    let mut sent = 0;
    while sent < n {
        match sys::send(&conn.a, &buf, sys::MSG_DONTWAIT) {
            Ok(_) => sent += 1,
            Err(e) if matches!(e.code(), sys::Errno::EAGAIN | sys::Errno::ENOBUFS) => break,
            Err(e) => return Err(e),
        }
    }
    sys::set_opt(&conn.b, SoRcvTimeo, Some(Duration::from_millis(50)))?;
    let mut got = 0;
    let mut rbuf = vec![0u8; size.max(1)];
    while got < sent {
        match sys::recv(&conn.b, &mut rbuf[..], 0) {
            Ok(_) => got += 1,
            Err(e) if e.code() == sys::Errno::EAGAIN => break,
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The setup options, read back with `getsockopt`: `TCP_NODELAY` on both TCP ends, a 5 s
    /// `SO_RCVTIMEO` everywhere, buffers raised (and doubled by the kernel) for large messages only.
    #[test]
    fn connect_pair_sets_its_options() {
        let five = Some(Duration::from_secs(5));
        for t in Transport::ALL {
            let small = connect_pair(t, 64).unwrap();
            let big = connect_pair(t, 32 * 1024).unwrap();
            for fd in [&small.a, &small.b, &big.a, &big.b] {
                assert_eq!(sys::get_opt(fd, SoRcvTimeo).unwrap(), five, "{t}");
                if t == Transport::Tcp {
                    assert!(sys::get_opt(fd, TcpNoDelay).unwrap(), "{t}");
                }
            }
            // The kernel caps the 4 × 32 KiB request at wmem_max/rmem_max, then doubles it.
            let want = |sysctl: &str| {
                let max: usize = std::fs::read_to_string(format!("/proc/sys/net/core/{sysctl}"))
                    .unwrap()
                    .trim()
                    .parse()
                    .unwrap();
                2 * max.min(4 * 32 * 1024)
            };
            for fd in [&big.a, &big.b] {
                assert_eq!(sys::get_opt(fd, SoSndBuf).unwrap(), want("wmem_max"), "{t}");
                assert_eq!(sys::get_opt(fd, SoRcvBuf).unwrap(), want("rmem_max"), "{t}");
            }
        }
    }
}
