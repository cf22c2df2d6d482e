//! Tests: every `sys` wrapper and every `Socket` method on real transports — TCP and UDP over
//! IPv4 and IPv6, Unix stream/datagram/seqpacket by path, abstract name and socketpair.

use std::io::{Read, Write};
use std::mem::MaybeUninit;
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::raw::c_int;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};

use socklab::sys::{
    self, FcntlArg, PollFd, AF_INET, AF_INET6, AF_UNIX, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_PEEK,
    MSG_TRUNC, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_SEQPACKET, SOCK_STREAM,
};
use socklab::{Errno, SockAddr, Socket};

use crate::common::{
    abstract_name, assert_errno, fd_count_unchanged, fd_lock, fd_table, is_cloexec, is_nonblocking,
    no_leak, open_fds, port_of, v4_any, v6_any, TempPath,
};

/// A listening socket of `domain`/`ty` bound to `addr`, a client connected to it and the accepted
/// server side: `(listener, client, server, peer address accept reported)`.
fn connected(domain: c_int, ty: c_int, addr: &SockAddr) -> (OwnedFd, OwnedFd, OwnedFd, SockAddr) {
    let lst = sys::socket(domain, ty, 0).unwrap();
    sys::bind(&lst, addr).unwrap();
    sys::listen(&lst, 4).unwrap();
    let local = sys::getsockname(&lst).unwrap();
    let cli = sys::socket(domain, ty, 0).unwrap();
    sys::connect(&cli, &local).unwrap();
    let mut peer = SockAddr::empty();
    let srv = sys::accept(&lst, Some(&mut peer)).unwrap();
    (lst, cli, srv, peer)
}

/// Reads once into a fresh buffer and returns what arrived.
fn read_some(fd: impl AsFd) -> Vec<u8> {
    let mut buf = [0u8; 256];
    let n = sys::read(fd, &mut buf[..]).unwrap();
    buf[..n].to_vec()
}

/// Every byte-moving call on a connected stream pair, both directions: write/read, send/recv,
/// MSG_PEEK, read into `MaybeUninit`, then shutdown(SHUT_WR) giving the peer end-of-stream.
fn exchange_stream(a: &OwnedFd, b: &OwnedFd) {
    assert_eq!(sys::write(a, b"hello").unwrap(), 5);
    assert_eq!(read_some(b), b"hello");

    assert_eq!(sys::send(b, b"world!", 0).unwrap(), 6);
    let mut buf = [0u8; 64];
    let n = sys::recv(a, &mut buf[..], MSG_PEEK).unwrap();
    assert_eq!(&buf[..n], b"world!", "MSG_PEEK sees the bytes");
    let n = sys::recv(a, &mut buf[..], 0).unwrap();
    assert_eq!(&buf[..n], b"world!", "and leaves them for the next recv");

    sys::write(a, b"uninit").unwrap();
    let mut ubuf = [MaybeUninit::<u8>::uninit(); 64];
    let (got, n) = sys::read(b, &mut ubuf[..]).unwrap();
    assert_eq!((&*got, n), (&b"uninit"[..], 6));

    sys::shutdown(a, Shutdown::Write).unwrap();
    assert_eq!(sys::read(b, &mut buf[..]).unwrap(), 0, "EOF after SHUT_WR");
    // The other direction still works after a half close.
    sys::write(b, b"back").unwrap();
    assert_eq!(read_some(a), b"back");
}

/// The TCP cycle over one address family: bind port 0, read it back, accept reports the client's
/// address, getpeername/getsockname agree on both ends, bytes move, recvfrom reports no address.
fn tcp_cycle(domain: c_int, any: &SockAddr) {
    let (lst, cli, srv, peer) = connected(domain, SOCK_STREAM, any);
    let local = sys::getsockname(&lst).unwrap();
    assert_ne!(port_of(&local), 0, "the kernel picked a port");
    assert_eq!(
        local.as_socket().unwrap().ip(),
        any.as_socket().unwrap().ip()
    );
    assert_eq!(peer, sys::getsockname(&cli).unwrap());
    assert_eq!(sys::getpeername(&cli).unwrap(), local);
    assert_eq!(sys::getpeername(&srv).unwrap(), peer);
    assert_eq!(sys::getsockname(&srv).unwrap(), local);

    sys::send(&cli, b"x", 0).unwrap();
    let mut buf = [0u8; 8];
    let (n, from) = sys::recvfrom(&srv, &mut buf[..], 0).unwrap();
    assert_eq!(
        (&buf[..n], from),
        (&b"x"[..], None),
        "TCP writes no sender address"
    );

    exchange_stream(&cli, &srv);
    sys::close(srv).unwrap();
    sys::close(cli).unwrap();
    sys::close(lst).unwrap();
}

