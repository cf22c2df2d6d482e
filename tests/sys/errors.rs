//! Tests: each errno a socket program meets, provoked for real and asserted by value and message,
//! plus `Error`'s accessors and its conversions to and from `io::Error`.

use std::io;
use std::net::Shutdown;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::raw::c_int;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use socklab::sys::{
    self, AF_INET, AF_INET6, AF_UNIX, MSG_DONTWAIT, MSG_NOSIGNAL, SOCK_DGRAM, SOCK_NONBLOCK,
    SOCK_SEQPACKET, SOCK_STREAM,
};
use socklab::{Errno, Error, SockAddr};

use crate::common::{abstract_name, assert_errno, no_leak, port_of, tcp_pair, v4_any, v6_any};

/// A TCP socket bound to 127.0.0.1 with a kernel-chosen port, not listening.
fn bound_tcp() -> (OwnedFd, SockAddr) {
    let fd = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
    sys::bind(&fd, &v4_any()).unwrap();
    let addr = sys::getsockname(&fd).unwrap();
    (fd, addr)
}

/// A UDP socket of `domain` bound to loopback with a kernel-chosen port.
fn bound_udp(domain: c_int, any: &SockAddr) -> (OwnedFd, SockAddr) {
    let fd = sys::socket(domain, SOCK_DGRAM, 0).unwrap();
    sys::bind(&fd, any).unwrap();
    let addr = sys::getsockname(&fd).unwrap();
    (fd, addr)
}

/// The ECONNREFUSED `Error`: a connect to a port that is bound but not listening.
fn refused() -> Error {
    let (_idle, addr) = bound_tcp();
    let fd = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
    sys::connect(&fd, &addr).unwrap_err()
}

#[test]
fn eaddrinuse_on_a_second_bind_without_reuseaddr_with_the_full_message() {
    no_leak(|| {
        let (_first, addr) = bound_tcp();
        let second = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        let e = assert_errno(sys::bind(&second, &addr), Errno::EADDRINUSE, "bind");
        let want = format!(
            "bind(fd {}, 127.0.0.1:{}): EADDRINUSE (Address already in use)",
            second.as_raw_fd(),
            port_of(&addr)
        );
        assert_eq!(e.to_string(), want);
        assert_eq!(e.args(), format!("fd {}, {addr}", second.as_raw_fd()));
    });
}

#[test]
fn econnrefused_connecting_to_a_bound_but_not_listening_port() {
    no_leak(|| {
        let (_idle, addr) = bound_tcp();
        let fd = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        let e = assert_errno(sys::connect(&fd, &addr), Errno::ECONNREFUSED, "connect");
        let want = format!(
            "connect(fd {}, {addr}): ECONNREFUSED (Connection refused)",
            fd.as_raw_fd()
        );
        assert_eq!(e.to_string(), want);
    });
}

#[test]
fn enotconn_recv_getpeername_and_shutdown_on_an_unconnected_stream() {
    no_leak(|| {
        let fd = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        assert_errno(
            sys::recv(&fd, &mut [0u8; 4][..], 0),
            Errno::ENOTCONN,
            "recv",
        );
        let e = assert_errno(sys::getpeername(&fd), Errno::ENOTCONN, "getpeername");
        assert_eq!(
            e.to_string(),
            format!(
                "getpeername(fd {}): ENOTCONN (Transport endpoint is not connected)",
                fd.as_raw_fd()
            )
        );
        let e = assert_errno(
            sys::shutdown(&fd, Shutdown::Both),
            Errno::ENOTCONN,
            "shutdown",
        );
        assert_eq!(
            e.to_string(),
            format!(
                "shutdown(fd {}, SHUT_RDWR): ENOTCONN (Transport endpoint is not connected)",
                fd.as_raw_fd()
            ),
            "how is named as in C"
        );
        let udp = sys::socket(AF_INET6, SOCK_DGRAM, 0).unwrap();
        assert_errno(sys::getpeername(&udp), Errno::ENOTCONN, "getpeername");
    });
}

