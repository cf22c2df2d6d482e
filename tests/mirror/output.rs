//! Output parity: for the same message each mirror prints byte for byte what its original
//! prints, and the one deliberate difference, the C++ seed's NUL overread at 1024 bytes.

use std::io::Write;
use std::net::TcpStream;
use std::process::Output;

use crate::procs::{
    self, assert_clean, exchange, have_python, mask_peer_port, run, text, Client, Proto, TcpServer,
    UdpServer,
};

/// Sends `message` with the C client to `server` and returns the server's output, checked clean.
fn tcp_server_output(server: TcpServer, message: &str) -> Output {
    let (out, client) = exchange(
        Proto::Tcp,
        |p| server.command(p),
        |p| run(&mut Client::C.command(Proto::Tcp, p, message)),
    );
    assert_clean("tcp_client", &client);
    assert_clean(&format!("{server:?}"), &out);
    out
}

#[test]
fn cpp_mirror_prints_what_the_seed_prints() {
    procs::no_leak(|| {
        for message in [
            "hello",
            "안녕하세요, 소켓!",
            &"0123456789abcdef".repeat(64)[..1023],
        ] {
            let seed = tcp_server_output(TcpServer::CppSeed, message);
            let mirror = tcp_server_output(TcpServer::CppMirror, message);
            assert_eq!(text(&seed.stdout), format!("받은 메시지: {message}\n"));
            assert_eq!(
                mirror.stdout,
                seed.stdout,
                "message of {} bytes",
                message.len()
            );
        }
    })
}

/// Connects to `port` from the test itself (the C client cannot send a NUL: argv strings end
/// at one) and writes `bytes`.
fn send_raw(port: u16, bytes: &[u8]) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(bytes).unwrap();
}

#[test]
fn cpp_mirror_stops_at_a_nul_like_cout() {
    procs::no_leak(|| {
        let mut outs = Vec::new();
        for server in [TcpServer::CppSeed, TcpServer::CppMirror] {
            let (out, ()) = exchange(
                Proto::Tcp,
                |p| server.command(p),
                |p| send_raw(p, b"ab\0cd"),
            );
            assert_clean(&format!("{server:?}"), &out);
            outs.push(out.stdout);
        }
        assert_eq!(
            text(&outs[0]),
            "받은 메시지: ab\n",
            "cout << buffer stops at the NUL"
        );
        assert_eq!(outs[1], outs[0]);
    })
}

/// The seed's bug: `read(client_fd, buffer, 1024)` fills all 1024 bytes of `char buffer[1024]`,
/// leaving no NUL, and `cout << buffer` goes on reading the stack after it. The mirror prints
/// the 1024 bytes and stops. (What the seed prints past them is whatever the stack holds, so
/// it is not asserted here; tests/cref.rs catches the overread itself with an ASan build.)
#[test]
fn cpp_mirror_prints_exactly_1024_bytes_where_the_seed_overreads() {
    procs::no_leak(|| {
        let message = "A".repeat(1024);
        let exact = format!("받은 메시지: {message}\n");
        let mirror = tcp_server_output(TcpServer::CppMirror, &message);
        assert_eq!(text(&mirror.stdout), exact);
        let seed = tcp_server_output(TcpServer::CppSeed, &message);
        let line = exact.strip_suffix('\n').unwrap().as_bytes();
        assert!(
            seed.stdout.starts_with(line) && seed.stdout.ends_with(b"\n"),
            "the seed prints the 1024 bytes, then past them up to a NUL: {:?}",
            String::from_utf8_lossy(&seed.stdout[line.len()..])
        );
        eprintln!(
            "seed printed {} bytes past the buffer: {:?}",
            seed.stdout.len() - exact.len(),
            &seed.stdout[line.len()..seed.stdout.len() - 1]
        );
    })
}

#[test]
fn py_tcp_mirror_prints_what_python_prints() {
    procs::no_leak(|| {
        if !have_python() {
            return;
        }
        for message in ["hello", "안녕하세요, 소켓!"] {
            let seed = tcp_server_output(TcpServer::PySeed, message);
            let mirror = tcp_server_output(TcpServer::PyMirror, message);
            let want = format!(
                "서버 대기 중...\n클라이언트 연결: ('127.0.0.1', PORT)\n받은 데이터: {message}\n"
            );
            assert_eq!(mask_peer_port(text(&seed.stdout)), want);
            assert_eq!(mask_peer_port(text(&mirror.stdout)), want);
        }
    })
}

#[test]
fn py_udp_mirror_prints_what_python_prints() {
    procs::no_leak(|| {
        if !have_python() {
            return;
        }
        let message = "안녕, datagram";
        let mut outs = Vec::new();
        for server in [UdpServer::PySeed, UdpServer::PyMirror] {
            let (out, client) = exchange(
                Proto::Udp,
                |p| server.command(p),
                |p| run(&mut Client::C.command(Proto::Udp, p, message)),
            );
            assert_clean(&format!("{server:?}"), &out);
            assert_clean("udp_client", &client);
            assert_eq!(text(&client.stdout), "응답 메시지\n");
            outs.push(mask_peer_port(text(&out.stdout)));
        }
        let want = format!(
            "UDP 서버 대기 중...\n받은 데이터: {message}, 보낸 주소: ('127.0.0.1', PORT)\n"
        );
        assert_eq!(outs, [want.clone(), want]);
    })
}

/// Python exits 1 with a UnicodeDecodeError traceback on bytes that are not UTF-8, before it
/// replies; the mirror exits 1 too, with one line.
#[test]
fn py_tcp_mirror_fails_like_python_on_invalid_utf8() {
    procs::no_leak(|| {
        let (out, ()) = exchange(
            Proto::Tcp,
            |p| TcpServer::PyMirror.command(p),
            |p| send_raw(p, b"\xff\xfe"),
        );
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(err.contains("UnicodeDecodeError"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    })
}
