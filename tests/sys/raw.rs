//! Tests: what only `sys::raw` can ask — bad lengths, unknown families, a `how` of -1, NULL
//! pointers in odd places — each with the answer the Linux kernel gives.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::raw::c_int;
use std::ptr;

use libc::{sockaddr, socklen_t};
use socklab::sys::{self, raw, AF_INET, AF_UNIX, MSG_DONTWAIT, MSG_TRUNC, SOCK_DGRAM, SOCK_STREAM};
use socklab::{Errno, SockAddr};

use crate::common::{no_leak, port_of, unix_path, v4_any, TempPath};

/// Asserts a raw call returned -1 with `want` in errno. Call it directly on the raw call's result,
/// so nothing can touch errno in between.
#[track_caller]
fn fails_with<T: PartialEq + std::fmt::Debug + From<i8>>(rc: T, want: Errno) {
    let errno = Errno::last();
    assert_eq!((rc, errno), (T::from(-1), want));
}

/// An IPv4 address with its family field replaced, keeping the rest (and the length) as built.
fn with_family(addr: &SockAddr, family: c_int) -> SockAddr {
    let mut storage = *addr.as_storage();
    storage.ss_family = family as libc::sa_family_t;
    SockAddr::from_parts(storage, addr.len()).unwrap()
}

/// A TCP listener on 127.0.0.1 with one client already connected (queued, not yet accepted).
fn listener_with_pending() -> (OwnedFd, OwnedFd) {
    let lst = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
    sys::bind(&lst, &v4_any()).unwrap();
    sys::listen(&lst, 4).unwrap();
    let cli = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
    sys::connect(&cli, &sys::getsockname(&lst).unwrap()).unwrap();
    (lst, cli)
}

#[test]
fn bind_with_addrlen_3_is_einval() {
    no_leak(|| {
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        let addr = v4_any();
        // SAFETY: `addr` is readable for 16 bytes, more than the 3 we claim.
        fails_with(
            unsafe { raw::bind(fd.as_raw_fd(), addr.as_ptr(), 3) },
            Errno::EINVAL,
        );
        // One byte short of sockaddr_in is still too short.
        // SAFETY: as above, 15 < 16.
        fails_with(
            unsafe { raw::bind(fd.as_raw_fd(), addr.as_ptr(), 15) },
            Errno::EINVAL,
        );
        // SAFETY: as above, exactly sizeof(sockaddr_in).
        assert_eq!(unsafe { raw::bind(fd.as_raw_fd(), addr.as_ptr(), 16) }, 0);
    });
}

#[test]
fn addrlen_past_sockaddr_storage_is_einval_before_the_protocol_looks() {
    no_leak(|| {
        let fd = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        let buf = [0u8; 256];
        let p = buf.as_ptr().cast::<sockaddr>();
        // SAFETY: `buf` is readable for 256 bytes, more than the 129 claimed.
        fails_with(
            unsafe { raw::connect(fd.as_raw_fd(), p, 129) },
            Errno::EINVAL,
        );
        // SAFETY: as above.
        fails_with(unsafe { raw::bind(fd.as_raw_fd(), p, 129) }, Errno::EINVAL);
    });
}

#[test]
fn sa_family_47_is_eafnosupport_for_bind_connect_and_sendto() {
    no_leak(|| {
        let bogus = with_family(&v4_any(), 47);
        assert_eq!(bogus.to_string(), "{family 47, len 16}");
        let tcp = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        // SAFETY: `bogus` is readable for its len() bytes.
        let rc = unsafe { raw::bind(tcp.as_raw_fd(), bogus.as_ptr(), bogus.len()) };
        fails_with(rc, Errno::EAFNOSUPPORT);
        // SAFETY: as above.
        let rc = unsafe { raw::connect(tcp.as_raw_fd(), bogus.as_ptr(), bogus.len()) };
        fails_with(rc, Errno::EAFNOSUPPORT);
        let udp = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        let msg = b"x";
        // SAFETY: `msg` is readable for 1 byte, `bogus` for its len() bytes.
        let rc = unsafe {
            raw::sendto(
                udp.as_raw_fd(),
                msg.as_ptr().cast(),
                1,
                0,
                bogus.as_ptr(),
                bogus.len(),
            )
        };
        fails_with(rc, Errno::EAFNOSUPPORT);
        // The safe layer passes the same bytes and gets the same answer, with a message.
        let e = sys::bind(&tcp, &bogus).unwrap_err();
        assert_eq!(e.code(), Errno::EAFNOSUPPORT);
        assert!(e.to_string().contains("{family 47, len 16}"));
    });
}

