//! Name resolution and address text: getaddrinfo entries reproduce C's socket/bind arguments,
//! EAI errors are their own kind, getnameinfo, inet_pton/inet_ntop, byte order.

use std::net::{IpAddr, Ipv4Addr};

use socklab::sys::{self, AddrInfoHints, Eai, Errno, SockAddr};
use socklab::sys::{AF_INET, AF_INET6, AF_UNSPEC, AI_CANONNAME, AI_NUMERICHOST, AI_PASSIVE};
use socklab::sys::{IPPROTO_TCP, IPPROTO_UDP, SOCK_DGRAM, SOCK_STREAM};

use crate::common::no_leak;

fn hints(family: i32, socktype: i32, flags: i32) -> AddrInfoHints {
    AddrInfoHints {
        ai_family: family,
        ai_socktype: socktype,
        ai_flags: flags,
        ..Default::default()
    }
}

#[test]
fn passive_wildcard_entries_carry_what_socket_and_bind_need() {
    no_leak(|| {
        let h = hints(AF_UNSPEC, SOCK_STREAM, AI_PASSIVE);
        let res = sys::getaddrinfo(None, Some("0"), Some(&h)).unwrap();
        let entries: Vec<_> = res.iter().collect();
        assert!(!entries.is_empty());
        for p in &entries {
            assert_eq!(
                (p.ai_socktype(), p.ai_protocol()),
                (SOCK_STREAM, IPPROTO_TCP)
            );
            let want = if p.ai_family() == AF_INET { 16 } else { 28 };
            assert_eq!(p.ai_addrlen(), want, "{p:?}");
            assert_eq!(p.ai_addr().len(), p.ai_addrlen());
            assert_eq!(p.ai_addr().family() as i32, p.ai_family());
            // The C loop: socket(ai_family, ai_socktype, ai_protocol) + bind(ai_addr, ai_addrlen).
            let fd = sys::socket(p.ai_family(), p.ai_socktype(), p.ai_protocol()).unwrap();
            if p.ai_family() == AF_INET6 {
                // Both wildcard entries on one port 0 each: fine; v6only keeps them apart.
                sys::set_opt(&fd, sys::opt::Ipv6V6Only, true).unwrap();
            }
            sys::bind(&fd, &p.ai_addr()).unwrap();
            let ip = sys::getsockname(&fd).unwrap().as_socket().unwrap().ip();
            assert!(ip.is_unspecified(), "{ip}");
        }
        sys::freeaddrinfo(res);
    })
}

#[test]
fn numeric_udp_entry_and_canonname() {
    no_leak(|| {
        let h = hints(AF_INET, SOCK_DGRAM, AI_NUMERICHOST | AI_CANONNAME);
        let res = sys::getaddrinfo(Some("127.0.0.1"), Some("53"), Some(&h)).unwrap();
        let p = res.iter().next().unwrap();
        assert_eq!(
            (p.ai_family(), p.ai_socktype(), p.ai_protocol()),
            (AF_INET, SOCK_DGRAM, IPPROTO_UDP)
        );
        assert_eq!(p.ai_addr().to_string(), "127.0.0.1:53");
        assert_eq!(p.ai_flags() & AI_CANONNAME, AI_CANONNAME);
        assert_eq!(p.ai_canonname().unwrap().to_str().unwrap(), "127.0.0.1");
        assert_eq!(res.iter().count(), 1);
    })
}

#[test]
fn eai_errors_are_their_own_kind() {
    no_leak(|| {
        let h = hints(AF_UNSPEC, SOCK_STREAM, AI_NUMERICHOST);
        let e = sys::getaddrinfo(Some("nowhere.invalid"), Some("http"), Some(&h)).unwrap_err();
        assert_eq!(e.eai(), Some(Eai::EAI_NONAME));
        assert_eq!(e.errno(), 0, "EAI_NONAME is not an errno");
        assert_eq!(
            e.to_string(),
            "getaddrinfo(\"nowhere.invalid\", \"http\"): EAI_NONAME (Name or service not known)"
        );
        assert_eq!(
            e.perror_line("getaddrinfo"),
            "getaddrinfo: Name or service not known\n"
        );
        let e = sys::getaddrinfo(Some("127.0.0.1"), Some("no-such-service-x"), None).unwrap_err();
        assert_eq!(e.eai(), Some(Eai::EAI_SERVICE), "{e}");
        let bad = hints(AF_UNSPEC, SOCK_STREAM, 0x7fff_0000);
        let e = sys::getaddrinfo(Some("127.0.0.1"), None, Some(&bad)).unwrap_err();
        assert_eq!(e.eai(), Some(Eai::EAI_BADFLAGS), "{e}");
        let e = sys::getaddrinfo(Some("a\0b"), None, None).unwrap_err();
        assert_eq!((e.code(), e.eai()), (Errno::EINVAL, None));
        assert_eq!(
            sys::gai_strerror(sys::EAI_NONAME),
            "Name or service not known"
        );
    })
}

