//! [`Socket`]: an owned socket fd with methods named after the C calls, `Read`/`Write`, and
//! conversions to and from std's socket types. A thin layer over [`crate::sys`].

use std::io;
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::os::raw::c_int;
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};

use crate::sys::{self, Errno, FcntlArg, Result, SockAddr};

/// An owned socket: an [`OwnedFd`] with the socket calls as methods.
///
/// The methods keep C's names and pass flags as given, like [`crate::sys`]. What `Socket` adds:
/// - **ownership**: the fd closes on drop (use [`Socket::close`] to see close's error);
/// - **EINTR retry** in the calls that can safely restart — [`accept`](Socket::accept),
///   [`accept4`](Socket::accept4), [`read`](Socket::read), [`write`](Socket::write),
///   [`send`](Socket::send), [`recv`](Socket::recv), [`sendto`](Socket::sendto),
///   [`recvfrom`](Socket::recvfrom), [`sendmsg`](Socket::sendmsg), [`recvmsg`](Socket::recvmsg),
///   [`sendmmsg`](Socket::sendmmsg), [`recvmmsg`](Socket::recvmmsg) — each retries while the call fails with `EINTR` (std's
///   `accept` does too; std's `read`/`write`/`send`/`recv` return `ErrorKind::Interrupted` and
///   leave the retry to `read_exact`/`write_all`). [`connect`](Socket::connect) does **not**
///   retry: an interrupted stream connect completes in the background, and connecting again
///   gives `EALREADY`.
/// - **`std::io::Read`/`Write`**, on top of `read`/`write`.
///
/// ```
/// use socklab::{Socket, SockAddr, sys::{AF_INET, SOCK_DGRAM}};
/// let a = Socket::socket(AF_INET, SOCK_DGRAM, 0)?;
/// a.bind(&SockAddr::from(std::net::SocketAddr::from(([127, 0, 0, 1], 0))))?;
/// let b = Socket::socket(AF_INET, SOCK_DGRAM, 0)?;
/// b.sendto(b"hi", 0, &a.getsockname()?)?;
/// let mut buf = [0u8; 16];
/// let (n, from) = a.recvfrom(&mut buf, 0)?;
/// assert_eq!(&buf[..n], b"hi");
/// // b was bound implicitly by sendto: the kernel picked 0.0.0.0 and a free port.
/// let port = |a: socklab::SockAddr| a.as_socket().unwrap().port();
/// assert_eq!(port(from.unwrap()), port(b.getsockname()?));
/// # Ok::<(), socklab::Error>(())
/// ```
#[derive(Debug)]
pub struct Socket {
    fd: OwnedFd,
}

/// Calls `f` again while it fails with `EINTR`: the one retry loop of the `Socket` layer.
fn retry<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
    loop {
        match f() {
            Err(e) if e.code() == Errno::EINTR => continue,
            r => return r,
        }
    }
}

impl Socket {
    /// `socket(domain, type, protocol)` — socket(2), owned. See [`sys::socket`].
    ///
    /// # Errors
    /// As [`sys::socket`].
    #[allow(clippy::self_named_constructors)] // the C name is the point: Socket::socket(…)
    pub fn socket(domain: c_int, ty: c_int, protocol: c_int) -> Result<Socket> {
        sys::socket(domain, ty, protocol).map(Socket::from)
    }

    /// `socketpair(domain, type, protocol, sv)` — socketpair(2), owned. See [`sys::socketpair`].
    ///
    /// # Errors
    /// As [`sys::socketpair`].
    pub fn socketpair(domain: c_int, ty: c_int, protocol: c_int) -> Result<(Socket, Socket)> {
        let (a, b) = sys::socketpair(domain, ty, protocol)?;
        Ok((a.into(), b.into()))
    }

    /// `bind(fd, addr, addrlen)` — bind(2). See [`sys::bind`].
    ///
    /// # Errors
    /// As [`sys::bind`].
    pub fn bind(&self, addr: &SockAddr) -> Result<()> {
        sys::bind(self, addr)
    }

