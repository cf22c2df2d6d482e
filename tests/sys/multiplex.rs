//! select/pselect over FdSet and SelectSet, epoll, poll over PollFd, PollSet and RawPollFd, and
//! the signal masks pselect and epoll_pwait install for the wait.

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::mpsc;
use std::thread;

use socklab::sys::signal::{self, SigAction, SigSet, SIGUSR1, SIGUSR2, SIG_BLOCK, SIG_SETMASK};
use socklab::sys::{self, raw, EpollEvent, Errno, FdSet, PollFd, PollSet, RawPollFd, SelectSet};
use socklab::sys::{AF_UNIX, SOCK_STREAM};
use socklab::sys::{EPOLLIN, EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, POLLIN, POLLNVAL};
use socklab::sys::{FD_SETSIZE, POLLOUT};

use crate::common::{is_cloexec, no_leak};

fn pair() -> (OwnedFd, OwnedFd) {
    sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap()
}

#[test]
fn fd_set_refuses_fds_past_fd_setsize() {
    let mut s = FdSet::new();
    let canary = [0xa5u8; 64];
    for fd in [-1, sys::FD_SETSIZE as i32, 1 << 20] {
        // SAFETY: each number is out of range, refused before anything is stored: the set never
        // holds it, so no select acts on it.
        let e = unsafe { s.set(fd) }.unwrap_err();
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
    // SAFETY: the set is only read (fds, isset) and cleared below, never passed to select while
    // it holds 1023 or 0.
    unsafe {
        s.set(1023).unwrap();
        s.set(0).unwrap();
    }
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
        master.insert(b.as_fd()).unwrap();
        master.insert(d.as_fd()).unwrap();
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
        write_fds.insert(a.as_fd()).unwrap();
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
        // A closed fd in the set: EBADF, as in C (only the unsafe `set` can put one there).
        let closed = a.as_raw_fd();
        drop(a);
        let mut bad = FdSet::new();
        // SAFETY: `closed` is a number this test closed a moment ago; nothing else in the
        // process opens fds while no_leak's lock is held, so it is still closed for the select.
        unsafe { bad.set(closed).unwrap() };
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
        // SAFETY: b and d outlive `pfds` and every poll below, until they are dropped at the end.
        let mut pfds = vec![unsafe { RawPollFd::new(b.as_raw_fd(), POLLIN) }];
        pfds.push(unsafe { RawPollFd::new(d.as_raw_fd(), POLLIN) });
        pfds.push(RawPollFd::empty(POLLIN)); // C's "skip this slot"
        sys::write(&a, b"x").unwrap();
        sys::write(&c, b"y").unwrap();
        assert_eq!(sys::poll(&mut pfds, 0).unwrap(), 2);
        assert_eq!(pfds[2].revents(), 0, "fd -1 is skipped");
        pfds[0].clear_fd(); // done with b: C's pfds[0].fd = -1
        assert_eq!(sys::poll(&mut pfds, 0).unwrap(), 1);
        assert_eq!(pfds[1].revents(), POLLIN);
        pfds.swap_remove(0); // C's del_from_pfds: copy the last one over it
        assert_eq!(pfds.len(), 2);
        // A number that is no longer open: POLLNVAL, not undefined behaviour.
        let gone = c.as_raw_fd();
        drop(c);
        // SAFETY: as for `bad` in the select test: `gone` stays closed while no_leak's lock is
        // held, so poll acts on no file.
        pfds.push(unsafe { RawPollFd::new(gone, POLLIN) });
        assert_eq!(sys::poll(&mut pfds, 0).unwrap(), 2);
        assert_eq!(pfds[2].revents(), POLLNVAL);
        let _ = (a.as_fd(), d.as_fd());
    })
}

