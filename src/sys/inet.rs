//! Byte order and address text (arpa/inet.h): htons(3) and friends, inet_pton(3), inet_ntop(3),
//! and [`SockAddr::in_addr`], the bytes C's `get_in_addr()` helper points at.

use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::raw::{c_char, c_int};

use libc::{sockaddr_in, sockaddr_in6, AF_INET, AF_INET6};

use super::{raw, Errno, Error, Result, SockAddr};

/// `INET_ADDRSTRLEN` (16): room for `"255.255.255.255"` and its NUL.
pub const INET_ADDRSTRLEN: usize = 16;
/// `INET6_ADDRSTRLEN` (46): room for the longest IPv6 text and its NUL.
pub const INET6_ADDRSTRLEN: usize = 46;

/// `htons(hostshort)` — byteorder(3): host to network (big-endian) order.
#[doc = man_links!(htons(3))]
pub const fn htons(hostshort: u16) -> u16 {
    hostshort.to_be()
}

/// `ntohs(netshort)` — byteorder(3): network to host order.
#[doc = man_links!(ntohs(3))]
pub const fn ntohs(netshort: u16) -> u16 {
    u16::from_be(netshort)
}

/// `htonl(hostlong)` — byteorder(3): `htonl(INADDR_LOOPBACK)` is `s_addr` for 127.0.0.1.
#[doc = man_links!(htonl(3))]
pub const fn htonl(hostlong: u32) -> u32 {
    hostlong.to_be()
}

/// `ntohl(netlong)` — byteorder(3).
#[doc = man_links!(ntohl(3))]
pub const fn ntohl(netlong: u32) -> u32 {
    u32::from_be(netlong)
}

/// How many address bytes `af` has (4 or 16), or the error C's functions give.
fn addr_size(call: &'static str, af: c_int) -> Result<usize> {
    match af {
        AF_INET => Ok(4),
        AF_INET6 => Ok(16),
        _ => Err(super::refuse(
            Errno::EAFNOSUPPORT,
            call,
            format!("af {af}"),
            "only AF_INET and AF_INET6 have addresses here (C's call answers the same)",
        )),
    }
}

/// `inet_pton(af, src, dst)` — inet_pton(3): text to an address of family `af`.
///
/// Returns C's three outcomes as `Ok(Some(addr))` (1), `Ok(None)` (0: `src` is not an `af`
/// address) and `Err` (-1: `EAFNOSUPPORT`).
///
#[doc = errors_doc!(inet_pton)]
///
/// # Example
/// ```
/// use socklab::sys::{inet_pton, AF_INET, AF_INET6};
/// assert_eq!(inet_pton(AF_INET, "127.0.0.1")?, Some([127, 0, 0, 1].into()));
/// assert_eq!(inet_pton(AF_INET, "::1")?, None);
/// assert!(inet_pton(AF_INET6, "::1")?.unwrap().is_loopback());
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(inet_pton(3))]
pub fn inet_pton(af: c_int, src: &str) -> Result<Option<IpAddr>> {
    let size = addr_size("inet_pton", af)?;
    let Ok(c_src) = CString::new(src) else {
        return Ok(None); // C would stop at the NUL: no valid address has one inside
    };
    let mut dst = [0u8; 16];
    // SAFETY: `c_src` is NUL-terminated; `dst` is writable for 16 bytes, the most inet_pton
    // writes (4 for AF_INET).
    let rc = unsafe { raw::inet_pton(af, c_src.as_ptr(), dst.as_mut_ptr().cast()) };
    let rc = super::cvt(rc, "inet_pton", || format!("{af}, {src:?}"))?;
    Ok((rc == 1).then(|| match size {
        4 => IpAddr::V4(Ipv4Addr::new(dst[0], dst[1], dst[2], dst[3])),
        _ => IpAddr::V6(Ipv6Addr::from(dst)),
    }))
}

/// `inet_ntop(af, src, dst, size)` — inet_ntop(3): an address's bytes (network order, as in
/// `sin_addr`/`sin6_addr`) to text. Rust provides the `INET6_ADDRSTRLEN` buffer.
///
#[doc = errors_doc!(inet_ntop)]
///
/// # Example
/// ```
/// use socklab::sys::{inet_ntop, AF_INET};
/// assert_eq!(inet_ntop(AF_INET, &[127, 0, 0, 1])?, "127.0.0.1");
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(inet_ntop(3))]
pub fn inet_ntop(af: c_int, src: &[u8]) -> Result<String> {
    let size = addr_size("inet_ntop", af)?;
    if src.len() != size {
        return Err(super::refuse(
            Errno::EINVAL,
            "inet_ntop",
            format!("{af}, {} bytes", src.len()),
            format!("this family's address is {size} bytes"),
        ));
    }
    let mut dst = [0 as c_char; INET6_ADDRSTRLEN];
    // SAFETY: `src` is readable for `size` bytes, what inet_ntop reads for `af`; `dst` is
    // writable for its length, which is passed as `size`.
    let p = unsafe {
        raw::inet_ntop(
            af,
            src.as_ptr().cast(),
            dst.as_mut_ptr(),
            dst.len() as libc::socklen_t,
        )
    };
    if p.is_null() {
        return Err(Error::new(Errno::last(), "inet_ntop", format!("{af}")));
    }
    // SAFETY: inet_ntop succeeded, so `dst` holds a NUL-terminated string.
    Ok(unsafe { CStr::from_ptr(dst.as_ptr()) }
        .to_string_lossy()
        .into_owned())
}

impl SockAddr {
    /// The address bytes inside the sockaddr: `sin_addr` (4 bytes) of an `AF_INET` address,
    /// `sin6_addr` (16) of an `AF_INET6` one — what Beej's `get_in_addr()` points at, for
    /// [`inet_ntop`]. `None` for other families, a short length or a truncated address
    /// ([`SockAddr::is_truncated`]).
    pub fn in_addr(&self) -> Option<&[u8]> {
        if self.is_truncated() {
            return None;
        }
        let (off, n) = match self.family() {
            AF_INET => (std::mem::offset_of!(sockaddr_in, sin_addr), 4),
            AF_INET6 => (std::mem::offset_of!(sockaddr_in6, sin6_addr), 16),
            _ => return None,
        };
        self.as_bytes().get(off..off + n)
    }
}
