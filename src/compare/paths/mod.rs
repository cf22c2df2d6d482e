//! The syscall paths `socklab compare` and the benches measure: one [`Path`] per schema name
//! (`c`, `libc-*`, `std`, `nix`, `socket2`, `rustix`) over a connected socket pair from [`make`].
//!
//! A [`Path`] is one end of a connected pair that moves bytes with one particular API. Every
//! path gets its own pair (made by [`make`] through [`crate::sys`], so the setup is identical),
//! and every mode of the harness is built from the same few operations:
//!
//! | mode | operation |
//! |---|---|
//! | `same-thread` | `a.pair_once(&mut *b, buf)`: send on `a`, receive on `b`, one thread |
//! | `rtt` | `b` runs [`Path::echo`] on a thread ([`spawn_echo`]); `a.rtt_once(buf)` |
//! | `stream` | `a.send_msg(buf)` on one thread, `b.recv_msg(buf)` on another |
//! | `batch` | `a.batch_once(&mut *b, buf, n)`: `n` messages, per call or one `*mmsg` each way |
//!
//! ```
//! use socklab::compare::paths::{self, PathName, Transport};
//! let (mut a, mut b) = paths::make(PathName::Rustix, Transport::Udp, 64)?;
//! let mut buf = [7u8; 64];
//! a.pair_once(&mut *b, &mut buf)?;                     // same-thread: send(a) + recv(b)
//! let echo = paths::spawn_echo(b, 64, None);          // rtt: b echoes on its own thread
//! a.rtt_once(&mut buf)?;                               // send(a) + recv(a)
//! paths::stop_echo(&*a)?;                              // zero-length datagram ends the echo
//! assert_eq!(echo.join().unwrap()?, 1);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::sys::cfloor::twins::{self, Call};
use crate::sys::opt::{SoRcvBuf, SoRcvTimeo, SoSndBuf, TcpNoDelay};
use crate::sys::{self, cfloor, SockAddr};

/// Largest UDP payload over IPv4: 65535 − 20 (IP header) − 8 (UDP header).
pub const MAX_DATAGRAM: usize = 65_507;
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

/// A path name of the schema (`../shared/compare-schema.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathName {
    /// The C floor: `c/pingpong.c`'s `write()`/`read()` loops, linked in-process.
    C,
    /// The C twin of `libc-send-recv`: `c/twins.c`'s loops with `send()`/`recv()`.
    CSendRecv,
    /// The C twin of `libc-sendto-recvfrom`: `sendto()` to the same address / `recvfrom()`.
    CSendtoRecvfrom,
    /// The C twin of `libc-sendmsg-recvmsg`: `sendmsg()`/`recvmsg()` with one iovec.
    CSendmsgRecvmsg,
    /// The C twin of `libc-mmsg`: `sendmmsg()`/`recvmmsg()` over headers built once.
    CMmsg,
    /// The physical floor: the `c` loop with the `syscall` instruction inline (x86_64 only), timed
    /// in C in same-thread, rtt and batch mode so that no function frame spans a syscall.
    CInline,
    /// [`sys::write`] / [`sys::read`].
    LibcReadWrite,
    /// [`sys::send`] / [`sys::recv`] with flags 0.
    LibcSendRecv,
    /// [`sys::sendto`] / [`sys::recvfrom`]: the peer address on UDP (as an unconnected C server
    /// would send), a zero-length address elsewhere (connected sockets refuse one).
    LibcSendtoRecvfrom,
    /// `sendmsg(2)` / `recvmsg(2)` with one iovec through `socklab::sys`.
    LibcSendmsgRecvmsg,
    /// `sendmmsg(2)` / `recvmmsg(2)` through `socklab::sys`: `n` messages per call.
    LibcMmsg,
    /// UDP GSO/GRO (stream mode, UDP only): the sender hands the kernel up to [`GSO_SEGMENTS`]
    /// datagrams per `sendmsg` with a `UDP_SEGMENT` cmsg; the receiver, with `UDP_GRO` on, gets
    /// them coalesced in one `recvmsg` whose `UDP_GRO` cmsg gives the segment size.
    LibcGso,
    /// std: `TcpStream`/`UnixStream` `Read`/`Write`, `UdpSocket`/`UnixDatagram` `send`/`recv`.
    Std,
    /// `nix::sys::socket::{send, recv}`.
    Nix,
    /// `socket2::Socket` `send` / `Read::read` (its `recv`).
    Socket2,
    /// `rustix::net::{send, recv}`.
    Rustix,
}

