//! `tokio`: a current_thread runtime (tokio with `rt` and `net` only) and its `UdpSocket`,
//! `TcpStream`, `UnixStream` and `UnixDatagram`, `send().await` / `recv().await` (feature
//! `event`); its twin is `c-epoll`, the syscalls the runtime's reactor makes.
//!
//! An end hands its socket to a runtime the first time a thread uses it (in the warm-up): in
//! rtt each thread has its own runtime (the measuring thread's, the echo thread's); in
//! same-thread one runtime drives both sockets, and a pair is one `block_on` of `send().await`
//! on one end and `recv().await` on the other. tokio registers every socket for reading and
//! writing (`EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET`), so each datagram sent brings an
//! `EPOLLOUT` edge, and a receive that has to wait first takes that one from `epoll_wait`: the
//! extra `epoll_wait` per wait the calls column shows. The runtime has no timer (no `time`
//! feature): its reactor waits without a timeout (`epoll_wait(…, -1)`), as every event path
//! does (why: `epoll.rs`).

use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::pin::Pin;
use std::sync::Arc;

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::net::{TcpStream, UdpSocket, UnixDatagram, UnixStream};
use ::tokio::runtime::{Builder, Runtime};

use super::{End, Path, PathName, Transport};

/// Wraps `end` in `tokio`; the runtime comes with the first use.
pub(super) fn wrap(end: End) -> io::Result<Box<dyn Path>> {
    let stream = end.stream();
    let transport = end.transport;
    Ok(Box::new(Tokio {
        state: State::Idle(end.fd, transport),
        stream,
    }))
}

/// tokio's socket of each transport.
enum Sock {
    Tcp(TcpStream),
    Udp(UdpSocket),
    Unix(UnixStream),
    UnixDgram(UnixDatagram),
}

impl Sock {
    /// Hands `fd` (made non-blocking, as tokio wants it) to the runtime `rt`.
    fn register(fd: OwnedFd, transport: Transport, rt: &Runtime) -> io::Result<Sock> {
        let _in = rt.enter();
        Ok(match transport {
            Transport::Tcp => {
                let s = std::net::TcpStream::from(fd);
                s.set_nonblocking(true)?;
                Sock::Tcp(TcpStream::from_std(s)?)
            }
            Transport::Udp => {
                let s = std::net::UdpSocket::from(fd);
                s.set_nonblocking(true)?;
                Sock::Udp(UdpSocket::from_std(s)?)
            }
            Transport::Unix => {
                let s = std::os::unix::net::UnixStream::from(fd);
                s.set_nonblocking(true)?;
                Sock::Unix(UnixStream::from_std(s)?)
            }
            Transport::UnixDgram => {
                let s = std::os::unix::net::UnixDatagram::from(fd);
                s.set_nonblocking(true)?;
                Sock::UnixDgram(UnixDatagram::from_std(s)?)
            }
        })
    }

    /// Takes the socket back from its runtime (deregistered), as an fd.
    fn into_fd(self) -> io::Result<OwnedFd> {
        Ok(match self {
            Sock::Tcp(s) => s.into_std()?.into(),
            Sock::Udp(s) => s.into_std()?.into(),
            Sock::Unix(s) => s.into_std()?.into(),
            Sock::UnixDgram(s) => s.into_std()?.into(),
        })
    }

    /// One send: `send().await` on datagram sockets, a write (std's `send`) on streams.
    async fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sock::Udp(s) => s.send(buf).await,
            Sock::UnixDgram(s) => s.send(buf).await,
            Sock::Tcp(s) => poll_fn(|cx| Pin::new(&mut *s).poll_write(cx, buf)).await,
            Sock::Unix(s) => poll_fn(|cx| Pin::new(&mut *s).poll_write(cx, buf)).await,
        }
    }

    /// One receive: `recv().await` on datagram sockets, a read on streams.
    async fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Sock::Udp(s) => s.recv(buf).await,
            Sock::UnixDgram(s) => s.recv(buf).await,
            Sock::Tcp(s) => read(s, buf).await,
            Sock::Unix(s) => read(s, buf).await,
        }
    }

    /// A whole message out: one send on datagrams, sends until all is taken on streams.
    async fn send_msg(&mut self, buf: &[u8], stream: bool) -> io::Result<()> {
        let mut done = self.send(buf).await?;
        while stream && done < buf.len() {
            done += self.send(&buf[done..]).await?;
        }
        Ok(())
    }

    /// A whole message in, as [`Path::recv_msg`].
    async fn recv_msg(&mut self, buf: &mut [u8], stream: bool) -> io::Result<usize> {
        if !stream {
            return self.recv(buf).await;
        }
        let mut done = 0;
        while done < buf.len() {
            match self.recv(&mut buf[done..]).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => done += n,
            }
        }
        Ok(done)
    }
}

/// One read of a stream through `AsyncRead`, what `read().await` does.
async fn read<S: AsyncRead + Unpin>(s: &mut S, buf: &mut [u8]) -> io::Result<usize> {
    let mut rb = ReadBuf::new(buf);
    poll_fn(|cx| Pin::new(&mut *s).poll_read(cx, &mut rb)).await?;
    Ok(rb.filled().len())
}

