//! Tests of sendmsg/recvmsg (scatter-gather, truncation, SCM_RIGHTS fd passing) and of
//! sendmmsg/recvmmsg with one reused `MmsgBatch` (contents, lengths, sources, resets, errors).

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, OwnedFd};

use socklab::sys::{
    self, cmsg_len, cmsg_space, CmsgBuffer, MmsgBatch, PollFd, AF_INET, AF_INET6, AF_UNIX,
    MSG_DONTWAIT, MSG_TRUNC, MSG_WAITALL, SCM_RIGHTS, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_STREAM,
    SOL_SOCKET,
};
use socklab::{Errno, SockAddr, Socket};

use crate::common::{
    abstract_name, assert_errno, listed_fds, no_leak, port_of, tcp_pair, v4_any, v6_any,
};

const INT: usize = size_of::<libc::c_int>();

/// Two datagram sockets of `domain` bound to `addr` (port 0 / autobind): (sender, receiver).
fn dgram_pair(domain: i32, addr: &SockAddr) -> (OwnedFd, OwnedFd) {
    let a = sys::socket(domain, SOCK_DGRAM, 0).unwrap();
    let b = sys::socket(domain, SOCK_DGRAM, 0).unwrap();
    sys::bind(&a, addr).unwrap();
    sys::bind(&b, addr).unwrap();
    (a, b)
}

/// Waits (poll, 10 s hang guard — not a timing check) until `fd` is readable.
fn wait_readable(fd: impl AsFd) {
    let mut pfd = [PollFd::new(fd.as_fd(), libc::POLLIN)];
    let n = sys::poll(&mut pfd, 10_000).unwrap();
    assert_eq!(n, 1, "nothing to read after 10 s: a datagram was lost");
}

/// Gathers "abc" + "" + "defgh" from three iovecs on `tx` (to `to`), scatters them on `rx` into
/// 2 + 4 + 10 bytes (2 + 4 + 2 with `MSG_WAITALL`, which waits until every iovec is full), and
/// checks the bytes and the reported source.
fn scatter_gather(
    tx: &OwnedFd,
    rx: &OwnedFd,
    to: Option<&SockAddr>,
    from: Option<SockAddr>,
    flags: i32,
) {
    let iov = [
        IoSlice::new(b"abc"),
        IoSlice::new(b""),
        IoSlice::new(b"defgh"),
    ];
    assert_eq!(sys::sendmsg(tx, to, &iov, None, 0).unwrap(), 8);
    let last = if flags & MSG_WAITALL != 0 { 2 } else { 10 };
    let (mut x, mut y, mut z) = ([0u8; 2], [0u8; 4], vec![0xffu8; last]);
    let mut riov = [
        IoSliceMut::new(&mut x),
        IoSliceMut::new(&mut y),
        IoSliceMut::new(&mut z),
    ];
    let r = sys::recvmsg(rx, &mut riov, None, flags).unwrap();
    assert_eq!(r.bytes, 8);
    assert_eq!((r.msg_flags, r.controllen), (0, 0));
    assert_eq!(r.addr, from);
    assert_eq!((&x, &y, &z[..2]), (b"ab", b"cdef", &b"gh"[..]));
    assert!(
        z[2..].iter().all(|&b| b == 0xff),
        "bytes past the message are untouched"
    );
}

#[test]
fn scatter_gather_udp_v4() {
    no_leak(|| {
        let (a, b) = dgram_pair(AF_INET, &v4_any());
        let (from, to) = (sys::getsockname(&a).unwrap(), sys::getsockname(&b).unwrap());
        assert_ne!(port_of(&to), 0);
        scatter_gather(&a, &b, Some(&to), Some(from), 0);
    });
}

#[test]
fn scatter_gather_udp_v6() {
    no_leak(|| {
        let (a, b) = dgram_pair(AF_INET6, &v6_any());
        let (from, to) = (sys::getsockname(&a).unwrap(), sys::getsockname(&b).unwrap());
        scatter_gather(&a, &b, Some(&to), Some(from), 0);
        assert!(from.to_string().starts_with("[::1]:"), "{from}");
    });
}

#[test]
fn scatter_gather_unix_dgram() {
    no_leak(|| {
        let a = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let b = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let name_a = SockAddr::unix_abstract(&abstract_name("msg-a")).unwrap();
        let name_b = SockAddr::unix_abstract(&abstract_name("msg-b")).unwrap();
        sys::bind(&a, &name_a).unwrap();
        sys::bind(&b, &name_b).unwrap();
        scatter_gather(&a, &b, Some(&name_b), Some(name_a), 0);
        // An unbound sender has no name: the kernel writes msg_namelen 0, reported as None.
        let (c, d) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        scatter_gather(&c, &d, None, None, 0);
    });
}

#[test]
fn scatter_gather_tcp() {
    no_leak(|| {
        let (cli, srv) = tcp_pair();
        // A connected stream writes no address (msg_namelen 0). MSG_WAITALL fills all iovecs.
        scatter_gather(&cli, &srv, None, None, MSG_WAITALL);
        scatter_gather(&srv, &cli, None, None, MSG_WAITALL);
    });
}

#[test]
fn sendmsg_errors_name_the_call() {
    no_leak(|| {
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        let e = assert_errno(
            sys::sendmsg(&fd, None, &[IoSlice::new(b"x")], None, 0),
            Errno::EDESTADDRREQ,
            "sendmsg",
        );
        assert!(e.to_string().contains("msg_name=NULL"), "{e}");
        let e = assert_errno(
            sys::recvmsg(&fd, &mut [], None, MSG_DONTWAIT),
            Errno::EAGAIN,
            "recvmsg",
        );
        assert!(e.to_string().contains("MSG_DONTWAIT"), "flags shown: {e}");
    });
}

