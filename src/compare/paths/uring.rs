//! `io-uring` and `io-uring-batch`: the io-uring crate (feature `event`); twins `c-io-uring` and
//! `c-io-uring-batch`, the same SQEs through the raw syscalls.
//!
//! The one module of the paths that opts in to `unsafe` (`#[allow(unsafe_code)]` where
//! `paths/mod.rs` declares it): the crate's `push` is `unsafe`, because the kernel reads and
//! writes the buffers an SQE names until its completion comes, whatever Rust does with them in
//! between. Every op here therefore submits its SQEs and waits, in the same call, for all of
//! their completions ([`Ring::complete`]), and should `io_uring_enter` fail in a way no op can
//! outlive (no such error is known for these arguments), the process ends ([`strand`]) rather
//! than hand the buffers back.
//!
//! Each thread has its rings ([`ring::Pool`]: made on first use, kept until the thread ends),
//! the measuring thread's driving its ends, the echo thread's in rtt, set up with
//! [`ring::setup`]'s flags (`SINGLE_ISSUER | DEFER_TASKRUN` by default). An op is one `io_uring_enter` (`submit_and_wait`: `GETEVENTS`, no timeout, as every
//! event path waits: `epoll.rs` says why): same-thread links the SEND on one end to the RECV on
//! the other (`IOSQE_IO_LINK`), rtt the SEND to the RECV of the echo on the same end, and the
//! echo links each SEND to its next RECV. `io-uring-batch` queues `--batch` such pairs and waits
//! for all `2 × batch` completions in one `io_uring_enter`.

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use io_uring::{opcode, squeue, types, IoUring};

use super::{ring, End, Path, PathName};
use crate::compare::cfloor::twins::strand;

/// Wraps `end` in `io-uring` or `io-uring-batch`.
///
/// # Errors
/// `Unsupported` where no ring can be set up ([`ring::setup`]).
pub(super) fn wrap(path: PathName, end: End) -> io::Result<Box<dyn Path>> {
    let setup = ring::setup(path)?;
    let stream = end.stream();
    Ok(Box::new(UringPath {
        fd: end.fd,
        stream,
        path,
        setup,
        spare: vec![0; end.size.max(1)],
        rx_bufs: Vec::new(),
    }))
}

/// A ring and the results of the ops of the current call.
struct Ring {
    ring: IoUring,
    /// Each op's result by its index (`user_data`).
    res: Vec<i32>,
}

impl Ring {
    /// A ring of `entries` SQEs with `flags` (`IORING_SETUP_*`).
    fn new(entries: usize, flags: u32) -> io::Result<Ring> {
        let einval = || io::Error::from_raw_os_error(libc::EINVAL);
        let n = u32::try_from(entries).map_err(|_| einval())?;
        let mut b = IoUring::builder();
        if flags & ring::SINGLE_ISSUER != 0 {
            b.setup_single_issuer();
        }
        if flags & ring::DEFER_TASKRUN != 0 {
            b.setup_defer_taskrun();
        }
        let ring = b.build(n)?;
        let sq = ring.params().sq_entries() as usize;
        Ok(Ring {
            ring,
            res: vec![0; sq],
        })
    }

    /// SQEs the ring holds.
    fn entries(&self) -> usize {
        self.res.len()
    }

    /// Queues `entries`.
    ///
    /// # Safety
    /// The buffers the entries name must stay valid, for the kernel's reads (SEND) and writes
    /// (RECV) and untouched by Rust, until [`Ring::complete`] returns for them.
    unsafe fn queue(&mut self, entries: &[squeue::Entry]) -> io::Result<()> {
        let mut sq = self.ring.submission();
        // SAFETY: what the entries point to stays valid until `complete` returns (# Safety
        // above); the entries themselves are copied into the ring here.
        unsafe { sq.push_multiple(entries) }
            .map_err(|_| io::Error::other("io-uring: the submission queue is full"))
    }

    /// Takes the completions there are into `res`; returns how many.
    fn reap(&mut self) -> usize {
        let mut n = 0;
        for cqe in self.ring.completion() {
            n += 1;
            let i = cqe.user_data();
            if let Some(r) = self.res.get_mut(i as usize) {
                *r = cqe.result();
            }
        }
        n
    }

    /// Submits the `n` ops queued (`user_data` 0..n) and waits for all their completions, in
    /// one `io_uring_enter` when nothing interrupts it (`EINTR`: again, submitting nothing). An
    /// `io_uring_enter` failing otherwise ends the process ([`strand`]): its ops may still
    /// write into the caller's buffers.
    fn complete(&mut self, n: usize) -> io::Result<()> {
        let mut got = 0;
        loop {
            got += self.reap();
            if got >= n {
                return Ok(());
            }
            match self.ring.submit_and_wait(n - got) {
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => {}
                Err(_) => strand("io-uring"),
            }
        }
    }

