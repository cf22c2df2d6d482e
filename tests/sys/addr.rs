//! Tests: `SockAddr` — round trips for every kind of address, exact `Display`, length-only
//! equality, the checks on raw parts and Unix names, and addresses the kernel filled in.

use std::collections::HashSet;
use std::mem::size_of;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::path::Path;

use libc::{sockaddr_in, sockaddr_in6, sockaddr_storage, sockaddr_un};
use socklab::sys::{self, AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, SOCK_DGRAM, SOCK_STREAM};
use socklab::{Errno, SockAddr};

use crate::common::{abstract_name, assert_errno, no_leak, unix_path, v4_any, v6_any, TempPath};

/// `offsetof(sockaddr_un, sun_path)`: a Unix address's length with no path.
const SUN_PATH_OFFSET: usize = 2;

/// A deterministic spread of ports: the edges plus a stride across the range.
fn ports() -> impl Iterator<Item = u16> {
    [0, 1, 80, 255, 256, 8080, 32768, 65534, 65535]
        .into_iter()
        .chain((0..=65535u32).step_by(4099).map(|p| p as u16))
}

#[test]
fn v4_round_trips_and_displays_like_std() {
    no_leak(|| {
        let ips = [
            Ipv4Addr::UNSPECIFIED,
            Ipv4Addr::LOCALHOST,
            Ipv4Addr::BROADCAST,
            Ipv4Addr::new(10, 1, 2, 3),
            Ipv4Addr::new(192, 168, 255, 1),
            Ipv4Addr::new(1, 0, 0, 128),
        ];
        let mut count = 0;
        for ip in ips {
            for port in ports() {
                let std_addr = SocketAddrV4::new(ip, port);
                let a = SockAddr::from(std_addr);
                assert_eq!(a.family(), AF_INET);
                assert_eq!(a.len() as usize, size_of::<sockaddr_in>());
                assert_eq!(a.as_socket_v4(), Some(std_addr));
                assert_eq!(a.as_socket(), Some(SocketAddr::V4(std_addr)));
                assert_eq!(a.as_socket_v6(), None);
                assert_eq!(a.to_string(), std_addr.to_string());
                // Network byte order on the wire: port then address, big-endian.
                let b = a.as_bytes();
                assert_eq!(&b[2..4], &port.to_be_bytes());
                assert_eq!(&b[4..8], &ip.octets());
                assert_eq!(&b[8..16], &[0; 8], "sin_zero stays zero");
                count += 1;
            }
        }
        assert!(count > 90);
    });
}

#[test]
fn v6_round_trips_scope_id_and_flowinfo() {
    no_leak(|| {
        let ips: [Ipv6Addr; 4] = [
            Ipv6Addr::UNSPECIFIED,
            Ipv6Addr::LOCALHOST,
            "fe80::1:2".parse().unwrap(),
            "2001:db8::ffff:1.2.3.4".parse().unwrap(),
        ];
        for ip in ips {
            for (i, port) in ports().enumerate() {
                let (flow, scope) = (i as u32 * 0x1_0101, (i as u32) % 5);
                let std_addr = SocketAddrV6::new(ip, port, flow, scope);
                let a = SockAddr::from(std_addr);
                assert_eq!(a.family(), AF_INET6);
                assert_eq!(a.len() as usize, size_of::<sockaddr_in6>());
                let back = a.as_socket_v6().unwrap();
                assert_eq!(back, std_addr);
                assert_eq!((back.flowinfo(), back.scope_id()), (flow, scope));
                assert_eq!(a.as_socket_v4(), None);
                assert_eq!(a.to_string(), std_addr.to_string());
                assert_eq!(SockAddr::from(SocketAddr::V6(std_addr)), a);
            }
        }
        let scoped = SockAddr::from(SocketAddrV6::new("fe80::1".parse().unwrap(), 80, 0, 3));
        assert_eq!(scoped.to_string(), "[fe80::1%3]:80");
    });
}

