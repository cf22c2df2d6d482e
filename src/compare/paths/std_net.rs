//! `std`: the standard library's socket types over the same connected fd — `Read`/`Write` on
//! `TcpStream`/`UnixStream`, `send`/`recv` on `UdpSocket`/`UnixDatagram`.

use std::io::{self, Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{UnixDatagram, UnixStream};

use super::{End, Path, PathName, Transport};

/// Wraps `end` in std's socket type for its transport.
pub(super) fn wrap(end: End) -> io::Result<Box<dyn Path>> {
    let stream = end.stream();
    Ok(Box::new(Std {
        sock: StdSock::new(end.transport, end.fd),
        stream,
    }))
}

/// std's socket type for a transport.
enum StdSock {
    Tcp(TcpStream),
    Udp(UdpSocket),
    Unix(UnixStream),
    UnixDgram(UnixDatagram),
}

impl StdSock {
    fn new(transport: Transport, fd: OwnedFd) -> StdSock {
        match transport {
            Transport::Tcp => StdSock::Tcp(fd.into()),
            Transport::Udp => StdSock::Udp(fd.into()),
            Transport::Unix => StdSock::Unix(fd.into()),
            Transport::UnixDgram => StdSock::UnixDgram(fd.into()),
        }
    }
}

impl AsFd for StdSock {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            StdSock::Tcp(s) => s.as_fd(),
            StdSock::Udp(s) => s.as_fd(),
            StdSock::Unix(s) => s.as_fd(),
            StdSock::UnixDgram(s) => s.as_fd(),
        }
    }
}

/// `std`: `Read`/`Write` on the stream types, `send`/`recv` on the datagram types.
struct Std {
    sock: StdSock,
    stream: bool,
}
path_impl!(Std, PathName::Std, sock,
send(s, buf) match &mut s.sock {
    StdSock::Tcp(t) => t.write(buf),
    StdSock::Udp(u) => u.send(buf),
    StdSock::Unix(u) => u.write(buf),
    StdSock::UnixDgram(u) => u.send(buf),
},
recv(s, buf) match &mut s.sock {
    StdSock::Tcp(t) => t.read(buf),
    StdSock::Udp(u) => u.recv(buf),
    StdSock::Unix(u) => u.read(buf),
    StdSock::UnixDgram(u) => u.recv(buf),
});
