//! The tracer's `unsafe` readers: each turns a raw call's pointers into the bytes and values
//! [`fmt`] prints, reading no more than the call's raw contract guarantees readable (and, after
//! a receive, only what the kernel wrote). Arrays the kernel reads at any address (`pollfd`,
//! `mmsghdr`, `msghdr`, `sv`) are copied out with unaligned reads.

use std::borrow::Cow;
use std::os::raw::{c_int, c_void};
use std::slice;

use libc::{msghdr, sockaddr, sockaddr_storage, socklen_t};

use super::fmt;

/// The name of interface `index` (if_indextoname(3)): the lookup the line builders pass to
/// [`fmt`] for `sin6_scope_id`, `gr_interface` and `ipi_ifindex`, the one place the log asks
/// the host about its interfaces. glibc makes it as `socket`/`ioctl(SIOCGIFNAME)`/`close` on a
/// scratch socket, untraced here but seen by strace.
pub(crate) fn if_indextoname(index: u32) -> Option<String> {
    let mut name = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `name` is writable for IF_NAMESIZE bytes, the size if_indextoname requires.
    let p = unsafe { libc::if_indextoname(index, name.as_mut_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: on success if_indextoname wrote a NUL-terminated name into `name`.
    let s = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) };
    Some(s.to_string_lossy().into_owned())
}

/// `len` bytes at `p`, or `None` for NULL.
///
/// # Safety
/// A non-NULL `p` is readable for `len` bytes for `'a`.
pub(crate) unsafe fn bytes<'a>(p: *const c_void, len: usize) -> Option<&'a [u8]> {
    // SAFETY: the caller guarantees `p` is readable for `len` bytes when non-NULL.
    (!p.is_null()).then(|| unsafe { slice::from_raw_parts(p.cast::<u8>(), len) })
}

/// What a buffer dump reads of the `len` bytes at `p`: the first [`fmt::MAX_STR`] + 1, all
/// strace's `-s 32` cut needs to print them and its `...`; `None` for NULL.
///
/// # Safety
/// A non-NULL `p` is readable for `len` bytes for `'a`.
pub(crate) unsafe fn shown<'a>(p: *const c_void, len: usize) -> Option<&'a [u8]> {
    // SAFETY: a prefix of the `len` bytes the caller guarantees readable.
    unsafe { bytes(p, len.min(fmt::MAX_STR + 1)) }
}

/// The socket's type (`SO_TYPE`) or family (`SO_DOMAIN`), asked of the kernel directly so
/// the query is not itself traced; `None` if `fd` is not a socket.
fn sock_int(fd: c_int, name: c_int) -> Option<c_int> {
    let mut v: c_int = 0;
    let mut len = size_of::<c_int>() as socklen_t;
    let p = std::ptr::addr_of_mut!(v).cast();
    // SAFETY: `p` is a live local int and `len` its size; SO_TYPE and SO_DOMAIN (the only
    // names passed) each write at most one int.
    let rc = unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, name, p, &mut len) };
    (rc == 0 && len as usize == size_of::<c_int>()).then_some(v)
}

/// Whether a receive with `flags` that reported bytes wrote them (up to the buffer's size).
///
/// With `MSG_TRUNC` the kernel reports more than it writes: a datagram socket (UDP, Unix
/// dgram/seqpacket, raw, netlink, packet) returns the datagram's full length and writes
/// `min(ret, len)`; TCP discards the data without writing the buffer and returns its count.
/// So with `MSG_TRUNC` the trace asks the socket's type and family (untraced
/// `getsockopt(SO_TYPE)`, then `SO_DOMAIN` unless a stream) and shows no bytes where the
/// kernel is not known to have copied them, only the pointer, as for a buffer it does not
/// decode — the rule of `sys::written`, which the safe receives follow too (`AF_LLC`,
/// `MSG_PEEK | MSG_TRUNC` on UDP, `MSG_SOCK_DEVMEM` and unlisted families show no bytes).
/// strace 6.1 reads the buffer anyway and prints its stale contents (`recvfrom(6, "ZZZZZ",
/// 16, MSG_TRUNC, NULL, NULL) = 5` over a buffer of `Z`s); for datagrams it prints the same
/// `min(ret, len)` bytes as here.
pub(crate) fn wrote_reported(fd: c_int, flags: c_int) -> bool {
    crate::sys::written::wrote_reported(flags, |name| sock_int(fd, name))
}

