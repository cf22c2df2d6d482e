//! Canary tests of the safe calls outside the receive family that let the kernel (or libc)
//! write into memory: socketpair(2)'s `sv`, sched_getaffinity(2)'s mask, getservbyname_r(3)'s
//! buffer, select(2)'s and pselect(2)'s fd sets. The safe calls write into memory they own, so each is checked twice: the raw twin
//! over fenced caller memory, where a write past the length passed shows, then the safe call,
//! whose result must match what the kernel reports elsewhere (`/proc`, `/etc/services`).
//! fcntl(2) has no pointer form in the safe layer; its test checks the int forms instead.

use std::ffi::CString;
use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::ptr;

use socklab::sys::{self, raw, CpuSet, FcntlArg, AF_UNIX, SOCK_DGRAM, SOCK_STREAM};
use socklab::Errno;

use crate::common::no_leak;

/// The byte every guard and buffer is filled with before a call.
const CANARY: u8 = 0xA5;
/// Canary words on each side of a buffer.
const GUARD: usize = 8;

/// `GUARD` canary words, the `words`-word buffer a call gets (8-byte aligned, as any C object
/// it stands for needs), `GUARD` more.
struct Fenced {
    mem: Vec<u64>,
}

impl Fenced {
    fn new(bytes: usize) -> Fenced {
        let words = bytes.div_ceil(8);
        Fenced {
            mem: vec![u64::from_ne_bytes([CANARY; 8]); GUARD + words + GUARD],
        }
    }

    fn ptr<T>(&mut self) -> *mut T {
        self.mem[GUARD..].as_mut_ptr().cast()
    }

    fn bytes(&self) -> Vec<u8> {
        self.mem.iter().flat_map(|w| w.to_ne_bytes()).collect()
    }

    /// The first `len` bytes of the buffer after the call.
    fn inner(&self, len: usize) -> Vec<u8> {
        self.bytes()[GUARD * 8..][..len].to_vec()
    }

    /// No byte outside the first `len` bytes of the buffer changed.
    #[track_caller]
    fn assert_outside_untouched(&self, len: usize, what: &str) {
        let b = self.bytes();
        let (head, rest) = b.split_at(GUARD * 8);
        assert!(
            head.iter().chain(&rest[len..]).all(|&c| c == CANARY),
            "{what}: written outside the {len} bytes passed: {b:02x?}"
        );
    }
}

#[test]
fn socketpair_writes_two_ints_and_nothing_else() {
    no_leak(|| {
        for ty in [SOCK_STREAM, SOCK_DGRAM] {
            let mut f = Fenced::new(2 * size_of::<libc::c_int>());
            let sv = f.ptr::<libc::c_int>();
            // SAFETY: `sv` is 8-byte aligned and writable for the two ints socketpair writes.
            let rc = unsafe { raw::socketpair(AF_UNIX, ty, 0, sv) };
            assert_eq!(rc, 0, "{}", Errno::last());
            f.assert_outside_untouched(8, "socketpair sv");
            let got = f.inner(8);
            let fds: Vec<i32> = got
                .chunks_exact(4)
                .map(|c| i32::from_ne_bytes(c.try_into().unwrap()))
                .collect();
            assert!(!got.contains(&CANARY), "sv not written: {got:02x?}");
            // SAFETY: socketpair just returned these two fds; nothing else owns them.
            let (a, b) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
            assert_ne!(a.as_raw_fd(), b.as_raw_fd());
            sys::write(&a, b"x").unwrap();
            assert_eq!(sys::read(&b, &mut [0u8; 4][..]).unwrap(), 1);

            // The safe call: two distinct, open, connected fds.
            let (a, b) = sys::socketpair(AF_UNIX, ty, 0).unwrap();
            assert_ne!(a.as_raw_fd(), b.as_raw_fd());
            sys::write(&b, b"yz").unwrap();
            assert_eq!(sys::read(&a, &mut [0u8; 4][..]).unwrap(), 2);
        }
    });
}

/// The calling thread's allowed CPUs as the kernel lists them in /proc/thread-self/status
/// (`Cpus_allowed_list:` then `0-3,6`).
fn cpus_allowed_list() -> Vec<usize> {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .expect("Cpus_allowed_list in /proc/thread-self/status")
        .trim();
    let mut cpus = Vec::new();
    for part in list.split(',') {
        let (lo, hi) = part.split_once('-').unwrap_or((part, part));
        cpus.extend(lo.parse::<usize>().unwrap()..=hi.parse::<usize>().unwrap());
    }
    cpus
}