#[test]
fn recvmsg_reports_msg_trunc() {
    no_leak(|| {
        let (a, b) = dgram_pair(AF_INET, &v4_any());
        let to = sys::getsockname(&b).unwrap();
        for _ in 0..2 {
            sys::sendto(&a, b"0123456789", 0, &to).unwrap();
        }
        let mut small = [0u8; 4];
        let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut small)], None, 0).unwrap();
        assert_eq!((r.bytes, r.is_truncated(), &small), (4, true, b"0123"));
        assert_eq!(r.msg_flags & MSG_TRUNC, MSG_TRUNC);
        // With MSG_TRUNC in flags the return value is the datagram's real length.
        let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut small)], None, MSG_TRUNC).unwrap();
        assert_eq!((r.bytes, r.is_truncated()), (10, true));
        // A buffer that fits: no flag.
        sys::sendto(&a, b"fits", 0, &to).unwrap();
        let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut small)], None, 0).unwrap();
        assert_eq!((r.bytes, r.is_truncated(), r.msg_flags), (4, false, 0));
    });
}

/// `n` fresh connected Unix stream pairs, to pass one end of each.
fn pairs(n: usize) -> Vec<(OwnedFd, OwnedFd)> {
    (0..n)
        .map(|_| sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap())
        .collect()
}

/// Checks that `passed` (received over SCM_RIGHTS) is the same open socket as `kept`'s peer by
/// writing through it and reading from `kept`.
fn same_socket(passed: &OwnedFd, kept: &OwnedFd, tag: &[u8]) {
    assert_eq!(sys::write(passed, tag).unwrap(), tag.len());
    let mut buf = [0u8; 32];
    let n = sys::read(kept, &mut buf[..]).unwrap();
    assert_eq!(&buf[..n], tag);
}

#[test]
fn scm_rights_passes_fds() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let ps = pairs(2);
        let mut out = CmsgBuffer::new();
        out.push_fds(&[ps[0].0.as_fd(), ps[1].0.as_fd()]);
        assert_eq!(out.len(), cmsg_space(2 * INT));
        sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"F")], &out, 0).unwrap();

        let mut cbuf = CmsgBuffer::with_capacity(cmsg_space(2 * INT));
        let mut byte = [0u8; 1];
        let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut byte)], Some(&mut cbuf), 0).unwrap();
        assert_eq!(
            (r.bytes, r.msg_flags, r.controllen),
            (1, 0, cmsg_space(2 * INT))
        );
        let cmsgs: Vec<_> = cbuf.iter().collect();
        assert_eq!(cmsgs.len(), 1);
        assert_eq!(
            (cmsgs[0].cmsg_level, cmsgs[0].cmsg_type),
            (SOL_SOCKET, SCM_RIGHTS)
        );
        assert_eq!(cmsgs[0].cmsg_data.len(), 2 * INT);
        let fds = cbuf.take_fds();
        assert_eq!(fds.len(), 2);
        assert!(cbuf.fds().is_empty());
        same_socket(&fds[0], &ps[0].1, b"first");
        same_socket(&fds[1], &ps[1].1, b"second");
        // Received fds left in the buffer are closed by its drop: no_leak checks it.
        sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"G")], &out, 0).unwrap();
        sys::recvmsg(&b, &mut [IoSliceMut::new(&mut byte)], Some(&mut cbuf), 0).unwrap();
        assert_eq!(cbuf.fds().len(), 2);
    });
}

#[test]
fn scm_rights_msg_ctrunc() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let ps = pairs(2);
        let mut out = CmsgBuffer::new();
        out.push_fds(&[ps[0].0.as_fd(), ps[1].0.as_fd()]);
        let send = || sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"F")], &out, 0);
        let mut byte = [0u8; 1];
        // Room for one fd of two (CMSG_LEN(sizeof(int)) bytes): the kernel installs the first
        // and closes the other. (CMSG_SPACE(sizeof(int)) would fit two: it includes padding.)
        send().unwrap();
        let mut one = CmsgBuffer::with_capacity(cmsg_len(INT));
        let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut byte)], Some(&mut one), 0).unwrap();
        assert!(r.is_control_truncated(), "{r:?}");
        assert_eq!(r.controllen, cmsg_len(INT));
        let fds = one.take_fds();
        assert_eq!(fds.len(), 1);
        same_socket(&fds[0], &ps[0].1, b"kept");
        // Smaller than a cmsghdr: nothing written, nothing installed.
        send().unwrap();
        let mut tiny = CmsgBuffer::with_capacity(8);
        let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut byte)], Some(&mut tiny), 0).unwrap();
        assert!(r.is_control_truncated());
        assert_eq!(
            (r.controllen, tiny.fds().len(), tiny.iter().count()),
            (0, 0, 0)
        );
        // No control buffer at all: MSG_CTRUNC too.
        send().unwrap();
        let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut byte)], None, 0).unwrap();
        assert!(r.is_control_truncated());
    });
}

#[test]
fn scm_rights_bad_fd_is_ebadf() {
    no_leak(|| {
        let (a, _b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let mut out = CmsgBuffer::new();
        // SAFETY: 1_000_000 is above any fd this process can open (RLIMIT_NOFILE), so it names
        // no file: the kernel refuses it and passes nothing.
        unsafe { out.push_unchecked(SOL_SOCKET, SCM_RIGHTS, &1_000_000i32.to_ne_bytes()) };
        let r = sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"x")], &out, 0);
        assert_errno(r, Errno::EBADF, "sendmsg");
        let mut junk = CmsgBuffer::new();
        junk.push(SOL_SOCKET, 12345, b"??");
        let r = sys::sendmsg(&a, None, &[IoSlice::new(b"x")], Some(junk.as_bytes()), 0);
        assert_errno(r, Errno::EINVAL, "sendmsg");
    });
}

/// Hand-built control bytes: one `SOL_SOCKET`/`SCM_RIGHTS` message naming `fd`, as C builds it.
fn raw_rights(fd: std::os::fd::RawFd) -> Vec<u8> {
    let mut c = vec![0u8; cmsg_space(INT)];
    c[..8].copy_from_slice(&cmsg_len(INT).to_ne_bytes());
    c[8..12].copy_from_slice(&SOL_SOCKET.to_ne_bytes());
    c[12..16].copy_from_slice(&SCM_RIGHTS.to_ne_bytes());
    c[16..20].copy_from_slice(&fd.to_ne_bytes());
    c
}