    /// `listen(fd, backlog)` — listen(2). See [`sys::listen`].
    ///
    /// # Errors
    /// As [`sys::listen`].
    pub fn listen(&self, backlog: c_int) -> Result<()> {
        sys::listen(self, backlog)
    }

    /// `accept(fd, &addr, &addrlen)` — accept(2), returning the connection and the peer.
    /// Retries `EINTR`. No `CLOEXEC` (use [`Socket::accept4`]).
    ///
    /// # Errors
    /// As [`sys::accept`], except `EINTR`.
    pub fn accept(&self) -> Result<(Socket, SockAddr)> {
        let mut peer = SockAddr::empty();
        let fd = retry(|| sys::accept(self, Some(&mut peer)))?;
        Ok((fd.into(), peer))
    }

    /// `accept4(fd, &addr, &addrlen, flags)` — accept4(2). Retries `EINTR`.
    ///
    /// # Errors
    /// As [`sys::accept4`], except `EINTR`.
    pub fn accept4(&self, flags: c_int) -> Result<(Socket, SockAddr)> {
        let mut peer = SockAddr::empty();
        let fd = retry(|| sys::accept4(self, Some(&mut peer), flags))?;
        Ok((fd.into(), peer))
    }

    /// `connect(fd, addr, addrlen)` — connect(2). Does not retry `EINTR` (see the type docs).
    ///
    /// # Errors
    /// As [`sys::connect`].
    pub fn connect(&self, addr: &SockAddr) -> Result<()> {
        sys::connect(self, addr)
    }

    /// `shutdown(fd, how)` — shutdown(2).
    ///
    /// # Errors
    /// As [`sys::shutdown`].
    pub fn shutdown(&self, how: Shutdown) -> Result<()> {
        sys::shutdown(self, how)
    }

    /// `close(fd)` — close(2), reporting its error (dropping a `Socket` closes silently).
    ///
    /// # Errors
    /// As [`sys::close`].
    pub fn close(self) -> Result<()> {
        sys::close(self.fd)
    }

    /// `getsockname(fd, …)` — getsockname(2): the local address.
    ///
    /// # Errors
    /// As [`sys::getsockname`].
    pub fn getsockname(&self) -> Result<SockAddr> {
        sys::getsockname(self)
    }

    /// `getpeername(fd, …)` — getpeername(2): the peer's address.
    ///
    /// # Errors
    /// As [`sys::getpeername`] (`ENOTCONN` when not connected).
    pub fn getpeername(&self) -> Result<SockAddr> {
        sys::getpeername(self)
    }

