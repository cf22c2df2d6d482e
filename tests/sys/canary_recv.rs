//! Canary tests of every safe call that lets the kernel write into caller memory: the memory
//! around and inside each buffer is filled with a canary byte before the call, then we check
//! that (a) no byte outside the buffer passed changed and (b) no byte the API reports as data,
//! address or control is still the canary. valgrind and ASan cannot see kernel writes; this can.
//!
//! Payloads are ASCII and addresses are chosen so that neither ever contains the canary.

use std::io::{IoSlice, IoSliceMut};
use std::mem::{size_of, MaybeUninit};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use socklab::sys::{
    self, cmsg_space, CmsgBuffer, MmsgBatch, PollFd, AF_INET, AF_UNIX, MSG_CTRUNC, MSG_DONTWAIT,
    MSG_PEEK, MSG_TRUNC, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM,
};
use socklab::{SockAddr, Socket};

use crate::common::{abstract_name, listed_fds, no_leak, tcp_pair, v4_any};

/// The byte every guard and buffer is filled with before a call. Not ASCII, so no payload has it.
const CANARY: u8 = 0xA5;
/// Canary bytes on each side of a buffer.
const GUARD: usize = 64;
const PAYLOAD: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const INT: usize = size_of::<libc::c_int>();

/// Caller memory: `GUARD` canary bytes, the `len`-byte buffer a call gets, `GUARD` more.
struct Guarded {
    mem: Vec<u8>,
    len: usize,
}

impl Guarded {
    fn new(len: usize) -> Guarded {
        Guarded {
            mem: vec![CANARY; GUARD + len + GUARD],
            len,
        }
    }

    /// The buffer passed to the call: the middle slice.
    fn buf(&mut self) -> &mut [u8] {
        &mut self.mem[GUARD..GUARD + self.len]
    }

    /// The same middle slice as `&mut [MaybeUninit<u8>]`, the form a C-like `char buf[N]` takes.
    fn uninit(&mut self) -> &mut [MaybeUninit<u8>] {
        let b = self.buf();
        // SAFETY: MaybeUninit<u8> has u8's layout; the slice is initialized (canary) and the
        // calls under test only ever store bytes into it (the kernel's), never uninit bytes, so
        // reading `mem` as u8 afterwards stays sound.
        unsafe { &mut *(b as *mut [u8] as *mut [MaybeUninit<u8>]) }
    }

    /// The buffer's bytes after the call.
    fn inner(&self) -> &[u8] {
        &self.mem[GUARD..GUARD + self.len]
    }

    /// (a): no byte outside the buffer changed.
    #[track_caller]
    fn assert_guards(&self, what: &str) {
        let (head, rest) = self.mem.split_at(GUARD);
        let tail = &rest[self.len..];
        assert!(
            head.iter().chain(tail).all(|&b| b == CANARY),
            "{what}: the kernel wrote outside the buffer: {:02x?}",
            self.mem
        );
    }

    /// The buffer is exactly as before the call: the kernel wrote nothing.
    #[track_caller]
    fn assert_untouched(&self, what: &str) {
        self.assert_guards(what);
        assert!(
            self.inner().iter().all(|&b| b == CANARY),
            "{what}: the buffer was written: {:02x?}",
            self.inner()
        );
    }
}

/// (b): bytes reported as data hold no canary and are what was sent.
#[track_caller]
fn assert_data(data: &[u8], want: &[u8], what: &str) {
    assert!(
        !data.contains(&CANARY),
        "{what}: canary reported as data: {data:02x?}"
    );
    assert_eq!(data, want, "{what}");
}

/// Whether an address's bytes contain the canary (a port like 0xa5xx): such a socket is
/// replaced, so that a canary byte left in an address always means "not written".
fn has_canary(a: &SockAddr) -> bool {
    a.as_bytes().contains(&CANARY)
}

/// A UDP socket on 127.0.0.1 whose port bytes are not the canary.
fn udp_socket() -> (OwnedFd, SockAddr) {
    loop {
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &v4_any()).unwrap();
        let name = sys::getsockname(&fd).unwrap();
        if !has_canary(&name) {
            return (fd, name);
        }
    }
}

/// Sends `data` and waits (poll, 10 s hang guard — not a timing check) until `rx` is readable.
fn send_and_wait(tx: impl AsFd, rx: impl AsFd, data: &[u8], to: Option<&SockAddr>) {
    let n = match to {
        Some(a) => sys::sendto(&tx, data, 0, a).unwrap(),
        None => sys::send(&tx, data, 0).unwrap(),
    };
    assert_eq!(n, data.len());
    let mut pfd = [PollFd::new(rx.as_fd(), libc::POLLIN)];
    assert_eq!(
        sys::poll(&mut pfd, 10_000).unwrap(),
        1,
        "nothing arrived in 10 s"
    );
}

/// Waits until `rx` has `len` bytes queued (TCP may deliver a send in pieces; loopback does not,
/// but the test must not depend on it).
fn wait_queued(rx: impl AsFd, len: usize) {
    for _ in 0..1000 {
        let mut b = Guarded::new(len);
        match sys::recv(&rx, b.buf(), MSG_PEEK | MSG_DONTWAIT) {
            Ok(n) if n >= len => return,
            _ => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
    panic!("{len} bytes never queued");
}

#[test]
fn read_writes_only_the_bytes_it_reports() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::write(&a, &PAYLOAD[..10]).unwrap();
        let mut g = Guarded::new(32);
        let n = sys::read(&b, g.buf()).unwrap();
        g.assert_guards("read &mut [u8]");
        assert_data(&g.inner()[..n], &PAYLOAD[..10], "read &mut [u8]");
        assert!(g.inner()[n..].iter().all(|&c| c == CANARY), "read past n");

        sys::write(&a, &PAYLOAD[..20]).unwrap();
        let mut g = Guarded::new(8);
        let (filled, n) = sys::read(&b, g.uninit()).unwrap();
        assert_eq!((filled.len(), n), (8, 8));
        let filled = filled.to_vec();
        g.assert_guards("read MaybeUninit");
        assert_data(&filled, &PAYLOAD[..8], "read MaybeUninit");
    });
}

