//! sendmsg(2)/recvmsg(2)/sendmmsg(2)/recvmmsg(2): scatter-gather messages with ancillary data
//! ([`CmsgBuffer`], SCM_RIGHTS fds received as `OwnedFd`), and the reusable [`MmsgBatch`].

use std::fmt;
use std::io::{IoSlice, IoSliceMut};
use std::mem::{self, offset_of, size_of, MaybeUninit};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::raw::{c_int, c_uint, c_void};
use std::ptr;
use std::time::Duration;

use libc::{cmsghdr, iovec, mmsghdr, msghdr, sockaddr_storage, socklen_t, timespec};

use super::fmt::msg_flags;
use super::{cvt, raw, Errno, Error, Result, SockAddr};

/// `SCM_PIDFD` (Linux 6.5, `SO_PASSPIDFD`): a cmsg whose data is a pidfd the kernel installed in
/// the receiver, like `SCM_RIGHTS`. Not in every `libc` release, so spelled out here.
const SCM_PIDFD: c_int = 0x04;

/// `CMSG_ALIGN(len)`: cmsg headers and data start on `size_t` boundaries (glibc's definition).
const fn cmsg_align(len: usize) -> usize {
    (len + size_of::<usize>() - 1) & !(size_of::<usize>() - 1)
}

/// Offset of the data in a cmsg: `CMSG_LEN(0)`, the aligned header size.
const CMSG_HDR: usize = cmsg_align(size_of::<cmsghdr>());

/// `CMSG_SPACE(len)` — cmsg(3): the bytes one control message with `len` data bytes takes in a
/// control buffer, padding included. Size receive buffers with it.
///
/// ```
/// // One SCM_RIGHTS message carrying two fds, on 64-bit Linux: 16-byte header + 8 bytes.
/// assert_eq!(socklab::sys::cmsg_space(2 * std::mem::size_of::<libc::c_int>()), 24);
/// ```
pub const fn cmsg_space(len: usize) -> usize {
    CMSG_HDR + cmsg_align(len)
}

/// `CMSG_LEN(len)` — cmsg(3): the `cmsg_len` value of a control message with `len` data bytes
/// (header plus data, without trailing padding).
///
/// ```
/// assert_eq!(socklab::sys::cmsg_len(4), 20); // 64-bit Linux: 16-byte header + one int
/// ```
pub const fn cmsg_len(len: usize) -> usize {
    CMSG_HDR + len
}

/// A `msghdr` from zeroed storage with every field written: the one place this module builds
/// one (padding fields some libcs add stay zero, as `= {0}` leaves them in C).
fn new_msghdr(
    name: *mut c_void,
    namelen: socklen_t,
    iov: *mut iovec,
    iovlen: usize,
    (control, controllen): (*mut c_void, usize),
) -> msghdr {
    // SAFETY: msghdr is a C struct of integers and raw pointers; all-zero bytes is a valid value
    // (NULL pointers, zero lengths), the same value C code gets from `struct msghdr m = {0};`.
    let mut m: msghdr = unsafe { mem::zeroed() };
    m.msg_name = name;
    m.msg_namelen = namelen;
    m.msg_iov = iov;
    m.msg_iovlen = iovlen as _;
    m.msg_control = control;
    m.msg_controllen = controllen as _;
    m.msg_flags = 0;
    m
}

/// `msg_controllen` as `usize` (it is `size_t` in glibc, `socklen_t` in musl).
#[allow(clippy::unnecessary_cast)]
fn controllen_of(m: &msghdr) -> usize {
    m.msg_controllen as usize
}

/// The size the kernel may write a source address into.
const STORAGE_LEN: socklen_t = size_of::<sockaddr_storage>() as socklen_t;

/// A zeroed `sockaddr_storage` (borrowed from [`SockAddr::empty`], which builds one).
fn zeroed_storage() -> sockaddr_storage {
    *SockAddr::empty().as_storage()
}

/// The address the kernel wrote into `storage`, or `None` if it wrote none (`namelen` 0).
fn written_addr(storage: &sockaddr_storage, namelen: socklen_t) -> Option<SockAddr> {
    if namelen == 0 {
        return None;
    }
    // The kernel never reports more than sockaddr_storage (its own copy is one), so from_parts
    // cannot fail; an impossible length is reported as "no address" rather than a panic.
    SockAddr::from_parts(*storage, namelen).ok()
}

