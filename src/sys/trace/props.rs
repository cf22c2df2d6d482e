//! Property tests of every line builder and decoder the trace has: whatever bytes, lengths,
//! counts, times, flags, families and return values a caller may pass or the kernel may return
//! (within each raw call's contract), building the line must not panic, must read only inside
//! the memory the contract names, and must give a line the tests' strace-line reader accepts
//! (`tests/common/strace_line.rs`: a call name, balanced arguments, a well-formed result).
//!
//! Values are full-range: every integer field is drawn from its whole type, with its edges
//! (`MIN`, `MAX`, `MAX - 7`, `-1`, 0…) drawn often, since a uniform draw almost never hits the
//! few values an overflow needs (`cmsg_len` in `usize::MAX - 6..=usize::MAX`, a `tv_usec` near
//! `i64::MAX / 1000`). Only what the contract bounds is bounded: a buffer's length by its
//! memory, an array's count by its elements. Run in a debug build (`cargo test`: overflow
//! checks on), so an overflow fails as a panic.
//!
//! Every pointer a case builds points into memory the case owns (a byte pool, a
//! `sockaddr_storage`, a control buffer), with lengths inside it, as the raw contracts require;
//! the lengths the hook must clamp itself (an `addrlen` above `sizeof(sockaddr_storage)`, a
//! kernel `*addrlen`/`*optlen` above the caller's, a `ret` above `vlen` or `maxevents`) are
//! arbitrary. The calls the hook makes itself (`getsockopt(SO_TYPE)` on a receive's fd) go to
//! the case's own sockets or to fd -1.
//!
//! `cargo test` runs a bounded number of cases (a few hundred per property); set
//! `PROPTEST_CASES` for more: `PROPTEST_CASES=20000 cargo test --lib props`.

use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::raw::{c_int, c_uint, c_void};

use libc::{cmsghdr, iovec, mmsghdr, msghdr, pollfd, sockaddr, sockaddr_storage, socklen_t};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::line;
use super::read::{msg_view, Data};
use crate::sys::{fmt, Errno};

#[path = "../../../tests/common/strace_line.rs"]
mod strace_line;

/// Bytes every buffer pointer of a case points into.
const POOL: usize = 256;
/// `sizeof(sockaddr_storage)`.
const STORAGE: usize = size_of::<sockaddr_storage>();
/// The control buffer, in `u64`s so a `cmsghdr` can be written at any 8-byte offset.
const CONTROL_WORDS: usize = 16;

/// The interfaces the formatter's own properties see: a name for every odd index (up to
/// IFNAMSIZ - 1 bytes, as the kernel's), none for the rest. The builders look up the host's.
fn ifname(index: u32) -> Option<String> {
    (index % 2 == 1).then(|| format!("if{index}"))
}

/// `cases` per property, or `PROPTEST_CASES` when set (an explicit count would override it).
fn config(cases: u32) -> ProptestConfig {
    let env = std::env::var("PROPTEST_CASES").ok();
    ProptestConfig::with_cases(env.and_then(|v| v.parse().ok()).unwrap_or(cases))
}

/// `full_T()`: any `T`, with its edge values drawn a third of the time.
macro_rules! full_range {
    ($($name:ident: $t:ty),* $(,)?) => {$(
        fn $name() -> impl Strategy<Value = $t> {
            let edges: Vec<$t> = vec![
                <$t>::MIN,
                <$t>::MIN.wrapping_add(1),
                <$t>::MAX,
                <$t>::MAX - 1,
                <$t>::MAX - 6,
                <$t>::MAX - 7,
                <$t>::MAX - 8,
                <$t>::MAX / 10,
                <$t>::MAX / 1000 + 1,
                0,
                1,
                7,
                8,
                16,
                (0 as $t).wrapping_sub(1),
            ];
            prop_oneof![2 => any::<$t>(), 1 => prop::sample::select(edges)]
        }
    )*};
}
full_range!(
    full_i16: i16,
    full_i32: i32,
    full_u32: u32,
    full_i64: i64,
    full_u64: u64,
    full_usize: usize,
    full_isize: isize,
    full_u16: u16,
);

/// Asserts that `line` reads as a strace line of call `name`.
fn check(line: &str, name: &str) -> Result<(), TestCaseError> {
    let (n, _, _) = strace_line::parse(line).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(n, name, "{}", line);
    Ok(())
}

/// Asserts that a decoder's text reads as an argument of a strace line.
fn check_arg(text: &str) -> Result<(), TestCaseError> {
    prop_assert!(!text.is_empty());
    check(&format!("arg({text}) = 0"), "arg")
}

fn storage_from(bytes: &[u8; STORAGE]) -> sockaddr_storage {
    // SAFETY: sockaddr_storage is a C struct of integers; all zero bytes is a valid value.
    let mut s: sockaddr_storage = unsafe { zeroed() };
    // SAFETY: `s` is STORAGE bytes of plain integers, valid for any byte pattern.
    unsafe {
        std::ptr::addr_of_mut!(s)
            .cast::<[u8; STORAGE]>()
            .write(*bytes)
    };
    s
}

/// The families to decode: the ones socklab decodes, and any other.
fn family() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(libc::AF_INET as u16),
        Just(libc::AF_INET6 as u16),
        Just(libc::AF_UNIX as u16),
        Just(libc::AF_UNSPEC as u16),
        full_u16(),
    ]
}

