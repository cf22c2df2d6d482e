//! Synchronous I/O multiplexing (sys/select.h): [`FdSet`] (C's `fd_set` with FD_ZERO, FD_SET,
//! FD_CLR, FD_ISSET), [`SelectSet`] (a select server's `master` set together with its fds),
//! select(2) and pselect(2), refusing any fd or `nfds` past `FD_SETSIZE`.
//!
//! select acts on every fd in its sets as poll does (it runs the file's poll handler: see
//! [`poll`](super::poll())'s "I/O safety"), so safe code puts in a set only fds it borrows
//! ([`FdSet::insert`]) or that the set holds ([`SelectSet`]); a bare number goes in through the
//! `unsafe` [`FdSet::set`].
//!
//! The kernel copies each set in and back out in whole `unsigned long`s (see [`FdSet`]).

use std::fmt;
use std::marker::PhantomData;
use std::ops::Index;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::raw::{c_int, c_ulong};
use std::ptr;

use libc::{timespec, timeval, FD_SETSIZE};

use super::signal::SigSet;
use super::{cvt, raw, Args, Errno, Error, Result};

// The kernel's whole-word copies of nfds <= FD_SETSIZE bits stay inside an fd_set.
const _: () = assert!(
    size_of::<libc::fd_set>() * 8 == FD_SETSIZE
        && size_of::<libc::fd_set>().is_multiple_of(size_of::<c_ulong>())
);

/// C's `fd_set`: a bit per fd number below `FD_SETSIZE` (1024), for fds borrowed for `'fd`.
///
/// Like C's, it stores fd *numbers* (the loop `for (i = 0; i <= fdmax; i++) if (FD_ISSET(i,
/// &read_fds))` ports as is), but safe code fills it only with fds it borrows:
/// [`insert`](FdSet::insert) takes a `BorrowedFd<'fd>`, so no select can reach a number after
/// its fd is closed. A bare number goes in through the `unsafe` [`set`](FdSet::set); a set
/// whose fds change while it is in use (a server's `master`) is a [`SelectSet`], which holds
/// them. Unlike C's macros, an fd outside `0..FD_SETSIZE` is refused (`EINVAL`) instead of
/// written past the set. `Copy`, so `read_fds = master;` is a plain assignment.
///
/// select acts on every fd in its sets, as poll does: what that does to a file is in
/// [`poll`](super::poll())'s "I/O safety".
///
/// The kernel copies each set in and back out in whole `unsigned long`s: `nfds` bits rounded up
/// to a multiple of 64, so `nfds` 5 reads and rewrites 8 bytes of each set, not 1 (see
/// [`raw::select`](super::raw::select)). An `FdSet` is `FD_SETSIZE` (1024) bits, 16 whole
/// words, and the safe calls refuse `nfds > FD_SETSIZE`, so the copy never leaves it.
///
/// # Example
/// ```
/// use socklab::sys::{self, FdSet, AF_UNIX, SOCK_STREAM};
/// use std::os::fd::{AsFd, AsRawFd};
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// let mut master = FdSet::new();
/// master.insert(b.as_fd())?; // FD_SET(b, &master)
/// sys::write(&a, b"x")?;
/// let mut read_fds = master; // a copy, which select rewrites
/// assert_eq!(sys::select(b.as_raw_fd() + 1, Some(&mut read_fds), None, None, None)?, 1);
/// assert!(read_fds.isset(b.as_raw_fd()));
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(select(2))]
#[doc(alias = "fd_set")]
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct FdSet<'fd> {
    set: libc::fd_set,
    _fd: PhantomData<BorrowedFd<'fd>>,
}

