//! The trace line of each raw call, from its arguments and result: sockets, addresses, data,
//! messages, options, fcntl, CPU affinity and the int ioctls here; poll, select and epoll in
//! [`multiplex`]. Each fn's safety contract is its raw twin's: the caller of the raw fn
//! guarantees what these read.

// Each takes its C call's arguments plus the before-values, result and errno.
#![allow(clippy::too_many_arguments)]

mod multiplex;

use std::os::raw::{c_int, c_uint, c_ulong, c_void};
use std::slice;

use libc::{mmsghdr, msghdr, sockaddr, socklen_t, timespec};

pub(crate) use multiplex::*;

use super::fmt;
use super::read::{self, bytes, get, if_indextoname, msg_view, out_addr, read_array, shown};
use super::read::{wrote_reported, Data};
use crate::sys::Errno;

/// The fd, as strace prints it.
fn fd(fd: c_int) -> String {
    fd.to_string()
}

pub(crate) fn socket(d: c_int, t: c_int, p: c_int, ret: c_int, e: Errno) -> String {
    fmt::line("socket", &fmt::socket_args(d, t, p), ret as i64, e)
}

/// # Safety
/// As for `raw::socketpair`.
pub(crate) unsafe fn socketpair(
    d: c_int,
    t: c_int,
    p: c_int,
    sv: *const c_int,
    ret: c_int,
    e: Errno,
) -> String {
    let pair = if ret == 0 && !sv.is_null() {
        // SAFETY: socketpair succeeded, so it wrote two ints at `sv` (valid for both,
        // raw::socketpair's contract). Read unaligned: the kernel needs no alignment,
        // and the contract does not promise it.
        let (a, b) = unsafe { (sv.read_unaligned(), sv.add(1).read_unaligned()) };
        format!("[{a}, {b}]")
    } else {
        fmt::ptr(sv as usize)
    };
    let [d, t, p] = fmt::socket_args(d, t, p);
    fmt::line("socketpair", &[d, t, p, pair], ret as i64, e)
}

/// bind(2) and connect(2).
///
/// # Safety
/// `addr` is NULL or readable for `min(len, sizeof(sockaddr_storage))` bytes.
pub(crate) unsafe fn with_addr(
    name: &str,
    s: c_int,
    addr: *const sockaddr,
    len: socklen_t,
    ret: c_int,
    e: Errno,
) -> String {
    // SAFETY: the caller guarantees `addr` is NULL or readable for min(len,
    // sizeof(sockaddr_storage)) bytes (# Safety above), all `read::addr` reads.
    let a = unsafe { read::addr(addr, len) };
    fmt::line(name, &[fd(s), a, len.to_string()], ret as i64, e)
}

/// Calls whose arguments are all plain ints: listen, close.
pub(crate) fn ints(name: &str, args: &[c_int], ret: c_int, e: Errno) -> String {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    fmt::line(name, &args, ret as i64, e)
}

pub(crate) fn shutdown(s: c_int, how: c_int, ret: c_int, e: Errno) -> String {
    fmt::line("shutdown", &[fd(s), fmt::shut_how(how)], ret as i64, e)
}

/// accept, accept4 (with `flags`), getsockname, getpeername.
///
/// # Safety
/// As for `raw::accept`.
pub(crate) unsafe fn accept(
    name: &str,
    s: c_int,
    addr: *const sockaddr,
    addrlen: *const socklen_t,
    flags: Option<c_int>,
    before: Option<socklen_t>,
    ret: c_int,
    e: Errno,
) -> String {
    // SAFETY: raw::accept's contract (ours): both NULL, or `addrlen` readable and `addr`
    // holding the address the kernel wrote when the call succeeded, all `out_addr` reads.
    let [a, l] = unsafe { out_addr(addr, addrlen, before, ret != -1) };
    let mut args = vec![fd(s), a, l];
    if let Some(f) = flags {
        args.push(fmt::sock_flags(f));
    }
    fmt::line(name, &args, ret as i64, e)
}

/// read, recv (as recvfrom with NULL addresses, as glibc calls it) and recvfrom.
///
/// # Safety
/// As for `raw::recvfrom`; `from` is `None` for read.
pub(crate) unsafe fn recv(
    name: &str,
    s: c_int,
    buf: *const c_void,
    len: usize,
    flags: Option<c_int>,
    from: Option<(*const sockaddr, *const socklen_t)>,
    before: Option<socklen_t>,
    ret: isize,
    e: Errno,
) -> String {
    let written = match ret {
        r if r < 0 => None,
        r => match Data::received(s, flags.unwrap_or(0), r as usize) {
            Data::Received(n) => Some(n.min(len)),
            _ => None,
        },
    };
    let b = match written {
        // SAFETY: the call wrote min(ret, len) bytes at `buf` (`wrote_reported`).
        Some(n) => unsafe { shown(buf, n) }.map_or_else(|| fmt::ptr(0), fmt::buf),
        None => fmt::ptr(buf as usize),
    };
    let mut args = vec![fd(s), b, len.to_string()];
    if let Some(f) = flags {
        args.push(fmt::msg_flags(f));
    }
    if let Some((addr, addrlen)) = from {
        // SAFETY: raw::recvfrom's contract (ours): both NULL, or `addrlen` readable and
        // `addr` holding the address the kernel wrote on success, all `out_addr` reads.
        args.extend(unsafe { out_addr(addr, addrlen, before, ret >= 0) });
    }
    fmt::line(name, &args, ret as i64, e)
}

