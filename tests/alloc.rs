//! What a failing `sys` call allocates: nothing, for the calls whose arguments are integers,
//! flags and buffers. The error keeps the raw values and formats them only when displayed, so a
//! non-blocking loop's `EAGAIN` costs what C's does.
//!
//! Its own binary: the counting `#[global_allocator]` below serves the whole binary, and it counts
//! only while the current thread asks it to (`allocations`), so the harness's other threads and
//! the set-up of each case are not counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Debug;
use std::io::{IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

use socklab::sys::opt::TcpNoDelay;
use socklab::sys::{
    self, MmsgBatch, AF_INET, AF_UNIX, EPOLL_CTL_ADD, FIONREAD, IPPROTO_UDP, MSG_DONTWAIT,
    MSG_NOSIGNAL, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_SEQPACKET, SOCK_STREAM,
};
use socklab::{Errno, Error, SockAddr};

/// The system allocator, counting the allocations of a thread while it asks.
struct Counting;

thread_local! {
    /// Whether this thread's allocations are being counted.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// How many this thread made while counting.
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    // try_with: a thread's allocations after its locals are gone are simply not counted.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

// SAFETY: every method hands the request to `System` unchanged; counting touches only
// const-initialized thread locals of plain `Cell`s, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller's contract for `alloc`, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller's contract for `alloc_zeroed`, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: the caller's contract for `realloc`, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc`, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result and how many allocations the current thread made in it.
fn allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|on| on.set(true));
    let r = f();
    COUNTING.with(|on| on.set(false));
    (r, COUNT.with(Cell::get))
}

/// Runs the failing call `f` counted, and checks it allocated nothing, failed with `code`, and
/// displays as `want` (the message every error of this call has always had).
fn costs_nothing<T: Debug>(
    what: &str,
    code: Errno,
    want: String,
    f: impl FnOnce() -> sys::Result<T>,
) {
    let (r, n) = allocations(f);
    let e: Error = r.expect_err(what);
    assert_eq!(e.code(), code, "{what}: {e}");
    assert_eq!(e.to_string(), want, "{what}");
    assert_eq!(n, 0, "{what}: the failing call allocated {n} times ({e})");
}

/// The first socklab call of the process reads `SOCKLAB_TRACE` (the trace hook's one-time set-up,
/// which allocates); make it here so the counted calls are ordinary ones.
fn warm_up() {
    let (a, _b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    let _ = sys::recv(&a, &mut [0u8; 1][..], MSG_DONTWAIT);
}

const EAGAIN: &str = "EAGAIN (Resource temporarily unavailable)";
const EPIPE: &str = "EPIPE (Broken pipe)";
const EINVAL: &str = "EINVAL (Invalid argument)";

fn fd(f: &OwnedFd) -> i32 {
    f.as_raw_fd()
}

#[test]
fn a_failing_recv_allocates_nothing() {
    warm_up();
    let (a, _b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
    let mut buf = [0u8; 64];
    let want = format!("recv(fd {}, buf, 64, MSG_DONTWAIT): {EAGAIN}", fd(&a));
    costs_nothing("recv", Errno::EAGAIN, want, || {
        sys::recv(&a, &mut buf[..], MSG_DONTWAIT)
    });
}

#[test]
fn failing_receives_allocate_nothing() {
    warm_up();
    let (a, _b) = sys::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0).unwrap();
    let fa = fd(&a);
    let mut buf = [0u8; 64];
    costs_nothing(
        "read",
        Errno::EAGAIN,
        format!("read(fd {fa}, buf, 64): {EAGAIN}"),
        || sys::read(&a, &mut buf[..]),
    );
    costs_nothing(
        "recvfrom",
        Errno::EAGAIN,
        format!("recvfrom(fd {fa}, buf, 64, MSG_DONTWAIT, &addr): {EAGAIN}"),
        || sys::recvfrom(&a, &mut buf[..], MSG_DONTWAIT),
    );
    let mut from = SockAddr::empty();
    costs_nothing(
        "recvfrom_into",
        Errno::EAGAIN,
        format!("recvfrom(fd {fa}, buf, 64, MSG_DONTWAIT, &addr): {EAGAIN}"),
        || sys::recvfrom_into(&a, &mut buf[..], MSG_DONTWAIT, &mut from),
    );
    let (mut x, mut y) = ([0u8; 16], [0u8; 48]);
    let mut iov = [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)];
    costs_nothing(
        "recvmsg",
        Errno::EAGAIN,
        format!("recvmsg(fd {fa}, {{msg_iovlen=2 (64 bytes), msg_controllen=0}}, 0): {EAGAIN}"),
        || sys::recvmsg(&a, &mut iov, None, 0),
    );
    let mut batch = MmsgBatch::new(4, 64);
    costs_nothing(
        "recvmmsg",
        Errno::EAGAIN,
        format!("recvmmsg(fd {fa}, msgvec, 4, MSG_DONTWAIT, NULL): {EAGAIN}"),
        || sys::recvmmsg(&a, &mut batch, 4, MSG_DONTWAIT, None),
    );
    costs_nothing(
        "recvmmsg with a timeout",
        Errno::EAGAIN,
        format!("recvmmsg(fd {fa}, msgvec, 3, MSG_DONTWAIT, 1.5s): {EAGAIN}"),
        || {
            sys::recvmmsg(
                &a,
                &mut batch,
                3,
                MSG_DONTWAIT,
                Some(Duration::from_millis(1500)),
            )
        },
    );
}

