//! The tour: every socket call through `socklab::sys` for AF_INET, AF_INET6 and AF_UNIX, run in a
//! child process under strace by `strace.rs` (and traced in-process at the same time).
//!
//! It lives in tests/ rather than examples/ because sendmsg/recvmsg/sendmmsg/recvmmsg and the
//! socket options are only reachable through `sys::raw` on this branch (their safe API is written
//! elsewhere), and `unsafe` is allowed in tests/ but nowhere in crate code outside src/sys/.
//! Every fd is closed with `sys::close`: an `OwnedFd` dropped implicitly closes it through std,
//! which strace would see and socklab would not.

use std::mem::{self, size_of};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::raw::{c_int, c_void};

use socklab::sys::{self, raw, SockAddr};
use socklab::sys::{AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM};
use socklab::sys::{MSG_DONTWAIT, MSG_NOSIGNAL, SOCK_CLOEXEC, SOCK_NONBLOCK};

/// The first and last call of the tour, so the strace log can be cut to the tour's calls.
pub const BEGIN: &str = "socklab-trace-tour-begin";
/// See [`BEGIN`].
pub const END: &str = "socklab-trace-tour-end";

/// Set in the child's environment; without it [`child`] does nothing.
pub const CHILD_ENV: &str = "SOCKLAB_TRACE_TOUR_DIR";

/// A marker: `write(-1, "<text>", n) = -1 EBADF`, made through socklab.
fn marker(text: &str) {
    // SAFETY: `text` is readable for its length; fd -1 is never open, so nothing is written.
    let rc = unsafe { raw::write(-1, text.as_ptr().cast(), text.len()) };
    assert_eq!(rc, -1);
}

fn fd(f: &OwnedFd) -> c_int {
    f.as_raw_fd()
}

fn setsockopt_int(f: &OwnedFd, level: c_int, name: c_int, v: c_int) {
    let p: *const c_int = &v;
    // SAFETY: `p` is readable for size_of::<c_int>() bytes.
    let rc = unsafe { raw::setsockopt(fd(f), level, name, p.cast(), size_of::<c_int>() as u32) };
    assert_eq!(rc, 0, "setsockopt({level}, {name})");
}

fn getsockopt_int(f: &OwnedFd, level: c_int, name: c_int) -> c_int {
    let mut v: c_int = -1;
    let mut len = size_of::<c_int>() as libc::socklen_t;
    let p: *mut c_int = &mut v;
    // SAFETY: `p` is writable for `len` bytes and `len` is readable and writable.
    let rc = unsafe { raw::getsockopt(fd(f), level, name, p.cast(), &mut len) };
    assert_eq!(rc, 0, "getsockopt({level}, {name})");
    v
}

/// A zeroed msghdr pointing at `name` (may be empty: no name) and `iov`.
fn msghdr(name: Option<&mut SockAddr>, iov: &mut [libc::iovec]) -> libc::msghdr {
    // SAFETY: msghdr is a C struct of integers and pointers; all-zero is its `= {0}` value.
    let mut m: libc::msghdr = unsafe { mem::zeroed() };
    if let Some(a) = name {
        m.msg_name = (a.as_ptr() as *mut libc::sockaddr).cast();
        m.msg_namelen = a.len();
    }
    m.msg_iov = iov.as_mut_ptr();
    m.msg_iovlen = iov.len();
    m
}

fn iov(b: &[u8]) -> libc::iovec {
    libc::iovec {
        iov_base: b.as_ptr() as *mut c_void,
        iov_len: b.len(),
    }
}

fn iov_mut(b: &mut [u8]) -> libc::iovec {
    libc::iovec {
        iov_base: b.as_mut_ptr().cast(),
        iov_len: b.len(),
    }
}

