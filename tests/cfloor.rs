//! Tests of the C floor (`c/pingpong.c`, and `c/twins.c`'s stream sender and GSO twin, through
//! `socklab::compare::cfloor`): round trips against a C echo thread, same-thread pairs, timed
//! loops and exact errors, over Unix, TCP and UDP pairs.

#[path = "common/mod.rs"]
mod common;

use common::tcp_pair_as;
use socklab::compare::cfloor;
use std::io::{self, ErrorKind};
use std::net::{Shutdown, TcpStream, UdpSocket};
use std::os::fd::OwnedFd;
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::thread::{self, JoinHandle};

/// Two UDP sockets on 127.0.0.1 port 0, each connect()ed to the other.
fn udp_pair() -> (UdpSocket, UdpSocket) {
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    a.connect(b.local_addr().unwrap()).unwrap();
    b.connect(a.local_addr().unwrap()).unwrap();
    (a, b)
}

/// Runs `sl_c_echo` on `fd` in a thread with a `cap`-byte buffer; join returns the echo count.
fn spawn_echo(fd: impl Into<OwnedFd>, cap: usize, is_stream: bool) -> JoinHandle<io::Result<u64>> {
    let fd: OwnedFd = fd.into();
    thread::spawn(move || cfloor::echo(&fd, &mut vec![0; cap], is_stream))
}

/// A message whose bytes differ from each other, so a reordering or a short copy shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| u8::try_from(i % 251).unwrap()).collect()
}

#[track_caller]
fn assert_errno(result: io::Result<impl std::fmt::Debug>, errno: i32) {
    let err = result.expect_err("expected an error");
    assert_eq!(err.raw_os_error(), Some(errno), "{err}");
}

#[track_caller]
fn assert_peer_closed(result: io::Result<impl std::fmt::Debug>) {
    let err = result.expect_err("expected the peer-closed error");
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof, "{err}");
    assert_eq!(err.raw_os_error(), None, "{err}");
}

#[test]
fn rtt_once_unix_stream_against_c_echo() {
    let (a, b) = UnixStream::pair().unwrap();
    let echo = spawn_echo(b, 4096, true);
    // 100 KiB through a 4 KiB echo buffer: exercises the partial read/write loops on both sides
    // (and stays below the two socket buffers, which is what lets write-then-read not deadlock).
    let sent = pattern(100 * 1024);
    let mut buf = sent.clone();
    cfloor::rtt_once(&a, &mut buf, true).unwrap();
    assert_eq!(buf, sent);
    drop(a);
    assert!(
        echo.join().unwrap().unwrap() >= 25,
        "100 KiB in 4 KiB reads is >= 25 echoes"
    );
}

#[test]
fn rtt_once_unix_dgram_against_c_echo() {
    let (a, b) = UnixDatagram::pair().unwrap();
    let echo = spawn_echo(b, 2048, false);
    for len in [1, 100, 2048] {
        let sent = pattern(len);
        let mut buf = sent.clone();
        cfloor::rtt_once(&a, &mut buf, false).unwrap();
        assert_eq!(buf, sent);
    }
    a.send(&[]).unwrap(); // a zero-length datagram stops the echo
    assert_eq!(echo.join().unwrap().unwrap(), 3);
}

#[test]
fn rtt_loop_tcp_against_c_echo() {
    let (client, server) = tcp_pair_as::<TcpStream>();
    let echo = spawn_echo(server, 64, true);
    let elapsed = cfloor::rtt_loop(&client, &mut pattern(64), true, 200).unwrap();
    assert!(elapsed.as_nanos() > 0);
    client.shutdown(Shutdown::Write).unwrap();
    assert_eq!(echo.join().unwrap().unwrap(), 200);
}

#[test]
fn rtt_loop_udp_against_c_echo() {
    let (client, server) = udp_pair();
    let echo = spawn_echo(server, 1472, false);
    let elapsed = cfloor::rtt_loop(&client, &mut pattern(1472), false, 200).unwrap();
    assert!(elapsed.as_nanos() > 0);
    client.send(&[]).unwrap();
    assert_eq!(echo.join().unwrap().unwrap(), 200);
}

#[test]
fn pair_once_moves_the_bytes() {
    let sent = pattern(1000);
    let check = |tx: &dyn std::os::fd::AsFd, rx: &dyn std::os::fd::AsFd, is_stream| {
        let mut buf = sent.clone();
        cfloor::pair_once(tx.as_fd(), rx.as_fd(), &mut buf, is_stream).unwrap();
        assert_eq!(buf, sent);
    };
    let (a, b) = UnixStream::pair().unwrap();
    check(&a, &b, true);
    let (a, b) = UnixDatagram::pair().unwrap();
    check(&a, &b, false);
    let (a, b) = tcp_pair_as::<TcpStream>();
    check(&a, &b, true);
    let (a, b) = udp_pair();
    check(&a, &b, false);
}

