//! `trace::capture` line by line: the exact strace-format line each kind of call produces, with
//! the fd numbers the calls returned, plus errno preservation and per-thread isolation.

use std::net::{Shutdown, SocketAddr, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use socklab::sys::{self, raw, Errno, SockAddr};
use socklab::sys::{AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_STREAM};
use socklab::sys::{MSG_DONTWAIT, MSG_NOSIGNAL, SOCK_CLOEXEC, SOCK_NONBLOCK};
use socklab::trace::capture;

use super::common::{no_leak, unix_path};

pub(super) fn n(f: &OwnedFd) -> i32 {
    f.as_raw_fd()
}

fn v4() -> SockAddr {
    SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)))
}

/// Runs `f` under capture and returns its one line.
#[track_caller]
pub(super) fn one<R>(f: impl FnOnce() -> R) -> (R, String) {
    let (r, mut lines) = capture(f);
    assert_eq!(lines.len(), 1, "{lines:?}");
    (r, lines.pop().unwrap())
}

#[test]
fn socket_bind_listen_accept_connect() {
    no_leak(|| {
        let (l, line) = one(|| sys::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0).unwrap());
        assert_eq!(
            line,
            format!(
                "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = {}",
                n(&l)
            )
        );
        let ((), line) = one(|| sys::bind(&l, &v4()).unwrap());
        assert_eq!(
            line,
            format!("bind({}, {{sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr(\"127.0.0.1\")}}, 16) = 0", n(&l))
        );
        let at = sys::getsockname(&l).unwrap();
        let port = at.as_socket().unwrap().port();
        let ((), line) = one(|| sys::listen(&l, 5).unwrap());
        assert_eq!(line, format!("listen({}, 5) = 0", n(&l)));
        let c = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        let ((), line) = one(|| sys::connect(&c, &at).unwrap());
        let sin = format!(
            "{{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr(\"127.0.0.1\")}}"
        );
        assert_eq!(line, format!("connect({}, {sin}, 16) = 0", n(&c)));
        let (s, line) = one(|| sys::accept(&l, None).unwrap());
        assert_eq!(line, format!("accept({}, NULL, NULL) = {}", n(&l), n(&s)));
        let c2 = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        sys::connect(&c2, &at).unwrap();
        let mut peer = SockAddr::empty();
        let (s2, line) =
            one(|| sys::accept4(&l, Some(&mut peer), SOCK_CLOEXEC | SOCK_NONBLOCK).unwrap());
        let pport = peer.as_socket().unwrap().port();
        assert_eq!(
            line,
            format!(
                "accept4({}, {{sa_family=AF_INET, sin_port=htons({pport}), sin_addr=inet_addr(\"127.0.0.1\")}}, [128 => 16], SOCK_CLOEXEC|SOCK_NONBLOCK) = {}",
                n(&l),
                n(&s2)
            )
        );
        let (r, line) = one(|| sys::getsockname(&l).unwrap());
        assert_eq!(r, at);
        assert_eq!(
            line,
            format!("getsockname({}, {sin}, [128 => 16]) = 0", n(&l))
        );
        let ((), line) = one(|| sys::shutdown(&c, Shutdown::Write).unwrap());
        assert_eq!(line, format!("shutdown({}, SHUT_WR) = 0", n(&c)));
        let raw_fd = n(&s);
        let ((), line) = one(|| sys::close(s).unwrap());
        assert_eq!(line, format!("close({raw_fd}) = 0"));
    });
}

#[test]
fn connect_refused_keeps_errno() {
    no_leak(|| {
        let idle = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        sys::bind(&idle, &v4()).unwrap();
        let to = sys::getsockname(&idle).unwrap();
        let port = to.as_socket().unwrap().port();
        let c = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        // The raw call: errno must still be the call's after the line was written.
        let ((rc, errno), line) = one(|| {
            // SAFETY: `to` is readable for its len() bytes.
            let rc = unsafe { raw::connect(n(&c), to.as_ptr(), to.len()) };
            (rc, Errno::last())
        });
        assert_eq!((rc, errno), (-1, Errno::ECONNREFUSED));
        assert_eq!(
            line,
            format!("connect({}, {{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr(\"127.0.0.1\")}}, 16) = -1 ECONNREFUSED (Connection refused)", n(&c))
        );
    });
}

