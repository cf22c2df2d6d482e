//! The C floor: `extern "C"` declarations of `c/pingpong.h` (blocking `write()`/`read()` messages
//! and round trips compiled with `-O2` by build.rs) and safe wrappers taking `impl AsFd` and slices.
//!
//! Every Rust socket path is benchmarked against these loops in the same run: they are the
//! "what C would do" baseline. Unlike the rest of `socklab::sys`, the C side retries `EINTR`
//! (it is a benchmark loop, not a syscall wrapper).
//!
//! Conventions shared by every function (see `c/pingpong.h`): the descriptors are connected
//! blocking sockets; `is_stream` selects "write all / read until `len` bytes" (`SOCK_STREAM`) or
//! "exactly one `write()` and one `read()`" (datagrams, where `len` must be at least 1 because a
//! zero-length datagram reads as "peer closed").

use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::time::Duration;

/// `SL_C_PEER_CLOSED` — what the C floor returns when `read()` returned 0 before the message
/// was complete. Far outside the errno range, so it never collides with `-errno`.
pub const PEER_CLOSED: i32 = -1000;

extern "C" {
    /// `sl_c_send_msg(fd, buf, len, is_stream)` — c/pingpong.h: one message one way: all `len`
    /// bytes of `buf` on a stream (looping on partial writes), exactly one `write()` on a
    /// datagram socket.
    ///
    /// Returns 0 or `-errno`.
    ///
    /// # Safety
    /// `buf` must be valid for reads of `len` bytes. `fd` as in [`sl_c_rtt_once`].
    pub fn sl_c_send_msg(
        fd: libc::c_int,
        buf: *const u8,
        len: libc::size_t,
        is_stream: libc::c_int,
    ) -> libc::c_int;

    /// `sl_c_recv_msg(fd, buf, len, is_stream)` — c/pingpong.h: one message one way: `read()`
    /// until `len` bytes are in `buf` on a stream, exactly one `read()` of at most `len` bytes on
    /// a datagram socket.
    ///
    /// Returns the bytes read, `-errno`, or [`PEER_CLOSED`] when `read()` returned 0.
    ///
    /// # Safety
    /// `buf` must be valid for writes of `len` bytes. `fd` as in [`sl_c_rtt_once`].
    pub fn sl_c_recv_msg(
        fd: libc::c_int,
        buf: *mut u8,
        len: libc::size_t,
        is_stream: libc::c_int,
    ) -> libc::c_long;

    /// `sl_c_rtt_once(fd, buf, len, is_stream)` — c/pingpong.h: write `len` bytes of `buf` on
    /// `fd`, then read `len` bytes back into `buf`.
    ///
    /// Returns 0, `-errno`, or [`PEER_CLOSED`].
    ///
    /// # Safety
    /// `buf` must be valid for reads and writes of `len` bytes. `fd` should be a socket the
    /// caller owns or borrows (an invalid fd only yields `-EBADF`).
    pub fn sl_c_rtt_once(
        fd: libc::c_int,
        buf: *mut u8,
        len: libc::size_t,
        is_stream: libc::c_int,
    ) -> libc::c_int;

    /// `sl_c_pair_once(tx, rx, buf, len, is_stream)` — c/pingpong.h: write `len` bytes on `tx`,
    /// then read `len` bytes on `rx`, in the calling thread.
    ///
    /// Returns 0, `-errno`, or [`PEER_CLOSED`]. For streams `len` must fit in the socket
    /// buffers, since nothing reads `rx` while `tx` is written.
    ///
    /// # Safety
    /// As [`sl_c_rtt_once`], for both `tx` and `rx`.
    pub fn sl_c_pair_once(
        tx: libc::c_int,
        rx: libc::c_int,
        buf: *mut u8,
        len: libc::size_t,
        is_stream: libc::c_int,
    ) -> libc::c_int;

    /// `sl_c_rtt_loop(fd, buf, len, is_stream, iters)` — c/pingpong.h: `iters` calls of
    /// [`sl_c_rtt_once`] timed with `clock_gettime(CLOCK_MONOTONIC)` around the loop.
    ///
    /// Returns the elapsed nanoseconds (>= 0), or the first error (`-errno` / [`PEER_CLOSED`]).
    ///
    /// # Safety
    /// As [`sl_c_rtt_once`].
    pub fn sl_c_rtt_loop(
        fd: libc::c_int,
        buf: *mut u8,
        len: libc::size_t,
        is_stream: libc::c_int,
        iters: libc::c_longlong,
    ) -> libc::c_longlong;

    /// `sl_c_pair_loop(tx, rx, buf, len, is_stream, iters)` — c/pingpong.h: `iters` calls of
    /// [`sl_c_pair_once`], timed like [`sl_c_rtt_loop`].
    ///
    /// # Safety
    /// As [`sl_c_pair_once`].
    pub fn sl_c_pair_loop(
        tx: libc::c_int,
        rx: libc::c_int,
        buf: *mut u8,
        len: libc::size_t,
        is_stream: libc::c_int,
        iters: libc::c_longlong,
    ) -> libc::c_longlong;

    /// `sl_c_echo(fd, buf, cap, is_stream)` — c/pingpong.h: read up to `cap` bytes, write them
    /// all back, until `read()` returns 0 (peer closed, or a zero-length datagram).
    ///
    /// Returns the number of messages echoed, or `-errno`.
    ///
    /// # Safety
    /// `buf` must be valid for reads and writes of `cap` bytes; `fd` as in [`sl_c_rtt_once`].
    pub fn sl_c_echo(
        fd: libc::c_int,
        buf: *mut u8,
        cap: libc::size_t,
        is_stream: libc::c_int,
    ) -> libc::c_longlong;
}

