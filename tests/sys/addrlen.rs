//! Address capacities chosen by the caller (`SockAddr::with_capacity` + the `*_into` calls):
//! the kernel writes at most the capacity, the length comes back as C's would (capped), a
//! failed call leaves the buffer as it was, and recvmsg can pass msg_name = NULL.

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
        // An IPv6 peer into an IPv4-sized buffer: the kernel writes 16 of 28 bytes.
        let fd = sys::socket(AF_INET6, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &v6_any()).unwrap();
        let mut short = SockAddr::with_capacity(AddrLen::INET);
        sys::getsockname_into(&fd, &mut short).unwrap();
        assert_eq!(short.len(), 16, "capped at the capacity");
        assert_eq!(short.family() as i32, AF_INET6);
        assert_eq!(short.as_socket(), None, "a cut sockaddr_in6 is not decoded");
        // Failure: ENOTCONN from getpeername; the buffer keeps its capacity.
        let mut keep = SockAddr::with_capacity(AddrLen::INET6);
        let e = sys::getpeername_into(&fd, &mut keep).unwrap_err();
        assert_eq!(e.code(), Errno::ENOTCONN);
        assert_eq!((keep.len(), keep.family() as i32), (28, sys::AF_UNSPEC));
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
