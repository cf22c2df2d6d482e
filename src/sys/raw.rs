//! The socket calls as `unsafe fn`s with C's exact signatures: raw fds, raw pointers, `socklen_t`
//! lengths, raw `c_int` flags. Whatever C can ask the kernel, a learner can ask from here.
//!
//! Each function returns what the C call returns (`-1` with `errno` set on failure; read it with
//! [`Errno::last`](super::Errno::last)). Nothing is added: no `SOCK_CLOEXEC`, no `MSG_NOSIGNAL`,
//! no EINTR retry. The safe functions in [`socklab::sys`](super) are built on these.
//!
//! ```
//! use socklab::sys::{raw, Errno};
//! // shutdown(fd, -1): only the raw layer can pass a `how` that is not SHUT_RD/WR/RDWR.
//! // SAFETY: socket(2) takes no pointers; this example owns and closes the fd it returns.
//! let fd = unsafe { raw::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
//! assert!(fd >= 0);
//! // SAFETY: shutdown(2) takes no pointers; `fd` is the socket created above.
//! let rc = unsafe { raw::shutdown(fd, -1) };
//! assert_eq!((rc, Errno::last()), (-1, Errno::EINVAL));
//! // SAFETY: `fd` is owned by nothing else, so this is its only close.
//! unsafe { raw::close(fd) };
//! ```

use libc::{c_int, c_uint, c_void, mmsghdr, msghdr, nfds_t, pollfd, size_t, sockaddr, socklen_t};
use libc::{ssize_t, timespec};

/// `socket(domain, type, protocol)` — socket(2). Returns a new fd or -1.
///
/// # Safety
/// Always safe to call; `unsafe` only because the fd it returns is not owned by anything: the
/// caller must close it exactly once.
pub unsafe fn socket(domain: c_int, ty: c_int, protocol: c_int) -> c_int {
    libc::socket(domain, ty, protocol)
}

/// `socketpair(domain, type, protocol, sv)` — socketpair(2). Writes two fds to `sv[0]`, `sv[1]`.
///
/// # Safety
/// `sv` must be valid for writing two `c_int`s; the caller owns (must close) both fds.
pub unsafe fn socketpair(domain: c_int, ty: c_int, protocol: c_int, sv: *mut c_int) -> c_int {
    libc::socketpair(domain, ty, protocol, sv)
}

/// `bind(sockfd, addr, addrlen)` — bind(2).
///
/// # Safety
/// `addr` must be readable for `addrlen` bytes (the kernel copies at most `addrlen` bytes and
/// rejects a short or oversized length with `EINVAL`).
pub unsafe fn bind(sockfd: c_int, addr: *const sockaddr, addrlen: socklen_t) -> c_int {
    libc::bind(sockfd, addr, addrlen)
}

/// `listen(sockfd, backlog)` — listen(2).
///
/// # Safety
/// Always safe to call; `unsafe` for uniformity with the rest of this module (the fd is a raw
/// integer the caller vouches for).
pub unsafe fn listen(sockfd: c_int, backlog: c_int) -> c_int {
    libc::listen(sockfd, backlog)
}

/// `accept(sockfd, addr, addrlen)` — accept(2). `addr` and `addrlen` may both be NULL.
///
/// # Safety
/// Either both pointers are NULL, or `addrlen` points to a readable and writable `socklen_t`
/// holding the size of the writable buffer at `addr`. The caller owns the returned fd.
pub unsafe fn accept(sockfd: c_int, addr: *mut sockaddr, addrlen: *mut socklen_t) -> c_int {
    libc::accept(sockfd, addr, addrlen)
}

/// `accept4(sockfd, addr, addrlen, flags)` — accept4(2).
///
/// # Safety
/// As for [`accept`].
pub unsafe fn accept4(
    sockfd: c_int,
    addr: *mut sockaddr,
    addrlen: *mut socklen_t,
    flags: c_int,
) -> c_int {
    libc::accept4(sockfd, addr, addrlen, flags)
}

/// `connect(sockfd, addr, addrlen)` — connect(2).
///
/// # Safety
/// `addr` must be readable for `addrlen` bytes.
pub unsafe fn connect(sockfd: c_int, addr: *const sockaddr, addrlen: socklen_t) -> c_int {
    libc::connect(sockfd, addr, addrlen)
}

