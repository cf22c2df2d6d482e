//! Moving bytes: read(2), write(2), send(2), recv(2), sendto(2), recvfrom(2), and the
//! [`RecvBuf`] trait that lets every receive call take `&mut [u8]` or `&mut [MaybeUninit<u8>]`.

use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd};
use std::os::raw::{c_int, c_void};

use super::{cvt, fmt, raw, Result, SockAddr};

mod private {
    pub trait Sealed {}
}

/// A buffer a receive call may write into: `&mut [u8]` or `&mut [MaybeUninit<u8>]`.
///
/// With `&mut [u8]` the call returns the byte count (C's return value). With
/// `&mut [MaybeUninit<u8>]` — a buffer you did not have to zero, like C's `char buf[1024];` —
/// it returns `(filled, n)`: the initialized prefix the kernel wrote, as `&mut [u8]`, and C's
/// return value `n`. They differ when `MSG_TRUNC` makes the kernel report a datagram's full
/// length, which can exceed the buffer.
///
/// Sealed: only socklab implements it, because the `Output` of the uninitialized form is only
/// sound when the count comes from the kernel.
pub trait RecvBuf<'a>: private::Sealed {
    /// What the call returns for this buffer.
    type Output;
    /// The pointer and capacity handed to the kernel.
    fn raw_parts(&mut self) -> (*mut c_void, usize);
    /// Builds the output once the kernel reported `n` (bytes written are `min(n, capacity)`).
    ///
    /// # Safety
    /// The kernel must have written the first `min(n, capacity)` bytes of the buffer.
    unsafe fn finish(self, n: usize) -> Self::Output;
}

impl private::Sealed for &mut [u8] {}
impl<'a> RecvBuf<'a> for &'a mut [u8] {
    type Output = usize;
    fn raw_parts(&mut self) -> (*mut c_void, usize) {
        (self.as_mut_ptr().cast(), self.len())
    }
    unsafe fn finish(self, n: usize) -> usize {
        n
    }
}

impl private::Sealed for &mut [MaybeUninit<u8>] {}
impl<'a> RecvBuf<'a> for &'a mut [MaybeUninit<u8>] {
    type Output = (&'a mut [u8], usize);
    fn raw_parts(&mut self) -> (*mut c_void, usize) {
        (self.as_mut_ptr().cast(), self.len())
    }
    unsafe fn finish(self, n: usize) -> (&'a mut [u8], usize) {
        let filled = n.min(self.len());
        // SAFETY: the caller guarantees the kernel initialized the first `filled` bytes;
        // MaybeUninit<u8> and u8 have the same layout.
        let bytes = unsafe { &mut *(&mut self[..filled] as *mut [MaybeUninit<u8>] as *mut [u8]) };
        (bytes, n)
    }
}

/// Runs one receive call on `buf`'s raw parts and converts its result.
#[inline]
fn recv_with<'a, B: RecvBuf<'a>>(
    mut buf: B,
    call: &'static str,
    args: impl FnOnce(usize) -> String,
    f: impl FnOnce(*mut c_void, usize) -> isize,
) -> Result<B::Output> {
    let (p, cap) = buf.raw_parts();
    let n = cvt(f(p, cap), call, || args(cap))?;
    // SAFETY: the call succeeded, so the kernel wrote the first min(n, cap) bytes of `buf`
    // (MSG_TRUNC may report more than `cap`, never write more).
    Ok(unsafe { buf.finish(n as usize) })
}