#[test]
fn failing_sends_allocate_nothing() {
    warm_up();
    let (a, b) = sys::socketpair(AF_UNIX, SOCK_SEQPACKET, 0).unwrap();
    drop(b);
    let fa = fd(&a);
    costs_nothing(
        "send",
        Errno::EPIPE,
        format!("send(fd {fa}, buf, 1, MSG_NOSIGNAL): {EPIPE}"),
        || sys::send(&a, b"x", MSG_NOSIGNAL),
    );
    let iov = [IoSlice::new(b"ab"), IoSlice::new(b"cde")];
    costs_nothing(
        "sendmsg",
        Errno::EPIPE,
        format!(
            "sendmsg(fd {fa}, {{msg_name=NULL, msg_iovlen=2 (5 bytes), msg_controllen=0}}, \
             MSG_NOSIGNAL): {EPIPE}"
        ),
        || sys::sendmsg(&a, None, &iov, None, MSG_NOSIGNAL),
    );
    let mut batch = MmsgBatch::new(2, 16);
    batch.set(0, b"one", None).unwrap();
    costs_nothing(
        "sendmmsg",
        Errno::EPIPE,
        format!("sendmmsg(fd {fa}, msgvec, 1, MSG_NOSIGNAL): {EPIPE}"),
        || sys::sendmmsg(&a, &mut batch, 1, MSG_NOSIGNAL),
    );
    // write(2) to an epoll fd: EINVAL, no SIGPIPE to arrange.
    let ep = sys::epoll_create1(0).unwrap();
    costs_nothing(
        "write",
        Errno::EINVAL,
        format!("write(fd {}, buf, 3): {EINVAL}", fd(&ep)),
        || sys::write(&ep, b"abc"),
    );
}