/// `shutdown(sockfd, how)` — shutdown(2). Any `how`, including ones the kernel rejects.
///
/// # Safety
/// Always safe to call; `unsafe` for uniformity with the rest of this module.
pub unsafe fn shutdown(sockfd: c_int, how: c_int) -> c_int {
    libc::shutdown(sockfd, how)
}

/// `close(fd)` — close(2).
///
/// # Safety
/// `fd` must not be owned by anything that will close it again (an `OwnedFd`, a `File`…):
/// closing it here and there is a double close, which may close an unrelated, reused fd.
pub unsafe fn close(fd: c_int) -> c_int {
    libc::close(fd)
}

/// `getsockname(sockfd, addr, addrlen)` — getsockname(2).
///
/// # Safety
/// `addrlen` must point to a readable and writable `socklen_t` holding the size of the writable
/// buffer at `addr`.
pub unsafe fn getsockname(sockfd: c_int, addr: *mut sockaddr, addrlen: *mut socklen_t) -> c_int {
    libc::getsockname(sockfd, addr, addrlen)
}

/// `getpeername(sockfd, addr, addrlen)` — getpeername(2).
///
/// # Safety
/// As for [`getsockname`].
pub unsafe fn getpeername(sockfd: c_int, addr: *mut sockaddr, addrlen: *mut socklen_t) -> c_int {
    libc::getpeername(sockfd, addr, addrlen)
}

/// `read(fd, buf, count)` — read(2).
///
/// # Safety
/// `buf` must be writable for `count` bytes.
pub unsafe fn read(fd: c_int, buf: *mut c_void, count: size_t) -> ssize_t {
    libc::read(fd, buf, count)
}

/// `write(fd, buf, count)` — write(2).
///
/// # Safety
/// `buf` must be readable for `count` bytes.
pub unsafe fn write(fd: c_int, buf: *const c_void, count: size_t) -> ssize_t {
    libc::write(fd, buf, count)
}

/// `send(sockfd, buf, len, flags)` — send(2).
///
/// # Safety
/// `buf` must be readable for `len` bytes.
pub unsafe fn send(sockfd: c_int, buf: *const c_void, len: size_t, flags: c_int) -> ssize_t {
    libc::send(sockfd, buf, len, flags)
}

/// `recv(sockfd, buf, len, flags)` — recv(2).
///
/// # Safety
/// `buf` must be writable for `len` bytes.
pub unsafe fn recv(sockfd: c_int, buf: *mut c_void, len: size_t, flags: c_int) -> ssize_t {
    libc::recv(sockfd, buf, len, flags)
}

/// `sendto(sockfd, buf, len, flags, dest_addr, addrlen)` — sendto(2).
///
/// # Safety
/// `buf` must be readable for `len` bytes; `dest_addr` must be NULL (with `addrlen` 0) or
/// readable for `addrlen` bytes.
pub unsafe fn sendto(
    sockfd: c_int,
    buf: *const c_void,
    len: size_t,
    flags: c_int,
    dest_addr: *const sockaddr,
    addrlen: socklen_t,
) -> ssize_t {
    libc::sendto(sockfd, buf, len, flags, dest_addr, addrlen)
}

/// `recvfrom(sockfd, buf, len, flags, src_addr, addrlen)` — recvfrom(2).
///
/// # Safety
/// `buf` must be writable for `len` bytes; `src_addr` and `addrlen` are both NULL, or `addrlen`
/// points to a readable and writable `socklen_t` holding the size of the buffer at `src_addr`.
pub unsafe fn recvfrom(
    sockfd: c_int,
    buf: *mut c_void,
    len: size_t,
    flags: c_int,
    src_addr: *mut sockaddr,
    addrlen: *mut socklen_t,
) -> ssize_t {
    libc::recvfrom(sockfd, buf, len, flags, src_addr, addrlen)
}

