//! The Linux extras of `sys::ns` (feature `experiments`) are traced like every socket call:
//! the exact line of unshare, the interface ioctls and capget.

use std::os::fd::AsRawFd;

use socklab::sys::{self, ns, Errno, AF_INET, SOCK_DGRAM};
use socklab::trace::capture;

use super::common::no_leak;

/// Runs `f` under capture and returns its one line.
#[track_caller]
fn one<R>(f: impl FnOnce() -> R) -> (R, String) {
    let (r, mut lines) = capture(f);
    assert_eq!(lines.len(), 1, "{lines:?}");
    (r, lines.pop().unwrap())
}

#[test]
fn interface_ioctls_show_the_name_and_flags() {
    no_leak(|| {
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        let n = fd.as_raw_fd();
        let (flags, line) = one(|| ns::ioctl_siocgifflags(&fd, "lo").unwrap());
        assert!(flags & libc::IFF_LOOPBACK as libc::c_short != 0);
        let prefix = format!("ioctl({n}, SIOCGIFFLAGS, {{ifr_name=\"lo\", ifr_flags=");
        assert!(line.starts_with(&prefix), "{line}");
        assert!(
            line.contains("IFF_LOOPBACK") && line.ends_with("}) = 0"),
            "{line}"
        );

        let (err, line) = one(|| ns::ioctl_siocgifflags(&fd, "nosuchif0").unwrap_err());
        assert_eq!(err.code(), Errno::ENODEV);
        assert_eq!(
            line,
            format!(
                "ioctl({n}, SIOCGIFFLAGS, {{ifr_name=\"nosuchif0\"}}) = -1 ENODEV (No such device)"
            )
        );

        let (_, line) = one(|| ns::ioctl_siocethtool_value(&fd, "lo", ns::ETHTOOL_GGSO, 0));
        let prefix = format!("ioctl({n}, SIOCETHTOOL, {{ifr_name=\"lo\", ifr_data=0x");
        assert!(line.starts_with(&prefix), "{line}");
    });
}

/// In a thread of its own (capabilities are per thread): its effective set cut to
/// `CAP_NET_ADMIN`/`CAP_NET_RAW` (those it has), its inheritable set emptied, then read back;
/// both lines print the sets as strace does (`1<<CAP_NET_ADMIN|1<<CAP_NET_RAW`, `0`).
#[test]
fn capset_and_capget_show_the_sets_by_name() {
    // Under the fd-count lock: the other tests of this binary count fds.
    no_leak(|| {
        std::thread::spawn(|| {
            let mut caps = ns::capget(0).unwrap();
            let net = 1 << 12 | 1 << ns::CAP_NET_RAW; // CAP_NET_ADMIN is 12
            caps[0].effective = caps[0].permitted & net;
            caps[1].effective = 0;
            caps[0].inheritable = 0;
            caps[1].inheritable = 0;
            let effective = match caps[0].effective {
                0 => "0",
                e if e == net => "1<<CAP_NET_ADMIN|1<<CAP_NET_RAW",
                e if e == 1 << 12 => "1<<CAP_NET_ADMIN",
                _ => "1<<CAP_NET_RAW",
            };
            let head = "({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=";
            for (call, line) in [
                ("capset", one(|| ns::capset(&caps).unwrap()).1),
                ("capget", one(|| ns::capget(0).unwrap()).1),
            ] {
                let start = format!("{call}{head}{effective}, permitted=");
                assert!(line.starts_with(&start), "{line}\nwanted {start}…");
                assert!(line.ends_with(", inheritable=0}) = 0"), "{line}");
            }
        })
        .join()
        .unwrap()
    });
}

/// In a thread of its own (the namespace is per thread): `unshare(CLONE_NEWNET) = 0` as root,
/// `-1 EPERM` otherwise; in the new namespace `lo` is down, so its flags are IFF_LOOPBACK alone.
#[test]
fn unshare_and_the_new_namespace_lo() {
    // Under the fd-count lock: the other tests of this binary count fds.
    no_leak(|| {
        std::thread::spawn(|| {
            let (r, line) = one(|| ns::unshare(libc::CLONE_NEWNET));
            match r {
                Ok(()) => assert_eq!(line, "unshare(CLONE_NEWNET) = 0"),
                Err(e) => {
                    assert_eq!(e.code(), Errno::EPERM);
                    assert_eq!(
                        line,
                        "unshare(CLONE_NEWNET) = -1 EPERM (Operation not permitted)"
                    );
                    super::common::skip("the namespace part: unshare(CLONE_NEWNET) needs root");
                    return;
                }
            }
            let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
            let (_, line) = one(|| ns::ioctl_siocgifflags(&fd, "lo").unwrap());
            assert_eq!(
                line,
                format!(
                    "ioctl({}, SIOCGIFFLAGS, {{ifr_name=\"lo\", ifr_flags=IFF_LOOPBACK}}) = 0",
                    fd.as_raw_fd()
                )
            );
        })
        .join()
        .unwrap()
    });
}
