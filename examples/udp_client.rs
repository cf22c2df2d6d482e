//! A UDP client on `socklab::sys`, the Rust twin of `c/udp_client.c`: send MESSAGE to
//! 127.0.0.1:PORT in one datagram, wait for one reply datagram, print it and a newline.
//!
//! Usage: `udp_client [--port N] MESSAGE` (port 9090). Bad arguments: one line, exit 2; a failed
//! call: its error, exit 1.

mod common;

use std::net::SocketAddr;

use common::{client_args, or_exit, print_bytes};
use socklab::sys::{self, SockAddr, AF_INET, SOCK_DGRAM};

/// The largest UDP/IPv4 payload, so no reply is truncated.
const MAX_DATAGRAM: usize = 65507;

fn main() {
    let (port, message) = client_args(9090);
    // struct sockaddr_in addr = loopback(port);
    let addr = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], port)));

    // int fd = socket(AF_INET, SOCK_DGRAM, 0);
    let fd = or_exit(sys::socket(AF_INET, SOCK_DGRAM, 0));
    // sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&addr, sizeof addr)
    or_exit(sys::sendto(&fd, message.as_bytes(), 0, &addr));
    // n = recvfrom(fd, reply, sizeof reply, 0, NULL, NULL);  = recv(2), the sender unasked
    let mut reply = vec![0u8; MAX_DATAGRAM];
    let n = or_exit(sys::recv(&fd, &mut reply[..], 0));
    // printf("%.*s\n", (int)n, reply);
    reply.truncate(n);
    reply.push(b'\n');
    print_bytes(&reply);
    // close(fd);
    or_exit(sys::close(fd));
}
