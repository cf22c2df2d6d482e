//! Beej's `pollserver.c` ("a cheezy multiperson chat server" on poll), ported line for line to
//! `socklab::sys`: the C original is `c/ports/pollserver.c`, each C line sits above its Rust
//! step. Run: `cargo run --example beej_pollserver -- 9034`, then connect with `nc` twice.
//!
//! The poll set grows on accept and shrinks on close, so it is a `PollSet` (C's
//! `struct pollfd *` + `fd_count`/`fd_size` + realloc) that holds each slot's fd, not borrowed
//! `PollFd`s: `pfds[i]` lends the fd where C passes `pfds[i].fd`, and a slot leaves the array
//! with its fd (PORTING.md, "poll over a changing set").

#[path = "cstdio.rs"]
mod cstdio;

use std::os::fd::{AsRawFd, OwnedFd};
use std::process::exit;

use cstdio::fprintf_stderr;
use socklab::sys::{self, AddrInfoHints, AddrLen, PollSet, SockAddr};
use socklab::sys::{AF_UNSPEC, AI_PASSIVE, POLLHUP, POLLIN, SOCK_STREAM};

// #define PORT "9034"   // Port we're listening on
const PORT: &str = "9034";

// void *get_in_addr(struct sockaddr *sa)
fn get_in_addr(sa: &SockAddr) -> &[u8] {
    // if (sa->sa_family == AF_INET) return &(((struct sockaddr_in*)sa)->sin_addr);
    // return &(((struct sockaddr_in6*)sa)->sin6_addr);
    sa.in_addr().unwrap_or(&[])
}

// int get_listener_socket(const char *port) // socklab: was (void)
fn get_listener_socket(port: &str) -> Option<OwnedFd> {
    // int yes=1;        // For setsockopt() SO_REUSEADDR, below
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
            // fprintf(stderr, "pollserver: %s\n", gai_strerror(rv));
            fprintf_stderr(rv.perror_line("pollserver"));
            // exit(1);
            exit(1)
        }
    };

    let mut bound = None;
    // for(p = ai; p != NULL; p = p->ai_next) {
    for p in &ai {
        // listener = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
        // if (listener < 0) { continue; }
        let Ok(listener) = sys::socket(p.ai_family(), p.ai_socktype(), p.ai_protocol()) else {
            continue;
        };

        // setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(int));
        let _ = sys::set_opt(&listener, sys::opt::SoReuseAddr, yes != 0); // the typed SO_REUSEADDR: an int of sizeof(int)

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

    // if (p == NULL) { return -1; }
    let listener = bound?;

    // freeaddrinfo(ai); // All done with this
    sys::freeaddrinfo(ai);

    // if (listen(listener, 10) == -1) { return -1; }
    sys::listen(&listener, 10).ok()?;

    // return listener;
    Some(listener)
}

// void add_to_pfds(struct pollfd *pfds[], int newfd, int *fd_count, int *fd_size)
fn add_to_pfds(pfds: &mut PollSet, newfd: OwnedFd) {
    // if (*fd_count == *fd_size) { *fd_size *= 2; *pfds = realloc(...); }   (the set grows itself)
    // (*pfds)[*fd_count].fd = newfd;
    // (*pfds)[*fd_count].events = POLLIN; // Check ready-to-read
    // (*pfds)[*fd_count].revents = 0;
    // (*fd_count)++;
    pfds.push(newfd, POLLIN);
}

// void del_from_pfds(struct pollfd pfds[], int i, int *fd_count)  (socklab: returns the fd)
fn del_from_pfds(pfds: &mut PollSet, i: usize) -> Option<OwnedFd> {
    // pfds[i] = pfds[*fd_count-1];   // Copy the one from the end over this one
    // (*fd_count)--;
    pfds.swap_remove(i)
}

