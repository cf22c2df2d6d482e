//! Control messages (ancillary data): [`CmsgBuffer`], its [`Cmsg`] iterator (and [`CmsgMut`],
//! each message with the fds it carried) and C's `CMSG_SPACE`/`CMSG_LEN`; `SCM_RIGHTS` fds
//! received are owned as `OwnedFd`.

use std::fmt;
use std::marker::PhantomData;
use std::mem::{self, offset_of, size_of, MaybeUninit};
use std::ops::Range;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::raw::{c_int, c_void};
use std::ptr;

use libc::cmsghdr;

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
/// assert_eq!(socklab::sys::cmsg_space(2 * size_of::<std::ffi::c_int>()), 24);
/// ```
#[doc = man_links!(CMSG_SPACE(3))]
#[doc(alias = "CMSG_SPACE")]
pub const fn cmsg_space(len: usize) -> usize {
    CMSG_HDR + cmsg_align(len)
}

/// `CMSG_LEN(len)` — cmsg(3): the `cmsg_len` value of a control message with `len` data bytes
/// (header plus data, without trailing padding).
///
/// ```
/// assert_eq!(socklab::sys::cmsg_len(4), 20); // 64-bit Linux: 16-byte header + one int
/// ```
#[doc = man_links!(CMSG_LEN(3))]
#[doc(alias = "CMSG_LEN")]
pub const fn cmsg_len(len: usize) -> usize {
    CMSG_HDR + len
}

// ---------------------------------------------------------------------------------------------
// Control messages
// ---------------------------------------------------------------------------------------------

/// A control (ancillary data) buffer: C's `msg_control` + `msg_controllen`, aligned for
/// `cmsghdr`, with owned storage.
///
/// - **To send** cmsgs, [`push`](CmsgBuffer::push) them, or [`push_fds`](CmsgBuffer::push_fds)
///   for `SCM_RIGHTS`, and pass the buffer to [`sendmsg_cmsg`](super::sendmsg_cmsg) (or
///   [`as_bytes`](CmsgBuffer::as_bytes) to [`sendmsg`](super::sendmsg) when it holds no fds).
/// - **To receive**, make one [`with_capacity`](CmsgBuffer::with_capacity)`(`[`cmsg_space`]`(n))`
///   and pass it to [`recvmsg`](super::recvmsg): the whole capacity is offered to the kernel,
///   zeroed before each receive (as C's `char cbuf[CMSG_SPACE(n)] = {0}`: the kernel never
///   writes the padding after each message, which `len` counts), and afterwards
///   [`len`](CmsgBuffer::len) is the `msg_controllen` the kernel wrote and
///   [`iter`](CmsgBuffer::iter) walks the messages.
///
/// **fds are never leaked**: every fd the kernel installs through `SCM_RIGHTS` (or
/// `SCM_PIDFD`) is wrapped in an [`OwnedFd`] as soon as the call returns. Take them with
/// [`take_fds`](CmsgBuffer::take_fds), or message by message with
/// [`iter_mut`](CmsgBuffer::iter_mut) (C's `CMSG_FIRSTHDR`/`CMSG_NXTHDR` loop); the ones you
/// leave are closed by the next receive into this buffer or when it drops.
///
/// **fds are never forged (I/O safety)**: an fd number in an `SCM_RIGHTS` message makes the
/// kernel pass whatever file has that number when the message is sent. So the buffer only
/// sends numbers it can vouch for: fds it received and still owns, fds pushed with
/// [`push_fds`](CmsgBuffer::push_fds) as `BorrowedFd<'fd>` (the buffer borrows them for `'fd`,
/// so they cannot be closed, and their numbers reused, while it can still be sent), or numbers
/// pushed through the `unsafe` [`push_unchecked`](CmsgBuffer::push_unchecked).
/// [`take_fds`](CmsgBuffer::take_fds) overwrites the taken numbers with `-1`, so sending the
/// buffer again (an echo) gets `EBADF` instead of passing a file that reused the number.
///
/// ```compile_fail,E0597
/// use socklab::sys::CmsgBuffer;
/// use std::os::fd::AsFd;
/// let mut out = CmsgBuffer::new();
/// {
///     let f = std::fs::File::open("/dev/null").unwrap();
///     out.push_fds(&[f.as_fd()]); // error: `f` does not live long enough
/// }
/// let _ = out.len();
/// ```
pub struct CmsgBuffer<'fd> {
    /// `u64` words so the storage is aligned for `cmsghdr` (8 bytes on 64-bit Linux).
    words: Vec<MaybeUninit<u64>>,
    /// Bytes offered to the kernel as `msg_controllen` on receive (may be less than the storage).
    cap: usize,
    /// Bytes that are valid: written by [`push`](Self::push) or reported by the kernel. The
    /// first `len` bytes of `words` are always initialized (pushed, or zeroed before the
    /// receive and then written by the kernel except for cmsg padding).
    len: usize,
    /// fds the kernel installed for the last receive, owned here until taken.
    fds: Vec<OwnedFd>,
    /// The first `received` bytes are the last receive's: `fds` owns the fds its
    /// `SCM_RIGHTS`/`SCM_PIDFD` messages list (0 once they are taken).
    received: usize,
    /// Set when a safe [`push`](Self::push) wrote an `SCM_RIGHTS` message of raw numbers: safe
    /// sends refuse the buffer (`EINVAL`), since nothing vouches for those numbers.
    raw_rights: bool,
    /// fds pushed with [`push_fds`](Self::push_fds) are borrowed for `'fd`.
    borrowed: PhantomData<BorrowedFd<'fd>>,
}

