//! The C floor: `extern "C"` declarations of `c/pingpong.h` (blocking `write()`/`read()` messages
//! and round trips compiled with `-O2` by build.rs) and safe wrappers taking `impl AsFd` and slices.
//!
//! Every Rust socket path is benchmarked against these loops in the same run: they are the
//! "what C would do" baseline. Unlike `socklab::sys`, the C side retries `EINTR` (it is a
//! benchmark loop, not a syscall wrapper), its calls are not traced (C calls libc directly),
//! and errors are `io::Error`s, as for every path compare measures.
//!
//! One of the two modules of `compare` that opt in to `unsafe` (`#[allow(unsafe_code)]` where
//! `compare/mod.rs` declares it; the other is `paths::uring`, and the crate denies it everywhere
//! else but `sys`): each FFI call sits in its own `unsafe {}` with the `// SAFETY:` comment saying
//! why its contract holds.
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
/// use socklab::compare::cfloor;
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
/// use socklab::compare::cfloor;
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
/// use socklab::compare::cfloor;
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
/// use socklab::compare::cfloor;
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
/// use socklab::compare::cfloor;
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
/// use socklab::compare::cfloor;
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
/// use socklab::compare::cfloor;
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

/// The C twins of `c/twins.h`: the same message loops as the floor above, making the syscalls of
/// each socklab `libc-*` path, plus the physical floor (`write`/`read` as an inline `syscall`
/// instruction, x86_64 only), the `sendmmsg`/`recvmmsg` batch, stream mode's sender loop, the
/// UDP GSO/GRO twin ([`twins::Gso`]), the epoll loop of `c-epoll` ([`twins::epoll_pair_once`]…)
/// and the raw io_uring rings of `c-io-uring` ([`twins::Uring`]).
pub mod twins {
    use std::io;
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
    use std::ptr::NonNull;

    use super::check;
    use crate::sys::SockAddr;