    /// `read(fd, buf, len)` — read(2). Retries `EINTR`. 0 means end of stream.
    ///
    /// # Errors
    /// As [`sys::read`], except `EINTR`.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        retry(|| sys::read(self, &mut *buf))
    }

    /// `write(fd, buf, len)` — write(2). Retries `EINTR`; may write fewer bytes than given.
    ///
    /// # Errors
    /// As [`sys::write`], except `EINTR`.
    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        retry(|| sys::write(self, buf))
    }

    /// `send(fd, buf, len, flags)` — send(2). Retries `EINTR`; flags as given.
    ///
    /// # Errors
    /// As [`sys::send`], except `EINTR`.
    pub fn send(&self, buf: &[u8], flags: c_int) -> Result<usize> {
        retry(|| sys::send(self, buf, flags))
    }

    /// `recv(fd, buf, len, flags)` — recv(2). Retries `EINTR`. Returns C's value, which with
    /// `MSG_TRUNC` is not the number of bytes written: a datagram's full length (only
    /// `min(n, buf.len())` bytes were written), or on TCP the bytes discarded without writing
    /// `buf` at all. To get exactly the bytes written, call [`sys::recv`] with a
    /// `&mut [MaybeUninit<u8>]` (see [`sys::RecvBuf`]).
    ///
    /// # Errors
    /// As [`sys::recv`], except `EINTR`.
    pub fn recv(&self, buf: &mut [u8], flags: c_int) -> Result<usize> {
        retry(|| sys::recv(self, &mut *buf, flags))
    }

    /// `sendto(fd, buf, len, flags, addr, addrlen)` — sendto(2). Retries `EINTR`.
    ///
    /// # Errors
    /// As [`sys::sendto`], except `EINTR`.
    pub fn sendto(&self, buf: &[u8], flags: c_int, addr: &SockAddr) -> Result<usize> {
        retry(|| sys::sendto(self, buf, flags, addr))
    }

    /// `recvfrom(fd, buf, len, flags, &addr, &addrlen)` — recvfrom(2). Retries `EINTR`.
    /// The address is `None` when the kernel wrote none (connected streams). The count is C's
    /// value: with `MSG_TRUNC` it is not the bytes written (see [`Socket::recv`]).
    ///
    /// # Errors
    /// As [`sys::recvfrom`], except `EINTR`.
    pub fn recvfrom(&self, buf: &mut [u8], flags: c_int) -> Result<(usize, Option<SockAddr>)> {
        retry(|| sys::recvfrom(self, &mut *buf, flags))
    }

    /// Sets or clears `O_NONBLOCK` with `fcntl(F_GETFL)` then `fcntl(F_SETFL)`, keeping the other
    /// status flags.
    ///
    /// # Errors
    /// As [`sys::fcntl`].
    pub fn set_nonblocking(&self, on: bool) -> Result<()> {
        let fl = sys::fcntl(self, FcntlArg::GetFl)?;
        let new = if on {
            fl | libc::O_NONBLOCK
        } else {
            fl & !libc::O_NONBLOCK
        };
        if new != fl {
            sys::fcntl(self, FcntlArg::SetFl(new))?;
        }
        Ok(())
    }

    /// Sets or clears `FD_CLOEXEC` with `fcntl(F_GETFD)` then `fcntl(F_SETFD)`.
    ///
    /// # Errors
    /// As [`sys::fcntl`].
    pub fn set_cloexec(&self, on: bool) -> Result<()> {
        let fl = sys::fcntl(self, FcntlArg::GetFd)?;
        let new = if on {
            fl | libc::FD_CLOEXEC
        } else {
            fl & !libc::FD_CLOEXEC
        };
        if new != fl {
            sys::fcntl(self, FcntlArg::SetFd(new))?;
        }
        Ok(())
    }
}

impl io::Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(Socket::read(self, buf)?)
    }
}

impl io::Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(Socket::write(self, buf)?)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl io::Read for &Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(Socket::read(self, buf)?)
    }
}