#[test]
fn tcp_v4_bind_listen_accept_connect_and_move_bytes() {
    no_leak(|| tcp_cycle(AF_INET, &v4_any()));
}

#[test]
fn tcp_v6_bind_listen_accept_connect_and_move_bytes() {
    no_leak(|| tcp_cycle(AF_INET6, &v6_any()));
}

/// Two UDP sockets of one family: sendto/recvfrom report the sender, boundaries are kept, a
/// connected socket uses send/recv/write/read and knows its peer.
fn udp_cycle(domain: c_int, any: &SockAddr) {
    let a = sys::socket(domain, SOCK_DGRAM, 0).unwrap();
    let b = sys::socket(domain, SOCK_DGRAM, 0).unwrap();
    sys::bind(&a, any).unwrap();
    sys::bind(&b, any).unwrap();
    let (a_addr, b_addr) = (sys::getsockname(&a).unwrap(), sys::getsockname(&b).unwrap());
    assert_ne!(port_of(&a_addr), 0);
    assert_ne!(port_of(&a_addr), port_of(&b_addr));

    assert_eq!(sys::sendto(&a, b"one", 0, &b_addr).unwrap(), 3);
    assert_eq!(sys::sendto(&a, b"two!", 0, &b_addr).unwrap(), 4);
    let mut buf = [0u8; 64];
    let (n, from) = sys::recvfrom(&b, &mut buf[..], 0).unwrap();
    assert_eq!((&buf[..n], from), (&b"one"[..], Some(a_addr)));
    let (n, from) = sys::recvfrom(&b, &mut buf[..], 0).unwrap();
    assert_eq!(
        (&buf[..n], from),
        (&b"two!"[..], Some(a_addr)),
        "one datagram per call"
    );

    sys::connect(&a, &b_addr).unwrap();
    sys::connect(&b, &a_addr).unwrap();
    assert_eq!(sys::getpeername(&a).unwrap(), b_addr);
    sys::send(&a, b"sent", 0).unwrap();
    assert_eq!(sys::recv(&b, &mut buf[..], 0).unwrap(), 4);
    assert_eq!(&buf[..4], b"sent");
    sys::write(&b, b"written").unwrap();
    assert_eq!(read_some(&a), b"written");
}

#[test]
fn udp_v4_sendto_recvfrom_and_connected_send_recv() {
    no_leak(|| udp_cycle(AF_INET, &v4_any()));
}

#[test]
fn udp_v6_sendto_recvfrom_and_connected_send_recv() {
    no_leak(|| udp_cycle(AF_INET6, &v6_any()));
}

#[test]
fn udp_recv_into_uninit_buffer_with_msg_trunc_reports_full_length() {
    no_leak(|| {
        let a = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        sys::bind(&a, &v4_any()).unwrap();
        let to = sys::getsockname(&a).unwrap();
        sys::sendto(&a, b"0123456789", 0, &to).unwrap();
        sys::sendto(&a, b"abcdef", 0, &to).unwrap();

        let mut buf = [MaybeUninit::<u8>::uninit(); 4];
        let (got, n) = sys::recv(&a, &mut buf[..], MSG_TRUNC).unwrap();
        assert_eq!(
            (&*got, n),
            (&b"0123"[..], 10),
            "MSG_TRUNC: C's value is the full size"
        );
        let ((got, n), from) = sys::recvfrom(&a, &mut buf[..], 0).unwrap();
        assert_eq!(
            (&*got, n, from),
            (&b"abcd"[..], 4, Some(to)),
            "without it, what fit"
        );
    });
}

