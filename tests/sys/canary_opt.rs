//! Canary tests of the option getters: the kernel writes into caller memory where valgrind and
//! ASan cannot see it, so every getter runs on memory filled with a canary, twice with two
//! different canaries, and the test checks which bytes the kernel wrote.
//!
//! For one call with `optlen` `n` returned into a value of `size` bytes:
//! - no byte outside the value changed (the 64 bytes on either side keep the canary);
//! - bytes `n..size` of the value were not written (they keep the canary), so a typed getter
//!   must not hand them back as data (`get_opt` zero-fills them, for `PARTIAL` types only);
//! - bytes `0..n` were written: a byte that holds the first canary in the first call and the
//!   second canary in the second call was not written by the kernel.
//!
//! A found bug (`SO_GET_FILTER` reads `optlen` as a count of 8-byte instructions) is
//! reproduced here through the `unsafe` byte API, with buffers sized so the kernel's writes land
//! in memory the test owns.

use std::fmt::Debug;
use std::mem::{align_of, size_of};
use std::os::fd::{AsFd, AsRawFd};
use std::time::Duration;

use socklab::sys::opt::{
    IpTtl, Ipv6V6Only, SoAcceptConn, SoBroadcast, SoBusyPoll, SoDomain, SoError, SoKeepAlive,
    SoLinger, SoPeerCred, SoPriority, SoProtocol, SoRcvBuf, SoRcvTimeo, SoReuseAddr, SoReusePort,
    SoSndBuf, SoSndTimeo, SoType, TcpCongestion, TcpInfo, TcpMaxSeg, TcpNoDelay, TcpQuickAck,
    TcpState, TcpUlp,
};
use socklab::sys::{
    self, filter, raw, GetOpt, Plain, SockOpt, AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_STREAM,
    SOL_SOCKET,
};
use socklab::{Errno, Socket};

use crate::common::{assert_errno, no_leak, tcp_listener_pair};

/// The two canaries: each byte of the arena holds one of them before a call.
const CANARY: [u8; 2] = [0xA5, 0x5A];
/// Canary bytes on each side of the value (and the value's offset, a multiple of its alignment).
const GUARD: usize = 64;
const ARENA: usize = 1024;

/// Memory the kernel writes into: the value sits at `GUARD`, canaries all around.
#[repr(C, align(64))]
struct Arena([u8; ARENA]);

/// One `get_opt_into` call on an arena filled with `canary`: the returned `optlen` and the
/// arena's bytes afterwards.
fn fenced<O: GetOpt>(fd: impl AsFd, opt: O, canary: u8) -> (usize, Box<[u8; ARENA]>) {
    assert!(GUARD + size_of::<O::C>() + GUARD <= ARENA);
    assert!(align_of::<O::C>() <= 64 && GUARD.is_multiple_of(align_of::<O::C>()));
    let mut arena = Box::new(Arena([canary; ARENA]));
    let p = arena.0[GUARD..].as_mut_ptr().cast::<O::C>();
    // SAFETY: `p` is aligned for O::C (the arena is 64-aligned, GUARD a multiple of O::C's
    // alignment) and in bounds for size_of::<O::C>() bytes (asserted); its bytes are all
    // `canary`, a valid O::C because O::C is Plain; the reference is the only one into the arena
    // and ends with the call.
    let val = unsafe { &mut *p };
    let n = sys::get_opt_into(fd, opt, val).unwrap_or_else(|e| panic!("{e}"));
    (n, Box::new(arena.0))
}

/// The value as `get_opt` should build it from the kernel's `n` bytes: zero beyond them.
fn zero_extended<T: Plain>(written: &[u8]) -> T {
    assert!(written.len() <= size_of::<T>());
    let mut arena = Box::new(Arena([0; ARENA]));
    arena.0[GUARD..GUARD + written.len()].copy_from_slice(written);
    let p = arena.0[GUARD..].as_ptr().cast::<T>();
    // SAFETY: aligned and in bounds as in `fenced` (T is an option's C type there); the bytes
    // are initialized, and any bytes are a valid T because T is Plain.
    unsafe { p.read() }
}