impl io::Write for &Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(Socket::write(self, buf)?)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl IntoRawFd for Socket {
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl From<OwnedFd> for Socket {
    fn from(fd: OwnedFd) -> Socket {
        Socket { fd }
    }
}

impl From<Socket> for OwnedFd {
    fn from(s: Socket) -> OwnedFd {
        s.fd
    }
}

/// `From` in both directions between `Socket` and a std type that is an `OwnedFd` inside.
macro_rules! std_conversions {
    ($($t:ty),*) => {$(
        impl From<$t> for Socket {
            fn from(s: $t) -> Socket {
                Socket { fd: OwnedFd::from(s) }
            }
        }
        impl From<Socket> for $t {
            /// The std type takes the fd as it is: no flag is changed, nothing is checked (a
            /// `Socket` that is not of the matching kind gives errors on use, as in C).
            fn from(s: Socket) -> $t {
                <$t>::from(s.fd)
            }
        }
    )*};
}

std_conversions!(
    TcpStream,
    TcpListener,
    UdpSocket,
    UnixStream,
    UnixListener,
    UnixDatagram
);

// ---- options (setsockopt/getsockopt) ----

/// The typed options only. There is no `Socket::getsockopt`: the byte-level calls need the
/// caller's promise about what `optlen` means for the option, so for an option socklab has no
/// type for, call [`sys::getsockopt`] (or [`sys::setsockopt`]) with `&socket` — their docs show
/// how — or add the type by implementing [`sys::SockOpt`] (an unsafe trait: the impl promises
/// the option's layout).
///
/// ```
/// use socklab::{Socket, sys::{self, opt::SoType, AF_INET, SOCK_STREAM}};
/// let s = Socket::socket(AF_INET, SOCK_STREAM, 0)?;
/// assert_eq!(s.get_opt(SoType)?, SOCK_STREAM); // getsockopt(fd, SOL_SOCKET, SO_TYPE, [1], [4])
/// # Ok::<(), socklab::Error>(())
/// ```
impl Socket {
    /// `setsockopt(fd, O::LEVEL, O::NAME, &c_value, sizeof c_value)` — setsockopt(2), typed. See
    /// [`sys::set_opt`] and the options in [`sys::opt`].
    ///
    /// # Errors
    /// As [`sys::set_opt`].
    ///
    /// # Example
    /// ```
    /// use socklab::{Socket, sys::{opt::SoLinger, AF_INET, SOCK_STREAM}};
    /// use std::time::Duration;
    /// let s = Socket::socket(AF_INET, SOCK_STREAM, 0)?;
    /// s.set_opt(SoLinger, Some(Duration::from_secs(5)))?;
    /// assert_eq!(s.get_opt(SoLinger)?, Some(Duration::from_secs(5)));
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn set_opt<O: sys::SetOpt>(&self, opt: O, value: O::Value) -> Result<()> {
        sys::set_opt(self, opt, value)
    }

    /// `getsockopt(fd, O::LEVEL, O::NAME, &c_value, &optlen)` — getsockopt(2), typed. See
    /// [`sys::get_opt`].
    ///
    /// # Errors
    /// As [`sys::get_opt`].
    ///
    /// # Example
    /// ```
    /// use socklab::{Socket, sys::{opt::SoType, AF_INET, SOCK_DGRAM}};
    /// let s = Socket::socket(AF_INET, SOCK_DGRAM, 0)?;
    /// assert_eq!(s.get_opt(SoType)?, SOCK_DGRAM);
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn get_opt<O: sys::GetOpt>(&self, opt: O) -> Result<O::Value> {
        sys::get_opt(self, opt)
    }

    /// `getsockopt(fd, SOL_SOCKET, SO_ERROR, …)` — the pending error, cleared by reading it
    /// (`None` if there is none). std's name for it; see [`sys::opt::SoError`].
    ///
    /// # Errors
    /// As [`sys::get_opt`].
    ///
    /// # Example
    /// ```
    /// use socklab::{Socket, sys::{AF_INET, SOCK_STREAM}};
    /// let s = Socket::socket(AF_INET, SOCK_STREAM, 0)?;
    /// assert_eq!(s.take_error()?, None);
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn take_error(&self) -> Result<Option<Errno>> {
        self.get_opt(sys::opt::SoError)
    }

    /// `setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, 4)` — see [`sys::opt::SoReuseAddr`] for
    /// what it does and does not allow on Linux.
    ///
    /// # Errors
    /// As [`sys::set_opt`].
    ///
    /// # Example
    /// ```
    /// use socklab::{Socket, sys::{opt::SoReuseAddr, AF_INET, SOCK_STREAM}};
    /// let s = Socket::socket(AF_INET, SOCK_STREAM, 0)?;
    /// s.set_reuseaddr(true)?;
    /// assert!(s.get_opt(SoReuseAddr)?);
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn set_reuseaddr(&self, on: bool) -> Result<()> {
        self.set_opt(sys::opt::SoReuseAddr, on)
    }