impl<'fd> FdSet<'fd> {
    /// An empty set: C's `fd_set s; FD_ZERO(&s);`.
    pub fn new() -> FdSet<'fd> {
        FdSet {
            // All zero bits is the empty set FD_ZERO makes.
            set: super::zeroed::zeroed(),
            _fd: PhantomData,
        }
    }

    /// `FD_ZERO(&set)` — select(2): clears every fd.
    pub fn zero(&mut self) {
        *self = FdSet::new();
    }

    /// Whether `fd` can be stored (`0 <= fd < FD_SETSIZE`).
    fn in_range(fd: RawFd) -> bool {
        (0..FD_SETSIZE as RawFd).contains(&fd)
    }

    /// FD_SET after the range check; the callers answer for the fd.
    fn store(&mut self, fd: RawFd) -> Result<()> {
        if !FdSet::in_range(fd) {
            return Err(super::refuse(
                Errno::EINVAL,
                "FD_SET",
                format!("fd {fd}"),
                format!("an fd_set holds fds 0..{FD_SETSIZE}; use poll or epoll"),
            ));
        }
        // SAFETY: `fd` is within 0..FD_SETSIZE, so FD_SET writes a bit inside the set.
        unsafe { libc::FD_SET(fd, &mut self.set) };
        Ok(())
    }

    /// `FD_SET(fd, &set)` — select(2), for an fd borrowed for as long as the set lives.
    ///
    /// # Errors
    /// `EINVAL` if `fd >= FD_SETSIZE`: C's macro would write outside the set.
    #[doc(alias = "FD_SET")]
    pub fn insert(&mut self, fd: BorrowedFd<'fd>) -> Result<()> {
        self.store(fd.as_raw_fd())
    }

    /// `FD_SET(fd, &set)` — select(2), for a bare fd number.
    ///
    /// # Errors
    /// `EINVAL` if `fd` is negative or `>= FD_SETSIZE`: C's macro would write outside the set.
    /// Nothing is stored then.
    ///
    /// # Safety
    /// For every [`select`] or [`pselect`] this set (or a copy of it) is passed to while it
    /// holds `fd`, `fd` is an open fd that the caller owns or borrows for that call — not a
    /// number the caller has closed, which may since name another owner's file.
    ///
    /// Safe code cannot put a bare number in a set:
    /// ```compile_fail,E0133
    /// use socklab::sys::FdSet;
    /// let mut rogue = FdSet::new();
    /// rogue.set(3)?; // fd 3: whose?
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub unsafe fn set(&mut self, fd: RawFd) -> Result<()> {
        self.store(fd)
    }

    /// `FD_CLR(fd, &set)` — select(2). An fd outside the set's range is not in it: no-op.
    pub fn clr(&mut self, fd: RawFd) {
        if FdSet::in_range(fd) {
            // SAFETY: `fd` is within 0..FD_SETSIZE, so FD_CLR writes a bit inside the set.
            unsafe { libc::FD_CLR(fd, &mut self.set) };
        }
    }

    /// `FD_ISSET(fd, &set)` — select(2). `false` for an fd outside the set's range.
    pub fn isset(&self, fd: RawFd) -> bool {
        // SAFETY: `fd` is within 0..FD_SETSIZE, so FD_ISSET reads a bit inside the set.
        FdSet::in_range(fd) && unsafe { libc::FD_ISSET(fd, &self.set) }
    }

    /// The fds in the set, ascending (after select: the ready ones). Collect them when the
    /// set borrows from a [`SelectSet`] that the loop over them changes.
    pub fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
        (0..FD_SETSIZE as RawFd).filter(|&fd| self.isset(fd))
    }

    fn ptr(set: Option<&mut FdSet<'_>>) -> *mut libc::fd_set {
        set.map_or(ptr::null_mut(), |s| &mut s.set)
    }
}

impl Default for FdSet<'_> {
    fn default() -> Self {
        FdSet::new()
    }
}

impl fmt::Debug for FdSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.fds()).finish()
    }
}

