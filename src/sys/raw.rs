//! The socket calls as `unsafe fn`s with C's exact signatures: raw fds, raw pointers, `socklen_t`
//! lengths, raw `c_int` flags. Whatever C can ask the kernel, a learner can ask from here.
//!
//! Each function returns what the C call returns (`-1` with `errno` set on failure; read it with
//! [`Errno::last`](super::Errno::last)). Nothing is added: no `SOCK_CLOEXEC`, no `MSG_NOSIGNAL`,
//! no EINTR retry. The safe functions in [`socklab::sys`](super) are built on these.
//!
//! Async-signal safety: a call C lists as async-signal-safe (write(2), send(2)…) stays so here
//! with the log off or without the `trace` feature. With the log on, a call in a signal handler
//! that interrupted a traced call on the same thread is made untraced (no lock, no allocation);
//! one that interrupted anything else builds its line on the heap, unless the handler wraps it
//! in `socklab::trace::untraced` (see the trace module's "Signal handlers").
//!
//! ```
//! use socklab::sys::{raw, Errno, AF_INET, SOCK_STREAM};
//! // shutdown(fd, -1): only the raw layer can pass a `how` that is not SHUT_RD/WR/RDWR.
//! // SAFETY: socket(2) takes no pointers; this example owns and closes the fd it returns.
//! let fd = unsafe { raw::socket(AF_INET, SOCK_STREAM, 0) };
//! assert!(fd >= 0);
//! // SAFETY: shutdown(2) takes no pointers; `fd` is the socket created above.
//! let rc = unsafe { raw::shutdown(fd, -1) };
//! assert_eq!((rc, Errno::last()), (-1, Errno::EINVAL));
//! // SAFETY: `fd` is owned by nothing else, so this is its only close.
//! unsafe { raw::close(fd) };
//! ```

use ::libc::{c_int, c_uint, c_void, mmsghdr, msghdr, nfds_t, pollfd, size_t, sockaddr, socklen_t};
use ::libc::{cpu_set_t, pid_t, ssize_t, timespec};

// Feature `inline-syscalls`: `libc::read(…)` below is the `syscall` instruction inline.
#[cfg(feature = "inline-syscalls")]
use super::syscall::libc;

pub use super::services::raw::{getservbyname, getservbyname_r};
#[cfg(feature = "trace")]
use super::trace::line;
#[cfg(feature = "trace")]
use super::trace::read::{get, namelen};
use super::trace::traced;

/// `socket(domain, type, protocol)` — socket(2). Returns a new fd or -1.
///
/// # Safety
/// Always safe to call; `unsafe` only because the fd it returns is not owned by anything: the
/// caller must close it exactly once.
#[doc = man_links!(socket(2))]
pub unsafe fn socket(domain: c_int, ty: c_int, protocol: c_int) -> c_int {
    traced!(
        // SAFETY: socket(2) reads and writes no caller memory; the caller takes ownership of the fd
        // it returns (# Safety above).
        unsafe { libc::socket(domain, ty, protocol) },
        move |(), r, e| line::socket(domain, ty, protocol, r, e)
    )
}

/// `socketpair(domain, type, protocol, sv)` — socketpair(2). Writes two fds to `sv[0]`, `sv[1]`.
///
/// # Safety
/// `sv` must be valid for writing two `c_int`s; the caller owns (must close) both fds.
#[doc = man_links!(socketpair(2))]
pub unsafe fn socketpair(domain: c_int, ty: c_int, protocol: c_int, sv: *mut c_int) -> c_int {
    traced!(
        // SAFETY: `sv` is writable for the two ints socketpair(2) writes (# Safety above); the
        // caller owns both fds.
        unsafe { libc::socketpair(domain, ty, protocol, sv) },
        move |(), r, e| {
            // SAFETY: `sv` is valid for two ints (this fn's contract); read only after success.
            unsafe { line::socketpair(domain, ty, protocol, sv, r, e) }
        }
    )
}

/// `bind(sockfd, addr, addrlen)` — bind(2).
///
/// # Safety
/// `addr` must be readable for `min(addrlen, sizeof(sockaddr_storage))` bytes: the kernel rejects
/// a longer `addrlen` with `EINVAL` before reading, copies the `addrlen` bytes of any other, and
/// rejects a length too short for the family with `EINVAL`. The trace reads no more.
#[doc = man_links!(bind(2))]
pub unsafe fn bind(sockfd: c_int, addr: *const sockaddr, addrlen: socklen_t) -> c_int {
    traced!(
        // SAFETY: `addr` is readable for min(addrlen, sizeof(sockaddr_storage)) bytes
        // (# Safety above), all bind(2) reads.
        unsafe { libc::bind(sockfd, addr, addrlen) },
        move |(), r, e| {
            // SAFETY: `addr` is readable for min(addrlen, sizeof(sockaddr_storage)) bytes (this
            // fn's contract), all `with_addr` reads.
            unsafe { line::with_addr("bind", sockfd, addr, addrlen, r, e) }
        }
    )
}

/// `listen(sockfd, backlog)` — listen(2).
///
/// # Safety
/// Always safe to call; `unsafe` for uniformity with the rest of this module (the fd is a raw
/// integer the caller vouches for).
#[doc = man_links!(listen(2))]
pub unsafe fn listen(sockfd: c_int, backlog: c_int) -> c_int {
    traced!(
        // SAFETY: listen(2) reads and writes no caller memory; `sockfd` is any integer, vouched for
        // by the caller.
        unsafe { libc::listen(sockfd, backlog) },
        move |(), r, e| line::ints("listen", &[sockfd, backlog], r, e)
    )
}