#[test]
fn recv_tcp_msg_trunc_discards_without_writing() {
    no_leak(|| {
        let (cli, srv) = tcp_pair();
        sys::send(&cli, &PAYLOAD[..10], 0).unwrap();
        wait_queued(&srv, 10);
        // MaybeUninit: C's value is the 4 bytes discarded; nothing was written, so nothing is
        // handed back as data.
        let mut g = Guarded::new(4);
        let (filled, n) = sys::recv(&srv, g.uninit(), MSG_TRUNC).unwrap();
        let filled = filled.to_vec();
        assert_eq!(
            (filled.len(), n),
            (0, 4),
            "TCP MSG_TRUNC reported {filled:02x?}"
        );
        g.assert_untouched("recv TCP MSG_TRUNC MaybeUninit");
        // &mut [u8]: the count, buffer untouched.
        let mut g = Guarded::new(3);
        assert_eq!(sys::recv(&srv, g.buf(), MSG_TRUNC | MSG_PEEK).unwrap(), 3);
        g.assert_untouched("recv TCP MSG_TRUNC|MSG_PEEK");
        let mut g = Guarded::new(3);
        assert_eq!(sys::recv(&srv, g.buf(), MSG_TRUNC).unwrap(), 3);
        g.assert_untouched("recv TCP MSG_TRUNC &mut [u8]");
        // The rest arrives as data, after the 7 discarded bytes.
        let mut g = Guarded::new(16);
        let (filled, n) = sys::recv(&srv, g.uninit(), 0).unwrap();
        let filled = filled.to_vec();
        assert_eq!(n, 3);
        g.assert_guards("recv TCP");
        assert_data(&filled, &PAYLOAD[7..10], "recv TCP after MSG_TRUNC");
        // The Socket wrapper reports C's count and leaves the buffer alone too.
        let srv = Socket::from(srv);
        sys::send(&cli, &PAYLOAD[..5], 0).unwrap();
        wait_queued(&srv, 5);
        let mut g = Guarded::new(5);
        assert_eq!(srv.recv(g.buf(), MSG_TRUNC).unwrap(), 5);
        g.assert_untouched("Socket::recv TCP MSG_TRUNC");
    });
}

#[test]
fn recv_udp_msg_trunc_reports_full_length_and_fills_what_fit() {
    no_leak(|| {
        let (a, _) = udp_socket();
        let (b, to) = udp_socket();
        for (flags, what) in [
            (MSG_TRUNC, "MSG_TRUNC"),
            (MSG_TRUNC | MSG_PEEK, "TRUNC|PEEK"),
        ] {
            send_and_wait(&a, &b, &PAYLOAD[..10], Some(&to));
            let mut g = Guarded::new(4);
            let (filled, n) = sys::recv(&b, g.uninit(), flags).unwrap();
            let filled = filled.to_vec();
            assert_eq!(n, 10, "{what}: C's value is the datagram's length");
            g.assert_guards(what);
            // With MSG_PEEK a UDP peek offset would make C's value over-count, so socklab
            // reports nothing filled (see recv_peek_offset_with_msg_trunc_...).
            let want = if flags & MSG_PEEK != 0 {
                &[][..]
            } else {
                &PAYLOAD[..4]
            };
            assert_data(&filled, want, what);
            if flags & MSG_PEEK != 0 {
                sys::recv(&b, &mut [0u8; 16][..], 0).unwrap();
            }
        }
        // &mut [u8] with MSG_TRUNC: the count is the full length; only 4 bytes were written.
        send_and_wait(&a, &b, &PAYLOAD[..10], Some(&to));
        let mut g = Guarded::new(4);
        assert_eq!(sys::recv(&b, g.buf(), MSG_TRUNC).unwrap(), 10);
        g.assert_guards("recv UDP &mut [u8]");
        assert_data(g.inner(), &PAYLOAD[..4], "recv UDP &mut [u8]");
        // A datagram that fits, with MSG_TRUNC: all of it, nothing past it.
        send_and_wait(&a, &b, &PAYLOAD[..6], Some(&to));
        let mut g = Guarded::new(16);
        let (filled, n) = sys::recv(&b, g.uninit(), MSG_TRUNC).unwrap();
        let filled = filled.to_vec();
        assert_eq!(n, 6);
        g.assert_guards("recv UDP fits");
        assert_data(&filled, &PAYLOAD[..6], "recv UDP fits");
        assert!(g.inner()[6..].iter().all(|&c| c == CANARY));
    });
}