/// `sendmsg(sockfd, msg, flags)` — sendmsg(2).
///
/// # Safety
/// `msg` must point to a valid `msghdr` whose name, iovecs and control buffer are readable for
/// the lengths it states.
pub unsafe fn sendmsg(sockfd: c_int, msg: *const msghdr, flags: c_int) -> ssize_t {
    libc::sendmsg(sockfd, msg, flags)
}

/// `recvmsg(sockfd, msg, flags)` — recvmsg(2). The kernel rewrites `msg_namelen`,
/// `msg_controllen` and `msg_flags`.
///
/// # Safety
/// `msg` must point to a valid, writable `msghdr` whose name, iovec and control buffers are
/// writable for the lengths it states.
pub unsafe fn recvmsg(sockfd: c_int, msg: *mut msghdr, flags: c_int) -> ssize_t {
    libc::recvmsg(sockfd, msg, flags)
}

/// `sendmmsg(sockfd, msgvec, vlen, flags)` — sendmmsg(2). Returns how many messages were sent;
/// the kernel writes each sent message's byte count to its `msg_len`.
///
/// # Safety
/// `msgvec` must point to `vlen` writable `mmsghdr`s, each valid as for [`sendmsg`].
pub unsafe fn sendmmsg(sockfd: c_int, msgvec: *mut mmsghdr, vlen: c_uint, flags: c_int) -> c_int {
    libc::sendmmsg(sockfd, msgvec, vlen, flags)
}

/// `recvmmsg(sockfd, msgvec, vlen, flags, timeout)` — recvmmsg(2). Returns how many messages
/// were received; each one's `msg_len`, `msg_namelen`, `msg_controllen` and `msg_flags` are
/// rewritten by the kernel.
///
/// # Safety
/// `msgvec` must point to `vlen` writable `mmsghdr`s, each valid as for [`recvmsg`]; `timeout`
/// is NULL or points to a readable and writable `timespec`.
pub unsafe fn recvmmsg(
    sockfd: c_int,
    msgvec: *mut mmsghdr,
    vlen: c_uint,
    flags: c_int,
    timeout: *mut timespec,
) -> c_int {
    libc::recvmmsg(sockfd, msgvec, vlen, flags, timeout)
}

/// `setsockopt(sockfd, level, optname, optval, optlen)` — setsockopt(2).
///
/// # Safety
/// `optval` must be readable for `optlen` bytes (or NULL with `optlen` 0).
pub unsafe fn setsockopt(
    sockfd: c_int,
    level: c_int,
    optname: c_int,
    optval: *const c_void,
    optlen: socklen_t,
) -> c_int {
    libc::setsockopt(sockfd, level, optname, optval, optlen)
}

/// `getsockopt(sockfd, level, optname, optval, optlen)` — getsockopt(2). The kernel rewrites
/// `*optlen` with the size it wrote.
///
/// # Safety
/// `optlen` must point to a readable and writable `socklen_t` holding the size of the writable
/// buffer at `optval`.
pub unsafe fn getsockopt(
    sockfd: c_int,
    level: c_int,
    optname: c_int,
    optval: *mut c_void,
    optlen: *mut socklen_t,
) -> c_int {
    libc::getsockopt(sockfd, level, optname, optval, optlen)
}

/// `poll(fds, nfds, timeout)` — poll(2). Returns how many entries have non-zero `revents`.
///
/// # Safety
/// `fds` must point to `nfds` readable and writable `pollfd`s.
pub unsafe fn poll(fds: *mut pollfd, nfds: nfds_t, timeout: c_int) -> c_int {
    libc::poll(fds, nfds, timeout)
}

/// `fcntl(fd, cmd, arg)` — fcntl(2), for the commands whose third argument is an `int` or absent
/// (`F_GETFL`, `F_SETFL`, `F_GETFD`, `F_SETFD`, `F_DUPFD_CLOEXEC`…).
///
/// C's `fcntl` is variadic; socklab always passes the `int` (ignored by commands that take none).
///
/// # Safety
/// `cmd` must be a command whose argument is an `int` or none; commands that take a pointer
/// (`F_GETLK`, `F_SETOWN_EX`…) are undefined behaviour here.
pub unsafe fn fcntl(fd: c_int, cmd: c_int, arg: c_int) -> c_int {
    libc::fcntl(fd, cmd, arg)
}