    /// One SEND (`recv: false`) or RECV of `len` bytes at `ptr` on `fd`; its result.
    ///
    /// # Safety
    /// `ptr` valid for `len` bytes: readable (SEND) or writable (RECV), for the call.
    unsafe fn one(&mut self, fd: i32, ptr: *mut u8, len: usize, recv: bool) -> io::Result<i32> {
        let len = u32::try_from(len).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        let e = if recv {
            opcode::Recv::new(types::Fd(fd), ptr, len).build()
        } else {
            opcode::Send::new(types::Fd(fd), ptr, len).build()
        };
        // SAFETY: `ptr` is valid as the op needs for the whole call (# Safety above), and
        // `complete` returns only after the op's completion.
        unsafe { self.queue(&[e.user_data(0)])? };
        self.complete(1)?;
        Ok(self.res[0])
    }

    /// A whole message out: one SEND, or SENDs until all of `buf` went on a stream.
    fn send_msg(&mut self, fd: i32, buf: &[u8], stream: bool) -> io::Result<()> {
        let mut done = 0;
        loop {
            let rest = &buf[done..];
            // SAFETY: `rest` is a live slice the SEND only reads, for this call.
            let n = unsafe { self.one(fd, rest.as_ptr().cast_mut(), rest.len(), false)? };
            done += result(n)?;
            if !stream || done >= buf.len() {
                return Ok(());
            }
        }
    }

    /// A whole message in: one RECV, or RECVs until `buf` is full on a stream; its length.
    fn recv_msg(&mut self, fd: i32, buf: &mut [u8], stream: bool) -> io::Result<usize> {
        if stream && buf.is_empty() {
            return Ok(0);
        }
        let mut done = 0;
        loop {
            let rest = &mut buf[done..];
            // SAFETY: `rest` is a live `&mut` slice the RECV writes, for this call.
            let n = unsafe { self.one(fd, rest.as_mut_ptr(), rest.len(), true)? };
            match result(n)? {
                0 if stream => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => done += n,
            }
            if !stream || done >= buf.len() {
                return Ok(done);
            }
        }
    }

