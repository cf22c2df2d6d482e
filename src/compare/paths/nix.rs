//! `nix`: `nix::sys::socket::{send, recv}` with empty flags, on the raw fd as nix 0.32 takes it.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use super::{End, Path, PathName};

/// Wraps `end` in nix's calls.
pub(super) fn wrap(end: End) -> io::Result<Box<dyn Path>> {
    let stream = end.stream();
    Ok(Box::new(Nix { fd: end.fd, stream }))
}

/// `nix`: `nix::sys::socket::send` / `recv`, empty flags.
struct Nix {
    fd: OwnedFd,
    stream: bool,
}
path_impl!(Nix, PathName::Nix, fd,
send(s, buf) {
    use nix::sys::socket::{send, MsgFlags};
    Ok(send(s.fd.as_raw_fd(), buf, MsgFlags::empty())?)
},
recv(s, buf) {
    use nix::sys::socket::{recv, MsgFlags};
    Ok(recv(s.fd.as_raw_fd(), buf, MsgFlags::empty())?)
});
