//! Synchronous I/O multiplexing (sys/select.h): [`FdSet`] (C's `fd_set` with FD_ZERO, FD_SET,
//! FD_CLR, FD_ISSET), select(2) and pselect(2), refusing any fd or `nfds` past `FD_SETSIZE`.

use std::fmt;
use std::os::fd::RawFd;
use std::os::raw::c_int;
use std::ptr;

use libc::{sigset_t, timespec, timeval, FD_SETSIZE};

use super::{cvt, raw, Errno, Error, Result};

/// C's `fd_set`: a bit per fd number below `FD_SETSIZE` (1024).
///
/// Like C's, it stores fd *numbers* (the loop `for (i = 0; i <= fdmax; i++) if (FD_ISSET(i,
/// &read_fds))` ports as is); it owns and borrows nothing. Unlike C's macros, an fd outside
/// `0..FD_SETSIZE` is refused ([`set`](FdSet::set) returns `EINVAL`) instead of writing past the
/// set. `Copy`, so `read_fds = master;` is a plain assignment.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct FdSet(libc::fd_set);

impl FdSet {
    /// An empty set: C's `fd_set s; FD_ZERO(&s);`.
    pub fn new() -> FdSet {
        // All zero bits is the empty set FD_ZERO makes.
        FdSet(super::zeroed::zeroed())
    }

    /// `FD_ZERO(&set)` — select(2): clears every fd.
    pub fn zero(&mut self) {
        *self = FdSet::new();
    }

    /// Whether `fd` can be stored (`0 <= fd < FD_SETSIZE`).
    fn in_range(fd: RawFd) -> bool {
        (0..FD_SETSIZE as RawFd).contains(&fd)
    }

    /// `FD_SET(fd, &set)` — select(2).
    ///
    /// # Errors
    /// `EINVAL` if `fd` is negative or `>= FD_SETSIZE`: C's macro would write outside the set.
    pub fn set(&mut self, fd: RawFd) -> Result<()> {
        if !FdSet::in_range(fd) {
            return Err(
                Error::new(Errno::EINVAL, "FD_SET", format!("fd {fd}")).with_note(format!(
                    "an fd_set holds fds 0..{FD_SETSIZE}; use poll or epoll"
                )),
            );
        }
        // SAFETY: `fd` is within 0..FD_SETSIZE, so FD_SET writes a bit inside the set.
        unsafe { libc::FD_SET(fd, &mut self.0) };
        Ok(())
    }

    /// `FD_CLR(fd, &set)` — select(2). An fd outside the set's range is not in it: no-op.
    pub fn clr(&mut self, fd: RawFd) {
        if FdSet::in_range(fd) {
            // SAFETY: `fd` is within 0..FD_SETSIZE, so FD_CLR writes a bit inside the set.
            unsafe { libc::FD_CLR(fd, &mut self.0) };
        }
    }

    /// `FD_ISSET(fd, &set)` — select(2). `false` for an fd outside the set's range.
    pub fn isset(&self, fd: RawFd) -> bool {
        // SAFETY: `fd` is within 0..FD_SETSIZE, so FD_ISSET reads a bit inside the set.
        FdSet::in_range(fd) && unsafe { libc::FD_ISSET(fd, &self.0) }
    }

    /// The fds in the set, ascending.
    pub fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
        (0..FD_SETSIZE as RawFd).filter(|&fd| self.isset(fd))
    }

    fn ptr(set: Option<&mut FdSet>) -> *mut libc::fd_set {
        set.map_or(ptr::null_mut(), |s| &mut s.0)
    }
}

impl Default for FdSet {
    fn default() -> FdSet {
        FdSet::new()
    }
}

impl fmt::Debug for FdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.fds()).finish()
    }
}

/// select/pselect's `nfds`: at most `FD_SETSIZE`, or the kernel would read and write past the
/// sets.
fn check_nfds(call: &'static str, nfds: c_int) -> Result<()> {
    if nfds > FD_SETSIZE as c_int {
        return Err(Error::new(Errno::EINVAL, call, format!("nfds {nfds}"))
            .with_note(format!("an fd_set holds {FD_SETSIZE} fds")));
    }
    Ok(())
}