/// `read(fd, buf, count)` — read(2).
///
/// `count` is `buf`'s length. With `&mut [u8]` returns the byte count, 0 at end of stream; with
/// `&mut [MaybeUninit<u8>]`, the filled prefix and the count (see [`RecvBuf`]). Never retries
/// `EINTR`.
///
/// # Errors
/// `EAGAIN` (non-blocking, nothing to read), `EINTR`, `ECONNRESET`, `ENOTCONN`, `EBADF`…
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_STREAM};
/// use std::mem::MaybeUninit;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// sys::write(&a, b"hello")?;
/// let mut buf = [MaybeUninit::<u8>::uninit(); 1024]; // like C's `char buf[1024];`
/// let (got, n) = sys::read(&b, &mut buf[..])?;
/// assert_eq!((got, n), (&mut b"hello".to_owned()[..], 5));
/// # Ok::<(), socklab::Error>(())
/// ```
#[inline]
pub fn read<'a, B: RecvBuf<'a>>(fd: impl AsFd, buf: B) -> Result<B::Output> {
    let fd = fd.as_fd().as_raw_fd();
    recv_with(
        buf,
        "read",
        |cap| format!("fd {fd}, buf, {cap}"),
        |p, cap| {
            // SAFETY: `p` is writable for `cap` bytes (RecvBuf::raw_parts of a live buffer).
            unsafe { raw::read(fd, p, cap) }
        },
    )
}

/// `recv(sockfd, buf, len, flags)` — recv(2).
///
/// `len` is `buf`'s length; `flags` (`MSG_DONTWAIT`, `MSG_PEEK`, `MSG_TRUNC`, `MSG_WAITALL`…)
/// pass as given. Output as for [`read`].
///
/// # Errors
/// `EAGAIN`, `ENOTCONN` (a stream socket that is not connected), `ECONNREFUSED`, `EINTR`…
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_DGRAM, MSG_DONTWAIT, Errno};
/// let (a, _b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// let err = sys::recv(&a, &mut [0u8; 16][..], MSG_DONTWAIT).unwrap_err();
/// assert_eq!(err.code(), Errno::EAGAIN);
/// # Ok::<(), socklab::Error>(())
/// ```
#[inline]
pub fn recv<'a, B: RecvBuf<'a>>(sockfd: impl AsFd, buf: B, flags: c_int) -> Result<B::Output> {
    let fd = sockfd.as_fd().as_raw_fd();
    recv_with(
        buf,
        "recv",
        |cap| format!("fd {fd}, buf, {cap}, {}", fmt::msg_flags(flags)),
        |p, cap| {
            // SAFETY: `p` is writable for `cap` bytes (RecvBuf::raw_parts of a live buffer).
            unsafe { raw::recv(fd, p, cap, flags) }
        },
    )
}

/// `recvfrom(sockfd, buf, len, flags, src_addr, addrlen)` — recvfrom(2).
///
/// Returns the output (as for [`read`]) and the sender's address, or `None` when the kernel wrote
/// no address (a connected stream socket reports length 0).
///
/// # Errors
/// As [`recv`].
///
/// # Example
/// ```
/// use socklab::sys::{self, SockAddr, AF_INET, SOCK_DGRAM};
/// let any0 = SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap());
/// let (a, b) = (sys::socket(AF_INET, SOCK_DGRAM, 0)?, sys::socket(AF_INET, SOCK_DGRAM, 0)?);
/// sys::bind(&a, &any0)?;
/// sys::bind(&b, &any0)?;
/// sys::sendto(&a, b"ping", 0, &sys::getsockname(&b)?)?;
/// let mut buf = [0u8; 64];
/// let (n, from) = sys::recvfrom(&b, &mut buf[..], 0)?;
/// assert_eq!((&buf[..n], from), (&b"ping"[..], Some(sys::getsockname(&a)?)));
/// # Ok::<(), socklab::Error>(())
/// ```
#[inline]
pub fn recvfrom<'a, B: RecvBuf<'a>>(
    sockfd: impl AsFd,
    buf: B,
    flags: c_int,
) -> Result<(B::Output, Option<SockAddr>)> {
    let fd = sockfd.as_fd().as_raw_fd();
    let (out, addr) = SockAddr::try_init(|sa, salen| {
        let args = |cap| format!("fd {fd}, buf, {cap}, {}, &addr", fmt::msg_flags(flags));
        recv_with(buf, "recvfrom", args, |p, cap| {
            // SAFETY: `p` is writable for `cap` bytes; `sa`/`salen` are try_init's zeroed
            // storage and its size.
            unsafe { raw::recvfrom(fd, p, cap, flags, sa, salen) }
        })
    })?;
    Ok((out, if addr.is_empty() { None } else { Some(addr) }))
}

