//! strace's notation as pure functions: quoting with `-s 32`, flag and constant tables, sockaddrs,
//! socket options and msghdrs, built from bytes the sys layer already read behind the pointers.
//!
//! Compiled with or without the `trace` feature: the log (the builders of `trace::line`) prints
//! whole lines with it, and [`Error`](crate::Error)s name their constants with it (`socket(0x2f /* AF_??? */,
//! SOCK_STREAM, IPPROTO_IP)`, `recv(fd 3, buf, 16, MSG_DONTWAIT)`). Without the log, the functions
//! only it uses are dead code, hence the `allow` below.
//!
//! Everything here follows the output of strace 6.1 (checked by running it on C programs that make
//! each call; `tests/trace/` compares whole lines against a live strace). Nothing here is `unsafe`:
//! `trace::read` reads the caller's memory and hands slices to these functions.

#![cfg_attr(not(feature = "trace"), allow(dead_code))]

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::sys::names::F_OWNER_TYPES;
use crate::sys::names::{self, Table};
use crate::sys::names::{ACCESS_MODES, FAMILIES, FCNTL_CMDS, FD_FLAGS, INET_PROTOCOLS, MSG_FLAGS};
use crate::sys::names::{
    EPOLL_CREATE_FLAGS, EPOLL_CTL_OPS, EPOLL_EVENTS, INT_IOCTLS, IP_CMSG_TYPES, SCM_TYPES, SIGNALS,
};
use crate::sys::names::{OPEN_FLAGS, POLL_EVENTS, SHUT_HOWS, SOCK_FLAGS, SOCK_TYPES, SOL_LEVELS};
use crate::sys::{Errno, Error};

/// strace's default `-s`: strings longer than this are cut and followed by `...`.
pub(crate) const MAX_STR: usize = 32;
/// strace also stops printing an array after this many elements (the same `-s` value).
const MAX_ELEMS: usize = 32;

/// One traced call: `name(arg, arg, …) = ret`, or `= -1 ENAME (description)` on failure.
pub(crate) fn line(name: &str, args: &[String], ret: i64, err: Errno) -> String {
    line_with(name, args, ret, err, None)
}

/// As [`line`], with `ok` replacing the whole success text when strace adds to the number
/// (`1 ([{fd=5, revents=POLLIN}])`, `0x802 (flags O_RDWR|O_NONBLOCK)`).
pub(crate) fn line_with(
    name: &str,
    args: &[String],
    ret: i64,
    err: Errno,
    ok: Option<String>,
) -> String {
    let mut s = format!("{name}({}) = ", args.join(", "));
    match ok {
        _ if ret == -1 => {
            let _ = write!(s, "-1 {err}");
        }
        Some(ok) => s.push_str(&ok),
        None => {
            let _ = write!(s, "{ret}");
        }
    }
    s
}

/// A pointer as strace prints one it does not decode: `NULL` or `0x7ffd5feec390`.
pub(crate) fn ptr(p: usize) -> String {
    if p == 0 {
        "NULL".to_string()
    } else {
        format!("{p:#x}")
    }
}

/// A buffer as strace prints it: quoted, octal escapes, cut at 32 bytes with `...`.
pub(crate) fn buf(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(MAX_STR)];
    let mut s = quote(shown);
    if bytes.len() > MAX_STR {
        s.push_str("...");
    }
    s
}

/// Quotes `bytes` whole, escaping as strace does: `\n \t \r \v \f \" \\`, printable ASCII as is,
/// everything else in octal (`\0`, `\377`, UTF-8 `\354\225\210`), three digits when an octal digit
/// follows so the escape cannot swallow it (`\0001`).
pub(crate) fn quote(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            0x0b => s.push_str("\\v"),
            0x0c => s.push_str("\\f"),
            b' '..=b'~' => s.push(c as char),
            _ => {
                s.push('\\');
                let next_is_octal = matches!(bytes.get(i + 1), Some(b'0'..=b'7'));
                if next_is_octal || c >> 6 != 0 {
                    s.push((b'0' + (c >> 6)) as char);
                }
                if next_is_octal || c >> 3 != 0 {
                    s.push((b'0' + ((c >> 3) & 7)) as char);
                }
                s.push((b'0' + (c & 7)) as char);
            }
        }
    }
    s.push('"');
    s
}

/// Quotes every byte as `\xNN`, as strace does for binary option values (`"\x00\x40"`).
pub(crate) fn quote_hex(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for b in bytes {
        let _ = write!(s, "\\x{b:02x}");
    }
    s.push('"');
    s
}

/// A value from a table of constants, or strace's fallback `0x63 /* AF_??? */`.
pub(crate) fn xval(table: Table, v: i64, unknown: &str) -> String {
    match names::lookup(table, v) {
        Some(name) => name.to_string(),
        None => format!("{:#x} /* {unknown} */", v as u32),
    }
}

/// A bit set: the named bits in table order joined by `|`, then any unnamed rest in hex; `0` when
/// empty and `0x… /* MSG_??? */` when no bit has a name.
pub(crate) fn flags(table: Table, v: i64, unknown: &str) -> String {
    if v == 0 {
        return "0".to_string();
    }
    let mut rest = v;
    let mut names = Vec::new();
    for &(bit, name) in table {
        if bit != 0 && rest & bit == bit {
            names.push(name.to_string());
            rest &= !bit;
        }
    }
    if names.is_empty() {
        return format!("{:#x} /* {unknown} */", v as u32);
    }
    if rest != 0 {
        names.push(format!("{:#x}", rest as u32));
    }
    names.join("|")
}

/// `AF_INET`, or `0x63 /* AF_??? */`.
pub(crate) fn family(v: i64) -> String {
    xval(FAMILIES, v, "AF_???")
}

/// `SOCK_STREAM|SOCK_CLOEXEC`: the type in the low bits, then the creation flags.
pub(crate) fn sock_type(v: i32) -> String {
    let flag_bits = libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK;
    let mut s = xval(SOCK_TYPES, (v & 0xf) as i64, "SOCK_???");
    if v & !0xf & !flag_bits != 0 {
        // Unknown bits outside the type and the two flags: strace prints the whole value raw.
        return format!("{:#x} /* SOCK_??? */", v as u32);
    }
    if v & flag_bits != 0 {
        s.push('|');
        s.push_str(&flags(SOCK_FLAGS, (v & flag_bits) as i64, "SOCK_???"));
    }
    s
}

