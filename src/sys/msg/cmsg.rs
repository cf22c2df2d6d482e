//! Control messages (ancillary data): [`CmsgBuffer`], its [`Cmsg`] iterator and C's
//! `CMSG_SPACE`/`CMSG_LEN`; `SCM_RIGHTS` fds received are owned as `OwnedFd`.

use std::fmt;
use std::mem::{self, offset_of, size_of, MaybeUninit};
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

// ---------------------------------------------------------------------------------------------
// Control messages
// ---------------------------------------------------------------------------------------------

/// A control (ancillary data) buffer: C's `msg_control` + `msg_controllen`, aligned for
/// `cmsghdr`, with owned storage.
///
/// - **To send** cmsgs, [`push`](CmsgBuffer::push) them (or [`push_fds`](CmsgBuffer::push_fds)
///   for `SCM_RIGHTS`) and pass [`as_bytes`](CmsgBuffer::as_bytes) to
///   [`sendmsg`](super::sendmsg).
/// - **To receive**, make one [`with_capacity`](CmsgBuffer::with_capacity)`(`[`cmsg_space`]`(n))`
///   and pass it to [`recvmsg`](super::recvmsg): the whole capacity is offered to the kernel,
///   zeroed before each receive (as C's `char cbuf[CMSG_SPACE(n)] = {0}`: the kernel never
///   writes the padding after each message, which `len` counts), and afterwards
///   [`len`](CmsgBuffer::len) is the `msg_controllen` the kernel wrote and
///   [`iter`](CmsgBuffer::iter) walks the messages.
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
    /// first `len` bytes of `words` are always initialized (pushed, or zeroed before the
    /// receive and then written by the kernel except for cmsg padding).
    len: usize,
    /// fds the kernel installed for the last receive, owned here until taken.
    fds: Vec<OwnedFd>,
}

impl CmsgBuffer {
    /// An empty buffer with no storage: build a message to send with [`push`](Self::push).
    pub fn new() -> CmsgBuffer {
        CmsgBuffer::with_capacity(0)
    }

    /// A buffer offering exactly `cap` bytes to the kernel on receive (allocated uninitialized;
    /// each receive zeroes it first).
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

    /// The valid bytes, as C's `msg_control` holds them (pass to [`sendmsg`](super::sendmsg)).
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: `words` is a live allocation of at least `len` bytes (len <= cap <= storage)
        // whose first `len` bytes are initialized (the invariant every writer keeps); u8 has no
        // alignment or validity requirement.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr().cast::<u8>(), self.len) }
    }

    /// Appends one control message (`cmsg_level`, `cmsg_type`, data), header and padding laid
    /// out as `CMSG_FIRSTHDR`/`CMSG_NXTHDR` expect. Grows the storage (and capacity) if needed.
    ///
    /// The kernel checks what you send: an unknown type gives `EINVAL` at
    /// [`sendmsg`](super::sendmsg), which is how a learner sees the rules. For fds prefer
    /// [`push_fds`](Self::push_fds), which takes
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
