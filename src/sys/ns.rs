//! The calling thread's network namespace and privileges: unshare(2), capget(2)/capset(2), and
//! the `SIOCGIFFLAGS`/`SIOCSIFFLAGS` ioctls that bring an interface (`lo`) up.
//!
//! All three act on the **calling thread** only: Linux keeps the network namespace and the
//! capability sets per thread, so a helper thread can enter a private namespace or drop a
//! capability while the rest of the process keeps its own. The experiments use that to measure
//! kernel counters no other process touches, and to see what an unprivileged program gets.
//!
//! Behind the `experiments` feature: the experiments are the only users. The raw twins
//! (`unsafe fn`s with C's exact signatures) are in [`raw`] here, re-exported by
//! [`sys::raw`](super::raw), and traced like every other call:
//! `unshare(CLONE_NEWNET) = 0`,
//! `ioctl(3, SIOCGIFFLAGS, {ifr_name="lo", ifr_flags=IFF_LOOPBACK}) = 0`.

use std::os::fd::{AsFd, AsRawFd};
use std::os::raw::{c_int, c_short};

use super::{cvt, Errno, Result};

/// `struct __user_cap_header_struct` from `<linux/capability.h>`: which ABI version and which
/// thread (0 = the caller) capget(2)/capset(2) talk about.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CapUserHeader {
    /// `_LINUX_CAPABILITY_VERSION_3` ([`CAP_VERSION_3`]) for 64 capability bits in two words.
    pub version: u32,
    /// The thread id, 0 for the calling thread.
    pub pid: c_int,
}

/// `struct __user_cap_data_struct`: one 32-bit word of each capability set. Version 3 uses two
/// of them: bits 0–31 in the first, 32–63 in the second.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CapUserData {
    /// The effective set: what the kernel checks.
    pub effective: u32,
    /// The permitted set: what the thread may raise into `effective`.
    pub permitted: u32,
    /// The inheritable set, kept across execve(2).
    pub inheritable: u32,
}

/// `_LINUX_CAPABILITY_VERSION_3`: the header version for two [`CapUserData`] words.
pub const CAP_VERSION_3: u32 = 0x2008_0522;
/// `CAP_NET_BIND_SERVICE` (10): bind ports below `net.ipv4.ip_unprivileged_port_start`.
pub const CAP_NET_BIND_SERVICE: u32 = 10;
/// `CAP_NET_RAW` (13): `SOCK_RAW` and `AF_PACKET` sockets.
pub const CAP_NET_RAW: u32 = 13;
/// `CAP_SYS_ADMIN` (21): among much else, `unshare(CLONE_NEWNET)`.
pub const CAP_SYS_ADMIN: u32 = 21;

/// The calls of this module as `unsafe fn`s with C's exact signatures, traced like
/// [`sys::raw`](crate::sys::raw) (which re-exports them).
pub mod raw {
    use super::{CapUserData, CapUserHeader};
    use crate::sys::trace::traced;
    use std::os::raw::{c_int, c_ulong};

    /// `unshare(flags)` — unshare(2). Returns 0 or -1.
    ///
    /// # Safety
    /// `CLONE_FILES` gives the thread a private copy of the fd table: fds that other threads
    /// own (`OwnedFd`s) then stop meaning the same thing here, which breaks Rust's I/O safety.
    /// The caller must not pass it while such fds may cross into this thread.
    #[doc = man_links!(unshare(2))]
    pub unsafe fn unshare(flags: c_int) -> c_int {
        traced!(
            // SAFETY: unshare(2) reads and writes no caller memory; the caller keeps CLONE_FILES
            // away from fds other threads own (# Safety above).
            unsafe { libc::unshare(flags) },
            move |(), r, e| super::line::unshare(flags, r, e)
        )
    }

