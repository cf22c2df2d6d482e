//! Creating, naming and connecting sockets: socket(2), socketpair(2), bind(2), listen(2),
//! accept(2)/accept4(2), connect(2), shutdown(2), close(2), getsockname(2), getpeername(2).

use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::os::raw::c_int;
use std::ptr;

use super::{cvt, raw, Args, Result, SockAddr};

/// Takes ownership of an fd a successful call just returned.
fn owned(fd: c_int) -> OwnedFd {
    // SAFETY: `fd` was returned by a successful socket/accept call (cvt checked it is not -1),
    // so it is open, and nothing else owns it yet.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// `socket(domain, type, protocol)` — socket(2).
///
/// Rust adds ownership: the new fd comes back as an [`OwnedFd`] that closes on drop. `type` is
/// passed as given: add `SOCK_CLOEXEC` or `SOCK_NONBLOCK` yourself if you want them (std adds
/// `SOCK_CLOEXEC` silently; socklab does not).
///
#[doc = errors_doc!(socket)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_STREAM};
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(socket(2))]
pub fn socket(domain: c_int, ty: c_int, protocol: c_int) -> Result<OwnedFd> {
    // SAFETY: socket(2) takes no pointers; the fd it returns is wrapped in an OwnedFd at once.
    let fd = unsafe { raw::socket(domain, ty, protocol) };
    cvt(fd, "socket", || Args::socket(domain, ty, protocol)).map(owned)
}

/// `socketpair(domain, type, protocol, sv)` — socketpair(2).
///
/// Rust returns C's `sv[0]` and `sv[1]` as a pair of [`OwnedFd`]s instead of filling an array.
///
#[doc = errors_doc!(socketpair)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_STREAM};
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// sys::write(&a, b"hi")?;
/// let mut buf = [0u8; 2];
/// assert_eq!(sys::read(&b, &mut buf[..])?, 2);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(socketpair(2))]
pub fn socketpair(domain: c_int, ty: c_int, protocol: c_int) -> Result<(OwnedFd, OwnedFd)> {
    let mut sv = [-1 as c_int; 2];
    // SAFETY: `sv` is writable for the two ints socketpair(2) writes.
    let rc = unsafe { raw::socketpair(domain, ty, protocol, sv.as_mut_ptr()) };
    cvt(rc, "socketpair", || Args::socketpair(domain, ty, protocol))?;
    Ok((owned(sv[0]), owned(sv[1])))
}

/// `bind(sockfd, addr, addrlen)` — bind(2).
///
/// Rust adds: `addr` and `addrlen` travel together as one [`SockAddr`]. No `SO_REUSEADDR` is
/// set (std's `TcpListener::bind` sets it; C's `bind` does not).
///
#[doc = errors_doc!(bind)]
///
/// # Example
/// ```
/// use socklab::sys::{self, SockAddr, AF_INET, SOCK_DGRAM};
/// let fd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// sys::bind(&fd, &SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()))?;
/// assert_ne!(sys::getsockname(&fd)?.as_socket().unwrap().port(), 0);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(bind(2))]
pub fn bind(sockfd: impl AsFd, addr: &SockAddr) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    addr.check_whole("bind", || format!("fd {fd}, {addr}"))?;
    // SAFETY: `addr` points to a SockAddr whose storage is readable for its `len()` bytes.
    let rc = unsafe { raw::bind(fd, addr.as_ptr(), addr.len()) };
    cvt(rc, "bind", || format!("fd {fd}, {addr}")).map(drop)
}

/// `listen(sockfd, backlog)` — listen(2).
///
/// The backlog is passed as given (the kernel caps it at `net.core.somaxconn`); std always uses
/// 128, socklab uses what you write.
///
#[doc = errors_doc!(listen)]
///
/// # Example
/// ```
/// use socklab::sys::{self, SockAddr, AF_INET, SOCK_STREAM};
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::bind(&fd, &SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()))?;
/// sys::listen(&fd, 3)?;
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(listen(2))]
pub fn listen(sockfd: impl AsFd, backlog: c_int) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    // SAFETY: listen(2) takes no pointers.
    let rc = unsafe { raw::listen(fd, backlog) };
    cvt(rc, "listen", || Args::listen(fd, backlog)).map(drop)
}

/// The shared body of accept/accept4: `None` passes C's `NULL, NULL`; `Some(out)` lets the
/// kernel fill an address through [`SockAddr::try_init`] (zeroed storage, length checked after)
/// and stores it in `out` only when the call succeeded.
fn accept_with(
    addr: Option<&mut SockAddr>,
    call: impl FnOnce(*mut libc::sockaddr, *mut libc::socklen_t) -> Result<OwnedFd>,
) -> Result<OwnedFd> {
    match addr {
        None => call(ptr::null_mut(), ptr::null_mut()),
        Some(out) => {
            let (fd, peer) = SockAddr::try_init(call)?;
            *out = peer;
            Ok(fd)
        }
    }
}

