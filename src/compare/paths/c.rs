//! The C loops, linked in-process: the floor `c` ([`cfloor`]: `c/pingpong.c`), its twins with
//! the same syscalls as each `libc-*` path (`c/twins.c`: `c-send-recv`, `c-sendto-recvfrom`,
//! `c-sendmsg-recvmsg`, `c-mmsg`) and the inline-syscall floor `c-inline`.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{End, Path, PathName};
use crate::compare::cfloor;
use crate::compare::cfloor::twins::{self, Call};
use crate::sys::SockAddr;

/// Wraps `end` in the C loop `path` names.
///
/// # Errors
/// `Unsupported` for `c-inline` where the inline floor is not built (x86_64 Linux only);
/// `twins::Mmsg::new`'s error; `InvalidInput` for a path that is not a C loop.
pub(super) fn wrap(path: PathName, end: End) -> io::Result<Box<dyn Path>> {
    let stream = end.stream();
    let End { fd, peer, size, .. } = end;
    let twin = |call, fd| -> Box<dyn Path> {
        let peer = (call == Call::SendtoRecvfrom).then_some(peer);
        Box::new(CTwin {
            fd,
            stream,
            call,
            path,
            peer,
        })
    };
    Ok(match path {
        PathName::C => Box::new(CFloor { fd, stream }),
        PathName::CSendRecv => twin(Call::SendRecv, fd),
        PathName::CSendtoRecvfrom => twin(Call::SendtoRecvfrom, fd),
        PathName::CSendmsgRecvmsg => twin(Call::SendmsgRecvmsg, fd),
        PathName::CInline if !twins::have_inline() => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "c-inline: the inline syscall floor is built for x86_64 Linux only",
            ))
        }
        PathName::CInline => twin(Call::Inline, fd),
        PathName::CMmsg => Box::new(CMmsg {
            m: twins::Mmsg::new(1, size.max(1))?,
            fd,
            stream,
        }),
        other => return Err(super::not_in_family(other, "c")),
    })
}

/// `c`: the C floor of [`cfloor`]: `sl_c_send_msg`/`sl_c_recv_msg` one way, `sl_c_pair_once`,
/// `sl_c_rtt_once` and `sl_c_echo` for the other modes. Its single calls already move a whole
/// message, so the provided `send_msg`/`recv_msg` make exactly one C call each.
struct CFloor {
    fd: OwnedFd,
    stream: bool,
}

impl Path for CFloor {
    fn name(&self) -> PathName {
        PathName::C
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    /// `sl_c_send_msg`: all of `buf` (a stream) or one datagram.
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        cfloor::send_msg(&self.fd, buf, self.stream).map(|()| buf.len())
    }
    /// `sl_c_recv_msg`: `buf.len()` bytes (a stream) or one datagram; `read()` returning 0
    /// (the C floor's `PEER_CLOSED`) is `Ok(0)` here, as for every other path's `recv`.
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match cfloor::recv_msg(&self.fd, buf, self.stream) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && e.raw_os_error().is_none() => {
                Ok(0)
            }
            r => r,
        }
    }
    fn rtt_once(&mut self, buf: &mut [u8]) -> io::Result<()> {
        cfloor::rtt_once(&self.fd, buf, self.stream)
    }
    fn pair_once(&mut self, rx: &mut dyn Path, buf: &mut [u8]) -> io::Result<()> {
        cfloor::pair_once(&self.fd, rx.as_fd(), buf, self.stream)
    }
    fn echo(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        cfloor::echo(&self.fd, buf, self.stream)
    }
}

impl AsFd for CFloor {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// `c-send-recv`, `c-sendto-recvfrom`, `c-sendmsg-recvmsg`, `c-inline`: `c/twins.c`'s loops with
/// `call`'s syscalls; like [`CFloor`], each single call moves a whole message.
struct CTwin {
    fd: OwnedFd,
    stream: bool,
    call: Call,
    path: PathName,
    /// The address `sendto` passes (`c-sendto-recvfrom` only, as `libc-sendto-recvfrom`).
    peer: Option<SockAddr>,
}

impl CTwin {
    /// `recv_msg`'s result with C's "read returned 0" as `Ok(0)`, as for every other path.
    fn eof_is_zero(r: io::Result<usize>) -> io::Result<usize> {
        match r {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && e.raw_os_error().is_none() => {
                Ok(0)
            }
            r => r,
        }
    }
}

impl AsFd for CTwin {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for CTwin {
    fn name(&self) -> PathName {
        self.path
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        let to = self.peer.as_ref();
        twins::send_msg(self.call, &self.fd, buf, self.stream, to).map(|()| buf.len())
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        CTwin::eof_is_zero(twins::recv_msg(self.call, &self.fd, buf, self.stream))
    }
    fn pair_once(&mut self, rx: &mut dyn Path, buf: &mut [u8]) -> io::Result<()> {
        let to = self.peer.as_ref();
        twins::pair_once(self.call, &self.fd, rx.as_fd(), buf, self.stream, to)
    }
    fn echo(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        let to = self.peer.as_ref();
        twins::echo(self.call, &self.fd, buf, self.stream, to)
    }
}

/// `c-mmsg`: `sendmmsg`/`recvmmsg` from C over a [`twins::Mmsg`] built once per size; single
/// calls are batches of one pointed at the caller's buffer.
struct CMmsg {
    fd: OwnedFd,
    stream: bool,
    m: twins::Mmsg,
}

impl CMmsg {
    /// Grows the C batch to `n` messages of `len` bytes.
    fn ensure(&mut self, n: usize, len: usize) -> io::Result<()> {
        if self.m.slots() < n || self.m.capacity() < len {
            self.m = twins::Mmsg::new(n.max(self.m.slots()), len.max(self.m.capacity()))?;
        }
        Ok(())
    }
}

impl AsFd for CMmsg {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for CMmsg {
    fn name(&self) -> PathName {
        PathName::CMmsg
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.m.send_one(&self.fd, buf)
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.m.recv_one(&self.fd, buf)
    }
    fn send_batch(&mut self, buf: &[u8], n: usize) -> io::Result<()> {
        self.ensure(n, buf.len())?;
        self.m.send(&self.fd, n, buf.len())
    }
    fn recv_batch(&mut self, buf: &mut [u8], n: usize) -> io::Result<()> {
        self.ensure(n, buf.len())?;
        self.m.recv(&self.fd, n)
    }
    fn batch_once(&mut self, rx: &mut dyn Path, buf: &mut [u8], n: usize) -> io::Result<()> {
        self.send_batch(buf, n)?;
        rx.recv_batch(buf, n)
    }
}