/// `accept(sockfd, addr, addrlen)` — accept(2). `addr` and `addrlen` may both be NULL.
///
/// # Safety
/// Either both pointers are NULL, or `addrlen` points to a readable and writable `socklen_t`
/// holding the size of the writable buffer at `addr`. The caller owns the returned fd.
#[doc = man_links!(accept(2))]
pub unsafe fn accept(sockfd: c_int, addr: *mut sockaddr, addrlen: *mut socklen_t) -> c_int {
    traced!(
        // SAFETY: both pointers are NULL, or `addrlen` is a readable and writable socklen_t holding
        // the size of the writable buffer at `addr` (# Safety above): all accept(2) touches; the
        // caller owns the new fd.
        unsafe { libc::accept(sockfd, addr, addrlen) },
        // SAFETY: a non-NULL `addrlen` is readable (this fn's contract).
        pre = unsafe { get(addrlen) },
        move |before, r, e| {
            // SAFETY: this fn's contract; the kernel wrote the address only on success.
            unsafe { line::accept("accept", sockfd, addr, addrlen, None, before, r, e) }
        }
    )
}

/// `accept4(sockfd, addr, addrlen, flags)` — accept4(2).
///
/// # Safety
/// As for [`accept`].
#[doc = man_links!(accept4(2))]
pub unsafe fn accept4(
    sockfd: c_int,
    addr: *mut sockaddr,
    addrlen: *mut socklen_t,
    flags: c_int,
) -> c_int {
    traced!(
        // SAFETY: `addr` and `addrlen` are as accept's contract requires (# Safety above); `flags`
        // are bits, not memory.
        unsafe { libc::accept4(sockfd, addr, addrlen, flags) },
        // SAFETY: a non-NULL `addrlen` is readable (accept's contract).
        pre = unsafe { get(addrlen) },
        move |before, r, e| {
            // SAFETY: accept's contract; the kernel wrote the address only on success.
            unsafe { line::accept("accept4", sockfd, addr, addrlen, Some(flags), before, r, e) }
        }
    )
}

/// `connect(sockfd, addr, addrlen)` — connect(2).
///
/// # Safety
/// As for [`bind`]: `addr` must be readable for `min(addrlen, sizeof(sockaddr_storage))` bytes.
#[doc = man_links!(connect(2))]
pub unsafe fn connect(sockfd: c_int, addr: *const sockaddr, addrlen: socklen_t) -> c_int {
    traced!(
        // SAFETY: `addr` is readable for min(addrlen, sizeof(sockaddr_storage)) bytes
        // (# Safety above), all connect(2) reads.
        unsafe { libc::connect(sockfd, addr, addrlen) },
        move |(), r, e| {
            // SAFETY: `addr` is readable for min(addrlen, sizeof(sockaddr_storage)) bytes (this
            // fn's contract), all `with_addr` reads.
            unsafe { line::with_addr("connect", sockfd, addr, addrlen, r, e) }
        }
    )
}

/// `shutdown(sockfd, how)` — shutdown(2). Any `how`, including ones the kernel rejects.
///
/// # Safety
/// Always safe to call; `unsafe` for uniformity with the rest of this module.
#[doc = man_links!(shutdown(2))]
pub unsafe fn shutdown(sockfd: c_int, how: c_int) -> c_int {
    traced!(
        // SAFETY: shutdown(2) reads and writes no caller memory; a `how` it does not take is
        // refused with EINVAL.
        unsafe { libc::shutdown(sockfd, how) },
        move |(), r, e| line::shutdown(sockfd, how, r, e)
    )
}

/// `close(fd)` — close(2).
///
/// # Safety
/// `fd` must not be owned by anything that will close it again (an `OwnedFd`, a `File`…):
/// closing it here and there is a double close, which may close an unrelated, reused fd.
#[doc = man_links!(close(2))]
pub unsafe fn close(fd: c_int) -> c_int {
    traced!(
        // SAFETY: the caller guarantees nothing else owns `fd` (# Safety above), so this is not a
        // double close.
        unsafe { libc::close(fd) },
        move |(), r, e| line::ints("close", &[fd], r, e)
    )
}

/// `getsockname(sockfd, addr, addrlen)` — getsockname(2).
///
/// # Safety
/// `addrlen` must point to a readable and writable `socklen_t` holding the size of the writable
/// buffer at `addr`.
#[doc = man_links!(getsockname(2))]
pub unsafe fn getsockname(sockfd: c_int, addr: *mut sockaddr, addrlen: *mut socklen_t) -> c_int {
    traced!(
        // SAFETY: `addrlen` points to a readable and writable socklen_t holding the size of the
        // writable buffer at `addr` (# Safety above).
        unsafe { libc::getsockname(sockfd, addr, addrlen) },
        // SAFETY: `addrlen` is readable (this fn's contract).
        pre = unsafe { get(addrlen) },
        move |before, r, e| {
            // SAFETY: this fn's contract; the kernel wrote the address only on success.
            unsafe { line::accept("getsockname", sockfd, addr, addrlen, None, before, r, e) }
        }
    )
}

/// `getpeername(sockfd, addr, addrlen)` — getpeername(2).
///
/// # Safety
/// As for [`getsockname`].
#[doc = man_links!(getpeername(2))]
pub unsafe fn getpeername(sockfd: c_int, addr: *mut sockaddr, addrlen: *mut socklen_t) -> c_int {
    traced!(
        // SAFETY: `addrlen` is a readable and writable socklen_t sizing the writable buffer at
        // `addr` (getsockname's contract, # Safety above).
        unsafe { libc::getpeername(sockfd, addr, addrlen) },
        // SAFETY: `addrlen` is readable (this fn's contract).
        pre = unsafe { get(addrlen) },
        move |before, r, e| {
            // SAFETY: this fn's contract; the kernel wrote the address only on success.
            unsafe { line::accept("getpeername", sockfd, addr, addrlen, None, before, r, e) }
        }
    )
}