/// Asserts nothing is queued on `fd` (a refused send sent nothing).
#[track_caller]
fn nothing_queued(fd: &OwnedFd) {
    let r = sys::recv(fd, &mut [0u8; 8][..], MSG_DONTWAIT);
    assert_eq!(r.unwrap_err().code(), Errno::EAGAIN);
}

#[test]
fn raw_scm_rights_need_unsafe() {
    // fd numbers in raw bytes could name any file of the process; safe
    // calls refuse them (EINVAL, nothing sent), the unsafe twins pass them.
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let (victim, kept) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let raw = raw_rights(std::os::fd::AsRawFd::as_raw_fd(&victim));
        let iov = [IoSlice::new(b"x")];
        let e = assert_errno(
            sys::sendmsg(&a, None, &iov, Some(&raw), 0),
            Errno::EINVAL,
            "sendmsg",
        );
        assert!(
            e.to_string().contains("SCM_RIGHTS in raw control bytes"),
            "{e}"
        );
        nothing_queued(&b);
        let sa = Socket::from(a.try_clone().unwrap());
        assert_errno(
            sa.sendmsg(None, &iov, Some(&raw), 0),
            Errno::EINVAL,
            "sendmsg",
        );
        nothing_queued(&b);
        // The same message pushed with the safe push: refused by sendmsg_cmsg, sendmsg and
        // sendmmsg alike.
        let mut out = CmsgBuffer::new();
        out.push(SOL_SOCKET, SCM_RIGHTS, &raw[16..20]);
        let e = assert_errno(
            sys::sendmsg_cmsg(&a, None, &iov, &out, 0),
            Errno::EINVAL,
            "sendmsg",
        );
        assert!(e.to_string().contains("CmsgBuffer::push"), "{e}");
        assert_errno(
            sa.sendmsg_cmsg(None, &iov, &out, 0),
            Errno::EINVAL,
            "sendmsg",
        );
        let r = sys::sendmsg(&a, None, &iov, Some(out.as_bytes()), 0);
        assert_errno(r, Errno::EINVAL, "sendmsg");
        let mut batch = MmsgBatch::new(2, 8);
        batch.set(0, b"ok", None).unwrap();
        batch.set(1, b"x", None).unwrap();
        batch
            .control_mut(1)
            .push(SOL_SOCKET, SCM_RIGHTS, &raw[16..20]);
        let e = assert_errno(
            sys::sendmmsg(&a, &mut batch, 2, 0),
            Errno::EINVAL,
            "sendmmsg",
        );
        assert!(e.to_string().contains("slot 1"), "{e}");
        nothing_queued(&b);
        // Control data without fds still goes through the safe sendmsg: our own credentials.
        // SAFETY: getpid/getuid/getgid take no arguments and cannot fail.
        let (pid, uid, gid) = unsafe { (libc::getpid(), libc::getuid(), libc::getgid()) };
        let creds = [pid.to_ne_bytes(), uid.to_ne_bytes(), gid.to_ne_bytes()].concat();
        let mut cred = CmsgBuffer::new();
        cred.push(SOL_SOCKET, sys::SCM_CREDENTIALS, &creds);
        assert_eq!(
            sys::sendmsg(&a, None, &iov, Some(cred.as_bytes()), 0).unwrap(),
            1
        );
        assert_eq!(sys::recv(&b, &mut [0u8; 8][..], 0).unwrap(), 1);
        // The unsafe twins send the raw numbers.
        // SAFETY: `raw` names `victim`, open and borrowed for the call.
        let n = unsafe { sys::sendmsg_unchecked(&a, None, &iov, Some(&raw), 0) }.unwrap();
        assert_eq!(n, 1);
        let mut cbuf = CmsgBuffer::with_capacity(cmsg_space(INT));
        sys::recvmsg(
            &b,
            &mut [IoSliceMut::new(&mut [0u8; 8])],
            Some(&mut cbuf),
            0,
        )
        .unwrap();
        let got = cbuf.take_fds();
        assert_eq!(got.len(), 1);
        same_socket(&got[0], &kept, b"victim");
    });
}

#[test]
fn taken_fds_are_not_sent_again_by_an_echo() {
    // After take_fds() and a close, echoing the batch sent whatever file
    // then had that fd number.
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let ps = pairs(1);
        let mut out = CmsgBuffer::new();
        out.push_fds(&[ps[0].0.as_fd()]);
        let mut batch = MmsgBatch::new(1, 8).with_control(cmsg_space(INT));
        let mut back = CmsgBuffer::with_capacity(cmsg_space(INT));
        let mut byte = [0u8; 4];
        let mut echo_back = |batch: &mut MmsgBatch, back: &mut CmsgBuffer<'_>| {
            sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"F")], &out, 0).unwrap();
            assert_eq!(sys::recvmmsg(&b, batch, 1, MSG_DONTWAIT, None).unwrap(), 1);
            let r = sys::sendmmsg(&b, batch, 1, 0);
            let got = r.map(|n| {
                assert_eq!(n, 1);
                sys::recvmsg(&a, &mut [IoSliceMut::new(&mut byte)], Some(back), 0).unwrap();
                back.take_fds()
            });
            got
        };
        // While the slot owns the fd, the echo passes it back: same socket.
        let got = echo_back(&mut batch, &mut back).unwrap();
        same_socket(&got[0], &ps[0].1, b"echoed");
        drop(got);
        // Take the fd and close it; a new fd gets its number (the lowest free one).
        sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"F")], &out, 0).unwrap();
        assert_eq!(
            sys::recvmmsg(&b, &mut batch, 1, MSG_DONTWAIT, None).unwrap(),
            1
        );
        let taken = batch.control_mut(0).take_fds();
        let number = std::os::fd::AsRawFd::as_raw_fd(&taken[0]);
        drop(taken);
        let (reuser, reuser_peer) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let reused = std::os::fd::AsRawFd::as_raw_fd(&reuser) == number;
        // The echo must not pass `reuser`: its number in the slot is -1 now, which the kernel
        // refuses (EBADF).
        let r = sys::sendmmsg(&b, &mut batch, 1, 0);
        if r.is_ok() {
            sys::recvmsg(&a, &mut [IoSliceMut::new(&mut byte)], Some(&mut back), 0).unwrap();
            let passed = back.take_fds();
            panic!(
                "the echo passed {} fd(s) after take_fds (reused: {reused})",
                passed.len()
            );
        }
        assert_errno(r, Errno::EBADF, "sendmmsg");
        nothing_queued(&a);
        let listed = listed_fds(batch.control_mut(0));
        assert_eq!(listed, [-1], "a taken fd's number stays in the slot");
        // Cleared, the slot echoes without fds.
        batch.control_mut(0).clear();
        assert_eq!(sys::sendmmsg(&b, &mut batch, 1, 0).unwrap(), 1);
        let r = sys::recvmsg(&a, &mut [IoSliceMut::new(&mut byte)], Some(&mut back), 0).unwrap();
        assert_eq!((r.bytes, r.controllen, back.fds().len()), (1, 0, 0));
        drop((reuser, reuser_peer));
        // Not an assertion on the kernel's fd allocation: only a note if the number was not
        // reused (the test still checked that no fd went out).
        if !reused {
            eprintln!("note: fd {number} was not reused by the next socketpair");
        }
    });
}

