//! Why each call fails: the one table of `(call, errno) → usual cause` behind both the `# Errors`
//! section of every `sys` function and `socklab explain` (the `explain` module reads it).
//!
//! One invocation of `causes!` below holds the table and expands to two things:
//! - `errors_doc!(call)`, a macro the docs use as `#[doc = errors_doc!(bind)]`: the text of
//!   `bind`'s `# Errors` section, one line per errno, built by `concat!` at compile time;
//! - `CALLS`, the same rows as data, which `explain` reads per errno.
//!
//! So a fn's documented errors and what `socklab explain` prints for them cannot drift apart.
//! A cause names the usual reason in a few words; where socklab itself refuses a call before the
//! kernel sees it (a truncated address, `MSG_SOCK_DEVMEM`), the same line says so (those errors
//! are made by `sys::refuse`, and the log shows each as a marked line). `EFAULT` is
//! listed only under `sys::raw`: the safe functions cannot pass the kernel a bad pointer.
//!
//! The unit test at the end checks, from the sources, that every public function of `sys` with
//! a `Result` takes its `# Errors` from here (and that every row is documented somewhere), that
//! each names its C call, links its man page and carries the C name as a doc alias.

use super::{Eai, Errno};

/// One call's rows: the errors it returns, each with its usual cause.
pub(crate) struct CallErrors {
    /// The key the docs use: `errors_doc!(bind)`.
    #[allow(dead_code)] // read by the tests
    pub(crate) key: &'static str,
    /// The call as `socklab explain` prints it: `bind`, `ioctl(SIOCGIFFLAGS)`.
    pub(crate) call: &'static str,
    /// `(code name, cause)`: `("EADDRINUSE", "another socket …")`; the name is an errno's or an
    /// `EAI_*` code's.
    pub(crate) errors: &'static [(&'static str, &'static str)],
}

/// `causes! { key [as "shown"] { Errno::ECODE: "cause", Eai::EAI_CODE: "cause", … } … }`.
macro_rules! causes {
    ($(
        $key:ident $(as $shown:literal)? {
            $($kind:ident :: $code:ident : $cause:expr),* $(,)?
        }
    )*) => {
        /// `#[doc = errors_doc!(bind)]`: `bind`'s `# Errors` section from the table in
        /// `sys::causes`, one line per errno.
        macro_rules! errors_doc {
            $(
                ($key) => {
                    concat!("# Errors\n", $("- `", stringify!($code), "`: ", $cause, "\n",)*)
                };
            )*
        }

        /// Every row of the table, in its order.
        pub(crate) static CALLS: &[CallErrors] = &[
            $(
                CallErrors {
                    key: stringify!($key),
                    call: causes!(@shown $key $($shown)?),
                    errors: &[$({
                        // The code must exist: `Errno::ECODE` or `Eai::EAI_CODE`.
                        const _: () = { let _ = $kind::$code; };
                        (stringify!($code), $cause)
                    }),*],
                },
            )*
        ];

        /// Each key with the text `errors_doc!` gives rustdoc for it.
        #[cfg(test)]
        fn rendered() -> Vec<(&'static str, &'static str)> {
            vec![$((stringify!($key), errors_doc!($key))),*]
        }
    };
    (@shown $key:ident) => { stringify!($key) };
    (@shown $key:ident $shown:literal) => { $shown };
}