/// 128 arbitrary bytes starting with `family`; for AF_INET6, often a link-local address (so
/// `sin6_scope_id` takes the interface-name path).
fn sockaddr_bytes() -> impl Strategy<Value = [u8; STORAGE]> {
    (
        family(),
        any::<[u8; 32]>(),
        any::<bool>(),
        any::<[u8; 32]>(),
        full_u32(),
    )
        .prop_map(|(fam, head, link_local, tail, scope)| {
            let mut b = [0u8; STORAGE];
            for (i, x) in b.iter_mut().enumerate() {
                *x = head[i % 32] ^ tail[(i / 32) % 32].rotate_left(i as u32);
            }
            b[..2].copy_from_slice(&fam.to_ne_bytes());
            if fam == libc::AF_INET6 as u16 && link_local {
                b[8..10].copy_from_slice(&[0xfe, 0x80]);
                b[24..28].copy_from_slice(&scope.to_ne_bytes());
            }
            b
        })
}

/// Any errno value, the known ones often.
fn errno() -> impl Strategy<Value = Errno> {
    prop_oneof![0..140, full_i32()].prop_map(Errno::from_raw)
}

/// `(offset, len)` of a buffer inside the pool.
fn span() -> impl Strategy<Value = (usize, usize)> {
    (0..=POOL).prop_flat_map(|off| (Just(off), 0..=POOL - off))
}

/// A socket level, the decoded ones often.
fn level() -> impl Strategy<Value = c_int> {
    prop_oneof![
        Just(libc::SOL_SOCKET),
        Just(libc::SOL_IP),
        Just(libc::SOL_IPV6),
        Just(libc::SOL_TCP),
        Just(libc::SOL_UDP),
        Just(libc::SOL_PACKET),
        full_i32(),
    ]
}

/// An option name, or a cmsg type, the decoded ones often.
fn optname() -> impl Strategy<Value = c_int> {
    use libc::*;
    prop_oneof![
        prop::sample::select(vec![
            SO_LINGER,
            SO_ERROR,
            SO_RCVBUF,
            SO_ATTACH_FILTER,
            SO_ATTACH_REUSEPORT_CBPF,
            MCAST_JOIN_GROUP,
            MCAST_LEAVE_GROUP,
            MCAST_BLOCK_SOURCE,
            MCAST_JOIN_SOURCE_GROUP,
            MCAST_MSFILTER,
            PACKET_FANOUT_DATA,
            SCM_RIGHTS,
            SCM_CREDENTIALS,
            IP_PKTINFO,
            IP_TTL,
            IP_TOS,
        ]),
        0..80,
        full_i32(),
    ]
}

/// A msghdr as the case will build it.
#[derive(Debug, Clone)]
struct MsgSpec {
    /// `None`: NULL msg_name; else msg_namelen (any value; the name is a sockaddr_storage).
    namelen: Option<u32>,
    /// Each iovec inside the pool; `None`: a NULL base with length 0.
    iov: Vec<Option<(usize, usize)>>,
    /// msg_iovlen = min(this, iov.len()).
    iovlen: usize,
    /// `(cmsg_len, cmsg_level, cmsg_type)` of a chain written into the control buffer, over
    /// arbitrary data bytes, and msg_controllen.
    cmsgs: Vec<(usize, i32, i32)>,
    control: [u64; CONTROL_WORDS],
    controllen: usize,
    flags: i32,
    /// For mmsghdr: the kernel's msg_len.
    msg_len: u32,
}

fn msg_spec() -> impl Strategy<Value = MsgSpec> {
    (
        prop::option::of(full_u32()),
        prop::collection::vec(prop::option::weighted(0.9, span()), 0..40),
        0..48usize,
        prop::collection::vec((full_usize(), level(), optname()), 0..6),
        any::<[u64; CONTROL_WORDS]>(),
        0..=CONTROL_WORDS * 8,
        full_i32(),
        full_u32(),
    )
        .prop_map(
            |(namelen, iov, iovlen, cmsgs, control, controllen, flags, msg_len)| MsgSpec {
                namelen,
                iov,
                iovlen,
                cmsgs,
                control,
                controllen,
                flags,
                msg_len,
            },
        )
}

/// The memory one msghdr points into, kept alive while the hook reads it.
struct Built {
    _iov: Vec<iovec>,
    _control: Box<[u64; CONTROL_WORDS]>,
    hdr: msghdr,
}

fn build(spec: &MsgSpec, pool: &mut [u8; POOL], name: &mut sockaddr_storage) -> Built {
    let base = pool.as_mut_ptr();
    let mut iov: Vec<iovec> = spec
        .iov
        .iter()
        .map(|s| match *s {
            Some((off, len)) => iovec {
                // `off + len <= POOL`: inside the pool.
                iov_base: base.wrapping_add(off).cast(),
                iov_len: len,
            },
            None => iovec {
                iov_base: std::ptr::null_mut(),
                iov_len: 0,
            },
        })
        .collect();
    let mut control = Box::new(spec.control);
    // A cmsg chain with arbitrary headers, one per 16 bytes, over arbitrary data.
    for (i, &(len, level, ty)) in spec.cmsgs.iter().enumerate().take(CONTROL_WORDS / 2) {
        let h = cmsghdr {
            cmsg_len: len as _,
            cmsg_level: level,
            cmsg_type: ty,
        };
        let at = control[i * 2..].as_mut_ptr().cast::<cmsghdr>();
        // SAFETY: a cmsghdr is 16 bytes on 64-bit Linux (12 on 32-bit), and words 2i, 2i+1
        // of the 16-word buffer are in bounds and 8-byte aligned.
        unsafe { at.write(h) };
    }
    // SAFETY: msghdr is a C struct of integers and pointers; all zero (NULL) is valid.
    let mut hdr: msghdr = unsafe { zeroed() };
    if let Some(n) = spec.namelen {
        hdr.msg_name = std::ptr::addr_of_mut!(*name).cast();
        hdr.msg_namelen = n;
    }
    hdr.msg_iov = iov.as_mut_ptr();
    hdr.msg_iovlen = spec.iovlen.min(iov.len());
    hdr.msg_control = control.as_mut_ptr().cast();
    hdr.msg_controllen = spec.controllen;
    hdr.msg_flags = spec.flags;
    Built {
        _iov: iov,
        _control: control,
        hdr,
    }
}

