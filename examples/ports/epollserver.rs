//! `epollserver.c` (an echo server on epoll: non-blocking, edge-triggered connections read until
//! `EAGAIN`), ported line for line to `socklab::sys`: the C original is
//! `c/ports/epollserver.c`, each C line sits above its Rust step.
//! Run: `cargo run --example epollserver -- 9036`, then connect with `nc` and type.
//!
//! C keeps each connection as an `int` in the epoll set and gets it back in `data.fd`; the port
//! keeps each `OwnedFd` in a map from that number (PORTING.md, "fds that arrive as numbers"):
//! `read(fd, …)` is `sys::read(&conns[&fd], …)`, `close(fd)` is `sys::close(conns.remove(&fd))`.
//! `EpollEvent::new(events, fd as u64)` is `ev.events = …; ev.data.fd = fd;` (it also zeroes
//! the union's upper half, which C leaves as it was: see `socklab parity`'s note on it).

#[path = "cstdio.rs"]
mod cstdio;

use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::process::exit;

use cstdio::fprintf_stderr;
use socklab::sys::{self, AddrInfoHints, AddrLen, EpollEvent, Errno, FcntlArg, SockAddr};
use socklab::sys::{
    AF_UNSPEC, AI_PASSIVE, EPOLLET, EPOLLIN, EPOLL_CTL_ADD, O_NONBLOCK, SOCK_STREAM,
};

// #define PORT "9036"     // Port we're listening on
const PORT: &str = "9036";
// #define MAX_EVENTS 10
const MAX_EVENTS: usize = 10;

// int get_listener_socket(const char *port)
fn get_listener_socket(port: &str) -> Option<OwnedFd> {
    // int yes = 1;      // For setsockopt() SO_REUSEADDR, below
    let yes: i32 = 1;

    // memset(&hints, 0, sizeof hints);
    // hints.ai_family = AF_UNSPEC;
    // hints.ai_socktype = SOCK_STREAM;
    // hints.ai_flags = AI_PASSIVE;
    let hints = AddrInfoHints {
        ai_family: AF_UNSPEC,
        ai_socktype: SOCK_STREAM,
        ai_flags: AI_PASSIVE,
        ..Default::default()
    };
    // if ((rv = getaddrinfo(NULL, port, &hints, &ai)) != 0) {
    let ai = match sys::getaddrinfo(None, Some(port), Some(&hints)) {
        Ok(ai) => ai,
        Err(rv) => {
            // fprintf(stderr, "epollserver: %s\n", gai_strerror(rv));
            fprintf_stderr(rv.perror_line("epollserver"));
            // exit(1);
            exit(1)
        }
    };

    let mut bound = None;
    // for (p = ai; p != NULL; p = p->ai_next) {
    for p in &ai {
        // listener = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
        // if (listener < 0) { continue; }
        let Ok(listener) = sys::socket(p.ai_family(), p.ai_socktype(), p.ai_protocol()) else {
            continue;
        };

        // setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(int));
        let _ = sys::set_opt(&listener, sys::opt::SoReuseAddr, yes != 0);

        // if (bind(listener, p->ai_addr, p->ai_addrlen) < 0) {
        if sys::bind(&listener, &p.ai_addr()).is_err() {
            // close(listener);
            let _ = sys::close(listener);
            // continue;
            continue;
        }

        // break;
        bound = Some(listener);
        break;
    }

    // freeaddrinfo(ai); // All done with this
    sys::freeaddrinfo(ai);

    // if (p == NULL) { return -1; }
    let listener = bound?;

    // if (listen(listener, 10) == -1) { return -1; }
    sys::listen(&listener, 10).ok()?;

    // return listener;
    Some(listener)
}

// int setnonblocking(int fd)
fn setnonblocking(fd: BorrowedFd<'_>) -> sys::Result<i32> {
    // int flags = fcntl(fd, F_GETFL);
    // if (flags == -1) return -1;
    let flags = sys::fcntl(fd, FcntlArg::GetFl)?;
    // return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    sys::fcntl(fd, FcntlArg::SetFl(flags | O_NONBLOCK))
}