#[test]
fn shutdown_with_how_minus_one_or_three_is_einval() {
    no_leak(|| {
        let (a, _b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        for how in [-1, 3, 42] {
            // SAFETY: shutdown takes no pointers; `a` is open.
            fails_with(unsafe { raw::shutdown(a.as_raw_fd(), how) }, Errno::EINVAL);
        }
        // Even on an unconnected TCP socket `how` is checked first: EINVAL, not ENOTCONN.
        let tcp = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        // SAFETY: as above.
        fails_with(unsafe { raw::shutdown(tcp.as_raw_fd(), -1) }, Errno::EINVAL);
        // SAFETY: as above.
        let rc = unsafe { raw::shutdown(tcp.as_raw_fd(), libc::SHUT_RDWR) };
        fails_with(rc, Errno::ENOTCONN);
    });
}

#[test]
fn accept_with_null_addr_but_a_length_ignores_the_length() {
    no_leak(|| {
        let (lst, _cli) = listener_with_pending();
        let mut len: socklen_t = 12345;
        // SAFETY: addr is NULL, so the kernel writes no address; `len` is a live socklen_t.
        let fd = unsafe { raw::accept(lst.as_raw_fd(), ptr::null_mut(), &mut len) };
        assert!(fd >= 0, "accept failed: {:?}", Errno::last());
        // SAFETY: `fd` was just returned by accept and is owned by nothing else.
        let conn = unsafe { OwnedFd::from_raw_fd(fd) };
        assert_eq!(
            len, 12345,
            "a NULL addr means the length is not read or written"
        );
        assert!(sys::getpeername(&conn).is_ok());
    });
}

#[test]
fn accept_with_an_addr_but_null_length_is_efault_and_loses_the_connection() {
    no_leak(|| {
        let (lst, _cli) = listener_with_pending();
        let mut buf = [0u8; 128];
        // SAFETY: `buf` is writable for 128 bytes, a sockaddr_storage's size; the NULL length
        // is the experiment: the kernel fails to read it (EFAULT).
        let fd = unsafe { raw::accept(lst.as_raw_fd(), buf.as_mut_ptr().cast(), ptr::null_mut()) };
        fails_with(fd, Errno::EFAULT);
        assert_eq!(buf, [0u8; 128], "no address was written");
        sys::fcntl(&lst, sys::FcntlArg::SetFl(libc::O_RDWR | libc::O_NONBLOCK)).unwrap();
        // Linux dequeued the connection before it found the bad pointer: it is gone.
        // SAFETY: accept4 with both pointers NULL; any fd returned would be owned below.
        let again = unsafe { raw::accept4(lst.as_raw_fd(), ptr::null_mut(), ptr::null_mut(), 0) };
        if again >= 0 {
            // SAFETY: `again` is a fresh fd owned by nothing else.
            drop(unsafe { OwnedFd::from_raw_fd(again) });
            panic!("the connection survived the EFAULT");
        }
        assert_eq!(Errno::last(), Errno::EAGAIN, "nothing left in the queue");
    });
}

#[test]
fn getsockname_with_a_short_buffer_truncates_and_reports_the_real_length() {
    no_leak(|| {
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &v4_any()).unwrap();
        let mut buf = [0xAAu8; 16];
        let mut len: socklen_t = 4;
        // SAFETY: `buf` is writable for 16 bytes, more than the 4 claimed; `len` is live.
        let rc = unsafe { raw::getsockname(fd.as_raw_fd(), buf.as_mut_ptr().cast(), &mut len) };
        assert_eq!(rc, 0);
        assert_eq!(len, 16, "the kernel reports the size it would have written");
        let port = port_of(&sys::getsockname(&fd).unwrap()).to_be_bytes();
        assert_eq!(&buf[..4], &[libc::AF_INET as u8, 0, port[0], port[1]]);
        assert_eq!(&buf[4..], &[0xAA; 12], "nothing past the 4 bytes given");
    });
}