/// A UDP, TCP or Unix datagram socket, or none (fd -1): what `wrote_reported` asks SO_TYPE
/// and SO_DOMAIN of.
fn socket_for(kind: u8) -> Option<OwnedFd> {
    let (domain, ty) = match kind % 4 {
        0 => (libc::AF_INET, libc::SOCK_DGRAM),
        1 => (libc::AF_INET, libc::SOCK_STREAM),
        2 => (libc::AF_UNIX, libc::SOCK_DGRAM),
        _ => return None,
    };
    Some(crate::sys::socket(domain, ty, 0).unwrap())
}

fn fd_of(s: &Option<OwnedFd>) -> c_int {
    s.as_ref().map_or(-1, |s| s.as_raw_fd())
}

/// Receive flags: often MSG_TRUNC (with MSG_PEEK), else any.
fn recv_flags() -> impl Strategy<Value = c_int> {
    prop_oneof![
        Just(libc::MSG_TRUNC),
        Just(libc::MSG_TRUNC | libc::MSG_PEEK),
        full_i32(),
        Just(0)
    ]
}

/// A `timespec`/`timeval` pair of fields, or NULL.
fn times() -> impl Strategy<Value = Option<(i64, i64)>> {
    prop::option::weighted(0.8, (full_i64(), full_i64()))
}