    /// Which syscalls a twin makes per message, one way (`SL_C_CALL_*` of `c/twins.h`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Call {
        /// `write()` / `read()` through glibc, as the `c` floor.
        ReadWrite = 0,
        /// `send()` / `recv()` through glibc (the `sendto`/`recvfrom` syscalls on x86_64).
        SendRecv = 1,
        /// `sendto(to)` / `recvfrom()` into a `sockaddr_storage`.
        SendtoRecvfrom = 2,
        /// `sendmsg()` / `recvmsg()` with one iovec; `recvmsg` names the peer.
        SendmsgRecvmsg = 3,
        /// `write` / `read` as the `syscall` instruction inline: no function frame spans it.
        Inline = 4,
    }

    /// Opaque `struct sl_c_mmsg` of `c/twins.h`.
    #[repr(C)]
    pub struct RawMmsg {
        _private: [u8; 0],
    }

    /// Opaque `struct sl_c_gso` of `c/twins.h`.
    #[repr(C)]
    pub struct RawGso {
        _private: [u8; 0],
    }

    /// Opaque `struct sl_c_uring` of `c/twins.h`.
    #[repr(C)]
    pub struct RawUring {
        _private: [u8; 0],
    }

    /// `SL_C_URING_STRANDED` — what a `c-io-uring` op returns when `io_uring_enter` failed in a
    /// way no op can outlive (none is known for its arguments): its SQEs may still be in
    /// flight, writing into the caller's buffers.
    pub const URING_STRANDED: i32 = -2000;

    extern "C" {
        /// `sl_c_have_inline()` — 1 where [`Call::Inline`] exists (x86_64 Linux).
        pub fn sl_c_have_inline() -> libc::c_int;

        /// `sl_c_twin_send_msg(call, fd, buf, len, is_stream, to, tolen)` — one message one way.
        ///
        /// # Safety
        /// `buf` readable for `len` bytes; `to` NULL or readable for `tolen` bytes.
        pub fn sl_c_twin_send_msg(
            call: libc::c_int,
            fd: libc::c_int,
            buf: *const u8,
            len: libc::size_t,
            is_stream: libc::c_int,
            to: *const libc::c_void,
            tolen: libc::c_uint,
        ) -> libc::c_int;

        /// `sl_c_twin_recv_msg(call, fd, buf, len, is_stream)` — one message one way.
        ///
        /// # Safety
        /// `buf` writable for `len` bytes.
        pub fn sl_c_twin_recv_msg(
            call: libc::c_int,
            fd: libc::c_int,
            buf: *mut u8,
            len: libc::size_t,
            is_stream: libc::c_int,
        ) -> libc::c_long;

        /// `sl_c_twin_pair_once(call, tx, rx, buf, len, is_stream, to, tolen)` — send on `tx`,
        /// receive on `rx`.
        ///
        /// # Safety
        /// `buf` readable and writable for `len` bytes; `to` as in [`sl_c_twin_send_msg`].
        #[allow(clippy::too_many_arguments)]
        pub fn sl_c_twin_pair_once(
            call: libc::c_int,
            tx: libc::c_int,
            rx: libc::c_int,
            buf: *mut u8,
            len: libc::size_t,
            is_stream: libc::c_int,
            to: *const libc::c_void,
            tolen: libc::c_uint,
        ) -> libc::c_int;

        /// `sl_c_twin_echo(call, fd, buf, cap, is_stream, to, tolen)` — the echo side of rtt.
        ///
        /// # Safety
        /// `buf` readable and writable for `cap` bytes; `to` as in [`sl_c_twin_send_msg`].
        pub fn sl_c_twin_echo(
            call: libc::c_int,
            fd: libc::c_int,
            buf: *mut u8,
            cap: libc::size_t,
            is_stream: libc::c_int,
            to: *const libc::c_void,
            tolen: libc::c_uint,
        ) -> libc::c_longlong;

        /// `sl_c_twin_pair_stamps(call, tx, rx, buf, len, is_stream, per, samples, stamps)` —
        /// timed pairs with a timestamp after each sample of `per` pairs.
        ///
        /// # Safety
        /// `buf` readable and writable for `len` bytes; `stamps` writable for `samples + 1`.
        #[allow(clippy::too_many_arguments)]
        pub fn sl_c_twin_pair_stamps(
            call: libc::c_int,
            tx: libc::c_int,
            rx: libc::c_int,
            buf: *mut u8,
            len: libc::size_t,
            is_stream: libc::c_int,
            per: libc::c_longlong,
            samples: libc::c_longlong,
            stamps: *mut libc::c_longlong,
        ) -> libc::c_int;

        /// `sl_c_twin_send_stream(call, fd, buf, len, is_stream, to, tolen, k)` — stream mode's
        /// sender: `k` messages of `len` bytes back to back; 0 or the first error as `-errno`.
        ///
        /// # Safety
        /// `buf` readable for `len` bytes; `to` as in [`sl_c_twin_send_msg`].
        #[allow(clippy::too_many_arguments)]
        pub fn sl_c_twin_send_stream(
            call: libc::c_int,
            fd: libc::c_int,
            buf: *const u8,
            len: libc::size_t,
            is_stream: libc::c_int,
            to: *const libc::c_void,
            tolen: libc::c_uint,
            k: libc::c_longlong,
        ) -> libc::c_int;

        /// `sl_c_gso_new(size, segs)` — `c-gso`'s buffers; NULL without memory or for `size`
        /// outside 1..=65535, `segs` 0.
        pub fn sl_c_gso_new(size: libc::size_t, segs: libc::c_uint) -> *mut RawGso;

        /// `sl_c_gso_free(g)`.
        ///
        /// # Safety
        /// `g` from [`sl_c_gso_new`] (or NULL), freed once.
        pub fn sl_c_gso_free(g: *mut RawGso);

        /// `sl_c_gso_send(g, fd, k)` — `k` datagrams in `sendmsg`s of up to `segs` segments,
        /// each with the `UDP_SEGMENT` cmsg; 0 or `-errno`.
        ///
        /// # Safety
        /// `g` live, from [`sl_c_gso_new`].
        pub fn sl_c_gso_send(g: *mut RawGso, fd: libc::c_int, k: libc::c_longlong) -> libc::c_int;

        /// `sl_c_gso_recv(g, fd, segment)` — one `recvmsg` with room for the `UDP_GRO` cmsg:
        /// the datagrams received, or `-errno`; `*segment` set when the cmsg came.
        ///
        /// # Safety
        /// `g` live, from [`sl_c_gso_new`]; `segment` writable.
        pub fn sl_c_gso_recv(
            g: *mut RawGso,
            fd: libc::c_int,
            segment: *mut libc::c_int,
        ) -> libc::c_long;

        /// `sl_c_gso_one(fd, buf, len, receive)` — one plain `sendmsg`/`recvmsg` of `buf`;
        /// the byte count or `-errno`.
        ///
        /// # Safety
        /// `buf` valid for `len` bytes (written if `receive`).
        pub fn sl_c_gso_one(
            fd: libc::c_int,
            buf: *mut u8,
            len: libc::size_t,
            receive: libc::c_int,
        ) -> libc::c_long;

        /// `sl_c_mmsg_new(n, len)` — headers and buffers for batches; NULL without memory.
        pub fn sl_c_mmsg_new(n: libc::c_uint, len: libc::size_t) -> *mut RawMmsg;

        /// `sl_c_mmsg_free(m)`.
        ///
        /// # Safety
        /// `m` from [`sl_c_mmsg_new`] (or NULL), freed once.
        pub fn sl_c_mmsg_free(m: *mut RawMmsg);

        /// `sl_c_mmsg_send(m, fd, n, len)` — `n` messages with one `sendmmsg`.
        ///
        /// # Safety
        /// `m` live, from [`sl_c_mmsg_new`].
        pub fn sl_c_mmsg_send(
            m: *mut RawMmsg,
            fd: libc::c_int,
            n: libc::c_uint,
            len: libc::size_t,
        ) -> libc::c_int;

        /// `sl_c_mmsg_recv(m, fd, n)` — `recvmmsg` until `n` messages arrived.
        ///
        /// # Safety
        /// `m` live, from [`sl_c_mmsg_new`].
        pub fn sl_c_mmsg_recv(m: *mut RawMmsg, fd: libc::c_int, n: libc::c_uint) -> libc::c_int;

        /// `sl_c_mmsg_one(m, fd, buf, len, receive)` — one message through one header pointed
        /// at `buf`; returns its `msg_len` or `-errno`.
        ///
        /// # Safety
        /// `m` live, from [`sl_c_mmsg_new`]; `buf` valid for `len` bytes (written if `receive`).
        pub fn sl_c_mmsg_one(
            m: *mut RawMmsg,
            fd: libc::c_int,
            buf: *mut u8,
            len: libc::size_t,
            receive: libc::c_int,
        ) -> libc::c_long;

        /// `sl_c_epoll_send_msg(fd, ep, buf, len, is_stream)` — `c-epoll`: one message with
        /// `send(MSG_DONTWAIT)`, `epoll_wait` on `ep` on `EAGAIN`.
        ///
        /// # Safety
        /// `buf` readable for `len` bytes.
        pub fn sl_c_epoll_send_msg(
            fd: libc::c_int,
            ep: libc::c_int,
            buf: *const u8,
            len: libc::size_t,
            is_stream: libc::c_int,
        ) -> libc::c_int;

        /// `sl_c_epoll_recv_msg(fd, ep, buf, len, is_stream)` — `c-epoll`: one message with
        /// `recv(MSG_DONTWAIT)`, `epoll_wait` on `EAGAIN`.
        ///
        /// # Safety
        /// `buf` writable for `len` bytes.
        pub fn sl_c_epoll_recv_msg(
            fd: libc::c_int,
            ep: libc::c_int,
            buf: *mut u8,
            len: libc::size_t,
            is_stream: libc::c_int,
        ) -> libc::c_long;

        /// `sl_c_epoll_pair_once(tx, tx_ep, rx, rx_ep, buf, len, is_stream)` — send on `tx`,
        /// receive on `rx`, each waiting on its own set.
        ///
        /// # Safety
        /// `buf` readable and writable for `len` bytes.
        #[allow(clippy::too_many_arguments)]
        pub fn sl_c_epoll_pair_once(
            tx: libc::c_int,
            tx_ep: libc::c_int,
            rx: libc::c_int,
            rx_ep: libc::c_int,
            buf: *mut u8,
            len: libc::size_t,
            is_stream: libc::c_int,
        ) -> libc::c_int;

        /// `sl_c_epoll_echo(fd, ep, buf, cap, is_stream)` — the echo side of rtt.
        ///
        /// # Safety
        /// `buf` readable and writable for `cap` bytes.
        pub fn sl_c_epoll_echo(
            fd: libc::c_int,
            ep: libc::c_int,
            buf: *mut u8,
            cap: libc::size_t,
            is_stream: libc::c_int,
        ) -> libc::c_longlong;

        /// `sl_c_uring_new(entries, flags, out)` — a ring through `io_uring_setup`; 0 or
        /// `-errno`.
        ///
        /// # Safety
        /// `out` writable.
        pub fn sl_c_uring_new(
            entries: libc::c_uint,
            flags: libc::c_uint,
            out: *mut *mut RawUring,
        ) -> libc::c_int;

        /// `sl_c_uring_free(r)`.
        ///
        /// # Safety
        /// `r` from [`sl_c_uring_new`] (or NULL), with no op in flight, freed once.
        pub fn sl_c_uring_free(r: *mut RawUring);

        /// `sl_c_uring_send_msg(r, fd, buf, len, is_stream)` — one message with SENDs.
        ///
        /// # Safety
        /// `r` live; `buf` readable for `len` bytes.
        pub fn sl_c_uring_send_msg(
            r: *mut RawUring,
            fd: libc::c_int,
            buf: *const u8,
            len: libc::size_t,
            is_stream: libc::c_int,
        ) -> libc::c_int;

        /// `sl_c_uring_recv_msg(r, fd, buf, len, is_stream)` — one message with RECVs.
        ///
        /// # Safety
        /// `r` live; `buf` writable for `len` bytes.
        pub fn sl_c_uring_recv_msg(
            r: *mut RawUring,
            fd: libc::c_int,
            buf: *mut u8,
            len: libc::size_t,
            is_stream: libc::c_int,
        ) -> libc::c_long;

        /// `sl_c_uring_pair_once(r, tx, rx, buf, len, is_stream)` — SEND linked to RECV, one
        /// `io_uring_enter`.
        ///
        /// # Safety
        /// `r` live; `buf` readable and writable for `len` bytes.
        pub fn sl_c_uring_pair_once(
            r: *mut RawUring,
            tx: libc::c_int,
            rx: libc::c_int,
            buf: *mut u8,
            len: libc::size_t,
            is_stream: libc::c_int,
        ) -> libc::c_int;

        /// `sl_c_uring_echo(r, fd, buf, spare, cap, is_stream)` — the echo side of rtt.
        ///
        /// # Safety
        /// `r` live; `buf` and `spare` readable and writable for `cap` bytes each.
        pub fn sl_c_uring_echo(
            r: *mut RawUring,
            fd: libc::c_int,
            buf: *mut u8,
            spare: *mut u8,
            cap: libc::size_t,
            is_stream: libc::c_int,
        ) -> libc::c_longlong;

        /// `sl_c_uring_batch(r, tx, rx, buf, len, rx_bufs, n)` — `n` linked SEND→RECV pairs in
        /// one `io_uring_enter`.
        ///
        /// # Safety
        /// `r` live; `buf` readable for `len` bytes; `rx_bufs` writable for `n * len` bytes.
        pub fn sl_c_uring_batch(
            r: *mut RawUring,
            tx: libc::c_int,
            rx: libc::c_int,
            buf: *const u8,
            len: libc::size_t,
            rx_bufs: *mut u8,
            n: libc::c_uint,
        ) -> libc::c_int;
    }

    /// Whether [`Call::Inline`] is built on this target (x86_64 Linux).
    pub fn have_inline() -> bool {
        // SAFETY: takes nothing, reads a constant.
        unsafe { sl_c_have_inline() != 0 }
    }

    /// `(ptr, len)` of the address `sendto` passes, NULL/0 for `None`.
    ///
    /// # Errors
    /// `EINVAL` for a truncated address, which `sys::sendto` refuses too.
    fn to_parts(to: Option<&SockAddr>) -> io::Result<(*const libc::c_void, libc::c_uint)> {
        let Some(a) = to else {
            return Ok((std::ptr::null(), 0));
        };
        a.check_whole("sendto", || a.to_string())?;
        Ok((a.as_ptr().cast(), a.len()))
    }

    /// `sl_c_twin_send_msg` — one whole message on `fd` with `call`'s send syscall (`to`: the
    /// address of `sendto`, used by [`Call::SendtoRecvfrom`] only).
    ///
    /// # Errors
    /// The failing call's errno.
    pub fn send_msg(
        call: Call,
        fd: impl AsFd,
        buf: &[u8],
        is_stream: bool,
        to: Option<&SockAddr>,
    ) -> io::Result<()> {
        let (to, tolen) = to_parts(to)?;
        let fd = fd.as_fd().as_raw_fd();
        // SAFETY: `buf` is a live slice readable for `buf.len()` bytes; `to` is NULL or points to
        // a live SockAddr readable for `tolen` bytes; `fd` is borrowed for the call.
        let ret = unsafe {
            sl_c_twin_send_msg(
                call as i32,
                fd,
                buf.as_ptr(),
                buf.len(),
                is_stream.into(),
                to,
                tolen,
            )
        };
        check(ret.into()).map(drop)
    }

    /// `sl_c_twin_recv_msg` — one whole message with `call`'s receive syscall; returns its
    /// length.
    ///
    /// # Errors
    /// The failing call's errno; `UnexpectedEof` when the read returned 0.
    pub fn recv_msg(
        call: Call,
        fd: impl AsFd,
        buf: &mut [u8],
        is_stream: bool,
    ) -> io::Result<usize> {
        let fd = fd.as_fd().as_raw_fd();
        // SAFETY: `buf` is a live slice writable for `buf.len()` bytes; `fd` borrowed.
        let ret = unsafe {
            sl_c_twin_recv_msg(
                call as i32,
                fd,
                buf.as_mut_ptr(),
                buf.len(),
                is_stream.into(),
            )
        };
        #[allow(clippy::useless_conversion)]
        let ret = libc::c_longlong::from(ret);
        check(ret).map(|n| usize::try_from(n).unwrap_or(buf.len()))
    }

    /// `sl_c_twin_pair_once` — send `buf` on `tx`, receive it on `rx`, `call`'s syscalls.
    ///
    /// # Errors
    /// As [`recv_msg`].
    pub fn pair_once(
        call: Call,
        tx: impl AsFd,
        rx: impl AsFd,
        buf: &mut [u8],
        is_stream: bool,
        to: Option<&SockAddr>,
    ) -> io::Result<()> {
        let (to, tolen) = to_parts(to)?;
        let (tx, rx) = (tx.as_fd().as_raw_fd(), rx.as_fd().as_raw_fd());
        let (ptr, len) = (buf.as_mut_ptr(), buf.len());
        // SAFETY: `ptr` is valid for reads and writes of `len` bytes (a live `&mut [u8]`); `to`
        // is NULL or a live SockAddr of `tolen` bytes; `tx`/`rx` are borrowed for the call.
        let ret = unsafe {
            sl_c_twin_pair_once(call as i32, tx, rx, ptr, len, is_stream.into(), to, tolen)
        };
        check(ret.into()).map(drop)
    }

    /// `sl_c_twin_echo` — echoes with `call`'s syscalls until a read returns 0; returns the
    /// echo count.
    ///
    /// # Errors
    /// The failing call's errno.
    pub fn echo(
        call: Call,
        fd: impl AsFd,
        buf: &mut [u8],
        is_stream: bool,
        to: Option<&SockAddr>,
    ) -> io::Result<u64> {
        let (to, tolen) = to_parts(to)?;
        let fd = fd.as_fd().as_raw_fd();
        let (ptr, len) = (buf.as_mut_ptr(), buf.len());
        // SAFETY: `ptr` valid for reads and writes of `len` bytes; `to` NULL or `tolen` readable
        // bytes of a live SockAddr; `fd` borrowed for the call.
        let ret = unsafe { sl_c_twin_echo(call as i32, fd, ptr, len, is_stream.into(), to, tolen) };
        check(ret)
    }

    /// `sl_c_twin_send_stream` — stream mode's sender: `k` whole messages of `buf` on `fd`,
    /// back to back, with `call`'s send syscall (the C loop of socklab's per-message paths).
    ///
    /// # Errors
    /// The first failing call's errno; `EINVAL` for `k` beyond `i64`.
    pub fn send_stream(
        call: Call,
        fd: impl AsFd,
        buf: &[u8],
        is_stream: bool,
        to: Option<&SockAddr>,
        k: u64,
    ) -> io::Result<()> {
        let k = super::iters_arg(k)?;
        let (to, tolen) = to_parts(to)?;
        let fd = fd.as_fd().as_raw_fd();
        // SAFETY: `buf` is a live slice readable for `buf.len()` bytes (C only reads it); `to`
        // is NULL or a live SockAddr readable for `tolen` bytes; `fd` is borrowed for the call.
        let ret = unsafe {
            sl_c_twin_send_stream(
                call as i32,
                fd,
                buf.as_ptr(),
                buf.len(),
                is_stream.into(),
                to,
                tolen,
                k,
            )
        };
        check(ret.into()).map(drop)
    }

    /// `sl_c_twin_pair_stamps` — `stamps.len() - 1` samples of `per` pairs, timed in C:
    /// `stamps[i]` is `CLOCK_MONOTONIC` in ns before sample `i` (and after sample `i - 1`).
    /// With [`Call::Inline`] no function frame spans a syscall.
    ///
    /// # Errors
    /// The first failing call; `EINVAL` for fewer than 2 stamps or a count beyond `i64`.
    pub fn pair_stamps(
        call: Call,
        tx: impl AsFd,
        rx: impl AsFd,
        buf: &mut [u8],
        is_stream: bool,
        per: u64,
        stamps: &mut [i64],
    ) -> io::Result<()> {
        let einval = || io::Error::from_raw_os_error(libc::EINVAL);
        let samples = stamps
            .len()
            .checked_sub(1)
            .filter(|&n| n > 0)
            .ok_or_else(einval)?;
        let samples = i64::try_from(samples).map_err(|_| einval())?;
        let per = i64::try_from(per).map_err(|_| einval())?;
        let (tx, rx) = (tx.as_fd().as_raw_fd(), rx.as_fd().as_raw_fd());
        let (ptr, len) = (buf.as_mut_ptr(), buf.len());
        // SAFETY: `ptr` valid for `len` bytes both ways; `stamps` is a live slice of
        // `samples + 1` i64s (= C's long long) for C to write; `tx`/`rx` borrowed for the call.
        let ret = unsafe {
            sl_c_twin_pair_stamps(
                call as i32,
                tx,
                rx,
                ptr,
                len,
                is_stream.into(),
                per,
                samples,
                stamps.as_mut_ptr(),
            )
        };
        check(ret.into()).map(drop)
    }

    /// `sl_c_epoll_send_msg` — `c-epoll`: one whole message on `fd` with
    /// `send(MSG_DONTWAIT)`, waiting in `epoll_wait` on `ep` (a set watching `fd`) on `EAGAIN`.
    ///
    /// # Errors
    /// The failing call's errno.
    pub fn epoll_send_msg(
        fd: impl AsFd,
        ep: impl AsFd,
        buf: &[u8],
        is_stream: bool,
    ) -> io::Result<()> {
        let (fd, ep) = (fd.as_fd().as_raw_fd(), ep.as_fd().as_raw_fd());
        // SAFETY: `buf` is a live slice readable for `buf.len()` bytes (C only reads it); `fd`
        // and `ep` are borrowed for the call.
        let ret = unsafe { sl_c_epoll_send_msg(fd, ep, buf.as_ptr(), buf.len(), is_stream.into()) };
        check(ret.into()).map(drop)
    }

    /// `sl_c_epoll_recv_msg` — `c-epoll`: one whole message with `recv(MSG_DONTWAIT)` and
    /// `epoll_wait` on `EAGAIN`; returns its length.
    ///
    /// # Errors
    /// As [`epoll_send_msg`]; `UnexpectedEof` when a receive returned 0.
    pub fn epoll_recv_msg(
        fd: impl AsFd,
        ep: impl AsFd,
        buf: &mut [u8],
        is_stream: bool,
    ) -> io::Result<usize> {
        let (fd, ep) = (fd.as_fd().as_raw_fd(), ep.as_fd().as_raw_fd());
        let (ptr, len) = (buf.as_mut_ptr(), buf.len());
        // SAFETY: `ptr` is a live `&mut [u8]` writable for `len` bytes; `fd`, `ep` borrowed.
        let ret = unsafe { sl_c_epoll_recv_msg(fd, ep, ptr, len, is_stream.into()) };
        #[allow(clippy::useless_conversion)]
        let ret = libc::c_longlong::from(ret);
        check(ret).map(|n| usize::try_from(n).unwrap_or(len))
    }

    /// `sl_c_epoll_pair_once` — `c-epoll`'s same-thread (or, `tx` = `rx`, rtt) operation: send
    /// `buf` on `tx`, receive it on `rx`, each waiting on its own set.
    ///
    /// # Errors
    /// As [`epoll_recv_msg`].
    pub fn epoll_pair_once(
        (tx, tx_ep): (BorrowedFd<'_>, BorrowedFd<'_>),
        (rx, rx_ep): (BorrowedFd<'_>, BorrowedFd<'_>),
        buf: &mut [u8],
        is_stream: bool,
    ) -> io::Result<()> {
        let (tx, tx_ep) = (tx.as_raw_fd(), tx_ep.as_raw_fd());
        let (rx, rx_ep) = (rx.as_raw_fd(), rx_ep.as_raw_fd());
        let (ptr, len) = (buf.as_mut_ptr(), buf.len());
        // SAFETY: `ptr` is valid for reads and writes of `len` bytes (a live `&mut [u8]`); the
        // four fds are borrowed for the call.
        let ret = unsafe { sl_c_epoll_pair_once(tx, tx_ep, rx, rx_ep, ptr, len, is_stream.into()) };
        check(ret.into()).map(drop)
    }

    /// `sl_c_epoll_echo` — `c-epoll`'s echo: until a receive returns 0; returns the echoes.
    ///
    /// # Errors
    /// As [`epoll_send_msg`].
    pub fn epoll_echo(
        fd: impl AsFd,
        ep: impl AsFd,
        buf: &mut [u8],
        is_stream: bool,
    ) -> io::Result<u64> {
        let (fd, ep) = (fd.as_fd().as_raw_fd(), ep.as_fd().as_raw_fd());
        let (ptr, len) = (buf.as_mut_ptr(), buf.len());
        // SAFETY: `ptr` valid for reads and writes of `len` bytes; `fd`, `ep` borrowed.
        let ret = unsafe { sl_c_epoll_echo(fd, ep, ptr, len, is_stream.into()) };
        check(ret)
    }

    /// A `c-io-uring` ring: `io_uring_setup` and the three mmap'd regions, owned by C and used
    /// by the thread that made it (every op checks; a ring set up with
    /// `IORING_SETUP_SINGLE_ISSUER` takes submissions from that thread only). Every op submits
    /// its SQEs and waits for all their completions in one `io_uring_enter` (no timeout), so no
    /// op outlives the call that started it and its buffers are free again when it returns.
    pub struct Uring {
        raw: NonNull<RawUring>,
        entries: usize,
        thread: std::thread::ThreadId,
    }

    // SAFETY: the ring is heap memory, mappings and an fd owned by this value alone, with no op
    // in flight between calls; moving it to another thread moves only those, and every op
    // refuses to run off the thread that made it (`here`), so a single-issuer ring is never
    // entered from another.
    unsafe impl Send for Uring {}

    /// A C op's return value as a count; [`URING_STRANDED`] ends the process (see [`strand`]).
    fn uring_check(ret: libc::c_longlong) -> io::Result<u64> {
        if ret == libc::c_longlong::from(URING_STRANDED) {
            strand("c-io-uring");
        }
        check(ret)
    }

    /// An `io_uring_enter` failed in a way no op can outlive while ops were in flight: they may
    /// still write into buffers Rust is about to hand back, so the process ends here, with one
    /// line on stderr. No such error is known for the arguments socklab passes.
    #[cold]
    pub fn strand(path: &str) -> ! {
        eprintln!(
            "socklab: {path}: io_uring_enter failed with ops in flight; aborting, as their \
             buffers cannot be given back"
        );
        std::process::abort()
    }

    impl Uring {
        /// A ring of `entries` SQEs (a power of two; the kernel rounds up) set up with `flags`
        /// (`IORING_SETUP_*`).
        ///
        /// # Errors
        /// `io_uring_setup`'s errno (`EPERM` where `kernel.io_uring_disabled` or a seccomp
        /// filter forbids it, `EINVAL` for flags this kernel does not know, `ENOSYS` without
        /// io_uring or for a build without `<linux/io_uring.h>`), `EINVAL` for `entries`
        /// beyond `u32`.
        pub fn new(entries: usize, flags: u32) -> io::Result<Uring> {
            let n =
                u32::try_from(entries).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
            let mut raw: *mut RawUring = std::ptr::null_mut();
            // SAFETY: `raw` is a live local C writes the new ring's pointer into.
            let ret = unsafe { sl_c_uring_new(n, flags, &mut raw) };
            check(ret.into())?;
            let raw =
                NonNull::new(raw).ok_or_else(|| io::Error::from_raw_os_error(libc::ENOMEM))?;
            Ok(Uring {
                raw,
                entries,
                thread: std::thread::current().id(),
            })
        }

        /// The SQEs the ring was asked for.
        pub fn entries(&self) -> usize {
            self.entries
        }

        /// Whether this thread made the ring (the only one its ops run on).
        pub fn is_here(&self) -> bool {
            self.thread == std::thread::current().id()
        }

        fn here(&self) -> io::Result<()> {
            if self.is_here() {
                Ok(())
            } else {
                Err(io::Error::other(
                    "c-io-uring: a ring is used by the thread that made it",
                ))
            }
        }

        /// `sl_c_uring_send_msg` — one whole message on `fd` with SENDs.
        ///
        /// # Errors
        /// The SEND's error; `Other` off the ring's thread.
        pub fn send_msg(&mut self, fd: impl AsFd, buf: &[u8], is_stream: bool) -> io::Result<()> {
            self.here()?;
            let fd = fd.as_fd().as_raw_fd();
            // SAFETY: `self.raw` is live and exclusively borrowed, on its thread; `buf` is a
            // live slice readable for `buf.len()` bytes, and C returns only after the SENDs
            // completed (or aborts the process: `uring_check`); `fd` borrowed for the call.
            let ret = unsafe {
                sl_c_uring_send_msg(
                    self.raw.as_ptr(),
                    fd,
                    buf.as_ptr(),
                    buf.len(),
                    is_stream.into(),
                )
            };
            uring_check(ret.into()).map(drop)
        }

        /// `sl_c_uring_recv_msg` — one whole message with RECVs; returns its length.
        ///
        /// # Errors
        /// As [`Uring::send_msg`]; `UnexpectedEof` when a RECV returned 0.
        pub fn recv_msg(
            &mut self,
            fd: impl AsFd,
            buf: &mut [u8],
            is_stream: bool,
        ) -> io::Result<usize> {
            self.here()?;
            let fd = fd.as_fd().as_raw_fd();
            let (ptr, len) = (buf.as_mut_ptr(), buf.len());
            // SAFETY: `self.raw` live, exclusive, on its thread; `ptr` writable for `len` bytes
            // until C returns, which it does only after the RECVs completed; `fd` borrowed.
            let ret =
                unsafe { sl_c_uring_recv_msg(self.raw.as_ptr(), fd, ptr, len, is_stream.into()) };
            #[allow(clippy::useless_conversion)]
            let ret = libc::c_longlong::from(ret);
            uring_check(ret).map(|n| usize::try_from(n).unwrap_or(len))
        }

        /// `sl_c_uring_pair_once` — SEND `buf` on `tx` linked to a RECV into it on `rx`, one
        /// `io_uring_enter` (`tx` = `rx` for rtt).
        ///
        /// # Errors
        /// As [`Uring::recv_msg`].
        pub fn pair_once(
            &mut self,
            tx: impl AsFd,
            rx: impl AsFd,
            buf: &mut [u8],
            is_stream: bool,
        ) -> io::Result<()> {
            self.here()?;
            let (tx, rx) = (tx.as_fd().as_raw_fd(), rx.as_fd().as_raw_fd());
            let (ptr, len) = (buf.as_mut_ptr(), buf.len());
            // SAFETY: `self.raw` live, exclusive, on its thread; `ptr` readable and writable for
            // `len` bytes until C returns, after both ops completed; `tx`/`rx` borrowed.
            let ret = unsafe {
                sl_c_uring_pair_once(self.raw.as_ptr(), tx, rx, ptr, len, is_stream.into())
            };
            uring_check(ret.into()).map(drop)
        }

        /// `sl_c_uring_echo` — the echo side of rtt: each message's SEND linked to the next
        /// RECV, which fills `buf` and `spare` in turn; until a RECV returns 0.
        ///
        /// # Errors
        /// As [`Uring::send_msg`]; `EINVAL` when `spare` is shorter than `buf`.
        pub fn echo(
            &mut self,
            fd: impl AsFd,
            buf: &mut [u8],
            spare: &mut [u8],
            is_stream: bool,
        ) -> io::Result<u64> {
            self.here()?;
            if spare.len() < buf.len() {
                return Err(io::Error::from_raw_os_error(libc::EINVAL));
            }
            let fd = fd.as_fd().as_raw_fd();
            let (ptr, cap, sp) = (buf.as_mut_ptr(), buf.len(), spare.as_mut_ptr());
            // SAFETY: `self.raw` live, exclusive, on its thread; `ptr` and `sp` are two live
            // `&mut` slices of at least `cap` bytes each, used by C only until it returns, after
            // every op completed; `fd` borrowed.
            let ret =
                unsafe { sl_c_uring_echo(self.raw.as_ptr(), fd, ptr, sp, cap, is_stream.into()) };
            uring_check(ret)
        }

        /// `sl_c_uring_batch` — `n` SEND(`buf`) → RECV pairs in one `io_uring_enter`, the
        /// RECVs into `rx_bufs` (`n` slots of `buf.len()` bytes). Datagrams only.
        ///
        /// # Errors
        /// The first failed op's errno; `EIO` for a short SEND; `EINVAL` when `rx_bufs` is
        /// short or the ring holds fewer than `2n` SQEs.
        pub fn batch(
            &mut self,
            tx: impl AsFd,
            rx: impl AsFd,
            buf: &[u8],
            rx_bufs: &mut [u8],
            n: usize,
        ) -> io::Result<()> {
            self.here()?;
            let einval = || io::Error::from_raw_os_error(libc::EINVAL);
            let cn = u32::try_from(n).map_err(|_| einval())?;
            if n.checked_mul(buf.len())
                .is_none_or(|need| rx_bufs.len() < need)
            {
                return Err(einval());
            }
            let (tx, rx) = (tx.as_fd().as_raw_fd(), rx.as_fd().as_raw_fd());
            // SAFETY: `self.raw` live, exclusive, on its thread; `buf` readable for its length
            // and `rx_bufs` writable for `n * buf.len()` bytes (checked above) until C returns,
            // after all 2n ops completed; C checks `n` against the ring; `tx`/`rx` borrowed.
            let ret = unsafe {
                sl_c_uring_batch(
                    self.raw.as_ptr(),
                    tx,
                    rx,
                    buf.as_ptr(),
                    buf.len(),
                    rx_bufs.as_mut_ptr(),
                    cn,
                )
            };
            uring_check(ret.into()).map(drop)
        }
    }

    impl Drop for Uring {
        fn drop(&mut self) {
            // SAFETY: `raw` came from sl_c_uring_new, no op is in flight (each op waits for all
            // of its own), and it is freed here exactly once.
            unsafe { sl_c_uring_free(self.raw.as_ptr()) }
        }
    }

    /// The `c-gso` twin: UDP GSO on send, GRO on receive, from C over C-owned buffers built
    /// once (`segs` copies of a `size`-byte payload, the `UDP_SEGMENT` cmsg, a 64 KiB receive
    /// buffer and room for the `UDP_GRO` cmsg), as socklab's `libc-gso` holds its own. The
    /// receiving socket needs `UDP_GRO` set (`sys::set_opt(fd, UdpGro, true)`) for GRO.
    pub struct Gso {
        raw: NonNull<RawGso>,
        size: usize,
        segs: usize,
    }

    // SAFETY: the C state is plain heap memory owned by this value alone (no thread-local or
    // shared state), so moving it to another thread is sound.
    unsafe impl Send for Gso {}

    impl Gso {
        /// Buffers for datagrams of `size` bytes, `segs` per `sendmsg`.
        ///
        /// # Errors
        /// `EINVAL` for `size` outside 1..=65535 or `segs` outside 1..=`u32::MAX`; `ENOMEM`
        /// when C's allocation fails.
        pub fn new(size: usize, segs: usize) -> io::Result<Gso> {
            let einval = || io::Error::from_raw_os_error(libc::EINVAL);
            if !(1..=0xffff).contains(&size) {
                return Err(einval());
            }
            let cs = u32::try_from(segs)
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(einval)?;
            // SAFETY: sl_c_gso_new only allocates and fills its own buffers; NULL is checked.
            let raw = unsafe { sl_c_gso_new(size, cs) };
            let raw =
                NonNull::new(raw).ok_or_else(|| io::Error::from_raw_os_error(libc::ENOMEM))?;
            Ok(Gso { raw, size, segs })
        }

        /// The datagram (segment) size.
        pub fn size(&self) -> usize {
            self.size
        }

        /// Datagrams per `sendmsg` at most.
        pub fn segments(&self) -> usize {
            self.segs
        }

        /// `sl_c_gso_send` — `k` datagrams on the connected `fd`, `segments()` per `sendmsg`.
        ///
        /// # Errors
        /// `sendmsg`'s errno; `EINVAL` for `k` beyond `i64`.
        pub fn send(&mut self, fd: impl AsFd, k: u64) -> io::Result<()> {
            let k = super::iters_arg(k)?;
            // SAFETY: `self.raw` is live (freed only in Drop) and exclusively borrowed; C reads
            // only its own buffers; `fd` borrowed for the call.
            let ret = unsafe { sl_c_gso_send(self.raw.as_ptr(), fd.as_fd().as_raw_fd(), k) };
            check(ret.into()).map(drop)
        }

        /// `sl_c_gso_recv` — one `recvmsg`: the datagrams it holds and the segment size the
        /// `UDP_GRO` cmsg gave (`(1, None)` for a datagram the kernel did not coalesce).
        ///
        /// # Errors
        /// `recvmsg`'s errno.
        pub fn recv(&mut self, fd: impl AsFd) -> io::Result<(u64, Option<usize>)> {
            let mut seg: libc::c_int = 0;
            // SAFETY: `self.raw` is live and exclusively borrowed; C writes only into its own
            // buffers and `seg`, a live local; `fd` borrowed for the call.
            let ret = unsafe { sl_c_gso_recv(self.raw.as_ptr(), fd.as_fd().as_raw_fd(), &mut seg) };
            #[allow(clippy::useless_conversion)]
            let ret = libc::c_longlong::from(ret);
            let n = check(ret)?;
            Ok((n, usize::try_from(seg).ok().filter(|&s| s > 0)))
        }
    }

    impl Drop for Gso {
        fn drop(&mut self) {
            // SAFETY: `raw` came from sl_c_gso_new and is freed here exactly once.
            unsafe { sl_c_gso_free(self.raw.as_ptr()) }
        }
    }

    /// `sl_c_gso_one` sending — one plain `sendmsg` of `buf` (one iovec, no address, no
    /// control data): `libc-gso`'s single send outside stream mode. Returns the bytes sent.
    ///
    /// # Errors
    /// `sendmsg`'s errno.
    pub fn gso_send_one(fd: impl AsFd, buf: &[u8]) -> io::Result<usize> {
        let fd = fd.as_fd().as_raw_fd();
        // SAFETY: with `receive == 0` C only reads `buf`, a live slice of `buf.len()` bytes;
        // `fd` is borrowed for the call.
        let ret = unsafe { sl_c_gso_one(fd, buf.as_ptr().cast_mut(), buf.len(), 0) };
        #[allow(clippy::useless_conversion)]
        let ret = libc::c_longlong::from(ret);
        check(ret).map(|n| usize::try_from(n).unwrap_or(buf.len()))
    }

    /// `sl_c_gso_one` receiving — one plain `recvmsg` into `buf`; returns the bytes read.
    ///
    /// # Errors
    /// `recvmsg`'s errno.
    pub fn gso_recv_one(fd: impl AsFd, buf: &mut [u8]) -> io::Result<usize> {
        let fd = fd.as_fd().as_raw_fd();
        // SAFETY: `buf` is a live slice writable for `buf.len()` bytes, the most recvmsg
        // writes; `fd` is borrowed for the call.
        let ret = unsafe { sl_c_gso_one(fd, buf.as_mut_ptr(), buf.len(), 1) };
        #[allow(clippy::useless_conversion)]
        let ret = libc::c_longlong::from(ret);
        check(ret).map(|n| usize::try_from(n).unwrap_or(0))
    }

    /// The `c-mmsg` twin's batch: C-owned `mmsghdr`s, iovecs, names and buffers for up to `n`
    /// messages of up to `len` bytes, built once (as a C program batching its I/O would).
    pub struct Mmsg {
        raw: NonNull<RawMmsg>,
        slots: usize,
        len: usize,
    }

    // SAFETY: the C batch is plain heap memory owned by this value alone (no thread-local or
    // shared state), so moving it to another thread is sound.
    unsafe impl Send for Mmsg {}

    impl Mmsg {
        /// Headers and buffers for `n` messages of `len` bytes.
        ///
        /// # Errors
        /// `ENOMEM` when C's allocation fails, `EINVAL` for `n` 0 or beyond `u32`.
        pub fn new(n: usize, len: usize) -> io::Result<Mmsg> {
            let cn = u32::try_from(n)
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))?;
            // SAFETY: sl_c_mmsg_new only allocates; a NULL return is checked below.
            let raw = unsafe { sl_c_mmsg_new(cn, len) };
            let raw =
                NonNull::new(raw).ok_or_else(|| io::Error::from_raw_os_error(libc::ENOMEM))?;
            Ok(Mmsg { raw, slots: n, len })
        }

        /// Messages the batch holds.
        pub fn slots(&self) -> usize {
            self.slots
        }

        /// Bytes per message it holds.
        pub fn capacity(&self) -> usize {
            self.len
        }

        /// `sendmmsg` of `n` messages of `len` bytes (0xA5) on `fd`.
        ///
        /// # Errors
        /// `sendmmsg`'s errno; `EIO` when it took fewer than `n`; `EINVAL` beyond the capacity.
        pub fn send(&mut self, fd: impl AsFd, n: usize, len: usize) -> io::Result<()> {
            let n = u32::try_from(n).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
            // SAFETY: `self.raw` is live (freed only in Drop) and exclusively borrowed; C checks
            // `n` and `len` against the capacity it allocated; `fd` borrowed for the call.
            let ret = unsafe { sl_c_mmsg_send(self.raw.as_ptr(), fd.as_fd().as_raw_fd(), n, len) };
            check(ret.into()).map(drop)
        }

        /// `recvmmsg` on `fd` until `n` messages arrived.
        ///
        /// # Errors
        /// `recvmmsg`'s errno; `EINVAL` beyond the capacity.
        pub fn recv(&mut self, fd: impl AsFd, n: usize) -> io::Result<()> {
            let n = u32::try_from(n).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
            // SAFETY: `self.raw` is live and exclusively borrowed; C checks `n` against the
            // slots it allocated and writes only into its own buffers; `fd` borrowed.
            let ret = unsafe { sl_c_mmsg_recv(self.raw.as_ptr(), fd.as_fd().as_raw_fd(), n) };
            check(ret.into()).map(drop)
        }
    }

    impl Mmsg {
        /// One `sendmmsg` of `buf` as a batch of one; returns the bytes sent.
        ///
        /// # Errors
        /// `sendmmsg`'s errno.
        pub fn send_one(&mut self, fd: impl AsFd, buf: &[u8]) -> io::Result<usize> {
            // SAFETY: `self.raw` is live and exclusively borrowed; with `receive == 0` C only
            // reads `buf` (a live slice of `buf.len()` bytes) and restores its own iovec after
            // the call, so no pointer to `buf` outlives it; `fd` borrowed.
            let ret = unsafe {
                sl_c_mmsg_one(
                    self.raw.as_ptr(),
                    fd.as_fd().as_raw_fd(),
                    buf.as_ptr().cast_mut(),
                    buf.len(),
                    0,
                )
            };
            #[allow(clippy::useless_conversion)]
            let ret = libc::c_longlong::from(ret);
            check(ret).map(|n| usize::try_from(n).unwrap_or(buf.len()))
        }

        /// One `recvmmsg` of one message into `buf`; returns its length (`msg_len`, which can
        /// exceed `buf.len()` for a truncated datagram, as with `MSG_TRUNC`).
        ///
        /// # Errors
        /// `recvmmsg`'s errno.
        pub fn recv_one(&mut self, fd: impl AsFd, buf: &mut [u8]) -> io::Result<usize> {
            // SAFETY: `self.raw` is live and exclusively borrowed; C points one iovec at `buf`
            // (writable for `buf.len()` bytes) for this call only and restores it after.
            let ret = unsafe {
                sl_c_mmsg_one(
                    self.raw.as_ptr(),
                    fd.as_fd().as_raw_fd(),
                    buf.as_mut_ptr(),
                    buf.len(),
                    1,
                )
            };
            #[allow(clippy::useless_conversion)]
            let ret = libc::c_longlong::from(ret);
            check(ret).map(|n| usize::try_from(n).unwrap_or(0))
        }
    }

    impl Drop for Mmsg {
        fn drop(&mut self) {
            // SAFETY: `raw` came from sl_c_mmsg_new and is freed here exactly once.
            unsafe { sl_c_mmsg_free(self.raw.as_ptr()) }
        }
    }
}