/// A `Duration` as C's `struct timespec` (seconds saturate at `time_t::MAX`).
fn to_timespec(d: Duration) -> timespec {
    timespec {
        tv_sec: d.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
        tv_nsec: d.subsec_nanos() as _,
    }
}

// ---------------------------------------------------------------------------------------------
// Control messages
// ---------------------------------------------------------------------------------------------

/// A control (ancillary data) buffer: C's `msg_control` + `msg_controllen`, aligned for
/// `cmsghdr`, with owned storage.
///
/// - **To send** cmsgs, [`push`](CmsgBuffer::push) them (or [`push_fds`](CmsgBuffer::push_fds)
///   for `SCM_RIGHTS`) and pass [`as_bytes`](CmsgBuffer::as_bytes) to [`sendmsg`].
/// - **To receive**, make one [`with_capacity`](CmsgBuffer::with_capacity)`(`[`cmsg_space`]`(n))`
///   and pass it to [`recvmsg`]: the whole capacity is offered to the kernel (uninitialized, as
///   C's `char cbuf[CMSG_SPACE(n)]`), and afterwards [`len`](CmsgBuffer::len) is the
///   `msg_controllen` the kernel wrote and [`iter`](CmsgBuffer::iter) walks the messages.
///
/// **fds are never leaked**: every fd the kernel installs through `SCM_RIGHTS` (or
/// `SCM_PIDFD`) is wrapped in an [`OwnedFd`] as soon as the call returns. Take them with
/// [`take_fds`](CmsgBuffer::take_fds); the ones you leave are closed by the next receive into
/// this buffer or when it drops.
pub struct CmsgBuffer {
    /// `u64` words so the storage is aligned for `cmsghdr` (8 bytes on 64-bit Linux).
    words: Vec<MaybeUninit<u64>>,
    /// Bytes offered to the kernel as `msg_controllen` on receive (may be less than the storage).
    cap: usize,
    /// Bytes that are valid: written by [`push`](Self::push) or reported by the kernel. The
    /// first `len` bytes of `words` are always initialized.
    len: usize,
    /// fds the kernel installed for the last receive, owned here until taken.
    fds: Vec<OwnedFd>,
}

impl CmsgBuffer {
    /// An empty buffer with no storage: build a message to send with [`push`](Self::push).
    pub fn new() -> CmsgBuffer {
        CmsgBuffer::with_capacity(0)
    }

    /// A buffer offering exactly `cap` bytes to the kernel on receive (storage uninitialized).
    /// Use [`cmsg_space`] to size it; a buffer too small for what arrives gets `MSG_CTRUNC`.
    pub fn with_capacity(cap: usize) -> CmsgBuffer {
        let mut words = Vec::new();
        words.resize(cap.div_ceil(size_of::<u64>()), MaybeUninit::uninit());
        CmsgBuffer {
            words,
            cap,
            len: 0,
            fds: Vec::new(),
        }
    }

    /// The bytes offered to the kernel on receive (`msg_controllen` going in).
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// The valid bytes: what was pushed, or the `msg_controllen` the kernel wrote on receive.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no control data is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets the contents and closes any received fds not taken; the capacity stays.
    pub fn clear(&mut self) {
        self.len = 0;
        self.fds.clear();
    }

