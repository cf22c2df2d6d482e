//! Signals as a socket program meets them: sigaction(2) (`SIGPIPE`, a handler that makes a
//! blocking call return `EINTR`), pthread_sigmask(3) and signalfd(2) (a signal read like data
//! from a poll loop), kill(2) and pthread_kill(3), and getrlimit(2)/setrlimit(2) for the fd limit.
//!
//! The raw twins (`unsafe fn`s with C's exact signatures) live in [`raw`] here, as in
//! `sys::ns` (feature `experiments`). These calls are not socket calls and are not traced.

use std::mem;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::os::raw::c_int;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use super::{cvt, Errno, Error, Result};

pub use libc::{
    RLIMIT_NOFILE, SFD_CLOEXEC, SFD_NONBLOCK, SIGINT, SIGPIPE, SIGTERM, SIGUSR1, SIGUSR2,
    SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK,
};

/// The calls of this module as `unsafe fn`s with C's exact signatures.
pub mod raw {
    use std::os::raw::c_int;

    /// `sigemptyset(set)` — sigsetops(3). Returns 0 or -1.
    ///
    /// # Safety
    /// `set` must point to a writable `sigset_t`.
    #[doc = man_links!(sigemptyset(3))]
    pub unsafe fn sigemptyset(set: *mut libc::sigset_t) -> c_int {
        // SAFETY: `set` points to a writable sigset_t (# Safety above), all sigemptyset(3) writes.
        unsafe { libc::sigemptyset(set) }
    }

    /// `sigaddset(set, signum)` — sigsetops(3). Returns 0 or -1 (`EINVAL` for a bad signal).
    ///
    /// # Safety
    /// `set` must point to a `sigset_t` initialised by `sigemptyset`/`sigfillset`.
    #[doc = man_links!(sigaddset(3))]
    pub unsafe fn sigaddset(set: *mut libc::sigset_t, signum: c_int) -> c_int {
        // SAFETY: `set` points to a sigset_t that sigemptyset or sigfillset initialised
        // (# Safety above); a bad `signum` is refused with EINVAL.
        unsafe { libc::sigaddset(set, signum) }
    }

    /// `sigaction(signum, act, oldact)` — sigaction(2). Returns 0 or -1.
    ///
    /// # Safety
    /// `act` and `oldact` must each be NULL or point to a valid `struct sigaction` (readable,
    /// respectively writable); a handler in `act` must be async-signal-safe for the program's
    /// lifetime.
    #[doc = man_links!(sigaction(2))]
    pub unsafe fn sigaction(
        signum: c_int,
        act: *const libc::sigaction,
        oldact: *mut libc::sigaction,
    ) -> c_int {
        // SAFETY: `act` is NULL or a readable sigaction whose handler stays async-signal-safe,
        // `oldact` NULL or writable (# Safety above).
        unsafe { libc::sigaction(signum, act, oldact) }
    }

    /// `pthread_sigmask(how, set, oldset)` — pthread_sigmask(3). Returns 0 or an errno value
    /// (not -1: the pthread convention).
    ///
    /// # Safety
    /// `set` and `oldset` must each be NULL or point to a valid `sigset_t`.
    #[doc = man_links!(pthread_sigmask(3))]
    pub unsafe fn pthread_sigmask(
        how: c_int,
        set: *const libc::sigset_t,
        oldset: *mut libc::sigset_t,
    ) -> c_int {
        // SAFETY: `set` is NULL or a readable sigset_t and `oldset` NULL or a writable one
        // (# Safety above).
        unsafe { libc::pthread_sigmask(how, set, oldset) }
    }

    /// `signalfd(fd, mask, flags)` — signalfd(2). Returns an fd or -1.
    ///
    /// # Safety
    /// `mask` must point to a valid `sigset_t`; `fd` must be -1 or a signalfd the caller owns.
    /// The caller owns (must close) a new fd.
    #[doc = man_links!(signalfd(2))]
    pub unsafe fn signalfd(fd: c_int, mask: *const libc::sigset_t, flags: c_int) -> c_int {
        // SAFETY: `mask` is a readable sigset_t and `fd` is -1 or a signalfd the caller owns
        // (# Safety above); the caller owns a new fd.
        unsafe { libc::signalfd(fd, mask, flags) }
    }

