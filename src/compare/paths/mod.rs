//! The syscall paths `socklab compare` and the benches measure: one [`Path`] per schema name
//! (`c`, `libc-*`, `std`, `nix`, `socket2`, `rustix`, and the event-driven `libc-epoll`, `mio`,
//! `tokio`, `io-uring`, `io-uring-batch`, `libc-busy-poll`) over a connected socket pair from
//! [`make`].
//!
//! A [`Path`] is one end of a connected pair that moves bytes with one particular API. Every
//! path gets its own pair (made by [`make`] through [`crate::sys`], so the setup is identical),
//! and every mode of the harness is built from the same few operations:
//!
//! | mode | operation |
//! |---|---|
//! | `same-thread` | `a.pair_once(&mut *b, buf)`: send on `a`, receive on `b`, one thread |
//! | `rtt` | `b` runs [`Path::echo`] on a thread ([`spawn_echo`]); `a.rtt_once(buf)` |
//! | `stream` | `a.send_stream(buf, k)` on a sender thread, `b.recv_count(buf)` until `k` arrived |
//! | `batch` | `a.batch_once(&mut *b, buf, n)`: `n` messages, per call or one `*mmsg` each way |
//!
//! One file per family of paths, each with a `wrap` that [`make`] calls for the family's names:
//!
//! | file | paths |
//! |---|---|
//! | `transport.rs` | [`Transport`] and the connected pair every path gets ([`connect_pair`]) |
//! | `name.rs` | [`PathName`]: the schema names and each path's C twin |
//! | `c.rs` | `c`, `c-send-recv`, `c-sendto-recvfrom`, `c-sendmsg-recvmsg`, `c-mmsg`, `c-inline`, `c-gso`, `c-epoll`, `c-io-uring`, `c-io-uring-batch`, `c-busy-poll` |
//! | `libc.rs` | `libc-read-write`, `libc-send-recv`, `libc-sendto-recvfrom`, `libc-sendmsg-recvmsg` |
//! | `mmsg.rs` | `libc-mmsg` |
//! | `gso.rs` | `libc-gso` (and the segment count `c-gso` shares) |
//! | `std_net.rs`, `nix.rs`, `socket2.rs`, `rustix.rs` | `std`, `nix`, `socket2`, `rustix` |
//! | `epoll.rs` | `libc-epoll` (and the epoll set `c-epoll` shares) |
//! | `mio.rs`, `tokio.rs` | `mio`, `tokio` (feature `event`) |
//! | `uring.rs` | `io-uring`, `io-uring-batch` (feature `event`; opts in to `unsafe`) |
//! | `ring.rs` | the io_uring set-up every ring of a run shares (flags, availability) |
//! | `busy_poll.rs` | `libc-busy-poll` (and the option `c-busy-poll` sets) |
//! | `group.rs` | [`PathGroup`]: `--paths default`, `event`, `all` |
//!
//! A new family is a new file: its `wrap(end) -> io::Result<Box<dyn Path>>`, its names in
//! [`PathName`] (with their twin), and one arm in `make`'s dispatch. (The family modules carry
//! their crate's name, so inside this file `nix`, `socket2`, `rustix` and `libc` name the
//! modules; write `::nix::…` to reach a crate here.)
//!
//! ```
//! use socklab::compare::paths::{self, PathName, Transport};
//! let (mut a, mut b) = paths::make(PathName::Rustix, Transport::Udp, 64)?;
//! let mut buf = [7u8; 64];
//! a.pair_once(&mut *b, &mut buf)?;                     // same-thread: send(a) + recv(b)
//! let echo = paths::spawn_echo(b, 64, None);          // rtt: b echoes on its own thread
//! a.rtt_once(&mut buf)?;                               // send(a) + recv(a)
//! paths::stop_echo(&*a)?;                              // zero-length datagram ends the echo
//! assert_eq!(echo.join().unwrap()?, 1);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, OwnedFd};
use std::thread::JoinHandle;

use crate::sys::{self, SockAddr};

/// Implements `AsFd` and the identity methods of `Path` for a `{ $field, stream }` struct, and
/// its two calls from the given closures-as-expressions.
macro_rules! path_impl {
    ($ty:ident, $name:expr, $field:ident,
     send($s:ident, $sbuf:ident) $send:expr,
     recv($r:ident, $rbuf:ident) $recv:expr) => {
        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.$field.as_fd()
            }
        }
        impl Path for $ty {
            fn name(&self) -> PathName {
                $name
            }
            fn is_stream(&self) -> bool {
                self.stream
            }
            // Inlined into the provided message methods where the compiler agrees, as rustix's
            // calls are: the measured frames are then the same for every path.
            #[inline]
            fn send(&mut self, $sbuf: &[u8]) -> io::Result<usize> {
                let $s = &mut *self;
                $send
            }
            #[inline]
            fn recv(&mut self, $rbuf: &mut [u8]) -> io::Result<usize> {
                let $r = &mut *self;
                $recv
            }
        }
    };
}