#[test]
fn display_strings_are_exact() {
    no_leak(|| {
        // Display only: no socket binds these.
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let v6: SocketAddr = "[::1]:443".parse().unwrap();
        let cases = [
            (SockAddr::from(v4), "127.0.0.1:80"),
            (SockAddr::from(v6), "[::1]:443"),
            (SockAddr::unix("/tmp/x.sock").unwrap(), "\"/tmp/x.sock\""),
            (SockAddr::unix_abstract(b"name").unwrap(), "@name"),
            (SockAddr::unix_abstract(b"a\0b\n").unwrap(), "@a\\x00b\\n"),
            (SockAddr::unix_unnamed(), "(unnamed)"),
            (
                SockAddr::from_parts(*SockAddr::empty().as_storage(), 0).unwrap(),
                "(none)",
            ),
            (SockAddr::empty(), "{family 0, len 128}"),
        ];
        for (a, want) in cases {
            assert_eq!(a.to_string(), want);
            assert_eq!(format!("{a:?}"), format!("SockAddr({want})"));
        }
    });
}

#[test]
fn unix_path_round_trips_with_the_nul_counted() {
    no_leak(|| {
        for path in [
            "/tmp/x.sock",
            "relative.sock",
            "/",
            "a",
            "/tmp/with space/é.sock",
        ] {
            let a = SockAddr::unix(path).unwrap();
            assert_eq!(a.family(), AF_UNIX);
            assert_eq!(a.len() as usize, SUN_PATH_OFFSET + path.len() + 1);
            assert_eq!(a.as_unix_path(), Some(Path::new(path)));
            assert_eq!(a.as_abstract_name(), None);
            assert!(!a.is_unnamed());
            assert_eq!(a.as_socket(), None);
            assert_eq!(
                a.as_bytes().last(),
                Some(&0),
                "the terminating NUL is inside len"
            );
            assert_eq!(a.to_string(), format!("{path:?}"));
        }
    });
}

#[test]
fn abstract_and_unnamed_round_trip() {
    no_leak(|| {
        for name in [&b"n"[..], b"socklab", b"with\0nul", &[0xff; 107]] {
            let a = SockAddr::unix_abstract(name).unwrap();
            assert_eq!(
                a.len() as usize,
                SUN_PATH_OFFSET + 1 + name.len(),
                "no terminator"
            );
            assert_eq!(a.as_abstract_name(), Some(name));
            assert_eq!(a.as_unix_path(), None);
            assert!(!a.is_unnamed());
        }
        let empty_name = SockAddr::unix_abstract(b"").unwrap();
        assert_eq!(empty_name.as_abstract_name(), Some(&b""[..]));
        assert_eq!(empty_name.to_string(), "@");

        let u = SockAddr::unix_unnamed();
        assert_eq!((u.family(), u.len() as usize), (AF_UNIX, SUN_PATH_OFFSET));
        assert!(u.is_unnamed());
        assert_eq!((u.as_unix_path(), u.as_abstract_name()), (None, None));
        assert!(!SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 1))).is_unnamed());
    });
}