/// write, send (as sendto with no address, as glibc calls it) and sendto.
///
/// # Safety
/// As for `raw::sendto`; `to` is `None` for write.
pub(crate) unsafe fn send(
    name: &str,
    s: c_int,
    buf: *const c_void,
    len: usize,
    flags: Option<c_int>,
    to: Option<(*const sockaddr, socklen_t)>,
    ret: isize,
    e: Errno,
) -> String {
    // SAFETY: `buf` is readable for `len` bytes.
    let b = unsafe { shown(buf, len) }.map_or_else(|| fmt::ptr(0), fmt::buf);
    let mut args = vec![fd(s), b, len.to_string()];
    if let Some(f) = flags {
        args.push(fmt::msg_flags(f));
    }
    if let Some((addr, addrlen)) = to {
        // SAFETY: `addr` is NULL or readable for min(addrlen, sizeof(sockaddr_storage))
        // bytes (raw::sendto's contract), all `addr` reads.
        args.push(unsafe { read::addr(addr, addrlen) });
        args.push(addrlen.to_string());
    }
    fmt::line(name, &args, ret as i64, e)
}

/// # Safety
/// As for `raw::sendmsg`.
pub(crate) unsafe fn sendmsg(
    s: c_int,
    msg: *const msghdr,
    flags: c_int,
    ret: isize,
    e: Errno,
) -> String {
    // SAFETY: `msg` points to a valid msghdr (or is NULL); read unaligned, by value.
    let m = match unsafe { get(msg) } {
        // SAFETY: its buffers are readable for the lengths it states.
        Some(m) => fmt::msghdr(&unsafe { msg_view(&m, None, Data::Sent) }, &if_indextoname),
        None => fmt::ptr(0),
    };
    fmt::line("sendmsg", &[fd(s), m, fmt::msg_flags(flags)], ret as i64, e)
}

/// # Safety
/// As for `raw::recvmsg`; `before` is msg_namelen as read before the call.
pub(crate) unsafe fn recvmsg(
    s: c_int,
    msg: *const msghdr,
    flags: c_int,
    before: Option<socklen_t>,
    ret: isize,
    e: Errno,
) -> String {
    // SAFETY: `msg` points to a valid msghdr (or is NULL); read unaligned, by value.
    let m = match (unsafe { get(msg) }, before) {
        (None, _) | (_, None) => fmt::ptr(msg as usize),
        (Some(_), Some(b)) if ret < 0 => format!("{{msg_namelen={b}}}"),
        (Some(m), b) => {
            let data = Data::received(s, flags, ret as usize);
            // SAFETY: the kernel wrote its name and, per `data`, its iovecs' bytes.
            fmt::msghdr(&unsafe { msg_view(&m, b, data) }, &if_indextoname)
        }
    };
    fmt::line("recvmsg", &[fd(s), m, fmt::msg_flags(flags)], ret as i64, e)
}

/// # Safety
/// As for `raw::sendmmsg`.
pub(crate) unsafe fn sendmmsg(
    s: c_int,
    vec: *const mmsghdr,
    vlen: c_uint,
    flags: c_int,
    ret: c_int,
    e: Errno,
) -> String {
    let v = if vec.is_null() {
        fmt::ptr(0)
    } else {
        let shown = (vlen as usize).min(33);
        // SAFETY: `vec` points to `vlen` valid mmsghdrs; we read the first `shown`.
        let hdrs = unsafe { read_array(vec, shown) };
        // SAFETY: each msg_hdr is valid as for sendmsg.
        let msgs: Vec<_> = hdrs
            .iter()
            .map(|h| unsafe { msg_view(&h.msg_hdr, None, Data::Sent) })
            .collect();
        let sent = if ret > 0 { ret as usize } else { 0 };
        let lens: Vec<u32> = hdrs.iter().take(sent).map(|h| h.msg_len).collect();
        fmt::mmsghdrs(&msgs, &lens, &if_indextoname)
    };
    let args = [fd(s), v, vlen.to_string(), fmt::msg_flags(flags)];
    fmt::line("sendmmsg", &args, ret as i64, e)
}

