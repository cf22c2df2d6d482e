//! The trace on inputs the kernel accepts but a formatter can trip on: an `AF_INET6` address of
//! 25-27 bytes (the formatter once indexed past the slice and panicked after the
//! bind had happened), and `MSG_TRUNC` receives, where the kernel reports more bytes than it
//! wrote and the dump must show only the written ones. Expected lines are strace 6.1's for the
//! same calls, except where strace prints bytes the kernel never wrote (noted there).

use std::mem::{size_of, zeroed};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

use libc::{iovec, mmsghdr, msghdr, sockaddr_in6, sockaddr_storage};
use socklab::sys::{self, raw, PollFd, SockAddr};
use socklab::sys::{AF_INET, AF_INET6, MSG_TRUNC, SOCK_DGRAM, SOCK_STREAM};
use socklab::trace::capture;

use super::common::{no_leak, tcp_pair, v4_any};

fn n(f: &OwnedFd) -> i32 {
    f.as_raw_fd()
}

/// `::1`, port 0, with the four bytes after `sin6_addr` (where `sin6_scope_id` sits) set to
/// `tail`: what `len` 25-27 hand the kernel a part of.
fn v6_loopback_with_tail(tail: [u8; 4]) -> sockaddr_storage {
    // SAFETY: sockaddr_storage is a C struct of integers; all zero bytes is a valid value.
    let mut storage: sockaddr_storage = unsafe { zeroed() };
    let sin6 = sockaddr_in6 {
        sin6_family: AF_INET6 as libc::sa_family_t,
        sin6_port: 0,
        sin6_flowinfo: 0,
        sin6_addr: libc::in6_addr {
            s6_addr: std::net::Ipv6Addr::LOCALHOST.octets(),
        },
        sin6_scope_id: u32::from_ne_bytes(tail),
    };
    // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
    unsafe {
        std::ptr::addr_of_mut!(storage)
            .cast::<sockaddr_in6>()
            .write(sin6)
    };
    storage
}

#[test]
fn af_inet6_address_of_25_to_27_bytes_binds_and_traces_like_strace() {
    no_leak(|| {
        // strace 6.1 on a C program binding these bytes: it copies the `len` bytes given into
        // zeroed storage and prints `sin6_scope_id` from that (7, then 7 + 1*256, …).
        let tail = [7, 1, 0, 9];
        let expected = [
            (24, String::new()),
            (25, ", sin6_scope_id=7".to_string()),
            (26, ", sin6_scope_id=263".to_string()),
            (27, ", sin6_scope_id=263".to_string()),
            (28, format!(", sin6_scope_id={}", u32::from_ne_bytes(tail))),
        ];
        for (len, scope) in expected {
            let fd = sys::socket(AF_INET6, SOCK_DGRAM, 0).unwrap();
            let addr = SockAddr::from_parts(v6_loopback_with_tail(tail), len).unwrap();
            let (r, lines) = capture(|| sys::bind(&fd, &addr));
            r.unwrap_or_else(|e| panic!("the kernel takes a {len}-byte sockaddr_in6: {e}"));
            assert_eq!(
                lines,
                [format!(
                    "bind({}, {{sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), \
                     inet_pton(AF_INET6, \"::1\", &sin6_addr){scope}}}, {len}) = 0",
                    n(&fd)
                )]
            );
        }
    });
}

/// A UDP socket on 127.0.0.1 that has sent itself `data`, ready to read.
fn udp_holding(data: &[u8]) -> OwnedFd {
    let u = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
    sys::bind(&u, &v4_any()).unwrap();
    let at = sys::getsockname(&u).unwrap();
    sys::sendto(&u, data, 0, &at).unwrap();
    readable(&u);
    u
}

/// Waits until `fd` has data, so the receive under test does not block.
fn readable(fd: &OwnedFd) {
    let mut fds = [PollFd::new(fd.as_fd(), libc::POLLIN)];
    assert_eq!(sys::poll(&mut fds, 5000).unwrap(), 1);
}