    /// `setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, 4)` — Nagle off (`true`) or on; see
    /// [`sys::opt::TcpNoDelay`].
    ///
    /// # Errors
    /// As [`sys::set_opt`]; `EOPNOTSUPP` on a socket that is not TCP.
    ///
    /// # Example
    /// ```
    /// use socklab::{Socket, sys::{opt::TcpNoDelay, AF_INET, SOCK_STREAM}};
    /// let s = Socket::socket(AF_INET, SOCK_STREAM, 0)?;
    /// s.set_nodelay(true)?;
    /// assert!(s.get_opt(TcpNoDelay)?);
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn set_nodelay(&self, on: bool) -> Result<()> {
        self.set_opt(sys::opt::TcpNoDelay, on)
    }

    /// `getsockopt(fd, IPPROTO_TCP, TCP_INFO, …)` — the connection's state, RTT and congestion
    /// window; see [`sys::opt::TcpInfoValue`].
    ///
    /// # Errors
    /// As [`sys::get_opt`]; `EOPNOTSUPP` on a socket that is not TCP.
    ///
    /// # Example
    /// ```
    /// use socklab::{Socket, sys::{opt::TcpState, AF_INET, SOCK_STREAM}};
    /// let s = Socket::socket(AF_INET, SOCK_STREAM, 0)?;
    /// assert_eq!(s.tcp_info()?.state, TcpState::CLOSE);
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn tcp_info(&self) -> Result<sys::opt::TcpInfoValue> {
        self.get_opt(sys::opt::TcpInfo)
    }
}

// ---- messages (sendmsg/recvmsg/mmsg) ----

impl Socket {
    /// `sendmsg(fd, msg, flags)` — sendmsg(2), arguments as [`sys::sendmsg`] (the `msghdr`'s
    /// fields in order: name, iovecs, control). Retries `EINTR` (nothing was sent then). Raw
    /// control bytes holding `SCM_RIGHTS` are refused (`EINVAL`): pass fds with
    /// [`Socket::sendmsg_cmsg`].
    ///
    /// # Errors
    /// As [`sys::sendmsg`], except `EINTR`.
    ///
    /// # Example
    /// ```
    /// use socklab::{Socket, sys::{AF_UNIX, SOCK_STREAM}};
    /// use std::io::IoSlice;
    /// let (a, b) = Socket::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
    /// assert_eq!(a.sendmsg(None, &[IoSlice::new(b"ab"), IoSlice::new(b"cd")], None, 0)?, 4);
    /// let mut buf = [0u8; 4];
    /// assert_eq!((b.read(&mut buf)?, &buf), (4, b"abcd"));
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn sendmsg(
        &self,
        addr: Option<&SockAddr>,
        iov: &[std::io::IoSlice<'_>],
        control: Option<&[u8]>,
        flags: c_int,
    ) -> Result<usize> {
        retry(|| sys::sendmsg(self, addr, iov, control, flags))
    }

    /// `sendmsg(fd, msg, flags)` — sendmsg(2) with a [`sys::CmsgBuffer`] as control data, as
    /// [`sys::sendmsg_cmsg`]: the way to pass fds (`SCM_RIGHTS`). Retries `EINTR`.
    ///
    /// # Errors
    /// As [`sys::sendmsg_cmsg`], except `EINTR`.
    ///
    /// # Example
    /// ```
    /// use socklab::{Socket, sys::{CmsgBuffer, AF_UNIX, SOCK_DGRAM}};
    /// use std::io::IoSlice;
    /// use std::os::fd::AsFd;
    /// let (a, _b) = Socket::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
    /// let (x, _y) = Socket::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
    /// let mut out = CmsgBuffer::new();
    /// out.push_fds(&[x.as_fd()]); // `out` borrows `x` while it can be sent
    /// assert_eq!(a.sendmsg_cmsg(None, &[IoSlice::new(b"fd")], &out, 0)?, 2);
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn sendmsg_cmsg(
        &self,
        addr: Option<&SockAddr>,
        iov: &[std::io::IoSlice<'_>],
        control: &sys::CmsgBuffer<'_>,
        flags: c_int,
    ) -> Result<usize> {
        retry(|| sys::sendmsg_cmsg(self, addr, iov, control, flags))
    }

    /// `recvmsg(fd, msg, flags)` — recvmsg(2), as [`sys::recvmsg`]. Retries `EINTR` (nothing
    /// was received then, and `control` is left empty). The data is the first
    /// [`filled`](sys::RecvMsg::filled) bytes of `iov`; `bytes` is C's value.
    ///
    /// # Errors
    /// As [`sys::recvmsg`], except `EINTR`.
    ///
    /// # Example
    /// ```
    /// use socklab::{Socket, sys::{AF_UNIX, SOCK_DGRAM}};
    /// use std::io::IoSliceMut;
    /// let (a, b) = Socket::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
    /// a.send(b"0123456789", 0)?;
    /// let mut head = [0u8; 4];
    /// let r = b.recvmsg(&mut [IoSliceMut::new(&mut head)], None, 0)?;
    /// assert!(r.is_truncated()); // MSG_TRUNC: the datagram had 10 bytes
    /// assert_eq!((r.bytes, r.filled, &head), (4, 4, b"0123"));
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn recvmsg(
        &self,
        iov: &mut [std::io::IoSliceMut<'_>],
        mut control: Option<&mut sys::CmsgBuffer<'_>>,
        flags: c_int,
    ) -> Result<sys::RecvMsg> {
        retry(|| sys::recvmsg(self, &mut *iov, control.as_deref_mut(), flags))
    }

    /// `sendmmsg(fd, msgvec, vlen, flags)` — sendmmsg(2), as [`sys::sendmmsg`]. Retries `EINTR`
    /// (the kernel returns `EINTR` only when no message was sent).
    ///
    /// # Errors
    /// As [`sys::sendmmsg`], except `EINTR`.
    ///
    /// # Example
    /// ```
    /// use socklab::{Socket, sys::{MmsgBatch, AF_UNIX, SOCK_DGRAM}};
    /// let (a, b) = Socket::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
    /// let mut batch = MmsgBatch::new(3, 8);
    /// for i in 0..3 {
    ///     batch.set(i, &[i as u8], None)?;
    /// }
    /// assert_eq!(a.sendmmsg(&mut batch, 3, 0)?, 3);
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn sendmmsg(
        &self,
        msgvec: &mut sys::MmsgBatch,
        vlen: usize,
        flags: c_int,
    ) -> Result<usize> {
        retry(|| sys::sendmmsg(self, &mut *msgvec, vlen, flags))
    }

    /// `recvmmsg(fd, msgvec, vlen, flags, timeout)` — recvmmsg(2), as [`sys::recvmmsg`].
    /// Retries `EINTR` (the kernel returns `EINTR` only when no message was received); a retry
    /// starts the whole `timeout` again.
    ///
    /// # Errors
    /// As [`sys::recvmmsg`], except `EINTR`.
    ///
    /// # Example
    /// ```
    /// use socklab::{Socket, sys::{MmsgBatch, AF_UNIX, SOCK_DGRAM, MSG_WAITFORONE}};
    /// let (a, b) = Socket::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
    /// a.send(b"x", 0)?;
    /// a.send(b"yz", 0)?;
    /// let mut batch = MmsgBatch::new(16, 1500);
    /// assert_eq!(b.recvmmsg(&mut batch, 16, MSG_WAITFORONE, None)?, 2);
    /// assert_eq!(batch.iter().map(|m| m.msg_len()).collect::<Vec<_>>(), [1, 2]);
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub fn recvmmsg(
        &self,
        msgvec: &mut sys::MmsgBatch,
        vlen: usize,
        flags: c_int,
        timeout: Option<std::time::Duration>,
    ) -> Result<usize> {
        retry(|| sys::recvmmsg(self, &mut *msgvec, vlen, flags, timeout))
    }
}
