//! The C loops, linked in-process: the floor `c` ([`cfloor`]: `c/pingpong.c`), its twins with
//! the same syscalls as each `libc-*` path (`c/twins.c`: `c-send-recv`, `c-sendto-recvfrom`,
//! `c-sendmsg-recvmsg`, `c-mmsg`, `c-gso`) and the inline-syscall floor `c-inline`. In stream
//! mode each sends its `k` messages in one C loop (`twins::send_stream`, `twins::Gso::send`), as
//! the `libc-*` paths do in a Rust one.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{gso, End, Path, PathName};
use crate::compare::cfloor;
use crate::compare::cfloor::twins::{self, Call};
use crate::sys::{self, SockAddr};

/// Wraps `end` in the C loop `path` names.
///
/// # Errors
/// `Unsupported` for `c-inline` where the inline floor is not built (x86_64 Linux only) and for
/// `c-gso` off udp; `twins::Mmsg::new`'s and `twins::Gso::new`'s errors, `setsockopt(UDP_GRO)`'s;
/// `InvalidInput` for a path that is not a C loop.
pub(super) fn wrap(path: PathName, end: End) -> io::Result<Box<dyn Path>> {
    let stream = end.stream();
    let transport = end.transport;
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
        PathName::CGso => {
            gso::udp_only(path, transport)?;
            // As libc-gso: GRO on at both ends, set up through socklab::sys.
            sys::set_opt(&fd, sys::opt::UdpGro, true)?;
            Box::new(CGso {
                g: twins::Gso::new(size, gso::segments(size))?,
                fd,
                recvs: 0,
                datagrams: 0,
                seg: 0,
            })
        }
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
    /// `k` × `write()` in one C loop (`c/twins.c`'s read/write sender: the floor's syscalls).
    fn send_stream(&mut self, buf: &[u8], k: u64) -> io::Result<()> {
        twins::send_stream(Call::ReadWrite, &self.fd, buf, self.stream, None, k)
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
    /// `k` messages with `call`'s send syscall in one C loop.
    fn send_stream(&mut self, buf: &[u8], k: u64) -> io::Result<()> {
        let to = self.peer.as_ref();
        twins::send_stream(self.call, &self.fd, buf, self.stream, to, k)
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

/// `c-gso`: `c/twins.c`'s GSO sender and GRO receiver ([`twins::Gso`]), the twin of `libc-gso`:
/// the same segments per `sendmsg`, the same control buffers, the same count per `recvmsg`. Its
/// single calls (the other modes) are one plain `sendmsg`/`recvmsg`, as `libc-gso`'s.
struct CGso {
    fd: OwnedFd,
    g: twins::Gso,
    recvs: u64,
    datagrams: u64,
    seg: usize,
}

impl AsFd for CGso {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for CGso {
    fn name(&self) -> PathName {
        PathName::CGso
    }
    fn is_stream(&self) -> bool {
        false
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        twins::gso_send_one(&self.fd, buf)
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        twins::gso_recv_one(&self.fd, buf)
    }
    /// `k` datagrams of `buf.len()` bytes (the size the pair was made for) in `sendmsg`s of up
    /// to `segments` segments, from C.
    fn send_stream(&mut self, buf: &[u8], k: u64) -> io::Result<()> {
        if buf.len() != self.g.size() {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        self.g.send(&self.fd, k)
    }
    fn recv_count(&mut self, _buf: &mut [u8]) -> io::Result<u64> {
        let (n, seg) = self.g.recv(&self.fd)?;
        if let Some(seg) = seg {
            self.seg = seg;
        }
        self.recvs += 1;
        self.datagrams += n;
        Ok(n)
    }
    fn gro_stats(&self) -> Option<(u64, u64, usize)> {
        Some((self.recvs, self.datagrams, self.seg))
    }
}