/// Turns a C floor return value into a count: `>= 0` is success, [`PEER_CLOSED`] becomes
/// [`io::ErrorKind::UnexpectedEof`], anything else is `-errno`.
fn check(ret: libc::c_longlong) -> io::Result<u64> {
    if let Ok(count) = u64::try_from(ret) {
        Ok(count)
    } else if ret == libc::c_longlong::from(PEER_CLOSED) {
        Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "C floor: peer closed (read() returned 0)",
        ))
    } else {
        // -errno of a real errno fits an i32; anything else would be a C floor bug.
        let errno = i32::try_from(-ret).unwrap_or(libc::EINVAL);
        Err(io::Error::from_raw_os_error(errno))
    }
}

/// The iteration count as C's `long long`; counts beyond `i64::MAX` are `EINVAL`.
fn iters_arg(iters: u64) -> io::Result<libc::c_longlong> {
    libc::c_longlong::try_from(iters).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// `sl_c_send_msg(fd, buf, len, is_stream)` — c/pingpong.h: one message, one way.
///
/// Writes all of `buf` on `fd` (a stream: `write()` until every byte is taken) or sends it with
/// exactly one `write()` (`is_stream == false`). `EINTR` is retried in C.
///
/// # Errors
/// The errno of the failing `write()` (`EPIPE` once the peer has closed, `EMSGSIZE` for a
/// datagram too large, ...).
///
/// # Example
/// ```
/// use socklab::sys::cfloor;
/// use std::os::unix::net::UnixStream;
///
/// let (a, b) = UnixStream::pair()?;
/// cfloor::send_msg(&a, b"ping", true)?;
/// let mut got = [0; 4];
/// assert_eq!(cfloor::recv_msg(&b, &mut got, true)?, 4);
/// assert_eq!(&got, b"ping");
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "sl_c_send_msg")]
pub fn send_msg(fd: impl AsFd, buf: &[u8], is_stream: bool) -> io::Result<()> {
    let fd = fd.as_fd().as_raw_fd();
    // SAFETY: `buf` is a live `&[u8]`, valid for reads of `buf.len()` bytes for the whole call
    // (C only reads it: the pointer is `const`); `fd` is borrowed through `AsFd`, so it stays
    // open until we return.
    let ret = unsafe { sl_c_send_msg(fd, buf.as_ptr(), buf.len(), is_stream.into()) };
    check(ret.into()).map(drop)
}