/// A select server's `master` set together with the fds in it: C's `fd_set master` whose
/// `int`s, here, are held — an [`OwnedFd`] by default, or any `F: AsFd`.
///
/// A number is in the set only while the set holds its fd ([`insert`](SelectSet::insert) takes
/// the fd, [`remove`](SelectSet::remove) hands it back, dropping the set drops every fd it
/// owns), so the loop that grows on accept and shrinks on close needs no `unsafe`.
/// [`fd_set`](SelectSet::fd_set) is C's `read_fds = master;`: an [`FdSet`] borrowing the set's
/// fds, for select to rewrite. The kernel sees the same `fd_set` bits as C's, so strace shows
/// the same `pselect6(…)` line.
///
/// | C | `SelectSet` |
/// |---|---|
/// | `FD_ZERO(&master)` | [`SelectSet::new()`](SelectSet::new) |
/// | `FD_SET(newfd, &master)` | [`insert(newfd)`](SelectSet::insert) |
/// | `close(i); FD_CLR(i, &master)` | `close(`[`remove(i)`](SelectSet::remove)`)` |
/// | `FD_ISSET(i, &master)` | [`isset(i)`](SelectSet::isset) |
/// | `read_fds = master` | [`fd_set()`](SelectSet::fd_set) |
/// | `recv(i, …)` | `recv(&master[i], …)` (indexing lends the fd) |
///
/// While `read_fds` borrows the set, the set cannot change; C's loop over the ready fds
/// changes it (accept, close), so it reads the ready numbers out first:
/// `let ready: Vec<RawFd> = read_fds.fds().collect();`.
///
/// # Example
/// A select server's loop on a loopback listener (`examples/ports/selectserver.rs` ports
/// Beej's in full):
/// ```
/// use socklab::sys::{self, SelectSet, SockAddr, AF_INET, SOCK_STREAM};
/// use std::os::fd::{AsRawFd, RawFd};
/// let listener = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::bind(&listener, &SockAddr::from("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()))?;
/// sys::listen(&listener, 10)?;
/// let client = sys::socket(AF_INET, SOCK_STREAM, 0)?;
/// sys::connect(&client, &sys::getsockname(&listener)?)?;
///
/// let mut master: SelectSet = SelectSet::new();
/// let l = master.insert(listener)?; // FD_SET(listener, &master)
/// let mut fdmax = l;
/// let mut hung_up = 0;
/// while hung_up == 0 {
///     let mut read_fds = master.fd_set(); // read_fds = master
///     sys::select(fdmax + 1, Some(&mut read_fds), None, None, None)?;
///     let ready: Vec<RawFd> = read_fds.fds().collect();
///     for i in ready {
///         if i == l {
///             let newfd = sys::accept(&master[l], None)?;
///             fdmax = fdmax.max(master.insert(newfd)?);
///             sys::shutdown(&client, std::net::Shutdown::Write)?;
///         } else if sys::recv(&master[i], &mut [0u8; 256], 0)? == 0 {
///             sys::close(master.remove(i).unwrap())?; // close(i); FD_CLR(i, &master)
///             hung_up += 1;
///         }
///     }
/// }
/// assert_eq!(master.fds().collect::<Vec<_>>(), [l]);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(select(2))]
pub struct SelectSet<F: AsFd = OwnedFd> {
    /// The bits of the fds in `fds` (no others): fd `i` is set iff `fds[i]` is `Some`.
    bits: FdSet<'static>,
    /// Indexed by fd number; never ends with `None`.
    fds: Vec<Option<F>>,
    len: usize,
}

impl<F: AsFd> SelectSet<F> {
    /// An empty set: C's `fd_set master; FD_ZERO(&master);`.
    pub fn new() -> SelectSet<F> {
        SelectSet {
            bits: FdSet::new(),
            fds: Vec::new(),
            len: 0,
        }
    }

    /// `FD_SET(fd, &master)` — select(2): the set holds `fd` from now on. Returns its number.
    ///
    /// If the set already holds a handle on the same fd (possible only for shared handles,
    /// such as two `BorrowedFd`s of one fd), the new handle replaces the old, which is dropped.
    ///
    /// # Errors
    /// `EINVAL` if the fd's number is `>= FD_SETSIZE` (C's macro would write outside the set);
    /// the [`InsertError`] hands the fd back, still open.
    #[doc(alias = "FD_SET")]
    pub fn insert(&mut self, fd: F) -> std::result::Result<RawFd, InsertError<F>> {
        let n = fd.as_fd().as_raw_fd();
        if let Err(error) = self.bits.store(n) {
            return Err(InsertError { error, fd });
        }
        // `store` accepted `n`, so it is in 0..FD_SETSIZE.
        let i = n as usize;
        if self.fds.len() <= i {
            self.fds.resize_with(i + 1, || None);
        }
        if self.fds[i].replace(fd).is_none() {
            self.len += 1;
        }
        Ok(n)
    }

