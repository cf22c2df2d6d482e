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

use ::libc::{c_int, c_uint, c_void, mmsghdr, msghdr, nfds_t, pollfd, size_t, sockaddr, socklen_t};
use ::libc::{cpu_set_t, pid_t, ssize_t, timespec};

// Feature `inline-syscalls`: `libc::read(…)` below is the `syscall` instruction inline.
#[cfg(feature = "inline-syscalls")]
use super::syscall::libc;

use super::trace::traced;
#[cfg(feature = "trace")]
use super::trace::{get, line, namelen};

/// `socket(domain, type, protocol)` — socket(2). Returns a new fd or -1.
///
/// # Safety
/// Always safe to call; `unsafe` only because the fd it returns is not owned by anything: the
/// caller must close it exactly once.
pub unsafe fn socket(domain: c_int, ty: c_int, protocol: c_int) -> c_int {
    traced!(libc::socket(domain, ty, protocol), move |(), r, e| {
        line::socket(domain, ty, protocol, r, e)
    })
}

/// `socketpair(domain, type, protocol, sv)` — socketpair(2). Writes two fds to `sv[0]`, `sv[1]`.
///
/// # Safety
/// `sv` must be valid for writing two `c_int`s; the caller owns (must close) both fds.
pub unsafe fn socketpair(domain: c_int, ty: c_int, protocol: c_int, sv: *mut c_int) -> c_int {
    traced!(
        libc::socketpair(domain, ty, protocol, sv),
        move |(), r, e| {
            // SAFETY: `sv` is valid for two ints (this fn's contract); read only after success.
            unsafe { line::socketpair(domain, ty, protocol, sv, r, e) }
        }
    )
}

/// `bind(sockfd, addr, addrlen)` — bind(2).
///
/// # Safety
/// `addr` must be readable for `addrlen` bytes (the kernel copies at most `addrlen` bytes and
/// rejects a short or oversized length with `EINVAL`).
pub unsafe fn bind(sockfd: c_int, addr: *const sockaddr, addrlen: socklen_t) -> c_int {
    traced!(libc::bind(sockfd, addr, addrlen), move |(), r, e| {
        // SAFETY: `addr` is readable for `addrlen` bytes (this fn's contract).
        unsafe { line::with_addr("bind", sockfd, addr, addrlen, r, e) }
    })
}

/// `listen(sockfd, backlog)` — listen(2).
///
/// # Safety
/// Always safe to call; `unsafe` for uniformity with the rest of this module (the fd is a raw
/// integer the caller vouches for).
pub unsafe fn listen(sockfd: c_int, backlog: c_int) -> c_int {
    traced!(libc::listen(sockfd, backlog), move |(), r, e| {
        line::ints("listen", &[sockfd, backlog], r, e)
    })
}

