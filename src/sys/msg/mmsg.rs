//! sendmmsg(2)/recvmmsg(2) over a reusable [`MmsgBatch`] of message slots, each with its
//! buffer, address and [`CmsgBuffer`].

use std::fmt;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::raw::{c_int, c_uint};
use std::ptr;
use std::time::Duration;

use libc::{iovec, mmsghdr, sockaddr_storage, socklen_t, timespec};

use super::super::fmt::msg_flags;
use super::super::io::{bytes_written, refuse_devmem};
use super::super::{cvt, raw, refuse, Args, Errno, Result, SockAddr};
use super::STORAGE_LEN;
use super::{controllen_of, new_msghdr, to_timespec, written_addr, zeroed_storage, CmsgBuffer};

/// A reusable batch for [`sendmmsg`]/[`recvmmsg`]: `n` message slots of `capacity` bytes each,
/// with their `sockaddr_storage`s, optional per-message control buffers, `iovec`s and
/// `mmsghdr`s, allocated once.
///
/// Each slot holds data (`..len` bytes of its buffer), an address and a [`CmsgBuffer`]:
/// - fill slots with [`set`](MmsgBatch::set) (data + optional destination) and send the first
///   `vlen` with [`sendmmsg`];
/// - [`recvmmsg`] fills the first slots with datagrams, their sources and control data; read them
///   with [`iter`](MmsgBatch::iter) / [`get`](MmsgBatch::get);
/// - a received batch can be sent back unchanged (each slot's source is now its destination):
///   that is an echo server in two calls. fds a slot received go back with it while the slot
///   owns them; once taken with [`CmsgBuffer::take_fds`] their numbers in the slot are `-1`
///   (the kernel answers `EBADF`; `control_mut(i).clear()` sends the slot without them), so
///   an echo never passes a file that reused a closed fd's number.
///
/// Slot control buffers are `CmsgBuffer<'static>`: a batch borrows no fds, so to send fds of
/// your own with [`sendmmsg`] push them with the `unsafe` [`CmsgBuffer::push_unchecked`] (or
/// send them with [`sendmsg_cmsg`](super::sendmsg_cmsg)). A slot holding `SCM_RIGHTS` pushed
/// with the safe [`CmsgBuffer::push`] makes [`sendmmsg`] fail with `EINVAL`.
///
/// **Safe reuse.** `msg_namelen`, `msg_controllen`, `msg_len`, `msg_flags` and `iov_len` are
/// in-out fields the kernel rewrites; every call resets all of them, and rewrites every pointer
/// from the batch's heap allocations, before entering the kernel. So a batch can be reused any
/// number of times and moved freely between calls (nix bugs #2506, #2813 and #1602 came from
/// reusing stale values). Receive buffers are never zeroed: the kernel writes them.
///
/// ```
/// use socklab::sys::{self, MmsgBatch, SockAddr, AF_INET, SOCK_DGRAM};
/// let lo = SockAddr::from(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
/// let (a, b) = (sys::socket(AF_INET, SOCK_DGRAM, 0)?, sys::socket(AF_INET, SOCK_DGRAM, 0)?);
/// sys::bind(&a, &lo)?;
/// sys::bind(&b, &lo)?;
/// let to = sys::getsockname(&b)?;
/// let mut tx = MmsgBatch::new(4, 64);
/// for (i, word) in ["zero", "one", "two"].iter().enumerate() {
///     tx.set(i, word.as_bytes(), Some(&to))?;
/// }
/// assert_eq!(sys::sendmmsg(&a, &mut tx, 3, 0)?, 3);
/// let mut rx = MmsgBatch::new(4, 64);
/// assert_eq!(sys::recvmmsg(&b, &mut rx, 4, sys::MSG_DONTWAIT, None)?, 3);
/// let got: Vec<&[u8]> = rx.iter().map(|m| m.bytes()).collect();
/// assert_eq!(got, [&b"zero"[..], b"one", b"two"]);
/// assert_eq!(rx.get(0).unwrap().addr(), Some(sys::getsockname(&a)?));
/// # Ok::<(), socklab::Error>(())
/// ```
pub struct MmsgBatch {
    /// Bytes per message buffer.
    cap: usize,
    /// `n * cap` bytes: message `i` lives at `i * cap`. Boxed, so its address survives moves.
    bufs: Box<[MaybeUninit<u8>]>,
    /// Slot `i`'s valid bytes: the first `lens[i]` bytes of its buffer are initialized.
    lens: Box<[usize]>,
    /// Slot `i`'s address: destination to send to, or source received from.
    names: Box<[sockaddr_storage]>,
    /// Slot `i`'s address length; 0 = no address (`msg_name` NULL on send).
    namelens: Box<[socklen_t]>,
    /// Slot `i`'s control buffer (capacity 0 unless [`with_control`](Self::with_control)).
    controls: Box<[CmsgBuffer<'static>]>,
    /// One iovec per slot, rewritten before each call.
    iovs: Box<[iovec]>,
    /// The array handed to the kernel, rewritten before each call.
    hdrs: Box<[mmsghdr]>,
    /// How many messages the last call moved (its return value); 0 after `set`.
    count: usize,
}

// SAFETY: the raw pointers inside `iovs` and `hdrs` only ever point into the batch's own heap
// allocations, are rewritten before every call, and are only dereferenced (by the kernel) during
// a call that holds `&mut self`. Nothing is tied to the creating thread, so the batch may move
// to another thread.
unsafe impl Send for MmsgBatch {}
// SAFETY: through `&MmsgBatch` only initialized bytes and plain values are read; the raw
// pointers are never dereferenced without `&mut self`.
unsafe impl Sync for MmsgBatch {}

impl MmsgBatch {
    /// A batch of `n` slots with `capacity` bytes each (allocated once, uninitialized) and no
    /// control buffers.
    ///
    /// # Panics
    /// If `n * capacity` overflows `usize`.
    pub fn new(n: usize, capacity: usize) -> MmsgBatch {
        let total = n
            .checked_mul(capacity)
            .expect("MmsgBatch: n * capacity overflows");
        let zero_iov = iovec {
            iov_base: ptr::null_mut(),
            iov_len: 0,
        };
        let zero_hdr = |_| mmsghdr {
            msg_hdr: new_msghdr(ptr::null_mut(), 0, ptr::null_mut(), 0, (ptr::null_mut(), 0)),
            msg_len: 0,
        };
        MmsgBatch {
            cap: capacity,
            bufs: Box::new_uninit_slice(total),
            lens: vec![0; n].into(),
            names: vec![zeroed_storage(); n].into(),
            namelens: vec![0; n].into(),
            controls: (0..n).map(|_| CmsgBuffer::new()).collect(),
            iovs: vec![zero_iov; n].into(),
            hdrs: (0..n).map(zero_hdr).collect(),
            count: 0,
        }
    }