#[test]
fn recvfrom_data_and_address() {
    no_leak(|| {
        let (a, from) = udp_socket();
        let (b, to) = udp_socket();
        send_and_wait(&a, &b, &PAYLOAD[..10], Some(&to));
        let mut g = Guarded::new(4);
        let ((filled, n), addr) = sys::recvfrom(&b, g.uninit(), MSG_TRUNC).unwrap();
        let filled = filled.to_vec();
        assert_eq!(n, 10);
        g.assert_guards("recvfrom UDP");
        assert_data(&filled, &PAYLOAD[..4], "recvfrom UDP");
        let addr = addr.expect("a UDP source");
        assert!(!has_canary(&addr));
        assert_eq!(addr, from);

        // TCP with MSG_TRUNC: nothing written, no address (a connected stream reports none).
        let (cli, srv) = tcp_pair();
        sys::send(&cli, &PAYLOAD[..10], 0).unwrap();
        wait_queued(&srv, 10);
        let mut g = Guarded::new(6);
        let ((filled, n), addr) = sys::recvfrom(&srv, g.uninit(), MSG_TRUNC).unwrap();
        assert_eq!((filled.len(), n, addr), (0, 6, None));
        g.assert_untouched("recvfrom TCP MSG_TRUNC");
        let mut g = Guarded::new(4);
        let (n, addr) = Socket::from(srv).recvfrom(g.buf(), MSG_TRUNC).unwrap();
        assert_eq!((n, addr), (4, None));
        g.assert_untouched("Socket::recvfrom TCP MSG_TRUNC");

        // A Unix datagram from an abstract name: every byte of the address is chosen.
        let name = |tag| SockAddr::unix_abstract(&abstract_name(tag)).unwrap();
        let (ua, ub) = (name("canary-a"), name("canary-b"));
        let (x, y) = (
            sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap(),
            sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap(),
        );
        sys::bind(&x, &ua).unwrap();
        sys::bind(&y, &ub).unwrap();
        send_and_wait(&x, &y, &PAYLOAD[..5], Some(&ub));
        let mut g = Guarded::new(5);
        let (n, addr) = sys::recvfrom(&y, g.buf(), 0).unwrap();
        g.assert_guards("recvfrom Unix");
        assert_data(&g.inner()[..n], &PAYLOAD[..5], "recvfrom Unix");
        assert_eq!(addr, Some(ua));
    });
}

#[test]
fn recvmsg_data_name_and_flags() {
    no_leak(|| {
        let (a, from) = udp_socket();
        let (b, to) = udp_socket();
        for flags in [0, MSG_TRUNC] {
            send_and_wait(&a, &b, &PAYLOAD[..10], Some(&to));
            let (mut g1, mut g2) = (Guarded::new(3), Guarded::new(4));
            let mut iov = [IoSliceMut::new(g1.buf()), IoSliceMut::new(g2.buf())];
            let r = sys::recvmsg(&b, &mut iov, None, flags).unwrap();
            let full = if flags == MSG_TRUNC { 10 } else { 7 };
            assert_eq!((r.bytes, r.filled, r.is_truncated()), (full, 7, true));
            g1.assert_guards("recvmsg iov 0");
            g2.assert_guards("recvmsg iov 1");
            assert_data(g1.inner(), &PAYLOAD[..3], "recvmsg iov 0");
            assert_data(g2.inner(), &PAYLOAD[3..7], "recvmsg iov 1");
            assert_eq!(r.addr, Some(from));
            assert!(!has_canary(&r.addr.unwrap()));
        }

        // TCP with MSG_TRUNC: C's value counts discarded bytes, `filled` is 0, iovecs untouched.
        let (cli, srv) = tcp_pair();
        sys::send(&cli, &PAYLOAD[..10], 0).unwrap();
        wait_queued(&srv, 10);
        let (mut g1, mut g2) = (Guarded::new(3), Guarded::new(4));
        let mut iov = [IoSliceMut::new(g1.buf()), IoSliceMut::new(g2.buf())];
        let r = sys::recvmsg(&srv, &mut iov, None, MSG_TRUNC).unwrap();
        assert_eq!((r.bytes, r.filled, r.addr), (7, 0, None));
        g1.assert_untouched("recvmsg TCP MSG_TRUNC iov 0");
        g2.assert_untouched("recvmsg TCP MSG_TRUNC iov 1");
        // Through Socket too.
        let mut g = Guarded::new(3);
        let r = Socket::from(srv)
            .recvmsg(&mut [IoSliceMut::new(g.buf())], None, MSG_TRUNC)
            .unwrap();
        assert_eq!((r.bytes, r.filled), (3, 0));
        g.assert_untouched("Socket::recvmsg TCP MSG_TRUNC");
    });
}

/// A control buffer of `cap` bytes (a multiple of 8, at least a header) whose storage holds the
/// canary after its first 8 bytes (pushed, then cleared: `clear` keeps the storage), as reused
/// caller memory would. The first 8 are the pushed `cmsg_len`.
fn canary_control(cap: usize) -> CmsgBuffer<'static> {
    let mut c = CmsgBuffer::with_capacity(cap);
    let canary_int = i32::from_ne_bytes([CANARY; 4]);
    c.push(canary_int, canary_int, &vec![CANARY; cap - cmsg_space(0)]);
    assert_eq!(
        c.capacity(),
        cap,
        "canary_control({cap}) must not grow the buffer"
    );
    c.clear();
    c
}

/// Sends `n` fds (ends of fresh pairs, returned to keep them open) with one byte over `a`.
fn send_fds(a: &OwnedFd, n: usize) -> Vec<(OwnedFd, OwnedFd)> {
    let ps: Vec<_> = (0..n)
        .map(|_| sys::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0).unwrap())
        .collect();
    let mut out = CmsgBuffer::new();
    out.push_fds(&ps.iter().map(|p| p.0.as_fd()).collect::<Vec<_>>());
    sys::sendmsg_cmsg(a, None, &[IoSlice::new(b"F")], &out, 0).unwrap();
    ps
}