/// `accept(sockfd, addr, addrlen)` — accept(2).
///
/// `addr: None` is C's `accept(fd, NULL, NULL)`; `Some(&mut a)` lets the kernel write the peer
/// into `a` (left as it was if the call fails). The new fd comes back as an [`OwnedFd`] without
/// `CLOEXEC` (std uses `accept4(SOCK_CLOEXEC)`; use [`accept4`] for that).
///
#[doc = errors_doc!(accept)]
///
/// # Example
/// ```
/// use socklab::sys::{self, SockAddr, AF_INET, SOCK_STREAM};
/// let lst = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::bind(&lst, &SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()))?;
/// sys::listen(&lst, 1)?;
/// let cli = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::connect(&cli, &sys::getsockname(&lst)?)?;
/// let mut peer = SockAddr::empty();
/// let conn = sys::accept(&lst, Some(&mut peer))?;
/// assert_eq!(peer, sys::getsockname(&cli)?);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(accept(2))]
pub fn accept(sockfd: impl AsFd, addr: Option<&mut SockAddr>) -> Result<OwnedFd> {
    let fd = sockfd.as_fd().as_raw_fd();
    let with_addr = addr.is_some();
    accept_with(addr, |p, len| {
        // SAFETY: `p` and `len` are both NULL, or try_init's zeroed storage and its size; the
        // returned fd is wrapped at once.
        let rc = unsafe { raw::accept(fd, p, len) };
        cvt(rc, "accept", || Args::accept(fd, with_addr)).map(owned)
    })
}

/// `accept4(sockfd, addr, addrlen, flags)` — accept4(2).
///
/// As [`accept`], with `flags` (`SOCK_CLOEXEC`, `SOCK_NONBLOCK`) passed as given.
///
#[doc = errors_doc!(accept4)]
///
/// # Example
/// ```
/// use socklab::sys::{self, SockAddr, AF_INET, O_NONBLOCK, SOCK_STREAM, SOCK_NONBLOCK, Errno};
/// let lst = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::bind(&lst, &SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()))?;
/// sys::listen(&lst, 1)?;
/// sys::fcntl(&lst, sys::FcntlArg::SetFl(O_NONBLOCK))?;
/// let err = sys::accept4(&lst, None, SOCK_NONBLOCK).unwrap_err();
/// assert_eq!(err.code(), Errno::EAGAIN);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(accept4(2))]
pub fn accept4(sockfd: impl AsFd, addr: Option<&mut SockAddr>, flags: c_int) -> Result<OwnedFd> {
    let fd = sockfd.as_fd().as_raw_fd();
    let with_addr = addr.is_some();
    accept_with(addr, |p, len| {
        // SAFETY: `p` and `len` are both NULL, or try_init's zeroed storage and its size;
        // `flags` is an int the kernel validates; the returned fd is wrapped at once.
        let rc = unsafe { raw::accept4(fd, p, len, flags) };
        cvt(rc, "accept4", || Args::accept4(fd, with_addr, flags)).map(owned)
    })
}

/// `connect(sockfd, addr, addrlen)` — connect(2).
///
/// Passed through once: on `EINTR` a stream connect goes on in the background, so socklab
/// returns the error and lets you decide (poll for writability, then read `SO_ERROR`).
///
#[doc = errors_doc!(connect)]
///
/// # Example
/// ```
/// use socklab::sys::{self, SockAddr, AF_INET, SOCK_STREAM, Errno};
/// // A port nobody listens on: bind one, don't listen, then connect to it.
/// let idle = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::bind(&idle, &SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()))?;
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// let err = sys::connect(&fd, &sys::getsockname(&idle)?).unwrap_err();
/// assert_eq!(err.code(), Errno::ECONNREFUSED);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(connect(2))]
pub fn connect(sockfd: impl AsFd, addr: &SockAddr) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    addr.check_whole("connect", || format!("fd {fd}, {addr}"))?;
    // SAFETY: `addr` points to a SockAddr whose storage is readable for its `len()` bytes.
    let rc = unsafe { raw::connect(fd, addr.as_ptr(), addr.len()) };
    cvt(rc, "connect", || format!("fd {fd}, {addr}")).map(drop)
}