// int main(int argc, char *argv[]) // socklab: was main(void)
fn main() {
    let port = std::env::args().nth(1).unwrap_or_else(|| PORT.to_string());

    // char buf[256];    // Buffer for client data
    let mut buf = [0u8; 256];

    // int fd_count = 0; int fd_size = 5;
    // struct pollfd *pfds = malloc(sizeof *pfds * fd_size);
    let mut pfds: PollSet = PollSet::with_capacity(5);

    // listener = get_listener_socket(argc > 1 ? argv[1] : PORT); // socklab
    // if (listener == -1) {
    let Some(listener) = get_listener_socket(&port) else {
        // fprintf(stderr, "error getting listening socket\n");
        fprintf_stderr("error getting listening socket\n".to_string());
        // exit(1);
        exit(1)
    };
    let l = listener.as_raw_fd();

    // pfds[0].fd = listener;
    // pfds[0].events = POLLIN; // Report ready to read on incoming connection
    // fd_count = 1; // For the listener
    pfds.push(listener, POLLIN);

    // for(;;) {
    loop {
        // int poll_count = poll(pfds, fd_count, -1);
        // if (poll_count == -1) {
        if let Err(e) = sys::poll(&mut pfds, -1) {
            // perror("poll");
            e.perror("poll");
            // exit(1);
            exit(1);
        }

        // for(int i = 0; i < fd_count; i++) {   (fd_count is re-read each round, as in C)
        let mut i = 0;
        while i < pfds.len() {
            // if (pfds[i].revents & (POLLIN | POLLHUP)) { // We got one!!
            if pfds.revents(i) & (POLLIN | POLLHUP) != 0 {
                // if (pfds[i].fd == listener) {
                if pfds[i].as_raw_fd() == l {
                    // addrlen = sizeof remoteaddr;
                    let mut remoteaddr = SockAddr::with_capacity(AddrLen::STORAGE);
                    // newfd = accept(listener, (struct sockaddr *)&remoteaddr, &addrlen);
                    match sys::accept_into(&pfds[i], &mut remoteaddr) {
                        // if (newfd == -1) { perror("accept"); }
                        Err(e) => e.perror("accept"),
                        // } else {
                        Ok(newfd) => {
                            let n = newfd.as_raw_fd();
                            // add_to_pfds(&pfds, newfd, &fd_count, &fd_size);
                            add_to_pfds(&mut pfds, newfd);
                            // printf("pollserver: new connection from %s on socket %d\n",
                            //     inet_ntop(remoteaddr.ss_family, get_in_addr(...), ...), newfd);
                            let ip = sys::inet_ntop(remoteaddr.family(), get_in_addr(&remoteaddr));
                            println!(
                                "pollserver: new connection from {} on socket {n}",
                                ip.as_deref().unwrap_or("(null)")
                            );
                        }
                    }
                // } else {
                } else {
                    // int nbytes = recv(pfds[i].fd, buf, sizeof buf, 0);
                    let nbytes = sys::recv(&pfds[i], &mut buf, 0);

                    // int sender_fd = pfds[i].fd;
                    let sender_fd = pfds[i].as_raw_fd();

                    // if (nbytes <= 0) {
                    if !matches!(nbytes, Ok(n) if n > 0) {
                        match nbytes {
                            // if (nbytes == 0) {
                            //     printf("pollserver: socket %d hung up\n", sender_fd);
                            Ok(_) => println!("pollserver: socket {sender_fd} hung up"),
                            // } else {
                            //     perror("recv");
                            Err(e) => e.perror("recv"),
                        }

                        // close(pfds[i].fd); // Bye!
                        // del_from_pfds(pfds, i, &fd_count);
                        // (socklab: the slot leaves the set with its fd, which is then closed)
                        if let Some(fd) = del_from_pfds(&mut pfds, i) {
                            let _ = sys::close(fd);
                        }

                    // } else {
                    } else if let Ok(nbytes) = nbytes {
                        // for(int j = 0; j < fd_count; j++) {
                        for j in 0..pfds.len() {
                            // int dest_fd = pfds[j].fd;
                            let dest_fd = pfds[j].as_raw_fd();

                            // if (dest_fd != listener && dest_fd != sender_fd) {
                            if dest_fd != l && dest_fd != sender_fd {
                                // if (send(dest_fd, buf, nbytes, 0) == -1) {
                                if let Err(e) = sys::send(&pfds[j], &buf[..nbytes], 0) {
                                    // perror("send");
                                    e.perror("send");
                                }
                            }
                        }
                    }
                }
            }
            i += 1;
        }
    }
}