/// I/O safety: a poll server's set grows on accept and shrinks on close, so it holds its fds
/// (`PollSet<OwnedFd>`): every number it hands the kernel is one it owns. `take` empties a slot
/// (C's `pfds[i].fd = -1`), `replace` fills it, `swap_remove` is Beej's `del_from_pfds`.
#[test]
fn poll_set_holds_its_fds_grows_shrinks_and_skips_empty_slots() {
    no_leak(|| {
        let (a, b) = pair();
        let (c, d) = pair();
        let (bn, dn) = (b.as_raw_fd(), d.as_raw_fd());
        let numbers = |p: &PollSet| p.entries().iter().map(RawPollFd::fd).collect::<Vec<_>>();
        let mut pfds: PollSet = PollSet::with_capacity(2);
        assert!(pfds.is_empty());
        pfds.push(b, POLLIN);
        pfds.push(d, POLLIN);
        pfds.push_empty(POLLIN); // C's "-1 skips this slot"
        assert_eq!((pfds.len(), numbers(&pfds)), (3, vec![bn, dn, -1]));
        sys::write(&a, b"x").unwrap();
        sys::write(&c, b"y").unwrap();
        assert_eq!(sys::poll(&mut pfds, 0).unwrap(), 2);
        assert_eq!(pfds.revents(0), POLLIN);
        assert_eq!(pfds.revents(2), 0, "an empty slot is skipped");
        // C's recv(pfds[i].fd, …): the set lends the fd it holds.
        let mut buf = [0u8; 4];
        assert_eq!(sys::recv(&pfds[1], &mut buf, 0).unwrap(), 1);
        assert_eq!(pfds[1].as_raw_fd(), dn);
        // C's close(pfds[0].fd); pfds[0].fd = -1;: the slot stays, the fd comes back to close.
        let b = pfds.take(0).expect("slot 0 holds b");
        assert_eq!(b.as_raw_fd(), bn);
        sys::close(b).unwrap();
        assert!(pfds.get(0).is_none() && pfds.take(0).is_none());
        assert_eq!(numbers(&pfds), [-1, dn, -1]);
        assert_eq!(
            sys::poll(&mut pfds, 0).unwrap(),
            0,
            "d drained, slots 0 and 2 skipped"
        );
        // The first free slot takes the next connection, as Stevens' poll server does.
        let (e, f) = pair();
        let fnum = f.as_raw_fd();
        assert!(pfds.replace(2, f).is_none());
        sys::write(&e, b"z").unwrap();
        assert_eq!(sys::poll(&mut pfds, 0).unwrap(), 1);
        assert_eq!((pfds.revents(2), pfds[2].as_raw_fd()), (POLLIN, fnum));
        // Beej's del_from_pfds: the last slot moves into the hole.
        let f = pfds.swap_remove(1).expect("slot 1 holds d");
        assert_eq!(f.as_raw_fd(), dn);
        drop(f);
        assert_eq!(numbers(&pfds), [-1, fnum]);
        pfds.set_events(1, POLLIN | POLLOUT);
        assert_eq!(pfds.entries()[1].events(), POLLIN | POLLOUT);
        assert!(
            format!("{pfds:?}").contains(&format!("fd: {fnum}")),
            "{pfds:?}"
        );
        drop(pfds); // closes f: no_leak checks it
                    // A set can hold borrowed fds too, and a PollFd can be pointed at another borrowed fd.
        let mut lent = PollSet::new();
        lent.push(a.as_fd(), POLLOUT);
        assert_eq!(sys::poll(&mut lent, 0).unwrap(), 1);
        let mut one = [PollFd::new(a.as_fd(), POLLIN)];
        one[0].set_fd(e.as_fd());
        one[0].set_events(POLLOUT);
        assert_eq!(sys::poll(&mut one, 0).unwrap(), 1);
        assert_eq!(one[0].as_fd().as_raw_fd(), e.as_raw_fd());
        let _ = (c, e);
    })
}

/// I/O safety: a select server's `master` set holds its fds (`SelectSet<OwnedFd>`); `fd_set()`
/// is C's `read_fds = master`, an FdSet that borrows them for the select.
#[test]
fn select_set_holds_its_fds_and_lends_an_fd_set() {
    no_leak(|| {
        let (a, b) = pair();
        let (c, d) = pair();
        let (bn, dn) = (b.as_raw_fd(), d.as_raw_fd());
        let mut master: SelectSet = SelectSet::new();
        assert_eq!((master.len(), master.max_fd()), (0, None));
        assert_eq!(master.insert(b).unwrap(), bn);
        assert_eq!(master.insert(d).unwrap(), dn);
        assert_eq!(master.len(), 2);
        assert_eq!(master.max_fd(), Some(bn.max(dn)));
        assert_eq!(master.fds().collect::<Vec<_>>(), [bn.min(dn), bn.max(dn)]);
        sys::write(&c, b"y").unwrap();
        // read_fds = master; select(fdmax+1, &read_fds, NULL, NULL, NULL)
        let mut read_fds = master.fd_set();
        let nfds = master.max_fd().unwrap() + 1;
        let mut tv = sys::timeval {
            tv_sec: 0,
            tv_usec: 0,
        };
        let n = sys::select(nfds, Some(&mut read_fds), None, None, Some(&mut tv));
        assert_eq!(n.unwrap(), 1);
        let ready: Vec<RawFd> = read_fds.fds().collect();
        assert_eq!(ready, [dn]);
        assert!(
            master.isset(bn) && master.isset(dn),
            "select rewrote the copy only"
        );
        // recv(i, …) on a ready number: the set lends the fd it holds.
        let mut buf = [0u8; 4];
        assert_eq!(sys::recv(&master[dn], &mut buf, 0).unwrap(), 1);
        // close(s); FD_CLR(s, &master);: remove hands the fd back to close.
        let d = master.remove(dn).expect("d is in the set");
        sys::close(d).unwrap();
        assert!(!master.isset(dn) && master.get(dn).is_none() && master.remove(dn).is_none());
        assert_eq!((master.len(), master.max_fd()), (1, Some(bn)));
        assert!(master.get(bn).is_some());
        assert_eq!(format!("{master:?}"), format!("{{{bn}}}"));
        // An fd past FD_SETSIZE is refused and handed back, still open.
        let (soft, hard) = signal::getrlimit(signal::RLIMIT_NOFILE).unwrap();
        // A fresh machine's soft limit is often 1024, exactly FD_SETSIZE: raise it (as far as
        // the hard limit allows) so the fd below can exist; nothing in this binary needs less.
        let want = FD_SETSIZE as u64 + 1;
        if soft < want && hard >= want {
            signal::setrlimit(signal::RLIMIT_NOFILE, want, hard).unwrap();
        }
        // SAFETY: F_DUPFD_CLOEXEC takes an int; the new fd (if any) is owned at once below.
        let high = unsafe { raw::fcntl(a.as_raw_fd(), libc::F_DUPFD_CLOEXEC, FD_SETSIZE as i32) };
        if high < 0 {
            let (soft, _) = signal::getrlimit(signal::RLIMIT_NOFILE).unwrap();
            crate::common::skip(format_args!(
                "the FD_SETSIZE part: RLIMIT_NOFILE is {soft} (hard {hard})"
            ));
        } else {
            // SAFETY: fcntl just returned `high`, a new fd nothing else owns.
            let high = unsafe { OwnedFd::from_raw_fd(high) };
            let err = master.insert(high).unwrap_err();
            assert_eq!(err.error().code(), Errno::EINVAL);
            assert!(
                err.to_string()
                    .starts_with(&format!("FD_SET(fd {}): EINVAL", FD_SETSIZE)),
                "{err}"
            );
            let high = err.into_fd();
            sys::write(&high, b"w").unwrap(); // still open: the caller decides
            assert_eq!(master.len(), 1);
            let e: socklab::Error = master.insert(high).unwrap_err().into();
            assert_eq!(e.code(), Errno::EINVAL);
        }
        drop(master); // closes b
                      // FdSet::insert: C's FD_SET for a borrowed fd.
        let mut w = FdSet::new();
        w.insert(a.as_fd()).unwrap();
        let n = sys::select(a.as_raw_fd() + 1, None, Some(&mut w), None, Some(&mut tv));
        assert_eq!(n.unwrap(), 1);
        assert!(w.isset(a.as_raw_fd()));
        let _ = c;
    })
}