#[test]
fn sched_getaffinity_writes_only_the_mask_size_passed() {
    // no_leak: reading /proc opens fds, which would race other tests' leak checks.
    no_leak(sched_getaffinity_body);
}

fn sched_getaffinity_body() {
    assert_eq!(size_of::<CpuSet>(), size_of::<libc::cpu_set_t>());
    // The kernel copies min(size, its mask size) bytes and glibc zeroes the rest of `size`:
    // all of them are written, none past. 8 bytes hold 64 CPUs (enough for this machine;
    // EINVAL below the kernel's nr_cpu_ids is checked for, not assumed).
    for size in [8, 16, 128] {
        let mut f = Fenced::new(size);
        let mask = f.ptr::<libc::cpu_set_t>();
        // SAFETY: `mask` is 8-byte aligned and writable for `size` bytes.
        let rc = unsafe { raw::sched_getaffinity(0, size, mask) };
        if rc == -1 {
            assert_eq!(Errno::last(), Errno::EINVAL, "size {size}");
            assert!(size < 128, "a full cpu_set_t is never too small here");
            f.assert_outside_untouched(0, "sched_getaffinity EINVAL");
            continue;
        }
        assert_eq!(rc, 0);
        f.assert_outside_untouched(size, &format!("sched_getaffinity({size})"));
        let bits = f.inner(size);
        let cpus: Vec<usize> = (0..size * 8)
            .filter(|&c| bits[c / 8] & (1 << (c % 8)) != 0)
            .collect();
        assert_eq!(cpus, cpus_allowed_list(), "size {size}: {bits:02x?}");
    }
    // The safe call returns exactly the kernel's list.
    let set = sys::sched_getaffinity(0).unwrap();
    assert_eq!(set.iter().collect::<Vec<_>>(), cpus_allowed_list());
}

#[test]
fn getservbyname_r_stays_within_its_buffer() {
    // no_leak: the lookup opens /etc/services, which would race other tests' leak checks.
    no_leak(getservbyname_r_body);
}

fn getservbyname_r_body() {
    if !std::path::Path::new("/etc/services").exists() {
        crate::common::skip("no /etc/services here (CI installs netbase)");
        return;
    }
    let (name, proto) = (CString::new("http").unwrap(), CString::new("tcp").unwrap());
    // Too small for the strings (ERANGE), then large enough: libc may use all `len` bytes and
    // none past them, and the entry's strings point inside them.
    for len in [4, 1024] {
        let mut f = Fenced::new(len);
        let buf = f.ptr::<libc::c_char>();
        // SAFETY: servent is pointers and an int; all zero (NULL, 0) is a valid value.
        let mut ent: libc::servent = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::servent = ptr::null_mut();
        // SAFETY: NUL-terminated name and proto, writable `ent`/`result`, `buf` writable for
        // `len` bytes.
        let rc = unsafe {
            raw::getservbyname_r(
                name.as_ptr(),
                proto.as_ptr(),
                &mut ent,
                buf,
                len,
                &mut result,
            )
        };
        f.assert_outside_untouched(len, &format!("getservbyname_r buflen {len}"));
        if len == 4 {
            assert_eq!((rc, result.is_null()), (libc::ERANGE, true));
            continue;
        }
        assert_eq!(rc, 0);
        assert_eq!(result, &mut ent as *mut libc::servent);
        let inside =
            |p: *const libc::c_char| (buf as usize..buf as usize + len).contains(&(p as usize));
        assert!(inside(ent.s_name) && inside(ent.s_proto));
        assert_eq!(u16::from_be(ent.s_port as u16), 80);
    }
    // The safe call grows its buffer past ERANGE and copies the strings out.
    let s = sys::getservbyname("http", Some("tcp")).unwrap().unwrap();
    assert_eq!(
        (s.name.as_str(), s.port, s.proto.as_str()),
        ("http", 80, "tcp")
    );
}

/// The `flags:` field of /proc/self/fdinfo/N (octal): the status flags and O_CLOEXEC.
fn fdinfo_flags(fd: &OwnedFd) -> libc::c_int {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd())).unwrap();
    let flags = info.lines().find_map(|l| l.strip_prefix("flags:")).unwrap();
    libc::c_int::from_str_radix(flags.trim(), 8).unwrap()
}