/// The payload of datagram `index` in `round`: round and index, then `index % 23` filler bytes.
fn payload(round: u32, index: u32) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&round.to_le_bytes());
    p.extend_from_slice(&index.to_le_bytes());
    p.extend(std::iter::repeat_n(index as u8, (index % 23) as usize));
    p
}

/// Receives exactly `want` datagrams into `rx` slots `0..want` (MSG_DONTWAIT after poll, so a
/// lost datagram fails instead of hanging) and returns them as (bytes, source) pairs.
fn recv_exactly(fd: &OwnedFd, rx: &mut MmsgBatch, want: usize) -> Vec<(Vec<u8>, SockAddr)> {
    let mut got = Vec::new();
    while got.len() < want {
        wait_readable(fd);
        let n = sys::recvmmsg(fd, rx, want - got.len(), MSG_DONTWAIT, None).unwrap();
        assert_eq!(rx.count(), n);
        for m in rx.iter() {
            assert!(!m.is_truncated());
            assert_eq!(m.msg_len(), m.bytes().len());
            got.push((m.bytes().to_vec(), m.addr().expect("a UDP source")));
        }
    }
    got
}

#[test]
fn mmsg_batches_reused_100_rounds() {
    no_leak(|| {
        let (a, b) = dgram_pair(AF_INET, &v4_any());
        let (from, to) = (sys::getsockname(&a).unwrap(), sys::getsockname(&b).unwrap());
        for size in [1usize, 8, 32] {
            let mut tx = MmsgBatch::new(size, 64);
            let mut rx = MmsgBatch::new(size, 64);
            for round in 0..100u32 {
                for chunk in (0..64u32).collect::<Vec<_>>().chunks(size) {
                    for (slot, &index) in chunk.iter().enumerate() {
                        tx.set(slot, &payload(round, index), Some(&to)).unwrap();
                    }
                    let mut sent = 0;
                    while sent < chunk.len() {
                        // Resend the unsent tail by moving it to the front of the batch.
                        for (slot, &index) in chunk[sent..].iter().enumerate() {
                            tx.set(slot, &payload(round, index), Some(&to)).unwrap();
                        }
                        sent += sys::sendmmsg(&a, &mut tx, chunk.len() - sent, 0).unwrap();
                    }
                    assert_eq!(tx.get(0).unwrap().addr(), Some(to));
                    let got = recv_exactly(&b, &mut rx, chunk.len());
                    for ((bytes, src), &index) in got.iter().zip(chunk) {
                        assert_eq!(bytes, &payload(round, index), "size {size} round {round}");
                        assert_eq!(*src, from);
                    }
                }
            }
        }
    });
}

#[test]
fn recvmmsg_reports_msg_trunc() {
    no_leak(|| {
        let (a, b) = dgram_pair(AF_INET, &v4_any());
        let to = sys::getsockname(&b).unwrap();
        let mut rx = MmsgBatch::new(4, 4);
        for flags in [0, MSG_TRUNC] {
            sys::sendto(&a, b"0123456789", 0, &to).unwrap();
            sys::sendto(&a, b"abc", 0, &to).unwrap();
            let mut got = Vec::new();
            while got.len() < 2 {
                wait_readable(&b);
                let n = sys::recvmmsg(&b, &mut rx, 4, flags | MSG_DONTWAIT, None).unwrap();
                got.extend(
                    rx.iter()
                        .map(|m| (m.bytes().to_vec(), m.msg_len(), m.is_truncated())),
                );
                assert_eq!(rx.count(), n);
            }
            // msg_len is C's per-message return: the copied bytes, or with MSG_TRUNC the
            // datagram's real length; bytes() never exceeds the slot.
            let long_len = if flags == MSG_TRUNC { 10 } else { 4 };
            assert_eq!(
                got,
                [
                    (b"0123".to_vec(), long_len, true),
                    (b"abc".to_vec(), 3, false)
                ]
            );
        }
    });
}