/// A msghdr with no name and no control over `iov`.
fn msg_over(iov: &mut [iovec]) -> msghdr {
    // SAFETY: msghdr is a C struct of integers and pointers; all zero (NULL) is valid.
    let mut m: msghdr = unsafe { zeroed() };
    m.msg_iov = iov.as_mut_ptr();
    m.msg_iovlen = iov.len();
    m
}

#[test]
fn msg_trunc_on_tcp_shows_the_pointer_not_the_stale_buffer() {
    no_leak(|| {
        let (c, s) = tcp_pair();
        // recv(MSG_TRUNC): TCP drops the data, writes nothing, returns its count. strace 6.1
        // prints the buffer's old contents here (`"ZZZZZ"`); the trace prints the pointer.
        sys::write(&c, b"hello").unwrap();
        readable(&s);
        let mut buf = [b'Z'; 16];
        let p = buf.as_mut_ptr();
        // SAFETY: `p` is writable for 16 bytes.
        let (r, lines) = capture(|| unsafe { raw::recv(n(&s), p.cast(), 16, MSG_TRUNC) });
        assert_eq!(r, 5);
        assert_eq!(buf, [b'Z'; 16], "the kernel wrote nothing");
        let line = format!(
            "recvfrom({}, {:#x}, 16, MSG_TRUNC, NULL, NULL) = 5",
            n(&s),
            p as usize
        );
        assert_eq!(lines, [line]);

        // recvmsg(MSG_TRUNC): the same, per iovec.
        sys::write(&c, b"hello").unwrap();
        readable(&s);
        let mut iov = [iovec {
            iov_base: p.cast(),
            iov_len: 16,
        }];
        let mut m = msg_over(&mut iov);
        // SAFETY: `m` is a valid msghdr over one 16-byte writable iovec, no name, no control.
        let (r, lines) = capture(|| unsafe { raw::recvmsg(n(&s), &mut m, MSG_TRUNC) });
        assert_eq!(r, 5);
        assert_eq!(buf, [b'Z'; 16], "the kernel wrote nothing");
        let hdr = format!(
            "{{msg_name=NULL, msg_namelen=0, msg_iov=[{{iov_base={:#x}, iov_len=16}}], \
             msg_iovlen=1, msg_controllen=0, msg_flags=0}}",
            p as usize
        );
        assert_eq!(lines, [format!("recvmsg({}, {hdr}, MSG_TRUNC) = 5", n(&s))]);

        // recvmmsg(MSG_TRUNC): each message's msg_len counts bytes that were not written.
        sys::write(&c, b"hello").unwrap();
        readable(&s);
        let mut iov = [iovec {
            iov_base: p.cast(),
            iov_len: 16,
        }];
        let mut v = [mmsghdr {
            msg_hdr: msg_over(&mut iov),
            msg_len: 0,
        }];
        let vp = v.as_mut_ptr();
        // SAFETY: `vp` points to one valid mmsghdr as above; the timeout is NULL.
        let (r, lines) =
            capture(|| unsafe { raw::recvmmsg(n(&s), vp, 1, MSG_TRUNC, std::ptr::null_mut()) });
        assert_eq!(r, 1);
        assert_eq!(buf, [b'Z'; 16], "the kernel wrote nothing");
        let line = format!(
            "recvmmsg({}, [{{msg_hdr={hdr}, msg_len=5}}], 1, MSG_TRUNC, NULL) = 1",
            n(&s)
        );
        assert_eq!(lines, [line]);
    });
}

