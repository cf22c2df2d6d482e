//! Property tests of every decoder the trace has: whatever bytes, lengths and return values a
//! caller may pass or the kernel may return (within each raw call's contract), building the line
//! must not panic and must read only inside the memory the contract names.
//!
//! Every pointer a case builds points into memory the case owns (a byte pool, a
//! `sockaddr_storage`, a control buffer), with lengths inside it, as the raw contracts require;
//! the lengths the hook must clamp itself (an `addrlen` above `sizeof(sockaddr_storage)`, a
//! kernel `*addrlen`/`*optlen` above the caller's, a `ret` above `vlen`) are arbitrary. Debug
//! builds check each slice the hook forms, so an out-of-bounds length would fail here too.
//!
//! Control data: the trace decodes the cmsg chain within `msg_controllen` (after a receive,
//! only the headers and `cmsg_len` bytes the kernel wrote, never the padding), so the cases
//! write chains with arbitrary `cmsg_len` values and check that nothing reads past them.

use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::raw::{c_int, c_uint, c_void};

use libc::{cmsghdr, iovec, mmsghdr, msghdr, pollfd, sockaddr, sockaddr_storage, socklen_t};
use proptest::prelude::*;

use super::{line, msg_view, Data};
use crate::sys::{fmt, Errno};

/// Bytes every buffer pointer of a case points into.
const POOL: usize = 256;
/// `sizeof(sockaddr_storage)`.
const STORAGE: usize = size_of::<sockaddr_storage>();
/// The control buffer, in `u64`s so a `cmsghdr` can be written at any 8-byte offset.
const CONTROL_WORDS: usize = 16;

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

/// The families to decode: the four socklab knows and one it does not.
fn family() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(libc::AF_INET as u16),
        Just(libc::AF_INET6 as u16),
        Just(libc::AF_UNIX as u16),
        Just(libc::AF_UNSPEC as u16),
        any::<u16>(),
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
    )
        .prop_map(|(fam, head, link_local, tail)| {
            let mut b = [0u8; STORAGE];
            for (i, x) in b.iter_mut().enumerate() {
                *x = head[i % 32] ^ tail[(i / 32) % 32].rotate_left(i as u32);
            }
            b[..2].copy_from_slice(&fam.to_ne_bytes());
            if fam == libc::AF_INET6 as u16 && link_local {
                b[8..10].copy_from_slice(&[0xfe, 0x80]);
                b[24..28].copy_from_slice(&1u32.to_ne_bytes()); // lo, when it is index 1
            }
            b
        })
}

fn errno() -> impl Strategy<Value = Errno> {
    (0..140).prop_map(Errno::from_raw)
}

/// `(offset, len)` of a buffer inside the pool.
fn span() -> impl Strategy<Value = (usize, usize)> {
    (0..=POOL).prop_flat_map(|off| (Just(off), 0..=POOL - off))
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
    /// `cmsg_len` values for a chain written into the control buffer, and msg_controllen.
    cmsgs: Vec<usize>,
    controllen: usize,
    flags: i32,
    /// For mmsghdr: the kernel's msg_len.
    msg_len: u32,
}

