//! `passfd.c` (a server that hands each connection to a worker process over a Unix socket pair
//! with `SCM_RIGHTS`), ported line for line to `socklab::sys`: the C original is
//! `c/ports/passfd.c`, each C line sits above its Rust step.
//! Run: `cargo run --example passfd -- 9037`, then `printf 'hi\n' | nc -q1 127.0.0.1 9037`.
//!
//! Sockets and control messages are socklab's (`socketpair`, `CmsgBuffer::push_fds` and
//! `sendmsg_cmsg`, `recvmsg` into a `CmsgBuffer` whose `take_fds` hands the received fd over
//! as an `OwnedFd`). `fork`, `waitpid` and `WEXITSTATUS` are process calls, not socket calls:
//! they come from `libc` (PORTING.md, "Process calls"), and `fork` is `unsafe`: after it, the
//! child of a multi-threaded program may only make async-signal-safe calls. This program has
//! one thread when it forks, which is what makes the child's Rust code sound, as C's.

#[path = "cstdio.rs"]
mod cstdio;

use std::io::{IoSlice, IoSliceMut};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{AsFd, OwnedFd};
use std::process::exit;

use cstdio::{fprintf_stderr, printf_bytes};
use socklab::sys::{self, cmsg_len, cmsg_space, CmsgBuffer, SockAddr};
use socklab::sys::{AF_INET, AF_UNIX, INADDR_ANY, SCM_RIGHTS, SOCK_STREAM, SOL_SOCKET};

// #define PORT 9037
const PORT: u16 = 9037;

// int send_fd(int sock, int fd)
fn send_fd(sock: &OwnedFd, fd: &OwnedFd) -> sys::Result<()> {
    // char byte = 'F';
    // iov.iov_base = &byte; iov.iov_len = 1;
    let byte = [b'F'];
    let iov = [IoSlice::new(&byte)];
    // msg.msg_control = u.buf; msg.msg_controllen = sizeof u.buf;
    // cmsg->cmsg_level = SOL_SOCKET; cmsg->cmsg_type = SCM_RIGHTS;
    // cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    // memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    let mut control = CmsgBuffer::new();
    control.push_fds(&[fd.as_fd()]);
    // msg.msg_name = NULL; msg.msg_namelen = 0;
    // return sendmsg(sock, &msg, 0) == -1 ? -1 : 0;
    sys::sendmsg_cmsg(sock, None, &iov, &control, 0).map(drop)
}

// int recv_fd(int sock)
fn recv_fd(sock: &OwnedFd) -> Option<OwnedFd> {
    // char byte;
    // iov.iov_base = &byte; iov.iov_len = 1;
    let mut byte = [0u8; 1];
    // union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    // msg.msg_control = u.buf; msg.msg_controllen = sizeof u.buf;
    let mut control = CmsgBuffer::with_capacity(cmsg_space(size_of::<i32>()));
    // struct msghdr msg = {0};   (msg_name NULL: socklab's recvmsg_into with None)
    // if (recvmsg(sock, &msg, 0) <= 0) return -1;
    let iov = &mut [IoSliceMut::new(&mut byte)];
    match sys::recvmsg_into(sock, None, iov, Some(&mut control), 0) {
        Ok(r) if r.bytes > 0 => {}
        _ => return None,
    }
    // cmsg = CMSG_FIRSTHDR(&msg);
    // if (cmsg == NULL || cmsg->cmsg_len != CMSG_LEN(sizeof(int)) ||
    //     cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) return -1;
    let mut cmsg = control.iter_mut().next()?;
    if cmsg.len_field() != cmsg_len(size_of::<i32>())
        || cmsg.cmsg_level != SOL_SOCKET
        || cmsg.cmsg_type != SCM_RIGHTS
    {
        return None;
    }
    // memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
    // return fd;
    cmsg.take_fds().pop()
}