#[test]
fn eafnosupport_for_an_unknown_family_and_a_v6_address_on_a_v4_socket() {
    no_leak(|| {
        let e = assert_errno(
            sys::socket(47, SOCK_STREAM, 0),
            Errno::EAFNOSUPPORT,
            "socket",
        );
        assert_eq!(
            e.to_string(),
            "socket(0x2f /* AF_??? */, SOCK_STREAM, 0): EAFNOSUPPORT (Address family not supported by protocol)"
        );
        // socketpair names its arguments the same way, and the IP protocols by name.
        let e = assert_errno(
            sys::socketpair(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, libc::IPPROTO_UDP),
            Errno::EOPNOTSUPP,
            "socketpair",
        );
        assert_eq!(e.args(), "AF_INET, SOCK_DGRAM|SOCK_NONBLOCK, IPPROTO_UDP");
        let (v4, _) = bound_udp(AF_INET, &v4_any());
        let (_v6, v6_addr) = bound_udp(AF_INET6, &v6_any());
        assert_errno(
            sys::sendto(&v4, b"x", 0, &v6_addr),
            Errno::EAFNOSUPPORT,
            "sendto",
        );
        let tcp = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        assert_errno(sys::bind(&tcp, &v6_addr), Errno::EAFNOSUPPORT, "bind");
        assert_errno(sys::connect(&tcp, &v6_addr), Errno::EAFNOSUPPORT, "connect");
    });
}

#[test]
fn eagain_with_msg_dontwait_on_an_empty_socket() {
    no_leak(|| {
        let (fd, _) = bound_udp(AF_INET, &v4_any());
        let e = assert_errno(
            sys::recv(&fd, &mut [0u8; 16][..], MSG_DONTWAIT),
            Errno::EAGAIN,
            "recv",
        );
        assert_eq!(e.code(), Errno::EWOULDBLOCK, "the same value on Linux");
        assert_eq!(
            e.to_string(),
            format!(
                "recv(fd {}, buf, 16, MSG_DONTWAIT): EAGAIN (Resource temporarily unavailable)",
                fd.as_raw_fd()
            )
        );
        assert_errno(
            sys::recvfrom(&fd, &mut [0u8; 16][..], MSG_DONTWAIT),
            Errno::EAGAIN,
            "recvfrom",
        );
    });
}

#[test]
fn epipe_with_msg_nosignal_after_the_peer_closed() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        drop(b);
        assert_errno(sys::send(&a, b"x", MSG_NOSIGNAL), Errno::EPIPE, "send");
        // write(2) has no MSG_NOSIGNAL; Rust ignores SIGPIPE, so it is EPIPE as well.
        assert_errno(sys::write(&a, b"x"), Errno::EPIPE, "write");

        let (cli, _srv) = tcp_pair();
        sys::shutdown(&cli, Shutdown::Write).unwrap();
        let e = assert_errno(sys::send(&cli, b"late", MSG_NOSIGNAL), Errno::EPIPE, "send");
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    });
}