/// What recvmmsg needs from before the call: each msg_namelen and the timeout.
pub(crate) type MmsgPre = (Vec<socklen_t>, Option<timespec>);

/// # Safety
/// As for `raw::recvmmsg`.
pub(crate) unsafe fn recvmmsg_pre(
    vec: *const mmsghdr,
    vlen: c_uint,
    timeout: *const timespec,
) -> MmsgPre {
    // SAFETY: `vec` is NULL or points to `vlen` valid mmsghdrs; we read at most 1024
    // (the kernel's UIO_MAXIOV cap on vlen).
    let hdrs = unsafe { read_array(vec, (vlen as usize).min(1024)) };
    // SAFETY: `timeout` is NULL or readable.
    (
        hdrs.iter().map(|h| h.msg_hdr.msg_namelen).collect(),
        unsafe { get(timeout) },
    )
}

/// # Safety
/// As for `raw::recvmmsg`; `pre` from [`recvmmsg_pre`].
pub(crate) unsafe fn recvmmsg(
    s: c_int,
    vec: *const mmsghdr,
    vlen: c_uint,
    flags: c_int,
    timeout: *const timespec,
    pre: MmsgPre,
    ret: c_int,
    e: Errno,
) -> String {
    let (namelens, ts_before) = pre;
    let v = if ret < 0 || vec.is_null() {
        fmt::ptr(vec as usize)
    } else {
        // The first 33 are all the line shows (32 and its `...`).
        let n = (ret as usize).min(vlen as usize).min(33);
        // SAFETY: the kernel filled the first `ret` (<= `vlen`) of the `vlen` mmsghdrs.
        let hdrs = unsafe { read_array(vec, n) };
        let wrote = wrote_reported(s, flags);
        let msgs: Vec<_> = hdrs
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let before = namelens.get(i).copied();
                let data = match h.msg_len as usize {
                    n if wrote || n == 0 => Data::Received(n),
                    _ => Data::Unwritten,
                };
                // SAFETY: the kernel wrote this message's name and, per `data`, its
                // iovecs' bytes.
                unsafe { msg_view(&h.msg_hdr, before, data) }
            })
            .collect();
        let lens: Vec<u32> = hdrs.iter().map(|h| h.msg_len).collect();
        fmt::mmsghdrs(&msgs, &lens, &if_indextoname)
    };
    let ts = |t: timespec| fmt::timespec(t.tv_sec, t.tv_nsec);
    let ts_arg = ts_before.map_or_else(|| fmt::ptr(timeout as usize), ts);
    let args = [fd(s), v, vlen.to_string(), fmt::msg_flags(flags), ts_arg];
    let ok = match ret {
        0 => Some("0 (Timeout)".to_string()),
        // SAFETY: `timeout` is NULL or readable (the kernel rewrote it).
        r => unsafe { get(timeout) }.map(|t| format!("{r} (left {})", ts(t))),
    };
    fmt::line_with("recvmmsg", &args, ret as i64, e, ok)
}

/// # Safety
/// As for `raw::setsockopt`.
pub(crate) unsafe fn setsockopt(
    s: c_int,
    level: c_int,
    name: c_int,
    val: *const c_void,
    len: socklen_t,
    ret: c_int,
    e: Errno,
) -> String {
    let [l, n] = fmt::sockopt_level_name(level, name);
    // SAFETY: `val` is NULL or points to `len` initialised bytes.
    let v = unsafe { setsockopt_val(level, name, val, len as usize) };
    fmt::line(
        "setsockopt",
        &[fd(s), l, n, v, len.to_string()],
        ret as i64,
        e,
    )
}

/// setsockopt's value. A struct with padding ([`fmt::padded_option`]) is read field by
/// field, never as bytes: its padding is not data, whatever the caller left there.
///
/// # Safety
/// `val` is NULL or points to `len` initialised bytes.
unsafe fn setsockopt_val(level: c_int, name: c_int, val: *const c_void, len: usize) -> String {
    use fmt::Padded;
    use libc::{group_req, sock_fprog};
    use std::mem::offset_of;
    let at = |off: usize| val.cast::<u8>().wrapping_add(off);
    match fmt::padded_option(level, name) {
        _ if val.is_null() => fmt::ptr(0),
        Some(Padded::Fprog) if len == size_of::<sock_fprog>() => {
            // SAFETY: `len` bytes are readable, a whole sock_fprog: its two fields, read
            // unaligned as the kernel allows any address.
            let (n, filter) = unsafe {
                (
                    at(offset_of!(sock_fprog, len))
                        .cast::<u16>()
                        .read_unaligned(),
                    at(offset_of!(sock_fprog, filter))
                        .cast::<usize>()
                        .read_unaligned(),
                )
            };
            fmt::sock_fprog(n, filter)
        }
        Some(Padded::GroupReq) if len >= size_of::<group_req>() => {
            let group = offset_of!(group_req, gr_group);
            // SAFETY: as above, a whole group_req: its interface, then its group (a
            // sockaddr_storage, which has no padding) as bytes.
            let (interface, bytes) = unsafe {
                (
                    at(offset_of!(group_req, gr_interface))
                        .cast::<u32>()
                        .read_unaligned(),
                    slice::from_raw_parts(at(group), size_of::<group_req>() - group),
                )
            };
            fmt::group_req(interface, bytes, &if_indextoname)
        }
        Some(_) => fmt::ptr(val as usize),
        // SAFETY: `val` is readable for `len` bytes, all initialised.
        None => fmt::setsockopt_val(level, name, val as usize, unsafe { shown(val, len) }),
    }
}

