//! Address capacities chosen by the caller (`SockAddr::with_capacity` + the `*_into` calls):
//! the kernel writes at most the capacity, the length comes back as C's would (the kernel's,
//! longer than the capacity when the address was cut), a cut address is never used as a whole
//! one, a failed call leaves the buffer as it was, and recvmsg can pass msg_name = NULL.

use std::io::IoSliceMut;

use socklab::sys::{self, AddrLen, Errno, SockAddr, AF_INET, AF_INET6, AF_UNIX};
use socklab::sys::{MSG_DONTWAIT, SOCK_DGRAM, SOCK_STREAM};

use crate::common::{no_leak, v4_any, v6_any};

#[test]
fn capacities_are_cs_sizeofs() {
    assert_eq!(
        [
            AddrLen::INET,
            AddrLen::INET6,
            AddrLen::UNIX,
            AddrLen::STORAGE
        ]
        .map(AddrLen::get),
        [16, 28, 110, 128]
    );
    assert_eq!(AddrLen::new(129).unwrap_err().code(), Errno::EINVAL);
    assert_eq!(SockAddr::with_capacity(AddrLen::new(0).unwrap()).len(), 0);
}

#[test]
fn accept_into_and_names_with_inet_capacity() {
    no_leak(|| {
        let lst = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        sys::bind(&lst, &v4_any()).unwrap();
        sys::listen(&lst, 2).unwrap();
        let cli = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        sys::connect(&cli, &sys::getsockname(&lst).unwrap()).unwrap();
        let mut peer = SockAddr::with_capacity(AddrLen::INET);
        let conn = sys::accept_into(&lst, &mut peer).unwrap();
        assert_eq!((peer.len(), peer), (16, sys::getsockname(&cli).unwrap()));
        let mut me = SockAddr::with_capacity(AddrLen::INET);
        sys::getsockname_into(&conn, &mut me).unwrap();
        assert_eq!(me, sys::getsockname(&lst).unwrap());
        let mut them = SockAddr::with_capacity(AddrLen::STORAGE);
        sys::getpeername_into(&conn, &mut them).unwrap();
        assert_eq!(them, peer);
        // accept4_into with nothing pending on a non-blocking listener: EAGAIN, buffer kept.
        sys::fcntl(&lst, sys::FcntlArg::SetFl(sys::O_NONBLOCK)).unwrap();
        let mut keep = SockAddr::with_capacity(AddrLen::INET);
        let e = sys::accept4_into(&lst, &mut keep, sys::SOCK_CLOEXEC).unwrap_err();
        assert_eq!((e.code(), keep.len()), (Errno::EAGAIN, 16));
    })
}

#[test]
fn a_short_capacity_truncates_and_failure_leaves_the_buffer() {
    no_leak(|| {
        // An IPv6 address into an IPv4-sized buffer: the kernel writes 16 of 28 bytes and
        // reports 28, as C's `len` would hold after the call.
        let fd = sys::socket(AF_INET6, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &v6_any()).unwrap();
        let whole = sys::getsockname(&fd).unwrap();
        let mut short = SockAddr::with_capacity(AddrLen::INET);
        sys::getsockname_into(&fd, &mut short).unwrap();
        assert_eq!(short.len(), 28, "the kernel's length, not the capacity");
        assert_eq!(short.capacity(), AddrLen::INET, "kept for the next call");
        assert!(short.is_truncated());
        assert_eq!(
            short.as_bytes(),
            &whole.as_bytes()[..16],
            "the bytes written"
        );
        assert_eq!(short.family(), AF_INET6);
        assert_eq!(short.as_socket(), None, "a cut sockaddr_in6 is not decoded");
        assert_ne!(short, whole);
        assert_eq!(short.to_string(), "{family 10, len 28, truncated to 16}");
        // The capacity stays: the next call is cut the same way; a larger one is whole. Cut
        // after sin6_addr (24 of 28 bytes), the address bytes are there but not handed out.
        sys::getsockname_into(&fd, &mut short).unwrap();
        assert!(short.is_truncated());
        short.set_capacity(AddrLen::new(24).unwrap());
        sys::getsockname_into(&fd, &mut short).unwrap();
        assert_eq!((short.is_truncated(), short.in_addr()), (true, None));
        assert_eq!(whole.in_addr(), Some(&whole.as_bytes()[8..24]));
        short.set_capacity(AddrLen::INET6);
        assert_eq!((short.len(), short.as_bytes()), (28, &[0u8; 28][..]));
        sys::getsockname_into(&fd, &mut short).unwrap();
        assert_eq!((short.is_truncated(), short), (false, whole));
        // Failure: ENOTCONN from getpeername; the buffer keeps its capacity.
        let mut keep = SockAddr::with_capacity(AddrLen::INET6);
        let e = sys::getpeername_into(&fd, &mut keep).unwrap_err();
        assert_eq!(e.code(), Errno::ENOTCONN);
        assert_eq!((keep.len(), keep.family()), (28, sys::AF_UNSPEC));
    })
}

