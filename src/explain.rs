//! What an errno (or a getaddrinfo `EAI_*` code) means for the socket calls that return it:
//! [`Errno::explain`], [`Eai::explain`] and the tables behind them, which `socklab explain
//! EADDRINUSE 111 ENOTCONN EAI_NONAME` prints.
//!
//! Each [`Explanation`] names the socket calls that return the error with the usual cause for
//! each (from the Linux man pages and the kernel's behaviour as the tests in `tests/sys` assert
//! it), what to try, and two lines of C that trigger it. Data only: no call is made.

use std::fmt;

use crate::sys::{Eai, Errno};

/// The code an [`Explanation`] is about: an errno, or a getaddrinfo(3) `EAI_*` code (those are
/// not errno values: getaddrinfo returns them, and only `EAI_SYSTEM` means "see errno").
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Code {
    /// An errno(3) value.
    Errno(Errno),
    /// A getaddrinfo(3) return value.
    Eai(Eai),
}

impl Code {
    /// Parses what a user types: an errno symbol (`EADDRINUSE`, with the aliases of
    /// [`Errno::parse`]) or number (`98`), or an `EAI_*` symbol or its (negative) number (`-2`).
    ///
    /// # Example
    /// ```
    /// use socklab::explain::Code;
    /// use socklab::sys::Eai;
    /// assert_eq!(Code::parse("EAI_NONAME"), Some(Code::Eai(Eai::EAI_NONAME)));
    /// assert_eq!(Code::parse("-2"), Some(Code::Eai(Eai::EAI_NONAME)));
    /// assert_eq!(Code::parse("98"), Some(Code::Errno(socklab::Errno::EADDRINUSE)));
    /// ```
    pub fn parse(s: &str) -> Option<Code> {
        if let Some(e) = Errno::parse(s) {
            return Some(Code::Errno(e));
        }
        let eai = match s.parse::<i32>() {
            Ok(n) if n < 0 => Eai::from_raw(n),
            Ok(_) => return None,
            Err(_) => GAI_TABLE.iter().map(|x| x.eai()).find(|e| e.name() == s)?,
        };
        (eai.name() != "EAI_???").then_some(Code::Eai(eai))
    }

    /// The symbol (`EADDRINUSE`, `EAI_NONAME`).
    pub fn name(self) -> &'static str {
        match self {
            Code::Errno(e) => e.name(),
            Code::Eai(e) => e.name(),
        }
    }

    /// The number C uses.
    pub fn raw(self) -> i32 {
        match self {
            Code::Errno(e) => e.raw(),
            Code::Eai(e) => e.raw(),
        }
    }

    /// strerror(3) / gai_strerror(3) text.
    pub fn description(self) -> String {
        match self {
            Code::Errno(e) => e.description(),
            Code::Eai(e) => e.description(),
        }
    }

    /// The explanation, if the tables have one.
    pub fn explain(self) -> Option<&'static Explanation> {
        let table = match self {
            Code::Errno(_) => TABLE,
            Code::Eai(_) => GAI_TABLE,
        };
        table.iter().find(|e| e.code == self)
    }
}

/// One errno (or `EAI_*` code) explained for the socket API.
#[derive(Debug)]
pub struct Explanation {
    /// The error.
    pub code: Code,
    /// `(call, usual cause)` for each socket call that returns it, most common first.
    pub calls: &'static [(&'static str, &'static str)],
    /// What to try.
    pub remedy: &'static str,
    /// Two lines of C that trigger it (the second is the call that fails).
    pub c_snippet: [&'static str; 2],
}

impl Errno {
    /// What this errno means for the socket calls that return it, or `None` for an errno
    /// socklab has no entry for (most of errno(3) is not about sockets).
    ///
    /// # Example
    /// ```
    /// use socklab::Errno;
    /// let e = Errno::EADDRINUSE.explain().unwrap();
    /// assert!(e.calls.iter().any(|(call, _)| *call == "bind"));
    /// ```
    pub fn explain(self) -> Option<&'static Explanation> {
        Code::Errno(self).explain()
    }