    /// `ioctl(fd, request, ifr)` — ioctl(2), for the interface requests that take a
    /// `struct ifreq *` (`SIOCGIFFLAGS`, `SIOCSIFFLAGS`…).
    ///
    /// # Safety
    /// `ifr` must point to a readable and writable `ifreq`, and `request` must be one whose
    /// argument is a `struct ifreq *`. Where the request follows a pointer inside it
    /// (`ifr_data` for `SIOCETHTOOL`, `SIOCSHWTSTAMP`, `SIOCGHWTSTAMP`, `SIOCDEVPRIVATE`+n), the
    /// memory it points to must be valid for all the request reads and writes there: for
    /// `SIOCETHTOOL`, what the ethtool command in its first `u32` names (one `ethtool_value`
    /// for `ETHTOOL_GGSO`; arrays sized by counts inside the struct for others).
    #[doc = man_links!(ioctl(2), netdevice(7))]
    #[doc(alias = "ioctl")]
    pub unsafe fn ioctl_ifreq(fd: c_int, request: c_ulong, ifr: *mut libc::ifreq) -> c_int {
        // The request's C type differs between libcs (`unsigned long` in glibc, `int` in musl).
        traced!(
            // SAFETY: `ifr` is a readable and writable ifreq, `request` takes one, and whatever
            // `ifr_data` points to is valid for what the request does there (# Safety above).
            unsafe { libc::ioctl(fd, request as _, ifr) },
            move |(), r, e| {
                // SAFETY: `ifr` points to a readable ifreq (this fn's contract).
                unsafe { super::line::ioctl_ifreq(fd, request, ifr, r, e) }
            }
        )
    }

    /// `capget(hdrp, datap)` — capget(2), through syscall(2) as glibc does not wrap it.
    ///
    /// # Safety
    /// `hdrp` must point to a readable and writable header (for a `version` it does not know,
    /// the kernel writes its own there and fails with `EINVAL`); `datap` must be NULL or
    /// writable for as many [`CapUserData`] as the version uses: one for
    /// `_LINUX_CAPABILITY_VERSION_1`, two for versions 2 and 3.
    #[doc = man_links!(capget(2))]
    pub unsafe fn capget(hdrp: *mut CapUserHeader, datap: *mut CapUserData) -> c_int {
        traced!(
            // SAFETY: `hdrp` is a readable and writable header and `datap` NULL or writable for the
            // data words its version uses (# Safety above).
            unsafe { libc::syscall(libc::SYS_capget, hdrp, datap) as c_int },
            move |(), r, e| {
                // SAFETY: this fn's contract; the kernel wrote `datap` only on success.
                unsafe { super::line::caps("capget", hdrp, datap, r == 0, r, e) }
            }
        )
    }

    /// `capset(hdrp, datap)` — capset(2), through syscall(2).
    ///
    /// # Safety
    /// `hdrp` must point to a readable and writable header (written back for an unknown
    /// `version`, as for [`capget`]); `datap` must be readable for as many [`CapUserData`] as
    /// the version uses: one for `_LINUX_CAPABILITY_VERSION_1`, two for versions 2 and 3.
    #[doc = man_links!(capset(2))]
    pub unsafe fn capset(hdrp: *mut CapUserHeader, datap: *const CapUserData) -> c_int {
        traced!(
            // SAFETY: `hdrp` is a readable and writable header and `datap` readable for the data
            // words its version uses (# Safety above).
            unsafe { libc::syscall(libc::SYS_capset, hdrp, datap) as c_int },
            move |(), r, e| {
                // SAFETY: this fn's contract: `datap` is readable for two words (version 3).
                unsafe { super::line::caps("capset", hdrp, datap, true, r, e) }
            }
        )
    }
}

/// The trace line of each raw call of this module, as strace prints it. Each fn's safety
/// contract is its raw twin's.
#[cfg(feature = "trace")]
pub(crate) mod line {
    use std::os::raw::{c_int, c_ulong};

    use super::{CapUserData, CapUserHeader, CAP_VERSION_3};
    use crate::sys::names::{CAP_NAMES, CLONE_FLAGS, IFF_FLAGS, IFREQ_REQUESTS};
    use crate::sys::{fmt, Errno};

    pub(crate) fn unshare(flags: c_int, ret: c_int, e: Errno) -> String {
        let f = fmt::flags(CLONE_FLAGS, flags as i64, "CLONE_???");
        fmt::line("unshare", &[f], ret as i64, e)
    }