#[test]
fn recvmsg_control_padding_is_never_exposed() {
    // The kernel reports CMSG_SPACE bytes for a message but writes only
    // CMSG_LEN of them; the padding between must not come back as stale (or uninit) bytes.
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_SEQPACKET, 0).unwrap();
        for nfds in [1, 3] {
            let _keep = send_fds(&a, nfds);
            let cap = cmsg_space(nfds * INT);
            assert!(
                cap > socklab::sys::cmsg_len(nfds * INT),
                "a size with padding"
            );
            let mut c = canary_control(cap);
            let mut g = Guarded::new(4);
            let r = sys::recvmsg(&b, &mut [IoSliceMut::new(g.buf())], Some(&mut c), 0).unwrap();
            assert_eq!((r.bytes, r.msg_flags, r.controllen), (1, 0, cap));
            assert_eq!(c.len(), cap);
            assert!(
                !c.as_bytes().contains(&CANARY),
                "{nfds} fds: control bytes the kernel never wrote: {:02x?}",
                c.as_bytes()
            );
            let owned: Vec<i32> = c.fds().iter().map(|f| f.as_raw_fd()).collect();
            assert_eq!(listed_fds(&c), owned);
            assert_eq!(owned.len(), nfds);
            g.assert_guards("recvmsg with control");
        }
    });
}

#[test]
fn recvmsg_msg_ctrunc_exposes_only_written_control_bytes() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        // Room for two fds of three (24 bytes = CMSG_LEN(2 * sizeof(int)), no padding).
        let _keep = send_fds(&a, 3);
        let mut c = canary_control(cmsg_space(2 * INT));
        let mut byte = [0u8; 1];
        let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut byte)], Some(&mut c), 0).unwrap();
        assert_eq!(r.msg_flags & MSG_CTRUNC, MSG_CTRUNC);
        assert_eq!(c.len(), r.controllen);
        assert!(!c.as_bytes().contains(&CANARY), "{:02x?}", c.as_bytes());
        assert_eq!(c.fds().len(), 2);
        let owned: Vec<i32> = c.fds().iter().map(|f| f.as_raw_fd()).collect();
        assert_eq!(listed_fds(&c), owned);
        // Room for a header only: no fd fits, the kernel writes nothing and reports 0.
        let _keep = send_fds(&a, 1);
        let mut c = canary_control(cmsg_space(0));
        let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut byte)], Some(&mut c), 0).unwrap();
        assert_eq!(r.msg_flags & MSG_CTRUNC, MSG_CTRUNC);
        assert_eq!((c.len(), r.controllen), (0, 0));
        assert!(c.fds().is_empty());
    });
}

#[test]
fn recvmmsg_reused_batch_never_shows_an_earlier_receive() {
    no_leak(|| {
        let (a, from) = udp_socket();
        let (b, to) = udp_socket();
        let mut batch = MmsgBatch::new(2, 16);
        // A bigger earlier receive: 16 bytes fill slot 0.
        send_and_wait(&a, &b, &PAYLOAD[20..36], Some(&to));
        assert_eq!(
            sys::recvmmsg(&b, &mut batch, 1, MSG_DONTWAIT, None).unwrap(),
            1
        );
        assert_data(
            batch.get(0).unwrap().bytes(),
            &PAYLOAD[20..36],
            "first receive",
        );

        // TCP with MSG_TRUNC into the same batch: 10 bytes discarded, none written.
        let (cli, srv) = tcp_pair();
        sys::send(&cli, &PAYLOAD[..10], 0).unwrap();
        wait_queued(&srv, 10);
        assert_eq!(
            sys::recvmmsg(&srv, &mut batch, 1, MSG_TRUNC, None).unwrap(),
            1
        );
        let m = batch.get(0).unwrap();
        assert_eq!(m.msg_len(), 10);
        assert!(
            m.bytes().is_empty(),
            "stale bytes reported: {:?}",
            m.bytes()
        );
        // Slot filled with the canary by `set`, then TCP MSG_TRUNC again: still nothing.
        batch.set(0, &[CANARY; 16], None).unwrap();
        sys::send(&cli, &PAYLOAD[..5], 0).unwrap();
        wait_queued(&srv, 5);
        assert_eq!(
            sys::recvmmsg(&srv, &mut batch, 1, MSG_TRUNC, None).unwrap(),
            1
        );
        assert_eq!(batch.get(0).unwrap().msg_len(), 5);
        assert!(batch.get(0).unwrap().bytes().is_empty());

        // UDP with MSG_TRUNC: C's msg_len is the full 20, the data the 16 that fit; a shorter
        // datagram next shows its own 3 bytes only.
        batch.set(0, &[CANARY; 16], None).unwrap();
        batch.set(1, &[CANARY; 16], None).unwrap();
        send_and_wait(&a, &b, &PAYLOAD[..20], Some(&to));
        send_and_wait(&a, &b, &PAYLOAD[..3], Some(&to));
        let mut got = Vec::new();
        while got.len() < 2 {
            let n = sys::recvmmsg(
                &b,
                &mut batch,
                2 - got.len(),
                MSG_TRUNC | MSG_DONTWAIT,
                None,
            );
            for m in batch.iter().take(n.unwrap()) {
                assert!(!has_canary(&m.addr().unwrap()));
                assert_eq!(m.addr(), Some(from));
                got.push((m.bytes().to_vec(), m.msg_len()));
            }
        }
        assert_data(&got[0].0, &PAYLOAD[..16], "recvmmsg truncated");
        assert_data(&got[1].0, &PAYLOAD[..3], "recvmmsg short after long");
        assert_eq!((got[0].1, got[1].1), (20, 3));
    });
}