#[test]
fn io_buffers_are_quoted_and_cut_like_strace() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let msg = "hello\n\t\0\u{1}7 \"q\" \\ 안녕 0123456789abcdef".as_bytes();
        let (w, line) = one(|| sys::write(&a, msg).unwrap());
        assert_eq!(w, msg.len());
        let quoted = r#""hello\n\t\0\0017 \"q\" \\ \354\225\210\353\205\225 01234567"..."#;
        assert_eq!(
            line,
            format!("write({}, {quoted}, {}) = {w}", n(&a), msg.len())
        );
        let mut buf = [0u8; 1024];
        let (r, line) = one(|| sys::read(&b, &mut buf[..]).unwrap());
        assert_eq!(line, format!("read({}, {quoted}, 1024) = {r}", n(&b)));
        let (_, line) = one(|| sys::send(&a, b"abc", MSG_DONTWAIT | MSG_NOSIGNAL).unwrap());
        assert_eq!(
            line,
            format!(
                "sendto({}, \"abc\", 3, MSG_DONTWAIT|MSG_NOSIGNAL, NULL, 0) = 3",
                n(&a)
            )
        );
        let (_, line) = one(|| sys::recv(&b, &mut buf[..], 0).unwrap());
        assert_eq!(
            line,
            format!("recvfrom({}, \"abc\", 1024, 0, NULL, NULL) = 3", n(&b))
        );
        let (e, line) = one(|| sys::recv(&b, &mut buf[..], MSG_DONTWAIT).unwrap_err());
        assert_eq!(e.code(), Errno::EAGAIN);
        let ptr = format!("{:#x}", buf.as_ptr() as usize);
        assert_eq!(
            line,
            format!("recvfrom({}, {ptr}, 1024, MSG_DONTWAIT, NULL, NULL) = -1 EAGAIN (Resource temporarily unavailable)", n(&b))
        );
        sys::close(a).unwrap();
        sys::close(b).unwrap();
    });
}

#[test]
fn sendto_recvfrom_v6() {
    no_leak(|| {
        let s = sys::socket(AF_INET6, SOCK_DGRAM, 0).unwrap();
        sys::bind(
            &s,
            &SockAddr::from("[::1]:0".parse::<SocketAddr>().unwrap()),
        )
        .unwrap();
        let at = sys::getsockname(&s).unwrap();
        let port = at.as_socket().unwrap().port();
        let sin6 = format!("{{sa_family=AF_INET6, sin6_port=htons({port}), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}}");
        let (_, line) = one(|| sys::sendto(&s, b"x", 0, &at).unwrap());
        assert_eq!(
            line,
            format!("sendto({}, \"x\", 1, 0, {sin6}, 28) = 1", n(&s))
        );
        let mut buf = [0u8; 8];
        let (_, line) = one(|| sys::recvfrom(&s, &mut buf[..], 0).unwrap());
        assert_eq!(
            line,
            format!("recvfrom({}, \"x\", 8, 0, {sin6}, [128 => 28]) = 1", n(&s))
        );
    });
}

/// A link-local IPv6 address names its interface as strace prints it (`if_nametoindex("lo")`,
/// looked up by the hook, never by the formatter); an index that names no interface stays a
/// number.
#[test]
fn link_local_scope_ids_name_their_interface() {
    no_leak(|| {
        // SAFETY: the argument is a NUL-terminated C string literal.
        let lo = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
        assert_ne!(lo, 0, "no interface lo");
        let named = "if_nametoindex(\"lo\")".to_string();
        for (scope, shown) in [(lo, named), (u32::MAX, u32::MAX.to_string())] {
            let s = sys::socket(AF_INET6, SOCK_DGRAM, 0).unwrap();
            let ip = "fe80::1".parse().unwrap();
            let a = SockAddr::from(SocketAddr::V6(SocketAddrV6::new(ip, 0, 0, scope)));
            let (_, line) = one(|| sys::bind(&s, &a));
            let want = format!(
                "bind({}, {{sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), \
                 inet_pton(AF_INET6, \"fe80::1\", &sin6_addr), sin6_scope_id={shown}}}, 28) = ",
                n(&s)
            );
            assert!(line.starts_with(&want), "{line}\nwant {want}…");
        }
    })
}

