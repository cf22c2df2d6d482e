//! Waiting for readiness: poll(2) over an array of C's `struct pollfd` — [`PollFd`]s that
//! borrow their fds, a [`PollSet`] that holds the fds of a set that changes (a server's: accept
//! adds, close removes), or [`RawPollFd`]s carrying bare fd numbers, filled in `unsafe` (why:
//! [`poll`]'s "I/O safety").

use std::marker::PhantomData;
use std::ops::Index;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::raw::{c_int, c_short};

use super::{cvt, raw, Args, Result};

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

    /// Points the entry at another borrowed fd (C's `pfds[i].fd = fd;`); `revents` is cleared.
    pub fn set_fd(&mut self, fd: BorrowedFd<'fd>) {
        self.pfd.fd = fd.as_raw_fd();
        self.pfd.revents = 0;
    }

    /// The events the kernel reported (`revents`) after the last [`poll`].
    pub fn revents(&self) -> c_short {
        self.pfd.revents
    }

    /// The events asked for.
    pub fn events(&self) -> c_short {
        self.pfd.events
    }

    /// Sets the events asked for.
    pub fn set_events(&mut self, events: c_short) {
        self.pfd.events = events;
    }
}

impl AsFd for PollFd<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: `pfd.fd` was taken from a BorrowedFd<'fd> that outlives `self` (PhantomData).
        unsafe { BorrowedFd::borrow_raw(self.pfd.fd) }
    }
}

/// C's `struct pollfd` as is: an fd *number*, `events`, `revents`; it owns and borrows nothing.
///
/// So safe code can make only an empty slot — [`empty`](RawPollFd::empty), C's `fd = -1`, which
/// poll skips and answers with `revents` 0 — and [`clear_fd`](RawPollFd::clear_fd) one; a number
/// goes in through the `unsafe` [`new`](RawPollFd::new) and [`set_fd`](RawPollFd::set_fd), whose
/// caller vouches that the fd is theirs for every poll (what a poll does to a file:
/// [`poll`](poll#io-safety)). Without `unsafe`: [`PollFd`] borrows the fds of a fixed set, and
/// [`PollSet`] holds those of a set that grows on accept and shrinks on close.
///
/// A closed number gets `POLLNVAL`: the `unsafe` is I/O safety (a reused number names someone
/// else's file), not memory.
///
/// # Example
/// ```
/// use socklab::sys::{self, RawPollFd, AF_UNIX, POLLIN, SOCK_STREAM};
/// use std::os::fd::AsRawFd;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// // SAFETY: `b` is ours and outlives `pfds` and the poll below.
/// let mut pfds = [unsafe { RawPollFd::new(b.as_raw_fd(), POLLIN) }, RawPollFd::empty(POLLIN)];
/// sys::write(&a, b"x")?;
/// assert_eq!(sys::poll(&mut pfds, 1000)?, 1);
/// assert_eq!((pfds[0].revents(), pfds[1].revents()), (POLLIN, 0)); // the -1 slot is skipped
/// pfds[0].clear_fd(); // C's pfds[0].fd = -1: done with b
/// assert_eq!(pfds[0].fd(), -1);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(poll(2))]
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct RawPollFd(libc::pollfd);

impl RawPollFd {
    /// An entry asking for `events` on fd number `fd` (negative: skipped by poll).
    ///
    /// # Safety
    /// `fd` is negative, or, for every [`poll`] this entry (or a copy of it) is passed to while
    /// it holds `fd`, an open fd that the caller owns or borrows for that call — not a number
    /// the caller has closed, which may since name another owner's file.
    ///
    /// Safe code cannot build an entry from a bare number:
    /// ```compile_fail,E0133
    /// use socklab::sys::{RawPollFd, POLLIN};
    /// let rogue = RawPollFd::new(3, POLLIN); // fd 3: whose?
    /// ```
    pub unsafe fn new(fd: RawFd, events: c_short) -> RawPollFd {
        RawPollFd(libc::pollfd {
            fd,
            events,
            revents: 0,
        })
    }

    /// An empty slot asking for `events`: fd `-1`, which poll skips (its `revents` comes back
    /// 0). C's `pfds[i].fd = -1;` for a slot not in use yet.
    pub fn empty(events: c_short) -> RawPollFd {
        RawPollFd(libc::pollfd {
            fd: -1,
            events,
            revents: 0,
        })
    }

    /// `fd` (`-1` for an empty slot).
    pub fn fd(&self) -> RawFd {
        self.0.fd
    }