/// The first `n` `T`s at `p`, copied out with unaligned reads, or none for NULL: the kernel
/// reads `pollfd`/`mmsghdr`/`msghdr` arrays at any address, and the raw contracts promise
/// only that they are readable, so the hook may not form an aligned `&[T]` over them.
///
/// # Safety
/// A non-NULL `p` is readable for `n` `T`s.
pub(crate) unsafe fn read_array<T: Copy>(p: *const T, n: usize) -> Vec<T> {
    if p.is_null() {
        return Vec::new();
    }
    // SAFETY: `i < n`, so `p.add(i)` is within the `n` readable `T`s the caller guarantees.
    (0..n)
        .map(|i| unsafe { p.add(i).read_unaligned() })
        .collect()
}

/// `*p`, or `None` for NULL.
///
/// # Safety
/// A non-NULL `p` is readable.
pub(crate) unsafe fn get<T: Copy>(p: *const T) -> Option<T> {
    // SAFETY: the caller guarantees a non-NULL `p` is readable.
    (!p.is_null()).then(|| unsafe { p.read_unaligned() })
}

/// A sockaddr as strace prints it: decoded from at most `sizeof(sockaddr_storage)` bytes.
///
/// # Safety
/// A non-NULL `addr` is readable for `min(len, sizeof(sockaddr_storage))` bytes.
pub(crate) unsafe fn addr(addr: *const sockaddr, len: socklen_t) -> String {
    let len = (len as usize).min(size_of::<sockaddr_storage>());
    // SAFETY: the caller guarantees `addr` is readable for this (clamped) `len`.
    let b = unsafe { bytes(addr.cast(), len) };
    fmt::sockaddr(addr as usize, b, &if_indextoname)
}

/// An address the kernel wrote and its in-out length: `{sa_family=…}, [128 => 16]` after
/// success, `0x7ffd…, [128]` after failure, `NULL, NULL` when not asked for.
///
/// # Safety
/// `addr`/`addrlen` are as the call's contract requires (both NULL, or `addrlen` readable and
/// `addr` readable for the length the kernel wrote).
pub(crate) unsafe fn out_addr(
    addr: *const sockaddr,
    addrlen: *const socklen_t,
    before: Option<socklen_t>,
    ok: bool,
) -> [String; 2] {
    // SAFETY: per the caller, a non-NULL addrlen is readable.
    let after = unsafe { get(addrlen) };
    match (before, after) {
        (Some(b), Some(a)) if ok => {
            // SAFETY: the kernel wrote min(b, a) bytes of address at `addr`.
            [unsafe { self::addr(addr, a.min(b)) }, fmt::inout(b, a)]
        }
        (Some(b), _) => [fmt::ptr(addr as usize), format!("[{b}]")],
        _ => [fmt::ptr(addr as usize), fmt::ptr(addrlen as usize)],
    }
}

/// Reads `msg_namelen` before a receive call.
///
/// # Safety
/// A non-NULL `msg` points to a readable msghdr.
pub(crate) unsafe fn namelen(msg: *const msghdr) -> Option<socklen_t> {
    // SAFETY: the caller guarantees a non-NULL `msg` is a readable msghdr (# Safety above).
    unsafe { get(msg) }.map(|m| m.msg_namelen)
}

/// What a msghdr's iovecs hold, for [`msg_view`].
#[derive(Clone, Copy)]
pub(crate) enum Data {
    /// Sent: each iovec in full.
    Sent,
    /// Received: the kernel wrote this many bytes, filling the iovecs in order.
    Received(usize),
    /// Received, but the kernel wrote none of the bytes it reported ([`wrote_reported`]).
    Unwritten,
}

impl Data {
    /// What a receive on `fd` with `flags` that returned `ret` (>= 0) wrote.
    pub(crate) fn received(fd: c_int, flags: c_int, ret: usize) -> Data {
        if ret > 0 && !wrote_reported(fd, flags) {
            Data::Unwritten
        } else {
            Data::Received(ret)
        }
    }
}

