//! The small calls and frictions of issue 10: FIONREAD/SIOCINQ/SIOCOUTQ, sockatmark, recv into
//! arrays and Vecs, cmsg_len and typed SCM_CREDENTIALS, perror's line, address capacities.

use std::io::{IoSlice, IoSliceMut};
use std::os::unix::fs::MetadataExt;

use socklab::sys::{self, CmsgBuffer, Errno, Ucred, AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM};
use socklab::sys::{FIONREAD, SIOCINQ, SIOCOUTQ};

use crate::common::{no_leak, tcp_pair, v4_any};

#[test]
fn fionread_siocinq_siocoutq() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        assert_eq!(sys::ioctl(&b, FIONREAD).unwrap(), 0);
        sys::write(&a, b"hello").unwrap();
        assert_eq!(sys::ioctl(&b, FIONREAD).unwrap(), 5);
        assert_eq!(sys::ioctl(&b, SIOCINQ).unwrap(), 5);
        // On a Unix stream the sender's SIOCOUTQ is the memory its unread skbs use (768 here
        // for 5 bytes), not a byte count: at least the 5 bytes, and 0 once they are read.
        assert!(sys::ioctl(&a, SIOCOUTQ).unwrap() >= 5);
        sys::read(&b, &mut [0u8; 8]).unwrap();
        assert_eq!(sys::ioctl(&a, SIOCOUTQ).unwrap(), 0);
        let udp = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        sys::bind(&udp, &v4_any()).unwrap();
        let to = sys::getsockname(&udp).unwrap();
        sys::sendto(&udp, b"datagram", 0, &to).unwrap();
        assert_eq!(
            sys::ioctl(&udp, FIONREAD).unwrap(),
            8,
            "UDP: the next datagram's size"
        );
    })
}

#[test]
fn sockatmark_on_tcp_and_its_error() {
    no_leak(|| {
        let (cli, srv) = tcp_pair();
        assert!(!sys::sockatmark(&srv).unwrap());
        let udp = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        let e = sys::sockatmark(&udp).unwrap_err();
        assert!(matches!(e.code(), Errno::EINVAL | Errno::ENOTTY), "{e}");
        drop(cli);
    })
}

#[test]
fn recv_takes_arrays_and_vecs() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::write(&a, b"one").unwrap();
        sys::write(&a, b"two!").unwrap();
        let mut buf = [0xa5u8; 8];
        let n = sys::recv(&b, &mut buf, 0).unwrap();
        assert_eq!(&buf, b"one\xa5\xa5\xa5\xa5\xa5", "{n}");
        let mut v = vec![0xa5u8; 3];
        let n = sys::recv(&b, &mut v, 0).unwrap();
        assert_eq!(
            (n, &v[..]),
            (3, &b"two"[..]),
            "a Vec offers its len, not capacity"
        );
        sys::write(&a, b"uninit").unwrap();
        let mut u = [std::mem::MaybeUninit::<u8>::uninit(); 16];
        let (got, n) = sys::read(&b, &mut u).unwrap();
        assert_eq!((&got[..], n), (&b"uninit"[..], 6));
    })
}

#[test]
fn cmsg_len_and_scm_credentials_typed() {
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
        assert_eq!(c.cmsg_len(), sys::cmsg_len(12));
        assert_eq!(c.cmsg_len(), 28);
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
            (c.cmsg_len(), c.rights()),
            (20, Some(vec![std::os::fd::AsRawFd::as_raw_fd(&x)]))
        );
    })
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