// int main(int argc, char *argv[])
fn main() {
    // struct epoll_event ev, events[MAX_EVENTS];
    let mut events = [EpollEvent::empty(); MAX_EVENTS];
    // char buf[256];
    let mut buf = [0u8; 256];
    // (socklab: the connections C keeps as ints in the epoll set, owned here by number)
    let mut conns: HashMap<RawFd, OwnedFd> = HashMap::new();

    // listener = get_listener_socket(argc > 1 ? argv[1] : PORT);
    // if (listener == -1) {
    let port = std::env::args().nth(1).unwrap_or_else(|| PORT.to_string());
    let Some(listener) = get_listener_socket(&port) else {
        // fprintf(stderr, "error getting listening socket\n");
        fprintf_stderr("error getting listening socket\n".to_string());
        // exit(1);
        exit(1)
    };

    // epollfd = epoll_create1(0);
    // if (epollfd == -1) {
    let epollfd = match sys::epoll_create1(0) {
        Ok(epollfd) => epollfd,
        Err(e) => {
            // perror("epoll_create1");
            e.perror("epoll_create1");
            // exit(1);
            exit(1)
        }
    };

    // ev.events = EPOLLIN;
    // ev.data.fd = listener;
    let mut ev = EpollEvent::new(EPOLLIN as u32, listener.as_raw_fd() as u64);
    // if (epoll_ctl(epollfd, EPOLL_CTL_ADD, listener, &ev) == -1) {
    if let Err(e) = sys::epoll_ctl(&epollfd, EPOLL_CTL_ADD, &listener, Some(&mut ev)) {
        // perror("epoll_ctl: listener");
        e.perror("epoll_ctl: listener");
        // exit(1);
        exit(1);
    }

    // for (;;) {
    loop {
        // nfds = epoll_wait(epollfd, events, MAX_EVENTS, -1);
        // if (nfds == -1) {
        let nfds = match sys::epoll_wait(&epollfd, &mut events, -1) {
            Ok(nfds) => nfds,
            Err(e) => {
                // perror("epoll_wait");
                e.perror("epoll_wait");
                // exit(1);
                exit(1)
            }
        };

        // for (int n = 0; n < nfds; ++n) {
        for event in &events[..nfds] {
            // if (events[n].data.fd == listener) {
            if event.fd() == listener.as_raw_fd() {
                // addrlen = sizeof addr;
                let mut addr = SockAddr::with_capacity(AddrLen::STORAGE);
                // conn_sock = accept(listener, (struct sockaddr *)&addr, &addrlen);
                // if (conn_sock == -1) {
                let conn_sock = match sys::accept_into(&listener, &mut addr) {
                    Ok(conn_sock) => conn_sock,
                    Err(e) => {
                        // perror("accept");
                        e.perror("accept");
                        // continue;
                        continue;
                    }
                };
                // setnonblocking(conn_sock);
                let _ = setnonblocking(conn_sock.as_fd());
                // ev.events = EPOLLIN | EPOLLET;
                // ev.data.fd = conn_sock;
                let n = conn_sock.as_raw_fd();
                let mut ev = EpollEvent::new((EPOLLIN | EPOLLET) as u32, n as u64);
                // if (epoll_ctl(epollfd, EPOLL_CTL_ADD, conn_sock, &ev) == -1) {
                if let Err(e) = sys::epoll_ctl(&epollfd, EPOLL_CTL_ADD, &conn_sock, Some(&mut ev)) {
                    // perror("epoll_ctl: conn_sock");
                    e.perror("epoll_ctl: conn_sock");
                    // exit(1);
                    exit(1);
                }
                conns.insert(n, conn_sock);
                // printf("epollserver: new connection on socket %d\n", conn_sock);
                println!("epollserver: new connection on socket {n}");
            // } else {
            } else {
                // int fd = events[n].data.fd;
                let fd = event.fd();
                let Some(conn) = conns.get(&fd) else {
                    continue; // (socklab: not one of ours; C would read whatever fd has it)
                };
                // for (;;) { // edge-triggered: read until there is nothing left
                loop {
                    // ssize_t count = read(fd, buf, sizeof buf);
                    // if (count == -1) {
                    let count = match sys::read(conn, &mut buf[..]) {
                        Ok(count) => count,
                        Err(e) => {
                            // if (errno != EAGAIN) { perror("read"); close(fd); }
                            if e.code() != Errno::EAGAIN {
                                e.perror("read");
                                let _ = sys::close(conns.remove(&fd).expect("ours"));
                            }
                            // break;
                            break;
                        }
                    };
                    // if (count == 0) {
                    if count == 0 {
                        // printf("epollserver: socket %d hung up\n", fd);
                        println!("epollserver: socket {fd} hung up");
                        // close(fd); // also removes it from the epoll set
                        let _ = sys::close(conns.remove(&fd).expect("ours"));
                        // break;
                        break;
                    }
                    // if (write(fd, buf, count) == -1) { perror("write"); }
                    if let Err(e) = sys::write(conn, &buf[..count]) {
                        e.perror("write");
                    }
                }
            }
        }
    }
}