#[test]
fn recvmmsg_empty_socket_is_eagain() {
    no_leak(|| {
        let (_a, b) = dgram_pair(AF_INET, &v4_any());
        let mut rx = MmsgBatch::new(8, 1500);
        let ms = std::time::Duration::from_millis(1);
        let e = assert_errno(
            sys::recvmmsg(&b, &mut rx, 8, MSG_DONTWAIT, Some(ms)),
            Errno::EAGAIN,
            "recvmmsg",
        );
        assert_eq!(
            e.to_string(),
            format!(
                "recvmmsg(fd {}, msgvec, 8, MSG_DONTWAIT, 1ms): EAGAIN (Resource temporarily \
                 unavailable)",
                std::os::fd::AsRawFd::as_raw_fd(&b)
            )
        );
        assert_eq!(rx.count(), 0);
        // A non-blocking socket with a timeout and no flags: EAGAIN too (the timeout does not
        // make recvmmsg wait for the first datagram).
        let nb = sys::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0).unwrap();
        sys::bind(&nb, &v4_any()).unwrap();
        assert_errno(
            sys::recvmmsg(&nb, &mut rx, 8, 0, Some(ms)),
            Errno::EAGAIN,
            "recvmmsg",
        );
        let e = assert_errno(
            sys::recvmsg(&nb, &mut [IoSliceMut::new(&mut [0u8; 8])], None, 0),
            Errno::EAGAIN,
            "recvmsg",
        );
        assert!(e.to_string().starts_with("recvmsg(fd "), "{e}");
    });
}

#[test]
fn batch_misuse_is_reported() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let mut batch = MmsgBatch::new(2, 4);
        let e = assert_errno(
            batch.set(0, b"12345", None),
            Errno::EMSGSIZE,
            "MmsgBatch::set",
        );
        assert!(e.to_string().contains("each slot holds 4 bytes"), "{e}");
        let e = assert_errno(
            sys::recvmmsg(&b, &mut batch, 3, MSG_DONTWAIT, None),
            Errno::EINVAL,
            "recvmmsg",
        );
        assert!(e.to_string().contains("the batch has 2 slots"), "{e}");
        assert_errno(
            sys::sendmmsg(&a, &mut batch, 3, 0),
            Errno::EINVAL,
            "sendmmsg",
        );
        // An unconnected UDP socket and a slot without destination: the kernel's error.
        let udp = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        batch.set(0, b"x", None).unwrap();
        assert_errno(
            sys::sendmmsg(&udp, &mut batch, 1, 0),
            Errno::EDESTADDRREQ,
            "sendmmsg",
        );
        assert_eq!(batch.count(), 0);
    });
}

#[test]
fn batch_control_resets_between_calls_and_survives_moves() {
    no_leak(|| {
        // nix #2813: msg_controllen left at what the kernel wrote last time (0 for a message
        // without cmsgs) truncated every later control message of that slot.
        // nix #2506: a batch moved between calls kept pointers into its old place.
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let ps = pairs(2);
        let mut rx = MmsgBatch::new(3, 16).with_control(cmsg_len(INT));
        let send = |fds: &[std::os::fd::BorrowedFd<'_>], tag: &[u8]| {
            let mut out = CmsgBuffer::new();
            out.push_fds(fds);
            sys::sendmsg_cmsg(&a, None, &[IoSlice::new(tag)], &out, 0).unwrap();
        };
        for round in 0..4 {
            // Slots 0 and 1 swap "no cmsg" and "one fd" each round; slot 2 always gets two fds
            // for a buffer that holds one (MSG_CTRUNC).
            let one_fd_slot = round % 2;
            for slot in 0..2 {
                match slot == one_fd_slot {
                    true => send(&[ps[1].0.as_fd()], b"one"),
                    false => send(&[], b"none"),
                }
            }
            send(&[ps[0].0.as_fd(), ps[1].0.as_fd()], b"two");
            let n = sys::recvmmsg(&b, &mut rx, 3, MSG_DONTWAIT, None).unwrap();
            assert_eq!(n, 3, "round {round}");
            let got: Vec<_> = rx
                .iter()
                .map(|m| (m.bytes(), m.msg_flags(), m.control().fds().len()))
                .collect();
            let (none, one) = ((&b"none"[..], 0, 0), (&b"one"[..], 0, 1));
            let slots01 = if one_fd_slot == 0 {
                [one, none]
            } else {
                [none, one]
            };
            let two = (&b"two"[..], libc::MSG_CTRUNC, 1);
            assert_eq!(got, [slots01[0], slots01[1], two], "round {round}");
            let fd = rx.control_mut(one_fd_slot).take_fds().pop().unwrap();
            same_socket(&fd, &ps[1].1, b"passed");
            // Move the batch to the heap and back out: its pointers are rewritten each call.
            rx = *Box::new(rx);
        }
    });
}

#[test]
fn socket_methods_echo_a_batch() {
    no_leak(|| {
        let srv = Socket::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        let cli = Socket::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        srv.bind(&v4_any()).unwrap();
        cli.bind(&v4_any()).unwrap();
        let to = srv.getsockname().unwrap();
        for word in [&b"alpha"[..], b"beta", b"gamma"] {
            let iov = [IoSlice::new(&word[..1]), IoSlice::new(&word[1..])];
            assert_eq!(cli.sendmsg(Some(&to), &iov, None, 0).unwrap(), word.len());
        }
        // Echo: what recvmmsg filled (data + source) goes back unchanged with sendmmsg.
        let mut batch = MmsgBatch::new(8, 32);
        let mut n = 0;
        while n < 3 {
            wait_readable(&srv);
            let got = srv.recvmmsg(&mut batch, 3 - n, MSG_DONTWAIT, None).unwrap();
            assert_eq!(srv.sendmmsg(&mut batch, got, 0).unwrap(), got);
            n += got;
        }
        let mut cbuf = CmsgBuffer::with_capacity(64);
        for word in [&b"alpha"[..], b"beta", b"gamma"] {
            let mut buf = [0u8; 32];
            wait_readable(&cli);
            let r = cli
                .recvmsg(&mut [IoSliceMut::new(&mut buf)], Some(&mut cbuf), 0)
                .unwrap();
            assert_eq!((&buf[..r.bytes], r.addr), (word, Some(to)));
            assert_eq!((r.controllen, cbuf.len()), (0, 0));
        }
    });
}