/// `read(fd, buf, count)` — read(2).
///
/// # Safety
/// `buf` must be writable for `count` bytes.
#[doc = man_links!(read(2))]
#[inline] // the data path: lets the syscall inline into callers in other crates
pub unsafe fn read(fd: c_int, buf: *mut c_void, count: size_t) -> ssize_t {
    traced!(
        // SAFETY: `buf` is writable for `count` bytes (# Safety above), the most read(2) writes.
        unsafe { libc::read(fd, buf, count) },
        move |(), r, e| {
            // SAFETY: `buf` is valid for `count` bytes; the kernel wrote `r` of them on success.
            unsafe { line::recv("read", fd, buf, count, None, None, None, r, e) }
        }
    )
}

/// `write(fd, buf, count)` — write(2).
///
/// # Safety
/// `buf` must be readable for `count` bytes.
#[doc = man_links!(write(2))]
#[inline]
pub unsafe fn write(fd: c_int, buf: *const c_void, count: size_t) -> ssize_t {
    traced!(
        // SAFETY: `buf` is readable for `count` bytes (# Safety above), the most write(2) reads.
        unsafe { libc::write(fd, buf, count) },
        move |(), r, e| {
            // SAFETY: `buf` is readable for `count` bytes (this fn's contract).
            unsafe { line::send("write", fd, buf, count, None, None, r, e) }
        }
    )
}

/// `send(sockfd, buf, len, flags)` — send(2).
///
/// # Safety
/// `buf` must be readable for `len` bytes.
#[doc = man_links!(send(2))]
#[inline]
pub unsafe fn send(sockfd: c_int, buf: *const c_void, len: size_t, flags: c_int) -> ssize_t {
    traced!(
        // SAFETY: `buf` is readable for `len` bytes (# Safety above), the most send(2) reads.
        unsafe { libc::send(sockfd, buf, len, flags) },
        move |(), r, e| {
            // glibc makes send(2) as sendto(2) with no address, the call the kernel (and strace)
            // sees.
            let to = Some((std::ptr::null(), 0));
            // SAFETY: `buf` is readable for `len` bytes (this fn's contract); `to` is NULL.
            unsafe { line::send("sendto", sockfd, buf, len, Some(flags), to, r, e) }
        }
    )
}

/// `recv(sockfd, buf, len, flags)` — recv(2).
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[doc = man_links!(recv(2))]
#[inline]
pub unsafe fn recv(sockfd: c_int, buf: *mut c_void, len: size_t, flags: c_int) -> ssize_t {
    traced!(
        // SAFETY: `buf` is writable for `len` bytes (# Safety above), the most recv(2) writes (also
        // with MSG_TRUNC, which only changes the count returned).
        unsafe { libc::recv(sockfd, buf, len, flags) },
        move |(), r, e| {
            // glibc makes recv(2) as recvfrom(2) with NULL address pointers, the call the kernel
            // sees.
            let from = Some((std::ptr::null(), std::ptr::null()));
            // SAFETY: `buf` is valid for `len` bytes (this fn's contract); `line::recv` shows only
            // the bytes the kernel wrote (min(r, len), none when `wrote_reported` says MSG_TRUNC
            // wrote none).
            unsafe { line::recv("recvfrom", sockfd, buf, len, Some(flags), from, None, r, e) }
        }
    )
}

/// `sendto(sockfd, buf, len, flags, dest_addr, addrlen)` — sendto(2).
///
/// # Safety
/// `buf` must be readable for `len` bytes; `dest_addr` must be NULL (with `addrlen` 0) or
/// readable for `min(addrlen, sizeof(sockaddr_storage))` bytes (a longer `addrlen` is refused
/// with `EINVAL` unread, as for [`bind`]).
#[doc = man_links!(sendto(2))]
#[inline]
pub unsafe fn sendto(
    sockfd: c_int,
    buf: *const c_void,
    len: size_t,
    flags: c_int,
    dest_addr: *const sockaddr,
    addrlen: socklen_t,
) -> ssize_t {
    traced!(
        // SAFETY: `buf` is readable for `len` bytes and `dest_addr` is NULL or readable for
        // min(addrlen, sizeof(sockaddr_storage)) bytes (# Safety above).
        unsafe { libc::sendto(sockfd, buf, len, flags, dest_addr, addrlen) },
        move |(), r, e| {
            let to = Some((dest_addr, addrlen));
            // SAFETY: `buf` is readable for `len` bytes and `dest_addr` is NULL or readable for
            // min(addrlen, sizeof(sockaddr_storage)) bytes (this fn's contract).
            unsafe { line::send("sendto", sockfd, buf, len, Some(flags), to, r, e) }
        }
    )
}