/// socket(2)'s and socketpair(2)'s first three arguments: `AF_INET, SOCK_STREAM, IPPROTO_IP`.
pub(crate) fn socket_args(domain: i32, ty: i32, protocol: i32) -> [String; 3] {
    [
        family(domain as i64),
        sock_type(ty),
        self::protocol(domain, protocol),
    ]
}

/// accept4(2)'s flags: `SOCK_CLOEXEC|SOCK_NONBLOCK`.
pub(crate) fn sock_flags(v: i32) -> String {
    flags(SOCK_FLAGS, v as i64, "SOCK_???")
}

/// socket(2)'s protocol: `IPPROTO_TCP` for the IP families, a bare number otherwise.
pub(crate) fn protocol(domain: i32, v: i32) -> String {
    match domain {
        libc::AF_INET | libc::AF_INET6 => xval(INET_PROTOCOLS, v as i64, "IPPROTO_???"),
        _ => v.to_string(),
    }
}

/// `MSG_DONTWAIT|MSG_NOSIGNAL`.
pub(crate) fn msg_flags(v: i32) -> String {
    flags(MSG_FLAGS, v as u32 as i64, "MSG_???")
}

/// `SHUT_WR`, or `0xffffffff /* SHUT_??? */`.
pub(crate) fn shut_how(v: i32) -> String {
    xval(SHUT_HOWS, v as i64, "SHUT_???")
}

/// A sockopt level and name: `SOL_SOCKET, SO_REUSEADDR`. Options are named at the levels strace
/// 6.1 names them for (socket, IP, IPv6, TCP), from the table [`opt::optname`] reads, with
/// strace's `_OLD` spellings at SOL_SOCKET.
///
/// [`opt::optname`]: crate::sys::opt::optname
pub(crate) fn sockopt_level_name(level: i32, name: i32) -> [String; 2] {
    let lvl = xval(SOL_LEVELS, level as i64, "SOL_??");
    let old = match level {
        libc::SOL_SOCKET => names::lookup(names::SO_OLD_NAMES, name as i64),
        _ => None,
    };
    let named = matches!(
        level,
        libc::SOL_SOCKET | libc::SOL_TCP | libc::SOL_IP | libc::SOL_IPV6
    );
    let name = match (old, names::options(level)) {
        (Some(n), _) => n.to_string(),
        (None, Some((table, unknown))) if named => xval(table, name as i64, unknown),
        _ => name.to_string(),
    };
    [lvl, name]
}

/// SOL_SOCKET options strace decodes as one `int` (its "int-like" list).
fn so_int_like(name: i32) -> bool {
    use libc::*;
    matches!(
        name,
        SO_DEBUG
            | SO_REUSEADDR
            | SO_DONTROUTE
            | SO_BROADCAST
            | SO_SNDBUF
            | SO_RCVBUF
            | SO_KEEPALIVE
            | SO_OOBINLINE
            | SO_NO_CHECK
            | SO_PRIORITY
            | SO_BSDCOMPAT
            | SO_REUSEPORT
            | SO_PASSCRED
            | SO_RCVLOWAT
            | SO_SNDLOWAT
            | SO_DETACH_FILTER
            | 29 // SO_TIMESTAMP_OLD
            | SO_ACCEPTCONN
            | SO_SNDBUFFORCE
            | SO_RCVBUFFORCE
            | SO_PASSSEC
            | 35 // SO_TIMESTAMPNS_OLD
            | SO_MARK
            | 37 // SO_TIMESTAMPING_OLD
            | SO_RXQ_OVFL
            | SO_WIFI_STATUS
            | SO_PEEK_OFF
            | SO_NOFCS
            | SO_LOCK_FILTER
            | SO_SELECT_ERR_QUEUE
            | SO_BUSY_POLL
            | SO_INCOMING_CPU
            | SO_CNX_ADVICE
            | SO_INCOMING_NAPI_ID
            | SO_ZEROCOPY
            | SO_PREFER_BUSY_POLL
            | SO_BUSY_POLL_BUDGET
    )
}

/// A native-endian `int` from the first four bytes.
fn int_of(bytes: &[u8]) -> i32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[..4]);
    i32::from_ne_bytes(b)
}

/// `{l_onoff=1, l_linger=5}` from a `struct linger`'s bytes (at least 8).
fn linger(bytes: &[u8]) -> String {
    format!(
        "{{l_onoff={}, l_linger={}}}",
        int_of(bytes),
        int_of(&bytes[4..])
    )
}

/// An option value that is a C struct with padding, which the hook must not read as bytes: it
/// reads the fields ([`sock_fprog`], [`group_req`]) or prints the pointer.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Padded {
    /// `struct sock_fprog`: `unsigned short len`, padding, `struct sock_filter *filter`.
    Fprog,
    /// `struct group_req`: `uint32_t gr_interface`, padding, `struct sockaddr_storage gr_group`.
    GroupReq,
    /// A padded struct the log does not decode (`group_source_req`, `group_filter`, the
    /// `sock_fprog` or int of `PACKET_FANOUT_DATA`): its pointer. strace dumps these as bytes.
    Pointer,
}

/// Whether setsockopt's value for `(level, name)` is a struct with padding, and which.
pub(crate) fn padded_option(level: i32, name: i32) -> Option<Padded> {
    use libc::*;
    match (level, name) {
        (SOL_SOCKET, SO_ATTACH_FILTER | SO_ATTACH_REUSEPORT_CBPF) => Some(Padded::Fprog),
        (SOL_IP | SOL_IPV6, MCAST_JOIN_GROUP | MCAST_LEAVE_GROUP) => Some(Padded::GroupReq),
        (
            SOL_IP | SOL_IPV6,
            MCAST_BLOCK_SOURCE
            | MCAST_UNBLOCK_SOURCE
            | MCAST_JOIN_SOURCE_GROUP
            | MCAST_LEAVE_SOURCE_GROUP
            | MCAST_MSFILTER,
        ) => Some(Padded::Pointer),
        (SOL_PACKET, PACKET_FANOUT_DATA) => Some(Padded::Pointer),
        _ => None,
    }
}

/// A `struct sock_fprog` as strace prints it without `-v`: `{len=1, filter=0x7ffd5feec390}`.
pub(crate) fn sock_fprog(len: u16, filter: usize) -> String {
    format!("{{len={len}, filter={}}}", ptr(filter))
}