    /// The valid bytes, as C's `msg_control` holds them (pass to [`sendmsg`]).
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: `words` is a live allocation of at least `len` bytes (len <= cap <= storage)
        // whose first `len` bytes are initialized (the invariant every writer keeps); u8 has no
        // alignment or validity requirement.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr().cast::<u8>(), self.len) }
    }

    /// Appends one control message (`cmsg_level`, `cmsg_type`, data), header and padding laid
    /// out as `CMSG_FIRSTHDR`/`CMSG_NXTHDR` expect. Grows the storage (and capacity) if needed.
    ///
    /// The kernel checks what you send: an unknown type gives `EINVAL` at [`sendmsg`], which is
    /// how a learner sees the rules. For fds prefer [`push_fds`](Self::push_fds), which takes
    /// them as `BorrowedFd` so only open fds you own can be sent.
    pub fn push(&mut self, level: c_int, ty: c_int, data: &[u8]) -> &mut CmsgBuffer {
        let start = self.len;
        let end = start + cmsg_space(data.len());
        if end > self.words.len() * size_of::<u64>() {
            self.words
                .resize(end.div_ceil(size_of::<u64>()), MaybeUninit::uninit());
        }
        self.cap = self.cap.max(end);
        let mut msg = vec![0u8; end - start];
        let hdr_len = cmsg_len(data.len());
        let put = |msg: &mut [u8], off: usize, bytes: &[u8]| {
            msg[off..off + bytes.len()].copy_from_slice(bytes);
        };
        put(
            &mut msg,
            offset_of!(cmsghdr, cmsg_len),
            &hdr_len.to_ne_bytes(),
        );
        put(
            &mut msg,
            offset_of!(cmsghdr, cmsg_level),
            &level.to_ne_bytes(),
        );
        put(&mut msg, offset_of!(cmsghdr, cmsg_type), &ty.to_ne_bytes());
        put(&mut msg, CMSG_HDR, data);
        let dst = self.words.as_mut_ptr().cast::<u8>();
        // SAFETY: the storage holds at least `end` bytes (resized above), so `start..end` is in
        // bounds; `msg` is a separate allocation of `end - start` bytes (no overlap). After the
        // copy the first `end` bytes are initialized, which `len = end` records.
        unsafe { ptr::copy_nonoverlapping(msg.as_ptr(), dst.add(start), msg.len()) };
        self.len = end;
        self
    }

    /// Appends an `SCM_RIGHTS` message carrying `fds` (the receiver gets new fds for the same
    /// open files, as if dup(2)ed into its process).
    pub fn push_fds(&mut self, fds: &[BorrowedFd<'_>]) -> &mut CmsgBuffer {
        let data: Vec<u8> = fds
            .iter()
            .flat_map(|fd| fd.as_raw_fd().to_ne_bytes())
            .collect();
        self.push(libc::SOL_SOCKET, libc::SCM_RIGHTS, &data)
    }

    /// The control messages in the valid bytes, in order (C's `CMSG_FIRSTHDR`/`CMSG_NXTHDR`
    /// loop). A message the kernel truncated (`MSG_CTRUNC`) yields the data bytes that fit.
    pub fn iter(&self) -> CmsgIter<'_> {
        CmsgIter {
            bytes: self.as_bytes(),
        }
    }

    /// The fds received with the last receive (`SCM_RIGHTS`, `SCM_PIDFD`), still owned here.
    pub fn fds(&self) -> &[OwnedFd] {
        &self.fds
    }

    /// Takes ownership of the received fds, in the order they arrived.
    pub fn take_fds(&mut self) -> Vec<OwnedFd> {
        mem::take(&mut self.fds)
    }

    /// Before a receive: drops the old contents and returns `msg_control`/`msg_controllen`
    /// (NULL and 0 for a zero capacity).
    fn recv_parts(&mut self) -> (*mut c_void, usize) {
        self.clear();
        if self.cap == 0 {
            return (ptr::null_mut(), 0);
        }
        (self.words.as_mut_ptr().cast(), self.cap)
    }

    /// For a send: `msg_control`/`msg_controllen` of the valid bytes (NULL and 0 if none).
    /// The kernel only reads them, so the `*mut` is never written through.
    fn send_parts(&self) -> (*mut c_void, usize) {
        if self.len == 0 {
            return (ptr::null_mut(), 0);
        }
        (self.words.as_ptr().cast_mut().cast(), self.len)
    }

    /// After a successful receive: records the `msg_controllen` the kernel wrote and takes
    /// ownership of every fd it installed.
    fn finish_recv(&mut self, controllen: usize) {
        // The kernel writes at most the capacity it was given; the min keeps the invariant
        // even if it did not.
        self.len = controllen.min(self.cap);
        self.fds = adopt_fds(self.as_bytes());
    }
}

