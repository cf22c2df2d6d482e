//! Beej's `selectserver.c` ("a cheezy multiperson chat server"), ported line for line to
//! `socklab::sys`: the C original is `c/ports/selectserver.c`, each C line sits above its Rust
//! step. Run: `cargo run --example beej_selectserver -- 9034`, then connect with `nc` twice.
//!
//! Deliberate differences (no syscall changes on the success path): C keeps connections as
//! `int`s in the `fd_set`; Rust's `master` is a `SelectSet`, the `fd_set` together with the
//! `OwnedFd`s in it (`master[i]` lends fd `i` where C passes `i`), and `read_fds` is an `FdSet`
//! borrowing them for the select; since the loop over the ready fds changes `master`, it reads
//! the ready numbers out of `read_fds` first (see PORTING.md, "select"). `FD_SET` of an fd >=
//! `FD_SETSIZE` would write past the set in C; here it is refused and the connection closed.

#[path = "cstdio.rs"]
mod cstdio;

use std::os::fd::{OwnedFd, RawFd};
use std::process::exit;

use cstdio::fprintf_stderr;
use socklab::sys::{self, AddrInfoHints, AddrLen, SelectSet, SockAddr};
use socklab::sys::{AF_UNSPEC, AI_PASSIVE, SOCK_STREAM};

// #define PORT "9034"   // port we're listening on
const PORT: &str = "9034";

// const char *inet_ntop2(void *addr, char *buf, size_t size)
fn inet_ntop2(addr: &SockAddr) -> Option<String> {
    // switch (sas->ss_family) { case AF_INET: src = &(sa4->sin_addr); ...
    //                           case AF_INET6: src = &(sa6->sin6_addr); ... default: return NULL; }
    let src = addr.in_addr()?;
    // return inet_ntop(sas->ss_family, src, buf, size);
    sys::inet_ntop(addr.family(), src).ok()
}

// int get_listener_socket(const char *port) // socklab: was (void)
fn get_listener_socket(port: &str) -> OwnedFd {
    // int yes=1;    // for setsockopt() SO_REUSEADDR, below
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
            // fprintf(stderr, "selectserver: %s\n", gai_strerror(rv));
            fprintf_stderr(rv.perror_line("selectserver"));
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

    // if (p == NULL) {
    let Some(listener) = bound else {
        // fprintf(stderr, "selectserver: failed to bind\n");
        fprintf_stderr("selectserver: failed to bind\n".to_string());
        // exit(2);
        exit(2)
    };

    // freeaddrinfo(ai); // all done with this
    sys::freeaddrinfo(ai);

    // if (listen(listener, 10) == -1) {
    if let Err(e) = sys::listen(&listener, 10) {
        // perror("listen");
        e.perror("listen");
        // exit(3);
        exit(3);
    }

    // return listener;
    listener
}

// void handle_new_connection(int listener, fd_set *master, int *fdmax)
fn handle_new_connection(listener: RawFd, master: &mut SelectSet, fdmax: &mut RawFd) {
    // struct sockaddr_storage remoteaddr; // client address
    // addrlen = sizeof remoteaddr;
    let mut remoteaddr = SockAddr::with_capacity(AddrLen::STORAGE);
    // newfd = accept(listener, (struct sockaddr *)&remoteaddr, &addrlen);
    match sys::accept_into(&master[listener], &mut remoteaddr) {
        // if (newfd == -1) {
        //     perror("accept");
        Err(e) => e.perror("accept"),
        // } else {
        Ok(newfd) => {
            // FD_SET(newfd, master); // add to master set
            let n = match master.insert(newfd) {
                Ok(n) => n,
                Err(e) => {
                    fprintf_stderr(format!("selectserver: {e}\n")); // C would write past the set
                    return; // drops (closes) newfd
                }
            };
            // if (newfd > *fdmax) {  // keep track of the max
            //     *fdmax = newfd;
            // }
            if n > *fdmax {
                *fdmax = n;
            }
            // printf("selectserver: new connection from %s on socket %d\n", inet_ntop2(...), newfd);
            let ip = inet_ntop2(&remoteaddr);
            println!(
                "selectserver: new connection from {} on socket {n}",
                ip.as_deref().unwrap_or("(null)")
            );
        }
    }
}