/// A `struct group_req`: `{gr_interface=if_nametoindex("lo"), gr_group={sa_family=AF_INET, …}}`
/// from the interface index and the bytes of `gr_group` (a `sockaddr_storage`).
pub(crate) fn group_req(interface: u32, group: &[u8], ifname: IfName<'_>) -> String {
    format!(
        "{{gr_interface={}, gr_group={}}}",
        ifindex(interface, ifname),
        sockaddr(1, Some(group), ifname)
    )
}

/// The name of an interface index, for the lines that print one (`sin6_scope_id`,
/// `gr_interface`, `ipi_ifindex`): the hook passes its lookup of the host's interfaces
/// (if_indextoname(3)), the tests a fixed table. Nothing in this module asks the host anything,
/// so what it prints depends on its arguments alone.
pub(crate) type IfName<'a> = &'a dyn Fn(u32) -> Option<String>;

/// `if_nametoindex("lo")` when `index` (not 0) names an interface.
fn if_named(index: u32, ifname: IfName<'_>) -> Option<String> {
    let name = ifname(index).filter(|_| index != 0)?;
    Some(format!("if_nametoindex({})", quote(name.as_bytes())))
}

/// An interface index as strace prints one: `if_nametoindex("lo")` when it names an interface,
/// the number otherwise.
pub(crate) fn ifindex(index: u32, ifname: IfName<'_>) -> String {
    if_named(index, ifname).unwrap_or_else(|| index.to_string())
}

/// setsockopt(2)'s `optval`: `[1]`, `{l_onoff=1, l_linger=5}`, a quoted string, or the pointer.
/// `val` is `None` when the pointer is NULL. Never called for a [`padded_option`].
pub(crate) fn setsockopt_val(level: i32, name: i32, p: usize, val: Option<&[u8]>) -> String {
    let Some(v) = val else { return ptr(p) };
    let n = v.len();
    if level == libc::SOL_SOCKET && name == libc::SO_LINGER {
        return if n < 8 { ptr(p) } else { linger(v) };
    }
    if level == libc::SOL_SOCKET && so_int_like(name) {
        return if n < 4 {
            ptr(p)
        } else {
            format!("[{}]", int_of(v))
        };
    }
    if n == 4 {
        format!("[{}]", int_of(v))
    } else {
        buf(v)
    }
}

/// getsockopt(2)'s `optval` once the kernel wrote `val` (its bytes up to the returned length).
pub(crate) fn getsockopt_val(level: i32, name: i32, val: &[u8]) -> String {
    let n = val.len();
    if level == libc::SOL_SOCKET && name == libc::SO_LINGER && n >= 8 {
        return linger(val);
    }
    if level == libc::SOL_SOCKET && name == libc::SO_ERROR && n >= 4 {
        let e = int_of(val);
        return if e == 0 {
            "[0]".to_string()
        } else {
            format!("[{}]", Errno::from_raw(e).name())
        };
    }
    if level == libc::SOL_SOCKET && so_int_like(name) {
        return if n >= 4 {
            format!("[{}]", int_of(val))
        } else {
            quote_hex(val)
        };
    }
    if n == 4 {
        format!("[{}]", int_of(val))
    } else {
        buf(val)
    }
}

/// An in-out length: `[16]` when the kernel kept it, `[128 => 16]` when it changed.
pub(crate) fn inout(before: u32, after: u32) -> String {
    if before == after {
        format!("[{after}]")
    } else {
        format!("[{before} => {after}]")
    }
}

/// A socket address from the bytes at its pointer, given the length that is valid (strace reads at
/// most `sizeof(sockaddr_storage)`). `p` is printed instead when the length is below 2.
pub(crate) fn sockaddr(p: usize, bytes: Option<&[u8]>, ifname: IfName<'_>) -> String {
    match bytes {
        Some(b) if p != 0 && b.len() >= 2 => sockaddr_bytes(b, ifname),
        _ => ptr(p),
    }
}

fn sockaddr_bytes(b: &[u8], ifname: IfName<'_>) -> String {
    let fam = u16::from_ne_bytes([b[0], b[1]]) as i32;
    let mut s = format!("{{sa_family={}", family(fam as i64));
    let len = b.len();
    let sin6_min = 24; // offsetof(sockaddr_in6, sin6_scope_id)
    if len > 2 {
        s.push_str(", ");
        match fam {
            libc::AF_INET if len >= 16 => {
                let port = u16::from_be_bytes([b[2], b[3]]);
                let ip = Ipv4Addr::new(b[4], b[5], b[6], b[7]);
                let _ = write!(s, "sin_port=htons({port}), sin_addr=inet_addr(\"{ip}\")");
            }
            libc::AF_INET6 if len >= sin6_min => {
                let port = u16::from_be_bytes([b[2], b[3]]);
                let flow = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
                let mut a = [0u8; 16];
                a.copy_from_slice(&b[8..24]);
                let ip = Ipv6Addr::from(a);
                let _ = write!(
                    s,
                    "sin6_port=htons({port}), sin6_flowinfo=htonl({flow}), \
                     inet_pton(AF_INET6, \"{ip}\", &sin6_addr)"
                );
                if len > sin6_min {
                    // The kernel takes 25-27 bytes too (scope id 0). strace copies the bytes it
                    // was given into zeroed storage and prints the field from that: same here.
                    let mut id = [0u8; 4];
                    let given = &b[sin6_min..len.min(sin6_min + 4)];
                    id[..given.len()].copy_from_slice(given);
                    let scope = u32::from_ne_bytes(id);
                    let _ = write!(s, ", sin6_scope_id={}", scope_id(&ip, scope, ifname));
                }
            }
            libc::AF_UNIX => {
                let path = &b[2..len.min(110)];
                s.push_str("sun_path=");
                if path.first() == Some(&0) {
                    s.push('@');
                    s.push_str(&quote(&path[1..]));
                } else {
                    let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
                    s.push_str(&quote(&path[..end]));
                }
            }
            _ => {
                s.push_str("sa_data=");
                s.push_str(&quote(&b[2..]));
            }
        }
    }
    s.push('}');
    s
}

