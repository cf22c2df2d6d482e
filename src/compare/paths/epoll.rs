//! `libc-epoll`: non-blocking calls and an edge-triggered epoll set through `socklab::sys`, the
//! loop an event-driven C program runs (twin: `c-epoll`, whose set is made here too).
//!
//! Each end gets its own epoll set watching its socket for input, edge-triggered
//! (`EPOLLIN | EPOLLRDHUP | EPOLLET`, registered once). A call is made with `MSG_DONTWAIT`; on
//! `EAGAIN` the end waits in `epoll_wait` (8 events) and tries again. A send that finds the
//! buffer full adds `EPOLLOUT` for its wait (`EPOLL_CTL_MOD`) and takes it away after:
//! registered for good, every datagram sent would bring an `EPOLLOUT` edge and a receive's
//! wait would return at once for nothing (mio registers what it is asked for, so `mio` does the
//! same; tokio registers both, and its calls show the extra `epoll_wait`s).
//!
//! The waits have no timeout (`-1`), as an event loop with no timer pending waits, as mio's
//! `poll(None)`, tokio's reactor and io-uring's `submit_and_wait`: a finite one arms an hrtimer
//! each time the thread sleeps, ~0.35 µs per wait on this project's machine (an rtt 5–6%
//! slower), a cost of the harness rather than of the path. Nothing is lost to wait for:
//! same-thread queues the data before the receive, rtt has one message in flight, and an echo
//! thread that fails ends its side ([`super::spawn_echo`]), which wakes the waiting receive.
//!
//! Per op, a same-thread pair is `sendto` + `recvfrom` (the data is queued before the receive,
//! so nothing waits); an rtt round trip is, on each side, `sendto`, `recvfrom` failing with
//! `EAGAIN`, `epoll_wait` and `recvfrom` (fewer when the reply is there before the receive).

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::raw::c_int;

use super::{End, Path, PathName};
use crate::sys::{self, EpollEvent, Errno};

/// `maxevents` of every `epoll_wait` (`libc-epoll`, `c-epoll` and mio's `Events`).
pub(super) const EVENTS: usize = 8;

/// The wait's timeout: none (see the module docs).
pub(super) const WAIT_MS: c_int = -1;

/// What the set watches between waits for output: input, the peer's shutdown, edge-triggered.
pub(super) const READ_INTEREST: u32 = (sys::EPOLLIN | sys::EPOLLRDHUP | sys::EPOLLET) as u32;

/// What it watches while a send waits for room.
pub(super) const WRITE_INTEREST: u32 = READ_INTEREST | sys::EPOLLOUT as u32;

/// An epoll set (`EPOLL_CLOEXEC`) watching `fd` with [`READ_INTEREST`], its data the fd: the set
/// up of `libc-epoll` and `c-epoll` alike.
///
/// # Errors
/// `epoll_create1`'s or `epoll_ctl`'s.
pub(super) fn watch(fd: &OwnedFd) -> io::Result<OwnedFd> {
    let ep = sys::epoll_create1(sys::EPOLL_CLOEXEC)?;
    let mut ev = EpollEvent::new(READ_INTEREST, fd.as_raw_fd() as u64);
    sys::epoll_ctl(&ep, sys::EPOLL_CTL_ADD, fd, Some(&mut ev))?;
    Ok(ep)
}

/// Wraps `end` in `libc-epoll`.
///
/// # Errors
/// [`watch`]'s.
pub(super) fn wrap(end: End) -> io::Result<Box<dyn Path>> {
    let stream = end.stream();
    let ep = watch(&end.fd)?;
    Ok(Box::new(Epoll {
        fd: end.fd,
        ep,
        stream,
        events: [EpollEvent::empty(); EVENTS],
    }))
}

/// `libc-epoll`: one end and its epoll set.
struct Epoll {
    fd: OwnedFd,
    ep: OwnedFd,
    stream: bool,
    events: [EpollEvent; EVENTS],
}

impl Epoll {
    /// Waits until the set reports `want` (or an error or hang-up) for the socket; `EINTR`
    /// retried, as the C loops do.
    ///
    /// # Errors
    /// `epoll_wait`'s errno.
    fn wait(&mut self, want: u32) -> io::Result<()> {
        let any = want | (sys::EPOLLRDHUP | sys::EPOLLERR | sys::EPOLLHUP) as u32;
        loop {
            let n = match sys::epoll_wait(&self.ep, &mut self.events, WAIT_MS) {
                Err(e) if e.code() == Errno::EINTR => continue,
                r => r?,
            };
            if self.events[..n].iter().any(|e| e.events() & any != 0) {
                return Ok(());
            }
        }
    }

    /// A send found the buffer full: watch for output too, wait for it, and stop watching it.
    fn wait_writable(&mut self) -> io::Result<()> {
        let mut ev = EpollEvent::new(WRITE_INTEREST, self.fd.as_raw_fd() as u64);
        sys::epoll_ctl(&self.ep, sys::EPOLL_CTL_MOD, &self.fd, Some(&mut ev))?;
        let waited = self.wait(sys::EPOLLOUT as u32);
        let mut ev = EpollEvent::new(READ_INTEREST, self.fd.as_raw_fd() as u64);
        sys::epoll_ctl(&self.ep, sys::EPOLL_CTL_MOD, &self.fd, Some(&mut ev))?;
        waited
    }

    #[inline]
    fn send_now(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            match sys::send(&self.fd, buf, sys::MSG_DONTWAIT) {
                Ok(n) => return Ok(n),
                Err(e) if e.code() == Errno::EAGAIN => self.wait_writable()?,
                Err(e) if e.code() == Errno::EINTR => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    #[inline]
    fn recv_now(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match sys::recv(&self.fd, &mut *buf, sys::MSG_DONTWAIT) {
                Ok(n) => return Ok(n),
                Err(e) if e.code() == Errno::EAGAIN => self.wait(sys::EPOLLIN as u32)?,
                Err(e) if e.code() == Errno::EINTR => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

path_impl!(Epoll, PathName::LibcEpoll, fd,
    send(s, buf) s.send_now(buf),
    recv(s, buf) s.recv_now(buf));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::paths::{self, Transport};

    /// A round trip makes its receive wait in `epoll_wait`, and a send into a full stream
    /// buffer waits for `EPOLLOUT` and still delivers every byte.
    #[test]
    fn waits_for_input_and_for_room() {
        let (mut a, b) = paths::make(PathName::LibcEpoll, Transport::Unix, 64).unwrap();
        let echo = paths::spawn_echo(b, 64, None);
        let mut buf = [3u8; 64];
        a.rtt_once(&mut buf).unwrap();
        assert_eq!(buf, [3u8; 64]);
        paths::stop_echo(&*a).unwrap();
        assert_eq!(echo.join().unwrap().unwrap(), 1);

        let (mut a, mut b) = paths::make(PathName::LibcEpoll, Transport::Unix, 64).unwrap();
        let big = vec![9u8; 4 << 20]; // more than the socket buffers hold
        let reader = std::thread::spawn(move || {
            let mut got = vec![0u8; 4 << 20];
            b.recv_msg(&mut got)
                .map(|n| (n, got.iter().all(|&x| x == 9)))
        });
        a.send_msg(&big).unwrap();
        assert_eq!(reader.join().unwrap().unwrap(), (4 << 20, true));
    }
}
