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

#[test]
fn capget_shows_the_three_sets() {
    let (caps, line) = one(|| ns::capget(0).unwrap());
    let set = |f: fn(&ns::CapUserData) -> u32| {
        format!(
            "{:#x}",
            u64::from(f(&caps[1])) << 32 | u64::from(f(&caps[0]))
        )
    };
    assert_eq!(
        line,
        format!(
            "capget({{version=_LINUX_CAPABILITY_VERSION_3, pid=0}}, \
             {{effective={}, permitted={}, inheritable={}}}) = 0",
            set(|d| d.effective),
            set(|d| d.permitted),
            set(|d| d.inheritable)
        )
    );
}

/// In a thread of its own (the namespace is per thread): `unshare(CLONE_NEWNET) = 0` as root,
/// `-1 EPERM` otherwise; in the new namespace `lo` is down, so its flags are IFF_LOOPBACK alone.
#[test]
fn unshare_and_the_new_namespace_lo() {
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
                eprintln!("skipped the namespace part: unshare(CLONE_NEWNET) needs root");
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
    .unwrap();
}