#[test]
fn unix_stream_by_path_binds_a_file_that_outlives_the_socket_until_removed() {
    no_leak(|| {
        let path = TempPath::new("stream");
        let (lst, cli, srv, peer) = connected(AF_UNIX, SOCK_STREAM, &path.addr());
        let meta = std::fs::symlink_metadata(&path.0).unwrap();
        assert!(meta.file_type().is_socket(), "bind created a socket file");
        assert_eq!(sys::getsockname(&lst).unwrap(), path.addr());
        assert_eq!(sys::getpeername(&cli).unwrap(), path.addr());
        assert!(peer.is_unnamed(), "an unbound client is unnamed: {peer}");
        assert!(sys::getsockname(&cli).unwrap().is_unnamed());

        // The accepted socket inherits the listener's name, so what it sends carries it.
        sys::write(&srv, b"from server").unwrap();
        let mut buf = [0u8; 32];
        let (n, from) = sys::recvfrom(&cli, &mut buf[..], 0).unwrap();
        assert_eq!((&buf[..n], from), (&b"from server"[..], Some(path.addr())));

        exchange_stream(&cli, &srv);
        drop((lst, cli, srv));
        assert!(
            path.0.exists(),
            "closing does not unlink: that is the program's job"
        );
        let p = path.0.clone();
        drop(path);
        assert!(!p.exists());
    });
}

#[test]
fn unix_datagram_by_path_reports_sender_path_or_none_when_unbound() {
    no_leak(|| {
        let (rx_path, tx_path) = (TempPath::new("dgram-rx"), TempPath::new("dgram-tx"));
        let rx = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let tx = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::bind(&rx, &rx_path.addr()).unwrap();
        sys::sendto(&tx, b"anon", 0, &rx_path.addr()).unwrap();
        let mut buf = [0u8; 16];
        // Received before tx is bound: Linux reads the sender's name when the datagram is
        // received, not when it is sent.
        let (n, from) = sys::recvfrom(&rx, &mut buf[..], 0).unwrap();
        assert_eq!(
            (&buf[..n], from),
            (&b"anon"[..], None),
            "unbound sender: no address"
        );

        sys::bind(&tx, &tx_path.addr()).unwrap();
        sys::sendto(&tx, b"named", 0, &rx_path.addr()).unwrap();
        let (n, from) = sys::recvfrom(&rx, &mut buf[..], 0).unwrap();
        assert_eq!((&buf[..n], from), (&b"named"[..], Some(tx_path.addr())));

        sys::connect(&tx, &rx_path.addr()).unwrap();
        assert_eq!(sys::getpeername(&tx).unwrap(), rx_path.addr());
        sys::send(&tx, b"connected", 0).unwrap();
        assert_eq!(read_some(&rx), b"connected");
    });
}

/// Checks a connected SOCK_SEQPACKET pair keeps records: two writes are two reads, a short buffer
/// drops the rest of its record, and MSG_TRUNC reports the record's full length.
fn check_seqpacket_records(a: &OwnedFd, b: &OwnedFd) {
    sys::write(a, b"abc").unwrap();
    sys::write(a, b"defgh").unwrap();
    assert_eq!(
        read_some(b),
        b"abc",
        "one record per read, not a byte stream"
    );
    assert_eq!(read_some(b), b"defgh");

    sys::write(a, b"truncated").unwrap();
    sys::write(a, b"next").unwrap();
    let mut small = [0u8; 5];
    assert_eq!(sys::recv(b, &mut small[..], 0).unwrap(), 5);
    assert_eq!(&small, b"trunc");
    assert_eq!(
        read_some(b),
        b"next",
        "the rest of the short-read record is gone"
    );

    sys::send(a, b"0123456", 0).unwrap();
    let mut ubuf = [MaybeUninit::<u8>::uninit(); 3];
    let (got, n) = sys::recv(b, &mut ubuf[..], MSG_TRUNC).unwrap();
    assert_eq!((&*got, n), (&b"012"[..], 7));
}

#[test]
fn unix_seqpacket_by_path_keeps_message_boundaries() {
    no_leak(|| {
        let path = TempPath::new("seqpacket");
        let (_lst, cli, srv, peer) = connected(AF_UNIX, SOCK_SEQPACKET, &path.addr());
        assert!(peer.is_unnamed());
        check_seqpacket_records(&cli, &srv);
        check_seqpacket_records(&srv, &cli);
    });
}

