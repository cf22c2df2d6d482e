//! The one table of C constant names: address families, socket types, protocols, flags, option
//! levels and options, fcntl commands, poll events, and the Linux extras of `sys::ns`. Error
//! messages, [`opt::optname`] and the trace all name constants from here.
//!
//! [`opt::optname`]: super::opt::optname

// Without the `trace` feature only the errors and `opt` read these; the rest is the log's.
#![cfg_attr(not(feature = "trace"), allow(dead_code))]

use std::os::raw::c_int;

/// `(value, "NAME")` pairs; the first entry with a value names it.
pub(crate) type Table = &'static [(i64, &'static str)];

/// The name `table` gives `v`, if any.
pub(crate) fn lookup(table: Table, v: i64) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == v).map(|(_, name)| *name)
}

/// A table of `(value, "NAME")` from libc's constants; `NAME = value` for those libc lacks.
macro_rules! table {
    ($name:ident: $($c:ident $(= $v:literal)?),* $(,)?) => {
        pub(crate) const $name: Table = &[$((table!(@v $c $($v)?), stringify!($c))),*];
    };
    (@v $c:ident) => { libc::$c as i64 };
    (@v $c:ident $v:literal) => { $v };
}

table!(FAMILIES: AF_UNSPEC, AF_UNIX, AF_INET, AF_AX25, AF_IPX, AF_APPLETALK, AF_NETROM, AF_BRIDGE,
    AF_ATMPVC, AF_X25, AF_INET6, AF_ROSE, AF_DECnet, AF_NETBEUI, AF_SECURITY, AF_KEY, AF_NETLINK,
    AF_PACKET, AF_ASH, AF_ECONET, AF_ATMSVC, AF_RDS, AF_SNA, AF_IRDA, AF_PPPOX, AF_WANPIPE, AF_LLC,
    AF_IB, AF_MPLS, AF_CAN, AF_TIPC, AF_BLUETOOTH, AF_IUCV, AF_RXRPC, AF_ISDN, AF_PHONET,
    AF_IEEE802154, AF_CAIF, AF_ALG, AF_NFC, AF_VSOCK, AF_KCM = 41, AF_QIPCRTR = 42, AF_SMC = 43, AF_XDP);
table!(SOCK_TYPES: SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET, SOCK_DCCP,
    SOCK_PACKET = 10);
table!(SOCK_FLAGS: SOCK_CLOEXEC, SOCK_NONBLOCK);
table!(INET_PROTOCOLS: IPPROTO_IP, IPPROTO_ICMP, IPPROTO_IGMP, IPPROTO_IPIP, IPPROTO_TCP,
    IPPROTO_EGP, IPPROTO_PUP, IPPROTO_UDP, IPPROTO_IDP, IPPROTO_TP, IPPROTO_DCCP, IPPROTO_IPV6,
    IPPROTO_RSVP, IPPROTO_GRE, IPPROTO_ESP, IPPROTO_AH, IPPROTO_ICMPV6, IPPROTO_MTP, IPPROTO_BEETPH,
    IPPROTO_ENCAP, IPPROTO_PIM, IPPROTO_COMP, IPPROTO_SCTP, IPPROTO_UDPLITE, IPPROTO_MPLS,
    IPPROTO_RAW, IPPROTO_MPTCP);
table!(MSG_FLAGS: MSG_OOB, MSG_PEEK, MSG_DONTROUTE, MSG_CTRUNC, MSG_PROBE = 0x10, MSG_TRUNC,
    MSG_DONTWAIT, MSG_EOR, MSG_WAITALL, MSG_FIN, MSG_SYN, MSG_CONFIRM, MSG_RST, MSG_ERRQUEUE,
    MSG_NOSIGNAL, MSG_MORE, MSG_WAITFORONE, MSG_BATCH = 0x40000, MSG_ZEROCOPY, MSG_FASTOPEN,
    MSG_CMSG_CLOEXEC);
table!(SHUT_HOWS: SHUT_RD, SHUT_WR, SHUT_RDWR);
table!(SOL_LEVELS: SOL_IP, SOL_SOCKET, SOL_TCP, SOL_UDP, SOL_IPV6, SOL_ICMPV6, SOL_RAW,
    SOL_PACKET, SOL_NETLINK, SOL_TLS);
