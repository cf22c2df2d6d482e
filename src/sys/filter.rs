//! Classic BPF socket filters: `setsockopt(SO_ATTACH_FILTER)` with a program of
//! [`libc::sock_filter`] instructions, and the programs socklab's experiments use.
//!
//! A socket filter runs on every packet the kernel is about to queue on the socket and returns how
//! many bytes to keep (0 drops the packet). On a TCP socket a dropped segment is lost as if the
//! network lost it: the peer retransmits. No privilege is needed to filter one's own UDP or Unix
//! socket; Linux 6.18 answers `EPERM` for a TCP socket unless the caller has `CAP_NET_ADMIN`.

use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd};

use libc::{sock_filter, sock_fprog};

use super::{cvt, raw, Errno, Error, Result};

/// `setsockopt(sockfd, SOL_SOCKET, SO_ATTACH_FILTER, &{len, filter}, sizeof(struct sock_fprog))`
/// — socket(7), filter(2) in BSD terms.
///
/// Rust builds the `struct sock_fprog` from the slice (its length and pointer), so the two
/// cannot disagree. The kernel copies the program; `prog` need not outlive the call.
///
/// # Errors
/// `EINVAL` (an invalid program: a jump out of range, no final `ret`, more than `BPF_MAXINSNS`
/// instructions — the last refused before the call, with a note), `EPERM` (a TCP socket without
/// `CAP_NET_ADMIN`, on recent kernels), `ENOMEM`, `EBADF`.
///
/// # Example
/// ```
/// use socklab::sys::{self, filter, AF_UNIX, SOCK_DGRAM, MSG_DONTWAIT, Errno};
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// filter::attach_filter(&b, &filter::random_drop(1.0))?; // drop everything
/// sys::send(&a, b"lost", 0)?;
/// let err = sys::recv(&b, &mut [0u8; 8][..], MSG_DONTWAIT).unwrap_err();
/// assert_eq!(err.code(), Errno::EAGAIN);
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn attach_filter(sockfd: impl AsFd, prog: &[sock_filter]) -> Result<()> {
    let fd = sockfd.as_fd().as_raw_fd();
    let args = || {
        format!(
            "fd {fd}, SOL_SOCKET, SO_ATTACH_FILTER, {{len={}}}",
            prog.len()
        )
    };
    let Ok(len) = u16::try_from(prog.len()) else {
        return Err(Error::new(Errno::EINVAL, "setsockopt", args())
            .with_note("a classic BPF program has at most BPF_MAXINSNS (4096) instructions"));
    };
    let fprog = sock_fprog {
        len,
        filter: prog.as_ptr().cast_mut(),
    };
    let p: *const sock_fprog = &fprog;
    // SAFETY: `p` points to a live sock_fprog, readable for its size; its `filter` points to
    // `len` readable instructions (the slice), which the kernel only reads and copies.
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

/// One classic BPF instruction (C's `BPF_STMT`/`BPF_JUMP` macros, without `unsafe`).
const fn insn(code: u32, jt: u8, jf: u8, k: u32) -> sock_filter {
    sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    }
}

/// A program that drops each packet with probability `p` (clamped to 0..=1), independently,
/// using the kernel's random number (`SKF_AD_RANDOM`):
///
/// ```text
/// ld  #rand                ; A = a random u32
/// jge #threshold, drop     ; A >= (1 - p) * 2^32 ?
/// ret #0xffffffff          ; keep the whole packet
/// drop: ret #0             ; drop it
/// ```
pub fn random_drop(p: f64) -> [sock_filter; 4] {
    let keep = (1.0 - p.clamp(0.0, 1.0)) * 4_294_967_296.0;
    // `keep` = 2^32 (p = 0) does not fit a u32: then no random value may reach the drop branch,
    // and the jump must never be taken (jge 2^32 - 1 still drops 1 in 2^32, so jump past it).
    let (threshold, jt) = if keep >= 4_294_967_295.0 {
        (u32::MAX, 0)
    } else {
        (keep as u32, 1)
    };
    let rand = (libc::SKF_AD_OFF + libc::SKF_AD_RANDOM) as u32;
    [
        insn(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, 0, 0, rand),
        insn(
            libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K,
            jt,
            0,
            threshold,
        ),
        insn(libc::BPF_RET | libc::BPF_K, 0, 0, u32::MAX),
        insn(libc::BPF_RET | libc::BPF_K, 0, 0, 0),
    ]
}