proptest! {
    #![proptest_config(config(256))]

    /// Every family × every length 0..=128 (and lengths past the storage), as bind/connect/
    /// sendto hand it to the hook, and as an address the kernel wrote back.
    #[test]
    fn sockaddrs_of_any_family_and_length(
        bytes in sockaddr_bytes(),
        long in (STORAGE as u32 + 1)..,
        s in full_i32(),
        after in full_u32(),
        ret in full_i32(),
        sent in full_isize(),
        e in errno(),
    ) {
        let st = storage_from(&bytes);
        let p: *const sockaddr = std::ptr::addr_of!(st).cast();
        for len in (0..=STORAGE as u32).chain([long, u32::MAX]) {
            let shown = &bytes[..(len as usize).min(STORAGE)];
            check_arg(&fmt::sockaddr(p as usize, Some(shown), &ifname))?;
            // SAFETY: `p` is readable for min(len, sizeof(sockaddr_storage)) bytes.
            let l = unsafe { line::with_addr("bind", s, p, len, ret, e) };
            check(&l, "bind")?;
            prop_assert!(l.ends_with(&format!(", {len}) = {}", if ret == -1 {
                format!("-1 {e}")
            } else {
                ret.to_string()
            })), "{}", l);
            // SAFETY: as above; the buffer is readable for 0 bytes.
            let l = unsafe { line::send("sendto", s, p.cast(), 0, Some(ret), Some((p, len)), sent, e) };
            check(&l, "sendto")?;
            // The kernel's *addrlen after accept/getsockname is any value; before it is the
            // buffer's size (at most the storage here).
            let before = len.min(STORAGE as socklen_t);
            let addrlen = after;
            for flags in [None, Some(ret)] {
                // SAFETY: `addrlen` is a live local; `p` is readable for `before` bytes.
                let l = unsafe { line::accept("accept4", s, p, &addrlen, flags, Some(before), ret, e) };
                check(&l, "accept4")?;
            }
            // SAFETY: NULL address and length, as accept(fd, NULL, NULL).
            let l = unsafe { line::accept("accept", s, std::ptr::null(), std::ptr::null(), None, None, ret, e) };
            check(&l, "accept")?;
        }
    }

    /// recv/recvfrom/read and send/sendto/write over any buffer, flags and return value.
    #[test]
    fn buffers_and_return_values(
        pool in any::<[u8; POOL]>(),
        (off, len) in span(),
        ret in prop_oneof![full_isize(), -1..=(POOL as isize) * 2],
        flags in recv_flags(),
        kind in any::<u8>(),
        name in sockaddr_bytes(),
        before in 0..=STORAGE as socklen_t,
        after in full_u32(),
        addrlen in full_u32(),
        e in errno(),
    ) {
        let sock = socket_for(kind);
        let fd = fd_of(&sock);
        let buf = pool[off..].as_ptr().cast::<c_void>();
        let s = storage_from(&name);
        let addr: *const sockaddr = std::ptr::addr_of!(s).cast();
        let kernel_len = after;
        let from = Some((addr, std::ptr::addr_of!(kernel_len)));
        // SAFETY: `buf` is valid for `len` bytes (inside the pool); `addr` for `before`
        // (<= storage) bytes and `kernel_len` is a live local.
        let l = unsafe {
            line::recv("recvfrom", fd, buf, len, Some(flags), from, Some(before), ret, e)
        };
        check(&l, "recvfrom")?;
        // The kernel reported bytes it did not write: the dump must be the pointer.
        let truncated_stream = ret > 0 && flags & libc::MSG_TRUNC != 0 && kind % 4 == 1;
        if truncated_stream {
            prop_assert!(l.contains(&format!(", {}, {len}, ", fmt::ptr(buf as usize))), "{}", l);
        }
        // SAFETY: as above, with no address.
        let l = unsafe { line::recv("read", fd, buf, len, None, None, None, ret, e) };
        check(&l, "read")?;
        // SAFETY: `buf` is readable for `len` bytes; `addr` for min(addrlen, storage) bytes.
        let l = unsafe {
            line::send("sendto", fd, buf, len, Some(flags), Some((addr, addrlen)), ret, e)
        };
        check(&l, "sendto")?;
        // SAFETY: as above, with no address.
        let l = unsafe { line::send("write", fd, buf, len, None, None, ret, e) };
        check(&l, "write")?;
    }

    /// sendmsg/recvmsg over any msghdr: name lengths, iovec counts and lengths, control data
    /// with arbitrary headers, flags and return values.
    #[test]
    fn msghdrs(
        spec in msg_spec(),
        mut pool in any::<[u8; POOL]>(),
        name in sockaddr_bytes(),
        before in prop::option::of(full_u32()),
        ret in prop_oneof![full_isize(), -1..=(POOL as isize) * 4],
        flags in recv_flags(),
        kind in any::<u8>(),
        e in errno(),
    ) {
        let sock = socket_for(kind);
        let fd = fd_of(&sock);
        let mut s = storage_from(&name);
        let mut b = build(&spec, &mut pool, &mut s);
        let m: *mut msghdr = &mut b.hdr;
        // SAFETY: `m` is valid: its name is a whole sockaddr_storage, its iovecs lie in the
        // pool, its control buffer holds msg_controllen bytes.
        let l = unsafe { line::sendmsg(fd, m, flags, ret, e) };
        check(&l, "sendmsg")?;
        if spec.controllen != 0 {
            // The chain decoded as strace does (`msg_control=[...]`), or its pointer.
            let control = format!("msg_control={}", fmt::ptr(b.hdr.msg_control as usize));
            prop_assert!(l.contains(&control) || l.contains("msg_control=["), "{}", l);
        }
        // SAFETY: as above; `before` is any msg_namelen the caller may have set.
        let l = unsafe { line::recvmsg(fd, m, flags, before, ret, e) };
        check(&l, "recvmsg")?;
        // SAFETY: a NULL msghdr is printed, never read.
        check(&unsafe { line::sendmsg(fd, std::ptr::null(), flags, ret, e) }, "sendmsg")?;
        // The views themselves, for every kind of data.
        for data in [Data::Sent, Data::Received(ret.unsigned_abs()), Data::Unwritten] {
            // SAFETY: as above.
            let v = unsafe { msg_view(&b.hdr, before, data) };
            prop_assert!(v.iov.len() <= 33);
            if matches!(data, Data::Unwritten) {
                prop_assert!(v.iov.iter().all(|i| i.bytes.is_none()));
            }
            let text = fmt::msghdr(&v, &ifname);
            prop_assert!(text.starts_with("{msg_name="), "{}", text);
            check_arg(&text)?;
        }
    }

    /// setsockopt/getsockopt with any level, option, value bytes and (kernel) lengths.
    #[test]
    fn sockopts(
        pool in any::<[u8; POOL]>(),
        (off, len) in span(),
        level in level(),
        name in optname(),
        s in full_i32(),
        after in full_u32(),
        ret in full_i32(),
        e in errno(),
    ) {
        let val = pool[off..].as_ptr().cast::<c_void>();
        // SAFETY: `val` points to `len` initialised bytes (inside the pool).
        let l = unsafe { line::setsockopt(s, level, name, val, len as socklen_t, ret, e) };
        check(&l, "setsockopt")?;
        // SAFETY: a NULL value is printed, never read.
        let l = unsafe { line::setsockopt(s, level, name, std::ptr::null(), len as socklen_t, ret, e) };
        check(&l, "setsockopt")?;
        let optlen = after;
        // SAFETY: `val` is valid for `len` bytes, the `*optlen` the caller set before the call;
        // `optlen` (the kernel's rewrite, any value) is a live local.
        let l = unsafe {
            line::getsockopt(s, level, name, val, &optlen, Some(len as socklen_t), ret, e)
        };
        check(&l, "getsockopt")?;
        // SAFETY: NULL value and length are printed, never read.
        let l = unsafe {
            line::getsockopt(s, level, name, std::ptr::null(), std::ptr::null(), None, ret, e)
        };
        check(&l, "getsockopt")?;
    }

    /// poll, fcntl, socket, socketpair, listen, shutdown, close and the affinity calls: any
    /// values in every field.
    #[test]
    fn the_other_calls(
        pfds in prop::collection::vec((full_i32(), full_i16(), full_i16()), 0..40),
        a in full_i32(),
        b in full_i32(),
        c in full_i32(),
        cmd in prop_oneof![
            prop::sample::select(vec![
                libc::F_GETFL, libc::F_SETFL, libc::F_GETFD, libc::F_SETFD, libc::F_DUPFD,
                libc::F_GETOWN, libc::F_SETOWN,
            ]),
            full_i32(),
        ],
        ret in full_i32(),
        pool in any::<[u8; POOL]>(),
        size in 0..=POOL,
        any_size in full_usize(),
        e in errno(),
    ) {
        let fds: Vec<pollfd> =
            pfds.iter().map(|&(fd, events, revents)| pollfd { fd, events, revents }).collect();
        let p = if fds.is_empty() { std::ptr::null() } else { fds.as_ptr() };
        // SAFETY: `p` points to `fds.len()` pollfds (or is NULL with nfds 0).
        let l = unsafe { line::poll(p, fds.len() as libc::nfds_t, a, ret, e) };
        check(&l, "poll")?;
        check(&line::fcntl(a, cmd, c, ret, e), "fcntl")?;
        check(&line::socket(a, b, c, ret, e), "socket")?;
        let sv = [b, c];
        for pair in [sv.as_ptr(), std::ptr::null()] {
            // SAFETY: `pair` holds two ints or is NULL.
            let l = unsafe { line::socketpair(a, b, c, pair, ret, e) };
            check(&l, "socketpair")?;
        }
        check(&line::shutdown(a, b, ret, e), "shutdown")?;
        check(&line::ints("close", &[a], ret, e), "close")?;
        check(&line::ints("listen", &[a, b], ret, e), "listen")?;
        let mask = pool.as_ptr().cast::<libc::cpu_set_t>();
        // SAFETY: `mask` is readable for `size` (<= POOL) bytes.
        let l = unsafe { line::affinity("sched_getaffinity", a, size, mask, true, ret, e) };
        check(&l, "sched_getaffinity")?;
        // SAFETY: not shown: the mask is printed as its pointer, never read.
        let l = unsafe { line::affinity("sched_setaffinity", a, any_size, mask, false, ret, e) };
        check(&l, "sched_setaffinity")?;
        // The inline build's F_GETOWN: any owner the kernel could write, any result.
        let owner = (b, c);
        check(&line::fcntl_getown_ex(a, any_size, owner, ret, e), "fcntl")?;
        check_arg(&fmt::f_owner_ex(b, c))?;
    }

    /// The marked line of a refused call, for any error text (control characters, quotes,
    /// brackets, ` = `, ` ---`): one line, told apart by `is_refusal`, never read as a call.
    #[test]
    fn refusals(
        code in errno(),
        args in any::<String>(),
        note in prop::option::of(any::<String>()),
        tail in prop::sample::select(vec!["", ") = 0", " = -1 EINVAL (x)", " ---", "\n"]),
    ) {
        let args = format!("{args}{tail}");
        let mut err = crate::sys::Error::new(code, "sendmsg", args);
        if let Some(note) = note {
            err = err.with_note(note);
        }
        let l = fmt::refusal(&err);
        prop_assert!(!l.contains(['\n', '\r']), "{}", l);
        prop_assert!(fmt::is_refusal(&l), "{}", l);
        prop_assert!(strace_line::parse(&l).is_err(), "read as a call: {}", l);
    }

    /// select and pselect (as pselect6): any nfds, any sets, any timeval or timespec before and
    /// after, any sigmask, any result.
    #[test]
    fn selects(
        nfds in full_i32(),
        sets in [
            prop::option::of(any::<[u64; 16]>()),
            prop::option::of(any::<[u64; 16]>()),
            prop::option::of(any::<[u64; 16]>()),
        ],
        before in times(),
        left in (full_i64(), full_i64()),
        sigmask in prop::option::of(any::<[u64; 16]>()),
        ret in full_i32(),
        e in errno(),
    ) {
        let mut sets = sets;
        // Each set is NULL or a whole fd_set (128 bytes: all the hook reads of any nfds).
        let ptrs = sets.each_mut().map(|s| {
            s.as_mut().map_or(std::ptr::null_mut(), |w| w.as_mut_ptr().cast::<libc::fd_set>())
        });
        let mut tv = before.map(|(s, u)| libc::timeval { tv_sec: s, tv_usec: u });
        let tvp = tv.as_mut().map_or(std::ptr::null_mut(), |t| t as *mut libc::timeval);
        // SAFETY: the sets are NULL or fd_sets, the timeval NULL or live.
        let pre = unsafe { line::select_pre(nfds, ptrs, tvp) };
        if let Some(t) = tv.as_mut() {
            (t.tv_sec, t.tv_usec) = left; // glibc rewrites the timeval
        }
        // SAFETY: as above.
        let l = unsafe { line::select(nfds, ptrs, pre, tvp, None, ret, e) };
        check(&l, "pselect6")?;
        let ts = before.map(|(s, n)| libc::timespec { tv_sec: s, tv_nsec: n });
        let tsp = ts.as_ref().map_or(std::ptr::null(), |t| t as *const libc::timespec);
        let mask = sigmask.as_ref().map_or(0, |m| m.as_ptr() as usize);
        // SAFETY: as above; the timespec is NULL or live, the sigmask NULL or 128 bytes.
        let pre = unsafe { line::pselect_pre(nfds, ptrs, tsp) };
        // SAFETY: as above.
        let l = unsafe { line::select(nfds, ptrs, pre, std::ptr::null(), Some(mask), ret, e) };
        check(&l, "pselect6")?;
    }

    /// epoll_create1, epoll_ctl, epoll_wait and epoll_pwait, and the int ioctls: any values,
    /// and a result above `maxevents` (the hook clamps it rather than trusting it).
    #[test]
    fn epolls_and_ioctls(
        evs in prop::collection::vec((full_u32(), full_u64()), 0..40),
        max in full_i32(),
        a in full_i32(),
        b in full_i32(),
        c in full_i32(),
        event in prop::option::of((full_u32(), full_u64())),
        sigmask in prop::option::of(any::<[u64; 16]>()),
        req in prop_oneof![
            prop::sample::select(vec![libc::FIONREAD, libc::TIOCOUTQ, 0x894b, 0x8905]),
            full_u64(),
        ],
        value in prop_oneof![full_i32().prop_map(Ok), full_usize().prop_map(Err)],
        ret in full_i32(),
        e in errno(),
    ) {
        check(&line::epoll_create1(a, ret, e), "epoll_create1")?;
        let ev = event.map(|(events, u64)| libc::epoll_event { events, u64 });
        let evp = ev.as_ref().map_or(std::ptr::null(), |v| v as *const libc::epoll_event);
        // SAFETY: `evp` is NULL or a live epoll_event.
        check(&unsafe { line::epoll_ctl(a, b, c, evp, ret, e) }, "epoll_ctl")?;
        let events: Vec<libc::epoll_event> =
            evs.iter().map(|&(events, u64)| libc::epoll_event { events, u64 }).collect();
        // The contract: the buffer holds `maxevents` events; the kernel wrote `ret` of them.
        let max = if max > events.len() as c_int { events.len() as c_int } else { max };
        let p = if events.is_empty() { std::ptr::null() } else { events.as_ptr() };
        let mask = sigmask.as_ref().map_or(0, |m| m.as_ptr() as usize);
        for (name, sig) in [("epoll_wait", None), ("epoll_pwait", Some(mask))] {
            // SAFETY: `p` holds `max` (or more) events, or is NULL; the sigmask is NULL or 128
            // bytes.
            let l = unsafe { line::epoll_wait(a, p, max, b, sig, ret, e) };
            check(&l, name)?;
        }
        check(&line::ioctl_int(a, req, value, ret, e), "ioctl")?;
    }

    /// The pure formatters on any bytes and values.
    #[test]
    fn formatters(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        storage in sockaddr_bytes(),
        level in level(),
        name in optname(),
        v in full_i32(),
        w in full_i32(),
        x in full_i32(),
        big in full_i64(),
        small in full_i64(),
        u in full_u32(),
        word in full_u64(),
        p in full_usize(),
        len16 in full_u16(),
        ret in full_i64(),
        e in errno(),
    ) {
        prop_assert!(fmt::quote(&bytes).starts_with('"'));
        check_arg(&fmt::buf(&bytes))?;
        prop_assert!(fmt::quote_hex(&bytes).len() == 2 + 4 * bytes.len());
        for (lvl, n) in [(level, name), (level, v), (libc::SOL_SOCKET, v), (libc::SOL_IP, v)] {
            check_arg(&fmt::setsockopt_val(lvl, n, p, Some(&bytes)))?;
            check_arg(&fmt::setsockopt_val(lvl, n, p, None))?;
            check_arg(&fmt::getsockopt_val(lvl, n, &bytes))?;
            let [l, o] = fmt::sockopt_level_name(lvl, n);
            check_arg(&l)?;
            check_arg(&o)?;
        }
        check_arg(&fmt::sock_fprog(len16, p))?;
        check_arg(&fmt::group_req(u, &storage, &ifname))?;
        check_arg(&fmt::ifindex(u, &ifname))?;
        check_arg(&fmt::cpu_mask(&bytes))?;
        for a in fmt::socket_args(v, w, x) {
            check_arg(&a)?;
        }
        for t in [fmt::sock_flags(v), fmt::msg_flags(v), fmt::shut_how(v), fmt::family(big)] {
            check_arg(&t)?;
        }
        check_arg(&fmt::sock_type(v))?;
        check_arg(&fmt::protocol(v, w))?;
        check_arg(&fmt::fcntl_cmd(v))?;
        if let Some(a) = fmt::fcntl_arg(v, w) {
            check_arg(&a)?;
        }
        if let Some(r) = fmt::fcntl_ret(v, w) {
            check(&format!("fcntl(3) = {r}"), "fcntl")?;
        }
        check_arg(&fmt::poll_events(v as i16))?;
        check_arg(&fmt::pollfd_in(v, w as i16))?;
        check_arg(&fmt::inout(u, w as u32))?;
        check_arg(&fmt::ptr(p))?;
        check_arg(&fmt::timespec(big, small))?;
        check_arg(&fmt::timeval(big, small))?;
        check_arg(&fmt::select_timeval(big, small))?;
        check_arg(&fmt::select_left(big, small))?;
        if let Some((s, ns)) = fmt::select_timeout(big, small) {
            prop_assert!(s >= big && (0..1_000_000_000).contains(&ns), "{} {}", s, ns);
        }
        check_arg(&fmt::fd_set(&bytes, v))?;
        let sets = [Some(bytes.clone()), None, Some(bytes.iter().rev().copied().collect())];
        let left = Some(fmt::timespec(big, small));
        if v >= 0 {
            // As its caller uses it: for a successful select.
            let r = fmt::select_ret(v, w, &sets, left);
            check(&format!("pselect6(1) = {r}"), "pselect6")?;
        }
        check_arg(&fmt::epoll_flags(v))?;
        check_arg(&fmt::epoll_ctl_op(v))?;
        check_arg(&fmt::epoll_events(u))?;
        check_arg(&fmt::epoll_event(u, word))?;
        check_arg(&fmt::ioctl_int_req(word))?;
        check_arg(&fmt::sigset(&bytes))?;
        check_arg(&fmt::cmsgs(&bytes, &ifname))?;
        check_arg(&fmt::sockaddr(p, Some(&bytes), &ifname))?;
        check_arg(&fmt::sockaddr(p, Some(&storage), &ifname))?;
        if let Some(prefix) = fmt::pid_prefix(v, w, x) {
            prop_assert!(prefix.starts_with("[pid ") && prefix.ends_with("] "), "{}", prefix);
        }
        check(&fmt::line("call", &[fmt::ptr(p)], ret, e), "call")?;
        let ok = Some(format!("{ret} (x)"));
        check(&fmt::line_with("call", &[], ret, e, ok), "call")?;
    }

    /// A cmsg chain of any headers over any bytes, as sendmsg's control data: every
    /// `cmsg_len` (the edges that overflowed `(len + 7) & !7`), level and type.
    #[test]
    fn cmsg_chains(
        headers in prop::collection::vec((full_usize(), level(), optname()), 0..5),
        data in prop::collection::vec(any::<u8>(), 0..64),
        cut in 0..200usize,
    ) {
        let mut b = Vec::new();
        for (len, level, ty) in &headers {
            b.extend_from_slice(&len.to_ne_bytes());
            b.extend_from_slice(&level.to_ne_bytes());
            b.extend_from_slice(&ty.to_ne_bytes());
            b.extend_from_slice(&data[..data.len().min(16)]);
        }
        b.extend_from_slice(&data);
        b.truncate(cut.min(b.len()));
        let text = fmt::cmsgs(&b, &ifname);
        check_arg(&text)?;
        prop_assert!(text.matches("cmsg_len=").count() <= headers.len().max(1) + b.len() / 16);
    }
}