#[test]
fn recvfrom_into_and_recvmsg_into() {
    no_leak(|| {
        let a = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        sys::bind(&a, &v4_any()).unwrap();
        let to = sys::getsockname(&a).unwrap();
        sys::sendto(&a, b"one", 0, &to).unwrap();
        sys::sendto(&a, b"two", 0, &to).unwrap();
        let mut from = SockAddr::with_capacity(AddrLen::INET);
        let n = sys::recvfrom_into(&a, &mut [0u8; 8], 0, &mut from).unwrap();
        assert_eq!((n, from), (3, to));
        let mut data = [0u8; 8];
        let r = sys::recvmsg_into(&a, None, &mut [IoSliceMut::new(&mut data)], None, 0).unwrap();
        assert_eq!((r.bytes, r.addr, &data[..3]), (3, None, &b"two"[..]));
        let mut from = SockAddr::with_capacity(AddrLen::INET);
        let e = sys::recvfrom_into(&a, &mut [0u8; 8], MSG_DONTWAIT, &mut from).unwrap_err();
        assert_eq!(e.code(), Errno::EAGAIN);
        assert_eq!(from.len(), 16, "unchanged on failure");
        // Unix datagram from an unbound sender: the kernel writes no name (length 0).
        let (x, y) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::write(&x, b"u").unwrap();
        let mut name = SockAddr::with_capacity(AddrLen::UNIX);
        let mut d = [0u8; 4];
        let r = sys::recvmsg_into(&y, Some(&mut name), &mut [IoSliceMut::new(&mut d)], None, 0);
        assert_eq!(r.unwrap().addr, None);
        assert!(name.is_empty());
    })
}

/// A directory whose path is short enough that the first 16 bytes of a 40-byte path inside it
/// name a file inside it too (`/tmp/sa<pid>`, at most 14 bytes); removed on drop.
struct ShortDir(std::path::PathBuf);

