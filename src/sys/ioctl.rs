//! The socket ioctls whose argument is one `int` the kernel writes: `FIONREAD`/`SIOCINQ`,
//! `SIOCOUTQ`, `SIOCOUTQNSD` (ioctl(2), tcp(7), udp(7)), and sockatmark(3) (`SIOCATMARK`).

use std::os::fd::{AsFd, AsRawFd};
use std::os::raw::{c_int, c_ulong};

use super::{cvt, raw, Args, Result};

/// An ioctl request that writes one `int`: the only kind [`ioctl`] accepts, so the kernel can
/// never write past the `int` Rust provides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntIoctl(c_ulong);

impl IntIoctl {
    /// The request number passed to ioctl(2).
    pub const fn request(self) -> c_ulong {
        self.0
    }
}

/// `FIONREAD`: bytes waiting to be read (for UDP: the size of the next datagram).
pub const FIONREAD: IntIoctl = IntIoctl(libc::FIONREAD);
/// `SIOCINQ` (tcp(7), udp(7)): the same request as `FIONREAD`.
pub const SIOCINQ: IntIoctl = IntIoctl(libc::FIONREAD);
/// `SIOCOUTQ` (tcp(7)): bytes not yet acknowledged (TCP) or queued (UDP) in the send queue;
/// the same number as `TIOCOUTQ`, which is how strace names it.
pub const SIOCOUTQ: IntIoctl = IntIoctl(libc::TIOCOUTQ);
/// `SIOCOUTQNSD` (tcp(7)): bytes in the send queue not yet sent.
pub const SIOCOUTQNSD: IntIoctl = IntIoctl(0x894B);
/// `SIOCATMARK`: whether the read position is at the urgent mark (see [`sockatmark`]).
pub const SIOCATMARK: IntIoctl = IntIoctl(0x8905);

/// `ioctl(fd, request, &value)` — ioctl(2), for the requests that return one `int`.
///
/// Rust adds: returns the `int` instead of filling C's out-argument; `request` is an
/// [`IntIoctl`] (`FIONREAD`, `SIOCINQ`, `SIOCOUTQ`, `SIOCOUTQNSD`, `SIOCATMARK`).
///
#[doc = errors_doc!(ioctl)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_UNIX, FIONREAD, SOCK_STREAM};
/// let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
/// sys::write(&a, b"hello")?;
/// assert_eq!(sys::ioctl(&b, FIONREAD)?, 5);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(ioctl(2), tcp(7))]
pub fn ioctl(fd: impl AsFd, request: IntIoctl) -> Result<c_int> {
    let fd = fd.as_fd().as_raw_fd();
    let mut value: c_int = 0;
    // SAFETY: every IntIoctl request writes at most one int, and `value` is a writable int.
    let rc = unsafe { raw::ioctl_int(fd, request.0, &mut value) };
    cvt(rc, "ioctl", || Args::ioctl(fd, request.0))?;
    Ok(value)
}

/// `sockatmark(sockfd)` — sockatmark(3): whether the next byte to read is the TCP urgent mark.
///
#[doc = errors_doc!(sockatmark)]
///
/// # Example
/// ```
/// use socklab::sys::{self, AF_INET, SOCK_DGRAM};
/// let udp = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// assert!(sys::sockatmark(&udp).is_err()); // UDP has no urgent data
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(sockatmark(3))]
pub fn sockatmark(sockfd: impl AsFd) -> Result<bool> {
    let fd = sockfd.as_fd().as_raw_fd();
    // SAFETY: sockatmark(3) takes no pointers.
    let rc = unsafe { raw::sockatmark(fd) };
    cvt(rc, "sockatmark", || Args::sockatmark(fd)).map(|r| r == 1)
}