proptest! {
    // Each case builds up to 40 msghdrs of up to 40 iovecs: fewer cases keep the suite fast.
    #![proptest_config(config(64))]

    /// sendmmsg/recvmmsg over vectors of any length, any msg_len, and a return value that may
    /// exceed `vlen` (the hook clamps it rather than trusting it).
    #[test]
    fn mmsghdrs(
        specs in prop::collection::vec(msg_spec(), 0..40),
        mut pool in any::<[u8; POOL]>(),
        name in sockaddr_bytes(),
        ret in prop_oneof![full_i32(), -1..=48],
        timeout in times(),
        left in (full_i64(), full_i64()),
        flags in recv_flags(),
        kind in any::<u8>(),
        e in errno(),
    ) {
        let sock = socket_for(kind);
        let fd = fd_of(&sock);
        let mut names: Vec<sockaddr_storage> = specs.iter().map(|_| storage_from(&name)).collect();
        let built: Vec<Built> = specs
            .iter()
            .zip(names.iter_mut())
            .map(|(sp, n)| build(sp, &mut pool, n))
            .collect();
        let mut vec: Vec<mmsghdr> = built
            .iter()
            .zip(&specs)
            .map(|(b, sp)| mmsghdr { msg_hdr: b.hdr, msg_len: sp.msg_len })
            .collect();
        let vlen = vec.len() as c_uint;
        let p = if vec.is_empty() { std::ptr::null_mut() } else { vec.as_mut_ptr() };
        let mut ts = timeout.map(|(sec, nsec)| libc::timespec { tv_sec: sec, tv_nsec: nsec });
        let tp = ts.as_mut().map_or(std::ptr::null_mut(), |t| t as *mut libc::timespec);
        // SAFETY: `p` holds `vlen` valid mmsghdrs (or is NULL with vlen 0); `tp` is NULL or a
        // live timespec.
        let l = unsafe { line::sendmmsg(fd, p, vlen, flags, ret, e) };
        check(&l, "sendmmsg")?;
        // SAFETY: as above.
        let pre = unsafe { line::recvmmsg_pre(p, vlen, tp) };
        if let Some(t) = ts.as_mut() {
            (t.tv_sec, t.tv_nsec) = left; // the kernel rewrites the timeout
        }
        // SAFETY: as above.
        let l = unsafe { line::recvmmsg(fd, p, vlen, flags, tp, pre, ret, e) };
        check(&l, "recvmmsg")?;
        drop(built);
    }
}

