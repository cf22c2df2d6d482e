//! The small ioctls of a socket: FIONREAD/SIOCINQ and SIOCOUTQ (bytes queued each way), and
//! sockatmark(3) (glibc's `ioctl(SIOCATMARK)`).

use socklab::sys::{self, Errno, AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM};
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