    /// `FD_CLR(fd, &master)` — select(2), handing the fd back (the caller closes it, as C's
    /// `close(i); FD_CLR(i, &master);` does, or keeps it). `None` if `fd` is not in the set.
    pub fn remove(&mut self, fd: RawFd) -> Option<F> {
        let slot = usize::try_from(fd).ok().and_then(|i| self.fds.get_mut(i))?;
        let held = slot.take()?;
        self.bits.clr(fd);
        self.len -= 1;
        while let Some(None) = self.fds.last() {
            self.fds.pop();
        }
        Some(held)
    }

    /// The fd numbered `fd`, if the set holds it.
    pub fn get(&self, fd: RawFd) -> Option<&F> {
        let i = usize::try_from(fd).ok()?;
        self.fds.get(i).and_then(Option::as_ref)
    }

    /// `FD_ISSET(fd, &master)` — select(2): whether the set holds `fd`.
    pub fn isset(&self, fd: RawFd) -> bool {
        self.get(fd).is_some()
    }

    /// The numbers of the fds in the set, ascending.
    pub fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
        let held = self.fds.iter().enumerate();
        held.filter_map(|(i, f)| f.as_ref().map(|_| i as RawFd))
    }

    /// The highest fd number in the set (`nfds` is this + 1), or `None` for an empty set.
    pub fn max_fd(&self) -> Option<RawFd> {
        self.fds.len().checked_sub(1).map(|i| i as RawFd)
    }

    /// How many fds the set holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no fd.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// C's `read_fds = master;`: an [`FdSet`] with the set's fds, borrowing them, for
    /// [`select`] to rewrite with the ready ones.
    pub fn fd_set(&self) -> FdSet<'_> {
        self.bits
    }
}

impl<F: AsFd> Default for SelectSet<F> {
    fn default() -> SelectSet<F> {
        SelectSet::new()
    }
}

/// `&master[fd]`: the fd numbered `fd`, to pass where C passes the number.
impl<F: AsFd> Index<RawFd> for SelectSet<F> {
    type Output = F;

    /// # Panics
    /// If the set does not hold `fd` (see [`get`](SelectSet::get)).
    fn index(&self, fd: RawFd) -> &F {
        self.get(fd)
            .unwrap_or_else(|| panic!("SelectSet holds no fd {fd}"))
    }
}

impl<F: AsFd> fmt::Debug for SelectSet<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.fds()).finish()
    }
}

/// An fd [`SelectSet::insert`] refused, handed back with the error: its number is not below
/// `FD_SETSIZE`. Converts into the [`Error`] (`?` does it), dropping the fd.
pub struct InsertError<F> {
    error: Error,
    fd: F,
}

impl<F> InsertError<F> {
    /// Why: `FD_SET(fd N): EINVAL (…)` with a note.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The fd, still open.
    pub fn into_fd(self) -> F {
        self.fd
    }
}

impl<F> From<InsertError<F>> for Error {
    fn from(e: InsertError<F>) -> Error {
        e.error
    }
}

impl<F> fmt::Display for InsertError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<F> fmt::Debug for InsertError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InsertError")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<F> std::error::Error for InsertError<F> {}