impl PathName {
    /// Every path, in table order (`c` first: every ratio is to it).
    pub const ALL: [PathName; 16] = [
        PathName::C,
        PathName::CSendRecv,
        PathName::CSendtoRecvfrom,
        PathName::CSendmsgRecvmsg,
        PathName::CMmsg,
        PathName::CInline,
        PathName::LibcReadWrite,
        PathName::LibcSendRecv,
        PathName::LibcSendtoRecvfrom,
        PathName::LibcSendmsgRecvmsg,
        PathName::LibcMmsg,
        PathName::LibcGso,
        PathName::Std,
        PathName::Nix,
        PathName::Socket2,
        PathName::Rustix,
    ];

    /// The schema name (`c`, `libc-read-write`, …).
    pub fn name(self) -> &'static str {
        match self {
            PathName::C => "c",
            PathName::CSendRecv => "c-send-recv",
            PathName::CSendtoRecvfrom => "c-sendto-recvfrom",
            PathName::CSendmsgRecvmsg => "c-sendmsg-recvmsg",
            PathName::CMmsg => "c-mmsg",
            PathName::CInline => "c-inline",
            PathName::LibcReadWrite => "libc-read-write",
            PathName::LibcSendRecv => "libc-send-recv",
            PathName::LibcSendtoRecvfrom => "libc-sendto-recvfrom",
            PathName::LibcSendmsgRecvmsg => "libc-sendmsg-recvmsg",
            PathName::LibcMmsg => "libc-mmsg",
            PathName::LibcGso => "libc-gso",
            PathName::Std => "std",
            PathName::Nix => "nix",
            PathName::Socket2 => "socket2",
            PathName::Rustix => "rustix",
        }
    }

    /// Whether this is one of the C loops (`c`, its twins, `c-inline`).
    pub fn is_c(self) -> bool {
        matches!(
            self,
            PathName::C
                | PathName::CSendRecv
                | PathName::CSendtoRecvfrom
                | PathName::CSendmsgRecvmsg
                | PathName::CMmsg
                | PathName::CInline
        )
    }

    /// The C loop making the same syscalls as this path on `transport` (`ratio_to_twin`): each
    /// `libc-*` path's `c-*` twin; std, nix, socket2 and rustix make `sendto`/`recvfrom` with
    /// no address (send/recv), so `c-send-recv`, except std's `UnixDatagram::send`, which is
    /// `write(2)` and has no twin. A C loop is its own twin; `None` where no C loop matches.
    pub fn twin(self, transport: Transport) -> Option<PathName> {
        Some(match self {
            p if p.is_c() => p,
            PathName::LibcReadWrite => PathName::C,
            PathName::LibcSendRecv | PathName::Nix | PathName::Socket2 | PathName::Rustix => {
                PathName::CSendRecv
            }
            PathName::Std if transport != Transport::UnixDgram => PathName::CSendRecv,
            PathName::LibcSendtoRecvfrom => PathName::CSendtoRecvfrom,
            PathName::LibcSendmsgRecvmsg => PathName::CSendmsgRecvmsg,
            PathName::LibcMmsg => PathName::CMmsg,
            _ => return None,
        })
    }

    /// The space-separated list of every name, for error messages.
    pub fn all_names() -> String {
        let names: Vec<_> = PathName::ALL.iter().map(|p| p.name()).collect();
        names.join(", ")
    }
}

named_enum!(PathName, "path");

/// One end of a connected socket pair, moving bytes through one API.
///
/// Implementors give the two single calls ([`send`](Path::send), [`recv`](Path::recv)); the
/// message-level operations the harness times are provided on top of them, and a path whose
/// loop lives elsewhere (the C floor) overrides those instead. Every operation is blocking and
/// returns the first error (no `EINTR` retry outside the C floor, which retries as C loops do).
pub trait Path: AsFd + Send {
    /// Which path this is.
    fn name(&self) -> PathName;

    /// Whether the transport is a byte stream (messages may arrive in pieces).
    fn is_stream(&self) -> bool;

    /// One send call of `buf`; returns the bytes the kernel took.
    ///
    /// # Errors
    /// The call's errno.
    fn send(&mut self, buf: &[u8]) -> io::Result<usize>;

    /// One receive call into `buf`; returns the byte count (0: end of stream or an empty
    /// datagram).
    ///
    /// # Errors
    /// As [`Path::send`].
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// Sends one whole message: one call for datagrams, calls until all of `buf` is taken for
    /// streams.
    ///
    /// # Errors
    /// As [`Path::send`].
    #[inline] // into pair_once/rtt_once, as for every path: the frames timed stay the same
    fn send_msg(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut done = self.send(buf)?;
        while self.is_stream() && done < buf.len() {
            done += self.send(&buf[done..])?;
        }
        Ok(())
    }