/// Wraps every fd of the `SCM_RIGHTS`/`SCM_PIDFD` messages in `control` in an `OwnedFd`.
fn adopt_fds(control: &[u8]) -> Vec<OwnedFd> {
    let mut fds = Vec::new();
    let carries_fds = |c: &Cmsg<'_>| {
        c.cmsg_level == libc::SOL_SOCKET && matches!(c.cmsg_type, libc::SCM_RIGHTS | SCM_PIDFD)
    };
    for c in (CmsgIter { bytes: control }).filter(carries_fds) {
        for chunk in c.cmsg_data.chunks_exact(size_of::<RawFd>()) {
            let fd = RawFd::from_ne_bytes(chunk.try_into().expect("chunk of size_of RawFd"));
            if fd >= 0 {
                // SAFETY: the kernel just installed `fd` in this process's fd table for this
                // receive (SCM_RIGHTS/SCM_PIDFD data lists only installed fds; cmsg_len counts
                // only those that fit), and nothing else knows about it yet: this is its only
                // owner.
                fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
            }
        }
    }
    fds
}

impl Default for CmsgBuffer {
    fn default() -> CmsgBuffer {
        CmsgBuffer::new()
    }
}

impl fmt::Debug for CmsgBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CmsgBuffer")
            .field("capacity", &self.cap)
            .field("len", &self.len)
            .field("cmsgs", &self.iter().collect::<Vec<_>>())
            .field("fds", &self.fds)
            .finish()
    }
}

/// One control message: C's `cmsghdr` fields and the bytes `CMSG_DATA` points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cmsg<'a> {
    /// `cmsg_level`: `SOL_SOCKET`, `IPPROTO_IP`…
    pub cmsg_level: c_int,
    /// `cmsg_type`: `SCM_RIGHTS`, `SCM_CREDENTIALS`, `IP_PKTINFO`…
    pub cmsg_type: c_int,
    /// The data (`cmsg_len - CMSG_LEN(0)` bytes, fewer if the kernel truncated it). For
    /// `SCM_RIGHTS` these are the fd numbers; their ownership is in
    /// [`CmsgBuffer::take_fds`].
    pub cmsg_data: &'a [u8],
}

/// The iterator of [`CmsgBuffer::iter`]: walks `cmsghdr`s by their `cmsg_len`, as
/// `CMSG_NXTHDR` does, reading headers unaligned-safe.
#[derive(Clone, Debug)]
pub struct CmsgIter<'a> {
    bytes: &'a [u8],
}

impl<'a> Iterator for CmsgIter<'a> {
    type Item = Cmsg<'a>;