    /// Parses an errno as a user writes it: a symbol (`EADDRINUSE`, also the aliases
    /// `EWOULDBLOCK`, `ENOTSUP`, `EDEADLOCK`) or a number (`98`). Case-sensitive like C.
    ///
    /// # Example
    /// ```
    /// use socklab::Errno;
    /// assert_eq!(Errno::parse("98"), Some(Errno::EADDRINUSE));
    /// assert_eq!(Errno::parse("EWOULDBLOCK"), Some(Errno::EAGAIN));
    /// assert_eq!(Errno::parse("EFOO"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Errno> {
        if let Ok(n) = s.parse::<i32>() {
            let e = Errno::from_raw(n);
            return (e.name() != "E?").then_some(e);
        }
        match s {
            "EWOULDBLOCK" => return Some(Errno::EAGAIN),
            "ENOTSUP" => return Some(Errno::EOPNOTSUPP),
            "EDEADLOCK" => return Some(Errno::EDEADLK),
            _ => {}
        }
        // Linux errnos run from 1 to 133 (EHWPOISON); `name` knows each of them.
        (1..=255).map(Errno::from_raw).find(|e| e.name() == s)
    }
}

impl Eai {
    /// What this getaddrinfo(3) code means and what usually causes it.
    ///
    /// # Example
    /// ```
    /// use socklab::sys::Eai;
    /// assert!(Eai::EAI_NONAME.explain().is_some());
    /// ```
    pub fn explain(self) -> Option<&'static Explanation> {
        Code::Eai(self).explain()
    }
}

impl Explanation {
    fn eai(&self) -> Eai {
        match self.code {
            Code::Eai(e) => e,
            Code::Errno(_) => Eai::from_raw(0),
        }
    }
}

impl fmt::Display for Explanation {
    /// The block `socklab explain` prints: name, number and strerror text, the calls with their
    /// causes, what to try, and the C snippet.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.code;
        writeln!(f, "{} ({}): {}", e.name(), e.raw(), e.description())?;
        let width = self.calls.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
        writeln!(f, "  returned by:")?;
        for (call, cause) in self.calls {
            writeln!(f, "    {call:<width$}  {cause}")?;
        }
        writeln!(f, "  try: {}", self.remedy)?;
        writeln!(f, "  C that triggers it:")?;
        for line in self.c_snippet {
            writeln!(f, "    {line}")?;
        }
        Ok(())
    }
}