    /// `kill(pid, sig)` — kill(2). Returns 0 or -1.
    ///
    /// # Safety
    /// Always safe as far as memory goes; `unsafe` for symmetry with the other raw calls.
    #[doc = man_links!(kill(2))]
    pub unsafe fn kill(pid: libc::pid_t, sig: c_int) -> c_int {
        // SAFETY: kill(2) reads and writes no caller memory.
        unsafe { libc::kill(pid, sig) }
    }

    /// `pthread_kill(thread, sig)` — pthread_kill(3). Returns 0 or an errno value.
    ///
    /// # Safety
    /// `thread` must be a thread of this process that has not been joined or detached-and-ended.
    #[doc = man_links!(pthread_kill(3))]
    pub unsafe fn pthread_kill(thread: libc::pthread_t, sig: c_int) -> c_int {
        // SAFETY: `thread` is a thread of this process that has not been joined nor ended detached
        // (# Safety above), so its pthread_t is still valid.
        unsafe { libc::pthread_kill(thread, sig) }
    }

    /// `getrlimit(resource, rlim)` — getrlimit(2). Returns 0 or -1.
    ///
    /// # Safety
    /// `rlim` must point to a writable `struct rlimit`.
    #[doc = man_links!(getrlimit(2))]
    pub unsafe fn getrlimit(resource: libc::__rlimit_resource_t, rlim: *mut libc::rlimit) -> c_int {
        // SAFETY: `rlim` points to a writable rlimit (# Safety above), all getrlimit(2) writes.
        unsafe { libc::getrlimit(resource, rlim) }
    }

    /// `setrlimit(resource, rlim)` — setrlimit(2). Returns 0 or -1.
    ///
    /// # Safety
    /// `rlim` must point to a readable `struct rlimit`.
    #[doc = man_links!(setrlimit(2))]
    pub unsafe fn setrlimit(
        resource: libc::__rlimit_resource_t,
        rlim: *const libc::rlimit,
    ) -> c_int {
        // SAFETY: `rlim` points to a readable rlimit (# Safety above), all setrlimit(2) reads.
        unsafe { libc::setrlimit(resource, rlim) }
    }
}

/// A `sigset_t`, built with sigemptyset(3) and sigaddset(3): the mask [`pthread_sigmask`],
/// [`signalfd`], [`pselect`](super::pselect) and [`epoll_pwait`](super::epoll_pwait) take.
/// `as_ref()` lends the `sigset_t` itself, for the raw calls.
#[derive(Copy, Clone)]
pub struct SigSet(libc::sigset_t);

/// The initialised `sigset_t`, as C's `&set` (for [`sys::raw`](crate::sys::raw)'s calls).
impl AsRef<libc::sigset_t> for SigSet {
    fn as_ref(&self) -> &libc::sigset_t {
        &self.0
    }
}

impl SigSet {
    /// `sigemptyset(&set)` then `sigaddset(&set, s)` for each signal — sigsetops(3).
    ///
    #[doc = errors_doc!(sigaddset)]
    #[doc = man_links!(sigsetops(3))]
    #[doc(alias = "sigemptyset")]
    #[doc(alias = "sigaddset")]
    pub fn of(signals: &[c_int]) -> Result<SigSet> {
        let mut set: libc::sigset_t = super::zeroed::zeroed();
        // SAFETY: `set` is a live, writable sigset_t.
        let rc = unsafe { raw::sigemptyset(&mut set) };
        cvt(rc, "sigemptyset", String::new)?;
        for &s in signals {
            // SAFETY: `set` was initialised by sigemptyset just above.
            let rc = unsafe { raw::sigaddset(&mut set, s) };
            cvt(rc, "sigaddset", || format!("{s}"))?;
        }
        Ok(SigSet(set))
    }
}

/// What [`sigaction`] installs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SigAction {
    /// `SIG_DFL`: the default action (`SIGPIPE`, `SIGINT`, `SIGTERM` end the process).
    Default,
    /// `SIG_IGN`: the signal is discarded (a Rust program starts with `SIGPIPE` ignored).
    Ignore,
    /// A handler that only counts the delivery ([`interrupts`]), installed **without**
    /// `SA_RESTART`: a blocking `recv`, `accept`, `poll`… interrupted by the signal returns
    /// `EINTR`, as in C.
    Interrupt,
}

static INTERRUPTS: AtomicU32 = AtomicU32::new(0);

/// The [`SigAction::Interrupt`] handler: one relaxed atomic add, which is async-signal-safe.
extern "C" fn count_interrupt(_sig: c_int) {
    INTERRUPTS.fetch_add(1, Relaxed);
}