/// `select(nfds, readfds, writefds, exceptfds, timeout)` — select(2).
///
/// Sets are `None` for C's NULL and are rewritten in place with the ready fds, as in C;
/// `timeout` `None` waits forever, and Linux rewrites it with the time left. Returns the number
/// of ready fds (0 on timeout). glibc makes this as the pselect6 syscall, which is what strace
/// and the socklab log show. Never retries `EINTR`.
///
/// # Errors
/// `EINVAL` (from socklab) for `nfds > FD_SETSIZE`; `EBADF` (a closed fd in a set), `EINTR`,
/// `EINVAL` (negative `nfds`, bad timeout), `ENOMEM`.
///
/// # Example
/// ```
/// use socklab::sys::{self, FdSet, AF_UNIX, SOCK_STREAM};
/// use std::os::fd::AsRawFd;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// sys::write(&a, b"x")?;
/// let mut read_fds = FdSet::new();
/// read_fds.set(b.as_raw_fd())?;
/// assert_eq!(sys::select(b.as_raw_fd() + 1, Some(&mut read_fds), None, None, None)?, 1);
/// assert!(read_fds.isset(b.as_raw_fd()));
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn select(
    nfds: c_int,
    readfds: Option<&mut FdSet>,
    writefds: Option<&mut FdSet>,
    exceptfds: Option<&mut FdSet>,
    timeout: Option<&mut timeval>,
) -> Result<usize> {
    check_nfds("select", nfds)?;
    let t = timeout.map_or(ptr::null_mut(), |t| t as *mut timeval);
    let (r, w, e) = (
        FdSet::ptr(readfds),
        FdSet::ptr(writefds),
        FdSet::ptr(exceptfds),
    );
    // SAFETY: each set pointer is NULL or an exclusively borrowed fd_set of FD_SETSIZE bits, and
    // `nfds <= FD_SETSIZE` (checked), so the kernel reads and writes inside them; `t` is NULL or
    // an exclusively borrowed timeval.
    let rc = unsafe { raw::select(nfds, r, w, e, t) };
    cvt(rc, "select", || format!("{nfds}, ...")).map(|n| n as usize)
}

/// `pselect(nfds, readfds, writefds, exceptfds, timeout, sigmask)` — pselect(2).
///
/// As [`select`], with a `timespec` that is not rewritten and an optional signal mask to
/// install for the wait (`None` = NULL).
///
/// # Errors
/// As [`select`].
///
/// # Example
/// ```
/// use socklab::sys::{self, FdSet, AF_UNIX, SOCK_STREAM};
/// use std::os::fd::AsRawFd;
/// let (_a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// let mut read_fds = FdSet::new();
/// read_fds.set(b.as_raw_fd())?;
/// let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
/// assert_eq!(sys::pselect(b.as_raw_fd() + 1, Some(&mut read_fds), None, None, Some(&zero), None)?, 0);
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn pselect(
    nfds: c_int,
    readfds: Option<&mut FdSet>,
    writefds: Option<&mut FdSet>,
    exceptfds: Option<&mut FdSet>,
    timeout: Option<&timespec>,
    sigmask: Option<&sigset_t>,
) -> Result<usize> {
    check_nfds("pselect", nfds)?;
    let t = timeout.map_or(ptr::null(), |t| t as *const timespec);
    let m = sigmask.map_or(ptr::null(), |m| m as *const sigset_t);
    let (r, w, e) = (
        FdSet::ptr(readfds),
        FdSet::ptr(writefds),
        FdSet::ptr(exceptfds),
    );
    // SAFETY: as in `select`; `t` and `m` are NULL or borrowed for the call, only read.
    let rc = unsafe { raw::pselect(nfds, r, w, e, t, m) };
    cvt(rc, "pselect", || format!("{nfds}, ...")).map(|n| n as usize)
}
