//! File-descriptor flags through fcntl(2): `O_NONBLOCK` (`F_GETFL`/`F_SETFL`) and `FD_CLOEXEC`
//! (`F_GETFD`/`F_SETFD`), the two a socket program toggles.

use std::os::fd::{AsFd, AsRawFd};
use std::os::raw::c_int;

use super::{cvt, raw, Args, Result};

/// The `fcntl` commands the safe layer offers: each takes an `int` argument or none, which is what
/// makes them safe to call (the pointer-taking commands are left to [`raw::fcntl`]'s caller).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FcntlArg {
    /// `F_GETFL`: the file status flags (`O_NONBLOCK`, `O_RDWR`…).
    GetFl,
    /// `F_SETFL, flags`: sets the status flags, exactly the value given (read them first and OR
    /// `O_NONBLOCK` in to keep the others).
    SetFl(c_int),
    /// `F_GETFD`: the descriptor flags (`FD_CLOEXEC`).
    GetFd,
    /// `F_SETFD, flags`: sets the descriptor flags.
    SetFd(c_int),
}

impl FcntlArg {
    fn parts(self) -> (c_int, c_int) {
        match self {
            FcntlArg::GetFl => (libc::F_GETFL, 0),
            FcntlArg::SetFl(v) => (libc::F_SETFL, v),
            FcntlArg::GetFd => (libc::F_GETFD, 0),
            FcntlArg::SetFd(v) => (libc::F_SETFD, v),
        }
    }
}

/// `fcntl(fd, cmd, arg)` — fcntl(2), for the flag commands in [`FcntlArg`].
///
/// Returns C's return value: the flags for the `Get` commands, 0 for the `Set` ones. Flags are set
/// exactly as given, so `SetFl(O_NONBLOCK)` clears every other status flag — as in C.
///
#[doc = errors_doc!(fcntl)]
///
/// # Example
/// ```
/// use socklab::sys::{self, FcntlArg, AF_INET, FD_CLOEXEC, O_NONBLOCK, SOCK_CLOEXEC, SOCK_STREAM};
/// let fd = sys::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)?;
/// assert_eq!(sys::fcntl(&fd, FcntlArg::GetFd)? & FD_CLOEXEC, FD_CLOEXEC);
/// let fl = sys::fcntl(&fd, FcntlArg::GetFl)?;
/// sys::fcntl(&fd, FcntlArg::SetFl(fl | O_NONBLOCK))?;
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(fcntl(2))]
pub fn fcntl(fd: impl AsFd, cmd: FcntlArg) -> Result<c_int> {
    let fd = fd.as_fd().as_raw_fd();
    let (c, arg) = cmd.parts();
    // SAFETY: every FcntlArg command takes an int argument or none, never a pointer.
    let rc = unsafe { raw::fcntl(fd, c, arg) };
    cvt(rc, "fcntl", || Args::fcntl(fd, c, arg))
}
