//! Moving bytes: read(2), write(2), send(2), recv(2), sendto(2), recvfrom(2), and the
//! [`RecvBuf`] trait that lets every receive call take `&mut [u8]` or `&mut [MaybeUninit<u8>]`.

use std::mem::{size_of, MaybeUninit};
use std::os::fd::{AsFd, AsRawFd};
use std::os::raw::{c_int, c_void};

use libc::{socklen_t, SOL_SOCKET};

use super::consts::MSG_SOCK_DEVMEM;
use super::errno::CallArgs;
use super::written::wrote_reported;
use super::{cvt, fmt, raw, Args, Errno, Result, SockAddr};

mod private {
    pub trait Sealed {}
}

/// A buffer a receive call may write into: `&mut [u8]` or `&mut [MaybeUninit<u8>]`.
///
/// With `&mut [u8]` the call returns the byte count (C's return value). With
/// `&mut [MaybeUninit<u8>]` — a buffer you did not have to zero, like C's `char buf[1024];` —
/// it returns `(filled, n)`: the prefix the kernel wrote, as `&mut [u8]`, and C's return value
/// `n`. They differ when `MSG_TRUNC` is in `flags`, because C's return value is then not the
/// number of bytes written:
/// - on a datagram socket of a family whose receive path is known to copy (`SOCK_DGRAM`,
///   `SOCK_SEQPACKET`, `SOCK_RAW` of `AF_UNIX`, `AF_INET`/`AF_INET6` — UDP, raw IP, SCTP —,
///   `AF_NETLINK`, `AF_PACKET`) `n` is the datagram's full length, which can exceed the
///   buffer; only `min(n, buf.len())` bytes were written, and that is `filled`;
/// - on any other family `filled` is empty: `AF_LLC` returns a datagram's length without
///   copying it, and socklab vouches only for the paths above (the table in `sys::written`);
/// - on TCP (and socklab treats every `SOCK_STREAM` socket so) the kernel discards `n` bytes
///   **without writing the buffer**: `filled` is empty. (A Unix stream socket ignores
///   `MSG_TRUNC` and does write; socklab does not ask the family and still reports nothing
///   filled, which is never wrong, only cautious.)
/// - with `MSG_PEEK` too, on a UDP socket with a peek offset (`SO_PEEK_OFF`), the kernel copies
///   from the offset on but still returns the datagram's full length: so for `MSG_PEEK |
///   MSG_TRUNC` on a `SOCK_DGRAM` socket that is not `AF_UNIX`, `filled` is empty (the offset
///   cannot be read race-free). `AF_UNIX` returns `len - offset` and is exact.
///
/// To know which, a receive with `MSG_TRUNC` into a `MaybeUninit` buffer that returns `n > 0`
/// reads the socket's type with one `getsockopt(fd, SOL_SOCKET, SO_TYPE)` after the call and,
/// unless it is a stream, its family with a second one (`SO_DOMAIN`); you see both in the
/// trace. Without `MSG_TRUNC` nothing is asked. `&mut [u8]` never needs it: it returns only the
/// count, and a byte the kernel did not write keeps what you put there — do not read
/// `buf[..n]` as data after a `MSG_TRUNC` receive on a stream socket.
///
/// `MSG_SOCK_DEVMEM` (TCP device memory, Linux 6.12+) is refused by every safe receive
/// (`EINVAL` with a note, before the call): the kernel counts dmabuf fragments it never copies
/// into the buffer. [`raw`] passes it on.
///
/// Sealed: only socklab implements it, because the `Output` of the uninitialized form is only
/// sound when the count comes from the kernel.
pub trait RecvBuf<'a>: private::Sealed {
    /// What the call returns for this buffer.
    type Output;
    /// The pointer and capacity handed to the kernel.
    fn raw_parts(&mut self) -> (*mut c_void, usize);
    /// Builds the output once the kernel returned `n`; `written` tells, if asked, how many bytes
    /// of the buffer the kernel wrote (at most the capacity; see the trait docs for why it can be
    /// less than `n`).
    ///
    /// # Safety
    /// The kernel must have written the first `written()` bytes of the buffer, and `written()`
    /// must not exceed the capacity.
    unsafe fn finish(self, n: usize, written: impl FnOnce() -> usize) -> Self::Output;
}

impl private::Sealed for &mut [u8] {}
impl<'a> RecvBuf<'a> for &'a mut [u8] {
    type Output = usize;
    fn raw_parts(&mut self) -> (*mut c_void, usize) {
        (self.as_mut_ptr().cast(), self.len())
    }
    unsafe fn finish(self, n: usize, _written: impl FnOnce() -> usize) -> usize {
        n
    }
}