#[test]
fn ebadf_from_raw_calls_on_a_closed_fd_number() {
    no_leak(|| {
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        // SAFETY: F_DUPFD_CLOEXEC takes an int; the duplicate is ours alone and closed below.
        let dup = unsafe { sys::raw::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
        assert!(dup >= 0);
        // SAFETY: `dup` is owned by nothing else, so this is its only close.
        assert_eq!(unsafe { sys::raw::close(dup) }, 0);
        // `dup` is now a closed number. Every no_leak test holds the fd lock, so no other test
        // can reopen it before these calls.
        let mut buf = [0u8; 4];
        // SAFETY: `buf` is writable for 4 bytes; a closed fd is only a number to the kernel.
        let rc = unsafe { sys::raw::recv(dup, buf.as_mut_ptr().cast(), buf.len(), 0) };
        assert_eq!((rc, Errno::last()), (-1, Errno::EBADF));
        // SAFETY: as above; close takes no pointer and `dup` is owned by nothing.
        assert_eq!(
            (unsafe { sys::raw::close(dup) }, Errno::last()),
            (-1, Errno::EBADF)
        );
        // SAFETY: listen takes no pointers; -1 is never an open fd.
        assert_eq!(
            (unsafe { sys::raw::listen(-1, 1) }, Errno::last()),
            (-1, Errno::EBADF)
        );
        assert_eq!(Errno::EBADF.to_string(), "EBADF (Bad file descriptor)");
    });
}

#[test]
fn emsgsize_for_a_udp_datagram_one_byte_over_65507() {
    no_leak(|| {
        let (fd, to) = bound_udp(AF_INET, &v4_any());
        let big = vec![7u8; 65508];
        let e = assert_errno(sys::sendto(&fd, &big, 0, &to), Errno::EMSGSIZE, "sendto");
        assert_eq!(
            e.to_string(),
            format!(
                "sendto(fd {}, buf, 65508, 0, {to}): EMSGSIZE (Message too long)",
                fd.as_raw_fd()
            )
        );
        // The largest IPv4 UDP payload, 65535 - 20 (IP) - 8 (UDP), goes through whole.
        assert_eq!(sys::sendto(&fd, &big[..65507], 0, &to).unwrap(), 65507);
        let mut buf = vec![0u8; 70000];
        assert_eq!(sys::recv(&fd, &mut buf[..], 0).unwrap(), 65507);
        sys::connect(&fd, &to).unwrap();
        assert_errno(sys::send(&fd, &big, 0), Errno::EMSGSIZE, "send");
    });
}

#[test]
fn einval_bind_twice_accept_without_listen_listen_when_connected() {
    no_leak(|| {
        let (fd, _) = bound_tcp();
        assert_errno(sys::bind(&fd, &v4_any()), Errno::EINVAL, "bind");
        let e = assert_errno(sys::accept(&fd, None), Errno::EINVAL, "accept");
        assert_eq!(
            e.to_string(),
            format!(
                "accept(fd {}, NULL, NULL): EINVAL (Invalid argument)",
                fd.as_raw_fd()
            )
        );
        let before = SockAddr::unix_unnamed();
        let mut peer = before;
        let e = assert_errno(
            sys::accept4(&fd, Some(&mut peer), 0),
            Errno::EINVAL,
            "accept4",
        );
        assert_eq!(e.args(), format!("fd {}, &addr, 0", fd.as_raw_fd()));
        assert_eq!(peer, before, "a failed accept leaves the out-address alone");
        let (cli, _srv) = tcp_pair();
        assert_errno(sys::listen(&cli, 1), Errno::EINVAL, "listen");
        let e = assert_errno(sys::accept4(&cli, None, -1), Errno::EINVAL, "accept4");
        // Every bit set: the two named flags, then the rest in hex (strace's notation).
        assert!(
            e.args()
                .ends_with(", NULL, SOCK_CLOEXEC|SOCK_NONBLOCK|0xfff7f7ff"),
            "{}",
            e.args()
        );
        assert_errno(sys::socket(AF_INET, 0x7ff, 0), Errno::EINVAL, "socket");
    });
}

#[test]
fn enametoolong_for_a_unix_path_past_sun_path_naming_length_and_limit() {
    no_leak(|| {
        let long = format!("/tmp/{}", "p".repeat(200));
        let e = assert_errno(SockAddr::unix(&long), Errno::ENAMETOOLONG, "SockAddr::unix");
        assert_eq!(
            e.to_string(),
            format!(
                "SockAddr::unix({long:?}): ENAMETOOLONG (File name too long): path is 205 \
                 bytes; sun_path holds at most 107 bytes plus the terminating NUL"
            )
        );
        let name = vec![b'n'; 108];
        let e = assert_errno(
            SockAddr::unix_abstract(&name),
            Errno::ENAMETOOLONG,
            "SockAddr::unix_abstract",
        );
        assert!(e
            .to_string()
            .ends_with("at most 107 bytes after the leading NUL"));
    });
}

#[test]
fn enotsock_for_a_regular_files_fd() {
    no_leak(|| {
        let file = std::fs::File::open("/proc/self/status").unwrap();
        let e = assert_errno(sys::bind(&file, &v4_any()), Errno::ENOTSOCK, "bind");
        assert!(e
            .to_string()
            .ends_with(": ENOTSOCK (Socket operation on non-socket)"));
        assert_errno(sys::getsockname(&file), Errno::ENOTSOCK, "getsockname");
        assert_errno(sys::listen(&file, 1), Errno::ENOTSOCK, "listen");
        assert_errno(sys::send(&file, b"x", 0), Errno::ENOTSOCK, "send");
    });
}

#[test]
fn eopnotsupp_listen_on_datagram_and_socketpair_outside_unix() {
    no_leak(|| {
        let (udp, _) = bound_udp(AF_INET, &v4_any());
        let e = assert_errno(sys::listen(&udp, 1), Errno::EOPNOTSUPP, "listen");
        assert_eq!(e.code(), Errno::ENOTSUP, "the same value on Linux");
        let (a, _b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        assert_errno(sys::listen(&a, 1), Errno::EOPNOTSUPP, "listen");
        assert_errno(
            sys::socketpair(AF_INET, SOCK_STREAM, 0),
            Errno::EOPNOTSUPP,
            "socketpair",
        );
        assert_errno(sys::accept(&udp, None), Errno::EOPNOTSUPP, "accept");
    });
}

#[test]
fn eisconn_connect_twice_and_sendto_on_a_connected_unix_stream() {
    no_leak(|| {
        let (cli, _srv) = tcp_pair();
        let peer = sys::getpeername(&cli).unwrap();
        let e = assert_errno(sys::connect(&cli, &peer), Errno::EISCONN, "connect");
        assert_eq!(
            e.to_string(),
            format!(
                "connect(fd {}, {peer}): EISCONN (Transport endpoint is already connected)",
                cli.as_raw_fd()
            )
        );
        // Linux TCP ignores sendto's address on a connected socket; Unix streams refuse it.
        assert_eq!(sys::sendto(&cli, b"x", 0, &v4_any()).unwrap(), 1);
        let (a, _b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let to = SockAddr::unix_unnamed();
        assert_errno(sys::sendto(&a, b"x", 0, &to), Errno::EISCONN, "sendto");
        // A Unix connect checks the target before its own state: it needs a real listener.
        let name = SockAddr::unix_abstract(&abstract_name("eisconn")).unwrap();
        let lst = sys::socket(AF_UNIX, SOCK_SEQPACKET, 0).unwrap();
        sys::bind(&lst, &name).unwrap();
        sys::listen(&lst, 2).unwrap();
        let s = sys::socket(AF_UNIX, SOCK_SEQPACKET, 0).unwrap();
        sys::connect(&s, &name).unwrap();
        assert_errno(sys::connect(&s, &name), Errno::EISCONN, "connect");
        assert_errno(sys::connect(&a, &to), Errno::EINVAL, "connect");
    });
}

#[test]
fn edestaddrreq_send_and_write_on_an_unconnected_udp_socket() {
    no_leak(|| {
        let (fd, _) = bound_udp(AF_INET6, &v6_any());
        let e = assert_errno(sys::send(&fd, b"x", 0), Errno::EDESTADDRREQ, "send");
        assert_eq!(
            e.to_string(),
            format!(
                "send(fd {}, buf, 1, 0): EDESTADDRREQ (Destination address required)",
                fd.as_raw_fd()
            )
        );
        assert_errno(sys::write(&fd, b"x"), Errno::EDESTADDRREQ, "write");
    });
}

#[test]
fn enoprotoopt_through_raw_getsockopt_with_a_bogus_optname() {
    no_leak(|| {
        let fd = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        let mut val: c_int = 0;
        let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
        // SAFETY: `val` is writable for `len` bytes and `len` is a live, writable socklen_t.
        let rc = unsafe {
            sys::raw::getsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                9999,
                (&mut val as *mut c_int).cast(),
                &mut len,
            )
        };
        assert_eq!((rc, Errno::last()), (-1, Errno::ENOPROTOOPT));
        assert_eq!(Errno::ENOPROTOOPT.name(), "ENOPROTOOPT");
        assert_eq!(
            Errno::ENOPROTOOPT.to_string(),
            "ENOPROTOOPT (Protocol not available)"
        );
    });
}

#[test]
fn io_error_conversion_keeps_the_kind_and_downcasts_back() {
    no_leak(|| {
        let refused = refused();
        let (_first, addr) = bound_tcp();
        let second = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        let in_use = sys::bind(&second, &addr).unwrap_err();
        let (udp, _) = bound_udp(AF_INET, &v4_any());
        let would_block = sys::recv(&udp, &mut [0u8; 1][..], MSG_DONTWAIT).unwrap_err();

        for (e, kind) in [
            (refused, io::ErrorKind::ConnectionRefused),
            (in_use, io::ErrorKind::AddrInUse),
            (would_block, io::ErrorKind::WouldBlock),
        ] {
            assert_eq!(e.kind(), kind);
            let io_err = io::Error::from(e.clone());
            assert_eq!(io_err.kind(), kind);
            assert_eq!(
                io_err.to_string(),
                e.to_string(),
                "io::Error shows the call"
            );
            let back = io_err.get_ref().unwrap().downcast_ref::<Error>().unwrap();
            assert_eq!(back, &e);
            let os = io::Error::from(e.clone()).into_inner().unwrap();
            assert_eq!(*os.downcast::<Error>().unwrap(), e);

            let raw = e.clone().into_os_error();
            assert_eq!(raw.raw_os_error(), Some(e.errno()));
            assert_eq!(raw.kind(), kind);
        }
    });
}

#[test]
fn error_accessors_and_notes() {
    no_leak(|| {
        let e = refused();
        assert_eq!(e.errno(), libc::ECONNREFUSED);
        assert_eq!(e.code(), Errno::ECONNREFUSED);
        assert_eq!(e.symbol(), "ECONNREFUSED");
        assert_eq!(e.call(), "connect");
        assert!(e.args().starts_with("fd "));
        assert_eq!(format!("{e:?}"), format!("Error({e})"));

        let mine = Error::new(Errno::EINVAL, "check", "fd 3").with_note("why it failed");
        assert_eq!(
            mine.to_string(),
            "check(fd 3): EINVAL (Invalid argument): why it failed"
        );
        let err: &dyn std::error::Error = &mine;
        assert!(err.source().is_none());
    });
}

#[test]
fn errno_names_values_and_descriptions() {
    no_leak(|| {
        for (e, raw, name) in [
            (Errno::EADDRINUSE, libc::EADDRINUSE, "EADDRINUSE"),
            (Errno::EINTR, libc::EINTR, "EINTR"),
            (Errno::EHWPOISON, libc::EHWPOISON, "EHWPOISON"),
            (Errno::EPERM, libc::EPERM, "EPERM"),
        ] {
            assert_eq!((e.raw(), e.name()), (raw, name));
            assert_eq!(Errno::from_raw(raw), e);
            assert_eq!(format!("{e:?}"), name);
        }
        assert_eq!(Errno::EWOULDBLOCK, Errno::EAGAIN);
        assert_eq!(Errno::EWOULDBLOCK.name(), "EAGAIN");
        assert_eq!(Errno::from_raw(4242).name(), "E?");
        assert_eq!(Errno::from_raw(4242).description(), "Unknown error 4242");
        assert_eq!(
            Errno::EADDRINUSE.to_string(),
            "EADDRINUSE (Address already in use)"
        );
        assert_eq!(Errno::EINTR.kind(), io::ErrorKind::Interrupted);
        let io_err: io::Error = Errno::ECONNRESET.into();
        assert_eq!(io_err.raw_os_error(), Some(libc::ECONNRESET));
        assert_eq!(io_err.kind(), io::ErrorKind::ConnectionReset);
    });
}

#[test]
fn every_named_errno_round_trips_through_its_raw_value() {
    no_leak(|| {
        // Linux errnos run 1..=133; every one the crate names must map back to itself.
        let mut named = 0;
        for raw in 1..=133 {
            let e = Errno::from_raw(raw);
            if e.name() != "E?" {
                named += 1;
                assert!(e.name().starts_with('E'));
                assert!(!e.description().starts_with("Unknown error"), "{e:?}");
            }
        }
        assert!(named >= 130, "only {named} errnos have names");
    });
}

// ---- EINTR: returned by sys, retried by Socket ----

/// SIGUSR1 deliveries seen by [`on_sigusr1`].
static HANDLED: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_sigusr1(_: c_int) {
    HANDLED.fetch_add(1, Ordering::SeqCst);
}

/// Installs a SIGUSR1 handler *without* `SA_RESTART`, so a blocked call it interrupts fails with
/// EINTR instead of being restarted by the kernel. Nothing else in the suite uses SIGUSR1.
fn install_sigusr1_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: all-zero is a valid sigaction (empty mask, no flags, so no SA_RESTART).
        let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
        sa.sa_sigaction = on_sigusr1 as extern "C" fn(c_int) as libc::sighandler_t;
        // SAFETY: `sa` is a valid sigaction whose handler only does an atomic add, which is
        // async-signal-safe; the old action is not asked for (NULL).
        let rc = unsafe { libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()) };
        assert_eq!(rc, 0);
    });
}