#[test]
fn pair_loop_returns_positive_nanoseconds() {
    let (a, b) = UnixStream::pair().unwrap();
    assert!(
        cfloor::pair_loop(&a, &b, &mut [0; 64], true, 1000)
            .unwrap()
            .as_nanos()
            > 0
    );
    let (a, b) = udp_pair();
    assert!(
        cfloor::pair_loop(&a, &b, &mut [0; 64], false, 1000)
            .unwrap()
            .as_nanos()
            > 0
    );
}

#[test]
fn zero_iterations_is_ok() {
    let (a, b) = UnixStream::pair().unwrap();
    cfloor::pair_loop(&a, &b, &mut [0; 8], true, 0).unwrap();
    cfloor::rtt_loop(&a, &mut [0; 8], true, 0).unwrap();
}

#[test]
fn closed_peer_is_epipe() {
    let (a, b) = UnixStream::pair().unwrap();
    drop(b);
    // Rust's runtime ignores SIGPIPE, so write() returns EPIPE instead of killing the test.
    assert_errno(cfloor::rtt_once(&a, &mut [1; 16], true), libc::EPIPE);
    assert_errno(cfloor::rtt_loop(&a, &mut [1; 16], true, 10), libc::EPIPE);
    let (tx, rx) = UnixStream::pair().unwrap();
    drop(rx);
    assert_errno(cfloor::pair_once(&tx, &tx, &mut [1; 16], true), libc::EPIPE);
}

#[test]
fn peer_shut_down_before_replying_is_peer_closed() {
    // The write succeeds (the peer still has its read side), the read returns 0.
    let (a, b) = UnixStream::pair().unwrap();
    b.shutdown(Shutdown::Write).unwrap();
    assert_peer_closed(cfloor::rtt_once(&a, &mut [1; 16], true));
    let (client, server) = tcp_pair_as::<TcpStream>();
    server.shutdown(Shutdown::Write).unwrap();
    assert_peer_closed(cfloor::rtt_loop(&client, &mut [1; 16], true, 10));
}

#[test]
fn echo_counts_zero_when_peer_closes_first() {
    let (a, b) = UnixStream::pair().unwrap();
    drop(a);
    assert_eq!(cfloor::echo(&b, &mut [0; 16], true).unwrap(), 0);
}

#[test]
fn errors_on_non_sockets_and_bad_counts() {
    let (a, _b) = UnixStream::pair().unwrap();
    // A read-only fd: write() fails with EBADF before anything is read.
    let file = std::fs::File::open("/proc/self/stat").unwrap();
    assert_errno(cfloor::pair_once(&file, &a, &mut [0; 4], true), libc::EBADF);
    assert_errno(
        cfloor::rtt_loop(&a, &mut [0; 4], true, u64::MAX),
        libc::EINVAL,
    );
}

#[test]
fn send_msg_recv_msg_move_one_message() {
    // A stream: 100 KiB in one call each way (the reader thread drains while C writes).
    let (a, b) = UnixStream::pair().unwrap();
    let sent = pattern(100 * 1024);
    let reader = thread::spawn(move || {
        let mut got = vec![0; 100 * 1024];
        let n = cfloor::recv_msg(&b, &mut got, true).map(|n| (n, got));
        (n, b)
    });
    cfloor::send_msg(&a, &sent, true).unwrap();
    let (got, _b) = reader.join().unwrap();
    let (n, got) = got.unwrap();
    assert_eq!(n, sent.len());
    assert_eq!(got, sent);

    // Datagrams: one write, one read; a shorter datagram returns its own length.
    let (a, b) = udp_pair();
    cfloor::send_msg(&a, &pattern(300), false).unwrap();
    let mut buf = vec![0; 1000];
    assert_eq!(cfloor::recv_msg(&b, &mut buf, false).unwrap(), 300);
    assert_eq!(buf[..300], pattern(300)[..]);
    let (a, b) = UnixDatagram::pair().unwrap();
    cfloor::send_msg(&a, &pattern(5), false).unwrap();
    // A 2-byte buffer: the datagram is truncated to 2, as read() does.
    assert_eq!(cfloor::recv_msg(&b, &mut [0; 2], false).unwrap(), 2);
}

#[test]
fn recv_msg_empty_stream_buffer_reads_nothing() {
    let (_a, b) = UnixStream::pair().unwrap();
    // Would block forever if it called read(); returns 0 without a call.
    assert_eq!(cfloor::recv_msg(&b, &mut [], true).unwrap(), 0);
}

#[test]
fn recv_msg_eof_and_empty_datagram_are_peer_closed() {
    let (a, b) = UnixStream::pair().unwrap();
    cfloor::send_msg(&a, b"abc", true).unwrap();
    drop(a);
    // 3 of 8 bytes, then EOF mid-message.
    assert_peer_closed(cfloor::recv_msg(&b, &mut [0; 8], true));
    let (a, b) = UnixDatagram::pair().unwrap();
    cfloor::send_msg(&a, &[], false).unwrap();
    assert_peer_closed(cfloor::recv_msg(&b, &mut [0; 8], false));
}