#[test]
fn socketpair_stream_dgram_and_seqpacket_are_connected_and_unnamed() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        assert!(sys::getsockname(&a).unwrap().is_unnamed());
        assert!(sys::getpeername(&a).unwrap().is_unnamed());
        exchange_stream(&a, &b);

        let (a, b) = sys::socketpair(AF_UNIX, SOCK_SEQPACKET, 0).unwrap();
        check_seqpacket_records(&a, &b);

        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::send(&a, b"d1", 0).unwrap();
        sys::send(&a, b"d2", 0).unwrap();
        assert_eq!(read_some(&b), b"d1");
        assert_eq!(read_some(&b), b"d2");
    });
}

#[test]
fn abstract_unix_names_bind_connect_and_show_in_proc_net_unix() {
    no_leak(|| {
        let name = abstract_name("abstract");
        let addr = SockAddr::unix_abstract(&name).unwrap();
        let (lst, cli, srv, _) = connected(AF_UNIX, SOCK_STREAM, &addr);
        assert_eq!(sys::getsockname(&lst).unwrap(), addr);
        assert_eq!(sys::getpeername(&cli).unwrap(), addr);
        let shown = format!("@{}", String::from_utf8(name.clone()).unwrap());
        assert_eq!(addr.to_string(), shown);
        let table = std::fs::read_to_string("/proc/net/unix").unwrap();
        assert!(
            table.contains(&shown),
            "the kernel lists {shown} in /proc/net/unix"
        );
        exchange_stream(&cli, &srv);
        drop((lst, cli, srv));
        let table = std::fs::read_to_string("/proc/net/unix").unwrap();
        assert!(
            !table.contains(&shown),
            "an abstract name goes away with its socket"
        );
    });
}

#[test]
fn binding_an_unnamed_unix_address_autobinds_an_abstract_name() {
    no_leak(|| {
        let fd = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        sys::bind(&fd, &SockAddr::unix_unnamed()).unwrap();
        let got = sys::getsockname(&fd).unwrap();
        let name = got
            .as_abstract_name()
            .expect("autobind gives an abstract name");
        assert_eq!(
            name.len(),
            5,
            "Linux autobind names are five hex digits: {got}"
        );
        assert!(name.iter().all(u8::is_ascii_hexdigit));
    });
}

#[test]
fn socket_passes_type_flags_exactly_no_hidden_cloexec() {
    no_leak(|| {
        let plain = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        assert!(!is_cloexec(&plain), "sys::socket adds no SOCK_CLOEXEC");
        assert!(!is_nonblocking(&plain));
        let both = sys::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0).unwrap();
        assert!(is_cloexec(&both));
        assert!(is_nonblocking(&both));
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0).unwrap();
        assert!(is_cloexec(&a) && is_cloexec(&b));
    });
}

#[test]
fn accept4_sets_exactly_the_flags_given_and_accept_none() {
    no_leak(|| {
        let (lst, _cli, plain, _) = connected(AF_INET, SOCK_STREAM, &v4_any());
        assert!(
            !is_cloexec(&plain),
            "accept adds no CLOEXEC (std's accept does)"
        );
        let to = sys::getsockname(&lst).unwrap();
        let clients: Vec<OwnedFd> = (0..3)
            .map(|_| {
                let c = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
                sys::connect(&c, &to).unwrap();
                c
            })
            .collect();

        let mut peer = SockAddr::empty();
        let cloexec = sys::accept4(&lst, Some(&mut peer), SOCK_CLOEXEC).unwrap();
        assert_eq!(peer, sys::getsockname(&clients[0]).unwrap());
        assert!(is_cloexec(&cloexec));
        assert!(!is_nonblocking(&cloexec));

        // The listener's O_NONBLOCK is not inherited by accepted sockets on Linux.
        sys::fcntl(&lst, FcntlArg::SetFl(libc::O_NONBLOCK | libc::O_RDWR)).unwrap();
        let nonblock = sys::accept4(&lst, None, SOCK_NONBLOCK).unwrap();
        assert!(is_nonblocking(&nonblock));
        assert!(!is_cloexec(&nonblock));
        let none = sys::accept4(&lst, None, 0).unwrap();
        assert!(!is_nonblocking(&none) && !is_cloexec(&none));
        assert_errno(sys::accept4(&lst, None, 0), Errno::EAGAIN, "accept4");
    });
}