    /// Receives one whole message: one datagram, or exactly `buf.len()` bytes of a stream.
    /// Returns the message length.
    ///
    /// # Errors
    /// As [`Path::send`]; [`io::ErrorKind::UnexpectedEof`] if a stream ends mid-message.
    #[inline]
    fn recv_msg(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.is_stream() {
            return self.recv(buf);
        }
        let mut done = 0;
        while done < buf.len() {
            match self.recv(&mut buf[done..])? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => done += n,
            }
        }
        Ok(done)
    }

    /// The `rtt` operation: sends `buf` and receives the echoed message back into it.
    ///
    /// # Errors
    /// As [`Path::recv_msg`].
    fn rtt_once(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.send_msg(buf)?;
        self.recv_msg(buf).map(drop)
    }

    /// The `same-thread` operation: sends `buf` on `self` and receives it on `rx` (the other
    /// end of the pair), in the calling thread. For streams `buf` must fit in the socket
    /// buffers.
    ///
    /// # Errors
    /// As [`Path::recv_msg`].
    fn pair_once(&mut self, rx: &mut dyn Path, buf: &mut [u8]) -> io::Result<()> {
        self.send_msg(buf)?;
        rx.recv_msg(buf).map(drop)
    }

    /// The echo side of `rtt`: receives and sends back until the peer ends the stream or
    /// sends an empty datagram ([`stop_echo`]). Returns the number of receive calls echoed.
    ///
    /// # Errors
    /// As [`Path::send`].
    fn echo(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        let mut echoed = 0;
        loop {
            let n = self.recv(buf)?;
            if n == 0 {
                return Ok(echoed);
            }
            self.send_msg(&buf[..n])?;
            echoed += 1;
        }
    }

    /// The `stream` sender's work: `k` messages of `buf`. Per-message paths call
    /// [`send_msg`](Path::send_msg) `k` times; `libc-gso` hands the kernel many per `sendmsg`.
    ///
    /// # Errors
    /// As [`Path::send`].
    fn send_stream(&mut self, buf: &[u8], k: u64) -> io::Result<()> {
        (0..k).try_for_each(|_| self.send_msg(buf))
    }

    /// The `stream` receiver's step: receives what one call delivers and returns how many
    /// messages that was (1, except `libc-gso`, whose `recvmsg` returns a GRO batch).
    ///
    /// # Errors
    /// As [`Path::recv_msg`].
    fn recv_count(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        self.recv_msg(buf).map(|_| 1)
    }

    /// `libc-gso`'s receive statistics: `(recvmsg calls, datagrams, last segment size)`;
    /// `None` for every other path.
    fn gro_stats(&self) -> Option<(u64, u64, usize)> {
        None
    }

    /// The `batch` operation: `n` messages sent on `self` and received on `rx` (one thread).
    /// Per-call paths do `n` × [`pair_once`](Path::pair_once); `libc-mmsg` sends the batch
    /// with one `sendmmsg` and receives it with `recvmmsg`.
    ///
    /// # Errors
    /// As [`Path::recv_msg`].
    fn batch_once(&mut self, rx: &mut dyn Path, buf: &mut [u8], n: usize) -> io::Result<()> {
        (0..n).try_for_each(|_| self.pair_once(rx, buf))
    }

    /// The one-sided `batch` send: `n` messages of `buf`. Per-call paths loop; `libc-mmsg` makes one
    /// `sendmmsg` call.
    ///
    /// # Errors
    /// As [`Path::send`].
    fn send_batch(&mut self, buf: &[u8], n: usize) -> io::Result<()> {
        (0..n).try_for_each(|_| self.send_msg(buf))
    }

    /// The one-sided `batch` receive: `n` messages into `buf` (each overwrites the last). Per-call paths
    /// loop; `libc-mmsg` calls `recvmmsg` until `n` arrived.
    ///
    /// # Errors
    /// As [`Path::recv_msg`].
    fn recv_batch(&mut self, buf: &mut [u8], n: usize) -> io::Result<()> {
        (0..n).try_for_each(|_| self.recv_msg(buf).map(drop))
    }
}

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
fn size_buffers(fd: &OwnedFd, size: usize) -> io::Result<()> {
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
/// The failing setup call.
pub fn connect_pair(transport: Transport, size: usize) -> io::Result<Conn> {
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
pub fn queue_capacity(transport: Transport, size: usize, n: usize) -> io::Result<usize> {
    let conn = connect_pair(transport, size)?;
    let buf = vec![0x5Au8; size];
    let mut sent = 0;
    while sent < n {
        match sys::send(&conn.a, &buf, sys::MSG_DONTWAIT) {
            Ok(_) => sent += 1,
            Err(e) if matches!(e.code(), sys::Errno::EAGAIN | sys::Errno::ENOBUFS) => break,
            Err(e) => return Err(e.into()),
        }
    }
    sys::set_opt(&conn.b, SoRcvTimeo, Some(Duration::from_millis(50)))?;
    let mut got = 0;
    let mut rbuf = vec![0u8; size.max(1)];
    while got < sent {
        match sys::recv(&conn.b, &mut rbuf[..], 0) {
            Ok(_) => got += 1,
            Err(e) if e.code() == sys::Errno::EAGAIN => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(got)
}

/// Makes a connected pair on `transport` for messages of `size` bytes and wraps both ends in
/// `path`: `(a, b)` = (client, server). See the [module docs](self) for the mode operations.
///
/// # Errors
/// The failing setup call.
pub fn make(
    path: PathName,
    transport: Transport,
    size: usize,
) -> io::Result<(Box<dyn Path>, Box<dyn Path>)> {
    let conn = connect_pair(transport, size)?;
    let stream = transport.is_stream();
    Ok((
        wrap(path, transport, size, conn.a, conn.a_peer, stream)?,
        wrap(path, transport, size, conn.b, conn.b_peer, stream)?,
    ))
}

/// Wraps one connected fd in `path`'s API.
fn wrap(
    path: PathName,
    transport: Transport,
    size: usize,
    fd: OwnedFd,
    peer: SockAddr,
    stream: bool,
) -> io::Result<Box<dyn Path>> {
    let twin = |call, fd| {
        let peer = (call == Call::SendtoRecvfrom).then_some(peer);
        let (stream, path) = (stream, path);
        Box::new(CTwin {
            fd,
            stream,
            call,
            path,
            peer,
        })
    };
    Ok(match path {
        PathName::C => Box::new(CFloor { fd, stream }),
        PathName::CSendRecv => twin(Call::SendRecv, fd),
        PathName::CSendtoRecvfrom => twin(Call::SendtoRecvfrom, fd),
        PathName::CSendmsgRecvmsg => twin(Call::SendmsgRecvmsg, fd),
        PathName::CInline if !twins::have_inline() => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "c-inline: the inline syscall floor is built for x86_64 Linux only",
            ))
        }
        PathName::CInline => twin(Call::Inline, fd),
        PathName::LibcGso if transport != Transport::Udp => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "libc-gso: UDP GSO/GRO exists on udp only",
            ))
        }
        PathName::LibcGso => Box::new(Gso::new(fd, size)?),
        PathName::CMmsg => Box::new(CMmsg {
            m: twins::Mmsg::new(1, size.max(1))?,
            fd,
            stream,
        }),
        PathName::LibcReadWrite => Box::new(ReadWrite { fd, stream }),
        PathName::LibcSendRecv => Box::new(SendRecv { fd, stream }),
        PathName::LibcSendtoRecvfrom => Box::new(SendtoRecvfrom { fd, stream, peer }),
        PathName::LibcSendmsgRecvmsg => Box::new(SendmsgRecvmsg { fd, stream }),
        PathName::LibcMmsg => Box::new(Mmsg::new(fd, stream, size)),
        PathName::Std => Box::new(Std {
            sock: StdSock::new(transport, fd),
            stream,
        }),
        PathName::Nix => Box::new(Nix { fd, stream }),
        PathName::Socket2 => Box::new(Socket2 {
            sock: fd.into(),
            stream,
        }),
        PathName::Rustix => Box::new(Rustix { fd, stream }),
    })
}