#[test]
fn send_msg_recv_msg_errors() {
    let (a, b) = UnixStream::pair().unwrap();
    drop(b);
    assert_errno(cfloor::send_msg(&a, &[1; 16], true), libc::EPIPE);
    // Nothing queued on a non-blocking socket: read() fails with EAGAIN, not retried.
    let (a, _b) = UnixDatagram::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    assert_errno(cfloor::recv_msg(&a, &mut [0; 8], false), libc::EAGAIN);
    // A read-only fd cannot be written: EBADF.
    let file = std::fs::File::open("/proc/self/stat").unwrap();
    assert_errno(cfloor::send_msg(&file, &[0; 4], false), libc::EBADF);
    // A datagram larger than the send buffer allows: EMSGSIZE.
    let (a, _b) = UnixDatagram::pair().unwrap();
    assert_errno(
        cfloor::send_msg(&a, &vec![0; 4 << 20], false),
        libc::EMSGSIZE,
    );
}

/// `c/twins.c`'s stream sender: `k` messages back to back with the twin's syscalls, every one
/// arriving whole, and the first error returned.
#[test]
fn twin_send_stream_sends_k_messages() {
    use cfloor::twins::{self, Call};
    let (a, b) = UnixDatagram::pair().unwrap();
    twins::send_stream(Call::SendtoRecvfrom, &a, &pattern(40), false, None, 5).unwrap();
    let mut buf = [0; 64];
    for _ in 0..5 {
        let n = twins::recv_msg(Call::SendtoRecvfrom, &b, &mut buf, false).unwrap();
        assert_eq!(buf[..n], pattern(40)[..]);
    }
    b.set_nonblocking(true).unwrap();
    assert_errno(
        twins::recv_msg(Call::SendtoRecvfrom, &b, &mut buf, false),
        libc::EAGAIN,
    );
    // A stream: 3 messages of 10 KiB arrive as 30 KiB in order.
    let (a, mut b) = UnixStream::pair().unwrap();
    twins::send_stream(Call::SendRecv, &a, &pattern(10 * 1024), true, None, 3).unwrap();
    let mut got = vec![0; 30 * 1024];
    std::io::Read::read_exact(&mut b, &mut got).unwrap();
    assert_eq!(got[20 * 1024..], pattern(10 * 1024)[..]);
    // k = 0 sends nothing; a closed peer is EPIPE.
    twins::send_stream(Call::ReadWrite, &a, &[1; 8], true, None, 0).unwrap();
    drop(b);
    assert_errno(
        twins::send_stream(Call::ReadWrite, &a, &[1; 8], true, None, 1),
        libc::EPIPE,
    );
}

/// `c-gso`: `sendmsg` with a `UDP_SEGMENT` cmsg of up to `segs` datagrams, `recvmsg` with
/// `UDP_GRO` on counting the datagrams in each coalesced receive; every datagram arrives.
#[test]
fn c_gso_sends_segments_and_counts_gro_batches() {
    use cfloor::twins::Gso;
    use socklab::sys::{self, opt::UdpGro};
    let (a, b) = udp_pair();
    sys::set_opt(&b, UdpGro, true).unwrap();
    let mut g = Gso::new(100, 8).unwrap();
    assert_eq!((g.size(), g.segments()), (100, 8));
    g.send(&a, 20).unwrap(); // 8 + 8 + 4
    let (mut datagrams, mut recvs, mut seg) = (0, 0, None);
    b.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    while datagrams < 20 {
        let (n, s) = g.recv(&b).unwrap();
        datagrams += n;
        recvs += 1;
        seg = seg.or(s);
    }
    assert_eq!(datagrams, 20);
    assert!(recvs <= 20, "{recvs}");
    // GRO reports the segment size once it coalesces (one skb per GSO send on loopback).
    if recvs < 20 {
        assert_eq!(seg, Some(100));
    }
    // Without UDP_GRO each datagram is its own receive, with no segment size.
    let (a, b) = udp_pair();
    g.send(&a, 3).unwrap();
    for _ in 0..3 {
        assert_eq!(g.recv(&b).unwrap(), (1, None));
    }
    // The single calls outside stream mode: one plain sendmsg / recvmsg.
    let (a, b) = udp_pair();
    assert_eq!(cfloor::twins::gso_send_one(&a, &pattern(33)).unwrap(), 33);
    let mut buf = [0; 64];
    assert_eq!(cfloor::twins::gso_recv_one(&b, &mut buf).unwrap(), 33);
    assert_eq!(buf[..33], pattern(33)[..]);
    // Out-of-range sizes are refused before C runs.
    assert_errno(Gso::new(0, 8).map(drop), libc::EINVAL);
    assert_errno(Gso::new(70_000, 1).map(drop), libc::EINVAL);
    assert_errno(Gso::new(64, 0).map(drop), libc::EINVAL);
    // A socket that is not connected cannot send without an address.
    let lone = UdpSocket::bind("127.0.0.1:0").unwrap();
    assert_errno(g.send(&lone, 1), libc::EDESTADDRREQ);
}