impl<'fd> CmsgBuffer<'fd> {
    /// An empty buffer with no storage: build a message to send with [`push`](Self::push).
    pub fn new() -> CmsgBuffer<'fd> {
        CmsgBuffer::with_capacity(0)
    }

    /// A buffer offering exactly `cap` bytes to the kernel on receive (allocated uninitialized;
    /// each receive zeroes it first).
    /// Use [`cmsg_space`] to size it; a buffer too small for what arrives gets `MSG_CTRUNC`.
    pub fn with_capacity(cap: usize) -> CmsgBuffer<'fd> {
        let mut words = Vec::new();
        words.resize(cap.div_ceil(size_of::<u64>()), MaybeUninit::uninit());
        CmsgBuffer {
            words,
            cap,
            len: 0,
            fds: Vec::new(),
            received: 0,
            raw_rights: false,
            borrowed: PhantomData,
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
        self.received = 0;
        self.raw_rights = false;
    }

    /// The valid bytes, as C's `msg_control` holds them. [`sendmsg`](super::sendmsg) takes
    /// them when they hold no `SCM_RIGHTS` message; to send fds pass the buffer itself to
    /// [`sendmsg_cmsg`](super::sendmsg_cmsg).
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: `words` is a live allocation of at least `len` bytes (len <= cap <= storage)
        // whose first `len` bytes are initialized (the invariant every writer keeps); u8 has no
        // alignment or validity requirement.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr().cast::<u8>(), self.len) }
    }

    /// The valid bytes, writable (to invalidate fd numbers that left the buffer).
    fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_bytes`, and `&mut self` makes this the only reference to the storage
        // for the borrow; any u8 written keeps the bytes initialized.
        unsafe { std::slice::from_raw_parts_mut(self.words.as_mut_ptr().cast::<u8>(), self.len) }
    }

    /// Appends one control message (`cmsg_level`, `cmsg_type`, data), header and padding laid
    /// out as `CMSG_FIRSTHDR`/`CMSG_NXTHDR` expect. Grows the storage (and capacity) if needed.
    ///
    /// The kernel checks what you send: an unknown type gives `EINVAL` at
    /// [`sendmsg`](super::sendmsg), which is how a learner sees the rules.
    ///
    /// fds go with [`push_fds`](Self::push_fds), which borrows them. An `SOL_SOCKET`/`SCM_RIGHTS`
    /// message pushed here holds raw numbers nothing vouches for, so the safe sends refuse the
    /// buffer with `EINVAL` (socklab's check: a number could name any file of the process);
    /// [`push_unchecked`](Self::push_unchecked) is the `unsafe` way to send raw numbers.
    pub fn push(&mut self, level: c_int, ty: c_int, data: &[u8]) -> &mut CmsgBuffer<'fd> {
        if (level, ty) == (libc::SOL_SOCKET, libc::SCM_RIGHTS) {
            self.raw_rights = true;
        }
        self.append(level, ty, data)
    }

    /// [`push`](Self::push) without the `SCM_RIGHTS` check: the message, raw fd numbers
    /// included, goes out with the safe sends.
    ///
    /// # Safety
    /// Every fd number in an `SOL_SOCKET`/`SCM_RIGHTS` message pushed here must name an open
    /// fd that the caller owns or borrows for as long as this buffer can be sent (I/O safety:
    /// the kernel passes whatever file has that number at the time of the send).
    ///
    /// # Example
    /// ```
    /// use socklab::sys::{self, CmsgBuffer, Errno, AF_UNIX, SCM_RIGHTS, SOCK_DGRAM, SOL_SOCKET};
    /// use std::io::IoSlice;
    /// let (a, _b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
    /// let mut out = CmsgBuffer::new();
    /// // SAFETY: -1 names no fd: the kernel rejects it (EBADF) and passes no file.
    /// unsafe { out.push_unchecked(SOL_SOCKET, SCM_RIGHTS, &(-1i32).to_ne_bytes()) };
    /// let e = sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"x")], &out, 0).unwrap_err();
    /// assert_eq!(e.code(), Errno::EBADF);
    /// # Ok::<(), socklab::Error>(())
    /// ```
    pub unsafe fn push_unchecked(
        &mut self,
        level: c_int,
        ty: c_int,
        data: &[u8],
    ) -> &mut CmsgBuffer<'fd> {
        self.append(level, ty, data)
    }

    /// Writes one message after the valid bytes (the body of every push).
    ///
    /// The message starts at `CMSG_ALIGN(len)`, where the kernel's `CMSG_NXTHDR` (and
    /// [`CmsgIter`]) look for the header after the previous message, with the bytes between
    /// zeroed. After a receive `len` need not be aligned (a cmsg the kernel cut to fit ends
    /// anywhere), and a message written at `len` itself would be read by the kernel from a
    /// different offset: a different header, made of the pushed bytes (an `SCM_RIGHTS` built
    /// out of a harmless-looking push, past the safe sends' check).
    fn append(&mut self, level: c_int, ty: c_int, data: &[u8]) -> &mut CmsgBuffer<'fd> {
        let from = self.len;
        let start = cmsg_align(from);
        let end = start + cmsg_space(data.len());
        if end > self.words.len() * size_of::<u64>() {
            self.words
                .resize(end.div_ceil(size_of::<u64>()), MaybeUninit::uninit());
        }
        self.cap = self.cap.max(end);
        // The alignment gap and the message, zeroed then filled.
        let mut msg = vec![0u8; end - from];
        let at = start - from;
        let hdr_len = cmsg_len(data.len());
        let put = |msg: &mut [u8], off: usize, bytes: &[u8]| {
            msg[at + off..at + off + bytes.len()].copy_from_slice(bytes);
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
        // SAFETY: the storage holds at least `end` bytes (resized above), so `from..end` is in
        // bounds; `msg` is a separate allocation of `end - from` bytes (no overlap). After the
        // copy the first `end` bytes are initialized, which `len = end` records.
        unsafe { ptr::copy_nonoverlapping(msg.as_ptr(), dst.add(from), msg.len()) };
        self.len = end;
        self
    }

    /// Appends an `SCM_RIGHTS` message carrying `fds` (the receiver gets new fds for the same
    /// open files, as if dup(2)ed into its process). The buffer borrows the fds for `'fd`, so
    /// they stay open (and their numbers theirs) for as long as it can be sent.
    pub fn push_fds(&mut self, fds: &[BorrowedFd<'fd>]) -> &mut CmsgBuffer<'fd> {
        let data: Vec<u8> = fds
            .iter()
            .flat_map(|fd| fd.as_raw_fd().to_ne_bytes())
            .collect();
        self.append(libc::SOL_SOCKET, libc::SCM_RIGHTS, &data)
    }

    /// The control messages in the valid bytes, in order (C's `CMSG_FIRSTHDR`/`CMSG_NXTHDR`
    /// loop). A message the kernel truncated (`MSG_CTRUNC`) yields the data bytes that fit.
    pub fn iter(&self) -> CmsgIter<'_> {
        CmsgIter {
            bytes: self.as_bytes(),
        }
    }

    /// The control messages, each with the fds it carried, which leave the buffer: C's
    /// `CMSG_FIRSTHDR`/`CMSG_NXTHDR` loop that reads each message and takes the fds of the
    /// `SCM_RIGHTS` one, in one pass ([`iter`](Self::iter) borrows the buffer, so
    /// [`take_fds`](Self::take_fds) needs a second).
    ///
    /// Every fd of the last receive goes to the [`CmsgMut`] of the message that listed it:
    /// [`take_fds`](CmsgMut::take_fds) hands them over, and those not taken close when the
    /// message is dropped (or the iterator is, for the messages it did not reach). Once a
    /// message is dropped its numbers in the buffer are `-1`, as after
    /// [`take_fds`](Self::take_fds): sent again, the buffer passes no file that reused them
    /// (the kernel answers `EBADF`). Messages pushed to send carry no fds here: the ones pushed
    /// with [`push_fds`](Self::push_fds) are borrowed, not the buffer's.
    ///
    /// # Example
    /// ```
    /// use socklab::sys::{self, cmsg_len, cmsg_space, CmsgBuffer, AF_UNIX, SCM_RIGHTS};
    /// use socklab::sys::{SOCK_DGRAM, SOL_SOCKET};
    /// use std::ffi::c_int;
    /// use std::io::{IoSlice, IoSliceMut};
    /// use std::os::fd::AsFd;
    /// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
    /// let (x, y) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
    /// let mut out = CmsgBuffer::new();
    /// out.push_fds(&[x.as_fd()]);
    /// sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"fd")], &out, 0)?;
    ///
    /// let mut control = CmsgBuffer::with_capacity(cmsg_space(size_of::<c_int>()));
    /// sys::recvmsg(&b, &mut [IoSliceMut::new(&mut [0u8; 8])], Some(&mut control), 0)?;
    /// let mut fd = None; // int fd = -1;
    /// // for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL; cmsg = CMSG_NXTHDR(&msg, cmsg))
    /// for mut cmsg in control.iter_mut() {
    ///     if cmsg.cmsg_level == SOL_SOCKET
    ///         && cmsg.cmsg_type == SCM_RIGHTS
    ///         && cmsg.len_field() == cmsg_len(size_of::<c_int>())
    ///     {
    ///         fd = cmsg.take_fds().pop(); // memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
    ///     }
    /// }
    /// let fd = fd.expect("an fd was passed"); // an OwnedFd: closes on drop
    /// sys::write(&fd, b"via the passed fd")?;
    /// assert_eq!(sys::read(&y, &mut [0u8; 64][..])?, 17);
    /// # Ok::<(), socklab::Error>(())
    /// ```
    #[doc(alias = "CMSG_FIRSTHDR")]
    #[doc(alias = "CMSG_NXTHDR")]
    pub fn iter_mut(&mut self) -> CmsgIterMut<'_> {
        let fds = mem::take(&mut self.fds).into_iter();
        let received = mem::replace(&mut self.received, 0);
        CmsgIterMut {
            rest: self.as_bytes_mut(),
            received,
            fds,
        }
    }

    /// The fds received with the last receive (`SCM_RIGHTS`, `SCM_PIDFD`), still owned here.
    pub fn fds(&self) -> &[OwnedFd] {
        &self.fds
    }

    /// Takes ownership of the received fds, in the order they arrived.
    ///
    /// Their numbers in the received `SCM_RIGHTS`/`SCM_PIDFD` messages become `-1`: the fds
    /// are no longer the buffer's, and once you close one its number can name another file, so
    /// a buffer sent again (an echo of an [`MmsgBatch`](super::MmsgBatch) slot) must not carry
    /// it. Sending such a message gets `EBADF` from the kernel; [`clear`](Self::clear) the
    /// buffer to send without it.
    pub fn take_fds(&mut self) -> Vec<OwnedFd> {
        let received = self.received;
        let ranges = fd_data_ranges(&self.as_bytes()[..received]);
        let bytes = self.as_bytes_mut();
        for r in ranges {
            for fd in bytes[r].chunks_exact_mut(size_of::<RawFd>()) {
                fd.copy_from_slice(&(-1 as RawFd).to_ne_bytes());
            }
        }
        self.received = 0;
        mem::take(&mut self.fds)
    }

    /// Why a safe send refuses this buffer, if it does: an `SCM_RIGHTS` message of raw numbers
    /// pushed with [`push`](Self::push).
    pub(super) fn unvouched_rights(&self) -> Option<&'static str> {
        self.raw_rights.then_some(
            "SCM_RIGHTS pushed as raw bytes with CmsgBuffer::push: pass fds with push_fds \
             (BorrowedFd), or use the unsafe push_unchecked",
        )
    }

    /// Before a receive: drops the old contents, zeroes the storage and returns
    /// `msg_control`/`msg_controllen` (NULL and 0 for a zero capacity).
    ///
    /// Zeroing is what makes [`as_bytes`](Self::as_bytes) sound after a receive: the kernel
    /// reports `CMSG_SPACE` bytes per message (`msg_controllen`) but writes only `CMSG_LEN`,
    /// leaving the padding between messages untouched, so without it those bytes would be
    /// uninitialized (or a previous receive's). Padding is never part of a [`Cmsg`]'s data.
    pub(super) fn recv_parts(&mut self) -> (*mut c_void, usize) {
        self.clear();
        if self.cap == 0 {
            return (ptr::null_mut(), 0);
        }
        self.words.fill(MaybeUninit::new(0));
        (self.words.as_mut_ptr().cast(), self.cap)
    }

    /// For a send: `msg_control`/`msg_controllen` of the valid bytes (NULL and 0 if none).
    /// The kernel only reads them, so the `*mut` is never written through.
    pub(super) fn send_parts(&self) -> (*mut c_void, usize) {
        if self.len == 0 {
            return (ptr::null_mut(), 0);
        }
        (self.words.as_ptr().cast_mut().cast(), self.len)
    }

    /// After a successful receive: records the `msg_controllen` the kernel wrote and takes
    /// ownership of every fd it installed.
    pub(super) fn finish_recv(&mut self, controllen: usize) {
        // The kernel writes at most the capacity it was given; the min keeps the invariant
        // even if it did not.
        self.len = controllen.min(self.cap);
        self.received = self.len;
        self.fds = adopt_fds(self.as_bytes());
    }
}