/// Runs `b.echo` on a new thread (pinned to `cpu` if given) with a `size`-byte buffer: the
/// server side of `rtt`. End it with [`stop_echo`] on the other end; the thread returns
/// [`Path::echo`]'s count.
pub fn spawn_echo(
    mut b: Box<dyn Path>,
    size: usize,
    cpu: Option<usize>,
) -> JoinHandle<io::Result<u64>> {
    std::thread::spawn(move || {
        if let Some(cpu) = cpu {
            sys::sched_setaffinity(0, &sys::CpuSet::single(cpu)?)?;
        }
        b.echo(&mut vec![0u8; size.max(1)])
    })
}

/// Ends the peer's [`Path::echo`]: `shutdown(SHUT_WR)` on a stream, an empty datagram
/// otherwise.
///
/// # Errors
/// The failing `shutdown`/`write`.
pub fn stop_echo(a: &dyn Path) -> io::Result<()> {
    if a.is_stream() {
        sys::shutdown(a, Shutdown::Write)?;
    } else {
        sys::write(a, &[])?;
    }
    Ok(())
}

/// `c`: the C floor of [`cfloor`]: `sl_c_send_msg`/`sl_c_recv_msg` one way, `sl_c_pair_once`,
/// `sl_c_rtt_once` and `sl_c_echo` for the other modes. Its single calls already move a whole
/// message, so the provided `send_msg`/`recv_msg` make exactly one C call each.
struct CFloor {
    fd: OwnedFd,
    stream: bool,
}