/// `accept(sockfd, addr, addrlen)` — accept(2). `addr` and `addrlen` may both be NULL.
///
/// # Safety
/// Either both pointers are NULL, or `addrlen` points to a readable and writable `socklen_t`
/// holding the size of the writable buffer at `addr`. The caller owns the returned fd.
pub unsafe fn accept(sockfd: c_int, addr: *mut sockaddr, addrlen: *mut socklen_t) -> c_int {
    traced!(
        libc::accept(sockfd, addr, addrlen),
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
pub unsafe fn accept4(
    sockfd: c_int,
    addr: *mut sockaddr,
    addrlen: *mut socklen_t,
    flags: c_int,
) -> c_int {
    traced!(
        libc::accept4(sockfd, addr, addrlen, flags),
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
/// `addr` must be readable for `addrlen` bytes.
pub unsafe fn connect(sockfd: c_int, addr: *const sockaddr, addrlen: socklen_t) -> c_int {
    traced!(libc::connect(sockfd, addr, addrlen), move |(), r, e| {
        // SAFETY: `addr` is readable for `addrlen` bytes (this fn's contract).
        unsafe { line::with_addr("connect", sockfd, addr, addrlen, r, e) }
    })
}

/// `shutdown(sockfd, how)` — shutdown(2). Any `how`, including ones the kernel rejects.
///
/// # Safety
/// Always safe to call; `unsafe` for uniformity with the rest of this module.
pub unsafe fn shutdown(sockfd: c_int, how: c_int) -> c_int {
    traced!(libc::shutdown(sockfd, how), move |(), r, e| {
        line::shutdown(sockfd, how, r, e)
    })
}

/// `close(fd)` — close(2).
///
/// # Safety
/// `fd` must not be owned by anything that will close it again (an `OwnedFd`, a `File`…):
/// closing it here and there is a double close, which may close an unrelated, reused fd.
pub unsafe fn close(fd: c_int) -> c_int {
    traced!(libc::close(fd), move |(), r, e| line::ints(
        "close",
        &[fd],
        r,
        e
    ))
}

/// `getsockname(sockfd, addr, addrlen)` — getsockname(2).
///
/// # Safety
/// `addrlen` must point to a readable and writable `socklen_t` holding the size of the writable
/// buffer at `addr`.
pub unsafe fn getsockname(sockfd: c_int, addr: *mut sockaddr, addrlen: *mut socklen_t) -> c_int {
    traced!(
        libc::getsockname(sockfd, addr, addrlen),
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
pub unsafe fn getpeername(sockfd: c_int, addr: *mut sockaddr, addrlen: *mut socklen_t) -> c_int {
    traced!(
        libc::getpeername(sockfd, addr, addrlen),
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
#[inline] // the data path: lets the syscall inline into callers in other crates
pub unsafe fn read(fd: c_int, buf: *mut c_void, count: size_t) -> ssize_t {
    traced!(libc::read(fd, buf, count), move |(), r, e| {
        // SAFETY: `buf` is valid for `count` bytes; the kernel wrote `r` of them on success.
        unsafe { line::recv("read", fd, buf, count, None, None, None, r, e) }
    })
}

/// `write(fd, buf, count)` — write(2).
///
/// # Safety
/// `buf` must be readable for `count` bytes.
#[inline]
pub unsafe fn write(fd: c_int, buf: *const c_void, count: size_t) -> ssize_t {
    traced!(libc::write(fd, buf, count), move |(), r, e| {
        // SAFETY: `buf` is readable for `count` bytes (this fn's contract).
        unsafe { line::send("write", fd, buf, count, None, None, r, e) }
    })
}

/// `send(sockfd, buf, len, flags)` — send(2).
///
/// # Safety
/// `buf` must be readable for `len` bytes.
#[inline]
pub unsafe fn send(sockfd: c_int, buf: *const c_void, len: size_t, flags: c_int) -> ssize_t {
    traced!(libc::send(sockfd, buf, len, flags), move |(), r, e| {
        // SAFETY: `buf` is readable for `len` bytes. glibc makes send(2) as sendto(2) with no
        // address, and that is the call the kernel (and strace) sees.
        let to = Some((std::ptr::null(), 0));
        unsafe { line::send("sendto", sockfd, buf, len, Some(flags), to, r, e) }
    })
}

/// `recv(sockfd, buf, len, flags)` — recv(2).
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[inline]
pub unsafe fn recv(sockfd: c_int, buf: *mut c_void, len: size_t, flags: c_int) -> ssize_t {
    traced!(libc::recv(sockfd, buf, len, flags), move |(), r, e| {
        // SAFETY: `buf` is valid for `len` bytes; the kernel wrote `r` of them on success. glibc
        // makes recv(2) as recvfrom(2) with NULL address pointers, the call the kernel sees.
        let from = Some((std::ptr::null(), std::ptr::null()));
        unsafe { line::recv("recvfrom", sockfd, buf, len, Some(flags), from, None, r, e) }
    })
}

/// `sendto(sockfd, buf, len, flags, dest_addr, addrlen)` — sendto(2).
///
/// # Safety
/// `buf` must be readable for `len` bytes; `dest_addr` must be NULL (with `addrlen` 0) or
/// readable for `addrlen` bytes.
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
        libc::sendto(sockfd, buf, len, flags, dest_addr, addrlen),
        move |(), r, e| {
            let to = Some((dest_addr, addrlen));
            // SAFETY: `buf` is readable for `len` bytes and `dest_addr` for `addrlen` or NULL.
            unsafe { line::send("sendto", sockfd, buf, len, Some(flags), to, r, e) }
        }
    )
}

/// `recvfrom(sockfd, buf, len, flags, src_addr, addrlen)` — recvfrom(2).
///
/// # Safety
/// `buf` must be writable for `len` bytes; `src_addr` and `addrlen` are both NULL, or `addrlen`
/// points to a readable and writable `socklen_t` holding the size of the buffer at `src_addr`.
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
        libc::recvfrom(sockfd, buf, len, flags, src_addr, addrlen),
        // SAFETY: a non-NULL `addrlen` is readable (this fn's contract).
        pre = unsafe { get(addrlen) },
        move |before, r, e| {
            let from = Some((src_addr.cast_const(), addrlen.cast_const()));
            // SAFETY: this fn's contract; the kernel wrote `r` bytes and the address on success.
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
/// `msg` must point to a valid `msghdr` whose name, iovecs and control buffer are readable for
/// the lengths it states.
#[inline]
pub unsafe fn sendmsg(sockfd: c_int, msg: *const msghdr, flags: c_int) -> ssize_t {
    traced!(libc::sendmsg(sockfd, msg, flags), move |(), r, e| {
        // SAFETY: `msg` and its buffers are readable as this fn's contract states.
        unsafe { line::sendmsg(sockfd, msg, flags, r, e) }
    })
}

/// `recvmsg(sockfd, msg, flags)` — recvmsg(2). The kernel rewrites `msg_namelen`,
/// `msg_controllen` and `msg_flags`.
///
/// # Safety
/// `msg` must point to a valid, writable `msghdr` whose name, iovec and control buffers are
/// writable for the lengths it states.
#[inline]
pub unsafe fn recvmsg(sockfd: c_int, msg: *mut msghdr, flags: c_int) -> ssize_t {
    traced!(
        libc::recvmsg(sockfd, msg, flags),
        // SAFETY: `msg` points to a valid msghdr (this fn's contract).
        pre = unsafe { namelen(msg) },
        move |before, r, e| {
            // SAFETY: this fn's contract; the kernel wrote `r` bytes and the name on success.
            unsafe { line::recvmsg(sockfd, msg, flags, before, r, e) }
        }
    )
}

/// `sendmmsg(sockfd, msgvec, vlen, flags)` — sendmmsg(2). Returns how many messages were sent;
/// the kernel writes each sent message's byte count to its `msg_len`.
///
/// # Safety
/// `msgvec` must point to `vlen` writable `mmsghdr`s, each valid as for [`sendmsg`].
#[inline]
pub unsafe fn sendmmsg(sockfd: c_int, msgvec: *mut mmsghdr, vlen: c_uint, flags: c_int) -> c_int {
    traced!(
        libc::sendmmsg(sockfd, msgvec, vlen, flags),
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
#[inline]
pub unsafe fn recvmmsg(
    sockfd: c_int,
    msgvec: *mut mmsghdr,
    vlen: c_uint,
    flags: c_int,
    timeout: *mut timespec,
) -> c_int {
    traced!(
        libc::recvmmsg(sockfd, msgvec, vlen, flags, timeout),
        // SAFETY: `msgvec` holds `vlen` valid mmsghdrs; `timeout` is NULL or readable.
        pre = unsafe { line::recvmmsg_pre(msgvec, vlen, timeout) },
        move |pre, r, e| {
            // SAFETY: this fn's contract; the kernel filled the first `r` messages on success.
            unsafe { line::recvmmsg(sockfd, msgvec, vlen, flags, timeout, pre, r, e) }
        }
    )
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
    traced!(
        libc::setsockopt(sockfd, level, optname, optval, optlen),
        move |(), r, e| {
            // SAFETY: `optval` is readable for `optlen` bytes or NULL (this fn's contract).
            unsafe { line::setsockopt(sockfd, level, optname, optval, optlen, r, e) }
        }
    )
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
    traced!(
        libc::getsockopt(sockfd, level, optname, optval, optlen),
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
pub unsafe fn poll(fds: *mut pollfd, nfds: nfds_t, timeout: c_int) -> c_int {
    traced!(libc::poll(fds, nfds, timeout), move |(), r, e| {
        // SAFETY: `fds` points to `nfds` readable pollfds (this fn's contract).
        unsafe { line::poll(fds, nfds, timeout, r, e) }
    })
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
    traced!(libc::fcntl(fd, cmd, arg), move |(), r, e| {
        line::fcntl(fd, cmd, arg, r, e)
    })
}

/// `sched_setaffinity(pid, cpusetsize, mask)` — sched_setaffinity(2). Returns 0 or -1.
///
/// Traced as strace prints it: `sched_setaffinity(0, 128, [0]) = 0`.
///
/// # Safety
/// `mask` must be readable for `cpusetsize` bytes (the kernel copies that many).
pub unsafe fn sched_setaffinity(pid: pid_t, cpusetsize: size_t, mask: *const cpu_set_t) -> c_int {
    traced!(
        libc::sched_setaffinity(pid, cpusetsize, mask),
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
pub unsafe fn sched_getaffinity(pid: pid_t, cpusetsize: size_t, mask: *mut cpu_set_t) -> c_int {
    traced!(
        libc::sched_getaffinity(pid, cpusetsize, mask),
        move |(), r, e| {
            // SAFETY: `mask` is valid for `cpusetsize` bytes (this fn's contract), and after
            // success all of them are written (the kernel's copy plus glibc's zeroing).
            unsafe { line::affinity("sched_getaffinity", pid, cpusetsize, mask, r == 0, r, e) }
        }
    )
}