#[test]
fn msg_trunc_on_udp_shows_the_bytes_that_fit_like_strace() {
    no_leak(|| {
        // recv(MSG_TRUNC) on a datagram: returns its full length (10), writes min(10, 4).
        let u = udp_holding(b"0123456789");
        let mut buf = [b'Z'; 8];
        let p = buf.as_mut_ptr();
        // SAFETY: `p` is writable for 8 bytes; we offer 4.
        let (r, lines) = capture(|| unsafe { raw::recv(n(&u), p.cast(), 4, MSG_TRUNC) });
        assert_eq!(r, 10);
        assert_eq!(&buf, b"0123ZZZZ");
        let line = format!(
            "recvfrom({}, \"0123\", 4, MSG_TRUNC, NULL, NULL) = 10",
            n(&u)
        );
        assert_eq!(lines, [line]);

        // recvmsg(MSG_TRUNC) over two 3-byte iovecs: 6 written, 10 reported.
        sys::sendto(&u, b"0123456789", 0, &sys::getsockname(&u).unwrap()).unwrap();
        readable(&u);
        let mut buf = [b'Z'; 8];
        let p = buf.as_mut_ptr();
        // SAFETY: offset 3 is inside `buf` (8 bytes), and so are the 3 bytes after it.
        let second = unsafe { p.add(3) };
        let mut iov = [
            iovec {
                iov_base: p.cast(),
                iov_len: 3,
            },
            iovec {
                iov_base: second.cast(),
                iov_len: 3,
            },
        ];
        let mut m = msg_over(&mut iov);
        // SAFETY: `m` is a valid msghdr over two writable 3-byte iovecs, no name, no control.
        let (r, lines) = capture(|| unsafe { raw::recvmsg(n(&u), &mut m, MSG_TRUNC) });
        assert_eq!(r, 10);
        assert_eq!(&buf, b"012345ZZ");
        let line = format!(
            "recvmsg({}, {{msg_name=NULL, msg_namelen=0, msg_iov=[{{iov_base=\"012\", \
             iov_len=3}}, {{iov_base=\"345\", iov_len=3}}], msg_iovlen=2, msg_controllen=0, \
             msg_flags=MSG_TRUNC}}, MSG_TRUNC) = 10",
            n(&u)
        );
        assert_eq!(lines, [line]);
    });
}

#[test]
fn msg_peek_trunc_with_a_udp_peek_offset_shows_the_pointer() {
    no_leak(|| {
        // SO_PEEK_OFF 6: a peek copies from byte 6 on ("6789", 4 bytes) but UDP returns the
        // datagram's full length, 10, with MSG_TRUNC. Showing min(10, 8) bytes would print
        // "6789ZZZZ", four bytes the kernel never wrote; the trace prints the pointer.
        let u = udp_holding(b"0123456789");
        // SAFETY: SO_PEEK_OFF's value is one int, read as 4 bytes, with no pointer in it.
        unsafe { sys::setsockopt(&u, libc::SOL_SOCKET, libc::SO_PEEK_OFF, &6i32.to_ne_bytes()) }
            .unwrap();
        let mut buf = [b'Z'; 8];
        let p = buf.as_mut_ptr();
        let flags = libc::MSG_PEEK | MSG_TRUNC;
        // SAFETY: `p` is writable for 8 bytes.
        let (r, lines) = capture(|| unsafe { raw::recv(n(&u), p.cast(), 8, flags) });
        assert_eq!(r, 10);
        assert_eq!(&buf, b"6789ZZZZ", "the kernel copied from the peek offset");
        let line = format!(
            "recvfrom({}, {:#x}, 8, MSG_PEEK|MSG_TRUNC, NULL, NULL) = 10",
            n(&u),
            p as usize
        );
        assert_eq!(lines, [line]);
    });
}

