//! sendmsg(2)/recvmsg(2) with their `msghdr` and [`RecvMsg`]; control messages live in
//! [`cmsg`] ([`CmsgBuffer`], `CMSG_SPACE`/`CMSG_LEN`), sendmmsg(2)/recvmmsg(2) in [`mmsg`].

use std::io::{IoSlice, IoSliceMut};
use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::raw::{c_int, c_void};
use std::ptr;
use std::time::Duration;

use libc::{iovec, msghdr, sockaddr_storage, socklen_t, timespec};

use super::args::MsgArgs;
use super::io::{bytes_written, refuse_devmem};
use super::{cvt, raw, refuse, Args, Errno, Error, Result, SockAddr};

mod cmsg;
mod mmsg;

use cmsg::has_scm_rights;
pub use cmsg::{cmsg_len, cmsg_space, Cmsg, CmsgBuffer, CmsgIter, CmsgIterMut, CmsgMut};
pub use mmsg::{recvmmsg, sendmmsg, MmsgBatch, MmsgMsg};

/// A `msghdr` from zeroed storage with every field written: the one place this module builds
/// one (padding fields some libcs add stay zero, as `= {0}` leaves them in C).
fn new_msghdr(
    name: *mut c_void,
    namelen: socklen_t,
    iov: *mut iovec,
    iovlen: usize,
    (control, controllen): (*mut c_void, usize),
) -> msghdr {
    // NULL pointers, zero lengths: what C code gets from `struct msghdr m = {0};`.
    let mut m: msghdr = super::zeroed::zeroed();
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
// sendmsg / recvmsg
// ---------------------------------------------------------------------------------------------

/// What [`recvmsg`] reports: C's return value and the `msghdr` fields the kernel rewrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvMsg {
    /// C's return value: bytes received. With `MSG_TRUNC` in `flags` it is not a count of bytes
    /// written: a datagram's full length (which can exceed the iovecs), or on TCP the bytes
    /// discarded without writing the iovecs. Read data up to [`filled`](RecvMsg::filled).
    pub bytes: usize,
    /// The bytes the kernel wrote into the iovecs, in order: `min(bytes, total iovec length)`,
    /// except with `MSG_TRUNC` in `flags` where the kernel is not known to copy that much, where
    /// it is 0: a stream socket (TCP discards), `MSG_PEEK | MSG_TRUNC` on UDP (a peek offset
    /// makes C's value over-count), families outside socklab's list (`AF_LLC` copies nothing).
    /// See [`RecvBuf`](super::RecvBuf) for the list and the `SO_TYPE`/`SO_DOMAIN` getsockopts
    /// that tell.
    /// Added beside `bytes` so no byte is read as data that the kernel did not write.
    pub filled: usize,
    /// The source address (`msg_name`), or `None` if the kernel wrote none (`msg_namelen` 0:
    /// connected streams, unbound Unix senders). Truncated
    /// ([`SockAddr::is_truncated`]) if [`recvmsg_into`] offered less room than it needed.
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
/// Raw control bytes may carry any cmsg but `SCM_RIGHTS`: an fd number in raw bytes could name
/// any file of the process (or one that reused a closed fd's number), so safe code cannot pass
/// it. Send fds with [`sendmsg_cmsg`] and [`CmsgBuffer::push_fds`], or raw numbers with the
/// `unsafe` [`sendmsg_unchecked`].
///
#[doc = errors_doc!(sendmsg)]
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
#[doc = man_links!(sendmsg(2))]
pub fn sendmsg(
    sockfd: impl AsFd,
    addr: Option<&SockAddr>,
    iov: &[IoSlice<'_>],
    control: Option<&[u8]>,
    flags: c_int,
) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    let control = control.unwrap_or(&[]);
    if has_scm_rights(control) {
        return Err(refused(
            fd,
            addr,
            iov,
            control.len(),
            flags,
            "SCM_RIGHTS in raw control bytes: pass fds with CmsgBuffer::push_fds and \
             sendmsg_cmsg, or use the unsafe sendmsg_unchecked",
        ));
    }
    send_msg(fd, addr, iov, control, flags)
}

/// `sendmsg(sockfd, msg, flags)` — sendmsg(2), with a [`CmsgBuffer`] as the control data.
///
/// As [`sendmsg`], but `control` is the buffer itself, which vouches for every fd number in
/// its `SCM_RIGHTS` messages (fds borrowed by [`CmsgBuffer::push_fds`], or received and still
/// owned by it): this is how safe code passes fds.
///
#[doc = errors_doc!(sendmsg)]
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
/// out.push_fds(&[x.as_fd()]); // `out` borrows `x` until it is dropped
/// sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"fd")], &out, 0)?;
///
/// let mut cbuf = CmsgBuffer::with_capacity(cmsg_space(size_of::<std::ffi::c_int>()));
/// let mut data = [0u8; 8];
/// let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut data)], Some(&mut cbuf), 0)?;
/// assert_eq!((r.bytes, r.is_control_truncated()), (2, false));
/// let x2 = cbuf.take_fds().pop().unwrap(); // an OwnedFd: closes on drop
/// sys::write(&x2, b"via the passed fd")?;
/// assert_eq!(sys::read(&y, &mut [0u8; 64][..])?, 17);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc(alias = "sendmsg")]
#[doc = man_links!(sendmsg(2), cmsg(3))]
pub fn sendmsg_cmsg(
    sockfd: impl AsFd,
    addr: Option<&SockAddr>,
    iov: &[IoSlice<'_>],
    control: &CmsgBuffer<'_>,
    flags: c_int,
) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    if let Some(why) = control.unvouched_rights() {
        return Err(refused(fd, addr, iov, control.len(), flags, why));
    }
    send_msg(fd, addr, iov, control.as_bytes(), flags)
}

/// `sendmsg(sockfd, msg, flags)` — sendmsg(2), as [`sendmsg`] without the `SCM_RIGHTS` check:
/// raw control bytes go to the kernel as given.
///
/// # Safety
/// Every fd number in an `SOL_SOCKET`/`SCM_RIGHTS` message of `control` must name an open fd
/// the caller owns or borrows for the call (I/O safety: the kernel passes whatever file has
/// that number, to another process if the peer is one).
///
#[doc = errors_doc!(sendmsg)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, SOCK_DGRAM};
/// use std::io::{IoSlice, IoSliceMut};
/// use std::os::fd::AsRawFd;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// let mut cmsg = vec![0u8; sys::cmsg_space(4)]; // hand-built, as in C
/// cmsg[..8].copy_from_slice(&sys::cmsg_len(4).to_ne_bytes());
/// cmsg[8..12].copy_from_slice(&sys::SOL_SOCKET.to_ne_bytes());
/// cmsg[12..16].copy_from_slice(&sys::SCM_RIGHTS.to_ne_bytes());
/// cmsg[16..20].copy_from_slice(&a.as_raw_fd().to_ne_bytes());
/// // SAFETY: the only fd named is `a`, open and borrowed for the call.
/// let n = unsafe { sys::sendmsg_unchecked(&a, None, &[IoSlice::new(b"x")], Some(&cmsg), 0)? };
/// assert_eq!(n, 1);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(sendmsg(2), cmsg(3))]
#[doc(alias = "sendmsg")]
pub unsafe fn sendmsg_unchecked(
    sockfd: impl AsFd,
    addr: Option<&SockAddr>,
    iov: &[IoSlice<'_>],
    control: Option<&[u8]>,
    flags: c_int,
) -> Result<usize> {
    let fd = sockfd.as_fd().as_raw_fd();
    send_msg(fd, addr, iov, control.unwrap_or(&[]), flags)
}

/// The total length of `iov`, as the errors show it (`msg_iovlen=2 (12 bytes)`).
fn total(iov: &[impl std::ops::Deref<Target = [u8]>]) -> usize {
    iov.iter().map(|s| s.len()).sum()
}

/// sendmsg's arguments in an error with no address (`msg_name=NULL`): integers, formatted on
/// display.
fn sendmsg_args(fd: c_int, iov: &[IoSlice<'_>], controllen: usize, flags: c_int) -> Args {
    Args::sendmsg(fd, iov.len(), total(iov), controllen, flags)
}

/// sendmsg's arguments in an error with an address, as strace shows them: as text, since an
/// address of up to 128 bytes does not fit in the integers an error keeps.
fn sendmsg_named(
    fd: c_int,
    addr: &SockAddr,
    iov: &[IoSlice<'_>],
    controllen: usize,
    flags: c_int,
) -> String {
    let (iovlen, bytes) = (iov.len() as u64, total(iov) as u64);
    let msg = MsgArgs::new(addr, iovlen, bytes, controllen as u64, flags);
    format!("fd {fd}, {msg}")
}

/// The `EINVAL` a safe send returns, before the call, for control data with fd numbers nothing
/// vouches for (`why`).
fn refused(
    fd: c_int,
    addr: Option<&SockAddr>,
    iov: &[IoSlice<'_>],
    controllen: usize,
    flags: c_int,
    why: impl Into<String>,
) -> Error {
    match addr {
        None => {
            let args = sendmsg_args(fd, iov, controllen, flags);
            refuse(Errno::EINVAL, "sendmsg", args, why)
        }
        Some(a) => {
            let args = sendmsg_named(fd, a, iov, controllen, flags);
            refuse(Errno::EINVAL, "sendmsg", args, why)
        }
    }
}

/// The one sendmsg(2) call of this module: builds the `msghdr` and converts the result.
fn send_msg(
    fd: c_int,
    addr: Option<&SockAddr>,
    iov: &[IoSlice<'_>],
    control: &[u8],
    flags: c_int,
) -> Result<usize> {
    if let Some(a) = addr {
        a.check_whole("sendmsg", || {
            sendmsg_named(fd, a, iov, control.len(), flags)
        })?;
    }
    let (name, namelen) = match addr {
        Some(a) => (a.as_ptr().cast_mut().cast(), a.len()),
        None => (ptr::null_mut(), 0),
    };
    let parts = match control.is_empty() {
        false => (control.as_ptr().cast_mut().cast(), control.len()),
        true => (ptr::null_mut(), 0),
    };
    // IoSlice is guaranteed ABI-compatible with iovec on Unix.
    let iovp = iov.as_ptr().cast::<iovec>().cast_mut();
    let msg = new_msghdr(name, namelen, iovp, iov.len(), parts);
    // SAFETY: every pointer in `msg` is NULL with a zero length or points to borrowed data that
    // outlives the call and is readable for the stated length: `addr` for `addr.len()` bytes,
    // `iov.len()` iovecs (each IoSlice is a valid iovec), `control` for its length. sendmsg(2)
    // only reads through them, so the `*mut` casts are never written through.
    let n = unsafe { raw::sendmsg(fd, &msg, flags) };
    match addr {
        None => cvt(n, "sendmsg", || sendmsg_args(fd, iov, control.len(), flags)),
        Some(a) => cvt(n, "sendmsg", || {
            sendmsg_named(fd, a, iov, control.len(), flags)
        }),
    }
    .map(|n| n as usize)
}

/// `recvmsg(sockfd, msg, flags)` — recvmsg(2).
///
/// Rust adds: the `msghdr` is built from `iov` (scattered in order; std's [`IoSliceMut`] is
/// ABI-compatible with `iovec`) and `control` (`None` = no control buffer; a [`CmsgBuffer`]
/// offers its whole capacity, zeroed first), with a `sockaddr_storage` for the source; what the
/// kernel rewrote comes back as a [`RecvMsg`]: the data is the first
/// [`filled`](RecvMsg::filled) bytes of the iovecs, which with `MSG_TRUNC` in `flags` differs
/// from C's return value [`bytes`](RecvMsg::bytes) (see there). fds received with `SCM_RIGHTS`
/// are owned by `control` at once (see [`CmsgBuffer::take_fds`]): none can leak. Never retries
/// `EINTR`.
///
#[doc = errors_doc!(recvmsg)]
///
/// # Example
/// A datagram longer than the iovecs, with `MSG_TRUNC`: C's value is its length, `filled`
/// what was written. (Receiving fds: see [`sendmsg_cmsg`].)
/// ```
/// use socklab::sys::{self, AF_UNIX, MSG_TRUNC, SOCK_DGRAM};
/// use std::io::IoSliceMut;
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// sys::send(&a, b"0123456789", 0)?;
/// let (mut x, mut y) = ([0u8; 2], [0u8; 3]);
/// let mut iov = [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)];
/// let r = sys::recvmsg(&b, &mut iov, None, MSG_TRUNC)?;
/// assert_eq!((r.bytes, r.filled, r.is_truncated()), (10, 5, true));
/// assert_eq!((&x, &y), (b"01", b"234"));
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(recvmsg(2))]
pub fn recvmsg(
    sockfd: impl AsFd,
    iov: &mut [IoSliceMut<'_>],
    control: Option<&mut CmsgBuffer<'_>>,
    flags: c_int,
) -> Result<RecvMsg> {
    recvmsg_into(sockfd, Some(&mut SockAddr::empty()), iov, control, flags)
}

/// `recvmsg(sockfd, msg, flags)` — recvmsg(2) with the caller's `msg_name`/`msg_namelen`:
/// `Some(addr)` offers its [`capacity`](SockAddr::capacity)
/// (`SockAddr::with_capacity(AddrLen::INET)` is C's `msg_namelen = sizeof(struct sockaddr_in)`)
/// and holds the source after the call,
/// with the kernel's `msg_namelen` as its [`len`](SockAddr::len); `None` is C's
/// `msg_name = NULL, msg_namelen = 0` (strace: `msg_name=NULL`). Otherwise as [`recvmsg`],
/// which offers a 128-byte `sockaddr_storage`. A source longer than the capacity comes back
/// truncated (C: `msg_namelen > sizeof addr`), in `addr` and in [`RecvMsg::addr`]: see
/// [`accept_into`](super::accept_into).
///
#[doc = errors_doc!(recvmsg)]
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
#[doc = man_links!(recvmsg(2))]
#[doc(alias = "recvmsg")]
pub fn recvmsg_into(
    sockfd: impl AsFd,
    name: Option<&mut SockAddr>,
    iov: &mut [IoSliceMut<'_>],
    control: Option<&mut CmsgBuffer<'_>>,
    flags: c_int,
) -> Result<RecvMsg> {
    match name {
        None => recvmsg_named(sockfd.as_fd(), None, iov, control, flags),
        Some(addr) => {
            let mut r = addr.fill_into(|p, len| {
                recvmsg_named(sockfd.as_fd(), Some((p.cast(), len)), iov, control, flags)
            })?;
            r.addr = (!addr.is_empty()).then_some(*addr);
            Ok(r)
        }
    }
}

/// recvmsg's arguments in an error: integers, formatted on display.
fn recvmsg_args(fd: c_int, iov: &[IoSliceMut<'_>], controllen: usize, flags: c_int) -> Args {
    Args::recvmsg(fd, iov.len(), total(iov), controllen, flags)
}

/// The body of recvmsg/recvmsg_into: `name` is `msg_name` and the in-out `msg_namelen` (`None`
/// for C's NULL/0); `RecvMsg::addr` is left `None` for the caller to set.
fn recvmsg_named(
    sockfd: BorrowedFd<'_>,
    name: Option<(*mut c_void, *mut socklen_t)>,
    iov: &mut [IoSliceMut<'_>],
    control: Option<&mut CmsgBuffer<'_>>,
    flags: c_int,
) -> Result<RecvMsg> {
    let fd = sockfd.as_raw_fd();
    // Before the control buffer is cleared for the receive: a refused call changes nothing.
    refuse_devmem(flags, "recvmsg", || {
        let controllen = control.as_deref().map_or(0, CmsgBuffer::capacity);
        recvmsg_args(fd, iov, controllen, flags)
    })?;
    let mut control = control;
    let parts = control
        .as_deref_mut()
        .map_or((ptr::null_mut(), 0), CmsgBuffer::recv_parts);
    let (name_ptr, cap) = match name {
        // SAFETY: `len` points to the caller's live socklen_t (SockAddr::fill_into hands out the
        // address of its own length field for the duration of the closure).
        Some((p, len)) => (p, unsafe { *len }),
        None => (ptr::null_mut(), 0),
    };
    // IoSliceMut is guaranteed ABI-compatible with iovec on Unix.
    let iovp = iov.as_mut_ptr().cast::<iovec>();
    let mut msg = new_msghdr(name_ptr, cap, iovp, iov.len(), parts);
    // SAFETY: `msg` is a live, writable msghdr; `msg_name` is NULL (length 0) or the caller's
    // zeroed storage, writable for `cap` bytes (fill_into's contract); `msg_iov` points to
    // `iov.len()` iovecs (IoSliceMut) over exclusively borrowed, writable buffers;
    // `msg_control` is NULL (length 0) or the CmsgBuffer's storage, writable for its capacity.
    // All outlive the call.
    let n = unsafe { raw::recvmsg(fd, &mut msg, flags) };
    let n = cvt(n, "recvmsg", || recvmsg_args(fd, iov, parts.1, flags))? as usize;
    if let Some((_, len)) = name {
        // SAFETY: as above, `len` is the caller's live socklen_t; the kernel rewrote
        // msg_namelen, which goes back to the caller like C's in-out field.
        unsafe { *len = msg.msg_namelen };
    }
    let controllen = controllen_of(&msg);
    if let Some(c) = control {
        c.finish_recv(controllen);
    }
    let total = iov.iter().map(|s| s.len()).sum();
    Ok(RecvMsg {
        bytes: n,
        filled: bytes_written(fd, flags, n, total),
        addr: None,
        msg_flags: msg.msg_flags,
        controllen,
    })
}
