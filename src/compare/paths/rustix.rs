//! `rustix`: `rustix::net::{send, recv}` with empty flags (its `linux_raw` backend: the syscall
//! instruction inlined into the caller).

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{End, Path, PathName};

/// Wraps `end` in rustix's calls.
pub(super) fn wrap(end: End) -> io::Result<Box<dyn Path>> {
    let stream = end.stream();
    Ok(Box::new(Rustix { fd: end.fd, stream }))
}

/// `rustix`: `rustix::net::send` / `recv`, empty flags.
struct Rustix {
    fd: OwnedFd,
    stream: bool,
}
path_impl!(Rustix, PathName::Rustix, fd,
    send(s, buf) Ok(rustix::net::send(&s.fd, buf, rustix::net::SendFlags::empty())?),
    recv(s, buf) Ok(rustix::net::recv(&s.fd, buf, rustix::net::RecvFlags::empty())?.0));