/// `recvfrom(sockfd, buf, len, flags, src_addr, addrlen)` — recvfrom(2).
///
/// # Safety
/// `buf` must be writable for `len` bytes; `src_addr` and `addrlen` are both NULL, or `addrlen`
/// points to a readable and writable `socklen_t` holding the size of the buffer at `src_addr`.
#[doc = man_links!(recvfrom(2))]
#[inline]
pub unsafe fn recvfrom(
    sockfd: c_int,
    buf: *mut c_void,
    len: size_t,
    flags: c_int,
    src_addr: *mut sockaddr,
    addrlen: *mut socklen_t,
) -> ssize_t {
    traced!(
        // SAFETY: `buf` is writable for `len` bytes; `src_addr` and `addrlen` are both NULL, or
        // `addrlen` is a readable and writable length sizing the buffer at `src_addr`
        // (# Safety above).
        unsafe { libc::recvfrom(sockfd, buf, len, flags, src_addr, addrlen) },
        // SAFETY: a non-NULL `addrlen` is readable (this fn's contract).
        pre = unsafe { get(addrlen) },
        move |before, r, e| {
            let from = Some((src_addr.cast_const(), addrlen.cast_const()));
            // SAFETY: this fn's contract; on success the kernel wrote the address and the bytes
            // `line::recv` shows (min(r, len), none when `wrote_reported` says it wrote none).
            unsafe {
                line::recv(
                    "recvfrom",
                    sockfd,
                    buf,
                    len,
                    Some(flags),
                    from,
                    before,
                    r,
                    e,
                )
            }
        }
    )
}

/// `sendmsg(sockfd, msg, flags)` — sendmsg(2).
///
/// # Safety
/// `msg` must point to a valid `msghdr` whose iovecs and control buffer are readable for the
/// lengths it states, and whose name is NULL or readable for `min(msg_namelen,
/// sizeof(sockaddr_storage))` bytes (the kernel reads no more).
#[doc = man_links!(sendmsg(2))]
#[inline]
pub unsafe fn sendmsg(sockfd: c_int, msg: *const msghdr, flags: c_int) -> ssize_t {
    traced!(
        // SAFETY: `msg` is a valid msghdr whose name, iovecs and control buffer are readable for
        // the lengths it states (# Safety above), all sendmsg(2) reads.
        unsafe { libc::sendmsg(sockfd, msg, flags) },
        move |(), r, e| {
            // SAFETY: `msg` and its buffers are readable as this fn's contract states.
            unsafe { line::sendmsg(sockfd, msg, flags, r, e) }
        }
    )
}

/// `recvmsg(sockfd, msg, flags)` — recvmsg(2). The kernel rewrites `msg_namelen`,
/// `msg_controllen` and `msg_flags`.
///
/// # Safety
/// `msg` must point to a valid, writable `msghdr` whose name, iovec and control buffers are
/// writable for the lengths it states.
#[doc = man_links!(recvmsg(2))]
#[inline]
pub unsafe fn recvmsg(sockfd: c_int, msg: *mut msghdr, flags: c_int) -> ssize_t {
    traced!(
        // SAFETY: `msg` is a valid, writable msghdr whose name, iovec and control buffers are
        // writable for the lengths it states (# Safety above), all recvmsg(2) writes.
        unsafe { libc::recvmsg(sockfd, msg, flags) },
        // SAFETY: `msg` points to a valid msghdr (this fn's contract).
        pre = unsafe { namelen(msg) },
        move |before, r, e| {
            // SAFETY: this fn's contract; on success the kernel wrote the name and the iovec
            // bytes `msg_view` shows (`Data::received`: none when `wrote_reported` says so).
            unsafe { line::recvmsg(sockfd, msg, flags, before, r, e) }
        }
    )
}

/// `sendmmsg(sockfd, msgvec, vlen, flags)` — sendmmsg(2). Returns how many messages were sent;
/// the kernel writes each sent message's byte count to its `msg_len`.
///
/// # Safety
/// `msgvec` must point to `vlen` writable `mmsghdr`s, each valid as for [`sendmsg`].
#[doc = man_links!(sendmmsg(2))]
#[inline]
pub unsafe fn sendmmsg(sockfd: c_int, msgvec: *mut mmsghdr, vlen: c_uint, flags: c_int) -> c_int {
    traced!(
        // SAFETY: `msgvec` points to `vlen` writable mmsghdrs (the kernel writes each msg_len),
        // each valid as for sendmsg (# Safety above).
        unsafe { libc::sendmmsg(sockfd, msgvec, vlen, flags) },
        move |(), r, e| {
            // SAFETY: `msgvec` holds `vlen` valid mmsghdrs (this fn's contract).
            unsafe { line::sendmmsg(sockfd, msgvec, vlen, flags, r, e) }
        }
    )
}

/// `recvmmsg(sockfd, msgvec, vlen, flags, timeout)` — recvmmsg(2). Returns how many messages
/// were received; each one's `msg_len`, `msg_namelen`, `msg_controllen` and `msg_flags` are
/// rewritten by the kernel.
///
/// # Safety
/// `msgvec` must point to `vlen` writable `mmsghdr`s, each valid as for [`recvmsg`]; `timeout`
/// is NULL or points to a readable and writable `timespec`.
#[doc = man_links!(recvmmsg(2))]
#[inline]
pub unsafe fn recvmmsg(
    sockfd: c_int,
    msgvec: *mut mmsghdr,
    vlen: c_uint,
    flags: c_int,
    timeout: *mut timespec,
) -> c_int {
    traced!(
        // SAFETY: `msgvec` points to `vlen` writable mmsghdrs, each valid as for recvmsg, and
        // `timeout` is NULL or a readable and writable timespec (# Safety above).
        unsafe { libc::recvmmsg(sockfd, msgvec, vlen, flags, timeout) },
        // SAFETY: `msgvec` holds `vlen` valid mmsghdrs; `timeout` is NULL or readable.
        pre = unsafe { line::recvmmsg_pre(msgvec, vlen, timeout) },
        move |pre, r, e| {
            // SAFETY: this fn's contract; on success the kernel filled the first `r` messages
            // (names, and the iovec bytes `line::recvmmsg` shows per `wrote_reported`).
            unsafe { line::recvmmsg(sockfd, msgvec, vlen, flags, timeout, pre, r, e) }
        }
    )
}