table!(SO_NAMES: SO_DEBUG, SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_DONTROUTE, SO_BROADCAST, SO_SNDBUF,
    SO_RCVBUF, SO_KEEPALIVE, SO_OOBINLINE, SO_NO_CHECK, SO_PRIORITY, SO_LINGER, SO_BSDCOMPAT,
    SO_REUSEPORT, SO_PASSCRED, SO_PEERCRED, SO_RCVLOWAT, SO_SNDLOWAT, SO_RCVTIMEO, SO_SNDTIMEO, SO_BINDTODEVICE,
    SO_ATTACH_FILTER, SO_DETACH_FILTER, SO_PEERNAME, SO_TIMESTAMP, SO_ACCEPTCONN, SO_PEERSEC, SO_SNDBUFFORCE,
    SO_RCVBUFFORCE, SO_PASSSEC, SO_TIMESTAMPNS, SO_MARK, SO_TIMESTAMPING, SO_PROTOCOL, SO_DOMAIN, SO_RXQ_OVFL, SO_WIFI_STATUS,
    SO_PEEK_OFF, SO_NOFCS, SO_LOCK_FILTER, SO_SELECT_ERR_QUEUE, SO_BUSY_POLL, SO_MAX_PACING_RATE,
    SO_BPF_EXTENSIONS, SO_INCOMING_CPU, SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_CBPF,
    SO_ATTACH_REUSEPORT_EBPF, SO_CNX_ADVICE, SO_MEMINFO, SO_INCOMING_NAPI_ID, SO_COOKIE,
    SO_PEERGROUPS, SO_ZEROCOPY, SO_TXTIME, SO_BINDTOIFINDEX, SO_PREFER_BUSY_POLL,
    SO_BUSY_POLL_BUDGET);
/// SOL_SOCKET option numbers whose kernel names moved to `_OLD` on 64-bit time: strace prints
/// the `_OLD` spelling (which libc does not export), C code and [`optname`] the libc one.
pub(crate) const SO_OLD_NAMES: Table = &[
    (20, "SO_RCVTIMEO_OLD"),
    (21, "SO_SNDTIMEO_OLD"),
    (29, "SO_TIMESTAMP_OLD"),
    (35, "SO_TIMESTAMPNS_OLD"),
    (37, "SO_TIMESTAMPING_OLD"),
];
table!(TCP_NAMES: TCP_NODELAY, TCP_MAXSEG, TCP_CORK, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT,
    TCP_SYNCNT, TCP_LINGER2, TCP_DEFER_ACCEPT, TCP_WINDOW_CLAMP, TCP_INFO, TCP_QUICKACK,
    TCP_CONGESTION, TCP_MD5SIG, TCP_THIN_LINEAR_TIMEOUTS, TCP_THIN_DUPACK, TCP_USER_TIMEOUT,
    TCP_REPAIR, TCP_REPAIR_QUEUE, TCP_QUEUE_SEQ, TCP_REPAIR_OPTIONS, TCP_FASTOPEN, TCP_TIMESTAMP,
    TCP_NOTSENT_LOWAT, TCP_CC_INFO, TCP_SAVE_SYN, TCP_SAVED_SYN, TCP_REPAIR_WINDOW,
    TCP_FASTOPEN_CONNECT, TCP_ULP, TCP_MD5SIG_EXT, TCP_FASTOPEN_KEY, TCP_FASTOPEN_NO_COOKIE,
    TCP_ZEROCOPY_RECEIVE, TCP_INQ, TCP_TX_DELAY = 37);
table!(IP_NAMES: IP_TOS, IP_TTL, IP_HDRINCL, IP_OPTIONS, IP_RECVOPTS, IP_RETOPTS, IP_PKTINFO,
    IP_MTU_DISCOVER, IP_RECVERR, IP_RECVTTL, IP_RECVTOS, IP_MTU, IP_FREEBIND, IP_PASSSEC,
    IP_TRANSPARENT, IP_ORIGDSTADDR, IP_MINTTL, IP_NODEFRAG, IP_CHECKSUM, IP_BIND_ADDRESS_NO_PORT,
    IP_RECVFRAGSIZE, IP_MULTICAST_IF, IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IP_ADD_MEMBERSHIP,
    IP_DROP_MEMBERSHIP, IP_UNBLOCK_SOURCE, IP_BLOCK_SOURCE, IP_ADD_SOURCE_MEMBERSHIP,
    IP_DROP_SOURCE_MEMBERSHIP, IP_MULTICAST_ALL, IP_UNICAST_IF, MCAST_JOIN_GROUP,
    MCAST_BLOCK_SOURCE, MCAST_UNBLOCK_SOURCE, MCAST_LEAVE_GROUP, MCAST_JOIN_SOURCE_GROUP,
    MCAST_LEAVE_SOURCE_GROUP, MCAST_MSFILTER);