#[test]
fn recvmmsg_resets_namelen_for_longer_sources() {
    no_leak(|| {
        // A msg_namelen left at a short source's length would truncate a longer one.
        let rx_name = SockAddr::unix_abstract(&abstract_name("msg-rx")).unwrap();
        let long = SockAddr::unix_abstract(&abstract_name("msg-a-much-longer-name")).unwrap();
        let rx = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::bind(&rx, &rx_name).unwrap();
        // Autobind (bind to an unnamed address) gives a short unique name: "@" + 5 hex digits.
        let senders: Vec<(OwnedFd, SockAddr)> = [SockAddr::unix_unnamed(), long]
            .iter()
            .map(|name| {
                let fd = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
                sys::bind(&fd, name).unwrap();
                let bound = sys::getsockname(&fd).unwrap();
                (fd, bound)
            })
            .collect();
        assert!(senders[0].1.len() < senders[1].1.len(), "{senders:?}");
        let mut batch = MmsgBatch::new(1, 8);
        for _ in 0..3 {
            for (fd, name) in &senders {
                sys::sendto(fd, b"hi", 0, &rx_name).unwrap();
                assert_eq!(
                    sys::recvmmsg(&rx, &mut batch, 1, MSG_DONTWAIT, None).unwrap(),
                    1
                );
                assert_eq!(batch.get(0).unwrap().addr(), Some(*name));
            }
        }
    });
}

/// `IP_RECVTTL` (`IPPROTO_IP`, `int`) as a user would add it: with it, each UDP datagram
/// arrives with an `IPPROTO_IP`/`IP_TTL` cmsg. The promise below is true.
#[derive(Clone, Copy, Debug)]
struct IpRecvTtl;
// SAFETY: IP_RECVTTL is an int on do_ip_setsockopt's/do_ip_getsockopt's int paths (at most
// optlen bytes written, one int read); no pointer.
unsafe impl sys::SockOpt for IpRecvTtl {
    const LEVEL: libc::c_int = libc::IPPROTO_IP;
    const NAME: libc::c_int = libc::IP_RECVTTL;
    type C = libc::c_int;
    type Value = libc::c_int;
}
impl sys::SetOpt for IpRecvTtl {
    fn encode(v: libc::c_int) -> Result<libc::c_int, String> {
        Ok(v)
    }
}

/// Found in review: a push after a receive whose `msg_controllen` is not a multiple of 8 (a
/// truncated cmsg: here `IP_TTL` cut to 17 bytes) wrote the new message at that unaligned
/// offset, while the kernel's CMSG_NXTHDR looks for the next header at the aligned one. So the
/// kernel read a different message out of the pushed bytes: a message pushed as level 1, type
/// 0x01000000 (not `SCM_RIGHTS`, so the safe sends let it through) read as `SOL_SOCKET` /
/// `SCM_RIGHTS` with fd numbers taken from its data, and `sendmsg_cmsg` passed an fd that no
/// `BorrowedFd` vouched for. A push must start at `CMSG_ALIGN(len)`.
#[test]
fn push_after_an_unaligned_receive_cannot_smuggle_scm_rights() {
    no_leak(|| {
        // A receive that leaves 17 control bytes: IP_TTL's cmsg (20 bytes) cut to 17.
        let (tx, rx) = dgram_pair(AF_INET, &v4_any());
        sys::set_opt(&rx, IpRecvTtl, 1).unwrap();
        sys::sendto(&tx, b"t", 0, &sys::getsockname(&rx).unwrap()).unwrap();
        wait_readable(&rx);
        let mut c = CmsgBuffer::with_capacity(17);
        let mut byte = [0u8; 1];
        let r = sys::recvmsg(&rx, &mut [IoSliceMut::new(&mut byte)], Some(&mut c), 0).unwrap();
        assert!(r.is_control_truncated());
        assert_eq!(c.len(), 17);

        // The fd no BorrowedFd vouches for: one end of a fresh pair, known only by number.
        let (victim, _victim_peer) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let n = std::os::fd::AsRawFd::as_raw_fd(&victim);
        // Laid out so that, read from offset 24, the bytes say {cmsg_len 256, SOL_SOCKET,
        // SCM_RIGHTS, 60 x n}: level 1 supplies cmsg_len's second byte, the type's top byte
        // the level, data[3..7] the type, data[7..] the fds.
        let mut data = vec![0u8; 248];
        data[3] = 1;
        for i in 0..60 {
            data[7 + 4 * i..11 + 4 * i].copy_from_slice(&n.to_ne_bytes());
        }
        c.push(1, 0x0100_0000, &data);

        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let sent = sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"x")], &c, 0);
        if sent.is_ok() {
            let mut got = CmsgBuffer::with_capacity(cmsg_space(64 * INT));
            let mut byte = [0u8; 1];
            let iov = &mut [IoSliceMut::new(&mut byte)];
            sys::recvmsg(&b, iov, Some(&mut got), MSG_DONTWAIT).unwrap();
            assert!(
                got.fds().is_empty(),
                "{} fds passed that nothing vouched for",
                got.fds().len()
            );
        }
        // The pushed message is where a C reader finds it: after the received one, aligned.
        let pushed: Vec<_> = c.iter().skip(1).collect();
        assert_eq!(pushed.len(), 1, "{:?}", c.iter().collect::<Vec<_>>());
        assert_eq!(
            (pushed[0].cmsg_level, pushed[0].cmsg_type),
            (1, 0x0100_0000)
        );
        assert_eq!(pushed[0].cmsg_data, &data[..]);
    });
}

mod raw_control_never_passes_fds {
    //! Finding 5's check, attacked: raw control bytes with `SCM_RIGHTS` hidden behind every
    //! header layout the kernel's `CMSG_NXTHDR` walk accepts (odd `cmsg_len`s, empty messages,
    //! other levels, truncated tails). Whatever the bytes, a safe `sendmsg` either refuses them
    //! before the call or the receiver gets no fd.
    use super::*;
    use proptest::prelude::*;
    use socklab::sys::{cmsg_space, CmsgBuffer, AF_UNIX, MSG_DONTWAIT, SOCK_DGRAM};
    use std::os::fd::AsRawFd;