/// The verdict on two fenced calls (`a` with `CANARY[0]`, `b` with `CANARY[1]`) that both
/// returned `n` for a value of `size` bytes at `GUARD`: the first byte that breaks the rules.
fn verify(n: usize, size: usize, a: &[u8], b: &[u8]) -> Result<(), String> {
    if n > size {
        return Err(format!("optlen {n} > {size}, the value's size"));
    }
    for i in 0..a.len() {
        let in_written = (GUARD..GUARD + n).contains(&i);
        let kept = (a[i], b[i]) == (CANARY[0], CANARY[1]);
        let off = i as isize - GUARD as isize;
        if in_written && kept {
            return Err(format!(
                "byte {off} of the value is inside optlen {n} but still the canary"
            ));
        }
        if !in_written && !kept {
            return Err(format!(
                "byte at value offset {off} (outside the {n} bytes written) changed"
            ));
        }
    }
    Ok(())
}

/// Runs the canary check on one option and returns the kernel's `optlen` and written bytes.
#[track_caller]
fn check_writes<O: GetOpt + Debug>(fd: impl AsFd, opt: O) -> (usize, Vec<u8>) {
    let size = size_of::<O::C>();
    let (n, a) = fenced(fd.as_fd(), opt, CANARY[0]);
    let (n2, b) = fenced(fd.as_fd(), opt, CANARY[1]);
    assert_eq!(n, n2, "{opt:?}: optlen differs between two calls");
    if !<O::C as Plain>::PARTIAL {
        assert_eq!(n, size, "{opt:?}: the kernel wrote {n} of {size} bytes");
    }
    if let Err(e) = verify(n, size, &a[..], &b[..]) {
        panic!("{opt:?}: {e}");
    }
    (n, a[GUARD..GUARD + n].to_vec())
}

#[test]
fn the_canary_check_catches_each_kind_of_bad_write() {
    let a = [CANARY[0]; ARENA];
    let b = [CANARY[1]; ARENA];
    let wrote = |bytes: std::ops::Range<usize>| {
        let (mut a, mut b) = (a, b);
        for i in bytes {
            (a[i], b[i]) = (7, 7);
        }
        (a, b)
    };
    // 4 bytes written, 4 reported: fine.
    let (x, y) = wrote(GUARD..GUARD + 4);
    assert_eq!(verify(4, 4, &x, &y), Ok(()));
    // 32 bytes written for optlen 4 (SO_GET_FILTER read as bytes): caught past the value.
    let (x, y) = wrote(GUARD..GUARD + 32);
    assert!(verify(4, 4, &x, &y).unwrap_err().contains("offset 4 "));
    // A byte before the value written.
    let (x, y) = wrote(GUARD - 1..GUARD + 4);
    assert!(verify(4, 4, &x, &y).unwrap_err().contains("offset -1 "));
    // 8 bytes reported, 4 written: the last 4 would be handed back as data.
    let (x, y) = wrote(GUARD..GUARD + 4);
    assert!(verify(8, 8, &x, &y)
        .unwrap_err()
        .contains("byte 4 of the value"));
    // An optlen larger than the value.
    assert!(verify(9, 8, &a, &b).is_err());
    // A PARTIAL answer of 0 bytes, nothing written: fine.
    assert_eq!(verify(0, 16, &a, &b), Ok(()));
}

/// [`check_writes`], then `get_opt` must equal the decoding of the bytes the kernel wrote,
/// zero-extended (for an option whose value is stable between calls).
#[track_caller]
fn check<O>(fd: impl AsFd, opt: O) -> O::Value
where
    O: GetOpt + Debug,
    O::Value: PartialEq + Debug,
{
    let (_, written) = check_writes(fd.as_fd(), opt);
    let got = sys::get_opt(fd.as_fd(), opt).unwrap();
    assert_eq!(got, O::decode(zero_extended(&written)), "{opt:?}");
    got
}