/// Every `FcntlArg` is an int command (no form hands the kernel a pointer, so there is no
/// caller memory to fence): each one's value must be what the kernel keeps, as /proc shows it.
#[test]
fn fcntl_int_forms_match_fdinfo() {
    no_leak(|| {
        let (a, _b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let fl = sys::fcntl(&a, FcntlArg::GetFl).unwrap();
        assert_eq!(fl & !libc::O_CLOEXEC, fdinfo_flags(&a) & !libc::O_CLOEXEC);
        sys::fcntl(&a, FcntlArg::SetFl(fl | libc::O_NONBLOCK)).unwrap();
        assert_ne!(fdinfo_flags(&a) & libc::O_NONBLOCK, 0);
        assert_ne!(
            sys::fcntl(&a, FcntlArg::GetFl).unwrap() & libc::O_NONBLOCK,
            0
        );
        assert_eq!(sys::fcntl(&a, FcntlArg::GetFd).unwrap(), 0);
        assert_eq!(
            sys::fcntl(&a, FcntlArg::SetFd(libc::FD_CLOEXEC)).unwrap(),
            0
        );
        assert_eq!(sys::fcntl(&a, FcntlArg::GetFd).unwrap(), libc::FD_CLOEXEC);
        assert_ne!(fdinfo_flags(&a) & libc::O_CLOEXEC, 0);
    });
}

/// select(2) and pselect(2) copy each set in and out in whole `unsigned long`s: nfds 5 is one
/// 8-byte word, so a 1-byte set gets the next 7 bytes overwritten (with the kernel's zeroes for
/// fds 8..63). That is why raw::select's contract rounds nfds up to whole words. The safe
/// `FdSet` is FD_SETSIZE bits, 16 whole words, and nfds is capped at FD_SETSIZE, so the kernel
/// stays inside it.
///
/// The kernel first caps nfds at the size of the process's fd table (64 slots until an fd
/// numbered 64 or more has been open), so in a process started with few fds, nfds 65 copies one
/// word, not two. The test grows the table first, so the copy is the whole words of nfds.
#[test]
fn select_reads_and_writes_whole_words_of_each_set() {
    no_leak(|| {
        let word = size_of::<libc::c_ulong>();
        {
            let (a, _b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
            // SAFETY: F_DUPFD_CLOEXEC takes an int and returns a new fd (>= 128) that we own.
            let high = unsafe { raw::fcntl(a.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 128) };
            assert!(high >= 128, "F_DUPFD_CLOEXEC: {}", Errno::last());
            // SAFETY: `high` was just returned by fcntl and nothing else owns it.
            drop(unsafe { OwnedFd::from_raw_fd(high) });
        }
        for pselect in [false, true] {
            for (nfds, words) in [(5, 1), (64, 1), (65, 2)] {
                let len = words * word;
                let mut f = Fenced::new(len);
                let set = f.ptr::<u8>();
                // The bits below nfds ask for no fd (so no EBADF); the rest stays canary.
                let asked = (nfds as usize).div_ceil(8);
                // SAFETY: `set` is writable for `len` >= `asked` bytes (the middle of `f`).
                unsafe { set.write_bytes(0, asked) };
                let set = set.cast::<libc::fd_set>();
                let (null, mut tv) = (
                    ptr::null_mut(),
                    libc::timeval {
                        tv_sec: 0,
                        tv_usec: 0,
                    },
                );
                let ts = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                // SAFETY: `set` is writable for `len` bytes, nfds rounded up to whole words (the
                // contract); the other sets and the mask are NULL; the timeouts are live.
                let rc = unsafe {
                    if pselect {
                        raw::pselect(nfds, set, null, null, &ts, ptr::null())
                    } else {
                        raw::select(nfds, set, null, null, &mut tv)
                    }
                };
                assert_eq!(rc, 0, "{}", Errno::last());
                let what = format!("pselect={pselect} nfds={nfds}");
                f.assert_outside_untouched(len, &what);
                assert_eq!(
                    f.inner(len),
                    vec![0; len],
                    "{what}: whole words written back"
                );
            }
        }
        // The safe set: its size is whole words, and nfds = FD_SETSIZE (the most the safe call
        // passes) stays inside it.
        assert_eq!(size_of::<sys::FdSet>() * 8, sys::FD_SETSIZE);
        assert_eq!(size_of::<sys::FdSet>() % word, 0);
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::write(&a, b"x").unwrap();
        let size = size_of::<sys::FdSet>();
        let mut f = Fenced::new(size);
        let p = f.ptr::<sys::FdSet>();
        // SAFETY: `p` is 8-aligned (an FdSet's alignment) and writable for one FdSet.
        unsafe { p.write(sys::FdSet::new()) };
        // SAFETY: `p` holds the FdSet just written; this is the only reference to it.
        let set = unsafe { &mut *p };
        set.insert(b.as_fd()).unwrap();
        let mut tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        };
        let max = sys::FD_SETSIZE as i32;
        assert_eq!(
            sys::select(max, Some(set), None, None, Some(&mut tv)).unwrap(),
            1
        );
        f.assert_outside_untouched(size, "safe select");
        let e = sys::select(max + 1, Some(set), None, None, Some(&mut tv)).unwrap_err();
        assert_eq!(e.code(), Errno::EINVAL);
        f.assert_outside_untouched(size, "safe select, nfds refused");
    });
}

/// capget(2) and the interface ioctls of `sys::ns` (experiments' Linux extras): the kernel
/// writes two `CapUserData` for version 3, one `ifreq` for SIOCGIFFLAGS and one
/// `ethtool_value` for ETHTOOL_GGSO, and not a byte past them.
#[cfg(feature = "experiments")]
mod ns_calls {
    use super::*;
    use socklab::sys::ns::{self, CapUserData, CapUserHeader, EthtoolValue};

    #[test]
    fn capget_v3_writes_two_data_words_and_no_more() {
        // no_leak: reading /proc opens an fd, which would race other tests' leak checks.
        no_leak(capget_body);
    }

    fn capget_body() {
        let size = 2 * size_of::<CapUserData>();
        let mut f = Fenced::new(size);
        let mut hdr = CapUserHeader {
            version: ns::CAP_VERSION_3,
            pid: 0,
        };
        // SAFETY: `hdr` is a live header; the data pointer is 8-aligned and writable for two
        // CapUserData (the middle of `f`).
        let rc = unsafe { ns::raw::capget(&mut hdr, f.ptr()) };
        assert_eq!(rc, 0, "{}", Errno::last());
        f.assert_outside_untouched(size, "capget v3");
        // The safe call reports the same effective set /proc shows.
        let caps = ns::capget(0).unwrap();
        let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
        let eff = status
            .lines()
            .find_map(|l| l.strip_prefix("CapEff:"))
            .unwrap();
        let eff = u64::from_str_radix(eff.trim(), 16).unwrap();
        assert_eq!(
            u64::from(caps[0].effective) | u64::from(caps[1].effective) << 32,
            eff
        );
    }

    #[test]
    fn interface_ioctls_write_one_struct_and_no_more() {
        no_leak(|| {
            let fd = sys::socket(libc::AF_INET, SOCK_DGRAM, 0).unwrap();
            let size = size_of::<libc::ifreq>();
            let mut f = Fenced::new(size);
            let ifr = f.ptr::<libc::ifreq>();
            // SAFETY: ifreq is a C struct of a char array and a union of plain values and a
            // pointer; all-zero bytes is a valid value.
            let mut lo: libc::ifreq = unsafe { std::mem::zeroed() };
            lo.ifr_name[..2].copy_from_slice(&[b'l' as libc::c_char, b'o' as _]);
            // SAFETY: `ifr` is 8-aligned and writable for one ifreq.
            unsafe { ifr.write(lo) };
            // SAFETY: `ifr` is a live, initialized ifreq; SIOCGIFFLAGS on a socket takes one.
            let rc = unsafe { ns::raw::ioctl_ifreq(fd.as_raw_fd(), libc::SIOCGIFFLAGS, ifr) };
            assert_eq!(rc, 0, "{}", Errno::last());
            f.assert_outside_untouched(size, "SIOCGIFFLAGS");
            // SAFETY: the ioctl succeeded, so the kernel wrote ifru_flags; any c_short is valid.
            let flags = unsafe { (*ifr).ifr_ifru.ifru_flags };
            assert_eq!(flags, ns::ioctl_siocgifflags(&fd, "lo").unwrap());

            let size = size_of::<EthtoolValue>();
            let mut v = Fenced::new(size);
            let value = v.ptr::<EthtoolValue>();
            // SAFETY: `value` is 8-aligned and writable for one EthtoolValue.
            unsafe { value.write(EthtoolValue { cmd: 0x23, data: 0 }) }; // ETHTOOL_GGSO
            let mut ifr = lo;
            ifr.ifr_ifru.ifru_data = value.cast();
            // SAFETY: `ifr` is a live ifreq whose ifr_data points to one writable
            // ethtool_value, the argument of ETHTOOL_GGSO.
            let rc = unsafe { ns::raw::ioctl_ifreq(fd.as_raw_fd(), libc::SIOCETHTOOL, &mut ifr) };
            assert_eq!(rc, 0, "{}", Errno::last());
            v.assert_outside_untouched(size, "SIOCETHTOOL ETHTOOL_GGSO");
            // SAFETY: the kernel wrote the value back; EthtoolValue is two u32s.
            let got = unsafe { value.read() };
            assert_eq!(
                got.data,
                ns::ioctl_siocethtool_value(&fd, "lo", 0x23, 0).unwrap()
            );
        });
    }
}
