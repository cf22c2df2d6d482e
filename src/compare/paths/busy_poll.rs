//! `libc-busy-poll`: `libc-send-recv`'s blocking `send`/`recv` on sockets with `SO_BUSY_POLL`
//! set (twin: `c-busy-poll`, `c-send-recv`'s loops on sockets set up here the same way).
//!
//! With `SO_BUSY_POLL` a blocking receive polls the device queue of the socket's NAPI instance
//! for up to that many µs before it sleeps: a NIC's, or veth's with GRO or XDP on. Loopback and
//! Unix sockets have no NAPI instance, so on them the option changes nothing and these rows
//! measure `libc-send-recv` and `c-send-recv` again: the run says so rather than hide the rows.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{End, Path, PathName};
use crate::sys::{self, opt::SoBusyPoll};

/// The busy-poll time set on both ends (each receives in rtt), µs: the value the kernel's
/// documentation suggests for `net.core.busy_read`.
pub const BUSY_POLL_US: u32 = 50;

/// Sets [`BUSY_POLL_US`] on `fd`: the setup of `libc-busy-poll` and `c-busy-poll` alike.
///
/// # Errors
/// `Unsupported` naming the errno where the kernel refuses it (`ENOPROTOOPT`: built without
/// `CONFIG_NET_RX_BUSY_POLL`; `EPERM`: a kernel that wants `CAP_NET_ADMIN` for a raise).
pub(super) fn set(path: PathName, fd: &OwnedFd) -> io::Result<()> {
    sys::set_opt(fd, SoBusyPoll, BUSY_POLL_US).map_err(|e| {
        io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{path}: setsockopt(SO_BUSY_POLL, {BUSY_POLL_US}): {e}"),
        )
    })
}

/// Wraps `end` in `libc-busy-poll`.
///
/// # Errors
/// [`set`]'s.
pub(super) fn wrap(end: End) -> io::Result<Box<dyn Path>> {
    set(PathName::LibcBusyPoll, &end.fd)?;
    let stream = end.stream();
    Ok(Box::new(BusyPoll { fd: end.fd, stream }))
}

/// `libc-busy-poll`: `send(2)` / `recv(2)`, flags 0, on a socket with `SO_BUSY_POLL` set.
struct BusyPoll {
    fd: OwnedFd,
    stream: bool,
}
path_impl!(BusyPoll, PathName::LibcBusyPoll, fd,
    send(s, buf) Ok(sys::send(&s.fd, buf, 0)?),
    recv(s, buf) Ok(sys::recv(&s.fd, buf, 0)?));