/// Safe calls at the edges of their sizes, traced: zero and over-`IOV_MAX` iovec counts, empty
/// poll and mmsg arrays, zero-capacity batches and control buffers, an unnamed Unix peer. The
/// hook must produce a line for each and neither panic nor read past what the call passed
/// (which these sizes would expose if it indexed or sliced by the wrong length).
#[test]
fn safe_calls_at_size_edges_trace_without_panicking() {
    use socklab::sys::{CmsgBuffer, MmsgBatch, AF_UNIX, MSG_DONTWAIT};
    use std::io::{IoSlice, IoSliceMut};
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let (_, lines) = capture(|| {
            let _ = sys::sendmsg(&a, None, &[], None, 0);
            let many = vec![IoSlice::new(b"x"); 1025]; // IOV_MAX + 1: EMSGSIZE
            let _ = sys::sendmsg(&a, None, &many, None, 0);
            let _ = sys::recvmsg(&b, &mut [], None, MSG_DONTWAIT);
            let mut c = CmsgBuffer::with_capacity(0);
            let mut byte = [0u8; 1];
            let iov = &mut [IoSliceMut::new(&mut byte)];
            let _ = sys::recvmsg(&b, iov, Some(&mut c), MSG_DONTWAIT | MSG_TRUNC);
            let _ = sys::poll(&mut [] as &mut [sys::PollFd], 0);
            let mut empty = MmsgBatch::new(0, 0);
            let _ = sys::recvmmsg(&b, &mut empty, 0, MSG_DONTWAIT, None);
            let _ = sys::sendmmsg(&a, &mut empty, 0, 0);
            let mut zero_cap = MmsgBatch::new(2, 0).with_control(0);
            zero_cap.set(0, b"", None).unwrap();
            zero_cap.set(1, b"", None).unwrap();
            let _ = sys::sendmmsg(&a, &mut zero_cap, 2, 0);
            let _ = sys::recvmmsg(&b, &mut zero_cap, 2, MSG_DONTWAIT | MSG_TRUNC, None);
            let _ = sys::recvfrom(&b, &mut [0u8; 0][..], MSG_DONTWAIT | MSG_TRUNC);
            let _ = sys::getpeername(&a); // an unnamed Unix peer: a 2-byte address
        });
        let calls: Vec<&str> = lines.iter().map(|l| l.split('(').next().unwrap()).collect();
        let want = [
            "sendmsg",
            "sendmsg",
            "recvmsg",
            "recvmsg",
            "poll",
            "recvmmsg",
            "sendmmsg",
            "sendmmsg",
            "recvmmsg",
            "recvfrom",
            "getpeername",
        ];
        assert_eq!(calls, want, "{lines:#?}");
        assert!(lines[1].contains("...], msg_iovlen=1025,"), "{}", lines[1]);
        assert!(
            lines[1].ends_with("= -1 EMSGSIZE (Message too long)"),
            "{}",
            lines[1]
        );
        assert_eq!(
            lines[10],
            format!(
                "getpeername({}, {{sa_family=AF_UNIX}}, [128 => 2]) = 0",
                n(&a)
            )
        );
    });
}

#[test]
fn socketpair_into_an_unaligned_sv_traces() {
    // The kernel needs no alignment for `sv`, and raw::socketpair's contract asks only that it
    // be valid for two ints: the hook must read them unaligned (a plain `*sv` is UB here, and
    // a debug build's alignment check aborts the process).
    no_leak(|| {
        let mut words = [0u64; 2]; // 8-aligned, so offset 1 is misaligned for sure
                                   // SAFETY: offset 1 of 16 bytes leaves 15, room for the two ints.
        let sv = unsafe { words.as_mut_ptr().cast::<u8>().add(1) }.cast::<i32>();
        // SAFETY: `sv` is valid for writing two ints (8 of the 11 bytes after it).
        let (rc, lines) = capture(|| unsafe { raw::socketpair(libc::AF_UNIX, SOCK_STREAM, 0, sv) });
        assert_eq!(rc, 0);
        let buf: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
        let fd = |i: usize| i32::from_ne_bytes(buf[1 + 4 * i..5 + 4 * i].try_into().unwrap());
        let (a, b) = (fd(0), fd(1));
        // SAFETY: socketpair just returned these fds; nothing else owns them.
        let _owned = unsafe { (OwnedFd::from_raw_fd(a), OwnedFd::from_raw_fd(b)) };
        let want = format!("socketpair(AF_UNIX, SOCK_STREAM, 0, [{a}, {b}]) = 0");
        assert_eq!(lines, [want]);
    });
}