/// TCP (or Unix stream) server side: listener bound to `addr`, a connected client, the accepted
/// socket; then bytes both ways, shutdown, EOF, closes.
fn stream(domain: c_int, addr: &SockAddr) -> sys::Result<()> {
    let l = sys::socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0)?;
    if domain != AF_UNIX {
        setsockopt_int(&l, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1);
    }
    sys::bind(&l, addr)?;
    let bound = sys::getsockname(&l)?;
    sys::listen(&l, 8)?;
    getsockopt_int(&l, libc::SOL_SOCKET, libc::SO_ACCEPTCONN);
    let proto = if domain == AF_UNIX {
        0
    } else {
        libc::IPPROTO_TCP
    };
    let c = sys::socket(domain, SOCK_STREAM, proto)?;
    sys::connect(&c, &bound)?;
    let mut peer = SockAddr::empty();
    let s = sys::accept(&l, Some(&mut peer))?;
    let c2 = sys::socket(domain, SOCK_STREAM, 0)?;
    sys::connect(&c2, &bound)?;
    let s2 = sys::accept4(&l, None, SOCK_CLOEXEC | SOCK_NONBLOCK)?;
    sys::getpeername(&c)?;

    // 54 bytes: escapes, UTF-8 Korean, and past strace's 32-byte cut.
    let msg = "hello\n\t\0\u{7f} \"q\" \\ 안녕 0123456789012345678901234567".as_bytes();
    sys::write(&c, msg)?;
    let mut buf = [0u8; 1024];
    sys::read(&s, &mut buf[..])?;
    sys::send(&c, b"abc", MSG_NOSIGNAL)?;
    sys::recv(&s, &mut buf[..], 0)?;
    let again = sys::recv(&s2, &mut buf[..], MSG_DONTWAIT).unwrap_err();
    assert_eq!(again.code(), socklab::Errno::EAGAIN);
    if domain != AF_UNIX {
        setsockopt_int(&c, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1);
        getsockopt_int(&c, libc::IPPROTO_TCP, libc::TCP_NODELAY);
    }
    getsockopt_int(&s, libc::SOL_SOCKET, libc::SO_ERROR);
    let lg = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    let p: *const libc::linger = &lg;
    // SAFETY: `p` is readable for size_of::<linger>() bytes.
    let rc = unsafe {
        let len = size_of::<libc::linger>() as u32;
        raw::setsockopt(fd(&c2), libc::SOL_SOCKET, libc::SO_LINGER, p.cast(), len)
    };
    assert_eq!(rc, 0);
    sys::shutdown(&c, Shutdown::Write)?;
    assert_eq!(sys::read(&s, &mut buf[..])?, 0);
    sys::shutdown(&s, Shutdown::Both)?;
    for f in [s2, c2, s, c, l] {
        sys::close(f)?;
    }
    Ok(())
}

/// connect to an address nobody listens on: ECONNREFUSED (a bound, not listening, socket).
fn refused(domain: c_int, addr: &SockAddr) -> sys::Result<()> {
    let idle = sys::socket(domain, SOCK_STREAM, 0)?;
    sys::bind(&idle, addr)?;
    let to = sys::getsockname(&idle)?;
    let c = sys::socket(domain, SOCK_STREAM, 0)?;
    let err = sys::connect(&c, &to).unwrap_err();
    assert_eq!(err.code(), socklab::Errno::ECONNREFUSED);
    sys::close(c)?;
    sys::close(idle)
}