impl private::Sealed for &mut [MaybeUninit<u8>] {}
impl<'a> RecvBuf<'a> for &'a mut [MaybeUninit<u8>] {
    type Output = (&'a mut [u8], usize);
    fn raw_parts(&mut self) -> (*mut c_void, usize) {
        (self.as_mut_ptr().cast(), self.len())
    }
    unsafe fn finish(self, n: usize, written: impl FnOnce() -> usize) -> (&'a mut [u8], usize) {
        // The min only guards the slice bound; the caller guarantees written() <= len.
        let filled = written().min(self.len());
        // SAFETY: the caller guarantees the kernel initialized the first `filled` bytes;
        // MaybeUninit<u8> and u8 have the same layout.
        let bytes = unsafe { &mut *(&mut self[..filled] as *mut [MaybeUninit<u8>] as *mut [u8]) };
        (bytes, n)
    }
}

// C passes an array or a malloc'd buffer by name (`recv(fd, buf, sizeof buf, 0)`): so do
// `&mut [u8; N]` and `&mut Vec<u8>` (its `len()` bytes, not its spare capacity), via the slice.
impl<const N: usize> private::Sealed for &mut [u8; N] {}
impl<'a, const N: usize> RecvBuf<'a> for &'a mut [u8; N] {
    type Output = usize;
    fn raw_parts(&mut self) -> (*mut c_void, usize) {
        (self.as_mut_ptr().cast(), N)
    }
    unsafe fn finish(self, n: usize, _written: impl FnOnce() -> usize) -> usize {
        n
    }
}

impl private::Sealed for &mut Vec<u8> {}
impl<'a> RecvBuf<'a> for &'a mut Vec<u8> {
    type Output = usize;
    fn raw_parts(&mut self) -> (*mut c_void, usize) {
        (self.as_mut_ptr().cast(), self.len())
    }
    unsafe fn finish(self, n: usize, _written: impl FnOnce() -> usize) -> usize {
        n
    }
}

impl<const N: usize> private::Sealed for &mut [MaybeUninit<u8>; N] {}
impl<'a, const N: usize> RecvBuf<'a> for &'a mut [MaybeUninit<u8>; N] {
    type Output = (&'a mut [u8], usize);
    fn raw_parts(&mut self) -> (*mut c_void, usize) {
        (self.as_mut_ptr().cast(), N)
    }
    unsafe fn finish(self, n: usize, written: impl FnOnce() -> usize) -> (&'a mut [u8], usize) {
        // SAFETY: the caller's guarantee is passed on unchanged to the slice form.
        unsafe { (&mut self[..]).finish(n, written) }
    }
}

/// An `int` fact of the socket fixed at its creation (`SO_TYPE`: `SOCK_STREAM`, `SOCK_DGRAM`…;
/// `SO_DOMAIN`: `AF_UNIX`, `AF_INET`…), or `None` if it cannot be read.
fn socket_int(fd: c_int, name: c_int) -> Option<c_int> {
    let mut v: c_int = 0;
    let mut len = size_of::<c_int>() as socklen_t;
    let p = (&mut v as *mut c_int).cast();
    // SAFETY: `p` points to the local `v`, writable for `len` = sizeof(int) bytes, and `len` is
    // a readable and writable socklen_t holding that size; SO_TYPE and SO_DOMAIN (the only
    // names passed) are plain ints on sk_getsockopt's common path, which writes at most `len`.
    let rc = unsafe { raw::getsockopt(fd, SOL_SOCKET, name, p, &mut len) };
    (rc == 0 && len as usize == size_of::<c_int>()).then_some(v)
}

/// How many bytes of a `cap`-byte buffer a successful receive on `fd`, passed `flags`, wrote
/// when it returned `n`: `min(n, cap)` where the kernel is known to have copied that much,
/// else 0 — never more than the kernel wrote. Without `MSG_TRUNC` that is `min(n, cap)`, with
/// no syscall. With it, C's return value is not a write count, and the socket's type and
/// family (traced getsockopts of `SO_TYPE`, then `SO_DOMAIN` for a non-stream socket, asked
/// only when `n > 0`) decide by [`written::wrote_reported`](super::written::wrote_reported)'s
/// table: UDP/raw/Unix/netlink/packet datagrams copied `min(n, cap)`; TCP discarded `n` bytes
/// unwritten; `AF_LLC` and unlisted families count as nothing written; so does
/// `MSG_PEEK | MSG_TRUNC` on UDP, whose peek offset (`SO_PEEK_OFF`, not readable race-free)
/// makes the kernel copy from the offset yet return the full length. `MSG_SOCK_DEVMEM` counts
/// as nothing written (the safe calls refuse it before the call anyway).
pub(super) fn bytes_written(fd: c_int, flags: c_int, n: usize, cap: usize) -> usize {
    if n == 0 || wrote_reported(flags, |name| socket_int(fd, name)) {
        n.min(cap)
    } else {
        0
    }
}