/// The syscall thread `tid` of this process sleeps in, from /proc/self/task/<tid>/syscall
/// (`None` while it runs). Panics if the thread is gone: it returned instead of blocking.
fn sleeping_in(tid: libc::pid_t) -> Option<libc::c_long> {
    let s = std::fs::read_to_string(format!("/proc/self/task/{tid}/syscall"))
        .unwrap_or_else(|e| panic!("thread {tid} exited instead of blocking ({e})"));
    s.split_whitespace().next()?.parse().ok()
}

/// Waits until thread `tid` sleeps in one of `syscalls`. The bound only turns a hang into a
/// failure with a reason; no result depends on how long anything takes.
fn wait_until_sleeping_in(tid: libc::pid_t, syscalls: &[libc::c_long]) {
    let start = Instant::now();
    while !sleeping_in(tid).is_some_and(|nr| syscalls.contains(&nr)) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "thread {tid} never blocked in {syscalls:?}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `call` on a scoped thread and interrupts it with SIGUSR1 once it sleeps in one of
/// `syscalls`; then runs `after` (which may wake the call) and returns `call`'s result.
fn interrupted<T: Send>(
    syscalls: &[libc::c_long],
    call: impl FnOnce() -> T + Send,
    after: impl FnOnce(libc::pid_t),
) -> T {
    install_sigusr1_handler();
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::channel();
        let h = s.spawn(move || {
            // SAFETY: gettid and pthread_self take no arguments and cannot fail.
            tx.send(unsafe { (libc::gettid(), libc::pthread_self()) })
                .unwrap();
            call()
        });
        let (tid, thread) = rx.recv().unwrap();
        wait_until_sleeping_in(tid, syscalls);
        let seen = HANDLED.load(Ordering::SeqCst);
        // SAFETY: `thread` is alive: it sleeps in `call` until it is interrupted or woken.
        assert_eq!(unsafe { libc::pthread_kill(thread, libc::SIGUSR1) }, 0);
        while HANDLED.load(Ordering::SeqCst) == seen {
            std::thread::yield_now();
        }
        after(tid);
        h.join().unwrap()
    })
}