mod busy_poll;
mod c;
mod epoll;
mod group;
mod gso;
mod libc;
#[cfg(feature = "event")]
mod mio;
mod mmsg;
mod name;
mod nix;
pub mod ring;
mod rustix;
mod socket2;
mod std_net;
#[cfg(feature = "event")]
mod tokio;
mod transport;
// The io-uring crate's submissions: the one module of the paths that opts in to `unsafe`
// (CONVENTIONS.md), beside its one user.
#[cfg(feature = "event")]
#[allow(unsafe_code)]
mod uring;

pub use busy_poll::BUSY_POLL_US;
pub use group::PathGroup;
pub use gso::GSO_SEGMENTS;
pub use name::PathName;
pub use transport::{connect_pair, queue_capacity, Conn, Transport, MAX_DATAGRAM, MAX_STREAM};

/// One end of a connected socket pair, moving bytes through one API.
///
/// Implementors give the two single calls ([`send`](Path::send), [`recv`](Path::recv)); the
/// message-level operations the harness times are provided on top of them, and a path whose
/// loop lives elsewhere (the C floor) overrides those instead. Every operation is blocking and
/// returns the first error (no `EINTR` retry outside the C floor, which retries as C loops do).
pub trait Path: AsFd + Send {
    /// Which path this is.
    fn name(&self) -> PathName;

    /// Whether the transport is a byte stream (messages may arrive in pieces).
    fn is_stream(&self) -> bool;

    /// One send call of `buf`; returns the bytes the kernel took.
    ///
    /// # Errors
    /// The call's errno.
    fn send(&mut self, buf: &[u8]) -> io::Result<usize>;

    /// One receive call into `buf`; returns the byte count (0: end of stream or an empty
    /// datagram).
    ///
    /// # Errors
    /// As [`Path::send`].
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// Sends one whole message: one call for datagrams, calls until all of `buf` is taken for
    /// streams.
    ///
    /// # Errors
    /// As [`Path::send`].
    #[inline] // into pair_once/rtt_once, as for every path: the frames timed stay the same
    fn send_msg(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut done = self.send(buf)?;
        while self.is_stream() && done < buf.len() {
            done += self.send(&buf[done..])?;
        }
        Ok(())
    }