// Causes many calls share, word for word (`socklab explain` prints them once, with the calls).
macro_rules! ebadf {
    () => {
        "the fd cannot be used for this call: in safe code an `O_PATH` fd; through `sys::raw` a \
         closed or never-opened number"
    };
}
macro_rules! enotsock {
    () => {
        "the fd is open but is not a socket (a file, a pipe, stdin)"
    };
}
macro_rules! eintr {
    () => {
        "a signal handler ran while the call blocked (installed without `SA_RESTART`, or a call \
         the kernel never restarts); returned, never retried"
    };
}
macro_rules! emfile {
    () => {
        "the process has `RLIMIT_NOFILE` fds open (an fd leak, or a busy server under the default \
         soft limit of 1024)"
    };
}
macro_rules! enfile {
    () => {
        "the whole system reached `fs.file-max` open files"
    };
}
macro_rules! enomem {
    () => {
        "the kernel could not allocate memory for the call"
    };
}
macro_rules! recv_eagain {
    () => {
        "non-blocking (`O_NONBLOCK` or `MSG_DONTWAIT`) and nothing has arrived, or `SO_RCVTIMEO` \
         expired on a blocking socket"
    };
}
macro_rules! send_eagain {
    () => {
        "non-blocking (`O_NONBLOCK` or `MSG_DONTWAIT`) and the send buffer is full, or \
         `SO_SNDTIMEO` expired on a blocking socket"
    };
}
macro_rules! truncated {
    () => {
        "socklab, before the call: the address is a truncated `SockAddr` (`is_truncated`), never \
         passed on"
    };
}
macro_rules! devmem {
    () => {
        "socklab, before the call: `MSG_SOCK_DEVMEM` in `flags` (the kernel would count \
         fragments it never copies into the buffer)"
    };
}
macro_rules! recv_einval {
    () => {
        concat!(
            "`MSG_OOB` with no urgent data pending (or it is read inline, `SO_OOBINLINE`); ",
            devmem!()
        )
    };
}
macro_rules! econnrefused_dgram {
    () => {
        "a connected UDP socket: an earlier datagram drew an ICMP port unreachable (nobody is \
         bound to that port)"
    };
}
macro_rules! econnreset {
    () => {
        "the peer reset the connection (RST): it closed with unread data, set `SO_LINGER` \
         {1, 0}, or crashed"
    };
}
macro_rules! enotconn_recv {
    () => {
        "a stream socket that was never connected (or whose connect failed)"
    };
}
macro_rules! etimedout_data {
    () => {
        "the connection died: retransmissions or keepalive probes went unanswered \
         (`TCP_USER_TIMEOUT`, `net.ipv4.tcp_retries2`)"
    };
}
macro_rules! eopnotsupp_flags {
    () => {
        "a flag the socket type does not support (`MSG_OOB` on a Unix or UDP socket)"
    };
}
macro_rules! epipe_send {
    () => {
        "the connection is closed for writing: `shutdown(SHUT_WR)`, a peer that closed and reset \
         it, or (TCP) never connected; raises `SIGPIPE` unless `MSG_NOSIGNAL` is in `flags` (a \
         Rust program ignores `SIGPIPE`)"
    };
}
macro_rules! emsgsize_send {
    () => {
        "a datagram larger than the protocol allows (65507 bytes of UDP/IPv4 payload), than the \
         path MTU with `IP_PMTUDISC_DO`, or (Unix) than the send buffer"
    };
}
macro_rules! enobufs_send {
    () => {
        "the interface queue or the kernel's socket memory is exhausted (a UDP flood; Linux \
         usually drops the datagram instead)"
    };
}
macro_rules! enotconn_send {
    () => {
        "a connection-mode socket that is not connected (Unix stream, `SOCK_SEQPACKET`; TCP \
         gives `EPIPE` instead)"
    };
}
macro_rules! eacces_sendto {
    () => {
        "(UDP) a broadcast address without `SO_BROADCAST`; (Unix) no write permission on the \
         destination path"
    };
}
macro_rules! eafnosupport_addr {
    () => {
        "the address's `sa_family` does not match the socket (an `AF_INET6` address on an \
         `AF_INET` socket)"
    };
}
macro_rules! enoent_sendto {
    () => {
        "(Unix datagram) the destination path does not exist"
    };
}
macro_rules! eisconn_sendto {
    () => {
        "(Unix stream) an address given on a connected socket (TCP ignores the address)"
    };
}
macro_rules! ehostunreach {
    () => {
        "no route to the host, or an ICMP host unreachable came back (often a firewall REJECT); \
         for datagrams, reported on a later call"
    };
}
macro_rules! enetunreach {
    () => {
        "no route to the destination network (no default route, or IPv6 on an IPv4-only host)"
    };
}
macro_rules! eperm_firewall {
    () => {
        "a firewall (netfilter) rule refused the packet"
    };
}
macro_rules! accept_eagain {
    () => {
        "a non-blocking listener has no pending connection"
    };
}
macro_rules! econnaborted {
    () => {
        "a queued connection was reset (RST) by the client before accept took it; call accept \
         again"
    };
}
macro_rules! accept_enobufs {
    () => {
        "not enough memory for the new socket (often the socket buffer limits, not the system's \
         memory)"
    };
}
macro_rules! accept_eopnotsupp {
    () => {
        "the socket type does not accept connections (`SOCK_DGRAM`)"
    };
}
macro_rules! eproto {
    () => {
        "a protocol error on the connection being accepted"
    };
}
macro_rules! wait_einval {
    () => {
        "`epfd` is not an epoll fd, or `events` is empty (`maxevents` 0)"
    };
}
macro_rules! select_einval {
    () => {
        "a negative `nfds` or an invalid timeout; socklab, before the call: `nfds` above \
         `FD_SETSIZE` (1024), which would make the kernel read and write past the sets"
    };
}
macro_rules! select_ebadf {
    () => {
        "an fd in a set is not open (`FdSet::set` through `unsafe`, or a number closed since)"
    };
}
macro_rules! eai_system {
    () => {
        "a system call failed inside the resolver: the `Error` carries its errno (`err.errno()`)"
    };
}
macro_rules! ifreq_einval {
    () => {
        "socklab, before the call: an interface name longer than `IFNAMSIZ - 1` (15) bytes or \
         holding a NUL"
    };
}
macro_rules! enodev_if {
    () => {
        "no interface of that name in the calling thread's network namespace"
    };
}
macro_rules! enotty_if {
    () => {
        "the fd is not a socket"
    };
}

