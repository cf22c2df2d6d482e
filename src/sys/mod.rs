//! `socklab::sys`: one safe function per C socket call, named and ordered like C, built on the
//! `unsafe` C-signature twins in [`raw`]. Every `unsafe` block of the crate lives in this folder.
//!
//! The contract, for every function here:
//! - the name and argument order are C's (`bind(sockfd, addr)`, `recv(sockfd, buf, flags)`);
//!   pointer + length pairs become one Rust value (`&SockAddr`, `&[u8]`);
//! - fds come in as `impl AsFd` (borrowed) and new fds go out as `OwnedFd`;
//! - flags are passed exactly as given: no hidden `SOCK_CLOEXEC`, `SO_REUSEADDR` or
//!   `MSG_NOSIGNAL`;
//! - `EINTR` is returned, never retried (the [`Socket`](crate::Socket) layer documents where it
//!   retries);
//! - a failure is an [`Error`] that keeps the errno and prints like strace.
//!
//! The common constants are re-exported from `libc` so C code ports with its names unchanged.

mod addr;
pub mod cfloor;
mod errno;
mod fcntl;
pub mod filter;
pub(crate) mod fmt;
mod io;
mod msg;
pub mod ns;
pub mod opt;
mod poll;
pub mod raw;
mod sched;
mod socket;
#[cfg(feature = "inline-syscalls")]
mod syscall;
pub(crate) mod trace;

pub use addr::SockAddr;
pub(crate) use errno::cvt;
pub use errno::{Errno, Error, Result};

// Messages (msg.rs): sendmsg/recvmsg with control data, sendmmsg/recvmmsg with a reusable batch.
pub use libc::{MSG_CMSG_CLOEXEC, SCM_CREDENTIALS, SCM_RIGHTS};
pub use msg::{
    cmsg_len, cmsg_space, recvmmsg, recvmsg, sendmmsg, sendmsg, Cmsg, CmsgBuffer, CmsgIter,
    MmsgBatch, MmsgMsg, RecvMsg,
};

pub use fcntl::{fcntl, FcntlArg};
pub use io::{read, recv, recvfrom, send, sendto, write, RecvBuf};
pub use opt::{
    get_opt, getsockopt, getsockopt_plain, set_opt, setsockopt, setsockopt_plain, GetOpt, Plain,
    SetOpt, SockOpt,
};
pub use poll::{poll, PollFd};
pub use sched::{sched_getaffinity, sched_setaffinity, CpuSet};
pub use socket::{
    accept, accept4, bind, close, connect, getpeername, getsockname, listen, shut_how, shutdown,
    socket, socketpair,
};

pub use libc::{
    AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, INADDR_ANY, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP,
    IPPROTO_UDP, MSG_CTRUNC, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_PEEK, MSG_TRUNC, MSG_WAITALL,
    MSG_WAITFORONE, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_RAW,
    SOCK_SEQPACKET, SOCK_STREAM, SOL_SOCKET,
};