    /// `{ifr_name="lo", ifr_flags=IFF_UP|IFF_LOOPBACK}`: the flags after a successful get and
    /// for a set; `ifr_data`'s address (never followed) for the others.
    ///
    /// # Safety
    /// A non-NULL `ifr` points to a readable `ifreq`.
    pub(crate) unsafe fn ioctl_ifreq(
        fd: c_int,
        request: c_ulong,
        ifr: *const libc::ifreq,
        ret: c_int,
        e: Errno,
    ) -> String {
        let req = fmt::xval(IFREQ_REQUESTS, request as i64, "SIOC???");
        // SAFETY: per the caller, a non-NULL `ifr` is readable.
        let arg = match unsafe { ifr.as_ref() } {
            None => fmt::ptr(0),
            Some(ifr) => {
                let name: Vec<u8> = ifr
                    .ifr_name
                    .iter()
                    .take_while(|&&c| c != 0)
                    .map(|&c| c as u8)
                    .collect();
                let name = fmt::quote(&name);
                let set = request == libc::SIOCSIFFLAGS;
                if set || (request == libc::SIOCGIFFLAGS && ret == 0) {
                    // SAFETY: every field of the union is plain integers or a pointer; reading
                    // the c_short at its start reads initialized bytes of the live ifreq.
                    let v = unsafe { ifr.ifr_ifru.ifru_flags } as u16 as i64;
                    let flags = fmt::flags(IFF_FLAGS, v, "IFF_???");
                    format!("{{ifr_name={name}, ifr_flags={flags}}}")
                } else if request == libc::SIOCETHTOOL {
                    // SAFETY: as above; the pointer's value is printed, never followed.
                    let data = unsafe { ifr.ifr_ifru.ifru_data } as usize;
                    format!("{{ifr_name={name}, ifr_data={}}}", fmt::ptr(data))
                } else {
                    format!("{{ifr_name={name}}}")
                }
            }
        };
        fmt::line("ioctl", &[fd.to_string(), req, arg], ret as i64, e)
    }

    /// A capability set as strace prints it: `1<<CAP_NET_ADMIN|1<<CAP_NET_RAW`, `1<<63` for a
    /// bit without a name, `0` when empty.
    pub(crate) fn cap_set(v: u64) -> String {
        if v == 0 {
            return "0".to_string();
        }
        let bits = (0..64).filter(|b| v >> b & 1 == 1);
        let names: Vec<String> = bits
            .map(|b| match CAP_NAMES.get(b) {
                Some(name) => format!("1<<{name}"),
                None => format!("1<<{b}"),
            })
            .collect();
        names.join("|")
    }

    /// capget/capset: `{version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_…, …}`,
    /// each set as one 64-bit mask; the data only when `show` and the header says version 3.
    ///
    /// # Safety
    /// A non-NULL `hdr` is readable; when `show` and its version is 3, a non-NULL `data` is
    /// readable for two [`CapUserData`].
    pub(crate) unsafe fn caps(
        name: &str,
        hdr: *const CapUserHeader,
        data: *const CapUserData,
        show: bool,
        ret: c_int,
        e: Errno,
    ) -> String {
        // SAFETY: per the caller, a non-NULL `hdr` is readable.
        let hdr = unsafe { hdr.as_ref() }.copied();
        let h = match hdr {
            None => fmt::ptr(0),
            Some(h) if h.version == CAP_VERSION_3 => {
                format!("{{version=_LINUX_CAPABILITY_VERSION_3, pid={}}}", h.pid)
            }
            Some(h) => format!("{{version={:#x}, pid={}}}", h.version, h.pid),
        };
        let v3 = hdr.is_some_and(|h| h.version == CAP_VERSION_3);
        let d = if show && v3 && !data.is_null() {
            // SAFETY: per the caller, version 3 data is two readable CapUserData.
            let [lo, hi] = unsafe { data.cast::<[CapUserData; 2]>().read_unaligned() };
            let set =
                |f: fn(&CapUserData) -> u32| cap_set(u64::from(f(&hi)) << 32 | u64::from(f(&lo)));
            format!(
                "{{effective={}, permitted={}, inheritable={}}}",
                set(|d| d.effective),
                set(|d| d.permitted),
                set(|d| d.inheritable)
            )
        } else {
            fmt::ptr(data as usize)
        };
        fmt::line(name, &[h, d], ret as i64, e)
    }
}