/// How many signals the [`SigAction::Interrupt`] handler has caught in this process.
pub fn interrupts() -> u32 {
    INTERRUPTS.load(Relaxed)
}

/// `sigaction(signum, &act, NULL)` — sigaction(2), with `sa_flags = 0` and an empty `sa_mask`.
///
/// Rust offers the three dispositions of [`SigAction`] rather than a function pointer, so no
/// handler that is not async-signal-safe can be installed through the safe layer.
///
#[doc = errors_doc!(sigaction)]
///
/// # Example
/// ```
/// use socklab::sys::signal::{sigaction, SigAction, SIGUSR2};
/// sigaction(SIGUSR2, SigAction::Ignore)?;
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(sigaction(2))]
pub fn sigaction(signum: c_int, action: SigAction) -> Result<()> {
    // A fault signal whose handler returns re-runs the faulting instruction forever.
    const FAULTS: [c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];
    if action == SigAction::Interrupt && FAULTS.contains(&signum) {
        return Err(super::refuse(
            Errno::EINVAL,
            "sigaction",
            format!("{signum}, count_interrupt, NULL"),
            "a handler that returns from SIGSEGV/SIGBUS/SIGILL/SIGFPE would fault again at once",
        ));
    }
    // All zeroes is SIG_DFL, no flags, an empty mask.
    let mut act: libc::sigaction = super::zeroed::zeroed();
    let name = match action {
        SigAction::Default => {
            act.sa_sigaction = libc::SIG_DFL;
            "SIG_DFL"
        }
        SigAction::Ignore => {
            act.sa_sigaction = libc::SIG_IGN;
            "SIG_IGN"
        }
        SigAction::Interrupt => {
            act.sa_sigaction = count_interrupt as extern "C" fn(c_int) as libc::sighandler_t;
            "{sa_handler=count_interrupt, sa_flags=0}"
        }
    };
    // SAFETY: `act` is a live struct sigaction, `oldact` is NULL; the only handler that can be
    // in it, count_interrupt, is async-signal-safe and lives for the whole program.
    let rc = unsafe { raw::sigaction(signum, &act, std::ptr::null_mut()) };
    cvt(rc, "sigaction", || format!("{signum}, {name}, NULL")).map(drop)
}

/// `pthread_sigmask(how, &set, &old)` — pthread_sigmask(3), for the calling thread; returns the
/// old mask. Threads spawned afterwards inherit the new mask.
///
#[doc = errors_doc!(pthread_sigmask)]
///
/// The pthread call returns the error number instead of setting `errno`; Rust turns it into an
/// [`Error`].
///
/// # Example
/// ```
/// use socklab::sys::signal::{pthread_sigmask, SigSet, SIGUSR2, SIG_BLOCK, SIG_SETMASK};
/// std::thread::spawn(|| {
///     let old = pthread_sigmask(SIG_BLOCK, &SigSet::of(&[SIGUSR2])?)?; // this thread only
///     pthread_sigmask(SIG_SETMASK, &old)?;                             // and back
///     Ok::<(), socklab::Error>(())
/// }).join().unwrap()?;
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(pthread_sigmask(3))]
pub fn pthread_sigmask(how: c_int, set: &SigSet) -> Result<SigSet> {
    let mut old = *set;
    // SAFETY: `set.0` is an initialised sigset_t and `old.0` a writable one.
    let rc = unsafe { raw::pthread_sigmask(how, &set.0, &mut old.0) };
    if rc != 0 {
        return Err(Error::new(
            Errno::from_raw(rc),
            "pthread_sigmask",
            format!("{how}, set, old"),
        ));
    }
    Ok(old)
}