    /// One message: (cmsg_len as an offset from the data length, level, type, data length).
    fn message() -> impl Strategy<Value = (i8, i32, i32, usize)> {
        let level = prop_oneof![Just(libc::SOL_SOCKET), Just(0), Just(libc::IPPROTO_IP)];
        let ty = prop_oneof![
            Just(libc::SCM_RIGHTS),
            Just(libc::SCM_CREDENTIALS),
            Just(0),
            Just(99)
        ];
        (-20i8..20, level, ty, 0usize..24)
    }

    /// Lays the messages out as C code would (header, data, padding to 8), but with each
    /// `cmsg_len` skewed by its offset; SCM_RIGHTS data holds `fd`'s number, other data 0x41.
    fn layout(msgs: &[(i8, i32, i32, usize)], fd: i32, cut: usize) -> Vec<u8> {
        let mut b = Vec::new();
        for &(skew, level, ty, len) in msgs {
            let start = b.len();
            let cmsg_len = (16 + len as isize + skew as isize).max(0) as usize;
            b.extend_from_slice(&cmsg_len.to_ne_bytes());
            b.extend_from_slice(&level.to_ne_bytes());
            b.extend_from_slice(&ty.to_ne_bytes());
            let data: Vec<u8> = if ty == libc::SCM_RIGHTS {
                fd.to_ne_bytes().iter().copied().cycle().take(len).collect()
            } else {
                vec![0x41; len]
            };
            b.extend_from_slice(&data);
            b.resize(start + cmsg_space(len), 0);
        }
        b.truncate(b.len().saturating_sub(cut));
        b
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn safe_sendmsg_refuses_or_passes_no_fd(
            msgs in proptest::collection::vec(message(), 1..4),
            cut in 0usize..12,
        ) {
            // Opens fds: hold the lock the leak checks of other tests count under.
            let _fds = crate::common::fd_lock();
            let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
            let control = layout(&msgs, a.as_raw_fd(), cut);
            let sent = sys::sendmsg(&a, None, &[IoSlice::new(b"x")], Some(&control), 0);
            if sent.is_ok() {
                let mut c = CmsgBuffer::with_capacity(256);
                let mut byte = [0u8; 1];
                let iov = &mut [IoSliceMut::new(&mut byte)];
                sys::recvmsg(&b, iov, Some(&mut c), MSG_DONTWAIT).unwrap();
                prop_assert!(c.fds().is_empty(), "an fd passed: {:02x?}", control);
            }
        }
    }
}

#[test]
fn cmsg_len_and_scm_credentials_typed() {
    use socklab::sys::Ucred;
    use std::os::unix::fs::MetadataExt;
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::set_opt(&b, sys::opt::SoPassCred, true).unwrap();
        let me = std::fs::metadata("/proc/self").unwrap();
        let creds = Ucred {
            pid: std::process::id() as i32,
            uid: me.uid(),
            gid: me.gid(),
        };
        let mut out = CmsgBuffer::new();
        out.push_ucred(&creds);
        sys::sendmsg(&a, None, &[IoSlice::new(b"c")], Some(out.as_bytes()), 0).unwrap();
        let mut cbuf = CmsgBuffer::with_capacity(64);
        let mut data = [0u8; 4];
        sys::recvmsg(&b, &mut [IoSliceMut::new(&mut data)], Some(&mut cbuf), 0).unwrap();
        let c = cbuf.iter().next().unwrap();
        assert_eq!(c.len_field(), sys::cmsg_len(12));
        assert_eq!(c.len_field(), 28);
        let got = c.ucred().unwrap();
        assert_eq!(
            (got.pid, got.uid, got.gid),
            (creds.pid, creds.uid, creds.gid)
        );
        assert_eq!(c.rights(), None);

        let (x, _y) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let mut out = CmsgBuffer::new();
        out.push_fds(&[std::os::fd::AsFd::as_fd(&x)]);
        let c = out.iter().next().unwrap();
        assert_eq!(
            (c.len_field(), c.rights()),
            (20, Some(vec![std::os::fd::AsRawFd::as_raw_fd(&x)]))
        );
    })
}

/// The `cmsg_len` a header states, read from the bytes (`CMSG_FIRSTHDR`/`CMSG_NXTHDR` order).
fn header_len_fields(control: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while control.len() >= at + cmsg_len(0) {
        let len = usize::from_ne_bytes(control[at..at + 8].try_into().unwrap());
        out.push(len);
        if len < cmsg_len(0) {
            break;
        }
        at += len.next_multiple_of(8);
    }
    out
}

/// `Cmsg::len_field()` is C's `cmsg->cmsg_len`, also for messages the kernel cut to fit
/// (`MSG_CTRUNC`: it writes the length it kept into the header); `sys::cmsg_len(n)` is C's
/// `CMSG_LEN(n)`, the length `n` data bytes would need. The deprecated `Cmsg::cmsg_len()`, named
/// like the latter, keeps compiling and returns the former.
#[test]
fn len_field_is_the_headers_cmsg_len_for_whole_and_cut_messages() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::set_opt(&b, sys::opt::SoPassCred, true).unwrap();
        let ps = pairs(2);
        let mut out = CmsgBuffer::new();
        out.push_fds(&[ps[0].0.as_fd(), ps[1].0.as_fd()]);
        let mut byte = [0u8; 1];
        // Whole: SCM_CREDENTIALS (28) then SCM_RIGHTS with two fds (24). Cut: room for the
        // credentials and one fd (the kernel states 20); the credentials cut to 8 of 12 bytes
        // (24); nothing but the credentials' header (16).
        for (cap, want) in [
            (cmsg_space(12) + cmsg_space(2 * INT), vec![28, 24]),
            (cmsg_space(12) + cmsg_len(INT), vec![28, 20]),
            (cmsg_len(8), vec![24]),
            (cmsg_len(0), vec![16]),
        ] {
            sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"F")], &out, 0).unwrap();
            let mut cbuf = CmsgBuffer::with_capacity(cap);
            let r =
                sys::recvmsg(&b, &mut [IoSliceMut::new(&mut byte)], Some(&mut cbuf), 0).unwrap();
            assert_eq!(
                r.is_control_truncated(),
                want != [28, 24],
                "cap {cap}: {r:?}"
            );
            let states = header_len_fields(cbuf.as_bytes());
            assert_eq!(states, want, "cap {cap}: the headers the kernel wrote");
            let got: Vec<usize> = cbuf.iter().map(|c| c.len_field()).collect();
            assert_eq!(got, states, "cap {cap}");
            #[allow(deprecated)]
            let old: Vec<usize> = cbuf.iter().map(|c| c.cmsg_len()).collect();
            assert_eq!(old, states, "cap {cap}: the deprecated name");
            if let Some(rights) = cbuf.iter().find(|c| c.rights().is_some()) {
                let n = rights.cmsg_data.len() / INT;
                assert_eq!(rights.len_field(), cmsg_len(n * INT));
                assert_eq!(cbuf.fds().len(), n);
            }
        }
    })
}