/// pselect(2) and epoll_pwait(2) with a mask built in safe code: the mask replaces the thread's
/// for the wait only. SIGUSR2 is blocked in a thread and made pending there; a wait whose mask
/// blocks it too times out (0), one whose mask leaves it out is interrupted (EINTR) by the
/// handler, and NULL keeps the thread's mask.
#[test]
fn pselect_and_epoll_pwait_install_a_safe_sigmask_for_the_wait() {
    no_leak(|| {
        signal::sigaction(SIGUSR2, SigAction::Interrupt).unwrap();
        let (ready_tx, ready_rx) = mpsc::channel::<()>();
        let (sent_tx, sent_rx) = mpsc::channel::<()>();
        let t = thread::spawn(move || {
            let blocks_it = SigSet::of(&[SIGUSR2]).unwrap();
            let other = SigSet::of(&[SIGUSR1]).unwrap();
            let old = signal::pthread_sigmask(SIG_BLOCK, &blocks_it).unwrap();
            let (_a, b) = pair();
            let ep = sys::epoll_create1(EPOLL_CLOEXEC).unwrap();
            let ts = sys::timespec {
                tv_sec: 0,
                tv_nsec: 10_000_000,
            };
            let pselect = |mask: Option<&SigSet>| {
                let mut r = FdSet::new();
                r.insert(b.as_fd()).unwrap();
                sys::pselect(b.as_raw_fd() + 1, Some(&mut r), None, None, Some(&ts), mask)
            };
            let mut evs = [EpollEvent::empty(); 2];
            let mut epoll_pwait = |mask: Option<&SigSet>| sys::epoll_pwait(&ep, &mut evs, 10, mask);
            let pending = || {
                ready_tx.send(()).unwrap();
                sent_rx.recv().unwrap(); // SIGUSR2 is pending on this thread now
            };

            pending();
            assert_eq!(
                pselect(None).unwrap(),
                0,
                "NULL: the thread's mask blocks it"
            );
            assert_eq!(pselect(Some(&blocks_it)).unwrap(), 0);
            let before = signal::interrupts();
            let e = pselect(Some(&other)).unwrap_err();
            assert_eq!(e.code(), Errno::EINTR);
            assert!(
                signal::interrupts() > before,
                "the handler ran during the wait"
            );

            pending();
            assert_eq!(epoll_pwait(None).unwrap(), 0);
            assert_eq!(epoll_pwait(Some(&blocks_it)).unwrap(), 0);
            let before = signal::interrupts();
            let e = epoll_pwait(Some(&SigSet::of(&[]).unwrap())).unwrap_err();
            assert_eq!(e.code(), Errno::EINTR);
            assert!(
                signal::interrupts() > before,
                "the handler ran during the wait"
            );
            signal::pthread_sigmask(SIG_SETMASK, &old).unwrap();
        });
        for _ in 0..2 {
            ready_rx.recv().unwrap();
            signal::pthread_kill(&t, SIGUSR2).unwrap();
            sent_tx.send(()).unwrap();
        }
        t.join().unwrap();
    })
}