#[test]
fn socket_level_getters_write_only_their_value() {
    no_leak(|| {
        let (lst, cli, _srv) = tcp_listener_pair::<Socket>(false);
        cli.set_opt(SoReuseAddr, true).unwrap();
        assert!(check(&cli, SoReuseAddr));
        assert!(!check(&cli, SoReusePort));
        cli.set_opt(SoKeepAlive, true).unwrap();
        assert!(check(&cli, SoKeepAlive));
        assert!(check(&lst, SoAcceptConn));
        cli.set_opt(SoRcvBuf, 8192).unwrap();
        assert_eq!(check(&cli, SoRcvBuf), 16384);
        check(&cli, SoSndBuf);
        cli.set_opt(SoRcvTimeo, Some(Duration::from_millis(2500)))
            .unwrap();
        assert_eq!(check(&cli, SoRcvTimeo), Some(Duration::from_millis(2500)));
        assert_eq!(check(&cli, SoSndTimeo), None);
        cli.set_opt(SoLinger, Some(Duration::from_secs(5))).unwrap();
        assert_eq!(check(&cli, SoLinger), Some(Duration::from_secs(5)));
        assert_eq!(check(&cli, SoError), None);
        assert_eq!(check(&cli, SoType), SOCK_STREAM);
        assert_eq!(check(&cli, SoProtocol), libc::IPPROTO_TCP);
        assert_eq!(check(&cli, SoDomain), AF_INET);
        cli.set_opt(SoPriority, 5).unwrap();
        assert_eq!(check(&cli, SoPriority), 5);
        let udp = Socket::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        udp.set_opt(SoBroadcast, true).unwrap();
        assert!(check(&udp, SoBroadcast));
        udp.set_opt(SoBusyPoll, 50).unwrap();
        assert_eq!(check(&udp, SoBusyPoll), 50);
    });
}

#[test]
fn peercred_writes_one_ucred() {
    no_leak(|| {
        let (a, _b) = Socket::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let (n, _) = check_writes(&a, SoPeerCred);
        assert_eq!(n, size_of::<libc::ucred>());
        let cred = sys::get_opt(&a, SoPeerCred).unwrap();
        let again = sys::get_opt(&a, SoPeerCred).unwrap();
        assert_eq!(
            (cred.pid, cred.uid, cred.gid),
            (again.pid, again.uid, again.gid)
        );
        assert_eq!(cred.pid as u32, std::process::id());
    });
}

#[test]
fn ip_and_tcp_level_getters_write_only_their_value() {
    no_leak(|| {
        let (_lst, cli, _srv) = tcp_listener_pair::<Socket>(false);
        cli.set_opt(TcpNoDelay, true).unwrap();
        assert!(check(&cli, TcpNoDelay));
        check(&cli, TcpQuickAck);
        check(&cli, TcpMaxSeg);
        cli.set_opt(IpTtl, 9).unwrap();
        assert_eq!(check(&cli, IpTtl), 9);
        let v6 = Socket::socket(AF_INET6, SOCK_STREAM, 0).unwrap();
        v6.set_opt(Ipv6V6Only, true).unwrap();
        assert!(check(&v6, Ipv6V6Only));
    });
}

#[test]
fn tcp_info_writes_at_most_our_struct() {
    no_leak(|| {
        let (_lst, cli, srv) = tcp_listener_pair::<Socket>(false);
        cli.write(b"ping").unwrap();
        assert_eq!(srv.read(&mut [0u8; 8]).unwrap(), 4);
        // Fields change between calls (timers): check the writes, then the decoded state.
        let (n, written) = check_writes(&cli, TcpInfo);
        assert!(n > 0);
        assert_eq!(written[0], TcpState::ESTABLISHED.raw());
        let info = sys::get_opt(&cli, TcpInfo).unwrap();
        assert_eq!(info.state.raw(), TcpState::ESTABLISHED.raw());
    });
}