impl Path for CFloor {
    fn name(&self) -> PathName {
        PathName::C
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    /// `sl_c_send_msg`: all of `buf` (a stream) or one datagram.
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        cfloor::send_msg(&self.fd, buf, self.stream).map(|()| buf.len())
    }
    /// `sl_c_recv_msg`: `buf.len()` bytes (a stream) or one datagram; `read()` returning 0
    /// (the C floor's `PEER_CLOSED`) is `Ok(0)` here, as for every other path's `recv`.
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match cfloor::recv_msg(&self.fd, buf, self.stream) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && e.raw_os_error().is_none() => {
                Ok(0)
            }
            r => r,
        }
    }
    fn rtt_once(&mut self, buf: &mut [u8]) -> io::Result<()> {
        cfloor::rtt_once(&self.fd, buf, self.stream)
    }
    fn pair_once(&mut self, rx: &mut dyn Path, buf: &mut [u8]) -> io::Result<()> {
        cfloor::pair_once(&self.fd, rx.as_fd(), buf, self.stream)
    }
    fn echo(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        cfloor::echo(&self.fd, buf, self.stream)
    }
}

/// `c-send-recv`, `c-sendto-recvfrom`, `c-sendmsg-recvmsg`, `c-inline`: `c/twins.c`'s loops with
/// `call`'s syscalls; like [`CFloor`], each single call moves a whole message.
struct CTwin {
    fd: OwnedFd,
    stream: bool,
    call: Call,
    path: PathName,
    /// The address `sendto` passes (`c-sendto-recvfrom` only, as `libc-sendto-recvfrom`).
    peer: Option<SockAddr>,
}

impl CTwin {
    /// `recv_msg`'s result with C's "read returned 0" as `Ok(0)`, as for every other path.
    fn eof_is_zero(r: io::Result<usize>) -> io::Result<usize> {
        match r {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && e.raw_os_error().is_none() => {
                Ok(0)
            }
            r => r,
        }
    }
}

