//! `libc-mmsg`: `sendmmsg(2)` / `recvmmsg(2)` through `socklab::sys`, `n` messages per call in
//! batch mode (the twin of `c-mmsg`).

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{End, Path, PathName};
use crate::sys;

/// Wraps `end` in `libc-mmsg`.
pub(super) fn wrap(end: End) -> io::Result<Box<dyn Path>> {
    let stream = end.stream();
    Ok(Box::new(Mmsg::new(end.fd, stream, end.size)))
}

/// `libc-mmsg`: `sendmmsg(2)` / `recvmmsg(2)` over reusable [`sys::MmsgBatch`]es. Batches of
/// `n` go out in one `sendmmsg` and come in with `recvmmsg`; the single calls are batches of
/// one.
struct Mmsg {
    fd: OwnedFd,
    stream: bool,
    tx: sys::MmsgBatch,
    rx: sys::MmsgBatch,
    /// `(n, len)` the first `n` tx slots hold copies of the batch payload for: a sender builds
    /// its messages in the batch once, as a program batching its output would.
    filled: (usize, usize),
}

impl Mmsg {
    fn new(fd: OwnedFd, stream: bool, size: usize) -> Mmsg {
        Mmsg {
            fd,
            stream,
            tx: sys::MmsgBatch::new(1, size.max(1)),
            rx: sys::MmsgBatch::new(1, size.max(1)),
            filled: (0, 0),
        }
    }

    /// Grows `batch` to at least `n` slots of `len` bytes.
    fn ensure(batch: &mut sys::MmsgBatch, n: usize, len: usize) -> bool {
        if batch.slots() < n || batch.capacity() < len {
            *batch = sys::MmsgBatch::new(n.max(batch.slots()), len.max(batch.capacity()).max(1));
            return true;
        }
        false
    }
}

impl AsFd for Mmsg {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for Mmsg {
    fn name(&self) -> PathName {
        PathName::LibcMmsg
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        Mmsg::ensure(&mut self.tx, 1, buf.len());
        self.filled = (0, 0);
        self.tx.set(0, buf, None)?;
        sys::sendmmsg(&self.fd, &mut self.tx, 1, 0)?;
        Ok(self.tx.get(0).map_or(0, |m| m.msg_len()))
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Mmsg::ensure(&mut self.rx, 1, buf.len());
        sys::recvmmsg(&self.fd, &mut self.rx, 1, 0, None)?;
        let m = self.rx.get(0).ok_or(io::ErrorKind::UnexpectedEof)?;
        let n = m.bytes().len().min(buf.len());
        buf[..n].copy_from_slice(&m.bytes()[..n]);
        Ok(m.msg_len())
    }
    fn send_batch(&mut self, buf: &[u8], n: usize) -> io::Result<()> {
        if Mmsg::ensure(&mut self.tx, n, buf.len()) || self.filled != (n, buf.len()) {
            for i in 0..n {
                self.tx.set(i, buf, None)?;
            }
            self.filled = (n, buf.len());
        }
        let sent = sys::sendmmsg(&self.fd, &mut self.tx, n, 0)?;
        if sent < n {
            return Err(io::Error::other(format!("sendmmsg sent {sent} of {n}")));
        }
        Ok(())
    }
    /// Receives `n` messages with `recvmmsg` (blocking: it returns once `n - got` arrived); the
    /// data stays in the batch, as a program would process it there.
    fn recv_batch(&mut self, buf: &mut [u8], n: usize) -> io::Result<()> {
        Mmsg::ensure(&mut self.rx, n, buf.len());
        let mut got = 0;
        while got < n {
            got += sys::recvmmsg(&self.fd, &mut self.rx, n - got, 0, None)?;
        }
        Ok(())
    }
    fn batch_once(&mut self, rx: &mut dyn Path, buf: &mut [u8], n: usize) -> io::Result<()> {
        self.send_batch(buf, n)?;
        rx.recv_batch(buf, n)
    }
}