/// Whether a cmsg carries fds the kernel installed (`SOL_SOCKET` `SCM_RIGHTS`/`SCM_PIDFD`).
fn carries_fds(c: &Cmsg<'_>) -> bool {
    carries_fds_type(c.cmsg_level, c.cmsg_type)
}

/// [`carries_fds`] by level and type.
fn carries_fds_type(level: c_int, ty: c_int) -> bool {
    level == libc::SOL_SOCKET && matches!(ty, libc::SCM_RIGHTS | SCM_PIDFD)
}

/// The byte ranges of `control` holding the data of its fd-carrying messages.
fn fd_data_ranges(control: &[u8]) -> Vec<Range<usize>> {
    let base = control.as_ptr() as usize;
    (CmsgIter { bytes: control })
        .filter(carries_fds)
        .map(|c| {
            // cmsg_data is a subslice of `control`, so the address difference is its offset.
            let start = c.cmsg_data.as_ptr() as usize - base;
            start..start + c.cmsg_data.len()
        })
        .collect()
}

/// Whether `control` (raw bytes a caller built) holds an `SOL_SOCKET`/`SCM_RIGHTS` message,
/// walked as the kernel walks it (`CMSG_FIRSTHDR`/`CMSG_NXTHDR`).
pub(super) fn has_scm_rights(control: &[u8]) -> bool {
    (CmsgIter { bytes: control })
        .any(|c| (c.cmsg_level, c.cmsg_type) == (libc::SOL_SOCKET, libc::SCM_RIGHTS))
}