causes! {
    // ---- socket.rs ----
    socket {
        Errno::EACCES: "the process may not create this type or protocol (a security module's policy)",
        Errno::EAFNOSUPPORT: "the address family is unknown or not built into the kernel (`socket(47, …)`)",
        Errno::EINVAL: "flags in `type` other than `SOCK_NONBLOCK` and `SOCK_CLOEXEC`, or an unknown type",
        Errno::EMFILE: emfile!(),
        Errno::ENFILE: enfile!(),
        Errno::ENOBUFS: "the kernel could not allocate the socket",
        Errno::ENOMEM: "the kernel could not allocate the socket",
        Errno::EPERM: "`SOCK_RAW` or `AF_PACKET` without `CAP_NET_RAW`",
        Errno::EPROTONOSUPPORT: "the protocol does not fit the family and type (`IPPROTO_UDP` with `SOCK_STREAM`), or its module is not loaded (SCTP)",
        Errno::ESOCKTNOSUPPORT: "the type does not exist in this family (`SOCK_SEQPACKET` on `AF_INET`)",
    }
    socketpair {
        Errno::EAFNOSUPPORT: "the address family is unknown or not built into the kernel",
        Errno::EINVAL: "flags in `type` other than `SOCK_NONBLOCK` and `SOCK_CLOEXEC`",
        Errno::EMFILE: emfile!(),
        Errno::ENFILE: enfile!(),
        Errno::EOPNOTSUPP: "the family has no socket pairs: only `AF_UNIX` has (`AF_INET` gives this)",
        Errno::EPROTONOSUPPORT: "a protocol other than 0 for `AF_UNIX`",
        Errno::ESOCKTNOSUPPORT: "a type `AF_UNIX` does not have (`SOCK_RDM`)",
    }
    bind {
        Errno::EACCES: "a port below `net.ipv4.ip_unprivileged_port_start` (1024) without `CAP_NET_BIND_SERVICE`; (Unix) no search permission on a directory of the path",
        Errno::EADDRINUSE: "another socket holds the address and port (a live listener, or `TIME_WAIT` after a restart: set `SO_REUSEADDR`), or port 0 found no free ephemeral port; (Unix) the socket file already exists (unlink(2) it first)",
        Errno::EADDRNOTAVAIL: "the address is not one of this host's (a typo, an interface that is down or not configured yet)",
        Errno::EAFNOSUPPORT: eafnosupport_addr!(),
        Errno::EBADF: ebadf!(),
        Errno::EINVAL: concat!("the socket is already bound, or `addrlen` is wrong for the family; ", truncated!()),
        Errno::ELOOP: "(Unix) too many symbolic links in the path",
        Errno::ENOENT: "(Unix) a directory of the path does not exist",
        Errno::ENOMEM: enomem!(),
        Errno::ENOTDIR: "(Unix) a component of the path's prefix is not a directory",
        Errno::ENOTSOCK: enotsock!(),
        Errno::EROFS: "(Unix) the socket file would be on a read-only filesystem",
    }
    listen {
        Errno::EADDRINUSE: "another socket listens on the same port (without matching `SO_REUSEPORT`), or the socket was never bound and no ephemeral port was free",
        Errno::EBADF: ebadf!(),
        Errno::EINVAL: "the socket is connected, or connecting: it cannot listen",
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: "the socket type does not accept connections (`SOCK_DGRAM`)",
    }
    accept {
        Errno::EAGAIN: accept_eagain!(),
        Errno::EBADF: ebadf!(),
        Errno::ECONNABORTED: econnaborted!(),
        Errno::EINTR: eintr!(),
        Errno::EINVAL: "the socket is not listening (`listen` was not called)",
        Errno::EMFILE: emfile!(),
        Errno::ENFILE: enfile!(),
        Errno::ENOBUFS: accept_enobufs!(),
        Errno::ENOMEM: accept_enobufs!(),
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: accept_eopnotsupp!(),
        Errno::EPERM: eperm_firewall!(),
        Errno::EPROTO: eproto!(),
    }
    accept4 {
        Errno::EAGAIN: accept_eagain!(),
        Errno::EBADF: ebadf!(),
        Errno::ECONNABORTED: econnaborted!(),
        Errno::EINTR: eintr!(),
        Errno::EINVAL: "the socket is not listening (`listen` was not called), or `flags` holds more than `SOCK_NONBLOCK` and `SOCK_CLOEXEC`",
        Errno::EMFILE: emfile!(),
        Errno::ENFILE: enfile!(),
        Errno::ENOBUFS: accept_enobufs!(),
        Errno::ENOMEM: accept_enobufs!(),
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: accept_eopnotsupp!(),
        Errno::EPERM: eperm_firewall!(),
        Errno::EPROTO: eproto!(),
    }
    connect {
        Errno::EACCES: "(Unix) no write permission on the socket file or no search permission on a directory of its path; (UDP) a broadcast address without `SO_BROADCAST`",
        Errno::EADDRINUSE: "the local address is in use: the bound port already has a connection to this destination",
        Errno::EADDRNOTAVAIL: "no ephemeral port left for this destination (`net.ipv4.ip_local_port_range` used up)",
        Errno::EAFNOSUPPORT: eafnosupport_addr!(),
        Errno::EAGAIN: "(Unix) a non-blocking connect to a listener whose backlog is full",
        Errno::EALREADY: "a non-blocking connect is already in progress on this socket: poll for `POLLOUT`, then read `SO_ERROR`",
        Errno::EBADF: ebadf!(),
        Errno::ECONNREFUSED: "nothing listens there: the peer's kernel answered the SYN with RST; (Unix) the socket file exists but nobody listens on it",
        Errno::ECONNRESET: "the handshake was reset (a listener whose queue overflowed with `tcp_abort_on_overflow`, or a middlebox)",
        Errno::EHOSTUNREACH: ehostunreach!(),
        Errno::EINPROGRESS: "a non-blocking TCP connect has started: poll for `POLLOUT`, then `SO_ERROR` tells how it ended",
        Errno::EINTR: "a signal interrupted a blocking connect; the handshake goes on: poll for `POLLOUT` and read `SO_ERROR`, do not connect again",
        Errno::EINVAL: concat!("`addrlen` is wrong for the family; ", truncated!()),
        Errno::EISCONN: "the socket is already connected (a second connect on TCP)",
        Errno::ENETUNREACH: enetunreach!(),
        Errno::ENOENT: "(Unix) the socket path does not exist (the server is not started, or removed it)",
        Errno::ENOTSOCK: enotsock!(),
        Errno::EPERM: eperm_firewall!(),
        Errno::EPROTOTYPE: "(Unix) the listener's type differs (a `SOCK_DGRAM` client to a `SOCK_STREAM` path)",
        Errno::ETIMEDOUT: "no answer to the SYNs: the host is down or packets are dropped (about 130 s with the default `net.ipv4.tcp_syn_retries`)",
    }
    shutdown {
        Errno::EBADF: ebadf!(),
        Errno::ENOTCONN: "the socket is not connected",
        Errno::ENOTSOCK: enotsock!(),
    }
    close {
        Errno::EDQUOT: "(NFS) a quota error of an earlier write, reported at close",
        Errno::EINTR: "a signal interrupted the close; on Linux the fd is closed all the same: never close it again",
        Errno::EIO: "an I/O error of the file's earlier writes",
        Errno::ENOSPC: "(NFS) a disk-full error of an earlier write, reported at close",
    }
    getsockname {
        Errno::EBADF: ebadf!(),
        Errno::ENOBUFS: "the kernel lacked the resources to answer",
        Errno::ENOTSOCK: enotsock!(),
    }
    getpeername {
        Errno::EBADF: ebadf!(),
        Errno::ENOBUFS: "the kernel lacked the resources to answer",
        Errno::ENOTCONN: "the socket is not connected: there is no peer",
        Errno::ENOTSOCK: enotsock!(),
    }

    // ---- io.rs ----
    read {
        Errno::EAGAIN: recv_eagain!(),
        Errno::EBADF: "the fd is not open for reading (a write-only file, an `O_PATH` fd)",
        Errno::ECONNREFUSED: econnrefused_dgram!(),
        Errno::ECONNRESET: econnreset!(),
        Errno::EINTR: eintr!(),
        Errno::EINVAL: "the fd cannot be read (an epoll fd), or not with this buffer size (an eventfd or timerfd with fewer than 8 bytes)",
        Errno::EIO: "an I/O error of the file (or a background process reading its terminal)",
        Errno::EISDIR: "the fd is a directory",
        Errno::ENOTCONN: enotconn_recv!(),
        Errno::ETIMEDOUT: etimedout_data!(),
    }
    recv {
        Errno::EAGAIN: recv_eagain!(),
        Errno::EBADF: ebadf!(),
        Errno::ECONNREFUSED: econnrefused_dgram!(),
        Errno::ECONNRESET: econnreset!(),
        Errno::EINTR: eintr!(),
        Errno::EINVAL: recv_einval!(),
        Errno::ENOMEM: enomem!(),
        Errno::ENOTCONN: enotconn_recv!(),
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: eopnotsupp_flags!(),
        Errno::ETIMEDOUT: etimedout_data!(),
    }
    recvfrom {
        Errno::EAGAIN: recv_eagain!(),
        Errno::EBADF: ebadf!(),
        Errno::ECONNREFUSED: econnrefused_dgram!(),
        Errno::ECONNRESET: econnreset!(),
        Errno::EINTR: eintr!(),
        Errno::EINVAL: recv_einval!(),
        Errno::ENOMEM: enomem!(),
        Errno::ENOTCONN: enotconn_recv!(),
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: eopnotsupp_flags!(),
        Errno::ETIMEDOUT: etimedout_data!(),
    }
    write {
        Errno::EAGAIN: send_eagain!(),
        Errno::EBADF: "the fd is not open for writing (a read-only file, an `O_PATH` fd)",
        Errno::ECONNRESET: econnreset!(),
        Errno::EDESTADDRREQ: "an unconnected datagram socket has no destination: use `sendto`, or `connect` first",
        Errno::EDQUOT: "(a file) the user's disk quota is used up",
        Errno::EINTR: eintr!(),
        Errno::EINVAL: "the fd cannot be written (an epoll fd), or not with this buffer size (an eventfd with fewer than 8 bytes)",
        Errno::EIO: "an I/O error of the file",
        Errno::EMSGSIZE: emsgsize_send!(),
        Errno::ENOSPC: "(a file) the device is full",
        Errno::EPIPE: "the connection is closed for writing (`shutdown(SHUT_WR)`, a peer that closed and reset it, or a TCP socket never connected) or a pipe has no reader; raises `SIGPIPE` (write has no `MSG_NOSIGNAL`; a Rust program ignores it)",
    }
    send {
        Errno::EAGAIN: send_eagain!(),
        Errno::EBADF: ebadf!(),
        Errno::ECONNREFUSED: econnrefused_dgram!(),
        Errno::ECONNRESET: econnreset!(),
        Errno::EDESTADDRREQ: "an unconnected datagram socket has no destination: use `sendto`, or `connect` first",
        Errno::EINTR: eintr!(),
        Errno::EINVAL: "an invalid argument: an unknown flag combination for the protocol",
        Errno::EMSGSIZE: emsgsize_send!(),
        Errno::ENOBUFS: enobufs_send!(),
        Errno::ENOMEM: enomem!(),
        Errno::ENOTCONN: enotconn_send!(),
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: eopnotsupp_flags!(),
        Errno::EPIPE: epipe_send!(),
    }
    sendto {
        Errno::EACCES: eacces_sendto!(),
        Errno::EADDRNOTAVAIL: "the bound source address (or `IP_PKTINFO`'s) cannot be used to reach the destination",
        Errno::EAFNOSUPPORT: eafnosupport_addr!(),
        Errno::EAGAIN: send_eagain!(),
        Errno::EBADF: ebadf!(),
        Errno::ECONNREFUSED: econnrefused_dgram!(),
        Errno::ECONNRESET: econnreset!(),
        Errno::EHOSTUNREACH: ehostunreach!(),
        Errno::EINTR: eintr!(),
        Errno::EINVAL: concat!("a destination the protocol refuses (UDP to port 0) or a wrong `addrlen`; ", truncated!()),
        Errno::EISCONN: eisconn_sendto!(),
        Errno::EMSGSIZE: emsgsize_send!(),
        Errno::ENETUNREACH: enetunreach!(),
        Errno::ENOBUFS: enobufs_send!(),
        Errno::ENOENT: enoent_sendto!(),
        Errno::ENOMEM: enomem!(),
        Errno::ENOTCONN: enotconn_send!(),
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: "a flag the socket type does not support, or (Unix stream) an address on an unconnected socket",
        Errno::EPERM: eperm_firewall!(),
        Errno::EPIPE: epipe_send!(),
    }

    // ---- msg/ ----
    sendmsg {
        Errno::EACCES: eacces_sendto!(),
        Errno::EAFNOSUPPORT: eafnosupport_addr!(),
        Errno::EAGAIN: send_eagain!(),
        Errno::EBADF: "the socket fd cannot be used (an `O_PATH` fd), or an fd in an `SCM_RIGHTS` message is not open (one `CmsgBuffer::take_fds` gave away; through `sendmsg_unchecked`, any number)",
        Errno::ECONNREFUSED: econnrefused_dgram!(),
        Errno::ECONNRESET: econnreset!(),
        Errno::EDESTADDRREQ: "`msg_name` is NULL (`addr` `None`) on an unconnected datagram socket",
        Errno::EHOSTUNREACH: ehostunreach!(),
        Errno::EINTR: eintr!(),
        Errno::EINVAL: "malformed control data (a `cmsg_len` past the buffer, an unknown `SCM_*` type); socklab, before the call: an `SCM_RIGHTS` message in raw control bytes or one pushed with the safe `CmsgBuffer::push` (fd numbers nothing vouches for), or a truncated `SockAddr` as `addr`",
        Errno::EISCONN: eisconn_sendto!(),
        Errno::EMSGSIZE: concat!(emsgsize_send!(), ", or more than `IOV_MAX` (1024) iovecs"),
        Errno::ENETUNREACH: enetunreach!(),
        Errno::ENOBUFS: enobufs_send!(),
        Errno::ENOENT: enoent_sendto!(),
        Errno::ENOMEM: "the kernel could not allocate memory: control data larger than `net.core.optmem_max`",
        Errno::ENOTCONN: enotconn_send!(),
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: eopnotsupp_flags!(),
        Errno::EPERM: eperm_firewall!(),
        Errno::EPIPE: epipe_send!(),
    }
    recvmsg {
        Errno::EAGAIN: recv_eagain!(),
        Errno::EBADF: ebadf!(),
        Errno::ECONNREFUSED: econnrefused_dgram!(),
        Errno::ECONNRESET: econnreset!(),
        Errno::EINTR: eintr!(),
        Errno::EINVAL: recv_einval!(),
        Errno::EMSGSIZE: "more than `IOV_MAX` (1024) iovecs",
        Errno::ENOMEM: enomem!(),
        Errno::ENOTCONN: enotconn_recv!(),
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: eopnotsupp_flags!(),
        Errno::ETIMEDOUT: etimedout_data!(),
    }
    sendmmsg {
        Errno::EACCES: eacces_sendto!(),
        Errno::EAFNOSUPPORT: eafnosupport_addr!(),
        Errno::EAGAIN: concat!(send_eagain!(), ", before the first message went (after it, the count sent is returned)"),
        Errno::EBADF: "the socket fd cannot be used (an `O_PATH` fd), or an fd in a slot's `SCM_RIGHTS` message is not open (one `CmsgBuffer::take_fds` gave away)",
        Errno::ECONNREFUSED: econnrefused_dgram!(),
        Errno::ECONNRESET: econnreset!(),
        Errno::EDESTADDRREQ: "a slot without an address on an unconnected datagram socket",
        Errno::EHOSTUNREACH: ehostunreach!(),
        Errno::EINTR: eintr!(),
        Errno::EINVAL: "malformed control data in the first message; socklab, before the call: `vlen` above the batch's slots, or a slot's `SCM_RIGHTS` pushed with the safe `CmsgBuffer::push`",
        Errno::EMSGSIZE: emsgsize_send!(),
        Errno::ENETUNREACH: enetunreach!(),
        Errno::ENOBUFS: enobufs_send!(),
        Errno::ENOENT: enoent_sendto!(),
        Errno::ENOMEM: "the kernel could not allocate memory: control data larger than `net.core.optmem_max`",
        Errno::ENOTCONN: enotconn_send!(),
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: eopnotsupp_flags!(),
        Errno::EPERM: eperm_firewall!(),
        Errno::EPIPE: epipe_send!(),
    }
    recvmmsg {
        Errno::EAGAIN: recv_eagain!(),
        Errno::EBADF: ebadf!(),
        Errno::ECONNREFUSED: econnrefused_dgram!(),
        Errno::ECONNRESET: econnreset!(),
        Errno::EINTR: eintr!(),
        Errno::EINVAL: concat!("`MSG_OOB` with no urgent data pending; socklab, before the call: `vlen` above the batch's slots, or ", devmem!()),
        Errno::ENOMEM: enomem!(),
        Errno::ENOTCONN: enotconn_recv!(),
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: eopnotsupp_flags!(),
        Errno::ETIMEDOUT: etimedout_data!(),
    }

    // ---- opt.rs, filter.rs ----
    setsockopt {
        Errno::EBADF: ebadf!(),
        Errno::EINVAL: "`optlen` is wrong for the option (too short), or the value is out of range; socklab, before the call (`set_opt`): a value with no exact C form (`Some(Duration::ZERO)` as a timeout)",
        Errno::ENODEV: "`SO_BINDTODEVICE` to an interface that does not exist",
        Errno::ENOMEM: enomem!(),
        Errno::ENOPROTOOPT: "the option is not known at that level (`TCP_NODELAY` on a UDP socket, a level and option swapped)",
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: "the socket's family takes no options at that level (`IPPROTO_TCP` on a Unix socket)",
        Errno::EPERM: "a privileged option without `CAP_NET_ADMIN` (`SO_MARK`, `SO_PRIORITY` above 6, `SO_RCVBUFFORCE`)",
    }
    getsockopt {
        Errno::EBADF: ebadf!(),
        Errno::EINVAL: "`optlen` is too short for the option; socklab, after the call (`getsockopt_plain`, `get_opt`): the kernel wrote another length than the type's size",
        Errno::ENOPROTOOPT: "the option is not known at that level (`SOL_SOCKET` with an unknown number)",
        Errno::ENOTSOCK: enotsock!(),
        Errno::EOPNOTSUPP: "the protocol has no such options (`TCP_NODELAY` read from a UDP or Unix socket)",
    }
    setsockopt_so_attach_filter as "setsockopt(SO_ATTACH_FILTER)" {
        Errno::EBADF: ebadf!(),
        Errno::EINVAL: "the program is empty or invalid (a jump out of range, no final `ret`, an unknown opcode); socklab, before the call: more than `BPF_MAXINSNS` (4096) instructions",
        Errno::ENOMEM: "the program does not fit the socket's option memory (`net.core.optmem_max`)",
        Errno::ENOTSOCK: enotsock!(),
        Errno::EPERM: "the socket's filter is locked (`SO_LOCK_FILTER`)",
    }
    setsockopt_so_detach_filter as "setsockopt(SO_DETACH_FILTER)" {
        Errno::EBADF: ebadf!(),
        Errno::ENOENT: "no filter is attached",
        Errno::ENOTSOCK: enotsock!(),
        Errno::EPERM: "the socket's filter is locked (`SO_LOCK_FILTER`)",
    }

    // ---- poll.rs, select.rs, epoll.rs ----
    poll {
        Errno::EINTR: "a signal handler ran before any event or the timeout (poll is never restarted)",
        Errno::EINVAL: "`nfds` is above `RLIMIT_NOFILE`",
        Errno::ENOMEM: "the kernel could not allocate its copy of the array",
    }
    select {
        Errno::EBADF: select_ebadf!(),
        Errno::EINTR: "a signal handler ran before any fd was ready or the timeout (select is never restarted)",
        Errno::EINVAL: select_einval!(),
        Errno::ENOMEM: "the kernel could not allocate its copy of the sets",
    }
    pselect {
        Errno::EBADF: select_ebadf!(),
        Errno::EINTR: "a signal `sigmask` lets through arrived before any fd was ready or the timeout",
        Errno::EINVAL: select_einval!(),
        Errno::ENOMEM: "the kernel could not allocate its copy of the sets",
    }
    epoll_create1 {
        Errno::EINVAL: "`flags` is neither 0 nor `EPOLL_CLOEXEC`",
        Errno::EMFILE: concat!(emfile!(), ", or the user's `fs.epoll.max_user_instances`"),
        Errno::ENFILE: enfile!(),
        Errno::ENOMEM: enomem!(),
    }
    epoll_ctl {
        Errno::EBADF: ebadf!(),
        Errno::EEXIST: "`EPOLL_CTL_ADD` of an fd already registered (use `EPOLL_CTL_MOD`)",
        Errno::EINVAL: "`epfd` is not an epoll fd, `fd` is `epfd` itself, an unknown `op`, or a wrong use of `EPOLLEXCLUSIVE`",
        Errno::ELOOP: "`fd` is an epoll fd and adding it would make a loop, or nest more than 5 deep",
        Errno::ENOENT: "`EPOLL_CTL_MOD` or `EPOLL_CTL_DEL` of an fd that is not registered",
        Errno::ENOMEM: enomem!(),
        Errno::ENOSPC: "the user's `fs.epoll.max_user_watches` is reached",
        Errno::EPERM: "`fd` does not support epoll (a regular file, a directory)",
    }
    epoll_wait {
        Errno::EBADF: ebadf!(),
        Errno::EINTR: "a signal handler ran before any event or the timeout (epoll_wait is never restarted)",
        Errno::EINVAL: wait_einval!(),
    }
    epoll_pwait {
        Errno::EBADF: ebadf!(),
        Errno::EINTR: "a signal `sigmask` lets through arrived before any event or the timeout",
        Errno::EINVAL: wait_einval!(),
    }

    // ---- fcntl.rs, ioctl.rs, sched.rs ----
    fcntl {
        Errno::EBADF: "the fd cannot be used for this command (`F_SETFL` on an `O_PATH` fd; through `sys::raw`, a closed number)",
        Errno::EPERM: "`F_SETFL` clearing `O_APPEND` on an append-only file",
    }
    ioctl {
        Errno::EBADF: ebadf!(),
        Errno::EINVAL: "the request does not apply in the socket's state (`SIOCINQ`/`SIOCOUTQ` on a listening TCP socket)",
        Errno::ENOTTY: "the fd's type has no such request (a file; `SIOCATMARK` on UDP)",
    }
    sockatmark {
        Errno::EBADF: ebadf!(),
        Errno::ENOTTY: "the fd has no urgent mark: not a socket, or a protocol without one (UDP); glibc asks `ioctl(fd, SIOCATMARK)`",
    }
    sched_setaffinity {
        Errno::EINVAL: "no CPU of the mask is online and allowed to the thread (cpuset cgroups)",
        Errno::EPERM: "another user's thread, without `CAP_SYS_NICE`",
        Errno::ESRCH: "no thread has that id",
    }
    sched_getaffinity {
        Errno::EINVAL: "the mask is smaller than the kernel's (never with `CpuSet`'s 1024 bits on current kernels)",
        Errno::ESRCH: "no thread has that id",
    }

    // ---- netdb.rs, inet.rs, services.rs ----
    getaddrinfo {
        Eai::EAI_AGAIN: "the name server did not answer in time, or answered SERVFAIL: a temporary failure",
        Eai::EAI_BADFLAGS: "`ai_flags` holds an unknown bit, or `AI_CANONNAME` with no node",
        Eai::EAI_FAIL: "the name server returned a permanent failure",
        Eai::EAI_FAMILY: "`ai_family` is not `AF_INET`, `AF_INET6` or `AF_UNSPEC`",
        Eai::EAI_MEMORY: "out of memory",
        Eai::EAI_NODATA: "the host exists but has no address of the family asked for (glibc mostly says `EAI_NONAME`)",
        Eai::EAI_NONAME: "the node or service is not known (no such host, a service missing from /etc/services), or both are `None`",
        Eai::EAI_SERVICE: "the service exists, but not for the socket type asked for (a tcp-only name with `SOCK_DGRAM`)",
        Eai::EAI_SOCKTYPE: "`ai_socktype` is not `SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_RAW` or 0",
        Eai::EAI_SYSTEM: eai_system!(),
        Errno::EINVAL: "socklab, before the call: `node` or `service` holds a NUL byte (C would read a shorter string)",
    }
    getnameinfo {
        Eai::EAI_AGAIN: "the name server did not answer in time, or answered SERVFAIL: a temporary failure",
        Eai::EAI_BADFLAGS: "`flags` holds an unknown bit",
        Eai::EAI_FAIL: "the name server returned a permanent failure",
        Eai::EAI_FAMILY: "the address is not an `AF_INET` or `AF_INET6` one",
        Eai::EAI_MEMORY: "out of memory",
        Eai::EAI_NONAME: "`NI_NAMEREQD` is set and the address has no name",
        Eai::EAI_OVERFLOW: "the answer does not fit the buffers (`NI_MAXHOST` for the host, 32 bytes for the service)",
        Eai::EAI_SYSTEM: eai_system!(),
        Errno::EINVAL: truncated!(),
    }
    inet_pton {
        Errno::EAFNOSUPPORT: "`af` is neither `AF_INET` nor `AF_INET6` (socklab, before the call, gives C's answer)",
    }
    inet_ntop {
        Errno::EAFNOSUPPORT: "`af` is neither `AF_INET` nor `AF_INET6` (socklab, before the call, gives C's answer)",
        Errno::EINVAL: "socklab, before the call: `src` is not 4 bytes for `AF_INET` or 16 for `AF_INET6` (C would read past a short buffer)",
    }
    getservbyname {
        Errno::EINVAL: "socklab, before the call: `name` or `proto` holds a NUL byte",
        Errno::ENOENT: "the services database could not be read (some libcs report a missing database so)",
        Errno::ERANGE: "the entry did not fit even a 1 MiB buffer (`getservbyname_r` said `ERANGE` each time)",
    }

    // ---- signal.rs ----
    sigaddset {
        Errno::EINVAL: "the number is not a signal (0, or above `SIGRTMAX`)",
    }
    sigaction {
        Errno::EINVAL: "`SIGKILL` or `SIGSTOP` (their action cannot change), or not a signal; socklab, before the call: `SigAction::Interrupt` for a fault signal (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`), whose handler would return into the fault",
    }
    pthread_sigmask {
        Errno::EINVAL: "`how` is not `SIG_BLOCK`, `SIG_UNBLOCK` or `SIG_SETMASK`",
    }
    signalfd {
        Errno::EINVAL: "`flags` holds more than `SFD_NONBLOCK` and `SFD_CLOEXEC`",
        Errno::EMFILE: emfile!(),
        Errno::ENFILE: enfile!(),
        Errno::ENODEV: "the kernel could not mount its anonymous inode device",
        Errno::ENOMEM: enomem!(),
    }
    read_signalfd as "read (signalfd)" {
        Errno::EAGAIN: "a non-blocking signalfd (`SFD_NONBLOCK`) with no signal of its mask pending",
        Errno::EBADF: "the fd is not open for reading (an `O_PATH` fd)",
        Errno::EINTR: "a signal outside the mask interrupted the blocking read",
        Errno::EIO: "socklab, after the call: fewer than 4 bytes came back (the fd is not a signalfd)",
    }
    kill {
        Errno::EINVAL: "not a signal number",
        Errno::EPERM: "no permission to signal the target (another user's process, without `CAP_KILL`)",
        Errno::ESRCH: "no such process or process group (a zombie still counts as one)",
    }
    pthread_kill {
        Errno::EINVAL: "not a signal number",
        Errno::ESRCH: "the thread has ended (some glibc versions; others return 0)",
    }
    getrlimit {
        Errno::EINVAL: "`resource` is not a limit this kernel knows",
    }
    setrlimit {
        Errno::EINVAL: "`resource` is not a limit this kernel knows, or the soft limit is above the hard one",
        Errno::EPERM: "raising the hard limit without `CAP_SYS_RESOURCE`, or `RLIMIT_NOFILE` above `fs.nr_open`",
    }

    // ---- ns.rs (feature experiments) ----
    unshare {
        Errno::EINVAL: "an unknown flag, a namespace the kernel was built without, or `CLONE_NEWUSER`/`CLONE_THREAD`… in a multithreaded process; socklab, before the call: `CLONE_FILES`, which would break the I/O safety of fds owned elsewhere",
        Errno::ENOMEM: enomem!(),
        Errno::ENOSPC: "a namespace limit is reached (`/proc/sys/user/max_*_namespaces`, nesting depth)",
        Errno::EPERM: "a namespace flag without `CAP_SYS_ADMIN` (`CLONE_NEWNET` as a normal user)",
    }
    capget {
        Errno::EINVAL: "a negative `pid` (or a header version the kernel does not know: socklab always passes version 3)",
        Errno::ESRCH: "no thread has that id",
    }
    capset {
        Errno::EPERM: "adding to `permitted`, an `effective` bit outside `permitted`, or an `inheritable` bit outside the bounding set",
    }
    ioctl_siocgifflags as "ioctl(SIOCGIFFLAGS)" {
        Errno::EBADF: ebadf!(),
        Errno::EINVAL: ifreq_einval!(),
        Errno::ENODEV: enodev_if!(),
        Errno::ENOTTY: enotty_if!(),
    }
    ioctl_siocsifflags as "ioctl(SIOCSIFFLAGS)" {
        Errno::EBADF: ebadf!(),
        Errno::EINVAL: ifreq_einval!(),
        Errno::ENODEV: enodev_if!(),
        Errno::ENOTTY: enotty_if!(),
        Errno::EPERM: "without `CAP_NET_ADMIN` in the interface's network namespace",
    }
    ioctl_siocethtool as "ioctl(SIOCETHTOOL)" {
        Errno::EBADF: ebadf!(),
        Errno::EINVAL: concat!(ifreq_einval!(), ", or an ethtool command whose argument is not one `struct ethtool_value`"),
        Errno::ENODEV: enodev_if!(),
        Errno::ENOTTY: enotty_if!(),
        Errno::EOPNOTSUPP: "the driver does not support the command (it cannot change that offload)",
        Errno::EPERM: "a set command without `CAP_NET_ADMIN`",
    }

    // ---- addr.rs, and the rows no function of `sys` documents ----
    sockaddr_unix as "SockAddr::unix" {
        Errno::EINVAL: "the path is empty or holds a NUL byte",
        Errno::ENAMETOOLONG: "the path does not fit `sun_path` with its NUL (107 bytes on Linux): C's `strncpy` would cut it silently, socklab refuses",
    }
    raw_pointer as "every call with a pointer (sys::raw only)" {
        Errno::EFAULT: "a pointer argument is outside the process's memory (NULL where a buffer is required, a freed buffer, a length past the buffer); the safe functions cannot produce it",
    }
    none as "(none)" {
        Errno::EHWPOISON: "no socket call returns it: the kernel uses it for memory pages with a hardware error (`madvise(MADV_HWPOISON)`); listed so every errno the tests name has an entry",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// Rows no `sys` function documents, with why.
    const UNDOCUMENTED: &[&str] = &[
        "raw_pointer", // EFAULT: only `sys::raw` can pass a bad pointer; its fns link the safe ones
        "none",        // EHWPOISON: no socket call returns it
    ];

    /// Public free functions of `sys` that are not one C call, with why.
    const NOT_A_CALL: &[&str] = &[
        "shut_how",      // the `SHUT_*` constant of a `Shutdown`: no call (links shutdown(2))
        "interrupts",    // reads socklab's own counter of caught signals
        "has_effective", // a bit test on capget's answer (its errors are capget's)
        "level_name",    // constant names, as `opt::optname`
        "optname",
    ];

    /// Files of `sys` whose public fns are not C socket-API calls: our own C floor (no man
    /// pages), the inline-syscall layer (private), the trace hook and formatter (private).
    const SKIPPED: &[&str] = &[
        "cfloor.rs",
        "syscall.rs",
        "trace.rs",
        "trace_more.rs",
        "fmt.rs",
    ];

    struct Item {
        file: String,
        name: String,
        raw: bool,
        result: bool,
        doc: Vec<String>,
    }

    fn sys_files() -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    if !p.ends_with("trace") {
                        walk(&p, out);
                    }
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sys"),
            &mut out,
        );
        out.sort();
        out.retain(|p| !SKIPPED.contains(&p.file_name().unwrap().to_str().unwrap()));
        out
    }

    /// Every public free fn of a file: at the top level, or in a `raw` module (all of raw.rs).
    fn items(path: &Path) -> Vec<Item> {
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let file = path.file_name().unwrap().to_str().unwrap().to_owned();
        let mut out = Vec::new();
        let mut in_raw_mod = false;
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with("pub mod raw {") || line.starts_with("pub(super) mod raw {") {
                in_raw_mod = true;
            } else if in_raw_mod && *line == "}" {
                in_raw_mod = false;
            }
            let indent = if in_raw_mod { "    " } else { "" };
            let Some(rest) = line.strip_prefix(indent) else {
                continue;
            };
            let Some(sig) = ["pub fn ", "pub unsafe fn ", "pub const fn "]
                .iter()
                .find_map(|p| rest.strip_prefix(p))
            else {
                continue;
            };
            let name: String = sig
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let mut head = String::new();
            for l in &lines[i..] {
                head.push_str(l);
                if l.contains('{') || l.ends_with(';') {
                    break;
                }
            }
            let mut j = i;
            while j > 0 && {
                let t = lines[j - 1].trim_start();
                t.starts_with("///") || t.starts_with("#[")
            } {
                j -= 1;
            }
            out.push(Item {
                file: file.clone(),
                name,
                raw: in_raw_mod || file == "raw.rs",
                result: head.contains("-> Result<"),
                doc: lines[j..i].iter().map(|l| l.trim().to_owned()).collect(),
            });
        }
        out
    }

    /// The C name in a first doc line: `` /// `bind(sockfd, addr, addrlen)` — bind(2). ``.
    fn c_name(first: &str) -> Option<&str> {
        let rest = first.strip_prefix("/// `")?;
        let end = rest.find('(')?;
        let name = &rest[..end];
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            .then_some(name)
    }

    /// Whether `w` is an errno's or an `EAI_*` code's own name (`EWOULDBLOCK`, an alias, is not).
    /// glibc's EAI codes are small negative numbers, so a scan of -255..0 finds each named one.
    fn is_code_name(w: &str) -> bool {
        Errno::parse(w).is_some_and(|e| e.name() == w)
            || (w.starts_with("EAI_") && (-255..0).any(|n| Eai::from_raw(n).name() == w))
    }

    /// The codes a piece of doc text names in backticks: `` `EINVAL` ``, `` `EAI_NONAME` ``.
    fn codes_named(text: &str) -> BTreeSet<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .filter(|w| is_code_name(w))
            .map(str::to_owned)
            .collect()
    }

    fn table() -> BTreeMap<&'static str, &'static CallErrors> {
        CALLS.iter().map(|c| (c.key, c)).collect()
    }

    #[test]
    fn each_key_once_each_code_once_per_call_in_order() {
        let mut keys = BTreeSet::new();
        for c in CALLS {
            assert!(keys.insert(c.key), "{} twice", c.key);
            for w in c.errors.windows(2) {
                assert!(w[0].0 < w[1].0, "{}: {} before {}", c.key, w[0].0, w[1].0);
            }
            for (code, cause) in c.errors {
                assert!(
                    !cause.is_empty() && !cause.ends_with('.'),
                    "{}: {code}",
                    c.key
                );
                assert!(!cause.contains('\n'), "{}: {code}: one line", c.key);
            }
        }
    }

    /// rustdoc gets exactly the table's rows: `errors_doc!(key)` is `# Errors` and one line per
    /// row, in order.
    #[test]
    fn errors_doc_renders_the_table() {
        let table = table();
        let rendered = rendered();
        assert_eq!(rendered.len(), CALLS.len());
        for (key, doc) in rendered {
            let mut want = String::from("# Errors\n");
            for (code, cause) in table[key].errors {
                want.push_str(&format!("- `{code}`: {cause}\n"));
            }
            assert_eq!(doc, want, "errors_doc!({key})");
        }
    }

    /// Every public fn of `sys` and `sys::raw`: its first doc line names the C call, it links
    /// the man page and carries the C name as a doc alias where its own name differs; every
    /// safe-layer fn that returns a `Result` takes its `# Errors` from the table (no hand-written
    /// list), and any errno its other docs name is one the table gives that call. And every row
    /// of the table is documented by some function.
    #[test]
    fn every_sys_fn_documents_its_call_and_the_tables_errors() {
        let table = table();
        let mut used = BTreeSet::new();
        let mut problems = Vec::new();
        let mut seen = 0;
        for path in sys_files() {
            let text = std::fs::read_to_string(&path).unwrap();
            // Keys used anywhere (methods such as `SockAddr::unix` included).
            for part in text.split("errors_doc!(").skip(1) {
                used.insert(part[..part.find(')').unwrap()].to_owned());
            }
            for it in items(&path) {
                seen += 1;
                let at = format!("{}: {}", it.file, it.name);
                let doc = &it.doc;
                let first = doc.first().map(String::as_str).unwrap_or("");
                let has = |s: &str| doc.iter().any(|l| l.contains(s));
                let errors_key = doc.iter().find_map(|l| {
                    let rest = l.strip_prefix("#[doc = errors_doc!(")?;
                    Some(rest[..rest.find(')')?].to_owned())
                });
                if NOT_A_CALL.contains(&it.name.as_str()) {
                    if it.result && errors_key.is_none() {
                        problems.push(format!("{at}: a Result without errors_doc!"));
                    }
                    continue;
                }
                match c_name(first) {
                    None => problems.push(format!("{at}: first doc line names no C call: {first}")),
                    Some(c) if c != it.name => {
                        if !has(&format!("#[doc(alias = \"{c}\")]")) {
                            problems.push(format!("{at}: no #[doc(alias = \"{c}\")]"));
                        }
                    }
                    Some(_) => {}
                }
                if !has("#[doc = man_links!(") {
                    problems.push(format!("{at}: no man_links!"));
                }
                if it.raw || !it.result {
                    continue;
                }
                let Some(key) = errors_key else {
                    problems.push(format!("{at}: returns a Result without errors_doc!"));
                    continue;
                };
                let Some(row) = table.get(key.as_str()) else {
                    problems.push(format!("{at}: errors_doc!({key}) is not in the table"));
                    continue;
                };
                if has("/// # Errors") {
                    problems.push(format!("{at}: a hand-written # Errors beside errors_doc!"));
                }
                // What the prose says about errors (after the generated list, up to the next
                // section) names only codes the table gives this call.
                let start = doc.iter().position(|l| l.contains("errors_doc!")).unwrap();
                let prose: String = doc[start + 1..]
                    .iter()
                    .take_while(|l| !l.starts_with("/// #"))
                    .map(|l| format!("{l}\n"))
                    .collect();
                for code in codes_named(&prose) {
                    if !row.errors.iter().any(|(c, _)| *c == code) {
                        problems.push(format!("{at}: names `{code}`, not in the table for {key}"));
                    }
                }
            }
        }
        assert!(seen > 100, "found only {seen} fns: is the scan broken?");
        for c in CALLS {
            if !used.contains(c.key) && !UNDOCUMENTED.contains(&c.key) {
                problems.push(format!("table row {} is documented by no function", c.key));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