#[test]
fn recvfrom_with_a_null_buffer_and_msg_trunc_measures_a_datagram() {
    no_leak(|| {
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &v4_any()).unwrap();
        let me = sys::getsockname(&fd).unwrap();
        sys::sendto(&fd, &[1u8; 1234], 0, &me).unwrap();
        // SAFETY: a zero-length NULL buffer is never written; the address pointers are NULL.
        let n = unsafe {
            raw::recvfrom(
                fd.as_raw_fd(),
                ptr::null_mut(),
                0,
                MSG_TRUNC | MSG_DONTWAIT,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        assert_eq!(n, 1234, "the datagram's size, read without a buffer");
        // It was consumed: the queue is empty now.
        // SAFETY: as above.
        let n = unsafe { raw::recv(fd.as_raw_fd(), ptr::null_mut(), 0, MSG_DONTWAIT) };
        fails_with(n, Errno::EAGAIN);
    });
}

#[test]
fn sendto_null_address_and_connect_af_unspec_on_udp() {
    no_leak(|| {
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &v4_any()).unwrap();
        let me = sys::getsockname(&fd).unwrap();
        let msg = b"hi";
        let send_null = || {
            // SAFETY: `msg` is readable for 2 bytes; a NULL address with length 0 is C's "no
            // address" and is never read.
            unsafe { raw::sendto(fd.as_raw_fd(), msg.as_ptr().cast(), 2, 0, ptr::null(), 0) }
        };
        fails_with(send_null(), Errno::EDESTADDRREQ);
        sys::connect(&fd, &me).unwrap();
        assert_eq!(send_null(), 2, "connected: the NULL address means the peer");

        // connect(AF_UNSPEC) dissolves a datagram socket's association.
        let unspec = with_family(&me, libc::AF_UNSPEC);
        // SAFETY: `unspec` is readable for its len() bytes.
        let rc = unsafe { raw::connect(fd.as_raw_fd(), unspec.as_ptr(), unspec.len()) };
        assert_eq!(rc, 0);
        assert_eq!(sys::getpeername(&fd).unwrap_err().code(), Errno::ENOTCONN);
        fails_with(send_null(), Errno::EDESTADDRREQ);
    });
}

#[test]
fn unix_bind_without_the_nul_in_addrlen_is_named_the_same() {
    no_leak(|| {
        let path = TempPath::new("no-nul");
        let full = path.addr();
        let fd = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        // C code often passes offsetof(sun_path) + strlen(path): one byte less than socklab.
        let short = full.len() - 1;
        // SAFETY: `full` is readable for its len() bytes, more than `short`.
        assert_eq!(
            unsafe { raw::bind(fd.as_raw_fd(), full.as_ptr(), short) },
            0
        );
        let got = sys::getsockname(&fd).unwrap();
        assert_eq!(
            got, full,
            "the kernel counts the NUL when it reports the name"
        );
        assert_eq!(got.len(), short + 1);
    });
}