// void worker(int sock)
fn worker(sock: OwnedFd) -> ! {
    // char buf[256];
    let mut buf = [0u8; 256];
    // int fd = recv_fd(sock);
    let fd = recv_fd(&sock);

    // close(sock);
    let _ = sys::close(sock);
    // if (fd == -1) {
    let Some(fd) = fd else {
        // fprintf(stderr, "passfd: worker: no fd received\n");
        fprintf_stderr("passfd: worker: no fd received\n".to_string());
        // exit(1);
        exit(1)
    };

    // if ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
    if let Ok(n @ 1..) = sys::recv(&fd, &mut buf, 0) {
        // printf("passfd: worker got %.*s", (int)n, buf);
        printf_bytes(&[b"passfd: worker got ", &buf[..n]]);
        // if (send(fd, buf, n, 0) == -1) perror("send");
        if let Err(e) = sys::send(&fd, &buf[..n], 0) {
            e.perror("send");
        }
    }

    // close(fd);
    let _ = sys::close(fd);
    // exit(0);
    exit(0)
}

// int main(int argc, char *argv[])
fn main() {
    // if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
    let (sv0, sv1) = match sys::socketpair(AF_UNIX, SOCK_STREAM, 0) {
        Ok(sv) => sv,
        Err(e) => {
            // perror("socketpair");
            e.perror("socketpair");
            // exit(1);
            exit(1)
        }
    };

    // if ((pid = fork()) == -1) {
    // SAFETY: the program has one thread here (nothing has spawned one), so the child may run
    // any code, as a forked C program may; it only touches fds and memory of its own copy.
    let pid = unsafe { libc::fork() };
    if pid == -1 {
        // perror("fork");
        eprintln!("fork: {}", std::io::Error::last_os_error());
        // exit(1);
        exit(1);
    }
    // if (pid == 0) { // the worker
    if pid == 0 {
        // close(sv[0]);
        let _ = sys::close(sv0);
        // worker(sv[1]);
        worker(sv1);
    }
    // close(sv[1]);
    let _ = sys::close(sv1);

    // listener = socket(AF_INET, SOCK_STREAM, 0);
    let Ok(listener) = sys::socket(AF_INET, SOCK_STREAM, 0) else {
        exit(1) // (socklab: C goes on with -1, whose calls then fail with EBADF)
    };
    // setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(int));
    let _ = sys::set_opt(&listener, sys::opt::SoReuseAddr, true);
    // memset(&addr, 0, sizeof addr);
    // addr.sin_family = AF_INET;
    // addr.sin_addr.s_addr = htonl(INADDR_ANY);
    // addr.sin_port = htons(argc > 1 ? atoi(argv[1]) : PORT);
    let port = std::env::args()
        .nth(1)
        .map_or(PORT, |p| p.trim().parse().unwrap_or(0));
    let addr = SockAddr::from(SocketAddrV4::new(Ipv4Addr::from(INADDR_ANY), port));
    // if (bind(listener, (struct sockaddr *)&addr, sizeof addr) == -1) {
    if let Err(e) = sys::bind(&listener, &addr) {
        // perror("bind");
        e.perror("bind");
        // exit(1);
        exit(1);
    }
    // if (listen(listener, 10) == -1) {
    if let Err(e) = sys::listen(&listener, 10) {
        // perror("listen");
        e.perror("listen");
        // exit(1);
        exit(1);
    }
    // printf("passfd: waiting for a connection\n");
    println!("passfd: waiting for a connection");

    // if ((conn = accept(listener, NULL, NULL)) == -1) {
    let conn = match sys::accept(&listener, None) {
        Ok(conn) => conn,
        Err(e) => {
            // perror("accept");
            e.perror("accept");
            // exit(1);
            exit(1)
        }
    };
    // if (send_fd(sv[0], conn) == -1) perror("sendmsg");
    if let Err(e) = send_fd(&sv0, &conn) {
        e.perror("sendmsg");
    }
    // close(conn); // the worker has its own copy now
    let _ = sys::close(conn);
    // close(sv[0]);
    let _ = sys::close(sv0);

    // if (waitpid(pid, &status, 0) == -1) {
    let mut status = 0;
    // SAFETY: `status` is a writable int for the call.
    if unsafe { libc::waitpid(pid, &mut status, 0) } == -1 {
        // perror("waitpid");
        eprintln!("waitpid: {}", std::io::Error::last_os_error());
        // exit(1);
        exit(1);
    }
    // printf("passfd: worker exited with %d\n", WEXITSTATUS(status));
    println!("passfd: worker exited with {}", libc::WEXITSTATUS(status));

    // close(listener);
    let _ = sys::close(listener);

    // return 0;
}
