//! `mio`: mio's `Poll` with its `UdpSocket`, `TcpStream`, `UnixStream` and `UnixDatagram` (feature
//! `event`); its twin is `c-epoll`, the syscalls mio makes.
//!
//! As `libc-epoll`, each end has its own `Poll` (an epoll set), its socket registered once for
//! `Interest::READABLE` (mio: `EPOLLIN | EPOLLRDHUP | EPOLLET`), a call that would block waits in
//! `poll` (8 events, no timeout: `poll(None)`) and is tried again, and a send that finds the buffer full waits
//! registered for `WRITABLE` too (`reregister`, then back). mio's sockets are `O_NONBLOCK`
//! (`set_nonblocking`, at set-up), so its calls pass flags 0 where `libc-epoll` passes
//! `MSG_DONTWAIT`; the syscalls are the same.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};

use ::mio::net::{TcpStream, UdpSocket, UnixDatagram, UnixStream};
use ::mio::{Events, Interest, Poll, Token};

use super::epoll::EVENTS;
use super::{End, Path, PathName, Transport};

/// The one token: each `Poll` watches one socket.
const SOCKET: Token = Token(0);

/// Wraps `end` in `mio`: the socket made non-blocking and handed to mio, registered with a new
/// `Poll`.
///
/// # Errors
/// `ioctl(FIONBIO)`'s, `epoll_create1`'s or `epoll_ctl`'s.
pub(super) fn wrap(end: End) -> io::Result<Box<dyn Path>> {
    let stream = end.stream();
    let mut sock = match end.transport {
        Transport::Tcp => {
            let s = std::net::TcpStream::from(end.fd);
            s.set_nonblocking(true)?;
            Sock::Tcp(TcpStream::from_std(s))
        }
        Transport::Udp => {
            let s = std::net::UdpSocket::from(end.fd);
            s.set_nonblocking(true)?;
            Sock::Udp(UdpSocket::from_std(s))
        }
        Transport::Unix => {
            let s = std::os::unix::net::UnixStream::from(end.fd);
            s.set_nonblocking(true)?;
            Sock::Unix(UnixStream::from_std(s))
        }
        Transport::UnixDgram => {
            let s = std::os::unix::net::UnixDatagram::from(end.fd);
            s.set_nonblocking(true)?;
            Sock::UnixDgram(UnixDatagram::from_std(s))
        }
    };
    let poll = Poll::new()?;
    sock.register(&poll, Interest::READABLE, false)?;
    Ok(Box::new(Mio {
        sock,
        poll,
        events: Events::with_capacity(EVENTS),
        stream,
    }))
}

/// mio's socket of each transport.
enum Sock {
    Tcp(TcpStream),
    Udp(UdpSocket),
    Unix(UnixStream),
    UnixDgram(UnixDatagram),
}

impl Sock {
    /// `register` (or `reregister`) with `poll` for `interest`.
    fn register(&mut self, poll: &Poll, interest: Interest, again: bool) -> io::Result<()> {
        let r = poll.registry();
        let source: &mut dyn ::mio::event::Source = match self {
            Sock::Tcp(s) => s,
            Sock::Udp(s) => s,
            Sock::Unix(s) => s,
            Sock::UnixDgram(s) => s,
        };
        if again {
            r.reregister(source, SOCKET, interest)
        } else {
            r.register(source, SOCKET, interest)
        }
    }

    /// One send: `send` on datagram sockets, `write` (std's `send`) on streams.
    #[inline]
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sock::Tcp(s) => s.write(buf),
            Sock::Udp(s) => s.send(buf),
            Sock::Unix(s) => s.write(buf),
            Sock::UnixDgram(s) => s.send(buf),
        }
    }

    /// One receive.
    #[inline]
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Sock::Tcp(s) => s.read(buf),
            Sock::Udp(s) => s.recv(buf),
            Sock::Unix(s) => s.read(buf),
            Sock::UnixDgram(s) => s.recv(buf),
        }
    }
}

/// `mio`: one end, its `Poll` and its events.
struct Mio {
    sock: Sock,
    poll: Poll,
    events: Events,
    stream: bool,
}

impl Mio {
    /// Polls until an event for the socket says it is `writable` (else readable, or closed or
    /// failed); `EINTR` retried.
    fn wait(&mut self, writable: bool) -> io::Result<()> {
        loop {
            match self.poll.poll(&mut self.events, None) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => r?,
            }
            let ready = self.events.iter().any(|e| {
                e.is_error()
                    || if writable {
                        e.is_writable() || e.is_write_closed()
                    } else {
                        e.is_readable() || e.is_read_closed()
                    }
            });
            if ready {
                return Ok(());
            }
        }
    }

    /// A send found the buffer full: registered for `WRITABLE` too while it waits.
    fn wait_writable(&mut self) -> io::Result<()> {
        let both = Interest::READABLE | Interest::WRITABLE;
        self.sock.register(&self.poll, both, true)?;
        let waited = self.wait(true);
        self.sock.register(&self.poll, Interest::READABLE, true)?;
        waited
    }
}

impl AsFd for Mio {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match &self.sock {
            Sock::Tcp(s) => s.as_fd(),
            Sock::Udp(s) => s.as_fd(),
            Sock::Unix(s) => s.as_fd(),
            Sock::UnixDgram(s) => s.as_fd(),
        }
    }
}

impl Path for Mio {
    fn name(&self) -> PathName {
        PathName::Mio
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    #[inline]
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            match self.sock.send(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.wait_writable()?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                r => return r,
            }
        }
    }
    #[inline]
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.sock.recv(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.wait(false)?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                r => return r,
            }
        }
    }
}