/// A non-blocking connect to a refused port, as event loops do it: EINPROGRESS, poll for
/// writability, SO_ERROR; plus the fcntl flag calls.
fn nonblocking_refused(domain: c_int, addr: &SockAddr) -> sys::Result<()> {
    let idle = sys::socket(domain, SOCK_STREAM, 0)?;
    sys::bind(&idle, addr)?;
    let to = sys::getsockname(&idle)?;
    let c = sys::socket(domain, SOCK_STREAM | SOCK_NONBLOCK, 0)?;
    sys::fcntl(&c, sys::FcntlArg::GetFl)?;
    sys::fcntl(&c, sys::FcntlArg::SetFl(libc::O_RDWR | libc::O_NONBLOCK))?;
    sys::fcntl(&c, sys::FcntlArg::GetFd)?;
    sys::fcntl(&c, sys::FcntlArg::SetFd(libc::FD_CLOEXEC))?;
    sys::fcntl(&c, sys::FcntlArg::GetFd)?;
    // The inline build asks F_GETOWN as glibc does, as F_GETOWN_EX, and logs that call as
    // strace shows it (the glibc build's log shows the F_GETOWN asked: not compared here).
    #[cfg(feature = "inline-syscalls")]
    {
        // SAFETY: F_GETOWN takes no argument (the int is ignored); `c` is open.
        let owner = unsafe { raw::fcntl(c.as_raw_fd(), libc::F_GETOWN, 0) };
        assert_eq!(owner, 0);
    }
    let err = sys::connect(&c, &to).unwrap_err();
    assert_eq!(err.code(), socklab::Errno::EINPROGRESS);
    let mut fds = [sys::PollFd::new(c.as_fd(), libc::POLLOUT)];
    assert_eq!(sys::poll(&mut fds, 5000)?, 1);
    let e = getsockopt_int(&c, libc::SOL_SOCKET, libc::SO_ERROR);
    assert_eq!(e, libc::ECONNREFUSED);
    let mut none = [sys::PollFd::new(idle.as_fd(), libc::POLLIN)];
    sys::poll(&mut none, 0)?;
    sys::close(c)?;
    sys::close(idle)
}

/// Datagrams: sendto/recvfrom, sendmsg/recvmsg, sendmmsg/recvmmsg, and their EAGAIN forms.
fn dgram(domain: c_int, a: &SockAddr, b: &SockAddr) -> sys::Result<()> {
    let x = sys::socket(domain, SOCK_DGRAM, 0)?;
    let y = sys::socket(domain, SOCK_DGRAM | SOCK_NONBLOCK, 0)?;
    if domain == AF_INET6 {
        setsockopt_int(&y, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 1);
    }
    sys::bind(&x, a)?;
    sys::bind(&y, b)?;
    let mut to = sys::getsockname(&y)?;
    sys::sendto(&x, b"ping", 0, &to)?;
    let mut buf = [0u8; 64];
    sys::recvfrom(&y, &mut buf[..], 0)?;

    // sendmsg with a name and two iovecs; recvmsg into a short and a long buffer.
    let mut out = [iov(b"ab"), iov(b"cdefgh")];
    let m = msghdr(Some(&mut to), &mut out);
    // SAFETY: `m` points at `to` and two iovecs over static bytes, all alive for the call.
    assert_eq!(unsafe { raw::sendmsg(fd(&x), &m, 0) }, 8);
    let (mut b1, mut b2) = ([0u8; 4], [0u8; 64]);
    let mut inn = [iov_mut(&mut b1), iov_mut(&mut b2)];
    let mut from = SockAddr::empty();
    let mut rm = msghdr(Some(&mut from), &mut inn);
    // SAFETY: `rm` points at `from` (its full storage) and two writable buffers.
    assert_eq!(unsafe { raw::recvmsg(fd(&y), &mut rm, 0) }, 8);
    // SAFETY: as above; nothing is queued, so this fails with EAGAIN.
    assert_eq!(unsafe { raw::recvmsg(fd(&y), &mut rm, MSG_DONTWAIT) }, -1);

    // sendmmsg two messages, recvmmsg them into three slots.
    let (one, two) = (b"one", b"two!");
    let mut v1 = [iov(one)];
    let mut v2 = [iov(two)];
    // SAFETY: mmsghdr is a C struct; all-zero is its `= {0}` value.
    let mut mm: [libc::mmsghdr; 2] = unsafe { mem::zeroed() };
    mm[0].msg_hdr = msghdr(Some(&mut to), &mut v1);
    mm[1].msg_hdr = msghdr(Some(&mut to), &mut v2);
    // SAFETY: both headers point at `to` and at live iovecs.
    assert_eq!(unsafe { raw::sendmmsg(fd(&x), mm.as_mut_ptr(), 2, 0) }, 2);
    let mut bufs = [[0u8; 16]; 3];
    let mut names = [SockAddr::empty(); 3];
    let mut iovs: Vec<[libc::iovec; 1]> = bufs.iter_mut().map(|b| [iov_mut(b)]).collect();
    // SAFETY: as above.
    let mut rmm: [libc::mmsghdr; 3] = unsafe { mem::zeroed() };
    for ((h, n), v) in rmm.iter_mut().zip(names.iter_mut()).zip(iovs.iter_mut()) {
        h.msg_hdr = msghdr(Some(n), v);
    }
    let p = rmm.as_mut_ptr();
    // SAFETY: three headers, each pointing at a whole SockAddr and a 16-byte buffer.
    assert_eq!(
        unsafe { raw::recvmmsg(fd(&y), p, 3, MSG_DONTWAIT, std::ptr::null_mut()) },
        2
    );
    // SAFETY: as above; the queue is empty now: EAGAIN.
    assert_eq!(
        unsafe { raw::recvmmsg(fd(&y), p, 3, MSG_DONTWAIT, std::ptr::null_mut()) },
        -1
    );

    sys::connect(&x, &to)?;
    sys::send(&x, b"connected", 0)?;
    sys::read(&y, &mut buf[..])?;
    sys::shutdown(&x, Shutdown::Read)?;
    sys::close(y)?;
    sys::close(x)
}

