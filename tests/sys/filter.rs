//! `sys::filter`: SO_ATTACH_FILTER with a typed program and SO_DETACH_FILTER, on a Unix datagram
//! pair (no privilege needed).

use socklab::sys::{self, filter, Errno, AF_UNIX, MSG_DONTWAIT, SOCK_DGRAM};

use crate::common::{assert_errno, no_leak};

/// `ret #k`: keep `k` bytes of each packet (0 drops it).
fn ret(k: u32) -> [libc::sock_filter; 1] {
    [libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k,
    }]
}

/// How many datagrams `b` can read without blocking.
fn drain(b: &std::os::fd::OwnedFd) -> usize {
    let mut n = 0;
    while sys::recv(b, &mut [0u8; 8][..], MSG_DONTWAIT).is_ok() {
        n += 1;
    }
    n
}

#[test]
fn attach_drops_and_detach_restores() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        filter::attach_filter(&b, &ret(0)).unwrap();
        sys::send(&a, b"lost", 0).unwrap();
        assert_eq!(drain(&b), 0, "the drop-all filter let a datagram through");
        filter::detach_filter(&b).unwrap();
        sys::send(&a, b"kept", 0).unwrap();
        assert_eq!(drain(&b), 1);
        // Detaching again: no filter left.
        let e = assert_errno(filter::detach_filter(&b), Errno::ENOENT, "setsockopt");
        assert!(e.to_string().contains("SO_DETACH_FILTER"), "{e}");
    });
}

#[test]
fn attach_refuses_an_oversized_program_before_the_call() {
    no_leak(|| {
        let (_a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let long = vec![ret(0)[0]; usize::from(u16::MAX) + 1];
        let e = assert_errno(
            filter::attach_filter(&b, &long),
            Errno::EINVAL,
            "setsockopt",
        );
        assert!(e.to_string().contains("BPF_MAXINSNS"), "{e}");
    });
}
