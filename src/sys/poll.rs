//! Waiting for readiness: poll(2) over a slice of [`PollFd`]s that borrow their fds.

use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
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

/// `poll(fds, nfds, timeout)` — poll(2).
///
/// `nfds` is `fds.len()`; `timeout` is in milliseconds (-1 waits forever, 0 returns at once).
/// Returns how many entries have non-zero `revents`; 0 on timeout. Never retries `EINTR`.
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
pub fn poll(fds: &mut [PollFd<'_>], timeout: c_int) -> Result<usize> {
    let n = fds.len();
    // SAFETY: PollFd is repr(transparent) over libc::pollfd, so the slice is `n` readable and
    // writable pollfds; each fd is borrowed for the slice's lifetime.
    let rc = unsafe { raw::poll(fds.as_mut_ptr().cast(), n as libc::nfds_t, timeout) };
    cvt(rc, "poll", || format!("{n} fds, {timeout}")).map(|n| n as usize)
}