/// A socket filter attached and detached: `SO_ATTACH_FILTER`'s value is a `struct sock_fprog`,
/// whose padding the log must not show (strace prints `{len=1, filter=0x…}`).
fn filter() -> sys::Result<()> {
    let u = sys::socket(AF_INET, SOCK_DGRAM, 0)?;
    let keep_all = [libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k: u32::MAX,
    }];
    sys::filter::attach_filter(&u, &keep_all)?;
    sys::filter::detach_filter(&u)?;
    sys::close(u)
}

/// The calls of the tour, between the two markers.
pub fn run(dir: &std::path::Path) -> sys::Result<()> {
    let v4: SockAddr = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)));
    let v6: SockAddr = SockAddr::from("[::1]:0".parse::<SocketAddr>().unwrap());
    marker(BEGIN);

    stream(AF_INET, &v4)?;
    refused(AF_INET, &v4)?;
    nonblocking_refused(AF_INET, &v4)?;
    dgram(AF_INET, &v4, &v4)?;

    stream(AF_INET6, &v6)?;
    refused(AF_INET6, &v6)?;
    dgram(AF_INET6, &v6, &v6)?;

    let path = |n: &str| SockAddr::unix(dir.join(n)).unwrap();
    stream(AF_UNIX, &path("stream.sock"))?;
    refused(AF_UNIX, &path("idle.sock"))?;
    let tag = dir.file_name().unwrap().to_string_lossy().into_owned();
    let abs = |n: &str| SockAddr::unix_abstract(format!("{tag}-{n}").as_bytes()).unwrap();
    dgram(AF_UNIX, &abs("x"), &abs("y"))?;
    dgram(AF_UNIX, &path("x.sock"), &path("y.sock"))?;
    let (a, b) = sys::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)?;
    sys::send(&a, b"pair", 0)?;
    sys::recv(&b, &mut [0u8; 8][..], 0)?;
    sys::close(a)?;
    sys::close(b)?;
    filter()?;

    marker(END);
    Ok(())
}

/// Runs the tour when started by `strace.rs` (the environment names a scratch directory).
#[test]
#[ignore = "run in a child process by strace::tour_matches_strace"]
fn child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    run(std::path::Path::new(&dir)).expect("tour");
}