#[test]
fn recvmmsg_writes_only_the_slots_it_receives() {
    no_leak(|| {
        // Slot 1 holds canary data; a receive into slot 0 only must leave it as it was: sending
        // both slots back shows slot 1's bytes unchanged.
        let (a, _) = udp_socket();
        let (b, to) = udp_socket();
        let (c, dst) = udp_socket();
        let mut batch = MmsgBatch::new(2, 16);
        batch.set(1, &[CANARY; 16], Some(&dst)).unwrap();
        send_and_wait(&a, &b, &PAYLOAD[..16], Some(&to));
        assert_eq!(
            sys::recvmmsg(&b, &mut batch, 1, MSG_DONTWAIT, None).unwrap(),
            1
        );
        assert_eq!(sys::sendmmsg(&b, &mut batch, 2, 0).unwrap(), 2);
        let mut pfd = [PollFd::new(c.as_fd(), libc::POLLIN)];
        assert_eq!(sys::poll(&mut pfd, 10_000).unwrap(), 1);
        let mut g = Guarded::new(32);
        let n = sys::recv(&c, g.buf(), 0).unwrap();
        assert_eq!(&g.inner()[..n], &[CANARY; 16]);
    });
}

/// A `sockaddr_storage` of canary bytes with the full length: caller memory an address call
/// receives into.
fn canary_addr() -> SockAddr {
    let mut st = *SockAddr::empty().as_storage();
    // SAFETY: `st` is a local sockaddr_storage, writable for its size; it is a C struct of
    // integers and byte arrays, for which any byte pattern is a valid value.
    unsafe {
        std::ptr::write_bytes(
            (&mut st as *mut libc::sockaddr_storage).cast::<u8>(),
            CANARY,
            size_of::<libc::sockaddr_storage>(),
        )
    };
    SockAddr::from_parts(st, size_of::<libc::sockaddr_storage>() as _).unwrap()
}

/// Every byte of a SockAddr value (storage and length), to compare guards exactly.
fn raw_bytes(a: &SockAddr) -> Vec<u8> {
    let st = a.as_storage();
    // SAFETY: `st` is a live, fully initialized sockaddr_storage borrowed for the read; u8 has
    // no alignment or validity requirement.
    let bytes = unsafe {
        std::slice::from_raw_parts(
            (st as *const libc::sockaddr_storage).cast::<u8>(),
            size_of::<libc::sockaddr_storage>(),
        )
    };
    let mut v = bytes.to_vec();
    v.extend_from_slice(&a.len().to_ne_bytes());
    v
}

#[test]
fn accept_and_accept4_write_only_the_address_passed() {
    no_leak(|| {
        for use4 in [false, true] {
            let lst = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
            sys::bind(&lst, &v4_any()).unwrap();
            sys::listen(&lst, 1).unwrap();
            let cli = loop {
                let fd = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
                sys::bind(&fd, &v4_any()).unwrap();
                if !has_canary(&sys::getsockname(&fd).unwrap()) {
                    break fd;
                }
            };
            sys::connect(&cli, &sys::getsockname(&lst).unwrap()).unwrap();
            let mut addrs = [canary_addr(), canary_addr(), canary_addr()];
            let guard = raw_bytes(&addrs[0]);
            let conn = match use4 {
                false => sys::accept(&lst, Some(&mut addrs[1])),
                true => sys::accept4(&lst, Some(&mut addrs[1]), SOCK_CLOEXEC),
            }
            .unwrap();
            assert_eq!(
                (raw_bytes(&addrs[0]), raw_bytes(&addrs[2])),
                (guard.clone(), guard)
            );
            assert!(!addrs[1].as_bytes().contains(&CANARY), "{:?}", addrs[1]);
            assert_eq!(addrs[1], sys::getsockname(&cli).unwrap());
            assert_eq!(addrs[1], sys::getpeername(&conn).unwrap());
        }
    });
}

#[test]
fn getsockname_getpeername_report_only_kernel_bytes() {
    no_leak(|| {
        // Abstract Unix names: every byte is chosen, none is the canary.
        let name = |tag| SockAddr::unix_abstract(&abstract_name(tag)).unwrap();
        let (lname, cname) = (name("canary-lst"), name("canary-cli"));
        let lst = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::bind(&lst, &lname).unwrap();
        sys::listen(&lst, 1).unwrap();
        let cli = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::bind(&cli, &cname).unwrap();
        sys::connect(&cli, &lname).unwrap();
        let mut peer = canary_addr();
        let srv = sys::accept(&lst, Some(&mut peer)).unwrap();
        let got = [
            (sys::getsockname(&cli).unwrap(), cname),
            (sys::getpeername(&cli).unwrap(), lname),
            (sys::getsockname(&srv).unwrap(), lname),
            (sys::getpeername(&srv).unwrap(), cname),
            (peer, cname),
        ];
        for (a, want) in got {
            assert!(!a.as_bytes().contains(&CANARY));
            assert_eq!(a.as_bytes(), want.as_bytes());
            // Past the length: zeroes from the zeroed storage, never stale bytes.
            let raw = raw_bytes(&a);
            let tail = &raw[a.len() as usize..size_of::<libc::sockaddr_storage>()];
            assert!(tail.iter().all(|&b| b == 0), "{a:?}: {tail:02x?}");
        }
    });
}