#[test]
fn unix_paths_and_abstract_names() {
    no_leak(|| {
        let path = unix_path("trace");
        let s = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let ((), line) = one(|| sys::bind(&s, &SockAddr::unix(&path).unwrap()).unwrap());
        let len = 2 + path.as_os_str().len() + 1;
        assert_eq!(
            line,
            format!(
                "bind({}, {{sa_family=AF_UNIX, sun_path=\"{}\"}}, {len}) = 0",
                n(&s),
                path.display()
            )
        );
        std::fs::remove_file(&path).unwrap();
        let a = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let ((), line) =
            one(|| sys::bind(&a, &SockAddr::unix_abstract(b"socklab-trace-abs").unwrap()).unwrap());
        assert_eq!(
            line,
            format!(
                "bind({}, {{sa_family=AF_UNIX, sun_path=@\"socklab-trace-abs\"}}, 20) = 0",
                n(&a)
            )
        );
        let (pair, line) = one(|| sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap());
        assert_eq!(
            line,
            format!(
                "socketpair(AF_UNIX, SOCK_STREAM, 0, [{}, {}]) = 0",
                n(&pair.0),
                n(&pair.1)
            )
        );
        let (_, line) = one(|| sys::getpeername(&pair.0).unwrap());
        assert_eq!(
            line,
            format!(
                "getpeername({}, {{sa_family=AF_UNIX}}, [128 => 2]) = 0",
                n(&pair.0)
            )
        );
    });
}

#[test]
fn sockopts() {
    no_leak(|| {
        let s = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        let one_: libc::c_int = 1;
        let p: *const libc::c_int = &one_;
        let (rc, line) = one(|| {
            // SAFETY: `p` is readable for 4 bytes.
            unsafe { raw::setsockopt(n(&s), libc::SOL_SOCKET, libc::SO_REUSEADDR, p.cast(), 4) }
        });
        assert_eq!(rc, 0);
        assert_eq!(
            line,
            format!(
                "setsockopt({}, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
                n(&s)
            )
        );
        let mut v: libc::c_int = -1;
        let mut len: libc::socklen_t = 8;
        let pv: *mut libc::c_int = &mut v;
        let (rc, line) = one(|| {
            // SAFETY: `pv` is writable for 4 bytes; `len` says 8 but the kernel writes only 4 —
            // and `v` is followed by nothing it could write: getsockopt of an int writes 4 bytes.
            unsafe {
                raw::getsockopt(
                    n(&s),
                    libc::SOL_SOCKET,
                    libc::SO_REUSEADDR,
                    pv.cast(),
                    &mut len,
                )
            }
        });
        assert_eq!((rc, v), (0, 1));
        assert_eq!(
            line,
            format!(
                "getsockopt({}, SOL_SOCKET, SO_REUSEADDR, [1], [8 => 4]) = 0",
                n(&s)
            )
        );
        let (rc, line) = one(|| {
            // SAFETY: as above; an unknown level fails before reading.
            unsafe { raw::setsockopt(n(&s), 4242, 1, p.cast(), 4) }
        });
        assert_eq!(rc, -1);
        assert_eq!(line, format!("setsockopt({}, 0x1092 /* SOL_?? */, 1, [1], 4) = -1 ENOPROTOOPT (Protocol not available)", n(&s)));
        let (rc, line) = one(|| {
            // SAFETY: shutdown takes no pointers.
            unsafe { raw::shutdown(n(&s), -1) }
        });
        assert_eq!(rc, -1);
        assert_eq!(
            line,
            format!(
                "shutdown({}, 0xffffffff /* SHUT_??? */) = -1 EINVAL (Invalid argument)",
                n(&s)
            )
        );
    });
}

