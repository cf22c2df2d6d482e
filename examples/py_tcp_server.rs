//! The seed's Python TCP server (`tcp_server.py`) ported line for line onto `socklab::sys`, with
//! the calls CPython makes for each line (traced with strace). Usage: `py_tcp_server [PORT]` (8080).
//!
//! CPython's sockets are non-inheritable (PEP 446), so `socket.socket()` is
//! `socket(..., SOCK_STREAM|SOCK_CLOEXEC, 0)` and `accept()` is `accept4(..., SOCK_CLOEXEC)`;
//! `recv`/`send` are recv(2)/send(2) (strace shows them as recvfrom/sendto on x86-64). Not
//! mirrored: the getaddrinfo lookup of 'localhost' (here the 127.0.0.1 it resolves to) and the
//! getsockname CPython makes on the accepted socket. stdout is the same bytes as Python's.

mod common;

use std::net::SocketAddr;

use common::{or_exit, print_bytes, py_addr, py_decode, server_port};
use socklab::sys::{self, SockAddr, AF_INET, SOCK_CLOEXEC, SOCK_STREAM};

fn main() {
    let port = server_port(8080);

    // # 서버 소켓 생성
    // server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    let server_socket = or_exit(sys::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    // server_socket.bind(('localhost', 8080))
    let localhost = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], port)));
    or_exit(sys::bind(&server_socket, &localhost));
    // server_socket.listen(5)
    or_exit(sys::listen(&server_socket, 5));

    // print("서버 대기 중...")
    print_bytes("서버 대기 중...\n".as_bytes());
    // client_socket, addr = server_socket.accept()
    let mut addr = SockAddr::empty();
    let client_socket = or_exit(sys::accept4(&server_socket, Some(&mut addr), SOCK_CLOEXEC));
    // print(f"클라이언트 연결: {addr}")
    print_bytes(format!("클라이언트 연결: {}\n", py_addr(&addr)).as_bytes());

    // # 데이터 수신
    // data = client_socket.recv(1024)
    let mut buf = [0u8; 1024];
    let n = or_exit(sys::recv(&client_socket, &mut buf[..], 0));
    let data = &buf[..n];
    // print(f"받은 데이터: {data.decode()}")
    print_bytes(format!("받은 데이터: {}\n", py_decode(data)).as_bytes());

    // # 데이터 송신
    // client_socket.send("안녕하세요!".encode())
    or_exit(sys::send(&client_socket, "안녕하세요!".as_bytes(), 0));

    // client_socket.close()
    or_exit(sys::close(client_socket));
    // server_socket.close()
    or_exit(sys::close(server_socket));
}