    /// Gives every slot a control buffer of `control_capacity` bytes (see
    /// [`cmsg_space`](super::cmsg_space)), for per-message ancillary data (`SCM_RIGHTS`,
    /// `IP_PKTINFO`, timestamps…).
    pub fn with_control(mut self, control_capacity: usize) -> MmsgBatch {
        for c in self.controls.iter_mut() {
            *c = CmsgBuffer::with_capacity(control_capacity);
        }
        self
    }

    /// The number of slots, the largest `vlen` a call may use.
    pub fn slots(&self) -> usize {
        self.lens.len()
    }

    /// The bytes per message buffer.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// How many messages the last [`sendmmsg`]/[`recvmmsg`] moved (its return value); 0 before
    /// any call, after a failed one, and after [`set`](Self::set).
    pub fn count(&self) -> usize {
        self.count
    }

    /// Fills slot `i` for sending: copies `data` into its buffer and sets its destination
    /// (`None` = no `msg_name`, for a connected socket). Clears the last call's results.
    ///
    /// # Errors
    /// `EMSGSIZE` if `data` is longer than the slot's capacity (nothing is truncated); `EINVAL`
    /// with a note for a truncated `addr` ([`SockAddr::is_truncated`]).
    ///
    /// # Panics
    /// If `i` is not below [`slots`](Self::slots), as slice indexing does.
    pub fn set(&mut self, i: usize, data: &[u8], addr: Option<&SockAddr>) -> Result<()> {
        assert!(
            i < self.slots(),
            "slot {i} out of range: {} slots",
            self.slots()
        );
        if let Some(a) = addr {
            a.check_whole("MmsgBatch::set", || format!("slot {i}, {a}"))?;
        }
        if data.len() > self.cap {
            let args = format!("slot {i}, {} bytes", data.len());
            let why = format!("each slot holds {} bytes", self.cap);
            return Err(refuse(Errno::EMSGSIZE, "MmsgBatch::set", args, why));
        }
        self.count = 0;
        let slot = &mut self.bufs[i * self.cap..][..data.len()];
        for (dst, &src) in slot.iter_mut().zip(data) {
            dst.write(src);
        }
        self.lens[i] = data.len();
        match addr {
            Some(a) => {
                self.names[i] = *a.as_storage();
                self.namelens[i] = a.len();
            }
            None => self.namelens[i] = 0,
        }
        Ok(())
    }

