//! The log lines of the multiplexing calls and the int ioctls, in strace 6.1's notation (each
//! format checked against a live strace on a C program making the same call, and in
//! `strace.rs` against a live strace on these calls): select as pselect6 with its fd_sets and
//! signal mask, epoll's events, the int ioctls, poll's `{fd=-1}`.

use std::os::fd::AsFd;

use socklab::sys::signal::{SigSet, SIGUSR2};
use socklab::sys::{self, EpollEvent, FdSet, PollSet, RawPollFd};
use socklab::sys::{AF_UNIX, EPOLLET, EPOLLIN, EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL};
use socklab::sys::{FIONREAD, POLLIN, SIOCOUTQ, SOCK_STREAM};

use super::capture::{n, one};
use super::common::no_leak;

#[test]
fn select_is_logged_as_pselect6() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::write(&a, b"x").unwrap();
        let mut r = FdSet::new();
        r.insert(a.as_fd()).unwrap();
        r.insert(b.as_fd()).unwrap();
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
        r.insert(a.as_fd()).unwrap();
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
        // A mask built in safe code, decoded as strace does.
        let mask = SigSet::of(&[SIGUSR2]).unwrap();
        let mut r = FdSet::new();
        r.insert(a.as_fd()).unwrap();
        let ts = &ts;
        let (_, line) =
            one(|| sys::pselect(n(&a) + 1, Some(&mut r), None, None, Some(ts), Some(&mask)));
        assert_eq!(
            line,
            format!(
                "pselect6({}, [{}], NULL, NULL, {{tv_sec=0, tv_nsec=0}}, {{sigmask=[USR2], sigsetsize=8}}) = 0 (Timeout)",
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
        // SAFETY: `b` outlives `p` and the poll.
        let mut p = [
            unsafe { RawPollFd::new(fb, POLLIN) },
            RawPollFd::empty(POLLIN),
        ];
        let (_, line) = one(|| sys::poll(&mut p, 0).unwrap());
        let want = format!(
            "poll([{{fd={fb}, events=POLLIN}}, {{fd=-1}}], 2, 0) = 1 ([{{fd={fb}, revents=POLLIN}}])"
        );
        assert_eq!(line, want);
        // The set that holds its fds passes the same array.
        let mut set = PollSet::new();
        set.push(b.as_fd(), POLLIN);
        set.push_empty(POLLIN);
        let (_, line) = one(|| sys::poll(&mut set, 0).unwrap());
        assert_eq!(line, want);
    })
}