/// `fcntl(fd, F_GETOWN)` in the inline build is asked as glibc asks it, `F_GETOWN_EX` into an
/// `f_owner_ex` (a `-pgid` result would read as an error): the line is that syscall's, as strace
/// shows it — the struct the kernel wrote and the syscall's 0, while the call returns `-pgid` —
/// and the struct's address when it fails. (The glibc build's line shows the `F_GETOWN` asked:
/// glibc's struct is on its own stack, out of the log's reach.)
#[cfg(feature = "inline-syscalls")]
#[test]
fn getown_logs_the_getown_ex_call_strace_shows() {
    no_leak(|| {
        let s = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        // SAFETY: getpgrp(2) and getpid(2) take no arguments and cannot fail.
        let (pgrp, pid) = unsafe { (libc::getpgrp(), libc::getpid()) };
        for (owner, ty, want) in [(-pgrp, "F_OWNER_PGRP", -pgrp), (pid, "F_OWNER_PID", pid)] {
            // SAFETY: F_SETOWN takes an int; `s` is open.
            assert_eq!(unsafe { raw::fcntl(n(&s), libc::F_SETOWN, owner) }, 0);
            // SAFETY: F_GETOWN takes no argument (the int is ignored); `s` is open.
            let (r, line) = one(|| unsafe { raw::fcntl(n(&s), libc::F_GETOWN, 0) });
            assert_eq!(r, want);
            let id = owner.abs();
            assert_eq!(
                line,
                format!("fcntl({}, F_GETOWN_EX, {{type={ty}, pid={id}}}) = 0", n(&s))
            );
        }
        // SAFETY: as above; fd -1 is never open.
        let (r, line) = one(|| unsafe { raw::fcntl(-1, libc::F_GETOWN, 0) });
        assert_eq!(r, -1);
        let (head, tail) = (
            "fcntl(-1, F_GETOWN_EX, 0x",
            ") = -1 EBADF (Bad file descriptor)",
        );
        assert!(line.starts_with(head) && line.ends_with(tail), "{line}");
    });
}

#[test]
fn fcntl_and_poll() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let (_, line) = one(|| sys::fcntl(&a, sys::FcntlArg::SetFl(libc::O_NONBLOCK)).unwrap());
        assert_eq!(
            line,
            format!("fcntl({}, F_SETFL, O_RDONLY|O_NONBLOCK) = 0", n(&a))
        );
        let (_, line) = one(|| sys::fcntl(&a, sys::FcntlArg::GetFl).unwrap());
        assert_eq!(
            line,
            format!(
                "fcntl({}, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)",
                n(&a)
            )
        );
        let mut fds = [
            sys::PollFd::new(a.as_fd(), libc::POLLIN),
            sys::PollFd::new(b.as_fd(), libc::POLLIN | libc::POLLOUT),
        ];
        let (_, line) = one(|| sys::poll(&mut fds, 0).unwrap());
        assert_eq!(
            line,
            format!(
                "poll([{{fd={a}, events=POLLIN}}, {{fd={b}, events=POLLIN|POLLOUT}}], 2, 0) = 1 ([{{fd={b}, revents=POLLOUT}}])",
                a = n(&a),
                b = n(&b)
            )
        );
    });
}

#[test]
fn capture_is_per_thread_and_nests() {
    let (inner, outer) = no_leak(|| {
        capture(|| {
            let (_, inner) = capture(|| sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap());
            let other = std::thread::spawn(|| capture(|| ()).1).join().unwrap();
            assert!(other.is_empty());
            std::thread::spawn(|| drop(sys::socket(AF_INET, SOCK_DGRAM, 0)))
                .join()
                .unwrap();
            inner
        })
    });
    assert_eq!(inner.len(), 1);
    assert!(outer.is_empty(), "outer capture saw {outer:?}");
}

#[test]
fn sched_affinity_lines() {
    // On a fresh thread: its affinity is its own, so pinning it leaves the test runner alone.
    std::thread::spawn(|| {
        let (mask, line) = one(|| sys::sched_getaffinity(0).unwrap());
        let cpus: Vec<String> = mask.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            line,
            format!("sched_getaffinity(0, 128, [{}]) = 0", cpus.join(" "))
        );
        let first = mask.iter().next().unwrap();
        let set = sys::CpuSet::single(first).unwrap();
        let ((), line) = one(|| sys::sched_setaffinity(0, &set).unwrap());
        assert_eq!(line, format!("sched_setaffinity(0, 128, [{first}]) = 0"));
        let (err, line) = one(|| sys::sched_setaffinity(0, &sys::CpuSet::new()).unwrap_err());
        assert_eq!(err.code(), Errno::EINVAL);
        assert_eq!(
            line,
            "sched_setaffinity(0, 128, []) = -1 EINVAL (Invalid argument)"
        );
    })
    .join()
    .unwrap();
}