    /// Sets `fd` (C's `pfds[i].fd = newfd;`).
    ///
    /// # Safety
    /// As for [`new`](RawPollFd::new).
    ///
    /// Safe code cannot point an entry at a bare number:
    /// ```compile_fail,E0133
    /// use socklab::sys::RawPollFd;
    /// fn rogue(entry: &mut RawPollFd) {
    ///     entry.set_fd(3); // fd 3: whose?
    /// }
    /// ```
    pub unsafe fn set_fd(&mut self, fd: RawFd) {
        self.0.fd = fd;
    }

    /// Empties the slot (C's `pfds[i].fd = -1;`): poll skips it from now on.
    pub fn clear_fd(&mut self) {
        self.0.fd = -1;
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

/// C's growable `struct pollfd` array together with the fds it polls: a poll server's `pfds`
/// with `fd_count`, `fd_size` and `realloc`, where each slot holds its fd — an [`OwnedFd`] by
/// default, or any `F: AsFd` (a `BorrowedFd`, a `TcpStream`…).
///
/// A number is in the array only while the set holds its fd: it leaves with the fd
/// ([`take`](PollSet::take), [`swap_remove`](PollSet::swap_remove), [`remove`](PollSet::remove);
/// dropping the set drops, so closes, every fd it owns). So the loop that grows on accept and
/// shrinks on close needs no `unsafe`, and no poll can reach a closed number. [`poll`] takes
/// `&mut PollSet` as it takes a slice, and passes the array C would: the same slots in the same
/// order, `-1` for an empty one, so strace shows the same `poll([{fd=3, events=POLLIN}, …], …)`.
///
/// | C | `PollSet` |
/// |---|---|
/// | `pfds = malloc(sizeof *pfds * fd_size)` | [`with_capacity(fd_size)`](PollSet::with_capacity) |
/// | `pfds[fd_count].fd = newfd; pfds[fd_count].events = POLLIN; fd_count++` | [`push(newfd, POLLIN)`](PollSet::push) |
/// | `pfds[i].fd = -1` (then `close`) | [`take(i)`](PollSet::take) gives the fd back |
/// | `pfds[i].fd = newfd` into a free slot | [`replace(i, newfd)`](PollSet::replace) |
/// | `pfds[i] = pfds[fd_count-1]; fd_count--` | [`swap_remove(i)`](PollSet::swap_remove) |
/// | `pfds[i].revents` | [`revents(i)`](PollSet::revents) |
/// | `recv(pfds[i].fd, …)` | `recv(&pfds[i], …)` (indexing lends the fd) |
/// | `pfds[i].fd == listener` | `pfds[i].as_raw_fd() == listener`, or [`entries()`](PollSet::entries)`[i].fd()` |
///
/// # Example
/// A poll server's loop on a loopback listener (`examples/ports/pollserver.rs` ports Beej's
/// in full):
/// ```
/// use socklab::sys::{self, PollSet, SockAddr, AF_INET, POLLHUP, POLLIN, SOCK_STREAM};
/// use std::os::fd::AsRawFd;
/// let listener = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::bind(&listener, &SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()))?;
/// sys::listen(&listener, 10)?;
/// let client = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::connect(&client, &sys::getsockname(&listener)?)?;
///
/// let l = listener.as_raw_fd();
/// let mut pfds: PollSet = PollSet::with_capacity(5);
/// pfds.push(listener, POLLIN); // pfds[0]: the listener, held by the set
/// let mut hung_up = 0;
/// while hung_up == 0 {
///     sys::poll(&mut pfds, 1000)?;
///     let mut i = 0;
///     while i < pfds.len() {
///         if pfds.revents(i) & (POLLIN | POLLHUP) != 0 {
///             if pfds[i].as_raw_fd() == l {
///                 let newfd = sys::accept(&pfds[i], None)?;
///                 pfds.push(newfd, POLLIN);            // add_to_pfds
///                 sys::send(&client, b"bye", 0)?;
///                 sys::shutdown(&client, std::net::Shutdown::Write)?;
///             } else if sys::recv(&pfds[i], &mut [0u8; 256], 0)? == 0 {
///                 let fd = pfds.swap_remove(i).unwrap(); // del_from_pfds
///                 sys::close(fd)?;                       // close(pfds[i].fd)
///                 hung_up += 1;
///             }
///         }
///         i += 1;
///     }
/// }
/// assert_eq!(pfds.len(), 1); // the listener
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(poll(2))]
pub struct PollSet<F: AsFd = OwnedFd> {
    /// The array poll gets; `pfds[i].fd` is `fds[i]`'s number, or -1 when `fds[i]` is `None`.
    pfds: Vec<RawPollFd>,
    fds: Vec<Option<F>>,
}

impl<F: AsFd> PollSet<F> {
    /// An empty set.
    pub fn new() -> PollSet<F> {
        PollSet::with_capacity(0)
    }