#[test]
fn fcntl_toggles_o_nonblock_and_fd_cloexec_as_a_raw_fcntl_sees_them() {
    no_leak(|| {
        let (a, _b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let fl = sys::fcntl(&a, FcntlArg::GetFl).unwrap();
        assert_eq!(fl & libc::O_NONBLOCK, 0);
        assert_eq!(
            sys::fcntl(&a, FcntlArg::SetFl(fl | libc::O_NONBLOCK)).unwrap(),
            0
        );
        assert!(is_nonblocking(&a));
        assert_errno(sys::read(&a, &mut [0u8; 4][..]), Errno::EAGAIN, "read");
        sys::fcntl(&a, FcntlArg::SetFl(fl)).unwrap();
        assert!(!is_nonblocking(&a));

        assert_eq!(sys::fcntl(&a, FcntlArg::GetFd).unwrap(), 0);
        sys::fcntl(&a, FcntlArg::SetFd(libc::FD_CLOEXEC)).unwrap();
        assert!(is_cloexec(&a));
        assert_eq!(sys::fcntl(&a, FcntlArg::GetFd).unwrap(), libc::FD_CLOEXEC);
    });
}

#[test]
fn poll_reports_timeout_pollin_pollout_and_hangup() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let mut fds = [
            PollFd::new(a.as_fd(), libc::POLLIN),
            PollFd::new(b.as_fd(), libc::POLLIN | libc::POLLOUT),
        ];
        assert_eq!(
            sys::poll(&mut fds, 0).unwrap(),
            1,
            "only b is ready (writable)"
        );
        assert_eq!(fds[0].revents(), 0);
        assert_eq!(fds[1].revents(), libc::POLLOUT);
        assert_eq!(fds[1].events(), libc::POLLIN | libc::POLLOUT);
        assert_eq!(fds[1].as_fd().as_raw_fd(), b.as_raw_fd());

        sys::write(&b, b"x").unwrap();
        assert_eq!(sys::poll(&mut fds[..1], 1000).unwrap(), 1);
        assert_eq!(fds[0].revents(), libc::POLLIN);

        let mut fds = [PollFd::new(a.as_fd(), libc::POLLIN)];
        drop(b);
        sys::poll(&mut fds, 1000).unwrap();
        assert_eq!(
            fds[0].revents(),
            libc::POLLIN | libc::POLLHUP,
            "peer closed"
        );
        assert_eq!(
            sys::poll::<sys::PollFd>(&mut [], 0).unwrap(),
            0,
            "no fds: a plain timeout"
        );
    });
}

#[test]
fn shutdown_read_write_and_both() {
    no_leak(|| {
        let (_lst, cli, srv, _) = connected(AF_INET, SOCK_STREAM, &v4_any());
        sys::shutdown(&srv, Shutdown::Read).unwrap();
        assert_eq!(
            sys::read(&srv, &mut [0u8; 4][..]).unwrap(),
            0,
            "SHUT_RD reads EOF"
        );
        sys::shutdown(&cli, Shutdown::Both).unwrap();
        assert_errno(sys::send(&cli, b"x", MSG_NOSIGNAL), Errno::EPIPE, "send");
        assert_eq!(read_some(&srv), b"", "the peer sees the FIN");
    });
}

#[test]
fn close_releases_the_fd_number() {
    no_leak(|| {
        let before = open_fds();
        let fd = sys::socket(AF_INET6, SOCK_DGRAM, 0).unwrap();
        assert_eq!(open_fds(), before + 1);
        sys::close(fd).unwrap();
        assert_eq!(open_fds(), before);
    });
}

#[test]
fn getsockname_of_unbound_sockets_is_the_wildcard_or_unnamed() {
    no_leak(|| {
        let v4 = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        assert_eq!(sys::getsockname(&v4).unwrap().to_string(), "0.0.0.0:0");
        let v6 = sys::socket(AF_INET6, SOCK_DGRAM, 0).unwrap();
        assert_eq!(sys::getsockname(&v6).unwrap().to_string(), "[::]:0");
        let un = sys::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        let got = sys::getsockname(&un).unwrap();
        assert!(got.is_unnamed());
        assert_eq!(got.to_string(), "(unnamed)");
    });
}

#[test]
fn recv_dontwait_returns_eagain_then_data() {
    no_leak(|| {
        let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let mut buf = [0u8; 8];
        assert_errno(
            sys::recv(&a, &mut buf[..], MSG_DONTWAIT),
            Errno::EAGAIN,
            "recv",
        );
        assert!(
            !is_nonblocking(&a),
            "MSG_DONTWAIT is per call, not a file flag"
        );
        sys::send(&b, b"ok", 0).unwrap();
        assert_eq!(sys::recv(&a, &mut buf[..], MSG_DONTWAIT).unwrap(), 2);
    });
}