/// The calls only the experiments make (`sys::ns`): unshare, the ifreq ioctls, capget/capset.
#[cfg(feature = "experiments")]
mod ns {
    use super::*;
    use crate::sys::ns::line as ns_line;
    use crate::sys::ns::{CapUserData, CapUserHeader, CAP_VERSION_3};

    const _: () = assert!(size_of::<libc::ifreq>() == 40);

    proptest! {
        #![proptest_config(config(256))]

        #[test]
        fn ns_calls(
            flags in full_i32(),
            fd in full_i32(),
            req in prop_oneof![
                prop::sample::select(vec![libc::SIOCGIFFLAGS, libc::SIOCSIFFLAGS, libc::SIOCETHTOOL]),
                full_u64(),
            ],
            ifr_bytes in any::<[u8; 40]>(),
            hdr in prop::option::of((
                prop_oneof![Just(CAP_VERSION_3), full_u32()],
                full_i32(),
            )),
            data in prop::option::of(any::<[u32; 6]>()),
            show in any::<bool>(),
            set in full_u64(),
            ret in full_i32(),
            e in errno(),
        ) {
            check(&ns_line::unshare(flags, ret, e), "unshare")?;
            // SAFETY: ifreq is a C struct of bytes, integers and a pointer (never followed);
            // any bytes are a value the trace may print.
            let mut ifr: libc::ifreq = unsafe { zeroed() };
            // SAFETY: `ifr` is 40 bytes on 64-bit Linux, written whole from the array.
            unsafe { std::ptr::addr_of_mut!(ifr).cast::<[u8; 40]>().write(ifr_bytes) };
            for p in [std::ptr::addr_of!(ifr), std::ptr::null()] {
                // SAFETY: `p` is NULL or a live ifreq.
                check(&unsafe { ns_line::ioctl_ifreq(fd, req, p, ret, e) }, "ioctl")?;
            }
            check_arg(&ns_line::cap_set(set))?;
            let h = hdr.map(|(version, pid)| CapUserHeader { version, pid });
            let hp = h.as_ref().map_or(std::ptr::null(), |h| h as *const CapUserHeader);
            let d = data.map(|w| {
                [
                    CapUserData { effective: w[0], permitted: w[1], inheritable: w[2] },
                    CapUserData { effective: w[3], permitted: w[4], inheritable: w[5] },
                ]
            });
            let dp = d.as_ref().map_or(std::ptr::null(), |d| d.as_ptr());
            // SAFETY: `hp` is NULL or a live header; `dp` is NULL or two live CapUserData.
            check(&unsafe { ns_line::caps("capget", hp, dp, show, ret, e) }, "capget")?;
        }
    }
}