/// `setsockopt(sockfd, level, optname, optval, optlen)` — setsockopt(2).
///
/// # Safety
/// `optval` must point to `optlen` *initialised* bytes (or be NULL with `optlen` 0): a C struct
/// with padding (`sock_fprog`, `group_req`) built from zeroed storage or with its padding
/// spelled as a field, never a Rust literal, whose padding is uninitialised. For this option
/// the kernel must read no more than `optlen` bytes and follow no pointer found in the value
/// (it does for `SO_ATTACH_FILTER`'s `sock_fprog`: the program must be readable too).
/// The trace reads at most the first 33 bytes (strace's `-s 32` and its `...`), and only the
/// fields of the padded structs it knows (the rest of those it shows as the pointer).
#[doc = man_links!(setsockopt(2))]
pub unsafe fn setsockopt(
    sockfd: c_int,
    level: c_int,
    optname: c_int,
    optval: *const c_void,
    optlen: socklen_t,
) -> c_int {
    traced!(
        // SAFETY: `optval` is NULL or `optlen` initialised bytes, and for this option the kernel
        // reads no more and follows no pointer the caller has not made valid (# Safety above).
        unsafe { libc::setsockopt(sockfd, level, optname, optval, optlen) },
        move |(), r, e| {
            // SAFETY: `optval` is NULL or `optlen` initialised bytes (this fn's contract).
            unsafe { line::setsockopt(sockfd, level, optname, optval, optlen, r, e) }
        }
    )
}

/// `getsockopt(sockfd, level, optname, optval, optlen)` — getsockopt(2). The kernel rewrites
/// `*optlen` with the size it wrote.
///
/// # Safety
/// `optlen` must point to a readable and writable `socklen_t`, and `optval` must be writable for
/// as many bytes as the kernel writes for this option given `*optlen`: that is `*optlen` bytes
/// when `optlen` is a byte count (most options), but `*optlen` × 8 for `SO_GET_FILTER`, whose
/// `optlen` counts BPF instructions. Pointers inside the value must be valid for what the kernel
/// does with them (`TCP_ZEROCOPY_RECEIVE` writes through them).
#[doc = man_links!(getsockopt(2))]
pub unsafe fn getsockopt(
    sockfd: c_int,
    level: c_int,
    optname: c_int,
    optval: *mut c_void,
    optlen: *mut socklen_t,
) -> c_int {
    traced!(
        // SAFETY: `optlen` is a readable and writable socklen_t and `optval` is writable for all
        // the kernel writes for this option given `*optlen` (# Safety above).
        unsafe { libc::getsockopt(sockfd, level, optname, optval, optlen) },
        // SAFETY: `optlen` is readable (this fn's contract).
        pre = unsafe { get(optlen) },
        move |before, r, e| {
            // SAFETY: this fn's contract; the kernel wrote the value and length on success.
            unsafe { line::getsockopt(sockfd, level, optname, optval, optlen, before, r, e) }
        }
    )
}

/// `poll(fds, nfds, timeout)` — poll(2). Returns how many entries have non-zero `revents`.
///
/// # Safety
/// `fds` must point to `nfds` readable and writable `pollfd`s.
#[doc = man_links!(poll(2))]
pub unsafe fn poll(fds: *mut pollfd, nfds: nfds_t, timeout: c_int) -> c_int {
    traced!(
        // SAFETY: `fds` points to `nfds` readable and writable pollfds (# Safety above): poll(2)
        // reads the requests and writes each `revents`.
        unsafe { libc::poll(fds, nfds, timeout) },
        move |(), r, e| {
            // SAFETY: `fds` points to `nfds` readable pollfds (this fn's contract).
            unsafe { line::poll(fds, nfds, timeout, r, e) }
        }
    )
}

/// `fcntl(fd, cmd, arg)` — fcntl(2), for the commands whose third argument is an `int` or absent
/// (`F_GETFL`, `F_SETFL`, `F_GETFD`, `F_SETFD`, `F_DUPFD_CLOEXEC`…).
///
/// C's `fcntl` is variadic; socklab always passes the `int` (ignored by commands that take none).
///
/// # Safety
/// `cmd` must be a command whose argument is an `int` or none; commands that take a pointer
/// (`F_GETLK`, `F_SETOWN_EX`…) are undefined behaviour here.
#[doc = man_links!(fcntl(2))]
pub unsafe fn fcntl(fd: c_int, cmd: c_int, arg: c_int) -> c_int {
    #[cfg(feature = "inline-syscalls")]
    if cmd == ::libc::F_GETOWN {
        return fcntl_getown(fd);
    }
    traced!(
        // SAFETY: `cmd` takes an int or no argument (# Safety above), so the int passed to the
        // variadic fcntl is all it reads.
        unsafe { libc::fcntl(fd, cmd, arg) },
        move |(), r, e| line::fcntl(fd, cmd, arg, r, e)
    )
}

/// `fcntl(fd, F_GETOWN)` in the inline build, made as glibc makes it (`sys::syscall`'s
/// `fcntl`): `F_GETOWN_EX` into an `f_owner_ex`, traced as that syscall (what strace shows),
/// then `-pgid` for a process group. -1 with errno on failure, as the syscall left it.
#[cfg(feature = "inline-syscalls")]
fn fcntl_getown(fd: c_int) -> c_int {
    let mut owner = libc::FOwnerEx::default();
    let p: *mut libc::FOwnerEx = &mut owner;
    let r = traced!(
        // SAFETY: `p` points to `owner`, a live local `struct f_owner_ex`: all the kernel writes.
        unsafe { libc::fcntl_getown_ex(fd, p) },
        move |(), r, e| {
            // SAFETY: `p` points to `owner`, zeroed and then, on success, written by the kernel.
            let o = unsafe { p.read() };
            line::fcntl_getown_ex(fd, p as usize, (o.kind, o.pid), r, e)
        }
    );
    if r < 0 {
        return -1;
    }
    libc::getown(owner)
}