    /// Receives one whole message: one datagram, or exactly `buf.len()` bytes of a stream.
    /// Returns the message length.
    ///
    /// # Errors
    /// As [`Path::send`]; [`io::ErrorKind::UnexpectedEof`] if a stream ends mid-message.
    #[inline]
    fn recv_msg(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.is_stream() {
            return self.recv(buf);
        }
        let mut done = 0;
        while done < buf.len() {
            match self.recv(&mut buf[done..])? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => done += n,
            }
        }
        Ok(done)
    }

    /// The `rtt` operation: sends `buf` and receives the echoed message back into it.
    ///
    /// # Errors
    /// As [`Path::recv_msg`]; [`echo_ended`] for an empty datagram back (what an echo thread
    /// that failed sends: [`spawn_echo`]).
    fn rtt_once(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.send_msg(buf)?;
        match self.recv_msg(buf)? {
            0 if !buf.is_empty() => Err(echo_ended()),
            _ => Ok(()),
        }
    }

    /// The `same-thread` operation: sends `buf` on `self` and receives it on `rx` (the other
    /// end of the pair), in the calling thread. For streams `buf` must fit in the socket
    /// buffers.
    ///
    /// # Errors
    /// As [`Path::recv_msg`].
    fn pair_once(&mut self, rx: &mut dyn Path, buf: &mut [u8]) -> io::Result<()> {
        self.send_msg(buf)?;
        rx.recv_msg(buf).map(drop)
    }

    /// The echo side of `rtt`: receives and sends back until the peer ends the stream or
    /// sends an empty datagram ([`stop_echo`]). Returns the number of receive calls echoed.
    ///
    /// # Errors
    /// As [`Path::send`].
    fn echo(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        let mut echoed = 0;
        loop {
            let n = self.recv(buf)?;
            if n == 0 {
                return Ok(echoed);
            }
            self.send_msg(&buf[..n])?;
            echoed += 1;
        }
    }

    /// The `stream` sender's work: `k` messages of `buf`. Per-message paths call
    /// [`send_msg`](Path::send_msg) `k` times; `libc-gso` hands the kernel many per `sendmsg`.
    ///
    /// # Errors
    /// As [`Path::send`].
    fn send_stream(&mut self, buf: &[u8], k: u64) -> io::Result<()> {
        (0..k).try_for_each(|_| self.send_msg(buf))
    }

    /// The `stream` receiver's step: receives what one call delivers and returns how many
    /// messages that was (1, except `libc-gso`, whose `recvmsg` returns a GRO batch).
    ///
    /// # Errors
    /// As [`Path::recv_msg`].
    fn recv_count(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        self.recv_msg(buf).map(|_| 1)
    }

    /// `libc-gso`'s receive statistics: `(recvmsg calls, datagrams, last segment size)`;
    /// `None` for every other path.
    fn gro_stats(&self) -> Option<(u64, u64, usize)> {
        None
    }

    /// The `batch` operation: `n` messages sent on `self` and received on `rx` (one thread).
    /// Per-call paths do `n` × [`pair_once`](Path::pair_once); `libc-mmsg` sends the batch
    /// with one `sendmmsg` and receives it with `recvmmsg`.
    ///
    /// # Errors
    /// As [`Path::recv_msg`].
    fn batch_once(&mut self, rx: &mut dyn Path, buf: &mut [u8], n: usize) -> io::Result<()> {
        (0..n).try_for_each(|_| self.pair_once(rx, buf))
    }

    /// The one-sided `batch` send: `n` messages of `buf`. Per-call paths loop; `libc-mmsg` makes one
    /// `sendmmsg` call.
    ///
    /// # Errors
    /// As [`Path::send`].
    fn send_batch(&mut self, buf: &[u8], n: usize) -> io::Result<()> {
        (0..n).try_for_each(|_| self.send_msg(buf))
    }

    /// The one-sided `batch` receive: `n` messages into `buf` (each overwrites the last). Per-call paths
    /// loop; `libc-mmsg` calls `recvmmsg` until `n` arrived.
    ///
    /// # Errors
    /// As [`Path::recv_msg`].
    fn recv_batch(&mut self, buf: &mut [u8], n: usize) -> io::Result<()> {
        (0..n).try_for_each(|_| self.recv_msg(buf).map(drop))
    }

    /// The path as [`Any`](std::any::Any), for a family whose same-thread operation drives both
    /// ends at once and needs the other end's state (tokio's runtime, `c-epoll`'s epoll set);
    /// `None` for the others.
    fn as_any_mut(&mut self) -> Option<&mut dyn std::any::Any> {
        None
    }
}

/// One connected end of a [`Conn`], as [`make`] hands it to its family's `wrap`.
struct End {
    fd: OwnedFd,
    /// Where this end sends to (`sendto`); zero-length where the transport names no peer.
    peer: SockAddr,
    transport: Transport,
    /// The message size the pair was made for.
    size: usize,
}

impl End {
    /// Whether the transport is a byte stream.
    fn stream(&self) -> bool {
        self.transport.is_stream()
    }
}

/// The error of a family's `wrap` asked for a path of another family (a dispatch bug in
/// [`make`], never a user's input).
fn not_in_family(path: PathName, family: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{path} is not a path of the {family} family"),
    )
}

/// The messages one send call of [`Path::send_stream`] carries on `transport` at most: a GSO
/// path's segments per `sendmsg` (64 at 64 B, 46 at 1400 B: [`GSO_SEGMENTS`] within one UDP
/// payload) on udp, 1 for every other path. Stream mode counts its rounds in send calls, so a
/// round of `libc-gso` or `c-gso` holds this many times the messages of a per-message path's.
pub fn messages_per_send(path: PathName, transport: Transport, size: usize) -> u64 {
    match (path.only_in(), transport) {
        (Some(super::Mode::Stream), Transport::Udp) => gso::segments(size) as u64,
        _ => 1,
    }
}

/// Makes a connected pair on `transport` for messages of `size` bytes and wraps both ends in
/// `path`: `(a, b)` = (client, server). See the [module docs](self) for the mode operations.
///
/// # Errors
/// The failing setup call.
pub fn make(
    path: PathName,
    transport: Transport,
    size: usize,
) -> io::Result<(Box<dyn Path>, Box<dyn Path>)> {
    let conn = connect_pair(transport, size)?;
    let end = |fd, peer| End {
        fd,
        peer,
        transport,
        size,
    };
    Ok((
        wrap(path, end(conn.a, conn.a_peer))?,
        wrap(path, end(conn.b, conn.b_peer))?,
    ))
}

