//! I/O event notification (sys/epoll.h): epoll_create1(2), epoll_ctl(2), epoll_wait(2) and
//! epoll_pwait(2) over [`EpollEvent`], C's `struct epoll_event`.

use std::fmt;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::raw::c_int;
use std::ptr;

use super::signal::SigSet;
use super::{cvt, fmt as sfmt, raw, Args, Result};

/// C's `struct epoll_event`: the `events` mask and the caller's 64-bit `data` (C's union; the
/// usual choice is the fd, `ev.data.fd = fd`, which is [`EpollEvent::new`]`(events, fd as u64)`).
///
/// `#[repr(transparent)]` over `libc::epoll_event` (packed on x86-64, as the kernel's), so a
/// `&mut [EpollEvent]` is passed to epoll_wait as is.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct EpollEvent(libc::epoll_event);

impl EpollEvent {
    /// An event mask (`EPOLLIN | EPOLLET`…) with its data word.
    pub fn new(events: u32, data: u64) -> EpollEvent {
        EpollEvent(libc::epoll_event { events, u64: data })
    }

    /// An all-zero event, for the array epoll_wait fills.
    pub fn empty() -> EpollEvent {
        EpollEvent::new(0, 0)
    }

    /// `events`: what was asked for, or what is ready after epoll_wait.
    pub fn events(&self) -> u32 {
        self.0.events
    }

    /// `data.u64`.
    pub fn data(&self) -> u64 {
        self.0.u64
    }

    /// `data.fd`: the low 32 bits of `data`, as C's union reads them.
    pub fn fd(&self) -> c_int {
        self.0.u64 as u32 as c_int
    }
}

impl fmt::Debug for EpollEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&sfmt::epoll_event(self.events(), self.data()))
    }
}

/// `epoll_create1(flags)` — epoll_create1(2). `flags` is 0 or `EPOLL_CLOEXEC`, as given.
///
#[doc = errors_doc!(epoll_create1)]
///
/// # Example
/// ```
/// use socklab::sys::{self, EpollEvent, AF_UNIX, EPOLLIN, EPOLL_CTL_ADD, SOCK_STREAM};
/// use std::os::fd::AsRawFd;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// let ep = sys::epoll_create1(0)?;
/// let mut ev = EpollEvent::new(EPOLLIN as u32, b.as_raw_fd() as u64);
/// sys::epoll_ctl(&ep, EPOLL_CTL_ADD, &b, Some(&mut ev))?;
/// sys::write(&a, b"x")?;
/// let mut events = [EpollEvent::empty(); 4];
/// assert_eq!(sys::epoll_wait(&ep, &mut events, -1)?, 1);
/// assert_eq!(events[0].fd(), b.as_raw_fd());
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(epoll_create1(2))]
pub fn epoll_create1(flags: c_int) -> Result<OwnedFd> {
    // SAFETY: epoll_create1(2) takes no pointers; the new fd is owned at once below.
    let fd = unsafe { raw::epoll_create1(flags) };
    let fd = cvt(fd, "epoll_create1", || Args::epoll_create1(flags))?;
    // SAFETY: `fd` was just returned by a successful epoll_create1; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `epoll_ctl(epfd, op, fd, event)` — epoll_ctl(2). `op` is `EPOLL_CTL_ADD`, `EPOLL_CTL_MOD` or
/// `EPOLL_CTL_DEL`; `event` may be `None` (NULL) for `EPOLL_CTL_DEL`.
///
#[doc = errors_doc!(epoll_ctl)]
///
/// # Example
/// See [`epoll_create1`].
#[doc = man_links!(epoll_ctl(2))]
pub fn epoll_ctl(
    epfd: impl AsFd,
    op: c_int,
    fd: impl AsFd,
    event: Option<&mut EpollEvent>,
) -> Result<()> {
    let (ep, fd) = (epfd.as_fd().as_raw_fd(), fd.as_fd().as_raw_fd());
    let ev = event.map_or(ptr::null_mut(), |e| &mut e.0 as *mut libc::epoll_event);
    // SAFETY: `ev` is NULL or an exclusively borrowed epoll_event the kernel only reads.
    let rc = unsafe { raw::epoll_ctl(ep, op, fd, ev) };
    cvt(rc, "epoll_ctl", || Args::epoll_ctl(ep, op, fd)).map(drop)
}

/// `epoll_wait(epfd, events, maxevents, timeout)` — epoll_wait(2).
///
/// `maxevents` is `events.len()` (must be > 0); `timeout` in milliseconds, -1 forever. Returns
/// how many entries at the front of `events` the kernel filled. Never retries `EINTR`.
///
#[doc = errors_doc!(epoll_wait)]
///
/// # Example
/// See [`epoll_create1`].
#[doc = man_links!(epoll_wait(2))]
pub fn epoll_wait(epfd: impl AsFd, events: &mut [EpollEvent], timeout: c_int) -> Result<usize> {
    let (ep, max) = (epfd.as_fd().as_raw_fd(), maxevents(events));
    // SAFETY: `events` is `max` writable epoll_events (repr(transparent)), borrowed for the call.
    let rc = unsafe { raw::epoll_wait(ep, events.as_mut_ptr().cast(), max, timeout) };
    cvt(rc, "epoll_wait", || Args::epoll_wait(ep, max, timeout)).map(|n| n as usize)
}

/// epoll_wait's `maxevents`: the slice's length (capped at `INT_MAX`).
fn maxevents(events: &[EpollEvent]) -> c_int {
    c_int::try_from(events.len()).unwrap_or(c_int::MAX)
}

/// `epoll_pwait(epfd, events, maxevents, timeout, sigmask)` — epoll_pwait(2): as
/// [`epoll_wait`], with `sigmask` replacing the thread's signal mask for the wait (`None` =
/// NULL, keeping the thread's; strace shows `epoll_pwait(..., NULL, 8)`). A signal blocked in
/// the thread and left out of `sigmask` can interrupt only the wait (`EINTR`).
///
#[doc = errors_doc!(epoll_pwait)]
///
/// # Example
/// ```
/// use socklab::sys::{self, EpollEvent};
/// use socklab::sys::signal::{SigSet, SIGINT};
/// let ep = sys::epoll_create1(0)?;
/// let mut events = [EpollEvent::empty(); 2];
/// assert_eq!(sys::epoll_pwait(&ep, &mut events, 0, None)?, 0);
/// let mask = SigSet::of(&[SIGINT])?; // SIGINT blocked during the wait
/// assert_eq!(sys::epoll_pwait(&ep, &mut events, 0, Some(&mask))?, 0);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(epoll_pwait(2))]
pub fn epoll_pwait(
    epfd: impl AsFd,
    events: &mut [EpollEvent],
    timeout: c_int,
    sigmask: Option<&SigSet>,
) -> Result<usize> {
    let (ep, max) = (epfd.as_fd().as_raw_fd(), maxevents(events));
    let m = sigmask.map_or(ptr::null(), |m| m.as_ref() as *const libc::sigset_t);
    // SAFETY: `events` is `max` writable epoll_events; `m` is NULL or a SigSet's initialised
    // sigset_t, which the kernel only reads.
    let rc = unsafe { raw::epoll_pwait(ep, events.as_mut_ptr().cast(), max, timeout, m) };
    cvt(rc, "epoll_pwait", || Args::epoll_pwait(ep, max, timeout)).map(|n| n as usize)
}