table!(IPV6_NAMES: IPV6_ADDRFORM, IPV6_2292PKTINFO, IPV6_2292HOPOPTS, IPV6_2292DSTOPTS,
    IPV6_2292RTHDR, IPV6_2292PKTOPTIONS, IPV6_CHECKSUM, IPV6_2292HOPLIMIT, IPV6_NEXTHOP,
    IPV6_AUTHHDR, IPV6_UNICAST_HOPS, IPV6_MULTICAST_IF, IPV6_MULTICAST_HOPS, IPV6_MULTICAST_LOOP,
    IPV6_ADD_MEMBERSHIP, IPV6_DROP_MEMBERSHIP, IPV6_ROUTER_ALERT, IPV6_MTU_DISCOVER, IPV6_MTU,
    IPV6_RECVERR, IPV6_V6ONLY, IPV6_JOIN_ANYCAST, IPV6_LEAVE_ANYCAST, IPV6_IPSEC_POLICY,
    IPV6_XFRM_POLICY, IPV6_HDRINCL, IPV6_RECVPKTINFO, IPV6_PKTINFO, IPV6_RECVHOPLIMIT,
    IPV6_HOPLIMIT, IPV6_RECVHOPOPTS, IPV6_HOPOPTS, IPV6_RTHDRDSTOPTS, IPV6_RECVRTHDR, IPV6_RTHDR,
    IPV6_RECVDSTOPTS, IPV6_DSTOPTS, IPV6_RECVPATHMTU, IPV6_PATHMTU, IPV6_DONTFRAG,
    IPV6_RECVTCLASS, IPV6_TCLASS, IPV6_AUTOFLOWLABEL, IPV6_ADDR_PREFERENCES, IPV6_MINHOPCOUNT,
    IPV6_ORIGDSTADDR, IPV6_TRANSPARENT, IPV6_UNICAST_IF, IPV6_RECVFRAGSIZE, MCAST_JOIN_GROUP,
    MCAST_BLOCK_SOURCE, MCAST_UNBLOCK_SOURCE, MCAST_LEAVE_GROUP, MCAST_JOIN_SOURCE_GROUP,
    MCAST_LEAVE_SOURCE_GROUP, MCAST_MSFILTER);
table!(UDP_NAMES: UDP_CORK, UDP_SEGMENT, UDP_GRO);
table!(FCNTL_CMDS: F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK, F_SETLKW,
    F_SETOWN, F_GETOWN, F_SETSIG = 10, F_GETSIG = 11, F_SETOWN_EX = 15, F_GETOWN_EX = 16, F_OFD_GETLK, F_OFD_SETLK,
    F_OFD_SETLKW, F_SETLEASE, F_GETLEASE, F_NOTIFY, F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ,
    F_ADD_SEALS, F_GET_SEALS);
// <linux/fcntl.h>; the `libc` crate leaves them out for glibc targets. Only the inline build
// makes `F_GETOWN_EX` itself (glibc's struct is out of the log's reach).
#[cfg_attr(not(feature = "inline-syscalls"), allow(dead_code))]
pub(crate) const F_OWNER_TYPES: Table =
    &[(0, "F_OWNER_TID"), (1, "F_OWNER_PID"), (2, "F_OWNER_PGRP")];
table!(FD_FLAGS: FD_CLOEXEC);
table!(ACCESS_MODES: O_RDONLY, O_WRONLY, O_RDWR);
table!(OPEN_FLAGS: O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK, O_DSYNC, O_ASYNC,
    O_DIRECT, O_LARGEFILE, O_DIRECTORY, O_NOFOLLOW, O_NOATIME, O_CLOEXEC, O_PATH);
table!(POLL_EVENTS: POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLRDBAND,
    POLLWRNORM, POLLWRBAND, POLLMSG = 0x400, POLLRDHUP);

/// A socket option level socklab names options at: C's name for the level (what C code passes
/// to setsockopt), its options, and strace's placeholder for an unknown one.
struct OptLevel {
    level: c_int,
    name: &'static str,
    options: Table,
    unknown: &'static str,
}

/// The option levels, with `IPPROTO_*` as C code spells them (strace prints `SOL_TCP` for the
/// same numbers: [`SOL_LEVELS`]).
const OPT_LEVELS: &[OptLevel] = &[
    OptLevel {
        level: libc::SOL_SOCKET,
        name: "SOL_SOCKET",
        options: SO_NAMES,
        unknown: "SO_???",
    },
    OptLevel {
        level: libc::IPPROTO_IP,
        name: "IPPROTO_IP",
        options: IP_NAMES,
        unknown: "IP_???",
    },
    OptLevel {
        level: libc::IPPROTO_IPV6,
        name: "IPPROTO_IPV6",
        options: IPV6_NAMES,
        unknown: "IPV6_???",
    },
    OptLevel {
        level: libc::IPPROTO_TCP,
        name: "IPPROTO_TCP",
        options: TCP_NAMES,
        unknown: "TCP_???",
    },
    OptLevel {
        level: libc::IPPROTO_UDP,
        name: "IPPROTO_UDP",
        options: UDP_NAMES,
        unknown: "UDP_???",
    },
];