#[test]
fn name_getters_write_the_name_or_nothing() {
    no_leak(|| {
        let (_lst, cli, _srv) = tcp_listener_pair::<Socket>(false);
        // TCP_CONGESTION: the kernel copies its whole char[16], NUL-padded.
        cli.set_opt(TcpCongestion, "reno".into()).unwrap();
        let (n, written) = check_writes(&cli, TcpCongestion);
        assert_eq!(n, 16);
        assert_eq!(&written[..5], b"reno\0");
        assert_eq!(sys::get_opt(&cli, TcpCongestion).unwrap(), "reno");
        // TCP_ULP with none attached: optlen 0, and not one byte of the value written, so the
        // name read is empty rather than made of canary bytes.
        let (n, _) = check_writes(&cli, TcpUlp);
        assert_eq!(n, 0);
        assert_eq!(check(&cli, TcpUlp), "");
        if cli.set_opt(TcpUlp, "tls".into()).is_ok() {
            let (n, written) = check_writes(&cli, TcpUlp);
            assert_eq!((n, &written[..4]), (16, &b"tls\0"[..]));
            assert_eq!(check(&cli, TcpUlp), "tls");
        } else {
            crate::common::not_on_this_platform("the tls ULP; only the empty-name case ran");
        }
    });
}

/// `SO_COOKIE` as a library user would add it: an `unsafe impl SockOpt` for a `u64`.
#[derive(Copy, Clone, Debug)]
struct SoCookie;

// SAFETY: sk_getsockopt copies min(optlen, 8) bytes of the u64 cookie for SO_COOKIE and writes
// that length back; setsockopt refuses SO_COOKIE; no pointer is involved.
unsafe impl SockOpt for SoCookie {
    const LEVEL: libc::c_int = SOL_SOCKET;
    const NAME: libc::c_int = libc::SO_COOKIE;
    type C = u64;
    type Value = u64;
}

impl GetOpt for SoCookie {
    fn decode(c: u64) -> u64 {
        c
    }
}

#[test]
fn a_users_typed_option_is_checked_the_same_way() {
    no_leak(|| {
        let (a, b) = Socket::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let ca = check(&a, SoCookie);
        assert_ne!(ca, 0);
        assert_ne!(ca, check(&b, SoCookie), "each socket has its own cookie");
    });
}

#[test]
fn byte_getter_writes_at_most_the_slice() {
    no_leak(|| {
        let s = Socket::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        s.set_opt(SoRcvBuf, 8192).unwrap();
        for len in [0, 1, 4, 16] {
            let mut buf = [CANARY[0]; 2 * GUARD + 16];
            // SAFETY: SO_RCVBUF's optlen is a byte count: the kernel writes min(len, 4) bytes
            // of an int into the slice; no pointer.
            let r = unsafe {
                sys::getsockopt(
                    &s,
                    SOL_SOCKET,
                    libc::SO_RCVBUF,
                    &mut buf[GUARD..GUARD + len],
                )
            };
            let n = r.unwrap();
            assert_eq!(n, len.min(4));
            let int = 16384i32.to_ne_bytes();
            assert_eq!(&buf[GUARD..GUARD + n], &int[..n]);
            assert!(buf[..GUARD].iter().all(|&b| b == CANARY[0]));
            assert!(buf[GUARD + n..].iter().all(|&b| b == CANARY[0]), "{len}");
        }
    });
}

/// The bytes of a classic BPF program as the kernel stores them (8 bytes per instruction).
fn program_bytes(prog: &[libc::sock_filter]) -> Vec<u8> {
    prog.iter()
        .flat_map(|i| {
            let mut b = i.code.to_ne_bytes().to_vec();
            b.extend([i.jt, i.jf]);
            b.extend(i.k.to_ne_bytes());
            b
        })
        .collect()
}

