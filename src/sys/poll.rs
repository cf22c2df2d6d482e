//! Waiting for readiness: poll(2) over a slice of [`PollFd`]s that borrow their fds, or of
//! [`RawPollFd`]s (C's `struct pollfd`, fd numbers, `-1` to skip a slot) for a changing set.

use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::raw::{c_int, c_short};

use super::{cvt, raw, Result};

/// One entry of poll's array: C's `struct pollfd`, borrowing the fd for as long as it lives.
///
/// `#[repr(transparent)]` over `libc::pollfd`, so a `&mut [PollFd]` is passed to the kernel
/// as C's `struct pollfd *` with no copy.
#[doc = man_links!(poll(2))]
#[doc(alias = "pollfd")]
#[repr(transparent)]
#[derive(Clone, Copy, Debug)]
pub struct PollFd<'fd> {
    pfd: libc::pollfd,
    _fd: PhantomData<BorrowedFd<'fd>>,
}

impl<'fd> PollFd<'fd> {
    /// An entry asking for `events` (`POLLIN`, `POLLOUT`…) on `fd`.
    pub fn new(fd: BorrowedFd<'fd>, events: c_short) -> PollFd<'fd> {
        PollFd {
            pfd: libc::pollfd {
                fd: fd.as_raw_fd(),
                events,
                revents: 0,
            },
            _fd: PhantomData,
        }
    }

    /// The events the kernel reported (`revents`) after the last [`poll`].
    pub fn revents(&self) -> c_short {
        self.pfd.revents
    }

    /// The events asked for.
    pub fn events(&self) -> c_short {
        self.pfd.events
    }
}

impl AsFd for PollFd<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: `pfd.fd` was taken from a BorrowedFd<'fd> that outlives `self` (PhantomData).
        unsafe { BorrowedFd::borrow_raw(self.pfd.fd) }
    }
}

/// C's `struct pollfd` as is: an fd *number*, `events`, `revents`. For the sets a server loop
/// grows and shrinks (accept adds, close removes), where borrowing each fd for the array's
/// lifetime does not fit: C's `pfds[i].fd = newfd`, and `fd = -1` to make poll skip a slot
/// (its `revents` comes back 0). It owns and borrows nothing: polling a closed fd number gives
/// `POLLNVAL`, never undefined behaviour.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct RawPollFd(libc::pollfd);

impl RawPollFd {
    /// An entry asking for `events` on fd number `fd` (negative: skipped by poll).
    pub fn new(fd: RawFd, events: c_short) -> RawPollFd {
        RawPollFd(libc::pollfd {
            fd,
            events,
            revents: 0,
        })
    }

    /// `fd`.
    pub fn fd(&self) -> RawFd {
        self.0.fd
    }

    /// Sets `fd` (C's `pfds[i].fd = newfd;`, or `-1` to skip the slot).
    pub fn set_fd(&mut self, fd: RawFd) {
        self.0.fd = fd;
    }

    /// `events`.
    pub fn events(&self) -> c_short {
        self.0.events
    }

    /// Sets `events`.
    pub fn set_events(&mut self, events: c_short) {
        self.0.events = events;
    }

    /// `revents` after the last [`poll`].
    pub fn revents(&self) -> c_short {
        self.0.revents
    }
}

impl std::fmt::Debug for RawPollFd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawPollFd")
            .field("fd", &self.fd())
            .field("events", &self.events())
            .field("revents", &self.revents())
            .finish()
    }
}

mod private {
    pub trait Sealed {}
}

/// What [`poll`]'s array may hold: [`PollFd`] (borrowed fds) or [`RawPollFd`] (fd numbers).
/// Sealed; both are `#[repr(transparent)]` over `struct pollfd`.
pub trait PollEntry: private::Sealed {}
impl private::Sealed for PollFd<'_> {}
impl PollEntry for PollFd<'_> {}
impl private::Sealed for RawPollFd {}
impl PollEntry for RawPollFd {}

/// `poll(fds, nfds, timeout)` — poll(2).
///
/// `nfds` is `fds.len()`; `timeout` is in milliseconds (-1 waits forever, 0 returns at once).
/// Returns how many entries have non-zero `revents`; 0 on timeout. Never retries `EINTR`.
/// `fds` is a slice (or `&mut Vec`) of [`PollFd`] or of [`RawPollFd`].
///
/// # Errors
/// `EINTR`, `EINVAL` (too many fds), `ENOMEM`.
///
/// # Example
/// ```
/// use socklab::sys::{self, PollFd, AF_UNIX, SOCK_STREAM};
/// use std::os::fd::AsFd;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// let mut fds = [PollFd::new(b.as_fd(), libc::POLLIN)];
/// assert_eq!(sys::poll(&mut fds, 0)?, 0); // nothing to read yet
/// sys::write(&a, b"x")?;
/// assert_eq!(sys::poll(&mut fds, 1000)?, 1);
/// assert_ne!(fds[0].revents() & libc::POLLIN, 0);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(poll(2))]
pub fn poll<P: PollEntry>(fds: &mut [P], timeout: c_int) -> Result<usize> {
    let n = fds.len();
    // SAFETY: both PollEntry types are repr(transparent) over libc::pollfd, so the slice is `n`
    // readable and writable pollfds (an fd number that is closed or -1 is the kernel's to
    // report, not a memory hazard).
    let rc = unsafe { raw::poll(fds.as_mut_ptr().cast(), n as libc::nfds_t, timeout) };
    cvt(rc, "poll", || format!("{n} fds, {timeout}")).map(|n| n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_entries_are_pollfds() {
        assert_eq!(size_of::<RawPollFd>(), size_of::<libc::pollfd>());
        assert_eq!(size_of::<PollFd<'_>>(), size_of::<libc::pollfd>());
    }
}