// ---- Socket, the RAII layer ----

#[test]
fn socket_methods_mirror_sys_over_tcp() {
    no_leak(|| {
        let lst = Socket::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        lst.bind(&v4_any()).unwrap();
        lst.listen(2).unwrap();
        let to = lst.getsockname().unwrap();
        assert_ne!(port_of(&to), 0);
        let cli = Socket::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        cli.connect(&to).unwrap();
        let (srv, peer) = lst.accept().unwrap();
        assert_eq!(peer, cli.getsockname().unwrap());
        assert_eq!(cli.getpeername().unwrap(), to);
        assert!(!is_cloexec(&srv));

        assert_eq!(cli.write(b"ping").unwrap(), 4);
        let mut buf = [0u8; 16];
        assert_eq!(srv.read(&mut buf).unwrap(), 4);
        assert_eq!(srv.send(b"pong", 0).unwrap(), 4);
        assert_eq!(cli.recv(&mut buf, MSG_PEEK).unwrap(), 4);
        assert_eq!(cli.recvfrom(&mut buf, 0).unwrap(), (4, None));
        assert_eq!(&buf[..4], b"pong");

        let cli2 = Socket::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        cli2.connect(&to).unwrap();
        let (srv2, _) = lst.accept4(SOCK_CLOEXEC).unwrap();
        assert!(is_cloexec(&srv2));

        cli.shutdown(Shutdown::Write).unwrap();
        assert_eq!(srv.read(&mut buf).unwrap(), 0);
        srv.close().unwrap();
        cli.close().unwrap();
    });
}

#[test]
fn socket_methods_mirror_sys_over_udp_v6() {
    no_leak(|| {
        let a = Socket::socket(AF_INET6, SOCK_DGRAM, 0).unwrap();
        let b = Socket::socket(AF_INET6, SOCK_DGRAM, 0).unwrap();
        a.bind(&v6_any()).unwrap();
        b.bind(&v6_any()).unwrap();
        assert_eq!(a.sendto(b"dgram", 0, &b.getsockname().unwrap()).unwrap(), 5);
        let mut buf = [0u8; 16];
        let (n, from) = b.recvfrom(&mut buf, 0).unwrap();
        assert_eq!(
            (&buf[..n], from),
            (&b"dgram"[..], Some(a.getsockname().unwrap()))
        );
        let err = b.recv(&mut buf, MSG_DONTWAIT).unwrap_err();
        assert_eq!(err.code(), Errno::EAGAIN);
    });
}

#[test]
fn socket_read_write_traits_on_owned_and_borrowed() {
    no_leak(|| {
        let (mut a, b) = Socket::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        a.write_all(b"through io::Write").unwrap();
        a.flush().unwrap();
        let mut got = [0u8; 17];
        (&b).read_exact(&mut got).unwrap();
        assert_eq!(&got, b"through io::Write");

        (&b).write_all(b"borrowed").unwrap();
        (&b).flush().unwrap();
        drop(b);
        let mut rest = String::new();
        a.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "borrowed", "read_to_string stops at EOF");
    });
}

#[test]
fn socket_io_errors_keep_their_kind() {
    no_leak(|| {
        let (mut a, _b) = Socket::socketpair(AF_UNIX, SOCK_STREAM, 0).unwrap();
        a.set_nonblocking(true).unwrap();
        let err = Read::read(&mut a, &mut [0u8; 4]).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
        let inner = err
            .get_ref()
            .unwrap()
            .downcast_ref::<socklab::Error>()
            .unwrap();
        assert_eq!((inner.code(), inner.call()), (Errno::EAGAIN, "read"));
    });
}

#[test]
fn socket_set_nonblocking_and_cloexec_keep_other_flags() {
    no_leak(|| {
        let s = Socket::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        let fl = sys::fcntl(&s, FcntlArg::GetFl).unwrap();
        s.set_nonblocking(true).unwrap();
        assert!(is_nonblocking(&s));
        assert_eq!(
            sys::fcntl(&s, FcntlArg::GetFl).unwrap(),
            fl | libc::O_NONBLOCK
        );
        s.set_nonblocking(true).unwrap();
        s.set_nonblocking(false).unwrap();
        assert_eq!(sys::fcntl(&s, FcntlArg::GetFl).unwrap(), fl);
        s.set_cloexec(true).unwrap();
        assert!(is_cloexec(&s));
        s.set_cloexec(false).unwrap();
        assert!(!is_cloexec(&s));
    });
}