/// An end: its fd until a thread uses it, then its socket in that thread's runtime.
enum State {
    Idle(OwnedFd, Transport),
    /// `sock` is declared first: it leaves the runtime's reactor before the runtime may go.
    Running {
        sock: Sock,
        rt: Arc<Runtime>,
        transport: Transport,
    },
    /// Only while moving from one state to the other.
    Moving,
}

/// `tokio`: one end.
struct Tokio {
    state: State,
    stream: bool,
}

/// A current_thread runtime with the I/O driver only.
fn runtime() -> io::Result<Arc<Runtime>> {
    Ok(Arc::new(Builder::new_current_thread().enable_io().build()?))
}

impl Tokio {
    /// Puts the socket in runtime `rt` (this end's own when `None`: made on first use), moved
    /// there from another runtime if need be.
    fn ready(&mut self, rt: Option<&Arc<Runtime>>) -> io::Result<()> {
        if let State::Running { rt: have, .. } = &self.state {
            if rt.is_none_or(|want| Arc::ptr_eq(want, have)) {
                return Ok(());
            }
        }
        let (fd, transport) = match std::mem::replace(&mut self.state, State::Moving) {
            State::Idle(fd, t) => (fd, t),
            State::Running {
                sock, transport, ..
            } => (sock.into_fd()?, transport),
            State::Moving => return Err(io::Error::other("tokio path: lost its socket")),
        };
        let rt = match rt {
            Some(rt) => rt.clone(),
            None => runtime()?,
        };
        let sock = Sock::register(fd, transport, &rt)?;
        self.state = State::Running {
            sock,
            rt,
            transport,
        };
        Ok(())
    }

    /// The runtime and the socket in it, made ready on first use.
    #[inline]
    fn parts(&mut self) -> io::Result<(&Runtime, &mut Sock)> {
        self.ready(None)?;
        match &mut self.state {
            State::Running { sock, rt, .. } => Ok((&**rt, sock)),
            _ => Err(io::Error::other("tokio path: not running")),
        }
    }
}

impl AsFd for Tokio {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match &self.state {
            State::Idle(fd, _) => fd.as_fd(),
            State::Running { sock, .. } => match sock {
                Sock::Tcp(s) => s.as_fd(),
                Sock::Udp(s) => s.as_fd(),
                Sock::Unix(s) => s.as_fd(),
                Sock::UnixDgram(s) => s.as_fd(),
            },
            State::Moving => unreachable!("never seen outside running()"),
        }
    }
}

impl Path for Tokio {
    fn name(&self) -> PathName {
        PathName::Tokio
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (rt, s) = self.parts()?;
        rt.block_on(s.send(buf))
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (rt, s) = self.parts()?;
        rt.block_on(s.recv(buf))
    }
    fn send_msg(&mut self, buf: &[u8]) -> io::Result<()> {
        let stream = self.stream;
        let (rt, s) = self.parts()?;
        rt.block_on(s.send_msg(buf, stream))
    }
    fn recv_msg(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let stream = self.stream;
        let (rt, s) = self.parts()?;
        rt.block_on(s.recv_msg(buf, stream))
    }
    /// One `block_on`: the message out and its echo back.
    fn rtt_once(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let stream = self.stream;
        let (rt, s) = self.parts()?;
        rt.block_on(async move {
            s.send_msg(buf, stream).await?;
            match s.recv_msg(buf, stream).await? {
                0 if !buf.is_empty() => Err(super::echo_ended()),
                _ => Ok(()),
            }
        })
    }
    /// One `block_on` of this end's runtime over both sockets: `rx` joins the runtime on first
    /// use.
    fn pair_once(&mut self, rx: &mut dyn Path, buf: &mut [u8]) -> io::Result<()> {
        let Some(rx) = rx.as_any_mut().and_then(|r| r.downcast_mut::<Tokio>()) else {
            self.send_msg(buf)?;
            return rx.recv_msg(buf).map(drop);
        };
        self.ready(None)?;
        if let State::Running { rt, .. } = &self.state {
            rx.ready(Some(rt))?;
        }
        let stream = self.stream;
        let (rt, tx) = self.parts()?;
        let (_, rx) = rx.parts()?;
        rt.block_on(async move {
            tx.send_msg(buf, stream).await?;
            rx.recv_msg(buf, stream).await.map(drop)
        })
    }
    /// The echo loop in one `block_on` of this thread's runtime.
    fn echo(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        let stream = self.stream;
        let (rt, s) = self.parts()?;
        rt.block_on(async move {
            let mut echoed = 0;
            loop {
                let n = s.recv(buf).await?;
                if n == 0 {
                    return Ok(echoed);
                }
                s.send_msg(&buf[..n], stream).await?;
                echoed += 1;
            }
        })
    }
    fn as_any_mut(&mut self) -> Option<&mut dyn std::any::Any> {
        Some(self)
    }
}
