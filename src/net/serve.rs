//! `socklab serve`: one thread, one poll(2) loop, many clients; echoes or discards what they
//! send and stops when a stop fd (a signalfd for SIGINT/SIGTERM in the CLI) becomes readable.
//!
//! # Why a poll loop, not a thread per client
//! - **Shutdown is one event among the others**: the signalfd sits in the same poll set as the
//!   sockets, so SIGINT/SIGTERM end the loop between two calls, with every counter consistent,
//!   and no thread has to be woken out of a blocking `recv`.
//! - **Many clients on few cores**: the load test runs 550 clients at once on 2 CPUs; 550
//!   threads would mostly measure the scheduler. One loop keeps, per client, its fd and a
//!   buffer of at most 64 KiB for the echo it could not send yet (empty until it needs one).
//! - **What C servers do**: the seed's C++ server is one blocking accept loop; the usual next
//!   step in C is exactly this loop (poll, or epoll beyond a few thousand fds, where poll's
//!   O(n) scan per wake-up starts to cost). socklab's `sys` has poll(2), so the loop is
//!   portable to any POSIX system.
//!
//! Every fd is non-blocking (`SOCK_NONBLOCK`, `accept4(SOCK_NONBLOCK)`) and close-on-exec;
//! sends use `MSG_NOSIGNAL`, so a client that vanishes costs an `EPIPE`/`ECONNRESET` counted in
//! `errors`, never a SIGPIPE.
//!
//! # The UDP side
//! One socket; each datagram is counted per peer and, in echo mode, sent back. A datagram of
//! exactly [`CONTROL_LEN`] bytes starting with [`CONTROL_MAGIC`] is a request from
//! [`client::stream`](super::client::stream) instead: byte 8 = [`OP_RESET`] zeroes the peer's
//! counters, [`OP_STAT`] returns them — the receiver's count, from which the client computes
//! loss and throughput. Such a datagram is neither counted nor echoed.

use std::collections::HashMap;
use std::fmt;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::PathBuf;
use std::time::Instant;

use super::{Endpoint, NetError, Transport};
use crate::sys::{self, Errno, PollFd};
use crate::sys::{
    AF_INET, AF_INET6, AF_UNIX, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_STREAM,
};
use crate::Socket;

/// The first 8 bytes of a UDP control datagram.
pub const CONTROL_MAGIC: [u8; 8] = *b"SOCKLAB\x01";
/// A control request's length: magic, op byte, 7 bytes of padding.
pub const CONTROL_LEN: usize = 16;
/// Control op: zero this peer's counters (the reply is a [`OP_STAT`]-shaped zero report).
pub const OP_RESET: u8 = 1;
/// Control op: reply with this peer's counters: magic, op, then datagrams, bytes and the ns
/// from the first to the last datagram, each a little-endian u64 (40 bytes).
pub const OP_STAT: u8 = 2;
/// A control reply's length.
pub const STAT_LEN: usize = 40;

/// Per-read buffer and largest pending echo per client.
const BUF: usize = 64 * 1024;
/// `listen(2)` backlog: the load test opens 550 connections in a burst.
const BACKLOG: i32 = 1024;

/// What the server does with what it reads.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Send every byte (datagram) back to its sender.
    Echo,
    /// Read and discard.
    Sink,
}

impl std::str::FromStr for Mode {
    type Err = NetError;
    /// `echo` or `sink`; anything else is [`NetError::Unknown`].
    fn from_str(s: &str) -> Result<Mode, NetError> {
        match s {
            "echo" => Ok(Mode::Echo),
            "sink" => Ok(Mode::Sink),
            _ => Err(NetError::Unknown {
                what: "mode",
                name: s.to_owned(),
                allowed: "echo, sink",
            }),
        }
    }
}

/// `serve`'s settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// tcp, udp or unix.
    pub transport: Transport,
    /// Where to bind (port 0: the kernel picks one; [`Server::local`] tells which).
    pub addr: Endpoint,
    /// Echo or sink.
    pub mode: Mode,
    /// Connections served at once (streams); further clients wait in the listen backlog until
    /// one closes. `usize::MAX` for no limit but the fd limit.
    pub max_conns: usize,
    /// `SO_RCVBUF` to ask for (UDP: room for bursts, so the loss counted is the link's and not
    /// the receive buffer's). When `net.core.rmem_max` caps it, `SO_RCVBUFFORCE` is tried
    /// (root only). `None`: the kernel's default.
    pub rcvbuf: Option<usize>,
}

