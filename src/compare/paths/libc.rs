//! The `libc-*` per-call paths: one `socklab::sys` call each way (`write`/`read`,
//! `send`/`recv`, `sendto`/`recvfrom`, `sendmsg`/`recvmsg`), each the twin of a C loop.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{End, Path, PathName};
use crate::sys::{self, SockAddr};

/// Wraps `end` in the `libc-*` path `path` names.
///
/// # Errors
/// `InvalidInput` for a path that is not one of this family's.
pub(super) fn wrap(path: PathName, end: End) -> io::Result<Box<dyn Path>> {
    let stream = end.stream();
    let End { fd, peer, .. } = end;
    Ok(match path {
        PathName::LibcReadWrite => Box::new(ReadWrite { fd, stream }),
        PathName::LibcSendRecv => Box::new(SendRecv { fd, stream }),
        PathName::LibcSendtoRecvfrom => Box::new(SendtoRecvfrom { fd, stream, peer }),
        PathName::LibcSendmsgRecvmsg => Box::new(SendmsgRecvmsg { fd, stream }),
        other => return Err(super::not_in_family(other, "libc")),
    })
}

/// `libc-read-write`: `write(2)` / `read(2)`.
struct ReadWrite {
    fd: OwnedFd,
    stream: bool,
}
path_impl!(ReadWrite, PathName::LibcReadWrite, fd,
    send(s, buf) Ok(sys::write(&s.fd, buf)?),
    recv(s, buf) Ok(sys::read(&s.fd, buf)?));

/// `libc-send-recv`: `send(2)` / `recv(2)`, flags 0.
struct SendRecv {
    fd: OwnedFd,
    stream: bool,
}
path_impl!(SendRecv, PathName::LibcSendRecv, fd,
    send(s, buf) Ok(sys::send(&s.fd, buf, 0)?),
    recv(s, buf) Ok(sys::recv(&s.fd, buf, 0)?));

/// `libc-sendto-recvfrom`: `sendto(2)` to `peer` / `recvfrom(2)` with an address buffer.
struct SendtoRecvfrom {
    fd: OwnedFd,
    stream: bool,
    peer: SockAddr,
}
path_impl!(SendtoRecvfrom, PathName::LibcSendtoRecvfrom, fd,
    send(s, buf) Ok(sys::sendto(&s.fd, buf, 0, &s.peer)?),
    recv(s, buf) Ok(sys::recvfrom(&s.fd, buf, 0)?.0));

/// `libc-sendmsg-recvmsg`: `sendmsg(2)` / `recvmsg(2)` with one iovec, no address (the sockets
/// are connected) and no control data.
struct SendmsgRecvmsg {
    fd: OwnedFd,
    stream: bool,
}
path_impl!(SendmsgRecvmsg, PathName::LibcSendmsgRecvmsg, fd,
    send(s, buf) Ok(sys::sendmsg(&s.fd, None, &[IoSlice::new(buf)], None, 0)?),
    recv(s, buf) Ok(sys::recvmsg(&s.fd, &mut [IoSliceMut::new(buf)], None, 0)?.bytes));
