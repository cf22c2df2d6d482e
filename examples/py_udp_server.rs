//! The seed's Python UDP server (`udp_server.py`) ported line for line onto `socklab::sys`, with
//! the calls CPython makes for each line (traced with strace). Usage: `py_udp_server [PORT]` (9090).
//!
//! As in `py_tcp_server`: `SOCK_CLOEXEC` like CPython's non-inheritable sockets, 127.0.0.1 for
//! 'localhost' (no getaddrinfo), and stdout the same bytes as Python's.

mod common;

use std::net::SocketAddr;

use common::{or_exit, print_bytes, py_addr, py_decode, server_port};
use socklab::sys::{self, SockAddr, AF_INET, SOCK_CLOEXEC, SOCK_DGRAM};

fn main() {
    let port = server_port(9090);

    // # UDP 소켓 생성
    // udp_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    let udp_socket = or_exit(sys::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    // udp_socket.bind(('localhost', 9090))
    let localhost = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], port)));
    or_exit(sys::bind(&udp_socket, &localhost));

    // print("UDP 서버 대기 중...")
    print_bytes("UDP 서버 대기 중...\n".as_bytes());
    // data, addr = udp_socket.recvfrom(1024)
    let mut buf = [0u8; 1024];
    let (n, addr) = or_exit(sys::recvfrom(&udp_socket, &mut buf[..], 0));
    let data = &buf[..n];
    // An AF_INET datagram always carries its sender; Python would have it too.
    let addr = addr.unwrap_or_else(SockAddr::empty);
    // print(f"받은 데이터: {data.decode()}, 보낸 주소: {addr}")
    let line = format!(
        "받은 데이터: {}, 보낸 주소: {}\n",
        py_decode(data),
        py_addr(&addr)
    );
    print_bytes(line.as_bytes());

    // # 응답 전송
    // udp_socket.sendto("응답 메시지".encode(), addr)
    or_exit(sys::sendto(&udp_socket, "응답 메시지".as_bytes(), 0, &addr));

    // udp_socket.close()
    or_exit(sys::close(udp_socket));
}
