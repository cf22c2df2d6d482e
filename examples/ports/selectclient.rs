//! `selectclient.c` (a stream client that multiplexes stdin and its socket with select), ported
//! line for line to `socklab::sys`: the C original is `c/ports/selectclient.c`, each C line sits
//! above its Rust step. Run: `cargo run --example selectclient -- 127.0.0.1 9034` against
//! `beej_selectserver`, and type.
//!
//! stdin enters the `FdSet` borrowed (`stdin.as_fd()`, the process's fd 0, which `Stdin`
//! vouches is open) and is read with `sys::read`, C's `read(0, …)`: no `Stdin` buffering
//! between the program and the call. What arrives is written with `write_all` to Rust's
//! line-buffered stdout, as `fwrite` to C's (line-buffered under `stdbuf -oL`).

#[path = "cstdio.rs"]
mod cstdio;

use std::io::Write;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd};
use std::process::exit;

use cstdio::fprintf_stderr;
use socklab::sys::{self, AddrInfoHints, FdSet, AF_UNSPEC, SOCK_STREAM};

// #define MAXDATASIZE 256 // max number of bytes we can get at once
const MAXDATASIZE: usize = 256;

// int main(int argc, char *argv[])
fn main() {
    let argv: Vec<String> = std::env::args().collect();
    // int stdin_open = 1; // until read() returns 0
    let mut stdin_open = true;
    // char buf[MAXDATASIZE];
    let mut buf = [0u8; MAXDATASIZE];
    let stdin = std::io::stdin();

    // if (argc != 3) {
    if argv.len() != 3 {
        // fprintf(stderr, "usage: selectclient host port\n");
        fprintf_stderr("usage: selectclient host port\n".to_string());
        // exit(1);
        exit(1);
    }

    // memset(&hints, 0, sizeof hints);
    // hints.ai_family = AF_UNSPEC;
    // hints.ai_socktype = SOCK_STREAM;
    let hints = AddrInfoHints {
        ai_family: AF_UNSPEC,
        ai_socktype: SOCK_STREAM,
        ..Default::default()
    };

    // if ((rv = getaddrinfo(argv[1], argv[2], &hints, &servinfo)) != 0) {
    let servinfo = match sys::getaddrinfo(Some(&argv[1]), Some(&argv[2]), Some(&hints)) {
        Ok(servinfo) => servinfo,
        Err(rv) => {
            // fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rv));
            fprintf_stderr(rv.perror_line("getaddrinfo"));
            // return 1;
            exit(1)
        }
    };

    let mut connected = None;
    // for (p = servinfo; p != NULL; p = p->ai_next) {
    for p in &servinfo {
        // if ((sockfd = socket(p->ai_family, p->ai_socktype, p->ai_protocol)) == -1) {
        let sockfd = match sys::socket(p.ai_family(), p.ai_socktype(), p.ai_protocol()) {
            Ok(sockfd) => sockfd,
            Err(e) => {
                // perror("selectclient: socket");
                e.perror("selectclient: socket");
                // continue;
                continue;
            }
        };
        // if (connect(sockfd, p->ai_addr, p->ai_addrlen) == -1) {
        if let Err(e) = sys::connect(&sockfd, &p.ai_addr()) {
            // perror("selectclient: connect");
            e.perror("selectclient: connect");
            // close(sockfd);
            let _ = sys::close(sockfd);
            // continue;
            continue;
        }
        // break;
        connected = Some(sockfd);
        break;
    }

    // if (p == NULL) {
    let Some(sockfd) = connected else {
        // fprintf(stderr, "selectclient: failed to connect\n");
        fprintf_stderr("selectclient: failed to connect\n".to_string());
        // return 2;
        exit(2)
    };

    // freeaddrinfo(servinfo); // all done with this structure
    sys::freeaddrinfo(servinfo);

    // printf("selectclient: connected\n");
    println!("selectclient: connected");

    // for (;;) {
    loop {
        // FD_ZERO(&readfds);
        let mut readfds = FdSet::new();
        // if (stdin_open) FD_SET(STDIN_FILENO, &readfds);
        // FD_SET(sockfd, &readfds);
        // (socklab: both fds are far below FD_SETSIZE; insert refuses only fds at or above it)
        if stdin_open {
            readfds.insert(stdin.as_fd()).expect("fd 0 < FD_SETSIZE");
        }
        readfds
            .insert(sockfd.as_fd())
            .expect("a new fd < FD_SETSIZE");

        // if (select(sockfd + 1, &readfds, NULL, NULL, NULL) == -1) {
        if let Err(e) = sys::select(sockfd.as_raw_fd() + 1, Some(&mut readfds), None, None, None) {
            // perror("select");
            e.perror("select");
            // exit(1);
            exit(1);
        }

        // if (FD_ISSET(sockfd, &readfds)) { // the server sent something
        if readfds.isset(sockfd.as_raw_fd()) {
            // if ((n = recv(sockfd, buf, sizeof buf, 0)) == -1) {
            let n = match sys::recv(&sockfd, &mut buf, 0) {
                Ok(n) => n,
                Err(e) => {
                    // perror("recv");
                    e.perror("recv");
                    // exit(1);
                    exit(1)
                }
            };
            // if (n == 0) {
            if n == 0 {
                // printf("selectclient: server closed the connection\n");
                println!("selectclient: server closed the connection");
                // break;
                break;
            }
            // fwrite(buf, 1, n, stdout);
            let _ = std::io::stdout().write_all(&buf[..n]);
        }

        // if (stdin_open && FD_ISSET(STDIN_FILENO, &readfds)) { // input to send
        if stdin_open && readfds.isset(stdin.as_raw_fd()) {
            // if ((n = read(STDIN_FILENO, buf, sizeof buf)) == -1) {
            let n = match sys::read(stdin.as_fd(), &mut buf[..]) {
                Ok(n) => n,
                Err(e) => {
                    // perror("read");
                    e.perror("read");
                    // exit(1);
                    exit(1)
                }
            };
            // if (n == 0) { // end of input: no more to send
            if n == 0 {
                // shutdown(sockfd, SHUT_WR);
                let _ = sys::shutdown(&sockfd, Shutdown::Write);
                // stdin_open = 0;
                stdin_open = false;
            // } else if (send(sockfd, buf, n, 0) == -1) {
            } else if let Err(e) = sys::send(&sockfd, &buf[..n], 0) {
                // perror("send");
                e.perror("send");
                // exit(1);
                exit(1);
            }
        }
    }

    // close(sockfd);
    let _ = sys::close(sockfd);

    // return 0;
}