/// Wraps one connected end in `path`'s API: the dispatch to the families' files.
fn wrap(path: PathName, end: End) -> io::Result<Box<dyn Path>> {
    use PathName as P;
    match path {
        P::C
        | P::CSendRecv
        | P::CSendtoRecvfrom
        | P::CSendmsgRecvmsg
        | P::CMmsg
        | P::CInline
        | P::CGso => c::wrap(path, end),
        P::LibcReadWrite | P::LibcSendRecv | P::LibcSendtoRecvfrom | P::LibcSendmsgRecvmsg => {
            libc::wrap(path, end)
        }
        P::LibcMmsg => mmsg::wrap(end),
        P::LibcGso => gso::wrap(end),
        P::Std => std_net::wrap(end),
        P::Nix => nix::wrap(end),
        P::Socket2 => socket2::wrap(end),
        P::Rustix => rustix::wrap(end),
        P::CEpoll | P::CIoUring | P::CIoUringBatch | P::CBusyPoll => c::wrap(path, end),
        P::LibcEpoll => epoll::wrap(end),
        P::LibcBusyPoll => busy_poll::wrap(end),
        #[cfg(feature = "event")]
        P::Mio => mio::wrap(end),
        #[cfg(feature = "event")]
        P::Tokio => tokio::wrap(end),
        #[cfg(feature = "event")]
        P::IoUring | P::IoUringBatch => uring::wrap(path, end),
        #[cfg(not(feature = "event"))]
        P::Mio | P::Tokio | P::IoUring | P::IoUringBatch => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{path}: socklab was built without the `event` feature"),
        )),
    }
}

/// Why `path` cannot run `mode` ([`PathName::runs_in`]), as the skip note says it; `None` when
/// it can.
pub fn cannot_run(path: PathName, mode: super::Mode) -> Option<io::Error> {
    if path.runs_in(mode) {
        return None;
    }
    let modes = if path.only_in() == Some(super::Mode::Batch) {
        "batch"
    } else {
        "same-thread and rtt"
    };
    Some(io::Error::new(
        io::ErrorKind::Unsupported,
        format!("{path} in {mode}: it runs in {modes} only"),
    ))
}

/// The notes a group with these paths adds to the report: how the event paths are set up
/// (the io_uring flags and why, what `SO_BUSY_POLL` does on these transports, tokio's runtime).
pub fn notes(paths: &[PathName]) -> Vec<String> {
    let has = |p: &[PathName]| paths.iter().any(|x| p.contains(x));
    let mut out = Vec::new();
    if has(&[
        PathName::LibcEpoll,
        PathName::CEpoll,
        PathName::Mio,
        PathName::Tokio,
    ]) {
        out.push(
            "libc-epoll, c-epoll, mio: each end's epoll set watches EPOLLIN|EPOLLRDHUP|EPOLLET, \
             registered once; a call that would block waits in epoll_wait (8 events, no timeout, \
             as every event path: a timed wait arms an hrtimer per sleep). \
             tokio: a current_thread runtime (rt + net) per thread, one block_on per op (in \
             same-thread over both sockets); it registers EPOLLOUT too, so a wait first takes \
             the EPOLLOUT edge of its own send (one more epoll_wait)"
                .to_string(),
        );
    }
    if has(&[
        PathName::IoUring,
        PathName::IoUringBatch,
        PathName::CIoUring,
        PathName::CIoUringBatch,
    ]) {
        out.extend(ring::note());
    }
    if has(&[PathName::LibcBusyPoll, PathName::CBusyPoll]) {
        out.push(format!(
            "libc-busy-poll, c-busy-poll: SO_BUSY_POLL={BUSY_POLL_US} µs on both ends; the \
             kernel busy-polls only a NAPI device's queue (a NIC, veth with GRO or XDP on), so \
             on loopback and Unix sockets it has no effect: these rows are libc-send-recv and \
             c-send-recv again"
        ));
    }
    out
}