    /// Slot `i`'s control buffer: push cmsgs to send with message `i`, or take the fds it
    /// received.
    ///
    /// # Panics
    /// If `i` is not below [`slots`](Self::slots).
    pub fn control_mut(&mut self, i: usize) -> &mut CmsgBuffer<'static> {
        &mut self.controls[i]
    }

    /// Message `i` of the last call, if `i < count()`.
    pub fn get(&self, i: usize) -> Option<MmsgMsg<'_>> {
        (i < self.count).then_some(MmsgMsg { batch: self, i })
    }

    /// The messages of the last call, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = MmsgMsg<'_>> + '_ {
        (0..self.count).map(move |i| MmsgMsg { batch: self, i })
    }

    /// Checks `vlen` against the slots, for `call`'s error.
    fn check_vlen(&self, vlen: usize, call: &'static str, fd: RawFd) -> Result<()> {
        if vlen > self.slots() {
            return Err(refuse(
                Errno::EINVAL,
                call,
                format!("fd {fd}, msgvec, {vlen}"),
                format!("the batch has {} slots", self.slots()),
            ));
        }
        Ok(())
    }

    /// Rewrites the first `vlen` iovecs and mmsghdrs — every pointer and every in-out field —
    /// for a receive (`recv`: full buffers, full name storage, full control capacity) or a send
    /// (each slot's data length, address length and control bytes).
    fn prepare(&mut self, vlen: usize, recv: bool) {
        self.count = 0;
        let cap = self.cap;
        // Base pointers are taken once, and the slices they point into are not reborrowed
        // before the call, so the pointers stay valid.
        let bufp = self.bufs.as_mut_ptr();
        for (i, iov) in self.iovs[..vlen].iter_mut().enumerate() {
            iov.iov_base = bufp.wrapping_add(i * cap).cast();
            iov.iov_len = if recv { cap } else { self.lens[i] };
        }
        let iovp = self.iovs.as_mut_ptr();
        let namep = self.names.as_mut_ptr();
        for (i, hdr) in self.hdrs[..vlen].iter_mut().enumerate() {
            let namelen = if recv { STORAGE_LEN } else { self.namelens[i] };
            let name = match namelen {
                0 => ptr::null_mut(),
                _ => namep.wrapping_add(i).cast(),
            };
            let control = match recv {
                true => self.controls[i].recv_parts(),
                false => self.controls[i].send_parts(),
            };
            let iov = iovp.wrapping_add(i);
            hdr.msg_hdr = new_msghdr(name, namelen, iov, 1, control);
            hdr.msg_len = 0;
        }
    }
}

impl fmt::Debug for MmsgBatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MmsgBatch")
            .field("slots", &self.slots())
            .field("capacity", &self.cap)
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

/// One message of an [`MmsgBatch`] after a call: its bytes, `msg_len`, address and flags.
#[derive(Clone, Copy)]
pub struct MmsgMsg<'a> {
    batch: &'a MmsgBatch,
    i: usize,
}

impl<'a> MmsgMsg<'a> {
    /// The message's index in the batch.
    pub fn index(&self) -> usize {
        self.i
    }