/// `sched_setaffinity(pid, cpusetsize, mask)` — sched_setaffinity(2). Returns 0 or -1.
///
/// Traced as strace prints it: `sched_setaffinity(0, 128, [0]) = 0`.
///
/// # Safety
/// `mask` must be readable for `cpusetsize` bytes (the kernel copies that many).
#[doc = man_links!(sched_setaffinity(2))]
pub unsafe fn sched_setaffinity(pid: pid_t, cpusetsize: size_t, mask: *const cpu_set_t) -> c_int {
    traced!(
        // SAFETY: `mask` is readable for `cpusetsize` bytes (# Safety above), all the kernel copies
        // in.
        unsafe { libc::sched_setaffinity(pid, cpusetsize, mask) },
        move |(), r, e| {
            // SAFETY: `mask` is readable for `cpusetsize` bytes (this fn's contract).
            unsafe { line::affinity("sched_setaffinity", pid, cpusetsize, mask, true, r, e) }
        }
    )
}

/// `sched_getaffinity(pid, cpusetsize, mask)` — sched_getaffinity(2). Returns 0 or -1.
///
/// This is glibc's function: the kernel's syscall returns the bytes it copied (strace shows
/// `sched_getaffinity(0, 128, [0 1]) = 8`), glibc zeroes the rest of `mask` and returns 0. The
/// trace prints the 0 this function returns.
///
/// # Safety
/// `mask` must be writable for `cpusetsize` bytes.
#[doc = man_links!(sched_getaffinity(2))]
pub unsafe fn sched_getaffinity(pid: pid_t, cpusetsize: size_t, mask: *mut cpu_set_t) -> c_int {
    traced!(
        // SAFETY: `mask` is writable for `cpusetsize` bytes (# Safety above): the kernel's copy and
        // glibc's zeroed tail stay inside it.
        unsafe { libc::sched_getaffinity(pid, cpusetsize, mask) },
        move |(), r, e| {
            // SAFETY: `mask` is valid for `cpusetsize` bytes (this fn's contract), and after
            // success all of them are written (the kernel's copy plus glibc's zeroing).
            unsafe { line::affinity("sched_getaffinity", pid, cpusetsize, mask, r == 0, r, e) }
        }
    )
}

/// The Linux extras of [`sys::ns`](super::ns) (feature `experiments`): `unshare`, the
/// `struct ifreq` ioctls, `capget`, `capset`.
#[cfg(feature = "experiments")]
pub use super::ns::raw::{capget, capset, ioctl_ifreq, unshare};

// ---------------------------------------------------------------------------------------------
// Name resolution and address conversion (netdb.h, arpa/inet.h). These are C library functions,
// not system calls: like strace, the log shows only the syscalls they make inside glibc (none
// for numeric hosts), so they are not traced here.
// ---------------------------------------------------------------------------------------------

/// `getaddrinfo(node, service, hints, res)` — getaddrinfo(3). Returns 0 or an `EAI_*` code
/// (`EAI_SYSTEM`: see `errno`).
///
/// # Safety
/// `node` and `service` are NULL or NUL-terminated strings; `hints` is NULL or points to a
/// readable `addrinfo` whose pointer fields are NULL; `res` is writable. On success the caller
/// owns `*res` and must free it once with [`freeaddrinfo`].
#[doc = man_links!(getaddrinfo(3))]
pub unsafe fn getaddrinfo(
    node: *const libc::c_char,
    service: *const libc::c_char,
    hints: *const libc::addrinfo,
    res: *mut *mut libc::addrinfo,
) -> c_int {
    // SAFETY: `node` and `service` are NULL or NUL-terminated, `hints` is NULL or a readable
    // addrinfo whose pointers are NULL, and `res` is writable (# Safety above).
    unsafe { libc::getaddrinfo(node, service, hints, res) }
}

/// `freeaddrinfo(res)` — freeaddrinfo(3).
///
/// # Safety
/// `res` was returned by [`getaddrinfo`] and is not used or freed again.
#[doc = man_links!(freeaddrinfo(3))]
pub unsafe fn freeaddrinfo(res: *mut libc::addrinfo) {
    // SAFETY: `res` came from getaddrinfo and is neither used nor freed again (# Safety above).
    unsafe { libc::freeaddrinfo(res) }
}

/// `getnameinfo(addr, addrlen, host, hostlen, serv, servlen, flags)` — getnameinfo(3). Returns 0
/// or an `EAI_*` code.
///
/// # Safety
/// `addr` is readable for `addrlen` bytes; `host` is NULL or writable for `hostlen` bytes, `serv`
/// NULL or writable for `servlen` bytes.
#[doc = man_links!(getnameinfo(3))]
pub unsafe fn getnameinfo(
    addr: *const sockaddr,
    addrlen: socklen_t,
    host: *mut libc::c_char,
    hostlen: socklen_t,
    serv: *mut libc::c_char,
    servlen: socklen_t,
    flags: c_int,
) -> c_int {
    // SAFETY: `addr` is readable for `addrlen` bytes; `host` and `serv` are NULL or writable for
    // `hostlen` and `servlen` bytes (# Safety above).
    unsafe { libc::getnameinfo(addr, addrlen, host, hostlen, serv, servlen, flags) }
}

/// `gai_strerror(errcode)` — gai_strerror(3): a static, NUL-terminated message.
///
/// # Safety
/// Always safe to call; the returned pointer must not be written or freed.
#[doc = man_links!(gai_strerror(3))]
pub unsafe fn gai_strerror(errcode: c_int) -> *const libc::c_char {
    // SAFETY: gai_strerror(3) takes an int and returns a static string; it reads no caller memory.
    unsafe { libc::gai_strerror(errcode) }
}

