//! Address capacities in the log, as C shows them: a capacity the caller chose (`[16]`, not
//! `[128 => 16]`), `msg_name=NULL` when no name is asked for, and a capacity shorter than the
//! kernel's address (`[18 => 43]`), whose refusal as a whole address makes no call: its line is
//! the marked one (`--- socklab refused … ---`), never a call's.

use std::io::IoSliceMut;
use std::net::SocketAddr;

use socklab::sys::{self, AddrLen, SockAddr};
use socklab::sys::{AF_INET, AF_UNIX, SOCK_DGRAM};

use super::capture::{n, one};
use super::common::no_leak;

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

/// A capacity shorter than the kernel's address: the line shows C's `[18 => 43]` (the kernel's
/// length after the room offered), and a call refusing the cut address makes no syscall: it logs
/// the marked line of its error, not a call's.
#[test]
fn a_truncated_address_logs_the_kernels_length_and_its_refusal_as_marked() {
    no_leak(|| {
        let mut name = super::common::abstract_name("cut-trace");
        name.resize(40, b'z');
        let fd = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &SockAddr::unix_abstract(&name).unwrap()).unwrap();
        let mut a = SockAddr::with_capacity(AddrLen::new(18).unwrap());
        let ((), line) = one(|| sys::getsockname_into(&fd, &mut a).unwrap());
        let shown = String::from_utf8(name[..15].to_vec()).unwrap();
        assert_eq!(
            line,
            format!(
                "getsockname({}, {{sa_family=AF_UNIX, sun_path=@\"{shown}\"}}, [18 => 43]) = 0",
                n(&fd)
            )
        );
        let (r, lines) = socklab::trace::capture(|| sys::connect(&fd, &a));
        let e = r.unwrap_err();
        assert_eq!(e.code(), sys::Errno::EINVAL);
        assert_eq!(lines, [super::refusals::marked(&e)]);
        let head = format!(
            "--- socklab refused connect(fd {}, {{family 1, len 43, truncated to 18}}): EINVAL \
             (Invalid argument): the address was truncated: the kernel reported 43 bytes, 18 fit",
            n(&fd)
        );
        assert!(lines[0].starts_with(&head), "{}", lines[0]);
        assert!(lines[0].ends_with(" [no syscall made] ---"), "{}", lines[0]);
    })
}