/// `signalfd(-1, &mask, flags)` — signalfd(2): a new fd that becomes readable when a signal in
/// `mask` is pending. The signals must also be blocked (with [`pthread_sigmask`] in every
/// thread) or their default action still runs.
///
#[doc = errors_doc!(signalfd)]
///
/// # Example
/// ```
/// use socklab::sys::signal::{signalfd, SigSet, SFD_CLOEXEC, SIGUSR2};
/// let fd = signalfd(&SigSet::of(&[SIGUSR2])?, SFD_CLOEXEC)?;
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(signalfd(2))]
pub fn signalfd(mask: &SigSet, flags: c_int) -> Result<OwnedFd> {
    // SAFETY: `mask.0` is an initialised sigset_t; fd -1 asks for a new fd, which we own.
    let fd = unsafe { raw::signalfd(-1, &mask.0, flags) };
    cvt(fd, "signalfd", || format!("-1, mask, {flags:#x}"))?;
    // SAFETY: signalfd returned a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `read(fd, &info, sizeof info)` — read(2) on a signalfd(2): one `struct signalfd_siginfo`
/// (128 bytes), of which Rust returns `ssi_signo`.
///
#[doc = errors_doc!(read_signalfd)]
#[doc = man_links!(read(2), signalfd(2))]
#[doc(alias = "read")]
#[doc(alias = "signalfd_siginfo")]
pub fn read_signalfd(fd: impl AsFd) -> Result<c_int> {
    let mut info = [0u8; mem::size_of::<libc::signalfd_siginfo>()];
    let n = super::read(fd.as_fd(), &mut info[..])?;
    if n < 4 {
        return Err(Error::new(
            Errno::EIO,
            "read",
            format!("signalfd, {n} bytes"),
        ));
    }
    Ok(u32::from_ne_bytes([info[0], info[1], info[2], info[3]]) as c_int)
}

/// `kill(pid, sig)` — kill(2).
///
#[doc = errors_doc!(kill)]
///
/// # Example
/// ```
/// use socklab::sys::signal::kill;
/// kill(std::process::id() as i32, 0)?; // signal 0: only checks that the process exists
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(kill(2))]
pub fn kill(pid: libc::pid_t, sig: c_int) -> Result<()> {
    // SAFETY: kill(2) takes no pointers.
    let rc = unsafe { raw::kill(pid, sig) };
    cvt(rc, "kill", || format!("{pid}, {sig}")).map(drop)
}

/// `pthread_kill(thread, sig)` — pthread_kill(3), to the thread behind a std `JoinHandle`.
///
/// Rust takes the `JoinHandle` rather than a bare `pthread_t`: while the handle is held the
/// thread has not been joined or detached, so its `pthread_t` cannot be reused (a thread that
/// already ended but is unjoined still answers, with 0 or `ESRCH`).
///
#[doc = errors_doc!(pthread_kill)]
///
/// The pthread call returns the error number instead of setting `errno`; Rust turns it into an
/// [`Error`].
///
/// # Example
/// ```
/// use socklab::sys::signal::pthread_kill;
/// let t = std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_millis(50)));
/// pthread_kill(&t, 0)?; // signal 0: only checks the thread
/// t.join().unwrap();
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(pthread_kill(3))]
pub fn pthread_kill<T>(thread: &std::thread::JoinHandle<T>, sig: c_int) -> Result<()> {
    use std::os::unix::thread::JoinHandleExt;
    let t = thread.as_pthread_t();
    // SAFETY: `thread` is borrowed, so it is neither joined nor detached: `t` names a live or
    // ended-but-unjoined thread, both valid targets.
    let rc = unsafe { raw::pthread_kill(t, sig) };
    if rc != 0 {
        return Err(Error::new(
            Errno::from_raw(rc),
            "pthread_kill",
            format!("thread, {sig}"),
        ));
    }
    Ok(())
}

/// `getrlimit(resource, &rlim)` — getrlimit(2): `(soft, hard)`.
///
#[doc = errors_doc!(getrlimit)]
///
/// # Example
/// ```
/// use socklab::sys::signal::{getrlimit, setrlimit, RLIMIT_NOFILE};
/// let (soft, hard) = getrlimit(RLIMIT_NOFILE)?;
/// assert!(soft <= hard);
/// setrlimit(RLIMIT_NOFILE, soft, hard)?; // unchanged: always allowed
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(getrlimit(2))]
pub fn getrlimit(resource: libc::__rlimit_resource_t) -> Result<(u64, u64)> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `r` is a live, writable struct rlimit.
    let rc = unsafe { raw::getrlimit(resource, &mut r) };
    cvt(rc, "getrlimit", || format!("{resource}"))?;
    Ok((r.rlim_cur, r.rlim_max))
}

/// `setrlimit(resource, &{soft, hard})` — setrlimit(2).
///
#[doc = errors_doc!(setrlimit)]
#[doc = man_links!(setrlimit(2))]
pub fn setrlimit(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> Result<()> {
    let r = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: `r` is a live, readable struct rlimit.
    let rc = unsafe { raw::setrlimit(resource, &r) };
    cvt(rc, "setrlimit", || {
        format!("{resource}, {{{soft}, {hard}}}")
    })
    .map(drop)
}