#[test]
fn unix_path_limits_are_107_bytes_with_errors_for_longer_empty_and_nul() {
    no_leak(|| {
        let fits = format!("/{}", "f".repeat(106));
        let a = SockAddr::unix(&fits).unwrap();
        assert_eq!(
            a.len() as usize,
            size_of::<sockaddr_un>(),
            "107 + NUL fills sun_path"
        );
        assert_eq!(a.as_unix_path(), Some(Path::new(&fits)));

        let over = format!("/{}", "f".repeat(107));
        let e = assert_errno(SockAddr::unix(&over), Errno::ENAMETOOLONG, "SockAddr::unix");
        assert!(
            e.to_string().ends_with(
                ": path is 108 bytes; sun_path holds at most 107 bytes plus the terminating NUL"
            ),
            "{e}"
        );
        assert!(SockAddr::unix_abstract(&[b'x'; 107]).is_ok());
        assert_errno(
            SockAddr::unix_abstract(&[b'x'; 108]),
            Errno::ENAMETOOLONG,
            "SockAddr::unix_abstract",
        );
        let e = assert_errno(SockAddr::unix(""), Errno::EINVAL, "SockAddr::unix");
        assert!(e.to_string().contains("unix_unnamed"), "{e}");
        let e = assert_errno(SockAddr::unix("/tmp/a\0b"), Errno::EINVAL, "SockAddr::unix");
        assert!(
            e.to_string().ends_with("the path contains a NUL byte"),
            "{e}"
        );
    });
}

#[test]
fn equality_and_hash_look_at_len_bytes_only() {
    no_leak(|| {
        // C style: the length covers the path without its NUL. Past it, the two storages differ
        // ("\0" vs "XYZ"), as garbage past addrlen does in C.
        let len = (SUN_PATH_OFFSET + "/tmp/eq.sock".len()) as u32;
        let clean = SockAddr::unix("/tmp/eq.sock").unwrap();
        let dirty = SockAddr::unix("/tmp/eq.sockXYZ").unwrap();
        assert_ne!(clean.as_storage().ss_family, 0);
        let a = SockAddr::from_parts(*clean.as_storage(), len).unwrap();
        let b = SockAddr::from_parts(*dirty.as_storage(), len).unwrap();
        assert_ne!(clean, dirty);
        assert_eq!(a, b, "bytes past len do not count");
        assert_eq!(a.as_bytes().len(), len as usize);
        let set: HashSet<SockAddr> = [a, b].into_iter().collect();
        assert_eq!(set.len(), 1, "hash agrees with equality");
        assert_eq!(
            a.as_unix_path(),
            Some(Path::new("/tmp/eq.sock")),
            "no NUL: still reads"
        );

        assert_ne!(a, clean, "a different len is a different address");
        let p1 = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 1)));
        let p2 = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 2)));
        assert_ne!(p1, p2);
        assert_eq!(
            p1,
            SockAddr::from("127.0.0.1:1".parse::<SocketAddr>().unwrap())
        );
    });
}

#[test]
fn from_parts_rejects_a_length_past_sockaddr_storage() {
    no_leak(|| {
        let st = *SockAddr::empty().as_storage();
        let max = size_of::<sockaddr_storage>() as u32;
        assert_eq!(SockAddr::from_parts(st, max).unwrap().len(), 128);
        let e = assert_errno(
            SockAddr::from_parts(st, max + 1),
            Errno::EINVAL,
            "SockAddr::from_parts",
        );
        assert_eq!(
            e.to_string(),
            "SockAddr::from_parts(len 129): EINVAL (Invalid argument): sockaddr_storage holds 128 bytes"
        );
        assert!(SockAddr::from_parts(st, u32::MAX).is_err());
    });
}

