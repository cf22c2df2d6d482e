//! All-zero C structs: the one `mem::zeroed` of `sys` (CONVENTIONS.md), for the libc structs
//! socklab builds from zeroed storage and then writes field by field, as C's `= {0}` does.

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

// SAFETY: sockaddr_storage is a family (u16), padding bytes and an alignment integer.
unsafe impl Zeroable for libc::sockaddr_storage {}
// SAFETY: msghdr is raw pointers (msg_name, msg_iov, msg_control), lengths and an int of flags;
// zero gives NULL pointers and zero lengths.
unsafe impl Zeroable for libc::msghdr {}
// SAFETY: ifreq is a char array and a union of integers, sockaddrs, char arrays, an ifmap of
// integers and a raw pointer (`ifru_data`, NULL when zero).
unsafe impl Zeroable for libc::ifreq {}