#[test]
fn unaligned_pollfd_and_msghdr_arrays_trace() {
    // poll, sendmsg and sendmmsg read their arrays at any address; the raw contracts ask only
    // that they be readable, so the hook must not form aligned slices or references over them
    // (a debug build's check aborts on `slice::from_raw_parts` of a misaligned pointer).
    no_leak(|| {
        let (a, b) = sys::socketpair(libc::AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let pfd = libc::pollfd {
            fd: n(&a),
            events: libc::POLLOUT,
            revents: 0,
        };
        // 8-aligned words, then one byte in: misaligned for sure.
        let mut mem = [0u64; 1 + size_of::<libc::pollfd>() / 8 + 1];
        let p = mem
            .as_mut_ptr()
            .cast::<u8>()
            .wrapping_add(1)
            .cast::<libc::pollfd>();
        // SAFETY: `p` is 1 byte into `mem`, which has room for one pollfd after it.
        unsafe { p.write_unaligned(pfd) };
        // SAFETY: `p` points to one readable and writable pollfd (unaligned, as the kernel allows).
        let (r, lines) = capture(|| unsafe { raw::poll(p, 1, 0) });
        assert_eq!(r, 1);
        let want = format!(
            "poll([{{fd={0}, events=POLLOUT}}], 1, 0) = 1 ([{{fd={0}, revents=POLLOUT}}])",
            n(&a)
        );
        assert_eq!(lines, [want]);

        let mut data = *b"hi";
        let mut iov = [iovec {
            iov_base: data.as_mut_ptr().cast(),
            iov_len: 2,
        }];
        let m = msg_over(&mut iov);
        let mut mem = [0u64; size_of::<mmsghdr>() / 8 + 2];
        let h = mem
            .as_mut_ptr()
            .cast::<u8>()
            .wrapping_add(1)
            .cast::<mmsghdr>();
        // SAFETY: `h` is 1 byte into `mem`, which has room for one mmsghdr after it.
        unsafe {
            h.write_unaligned(mmsghdr {
                msg_hdr: m,
                msg_len: 0,
            })
        };
        let hm = h.cast::<msghdr>(); // msg_hdr is the first field
                                     // SAFETY: `hm` points to a valid msghdr over one readable 2-byte iovec.
        let (r, lines) = capture(|| unsafe { raw::sendmsg(n(&a), hm, 0) });
        assert_eq!(r, 2);
        assert!(lines[0].contains("iov_base=\"hi\""), "{lines:?}");
        // SAFETY: `h` points to one valid, writable mmsghdr over the same iovec.
        let (r, lines) = capture(|| unsafe { raw::sendmmsg(n(&a), h, 1, 0) });
        assert_eq!(r, 1);
        assert!(lines[0].contains("iov_base=\"hi\""), "{lines:?}");
        drop(b);
    });
}

// ---------------------------------------------------------------------------------------------
// Option values that are structs with padding: decoded field by field, never dumped as bytes.
// ---------------------------------------------------------------------------------------------

/// `ret #k` as a one-instruction classic BPF program.
fn ret_k(k: u32) -> [libc::sock_filter; 1] {
    [libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k,
    }]
}

/// `struct sock_fprog` is a 2-byte length, 6 bytes of padding and a pointer. The safe
/// `attach_filter` used to build it as a Rust literal (padding uninitialised) and the hook
/// dumped all 16 bytes, padding included; strace prints `{len=N, filter=0x…}`.
#[test]
fn sock_fprog_traces_as_len_and_filter_like_strace() {
    no_leak(|| {
        let (_a, b) = sys::socketpair(libc::AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let prog = ret_k(u32::MAX);
        let (r, lines) = capture(|| sys::filter::attach_filter(&b, &prog));
        r.unwrap();
        let want = format!(
            "setsockopt({}, SOL_SOCKET, SO_ATTACH_FILTER, {{len=1, filter={:#x}}}, 16) = 0",
            n(&b),
            prog.as_ptr() as usize
        );
        assert_eq!(lines, [want]);

        // Through the raw call, from bytes whose padding a C caller left at 0xcd (initialised,
        // as raw::setsockopt's contract asks): the same decoding, the padding never shown.
        let mut v = [0xcdu8; 16];
        v[..2].copy_from_slice(&1u16.to_ne_bytes());
        v[8..].copy_from_slice(&(prog.as_ptr() as usize).to_ne_bytes());
        let p = v.as_ptr();
        // SAFETY: `p` points to 16 initialised bytes laid out as a sock_fprog whose `filter`
        // is the live one-instruction program above; the kernel copies it.
        let (r, lines) = capture(|| unsafe {
            raw::setsockopt(
                n(&b),
                libc::SOL_SOCKET,
                libc::SO_ATTACH_FILTER,
                p.cast(),
                16,
            )
        });
        assert_eq!(r, 0);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].contains(", {len=1, filter=0x"), "{lines:?}");
        assert!(!lines[0].contains("\\315"), "padding dumped: {lines:?}");
        // A length other than sizeof(struct sock_fprog): the pointer, as strace prints it.
        // SAFETY: as above; the kernel reads at most the 8 bytes offered (and refuses them).
        let (r, lines) = capture(|| unsafe {
            raw::setsockopt(n(&b), libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, p.cast(), 8)
        });
        assert_eq!(r, -1);
        let want = format!(
            "setsockopt({}, SOL_SOCKET, SO_ATTACH_FILTER, {:#x}, 8) = -1 EINVAL (Invalid argument)",
            n(&b),
            p as usize
        );
        assert_eq!(lines, [want]);
    });
}