/// `inet_pton(af, src, dst)` — inet_pton(3). Returns 1, 0 (`src` is not an address of `af`), or
/// -1 with `errno` `EAFNOSUPPORT`.
///
/// # Safety
/// `src` is NUL-terminated; `dst` is writable for 4 bytes (`AF_INET`) or 16 (`AF_INET6`).
#[doc = man_links!(inet_pton(3))]
pub unsafe fn inet_pton(af: c_int, src: *const libc::c_char, dst: *mut c_void) -> c_int {
    // SAFETY: `src` is NUL-terminated and `dst` is writable for the 4 or 16 bytes `af` needs
    // (# Safety above).
    unsafe { c::inet_pton(af, src, dst) }
}

/// `inet_ntop(af, src, dst, size)` — inet_ntop(3). Returns `dst`, or NULL with `errno`
/// (`EAFNOSUPPORT`, `ENOSPC`).
///
/// # Safety
/// `src` is readable for 4 bytes (`AF_INET`) or 16 (`AF_INET6`); `dst` writable for `size`.
#[doc = man_links!(inet_ntop(3))]
pub unsafe fn inet_ntop(
    af: c_int,
    src: *const c_void,
    dst: *mut libc::c_char,
    size: socklen_t,
) -> *const libc::c_char {
    // SAFETY: `src` is readable for the 4 or 16 bytes of `af`'s address and `dst` writable for
    // `size` bytes (# Safety above).
    unsafe { c::inet_ntop(af, src, dst, size) }
}

/// The C library functions the `libc` crate does not declare for Linux (glibc exports them).
mod c {
    use libc::{c_char, c_int, c_void, socklen_t};
    extern "C" {
        pub fn inet_pton(af: c_int, src: *const c_char, dst: *mut c_void) -> c_int;
        pub fn inet_ntop(
            af: c_int,
            src: *const c_void,
            dst: *mut c_char,
            size: socklen_t,
        ) -> *const c_char;
        pub fn sockatmark(fd: c_int) -> c_int;
    }
}

// ---------------------------------------------------------------------------------------------
// Multiplexing (select, epoll) and the small socket ioctls.
// ---------------------------------------------------------------------------------------------

/// `select(nfds, readfds, writefds, exceptfds, timeout)` — select(2). glibc makes it as the
/// pselect6 syscall; the log prints that line, as strace does.
///
/// # Safety
/// Each set is NULL or readable and writable for `nfds` bits rounded up to whole `unsigned
/// long`s (8 bytes each on 64-bit Linux): the kernel copies a set in and back out a word at a
/// time, so `nfds` 5 reads and rewrites 8 bytes of each set, not 1, and `nfds` 65 16 bytes.
/// An `fd_set` covers `0 <= nfds <= FD_SETSIZE`. (The kernel caps `nfds` at the size of the
/// process's fd table and copies nothing for a negative one, so it may touch less, never more.)
/// `timeout` is NULL or a readable and writable `timeval`.
#[doc = man_links!(select(2))]
pub unsafe fn select(
    nfds: c_int,
    readfds: *mut libc::fd_set,
    writefds: *mut libc::fd_set,
    exceptfds: *mut libc::fd_set,
    timeout: *mut libc::timeval,
) -> c_int {
    traced!(
        // SAFETY: each set is NULL or readable and writable for `nfds` bits rounded up to whole
        // unsigned longs, and `timeout` is NULL or a readable and writable timeval
        // (# Safety above).
        unsafe { libc::select(nfds, readfds, writefds, exceptfds, timeout) },
        // SAFETY: this fn's contract: the sets are readable for `nfds` bits and more (whole
        // words), `timeout` is NULL or readable.
        pre = unsafe { line::select_pre(nfds, [readfds, writefds, exceptfds], timeout) },
        move |pre, r, e| {
            // SAFETY: as above; the kernel rewrote the sets and the timeout.
            unsafe {
                line::select(
                    nfds,
                    [readfds, writefds, exceptfds],
                    pre,
                    timeout,
                    None,
                    r,
                    e,
                )
            }
        }
    )
}

/// `pselect(nfds, readfds, writefds, exceptfds, timeout, sigmask)` — pselect(2).
///
/// # Safety
/// The sets as for [`select`] (whole `unsigned long`s covering `nfds` bits); `timeout` is NULL
/// or a readable `timespec` (not written), `sigmask` NULL or a readable `sigset_t` (glibc
/// hands the kernel its first 8 bytes).
#[doc = man_links!(pselect(2))]
pub unsafe fn pselect(
    nfds: c_int,
    readfds: *mut libc::fd_set,
    writefds: *mut libc::fd_set,
    exceptfds: *mut libc::fd_set,
    timeout: *const timespec,
    sigmask: *const libc::sigset_t,
) -> c_int {
    traced!(
        // SAFETY: the sets are NULL or readable and writable in whole unsigned longs covering
        // `nfds` bits, `timeout` is NULL or a readable timespec and `sigmask` NULL or a readable
        // sigset_t (# Safety above).
        unsafe { libc::pselect(nfds, readfds, writefds, exceptfds, timeout, sigmask) },
        // SAFETY: this fn's contract: the sets are readable for `nfds` bits and more (whole
        // words), `timeout` is NULL or readable.
        pre = unsafe { line::pselect_pre(nfds, [readfds, writefds, exceptfds], timeout) },
        move |pre, r, e| {
            let sig = Some(sigmask as usize);
            // SAFETY: as above; the kernel rewrote the sets.
            unsafe {
                line::select(
                    nfds,
                    [readfds, writefds, exceptfds],
                    pre,
                    std::ptr::null(),
                    sig,
                    r,
                    e,
                )
            }
        }
    )
}