#[test]
fn socketpair_poll_and_close_with_raw_pointers() {
    no_leak(|| {
        let mut sv = [-1 as c_int; 2];
        // SAFETY: `sv` is writable for two ints.
        let rc = unsafe { raw::socketpair(AF_UNIX, SOCK_STREAM, 0, sv.as_mut_ptr()) };
        assert_eq!(rc, 0);
        assert!(sv[0] >= 0 && sv[1] >= 0 && sv[0] != sv[1]);
        // SAFETY: poll with nfds 0 never reads the NULL array.
        assert_eq!(unsafe { raw::poll(ptr::null_mut(), 0, 0) }, 0);
        let mut pfd = libc::pollfd {
            fd: sv[0],
            events: libc::POLLOUT,
            revents: 0,
        };
        // SAFETY: `pfd` is one readable and writable pollfd.
        assert_eq!(unsafe { raw::poll(&mut pfd, 1, 0) }, 1);
        assert_eq!(pfd.revents, libc::POLLOUT);
        for fd in sv {
            // SAFETY: both fds came from socketpair above and are owned by nothing else.
            assert_eq!(unsafe { raw::close(fd) }, 0);
        }
    });
}

#[test]
fn a_108_byte_unix_path_binds_through_raw_and_the_kernel_reports_111_bytes() {
    no_leak(|| {
        // SockAddr::unix stops at 107 bytes (room for the NUL); Linux also takes a sun_path
        // filled to the last byte with no NUL, then appends one when it reports the name.
        let stem = unix_path("full");
        let stem = stem.to_str().unwrap();
        let path = TempPath(format!("{stem}{}", "f".repeat(108 - stem.len())).into());
        let bytes = path.0.to_str().unwrap().as_bytes();
        assert_eq!(bytes.len(), 108);
        assert_eq!(
            SockAddr::unix(&path.0).unwrap_err().code(),
            Errno::ENAMETOOLONG
        );

        let mut sun = [0u8; std::mem::size_of::<libc::sockaddr_un>()];
        sun[..2].copy_from_slice(&(AF_UNIX as libc::sa_family_t).to_ne_bytes());
        sun[2..].copy_from_slice(bytes);
        let fd = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        // SAFETY: `sun` is readable for its 110 bytes, exactly the length passed.
        let rc = unsafe { raw::bind(fd.as_raw_fd(), sun.as_ptr().cast(), sun.len() as socklen_t) };
        assert_eq!(rc, 0, "bind: {:?}", Errno::last());
        let got = sys::getsockname(&fd).unwrap();
        assert_eq!(got.len(), 111, "one past sizeof(sockaddr_un): unix(7) BUGS");
        assert_eq!(got.as_unix_path(), Some(path.0.as_path()));
    });
}

#[test]
fn sched_getaffinity_with_a_size_that_is_not_whole_longs_is_einval() {
    let mut mask = sys::CpuSet::new();
    let ptr = (&mut mask as *mut sys::CpuSet).cast::<libc::cpu_set_t>();
    // SAFETY: `ptr` points to a live 128-byte CpuSet; 4 bytes is less than it holds.
    let rc = unsafe { raw::sched_getaffinity(0, 4, ptr) };
    fails_with(rc, Errno::EINVAL);
    // SAFETY: as above, with exactly the 128 bytes the CpuSet holds.
    let rc = unsafe { raw::sched_getaffinity(0, 128, ptr) };
    assert_eq!(rc, 0, "{:?}", Errno::last());
    assert_eq!(mask, sys::sched_getaffinity(0).unwrap());
    let empty = sys::CpuSet::new();
    let ptr = (&empty as *const sys::CpuSet).cast::<libc::cpu_set_t>();
    // SAFETY: `ptr` is readable for the 128 bytes passed; an empty mask is refused (EINVAL).
    let rc = unsafe { raw::sched_setaffinity(0, 128, ptr) };
    fails_with(rc, Errno::EINVAL);
}

/// Set in the copy of this test binary that runs inside a new PID namespace.
const PIDNS_CHILD: &str = "SOCKLAB_TEST_IN_PIDNS";