/// `sin6_scope_id`: strace names the interface for link-local addresses.
fn scope_id(ip: &Ipv6Addr, scope: u32, ifname: IfName<'_>) -> String {
    let link_local = ip.segments()[0] & 0xffc0 == 0xfe80;
    let mc_link_local = ip.octets()[0] == 0xff && ip.octets()[1] & 0xf == 2;
    if link_local || mc_link_local {
        return ifindex(scope, ifname);
    }
    scope.to_string()
}

/// One `msghdr` as strace summarizes it, from the fields and the memory they point to.
pub(crate) struct Msg<'a> {
    /// `msg_name` and the bytes to decode there (`None`: print the pointer).
    pub name: (usize, Option<&'a [u8]>),
    /// `msg_namelen` before the call (receive calls), to print `128 => 16`.
    pub namelen_before: Option<u32>,
    /// `msg_namelen` now.
    pub namelen: u32,
    /// Each iovec, in order.
    pub iov: Vec<Iov<'a>>,
    /// `msg_iovlen`.
    pub iovlen: usize,
    /// `msg_control`, `msg_controllen`.
    pub control: (usize, usize),
    /// The control bytes to decode (`msg_controllen` of them; after a receive, only the bytes
    /// the kernel wrote, padding zeroed), `None` to print the pointer.
    pub control_bytes: Option<std::borrow::Cow<'a, [u8]>>,
    /// `msg_flags`.
    pub flags: i32,
}

/// One iovec of a [`Msg`].
pub(crate) struct Iov<'a> {
    /// `iov_base`, printed when `bytes` is `None`.
    pub base: usize,
    /// The bytes to show (limited to what was sent or written by the kernel; only the first
    /// [`MAX_STR`] + 1 are needed), or `None` when the kernel wrote none it reported.
    pub bytes: Option<&'a [u8]>,
    /// `iov_len`.
    pub len: usize,
}

/// `{msg_name=…, msg_namelen=16, msg_iov=[{iov_base="ab", iov_len=2}], msg_iovlen=1,
/// msg_controllen=0, msg_flags=0}`.
pub(crate) fn msghdr(m: &Msg<'_>, ifname: IfName<'_>) -> String {
    let mut s = format!(
        "{{msg_name={}, msg_namelen=",
        sockaddr(m.name.0, m.name.1, ifname)
    );
    if let Some(before) = m.namelen_before.filter(|b| *b != m.namelen) {
        let _ = write!(s, "{before} => ");
    }
    let _ = write!(s, "{}, msg_iov=[", m.namelen);
    for (i, v) in m.iov.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        if i == MAX_ELEMS {
            s.push_str("...");
            break;
        }
        let base = v.bytes.map_or_else(|| ptr(v.base), buf);
        let _ = write!(s, "{{iov_base={base}, iov_len={}}}", v.len);
    }
    let _ = write!(s, "], msg_iovlen={}", m.iovlen);
    if m.control.1 != 0 {
        let c = m
            .control_bytes
            .as_deref()
            .map_or_else(|| ptr(m.control.0), |c| cmsgs(c, ifname));
        let _ = write!(s, ", msg_control={c}");
    }
    let _ = write!(
        s,
        ", msg_controllen={}, msg_flags={}}}",
        m.control.1,
        msg_flags(m.flags)
    );
    s
}

/// An `mmsghdr` vector: `[{msg_hdr={…}, msg_len=3}, …]`; `lens` holds the `msg_len`s to print
/// (the first `ret` entries after a successful call).
pub(crate) fn mmsghdrs(msgs: &[Msg<'_>], lens: &[u32], ifname: IfName<'_>) -> String {
    let mut s = String::from("[");
    for (i, m) in msgs.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        if i == MAX_ELEMS {
            s.push_str("...");
            break;
        }
        let _ = write!(s, "{{msg_hdr={}", msghdr(m, ifname));
        if let Some(len) = lens.get(i) {
            let _ = write!(s, ", msg_len={len}");
        }
        s.push('}');
    }
    s.push(']');
    s
}

/// A `timespec` as `{tv_sec=1, tv_nsec=0}`.
pub(crate) fn timespec(sec: i64, nsec: i64) -> String {
    format!("{{tv_sec={sec}, tv_nsec={nsec}}}")
}

/// A `timeval` as `{tv_sec=1, tv_usec=0}`.
pub(crate) fn timeval(sec: i64, usec: i64) -> String {
    format!("{{tv_sec={sec}, tv_usec={usec}}}")
}

/// The timespec glibc's select(3) hands the pselect6 syscall for a `timeval` (glibc 2.36,
/// `sysdeps/unix/sysv/linux/select.c`): `tv_usec` read into an `int32_t`, whole seconds of it
/// carried into `tv_sec`, saturating at `INT64_MAX` s and 999999999 ns. `None` when glibc
/// refuses the value with `EINVAL` before any syscall (a negative `tv_sec` or `int32_t` usec).
pub(crate) fn select_timeout(sec: i64, usec: i64) -> Option<(i64, i64)> {
    const USEC_PER_SEC: i32 = 1_000_000;
    let us = usec as i32; // glibc's `int32_t us = timeout->tv_usec`: the truncation is its
    if sec < 0 || us < 0 {
        return None;
    }
    let carry = i64::from(us / USEC_PER_SEC);
    Some(match sec.checked_add(carry) {
        Some(s) => (s, i64::from(us % USEC_PER_SEC) * 1000),
        None => (i64::MAX, 999_999_999),
    })
}

/// select's timeout as the pselect6 line shows it: the timespec glibc passes, or, when glibc
/// refused the timeval before any syscall, the timeval itself (strace shows no line then).
pub(crate) fn select_timeval(sec: i64, usec: i64) -> String {
    select_timeout(sec, usec).map_or_else(|| timeval(sec, usec), |(s, ns)| timespec(s, ns))
}

/// The time select left, from the `timeval` glibc rewrote after the call (whole microseconds):
/// as a timespec when `tv_usec` is a valid microsecond count, as the timeval otherwise.
pub(crate) fn select_left(sec: i64, usec: i64) -> String {
    if (0..1_000_000).contains(&usec) {
        timespec(sec, usec * 1000)
    } else {
        timeval(sec, usec)
    }
}

/// fcntl(2)'s command.
pub(crate) fn fcntl_cmd(cmd: i32) -> String {
    xval(FCNTL_CMDS, cmd as i64, "F_???")
}

