//! Name resolution and address text: getaddrinfo entries reproduce C's socket/bind arguments,
//! EAI errors are their own kind, getnameinfo, inet_pton/inet_ntop, byte order.

use std::ffi::CStr;
use std::net::{IpAddr, Ipv4Addr};
use std::os::raw::c_int;
use std::process::Command;

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
            assert_eq!(p.ai_addr().family(), p.ai_family());
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
}

/// C's `gai_strerror(rv)`, read from glibc itself.
fn c_gai_strerror(rv: c_int) -> String {
    // SAFETY: gai_strerror(3) takes an int and returns a static NUL-terminated string (glibc
    // returns "Unknown error" for a code it does not know, never NULL).
    let p = unsafe { libc::gai_strerror(rv) };
    assert!(!p.is_null(), "gai_strerror({rv}) returned NULL");
    // SAFETY: `p` is non-NULL and points to a static NUL-terminated string.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
}

/// C prints a resolver error as `fprintf(stderr, "prog: %s\n", gai_strerror(rv))`, for every
/// code: `EAI_SYSTEM` prints "System error" (the errno is the program's to read apart), and
/// `perror_line` prints the same line.
#[test]
fn perror_line_of_a_resolver_error_is_gai_strerror_for_every_code() {
    let codes = [
        Eai::EAI_BADFLAGS,
        Eai::EAI_NONAME,
        Eai::EAI_AGAIN,
        Eai::EAI_FAIL,
        Eai::EAI_NODATA,
        Eai::EAI_FAMILY,
        Eai::EAI_SOCKTYPE,
        Eai::EAI_SERVICE,
        Eai::EAI_MEMORY,
        Eai::EAI_SYSTEM,
        Eai::EAI_OVERFLOW,
    ];
    for eai in codes {
        let e = socklab::Error::gai(eai, Errno::EMFILE, "getaddrinfo", "\"x\", NULL");
        let c = c_gai_strerror(eai.raw());
        assert_eq!(
            e.perror_line("getaddrinfo"),
            format!("getaddrinfo: {c}\n"),
            "{eai:?}"
        );
        assert_eq!(e.perror_line(""), format!("{c}\n"), "{eai:?}");
    }
    assert_eq!(c_gai_strerror(sys::EAI_SYSTEM), "System error");
}

/// Set in the copy of this test binary that calls getnameinfo with no fd left to open.
const NOFILE_CHILD: &str = "SOCKLAB_TEST_GETNAMEINFO_NOFILE";

/// A real `EAI_SYSTEM`: getnameinfo(`NI_NAMEREQD`) with `RLIMIT_NOFILE` at 0 (glibc cannot open
/// /etc/hosts), in C (`c/gai_system.c`) and through socklab (a copy of this binary: the limit is
/// process-wide). Both print the same line and see the same errno.
#[test]
fn eai_system_prints_what_c_prints() {
    if std::env::var_os(NOFILE_CHILD).is_some() {
        return getnameinfo_without_fds();
    }
    // no_leak: hashing the source and running gcc open fds, which would race other tests' checks.
    let c_prog =
        match no_leak(|| crate::cbuild::program("gai_system.c", crate::cbuild::Flags::Strict)) {
            Ok(p) => p,
            Err(e) => return crate::common::skip(format_args!("cannot build c/gai_system.c: {e}")),
        };
    let run = |cmd: &mut Command| {
        let out = no_leak(|| cmd.output()).unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{cmd:?}: {}\n{text}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    let c = run(&mut Command::new(c_prog));
    let rust = run(Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "netdb::eai_system_prints_what_c_prints"])
        .args(["--nocapture", "--test-threads=1"])
        .env(NOFILE_CHILD, "1"));
    let want = format!(
        "getnameinfo: System error\nrv {} errno {}\n",
        sys::EAI_SYSTEM,
        libc::EMFILE
    );
    assert_eq!(c, want, "the C program");
    assert!(
        rust.contains(&want),
        "socklab printed:\n{rust}\nC printed:\n{c}"
    );
}

/// The child half: the call under `RLIMIT_NOFILE` 0, printed as `c/gai_system.c` prints it.
fn getnameinfo_without_fds() {
    let a = SockAddr::from(std::net::SocketAddr::from(([127, 0, 0, 1], 3490)));
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `old` is a writable rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) }, 0);
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: old.rlim_max,
    };
    // SAFETY: `none` is a readable rlimit; lowering the soft limit only.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &none) }, 0);
    let r = sys::getnameinfo(&a, sys::NI_NAMEREQD);
    // SAFETY: `old` is a readable rlimit, the one read above.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &old) }, 0);
    let e = r.expect_err("getnameinfo resolved with no fd to open");
    let rv = e.eai().map_or(0, Eai::raw);
    let line = format!(
        "{}rv {rv} errno {}\n",
        e.perror_line("getnameinfo"),
        e.errno()
    );
    // One write: the test harness's own output must not split the line.
    print!("{line}");
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