/// The C constant for a [`Shutdown`] direction.
#[doc = man_links!(shutdown(2))]
#[doc(alias = "SHUT_RD")]
#[doc(alias = "SHUT_WR")]
#[doc(alias = "SHUT_RDWR")]
pub fn shut_how(how: Shutdown) -> c_int {
    match how {
        Shutdown::Read => libc::SHUT_RD,
        Shutdown::Write => libc::SHUT_WR,
        Shutdown::Both => libc::SHUT_RDWR,
    }
}

/// `shutdown(sockfd, how)` — shutdown(2).
///
/// `how` is std's [`Shutdown`] (`SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`), so the safe layer cannot pass
/// an invalid one; [`raw::shutdown`] can, to see the kernel's `EINVAL`.
///
#[doc = errors_doc!(shutdown)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_STREAM};
/// use std::net::Shutdown;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// sys::shutdown(&a, Shutdown::Write)?;
/// assert_eq!(sys::read(&b, &mut [0u8; 8][..])?, 0); // EOF
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(shutdown(2))]
pub fn shutdown(sockfd: impl AsFd, how: Shutdown) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    let how_c = shut_how(how);
    // SAFETY: shutdown(2) takes no pointers.
    let rc = unsafe { raw::shutdown(fd, how_c) };
    // Named as C and strace spell it (`SHUT_WR`), not as std's enum (`Write`).
    cvt(rc, "shutdown", || Args::shutdown(fd, how_c)).map(drop)
}

/// `close(fd)` — close(2).
///
/// Rust adds: it consumes the [`OwnedFd`], so the fd cannot be used or closed again, and, unlike
/// dropping an `OwnedFd` (which ignores close's result), it reports the error. The fd is released
/// even when close fails (Linux never leaves it open), so there is nothing to retry.
///
#[doc = errors_doc!(close)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_DGRAM};
/// sys::close(sys::socket(AF_INET, SOCK_DGRAM, 0)?)?;
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(close(2))]
pub fn close(fd: OwnedFd) -> Result<()> {
    let raw_fd = fd.into_raw_fd();
    // SAFETY: `raw_fd` came out of an OwnedFd that no longer exists, so this is its only close.
    let rc = unsafe { raw::close(raw_fd) };
    cvt(rc, "close", || Args::close(raw_fd)).map(drop)
}

/// The shared body of getsockname/getpeername: both fill an address through the same pointers.
fn name_call(
    fd: c_int,
    (call, args): (&'static str, fn(c_int) -> Args),
    f: unsafe fn(c_int, *mut libc::sockaddr, *mut libc::socklen_t) -> c_int,
) -> Result<SockAddr> {
    SockAddr::try_init(|p, len| {
        // SAFETY: `p`/`len` come from SockAddr::try_init: a zeroed storage and its size.
        let rc = unsafe { f(fd, p, len) };
        cvt(rc, call, || args(fd)).map(drop)
    })
    .map(|((), a)| a)
}

/// `getsockname(sockfd, addr, addrlen)` — getsockname(2).
///
/// Returns the address instead of filling C's out-parameters. Reading the port back after binding
/// port 0 is how socklab's tests find a free port.
///
#[doc = errors_doc!(getsockname)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET6, SOCK_DGRAM, SockAddr};
/// let fd = sys::socket(AF_INET6, SOCK_DGRAM, 0)?;
/// sys::bind(&fd, &SockAddr::from("[::1]:0".parse::<std::net::SocketAddr>().unwrap()))?;
/// assert!(sys::getsockname(&fd)?.to_string().starts_with("[::1]:"));
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(getsockname(2))]
pub fn getsockname(sockfd: impl AsFd) -> Result<SockAddr> {
    name_call(
        sockfd.as_fd().as_raw_fd(),
        ("getsockname", Args::getsockname),
        raw::getsockname,
    )
}

/// `getpeername(sockfd, addr, addrlen)` — getpeername(2).
///
/// Returns the peer's address instead of filling C's out-parameters.
///
#[doc = errors_doc!(getpeername)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_STREAM, Errno};
/// let fd = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// assert_eq!(sys::getpeername(&fd).unwrap_err().code(), Errno::ENOTCONN);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(getpeername(2))]
pub fn getpeername(sockfd: impl AsFd) -> Result<SockAddr> {
    name_call(
        sockfd.as_fd().as_raw_fd(),
        ("getpeername", Args::getpeername),
        raw::getpeername,
    )
}