/// Wraps every fd of the `SCM_RIGHTS`/`SCM_PIDFD` messages in `control` in an `OwnedFd`.
fn adopt_fds(control: &[u8]) -> Vec<OwnedFd> {
    let mut fds = Vec::new();
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

impl Default for CmsgBuffer<'_> {
    fn default() -> Self {
        CmsgBuffer::new()
    }
}

impl fmt::Debug for CmsgBuffer<'_> {
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

/// Where one message lies in bytes that start at its header, as `CMSG_NXTHDR` walks them.
struct Hdr {
    level: c_int,
    ty: c_int,
    /// The data: `CMSG_LEN(0)..cmsg_len`, cut to the bytes there are.
    data: Range<usize>,
    /// Where the next header starts: `CMSG_ALIGN(cmsg_len)`, or the end.
    next: usize,
}

/// The message at the start of `b`, or `None` when no header fits or its `cmsg_len` is shorter
/// than a header (the walk ends there). Headers are read unaligned-safe (from bytes).
fn parse_hdr(b: &[u8]) -> Option<Hdr> {
    if b.len() < size_of::<cmsghdr>() {
        return None;
    }
    let field = |off: usize, n: usize| &b[off..off + n];
    let len_bytes = field(offset_of!(cmsghdr, cmsg_len), size_of::<usize>());
    let cmsg_len = usize::from_ne_bytes(len_bytes.try_into().ok()?);
    let int = |off| c_int::from_ne_bytes(field(off, 4).try_into().expect("4 bytes"));
    if cmsg_len < CMSG_HDR {
        return None;
    }
    // A header stating more than the bytes there are (caller bytes may say anything): keep
    // what is there.
    let data_end = cmsg_len.min(b.len());
    // Aligning a length past the end could overflow; an aligned one may pass the end.
    let next = if cmsg_len >= b.len() {
        b.len()
    } else {
        cmsg_align(cmsg_len).min(b.len())
    };
    Some(Hdr {
        level: int(offset_of!(cmsghdr, cmsg_level)),
        ty: int(offset_of!(cmsghdr, cmsg_type)),
        data: CMSG_HDR.min(data_end)..data_end,
        next,
    })
}