/// `unshare(flags)` — unshare(2), for the calling thread.
///
/// `unshare(CLONE_NEWNET)` moves the calling thread into a new, empty network namespace (only a
/// `lo` that is down); sockets it creates afterwards live there, sockets it already had stay
/// where they were. The namespace disappears when its last thread and socket are gone.
///
/// Rust refuses one flag before the call: `CLONE_FILES` (see [`raw::unshare`] for why), with
/// `EINVAL` and a note. The other flags pass as given.
///
#[doc = errors_doc!(unshare)]
///
/// # Example
/// ```
/// use socklab::sys::ns;
/// let inner = std::thread::spawn(|| match ns::unshare(libc::CLONE_NEWNET) {
///     Ok(()) => Some(std::fs::read_to_string("/proc/thread-self/net/dev").unwrap()),
///     Err(e) => { assert_eq!(e.code(), socklab::Errno::EPERM); None } // not root
/// });
/// if let Some(dev) = inner.join().unwrap() {
///     assert_eq!(dev.lines().count(), 3); // two header lines and the new namespace's `lo`
/// }
/// ```
#[doc = man_links!(unshare(2))]
pub fn unshare(flags: c_int) -> Result<()> {
    if flags & libc::CLONE_FILES != 0 {
        return Err(super::refuse(
            Errno::EINVAL,
            "unshare",
            format!("{flags:#x}"),
            "CLONE_FILES would break the I/O safety of fds owned elsewhere",
        ));
    }
    // SAFETY: CLONE_FILES, the one flag that can invalidate fds owned by other threads, is
    // refused above; the others change namespaces or fs info, not memory or fds.
    let rc = unsafe { raw::unshare(flags) };
    cvt(rc, "unshare", || format!("{flags:#x}")).map(drop)
}

/// An all-zero `ifreq` whose `ifr_name` is `name`, or `EINVAL` when `name` does not fit
/// `IFNAMSIZ` with its NUL (or holds one).
fn ifreq_named(call: &'static str, name: &str) -> Result<libc::ifreq> {
    let bytes = name.as_bytes();
    if bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(super::refuse(
            Errno::EINVAL,
            call,
            format!("{name:?}"),
            "an interface name is at most IFNAMSIZ - 1 bytes, without NUL",
        ));
    }
    let mut ifr: libc::ifreq = super::zeroed::zeroed();
    for (dst, &b) in ifr.ifr_name.iter_mut().zip(bytes) {
        *dst = b as libc::c_char;
    }
    Ok(ifr)
}

/// `ioctl(fd, SIOCGIFFLAGS, &ifr)` — netdevice(7): the flags of interface `name`
/// (`IFF_UP`, `IFF_LOOPBACK`, `IFF_RUNNING`…).
///
/// Rust takes the interface name and returns `ifr.ifr_flags` instead of a filled `ifreq`.
///
#[doc = errors_doc!(ioctl_siocgifflags)]
///
/// # Example
/// ```
/// use socklab::sys::{self, ns, AF_INET, SOCK_DGRAM};
/// let fd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// let flags = ns::ioctl_siocgifflags(&fd, "lo")?;
/// assert_ne!(flags & libc::IFF_LOOPBACK as libc::c_short, 0);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(netdevice(7), ioctl(2))]
#[doc(alias = "ioctl")]
#[doc(alias = "SIOCGIFFLAGS")]
pub fn ioctl_siocgifflags(fd: impl AsFd, name: &str) -> Result<c_short> {
    let fd = fd.as_fd().as_raw_fd();
    let mut ifr = ifreq_named("ioctl", name)?;
    // SAFETY: `ifr` is a live, initialized ifreq and SIOCGIFFLAGS takes a `struct ifreq *`.
    let rc = unsafe { raw::ioctl_ifreq(fd, libc::SIOCGIFFLAGS, &mut ifr) };
    cvt(rc, "ioctl", || {
        format!("fd {fd}, SIOCGIFFLAGS, {{ifr_name={name:?}}}")
    })?;
    // SAFETY: SIOCGIFFLAGS succeeded, so the kernel wrote `ifru_flags`; any c_short is valid.
    Ok(unsafe { ifr.ifr_ifru.ifru_flags })
}