    fn next(&mut self) -> Option<Cmsg<'a>> {
        let b = self.bytes;
        if b.len() < size_of::<cmsghdr>() {
            return None;
        }
        let field = |off: usize, n: usize| &b[off..off + n];
        let len_bytes = field(offset_of!(cmsghdr, cmsg_len), size_of::<usize>());
        let cmsg_len = usize::from_ne_bytes(len_bytes.try_into().ok()?);
        let int = |off| c_int::from_ne_bytes(field(off, 4).try_into().expect("4 bytes"));
        let (level, ty) = (
            int(offset_of!(cmsghdr, cmsg_level)),
            int(offset_of!(cmsghdr, cmsg_type)),
        );
        if cmsg_len < CMSG_HDR {
            self.bytes = &[];
            return None;
        }
        // A truncated message (MSG_CTRUNC) states its full length; keep what was written.
        let data_end = cmsg_len.min(b.len());
        let data = b.get(CMSG_HDR..data_end).unwrap_or(&[]);
        self.bytes = b.get(cmsg_align(cmsg_len)..).unwrap_or(&[]);
        Some(Cmsg {
            cmsg_level: level,
            cmsg_type: ty,
            cmsg_data: data,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// sendmsg / recvmsg
// ---------------------------------------------------------------------------------------------

/// What [`recvmsg`] reports: C's return value and the `msghdr` fields the kernel rewrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvMsg {
    /// C's return value: bytes received (with `MSG_TRUNC` in `flags`, the datagram's full
    /// length, which can exceed the iovecs).
    pub bytes: usize,
    /// The source address (`msg_name`), or `None` if the kernel wrote none (`msg_namelen` 0:
    /// connected streams, unbound Unix senders).
    pub addr: Option<SockAddr>,
    /// `msg_flags`: `MSG_TRUNC` (datagram cut), `MSG_CTRUNC` (control data cut), `MSG_EOR`…
    pub msg_flags: c_int,
    /// `msg_controllen` after the call: the control bytes the kernel wrote.
    pub controllen: usize,
}

impl RecvMsg {
    /// Whether `MSG_TRUNC` is set: the datagram was longer than the iovecs.
    pub fn is_truncated(&self) -> bool {
        self.msg_flags & libc::MSG_TRUNC != 0
    }

    /// Whether `MSG_CTRUNC` is set: control data did not fit the control buffer (fds that did
    /// not fit were closed by the kernel).
    pub fn is_control_truncated(&self) -> bool {
        self.msg_flags & libc::MSG_CTRUNC != 0
    }
}

/// `sendmsg(sockfd, msg, flags)` — sendmsg(2).
///
/// Rust adds: the `msghdr` is built for you from its parts, passed in the struct's field order
/// — `addr` (`msg_name`/`msg_namelen`; `None` = NULL for a connected socket), `iov`
/// (`msg_iov`/`msg_iovlen`, gathered in order; std's [`IoSlice`] is ABI-compatible with
/// `iovec`), `control` (`msg_control`/`msg_controllen`, e.g. [`CmsgBuffer::as_bytes`]) — then
/// `flags` as given. Returns C's value: the bytes sent. Never retries `EINTR`.
///
/// # Errors
/// As [`sendto`](super::sendto), plus `EINVAL` (malformed control data), `EBADF` (an
/// `SCM_RIGHTS` fd that is not open), `EMSGSIZE` (more than `IOV_MAX` iovecs)…
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_DGRAM};
/// use std::io::{IoSlice, IoSliceMut};
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// let iov = [IoSlice::new(b"hello, "), IoSlice::new(b"world")];
/// assert_eq!(sys::sendmsg(&a, None, &iov, None, 0)?, 12);
/// let (mut x, mut y) = ([0u8; 5], [0u8; 16]);
/// let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)], None, 0)?;
/// assert_eq!((r.bytes, &x, &y[..7]), (12, b"hello", &b", world"[..]));
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn sendmsg(
    sockfd: impl AsFd,
    addr: Option<&SockAddr>,
    iov: &[IoSlice<'_>],
    control: Option<&[u8]>,
    flags: c_int,
) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    let (name, namelen) = match addr {
        Some(a) => (a.as_ptr().cast_mut().cast(), a.len()),
        None => (ptr::null_mut(), 0),
    };
    let control = match control {
        Some(c) if !c.is_empty() => (c.as_ptr().cast_mut().cast(), c.len()),
        _ => (ptr::null_mut(), 0),
    };
    // IoSlice is guaranteed ABI-compatible with iovec on Unix.
    let iovp = iov.as_ptr().cast::<iovec>().cast_mut();
    let msg = new_msghdr(name, namelen, iovp, iov.len(), control);
    // SAFETY: every pointer in `msg` is NULL with a zero length or points to borrowed data that
    // outlives the call and is readable for the stated length: `addr` for `addr.len()` bytes,
    // `iov.len()` iovecs (each IoSlice is a valid iovec), `control` for its length. sendmsg(2)
    // only reads through them, so the `*mut` casts are never written through.
    let n = unsafe { raw::sendmsg(fd, &msg, flags) };
    let args = || {
        let bytes: usize = iov.iter().map(|s| s.len()).sum();
        let name = addr.map_or("NULL".to_string(), |a| a.to_string());
        format!(
            "fd {fd}, {{msg_name={name}, msg_iovlen={} ({bytes} bytes), msg_controllen={}}}, {}",
            iov.len(),
            control.1,
            msg_flags(flags)
        )
    };
    cvt(n, "sendmsg", args).map(|n| n as usize)
}

/// `recvmsg(sockfd, msg, flags)` — recvmsg(2).
///
/// Rust adds: the `msghdr` is built from `iov` (scattered in order; std's [`IoSliceMut`] is
/// ABI-compatible with `iovec`) and `control` (`None` = no control buffer; a [`CmsgBuffer`]
/// offers its whole capacity, uninitialized), with a `sockaddr_storage` for the source; what the
/// kernel rewrote comes back as a [`RecvMsg`]. fds received with `SCM_RIGHTS` are owned by
/// `control` at once (see [`CmsgBuffer::take_fds`]): none can leak. Never retries `EINTR`.
///
/// # Errors
/// As [`recvfrom`](super::recvfrom): `EAGAIN`, `EINTR`, `ENOTCONN`, `ECONNREFUSED`…
///
/// # Example
/// Pass an fd over a Unix socket (`SCM_RIGHTS`):
/// ```
/// use socklab::sys::{self, cmsg_space, CmsgBuffer, AF_UNIX, SOCK_DGRAM};
/// use std::io::{IoSlice, IoSliceMut};
/// use std::os::fd::AsFd;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// let (x, y) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// let mut out = CmsgBuffer::new();
/// out.push_fds(&[x.as_fd()]);
/// sys::sendmsg(&a, None, &[IoSlice::new(b"fd")], Some(out.as_bytes()), 0)?;
///
/// let mut cbuf = CmsgBuffer::with_capacity(cmsg_space(size_of::<libc::c_int>()));
/// let mut data = [0u8; 8];
/// let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut data)], Some(&mut cbuf), 0)?;
/// assert_eq!((r.bytes, r.is_control_truncated()), (2, false));
/// let x2 = cbuf.take_fds().pop().unwrap(); // an OwnedFd: closes on drop
/// sys::write(&x2, b"via the passed fd")?;
/// assert_eq!(sys::read(&y, &mut [0u8; 64][..])?, 17);
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn recvmsg(
    sockfd: impl AsFd,
    iov: &mut [IoSliceMut<'_>],
    control: Option<&mut CmsgBuffer>,
    flags: c_int,
) -> Result<RecvMsg> {
    recvmsg_into(sockfd, Some(&mut SockAddr::empty()), iov, control, flags)
}

/// `recvmsg(sockfd, msg, flags)` — recvmsg(2) with the caller's `msg_name`/`msg_namelen`:
/// `Some(addr)` offers `addr.len()` bytes (`SockAddr::with_capacity(AddrLen::INET)` is C's
/// `msg_namelen = sizeof(struct sockaddr_in)`) and holds the source after the call; `None` is
/// C's `msg_name = NULL, msg_namelen = 0` (strace: `msg_name=NULL`). Otherwise as
/// [`recvmsg`], which offers a 128-byte `sockaddr_storage`.
///
/// # Errors
/// As [`recvmsg`].
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_DGRAM};
/// use std::io::IoSliceMut;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// sys::write(&a, b"no name")?;
/// let mut data = [0u8; 16];
/// let r = sys::recvmsg_into(&b, None, &mut [IoSliceMut::new(&mut data)], None, 0)?;
/// assert_eq!((r.bytes, r.addr), (7, None));
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn recvmsg_into(
    sockfd: impl AsFd,
    name: Option<&mut SockAddr>,
    iov: &mut [IoSliceMut<'_>],
    control: Option<&mut CmsgBuffer>,
    flags: c_int,
) -> Result<RecvMsg> {
    match name {
        None => recvmsg_named(
            sockfd.as_fd(),
            (ptr::null_mut(), ptr::null_mut()),
            iov,
            control,
            flags,
        ),
        Some(addr) => {
            let mut r = addr.fill_into(|p, len| {
                recvmsg_named(sockfd.as_fd(), (p.cast(), len), iov, control, flags)
            })?;
            r.addr = (!addr.is_empty()).then_some(*addr);
            Ok(r)
        }
    }
}

/// The body of recvmsg/recvmsg_into: `name` is `msg_name` and a pointer to the in-out
/// `msg_namelen` (both NULL for none); `RecvMsg::addr` is left `None` for the caller to set.
fn recvmsg_named(
    sockfd: BorrowedFd<'_>,
    name: (*mut c_void, *mut socklen_t),
    iov: &mut [IoSliceMut<'_>],
    control: Option<&mut CmsgBuffer>,
    flags: c_int,
) -> Result<RecvMsg> {
    let fd = sockfd.as_raw_fd();
    let (name, namelen) = name;
    // SAFETY: a non-NULL `namelen` points to the caller's live socklen_t.
    let cap = if namelen.is_null() {
        0
    } else {
        unsafe { *namelen }
    };
    let mut control = control;
    let parts = control
        .as_deref_mut()
        .map_or((ptr::null_mut(), 0), CmsgBuffer::recv_parts);
    // IoSliceMut is guaranteed ABI-compatible with iovec on Unix.
    let iovp = iov.as_mut_ptr().cast::<iovec>();
    let mut msg = new_msghdr(name, cap, iovp, iov.len(), parts);
    // SAFETY: `msg` is a live, writable msghdr; `msg_name` is NULL (length 0) or the caller's
    // zeroed storage writable for `cap` bytes; `msg_iov` points to `iov.len()` iovecs
    // (IoSliceMut) over exclusively borrowed, writable buffers; `msg_control` is NULL (length 0)
    // or the CmsgBuffer's storage, writable for its capacity. All outlive the call.
    let n = unsafe { raw::recvmsg(fd, &mut msg, flags) };
    let args = || {
        let bytes: usize = iov.iter().map(|s| s.len()).sum();
        format!(
            "fd {fd}, {{msg_iovlen={} ({bytes} bytes), msg_controllen={}}}, {}",
            iov.len(),
            parts.1,
            msg_flags(flags)
        )
    };
    let n = cvt(n, "recvmsg", args)?;
    if !namelen.is_null() {
        // SAFETY: as above; the kernel rewrote msg_namelen, which goes back to the caller.
        unsafe { *namelen = msg.msg_namelen };
    }
    let controllen = controllen_of(&msg);
    if let Some(c) = control {
        c.finish_recv(controllen);
    }
    Ok(RecvMsg {
        bytes: n as usize,
        addr: None,
        msg_flags: msg.msg_flags,
        controllen,
    })
}

// ---------------------------------------------------------------------------------------------
// sendmmsg / recvmmsg
// ---------------------------------------------------------------------------------------------

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
///   that is an echo server in two calls.
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
    controls: Box<[CmsgBuffer]>,
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

    /// Gives every slot a control buffer of `control_capacity` bytes (see [`cmsg_space`]), for
    /// per-message ancillary data (`SCM_RIGHTS`, `IP_PKTINFO`, timestamps…).
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
    /// `EMSGSIZE` if `data` is longer than the slot's capacity (nothing is truncated).
    ///
    /// # Panics
    /// If `i` is not below [`slots`](Self::slots), as slice indexing does.
    pub fn set(&mut self, i: usize, data: &[u8], addr: Option<&SockAddr>) -> Result<()> {
        assert!(
            i < self.slots(),
            "slot {i} out of range: {} slots",
            self.slots()
        );
        if data.len() > self.cap {
            let args = format!("slot {i}, {} bytes", data.len());
            return Err(Error::new(Errno::EMSGSIZE, "MmsgBatch::set", args)
                .with_note(format!("each slot holds {} bytes", self.cap)));
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
    pub fn control_mut(&mut self, i: usize) -> &mut CmsgBuffer {
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
            return Err(
                Error::new(Errno::EINVAL, call, format!("fd {fd}, msgvec, {vlen}"))
                    .with_note(format!("the batch has {} slots", self.slots())),
            );
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

    /// The bytes: received (`min(msg_len, capacity)` of them) or sent.
    pub fn bytes(&self) -> &'a [u8] {
        let b = self.batch;
        let slot = &b.bufs[self.i * b.cap..][..b.lens[self.i]];
        // SAFETY: the first `lens[i]` bytes of slot `i` are initialized — written by `set`, or
        // by the kernel in the recvmmsg that set `lens[i] = min(msg_len, cap)` — and
        // MaybeUninit<u8> has u8's layout.
        unsafe { &*(slot as *const [MaybeUninit<u8>] as *const [u8]) }
    }

    /// The kernel's `msg_len`: bytes received (with `MSG_TRUNC`, the datagram's full length,
    /// which may exceed the capacity) or bytes sent.
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
    pub fn control(&self) -> &'a CmsgBuffer {
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
/// # Errors
/// As [`sendmsg`], for the first message (a failure after some were sent returns their count);
/// `EINVAL` with a note if `vlen` exceeds the batch's slots (socklab's check).
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
pub fn sendmmsg(
    sockfd: impl AsFd,
    msgvec: &mut MmsgBatch,
    vlen: usize,
    flags: c_int,
) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    msgvec.check_vlen(vlen, "sendmmsg", fd)?;
    msgvec.prepare(vlen, false);
    // SAFETY: `prepare` just wrote `vlen` mmsghdrs (vlen <= slots, checked) whose name, iovec
    // and control pointers are NULL with length 0 or point into the batch's own live heap
    // allocations, readable for the lengths stated (each slot's initialized data, address
    // length, and valid control bytes). The batch is exclusively borrowed for the call; the
    // kernel only writes the `msg_len` fields.
    let n = unsafe { raw::sendmmsg(fd, msgvec.hdrs.as_mut_ptr(), vlen as c_uint, flags) };
    let n = cvt(n, "sendmmsg", || {
        format!("fd {fd}, msgvec, {vlen}, {}", msg_flags(flags))
    })? as usize;
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
/// # Errors
/// As [`recvmsg`] (`EAGAIN` with `MSG_DONTWAIT` on an empty socket); `EINVAL` with a note if
/// `vlen` exceeds the batch's slots (socklab's check).
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
pub fn recvmmsg(
    sockfd: impl AsFd,
    msgvec: &mut MmsgBatch,
    vlen: usize,
    flags: c_int,
    timeout: Option<Duration>,
) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    msgvec.check_vlen(vlen, "recvmmsg", fd)?;
    let mut ts = timeout.map(to_timespec);
    let tsp = ts.as_mut().map_or(ptr::null_mut(), |t| t as *mut timespec);
    msgvec.prepare(vlen, true);
    // SAFETY: `prepare` just wrote `vlen` mmsghdrs (vlen <= slots, checked) whose pointers
    // point into the batch's own live heap allocations, writable for the lengths stated: a
    // `cap`-byte buffer per iovec, a sockaddr_storage per name, each control buffer's capacity
    // (or NULL/0). The batch is exclusively borrowed for the call. `tsp` is NULL or points to
    // the local `ts`, readable and writable.
    let n = unsafe { raw::recvmmsg(fd, msgvec.hdrs.as_mut_ptr(), vlen as c_uint, flags, tsp) };
    let args = || {
        let timeout = timeout.map_or("NULL".to_string(), |d| format!("{d:?}"));
        let flags = msg_flags(flags);
        format!("fd {fd}, msgvec, {vlen}, {flags}, {timeout}")
    };
    let n = cvt(n, "recvmmsg", args)? as usize;
    let b = &mut *msgvec;
    for i in 0..n {
        let hdr = &b.hdrs[i];
        // Invariant for `bytes()`: the kernel wrote min(msg_len, iov_len = cap) bytes.
        b.lens[i] = (hdr.msg_len as usize).min(b.cap);
        b.namelens[i] = hdr.msg_hdr.msg_namelen;
        let controllen = controllen_of(&hdr.msg_hdr);
        b.controls[i].finish_recv(controllen);
    }
    b.count = n;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmsg_macros_match_libc() {
        for len in [0usize, 1, 4, 7, 8, 9, 16, 100] {
            // SAFETY: CMSG_SPACE/CMSG_LEN are pure arithmetic on their argument.
            let (space, clen) = unsafe { (libc::CMSG_SPACE(len as _), libc::CMSG_LEN(len as _)) };
            assert_eq!(cmsg_space(len), space as usize, "CMSG_SPACE({len})");
            assert_eq!(cmsg_len(len), clen as usize, "CMSG_LEN({len})");
        }
    }

    #[test]
    fn push_then_iter_round_trips() {
        let mut c = CmsgBuffer::new();
        c.push(1, 2, b"abc").push(3, 4, &[9; 9]);
        assert_eq!(c.len(), cmsg_space(3) + cmsg_space(9));
        let got: Vec<_> = c.iter().collect();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].cmsg_level, got[0].cmsg_type, got[0].cmsg_data),
            (1, 2, &b"abc"[..])
        );
        assert_eq!(
            (got[1].cmsg_level, got[1].cmsg_type, got[1].cmsg_data),
            (3, 4, &[9u8; 9][..])
        );
    }
}