/// Runs `b.echo` on a new thread (pinned to `cpu` if given) with a `size`-byte buffer: the
/// server side of `rtt`. End it with [`stop_echo`] on the other end; the thread returns
/// [`Path::echo`]'s count.
///
/// An echo that fails ends its side as [`stop_echo`] would (an empty datagram, or a
/// `shutdown(SHUT_WR)`), so that a round trip waiting for its reply, with a wait that has no
/// timeout (the event paths'), returns ([`echo_ended`], end of stream) instead of hanging.
pub fn spawn_echo(
    mut b: Box<dyn Path>,
    size: usize,
    cpu: Option<usize>,
) -> JoinHandle<io::Result<u64>> {
    std::thread::spawn(move || {
        if let Some(cpu) = cpu {
            sys::sched_setaffinity(0, &sys::CpuSet::single(cpu)?)?;
        }
        let echoed = b.echo(&mut vec![0u8; size.max(1)]);
        if echoed.is_err() {
            let _ = stop_echo(&*b);
        }
        echoed
    })
}

/// The error of a round trip whose reply was an empty datagram: the echo thread ended (it
/// failed: [`spawn_echo`]).
pub fn echo_ended() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "rtt: an empty reply: the echo thread ended",
    )
}

/// Ends the peer's [`Path::echo`]: `shutdown(SHUT_WR)` on a stream, an empty datagram
/// otherwise.
///
/// # Errors
/// The failing `shutdown`/`write`.
pub fn stop_echo(a: &dyn Path) -> io::Result<()> {
    if a.is_stream() {
        sys::shutdown(a, Shutdown::Write)?;
    } else {
        sys::write(a, &[])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in PathName::ALL {
            assert_eq!(p.name().parse::<PathName>(), Ok(p));
        }
        for t in Transport::ALL {
            assert_eq!(t.name().parse::<Transport>(), Ok(t));
        }
        assert!("tcp6".parse::<Transport>().is_err());
    }

    /// An echo whose loop fails at once, as one that meets an error would.
    struct FailingEcho(Box<dyn Path>);

    impl AsFd for FailingEcho {
        fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
            self.0.as_fd()
        }
    }

    impl Path for FailingEcho {
        fn name(&self) -> PathName {
            self.0.name()
        }
        fn is_stream(&self) -> bool {
            self.0.is_stream()
        }
        fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.send(buf)
        }
        fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.recv(buf)
        }
        fn echo(&mut self, _buf: &mut [u8]) -> io::Result<u64> {
            Err(io::Error::other("the echo failed"))
        }
    }

    /// The event paths wait without a timeout: an echo thread that fails must wake the round
    /// trip waiting for its reply (an error, not a hang), on every transport.
    #[test]
    fn a_failed_echo_wakes_the_waiting_round_trip() {
        for t in Transport::ALL {
            for p in PathName::ALL
                .into_iter()
                .filter(|p| p.runs_in(crate::compare::Mode::Rtt))
            {
                let (mut a, b) = match make(p, t, 64) {
                    Err(e) if e.kind() == io::ErrorKind::Unsupported => continue,
                    r => r.unwrap(),
                };
                let (done, waited) = std::sync::mpsc::channel();
                let client = std::thread::spawn(move || {
                    let r = a.rtt_once(&mut [1u8; 64]);
                    let _ = done.send(r.as_ref().map_err(|e| e.kind()).copied());
                    drop(a);
                });
                let echo = spawn_echo(Box::new(FailingEcho(b)), 64, None);
                let got = waited
                    .recv_timeout(std::time::Duration::from_secs(10))
                    .unwrap_or_else(|_| panic!("{p} {t}: the round trip hangs"));
                // An empty reply or the end of the stream, or what the closed peer left
                // (ECONNRESET, ECONNREFUSED, EPIPE, by when the message went out): an error.
                assert!(got.is_err(), "{p} {t}: {got:?}");
                assert!(echo.join().unwrap().is_err(), "{p} {t}");
                client.join().unwrap();
            }
        }
    }

    /// Every available path on every transport: one same-thread pair, one echoed round trip.
    #[test]
    fn every_path_moves_bytes() {
        for t in Transport::ALL {
            for p in PathName::ALL {
                let (mut a, mut b) = match make(p, t, 100) {
                    Err(e) if e.kind() == io::ErrorKind::Unsupported => continue,
                    r => r.unwrap(),
                };
                let mut buf: Vec<u8> = (0..100).collect();
                a.pair_once(&mut *b, &mut buf).unwrap();
                assert_eq!(buf, (0..100).collect::<Vec<u8>>(), "{p} {t}");
                let echo = spawn_echo(b, 100, None);
                a.rtt_once(&mut buf).unwrap();
                assert_eq!(buf, (0..100).collect::<Vec<u8>>(), "{p} {t}");
                stop_echo(&*a).unwrap();
                assert!(echo.join().unwrap().unwrap() >= 1, "{p} {t}");
            }
        }
    }
}
