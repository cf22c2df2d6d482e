//! Classic BPF socket filters: `setsockopt(SO_ATTACH_FILTER)` with a typed program (a slice of
//! [`libc::sock_filter`] instructions, never raw bytes) and `setsockopt(SO_DETACH_FILTER)`. The
//! programs themselves are the caller's (the experiments' random drop is in
//! `socklab::experiments::bpf`).
//!
//! A socket filter runs on every packet the kernel is about to queue on the socket and returns how
//! many bytes to keep (0 drops the packet). On a TCP socket a dropped segment is lost as if the
//! network lost it: the peer retransmits. No privilege is needed to filter one's own UDP or Unix
//! socket; Linux 6.18 answers `EPERM` for a TCP socket unless the caller has `CAP_NET_ADMIN`.

use std::mem::{align_of, offset_of, size_of};
use std::os::fd::{AsFd, AsRawFd};

use libc::{sock_filter, sock_fprog};

use super::{cvt, raw, Errno, Result};

/// `struct sock_fprog` with its padding spelled as a field, so every byte handed to the kernel
/// (and read by the trace) is initialised. A `sock_fprog` literal leaves the bytes between `len`
/// and `filter` uninitialised, and so would a zeroed one once moved: a typed copy of a struct
/// does not keep its padding.
#[repr(C)]
struct SockFprog {
    len: u16,
    pad: [u8; align_of::<*const sock_filter>() - size_of::<u16>()],
    filter: *const sock_filter,
}

const _: () = assert!(
    size_of::<SockFprog>() == size_of::<sock_fprog>()
        && align_of::<SockFprog>() == align_of::<sock_fprog>()
        && offset_of!(SockFprog, len) == offset_of!(sock_fprog, len)
        && offset_of!(SockFprog, filter) == offset_of!(sock_fprog, filter)
);

/// `setsockopt(sockfd, SOL_SOCKET, SO_ATTACH_FILTER, &{len, filter}, sizeof(struct sock_fprog))`
/// — socket(7), filter(2) in BSD terms.
///
/// Rust builds the `struct sock_fprog` from the slice (its length and pointer), so the two
/// cannot disagree. The kernel copies the program; `prog` need not outlive the call.
///
#[doc = errors_doc!(setsockopt_so_attach_filter)]
///
/// # Example
/// ```
/// use socklab::sys::{self, filter, AF_UNIX, SOCK_DGRAM, MSG_DONTWAIT, Errno};
/// // `ret #0`: keep 0 bytes of every packet, i.e. drop everything.
/// let ret = (libc::BPF_RET | libc::BPF_K) as u16;
/// let drop_all = [libc::sock_filter { code: ret, jt: 0, jf: 0, k: 0 }];
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// filter::attach_filter(&b, &drop_all)?;
/// sys::send(&a, b"lost", 0)?;
/// let err = sys::recv(&b, &mut [0u8; 8][..], MSG_DONTWAIT).unwrap_err();
/// assert_eq!(err.code(), Errno::EAGAIN);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(socket(7), setsockopt(2))]
#[doc(alias = "setsockopt")]
#[doc(alias = "SO_ATTACH_FILTER")]
pub fn attach_filter(sockfd: impl AsFd, prog: &[sock_filter]) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    let args = || {
        format!(
            "fd {fd}, SOL_SOCKET, SO_ATTACH_FILTER, {{len={}}}",
            prog.len()
        )
    };
    let Ok(len) = u16::try_from(prog.len()) else {
        return Err(super::refuse(
            Errno::EINVAL,
            "setsockopt",
            args(),
            "a classic BPF program has at most BPF_MAXINSNS (4096) instructions",
        ));
    };
    let fprog = SockFprog {
        len,
        pad: [0; align_of::<*const sock_filter>() - size_of::<u16>()],
        filter: prog.as_ptr(),
    };
    let p: *const SockFprog = &fprog;
    // SAFETY: `p` points to a live SockFprog, laid out as a sock_fprog (the assertion above)
    // and initialised in all its bytes; its `filter` points to `len` readable instructions (the
    // slice), which the kernel only reads and copies.
    let rc = unsafe {
        raw::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            p.cast(),
            size_of::<sock_fprog>() as libc::socklen_t,
        )
    };
    cvt(rc, "setsockopt", args).map(drop)
}

/// `setsockopt(sockfd, SOL_SOCKET, SO_DETACH_FILTER, &0, sizeof(int))` — socket(7): removes
/// the filter [`attach_filter`] put on the socket (the kernel ignores the value; C passes a dummy
/// `int`, and so does this).
///
#[doc = errors_doc!(setsockopt_so_detach_filter)]
///
/// # Example
/// ```
/// use socklab::sys::{self, filter, AF_UNIX, SOCK_DGRAM, Errno};
/// let (_a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// let ret = (libc::BPF_RET | libc::BPF_K) as u16;
/// let keep_all = [libc::sock_filter { code: ret, jt: 0, jf: 0, k: u32::MAX }];
/// filter::attach_filter(&b, &keep_all)?;
/// filter::detach_filter(&b)?;
/// assert_eq!(filter::detach_filter(&b).unwrap_err().code(), Errno::ENOENT);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(socket(7), setsockopt(2))]
#[doc(alias = "setsockopt")]
#[doc(alias = "SO_DETACH_FILTER")]
pub fn detach_filter(sockfd: impl AsFd) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    let dummy: libc::c_int = 0;
    let p: *const libc::c_int = &dummy;
    // SAFETY: `p` points to a live c_int, readable for the size passed; the kernel reads at
    // most that and keeps no pointer.
    let rc = unsafe {
        raw::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_DETACH_FILTER,
            p.cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    cvt(rc, "setsockopt", || {
        format!("fd {fd}, SOL_SOCKET, SO_DETACH_FILTER, [0], 4")
    })
    .map(drop)
}
