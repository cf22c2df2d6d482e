//! `connecttimeout.c` (connect(2) with a timeout: a non-blocking connect, poll for writability,
//! then `SO_ERROR`), ported line for line to `socklab::sys`: the C original is
//! `c/ports/connecttimeout.c`, each C line sits above its Rust step.
//! Run: `cargo run --example connecttimeout -- 127.0.0.1 9034 500`.
//!
//! C reports its failures through `errno` (`errno = ETIMEDOUT; return -1;`, `errno = err;`) and
//! the caller's `perror`; the port returns the same errno as a `sys::Error`, so the caller's
//! `e.perror(…)` prints C's line. `SO_ERROR` is read typed (`opt::SoError`: `None` for 0).

#[path = "cstdio.rs"]
mod cstdio;

use std::os::fd::{AsFd, BorrowedFd};
use std::process::exit;

use cstdio::fprintf_stderr;
use socklab::sys::{self, opt, AddrInfoHints, Errno, FcntlArg, PollFd, SockAddr};
use socklab::sys::{AF_UNSPEC, O_NONBLOCK, POLLOUT, SOCK_STREAM};

// int connect_timeout(int sockfd, const struct sockaddr *addr, socklen_t addrlen, int timeout_ms)
fn connect_timeout(sockfd: BorrowedFd<'_>, addr: &SockAddr, timeout_ms: i32) -> sys::Result<()> {
    // if ((flags = fcntl(sockfd, F_GETFL)) == -1) return -1;
    let flags = sys::fcntl(sockfd, FcntlArg::GetFl)?;
    // if (fcntl(sockfd, F_SETFL, flags | O_NONBLOCK) == -1) return -1;
    sys::fcntl(sockfd, FcntlArg::SetFl(flags | O_NONBLOCK))?;

    // rv = connect(sockfd, addr, addrlen);
    // if (rv == -1 && errno != EINPROGRESS) return -1;
    let rv = match sys::connect(sockfd, addr) {
        Ok(()) => 0,
        Err(e) if e.code() == Errno::EINPROGRESS => -1,
        Err(e) => return Err(e),
    };

    // if (rv == -1) { // in progress: wait until the socket is writable
    if rv == -1 {
        // pfd.fd = sockfd;
        // pfd.events = POLLOUT;
        let mut pfd = [PollFd::new(sockfd, POLLOUT)];
        // if ((rv = poll(&pfd, 1, timeout_ms)) == -1) return -1;
        let rv = sys::poll(&mut pfd, timeout_ms)?;
        // if (rv == 0) { errno = ETIMEDOUT; return -1; }
        if rv == 0 {
            return Err(sys::Error::new(
                Errno::ETIMEDOUT,
                "connect",
                "poll timed out",
            ));
        }
        // if (getsockopt(sockfd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) return -1;
        // if (err != 0) { errno = err; return -1; } // the connect failed: its error
        if let Some(err) = sys::get_opt(sockfd, opt::SoError)? {
            return Err(sys::Error::new(err, "connect", "SO_ERROR"));
        }
    }

    // if (fcntl(sockfd, F_SETFL, flags) == -1) return -1; // blocking again
    sys::fcntl(sockfd, FcntlArg::SetFl(flags))?;
    // return 0;
    Ok(())
}

// int main(int argc, char *argv[])
fn main() {
    let argv: Vec<String> = std::env::args().collect();

    // if (argc != 4) {
    if argv.len() != 4 {
        // fprintf(stderr, "usage: connecttimeout host port timeout_ms\n");
        fprintf_stderr("usage: connecttimeout host port timeout_ms\n".to_string());
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
    // atoi(argv[3])
    let timeout_ms: i32 = argv[3].trim().parse().unwrap_or(0);

    let mut connected = None;
    // for (p = servinfo; p != NULL; p = p->ai_next) {
    for p in &servinfo {
        // if ((sockfd = socket(p->ai_family, p->ai_socktype, p->ai_protocol)) == -1) {
        let sockfd = match sys::socket(p.ai_family(), p.ai_socktype(), p.ai_protocol()) {
            Ok(sockfd) => sockfd,
            Err(e) => {
                // perror("connecttimeout: socket");
                e.perror("connecttimeout: socket");
                // continue;
                continue;
            }
        };
        // if (connect_timeout(sockfd, p->ai_addr, p->ai_addrlen, atoi(argv[3])) == -1) {
        if let Err(e) = connect_timeout(sockfd.as_fd(), &p.ai_addr(), timeout_ms) {
            // perror("connecttimeout: connect");
            e.perror("connecttimeout: connect");
            // close(sockfd);
            let _ = sys::close(sockfd);
            // continue;
            continue;
        }
        // break;
        connected = Some(sockfd);
        break;
    }

    // freeaddrinfo(servinfo); // all done with this structure
    sys::freeaddrinfo(servinfo);

    // if (p == NULL) {
    let Some(sockfd) = connected else {
        // fprintf(stderr, "connecttimeout: failed to connect\n");
        fprintf_stderr("connecttimeout: failed to connect\n".to_string());
        // return 2;
        exit(2)
    };

    // printf("connecttimeout: connected\n");
    println!("connecttimeout: connected");

    // if (send(sockfd, "hello\n", 6, 0) == -1) perror("send");
    if let Err(e) = sys::send(&sockfd, b"hello\n", 0) {
        e.perror("send");
    }

    // close(sockfd);
    let _ = sys::close(sockfd);

    // return 0;
}
