//! A TCP client on `socklab::sys`, the Rust twin of `c/tcp_client.c`: connect to 127.0.0.1:PORT,
//! write MESSAGE, shut down the write side, print every byte of the reply until EOF.
//!
//! Usage: `tcp_client [--port N] MESSAGE` (port 8080). Bad arguments: one line, exit 2; a failed
//! call: its error, exit 1. Prints the reply as received, adding nothing (like the C client).

mod common;

use std::net::{Shutdown, SocketAddr};

use common::{client_args, or_exit, print_bytes};
use socklab::sys::{self, SockAddr, AF_INET, SOCK_STREAM};

fn main() {
    let (port, message) = client_args(8080);
    // struct sockaddr_in addr = loopback(port);
    let addr = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], port)));

    // int fd = socket(AF_INET, SOCK_STREAM, 0);
    let fd = or_exit(sys::socket(AF_INET, SOCK_STREAM, 0));
    // connect(fd, (struct sockaddr *)&addr, sizeof addr)
    or_exit(sys::connect(&fd, &addr));
    // for (done = 0; done < len;) done += write(fd, msg + done, len - done);
    let mut rest = message.as_bytes();
    while !rest.is_empty() {
        let n = or_exit(sys::write(&fd, rest));
        rest = &rest[n..];
    }
    // shutdown(fd, SHUT_WR): the FIN tells the server the message is complete.
    or_exit(sys::shutdown(&fd, Shutdown::Write));
    // while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, n, stdout);
    let mut buf = [0u8; 4096];
    let mut reply = Vec::new();
    loop {
        let n = or_exit(sys::read(&fd, &mut buf[..]));
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
    }
    print_bytes(&reply);
    // close(fd);
    or_exit(sys::close(fd));
}