/// fcntl(2)'s argument as strace prints it for `cmd`, or `None` for commands that take none.
pub(crate) fn fcntl_arg(cmd: i32, arg: i32) -> Option<String> {
    match cmd {
        libc::F_GETFD | libc::F_GETFL | libc::F_GETOWN | 11 | libc::F_GETLEASE => None,
        libc::F_GETPIPE_SZ | libc::F_GET_SEALS => None,
        libc::F_SETFD => Some(flags(FD_FLAGS, arg as i64, "FD_???")),
        libc::F_SETFL => Some(open_flags(arg)),
        _ => Some(arg.to_string()),
    }
}

/// fcntl's result where strace decodes it: `0x802 (flags O_RDWR|O_NONBLOCK)` for F_GETFL.
pub(crate) fn fcntl_ret(cmd: i32, ret: i32) -> Option<String> {
    match cmd {
        libc::F_GETFL => Some(format!("{ret:#x} (flags {})", open_flags(ret))),
        libc::F_GETFD if ret > 0 => Some(format!(
            "{ret:#x} (flags {})",
            flags(FD_FLAGS, ret as i64, "FD_???")
        )),
        _ => None,
    }
}

/// open(2) flags: the access mode first (`O_RDONLY` is 0), then the rest.
fn open_flags(v: i32) -> String {
    let mut s = xval(ACCESS_MODES, (v & libc::O_ACCMODE) as i64, "O_???");
    let rest = v & !libc::O_ACCMODE;
    if rest != 0 {
        s.push('|');
        s.push_str(&flags(OPEN_FLAGS, rest as i64, "O_???"));
    }
    s
}

/// poll(2) events: `POLLIN|POLLOUT`.
pub(crate) fn poll_events(v: i16) -> String {
    flags(POLL_EVENTS, v as u16 as i64, "POLL???")
}

/// A CPU mask as strace prints it: the set CPU numbers, space-separated, `[0 1]`. The bytes are
/// C's `unsigned long` words in native byte order (a short last word is zero-padded).
pub(crate) fn cpu_mask(bytes: &[u8]) -> String {
    const WORD: usize = size_of::<std::os::raw::c_ulong>();
    let mut cpus = Vec::new();
    for (w, chunk) in bytes.chunks(WORD).enumerate() {
        let mut word = [0u8; WORD];
        word[..chunk.len()].copy_from_slice(chunk);
        let word = std::os::raw::c_ulong::from_ne_bytes(word);
        let bits = (0..WORD * 8).filter(|b| word >> b & 1 == 1);
        cpus.extend(bits.map(|b| (w * WORD * 8 + b).to_string()));
    }
    format!("[{}]", cpus.join(" "))
}

// ---------------------------------------------------------------------------------------------
// select/pselect6, epoll, the int ioctls, signal sets (their names are in names.rs).
// ---------------------------------------------------------------------------------------------

/// An `fd_set` as strace prints it: the set fds below `nfds`, space-separated, `[3 4]`. `bytes`
/// are the set's bytes (bit `fd % 8` of byte `fd / 8`, as glibc's long words lay out on a
/// little-endian machine).
pub(crate) fn fd_set(bytes: &[u8], nfds: i32) -> String {
    // Only the bits `bytes` holds: nfds may be INT_MAX (the kernel caps it at the fd table).
    let bits = (nfds.max(0) as usize).min(bytes.len() * 8);
    let fds: Vec<String> = (0..bits)
        .filter(|fd| bytes.get(fd / 8).is_some_and(|b| b >> (fd % 8) & 1 == 1))
        .map(|fd| fd.to_string())
        .collect();
    format!("[{}]", fds.join(" "))
}

/// pselect6's result: `0 (Timeout)`, or `2 (in [0 4], out [5], left {…})` naming each set that
/// has a ready fd (`after` holds the three sets as the kernel left them, `None` for NULL).
pub(crate) fn select_ret(
    ret: i32,
    nfds: i32,
    after: &[Option<Vec<u8>>; 3],
    left: Option<String>,
) -> String {
    if ret == 0 {
        return "0 (Timeout)".to_string();
    }
    let mut parts = Vec::new();
    for (name, set) in ["in", "out", "except"].iter().zip(after) {
        if let Some(b) = set {
            let s = fd_set(b, nfds);
            if s != "[]" {
                parts.push(format!("{name} {s}"));
            }
        }
    }
    if let Some(l) = left {
        parts.push(format!("left {l}"));
    }
    format!("{ret} ({})", parts.join(", "))
}

/// epoll_create1's flags: `0` or `EPOLL_CLOEXEC`.
pub(crate) fn epoll_flags(v: i32) -> String {
    flags(EPOLL_CREATE_FLAGS, v as u32 as i64, "EPOLL_???")
}

/// epoll_ctl's op: `EPOLL_CTL_ADD`.
pub(crate) fn epoll_ctl_op(op: i32) -> String {
    xval(EPOLL_CTL_OPS, op as i64, "EPOLL_CTL_???")
}

/// An epoll event mask: `EPOLLIN|EPOLLET`.
pub(crate) fn epoll_events(v: u32) -> String {
    flags(EPOLL_EVENTS, v as i64, "EPOLL???")
}

/// A `struct epoll_event`: `{events=EPOLLIN, data={u32=4, u64=4}}` (strace 6.1's form).
pub(crate) fn epoll_event(events: u32, data: u64) -> String {
    format!(
        "{{events={}, data={{u32={}, u64={data}}}}}",
        epoll_events(events),
        data as u32
    )
}

/// An int-returning ioctl request by strace's name: `FIONREAD`, `TIOCOUTQ` (= `SIOCOUTQ`).
pub(crate) fn ioctl_int_req(req: u64) -> String {
    xval(INT_IOCTLS, req as i64, "_IOC???")
}

/// A signal set as strace prints it: `[]`, `[INT TERM]` (names without `SIG`).
pub(crate) fn sigset(bytes: &[u8]) -> String {
    let names: Vec<String> = (1..=64usize)
        .filter(|s| {
            bytes
                .get((s - 1) / 8)
                .is_some_and(|b| b >> ((s - 1) % 8) & 1 == 1)
        })
        .map(|s| match SIGNALS.iter().find(|(k, _)| *k == s as i64) {
            Some((_, n)) => n.trim_start_matches("SIG").to_string(),
            None => format!("{s}"),
        })
        .collect();
    format!("[{}]", names.join(" "))
}