/// `fcntl(F_GETOWN)` of a socket owned by a process group returns `-pgid`: a success, however
/// small the pgid. In a new PID namespace pids are small, so `-pgid` falls in -4095..-1, the
/// range a raw syscall uses for `-errno`: glibc asks `F_GETOWN_EX` instead and returns `-pgid`;
/// the `inline-syscalls` backend must do the same (it returned -1 with errno ENOENT for pgid 2).
/// The namespace part runs in a copy of this binary under `unshare --pid --fork` (root).
#[test]
fn fcntl_getown_of_a_small_process_group_is_minus_the_pgid() {
    if std::env::var_os(PIDNS_CHILD).is_some() {
        return getown_in_a_new_pid_namespace();
    }
    // Failure stays failure: F_GETOWN of an fd that is not open.
    // SAFETY: F_GETOWN takes no argument (the int is ignored); fd -1 is never open.
    fails_with(unsafe { raw::fcntl(-1, libc::F_GETOWN, 0) }, Errno::EBADF);
    let out = no_leak(|| {
        std::process::Command::new("unshare")
            .args(["--pid", "--fork", "--kill-child", "--"])
            .arg(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "raw::fcntl_getown_of_a_small_process_group_is_minus_the_pgid",
            ])
            .args(["--nocapture", "--test-threads=1"])
            .env(PIDNS_CHILD, "1")
            .output()
    });
    let out = match out {
        Ok(out) => out,
        Err(e) => {
            crate::common::skip(format_args!("unshare (util-linux) is not runnable: {e}"));
            return;
        }
    };
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    if !out.status.success() && stderr.starts_with("unshare: ") {
        crate::common::skip(format_args!(
            "needs root for a PID namespace: {}",
            stderr.trim()
        ));
        return;
    }
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("F_GETOWN of process group "), "{stdout}");
}

/// The namespace half: a child in a process group of its own (pgid = its pid here, a small
/// number) owns a socket; `raw::fcntl(F_GETOWN)` must say `-pgid`, as glibc's `fcntl` does.
fn getown_in_a_new_pid_namespace() {
    use std::os::unix::process::CommandExt;
    let mut child = std::process::Command::new("sleep")
        .arg("60")
        .process_group(0)
        .spawn()
        .unwrap();
    let pgid = child.id() as c_int;
    assert!(
        (2..4096).contains(&pgid),
        "pid {pgid} in a new PID namespace"
    );
    let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    let raw_fd = fd.as_raw_fd();
    // SAFETY: F_SETOWN takes an int argument; `raw_fd` is the socket opened above.
    let rc = unsafe { raw::fcntl(raw_fd, libc::F_SETOWN, -pgid) };
    assert_eq!(rc, 0, "F_SETOWN: {:?}", Errno::last());
    // SAFETY: F_GETOWN takes no argument (the int is ignored); `raw_fd` is open.
    let got = unsafe { raw::fcntl(raw_fd, libc::F_GETOWN, 0) };
    let errno = Errno::last();
    // SAFETY: glibc's own fcntl, the reference: F_GETOWN takes no argument; `raw_fd` is open.
    let glibc = unsafe { libc::fcntl(raw_fd, libc::F_GETOWN) };
    assert_eq!(
        (got, glibc),
        (-pgid, -pgid),
        "raw::fcntl(F_GETOWN) vs glibc for pgid {pgid} (errno after raw: {errno:?})"
    );
    // The same child as a process (F_OWNER_PID): its pid, positive.
    // SAFETY: as above, F_SETOWN with an int, F_GETOWN with none, on the open `raw_fd`.
    let (set, got) = unsafe {
        (
            raw::fcntl(raw_fd, libc::F_SETOWN, pgid),
            raw::fcntl(raw_fd, libc::F_GETOWN, 0),
        )
    };
    assert_eq!((set, got), (0, pgid), "{:?}", Errno::last());
    child.kill().unwrap();
    child.wait().unwrap();
    println!("F_GETOWN of process group {pgid}: {got}");
}