#[test]
fn eai_system_carries_its_errno() {
    let e = socklab::Error::gai(Eai::EAI_SYSTEM, Errno::EMFILE, "getaddrinfo", "\"x\", NULL");
    assert_eq!(e.code(), Errno::EMFILE);
    assert_eq!(
        e.to_string(),
        "getaddrinfo(\"x\", NULL): EAI_SYSTEM (System error): EMFILE (Too many open files)"
    );
    assert_eq!(
        e.perror_line("getaddrinfo"),
        "getaddrinfo: Too many open files\n"
    );
}

#[test]
fn getnameinfo_numeric_and_errors() {
    no_leak(|| {
        let a = SockAddr::from("[::1]:9034".parse::<std::net::SocketAddr>().unwrap());
        let flags = sys::NI_NUMERICHOST | sys::NI_NUMERICSERV;
        assert_eq!(
            sys::getnameinfo(&a, flags).unwrap(),
            ("::1".into(), "9034".into())
        );
        // glibc names a Unix address too: "localhost" and the path.
        let un = SockAddr::unix("/tmp/x").unwrap();
        assert_eq!(
            sys::getnameinfo(&un, flags).unwrap(),
            ("localhost".into(), "/tmp/x".into())
        );
        // An AF_INET address cut to 4 bytes: EAI_FAMILY (its length does not fit the family).
        let short = SockAddr::from_parts(*a_v4().as_storage(), 4).unwrap();
        let e = sys::getnameinfo(&short, flags).unwrap_err();
        assert_eq!((e.eai(), e.errno()), (Some(Eai::EAI_FAMILY), 0), "{e}");
    })
}

#[test]
fn inet_pton_ntop_round_trip() {
    no_leak(|| {
        assert_eq!(
            sys::inet_pton(AF_INET, "10.1.2.3").unwrap(),
            Some(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)))
        );
        assert_eq!(sys::inet_pton(AF_INET, "10.1.2").unwrap(), None);
        assert_eq!(
            sys::inet_pton(AF_INET6, "fe80::1")
                .unwrap()
                .unwrap()
                .to_string(),
            "fe80::1"
        );
        let e = sys::inet_pton(12345, "1.2.3.4").unwrap_err();
        assert_eq!(e.code(), Errno::EAFNOSUPPORT);
        assert_eq!(
            sys::inet_ntop(AF_INET, &[192, 168, 0, 1]).unwrap(),
            "192.168.0.1"
        );
        let v6 = SockAddr::from("[2001:db8::7]:1".parse::<std::net::SocketAddr>().unwrap());
        assert_eq!(
            sys::inet_ntop(AF_INET6, v6.in_addr().unwrap()).unwrap(),
            "2001:db8::7"
        );
        let e = sys::inet_ntop(AF_INET6, &[1, 2, 3, 4]).unwrap_err();
        assert_eq!(e.code(), Errno::EINVAL);
    })
}

#[test]
fn byte_order_matches_c() {
    assert_eq!(sys::htons(0x1234).to_ne_bytes(), [0x12, 0x34]);
    assert_eq!(sys::ntohs(sys::htons(8080)), 8080);
    assert_eq!(
        sys::htonl(sys::INADDR_LOOPBACK).to_ne_bytes(),
        [127, 0, 0, 1]
    );
    assert_eq!(sys::ntohl(sys::htonl(0xdead_beef)), 0xdead_beef);
}

fn a_v4() -> SockAddr {
    SockAddr::from("127.0.0.1:1".parse::<std::net::SocketAddr>().unwrap())
}