/// `struct group_req` (MCAST_JOIN_GROUP) has 4 bytes of padding after `gr_interface`: strace
/// decodes it (`{gr_interface=…, gr_group={…}}`) and so must the hook, never dumping the
/// padding. `struct group_source_req` (padded the same way), which strace dumps as bytes,
/// shows its pointer.
#[test]
fn padded_multicast_structs_are_decoded_or_shown_as_pointers() {
    no_leak(|| {
        let u = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        // SAFETY: a NUL-terminated interface name.
        let lo = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
        assert_ne!(lo, 0, "no loopback interface");
        // gr_interface at 0, 4 padding bytes, gr_group (a sockaddr_storage) at 8: 136 bytes.
        let mut g = [0u8; 136];
        g[..4].copy_from_slice(&lo.to_ne_bytes());
        g[4..8].copy_from_slice(&[0xcd; 4]);
        g[8..10].copy_from_slice(&(AF_INET as u16).to_ne_bytes());
        g[12..16].copy_from_slice(&[224, 1, 2, 3]);
        let p = g.as_ptr();
        for (name, cname) in [
            (libc::MCAST_JOIN_GROUP, "MCAST_JOIN_GROUP"),
            (libc::MCAST_LEAVE_GROUP, "MCAST_LEAVE_GROUP"),
        ] {
            // SAFETY: `p` points to 136 initialised bytes laid out as a group_req (no pointer).
            let (r, lines) =
                capture(|| unsafe { raw::setsockopt(n(&u), libc::SOL_IP, name, p.cast(), 136) });
            assert_eq!(r, 0, "{lines:?}");
            let want = format!(
                "setsockopt({}, SOL_IP, {cname}, {{gr_interface=if_nametoindex(\"lo\"), \
                 gr_group={{sa_family=AF_INET, sin_port=htons(0), \
                 sin_addr=inet_addr(\"224.1.2.3\")}}}}, 136) = 0",
                n(&u)
            );
            assert_eq!(lines, [want]);
        }
        // group_source_req: interface, padding, then two sockaddr_storage: 264 bytes.
        let s = [0xcdu8; 264];
        let sp = s.as_ptr();
        // SAFETY: `sp` points to 264 initialised bytes, the size of a group_source_req.
        let (_, lines) = capture(|| unsafe {
            raw::setsockopt(
                n(&u),
                libc::SOL_IP,
                libc::MCAST_JOIN_SOURCE_GROUP,
                sp.cast(),
                264,
            )
        });
        assert_eq!(lines.len(), 1);
        let head = format!(
            "setsockopt({}, SOL_IP, MCAST_JOIN_SOURCE_GROUP, {:#x}, 264) = -1 ",
            n(&u),
            sp as usize
        );
        assert!(lines[0].starts_with(&head), "{lines:?}");
    });
}

// ---------------------------------------------------------------------------------------------
// Values that overflowed the hook's arithmetic.
// ---------------------------------------------------------------------------------------------