#[test]
fn recvmmsg_control_padding_is_never_exposed() {
    // Finding 4 through a batch slot's control buffer.
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let mut batch = MmsgBatch::new(2, 8);
        *batch.control_mut(0) = canary_control(cmsg_space(INT));
        *batch.control_mut(1) = canary_control(cmsg_space(2 * INT));
        let _keep = (send_fds(&a, 1), send_fds(&a, 1));
        assert_eq!(
            sys::recvmmsg(&b, &mut batch, 2, MSG_DONTWAIT, None).unwrap(),
            2
        );
        for m in batch.iter() {
            let c = m.control();
            assert!(
                !c.as_bytes().contains(&CANARY),
                "slot {}: {:02x?}",
                m.index(),
                c.as_bytes()
            );
            assert_eq!(c.fds().len(), 1);
            assert_eq!(listed_fds(c), [c.fds()[0].as_raw_fd()]);
            assert_data(m.bytes(), b"F", "recvmmsg with control");
        }
    });
}

#[test]
fn poll_writes_only_the_entries_passed() {
    no_leak(|| {
        // Five entries for the same readable socket; only the middle three are passed. The
        // kernel sets revents on every entry it is given, so an entry outside the slice that
        // shows POLLIN would mean it wrote past it.
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::send(&a, b"x", 0).unwrap();
        let mut fds = [PollFd::new(b.as_fd(), libc::POLLIN); 5];
        assert_eq!(sys::poll(&mut fds[1..4], 10_000).unwrap(), 3);
        let revents: Vec<i16> = fds.iter().map(|p| p.revents()).collect();
        assert_eq!(revents, [0, libc::POLLIN, libc::POLLIN, libc::POLLIN, 0]);
    });
}

/// `SO_PEEK_OFF` (`SOL_SOCKET`, `int`) as a user would add it: socklab has no typed option for
/// it, and the promise below is true, so whatever goes wrong after it is socklab's fault.
#[derive(Clone, Copy, Debug)]
struct SoPeekOff;
// SAFETY: SO_PEEK_OFF is an int on sk_getsockopt's common path (at most optlen bytes written,
// optlen written back) and sk_setsockopt reads one int before calling set_peek_off; no pointer.
unsafe impl sys::SockOpt for SoPeekOff {
    const LEVEL: libc::c_int = libc::SOL_SOCKET;
    const NAME: libc::c_int = libc::SO_PEEK_OFF;
    type C = libc::c_int;
    type Value = libc::c_int;
}
impl sys::SetOpt for SoPeekOff {
    fn encode(v: libc::c_int) -> Result<libc::c_int, String> {
        Ok(v)
    }
}
impl sys::GetOpt for SoPeekOff {
    fn decode(c: libc::c_int) -> libc::c_int {
        c
    }
}

/// UDP with a peek offset (`SO_PEEK_OFF`) and `MSG_PEEK | MSG_TRUNC`: udp_recvmsg copies the
/// datagram from the offset on (`ulen - off` bytes at most) but returns its *full* length
/// `ulen`, so `min(ret, len)` over-counts the bytes written by `off`. A Unix datagram socket
/// returns `len - off` and is exact. Found in review: before the fix, the 16-byte buffer below
/// got 4 bytes (`6789`) and recv reported 10 filled, the last 6 of them canary.
#[test]
fn recv_peek_offset_with_msg_trunc_reports_only_written_bytes() {
    no_leak(|| {
        let (a, _) = udp_socket();
        let (b, to) = udp_socket();
        sys::set_opt(&b, SoPeekOff, 6).unwrap();
        let flags = MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT;
        send_and_wait(&a, &b, &PAYLOAD[..10], Some(&to));
        let peeked = |what: &str, filled: &[u8], g: &Guarded| {
            g.assert_guards(what);
            assert!(
                !filled.contains(&CANARY),
                "{what}: canary as data: {filled:02x?}"
            );
            // Whatever is reported must be what the kernel copied from the offset on.
            assert!(PAYLOAD[6..10].starts_with(filled), "{what}: {filled:02x?}");
        };

        let mut g = Guarded::new(16);
        let (filled, n) = sys::recv(&b, g.uninit(), flags).unwrap();
        let filled = filled.to_vec();
        assert_eq!(n, 10, "C's value: the datagram's full length");
        peeked("recv", &filled, &g);

        sys::set_opt(&b, SoPeekOff, 6).unwrap(); // a peek moved the offset on
        let mut g = Guarded::new(16);
        let ((filled, _), _) = sys::recvfrom(&b, g.uninit(), flags).unwrap();
        let filled = filled.to_vec();
        peeked("recvfrom", &filled, &g);

        sys::set_opt(&b, SoPeekOff, 6).unwrap();
        let mut g = Guarded::new(16);
        let r = sys::recvmsg(&b, &mut [IoSliceMut::new(g.buf())], None, flags).unwrap();
        let filled = g.inner()[..r.filled].to_vec();
        peeked("recvmsg", &filled, &g);

        sys::set_opt(&b, SoPeekOff, 6).unwrap();
        let mut batch = MmsgBatch::new(1, 16);
        batch.set(0, &[CANARY; 16], None).unwrap();
        assert_eq!(sys::recvmmsg(&b, &mut batch, 1, flags, None).unwrap(), 1);
        let m = batch.get(0).unwrap();
        assert!(
            !m.bytes().contains(&CANARY),
            "recvmmsg: canary as data: {:02x?}",
            m.bytes()
        );
        assert!(
            PAYLOAD[6..10].starts_with(m.bytes()),
            "recvmmsg: {:02x?}",
            m.bytes()
        );

        // A Unix datagram socket returns `len - off` with MSG_TRUNC: exact, so what fits stays.
        let (x, y) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::set_opt(&y, SoPeekOff, 6).unwrap();
        send_and_wait(&x, &y, &PAYLOAD[..10], None);
        let mut g = Guarded::new(16);
        let (filled, n) = sys::recv(&y, g.uninit(), flags).unwrap();
        let filled = filled.to_vec();
        assert_eq!(n, 4);
        g.assert_guards("recv Unix dgram");
        assert_data(&filled, &PAYLOAD[6..10], "recv Unix dgram");
    });
}

