//! The seed's C++ TCP server written the way std::net makes natural, to show under strace what
//! std adds: `SOCK_CLOEXEC`, `SO_REUSEADDR`, `listen(128)`, `accept4(SOCK_CLOEXEC)`, recv(2).
//!
//! Usage: `std_tcp_server [PORT]` (8080). Same output as `cpp_tcp_server` (see PORTING.md).

mod common;

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};

use common::{cpp_message_line, die, print_bytes, server_port};

/// A failed std call: print it and exit 1 (as the socklab examples do).
fn or_exit<T>(r: std::io::Result<T>, call: &str) -> T {
    r.unwrap_or_else(|e| die(1, format_args!("{call}: {e}")))
}

fn main() {
    let port = server_port(8080);

    // socket + setsockopt(SO_REUSEADDR) + bind + listen(128), all in one call.
    let listener = or_exit(
        TcpListener::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port))),
        "bind",
    );
    // accept4(fd, &addr, &len, SOCK_CLOEXEC): std always asks for the peer address.
    let (mut stream, _peer) = or_exit(listener.accept(), "accept");
    let mut buffer = [0u8; 1024];
    // recv(fd, buf, 1024, 0)
    let n = or_exit(stream.read(&mut buffer), "read");
    print_bytes(&cpp_message_line(&buffer[..n]));

    // close(client), close(server): drop order.
    drop(stream);
    drop(listener);
}