/// select/pselect's `nfds`: at most `FD_SETSIZE`, or the kernel would read and write past the
/// sets.
fn check_nfds(call: &'static str, nfds: c_int) -> Result<()> {
    if nfds > FD_SETSIZE as c_int {
        return Err(super::refuse(
            Errno::EINVAL,
            call,
            format!("nfds {nfds}"),
            format!("an fd_set holds {FD_SETSIZE} fds"),
        ));
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
#[doc = errors_doc!(select)]
///
/// # Example
/// ```
/// use socklab::sys::{self, FdSet, AF_UNIX, SOCK_STREAM};
/// use std::os::fd::{AsFd, AsRawFd};
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// sys::write(&a, b"x")?;
/// let mut read_fds = FdSet::new();
/// read_fds.insert(b.as_fd())?;
/// assert_eq!(sys::select(b.as_raw_fd() + 1, Some(&mut read_fds), None, None, None)?, 1);
/// assert!(read_fds.isset(b.as_raw_fd()));
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(select(2))]
pub fn select(
    nfds: c_int,
    readfds: Option<&mut FdSet<'_>>,
    writefds: Option<&mut FdSet<'_>>,
    exceptfds: Option<&mut FdSet<'_>>,
    timeout: Option<&mut timeval>,
) -> Result<usize> {
    check_nfds("select", nfds)?;
    let t = timeout.map_or(ptr::null_mut(), |t| t as *mut timeval);
    let (r, w, e) = (
        FdSet::ptr(readfds),
        FdSet::ptr(writefds),
        FdSet::ptr(exceptfds),
    );
    // SAFETY: each set pointer is NULL or an exclusively borrowed fd_set of FD_SETSIZE bits,
    // 16 whole c_ulongs, and `nfds <= FD_SETSIZE` (checked; a negative one is EINVAL before any
    // copy), so the kernel's whole-word copies stay inside them. Their fds are borrowed for
    // the sets' lifetimes, held by a SelectSet, or vouched for by FdSet::set's caller. `t` is
    // NULL or an exclusively borrowed timeval.
    let rc = unsafe { raw::select(nfds, r, w, e, t) };
    cvt(rc, "select", || Args::select(nfds)).map(|n| n as usize)
}

/// `pselect(nfds, readfds, writefds, exceptfds, timeout, sigmask)` — pselect(2).
///
/// As [`select`], with a `timespec` that is not rewritten and a signal mask that replaces the
/// thread's for the wait (`None` = NULL, keeping the thread's): with a signal blocked in the
/// thread and left out of `sigmask`, the signal can interrupt only the wait, with no race
/// between checking a flag and waiting.
///
#[doc = errors_doc!(pselect)]
///
/// # Example
/// ```
/// use socklab::sys::{self, FdSet, AF_UNIX, SOCK_STREAM};
/// use socklab::sys::signal::{SigSet, SIGINT};
/// use std::os::fd::{AsFd, AsRawFd};
/// let (_a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// let mut read_fds = FdSet::new();
/// read_fds.insert(b.as_fd())?;
/// let zero = sys::timespec { tv_sec: 0, tv_nsec: 0 };
/// let mask = SigSet::of(&[SIGINT])?; // SIGINT blocked during the wait
/// let n = sys::pselect(b.as_raw_fd() + 1, Some(&mut read_fds), None, None, Some(&zero), Some(&mask))?;
/// assert_eq!(n, 0); // nothing to read
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(pselect(2))]
pub fn pselect(
    nfds: c_int,
    readfds: Option<&mut FdSet<'_>>,
    writefds: Option<&mut FdSet<'_>>,
    exceptfds: Option<&mut FdSet<'_>>,
    timeout: Option<&timespec>,
    sigmask: Option<&SigSet>,
) -> Result<usize> {
    check_nfds("pselect", nfds)?;
    let t = timeout.map_or(ptr::null(), |t| t as *const timespec);
    let m = sigmask.map_or(ptr::null(), |m| m.as_ref() as *const libc::sigset_t);
    let (r, w, e) = (
        FdSet::ptr(readfds),
        FdSet::ptr(writefds),
        FdSet::ptr(exceptfds),
    );
    // SAFETY: the sets and `nfds` as in `select`; `t` is NULL or a borrowed timespec and `m`
    // NULL or a SigSet's initialised sigset_t, both only read.
    let rc = unsafe { raw::pselect(nfds, r, w, e, t, m) };
    cvt(rc, "pselect", || Args::pselect(nfds)).map(|n| n as usize)
}