/// Turns on `SO_PASSCRED` (an int option socklab has no typed form for) so that every receive
/// carries an `SCM_CREDENTIALS` message: a second cmsg the kernel writes through put_cmsg.
fn pass_credentials(fd: &OwnedFd) {
    // SAFETY: SO_PASSCRED's value is one int, read as 4 bytes, with no pointer in it.
    unsafe { sys::setsockopt(fd, libc::SOL_SOCKET, libc::SO_PASSCRED, &1i32.to_ne_bytes()) }
        .unwrap();
}

/// Control capacities that are not a multiple of 8, including ones below a `cmsghdr` (16
/// bytes): `CmsgBuffer::with_capacity(cap)` offers exactly `cap` bytes, so its storage (rounded
/// up to 8-byte words) is only safe if the kernel never writes past `msg_controllen`, even when
/// not even a header fits (put_cmsg and scm_detach_fds then write nothing and set MSG_CTRUNC).
/// Checked twice: through raw recvmsg over fenced memory, where a write past `cap` shows, and
/// through the safe call, whose reported control bytes must all be the kernel's.
#[test]
fn recvmsg_small_control_capacities_write_within_them() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        pass_credentials(&b);
        for cap in 1..=cmsg_space(INT) + cmsg_space(12) + 1 {
            // Raw: `cap` bytes offered inside canary memory.
            let _keep = send_fds(&a, 1);
            let mut g = Guarded::new(cap);
            let mut byte = [0u8; 1];
            let mut iov = [libc::iovec {
                iov_base: byte.as_mut_ptr().cast(),
                iov_len: 1,
            }];
            // SAFETY: msghdr is a C struct of integers and pointers; all zero (NULL) is valid.
            let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
            m.msg_iov = iov.as_mut_ptr();
            m.msg_iovlen = 1;
            m.msg_control = g.buf().as_mut_ptr().cast();
            m.msg_controllen = cap;
            // SAFETY: `m` is a valid msghdr: one writable 1-byte iovec, no name, and a control
            // buffer writable for `cap` bytes (the middle of `g`).
            let rc = unsafe { sys::raw::recvmsg(b.as_raw_fd(), &mut m, sys::MSG_CMSG_CLOEXEC) };
            assert_eq!(rc, 1, "cap {cap}: {}", sys::Errno::last());
            g.assert_guards(&format!("raw recvmsg, msg_controllen {cap}"));
            assert!(
                m.msg_controllen <= cap,
                "cap {cap}: {} reported",
                m.msg_controllen
            );
            // Any fd the kernel installed is listed in what it wrote: close them.
            for fd in rights_in(&g.inner()[..m.msg_controllen]) {
                // SAFETY: the kernel just installed `fd` for this receive; nothing owns it.
                drop(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) });
            }

            // Safe: the same capacity through CmsgBuffer.
            let _keep = send_fds(&a, 1);
            let mut c = CmsgBuffer::with_capacity(cap);
            let r = sys::recvmsg(&b, &mut [IoSliceMut::new(&mut byte)], Some(&mut c), 0).unwrap();
            assert!(c.len() <= cap && c.len() == r.controllen, "cap {cap}");
            let owned: Vec<i32> = c.fds().iter().map(|f| f.as_raw_fd()).collect();
            assert_eq!(listed_fds(&c), owned, "cap {cap}");
        }
    });
}

/// The fd numbers of the `SCM_RIGHTS` messages in raw control bytes, walked as CMSG_NXTHDR does
/// (64-bit Linux: `cmsg_len` is 8 bytes, level and type 4 each, data at 16, 8-byte alignment).
fn rights_in(mut b: &[u8]) -> Vec<i32> {
    let mut fds = Vec::new();
    while b.len() >= 16 {
        let len = usize::from_ne_bytes(b[..8].try_into().unwrap());
        let level = i32::from_ne_bytes(b[8..12].try_into().unwrap());
        let ty = i32::from_ne_bytes(b[12..16].try_into().unwrap());
        if len < 16 || len > b.len() {
            break;
        }
        if (level, ty) == (libc::SOL_SOCKET, libc::SCM_RIGHTS) {
            let data = b[16..len].chunks_exact(INT);
            fds.extend(data.map(|c| i32::from_ne_bytes(c.try_into().unwrap())));
        }
        b = b.get(len.next_multiple_of(8)..).unwrap_or(&[]);
    }
    fds
}