    /// An empty set with room for `n` slots before it reallocates (C's `malloc(sizeof *pfds *
    /// fd_size)`).
    pub fn with_capacity(n: usize) -> PollSet<F> {
        PollSet {
            pfds: Vec::with_capacity(n),
            fds: Vec::with_capacity(n),
        }
    }

    /// Appends a slot asking for `events` on `fd`, which the set holds from now on.
    pub fn push(&mut self, fd: F, events: c_short) {
        let n = fd.as_fd().as_raw_fd();
        // SAFETY: the set holds `fd` (pushed just below) for as long as slot holds `n`: every
        // path that drops or hands back fds[i] empties or removes pfds[i] with it.
        self.pfds.push(unsafe { RawPollFd::new(n, events) });
        self.fds.push(Some(fd));
    }

    /// Appends an empty slot (fd -1, skipped by poll) asking for `events`, for
    /// [`replace`](PollSet::replace) to fill later.
    pub fn push_empty(&mut self, events: c_short) {
        self.pfds.push(RawPollFd::empty(events));
        self.fds.push(None);
    }

    /// Empties slot `i` (C's `pfds[i].fd = -1;`) and hands back its fd: poll skips the slot
    /// from now on, and the caller closes (or keeps) the fd. `None` if the slot was empty.
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn take(&mut self, i: usize) -> Option<F> {
        self.pfds[i].clear_fd();
        self.fds[i].take()
    }

    /// Puts `fd` in slot `i` (C's `pfds[i].fd = newfd;`), keeping the slot's `events` and
    /// clearing its `revents`; returns the fd the slot held, if any.
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn replace(&mut self, i: usize, fd: F) -> Option<F> {
        let n = fd.as_fd().as_raw_fd();
        let old = self.fds[i].replace(fd);
        let events = self.pfds[i].events();
        // SAFETY: slot `i` now holds the fd numbered `n` (replaced just above).
        self.pfds[i] = unsafe { RawPollFd::new(n, events) };
        old
    }

    /// Removes slot `i`, moving the last slot into its place (C's `pfds[i] =
    /// pfds[fd_count-1]; fd_count--;`), and hands back its fd (`None` for an empty slot).
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn swap_remove(&mut self, i: usize) -> Option<F> {
        self.pfds.swap_remove(i);
        self.fds.swap_remove(i)
    }

    /// Removes slot `i`, shifting the later slots down (C's `memmove`), and hands back its fd
    /// (`None` for an empty slot).
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn remove(&mut self, i: usize) -> Option<F> {
        self.pfds.remove(i);
        self.fds.remove(i)
    }

    /// The fd in slot `i`, or `None` for an empty slot or `i >= len()`.
    pub fn get(&self, i: usize) -> Option<&F> {
        self.fds.get(i).and_then(Option::as_ref)
    }

    /// The number of slots, empty ones included (C's `fd_count`: poll's `nfds`).
    pub fn len(&self) -> usize {
        self.pfds.len()
    }

    /// Whether the set has no slots.
    pub fn is_empty(&self) -> bool {
        self.pfds.is_empty()
    }

    /// The array poll gets: each slot's fd number (`-1` when empty), `events` and `revents`.
    pub fn entries(&self) -> &[RawPollFd] {
        &self.pfds
    }

    /// `pfds[i].revents` after the last [`poll`].
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn revents(&self, i: usize) -> c_short {
        self.pfds[i].revents()
    }

    /// Sets `pfds[i].events`.
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn set_events(&mut self, i: usize, events: c_short) {
        self.pfds[i].set_events(events);
    }
}

impl<F: AsFd> Default for PollSet<F> {
    fn default() -> PollSet<F> {
        PollSet::new()
    }
}

/// `&pfds[i]`: the fd in slot `i`, to pass where C passes `pfds[i].fd`.
impl<F: AsFd> Index<usize> for PollSet<F> {
    type Output = F;

    /// # Panics
    /// If `i >= len()` or slot `i` is empty (see [`get`](PollSet::get)).
    fn index(&self, i: usize) -> &F {
        match self.fds.get(i) {
            Some(Some(fd)) => fd,
            Some(None) => panic!("PollSet slot {i} is empty (fd -1)"),
            None => panic!("PollSet slot {i} out of range (len {})", self.len()),
        }
    }
}

impl<F: AsFd> std::fmt::Debug for PollSet<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.pfds).finish()
    }
}