/// The one-line summary printed on SIGINT/SIGTERM.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Connections accepted (streams) or distinct peers seen (UDP).
    pub connections: u64,
    /// Payload bytes read.
    pub bytes_in: u64,
    /// Payload bytes sent back.
    pub bytes_out: u64,
    /// Failed calls on client sockets (resets, EPIPE, EMFILE on accept…).
    pub errors: u64,
    /// The last such error, as strace prints it.
    pub last_error: Option<String>,
}

impl fmt::Display for Summary {
    /// `serve: 3 connections, 196608 bytes in, 196608 bytes out, 0 errors`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "serve: {} connections, {} bytes in, {} bytes out, {} errors",
            self.connections, self.bytes_in, self.bytes_out, self.errors
        )?;
        if let Some(e) = &self.last_error {
            write!(f, " (last: {e})")?;
        }
        Ok(())
    }
}

impl Summary {
    fn error(&mut self, e: &sys::Error) {
        self.errors += 1;
        self.last_error = Some(e.to_string());
    }
}

/// A bound (and, for streams, listening) server socket.
#[derive(Debug)]
pub struct Server {
    sock: Socket,
    cfg: Config,
    local: Endpoint,
}

/// The domain for an endpoint.
pub(crate) fn domain(addr: &Endpoint) -> i32 {
    match addr {
        Endpoint::Inet(a) if a.is_ipv4() => AF_INET,
        Endpoint::Inet(_) => AF_INET6,
        _ => AF_UNIX,
    }
}

impl Server {
    /// `socket(…, SOCK_NONBLOCK|SOCK_CLOEXEC)`, `setsockopt(SO_REUSEADDR)` for TCP (so a
    /// restarted server can bind while old connections sit in TIME_WAIT, as C servers do),
    /// `bind`, and `listen(fd, 1024)` for streams.
    ///
    /// # Errors
    /// [`NetError::AddrFamily`] when the address does not suit the transport; [`NetError::Sys`] for
    /// the failed call (`bind(fd 3, 127.0.0.1:80): EACCES …`).
    pub fn bind(cfg: Config) -> Result<Server, NetError> {
        cfg.transport.check_addr("--addr", &cfg.addr)?;
        let ty = if cfg.transport.is_stream() {
            SOCK_STREAM
        } else {
            SOCK_DGRAM
        };
        let sock = Socket::socket(domain(&cfg.addr), ty | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)?;
        if cfg.transport == Transport::Tcp {
            sock.set_reuseaddr(true)?;
        }
        if let Some(n) = cfg.rcvbuf {
            sock.set_opt(sys::opt::SoRcvBuf, n)?;
            // The kernel doubles the value and caps it at rmem_max; past the cap, try to force.
            if sock.get_opt(sys::opt::SoRcvBuf)? < n {
                let _ = sock.set_opt(sys::opt::SoRcvBufForce, n);
            }
        }
        sock.bind(&cfg.addr.to_sockaddr()?)?;
        if cfg.transport.is_stream() {
            sock.listen(BACKLOG)?;
        }
        let bound = sock.getsockname()?;
        let local = Endpoint::from_sockaddr(&bound).unwrap_or_else(|| cfg.addr.clone());
        Ok(Server { sock, cfg, local })
    }

    /// The bound address, with the port the kernel picked: what `listening on` prints.
    pub fn local(&self) -> &Endpoint {
        &self.local
    }

    /// Serves until `stop` is readable (a signalfd, or one end of a socketpair in tests), then
    /// closes every client and returns the counts. A Unix pathname socket's file is unlinked.
    ///
    /// # Errors
    /// A failed poll(2) (other than `EINTR`) or a failed call on the listening socket; errors
    /// on client sockets are counted in [`Summary::errors`] instead.
    pub fn run(self, stop: BorrowedFd<'_>) -> Result<Summary, NetError> {
        let unlink = match &self.local {
            Endpoint::UnixPath(p) => Some(p.clone()),
            _ => None,
        };
        let _unlink = Unlink(unlink);
        if self.cfg.transport.is_stream() {
            self.run_stream(stop)
        } else {
            self.run_udp(stop)
        }
    }