impl AsFd for CTwin {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for CTwin {
    fn name(&self) -> PathName {
        self.path
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        let to = self.peer.as_ref();
        twins::send_msg(self.call, &self.fd, buf, self.stream, to).map(|()| buf.len())
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        CTwin::eof_is_zero(twins::recv_msg(self.call, &self.fd, buf, self.stream))
    }
    fn pair_once(&mut self, rx: &mut dyn Path, buf: &mut [u8]) -> io::Result<()> {
        let to = self.peer.as_ref();
        twins::pair_once(self.call, &self.fd, rx.as_fd(), buf, self.stream, to)
    }
    fn echo(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        let to = self.peer.as_ref();
        twins::echo(self.call, &self.fd, buf, self.stream, to)
    }
}

/// `c-mmsg`: `sendmmsg`/`recvmmsg` from C over a [`twins::Mmsg`] built once per size; single
/// calls are batches of one pointed at the caller's buffer.
struct CMmsg {
    fd: OwnedFd,
    stream: bool,
    m: twins::Mmsg,
}

impl CMmsg {
    /// Grows the C batch to `n` messages of `len` bytes.
    fn ensure(&mut self, n: usize, len: usize) -> io::Result<()> {
        if self.m.slots() < n || self.m.capacity() < len {
            self.m = twins::Mmsg::new(n.max(self.m.slots()), len.max(self.m.capacity()))?;
        }
        Ok(())
    }
}

impl AsFd for CMmsg {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for CMmsg {
    fn name(&self) -> PathName {
        PathName::CMmsg
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.m.send_one(&self.fd, buf)
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.m.recv_one(&self.fd, buf)
    }
    fn send_batch(&mut self, buf: &[u8], n: usize) -> io::Result<()> {
        self.ensure(n, buf.len())?;
        self.m.send(&self.fd, n, buf.len())
    }
    fn recv_batch(&mut self, buf: &mut [u8], n: usize) -> io::Result<()> {
        self.ensure(n, buf.len())?;
        self.m.recv(&self.fd, n)
    }
    fn batch_once(&mut self, rx: &mut dyn Path, buf: &mut [u8], n: usize) -> io::Result<()> {
        self.send_batch(buf, n)?;
        rx.recv_batch(buf, n)
    }
}

/// Datagrams per GSO `sendmsg` at most: the kernel's `UDP_MAX_SEGMENTS` was 64 before Linux
/// 5.x raised it to 128; 64 works everywhere. Fewer when 64 × size exceeds a UDP payload.
pub const GSO_SEGMENTS: usize = 64;

/// `libc-gso`: UDP GSO on send, GRO on receive, through `socklab::sys::{sendmsg, recvmsg}`.
struct Gso {
    fd: OwnedFd,
    /// The datagram size (the GSO segment size).
    size: usize,
    /// Segments per `sendmsg`.
    segs: usize,
    /// `segs` copies of the payload.
    tx: Vec<u8>,
    /// The `UDP_SEGMENT` cmsg (a `u16` segment size), built once.
    cmsg: sys::CmsgBuffer<'static>,
    /// A 64 KiB receive buffer (GRO coalesces up to one UDP payload) and its control buffer.
    rx: Vec<u8>,
    rx_cmsg: sys::CmsgBuffer<'static>,
    recvs: u64,
    datagrams: u64,
    gso_size: usize,
}

impl Gso {
    fn new(fd: OwnedFd, size: usize) -> io::Result<Gso> {
        let seg = u16::try_from(size).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        sys::set_opt(&fd, sys::opt::UdpGro, true)?;
        let segs = GSO_SEGMENTS.min(MAX_DATAGRAM / size.max(1)).max(1);
        let mut cmsg = sys::CmsgBuffer::new();
        cmsg.push(libc::SOL_UDP, sys::UDP_SEGMENT, &seg.to_ne_bytes());
        Ok(Gso {
            fd,
            size,
            segs,
            tx: vec![0xA5; segs * size],
            cmsg,
            rx: vec![0; MAX_STREAM],
            rx_cmsg: sys::CmsgBuffer::with_capacity(sys::cmsg_space(4)),
            recvs: 0,
            datagrams: 0,
            gso_size: 0,
        })
    }
}

impl AsFd for Gso {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for Gso {
    fn name(&self) -> PathName {
        PathName::LibcGso
    }
    fn is_stream(&self) -> bool {
        false
    }
    /// One datagram, no segmentation (the single-call modes).
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(sys::sendmsg(&self.fd, None, &[IoSlice::new(buf)], None, 0)?)
    }
    /// One `recvmsg`; a GRO batch is cut to `buf` (the single-call modes never queue one).
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(sys::recvmsg(&self.fd, &mut [IoSliceMut::new(buf)], None, 0)?.bytes)
    }
    /// `k` datagrams in `sendmsg`s of up to `segs` segments of `buf.len()` bytes each.
    fn send_stream(&mut self, buf: &[u8], k: u64) -> io::Result<()> {
        if buf.len() != self.size {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        let mut left = k;
        while left > 0 {
            let n = left.min(self.segs as u64) as usize;
            let iov = [IoSlice::new(&self.tx[..n * self.size])];
            sys::sendmsg(&self.fd, None, &iov, Some(self.cmsg.as_bytes()), 0)?;
            left -= n as u64;
        }
        Ok(())
    }
    /// One `recvmsg` of a GRO batch: its length over the `UDP_GRO` cmsg's segment size (one
    /// datagram when the kernel did not coalesce and sent no cmsg).
    fn recv_count(&mut self, _buf: &mut [u8]) -> io::Result<u64> {
        let mut iov = [IoSliceMut::new(&mut self.rx)];
        let got = sys::recvmsg(&self.fd, &mut iov, Some(&mut self.rx_cmsg), 0)?;
        let seg = self.rx_cmsg.iter().find_map(|c| {
            let is_gro = c.cmsg_level == libc::SOL_UDP && c.cmsg_type == sys::UDP_GRO;
            let v: [u8; 4] = c.cmsg_data.get(..4)?.try_into().ok()?;
            is_gro.then(|| i32::from_ne_bytes(v) as usize)
        });
        let n = match seg {
            Some(g) if g > 0 => {
                self.gso_size = g;
                got.bytes.div_ceil(g) as u64
            }
            _ => 1,
        };
        self.recvs += 1;
        self.datagrams += n;
        Ok(n)
    }
    fn gro_stats(&self) -> Option<(u64, u64, usize)> {
        Some((self.recvs, self.datagrams, self.gso_size))
    }
}

/// Implements `AsFd` and the identity methods of `Path` for a `{ $field, stream }` struct, and
/// its two calls from the given closures-as-expressions.
macro_rules! path_impl {
    ($ty:ident, $name:expr, $field:ident,
     send($s:ident, $sbuf:ident) $send:expr,
     recv($r:ident, $rbuf:ident) $recv:expr) => {
        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.$field.as_fd()
            }
        }
        impl Path for $ty {
            fn name(&self) -> PathName {
                $name
            }
            fn is_stream(&self) -> bool {
                self.stream
            }
            // Inlined into the provided message methods where the compiler agrees, as rustix's
            // calls are: the measured frames are then the same for every path.
            #[inline]
            fn send(&mut self, $sbuf: &[u8]) -> io::Result<usize> {
                let $s = &mut *self;
                $send
            }
            #[inline]
            fn recv(&mut self, $rbuf: &mut [u8]) -> io::Result<usize> {
                let $r = &mut *self;
                $recv
            }
        }
    };
}