impl<'a> Iterator for CmsgIter<'a> {
    type Item = Cmsg<'a>;

    fn next(&mut self) -> Option<Cmsg<'a>> {
        let b = self.bytes;
        let Some(h) = parse_hdr(b) else {
            self.bytes = &[];
            return None;
        };
        self.bytes = &b[h.next..];
        Some(Cmsg {
            cmsg_level: h.level,
            cmsg_type: h.ty,
            cmsg_data: &b[h.data],
        })
    }
}

/// The iterator of [`CmsgBuffer::iter_mut`]: each message with the fds it carried. Dropped
/// before the end, it drops the messages it did not reach (their fds close, their numbers in
/// the buffer become `-1`).
pub struct CmsgIterMut<'a> {
    /// The bytes not walked yet, from the next header on.
    rest: &'a mut [u8],
    /// How many bytes of `rest` are the last receive's (whose fds `fds` holds).
    received: usize,
    /// The received fds not handed out yet, in the order their messages list them.
    fds: std::vec::IntoIter<OwnedFd>,
}

impl<'a> Iterator for CmsgIterMut<'a> {
    type Item = CmsgMut<'a>;

    fn next(&mut self) -> Option<CmsgMut<'a>> {
        let Some(h) = parse_hdr(self.rest) else {
            self.rest = &mut [];
            return None;
        };
        let (msg, tail) = mem::take(&mut self.rest).split_at_mut(h.next);
        self.rest = tail;
        // The fds of this message: the numbers of its data within the received bytes, as
        // `finish_recv` adopted them (every non-negative one, in order).
        let owned = if carries_fds_type(h.level, h.ty) {
            h.data.start..h.data.end.min(self.received).max(h.data.start)
        } else {
            0..0
        };
        self.received = self.received.saturating_sub(h.next);
        let n = msg[owned.clone()]
            .chunks_exact(size_of::<RawFd>())
            .filter(|c| RawFd::from_ne_bytes((*c).try_into().expect("4 bytes")) >= 0)
            .count();
        let fds = self.fds.by_ref().take(n).collect();
        Some(CmsgMut {
            cmsg_level: h.level,
            cmsg_type: h.ty,
            msg,
            data: h.data,
            owned,
            fds,
        })
    }
}

