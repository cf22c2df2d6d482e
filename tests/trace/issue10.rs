//! The log lines of issue 10's calls, in strace 6.1's notation (each format checked against a
//! live strace on a C program making the same call): exact address capacities (`[16]`),
//! `msg_name=NULL`, select as pselect6 with fd_sets, epoll events, int ioctls, poll's `{fd=-1}`.

use std::io::IoSliceMut;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd};

use socklab::sys::{self, AddrLen, EpollEvent, FdSet, RawPollFd, SockAddr};
use socklab::sys::{AF_INET, AF_UNIX, EPOLLET, EPOLLIN, EPOLL_CLOEXEC, EPOLL_CTL_ADD};
use socklab::sys::{EPOLL_CTL_DEL, FIONREAD, POLLIN, SIOCOUTQ, SOCK_DGRAM, SOCK_STREAM};
use socklab::trace::capture;

use super::common::no_leak;

fn n(f: &OwnedFd) -> i32 {
    f.as_raw_fd()
}

#[track_caller]
fn one<R>(f: impl FnOnce() -> R) -> (R, String) {
    let (r, mut lines) = capture(f);
    assert_eq!(lines.len(), 1, "{lines:?}");
    (r, lines.pop().unwrap())
}

#[test]
fn chosen_capacities_show_as_c_shows_them() {
    no_leak(|| {
        let lo = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)));
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &lo).unwrap();
        let me = sys::getsockname(&fd).unwrap();
        let port = me.as_socket().unwrap().port();
        let decoded = format!(
            "{{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr(\"127.0.0.1\")}}"
        );
        let mut a = SockAddr::with_capacity(AddrLen::INET);
        let ((), line) = one(|| sys::getsockname_into(&fd, &mut a).unwrap());
        assert_eq!(
            line,
            format!("getsockname({}, {decoded}, [16]) = 0", n(&fd))
        );
        let (_, line) = one(|| sys::getsockname(&fd).unwrap());
        assert_eq!(
            line,
            format!("getsockname({}, {decoded}, [128 => 16]) = 0", n(&fd))
        );
        sys::sendto(&fd, b"hi", 0, &me).unwrap();
        let mut from = SockAddr::with_capacity(AddrLen::INET);
        let (_, line) = one(|| sys::recvfrom_into(&fd, &mut [0u8; 8], 0, &mut from).unwrap());
        assert_eq!(
            line,
            format!("recvfrom({}, \"hi\", 8, 0, {decoded}, [16]) = 2", n(&fd))
        );
        sys::sendto(&fd, b"yo", 0, &me).unwrap();
        let mut d = [0u8; 4];
        let (_, line) =
            one(|| sys::recvmsg_into(&fd, None, &mut [IoSliceMut::new(&mut d)], None, 0).unwrap());
        assert_eq!(
            line,
            format!(
                "recvmsg({}, {{msg_name=NULL, msg_namelen=0, msg_iov=[{{iov_base=\"yo\", iov_len=4}}], msg_iovlen=1, msg_controllen=0, msg_flags=0}}, 0) = 2",
                n(&fd)
            )
        );
    })
}

#[test]
fn select_is_logged_as_pselect6() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::write(&a, b"x").unwrap();
        let mut r = FdSet::new();
        r.set(n(&a)).unwrap();
        r.set(n(&b)).unwrap();
        let nfds = n(&b) + 1;
        let (_, line) = one(|| sys::select(nfds, Some(&mut r), None, None, None).unwrap());
        assert_eq!(
            line,
            format!(
                "pselect6({nfds}, [{} {}], NULL, NULL, NULL, NULL) = 1 (in [{}])",
                n(&a),
                n(&b),
                n(&b)
            )
        );
        let mut r = FdSet::new();
        r.set(n(&a)).unwrap();
        let ts = sys::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let (_, line) = one(|| sys::pselect(n(&a) + 1, Some(&mut r), None, None, Some(&ts), None));
        assert_eq!(
            line,
            format!(
                "pselect6({}, [{}], NULL, NULL, {{tv_sec=0, tv_nsec=0}}, {{sigmask=NULL, sigsetsize=8}}) = 0 (Timeout)",
                n(&a) + 1,
                n(&a)
            )
        );
    })
}

#[test]
fn epoll_ioctl_and_poll_skip_slots() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let (ep, line) = one(|| sys::epoll_create1(EPOLL_CLOEXEC).unwrap());
        assert_eq!(line, format!("epoll_create1(EPOLL_CLOEXEC) = {}", n(&ep)));
        let (e, fb) = (n(&ep), n(&b));
        let mut ev = EpollEvent::new((EPOLLIN | EPOLLET) as u32, fb as u64);
        let (_, line) = one(|| sys::epoll_ctl(&ep, EPOLL_CTL_ADD, &b, Some(&mut ev)).unwrap());
        let data = format!("data={{u32={fb}, u64={fb}}}");
        assert_eq!(
            line,
            format!("epoll_ctl({e}, EPOLL_CTL_ADD, {fb}, {{events=EPOLLIN|EPOLLET, {data}}}) = 0")
        );
        sys::write(&a, b"x").unwrap();
        let mut evs = [EpollEvent::empty(); 4];
        let (_, line) = one(|| sys::epoll_wait(&ep, &mut evs, -1).unwrap());
        assert_eq!(
            line,
            format!("epoll_wait({e}, [{{events=EPOLLIN, {data}}}], 4, -1) = 1")
        );
        let (_, line) = one(|| sys::epoll_pwait(&ep, &mut evs, 0, None).unwrap());
        assert_eq!(line, format!("epoll_pwait({e}, [], 4, 0, NULL, 8) = 0"));
        let (_, line) = one(|| sys::epoll_ctl(&ep, EPOLL_CTL_DEL, &b, None).unwrap());
        assert_eq!(
            line,
            format!("epoll_ctl({e}, EPOLL_CTL_DEL, {fb}, NULL) = 0")
        );
        let (_, line) = one(|| sys::ioctl(&b, FIONREAD).unwrap());
        assert_eq!(line, format!("ioctl({fb}, FIONREAD, [1]) = 0"));
        let (_, line) = one(|| sys::ioctl(&b, SIOCOUTQ).unwrap());
        assert_eq!(line, format!("ioctl({fb}, TIOCOUTQ, [0]) = 0"));
        let (_, line) = one(|| sys::sockatmark(&b).unwrap());
        assert_eq!(line, format!("ioctl({fb}, SIOCATMARK, [0]) = 0"));
        let mut p = [RawPollFd::new(fb, POLLIN), RawPollFd::new(-1, POLLIN)];
        let (_, line) = one(|| sys::poll(&mut p, 0).unwrap());
        assert_eq!(
            line,
            format!("poll([{{fd={fb}, events=POLLIN}}, {{fd=-1}}], 2, 0) = 1 ([{{fd={fb}, revents=POLLIN}}])")
        );
    })
}