/// A found bug: `SO_GET_FILTER`'s `optlen` is a number of instructions, not bytes. A
/// safe byte-level getsockopt with a 4-byte slice had the kernel write 32 bytes into it; the
/// call is `unsafe` now, and this shows the count semantics with buffers sized for them.
#[test]
fn so_get_filter_optlen_counts_instructions_not_bytes() {
    no_leak(|| {
        let (_a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        // Four "accept the whole packet" instructions: classic BPF ends in a return, and
        // unreachable instructions are allowed.
        let ret_all = libc::sock_filter {
            code: (libc::BPF_RET | libc::BPF_K) as u16,
            jt: 0,
            jf: 0,
            k: u32::MAX,
        };
        let prog = [ret_all; 4];
        filter::attach_filter(&b, &prog).unwrap();
        let want = program_bytes(&prog);
        assert_eq!(want.len(), 32);

        // optlen 0 asks for the count: the kernel answers 4 (instructions) and writes nothing.
        let mut buf = [CANARY[0]; 2 * GUARD + 32];
        // SAFETY: with optlen 0 sk_get_filter only returns the program's length; no byte of the
        // (empty) slice is written.
        let n =
            unsafe { sys::getsockopt(&b, SOL_SOCKET, libc::SO_GET_FILTER, &mut buf[GUARD..GUARD]) };
        assert_eq!(n.unwrap(), 4);
        assert!(buf.iter().all(|&x| x == CANARY[0]));

        // A 32-byte slice, the program's size: optlen 32 reads as "room for 32 instructions",
        // the kernel copies the 4 it has (32 bytes) and returns 4, the count, not 32.
        // SAFETY: sk_get_filter writes len(prog) * 8 = 32 bytes when optlen >= 4, which the
        // 32-byte slice holds; the program holds no pointer.
        let n = unsafe {
            sys::getsockopt(
                &b,
                SOL_SOCKET,
                libc::SO_GET_FILTER,
                &mut buf[GUARD..GUARD + 32],
            )
        };
        assert_eq!(n.unwrap(), 4, "optlen comes back as instructions");
        assert_eq!(&buf[GUARD..GUARD + 32], &want[..]);
        assert!(buf[..GUARD].iter().all(|&x| x == CANARY[0]));
        assert!(buf[GUARD + 32..].iter().all(|&x| x == CANARY[0]));

        // The finding: optlen 4, which a byte-count reading takes for "4 bytes", means 4
        // instructions, so the kernel writes 32 bytes: 28 past a 4-byte buffer. Shown through
        // sys::raw with a pointer into a 160-byte buffer, so the extra bytes land in it.
        let mut big = [CANARY[0]; 2 * GUARD + 32];
        let mut len: libc::socklen_t = 4;
        // SAFETY: `big` is writable for 160 bytes from its start; with optlen 4 (>= the 4
        // instructions) sk_get_filter writes the program's 32 bytes there and 4 into `len`, a
        // live local; no pointer is involved.
        let rc = unsafe {
            raw::getsockopt(
                b.as_raw_fd(),
                SOL_SOCKET,
                libc::SO_GET_FILTER,
                big.as_mut_ptr().cast(),
                &mut len,
            )
        };
        assert_eq!((rc, len), (0, 4));
        assert_eq!(&big[..32], &want[..], "32 bytes written for optlen 4");
        assert!(big[32..].iter().all(|&x| x == CANARY[0]));

        // Room for fewer instructions than the program has: EINVAL, nothing written.
        let mut small = [CANARY[0]; 24];
        // SAFETY: optlen 3 < 4 instructions: sk_get_filter fails with EINVAL before writing.
        let r = unsafe { sys::getsockopt(&b, SOL_SOCKET, libc::SO_GET_FILTER, &mut small[..3]) };
        assert_errno(r, Errno::EINVAL, "getsockopt");
        assert!(small.iter().all(|&x| x == CANARY[0]));
    });
}