impl Drop for CmsgIterMut<'_> {
    fn drop(&mut self) {
        // Each message not reached: its fds close and its numbers become -1 (CmsgMut's drop).
        for _ in self.by_ref() {}
    }
}

impl fmt::Debug for CmsgIterMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CmsgIterMut")
            .field("rest", &self.rest.len())
            .field("fds", &self.fds.as_slice())
            .finish()
    }
}

/// One control message of [`CmsgBuffer::iter_mut`] and the fds it carried, which are its own:
/// [`take_fds`](CmsgMut::take_fds) hands them over; those left close when it drops. Once it
/// drops, the buffer's copy of their numbers is `-1`.
pub struct CmsgMut<'a> {
    /// `cmsg_level`: `SOL_SOCKET`, `IPPROTO_IP`…
    pub cmsg_level: c_int,
    /// `cmsg_type`: `SCM_RIGHTS`, `SCM_CREDENTIALS`, `IP_PKTINFO`…
    pub cmsg_type: c_int,
    /// The message in the buffer: header, data, padding.
    msg: &'a mut [u8],
    /// The data within `msg`.
    data: Range<usize>,
    /// The bytes of `msg` holding the numbers of the fds this message took from the buffer
    /// (empty if none): set to -1 on drop.
    owned: Range<usize>,
    /// Those fds, until taken.
    fds: Vec<OwnedFd>,
}

