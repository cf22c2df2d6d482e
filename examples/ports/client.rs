//! Beej's `client.c` ("a stream socket client demo"), ported line for line to `socklab::sys`:
//! the C original is `c/ports/client.c`, each C line sits above its Rust step.
//! Run: `cargo run --example beej_client -- 127.0.0.1 3490`.

#[path = "cstdio.rs"]
mod cstdio;

use std::process::exit;

use cstdio::{c_str, fprintf_stderr, printf_bytes};
use socklab::sys::{self, AddrInfoHints, SockAddr, AF_UNSPEC, SOCK_STREAM};

// #define PORT "3490" // the port client will be connecting to
const PORT: &str = "3490";

// #define MAXDATASIZE 100 // max number of bytes we can get at once
const MAXDATASIZE: usize = 100;

// void *get_in_addr(struct sockaddr *sa)
fn get_in_addr(sa: &SockAddr) -> &[u8] {
    // if (sa->sa_family == AF_INET) return &(((struct sockaddr_in*)sa)->sin_addr);
    // return &(((struct sockaddr_in6*)sa)->sin6_addr);
    sa.in_addr().unwrap_or(&[])
}

// int main(int argc, char *argv[])
fn main() {
    let argv: Vec<String> = std::env::args().collect();
    // char buf[MAXDATASIZE];
    let mut buf = [0u8; MAXDATASIZE];

    // if (argc != 2 && argc != 3) { // socklab: was argc != 2
    if argv.len() != 2 && argv.len() != 3 {
        // fprintf(stderr,"usage: client hostname\n");
        fprintf_stderr("usage: client hostname\n".to_string());
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

    // if ((rv = getaddrinfo(argv[1], argc > 2 ? argv[2] : PORT, &hints, &servinfo)) != 0) {
    let port = argv.get(2).map_or(PORT, String::as_str);
    let servinfo = match sys::getaddrinfo(Some(&argv[1]), Some(port), Some(&hints)) {
        Ok(servinfo) => servinfo,
        Err(rv) => {
            // fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rv));
            fprintf_stderr(rv.perror_line("getaddrinfo"));
            // return 1;
            exit(1)
        }
    };

    let mut connected = None;
    // for(p = servinfo; p != NULL; p = p->ai_next) {
    for p in &servinfo {
        // if ((sockfd = socket(p->ai_family, p->ai_socktype, p->ai_protocol)) == -1) {
        let sockfd = match sys::socket(p.ai_family(), p.ai_socktype(), p.ai_protocol()) {
            Ok(sockfd) => sockfd,
            Err(e) => {
                // perror("client: socket");
                e.perror("client: socket");
                // continue;
                continue;
            }
        };

        // inet_ntop(p->ai_family, get_in_addr((struct sockaddr *)p->ai_addr), s, sizeof s);
        let s = sys::inet_ntop(p.ai_family(), get_in_addr(&p.ai_addr())).unwrap_or_default();
        // printf("client: attempting connection to %s\n", s);
        println!("client: attempting connection to {s}");

        // if (connect(sockfd, p->ai_addr, p->ai_addrlen) == -1) {
        if let Err(e) = sys::connect(&sockfd, &p.ai_addr()) {
            // perror("client: connect");
            e.perror("client: connect");
            // close(sockfd);
            let _ = sys::close(sockfd);
            // continue;
            continue;
        }

        // break;
        connected = Some((sockfd, p));
        break;
    }

    // if (p == NULL) {
    let Some((sockfd, p)) = connected else {
        // fprintf(stderr, "client: failed to connect\n");
        fprintf_stderr("client: failed to connect\n".to_string());
        // return 2;
        exit(2)
    };

    // inet_ntop(p->ai_family, get_in_addr((struct sockaddr *)p->ai_addr), s, sizeof s);
    let s = sys::inet_ntop(p.ai_family(), get_in_addr(&p.ai_addr())).unwrap_or_default();
    // printf("client: connected to %s\n", s);
    println!("client: connected to {s}");

    // freeaddrinfo(servinfo); // all done with this structure
    sys::freeaddrinfo(servinfo);

    // if ((numbytes = recv(sockfd, buf, MAXDATASIZE-1, 0)) == -1) {
    let numbytes = match sys::recv(&sockfd, &mut buf[..MAXDATASIZE - 1], 0) {
        Ok(n) => n,
        Err(e) => {
            // perror("recv");
            e.perror("recv");
            // exit(1);
            exit(1)
        }
    };

    // buf[numbytes] = '\0';
    buf[numbytes] = 0;

    // printf("client: received '%s'\n",buf);
    printf_bytes(&[b"client: received '", c_str(&buf), b"'\n"]);

    // close(sockfd);
    let _ = sys::close(sockfd);

    // return 0;
}
