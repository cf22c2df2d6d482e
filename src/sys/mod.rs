//! `socklab::sys`: one safe function per C socket call, named and ordered like C, built on the
//! `unsafe` C-signature twins in [`raw`]. One of the three modules of the crate that may use
//! `unsafe` (with the C floor's FFI and the io-uring paths in `compare`), each block with its
//! `// SAFETY:` comment.
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

/// `#[doc = man_links!(bind(2))]`: a `# References` section linking each Linux man page on
/// man7.org (socket2's `man_links!`, Linux only); `man_links!(netdevice(7), ioctl(2))` for
/// several.
macro_rules! man_links {
    ($($name:ident($section:literal)),+ $(,)?) => {
        concat!(
            "\n\n# References\n",
            $(
                "- [`", stringify!($name), "(", $section, ")`](https://man7.org/linux/man-pages/man",
                $section, "/", stringify!($name), ".", $section, ".html)\n",
            )+
        )
    };
}

// The `(call, errno) → cause` table and `errors_doc!`, before every module whose docs use it.
#[macro_use]
pub(crate) mod causes;

mod addr;
mod args;
mod cmsg_typed;
mod consts;
mod epoll;
mod errno;
mod fcntl;
pub mod filter;
mod inet;
mod io;
mod ioctl;
mod msg;
mod names;
mod netdb;
#[cfg(feature = "experiments")]
#[cfg_attr(docsrs, doc(cfg(feature = "experiments")))]
pub mod ns;
pub mod opt;
mod poll;
pub mod raw;
mod refuse;
mod sched;
mod select;
mod services;
pub mod signal;
mod socket;
#[cfg(feature = "inline-syscalls")]
mod syscall;
pub(crate) mod trace;
mod written;
mod zeroed;

pub use addr::{AddrLen, SockAddr};
pub(crate) use args::Args;
pub(crate) use errno::cvt;
pub use errno::{Eai, Errno, Error, Result};
pub(crate) use refuse::refuse;

// strace's notation (the tracer's), which the errors print their arguments in too.
use trace::fmt;

// Messages (msg/: the calls in mod.rs, control data in cmsg.rs, the batch in mmsg.rs):
// sendmsg/recvmsg with control data, sendmmsg/recvmmsg with a reusable batch.
pub use libc::{MSG_CMSG_CLOEXEC, SCM_CREDENTIALS, SCM_RIGHTS};
pub use msg::{
    cmsg_len, cmsg_space, recvmmsg, recvmsg, recvmsg_into, sendmmsg, sendmsg, sendmsg_cmsg,
    sendmsg_unchecked, Cmsg, CmsgBuffer, CmsgIter, CmsgIterMut, CmsgMut, MmsgBatch, MmsgMsg,
    RecvMsg,
};

pub use fcntl::{fcntl, FcntlArg};
pub use io::{read, recv, recvfrom, recvfrom_into, send, sendto, write, RecvBuf};
pub use opt::{
    get_opt, get_opt_into, getsockopt, getsockopt_plain, set_opt, setsockopt, setsockopt_plain,
    GetOpt, Plain, SetOpt, SockOpt,
};
pub use poll::{poll, PollEntry, PollFd, PollFds, PollSet, RawPollFd};

// What real C socket programs use beyond the seed's calls.
pub use cmsg_typed::Ucred;
pub use consts::*;
pub use epoll::{epoll_create1, epoll_ctl, epoll_pwait, epoll_wait, EpollEvent};
pub use inet::{
    htonl, htons, inet_ntop, inet_pton, ntohl, ntohs, INET6_ADDRSTRLEN, INET_ADDRSTRLEN,
};
pub use ioctl::{
    ioctl, sockatmark, IntIoctl, FIONREAD, SIOCATMARK, SIOCINQ, SIOCOUTQ, SIOCOUTQNSD,
};
pub use netdb::{
    freeaddrinfo, gai_strerror, getaddrinfo, getnameinfo, AddrInfo, AddrInfoHints, AddrInfoIter,
    AddrInfoList,
};
pub use sched::{sched_getaffinity, sched_setaffinity, CpuSet};
pub use select::{pselect, select, FdSet, InsertError, SelectSet};
pub use services::{getservbyname, Servent};
pub use socket::{
    accept, accept4, accept4_into, accept_into, bind, close, connect, getpeername,
    getpeername_into, getsockname, getsockname_into, listen, shut_how, shutdown, socket,
    socketpair,
};

pub use libc::{
    AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, INADDR_ANY, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP,
    IPPROTO_UDP, MSG_CTRUNC, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_PEEK, MSG_TRUNC, MSG_WAITALL,
    MSG_WAITFORONE, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_RAW,
    SOCK_SEQPACKET, SOCK_STREAM, SOL_SOCKET,
};
