//! Beej's `listener.c` ("a datagram sockets server demo"), ported line for line to
//! `socklab::sys`: the C original is `c/ports/listener.c`, each C line sits above its Rust step.
//! Run: `cargo run --example beej_listener -- 4950`, then `printf hi | nc -u -q1 ::1 4950`.

#[path = "cstdio.rs"]
mod cstdio;

use std::process::exit;

use cstdio::{c_str, fprintf_stderr, printf_bytes};
use socklab::sys::{self, AddrInfoHints, AddrLen, SockAddr, AF_INET6, AI_PASSIVE, SOCK_DGRAM};

// #define MYPORT "4950"	// the port users will be connecting to
const MYPORT: &str = "4950";

// #define MAXBUFLEN 100
const MAXBUFLEN: usize = 100;

// void *get_in_addr(struct sockaddr *sa)
fn get_in_addr(sa: &SockAddr) -> &[u8] {
    // if (sa->sa_family == AF_INET) return &(((struct sockaddr_in*)sa)->sin_addr);
    // return &(((struct sockaddr_in6*)sa)->sin6_addr);
    sa.in_addr().unwrap_or(&[])
}

// int main(int argc, char *argv[]) // socklab: was main(void)
fn main() {
    // char buf[MAXBUFLEN];
    let mut buf = [0u8; MAXBUFLEN];

    // memset(&hints, 0, sizeof hints);
    // hints.ai_family = AF_INET6; // or set to AF_INET to use IPv4
    // hints.ai_socktype = SOCK_DGRAM;
    // hints.ai_flags = AI_PASSIVE; // use my IP
    let hints = AddrInfoHints {
        ai_family: AF_INET6,
        ai_socktype: SOCK_DGRAM,
        ai_flags: AI_PASSIVE,
        ..Default::default()
    };

    // if ((rv = getaddrinfo(NULL, argc > 1 ? argv[1] : MYPORT, &hints, &servinfo)) != 0) {
    let port = std::env::args()
        .nth(1)
        .unwrap_or_else(|| MYPORT.to_string());
    let servinfo = match sys::getaddrinfo(None, Some(&port), Some(&hints)) {
        Ok(servinfo) => servinfo,
        Err(rv) => {
            // fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rv));
            fprintf_stderr(rv.perror_line("getaddrinfo"));
            // return 1;
            exit(1)
        }
    };

    let mut bound = None;
    // for(p = servinfo; p != NULL; p = p->ai_next) {
    for p in &servinfo {
        // if ((sockfd = socket(p->ai_family, p->ai_socktype, p->ai_protocol)) == -1) {
        let sockfd = match sys::socket(p.ai_family(), p.ai_socktype(), p.ai_protocol()) {
            Ok(sockfd) => sockfd,
            Err(e) => {
                // perror("listener: socket");
                e.perror("listener: socket");
                // continue;
                continue;
            }
        };

        // if (bind(sockfd, p->ai_addr, p->ai_addrlen) == -1) {
        if let Err(e) = sys::bind(&sockfd, &p.ai_addr()) {
            // close(sockfd);
            let _ = sys::close(sockfd);
            // perror("listener: bind");
            e.perror("listener: bind");
            // continue;
            continue;
        }

        // break;
        bound = Some(sockfd);
        break;
    }

    // if (p == NULL) {
    let Some(sockfd) = bound else {
        // fprintf(stderr, "listener: failed to bind socket\n");
        fprintf_stderr("listener: failed to bind socket\n".to_string());
        // return 2;
        exit(2)
    };

    // freeaddrinfo(servinfo);
    sys::freeaddrinfo(servinfo);

    // printf("listener: waiting to recvfrom...\n");
    println!("listener: waiting to recvfrom...");

    // addr_len = sizeof their_addr;
    let mut their_addr = SockAddr::with_capacity(AddrLen::STORAGE);
    // if ((numbytes = recvfrom(sockfd, buf, MAXBUFLEN-1 , 0,
    //         (struct sockaddr *)&their_addr, &addr_len)) == -1) {
    let numbytes = match sys::recvfrom_into(&sockfd, &mut buf[..MAXBUFLEN - 1], 0, &mut their_addr)
    {
        Ok(n) => n,
        Err(e) => {
            // perror("recvfrom");
            e.perror("recvfrom");
            // exit(1);
            exit(1)
        }
    };

    // printf("listener: got packet from %s\n",
    //     inet_ntop(their_addr.ss_family, get_in_addr((struct sockaddr *)&their_addr), s, sizeof s));
    let s = sys::inet_ntop(their_addr.family(), get_in_addr(&their_addr));
    println!(
        "listener: got packet from {}",
        s.as_deref().unwrap_or("(null)")
    );
    // printf("listener: packet is %d bytes long\n", numbytes);
    println!("listener: packet is {numbytes} bytes long");
    // buf[numbytes] = '\0';
    buf[numbytes] = 0;
    // printf("listener: packet contains \"%s\"\n", buf);
    printf_bytes(&[b"listener: packet contains \"", c_str(&buf), b"\"\n"]);

    // close(sockfd);
    let _ = sys::close(sockfd);

    // return 0;
}