/// The control bytes a receive wrote, copied out: each cmsg's header and its `cmsg_len`
/// bytes, walked as CMSG_NXTHDR does. msg_controllen counts each message's CMSG_SPACE, but
/// the kernel writes only CMSG_LEN of it, so the padding between messages is not read (it
/// may be uninitialized caller memory) and stays 0 in the copy. `None` for NULL.
///
/// # Safety
/// A non-NULL `p` is a buffer into which a successful receive just wrote a cmsg chain
/// reported as `len` bytes.
unsafe fn written_control(p: *const c_void, len: usize) -> Option<Vec<u8>> {
    if p.is_null() {
        return None;
    }
    let (p, hdr) = (p.cast::<u8>(), size_of::<libc::cmsghdr>());
    let mut out = vec![0u8; len];
    let mut off = 0;
    while len - off >= hdr {
        // SAFETY: a header the kernel wrote, inside the `len` reported bytes.
        let h = unsafe { p.add(off).cast::<libc::cmsghdr>().read_unaligned() };
        #[allow(clippy::unnecessary_cast)] // size_t in glibc, socklen_t in musl
        let clen = h.cmsg_len as usize;
        if clen < hdr {
            break;
        }
        let end = off + clen.min(len - off);
        // SAFETY: `off..end` is this message's header and data, which the kernel wrote
        // (cmsg_len counts only written bytes, also when MSG_CTRUNC cut the message).
        unsafe { std::ptr::copy_nonoverlapping(p.add(off), out.as_mut_ptr().add(off), end - off) };
        // The next header is at CMSG_ALIGN(cmsg_len), if one fits.
        match clen.checked_next_multiple_of(size_of::<usize>()) {
            Some(next) if next < len - off => off += next,
            _ => break,
        }
    }
    Some(out)
}

/// One msghdr as [`fmt::Msg`]: `data` says which iovec bytes may be shown; `before` is the
/// msg_namelen the caller set.
///
/// # Safety
/// `m` is valid as sendmsg/recvmsg require (its name readable for `min(msg_namelen,
/// sizeof(sockaddr_storage))` bytes, its `msg_iovlen` iovecs readable, each base for its
/// `iov_len` bytes), and after a receive the kernel wrote what `data` says.
pub(crate) unsafe fn msg_view<'a>(m: &'a msghdr, before: Option<u32>, data: Data) -> fmt::Msg<'a> {
    let namelen = before.map_or(m.msg_namelen, |b| b.min(m.msg_namelen));
    let name_len = (namelen as usize).min(size_of::<sockaddr_storage>());
    // SAFETY: msg_name is readable for msg_namelen bytes (the kernel wrote `namelen`).
    let name = unsafe { bytes(m.msg_name, name_len) };
    let shown = m.msg_iovlen.min(33);
    // SAFETY: msg_iov points to msg_iovlen iovecs; we read the first `shown`.
    let iovs = unsafe { bytes(m.msg_iov.cast(), shown * size_of::<libc::iovec>()) };
    let mut left = match data {
        Data::Sent => usize::MAX,
        Data::Received(n) => n,
        Data::Unwritten => 0,
    };
    let mut iov = Vec::new();
    for i in 0..if iovs.is_some() { shown } else { 0 } {
        // SAFETY: `i < shown`, within the iovecs read above.
        let v = unsafe { m.msg_iov.add(i).read_unaligned() };
        let n = v.iov_len.min(left);
        left -= n;
        let bytes = match data {
            Data::Unwritten => None,
            // SAFETY: each iovec's base is readable for iov_len bytes (sent) or had the
            // first `n` written (the kernel fills the iovecs in order).
            _ => Some(unsafe { self::shown(v.iov_base, n) }.unwrap_or(&[])),
        };
        iov.push(fmt::Iov {
            base: v.iov_base as usize,
            bytes,
            len: v.iov_len,
        });
    }
    fmt::Msg {
        name: (m.msg_name as usize, name),
        namelen_before: before,
        namelen: m.msg_namelen,
        iov,
        iovlen: m.msg_iovlen,
        control: (m.msg_control as usize, m.msg_controllen),
        control_bytes: match data {
            Data::Sent => {
                // SAFETY: a sent msg_control is readable for msg_controllen bytes; capped at
                // 64 KiB, more than any cmsg chain.
                unsafe { bytes(m.msg_control, m.msg_controllen.min(1 << 16)) }.map(Cow::Borrowed)
            }
            // SAFETY: after a receive the kernel wrote the cmsgs within msg_controllen (all
            // `written_control` reads); the buffer is writable for at least that.
            _ => unsafe { written_control(m.msg_control, m.msg_controllen.min(1 << 16)) }
                .map(Cow::Owned),
        },
        flags: m.msg_flags,
    }
}