impl CmsgMut<'_> {
    /// The message as [`CmsgBuffer::iter`] yields it (for [`ucred`](Cmsg::ucred),
    /// [`rights`](Cmsg::rights)…): the numbers in its data are those received.
    pub fn as_cmsg(&self) -> Cmsg<'_> {
        Cmsg {
            cmsg_level: self.cmsg_level,
            cmsg_type: self.cmsg_type,
            cmsg_data: &self.msg[self.data.clone()],
        }
    }

    /// The data, C's `CMSG_DATA(cmsg)` (the numbers as received, for `SCM_RIGHTS`).
    pub fn cmsg_data(&self) -> &[u8] {
        &self.msg[self.data.clone()]
    }

    /// C's `cmsg->cmsg_len`: see [`Cmsg::len_field`].
    pub fn len_field(&self) -> usize {
        self.as_cmsg().len_field()
    }

    /// The fds this message carried (`SCM_RIGHTS`, `SCM_PIDFD`), still its own.
    pub fn fds(&self) -> &[OwnedFd] {
        &self.fds
    }

    /// Takes the fds this message carried, in its order (empty for other messages, or once
    /// taken).
    pub fn take_fds(&mut self) -> Vec<OwnedFd> {
        mem::take(&mut self.fds)
    }
}

impl Drop for CmsgMut<'_> {
    fn drop(&mut self) {
        // The fds left the buffer when this message got them: its numbers must not name them
        // (or whatever reuses them once closed) if the buffer is sent again.
        for fd in self.msg[self.owned.clone()].chunks_exact_mut(size_of::<RawFd>()) {
            fd.copy_from_slice(&(-1 as RawFd).to_ne_bytes());
        }
    }
}

impl fmt::Debug for CmsgMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CmsgMut")
            .field("cmsg_level", &self.cmsg_level)
            .field("cmsg_type", &self.cmsg_type)
            .field("cmsg_data", &self.cmsg_data())
            .field("fds", &self.fds)
            .finish()
    }
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

    /// A `cmsg_len` short of the end whose aligned value passes it (caller bytes, cut): the walk
    /// keeps the data there is and ends, as `CMSG_NXTHDR` finds no room for another header.
    #[test]
    fn a_length_aligned_past_the_end_ends_the_walk() {
        let mut b = vec![0u8; 22];
        b[..8].copy_from_slice(&21usize.to_ne_bytes());
        b[16..22].copy_from_slice(b"abcdef");
        let got: Vec<_> = (CmsgIter { bytes: &b }).collect();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].cmsg_data, b"abcde");
        assert!(!has_scm_rights(&b));
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