#[test]
fn decoding_rejects_the_wrong_family_and_short_lengths() {
    no_leak(|| {
        let v4 = SockAddr::from(SocketAddr::from(([10, 0, 0, 1], 53)));
        let v6 = SockAddr::from("[::1]:53".parse::<SocketAddr>().unwrap());
        // Full storage, wrong family claimed by the caller.
        assert_eq!(v4.as_socket_v6(), None);
        assert_eq!(v6.as_socket_v4(), None);
        assert_eq!(v4.as_unix_path(), None);
        assert_eq!(v4.as_abstract_name(), None);

        let short4 = SockAddr::from_parts(*v4.as_storage(), 15).unwrap();
        assert_eq!(short4.family(), AF_INET);
        assert_eq!((short4.as_socket_v4(), short4.as_socket()), (None, None));
        assert_eq!(short4.to_string(), "{family 2, len 15}");
        let short6 = SockAddr::from_parts(*v6.as_storage(), 27).unwrap();
        assert_eq!(short6.as_socket_v6(), None);
        // A v6 length does not make v4 storage a v6 address.
        let v4_as_6 = SockAddr::from_parts(*v4.as_storage(), 28).unwrap();
        assert_eq!(v4_as_6.as_socket_v6(), None);
        assert_eq!(v4_as_6.as_socket_v4(), Some("10.0.0.1:53".parse().unwrap()));

        // Shorter than sa_family itself: no family at all.
        let one = SockAddr::from_parts(*v4.as_storage(), 1).unwrap();
        assert_eq!(one.family(), AF_UNSPEC);
        assert!(!one.is_empty());
        let none = SockAddr::from_parts(*v4.as_storage(), 0).unwrap();
        assert!(none.is_empty());
        assert_eq!(none.as_bytes(), &[] as &[u8]);
        assert_eq!(none.to_string(), "(none)");
    });
}

#[test]
fn empty_is_a_full_length_unspec_buffer() {
    no_leak(|| {
        let e = SockAddr::empty();
        assert_eq!(e.family(), AF_UNSPEC);
        assert_eq!(e.len() as usize, size_of::<sockaddr_storage>());
        assert!(e.as_bytes().iter().all(|&b| b == 0));
        assert!(!e.is_empty());
        assert_eq!((e.as_socket(), e.as_unix_path()), (None, None));
        assert!(!e.is_unnamed());
        assert_eq!(e.as_ptr().cast::<u8>(), e.as_bytes().as_ptr());
    });
}

#[test]
fn kernel_filled_unix_addresses_decode_to_what_was_bound() {
    no_leak(|| {
        let path = TempPath::new("kernel-filled");
        let fd = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::bind(&fd, &path.addr()).unwrap();
        let got = sys::getsockname(&fd).unwrap();
        assert_eq!(got, path.addr(), "same length, same bytes");
        assert_eq!(got.as_unix_path(), Some(path.0.as_path()));
        assert_eq!(got.to_string(), format!("{:?}", path.0));

        let name = abstract_name("kernel-filled");
        let abs = SockAddr::unix_abstract(&name).unwrap();
        let fd = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &abs).unwrap();
        let got = sys::getsockname(&fd).unwrap();
        assert_eq!(got, abs);
        assert_eq!(got.as_abstract_name(), Some(&name[..]));

        let (a, _b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        assert_eq!(sys::getsockname(&a).unwrap(), SockAddr::unix_unnamed());

        // The longest names socklab builds fill sockaddr_un exactly; the kernel agrees.
        let stem = unix_path("max");
        let stem = stem.to_str().unwrap();
        let longest = TempPath(format!("{stem}{}", "m".repeat(107 - stem.len())).into());
        let fd = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::bind(&fd, &longest.addr()).unwrap();
        let got = sys::getsockname(&fd).unwrap();
        assert_eq!(got.len() as usize, size_of::<sockaddr_un>());
        assert_eq!(got, longest.addr());
        let mut name = abstract_name("max");
        name.resize(107, b'z');
        let abs = SockAddr::unix_abstract(&name).unwrap();
        let fd = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &abs).unwrap();
        assert_eq!(sys::getsockname(&fd).unwrap(), abs);
    });
}

#[test]
fn kernel_filled_ip_addresses_equal_the_std_built_ones() {
    no_leak(|| {
        for any in [v4_any(), v6_any()] {
            let fd = sys::socket(any.family(), SOCK_DGRAM, 0).unwrap();
            sys::bind(&fd, &any).unwrap();
            let got = sys::getsockname(&fd).unwrap();
            let rebuilt = SockAddr::from(got.as_socket().unwrap());
            assert_eq!(got, rebuilt, "kernel bytes == socklab bytes for {got}");
            assert_eq!(got.len(), any.len());
        }
    });
}