/// `write(fd, buf, count)` — write(2).
///
/// Returns how many bytes the kernel took, which on a stream socket may be fewer than `buf.len()`.
/// No `MSG_NOSIGNAL` exists for write(2): writing to a stream whose peer closed raises `SIGPIPE`
/// (Rust programs ignore it by default, so you see `EPIPE`).
///
/// # Errors
/// `EPIPE`, `EAGAIN`, `EINTR`, `ECONNRESET`, `EDESTADDRREQ` (an unconnected datagram socket)…
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_SEQPACKET};
/// let (a, _b) = sys::socketpair(AF_UNIX, SOCK_SEQPACKET, 0)?;
/// assert_eq!(sys::write(&a, b"record")?, 6);
/// # Ok::<(), socklab::Error>(())
/// ```
#[inline]
pub fn write(fd: impl AsFd, buf: &[u8]) -> Result<usize> {
    let fd = fd.as_fd().as_raw_fd();
    // SAFETY: `buf` is readable for `buf.len()` bytes.
    let n = unsafe { raw::write(fd, buf.as_ptr().cast(), buf.len()) };
    cvt(n, "write", || format!("fd {fd}, buf, {}", buf.len())).map(|n| n as usize)
}

/// `send(sockfd, buf, len, flags)` — send(2).
///
/// `flags` pass as given: add `MSG_NOSIGNAL` yourself to get `EPIPE` instead of `SIGPIPE`
/// (std adds it silently).
///
/// # Errors
/// `EPIPE`, `EAGAIN`, `EMSGSIZE`, `ENOTCONN`, `EDESTADDRREQ`, `EINTR`…
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_STREAM, MSG_NOSIGNAL, Errno};
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// drop(b);
/// let err = sys::send(&a, b"x", MSG_NOSIGNAL).unwrap_err();
/// assert_eq!(err.code(), Errno::EPIPE);
/// # Ok::<(), socklab::Error>(())
/// ```
#[inline]
pub fn send(sockfd: impl AsFd, buf: &[u8], flags: c_int) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    // SAFETY: `buf` is readable for `buf.len()` bytes.
    let n = unsafe { raw::send(fd, buf.as_ptr().cast(), buf.len(), flags) };
    cvt(n, "send", || {
        format!("fd {fd}, buf, {}, {}", buf.len(), fmt::msg_flags(flags))
    })
    .map(|n| n as usize)
}

/// `sendto(sockfd, buf, len, flags, dest_addr, addrlen)` — sendto(2).
///
/// `dest_addr`/`addrlen` travel as one [`SockAddr`]; to send on a connected socket without an
/// address use [`send`] (or [`raw::sendto`] with NULL).
///
/// # Errors
/// `EMSGSIZE` (a UDP datagram over 65507 bytes), `EISCONN`, `EAFNOSUPPORT`, `EAGAIN`, `EINTR`…
///
/// # Example
/// ```
/// use socklab::sys::{self, SockAddr, AF_INET, SOCK_DGRAM, Errno};
/// let fd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// sys::bind(&fd, &SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()))?;
/// let to = sys::getsockname(&fd)?; // to itself: port 0 bound, never a fixed port
/// assert_eq!(sys::sendto(&fd, b"ping", 0, &to)?, 4);
/// let err = sys::sendto(&fd, &vec![0u8; 65508], 0, &to).unwrap_err();
/// assert_eq!(err.code(), Errno::EMSGSIZE);
/// # Ok::<(), socklab::Error>(())
/// ```
#[inline]
pub fn sendto(sockfd: impl AsFd, buf: &[u8], flags: c_int, dest_addr: &SockAddr) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    let (p, len) = (buf.as_ptr().cast(), buf.len());
    // SAFETY: `buf` is readable for `len` bytes; `dest_addr` for its `len()` bytes.
    let n = unsafe { raw::sendto(fd, p, len, flags, dest_addr.as_ptr(), dest_addr.len()) };
    let args = || {
        format!(
            "fd {fd}, buf, {len}, {}, {dest_addr}",
            fmt::msg_flags(flags)
        )
    };
    cvt(n, "sendto", args).map(|n| n as usize)
}