    /// The bytes: the ones the kernel wrote (received) or those [`set`](MmsgBatch::set) (sent).
    /// After a receive that is `min(msg_len, capacity)`, except with `MSG_TRUNC` where the
    /// kernel is not known to copy that much — a stream socket (TCP discards without writing),
    /// `MSG_PEEK | MSG_TRUNC` on UDP, a family outside socklab's list (see
    /// [`RecvBuf`](super::super::RecvBuf)): none. Never bytes of an earlier call.
    pub fn bytes(&self) -> &'a [u8] {
        let b = self.batch;
        let slot = &b.bufs[self.i * b.cap..][..b.lens[self.i]];
        // SAFETY: the first `lens[i]` bytes of slot `i` are initialized — written by `set`, or
        // by the kernel in the recvmmsg that set `lens[i]` to min(msg_len, cap), or to 0 when
        // `bytes_written` says it wrote none — and MaybeUninit<u8> has u8's layout.
        unsafe { &*(slot as *const [MaybeUninit<u8>] as *const [u8]) }
    }

    /// The kernel's `msg_len`: bytes received (with `MSG_TRUNC`, the datagram's full length,
    /// which may exceed the capacity, or on TCP the bytes discarded unwritten) or bytes sent.
    /// The data is [`bytes`](Self::bytes).
    pub fn msg_len(&self) -> usize {
        self.batch.hdrs[self.i].msg_len as usize
    }

    /// The source address received (`None` if the kernel wrote none), or the destination sent to.
    pub fn addr(&self) -> Option<SockAddr> {
        written_addr(&self.batch.names[self.i], self.batch.namelens[self.i])
    }

    /// `msg_flags` as the kernel wrote them (`MSG_TRUNC`, `MSG_CTRUNC`…).
    pub fn msg_flags(&self) -> c_int {
        self.batch.hdrs[self.i].msg_hdr.msg_flags
    }

    /// Whether `MSG_TRUNC` is set: the datagram was longer than the slot.
    pub fn is_truncated(&self) -> bool {
        self.msg_flags() & libc::MSG_TRUNC != 0
    }

    /// The message's control buffer (received cmsgs and fds).
    pub fn control(&self) -> &'a CmsgBuffer<'static> {
        &self.batch.controls[self.i]
    }
}

impl fmt::Debug for MmsgMsg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MmsgMsg")
            .field("index", &self.i)
            .field("msg_len", &self.msg_len())
            .field("addr", &self.addr())
            .field("msg_flags", &self.msg_flags())
            .finish()
    }
}

/// `sendmmsg(sockfd, msgvec, vlen, flags)` — sendmmsg(2).
///
/// Rust adds: `msgvec` is an [`MmsgBatch`]; its first `vlen` slots (filled with
/// [`MmsgBatch::set`]) are sent, each with its own destination and control data. Returns C's
/// value, the number of messages sent, which can be fewer than `vlen` (a later one failed, or a
/// non-blocking socket filled up); each one's `msg_len` is then in the batch. Never retries
/// `EINTR`.
///
#[doc = errors_doc!(sendmmsg)]
///
/// A failure after the first message was sent is not an error: the count sent so far comes back.
///
/// # Example
/// ```
/// use socklab::sys::{self, MmsgBatch, AF_UNIX, SOCK_DGRAM};
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// let mut batch = MmsgBatch::new(2, 16);
/// batch.set(0, b"one", None)?;
/// batch.set(1, b"two", None)?;
/// assert_eq!(sys::sendmmsg(&a, &mut batch, 2, 0)?, 2);
/// assert_eq!(batch.get(1).unwrap().msg_len(), 3);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(sendmmsg(2))]
pub fn sendmmsg(
    sockfd: impl AsFd,
    msgvec: &mut MmsgBatch,
    vlen: usize,
    flags: c_int,
) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    msgvec.check_vlen(vlen, "sendmmsg", fd)?;
    let unvouched = msgvec.controls[..vlen]
        .iter()
        .enumerate()
        .find_map(|(i, c)| Some((i, c.unvouched_rights()?)));
    if let Some((i, why)) = unvouched {
        let args = Args::sendmmsg(fd, vlen, flags);
        return Err(refuse(
            Errno::EINVAL,
            "sendmmsg",
            args,
            format!("slot {i}: {why}"),
        ));
    }
    msgvec.prepare(vlen, false);
    // SAFETY: `prepare` just wrote `vlen` mmsghdrs (vlen <= slots, checked) whose name, iovec
    // and control pointers are NULL with length 0 or point into the batch's own live heap
    // allocations, readable for the lengths stated (each slot's initialized data, address
    // length, and valid control bytes). The batch is exclusively borrowed for the call; the
    // kernel only writes the `msg_len` fields.
    let n = unsafe { raw::sendmmsg(fd, msgvec.hdrs.as_mut_ptr(), vlen as c_uint, flags) };
    let n = cvt(n, "sendmmsg", || Args::sendmmsg(fd, vlen, flags))? as usize;
    msgvec.count = n;
    Ok(n)
}

