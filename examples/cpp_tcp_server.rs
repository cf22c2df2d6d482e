//! The seed's C++ TCP server (`c/tcp_server.cpp`) ported line for line onto `socklab::sys`: the
//! same calls, in the same order, with the same arguments. Usage: `cpp_tcp_server [PORT]` (8080).
//!
//! What differs from the C++, on purpose (see PORTING.md):
//! - a failed call prints its error (`bind(fd 3, 0.0.0.0:8080): EADDRINUSE (...)`) and exits 1;
//!   the C++ checks nothing and goes on with -1. No call is added on the success path.
//! - the text printed is the bytes `read` returned, up to the first NUL among them. That is
//!   what `cout << buffer` prints whenever fewer than 1024 bytes arrive (the rest of the zeroed
//!   buffer is NULs); at exactly 1024 bytes the C++ runs past the array (no NUL left), the Rust
//!   prints the 1024 bytes and stops.
//! - the port comes from argv[1] (default 8080); a bad one is a usage error (exit 2), where
//!   `strtol` would give 0.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};

use common::{cpp_message_line, or_exit, print_bytes, server_port};
use socklab::sys::{self, SockAddr, AF_INET, INADDR_ANY, SOCK_STREAM};

fn main() {
    let port = server_port(8080);

    // int server_fd = socket(AF_INET, SOCK_STREAM, 0);
    let server_fd = or_exit(sys::socket(AF_INET, SOCK_STREAM, 0));

    // sockaddr_in address;
    // address.sin_family = AF_INET;
    // address.sin_addr.s_addr = INADDR_ANY;
    // address.sin_port = htons(port);       (the seed: htons(8080))
    let address = SockAddr::from(SocketAddrV4::new(Ipv4Addr::from(INADDR_ANY), port));

    // bind(server_fd, (struct sockaddr*)&address, sizeof(address));
    or_exit(sys::bind(&server_fd, &address));
    // listen(server_fd, 3);
    or_exit(sys::listen(&server_fd, 3));

    // int client_fd = accept(server_fd, nullptr, nullptr);
    let client_fd = or_exit(sys::accept(&server_fd, None));
    // char buffer[1024] = {0};
    let mut buffer = [0u8; 1024];
    // read(client_fd, buffer, 1024);
    let n = or_exit(sys::read(&client_fd, &mut buffer[..]));
    // cout << "받은 메시지: " << buffer << endl;
    //   `<< buffer` stops at the first NUL; only the `n` bytes read are looked at (no overread).
    print_bytes(&cpp_message_line(&buffer[..n]));

    // close(client_fd);
    or_exit(sys::close(client_fd));
    // close(server_fd);
    or_exit(sys::close(server_fd));
    // return 0;
}