fn opt_level(level: c_int) -> Option<&'static OptLevel> {
    OPT_LEVELS.iter().find(|l| l.level == level)
}

/// The C name of a socket option level (`SOL_SOCKET`, `IPPROTO_TCP`…), or `None` for a level
/// socklab does not name.
///
/// ```
/// use socklab::sys::{opt::level_name, IPPROTO_TCP};
/// assert_eq!(level_name(IPPROTO_TCP), Some("IPPROTO_TCP"));
/// assert_eq!(level_name(-7), None);
/// ```
pub fn level_name(level: c_int) -> Option<&'static str> {
    opt_level(level).map(|l| l.name)
}

/// The C name of option `optname` at `level` (`SO_REUSEADDR`, `TCP_NODELAY`…), or `None` when
/// socklab does not name it. Option numbers repeat across levels (`SO_DEBUG` and `TCP_NODELAY`
/// are both 1), hence the level.
///
/// ```
/// use socklab::sys::{opt::optname, IPPROTO_TCP, SOL_SOCKET};
/// assert_eq!(optname(SOL_SOCKET, 1), Some("SO_DEBUG"));
/// assert_eq!(optname(IPPROTO_TCP, 1), Some("TCP_NODELAY"));
/// ```
pub fn optname(level: c_int, optname: c_int) -> Option<&'static str> {
    opt_level(level).and_then(|l| lookup(l.options, optname as i64))
}

/// The options of `level` and strace's placeholder for an unknown one (`TCP_???`), for the
/// levels socklab names options at.
pub(crate) fn options(level: c_int) -> Option<(Table, &'static str)> {
    opt_level(level).map(|l| (l.options, l.unknown))
}

// select/pselect6, epoll, the int ioctls, signal sets, control messages.
table!(EPOLL_EVENTS: EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLNVAL = 0x20,
    EPOLLRDNORM, EPOLLRDBAND, EPOLLWRNORM, EPOLLWRBAND, EPOLLMSG, EPOLLRDHUP, EPOLLEXCLUSIVE,
    EPOLLWAKEUP, EPOLLONESHOT, EPOLLET = 0x80000000);
table!(EPOLL_CTL_OPS: EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD);
table!(EPOLL_CREATE_FLAGS: EPOLL_CLOEXEC);
table!(INT_IOCTLS: FIONREAD, TIOCOUTQ, SIOCOUTQNSD = 0x894b, SIOCATMARK = 0x8905);
table!(SIGNALS: SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL,
    SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP,
    SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO,
    SIGPWR, SIGSYS);
table!(SCM_TYPES: SCM_RIGHTS, SCM_CREDENTIALS, SCM_SECURITY = 3, SCM_PIDFD = 4,
    SO_TIMESTAMP_OLD = 29, SO_TIMESTAMPNS_OLD = 35, SO_TIMESTAMPING_OLD = 37);
table!(IP_CMSG_TYPES: IP_TOS, IP_TTL, IP_OPTIONS, IP_RECVOPTS, IP_RETOPTS, IP_PKTINFO,
    IP_RECVERR, IP_RECVTTL, IP_RECVTOS, IP_ORIGDSTADDR = 20);

// The Linux extras of `sys::ns` (unshare, the ifreq ioctls), which only the experiments call.
#[cfg(feature = "experiments")]
table!(CLONE_FLAGS: CLONE_FILES, CLONE_FS, CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS,
    CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_SYSVSEM);
#[cfg(feature = "experiments")]
table!(IFF_FLAGS: IFF_UP, IFF_BROADCAST, IFF_DEBUG, IFF_LOOPBACK, IFF_POINTOPOINT,
    IFF_NOTRAILERS, IFF_RUNNING, IFF_NOARP, IFF_PROMISC, IFF_ALLMULTI, IFF_MASTER, IFF_SLAVE,
    IFF_MULTICAST, IFF_PORTSEL, IFF_AUTOMEDIA, IFF_DYNAMIC);
#[cfg(feature = "experiments")]
table!(IFREQ_REQUESTS: SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCETHTOOL);
/// The capabilities by bit number, as `<linux/capability.h>` names them.
#[cfg(feature = "experiments")]
pub(crate) const CAP_NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];
