//! select/pselect over FdSet, epoll, and poll over a set that grows and shrinks with -1 slots.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use socklab::sys::{self, EpollEvent, Errno, FdSet, RawPollFd, AF_UNIX, SOCK_STREAM};
use socklab::sys::{EPOLLIN, EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, POLLIN, POLLNVAL};

use crate::common::{is_cloexec, no_leak};

fn pair() -> (OwnedFd, OwnedFd) {
    sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap()
}

#[test]
fn fd_set_refuses_fds_past_fd_setsize() {
    let mut s = FdSet::new();
    let canary = [0xa5u8; 64];
    for fd in [-1, sys::FD_SETSIZE as i32, 1 << 20] {
        let e = s.set(fd).unwrap_err();
        assert_eq!(e.code(), Errno::EINVAL);
        assert!(
            e.to_string().starts_with(&format!("FD_SET(fd {fd})")),
            "{e}"
        );
        assert!(!s.isset(fd));
        s.clr(fd);
    }
    assert_eq!(canary, [0xa5u8; 64]);
    assert_eq!(s.fds().count(), 0);
    s.set(1023).unwrap();
    s.set(0).unwrap();
    assert_eq!(s.fds().collect::<Vec<_>>(), [0, 1023]);
    s.clr(0);
    assert!(!s.isset(0) && s.isset(1023));
    s.zero();
    assert_eq!(s.fds().count(), 0);
    let e = sys::select(sys::FD_SETSIZE as i32 + 1, Some(&mut s), None, None, None).unwrap_err();
    assert_eq!(e.code(), Errno::EINVAL);
}

#[test]
fn select_reports_the_ready_fd_and_times_out() {
    no_leak(|| {
        let (a, b) = pair();
        let (c, d) = pair();
        let mut master = FdSet::new();
        master.set(b.as_raw_fd()).unwrap();
        master.set(d.as_raw_fd()).unwrap();
        let nfds = b.as_raw_fd().max(d.as_raw_fd()) + 1;
        let mut tv = sys::timeval {
            tv_sec: 0,
            tv_usec: 0,
        };
        let mut read_fds = master;
        assert_eq!(
            sys::select(nfds, Some(&mut read_fds), None, None, Some(&mut tv)).unwrap(),
            0
        );
        assert_eq!(read_fds.fds().count(), 0);
        sys::write(&c, b"x").unwrap();
        let mut read_fds = master;
        assert_eq!(
            sys::select(nfds, Some(&mut read_fds), None, None, None).unwrap(),
            1
        );
        assert_eq!(read_fds.fds().collect::<Vec<_>>(), [d.as_raw_fd()]);
        let mut write_fds = FdSet::new();
        write_fds.set(a.as_raw_fd()).unwrap();
        let ts = sys::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let n = sys::pselect(
            a.as_raw_fd() + 1,
            None,
            Some(&mut write_fds),
            None,
            Some(&ts),
            None,
        );
        assert_eq!(n.unwrap(), 1);
        assert!(write_fds.isset(a.as_raw_fd()));
        // A closed fd in the set: EBADF, as in C.
        let closed = a.as_raw_fd();
        drop(a);
        let mut bad = FdSet::new();
        bad.set(closed).unwrap();
        let e = sys::select(closed + 1, Some(&mut bad), None, None, Some(&mut tv)).unwrap_err();
        assert_eq!(e.code(), Errno::EBADF);
    })
}

#[test]
fn epoll_add_wait_del() {
    no_leak(|| {
        let (a, b) = pair();
        let ep = sys::epoll_create1(EPOLL_CLOEXEC).unwrap();
        assert!(is_cloexec(&ep));
        let mut ev = EpollEvent::new(EPOLLIN as u32, b.as_raw_fd() as u64);
        sys::epoll_ctl(&ep, EPOLL_CTL_ADD, &b, Some(&mut ev)).unwrap();
        let e = sys::epoll_ctl(&ep, EPOLL_CTL_ADD, &b, Some(&mut ev)).unwrap_err();
        assert_eq!(e.code(), Errno::EEXIST);
        let mut events = [EpollEvent::empty(); 4];
        assert_eq!(sys::epoll_wait(&ep, &mut events, 0).unwrap(), 0);
        sys::write(&a, b"x").unwrap();
        assert_eq!(sys::epoll_pwait(&ep, &mut events, -1, None).unwrap(), 1);
        assert_eq!(
            (events[0].events(), events[0].fd()),
            (EPOLLIN as u32, b.as_raw_fd())
        );
        sys::epoll_ctl(&ep, EPOLL_CTL_DEL, &b, None).unwrap();
        assert_eq!(sys::epoll_wait(&ep, &mut events, 0).unwrap(), 0);
        let e = sys::epoll_wait(&ep, &mut [], 0).unwrap_err();
        assert_eq!(e.code(), Errno::EINVAL);
    })
}

#[test]
fn poll_set_grows_shrinks_and_skips_minus_one() {
    no_leak(|| {
        let (a, b) = pair();
        let (c, d) = pair();
        // C: struct pollfd *pfds = malloc(...); pfds[0].fd = listener; ... fd_count++.
        let mut pfds = vec![RawPollFd::new(b.as_raw_fd(), POLLIN)];
        pfds.push(RawPollFd::new(d.as_raw_fd(), POLLIN));
        pfds.push(RawPollFd::new(-1, POLLIN)); // C's "skip this slot"
        sys::write(&a, b"x").unwrap();
        sys::write(&c, b"y").unwrap();
        assert_eq!(sys::poll(&mut pfds, 0).unwrap(), 2);
        assert_eq!(pfds[2].revents(), 0, "fd -1 is skipped");
        pfds[0].set_fd(-1); // done with b
        assert_eq!(sys::poll(&mut pfds, 0).unwrap(), 1);
        assert_eq!(pfds[1].revents(), POLLIN);
        pfds.swap_remove(0); // C's del_from_pfds: copy the last one over it
        assert_eq!(pfds.len(), 2);
        // A number that is no longer open: POLLNVAL, not undefined behaviour.
        let gone = c.as_raw_fd();
        drop(c);
        pfds.push(RawPollFd::new(gone, POLLIN));
        assert_eq!(sys::poll(&mut pfds, 0).unwrap(), 2);
        assert_eq!(pfds[2].revents(), POLLNVAL);
        let _ = (a.as_fd(), d.as_fd());
    })
}