#[test]
fn sys_recv_and_accept_return_eintr_never_retry() {
    no_leak(|| {
        let (a, _b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let mut buf = [0u8; 8];
        let r = interrupted(
            &[libc::SYS_recvfrom],
            || sys::recv(&a, &mut buf[..], 0),
            drop,
        );
        let e = assert_errno(r, Errno::EINTR, "recv");
        assert_eq!(e.kind(), io::ErrorKind::Interrupted);

        let (lst, _) = bound_tcp();
        sys::listen(&lst, 1).unwrap();
        let accepts = [libc::SYS_accept, libc::SYS_accept4];
        let r = interrupted(&accepts, || sys::accept(&lst, None), drop);
        assert_errno(r, Errno::EINTR, "accept");
    });
}

#[test]
fn socket_recv_and_accept_retry_eintr_until_they_succeed() {
    no_leak(|| {
        let (a, b) = socklab::Socket::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let mut buf = [0u8; 8];
        let n = interrupted(
            &[libc::SYS_recvfrom],
            || a.recv(&mut buf, 0),
            |tid| {
                // Back asleep in recvfrom after the EINTR: the retry loop called it again.
                wait_until_sleeping_in(tid, &[libc::SYS_recvfrom]);
                b.write(b"after").unwrap();
            },
        );
        assert_eq!(n.unwrap(), 5);
        assert_eq!(&buf[..5], b"after");

        let (lst, to) = bound_tcp();
        let lst = socklab::Socket::from(lst);
        lst.listen(1).unwrap();
        let accepts = [libc::SYS_accept, libc::SYS_accept4];
        let cli = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        let r = interrupted(
            &accepts,
            || lst.accept(),
            |tid| {
                wait_until_sleeping_in(tid, &accepts);
                sys::connect(&cli, &to).unwrap();
            },
        );
        let (_conn, peer) = r.unwrap();
        assert_eq!(peer, sys::getsockname(&cli).unwrap());
    });
}

#[test]
fn socket_connect_does_not_retry_eintr() {
    no_leak(|| {
        // A Unix listener with backlog 0 takes one pending connection; the next connect sleeps.
        let name = SockAddr::unix_abstract(&abstract_name("eintr-connect")).unwrap();
        let lst = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::bind(&lst, &name).unwrap();
        sys::listen(&lst, 0).unwrap();
        let first = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::connect(&first, &name).unwrap();

        let second = socklab::Socket::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let r = interrupted(&[libc::SYS_connect], || second.connect(&name), drop);
        let e = assert_errno(r, Errno::EINTR, "connect");
        assert_eq!(e.args(), format!("fd {}, {name}", second.as_raw_fd()));
    });
}

#[test]
fn perror_line_is_cs() {
    no_leak(|| {
        let (a, _b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let e = sys::recv(&a, &mut [0u8; 4], sys::MSG_DONTWAIT).unwrap_err();
        assert_eq!(
            e.perror_line("recv"),
            "recv: Resource temporarily unavailable\n"
        );
        assert_eq!(e.perror_line(""), "Resource temporarily unavailable\n");
    })
}