impl AsFd for CFloor {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// `libc-read-write`: `write(2)` / `read(2)`.
struct ReadWrite {
    fd: OwnedFd,
    stream: bool,
}
path_impl!(ReadWrite, PathName::LibcReadWrite, fd,
    send(s, buf) Ok(sys::write(&s.fd, buf)?),
    recv(s, buf) Ok(sys::read(&s.fd, buf)?));

/// `libc-send-recv`: `send(2)` / `recv(2)`, flags 0.
struct SendRecv {
    fd: OwnedFd,
    stream: bool,
}
path_impl!(SendRecv, PathName::LibcSendRecv, fd,
    send(s, buf) Ok(sys::send(&s.fd, buf, 0)?),
    recv(s, buf) Ok(sys::recv(&s.fd, buf, 0)?));

/// `libc-sendto-recvfrom`: `sendto(2)` to `peer` / `recvfrom(2)` with an address buffer.
struct SendtoRecvfrom {
    fd: OwnedFd,
    stream: bool,
    peer: SockAddr,
}
path_impl!(SendtoRecvfrom, PathName::LibcSendtoRecvfrom, fd,
    send(s, buf) Ok(sys::sendto(&s.fd, buf, 0, &s.peer)?),
    recv(s, buf) Ok(sys::recvfrom(&s.fd, buf, 0)?.0));

/// std's socket type for a transport.
enum StdSock {
    Tcp(TcpStream),
    Udp(UdpSocket),
    Unix(UnixStream),
    UnixDgram(UnixDatagram),
}

impl StdSock {
    fn new(transport: Transport, fd: OwnedFd) -> StdSock {
        match transport {
            Transport::Tcp => StdSock::Tcp(fd.into()),
            Transport::Udp => StdSock::Udp(fd.into()),
            Transport::Unix => StdSock::Unix(fd.into()),
            Transport::UnixDgram => StdSock::UnixDgram(fd.into()),
        }
    }
}

impl AsFd for StdSock {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            StdSock::Tcp(s) => s.as_fd(),
            StdSock::Udp(s) => s.as_fd(),
            StdSock::Unix(s) => s.as_fd(),
            StdSock::UnixDgram(s) => s.as_fd(),
        }
    }
}

/// `std`: `Read`/`Write` on the stream types, `send`/`recv` on the datagram types.
struct Std {
    sock: StdSock,
    stream: bool,
}
path_impl!(Std, PathName::Std, sock,
send(s, buf) match &mut s.sock {
    StdSock::Tcp(t) => t.write(buf),
    StdSock::Udp(u) => u.send(buf),
    StdSock::Unix(u) => u.write(buf),
    StdSock::UnixDgram(u) => u.send(buf),
},
recv(s, buf) match &mut s.sock {
    StdSock::Tcp(t) => t.read(buf),
    StdSock::Udp(u) => u.recv(buf),
    StdSock::Unix(u) => u.read(buf),
    StdSock::UnixDgram(u) => u.recv(buf),
});

/// `nix`: `nix::sys::socket::send` / `recv`, empty flags.
struct Nix {
    fd: OwnedFd,
    stream: bool,
}
path_impl!(Nix, PathName::Nix, fd,
send(s, buf) {
    use nix::sys::socket::{send, MsgFlags};
    Ok(send(s.fd.as_raw_fd(), buf, MsgFlags::empty())?)
},
recv(s, buf) {
    use nix::sys::socket::{recv, MsgFlags};
    Ok(recv(s.fd.as_raw_fd(), buf, MsgFlags::empty())?)
});

/// `socket2`: `Socket::send` (which adds `MSG_NOSIGNAL`) / `Read::read` (its `recv`).
struct Socket2 {
    sock: socket2::Socket,
    stream: bool,
}
path_impl!(Socket2, PathName::Socket2, sock,
    send(s, buf) s.sock.send(buf),
    recv(s, buf) s.sock.read(buf));

/// `rustix`: `rustix::net::send` / `recv`, empty flags.
struct Rustix {
    fd: OwnedFd,
    stream: bool,
}
path_impl!(Rustix, PathName::Rustix, fd,
    send(s, buf) Ok(rustix::net::send(&s.fd, buf, rustix::net::SendFlags::empty())?),
    recv(s, buf) Ok(rustix::net::recv(&s.fd, buf, rustix::net::RecvFlags::empty())?.0));

/// `libc-sendmsg-recvmsg`: `sendmsg(2)` / `recvmsg(2)` with one iovec, no address (the sockets
/// are connected) and no control data.
struct SendmsgRecvmsg {
    fd: OwnedFd,
    stream: bool,
}
path_impl!(SendmsgRecvmsg, PathName::LibcSendmsgRecvmsg, fd,
    send(s, buf) Ok(sys::sendmsg(&s.fd, None, &[IoSlice::new(buf)], None, 0)?),
    recv(s, buf) Ok(sys::recvmsg(&s.fd, &mut [IoSliceMut::new(buf)], None, 0)?.bytes));

