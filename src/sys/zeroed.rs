//! All-zero C structs: the only `mem::zeroed` of `sys` (CONVENTIONS.md), for the libc structs
//! socklab builds from zeroed storage and then writes field by field, as C's `= {0}` does, and
//! for option values (`Plain`).

use std::mem;

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

/// An all-zero `T` for a [`Plain`](super::opt::Plain) option value (a user's type too), the
/// start of every value the kernel fills.
pub(crate) fn zeroed_plain<T: super::opt::Plain>() -> T {
    // SAFETY: T is Plain: every byte pattern, all-zero included, is a valid T.
    unsafe { mem::zeroed() }
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
