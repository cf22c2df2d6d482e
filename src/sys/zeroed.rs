//! Which bytes make a valid C value, and the only `mem::zeroed` of `sys` (CONVENTIONS.md):
//! [`Zeroable`] types (all-zero is valid: the libc structs socklab builds from zeroed storage and
//! then writes field by field, as C's `= {0}` does) and [`Plain`] types (every byte pattern is
//! valid: the option values the kernel writes, a user's types too).

use std::mem;
use std::os::raw::c_int;

use libc::{linger, tcp_info, timeval, ucred};

/// A C struct for which all-zero bytes is a valid value: only integers, arrays of them, raw
/// pointers (zero is NULL) and unions of those; no references, `NonNull`, enums or `bool`s.
///
/// # Safety
/// Implement it only for such a type; [`zeroed`] relies on it.
pub(crate) unsafe trait Zeroable: Copy {}

/// An all-zero `T`: C's `T x = {0};` (padding included, as `memset` would leave it).
pub(crate) fn zeroed<T: Zeroable>() -> T {
    // SAFETY: `T: Zeroable` promises all-zero bytes is a valid `T`.
    unsafe { mem::zeroed() }
}

/// An all-zero `T` for a [`Plain`] option value (a user's type too), the start of every value
/// the kernel fills.
pub(crate) fn zeroed_plain<T: Plain>() -> T {
    // SAFETY: T is Plain: every byte pattern, all-zero included, is a valid T.
    unsafe { mem::zeroed() }
}

/// A C type socket options travel as: an integer, a byte array or a C struct of integers
/// (`c_int`, `u32`, `u64`, `[u8; N]`, `linger`, `timeval`, `ucred`, `tcp_info`).
///
/// socklab reads such a value from bytes the kernel wrote, so the trait is `unsafe`. Implement
/// it for a C struct of your own (`group_req`, `tpacket_req3`, `tls12_crypto_info_aes_gcm_128`)
/// to use it with [`SockOpt`](crate::sys::SockOpt):
///
/// ```
/// use socklab::sys::Plain;
/// /// `struct tpacket_req3` from <linux/if_packet.h>.
/// #[repr(C)]
/// #[derive(Copy, Clone, Default)]
/// struct TpacketReq3 {
///     tp_block_size: u32, tp_block_nr: u32, tp_frame_size: u32, tp_frame_nr: u32,
///     tp_retire_blk_tov: u32, tp_sizeof_priv: u32, tp_feature_req_word: u32,
/// }
/// // SAFETY: #[repr(C)], seven u32s: every byte pattern is a valid value; no padding.
/// unsafe impl Plain for TpacketReq3 {
///     const C_NAME: &'static str = "struct tpacket_req3";
/// }
/// ```
///
/// # Safety
/// Implementing `Plain` promises that `Self`:
/// - has a fixed C layout (`#[repr(C)]`, `#[repr(transparent)]`, an integer or an array of them);
/// - is valid for every byte pattern of `size_of::<Self>()` bytes, all-zero included (no
///   `bool`, `char`, enum, reference, `NonZero*`, `Box`…), since its bytes come from the kernel.
///
/// Padding is allowed (libc's `tcp_info` has a byte of it) in a type that is only read. A type
/// that is set is handed to the kernel, and printed by the trace, byte for byte, so
/// [`SockOpt`](crate::sys::SockOpt)'s and [`setsockopt_plain`](crate::sys::setsockopt_plain)'s
/// contracts ask for one without padding: spell the
/// padding as a field, as `group_req` needs after `gr_interface`.
///
/// Whether the kernel may write more than `size_of::<Self>()` bytes, or follow pointers, is a
/// property of the option, not of the type: that is [`SockOpt`](crate::sys::SockOpt)'s promise.
pub unsafe trait Plain: Copy {
    /// The type as C spells it (`"struct linger"`), for error messages.
    const C_NAME: &'static str = "the option's C type";
    /// Whether a shorter answer from the kernel is a whole value, the bytes it did not write
    /// staying zero: `tcp_info`, which grows with new kernels (an older one writes a prefix),
    /// and byte arrays (a name shorter than the buffer). `false`: the kernel must write exactly
    /// `size_of::<Self>()` bytes, or the getters fail with `EINVAL`.
    const PARTIAL: bool = false;
}

macro_rules! plain {
    ($($t:ty = $c:literal $(, partial $p:literal)?;)*) => {$(
        // SAFETY: an integer type or a libc #[repr(C)] struct whose fields are all integers:
        // every byte pattern is a valid value.
        unsafe impl Plain for $t {
            const C_NAME: &'static str = $c;
            $(const PARTIAL: bool = $p;)?
        }
    )*};
}
plain! {
    c_int = "int";
    u32 = "unsigned int";
    u64 = "__u64";
    linger = "struct linger";
    timeval = "struct timeval";
    ucred = "struct ucred";
    // tcp_info grows with new kernels; an older kernel writes a prefix of it.
    tcp_info = "struct tcp_info", partial true;
}

// SAFETY: an array of bytes; every byte pattern is a valid value and it has no padding.
unsafe impl<const N: usize> Plain for [u8; N] {
    const C_NAME: &'static str = "char[]";
    // A name (TCP_CONGESTION, TCP_ULP) comes back as long as the kernel has it.
    const PARTIAL: bool = true;
}

// SAFETY: sockaddr_storage is a family (u16), padding bytes and an alignment integer.
unsafe impl Zeroable for libc::sockaddr_storage {}
// SAFETY: msghdr is raw pointers (msg_name, msg_iov, msg_control), lengths and an int of flags;
// zero gives NULL pointers and zero lengths.
unsafe impl Zeroable for libc::msghdr {}
// SAFETY: servent is two char pointers, a pointer to char pointers and an int (NULL, 0).
unsafe impl Zeroable for libc::servent {}
// SAFETY: sigset_t is an array of unsigned longs: all zero bits is the empty set.
unsafe impl Zeroable for libc::sigset_t {}
// SAFETY: sigaction is a handler union (a function pointer: zero is SIG_DFL, not a reference), a
// sigset_t, an int of flags and a restorer pointer (NULL). libc declares the handler as
// `sighandler_t` (a usize), so zero is a valid value of the Rust type too.
unsafe impl Zeroable for libc::sigaction {}
// SAFETY: fd_set is an array of longs: all zero bits is the empty set FD_ZERO makes.
unsafe impl Zeroable for libc::fd_set {}
// SAFETY: addrinfo is ints, a socklen_t and raw pointers (ai_addr, ai_canonname, ai_next: NULL).
unsafe impl Zeroable for libc::addrinfo {}
// SAFETY: ifreq is a char array and a union of integers, sockaddrs, char arrays, an ifmap of
// integers and a raw pointer (`ifru_data`, NULL when zero).
unsafe impl Zeroable for libc::ifreq {}