/// `sl_c_recv_msg(fd, buf, len, is_stream)` — c/pingpong.h: one message, one way.
///
/// Reads until `buf` is full (a stream; an empty `buf` reads nothing) or exactly one datagram
/// of at most `buf.len()` bytes (`is_stream == false`; the rest of a longer one is discarded,
/// as `read()` does). Returns the bytes read. `EINTR` is retried in C.
///
/// # Errors
/// The errno of the failing `read()` (`EAGAIN` after an `SO_RCVTIMEO` timeout, ...), or
/// [`io::ErrorKind::UnexpectedEof`] when `read()` returned 0: end of stream, or an empty
/// datagram.
///
/// # Example
/// ```
/// use socklab::sys::cfloor;
/// use std::os::unix::net::UnixDatagram;
///
/// let (a, b) = UnixDatagram::pair()?;
/// cfloor::send_msg(&a, &[7; 10], false)?;
/// let mut buf = [0; 64];
/// assert_eq!(cfloor::recv_msg(&b, &mut buf, false)?, 10);
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "sl_c_recv_msg")]
pub fn recv_msg(fd: impl AsFd, buf: &mut [u8], is_stream: bool) -> io::Result<usize> {
    let fd = fd.as_fd().as_raw_fd();
    // SAFETY: `buf` is a live `&mut [u8]`, valid for writes of `buf.len()` bytes for the whole
    // call; `fd` is borrowed through `AsFd`, so it stays open until we return.
    let ret = unsafe { sl_c_recv_msg(fd, buf.as_mut_ptr(), buf.len(), is_stream.into()) };
    // `long` is 32 bits on some targets, so the widening is not useless everywhere.
    #[allow(clippy::useless_conversion)]
    let ret = libc::c_longlong::from(ret);
    // At most `buf.len()` bytes were read, so a success always fits a usize.
    check(ret).map(|n| usize::try_from(n).unwrap_or(buf.len()))
}

/// `sl_c_rtt_once(fd, buf, len, is_stream)` — c/pingpong.h: one blocking round trip.
///
/// Writes all of `buf` on `fd`, then reads `buf.len()` bytes back into `buf` (a stream) or one
/// datagram (`is_stream == false`). `EINTR` is retried in C.
///
/// # Errors
/// The errno of the failing `write()`/`read()` (`EPIPE` once the peer has closed, ...), or
/// [`io::ErrorKind::UnexpectedEof`] when `read()` returned 0.
///
/// # Example
/// ```
/// use socklab::sys::cfloor;
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
///
/// let (a, mut b) = UnixStream::pair()?;
/// b.write_all(b"pong")?; // the reply is already queued
/// let mut buf = *b"ping";
/// cfloor::rtt_once(&a, &mut buf, true)?;
/// assert_eq!(&buf, b"pong");
/// let mut got = [0; 4];
/// b.read_exact(&mut got)?;
/// assert_eq!(&got, b"ping");
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "sl_c_rtt_once")]
pub fn rtt_once(fd: impl AsFd, buf: &mut [u8], is_stream: bool) -> io::Result<()> {
    // SAFETY: `buf` is a live `&mut [u8]`, valid for reads and writes of `buf.len()` bytes for
    // the whole call; `fd` is borrowed through `AsFd`, so it stays open until we return.
    let ret = unsafe {
        sl_c_rtt_once(
            fd.as_fd().as_raw_fd(),
            buf.as_mut_ptr(),
            buf.len(),
            is_stream.into(),
        )
    };
    check(ret.into()).map(drop)
}

/// `sl_c_pair_once(tx, rx, buf, len, is_stream)` — c/pingpong.h: write on `tx`, read on `rx`.
///
/// Writes all of `buf` on `tx`, then reads `buf.len()` bytes (a stream) or one datagram from
/// `rx`, in the calling thread: for streams `buf` must fit in the socket buffers.
///
/// # Errors
/// As [`rtt_once`].
///
/// # Example
/// ```
/// use socklab::sys::cfloor;
/// use std::os::unix::net::UnixDatagram;
///
/// let (tx, rx) = UnixDatagram::pair()?;
/// let mut buf = [7u8; 64];
/// cfloor::pair_once(&tx, &rx, &mut buf, false)?;
/// assert_eq!(buf, [7u8; 64]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "sl_c_pair_once")]
pub fn pair_once(tx: impl AsFd, rx: impl AsFd, buf: &mut [u8], is_stream: bool) -> io::Result<()> {
    let (tx, rx) = (tx.as_fd().as_raw_fd(), rx.as_fd().as_raw_fd());
    // SAFETY: `buf` is a live `&mut [u8]`, valid for reads and writes of `buf.len()` bytes; `tx`
    // and `rx` come from the `AsFd` borrows held by this frame, so both stay open during the call.
    let ret = unsafe { sl_c_pair_once(tx, rx, buf.as_mut_ptr(), buf.len(), is_stream.into()) };
    check(ret.into()).map(drop)
}