// void broadcast(char *buf, int nbytes, int listener, int s, fd_set *master, int fdmax)
fn broadcast(buf: &[u8], listener: RawFd, s: RawFd, master: &SelectSet, fdmax: RawFd) {
    // for(int j = 0; j <= fdmax; j++) {
    for j in 0..=fdmax {
        // if (FD_ISSET(j, master)) {
        if master.isset(j) {
            // if (j != listener && j != s) {
            if j != listener && j != s {
                // if (send(j, buf, nbytes, 0) == -1) {
                if let Err(e) = sys::send(&master[j], buf, 0) {
                    // perror("send");
                    e.perror("send");
                }
            }
        }
    }
}

// void handle_client_data(int s, int listener, fd_set *master, int fdmax)
fn handle_client_data(s: RawFd, listener: RawFd, master: &mut SelectSet, fdmax: RawFd) {
    // char buf[256];    // buffer for client data
    let mut buf = [0u8; 256];

    // if ((nbytes = recv(s, buf, sizeof buf, 0)) <= 0) {
    let nbytes = sys::recv(&master[s], &mut buf, 0);
    if !matches!(nbytes, Ok(n) if n > 0) {
        match nbytes {
            // if (nbytes == 0) {
            //     printf("selectserver: socket %d hung up\n", s);
            Ok(_) => println!("selectserver: socket {s} hung up"),
            // } else {
            //     perror("recv");
            Err(e) => e.perror("recv"),
        }
        // close(s); // bye!
        // FD_CLR(s, master); // remove from master set
        // (socklab: FD_CLR hands the fd back, which is then closed)
        if let Some(fd) = master.remove(s) {
            let _ = sys::close(fd);
        }
    // } else {
    } else if let Ok(n) = nbytes {
        // broadcast(buf, nbytes, listener, s, master, fdmax);
        broadcast(&buf[..n], listener, s, master, fdmax);
    }
}

// int main(int argc, char *argv[]) // socklab: was main(void)
fn main() {
    let port = std::env::args().nth(1).unwrap_or_else(|| PORT.to_string());

    // FD_ZERO(&master);    // clear the master and temp sets
    // FD_ZERO(&read_fds);
    let mut master = SelectSet::new();
    let mut read_fds;

    // listener = get_listener_socket(argc > 1 ? argv[1] : PORT); // socklab
    let listener = get_listener_socket(&port);

    // FD_SET(listener, &master);
    let l = match master.insert(listener) {
        Ok(l) => l,
        Err(e) => {
            fprintf_stderr(format!("selectserver: {e}\n"));
            exit(4)
        }
    };

    // fdmax = listener; // so far, it's this one
    let mut fdmax = l;

    // for(;;) {
    loop {
        // read_fds = master; // copy it
        read_fds = master.fd_set();
        // if (select(fdmax+1, &read_fds, NULL, NULL, NULL) == -1) {
        if let Err(e) = sys::select(fdmax + 1, Some(&mut read_fds), None, None, None) {
            // perror("select");
            e.perror("select");
            // exit(4);
            exit(4);
        }
        // (socklab: read_fds borrows master's fds, and the loop changes master: its ready
        // numbers are read out first; a new fd is never in them, as in C)
        let ready: Vec<RawFd> = read_fds.fds().collect();

        // for(int i = 0; i <= fdmax; i++) {
        //     if (FD_ISSET(i, &read_fds)) { // we got one!!
        for i in ready {
            // if (i == listener)
            if i == l {
                // handle_new_connection(i, &master, &fdmax);
                handle_new_connection(i, &mut master, &mut fdmax);
            // else
            } else {
                // handle_client_data(i, listener, &master, fdmax);
                handle_client_data(i, l, &mut master, fdmax);
            }
        }
    }
}