/// `recvmmsg(sockfd, msgvec, vlen, flags, timeout)` — recvmmsg(2).
///
/// Rust adds: `msgvec` is an [`MmsgBatch`] whose first `vlen` slots receive (every in-out field
/// reset first); `timeout` is a [`Duration`] (`None` = NULL). Returns C's value, the number of
/// messages received; read them with [`MmsgBatch::iter`]. fds received with `SCM_RIGHTS` are
/// owned by each slot's [`CmsgBuffer`]. Never retries `EINTR`.
///
/// As recvmmsg(2)'s BUGS section says, the timeout is only checked after each datagram arrives:
/// it does not bound the wait for the first one. To not block on an empty socket, pass
/// `MSG_DONTWAIT` (or `MSG_WAITFORONE` to block for the first message only).
/// The time left, which the kernel writes back into C's `timeout`, is not returned.
///
#[doc = errors_doc!(recvmmsg)]
///
/// # Example
/// ```
/// use socklab::sys::{self, MmsgBatch, AF_UNIX, SOCK_DGRAM, MSG_DONTWAIT, Errno};
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// let mut batch = MmsgBatch::new(8, 2048);
/// let err = sys::recvmmsg(&b, &mut batch, 8, MSG_DONTWAIT, None).unwrap_err();
/// assert_eq!(err.code(), Errno::EAGAIN);
/// sys::send(&a, b"datagram", 0)?;
/// assert_eq!(sys::recvmmsg(&b, &mut batch, 8, MSG_DONTWAIT, None)?, 1);
/// assert_eq!(batch.get(0).unwrap().bytes(), b"datagram");
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(recvmmsg(2))]
pub fn recvmmsg(
    sockfd: impl AsFd,
    msgvec: &mut MmsgBatch,
    vlen: usize,
    flags: c_int,
    timeout: Option<Duration>,
) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    msgvec.check_vlen(vlen, "recvmmsg", fd)?;
    refuse_devmem(flags, "recvmmsg", || {
        format!("fd {fd}, msgvec, {vlen}, {}", msg_flags(flags))
    })?;
    let mut ts = timeout.map(to_timespec);
    let tsp = ts.as_mut().map_or(ptr::null_mut(), |t| t as *mut timespec);
    msgvec.prepare(vlen, true);
    // SAFETY: `prepare` just wrote `vlen` mmsghdrs (vlen <= slots, checked) whose pointers
    // point into the batch's own live heap allocations, writable for the lengths stated: a
    // `cap`-byte buffer per iovec, a sockaddr_storage per name, each control buffer's capacity
    // (or NULL/0). The batch is exclusively borrowed for the call. `tsp` is NULL or points to
    // the local `ts`, readable and writable.
    let n = unsafe { raw::recvmmsg(fd, msgvec.hdrs.as_mut_ptr(), vlen as c_uint, flags, tsp) };
    let n = cvt(n, "recvmmsg", || Args::recvmmsg(fd, vlen, flags, timeout))? as usize;
    let b = &mut *msgvec;
    // With MSG_TRUNC, msg_len is not a write count (see bytes_written); one SO_TYPE (and
    // SO_DOMAIN) read tells for the whole batch: `full` is what the kernel wrote for a message
    // of `cap` bytes or more.
    let full = match n {
        0 => 0,
        _ => bytes_written(fd, flags, b.cap, b.cap),
    };
    for i in 0..n {
        let hdr = &b.hdrs[i];
        // Invariant for `bytes()`: the kernel wrote the first `lens[i]` bytes of slot `i`:
        // min(msg_len, iov_len = cap), or none for a stream socket with MSG_TRUNC.
        let len = hdr.msg_len as usize;
        b.lens[i] = if full == 0 { 0 } else { len.min(b.cap) };
        b.namelens[i] = hdr.msg_hdr.msg_namelen;
        let controllen = controllen_of(&hdr.msg_hdr);
        b.controls[i].finish_recv(controllen);
    }
    b.count = n;
    Ok(n)
}