/// After a receive, the hook holds only the control bytes the kernel wrote: msg_controllen
/// counts a message's CMSG_SPACE, but the kernel writes its CMSG_LEN, so the padding after an
/// `SCM_RIGHTS` with one fd (bytes 20..24) is caller memory it never touched (here a canary;
/// in C-like code, uninitialized). Found in review: the hook formed a slice over all
/// msg_controllen bytes, padding included.
#[test]
fn received_control_padding_is_never_read() {
    use crate::sys::{self, CmsgBuffer, AF_UNIX, SOCK_DGRAM};
    use std::io::IoSlice;
    use std::os::fd::{AsFd, FromRawFd};
    const CANARY: u8 = 0xA5;
    let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    let (x, _y) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    let mut out = CmsgBuffer::new();
    out.push_fds(&[x.as_fd()]);
    sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"f")], &out, 0).unwrap();

    let mut control = [u64::from_ne_bytes([CANARY; 8]); 3]; // CMSG_SPACE(4) = 24 bytes
    let mut byte = [0u8; 1];
    let mut iov = [iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    }];
    // SAFETY: msghdr is a C struct of integers and pointers; all zero (NULL) is valid.
    let mut m: msghdr = unsafe { zeroed() };
    m.msg_iov = iov.as_mut_ptr();
    m.msg_iovlen = 1;
    m.msg_control = control.as_mut_ptr().cast();
    m.msg_controllen = size_of_val(&control) as _;
    // SAFETY: `m` is a valid msghdr: one writable byte, a writable 24-byte control buffer.
    let n = unsafe { libc::recvmsg(b.as_raw_fd(), &mut m, libc::MSG_CMSG_CLOEXEC) };
    assert_eq!((n, m.msg_controllen as usize), (1, 24));
    let raw: Vec<u8> = control.iter().flat_map(|w| w.to_ne_bytes()).collect();
    assert_eq!(
        &raw[20..],
        &[CANARY; 4],
        "the kernel wrote the padding after all"
    );
    let fd = i32::from_ne_bytes(raw[16..20].try_into().unwrap());
    // SAFETY: the kernel just installed `fd` for this receive; nothing else owns it.
    drop(unsafe { OwnedFd::from_raw_fd(fd) });

    // SAFETY: `m` is the msghdr the kernel just filled (one message, 24 bytes reported).
    let view = unsafe { msg_view(&m, Some(0), Data::Received(1)) };
    let held = view.control_bytes.clone().expect("control bytes");
    assert_eq!(&held[..20], &raw[..20], "the written header and fd");
    assert!(
        !held.contains(&CANARY),
        "padding the kernel never wrote was read: {held:02x?}"
    );
    assert!(
        fmt::msghdr(&view, &ifname).contains("SCM_RIGHTS"),
        "{}",
        fmt::msghdr(&view, &ifname)
    );
}

