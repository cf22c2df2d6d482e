//! The C loops, linked in-process: the floor `c` ([`cfloor`]: `c/pingpong.c`), its twins with
//! the same syscalls as each `libc-*` path (`c/twins.c`: `c-send-recv`, `c-sendto-recvfrom`,
//! `c-sendmsg-recvmsg`, `c-mmsg`, `c-gso`, `c-busy-poll`), the twins of the event paths
//! (`c-epoll`, `c-io-uring`, `c-io-uring-batch`) and the inline-syscall floor `c-inline`. In stream
//! mode each sends its `k` messages in one C loop (`twins::send_stream`, `twins::Gso::send`), as
//! the `libc-*` paths do in a Rust one.

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{busy_poll, epoll, gso, ring, End, Path, PathName};
use crate::compare::cfloor;
use crate::compare::cfloor::twins::{self, Call, Uring};
use crate::sys::{self, SockAddr};

/// Wraps `end` in the C loop `path` names.
///
/// # Errors
/// `Unsupported` for `c-inline` where the inline floor is not built (x86_64 Linux only), for
/// `c-gso` off udp, for `c-io-uring` where no ring can be set up and for `c-busy-poll` where the
/// kernel refuses `SO_BUSY_POLL`; the epoll set's calls; `twins::Mmsg::new`'s and `twins::Gso::new`'s errors, `setsockopt(UDP_GRO)`'s;
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
        PathName::CBusyPoll => {
            busy_poll::set(path, &fd)?;
            twin(Call::SendRecv, fd)
        }
        PathName::CEpoll => Box::new(CEpoll {
            ep: epoll::watch(&fd)?,
            fd,
            stream,
        }),
        PathName::CIoUring | PathName::CIoUringBatch => Box::new(CUring {
            setup: ring::setup(path)?,
            fd,
            stream,
            path,
            spare: vec![0; size.max(1)],
            rx_bufs: Vec::new(),
        }),
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

/// `c-epoll`: `c/twins.c`'s epoll loop over this end's set (made by [`epoll::watch`], as
/// `libc-epoll`'s). A same-thread pair with another `c-epoll` end is one C call.
struct CEpoll {
    fd: OwnedFd,
    ep: OwnedFd,
    stream: bool,
}

impl AsFd for CEpoll {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for CEpoll {
    fn name(&self) -> PathName {
        PathName::CEpoll
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        twins::epoll_send_msg(&self.fd, &self.ep, buf, self.stream).map(|()| buf.len())
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        CTwin::eof_is_zero(twins::epoll_recv_msg(&self.fd, &self.ep, buf, self.stream))
    }
    fn pair_once(&mut self, rx: &mut dyn Path, buf: &mut [u8]) -> io::Result<()> {
        let Some(rx) = rx.as_any_mut().and_then(|r| r.downcast_mut::<CEpoll>()) else {
            self.send_msg(buf)?;
            return rx.recv_msg(buf).map(drop);
        };
        let tx = (self.fd.as_fd(), self.ep.as_fd());
        let rx = (rx.fd.as_fd(), rx.ep.as_fd());
        twins::epoll_pair_once(tx, rx, buf, self.stream)
    }
    fn rtt_once(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let me = (self.fd.as_fd(), self.ep.as_fd());
        twins::epoll_pair_once(me, me, buf, self.stream)
    }
    fn echo(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        twins::epoll_echo(&self.fd, &self.ep, buf, self.stream)
    }
    fn as_any_mut(&mut self) -> Option<&mut dyn std::any::Any> {
        Some(self)
    }
}

/// `c-io-uring` and `c-io-uring-batch`: `c/twins.c`'s rings ([`Uring`]), each thread's made on
/// first use and kept until it ends ([`ring::Pool`]), as the io-uring paths keep theirs. Its batch op is `c-io-uring-batch`'s: `n` linked pairs, the
/// receives into `rx_bufs`.
struct CUring {
    fd: OwnedFd,
    stream: bool,
    path: PathName,
    setup: ring::RingSetup,
    /// The echo's second buffer (the next message comes in while the last goes out).
    spare: Vec<u8>,
    /// Batch mode: where the `n` receives of a batch land.
    rx_bufs: Vec<u8>,
}

thread_local! {
    /// This thread's C rings (see [`ring::Pool`] for why they live as long as it).
    static RINGS: RefCell<ring::Pool<Uring>> = const { RefCell::new(ring::Pool::new()) };
}

/// Runs `op` on this thread's smallest C ring of at least `entries` SQEs, made with `flags` on
/// first use.
fn with_ring<T>(
    entries: usize,
    flags: u32,
    op: impl FnOnce(&mut Uring) -> io::Result<T>,
) -> io::Result<T> {
    RINGS.with(|rings| op(rings.borrow_mut().get(entries, |n| Uring::new(n, flags))?))
}

impl AsFd for CUring {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for CUring {
    fn name(&self) -> PathName {
        self.path
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (fd, stream) = (&self.fd, self.stream);
        with_ring(ring::OP_ENTRIES, self.setup.flags, |r| {
            r.send_msg(fd, buf, stream)
        })
        .map(|()| buf.len())
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (fd, stream) = (&self.fd, self.stream);
        CTwin::eof_is_zero(with_ring(ring::OP_ENTRIES, self.setup.flags, |r| {
            r.recv_msg(fd, buf, stream)
        }))
    }
    fn pair_once(&mut self, rx: &mut dyn Path, buf: &mut [u8]) -> io::Result<()> {
        let (fd, stream) = (&self.fd, self.stream);
        with_ring(ring::OP_ENTRIES, self.setup.flags, |r| {
            r.pair_once(fd, rx.as_fd(), buf, stream)
        })
    }
    fn rtt_once(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let (fd, stream) = (&self.fd, self.stream);
        with_ring(ring::OP_ENTRIES, self.setup.flags, |r| {
            r.pair_once(fd, fd, buf, stream)
        })
    }
    fn echo(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        if self.spare.len() < buf.len() {
            self.spare.resize(buf.len(), 0);
        }
        let (fd, stream, spare) = (&self.fd, self.stream, &mut self.spare);
        with_ring(ring::OP_ENTRIES, self.setup.flags, |r| {
            r.echo(fd, buf, spare, stream)
        })
    }
    fn batch_once(&mut self, rx: &mut dyn Path, buf: &mut [u8], n: usize) -> io::Result<()> {
        if self.stream {
            return (0..n).try_for_each(|_| self.pair_once(rx, buf));
        }
        let need = n * buf.len();
        if self.rx_bufs.len() < need {
            self.rx_bufs.resize(need, 0);
        }
        let (fd, rx_bufs) = (&self.fd, &mut self.rx_bufs);
        with_ring(ring::entries_for(n), self.setup.flags, |r| {
            r.batch(fd, rx.as_fd(), buf, rx_bufs, n)
        })
    }
}