/// One `struct pollfd` of poll's argument: `{fd=4, events=POLLIN}`, or `{fd=-1}` for a slot
/// poll skips (strace leaves out the events it ignores).
pub(crate) fn pollfd_in(fd: i32, events: i16) -> String {
    if fd < 0 {
        format!("{{fd={fd}}}")
    } else {
        format!("{{fd={fd}, events={}}}", poll_events(events))
    }
}

// ---------------------------------------------------------------------------------------------
// Control messages (cmsg chains) as strace 6.1 decodes them.
// ---------------------------------------------------------------------------------------------

/// A native-endian int at `off` of `b`, if there.
fn ne_i32(b: &[u8], off: usize) -> Option<i32> {
    Some(i32::from_ne_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// A cmsg chain as strace prints `msg_control`: `[{cmsg_len=20, cmsg_level=SOL_SOCKET,
/// cmsg_type=SCM_RIGHTS, cmsg_data=[3]}]`. `bytes` are the `msg_controllen` bytes. Data is
/// decoded where strace decodes it: `SCM_RIGHTS` (the fds), `SCM_CREDENTIALS` (`{pid=…, uid=…,
/// gid=…}`), `IP_PKTINFO`, `IP_TTL`, `IP_TOS`; other messages (IPv6's, which strace 6.1 does
/// not decode either) show their header only.
pub(crate) fn cmsgs(bytes: &[u8], ifname: IfName<'_>) -> String {
    const HDR: usize = 16; // CMSG_LEN(0) on 64-bit Linux: size_t len + two ints
    let mut items = Vec::new();
    let mut rest = bytes;
    while rest.len() >= HDR && items.len() < MAX_ELEMS {
        let len = usize::from_ne_bytes(rest[..8].try_into().expect("8 bytes"));
        let level = ne_i32(rest, 8).expect("header");
        let ty = ne_i32(rest, 12).expect("header");
        let data = rest.get(HDR..len.min(rest.len())).unwrap_or(&[]);
        let ty_name = match level {
            libc::SOL_SOCKET => xval(SCM_TYPES, ty as i64, "SCM_???"),
            libc::SOL_IP => xval(IP_CMSG_TYPES, ty as i64, "IP_???"),
            _ => format!("{:#x}", ty as u32),
        };
        let mut item = format!(
            "{{cmsg_len={len}, cmsg_level={}, cmsg_type={ty_name}",
            xval(SOL_LEVELS, level as i64, "SOL_???")
        );
        if let Some(d) = cmsg_data(level, ty, data, ifname) {
            let _ = write!(item, ", cmsg_data={d}");
        }
        item.push('}');
        items.push(item);
        // CMSG_NXTHDR's step, checked: a `cmsg_len` near usize::MAX must end the walk, not wrap
        // to a step of 0 (which repeated the header) or overflow.
        match len.checked_add(7).map(|n| n & !7) {
            Some(next) if len >= HDR && next <= rest.len() => rest = &rest[next..],
            _ => break,
        }
    }
    format!("[{}]", items.join(", "))
}

/// The data of one control message, for the kinds strace decodes.
fn cmsg_data(level: i32, ty: i32, d: &[u8], ifname: IfName<'_>) -> Option<String> {
    let ipv4 = |off: usize| -> Option<String> {
        let b: [u8; 4] = d.get(off..off + 4)?.try_into().ok()?;
        Some(format!("inet_addr(\"{}\")", Ipv4Addr::from(b)))
    };
    match (level, ty) {
        (libc::SOL_SOCKET, libc::SCM_RIGHTS) => {
            let fds: Vec<String> = d
                .chunks_exact(4)
                .map(|c| i32::from_ne_bytes(c.try_into().expect("4")).to_string())
                .collect();
            Some(format!("[{}]", fds.join(", ")))
        }
        (libc::SOL_SOCKET, libc::SCM_CREDENTIALS) if d.len() >= 12 => Some(format!(
            "{{pid={}, uid={}, gid={}}}",
            ne_i32(d, 0)?,
            ne_i32(d, 4)? as u32,
            ne_i32(d, 8)? as u32
        )),
        (libc::SOL_IP, libc::IP_PKTINFO) if d.len() >= 12 => {
            let index = ne_i32(d, 0)?;
            // An int: a number that names no interface prints signed, as strace does.
            let ifindex = if_named(index as u32, ifname).unwrap_or_else(|| index.to_string());
            Some(format!(
                "{{ipi_ifindex={ifindex}, ipi_spec_dst={}, ipi_addr={}}}",
                ipv4(4)?,
                ipv4(8)?
            ))
        }
        (libc::SOL_IP, libc::IP_TTL) => Some(format!("[{}]", ne_i32(d, 0)?)),
        (libc::SOL_IP, libc::IP_TOS) => {
            let tos = *d.first()?;
            Some(if tos == 0 {
                "[0]".into()
            } else {
                format!("[{tos:#x}]")
            })
        }
        _ => None,
    }
}

/// What opens the marked line of a call socklab refused before making it ([`refusal`]).
pub(crate) const REFUSED_OPEN: &str = "--- socklab refused ";
/// What closes it.
pub(crate) const REFUSED_CLOSE: &str = " [no syscall made] ---";

/// The marked line of a call socklab refused before the syscall (`sys::refuse`): `--- socklab
/// refused connect(fd 3, {family 1, len 43, truncated to 18}): EINVAL (Invalid argument): <why>
/// [no syscall made] ---` — the error as it displays, framed as strace frames what is not a
/// syscall (`--- SIGCHLD {…} ---`, `+++ exited with 0 +++`). No parser of strace lines reads it
/// as a call: it does not start with a call name. One line whatever the error holds: a control
/// character in its text is escaped (`\n`, `\u{1b}`).
pub(crate) fn refusal(e: &Error) -> String {
    let text = e.to_string();
    let mut s = String::with_capacity(REFUSED_OPEN.len() + text.len() + REFUSED_CLOSE.len());
    s.push_str(REFUSED_OPEN);
    for c in text.chars() {
        if c.is_control() {
            s.extend(c.escape_default());
        } else {
            s.push(c);
        }
    }
    s.push_str(REFUSED_CLOSE);
    s
}

/// Whether `line` is a marked line of [`refusal`] (after strace -f's `[pid N] ` prefix, if the
/// log went to stderr from another thread): the lines a comparison with strace skips.
pub(crate) fn is_refusal(line: &str) -> bool {
    let line = match line.strip_prefix("[pid ") {
        Some(rest) => match rest.split_once("] ") {
            Some((pid, rest)) if pid.trim_start().parse::<u32>().is_ok() => rest,
            _ => return false,
        },
        None => line,
    };
    line.len() >= REFUSED_OPEN.len() + REFUSED_CLOSE.len()
        && line.starts_with(REFUSED_OPEN)
        && line.ends_with(REFUSED_CLOSE)
}

/// The `struct f_owner_ex` of `fcntl(F_GETOWN_EX)`: `{type=F_OWNER_PGRP, pid=2471}` (the
/// inline build's `F_GETOWN`, made as glibc makes it).
#[cfg_attr(not(feature = "inline-syscalls"), allow(dead_code))]
pub(crate) fn f_owner_ex(kind: i32, pid: i32) -> String {
    format!(
        "{{type={}, pid={pid}}}",
        xval(F_OWNER_TYPES, kind as i64, "F_OWNER_???")
    )
}

/// strace -f's prefix for a line of thread `tid` of process `pid` (`main` = the traced
/// program's pid): `[pid  1234] ` (`%5u`) for a thread other than the main one or for a forked
/// child, none for the main thread of the program itself.
pub(crate) fn pid_prefix(pid: i32, tid: i32, main: i32) -> Option<String> {
    (tid != pid || pid != main).then(|| format!("[pid {tid:>5}] "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests' interfaces: only index 1, `eth9` (no host is asked).
    fn eth9(index: u32) -> Option<String> {
        (index == 1).then(|| "eth9".to_string())
    }

    #[test]
    fn cpu_masks_like_strace() {
        use std::os::raw::c_ulong;
        let bytes =
            |words: &[c_ulong]| -> Vec<u8> { words.iter().flat_map(|w| w.to_ne_bytes()).collect() };
        assert_eq!(cpu_mask(&[]), "[]");
        assert_eq!(cpu_mask(&[0; 128]), "[]");
        let bits = c_ulong::BITS as usize;
        let mut words = vec![0 as c_ulong; 1024 / bits];
        words[0] = 0b1011;
        *words.last_mut().unwrap() = 1 << (bits - 1);
        assert_eq!(cpu_mask(&bytes(&words)), "[0 1 3 1023]");
        // A size that is not whole words: the tail is the word's first bytes, zero-padded (on
        // little-endian its low bits, so CPU `bits` survives a one-byte tail).
        let mut short = bytes(&[0, 1]);
        short.truncate(bits / 8 + 1);
        if cfg!(target_endian = "little") {
            assert_eq!(cpu_mask(&short), format!("[{bits}]"));
        }
    }

    // Expected strings are strace 6.1's output for the same bytes and values.

    #[test]
    fn quotes_like_strace() {
        let bytes = b"\r\x0b\x0c\x07\x08\x1b\x018\x017\x000\x7f1\x80\xff\x00";
        assert_eq!(
            quote(bytes),
            r#""\r\v\f\7\10\33\18\0017\0000\1771\200\377\0""#
        );
        assert_eq!(quote("안녕".as_bytes()), r#""\354\225\210\353\205\225""#);
        assert_eq!(quote(b"a\"b\\c\nd\te"), r#""a\"b\\c\nd\te""#);
        assert_eq!(quote_hex(&[0, 0x40]), r#""\x00\x40""#);
    }

    #[test]
    fn cuts_buffers_at_32_bytes() {
        let digits = b"012345678901234567890123456789012345";
        assert_eq!(buf(&digits[..32]), r#""01234567890123456789012345678901""#);
        assert_eq!(
            buf(&digits[..33]),
            r#""01234567890123456789012345678901"..."#
        );
    }

    #[test]
    fn constants_and_flags() {
        assert_eq!(family(0x63), "0x63 /* AF_??? */");
        assert_eq!(sock_type(77), "0x4d /* SOCK_??? */");
        let t = libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK;
        assert_eq!(sock_type(t), "SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK");
        assert_eq!(protocol(libc::AF_UNIX, 0), "0");
        assert_eq!(protocol(libc::AF_INET6, 17), "IPPROTO_UDP");
        let f = libc::MSG_PEEK | libc::MSG_DONTWAIT | libc::MSG_WAITALL | libc::MSG_TRUNC;
        assert_eq!(msg_flags(f), "MSG_PEEK|MSG_TRUNC|MSG_DONTWAIT|MSG_WAITALL");
        assert_eq!(msg_flags(0), "0");
        assert_eq!(shut_how(-1), "0xffffffff /* SHUT_??? */");
        assert_eq!(sockopt_level_name(4242, 1), ["0x1092 /* SOL_?? */", "1"]);
        assert_eq!(
            sockopt_level_name(1, 9999),
            ["SOL_SOCKET", "0x270f /* SO_??? */"]
        );
        assert_eq!(sockopt_level_name(1, 20), ["SOL_SOCKET", "SO_RCVTIMEO_OLD"]);
        assert_eq!(sockopt_level_name(6, 1), ["SOL_TCP", "TCP_NODELAY"]);
    }

    #[test]
    fn sockopt_values() {
        let one = 1i32.to_ne_bytes();
        assert_eq!(
            setsockopt_val(libc::SOL_SOCKET, libc::SO_REUSEADDR, 1, Some(&one)),
            "[1]"
        );
        assert_eq!(
            setsockopt_val(libc::SOL_SOCKET, libc::SO_SNDBUF, 0x10, Some(&one[..2])),
            "0x10"
        );
        let mut lg = 1i32.to_ne_bytes().to_vec();
        lg.extend(5i32.to_ne_bytes());
        let so_linger = libc::SO_LINGER;
        assert_eq!(
            setsockopt_val(libc::SOL_SOCKET, so_linger, 1, Some(&lg)),
            "{l_onoff=1, l_linger=5}"
        );
        let tv = [1u8, 0, 0, 0, 0, 0, 0, 0, 0xf4, 1, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            setsockopt_val(1, 20, 1, Some(&tv)),
            r#""\1\0\0\0\0\0\0\0\364\1\0\0\0\0\0\0""#
        );
        assert_eq!(
            getsockopt_val(libc::SOL_SOCKET, libc::SO_SNDBUF, &[0, 0x40]),
            r#""\x00\x40""#
        );
        assert_eq!(inout(8, 4), "[8 => 4]");
        assert_eq!(inout(4, 4), "[4]");
    }

    #[test]
    fn sockaddrs() {
        assert_eq!(sockaddr(0, None, &eth9), "NULL");
        assert_eq!(sockaddr(0x1000, Some(&[2]), &eth9), "0x1000");
        let short_in = [libc::AF_INET as u8, 0, 0x98];
        assert_eq!(
            sockaddr(1, Some(&short_in), &eth9),
            r#"{sa_family=AF_INET, sa_data="\230"}"#
        );
        let unnamed = [libc::AF_UNIX as u8, 0];
        assert_eq!(sockaddr(1, Some(&unnamed), &eth9), "{sa_family=AF_UNIX}");
        let mut v6 = vec![libc::AF_INET6 as u8, 0, 0, 1, 0, 0, 0, 5];
        v6.extend([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let with_scope = |scope: u32| {
            let mut b = v6.clone();
            b.extend(scope.to_ne_bytes());
            sockaddr(1, Some(&b), &eth9)
        };
        let line = |scope: &str| {
            format!(
                "{{sa_family=AF_INET6, sin6_port=htons(1), sin6_flowinfo=htonl(5), \
                 inet_pton(AF_INET6, \"fe80::1\", &sin6_addr), sin6_scope_id={scope}}}"
            )
        };
        // The name comes from the lookup passed in, whatever the host's interfaces are.
        assert_eq!(with_scope(1), line("if_nametoindex(\"eth9\")"));
        assert_eq!(with_scope(2), line("2"));
        assert_eq!(with_scope(0), line("0"));
        let none = |_: u32| None;
        assert_eq!(ifindex(1, &none), "1");
        assert_eq!(ifindex(0, &|_| Some("lo".into())), "0");
    }

    #[test]
    fn fcntl_and_poll() {
        // strace 6.1 on glibc's fcntl(F_GETOWN), as F_GETOWN_EX: `{type=F_OWNER_PGRP, pid=2471}`.
        assert_eq!(f_owner_ex(2, 2471), "{type=F_OWNER_PGRP, pid=2471}");
        assert_eq!(f_owner_ex(0, 0), "{type=F_OWNER_TID, pid=0}");
        assert_eq!(f_owner_ex(1, 9), "{type=F_OWNER_PID, pid=9}");
        assert_eq!(f_owner_ex(7, -1), "{type=0x7 /* F_OWNER_??? */, pid=-1}");
        assert_eq!(
            fcntl_arg(libc::F_SETFL, libc::O_NONBLOCK).unwrap(),
            "O_RDONLY|O_NONBLOCK"
        );
        assert_eq!(fcntl_arg(libc::F_GETFL, 0), None);
        assert_eq!(
            fcntl_arg(libc::F_SETFD, libc::FD_CLOEXEC).unwrap(),
            "FD_CLOEXEC"
        );
        assert_eq!(
            fcntl_ret(libc::F_GETFL, 0x802).unwrap(),
            "0x802 (flags O_RDWR|O_NONBLOCK)"
        );
        assert_eq!(poll_events(libc::POLLIN | libc::POLLOUT), "POLLIN|POLLOUT");
    }

    #[test]
    fn pid_prefix_like_strace_f() {
        assert_eq!(pid_prefix(100, 100, 100), None);
        assert_eq!(pid_prefix(100, 101, 100).as_deref(), Some("[pid   101] "));
        assert_eq!(pid_prefix(250, 250, 100).as_deref(), Some("[pid   250] "));
        assert_eq!(pid_prefix(1, 123456, 1).as_deref(), Some("[pid 123456] "));
    }

    #[test]
    fn cmsg_chains_decode_like_strace() {
        let mut b = Vec::new();
        let hdr = |b: &mut Vec<u8>, len: usize, level: i32, ty: i32| {
            b.extend_from_slice(&len.to_ne_bytes());
            b.extend_from_slice(&level.to_ne_bytes());
            b.extend_from_slice(&ty.to_ne_bytes());
        };
        hdr(&mut b, 28, libc::SOL_SOCKET, libc::SCM_CREDENTIALS);
        for v in [2266i32, 0, 0] {
            b.extend_from_slice(&v.to_ne_bytes());
        }
        b.extend_from_slice(&[0; 4]);
        hdr(&mut b, 24, libc::SOL_SOCKET, libc::SCM_RIGHTS);
        for v in [5i32, 6] {
            b.extend_from_slice(&v.to_ne_bytes());
        }
        hdr(&mut b, 17, libc::SOL_IP, libc::IP_TOS);
        b.extend_from_slice(&[0x10, 0, 0, 0, 0, 0, 0, 0]);
        hdr(&mut b, 36, libc::SOL_IPV6, 0x32);
        b.extend_from_slice(&[0; 24]);
        // strace 6.1's text for the same bytes (checked on a C program).
        assert_eq!(
            cmsgs(&b, &eth9),
            "[{cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=2266, uid=0, gid=0}}, \
             {cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5, 6]}, \
             {cmsg_len=17, cmsg_level=SOL_IP, cmsg_type=IP_TOS, cmsg_data=[0x10]}, \
             {cmsg_len=36, cmsg_level=SOL_IPV6, cmsg_type=0x32}]"
        );
        // IP_PKTINFO's interface: named by the lookup passed in; an int, so printed signed
        // when it names none.
        let pktinfo = |index: i32| {
            let mut b = Vec::new();
            hdr(&mut b, 28, libc::SOL_IP, libc::IP_PKTINFO);
            b.extend_from_slice(&index.to_ne_bytes());
            b.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 2]);
            cmsgs(&b, &eth9)
        };
        let want = |ifindex: &str| {
            format!(
                "[{{cmsg_len=28, cmsg_level=SOL_IP, cmsg_type=IP_PKTINFO, cmsg_data={{ipi_ifindex={ifindex}, \
                 ipi_spec_dst=inet_addr(\"127.0.0.1\"), ipi_addr=inet_addr(\"127.0.0.2\")}}}}]"
            )
        };
        assert_eq!(pktinfo(1), want("if_nametoindex(\"eth9\")"));
        assert_eq!(pktinfo(-3), want("-3"));
    }
}