/// C's receive loop, `for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))`, reading
/// each message and taking the fds of the `SCM_RIGHTS` one, in one pass over the buffer:
/// `iter_mut` hands each message the fds it carried (none is left in the buffer), and the
/// buffer's copy of their numbers becomes -1 as the message is dropped, so sending the buffer
/// again passes nothing (`EBADF`), as after `take_fds`.
#[test]
fn iter_mut_takes_each_messages_fds_in_the_loop_that_reads_it() {
    use std::os::fd::AsRawFd;
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::set_opt(&b, sys::opt::SoPassCred, true).unwrap();
        let ps = pairs(2);
        let mut out = CmsgBuffer::new();
        out.push_fds(&[ps[0].0.as_fd(), ps[1].0.as_fd()]);
        // An outgoing buffer's fds are borrowed, not the buffer's: iter_mut hands out none and
        // leaves the numbers as they are.
        for mut c in out.iter_mut() {
            assert!(c.take_fds().is_empty());
        }
        assert_eq!(
            out.iter().next().unwrap().rights(),
            Some(vec![ps[0].0.as_raw_fd(), ps[1].0.as_raw_fd()])
        );
        let mut byte = [0u8; 1];
        let mut cbuf = CmsgBuffer::with_capacity(cmsg_space(12) + cmsg_space(2 * INT));
        let mut recv = |cbuf: &mut CmsgBuffer| {
            sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"F")], &out, 0).unwrap();
            sys::recvmsg(&b, &mut [IoSliceMut::new(&mut byte)], Some(cbuf), 0).unwrap();
        };

        recv(&mut cbuf);
        let mut seen = Vec::new();
        let mut passed = Vec::new();
        for mut cmsg in cbuf.iter_mut() {
            seen.push((cmsg.cmsg_level, cmsg.cmsg_type, cmsg.len_field()));
            if cmsg.cmsg_level == SOL_SOCKET
                && cmsg.cmsg_type == SCM_RIGHTS
                && cmsg.len_field() == cmsg_len(2 * INT)
            {
                // C: memcpy(fds, CMSG_DATA(cmsg), sizeof fds) -- the numbers, then the fds
                let numbers = cmsg.as_cmsg().rights().unwrap();
                assert_eq!(cmsg.fds().len(), 2);
                passed = cmsg.take_fds();
                let taken: Vec<_> = passed.iter().map(|f| f.as_raw_fd()).collect();
                assert_eq!(
                    taken, numbers,
                    "the fds are the numbers the message carried"
                );
            } else {
                assert!(cmsg.fds().is_empty());
                assert_eq!(
                    cmsg.as_cmsg().ucred().map(|u| u.pid),
                    Some(std::process::id() as i32)
                );
            }
        }
        assert_eq!(
            seen,
            [
                (SOL_SOCKET, sys::SCM_CREDENTIALS, cmsg_len(12)),
                (SOL_SOCKET, SCM_RIGHTS, cmsg_len(2 * INT))
            ]
        );
        assert_eq!(passed.len(), 2);
        same_socket(&passed[0], &ps[0].1, b"first");
        same_socket(&passed[1], &ps[1].1, b"second");
        assert!(
            cbuf.fds().is_empty() && cbuf.take_fds().is_empty(),
            "all taken"
        );
        let rights = cbuf.iter().find_map(|c| c.rights()).unwrap();
        assert_eq!(rights, [-1, -1], "the buffer no longer names the fds");
        drop(passed);
        // The buffer sent on (an echo): the taken numbers are gone, the kernel refuses them.
        let e = sys::sendmsg_cmsg(&a, None, &[IoSlice::new(b"E")], &cbuf, 0).unwrap_err();
        assert_eq!(e.code(), Errno::EBADF, "{e}");

        // A message pushed after a receive carries no fds: those received go to their own.
        recv(&mut cbuf);
        cbuf.push(SOL_SOCKET, SCM_RIGHTS, &(-1i32).to_ne_bytes());
        let got: Vec<(i32, usize)> = cbuf
            .iter_mut()
            .map(|c| (c.cmsg_type, c.fds().len()))
            .collect();
        assert_eq!(
            got,
            [(sys::SCM_CREDENTIALS, 0), (SCM_RIGHTS, 2), (SCM_RIGHTS, 0)]
        );
        cbuf.clear();

        // Fds a message carried but the loop did not take close with it; so do those of the
        // messages after a loop that stops early (no_leak checks), and none stays in the buffer.
        recv(&mut cbuf);
        for cmsg in cbuf.iter_mut() {
            if cmsg.cmsg_type == SCM_RIGHTS {
                assert_eq!(cmsg.fds().len(), 2);
            }
        }
        assert_eq!(cbuf.iter().find_map(|c| c.rights()).unwrap(), [-1, -1]);
        recv(&mut cbuf);
        let first = cbuf.iter_mut().next().unwrap();
        assert_eq!(first.cmsg_type, sys::SCM_CREDENTIALS);
        drop(first);
        assert!(cbuf.fds().is_empty());
        assert_eq!(cbuf.iter().find_map(|c| c.rights()).unwrap(), [-1, -1]);
    })
}