impl ShortDir {
    fn new() -> ShortDir {
        let dir = std::path::PathBuf::from(format!("/tmp/sa{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).expect("a directory under /tmp");
        assert!(dir.as_os_str().len() <= 14, "{dir:?} too long for the case");
        ShortDir(dir)
    }
}

impl Drop for ShortDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The reported case: a socket bound to a 40-byte path, `getsockname` into 18 bytes of room
/// (C: `socklen_t len = 18;` — the kernel writes 18 bytes and sets `len` to 43). The first 16
/// path bytes name another listening socket; a connect to the cut name must not reach it.
#[test]
fn truncated_addresses_do_not_look_whole() {
    no_leak(|| {
        let dir = ShortDir::new();
        let d = dir.0.to_str().unwrap();
        let long = format!("{d}/{}", "k".repeat(39 - d.len()));
        assert_eq!(long.len(), 40);
        let prefix = &long[..16];
        let bound = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::bind(&bound, &SockAddr::unix(&long).unwrap()).unwrap();
        sys::listen(&bound, 1).unwrap();
        let other = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::bind(&other, &SockAddr::unix(prefix).unwrap()).unwrap();
        sys::listen(&other, 1).unwrap();
        sys::fcntl(&other, sys::FcntlArg::SetFl(sys::O_NONBLOCK)).unwrap();

        let mut a = SockAddr::with_capacity(AddrLen::new(18).unwrap());
        sys::getsockname_into(&bound, &mut a).unwrap();
        let c = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let connected = sys::connect(&c, &a);
        let reached = sys::accept(&other, None);
        assert!(
            reached.is_err(),
            "connect({a}) reached the socket bound at {prefix:?}"
        );
        assert_eq!(reached.unwrap_err().code(), Errno::EAGAIN);
        let e = connected.expect_err("a truncated address is refused");
        assert_eq!(e.code(), Errno::EINVAL, "{e}");
        assert_eq!(
            a.len(),
            43,
            "C's addrlen after the call: the kernel's length"
        );
        assert_eq!(a.as_bytes().len(), 18, "only the bytes the kernel wrote");
        assert_eq!(a.as_unix_path(), None);
        assert!(a.is_truncated());
        assert!(e.to_string().contains("the address was truncated"), "{e}");
        // With room for the whole name, the same calls reach the socket that owns it.
        a.set_capacity(AddrLen::UNIX);
        sys::getsockname_into(&bound, &mut a).unwrap();
        assert_eq!(a.as_unix_path(), Some(std::path::Path::new(&long)));
        sys::connect(&c, &a).unwrap();
        drop(sys::accept(&bound, None).unwrap());
    })
}

/// Every `*_into` call keeps the kernel's length and the bytes that fit; every call that reads an
/// address refuses the cut one before any syscall, with `EINVAL` and a note saying why.
#[test]
fn every_into_call_reports_truncation_and_every_reader_refuses_it() {
    use socklab::sys::{CmsgBuffer, MmsgBatch};
    use std::io::IoSlice;
    no_leak(|| {
        // Abstract names of 40 bytes: addresses of 2 + 1 + 40 = 43 bytes, 18 offered.
        let name = |tag: &str| {
            let mut n = crate::common::abstract_name(tag);
            n.resize(40, b'z');
            SockAddr::unix_abstract(&n).unwrap()
        };
        let cap = AddrLen::new(18).unwrap();
        let check = |a: &SockAddr, whole: &SockAddr, what: &str| {
            assert_eq!(a.len(), 43, "{what}: {a:?}");
            assert!(a.is_truncated(), "{what}");
            assert_eq!(a.capacity(), cap, "{what}");
            assert_eq!(a.as_bytes(), &whole.as_bytes()[..18], "{what}");
            assert_eq!(a.family(), AF_UNIX, "{what}");
            assert_eq!(
                (a.as_abstract_name(), a.is_unnamed()),
                (None, false),
                "{what}"
            );
            assert_eq!(a.to_string(), "{family 1, len 43, truncated to 18}");
        };
        let (lname, cname) = (name("cut-lst"), name("cut-cli"));
        let lst = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::bind(&lst, &lname).unwrap();
        sys::listen(&lst, 2).unwrap();
        let cli = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::bind(&cli, &cname).unwrap();
        sys::connect(&cli, &lname).unwrap();
        let mut a = SockAddr::with_capacity(cap);
        let _conn = sys::accept_into(&lst, &mut a).unwrap();
        check(&a, &cname, "accept_into");
        let cli2 = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::bind(&cli2, &name("cut-cli2")).unwrap();
        sys::connect(&cli2, &lname).unwrap();
        let mut a4 = SockAddr::with_capacity(cap);
        let _conn2 = sys::accept4_into(&lst, &mut a4, sys::SOCK_CLOEXEC).unwrap();
        check(&a4, &sys::getsockname(&cli2).unwrap(), "accept4_into");
        let mut peer = SockAddr::with_capacity(cap);
        sys::getpeername_into(&cli, &mut peer).unwrap();
        check(&peer, &lname, "getpeername_into");
        let mut me = SockAddr::with_capacity(cap);
        sys::getsockname_into(&cli, &mut me).unwrap();
        check(&me, &cname, "getsockname_into");

        let (uname, vname) = (name("cut-u"), name("cut-v"));
        let (u, v) = (
            sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap(),
            sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap(),
        );
        sys::bind(&u, &uname).unwrap();
        sys::bind(&v, &vname).unwrap();
        sys::sendto(&u, b"one", 0, &vname).unwrap();
        sys::sendto(&u, b"two", 0, &vname).unwrap();
        let mut from = SockAddr::with_capacity(cap);
        assert_eq!(
            sys::recvfrom_into(&v, &mut [0u8; 8], 0, &mut from).unwrap(),
            3
        );
        check(&from, &uname, "recvfrom_into");
        let mut mname = SockAddr::with_capacity(cap);
        let mut d = [0u8; 8];
        let r = sys::recvmsg_into(
            &v,
            Some(&mut mname),
            &mut [IoSliceMut::new(&mut d)],
            None,
            0,
        );
        let r = r.unwrap();
        check(&mname, &uname, "recvmsg_into");
        check(&r.addr.unwrap(), &uname, "RecvMsg::addr");

        // Every reader refuses it; nothing reaches the kernel (u's queue stays empty).
        let refused = |e: socklab::Error, call: &str| {
            assert_eq!((e.code(), e.call()), (Errno::EINVAL, call), "{e}");
            let msg = e.to_string();
            assert!(msg.contains("{family 1, len 43, truncated to 18}"), "{msg}");
            assert!(msg.contains("the address was truncated"), "{msg}");
        };
        let s = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        refused(sys::bind(&s, &from).unwrap_err(), "bind");
        refused(sys::connect(&s, &from).unwrap_err(), "connect");
        refused(sys::sendto(&s, b"x", 0, &from).unwrap_err(), "sendto");
        let iov = [IoSlice::new(b"x")];
        refused(
            sys::sendmsg(&s, Some(&from), &iov, None, 0).unwrap_err(),
            "sendmsg",
        );
        let empty = CmsgBuffer::new();
        refused(
            sys::sendmsg_cmsg(&s, Some(&from), &iov, &empty, 0).unwrap_err(),
            "sendmsg",
        );
        let mut batch = MmsgBatch::new(1, 8);
        refused(
            batch.set(0, b"x", Some(&from)).unwrap_err(),
            "MmsgBatch::set",
        );
        refused(
            sys::getnameinfo(&from, sys::NI_NUMERICHOST).unwrap_err(),
            "getnameinfo",
        );
        let e = sys::recv(&u, &mut [0u8; 4][..], MSG_DONTWAIT).unwrap_err();
        assert_eq!(e.code(), Errno::EAGAIN, "nothing was sent to u");
        assert_eq!(sys::getsockname(&s).unwrap().to_string(), "(unnamed)");
    })
}