/// Every errno a socket call commonly returns, in alphabetical order.
static TABLE: &[Explanation] = &[
    Explanation {
        code: Code::Errno(Errno::EACCES),
        calls: &[
            ("bind", "a port below 1024 without CAP_NET_BIND_SERVICE (see net.ipv4.ip_unprivileged_port_start), or no search/write permission on a Unix socket path's directory"),
            ("connect", "no write permission on the Unix socket file, or a broadcast address without SO_BROADCAST"),
            ("sendto", "a broadcast address without SO_BROADCAST set"),
            ("socket", "the process may not create this type (SOCK_RAW without CAP_NET_RAW gives EPERM instead)"),
        ],
        remedy: "use a port >= 1024 (or run with CAP_NET_BIND_SERVICE), check the path's permissions, set SO_BROADCAST for broadcasts",
        c_snippet: [
            "struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };",
            "bind(fd, (struct sockaddr *)&a, sizeof a);   /* as a normal user: -1, EACCES */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EADDRINUSE),
        calls: &[
            ("bind", "another socket is bound to the same address and port: a live listener, or a connection still in TIME_WAIT after a restart"),
            ("listen", "the socket was never bound and the kernel's autobind found no free ephemeral port, or another socket listens on the same port with SO_REUSEPORT rules not met"),
            ("connect", "no free ephemeral port is left for this destination (ip_local_port_range exhausted), or a UDP/TCP bind conflict on autobind"),
            ("bind (Unix)", "the socket file already exists; unlink(2) it first"),
        ],
        remedy: "set SO_REUSEADDR before bind on a server (TIME_WAIT), pick port 0 and read the port back with getsockname, unlink a stale Unix socket path, or find the holder with `ss -ltnp`",
        c_snippet: [
            "bind(a, (struct sockaddr *)&addr, sizeof addr); listen(a, 3);",
            "bind(b, (struct sockaddr *)&addr, sizeof addr);   /* same port: -1, EADDRINUSE */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EADDRNOTAVAIL),
        calls: &[
            ("bind", "the address is not one of this host's interfaces (a typo, or an interface that is down or not yet configured)"),
            ("connect", "no local port left to bind to (ephemeral range exhausted), or the destination is 0.0.0.0:0 / port 0"),
            ("sendto", "the source address chosen by IP_PKTINFO or the bound address cannot reach the destination"),
        ],
        remedy: "bind INADDR_ANY or an address `ip addr` lists, use IP_FREEBIND for addresses that come up later, widen net.ipv4.ip_local_port_range",
        c_snippet: [
            "inet_pton(AF_INET, \"192.0.2.1\", &a.sin_addr);   /* not ours */",
            "bind(fd, (struct sockaddr *)&a, sizeof a);        /* -1, EADDRNOTAVAIL */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EAFNOSUPPORT),
        calls: &[
            ("socket", "the address family is not compiled into the kernel or not known (socket(47, …))"),
            ("bind", "the sockaddr's sa_family does not match the socket's family (an AF_INET6 address on an AF_INET socket)"),
            ("connect", "as bind: the address family does not match the socket"),
            ("sendto", "as bind: the destination's family does not match the socket"),
        ],
        remedy: "create the socket with the family of the address you will use (take both from getaddrinfo's ai_family and ai_addr)",
        c_snippet: [
            "int fd = socket(AF_INET, SOCK_STREAM, 0);",
            "bind(fd, (struct sockaddr *)&sin6, sizeof sin6);   /* AF_INET6 addr: -1, EAFNOSUPPORT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EAGAIN),
        calls: &[
            ("recv/read/recvfrom/recvmsg", "a non-blocking socket (O_NONBLOCK or MSG_DONTWAIT) has no data yet, or SO_RCVTIMEO expired on a blocking one"),
            ("send/write/sendto/sendmsg", "a non-blocking socket's send buffer is full, or SO_SNDTIMEO expired"),
            ("accept", "a non-blocking listener has no pending connection"),
            ("connect (Unix)", "a non-blocking connect to a Unix listener whose backlog is full"),
            ("connect (TCP)", "no ephemeral port could be allocated (rare; usually EADDRNOTAVAIL)"),
        ],
        remedy: "it is not a failure: wait for readiness with poll/select/epoll and call again; for timeouts, check SO_RCVTIMEO/SO_SNDTIMEO. EWOULDBLOCK is the same value on Linux",
        c_snippet: [
            "fcntl(fd, F_SETFL, O_NONBLOCK);",
            "recv(fd, buf, sizeof buf, 0);   /* nothing sent yet: -1, EAGAIN */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EALREADY),
        calls: &[(
            "connect",
            "a non-blocking connect is already in progress on this socket",
        )],
        remedy: "wait for the first connect with poll(POLLOUT) and read the result with getsockopt(SO_ERROR); do not call connect again",
        c_snippet: [
            "connect(nbfd, (struct sockaddr *)&a, sizeof a);   /* -1, EINPROGRESS */",
            "connect(nbfd, (struct sockaddr *)&a, sizeof a);   /* still going: -1, EALREADY */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EBADF),
        calls: &[
            ("every call", "the fd is not open: closed already (a double close), never opened (-1 from a failed socket()), or a number from elsewhere"),
            ("read/write", "the fd is open but not for this direction"),
        ],
        remedy: "check socket()'s return value, set fds to -1 after close, never close an fd another thread still uses; Rust's OwnedFd makes a double close impossible",
        c_snippet: [
            "close(fd);",
            "send(fd, \"x\", 1, 0);   /* -1, EBADF */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ECONNABORTED),
        calls: &[(
            "accept",
            "a connection in the accept queue was reset (RST) by the client before accept took it",
        )],
        remedy: "not fatal for a server: log it and call accept again",
        c_snippet: [
            "/* client: connect, then SO_LINGER {1, 0} and close → RST while queued */",
            "accept(lfd, NULL, NULL);   /* may be -1, ECONNABORTED */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ECONNREFUSED),
        calls: &[
            ("connect (TCP)", "nothing listens on that address and port: the peer's kernel answered the SYN with RST"),
            ("connect (Unix)", "the socket file exists but nobody listens on it (the server exited)"),
            ("recv/send (connected UDP)", "an earlier datagram drew an ICMP port-unreachable: no one is bound to the destination port"),
        ],
        remedy: "start the server first, check the port (`ss -ltn`), the address family (127.0.0.1 vs ::1) and firewall rules; for UDP the error is reported on the next call on a connected socket",
        c_snippet: [
            "a.sin_port = htons(1);   /* nobody listens */",
            "connect(fd, (struct sockaddr *)&a, sizeof a);   /* -1, ECONNREFUSED */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ECONNRESET),
        calls: &[
            ("recv/read", "the peer reset the connection (RST): it closed with unread data in its receive buffer, set SO_LINGER {1, 0}, or crashed"),
            ("send/write", "as recv: the peer sent RST; a later write gives EPIPE"),
            ("connect", "the listener's accept queue overflowed with tcp_abort_on_overflow=1, or a middlebox reset the handshake"),
        ],
        remedy: "treat it as the peer going away: close your end; on the peer, read everything before close, or shutdown(SHUT_WR) first",
        c_snippet: [
            "struct linger l = { 1, 0 }; setsockopt(peer, SOL_SOCKET, SO_LINGER, &l, sizeof l); close(peer);",
            "recv(fd, buf, sizeof buf, 0);   /* -1, ECONNRESET */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EDESTADDRREQ),
        calls: &[
            ("send/write (UDP)", "an unconnected datagram socket has no destination: use sendto or connect first"),
            ("sendmsg", "msg_name is NULL on an unconnected datagram socket"),
        ],
        remedy: "use sendto/sendmsg with an address, or connect() the datagram socket to fix a default peer",
        c_snippet: [
            "int fd = socket(AF_INET, SOCK_DGRAM, 0);",
            "send(fd, \"x\", 1, 0);   /* not connected: -1, EDESTADDRREQ */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EFAULT),
        calls: &[(
            "every call with a pointer",
            "a pointer argument is outside the process's memory (NULL where a buffer is required, a freed buffer, a length larger than the buffer)",
        )],
        remedy: "check every pointer and length; socklab's safe API cannot produce it, only `sys::raw` can",
        c_snippet: [
            "socklen_t len = sizeof a;",
            "accept(lfd, (struct sockaddr *)&a, NULL);   /* addr without addrlen: -1, EFAULT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EHOSTUNREACH),
        calls: &[
            ("connect", "no route to the host, or an ICMP host-unreachable came back (often a firewall REJECT)"),
            ("sendto/send", "as connect, reported on the next call for datagram sockets"),
        ],
        remedy: "check `ip route get ADDR`, the peer's firewall, and that the address is right",
        c_snippet: [
            "/* a route to a host that answers ARP with nothing, or is REJECTed */",
            "connect(fd, (struct sockaddr *)&a, sizeof a);   /* -1, EHOSTUNREACH */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EHWPOISON),
        calls: &[(
            "(none)",
            "no socket call returns it: the kernel uses it for memory pages with a hardware error (madvise MADV_HWPOISON); it is listed so every errno the tests name has an entry",
        )],
        remedy: "if a program sees it, the machine has a memory fault: look at the kernel log",
        c_snippet: [
            "/* not reachable from the socket API */",
            "madvise(page, 4096, MADV_HWPOISON);   /* as root, on a test page */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EINPROGRESS),
        calls: &[
            ("connect", "a non-blocking TCP connect has started; the handshake completes later"),
            ("connect (after EINTR)", "a signal interrupted a blocking connect; the handshake goes on in the background"),
        ],
        remedy: "poll the fd for POLLOUT, then getsockopt(SO_ERROR) tells whether the connect succeeded (0) or which errno it failed with",
        c_snippet: [
            "int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);",
            "connect(fd, (struct sockaddr *)&a, sizeof a);   /* -1, EINPROGRESS */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EINTR),
        calls: &[
            ("recv/read/accept/connect/send/poll…", "a signal handler ran while the call was blocked (and the handler was installed without SA_RESTART, or the call is never restarted, like poll or a call with SO_RCVTIMEO)"),
        ],
        remedy: "call again (socklab's `Socket` does for you; `sys` returns it as C does); for connect, do not call again: poll for POLLOUT and read SO_ERROR",
        c_snippet: [
            "signal(SIGALRM, on_alarm); alarm(1);   /* handler without SA_RESTART */",
            "recv(fd, buf, sizeof buf, 0);          /* -1, EINTR after 1 s */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EINVAL),
        calls: &[
            ("bind", "the socket is already bound, or addrlen is wrong for the family (3, 15, 129 for AF_INET)"),
            ("listen", "the socket is already connected (a datagram socket gives EOPNOTSUPP instead)"),
            ("accept", "the socket is not listening (listen was not called)"),
            ("shutdown", "`how` is not SHUT_RD, SHUT_WR or SHUT_RDWR"),
            ("setsockopt/getsockopt", "optlen is wrong for the option (too small), or the value is out of range"),
            ("recv (MSG_OOB)", "no urgent data is pending"),
        ],
        remedy: "check each argument against the man page: lengths are sizeof the exact struct, listen before accept, bind once",
        c_snippet: [
            "bind(fd, (struct sockaddr *)&a, sizeof a);",
            "bind(fd, (struct sockaddr *)&a, sizeof a);   /* bound already: -1, EINVAL */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EISCONN),
        calls: &[
            ("connect", "the socket is already connected (a second connect on TCP)"),
            ("sendto (TCP)", "an address was given on a connected stream socket"),
        ],
        remedy: "connect once; on connected sockets use send/write without an address",
        c_snippet: [
            "connect(fd, (struct sockaddr *)&a, sizeof a);",
            "connect(fd, (struct sockaddr *)&a, sizeof a);   /* -1, EISCONN */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EMFILE),
        calls: &[(
            "socket/accept/socketpair",
            "the process has RLIMIT_NOFILE fds open: an fd leak, or a busy server with the default soft limit of 1024",
        )],
        remedy: "close what you no longer need (look at /proc/self/fd), raise the soft limit (`ulimit -n`, setrlimit), keep a spare fd to accept-and-close under overload",
        c_snippet: [
            "struct rlimit r = { 3, 3 }; setrlimit(RLIMIT_NOFILE, &r);",
            "socket(AF_INET, SOCK_STREAM, 0);   /* fds 0-2 in use: -1, EMFILE */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EMSGSIZE),
        calls: &[
            ("send/sendto/sendmsg (UDP)", "the datagram is larger than the protocol allows (65507 bytes payload for UDP/IPv4) or than the path MTU with IP_PMTUDISC_DO"),
            ("send (Unix datagram)", "the datagram is larger than the socket's send buffer"),
        ],
        remedy: "send smaller datagrams (stay under the path MTU, ~1472 bytes on Ethernet), or use a stream socket",
        c_snippet: [
            "static char big[70000];",
            "sendto(udp, big, sizeof big, 0, (struct sockaddr *)&a, sizeof a);   /* -1, EMSGSIZE */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENAMETOOLONG),
        calls: &[(
            "bind/connect (Unix)",
            "the path does not fit sun_path (108 bytes with its NUL on Linux); socklab reports it before the call rather than truncating",
        )],
        remedy: "use a shorter path (a relative path after chdir, or an abstract name `@name`)",
        c_snippet: [
            "strncpy(un.sun_path, long_path, sizeof un.sun_path);   /* silently cut: the C bug */",
            "bind(fd, (struct sockaddr *)&un, sizeof un);           /* socklab: ENAMETOOLONG */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENETUNREACH),
        calls: &[
            ("connect/sendto", "no route to the destination network (no default route, or an IPv6 address on an IPv4-only host)"),
        ],
        remedy: "check `ip route`, and try the next address getaddrinfo returned",
        c_snippet: [
            "/* in a network namespace with only lo up */",
            "connect(fd, (struct sockaddr *)&remote, sizeof remote);   /* -1, ENETUNREACH */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENFILE),
        calls: &[(
            "socket/accept",
            "the whole system reached fs.file-max open files",
        )],
        remedy: "find the process holding fds (`ls /proc/*/fd | wc -l`), raise fs.file-max",
        c_snippet: [
            "/* rare: needs fs.file-max lowered below what is open */",
            "socket(AF_INET, SOCK_STREAM, 0);   /* -1, ENFILE */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOBUFS),
        calls: &[
            ("send/sendto", "the interface queue or the kernel's memory for socket buffers is exhausted (often a UDP flood)"),
            ("socket/accept", "the kernel could not allocate the socket's memory"),
        ],
        remedy: "pace the sender, check net.core.wmem_max and the qdisc, retry later",
        c_snippet: [
            "for (;;)   /* a UDP flood to a slow interface */",
            "    sendto(udp, buf, 1400, 0, (struct sockaddr *)&a, sizeof a);   /* may be -1, ENOBUFS */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOENT),
        calls: &[
            ("connect (Unix)", "the socket path does not exist (server not started, or it removed the file)"),
            ("bind (Unix)", "a directory in the path does not exist"),
        ],
        remedy: "check the path, start the server, create the directory",
        c_snippet: [
            "strcpy(un.sun_path, \"/tmp/nobody.sock\");",
            "connect(fd, (struct sockaddr *)&un, sizeof un);   /* -1, ENOENT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOMEM),
        calls: &[(
            "socket/setsockopt/sendmsg",
            "the kernel could not allocate memory (a huge SO_RCVBUF is capped instead; optmem_max exceeded by control data)",
        )],
        remedy: "check memory pressure; for control messages, net.core.optmem_max",
        c_snippet: [
            "/* control data larger than net.core.optmem_max */",
            "sendmsg(fd, &msg_with_huge_cmsg, 0);   /* -1, ENOBUFS or ENOMEM */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOPROTOOPT),
        calls: &[
            ("setsockopt/getsockopt", "the option is not known at that level (TCP_NODELAY on a UDP socket, a level/option pair swapped)"),
        ],
        remedy: "check level and option together (IPPROTO_TCP with TCP_*, SOL_SOCKET with SO_*) and the socket's protocol",
        c_snippet: [
            "int on = 1, udp = socket(AF_INET, SOCK_DGRAM, 0);",
            "setsockopt(udp, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);   /* -1, ENOPROTOOPT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOTCONN),
        calls: &[
            ("recv/read (TCP)", "the stream socket was never connected (or the connect failed); send on such a socket gives EPIPE on Linux"),
            ("getpeername", "no peer: the socket is not connected"),
            ("shutdown", "the socket is not connected"),
        ],
        remedy: "connect (or accept) first and check its result; a server reads from the fd accept returned, not the listener",
        c_snippet: [
            "int fd = socket(AF_INET, SOCK_STREAM, 0);",
            "recv(fd, buf, sizeof buf, 0);   /* never connected: -1, ENOTCONN */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOTSOCK),
        calls: &[(
            "every socket call",
            "the fd is open but is not a socket (a file, a pipe, stdin)",
        )],
        remedy: "pass the fd socket()/accept() returned; check fds that arrive as numbers (argv, inherited)",
        c_snippet: [
            "int fd = open(\"/dev/null\", O_RDONLY);",
            "listen(fd, 3);   /* -1, ENOTSOCK */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EOPNOTSUPP),
        calls: &[
            ("listen/accept", "the socket type does not accept connections (SOCK_DGRAM)"),
            ("send/recv", "a flag the protocol does not support (MSG_OOB on UDP or Unix sockets)"),
            ("setsockopt", "the option exists but not for this socket type"),
        ],
        remedy: "use SOCK_STREAM (or SOCK_SEQPACKET) for listen/accept; drop the flag. ENOTSUP is the same value on Linux",
        c_snippet: [
            "int fd = socket(AF_INET, SOCK_DGRAM, 0);",
            "listen(fd, 3);   /* -1, EOPNOTSUPP */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EPERM),
        calls: &[
            ("socket", "SOCK_RAW or AF_PACKET without CAP_NET_RAW"),
            ("setsockopt", "a privileged option without CAP_NET_ADMIN (SO_PRIORITY above 6, SO_MARK, SO_ATTACH_FILTER on TCP in some setups)"),
            ("connect/sendto", "a firewall rule (netfilter) refused the packet"),
        ],
        remedy: "run with the named capability (`setcap cap_net_raw+ep`), or use an unprivileged alternative (SOCK_DGRAM/IPPROTO_ICMP for ping); check iptables/nft rules",
        c_snippet: [
            "/* as a normal user */",
            "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);   /* -1, EPERM */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EPIPE),
        calls: &[(
            "send/write",
            "the connection is closed for writing: the peer closed (and reset), you called shutdown(SHUT_WR), or (Linux) the TCP socket was never connected. Also raises SIGPIPE, which kills a C program unless MSG_NOSIGNAL or SIG_IGN (Rust ignores SIGPIPE at start-up)",
        )],
        remedy: "pass MSG_NOSIGNAL (or ignore SIGPIPE) and treat EPIPE as the peer going away",
        c_snippet: [
            "shutdown(fd, SHUT_WR);",
            "send(fd, \"x\", 1, MSG_NOSIGNAL);   /* -1, EPIPE (SIGPIPE without the flag) */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EPROTONOSUPPORT),
        calls: &[(
            "socket",
            "the protocol is not supported for this family and type (IPPROTO_UDP with SOCK_STREAM), or its module is not loaded (SCTP)",
        )],
        remedy: "pass 0 to let the kernel choose, or the protocol that matches the type (getaddrinfo's ai_protocol)",
        c_snippet: [
            "/* a stream socket asked for UDP */",
            "socket(AF_INET, SOCK_STREAM, IPPROTO_UDP);   /* -1, EPROTONOSUPPORT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EPROTOTYPE),
        calls: &[
            ("connect (Unix)", "the listener's type differs (a SOCK_DGRAM client connecting to a SOCK_STREAM path)"),
            ("socket", "the protocol does not fit the type"),
        ],
        remedy: "use the same socket type on both ends",
        c_snippet: [
            "int fd = socket(AF_UNIX, SOCK_DGRAM, 0);   /* the server is SOCK_STREAM */",
            "connect(fd, (struct sockaddr *)&un, sizeof un);   /* -1, EPROTOTYPE */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ESOCKTNOSUPPORT),
        calls: &[(
            "socket",
            "the socket type is not supported in this family (SOCK_SEQPACKET on AF_INET)",
        )],
        remedy: "use SOCK_STREAM or SOCK_DGRAM for IP; SOCK_SEQPACKET needs AF_UNIX or SCTP",
        c_snippet: [
            "/* SOCK_SEQPACKET exists for AF_UNIX, not for TCP/IP */",
            "socket(AF_INET, SOCK_SEQPACKET, 0);   /* -1, ESOCKTNOSUPPORT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ETIMEDOUT),
        calls: &[
            ("connect", "no answer to the SYNs: the host is down, a firewall drops silently, or the listener's queue is full (tcp_syn_retries, ~130 s by default)"),
            ("recv/send", "the connection died: retransmissions or keepalive probes went unanswered (TCP_USER_TIMEOUT, tcp_retries2)"),
        ],
        remedy: "check the host and path; bound the wait with a non-blocking connect + poll timeout, or TCP_USER_TIMEOUT",
        c_snippet: [
            "/* a destination whose packets are dropped (nft drop rule) */",
            "connect(fd, (struct sockaddr *)&a, sizeof a);   /* after ~2 min: -1, ETIMEDOUT */",
        ],
    },
];

/// getaddrinfo(3)'s codes, in alphabetical order.
static GAI_TABLE: &[Explanation] = &[
    Explanation {
        code: Code::Eai(Eai::EAI_AGAIN),
        calls: &[("getaddrinfo/getnameinfo", "the name server did not answer in time, or answered SERVFAIL: a temporary failure")],
        remedy: "try again later; check /etc/resolv.conf and that a DNS server is reachable",
        c_snippet: [
            "/* with the DNS server unreachable */",
            "getaddrinfo(\"example.org\", \"http\", &hints, &res);   /* EAI_AGAIN */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_BADFLAGS),
        calls: &[("getaddrinfo/getnameinfo", "ai_flags (or getnameinfo's flags) holds an unknown bit, or AI_CANONNAME with a NULL node")],
        remedy: "pass only AI_* flags the man page lists; AI_CANONNAME needs a host name",
        c_snippet: [
            "hints.ai_flags = AI_CANONNAME;",
            "getaddrinfo(NULL, \"http\", &hints, &res);   /* EAI_BADFLAGS */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_FAIL),
        calls: &[("getaddrinfo/getnameinfo", "the name server returned a permanent failure")],
        remedy: "check the name and the resolver configuration; retrying will not help",
        c_snippet: [
            "/* a resolver that answers REFUSED */",
            "getaddrinfo(\"example.org\", NULL, &hints, &res);   /* EAI_FAIL */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_FAMILY),
        calls: &[("getaddrinfo", "ai_family is not AF_INET, AF_INET6 or AF_UNSPEC"), ("getnameinfo", "the address family is not supported")],
        remedy: "use AF_UNSPEC to get both IPv4 and IPv6, or AF_INET / AF_INET6",
        c_snippet: [
            "hints.ai_family = AF_UNIX;",
            "getaddrinfo(\"localhost\", \"http\", &hints, &res);   /* EAI_FAMILY */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_MEMORY),
        calls: &[("getaddrinfo/getnameinfo", "out of memory")],
        remedy: "free what you hold (every getaddrinfo result needs one freeaddrinfo)",
        c_snippet: [
            "for (;;) getaddrinfo(\"localhost\", NULL, &hints, &res);   /* never freed */",
            "getaddrinfo(\"localhost\", NULL, &hints, &res);   /* eventually EAI_MEMORY */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_NODATA),
        calls: &[("getaddrinfo", "the host exists but has no address of the asked family (glibc reports most such cases as EAI_NONAME)")],
        remedy: "ask with AF_UNSPEC, or check the name's DNS records",
        c_snippet: [
            "hints.ai_family = AF_INET6;   /* a name with only an A record */",
            "getaddrinfo(\"v4only.example\", NULL, &hints, &res);   /* EAI_NODATA or EAI_NONAME */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_NONAME),
        calls: &[
            ("getaddrinfo", "the node or service is not known (no such host, a service name missing from /etc/services), or both node and service are NULL"),
            ("getnameinfo", "NI_NAMEREQD was set and the address has no name"),
        ],
        remedy: "check the spelling and /etc/hosts, /etc/services; pass AI_NUMERICHOST for literal addresses; one of node/service must be non-NULL",
        c_snippet: [
            "struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;",
            "getaddrinfo(\"nowhere.invalid\", \"http\", &hints, &res);   /* EAI_NONAME */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_OVERFLOW),
        calls: &[("getnameinfo", "the host or service buffer is too small for the answer")],
        remedy: "use NI_MAXHOST / NI_MAXSERV sized buffers",
        c_snippet: [
            "char host[2];",
            "getnameinfo(sa, len, host, sizeof host, NULL, 0, NI_NUMERICHOST);   /* EAI_OVERFLOW */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_SERVICE),
        calls: &[("getaddrinfo", "the service exists but not for the asked socket type (\"domain\" is fine, but a tcp-only name with SOCK_DGRAM fails)")],
        remedy: "give a port number, or a service /etc/services lists for that protocol",
        c_snippet: [
            "hints.ai_socktype = SOCK_DGRAM;",
            "getaddrinfo(\"localhost\", \"ssh\", &hints, &res);   /* ssh is tcp-only: EAI_SERVICE */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_SOCKTYPE),
        calls: &[("getaddrinfo", "ai_socktype is not SOCK_STREAM, SOCK_DGRAM or SOCK_RAW (or 0)")],
        remedy: "use 0 for any, or one of the three",
        c_snippet: [
            "hints.ai_socktype = 42;",
            "getaddrinfo(\"localhost\", \"http\", &hints, &res);   /* EAI_SOCKTYPE */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_SYSTEM),
        calls: &[("getaddrinfo/getnameinfo", "a system call failed: errno says which (socklab's Error carries it)")],
        remedy: "read errno (err.errno()) and explain that instead",
        c_snippet: [
            "/* e.g. no fd left for the resolver's socket */",
            "getaddrinfo(\"example.org\", \"http\", &hints, &res);   /* EAI_SYSTEM, errno EMFILE */",
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_errno_in_order() {
        for table in [TABLE, GAI_TABLE] {
            for w in table.windows(2) {
                let (a, b) = (w[0].code.name(), w[1].code.name());
                assert!(a < b, "{a} before {b}");
            }
            for e in table {
                let name = e.code.name();
                assert!(!e.calls.is_empty(), "{name} has no call");
                assert!(e.c_snippet[1].contains('('), "{name}");
                assert_eq!(Code::parse(name), Some(e.code), "{name}");
                assert_eq!(
                    Code::parse(&e.code.raw().to_string()),
                    Some(e.code),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn parse_symbols_numbers_and_aliases() {
        assert_eq!(Errno::parse("EADDRINUSE"), Some(Errno::EADDRINUSE));
        assert_eq!(Errno::parse("111"), Some(Errno::ECONNREFUSED));
        assert_eq!(Errno::parse("ENOTSUP"), Some(Errno::EOPNOTSUPP));
        assert_eq!(Errno::parse("eaddrinuse"), None);
        assert_eq!(Errno::parse("0"), None);
        assert_eq!(Errno::parse("-1"), None);
        assert_eq!(Errno::parse("9999"), None);
    }
}