/// `libc-mmsg`: `sendmmsg(2)` / `recvmmsg(2)` over reusable [`sys::MmsgBatch`]es. Batches of
/// `n` go out in one `sendmmsg` and come in with `recvmmsg`; the single calls are batches of
/// one.
struct Mmsg {
    fd: OwnedFd,
    stream: bool,
    tx: sys::MmsgBatch,
    rx: sys::MmsgBatch,
    /// `(n, len)` the first `n` tx slots hold copies of the batch payload for: a sender builds
    /// its messages in the batch once, as a program batching its output would.
    filled: (usize, usize),
}

impl Mmsg {
    fn new(fd: OwnedFd, stream: bool, size: usize) -> Mmsg {
        Mmsg {
            fd,
            stream,
            tx: sys::MmsgBatch::new(1, size.max(1)),
            rx: sys::MmsgBatch::new(1, size.max(1)),
            filled: (0, 0),
        }
    }

    /// Grows `batch` to at least `n` slots of `len` bytes.
    fn ensure(batch: &mut sys::MmsgBatch, n: usize, len: usize) -> bool {
        if batch.slots() < n || batch.capacity() < len {
            *batch = sys::MmsgBatch::new(n.max(batch.slots()), len.max(batch.capacity()).max(1));
            return true;
        }
        false
    }
}

impl AsFd for Mmsg {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for Mmsg {
    fn name(&self) -> PathName {
        PathName::LibcMmsg
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        Mmsg::ensure(&mut self.tx, 1, buf.len());
        self.filled = (0, 0);
        self.tx.set(0, buf, None)?;
        sys::sendmmsg(&self.fd, &mut self.tx, 1, 0)?;
        Ok(self.tx.get(0).map_or(0, |m| m.msg_len()))
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Mmsg::ensure(&mut self.rx, 1, buf.len());
        sys::recvmmsg(&self.fd, &mut self.rx, 1, 0, None)?;
        let m = self.rx.get(0).ok_or(io::ErrorKind::UnexpectedEof)?;
        let n = m.bytes().len().min(buf.len());
        buf[..n].copy_from_slice(&m.bytes()[..n]);
        Ok(m.msg_len())
    }
    fn send_batch(&mut self, buf: &[u8], n: usize) -> io::Result<()> {
        if Mmsg::ensure(&mut self.tx, n, buf.len()) || self.filled != (n, buf.len()) {
            for i in 0..n {
                self.tx.set(i, buf, None)?;
            }
            self.filled = (n, buf.len());
        }
        let sent = sys::sendmmsg(&self.fd, &mut self.tx, n, 0)?;
        if sent < n {
            return Err(io::Error::other(format!("sendmmsg sent {sent} of {n}")));
        }
        Ok(())
    }
    /// Receives `n` messages with `recvmmsg` (blocking: it returns once `n - got` arrived); the
    /// data stays in the batch, as a program would process it there.
    fn recv_batch(&mut self, buf: &mut [u8], n: usize) -> io::Result<()> {
        Mmsg::ensure(&mut self.rx, n, buf.len());
        let mut got = 0;
        while got < n {
            got += sys::recvmmsg(&self.fd, &mut self.rx, n - got, 0, None)?;
        }
        Ok(())
    }
    fn batch_once(&mut self, rx: &mut dyn Path, buf: &mut [u8], n: usize) -> io::Result<()> {
        self.send_batch(buf, n)?;
        rx.recv_batch(buf, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in PathName::ALL {
            assert_eq!(p.name().parse::<PathName>(), Ok(p));
        }
        for t in Transport::ALL {
            assert_eq!(t.name().parse::<Transport>(), Ok(t));
        }
        assert!("tcp6".parse::<Transport>().is_err());
    }

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

    /// Every available path on every transport: one same-thread pair, one echoed round trip.
    #[test]
    fn every_path_moves_bytes() {
        for t in Transport::ALL {
            for p in PathName::ALL {
                let (mut a, mut b) = match make(p, t, 100) {
                    Err(e) if e.kind() == io::ErrorKind::Unsupported => continue,
                    r => r.unwrap(),
                };
                let mut buf: Vec<u8> = (0..100).collect();
                a.pair_once(&mut *b, &mut buf).unwrap();
                assert_eq!(buf, (0..100).collect::<Vec<u8>>(), "{p} {t}");
                let echo = spawn_echo(b, 100, None);
                a.rtt_once(&mut buf).unwrap();
                assert_eq!(buf, (0..100).collect::<Vec<u8>>(), "{p} {t}");
                stop_echo(&*a).unwrap();
                assert!(echo.join().unwrap().unwrap() >= 1, "{p} {t}");
            }
        }
    }
}