/// `epoll_create1(flags)` — epoll_create1(2). Returns a new fd or -1.
///
/// # Safety
/// Always safe to call; the caller owns (must close) the returned fd.
#[doc = man_links!(epoll_create1(2))]
pub unsafe fn epoll_create1(flags: c_int) -> c_int {
    traced!(
        // SAFETY: epoll_create1(2) reads and writes no caller memory; the caller owns the new fd.
        unsafe { libc::epoll_create1(flags) },
        move |(), r, e| line::epoll_create1(flags, r, e)
    )
}

/// `epoll_ctl(epfd, op, fd, event)` — epoll_ctl(2).
///
/// # Safety
/// `event` is NULL (allowed for `EPOLL_CTL_DEL`) or points to a readable `epoll_event`.
#[doc = man_links!(epoll_ctl(2))]
pub unsafe fn epoll_ctl(epfd: c_int, op: c_int, fd: c_int, event: *mut libc::epoll_event) -> c_int {
    traced!(
        // SAFETY: `event` is NULL or a readable epoll_event (# Safety above), all epoll_ctl(2)
        // reads.
        unsafe { libc::epoll_ctl(epfd, op, fd, event) },
        move |(), r, e| {
            // SAFETY: `event` is NULL or readable (this fn's contract).
            unsafe { line::epoll_ctl(epfd, op, fd, event, r, e) }
        }
    )
}

/// `epoll_wait(epfd, events, maxevents, timeout)` — epoll_wait(2).
///
/// # Safety
/// `events` is writable for `maxevents` `epoll_event`s.
#[doc = man_links!(epoll_wait(2))]
pub unsafe fn epoll_wait(
    epfd: c_int,
    events: *mut libc::epoll_event,
    maxevents: c_int,
    timeout: c_int,
) -> c_int {
    traced!(
        // SAFETY: `events` is writable for `maxevents` epoll_events (# Safety above), the most
        // epoll_wait(2) writes.
        unsafe { libc::epoll_wait(epfd, events, maxevents, timeout) },
        move |(), r, e| {
            // SAFETY: the kernel wrote the first `r` events (this fn's contract).
            unsafe { line::epoll_wait(epfd, events, maxevents, timeout, None, r, e) }
        }
    )
}

/// `epoll_pwait(epfd, events, maxevents, timeout, sigmask)` — epoll_pwait(2).
///
/// # Safety
/// As for [`epoll_wait`]; `sigmask` is NULL or a readable `sigset_t`.
#[doc = man_links!(epoll_pwait(2))]
pub unsafe fn epoll_pwait(
    epfd: c_int,
    events: *mut libc::epoll_event,
    maxevents: c_int,
    timeout: c_int,
    sigmask: *const libc::sigset_t,
) -> c_int {
    traced!(
        // SAFETY: `events` is writable for `maxevents` epoll_events and `sigmask` is NULL or a
        // readable sigset_t (# Safety above).
        unsafe { libc::epoll_pwait(epfd, events, maxevents, timeout, sigmask) },
        move |(), r, e| {
            let sig = Some(sigmask as usize);
            // SAFETY: the kernel wrote the first `r` events (this fn's contract).
            unsafe { line::epoll_wait(epfd, events, maxevents, timeout, sig, r, e) }
        }
    )
}

/// `sockatmark(sockfd)` — sockatmark(3): 1 at the urgent mark, 0 not, -1 on error. glibc makes
/// it as `ioctl(fd, SIOCATMARK, &int)`, the line the log prints.
///
/// # Safety
/// Always safe to call; `unsafe` for uniformity with the rest of this module.
#[doc = man_links!(sockatmark(3))]
pub unsafe fn sockatmark(sockfd: c_int) -> c_int {
    traced!(
        // SAFETY: sockatmark(3) takes an fd and reads no caller memory (the int glibc hands its
        // ioctl is glibc's own).
        unsafe { c::sockatmark(sockfd) },
        move |(), r, e| {
            // The syscall returned 0 and wrote `r` to the int (or failed: -1).
            // (glibc's int is on its own stack: its address is unknown here, printed as NULL.)
            let (v, ret) = if r >= 0 { (Ok(r), 0) } else { (Err(0), -1) };
            line::ioctl_int(sockfd, crate::sys::SIOCATMARK.request(), v, ret, e)
        }
    )
}

/// `ioctl(fd, request, argp)` — ioctl(2), for the requests whose argument is an `int *` the
/// kernel writes (`FIONREAD`/`SIOCINQ`, `SIOCOUTQ`, `SIOCOUTQNSD`, `SIOCATMARK`).
///
/// # Safety
/// `request` must be one that writes (at most) one `int` to `argp`, and `argp` writable for it;
/// any other request is undefined behaviour here.
#[doc = man_links!(ioctl(2), tcp(7))]
#[doc(alias = "ioctl")]
pub unsafe fn ioctl_int(fd: c_int, request: libc::c_ulong, argp: *mut c_int) -> c_int {
    traced!(
        // SAFETY: `request` writes at most one int to `argp`, which is writable for it
        // (# Safety above).
        unsafe { libc::ioctl(fd, request as _, argp) },
        move |(), r, e| {
            let v = match r {
                // SAFETY: `argp` is readable as an int (this fn's contract); written on success.
                0 => unsafe { get(argp) }.ok_or(0),
                _ => Err(argp as usize),
            };
            line::ioctl_int(fd, request, v, r, e)
        }
    )
}