/// # Safety
/// As for `raw::getsockopt`; `before` is `*optlen` read before the call.
pub(crate) unsafe fn getsockopt(
    s: c_int,
    level: c_int,
    name: c_int,
    val: *const c_void,
    optlen: *const socklen_t,
    before: Option<socklen_t>,
    ret: c_int,
    e: Errno,
) -> String {
    let [l, n] = fmt::sockopt_level_name(level, name);
    // SAFETY: a non-NULL optlen is readable.
    let after = unsafe { get(optlen) };
    let (v, len) = match (before, after) {
        (Some(b), Some(a)) => {
            let v = if ret < 0 || (b as i32) <= 0 || (a as i32) <= 0 {
                fmt::ptr(val as usize)
            } else {
                // SAFETY: the kernel wrote min(b, a) bytes of value at `val`.
                let bytes = unsafe { shown(val, a.min(b) as usize) };
                bytes.map_or_else(|| fmt::ptr(0), |v| fmt::getsockopt_val(level, name, v))
            };
            (v, fmt::inout(b, a))
        }
        _ => (fmt::ptr(val as usize), fmt::ptr(optlen as usize)),
    };
    fmt::line("getsockopt", &[fd(s), l, n, v, len], ret as i64, e)
}

pub(crate) fn fcntl(f: c_int, cmd: c_int, arg: c_int, ret: c_int, e: Errno) -> String {
    let mut args = vec![fd(f), fmt::fcntl_cmd(cmd)];
    args.extend(fmt::fcntl_arg(cmd, arg));
    fmt::line_with("fcntl", &args, ret as i64, e, fmt::fcntl_ret(cmd, ret))
}

/// `fcntl(fd, F_GETOWN_EX, owner)` as strace prints it: the `struct f_owner_ex` the kernel
/// wrote (`(kind, pid)`, read by the caller), or its address `at` when the call failed.
#[cfg_attr(not(feature = "inline-syscalls"), allow(dead_code))]
pub(crate) fn fcntl_getown_ex(
    f: c_int,
    at: usize,
    owner: (c_int, c_int),
    ret: c_int,
    e: Errno,
) -> String {
    let shown = if ret < 0 {
        fmt::ptr(at)
    } else {
        fmt::f_owner_ex(owner.0, owner.1)
    };
    let args = [fd(f), fmt::fcntl_cmd(F_GETOWN_EX), shown];
    fmt::line("fcntl", &args, ret as i64, e)
}

/// `F_GETOWN_EX` (<linux/fcntl.h>; not in the `libc` crate for glibc targets).
const F_GETOWN_EX: c_int = 16;

/// sched_setaffinity, sched_getaffinity: `pid, cpusetsize, [cpus]`, the mask decoded
/// only when `show` (set: always; get: after success), its address otherwise.
///
/// # Safety
/// When `show`, a non-NULL `mask` is readable for `size` bytes.
pub(crate) unsafe fn affinity(
    name: &str,
    pid: libc::pid_t,
    size: libc::size_t,
    mask: *const libc::cpu_set_t,
    show: bool,
    ret: c_int,
    e: Errno,
) -> String {
    let bits = if show {
        // SAFETY: per the caller, when `show` a non-NULL mask is readable for `size` bytes.
        unsafe { bytes(mask.cast(), size) }
    } else {
        None
    };
    let m = bits.map_or_else(|| fmt::ptr(mask as usize), fmt::cpu_mask);
    fmt::line(name, &[pid.to_string(), size.to_string(), m], ret as i64, e)
}

/// `ioctl(4, FIONREAD, [1]) = 0`: the int when the call wrote it (`Ok`), else the pointer.
pub(crate) fn ioctl_int(
    fd: c_int,
    req: c_ulong,
    value: Result<c_int, usize>,
    ret: c_int,
    e: Errno,
) -> String {
    let v = value.map_or_else(fmt::ptr, |v| format!("[{v}]"));
    fmt::line(
        "ioctl",
        &[fd.to_string(), fmt::ioctl_int_req(req), v],
        ret as i64,
        e,
    )
}