/// `sl_c_rtt_loop(fd, buf, len, is_stream, iters)` — c/pingpong.h: `iters` timed round trips.
///
/// [`rtt_once`] `iters` times in C, returning the time measured with
/// `clock_gettime(CLOCK_MONOTONIC)` around the loop (what criterion's `iter_custom` wants).
/// The peer must echo every message (for example a thread running [`echo`]).
///
/// # Errors
/// The first error of the loop, as [`rtt_once`]; `EINVAL` if `iters > i64::MAX`.
///
/// # Example
/// ```
/// use socklab::sys::cfloor;
/// use std::os::unix::net::UnixStream;
///
/// let (a, b) = UnixStream::pair()?;
/// let echo = std::thread::spawn(move || cfloor::echo(&b, &mut [0; 32], true));
/// let elapsed = cfloor::rtt_loop(&a, &mut [1; 32], true, 100)?;
/// assert!(elapsed.as_nanos() > 0);
/// drop(a); // read() returns 0 in the echo thread
/// assert_eq!(echo.join().unwrap()?, 100);
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "sl_c_rtt_loop")]
pub fn rtt_loop(
    fd: impl AsFd,
    buf: &mut [u8],
    is_stream: bool,
    iters: u64,
) -> io::Result<Duration> {
    let iters = iters_arg(iters)?;
    let fd = fd.as_fd().as_raw_fd();
    // SAFETY: as in `rtt_once`: `buf` valid for `buf.len()` bytes, `fd` borrowed for the call.
    let ret = unsafe { sl_c_rtt_loop(fd, buf.as_mut_ptr(), buf.len(), is_stream.into(), iters) };
    check(ret).map(Duration::from_nanos)
}

/// `sl_c_pair_loop(tx, rx, buf, len, is_stream, iters)` — c/pingpong.h: `iters` timed pairs.
///
/// [`pair_once`] `iters` times in C, timed like [`rtt_loop`].
///
/// # Errors
/// The first error of the loop, as [`rtt_once`]; `EINVAL` if `iters > i64::MAX`.
///
/// # Example
/// ```
/// use socklab::sys::cfloor;
/// use std::os::unix::net::UnixStream;
///
/// let (tx, rx) = UnixStream::pair()?;
/// let elapsed = cfloor::pair_loop(&tx, &rx, &mut [0; 64], true, 1000)?;
/// assert!(elapsed.as_nanos() > 0);
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "sl_c_pair_loop")]
pub fn pair_loop(
    tx: impl AsFd,
    rx: impl AsFd,
    buf: &mut [u8],
    is_stream: bool,
    iters: u64,
) -> io::Result<Duration> {
    let iters = iters_arg(iters)?;
    let (tx, rx) = (tx.as_fd().as_raw_fd(), rx.as_fd().as_raw_fd());
    let (ptr, len) = (buf.as_mut_ptr(), buf.len());
    // SAFETY: as in `pair_once`: `ptr` valid for `len` bytes, `tx`/`rx` borrowed for the call.
    let ret = unsafe { sl_c_pair_loop(tx, rx, ptr, len, is_stream.into(), iters) };
    check(ret).map(Duration::from_nanos)
}

/// `sl_c_echo(fd, buf, cap, is_stream)` — c/pingpong.h: the echo side of [`rtt_loop`].
///
/// Reads up to `buf.len()` bytes and writes them all back, until `read()` returns 0: the peer
/// closed (streams) or sent a zero-length datagram (the way to stop a datagram echo).
/// Returns the number of messages echoed.
///
/// # Errors
/// The errno of the failing `read()`/`write()`.
///
/// # Example
/// ```
/// use socklab::sys::cfloor;
/// use std::os::unix::net::UnixDatagram;
///
/// let (a, b) = UnixDatagram::pair()?;
/// let echo = std::thread::spawn(move || cfloor::echo(&b, &mut [0; 16], false));
/// cfloor::rtt_once(&a, &mut [9; 16], false)?;
/// a.send(&[])?; // a zero-length datagram stops the echo
/// assert_eq!(echo.join().unwrap()?, 1);
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "sl_c_echo")]
pub fn echo(fd: impl AsFd, buf: &mut [u8], is_stream: bool) -> io::Result<u64> {
    let fd = fd.as_fd().as_raw_fd();
    // SAFETY: `buf` is a live `&mut [u8]`, valid for reads and writes of `buf.len()` bytes (the
    // `cap` C reads into); `fd` is borrowed through `AsFd` for the whole call.
    let ret = unsafe { sl_c_echo(fd, buf.as_mut_ptr(), buf.len(), is_stream.into()) };
    check(ret)
}
