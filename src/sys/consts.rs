//! The constants the socket(2)/socket(7), ip(7), ipv6(7), tcp(7), udp(7), unix(7), poll(2),
//! select(2), epoll(7), fcntl(2) and getaddrinfo(3) man pages name, re-exported from `libc` (and
//! defined here where `libc` lacks them) so a socket program ports with no `libc` dependency.

// socket(2), socket(7), unix(7): families, types, levels, options, control messages, flags.
pub use libc::{
    AF_ALG, AF_APPLETALK, AF_BLUETOOTH, AF_CAN, AF_IB, AF_KEY, AF_LOCAL, AF_MPLS, AF_NETLINK,
    AF_PACKET, AF_TIPC, AF_VSOCK, AF_XDP, PF_INET, PF_INET6, PF_LOCAL, PF_UNIX, PF_UNSPEC,
    SCM_TIMESTAMP, SCM_TIMESTAMPING, SCM_TIMESTAMPNS, SOCK_DCCP, SOCK_RDM, SOMAXCONN,
    SO_ACCEPTCONN, SO_ATTACH_BPF, SO_ATTACH_FILTER, SO_BINDTODEVICE, SO_BROADCAST, SO_BUSY_POLL,
    SO_DEBUG, SO_DETACH_FILTER, SO_DOMAIN, SO_DONTROUTE, SO_ERROR, SO_INCOMING_CPU, SO_KEEPALIVE,
    SO_LINGER, SO_LOCK_FILTER, SO_MARK, SO_OOBINLINE, SO_PASSCRED, SO_PEEK_OFF, SO_PEERCRED,
    SO_PEERSEC, SO_PRIORITY, SO_PROTOCOL, SO_RCVBUF, SO_RCVBUFFORCE, SO_RCVLOWAT, SO_RCVTIMEO,
    SO_REUSEADDR, SO_REUSEPORT, SO_RXQ_OVFL, SO_SELECT_ERR_QUEUE, SO_SNDBUF, SO_SNDBUFFORCE,
    SO_SNDLOWAT, SO_SNDTIMEO, SO_TIMESTAMP, SO_TIMESTAMPING, SO_TIMESTAMPNS, SO_TYPE, SO_ZEROCOPY,
};
pub use libc::{
    MSG_CONFIRM, MSG_DONTROUTE, MSG_EOR, MSG_ERRQUEUE, MSG_FASTOPEN, MSG_MORE, MSG_OOB,
    MSG_ZEROCOPY,
};
/// `MSG_SOCK_DEVMEM` (`0x2000000`, Linux 6.12+, `include/linux/socket.h`; `libc` lacks it): a
/// TCP receive that hands device-memory (dmabuf) fragments back as `SCM_DEVMEM_DMABUF` control
/// messages. Its return value counts those fragments, which the kernel never copies into the
/// buffer, so socklab's safe receives refuse it (`EINVAL` with a note); use `sys::raw`.
pub const MSG_SOCK_DEVMEM: std::os::raw::c_int = 0x200_0000;
// ip(7)
pub use libc::{
    INADDR_BROADCAST, INADDR_LOOPBACK, INADDR_NONE, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_RAW,
    IPPROTO_SCTP, IPPROTO_UDPLITE, IP_ADD_MEMBERSHIP, IP_BIND_ADDRESS_NO_PORT, IP_DROP_MEMBERSHIP,
    IP_FREEBIND, IP_HDRINCL, IP_MTU, IP_MTU_DISCOVER, IP_MULTICAST_ALL, IP_MULTICAST_IF,
    IP_MULTICAST_LOOP, IP_MULTICAST_TTL, IP_OPTIONS, IP_PKTINFO, IP_PMTUDISC_DO, IP_PMTUDISC_DONT,
    IP_PMTUDISC_PROBE, IP_PMTUDISC_WANT, IP_RECVERR, IP_RECVOPTS, IP_RECVORIGDSTADDR, IP_RECVTOS,
    IP_RECVTTL, IP_RETOPTS, IP_TOS, IP_TRANSPARENT, IP_TTL, SOL_IP,
};
// ipv6(7)
pub use libc::{
    IPV6_ADD_MEMBERSHIP, IPV6_DROP_MEMBERSHIP, IPV6_HOPLIMIT, IPV6_MTU, IPV6_MTU_DISCOVER,
    IPV6_MULTICAST_HOPS, IPV6_MULTICAST_IF, IPV6_MULTICAST_LOOP, IPV6_PKTINFO, IPV6_RECVERR,
    IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO, IPV6_RECVTCLASS, IPV6_TCLASS, IPV6_UNICAST_HOPS,
    IPV6_V6ONLY, SOL_IPV6,
};
// tcp(7), udp(7)
pub use libc::{
    SOL_TCP, SOL_UDP, TCP_CONGESTION, TCP_CORK, TCP_DEFER_ACCEPT, TCP_FASTOPEN, TCP_INFO,
    TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_LINGER2, TCP_MAXSEG, TCP_NODELAY,
    TCP_NOTSENT_LOWAT, TCP_QUICKACK, TCP_SYNCNT, TCP_USER_TIMEOUT, TCP_WINDOW_CLAMP, UDP_CORK,
    UDP_GRO, UDP_SEGMENT,
};
// poll(2)
pub use libc::{
    POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDHUP, POLLRDNORM,
    POLLWRBAND, POLLWRNORM,
};
// select(2)
pub use libc::FD_SETSIZE;
// epoll(7)
pub use libc::{
    EPOLLERR, EPOLLET, EPOLLEXCLUSIVE, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLLPRI,
    EPOLLRDHUP, EPOLLWAKEUP, EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD,
};
// getaddrinfo(3), getnameinfo(3)
pub use libc::{
    AI_ADDRCONFIG, AI_ALL, AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV, AI_PASSIVE, AI_V4MAPPED,
    EAI_AGAIN, EAI_BADFLAGS, EAI_FAIL, EAI_FAMILY, EAI_MEMORY, EAI_NODATA, EAI_NONAME,
    EAI_OVERFLOW, EAI_SERVICE, EAI_SOCKTYPE, EAI_SYSTEM, NI_DGRAM, NI_MAXHOST, NI_NAMEREQD,
    NI_NOFQDN, NI_NUMERICHOST, NI_NUMERICSERV,
};
/// `NI_MAXSERV` (32): room for a service name from getnameinfo(3).
pub const NI_MAXSERV: usize = 32;
// fcntl(2), as socket programs use it (non-blocking mode, close-on-exec).
pub use libc::{FD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, O_NONBLOCK};
// The C structs whose values socket programs write by hand.
pub use libc::{sigset_t, timespec, timeval};

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    /// The names a file re-exports from `libc`: its `pub use libc::` items (a braced list or
    /// one name) at the start of a line.
    fn reexported(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for part in text.split("\npub use libc::").skip(1) {
            let list = &part[..part.find(';').expect("a use ends with ;")];
            let list = list.trim_start_matches('{').trim_end_matches('}');
            out.extend(
                list.split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
            );
        }
        out
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// A doc example shows a port, which needs no `libc` dependency for what `socklab::sys`
    /// re-exports: every doc line spells such a name `socklab::sys::…` (or imports it from
    /// there), never `libc::…`. Names `sys` lacks (`libc::SO_COOKIE`, `libc::linger`) stay.
    #[test]
    fn doc_examples_take_reexported_names_from_sys() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let read = |f: &str| std::fs::read_to_string(src.join("sys").join(f)).unwrap();
        let mut path_of = BTreeMap::new();
        for (file, path) in [
            ("consts.rs", "socklab::sys"),
            ("mod.rs", "socklab::sys"),
            ("signal.rs", "socklab::sys::signal"),
        ] {
            for name in reexported(&read(file)) {
                path_of.insert(name, path);
            }
        }
        assert!(
            path_of.contains_key("SO_REUSEADDR") && path_of.contains_key("SIGINT"),
            "the scan found no re-exports: {path_of:?}"
        );
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut problems = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, line) in text.lines().enumerate() {
                let t = line.trim_start();
                if !(t.starts_with("///") || t.starts_with("//!")) {
                    continue;
                }
                for part in t.split("libc::").skip(1) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if let Some(path) = path_of.get(&name) {
                        let at = f.strip_prefix(&src).unwrap().display();
                        problems.push(format!(
                            "src/{at}:{}: libc::{name} is {path}::{name}",
                            i + 1
                        ));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