/// `ioctl(fd, SIOCSIFFLAGS, &ifr)` — netdevice(7): sets the flags of interface `name`, exactly
/// `flags` (read them with [`ioctl_siocgifflags`] and OR `IFF_UP` in to bring it up).
///
#[doc = errors_doc!(ioctl_siocsifflags)]
///
/// # Example
/// ```no_run
/// use socklab::sys::{self, ns, AF_INET, SOCK_DGRAM};
/// let fd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// let flags = ns::ioctl_siocgifflags(&fd, "lo")?;
/// ns::ioctl_siocsifflags(&fd, "lo", flags | libc::IFF_UP as libc::c_short)?; // ip link set lo up
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(netdevice(7), ioctl(2))]
#[doc(alias = "ioctl")]
#[doc(alias = "SIOCSIFFLAGS")]
pub fn ioctl_siocsifflags(fd: impl AsFd, name: &str, flags: c_short) -> Result<()> {
    let fd = fd.as_fd().as_raw_fd();
    let mut ifr = ifreq_named("ioctl", name)?;
    ifr.ifr_ifru.ifru_flags = flags;
    // SAFETY: `ifr` is a live, initialized ifreq and SIOCSIFFLAGS takes a `struct ifreq *`.
    let rc = unsafe { raw::ioctl_ifreq(fd, libc::SIOCSIFFLAGS, &mut ifr) };
    cvt(rc, "ioctl", || {
        format!("fd {fd}, SIOCSIFFLAGS, {{ifr_name={name:?}, ifr_flags={flags:#x}}}")
    })
    .map(drop)
}

/// `capget(&{_LINUX_CAPABILITY_VERSION_3, pid}, data)` — capget(2).
///
/// Rust fills the header (version 3, `pid`; 0 is the calling thread) and returns the two data
/// words instead of filling an array. A capability `c` is in a set when bit `c % 32` of word
/// `c / 32` is set; see [`has_effective`].
///
#[doc = errors_doc!(capget)]
///
/// # Example
/// ```
/// use socklab::sys::ns;
/// let caps = ns::capget(0)?;
/// assert_eq!(caps[0].effective & !caps[0].permitted, 0); // effective ⊆ permitted
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(capget(2))]
pub fn capget(pid: c_int) -> Result<[CapUserData; 2]> {
    let mut hdr = CapUserHeader {
        version: CAP_VERSION_3,
        pid,
    };
    let mut data = [CapUserData::default(); 2];
    // SAFETY: `hdr` is a live header and `data` two writable CapUserData, as version 3 needs.
    let rc = unsafe { raw::capget(&mut hdr, data.as_mut_ptr()) };
    cvt(rc, "capget", || {
        format!("{{_LINUX_CAPABILITY_VERSION_3, {pid}}}")
    })?;
    Ok(data)
}

/// `capset(&{_LINUX_CAPABILITY_VERSION_3, 0}, data)` — capset(2), for the calling thread.
///
/// Only the calling thread's sets change (Linux keeps capabilities per thread). Dropping a
/// capability from `effective` while keeping it in `permitted` lets the thread raise it again.
///
#[doc = errors_doc!(capset)]
///
/// # Example
/// ```
/// use socklab::sys::ns;
/// std::thread::spawn(|| {
///     let mut caps = ns::capget(0)?;
///     caps[0].effective &= !(1 << ns::CAP_NET_RAW); // this thread only
///     ns::capset(&caps)?;
///     assert!(!ns::has_effective(ns::CAP_NET_RAW)?);
///     Ok::<(), socklab::Error>(())
/// }).join().unwrap()?;
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(capset(2))]
pub fn capset(data: &[CapUserData; 2]) -> Result<()> {
    let mut hdr = CapUserHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    // SAFETY: `hdr` is a live header and `data` two readable CapUserData, as version 3 needs.
    let rc = unsafe { raw::capset(&mut hdr, data.as_ptr()) };
    cvt(rc, "capset", || {
        "{_LINUX_CAPABILITY_VERSION_3, 0}".to_owned()
    })
    .map(drop)
}

/// Whether capability `cap` (`CAP_NET_RAW`…) is in the calling thread's effective set, read
/// with [`capget`].
///
#[doc = errors_doc!(capget)]
#[doc = man_links!(capget(2))]
pub fn has_effective(cap: u32) -> Result<bool> {
    let caps = capget(0)?;
    let word = caps.get(cap as usize / 32).map_or(0, |d| d.effective);
    Ok(word & (1 << (cap % 32)) != 0)
}

/// `struct ethtool_value` from `<linux/ethtool.h>`: the argument of the ethtool commands that get
/// or set one 32-bit value (`ETHTOOL_GTSO`, `ETHTOOL_SGSO`…).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct EthtoolValue {
    /// The `ETHTOOL_*` command.
    pub cmd: u32,
    /// The value: 1 on, 0 off for the offload switches.
    pub data: u32,
}