/// Refuses `MSG_SOCK_DEVMEM` in a safe receive's `flags`, before any syscall: with it TCP
/// returns a count of device-memory (dmabuf) fragments it hands out as control messages and
/// never copies into the buffer (leaving holes), so no byte of the buffer could be vouched
/// for. `EINVAL` with a note; the raw calls pass the flag on.
#[inline]
pub(super) fn refuse_devmem<A: CallArgs>(
    flags: c_int,
    call: &'static str,
    args: impl FnOnce() -> A,
) -> Result<()> {
    if flags & MSG_SOCK_DEVMEM == 0 {
        return Ok(());
    }
    Err(super::refuse(
        Errno::EINVAL,
        call,
        args(),
        "MSG_SOCK_DEVMEM: the kernel counts device-memory fragments it never copies into the \
         buffer; socklab's safe receives refuse it (use sys::raw)",
    ))
}

/// Runs one receive call on `buf`'s raw parts and converts its result; `flags` are the call's
/// (0 for read), to tell the bytes written from C's return value. `MSG_SOCK_DEVMEM` is refused
/// first ([`refuse_devmem`]).
#[inline]
fn recv_with<'a, B: RecvBuf<'a>>(
    mut buf: B,
    (fd, flags): (c_int, c_int),
    call: &'static str,
    args: impl Fn(usize) -> Args,
    f: impl FnOnce(*mut c_void, usize) -> isize,
) -> Result<B::Output> {
    let (p, cap) = buf.raw_parts();
    refuse_devmem(flags, call, || args(cap))?;
    let n = cvt(f(p, cap), call, || args(cap))? as usize;
    // SAFETY: the call succeeded, and `bytes_written` is what it wrote into `buf`: never more
    // than `cap`, and with MSG_TRUNC only what the socket type (and, with MSG_PEEK, its
    // family) guarantees was written (see there).
    Ok(unsafe { buf.finish(n, || bytes_written(fd, flags, n, cap)) })
}

/// `read(fd, buf, count)` — read(2).
///
/// `count` is `buf`'s length. With `&mut [u8]` returns the byte count, 0 at end of stream; with
/// `&mut [MaybeUninit<u8>]`, the filled prefix and the count (see [`RecvBuf`]). Never retries
/// `EINTR`.
///
#[doc = errors_doc!(read)]
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
#[doc = man_links!(read(2))]
#[inline]
pub fn read<'a, B: RecvBuf<'a>>(fd: impl AsFd, buf: B) -> Result<B::Output> {
    let fd = fd.as_fd().as_raw_fd();
    recv_with(
        buf,
        (fd, 0),
        "read",
        |cap| Args::read(fd, cap),
        |p, cap| {
            // SAFETY: `p` is writable for `cap` bytes (RecvBuf::raw_parts of a live buffer).
            unsafe { raw::read(fd, p, cap) }
        },
    )
}

/// `recv(sockfd, buf, len, flags)` — recv(2).
///
/// `len` is `buf`'s length; `flags` (`MSG_DONTWAIT`, `MSG_PEEK`, `MSG_TRUNC`, `MSG_WAITALL`…)
/// pass as given. Output as for [`read`]. With `MSG_TRUNC` C's return value is not the number
/// of bytes written (a datagram's full length on UDP; bytes discarded unwritten on TCP): the
/// `MaybeUninit` form's `filled` is what the kernel wrote, see [`RecvBuf`].
///
#[doc = errors_doc!(recv)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_DGRAM, MSG_DONTWAIT, Errno};
/// let (a, _b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// let err = sys::recv(&a, &mut [0u8; 16][..], MSG_DONTWAIT).unwrap_err();
/// assert_eq!(err.code(), Errno::EAGAIN);
/// # Ok::<(), socklab::Error>(())
/// ```
///
/// `MSG_TRUNC` on a datagram: C's value is the full length, `filled` what fit.
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_DGRAM, MSG_TRUNC};
/// use std::mem::MaybeUninit;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// sys::send(&a, b"0123456789", 0)?;
/// let mut buf = [MaybeUninit::<u8>::uninit(); 4];
/// let (filled, n) = sys::recv(&b, &mut buf[..], MSG_TRUNC)?;
/// assert_eq!((&filled[..], n), (&b"0123"[..], 10));
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(recv(2))]
#[inline]
pub fn recv<'a, B: RecvBuf<'a>>(sockfd: impl AsFd, buf: B, flags: c_int) -> Result<B::Output> {
    let fd = sockfd.as_fd().as_raw_fd();
    recv_with(
        buf,
        (fd, flags),
        "recv",
        |cap| Args::recv(fd, cap, flags),
        |p, cap| {
            // SAFETY: `p` is writable for `cap` bytes (RecvBuf::raw_parts of a live buffer).
            unsafe { raw::recv(fd, p, cap, flags) }
        },
    )
}