mod private {
    pub trait Sealed {}

    /// The array [`poll`](super::poll) hands the kernel.
    pub trait Array {
        /// A pointer to `len` `struct pollfd`s, readable and writable while `self` is borrowed.
        fn pollfds(&mut self) -> (*mut libc::pollfd, usize);
    }
}

/// What [`poll`]'s array may hold: [`PollFd`] (borrowed fds) or [`RawPollFd`] (fd numbers).
/// Sealed; both are `#[repr(transparent)]` over `struct pollfd`.
pub trait PollEntry: private::Sealed {}
impl private::Sealed for PollFd<'_> {}
impl PollEntry for PollFd<'_> {}
impl private::Sealed for RawPollFd {}
impl PollEntry for RawPollFd {}

/// What [`poll`] takes as its array of `P`s: a slice, an array or a `Vec` of [`PollEntry`]s, or
/// a [`PollSet`] (whose entries are [`RawPollFd`]s). Sealed.
pub trait PollFds<P: PollEntry>: private::Array {}

impl<P: PollEntry> private::Array for [P] {
    fn pollfds(&mut self) -> (*mut libc::pollfd, usize) {
        // Both PollEntry types are repr(transparent) over libc::pollfd.
        (self.as_mut_ptr().cast(), self.len())
    }
}
impl<P: PollEntry> PollFds<P> for [P] {}

impl<P: PollEntry, const N: usize> private::Array for [P; N] {
    fn pollfds(&mut self) -> (*mut libc::pollfd, usize) {
        self.as_mut_slice().pollfds()
    }
}
impl<P: PollEntry, const N: usize> PollFds<P> for [P; N] {}

impl<P: PollEntry> private::Array for Vec<P> {
    fn pollfds(&mut self) -> (*mut libc::pollfd, usize) {
        self.as_mut_slice().pollfds()
    }
}
impl<P: PollEntry> PollFds<P> for Vec<P> {}

impl<F: AsFd> private::Array for PollSet<F> {
    fn pollfds(&mut self) -> (*mut libc::pollfd, usize) {
        self.pfds.as_mut_slice().pollfds()
    }
}
impl<F: AsFd> PollFds<RawPollFd> for PollSet<F> {}

/// `poll(fds, nfds, timeout)` — poll(2).
///
/// `fds` is C's array: a slice, array or `Vec` of [`PollFd`]s or of [`RawPollFd`]s, or a
/// [`PollSet`]; `nfds` is its length. `timeout` is in milliseconds (-1 waits forever, 0 returns
/// at once). Returns how many entries have non-zero `revents`; 0 on timeout. Never retries
/// `EINTR`.
///
/// # I/O safety
/// poll acts on every fd it is given: it runs the file's poll handler, and some handlers change
/// the file's state. On `/proc/self/mounts` (also `mountinfo`, `/proc/swaps`, `/proc/sys/*`) a
/// poll consumes the change event the file's owner waits for, so a stray poll of another
/// owner's fd number makes that owner miss a mount change. So safe code polls only fds it owns
/// or borrows, as for a read: every fd in `fds` is borrowed ([`PollFd`]), held by the
/// [`PollSet`], or vouched for by the `unsafe` that put its number in a [`RawPollFd`].
///
#[doc = errors_doc!(poll)]
///
/// # Example
/// ```
/// use socklab::sys::{self, PollFd, AF_UNIX, POLLIN, SOCK_STREAM};
/// use std::os::fd::AsFd;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// let mut fds = [PollFd::new(b.as_fd(), POLLIN)];
/// assert_eq!(sys::poll(&mut fds, 0)?, 0); // nothing to read yet
/// sys::write(&a, b"x")?;
/// assert_eq!(sys::poll(&mut fds, 1000)?, 1);
/// assert_ne!(fds[0].revents() & POLLIN, 0);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(poll(2))]
pub fn poll<P: PollEntry>(fds: &mut (impl PollFds<P> + ?Sized), timeout: c_int) -> Result<usize> {
    let (p, n) = private::Array::pollfds(fds);
    // SAFETY: `p` is `n` readable and writable pollfds borrowed for the call (every PollEntry
    // is repr(transparent) over libc::pollfd). Each fd in them is negative, borrowed (PollFd),
    // held by the PollSet, or vouched for by the `unsafe` that built the RawPollFd; a closed
    // number is the kernel's to report (POLLNVAL), not a memory hazard.
    let rc = unsafe { raw::poll(p, n as libc::nfds_t, timeout) };
    cvt(rc, "poll", || Args::poll(n, timeout)).map(|n| n as usize)
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