/// Bare syscall cost (`c/bare.h`, `socklab compare --mode syscall`): one syscall in a C loop,
/// inline, inside one or two non-inlined functions, or through glibc.
pub mod bare {
    use std::io;
    use std::os::fd::{AsFd, AsRawFd};
    use std::time::Duration;

    use super::check;

    /// The syscall a loop makes (`SL_C_BARE_*` calls of `c/bare.h`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Call {
        /// `getppid()`.
        Getppid = 0,
        /// `recv(fd, buf, len, MSG_DONTWAIT)` on an empty socket, failing with `EAGAIN`.
        RecvEagain = 1,
    }

    /// How the loop makes it (`SL_C_BARE_*` ways of `c/bare.h`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum How {
        /// The `syscall` instruction inline in the loop (x86_64 only).
        Inline = 0,
        /// The same inside one non-inlined function.
        Frame1 = 1,
        /// ... inside a non-inlined function called by another (two frames span the syscall).
        Frame2 = 2,
        /// glibc's `getppid()` / `recv()`.
        Glibc = 3,
    }

    extern "C" {
        /// `sl_c_bare_loop(call, how, fd, buf, len, iters)` — `iters` calls timed in C; the
        /// elapsed ns or `-errno` (`-ENOSYS`: no inline variant on this target; `-EPROTO`: a
        /// call gave an unexpected result).
        ///
        /// # Safety
        /// `buf` writable for `len` bytes (recv only; unused for getppid).
        pub fn sl_c_bare_loop(
            call: libc::c_int,
            how: libc::c_int,
            fd: libc::c_int,
            buf: *mut u8,
            len: libc::size_t,
            iters: libc::c_longlong,
        ) -> libc::c_longlong;
    }

    /// `sl_c_bare_loop` — `iters` calls of `call` made `how`, timed in C around the loop. `fd`
    /// must be an empty socket for [`Call::RecvEagain`] (it is not read for getppid).
    ///
    /// # Errors
    /// `ENOSYS` for an inline variant on a target without one; `EPROTO` when a call did not
    /// give the expected result (getppid() <= 0, recv not `EAGAIN`); `EINVAL` for `iters`
    /// beyond `i64`.
    ///
    /// # Example
    /// ```
    /// use socklab::compare::cfloor::bare::{self, Call, How};
    /// let sock = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let t = bare::time_loop(Call::RecvEagain, How::Glibc, &sock, &mut [0; 64], 100)?;
    /// assert!(t.as_nanos() > 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn time_loop(
        call: Call,
        how: How,
        fd: impl AsFd,
        buf: &mut [u8],
        iters: u64,
    ) -> io::Result<Duration> {
        let iters = super::iters_arg(iters)?;
        let fd = fd.as_fd().as_raw_fd();
        let (ptr, len) = (buf.as_mut_ptr(), buf.len());
        // SAFETY: `ptr` is a live `&mut [u8]` writable for `len` bytes (the most recv writes);
        // `fd` is borrowed for the call.
        let ret = unsafe { sl_c_bare_loop(call as i32, how as i32, fd, ptr, len, iters) };
        check(ret).map(Duration::from_nanos)
    }
}