/// `recvfrom(sockfd, buf, len, flags, src_addr, addrlen)` — recvfrom(2).
///
/// Returns the output (as for [`read`]; with `MSG_TRUNC` see [`recv`]) and the sender's
/// address, or `None` when the kernel wrote no address (a connected stream socket reports
/// length 0).
///
#[doc = errors_doc!(recvfrom)]
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
#[doc = man_links!(recvfrom(2))]
#[inline]
pub fn recvfrom<'a, B: RecvBuf<'a>>(
    sockfd: impl AsFd,
    buf: B,
    flags: c_int,
) -> Result<(B::Output, Option<SockAddr>)> {
    let fd = sockfd.as_fd().as_raw_fd();
    let (out, addr) = SockAddr::try_init(|sa, salen| {
        let args = |cap| Args::recvfrom(fd, cap, flags);
        recv_with(buf, (fd, flags), "recvfrom", args, |p, cap| {
            // SAFETY: `p` is writable for `cap` bytes; `sa`/`salen` are try_init's zeroed
            // storage and its size.
            unsafe { raw::recvfrom(fd, p, cap, flags, sa, salen) }
        })
    })?;
    Ok((out, if addr.is_empty() { None } else { Some(addr) }))
}

/// `recvfrom(sockfd, buf, len, flags, src_addr, addrlen)` — recvfrom(2) with the caller's
/// address capacity: `src_addr` offers its [`capacity`](SockAddr::capacity) (C's
/// `socklen_t len = sizeof(struct sockaddr_in)` is `SockAddr::with_capacity(AddrLen::INET)`,
/// shown by strace as `[16]`) and holds the sender after the call, with the length the kernel
/// reported (0 if it wrote none). [`recvfrom`] offers 128 bytes.
///
/// C's `len = clilen;` before each `recvfrom` of a loop is
/// [`src_addr.set_capacity(clilen)`](SockAddr::set_capacity) (the loop below). The capacity
/// also stays from one call to the next (`len` does not shrink to the last sender's length,
/// as C's would without that line), so the line may be left out; keep it in a line-for-line
/// port. A sender's address longer than the capacity comes back truncated — C's
/// `len > clilen`; here [`is_truncated`](SockAddr::is_truncated), and refused by `sendto` (see
/// [`accept_into`](super::accept_into)).
///
#[doc = errors_doc!(recvfrom)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AddrLen, SockAddr, AF_INET, SOCK_DGRAM};
/// let lo = SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap());
/// let fd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// sys::bind(&fd, &lo)?;
/// sys::sendto(&fd, b"ping", 0, &sys::getsockname(&fd)?)?;
/// let mut cliaddr = SockAddr::with_capacity(AddrLen::INET);
/// let n = sys::recvfrom_into(&fd, &mut [0u8; 64], 0, &mut cliaddr)?;
/// assert_eq!((n, cliaddr), (4, sys::getsockname(&fd)?));
/// assert_eq!(cliaddr.capacity(), AddrLen::INET); // offered again by the next call
/// # Ok::<(), socklab::Error>(())
/// ```
///
/// A UDP echo loop (Stevens' `dg_echo`), line for line:
/// ```
/// use socklab::sys::{self, AddrLen, SockAddr, AF_INET, SOCK_DGRAM};
/// let lo = SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap());
/// let sockfd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// sys::bind(&sockfd, &lo)?;
/// let clients = [sys::socket(AF_INET, SOCK_DGRAM, 0)?, sys::socket(AF_INET, SOCK_DGRAM, 0)?];
/// for (c, msg) in clients.iter().zip([&b"one"[..], b"two"]) {
///     sys::sendto(c, msg, 0, &sys::getsockname(&sockfd)?)?;
/// }
///
/// let clilen = AddrLen::INET; // socklen_t clilen = sizeof(cliaddr);
/// let mut pcliaddr = SockAddr::with_capacity(clilen); // struct sockaddr_in cliaddr;
/// let mut mesg = [0u8; 1024]; // char mesg[MAXLINE];
/// for _ in 0..clients.len() { // for ( ; ; ) {
///     pcliaddr.set_capacity(clilen); // len = clilen;
///     // n = recvfrom(sockfd, mesg, MAXLINE, 0, pcliaddr, &len);
///     let n = sys::recvfrom_into(&sockfd, &mut mesg[..], 0, &mut pcliaddr)?;
///     // sendto(sockfd, mesg, n, 0, pcliaddr, len);
///     sys::sendto(&sockfd, &mesg[..n], 0, &pcliaddr)?;
/// }
///
/// for (c, msg) in clients.iter().zip([&b"one"[..], b"two"]) {
///     let mut back = [0u8; 16];
///     let n = sys::recv(c, &mut back[..], 0)?;
///     assert_eq!(&back[..n], msg); // each echo went to its sender
/// }
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(recvfrom(2))]
#[doc(alias = "recvfrom")]
pub fn recvfrom_into<'a, B: RecvBuf<'a>>(
    sockfd: impl AsFd,
    buf: B,
    flags: c_int,
    src_addr: &mut SockAddr,
) -> Result<B::Output> {
    let fd = sockfd.as_fd().as_raw_fd();
    src_addr.fill_into(|sa, salen| {
        let args = |cap| Args::recvfrom(fd, cap, flags);
        recv_with(buf, (fd, flags), "recvfrom", args, |p, cap| {
            // SAFETY: `p` is writable for `cap` bytes; `sa`/`salen` are fill_into's zeroed
            // storage and a capacity within it.
            unsafe { raw::recvfrom(fd, p, cap, flags, sa, salen) }
        })
    })
}

