//! `socket2`: `socket2::Socket::send` (which adds `MSG_NOSIGNAL`) and `Read::read` (its `recv`).

use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd};

use super::{End, Path, PathName};

/// Wraps `end` in a `socket2::Socket`.
pub(super) fn wrap(end: End) -> io::Result<Box<dyn Path>> {
    let stream = end.stream();
    Ok(Box::new(Socket2 {
        sock: end.fd.into(),
        stream,
    }))
}

/// `socket2`: `Socket::send` (which adds `MSG_NOSIGNAL`) / `Read::read` (its `recv`).
struct Socket2 {
    sock: socket2::Socket,
    stream: bool,
}
path_impl!(Socket2, PathName::Socket2, sock,
    send(s, buf) s.sock.send(buf),
    recv(s, buf) s.sock.read(buf));