/// select(2)'s timeval, as glibc 2.36 turns it into pselect6's timespec: `tv_usec` truncated to
/// 32 bits, carried into seconds (saturating at `INT64_MAX` s + 999999999 ns), and a negative
/// field refused with `EINVAL` before any syscall (strace then shows no line; the trace prints
/// the caller's timeval). The hook used to compute `tv_usec * 1000` and overflow.
#[test]
fn select_timeval_of_any_value_traces_as_glibc_passes_it() {
    no_leak(|| {
        let (a, b) = sys::socketpair(libc::AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::write(&a, b"x").unwrap();
        let fd = n(&b);
        let select = |sec: i64, usec: i64, watch: bool| {
            let mut tv = libc::timeval {
                tv_sec: sec,
                tv_usec: usec,
            };
            // SAFETY: fd_set is an array of integers; all zero is the empty set.
            let mut set: libc::fd_set = unsafe { zeroed() };
            // SAFETY: `fd` is below FD_SETSIZE and `set` a live fd_set.
            unsafe { libc::FD_SET(fd, &mut set) };
            let (nfds, sp) = if watch {
                (fd + 1, std::ptr::addr_of_mut!(set))
            } else {
                (0, std::ptr::null_mut())
            };
            let null = std::ptr::null_mut();
            // SAFETY: the set is NULL or a live fd_set holding `nfds` bits; `tv` is a live
            // timeval. `b` is readable, so a watched select returns at once.
            capture(|| unsafe { raw::select(nfds, sp, null, null, &mut tv) })
        };
        let ready = |ts: &str| {
            format!(
                "pselect6({}, [{fd}], NULL, NULL, {ts}, NULL) = 1 (in [{fd}], left {{",
                fd + 1
            )
        };
        for (sec, usec, ts) in [
            (1, 2_500_000, "{tv_sec=3, tv_nsec=500000000}"),
            ((1 << 32) + 5, 0, "{tv_sec=4294967301, tv_nsec=0}"),
            (0, (1 << 32) + 5, "{tv_sec=0, tv_nsec=5000}"),
            (
                i64::MAX,
                2_500_000,
                "{tv_sec=9223372036854775807, tv_nsec=999999999}",
            ),
        ] {
            let (r, lines) = select(sec, usec, true);
            assert_eq!(r, 1, "{lines:?}");
            assert_eq!(lines.len(), 1);
            assert!(lines[0].starts_with(&ready(ts)), "{sec} {usec}: {lines:?}");
        }
        for (sec, usec) in [(0, i64::MAX / 10), (-1, 0), (0, -1), (i64::MIN, i64::MIN)] {
            let (r, lines) = select(sec, usec, false);
            assert_eq!(r, -1);
            let want = format!(
                "pselect6(0, NULL, NULL, NULL, {{tv_sec={sec}, tv_usec={usec}}}, NULL) = \
                 -1 EINVAL (Invalid argument)"
            );
            assert_eq!(lines, [want]);
        }
    });
}

/// Safe `sendmsg` with raw control bytes whose `cmsg_len` is `usize::MAX` (no SCM_RIGHTS):
/// the send-side cmsg decoder computed `(len + 7) & !7` and overflowed (in release it wrapped to
/// 0 and printed the same header 32 times). strace 6.1 loops forever on these bytes.
#[test]
fn cmsg_len_near_usize_max_traces_one_header() {
    use std::io::IoSlice;
    no_leak(|| {
        let (a, _b) = sys::socketpair(libc::AF_UNIX, SOCK_DGRAM, 0).unwrap();
        for len in [usize::MAX, usize::MAX - 3, usize::MAX - 8] {
            let mut control = [0u8; 32];
            control[..8].copy_from_slice(&len.to_ne_bytes());
            control[8..12].copy_from_slice(&libc::SOL_IP.to_ne_bytes());
            control[12..16].copy_from_slice(&libc::IP_TOS.to_ne_bytes());
            control[16] = 0x10;
            let iov = [IoSlice::new(b"x")];
            let (r, lines) = capture(|| sys::sendmsg(&a, None, &iov, Some(&control), 0));
            assert_eq!(r.unwrap_err().code(), sys::Errno::EINVAL);
            let want = format!(
                "sendmsg({}, {{msg_name=NULL, msg_namelen=0, msg_iov=[{{iov_base=\"x\", \
                 iov_len=1}}], msg_iovlen=1, msg_control=[{{cmsg_len={len}, cmsg_level=SOL_IP, \
                 cmsg_type=IP_TOS, cmsg_data=[0x10]}}], msg_controllen=32, msg_flags=0}}, 0) = \
                 -1 EINVAL (Invalid argument)",
                n(&a)
            );
            assert_eq!(lines, [want]);
        }
    });
}