/// Addresses the kernel writes shorter than the storage: an unnamed Unix peer through accept
/// (2 bytes: the family alone), an unbound Unix socket's getsockname, a datagram from an unbound
/// Unix sender through recvfrom (no address: length 0), a v4 sender seen by a dual-stack
/// AF_INET6 socket (a 28-byte v4-mapped address). Each must come back at the kernel's length,
/// decoded from the bytes it wrote, with nothing but zeroes (socklab's, from the zeroed storage)
/// past it.
#[test]
fn short_addresses_come_back_at_the_kernels_length() {
    no_leak(|| {
        let check = |a: &SockAddr, len: usize, what: &str| {
            assert_eq!(a.len() as usize, len, "{what}: {a:?}");
            let raw = raw_bytes(a);
            let tail = &raw[len..size_of::<libc::sockaddr_storage>()];
            assert!(tail.iter().all(|&b| b == 0), "{what}: {tail:02x?}");
        };
        let family_only = size_of::<libc::sa_family_t>();

        let lname = SockAddr::unix_abstract(&abstract_name("short-lst")).unwrap();
        let lst = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        sys::bind(&lst, &lname).unwrap();
        sys::listen(&lst, 1).unwrap();
        let cli = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        check(
            &sys::getsockname(&cli).unwrap(),
            family_only,
            "unbound getsockname",
        );
        sys::connect(&cli, &lname).unwrap();
        let mut peer = canary_addr();
        let _srv = sys::accept(&lst, Some(&mut peer)).unwrap();
        check(&peer, family_only, "accept, unnamed peer");
        assert!(
            peer.is_unnamed() && peer.as_unix_path().is_none(),
            "{peer:?}"
        );
        assert_eq!(peer.to_string(), "(unnamed)");

        let (ux, uy) = (
            sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap(),
            sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap(),
        );
        let yname = SockAddr::unix_abstract(&abstract_name("short-rx")).unwrap();
        sys::bind(&uy, &yname).unwrap();
        send_and_wait(&ux, &uy, b"hi", Some(&yname));
        let mut g = Guarded::new(8);
        let ((filled, n), from) = sys::recvfrom(&uy, g.uninit(), 0).unwrap();
        assert_eq!((&filled[..], n, from), (&b"hi"[..], 2, None));
        g.assert_guards("recvfrom from an unbound Unix sender");

        let v6 = sys::socket(libc::AF_INET6, SOCK_DGRAM, 0).unwrap();
        sys::set_opt(&v6, sys::opt::Ipv6V6Only, false).unwrap();
        sys::bind(
            &v6,
            &SockAddr::from("[::]:0".parse::<std::net::SocketAddr>().unwrap()),
        )
        .unwrap();
        let port = sys::getsockname(&v6).unwrap().as_socket().unwrap().port();
        let to = SockAddr::from(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
        let (v4, v4name) = udp_socket();
        send_and_wait(&v4, &v6, b"mapped", Some(&to));
        let mut g = Guarded::new(8);
        let ((filled, _), from) = sys::recvfrom(&v6, g.uninit(), 0).unwrap();
        assert_data(filled, b"mapped", "v4 into AF_INET6");
        let from = from.expect("a source");
        check(&from, size_of::<libc::sockaddr_in6>(), "v4-mapped source");
        let std::net::SocketAddr::V6(a) = from.as_socket().unwrap() else {
            panic!("{from:?}")
        };
        let v4a = v4name.as_socket().unwrap();
        assert_eq!(
            (a.ip().to_ipv4_mapped(), a.port()),
            (Some([127, 0, 0, 1].into()), v4a.port())
        );
    });
}

/// `MSG_SOCK_DEVMEM` makes TCP count dmabuf fragments it never copies into the buffer: every
/// safe receive that takes flags refuses it with `EINVAL` and a note, before any syscall (the
/// queued bytes are still there afterwards).
#[test]
fn msg_sock_devmem_is_refused_before_any_receive() {
    use socklab::sys::{AddrLen, Errno, MSG_SOCK_DEVMEM};
    no_leak(|| {
        let (cli, srv) = tcp_pair();
        sys::write(&cli, b"queued").unwrap();
        wait_queued(&srv, 6);
        let f = MSG_SOCK_DEVMEM | MSG_DONTWAIT;
        let refused = |r: socklab::Result<()>, call: &str| {
            let e = r.expect_err(call);
            assert_eq!((e.code(), e.call()), (Errno::EINVAL, call), "{e}");
            assert!(e.to_string().contains("MSG_SOCK_DEVMEM"), "{e}");
        };
        let mut buf = [0u8; 16];
        let mut ubuf = [MaybeUninit::<u8>::uninit(); 16];
        refused(sys::recv(&srv, &mut buf[..], f).map(drop), "recv");
        refused(sys::recv(&srv, &mut ubuf[..], f).map(drop), "recv");
        refused(sys::recvfrom(&srv, &mut buf[..], f).map(drop), "recvfrom");
        let mut from = SockAddr::with_capacity(AddrLen::INET);
        refused(
            sys::recvfrom_into(&srv, &mut buf[..], f, &mut from).map(drop),
            "recvfrom",
        );
        let mut iov = [IoSliceMut::new(&mut buf)];
        refused(sys::recvmsg(&srv, &mut iov, None, f).map(drop), "recvmsg");
        refused(
            sys::recvmsg_into(&srv, None, &mut iov, None, f).map(drop),
            "recvmsg",
        );
        let mut batch = MmsgBatch::new(1, 16);
        refused(
            sys::recvmmsg(&srv, &mut batch, 1, f, None).map(drop),
            "recvmmsg",
        );
        let s = Socket::from(srv);
        refused(s.recv(&mut buf[..], f).map(drop), "recv");
        assert_eq!(s.recv(&mut buf[..], MSG_DONTWAIT).unwrap(), 6);
        assert_eq!(&buf[..6], b"queued");
    })
}