/// `ETHTOOL_GSG`: is scatter-gather on?
pub const ETHTOOL_GSG: u32 = 0x18;
/// `ETHTOOL_SSG`: turn scatter-gather on or off.
pub const ETHTOOL_SSG: u32 = 0x19;
/// `ETHTOOL_GTSO`: is TCP segmentation offload on?
pub const ETHTOOL_GTSO: u32 = 0x1e;
/// `ETHTOOL_STSO`: turn TCP segmentation offload on or off.
pub const ETHTOOL_STSO: u32 = 0x1f;
/// `ETHTOOL_GGSO`: is generic segmentation offload on?
pub const ETHTOOL_GGSO: u32 = 0x23;
/// `ETHTOOL_SGSO`: turn generic segmentation offload on or off.
pub const ETHTOOL_SGSO: u32 = 0x24;
/// `ETHTOOL_GGRO`: is generic receive offload on?
pub const ETHTOOL_GGRO: u32 = 0x2b;
/// `ETHTOOL_SGRO`: turn generic receive offload on or off.
pub const ETHTOOL_SGRO: u32 = 0x2c;

/// `ioctl(fd, SIOCETHTOOL, &ifr)` with `ifr.ifr_data = &(struct ethtool_value){cmd, data}` —
/// netdevice(7), ethtool's ioctl, for the commands whose argument is one `ethtool_value`.
///
/// Rust takes the interface name, the command and the value, and returns the `data` the kernel
/// left in the struct (the answer of a `G` command). Only the value commands listed above
/// (`ETHTOOL_[GS]{SG,TSO,GSO,GRO}`) are accepted: other commands make the kernel read or write a
/// larger struct than `ethtool_value`, which is refused with `EINVAL` and a note before the call.
///
#[doc = errors_doc!(ioctl_siocethtool)]
///
/// # Example
/// ```
/// use socklab::sys::{self, ns, AF_INET, SOCK_DGRAM};
/// let fd = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
/// let gso = ns::ioctl_siocethtool_value(&fd, "lo", ns::ETHTOOL_GGSO, 0)?;
/// assert!(gso <= 1);
/// # Ok::<(), socklab::Error>(())
/// ```
#[doc = man_links!(netdevice(7), ioctl(2))]
#[doc(alias = "ioctl")]
#[doc(alias = "SIOCETHTOOL")]
pub fn ioctl_siocethtool_value(fd: impl AsFd, name: &str, cmd: u32, data: u32) -> Result<u32> {
    let fd = fd.as_fd().as_raw_fd();
    let args =
        || format!("fd {fd}, SIOCETHTOOL, {{ifr_name={name:?}, {{cmd={cmd:#x}, data={data}}}}}");
    const VALUE_CMDS: [u32; 8] = [
        ETHTOOL_GSG,
        ETHTOOL_SSG,
        ETHTOOL_GTSO,
        ETHTOOL_STSO,
        ETHTOOL_GGSO,
        ETHTOOL_SGSO,
        ETHTOOL_GGRO,
        ETHTOOL_SGRO,
    ];
    if !VALUE_CMDS.contains(&cmd) {
        return Err(super::refuse(
            Errno::EINVAL,
            "ioctl",
            args(),
            "only the ethtool commands whose argument is a struct ethtool_value",
        ));
    }
    let mut ifr = ifreq_named("ioctl", name)?;
    let mut value = EthtoolValue { cmd, data };
    ifr.ifr_ifru.ifru_data = (&mut value as *mut EthtoolValue).cast();
    // SAFETY: `ifr` is a live ifreq whose ifr_data points to `value`, a live EthtoolValue that
    // outlives the call; `cmd` is one of the commands that read and write exactly one
    // struct ethtool_value, and SIOCETHTOOL takes a `struct ifreq *`.
    let rc = unsafe { raw::ioctl_ifreq(fd, libc::SIOCETHTOOL, &mut ifr) };
    cvt(rc, "ioctl", args)?;
    Ok(value.data)
}

#[cfg(all(test, feature = "trace"))]
mod tests {
    #[test]
    fn cap_sets_print_as_strace_does() {
        assert_eq!(super::line::cap_set(0), "0");
        let net = 1 << super::CAP_NET_RAW | 1 << 12;
        assert_eq!(super::line::cap_set(net), "1<<CAP_NET_ADMIN|1<<CAP_NET_RAW");
        assert_eq!(
            super::line::cap_set(1 | 1 << 40 | 1 << 63),
            "1<<CAP_CHOWN|1<<CAP_CHECKPOINT_RESTORE|1<<63"
        );
    }
}