#[test]
fn failing_socket_calls_allocate_nothing() {
    warm_up();
    let lo = SockAddr::from("127.0.0.1:0".parse::<SocketAddr>().unwrap());
    let lst = sys::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0).unwrap();
    sys::bind(&lst, &lo).unwrap();
    sys::listen(&lst, 1).unwrap();
    let fl = fd(&lst);
    costs_nothing(
        "accept",
        Errno::EAGAIN,
        format!("accept(fd {fl}, NULL, NULL): {EAGAIN}"),
        || sys::accept(&lst, None),
    );
    let mut peer = SockAddr::empty();
    costs_nothing(
        "accept with an address",
        Errno::EAGAIN,
        format!("accept(fd {fl}, &addr): {EAGAIN}"),
        || sys::accept(&lst, Some(&mut peer)),
    );
    costs_nothing(
        "accept4",
        Errno::EAGAIN,
        format!("accept4(fd {fl}, NULL, NULL, SOCK_CLOEXEC): {EAGAIN}"),
        || sys::accept4(&lst, None, SOCK_CLOEXEC),
    );
    costs_nothing(
        "accept_into",
        Errno::EAGAIN,
        format!("accept(fd {fl}, &addr): {EAGAIN}"),
        || sys::accept_into(&lst, &mut peer),
    );
    costs_nothing(
        "accept4_into",
        Errno::EAGAIN,
        format!("accept4(fd {fl}, &addr, SOCK_CLOEXEC|SOCK_NONBLOCK): {EAGAIN}"),
        || sys::accept4_into(&lst, &mut peer, SOCK_CLOEXEC | SOCK_NONBLOCK),
    );

    costs_nothing(
        "socket",
        Errno::EPROTONOSUPPORT,
        "socket(AF_INET, SOCK_STREAM, IPPROTO_UDP): EPROTONOSUPPORT (Protocol not supported)"
            .to_string(),
        || sys::socket(AF_INET, SOCK_STREAM, IPPROTO_UDP),
    );
    costs_nothing(
        "socketpair",
        Errno::EOPNOTSUPP,
        "socketpair(AF_INET, SOCK_STREAM, IPPROTO_IP): EOPNOTSUPP (Operation not supported)"
            .to_string(),
        || sys::socketpair(AF_INET, SOCK_STREAM, 0),
    );
    let udp = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    let fu = fd(&udp);
    costs_nothing(
        "listen",
        Errno::EOPNOTSUPP,
        format!("listen(fd {fu}, 1): EOPNOTSUPP (Operation not supported)"),
        || sys::listen(&udp, 1),
    );
    const ENOTCONN: &str = "ENOTCONN (Transport endpoint is not connected)";
    costs_nothing(
        "shutdown",
        Errno::ENOTCONN,
        format!("shutdown(fd {fu}, SHUT_WR): {ENOTCONN}"),
        || sys::shutdown(&udp, std::net::Shutdown::Write),
    );
    costs_nothing(
        "getpeername",
        Errno::ENOTCONN,
        format!("getpeername(fd {fu}): {ENOTCONN}"),
        || sys::getpeername(&udp),
    );
    let mut addr = SockAddr::empty();
    costs_nothing(
        "getpeername_into",
        Errno::ENOTCONN,
        format!("getpeername(fd {fu}): {ENOTCONN}"),
        || sys::getpeername_into(&udp, &mut addr),
    );
    costs_nothing(
        "get_opt",
        Errno::EOPNOTSUPP,
        format!("getsockopt(fd {fu}, IPPROTO_TCP, TCP_NODELAY, 4 bytes): EOPNOTSUPP (Operation not supported)"),
        || sys::get_opt(&udp, TcpNoDelay),
    );
    costs_nothing(
        "set_opt",
        Errno::ENOPROTOOPT,
        format!("setsockopt(fd {fu}, IPPROTO_TCP, TCP_NODELAY, 4 bytes): ENOPROTOOPT (Protocol not available)"),
        || sys::set_opt(&udp, TcpNoDelay, true),
    );
}

#[test]
fn failing_waits_and_controls_allocate_nothing() {
    warm_up();
    let ep = sys::epoll_create1(0).unwrap();
    let fe = fd(&ep);
    let (a, _b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
    let fa = fd(&a);
    let mut events = [sys::EpollEvent::new(0, 0); 4];
    costs_nothing(
        "epoll_wait",
        Errno::EINVAL,
        format!("epoll_wait(fd {fa}, events, 4, -1): {EINVAL}"),
        || sys::epoll_wait(&a, &mut events, -1),
    );
    costs_nothing(
        "epoll_pwait",
        Errno::EINVAL,
        format!("epoll_pwait(fd {fa}, events, 4, 0): {EINVAL}"),
        || sys::epoll_pwait(&a, &mut events, 0, None),
    );
    costs_nothing(
        "epoll_ctl",
        Errno::EINVAL,
        format!("epoll_ctl(fd {fe}, EPOLL_CTL_ADD, fd {fe}): {EINVAL}"),
        || {
            sys::epoll_ctl(
                &ep,
                EPOLL_CTL_ADD,
                &ep,
                Some(&mut sys::EpollEvent::new(0, 0)),
            )
        },
    );
    costs_nothing(
        "epoll_create1",
        Errno::EINVAL,
        format!("epoll_create1(0x1 /* EPOLL_??? */): {EINVAL}"),
        || sys::epoll_create1(1),
    );
    costs_nothing(
        "ioctl",
        Errno::EINVAL,
        format!("ioctl(fd {fe}, FIONREAD): {EINVAL}"),
        || sys::ioctl(&ep, FIONREAD),
    );
    costs_nothing(
        "sockatmark",
        Errno::EINVAL,
        format!("sockatmark(fd {fe}): {EINVAL}"),
        || sys::sockatmark(&ep),
    );
}
