//! Classic BPF programs the experiments attach with [`sys::filter::attach_filter`]: policy, so
//! it lives here and not in `sys`, which holds only the calls.
//!
//! [`sys::filter::attach_filter`]: crate::sys::filter::attach_filter

use libc::sock_filter;

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
///
/// ```
/// use socklab::sys::{self, filter, AF_UNIX, SOCK_DGRAM, MSG_DONTWAIT, Errno};
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0)?;
/// filter::attach_filter(&b, &socklab::experiments::bpf::random_drop(1.0))?; // drop everything
/// sys::send(&a, b"lost", 0)?;
/// let err = sys::recv(&b, &mut [0u8; 8][..], MSG_DONTWAIT).unwrap_err();
/// assert_eq!(err.code(), Errno::EAGAIN);
/// # Ok::<(), socklab::Error>(())
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