    /// SEND `buf` on `tx` linked to a RECV into it on `rx`, one `io_uring_enter`; a stream's
    /// rest as [`Ring::send_msg`] and [`Ring::recv_msg`].
    fn pair_once(&mut self, tx: i32, rx: i32, buf: &mut [u8], stream: bool) -> io::Result<()> {
        let len =
            u32::try_from(buf.len()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        let ptr = buf.as_mut_ptr();
        let send = opcode::Send::new(types::Fd(tx), ptr, len)
            .build()
            .flags(squeue::Flags::IO_LINK)
            .user_data(0);
        let recv = opcode::Recv::new(types::Fd(rx), ptr, len)
            .build()
            .user_data(1);
        // SAFETY: `buf` is a live `&mut` slice, read by the SEND and then written by the RECV
        // (linked: one after the other), and left alone here until `complete` returns after
        // both completions.
        unsafe { self.queue(&[send, recv])? };
        self.complete(2)?;
        let (sent, got) = (result(self.res[0])?, result(self.res[1])?);
        // An empty datagram back is an echo that ended; zero bytes, the end of a stream.
        if got == 0 && !buf.is_empty() {
            return Err(if stream {
                io::ErrorKind::UnexpectedEof.into()
            } else {
                super::echo_ended()
            });
        }
        if !stream {
            return Ok(());
        }
        // The RECV wrote no further than the SEND had sent.
        if sent < buf.len() {
            self.send_msg(tx, &buf[sent..], true)?;
        }
        if got < buf.len() {
            self.recv_msg(rx, &mut buf[got..], true)?;
        }
        Ok(())
    }

    /// The echo of rtt: a RECV, then each message's SEND linked to the next RECV (into `buf`
    /// and `spare` in turn), until a RECV returns 0; the messages echoed.
    fn echo(&mut self, fd: i32, buf: &mut [u8], spare: &mut [u8], stream: bool) -> io::Result<u64> {
        let cap = buf.len();
        let cap32 = u32::try_from(cap).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        if spare.len() < cap {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        let (mut cur, mut next) = (buf.as_mut_ptr(), spare.as_mut_ptr());
        let mut echoes = 0;
        // SAFETY: `cur` is `buf`, a live `&mut` slice of `cap` bytes, for this call.
        let mut n = result(unsafe { self.one(fd, cur, cap, true)? })?;
        while n > 0 {
            // `n` <= `cap`: a RECV writes no more than it was given.
            let send = opcode::Send::new(types::Fd(fd), cur, n as u32)
                .build()
                .flags(squeue::Flags::IO_LINK)
                .user_data(0);
            let recv = opcode::Recv::new(types::Fd(fd), next, cap32)
                .build()
                .user_data(1);
            // SAFETY: `cur` and `next` are `buf` and `spare` (in some order), two live `&mut`
            // slices of at least `cap` bytes, untouched here until `complete` returns after
            // both completions.
            unsafe { self.queue(&[send, recv])? };
            self.complete(2)?;
            let (sent, got) = (result(self.res[0])?, self.res[1]);
            if stream && sent < n {
                // SAFETY: `cur` holds the message just received, `n` bytes of a live slice.
                let rest = unsafe { std::slice::from_raw_parts(cur.add(sent), n - sent) };
                self.send_msg(fd, rest, true)?;
            }
            echoes += 1;
            n = result(got)?;
            std::mem::swap(&mut cur, &mut next);
        }
        Ok(echoes)
    }

    /// `n` pairs of SEND(`buf`) on `tx` linked to a RECV on `rx` into slot `i` of `rx_bufs`, one
    /// `io_uring_enter` for all `2n` completions (datagrams).
    fn batch(
        &mut self,
        tx: i32,
        rx: i32,
        buf: &[u8],
        rx_bufs: &mut [u8],
        n: usize,
    ) -> io::Result<()> {
        let einval = || io::Error::from_raw_os_error(libc::EINVAL);
        let len = buf.len();
        let len32 = u32::try_from(len).map_err(|_| einval())?;
        if n == 0 || 2 * n > self.entries() || rx_bufs.len() < n * len {
            return Err(einval());
        }
        let mut entries = Vec::with_capacity(2 * n);
        for (i, slot) in rx_bufs.chunks_exact_mut(len.max(1)).take(n).enumerate() {
            let i = i as u64;
            entries.push(
                opcode::Send::new(types::Fd(tx), buf.as_ptr(), len32)
                    .build()
                    .flags(squeue::Flags::IO_LINK)
                    .user_data(2 * i),
            );
            entries.push(
                opcode::Recv::new(types::Fd(rx), slot.as_mut_ptr(), len32)
                    .build()
                    .user_data(2 * i + 1),
            );
        }
        // SAFETY: the SENDs read `buf` and the RECVs write `n` disjoint slots of `rx_bufs`, both
        // live borrows untouched here until `complete` returns after all `2n` completions.
        unsafe { self.queue(&entries)? };
        self.complete(2 * n)?;
        for i in 0..2 * n {
            result(self.res[i])?;
        }
        if (0..n).any(|i| self.res[2 * i] as usize != len) {
            return Err(io::Error::from_raw_os_error(libc::EIO));
        }
        Ok(())
    }
}

/// A completion's result as a byte count, or its errno.
fn result(res: i32) -> io::Result<usize> {
    usize::try_from(res).map_err(|_| io::Error::from_raw_os_error(-res))
}

/// `io-uring` / `io-uring-batch`: one end and its ring.
struct UringPath {
    fd: OwnedFd,
    stream: bool,
    path: PathName,
    setup: ring::RingSetup,
    /// The echo's second buffer.
    spare: Vec<u8>,
    /// Batch mode: where the receives of a batch land.
    rx_bufs: Vec<u8>,
}

thread_local! {
    /// This thread's rings (see [`ring::Pool`] for why they live as long as it).
    static RINGS: RefCell<ring::Pool<Ring>> = const { RefCell::new(ring::Pool::new()) };
}

/// Runs `op` on this thread's smallest ring of at least `entries` SQEs, made with `flags` on
/// first use.
fn with_ring<T>(
    entries: usize,
    flags: u32,
    op: impl FnOnce(&mut Ring) -> io::Result<T>,
) -> io::Result<T> {
    RINGS.with(|rings| op(rings.borrow_mut().get(entries, |n| Ring::new(n, flags))?))
}

impl AsFd for UringPath {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Path for UringPath {
    fn name(&self) -> PathName {
        self.path
    }
    fn is_stream(&self) -> bool {
        self.stream
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (fd, stream) = (self.fd.as_raw_fd(), self.stream);
        with_ring(ring::OP_ENTRIES, self.setup.flags, |r| {
            r.send_msg(fd, buf, stream)
        })
        .map(|()| buf.len())
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (fd, stream) = (self.fd.as_raw_fd(), self.stream);
        match with_ring(ring::OP_ENTRIES, self.setup.flags, |r| {
            r.recv_msg(fd, buf, stream)
        }) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
            res => res,
        }
    }
    fn pair_once(&mut self, rx: &mut dyn Path, buf: &mut [u8]) -> io::Result<()> {
        let (tx, rx, stream) = (self.fd.as_raw_fd(), rx.as_fd().as_raw_fd(), self.stream);
        with_ring(ring::OP_ENTRIES, self.setup.flags, |r| {
            r.pair_once(tx, rx, buf, stream)
        })
    }
    fn rtt_once(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let (fd, stream) = (self.fd.as_raw_fd(), self.stream);
        with_ring(ring::OP_ENTRIES, self.setup.flags, |r| {
            r.pair_once(fd, fd, buf, stream)
        })
    }
    fn echo(&mut self, buf: &mut [u8]) -> io::Result<u64> {
        if self.spare.len() < buf.len() {
            self.spare.resize(buf.len(), 0);
        }
        let (fd, stream, spare) = (self.fd.as_raw_fd(), self.stream, &mut self.spare);
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
        let (tx, rx, rx_bufs) = (
            self.fd.as_raw_fd(),
            rx.as_fd().as_raw_fd(),
            &mut self.rx_bufs,
        );
        with_ring(ring::entries_for(n), self.setup.flags, |r| {
            r.batch(tx, rx, buf, rx_bufs, n)
        })
    }
}