    fn run_stream(&self, stop: BorrowedFd<'_>) -> Result<Summary, NetError> {
        let mut sum = Summary::default();
        let mut conns: Vec<Conn> = Vec::new();
        let mut buf = vec![0u8; BUF];
        let mut pause_accept = false;
        loop {
            let accepting = conns.len() < self.cfg.max_conns && !pause_accept;
            let revents = {
                let mut fds = Vec::with_capacity(conns.len() + 2);
                fds.push(PollFd::new(stop, libc::POLLIN));
                fds.push(PollFd::new(
                    self.sock.as_fd(),
                    if accepting { libc::POLLIN } else { 0 },
                ));
                for c in &conns {
                    fds.push(PollFd::new(c.sock.as_fd(), c.events()));
                }
                // After EMFILE, wait 50 ms before accepting again instead of spinning.
                let timeout = if pause_accept { 50 } else { -1 };
                match sys::poll(&mut fds, timeout) {
                    Ok(_) => {}
                    Err(e) if e.code() == Errno::EINTR => continue,
                    Err(e) => return Err(e.into()),
                }
                fds.iter().map(PollFd::revents).collect::<Vec<_>>()
            };
            pause_accept = false;
            if revents[0] != 0 {
                return Ok(sum);
            }
            for (c, &ev) in conns.iter_mut().zip(&revents[2..]) {
                if ev != 0 {
                    c.service(self.cfg.mode, &mut buf, &mut sum);
                }
            }
            conns.retain(|c| !c.done);
            if revents[1] != 0 {
                while conns.len() < self.cfg.max_conns {
                    match sys::accept4(&self.sock, None, SOCK_NONBLOCK | SOCK_CLOEXEC) {
                        Ok(fd) => {
                            sum.connections += 1;
                            conns.push(Conn {
                                sock: Socket::from(fd),
                                pending: Vec::new(),
                                sent: 0,
                                eof: false,
                                done: false,
                            });
                        }
                        Err(e) if e.code() == Errno::EAGAIN => break,
                        Err(e) if e.code() == Errno::EINTR => continue,
                        Err(e) if e.code() == Errno::ECONNABORTED => sum.error(&e),
                        Err(e)
                            if [Errno::EMFILE, Errno::ENFILE, Errno::ENOBUFS, Errno::ENOMEM]
                                .contains(&e.code()) =>
                        {
                            sum.error(&e);
                            pause_accept = true;
                            break;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
    }

    fn run_udp(&self, stop: BorrowedFd<'_>) -> Result<Summary, NetError> {
        let mut sum = Summary::default();
        let mut peers: HashMap<Vec<u8>, PeerCount> = HashMap::new();
        let mut buf = vec![0u8; BUF];
        loop {
            let revents = {
                let mut fds = [
                    PollFd::new(stop, libc::POLLIN),
                    PollFd::new(self.sock.as_fd(), libc::POLLIN),
                ];
                match sys::poll(&mut fds, -1) {
                    Ok(_) => {}
                    Err(e) if e.code() == Errno::EINTR => continue,
                    Err(e) => return Err(e.into()),
                }
                [fds[0].revents(), fds[1].revents()]
            };
            if revents[0] != 0 {
                return Ok(sum);
            }
            // Drain what is queued (bounded, so the stop fd is looked at again soon).
            for _ in 0..256 {
                let (n, from) = match sys::recvfrom(&self.sock, &mut buf[..], libc::MSG_DONTWAIT) {
                    Ok((n, Some(from))) => (n, from),
                    Ok((_, None)) => continue,
                    Err(e) if e.code() == Errno::EAGAIN => break,
                    Err(e) if e.code() == Errno::EINTR => continue,
                    Err(e) => {
                        // ECONNREFUSED from an ICMP error to an earlier echo, for example.
                        sum.error(&e);
                        continue;
                    }
                };
                let key = from.as_bytes().to_vec();
                if !peers.contains_key(&key) {
                    sum.connections += 1;
                }
                let peer = peers.entry(key).or_default();
                let data = &buf[..n.min(buf.len())];
                if n == CONTROL_LEN && data[..8] == CONTROL_MAGIC {
                    let reply = peer.control(data[8]);
                    if let Err(e) = sys::sendto(&self.sock, &reply, libc::MSG_DONTWAIT, &from) {
                        sum.error(&e);
                    }
                    continue;
                }
                peer.count(n);
                sum.bytes_in += n as u64;
                if self.cfg.mode == Mode::Echo {
                    match sys::sendto(&self.sock, data, libc::MSG_DONTWAIT, &from) {
                        Ok(m) => sum.bytes_out += m as u64,
                        Err(e) => sum.error(&e),
                    }
                }
            }
        }
    }
}

/// Unlinks a Unix socket's file when the server stops (C servers unlink before bind; socklab
/// leaves no file behind instead, so the next bind finds none).
struct Unlink(Option<PathBuf>);

impl Drop for Unlink {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// One UDP peer's counters since its last [`OP_RESET`].
#[derive(Default)]
struct PeerCount {
    datagrams: u64,
    bytes: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl PeerCount {
    fn count(&mut self, n: usize) {
        let now = Instant::now();
        self.datagrams += 1;
        self.bytes += n as u64;
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    fn control(&mut self, op: u8) -> [u8; STAT_LEN] {
        if op == OP_RESET {
            *self = PeerCount::default();
        }
        let span = match (self.first, self.last) {
            (Some(a), Some(b)) => b.duration_since(a).as_nanos() as u64,
            _ => 0,
        };
        let mut r = [0u8; STAT_LEN];
        r[..8].copy_from_slice(&CONTROL_MAGIC);
        r[8] = op;
        r[16..24].copy_from_slice(&self.datagrams.to_le_bytes());
        r[24..32].copy_from_slice(&self.bytes.to_le_bytes());
        r[32..40].copy_from_slice(&span.to_le_bytes());
        r
    }
}

/// One accepted stream connection.
struct Conn {
    sock: Socket,
    /// Bytes read and not yet echoed (`pending[sent..]`).
    pending: Vec<u8>,
    sent: usize,
    /// The client shut its write side (read returned 0).
    eof: bool,
    /// Closed: dropped after this round.
    done: bool,
}

impl Conn {
    fn events(&self) -> i16 {
        if self.sent < self.pending.len() {
            libc::POLLOUT
        } else {
            libc::POLLIN
        }
    }

    /// Reads once or sends once, whichever the connection waits for.
    fn service(&mut self, mode: Mode, buf: &mut [u8], sum: &mut Summary) {
        if self.sent < self.pending.len() {
            self.flush(sum);
            return;
        }
        match sys::recv(&self.sock, &mut *buf, libc::MSG_DONTWAIT) {
            Ok(0) => {
                self.eof = true;
                self.done = true;
            }
            Ok(n) => {
                sum.bytes_in += n as u64;
                if mode == Mode::Echo {
                    self.pending.clear();
                    self.pending.extend_from_slice(&buf[..n]);
                    self.sent = 0;
                    self.flush(sum);
                }
            }
            Err(e) if e.code() == Errno::EAGAIN || e.code() == Errno::EINTR => {}
            Err(e) => {
                sum.error(&e);
                self.done = true;
            }
        }
    }

    /// Sends as much pending echo as the socket takes now.
    fn flush(&mut self, sum: &mut Summary) {
        while self.sent < self.pending.len() {
            match sys::send(
                &self.sock,
                &self.pending[self.sent..],
                libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
            ) {
                Ok(n) => {
                    self.sent += n;
                    sum.bytes_out += n as u64;
                }
                Err(e) if e.code() == Errno::EAGAIN => return,
                Err(e) if e.code() == Errno::EINTR => {}
                Err(e) => {
                    sum.error(&e);
                    self.done = true;
                    return;
                }
            }
        }
    }
}