/// `accept(sockfd, addr, addrlen)` — accept(2) with the address capacity the caller chose.
///
/// `addr` offers its [`capacity`](SockAddr::capacity) (`SockAddr::with_capacity(AddrLen::INET)`
/// is C's `addrlen = sizeof(struct sockaddr_in)`, and strace shows `[16]`); after the call it
/// holds the peer, its [`len`](SockAddr::len) is the length the kernel reported (C's `addrlen`
/// after the call), and it keeps its capacity for the next call. [`accept`] with `Some` offers
/// 128 bytes.
///
/// An address longer than the capacity is truncated by the kernel: it writes the bytes that
/// fit and reports the full length, and C's caller sees `addrlen > sizeof addr` (strace:
/// `[16 => 28]`). Then `addr.len()` is that full length, [`as_bytes`](SockAddr::as_bytes) the
/// bytes written, [`is_truncated`](SockAddr::is_truncated) true, and socklab neither decodes
/// nor passes the cut address (see [`SockAddr`]'s *Truncation*). The same holds for every
/// `*_into` call.
///
#[doc = errors_doc!(accept)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AddrLen, SockAddr, AF_INET, SOCK_STREAM};
/// let lst = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::bind(&lst, &SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()))?;
/// sys::listen(&lst, 1)?;
/// let cli = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::connect(&cli, &sys::getsockname(&lst)?)?;
/// let mut cliaddr = SockAddr::with_capacity(AddrLen::INET);
/// let conn = sys::accept_into(&lst, &mut cliaddr)?;
/// assert_eq!((cliaddr.len(), cliaddr), (16, sys::getsockname(&cli)?));
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(accept(2))]
#[doc(alias = "accept")]
pub fn accept_into(sockfd: impl AsFd, addr: &mut SockAddr) -> Result<OwnedFd> {
    let fd = sockfd.as_fd().as_raw_fd();
    addr.fill_into(|p, len| {
        // SAFETY: `p`/`len` come from fill_into: a zeroed storage and a capacity within it;
        // the returned fd is wrapped at once.
        let rc = unsafe { raw::accept(fd, p, len) };
        cvt(rc, "accept", || Args::accept(fd, true)).map(owned)
    })
}

/// `accept4(sockfd, addr, addrlen, flags)` — accept4(2) with the caller's address capacity (see
/// [`accept_into`]); `flags` as given.
///
#[doc = errors_doc!(accept4)]
#[doc = man_links!(accept4(2))]
#[doc(alias = "accept4")]
pub fn accept4_into(sockfd: impl AsFd, addr: &mut SockAddr, flags: c_int) -> Result<OwnedFd> {
    let fd = sockfd.as_fd().as_raw_fd();
    addr.fill_into(|p, len| {
        // SAFETY: as in accept_into; `flags` is an int the kernel validates.
        let rc = unsafe { raw::accept4(fd, p, len, flags) };
        cvt(rc, "accept4", || Args::accept4(fd, true, flags)).map(owned)
    })
}

/// `getsockname(sockfd, addr, addrlen)` — getsockname(2) into the caller's buffer and capacity
/// (see [`accept_into`]); [`getsockname`] offers 128 bytes.
///
#[doc = errors_doc!(getsockname)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AddrLen, SockAddr, AF_INET, SOCK_DGRAM};
/// let fd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// let mut a = SockAddr::with_capacity(AddrLen::INET);
/// sys::getsockname_into(&fd, &mut a)?;
/// assert_eq!(a.to_string(), "0.0.0.0:0");
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(getsockname(2))]
#[doc(alias = "getsockname")]
pub fn getsockname_into(sockfd: impl AsFd, addr: &mut SockAddr) -> Result<()> {
    name_into(
        sockfd.as_fd().as_raw_fd(),
        addr,
        ("getsockname", Args::getsockname),
        raw::getsockname,
    )
}

/// `getpeername(sockfd, addr, addrlen)` — getpeername(2) into the caller's buffer and capacity
/// (see [`accept_into`]).
///
#[doc = errors_doc!(getpeername)]
#[doc = man_links!(getpeername(2))]
#[doc(alias = "getpeername")]
pub fn getpeername_into(sockfd: impl AsFd, addr: &mut SockAddr) -> Result<()> {
    name_into(
        sockfd.as_fd().as_raw_fd(),
        addr,
        ("getpeername", Args::getpeername),
        raw::getpeername,
    )
}

/// The shared body of getsockname_into/getpeername_into.
fn name_into(
    fd: c_int,
    addr: &mut SockAddr,
    (call, args): (&'static str, fn(c_int) -> Args),
    f: unsafe fn(c_int, *mut libc::sockaddr, *mut libc::socklen_t) -> c_int,
) -> Result<()> {
    addr.fill_into(|p, len| {
        // SAFETY: `p`/`len` come from fill_into: a zeroed storage and a capacity within it.
        let rc = unsafe { f(fd, p, len) };
        cvt(rc, call, || args(fd)).map(drop)
    })
}