/// `write(fd, buf, count)` — write(2).
///
/// Returns how many bytes the kernel took, which on a stream socket may be fewer than `buf.len()`.
/// No `MSG_NOSIGNAL` exists for write(2): writing to a stream whose peer closed raises `SIGPIPE`
/// (Rust programs ignore it by default, so you see `EPIPE`).
///
#[doc = errors_doc!(write)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_SEQPACKET};
/// let (a, _b) = sys::socketpair(AF_UNIX, SOCK_SEQPACKET, 0)?;
/// assert_eq!(sys::write(&a, b"record")?, 6);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(write(2))]
#[inline]
pub fn write(fd: impl AsFd, buf: &[u8]) -> Result<usize> {
    let fd = fd.as_fd().as_raw_fd();
    // SAFETY: `buf` is readable for `buf.len()` bytes.
    let n = unsafe { raw::write(fd, buf.as_ptr().cast(), buf.len()) };
    cvt(n, "write", || Args::write(fd, buf.len())).map(|n| n as usize)
}

/// `send(sockfd, buf, len, flags)` — send(2).
///
/// `flags` pass as given: add `MSG_NOSIGNAL` yourself to get `EPIPE` instead of `SIGPIPE`
/// (std adds it silently).
///
#[doc = errors_doc!(send)]
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
#[doc = man_links!(send(2))]
#[inline]
pub fn send(sockfd: impl AsFd, buf: &[u8], flags: c_int) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    // SAFETY: `buf` is readable for `buf.len()` bytes.
    let n = unsafe { raw::send(fd, buf.as_ptr().cast(), buf.len(), flags) };
    cvt(n, "send", || Args::send(fd, buf.len(), flags)).map(|n| n as usize)
}

/// `sendto(sockfd, buf, len, flags, dest_addr, addrlen)` — sendto(2).
///
/// `dest_addr`/`addrlen` travel as one [`SockAddr`]; to send on a connected socket without an
/// address use [`send`] (or [`raw::sendto`] with NULL).
///
#[doc = errors_doc!(sendto)]
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
#[doc = man_links!(sendto(2))]
#[inline]
pub fn sendto(sockfd: impl AsFd, buf: &[u8], flags: c_int, dest_addr: &SockAddr) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    let (p, len) = (buf.as_ptr().cast(), buf.len());
    let args = || {
        format!(
            "fd {fd}, buf, {len}, {}, {dest_addr}",
            fmt::msg_flags(flags)
        )
    };
    dest_addr.check_whole("sendto", args)?;
    // SAFETY: `buf` is readable for `len` bytes; `dest_addr` for its `len()` bytes.
    let n = unsafe { raw::sendto(fd, p, len, flags, dest_addr.as_ptr(), dest_addr.len()) };
    cvt(n, "sendto", args).map(|n| n as usize)
}