#[test]
fn socket_round_trips_through_owned_fd_and_raw_fd() {
    no_leak(|| {
        let (a, b) = Socket::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let n = a.as_raw_fd();
        let owned = OwnedFd::from(a);
        assert_eq!(owned.as_raw_fd(), n, "the same fd, not a dup");
        let a = Socket::from(owned);
        a.send(b"still works", 0).unwrap();
        assert_eq!(read_some(&b), b"still works");
        assert_eq!(a.as_fd().as_raw_fd(), n);
        let raw = std::os::fd::IntoRawFd::into_raw_fd(a);
        assert_eq!(raw, n);
        // SAFETY: `raw` came from into_raw_fd just above, so nothing else owns it; this is
        // its one close.
        assert_eq!(unsafe { sys::raw::close(raw) }, 0);
    });
}

/// Converts `s` to the std type `T` and back, checking the fd is handed over, not duplicated.
fn via_std<T>(s: Socket, use_it: impl FnOnce(&T)) -> Socket
where
    T: From<Socket> + AsRawFd,
    Socket: From<T>,
{
    let n = s.as_raw_fd();
    let t = T::from(s);
    assert_eq!(t.as_raw_fd(), n);
    use_it(&t);
    let back = Socket::from(t);
    assert_eq!(back.as_raw_fd(), n);
    back
}

#[test]
fn socket_converts_to_and_from_tcp_listener_and_tcp_stream() {
    no_leak(|| {
        let lst = Socket::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        lst.bind(&v4_any()).unwrap();
        lst.listen(2).unwrap();
        let to = lst.getsockname().unwrap().as_socket().unwrap();
        let cli = Socket::from(TcpStream::connect(to).unwrap());
        let mut accepted = None;
        let lst = via_std::<TcpListener>(lst, |l| {
            assert_eq!(l.local_addr().unwrap(), to);
            accepted = Some(l.accept().unwrap().0);
        });
        assert!(is_cloexec(&cli), "std's TcpStream::connect sets CLOEXEC");
        let srv = Socket::from(accepted.unwrap());
        let cli = via_std::<TcpStream>(cli, |s| {
            assert_eq!(s.peer_addr().unwrap(), to);
            (&*s).write_all(b"std").unwrap();
        });
        let mut buf = [0u8; 3];
        (&srv).read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"std");
        cli.write(b"back").unwrap();
        assert_eq!(srv.read(&mut buf).unwrap(), 3);
        let std_lst = TcpListener::bind("127.0.0.1:0").unwrap();
        let from_std = Socket::from(std_lst);
        assert!(
            is_cloexec(&from_std),
            "std sets CLOEXEC; the conversion keeps it"
        );
        drop(lst);
    });
}

#[test]
fn socket_converts_to_and_from_udp_socket() {
    no_leak(|| {
        let s = Socket::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        s.bind(&v4_any()).unwrap();
        let me = s.getsockname().unwrap();
        let s = via_std::<UdpSocket>(s, |u| {
            assert_eq!(u.local_addr().unwrap(), me.as_socket().unwrap());
            u.send_to(b"self", me.as_socket().unwrap()).unwrap();
        });
        assert!(!is_cloexec(&s), "no flag changed by the round trip");
        let mut buf = [0u8; 8];
        assert_eq!(s.recvfrom(&mut buf, 0).unwrap(), (4, Some(me)));
    });
}

#[test]
fn socket_converts_to_and_from_unix_listener_stream_and_datagram() {
    no_leak(|| {
        let path = TempPath::new("std-unix");
        let lst = Socket::socket(AF_UNIX, SOCK_STREAM, 0).unwrap();
        lst.bind(&path.addr()).unwrap();
        lst.listen(1).unwrap();
        let cli = Socket::from(UnixStream::connect(&path.0).unwrap());
        let mut srv = None;
        let _lst = via_std::<UnixListener>(lst, |l| {
            assert_eq!(
                l.local_addr().unwrap().as_pathname(),
                Some(path.0.as_path())
            );
            srv = Some(Socket::from(l.accept().unwrap().0));
        });
        let srv = srv.unwrap();
        let cli = via_std::<UnixStream>(cli, |s| (&*s).write_all(b"unix").unwrap());
        assert_eq!(read_some(&srv), b"unix");
        srv.write(b"ok").unwrap();
        assert_eq!(read_some(&cli), b"ok");

        let (a, b) = Socket::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
        let a = via_std::<UnixDatagram>(a, |d| {
            d.send(b"via std").unwrap();
        });
        assert_eq!(read_some(&b), b"via std");
        a.send(b"via socklab", 0).unwrap();
        assert_eq!(read_some(&b), b"via socklab");
    });
}