/// The edges that panicked before, one case each (found by the issue, then by the properties
/// above once their values were full-range): they stay covered whatever proptest draws.
#[test]
fn known_overflows_stay_fixed() {
    let e = Errno::from_raw(libc::EINVAL);
    for len in [usize::MAX, usize::MAX - 6, usize::MAX - 7] {
        let mut b = len.to_ne_bytes().to_vec();
        b.extend_from_slice(&libc::SOL_IP.to_ne_bytes());
        b.extend_from_slice(&libc::IP_TOS.to_ne_bytes());
        b.extend_from_slice(&[0x10; 16]);
        assert_eq!(fmt::cmsgs(&b, &ifname).matches("cmsg_len").count(), 1);
    }
    for (s, us) in [
        (0, i64::MAX / 10),
        (i64::MAX, 999_999),
        (i64::MAX, i64::MAX),
    ] {
        let mut tv = libc::timeval {
            tv_sec: s,
            tv_usec: us,
        };
        let null = std::ptr::null_mut();
        // SAFETY: NULL sets; `tv` is a live timeval.
        let pre = unsafe { line::select_pre(1, [null; 3], &tv) };
        tv.tv_usec = us; // as glibc might leave it
                         // SAFETY: as above.
        let l = unsafe { line::select(1, [null; 3], pre, &tv, None, 1, e) };
        strace_line::parse(&l).unwrap();
    }
    // nfds = INT_MAX over a 128-byte set: as many bits as the set holds, not 2^31 iterations.
    assert_eq!(fmt::fd_set(&[0xff; 128], i32::MAX).split(' ').count(), 1024);
}