fn msg_spec() -> impl Strategy<Value = MsgSpec> {
    (
        prop::option::of(any::<u32>()),
        prop::collection::vec(prop::option::weighted(0.9, span()), 0..40),
        0..48usize,
        prop::collection::vec(any::<usize>(), 0..6),
        0..=CONTROL_WORDS * 8,
        any::<i32>(),
        any::<u32>(),
    )
        .prop_map(
            |(namelen, iov, iovlen, cmsgs, controllen, flags, msg_len)| MsgSpec {
                namelen,
                iov,
                iovlen,
                cmsgs,
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
    let mut control = Box::new([0u64; CONTROL_WORDS]);
    // A cmsg chain with arbitrary cmsg_len values, one header per 16 bytes.
    for (i, &len) in spec.cmsgs.iter().enumerate().take(CONTROL_WORDS / 2) {
        let h = cmsghdr {
            cmsg_len: len as _,
            cmsg_level: libc::SOL_SOCKET,
            cmsg_type: libc::SCM_RIGHTS,
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

/// A datagram socket, a stream socket, or a bad fd: what `wrote_reported` asks SO_TYPE of.
fn socket_for(kind: u8) -> Option<OwnedFd> {
    let ty = match kind % 3 {
        0 => libc::SOCK_DGRAM,
        1 => libc::SOCK_STREAM,
        _ => return None,
    };
    Some(crate::sys::socket(libc::AF_INET, ty, 0).unwrap())
}

fn fd_of(s: &Option<OwnedFd>) -> c_int {
    s.as_ref().map_or(-1, |s| s.as_raw_fd())
}

/// Flags that often hold MSG_TRUNC.
fn recv_flags() -> impl Strategy<Value = c_int> {
    prop_oneof![Just(libc::MSG_TRUNC), any::<c_int>(), Just(0)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every family × every length 0..=128 (and lengths past the storage), as bind/connect/
    /// sendto hand it to the hook, and as an address the kernel wrote back.
    #[test]
    fn sockaddrs_of_any_family_and_length(
        bytes in sockaddr_bytes(),
        long in (STORAGE as u32 + 1)..,
        after in any::<u32>(),
        e in errno(),
    ) {
        let s = storage_from(&bytes);
        let p: *const sockaddr = std::ptr::addr_of!(s).cast();
        for len in (0..=STORAGE as u32).chain([long]) {
            let shown = &bytes[..(len as usize).min(STORAGE)];
            let text = fmt::sockaddr(p as usize, Some(shown));
            prop_assert!(!text.is_empty());
            // SAFETY: `p` is readable for min(len, sizeof(sockaddr_storage)) bytes.
            let l = unsafe { line::with_addr("bind", 3, p, len, 0, e) };
            prop_assert!(l.starts_with("bind(3, ") && l.ends_with(&format!(", {len}) = 0")), "{l}");
            // SAFETY: as above; the buffer is readable for `len` (clamped) bytes.
            let l = unsafe {
                line::send("sendto", 3, p.cast(), 0, Some(0), Some((p, len)), -1, e)
            };
            prop_assert!(l.ends_with(&format!("{}", e)), "{l}");
            // The kernel's *addrlen after accept/getsockname is any value; before it is the
            // buffer's size (at most the storage here).
            let before = len.min(STORAGE as socklen_t);
            let addrlen = after;
            // SAFETY: `addrlen` is a live local; `p` is readable for `before` bytes.
            let l = unsafe {
                line::accept("accept", 3, p, &addrlen, None, Some(before), 4, e)
            };
            prop_assert!(l.ends_with(" = 4"), "{l}");
        }
    }

    /// recv/recvfrom/read and send/sendto/write over any buffer, flags and return value.
    #[test]
    fn buffers_and_return_values(
        pool in any::<[u8; POOL]>(),
        (off, len) in span(),
        ret in prop_oneof![any::<isize>(), -1..=(POOL as isize) * 2],
        flags in recv_flags(),
        kind in any::<u8>(),
        name in sockaddr_bytes(),
        before in 0..=STORAGE as socklen_t,
        after in any::<socklen_t>(),
        e in errno(),
    ) {
        let sock = socket_for(kind);
        let fd = fd_of(&sock);
        let buf = pool[off..].as_ptr().cast::<c_void>();
        let s = storage_from(&name);
        let addr: *const sockaddr = std::ptr::addr_of!(s).cast();
        let addrlen = after;
        let from = Some((addr, std::ptr::addr_of!(addrlen)));
        // SAFETY: `buf` is valid for `len` bytes (inside the pool); `addr` for `before`
        // (<= storage) bytes and `addrlen` is a live local.
        let l = unsafe {
            line::recv("recvfrom", fd, buf, len, Some(flags), from, Some(before), ret, e)
        };
        prop_assert!(l.starts_with("recvfrom("), "{l}");
        // The kernel reported bytes it did not write: the dump must be the pointer.
        let truncated_stream = ret > 0 && flags & libc::MSG_TRUNC != 0 && kind % 3 != 0;
        if truncated_stream {
            prop_assert!(l.contains(&format!(", {}, {len}, ", fmt::ptr(buf as usize))), "{l}");
        }
        // SAFETY: as above, with no address.
        let l = unsafe { line::recv("read", fd, buf, len, None, None, None, ret, e) };
        prop_assert!(l.starts_with("read("), "{l}");
        // SAFETY: `buf` is readable for `len` bytes; `addr` for `before` bytes.
        let l = unsafe {
            line::send("sendto", fd, buf, len, Some(flags), Some((addr, before)), ret, e)
        };
        prop_assert!(l.starts_with("sendto("), "{l}");
    }

    /// sendmsg/recvmsg over any msghdr: name lengths, iovec counts and lengths, control data
    /// with arbitrary cmsg_len values, flags and return values.
    #[test]
    fn msghdrs(
        spec in msg_spec(),
        mut pool in any::<[u8; POOL]>(),
        name in sockaddr_bytes(),
        before in prop::option::of(any::<socklen_t>()),
        ret in prop_oneof![any::<isize>(), -1..=(POOL as isize) * 4],
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
        prop_assert!(l.starts_with("sendmsg("), "{l}");
        if spec.controllen != 0 {
            // The chain decoded as strace does (`msg_control=[...]`), or its pointer.
            let control = format!("msg_control={}", fmt::ptr(b.hdr.msg_control as usize));
            prop_assert!(l.contains(&control) || l.contains("msg_control=["), "{l}");
        }
        // SAFETY: as above; `before` is any msg_namelen the caller may have set.
        let l = unsafe { line::recvmsg(fd, m, flags, before, ret, e) };
        prop_assert!(l.starts_with("recvmsg("), "{l}");
        // The views themselves, for every kind of data.
        for data in [Data::Sent, Data::Received(ret.unsigned_abs()), Data::Unwritten] {
            // SAFETY: as above.
            let v = unsafe { msg_view(&b.hdr, before, data) };
            prop_assert!(v.iov.len() <= 33);
            if matches!(data, Data::Unwritten) {
                prop_assert!(v.iov.iter().all(|i| i.bytes.is_none()));
            }
            let text = fmt::msghdr(&v);
            prop_assert!(text.starts_with("{msg_name="), "{text}");
        }
    }

    /// setsockopt/getsockopt with any level, option, value bytes and (kernel) lengths.
    #[test]
    fn sockopts(
        pool in any::<[u8; POOL]>(),
        (off, len) in span(),
        level in prop_oneof![
            Just(libc::SOL_SOCKET), Just(libc::SOL_TCP), Just(libc::SOL_IP),
            Just(libc::SOL_IPV6), Just(libc::SOL_UDP), any::<c_int>()
        ],
        name in prop_oneof![
            Just(libc::SO_LINGER), Just(libc::SO_ERROR), Just(libc::SO_RCVBUF), 0..80, any::<c_int>()
        ],
        after in any::<socklen_t>(),
        ret in any::<c_int>(),
        e in errno(),
    ) {
        let val = pool[off..].as_ptr().cast::<c_void>();
        // SAFETY: `val` is readable for `len` bytes (inside the pool).
        let l = unsafe { line::setsockopt(3, level, name, val, len as socklen_t, ret, e) };
        prop_assert!(l.starts_with("setsockopt(3, "), "{l}");
        let optlen = after;
        // SAFETY: `val` is valid for `len` bytes, the `*optlen` the caller set before the call;
        // `optlen` (the kernel's rewrite, any value) is a live local.
        let l = unsafe {
            line::getsockopt(3, level, name, val, &optlen, Some(len as socklen_t), ret, e)
        };
        prop_assert!(l.starts_with("getsockopt(3, "), "{l}");
    }

    /// poll, fcntl, socket, socketpair, shutdown, close and the affinity calls: any values.
    #[test]
    fn the_other_calls(
        pfds in prop::collection::vec((any::<c_int>(), any::<i16>(), any::<i16>()), 0..40),
        a in any::<c_int>(),
        b in any::<c_int>(),
        c in any::<c_int>(),
        ret in any::<c_int>(),
        pool in any::<[u8; POOL]>(),
        size in 0..=POOL,
        e in errno(),
    ) {
        let fds: Vec<pollfd> =
            pfds.iter().map(|&(fd, events, revents)| pollfd { fd, events, revents }).collect();
        let p = if fds.is_empty() { std::ptr::null() } else { fds.as_ptr() };
        // SAFETY: `p` points to `fds.len()` pollfds (or is NULL with nfds 0).
        let l = unsafe { line::poll(p, fds.len() as libc::nfds_t, a, ret, e) };
        prop_assert!(l.starts_with("poll("), "{l}");
        prop_assert!(line::fcntl(a, b, c, ret, e).starts_with("fcntl("));
        prop_assert!(line::socket(a, b, c, ret, e).starts_with("socket("));
        let sv = [b, c];
        // SAFETY: `sv` holds two ints.
        let l = unsafe { line::socketpair(a, b, c, sv.as_ptr(), ret, e) };
        prop_assert!(l.starts_with("socketpair("), "{l}");
        prop_assert!(line::shutdown(a, b, ret, e).starts_with("shutdown("));
        prop_assert!(line::ints("close", &[a], ret, e).starts_with("close("));
        let mask = pool.as_ptr().cast::<libc::cpu_set_t>();
        for show in [true, false] {
            // SAFETY: `mask` is readable for `size` (<= POOL) bytes.
            let l = unsafe { line::affinity("sched_getaffinity", 0, size, mask, show, ret, e) };
            prop_assert!(l.starts_with("sched_getaffinity(0, "), "{l}");
        }
    }

    /// The pure formatters on any bytes and values.
    #[test]
    fn formatters(
        bytes in prop::collection::vec(any::<u8>(), 0..100),
        level in any::<c_int>(),
        name in any::<c_int>(),
        v in any::<c_int>(),
        before in any::<u32>(),
        after in any::<u32>(),
    ) {
        prop_assert!(fmt::quote(&bytes).starts_with('"'));
        prop_assert!(fmt::buf(&bytes).starts_with('"'));
        prop_assert!(fmt::quote_hex(&bytes).len() == 2 + 4 * bytes.len());
        let _ = fmt::setsockopt_val(level, name, 1, Some(&bytes));
        let _ = fmt::getsockopt_val(level, name, &bytes);
        for lvl in [libc::SOL_SOCKET, libc::SOL_TCP, libc::SOL_IP, libc::SOL_IPV6] {
            let _ = fmt::setsockopt_val(lvl, v, 1, Some(&bytes));
            let _ = fmt::getsockopt_val(lvl, v, &bytes);
            let _ = fmt::sockopt_level_name(lvl, v);
        }
        let _ = fmt::cpu_mask(&bytes);
        let _ = fmt::socket_args(level, name, v);
        let _ = (fmt::sock_flags(v), fmt::msg_flags(v), fmt::shut_how(v), fmt::family(v as i64));
        let _ = (fmt::fcntl_cmd(v), fmt::fcntl_arg(v, level), fmt::fcntl_ret(v, level));
        let _ = (fmt::poll_events(v as i16), fmt::inout(before, after));
        let _ = fmt::sockopt_level_name(level, name);
    }
}

proptest! {
    // Each case builds up to 40 msghdrs of up to 40 iovecs: fewer cases keep the suite fast.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// sendmmsg/recvmmsg over vectors of any length, any msg_len, and a return value that may
    /// exceed `vlen` (the hook clamps it rather than trusting it).
    #[test]
    fn mmsghdrs(
        specs in prop::collection::vec(msg_spec(), 0..40),
        mut pool in any::<[u8; POOL]>(),
        name in sockaddr_bytes(),
        ret in prop_oneof![any::<c_int>(), -1..=48],
        timeout in prop::option::of((any::<i64>(), any::<i64>())),
        left in (any::<i64>(), any::<i64>()),
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
        prop_assert!(l.starts_with("sendmmsg("), "{l}");
        // SAFETY: as above.
        let pre = unsafe { line::recvmmsg_pre(p, vlen, tp) };
        if let Some(t) = ts.as_mut() {
            (t.tv_sec, t.tv_nsec) = left; // the kernel rewrites the timeout
        }
        // SAFETY: as above.
        let l = unsafe { line::recvmmsg(fd, p, vlen, flags, tp, pre, ret, e) };
        prop_assert!(l.starts_with("recvmmsg("), "{l}");
        drop(built);
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
        fmt::msghdr(&view).contains("SCM_RIGHTS"),
        "{}",
        fmt::msghdr(&view)
    );
}