#[test]
fn the_leak_guard_fails_a_test_that_leaks_one_fd() {
    let _g = fd_lock();
    let mut leaked = -1;
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fd_count_unchanged(|| {
            let fd = sys::socket(AF_UNIX, SOCK_DGRAM, 0).unwrap();
            leaked = std::os::fd::IntoRawFd::into_raw_fd(fd);
        })
    }));
    // SAFETY: `leaked` came from into_raw_fd above and nothing owns it; this is its one close.
    assert_eq!(unsafe { sys::raw::close(leaked) }, 0);
    let msg = *r
        .expect_err("the guard must panic")
        .downcast::<String>()
        .unwrap();
    let before = fd_table().len();
    let want = format!("fd leak: {before} fds open before, {} after", before + 1);
    assert!(msg.contains(&want), "{msg:?} does not say {want:?}");
    // The message names the fd that differs and what it was (an AF_UNIX socket).
    let names = format!("\n+{leaked} socket:[");
    assert!(
        msg.contains(&names),
        "{msg:?} does not name the leaked fd: {names:?}"
    );
}

#[test]
fn nonblocking_connect_einprogress_poll_so_error_then_connect_again() {
    no_leak(|| {
        let lst = sys::socket(AF_INET, SOCK_STREAM, 0).unwrap();
        sys::bind(&lst, &v4_any()).unwrap();
        sys::listen(&lst, 1).unwrap();
        let to = sys::getsockname(&lst).unwrap();
        let cli = sys::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0).unwrap();
        // The SYN-ACK is processed only once connect(2) lets go of the socket, so a
        // non-blocking connect says EINPROGRESS even over loopback.
        assert_errno(sys::connect(&cli, &to), Errno::EINPROGRESS, "connect");
        let mut fds = [PollFd::new(cli.as_fd(), libc::POLLOUT)];
        assert_eq!(sys::poll(&mut fds, -1).unwrap(), 1);
        assert_eq!(
            fds[0].revents(),
            libc::POLLOUT,
            "writable, no POLLERR: connected"
        );
        let mut err: c_int = -1;
        let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
        // SAFETY: `err` is writable for `len` bytes and `len` is a live socklen_t.
        let rc = unsafe {
            sys::raw::getsockopt(
                cli.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                (&mut err as *mut c_int).cast(),
                &mut len,
            )
        };
        assert_eq!((rc, err), (0, 0), "SO_ERROR reports the connect's outcome");
        // The socket layer still says "connecting" until connect is called again: that call
        // returns 0 (the way a program learns the outcome without SO_ERROR), the next EISCONN.
        sys::connect(&cli, &to).unwrap();
        assert_errno(sys::connect(&cli, &to), Errno::EISCONN, "connect");
        assert_eq!(sys::getpeername(&cli).unwrap(), to);
    });
}

#[test]
fn sys_calls_take_any_as_fd() {
    no_leak(|| {
        let std_sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let me = SockAddr::from(std_sock.local_addr().unwrap());
        assert_eq!(sys::getsockname(&std_sock).unwrap(), me, "a std type");
        assert_eq!(
            sys::getsockname(std_sock.as_fd()).unwrap(),
            me,
            "a BorrowedFd"
        );
        let s = Socket::from(std_sock);
        assert_eq!(sys::getsockname(&s).unwrap(), me, "a &Socket");
        let owned = OwnedFd::from(s);
        assert_eq!(sys::getsockname(&owned).unwrap(), me, "a &OwnedFd");
        sys::sendto(owned.as_fd(), b"x", 0, &me).unwrap();
        assert_eq!(
            sys::recv(owned, &mut [0u8; 4][..], 0).unwrap(),
            1,
            "an OwnedFd, by value"
        );
    });
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
