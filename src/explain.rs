//! What an errno (or a getaddrinfo `EAI_*` code) means for the socket calls that return it:
//! [`Errno::explain`], [`Eai::explain`] and the tables behind them, which `socklab explain
//! EADDRINUSE 111 ENOTCONN EAI_NONAME` prints.
//!
//! Each [`Explanation`] names the socket calls that return the error with the usual cause for
//! each (from the Linux man pages and the kernel's behaviour as the tests in `tests/sys` assert
//! it), what to try, and two lines of C that trigger it. Data only: no call is made.
//!
//! The calls and causes are not kept here: they are the rows of `sys`'s one table of
//! `(call, errno) → cause`, the same rows every `sys` function's `# Errors` section is built
//! from at compile time (so `socklab explain EADDRINUSE` and the docs of
//! [`sys::bind`](crate::sys::bind) say the same). This module keeps, per errno, what to try and
//! the C that triggers it; [`errors_of`] gives one call's rows.

use std::fmt;

use crate::sys::causes::CALLS;
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

/// The codes `call` returns with their usual causes, as its `# Errors` section lists them, or
/// `None` for a call `sys` does not document. `call` is the C name (`"bind"`), or for calls
/// documented per request the form [`Explanation::calls`] prints (`"ioctl(SIOCGIFFLAGS)"`).
///
/// # Example
/// ```
/// use socklab::{explain, Errno};
/// let bind = explain::errors_of("bind").unwrap();
/// assert!(bind.iter().any(|(code, _)| *code == explain::Code::Errno(Errno::EADDRINUSE)));
/// ```
pub fn errors_of(call: &str) -> Option<Vec<(Code, &'static str)>> {
    let row = CALLS.iter().find(|c| c.call == call)?;
    Some(
        row.errors
            .iter()
            .filter_map(|(name, cause)| Some((Code::parse(name)?, *cause)))
            .collect(),
    )
}

/// One errno (or `EAI_*` code) explained for the socket API.
#[derive(Debug)]
pub struct Explanation {
    /// The error.
    pub code: Code,
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
    /// assert!(e.calls().iter().any(|(call, _)| *call == "bind"));
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
    /// `(call, usual cause)` for each call that returns this code, in the order of `sys`'s
    /// table (the socket calls first, then I/O, messages, options, waiting, the rest). The same
    /// rows the `# Errors` section of each call's docs lists.
    ///
    /// # Example
    /// ```
    /// use socklab::Errno;
    /// let e = Errno::EADDRINUSE.explain().unwrap();
    /// assert_eq!(e.calls()[0].0, "bind");
    /// ```
    pub fn calls(&self) -> Vec<(&'static str, &'static str)> {
        let name = self.code.name();
        CALLS
            .iter()
            .flat_map(|c| c.errors.iter().map(move |e| (c.call, e)))
            .filter(|(_, (code, _))| *code == name)
            .map(|(call, (_, cause))| (call, *cause))
            .collect()
    }

    fn eai(&self) -> Eai {
        match self.code {
            Code::Eai(e) => e,
            Code::Errno(_) => Eai::from_raw(0),
        }
    }
}

impl fmt::Display for Explanation {
    /// The block `socklab explain` prints: name, number and strerror text, the calls with their
    /// causes (calls that share a cause word for word on one line: `recv/recvfrom`), what to
    /// try, and the C snippet.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.code;
        writeln!(f, "{} ({}): {}", e.name(), e.raw(), e.description())?;
        let mut groups: Vec<(String, &str)> = Vec::new();
        for (call, cause) in self.calls() {
            match groups.iter_mut().find(|(_, c)| *c == cause) {
                Some((calls, _)) => {
                    calls.push('/');
                    calls.push_str(call);
                }
                None => groups.push((call.to_owned(), cause)),
            }
        }
        // A long list of calls (EBADF's) goes on a line of its own, the cause under it.
        const WIDE: usize = 28;
        let fits = |c: &&(String, &str)| c.0.len() <= WIDE;
        let width = groups
            .iter()
            .filter(fits)
            .map(|(c, _)| c.len())
            .max()
            .unwrap_or(0);
        writeln!(f, "  returned by:")?;
        for (calls, cause) in &groups {
            if calls.len() > WIDE {
                writeln!(f, "    {calls}")?;
                writeln!(f, "    {:width$}  {cause}", "")?;
            } else {
                writeln!(f, "    {calls:<width$}  {cause}")?;
            }
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
        remedy: "use a port >= 1024 (or run with CAP_NET_BIND_SERVICE), check the path's permissions, set SO_BROADCAST for broadcasts",
        c_snippet: [
            "struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };",
            "bind(fd, (struct sockaddr *)&a, sizeof a);   /* as a normal user: -1, EACCES */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EADDRINUSE),
        remedy: "set SO_REUSEADDR before bind on a server (TIME_WAIT), pick port 0 and read the port back with getsockname, unlink a stale Unix socket path, or find the holder with `ss -ltnp`",
        c_snippet: [
            "bind(a, (struct sockaddr *)&addr, sizeof addr); listen(a, 3);",
            "bind(b, (struct sockaddr *)&addr, sizeof addr);   /* same port: -1, EADDRINUSE */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EADDRNOTAVAIL),
        remedy: "bind INADDR_ANY or an address `ip addr` lists, use IP_FREEBIND for addresses that come up later, widen net.ipv4.ip_local_port_range",
        c_snippet: [
            "inet_pton(AF_INET, \"192.0.2.1\", &a.sin_addr);   /* not ours */",
            "bind(fd, (struct sockaddr *)&a, sizeof a);        /* -1, EADDRNOTAVAIL */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EAFNOSUPPORT),
        remedy: "create the socket with the family of the address you will use (take both from getaddrinfo's ai_family and ai_addr)",
        c_snippet: [
            "int fd = socket(AF_INET, SOCK_STREAM, 0);",
            "bind(fd, (struct sockaddr *)&sin6, sizeof sin6);   /* AF_INET6 addr: -1, EAFNOSUPPORT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EAGAIN),
        remedy: "it is not a failure: wait for readiness with poll/select/epoll and call again; for timeouts, check SO_RCVTIMEO/SO_SNDTIMEO. EWOULDBLOCK is the same value on Linux",
        c_snippet: [
            "fcntl(fd, F_SETFL, O_NONBLOCK);",
            "recv(fd, buf, sizeof buf, 0);   /* nothing sent yet: -1, EAGAIN */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EALREADY),
        remedy: "wait for the first connect with poll(POLLOUT) and read the result with getsockopt(SO_ERROR); do not call connect again",
        c_snippet: [
            "connect(nbfd, (struct sockaddr *)&a, sizeof a);   /* -1, EINPROGRESS */",
            "connect(nbfd, (struct sockaddr *)&a, sizeof a);   /* still going: -1, EALREADY */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EBADF),
        remedy: "check socket()'s return value, set fds to -1 after close, never close an fd another thread still uses; Rust's OwnedFd makes a double close impossible",
        c_snippet: [
            "close(fd);",
            "send(fd, \"x\", 1, 0);   /* -1, EBADF */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ECONNABORTED),
        remedy: "not fatal for a server: log it and call accept again",
        c_snippet: [
            "/* client: connect, then SO_LINGER {1, 0} and close → RST while queued */",
            "accept(lfd, NULL, NULL);   /* may be -1, ECONNABORTED */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ECONNREFUSED),
        remedy: "start the server first, check the port (`ss -ltn`), the address family (127.0.0.1 vs ::1) and firewall rules; for UDP the error is reported on the next call on a connected socket",
        c_snippet: [
            "a.sin_port = htons(1);   /* nobody listens */",
            "connect(fd, (struct sockaddr *)&a, sizeof a);   /* -1, ECONNREFUSED */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ECONNRESET),
        remedy: "treat it as the peer going away: close your end; on the peer, read everything before close, or shutdown(SHUT_WR) first",
        c_snippet: [
            "struct linger l = { 1, 0 }; setsockopt(peer, SOL_SOCKET, SO_LINGER, &l, sizeof l); close(peer);",
            "recv(fd, buf, sizeof buf, 0);   /* -1, ECONNRESET */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EDESTADDRREQ),
        remedy: "use sendto/sendmsg with an address, or connect() the datagram socket to fix a default peer",
        c_snippet: [
            "int fd = socket(AF_INET, SOCK_DGRAM, 0);",
            "send(fd, \"x\", 1, 0);   /* not connected: -1, EDESTADDRREQ */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EDQUOT),
        remedy: "check the user's quota (`quota -v`); for NFS, check write's results and fsync before close",
        c_snippet: [
            "write(fd, buf, n);   /* on NFS the quota error may wait */",
            "close(fd);            /* -1, EDQUOT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EEXIST),
        remedy: "use EPOLL_CTL_MOD to change an fd's events, or EPOLL_CTL_DEL it first",
        c_snippet: [
            "epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);",
            "epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);   /* again: -1, EEXIST */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EFAULT),
        remedy: "check every pointer and length; socklab's safe API cannot produce it, only `sys::raw` can",
        c_snippet: [
            "socklen_t len = sizeof a;",
            "accept(lfd, (struct sockaddr *)&a, NULL);   /* addr without addrlen: -1, EFAULT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EHOSTUNREACH),
        remedy: "check `ip route get ADDR`, the peer's firewall, and that the address is right",
        c_snippet: [
            "/* a route to a host that answers ARP with nothing, or is REJECTed */",
            "connect(fd, (struct sockaddr *)&a, sizeof a);   /* -1, EHOSTUNREACH */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EHWPOISON),
        remedy: "if a program sees it, the machine has a memory fault: look at the kernel log",
        c_snippet: [
            "/* not reachable from the socket API */",
            "madvise(page, 4096, MADV_HWPOISON);   /* as root, on a test page */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EINPROGRESS),
        remedy: "poll the fd for POLLOUT, then getsockopt(SO_ERROR) tells whether the connect succeeded (0) or which errno it failed with",
        c_snippet: [
            "int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);",
            "connect(fd, (struct sockaddr *)&a, sizeof a);   /* -1, EINPROGRESS */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EINTR),
        remedy: "call again (socklab's `Socket` does for you; `sys` returns it as C does); for connect, do not call again: poll for POLLOUT and read SO_ERROR",
        c_snippet: [
            "signal(SIGALRM, on_alarm); alarm(1);   /* handler without SA_RESTART */",
            "recv(fd, buf, sizeof buf, 0);          /* -1, EINTR after 1 s */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EINVAL),
        remedy: "check each argument against the man page: lengths are sizeof the exact struct, listen before accept, bind once",
        c_snippet: [
            "bind(fd, (struct sockaddr *)&a, sizeof a);",
            "bind(fd, (struct sockaddr *)&a, sizeof a);   /* bound already: -1, EINVAL */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EIO),
        remedy: "look at the kernel log (`dmesg`) for the device's errors; a background job should not read its terminal",
        c_snippet: [
            "/* a file on a failing disk */",
            "read(fd, buf, sizeof buf);   /* -1, EIO */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EISCONN),
        remedy: "connect once; on connected sockets use send/write without an address",
        c_snippet: [
            "connect(fd, (struct sockaddr *)&a, sizeof a);",
            "connect(fd, (struct sockaddr *)&a, sizeof a);   /* -1, EISCONN */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EISDIR),
        remedy: "open the files inside the directory, not the directory",
        c_snippet: [
            "int fd = open(\"/tmp\", O_RDONLY);",
            "read(fd, buf, sizeof buf);   /* -1, EISDIR */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ELOOP),
        remedy: "check the path for symlink loops (`namei -l PATH`); do not add an epoll fd to itself or to one it watches",
        c_snippet: [
            "symlink(\"loop\", \"loop\");   /* a link to itself */",
            "strcpy(un.sun_path, \"loop/x\"); bind(fd, (struct sockaddr *)&un, sizeof un);   /* -1, ELOOP */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EMFILE),
        remedy: "close what you no longer need (look at /proc/self/fd), raise the soft limit (`ulimit -n`, setrlimit), keep a spare fd to accept-and-close under overload",
        c_snippet: [
            "struct rlimit r = { 3, 3 }; setrlimit(RLIMIT_NOFILE, &r);",
            "socket(AF_INET, SOCK_STREAM, 0);   /* fds 0-2 in use: -1, EMFILE */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EMSGSIZE),
        remedy: "send smaller datagrams (stay under the path MTU, ~1472 bytes on Ethernet), or use a stream socket",
        c_snippet: [
            "static char big[70000];",
            "sendto(udp, big, sizeof big, 0, (struct sockaddr *)&a, sizeof a);   /* -1, EMSGSIZE */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENAMETOOLONG),
        remedy: "use a shorter path (a relative path after chdir, or an abstract name `@name`)",
        c_snippet: [
            "strncpy(un.sun_path, long_path, sizeof un.sun_path);   /* silently cut: the C bug */",
            "bind(fd, (struct sockaddr *)&un, sizeof un);           /* socklab: ENAMETOOLONG */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENETUNREACH),
        remedy: "check `ip route`, and try the next address getaddrinfo returned",
        c_snippet: [
            "/* in a network namespace with only lo up */",
            "connect(fd, (struct sockaddr *)&remote, sizeof remote);   /* -1, ENETUNREACH */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENFILE),
        remedy: "find the process holding fds (`ls /proc/*/fd | wc -l`), raise fs.file-max",
        c_snippet: [
            "/* rare: needs fs.file-max lowered below what is open */",
            "socket(AF_INET, SOCK_STREAM, 0);   /* -1, ENFILE */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOBUFS),
        remedy: "pace the sender, check net.core.wmem_max and the qdisc, retry later",
        c_snippet: [
            "for (;;)   /* a UDP flood to a slow interface */",
            "    sendto(udp, buf, 1400, 0, (struct sockaddr *)&a, sizeof a);   /* may be -1, ENOBUFS */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENODEV),
        remedy: "list the interfaces of this namespace (`ip link`); in a new network namespace only `lo` exists",
        c_snippet: [
            "strcpy(ifr.ifr_name, \"eth9\");   /* no such interface */",
            "ioctl(fd, SIOCGIFFLAGS, &ifr);   /* -1, ENODEV */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOENT),
        remedy: "check the path, start the server, create the directory",
        c_snippet: [
            "strcpy(un.sun_path, \"/tmp/nobody.sock\");",
            "connect(fd, (struct sockaddr *)&un, sizeof un);   /* -1, ENOENT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOMEM),
        remedy: "check memory pressure; for control messages, net.core.optmem_max",
        c_snippet: [
            "/* control data larger than net.core.optmem_max */",
            "sendmsg(fd, &msg_with_huge_cmsg, 0);   /* -1, ENOBUFS or ENOMEM */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOPROTOOPT),
        remedy: "check level and option together (IPPROTO_TCP with TCP_*, SOL_SOCKET with SO_*) and the socket's protocol",
        c_snippet: [
            "int on = 1, udp = socket(AF_INET, SOCK_DGRAM, 0);",
            "setsockopt(udp, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);   /* -1, ENOPROTOOPT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOSPC),
        remedy: "raise the limit the call names (fs.epoll.max_user_watches, /proc/sys/user/max_*_namespaces) or free what holds it; for files, free disk space",
        c_snippet: [
            "/* with fs.epoll.max_user_watches reached */",
            "epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);   /* -1, ENOSPC */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOTCONN),
        remedy: "connect (or accept) first and check its result; a server reads from the fd accept returned, not the listener",
        c_snippet: [
            "int fd = socket(AF_INET, SOCK_STREAM, 0);",
            "recv(fd, buf, sizeof buf, 0);   /* never connected: -1, ENOTCONN */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOTDIR),
        remedy: "check each directory of the path exists and is a directory",
        c_snippet: [
            "strcpy(un.sun_path, \"/etc/passwd/x.sock\");   /* passwd is a file */",
            "bind(fd, (struct sockaddr *)&un, sizeof un);   /* -1, ENOTDIR */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOTSOCK),
        remedy: "pass the fd socket()/accept() returned; check fds that arrive as numbers (argv, inherited)",
        c_snippet: [
            "int fd = open(\"/dev/null\", O_RDONLY);",
            "listen(fd, 3);   /* -1, ENOTSOCK */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ENOTTY),
        remedy: "use the request on an fd of the kind it is for (a socket for SIOC*, TCP for SIOCATMARK)",
        c_snippet: [
            "int udp = socket(AF_INET, SOCK_DGRAM, 0);",
            "sockatmark(udp);   /* ioctl(SIOCATMARK): -1, ENOTTY */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EOPNOTSUPP),
        remedy: "use SOCK_STREAM (or SOCK_SEQPACKET) for listen/accept; drop the flag. ENOTSUP is the same value on Linux",
        c_snippet: [
            "int fd = socket(AF_INET, SOCK_DGRAM, 0);",
            "listen(fd, 3);   /* -1, EOPNOTSUPP */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EPERM),
        remedy: "run with the named capability (`setcap cap_net_raw+ep`), or use an unprivileged alternative (SOCK_DGRAM/IPPROTO_ICMP for ping); check iptables/nft rules",
        c_snippet: [
            "/* as a normal user */",
            "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);   /* -1, EPERM */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EPIPE),
        remedy: "pass MSG_NOSIGNAL (or ignore SIGPIPE) and treat EPIPE as the peer going away",
        c_snippet: [
            "shutdown(fd, SHUT_WR);",
            "send(fd, \"x\", 1, MSG_NOSIGNAL);   /* -1, EPIPE (SIGPIPE without the flag) */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EPROTO),
        remedy: "not fatal for a server: log it and call accept again",
        c_snippet: [
            "/* a connection that failed its handshake while queued */",
            "accept(lfd, NULL, NULL);   /* may be -1, EPROTO */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EPROTONOSUPPORT),
        remedy: "pass 0 to let the kernel choose, or the protocol that matches the type (getaddrinfo's ai_protocol)",
        c_snippet: [
            "/* a stream socket asked for UDP */",
            "socket(AF_INET, SOCK_STREAM, IPPROTO_UDP);   /* -1, EPROTONOSUPPORT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EPROTOTYPE),
        remedy: "use the same socket type on both ends",
        c_snippet: [
            "int fd = socket(AF_UNIX, SOCK_DGRAM, 0);   /* the server is SOCK_STREAM */",
            "connect(fd, (struct sockaddr *)&un, sizeof un);   /* -1, EPROTOTYPE */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ERANGE),
        remedy: "give the call a larger buffer (socklab's getservbyname grows its own up to 1 MiB)",
        c_snippet: [
            "char buf[8]; struct servent s, *res;",
            "getservbyname_r(\"http\", \"tcp\", &s, buf, sizeof buf, &res);   /* returns ERANGE */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::EROFS),
        remedy: "put the socket file on a writable filesystem (/run, /tmp), or use an abstract name (`@name`)",
        c_snippet: [
            "strcpy(un.sun_path, \"/proc/x.sock\");   /* not writable */",
            "bind(fd, (struct sockaddr *)&un, sizeof un);   /* -1, EROFS or EACCES */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ESOCKTNOSUPPORT),
        remedy: "use SOCK_STREAM or SOCK_DGRAM for IP; SOCK_SEQPACKET needs AF_UNIX or SCTP",
        c_snippet: [
            "/* SOCK_SEQPACKET exists for AF_UNIX, not for TCP/IP */",
            "socket(AF_INET, SOCK_SEQPACKET, 0);   /* -1, ESOCKTNOSUPPORT */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ESRCH),
        remedy: "check the pid or thread id (it may have exited); signal 0 tests whether a process exists",
        c_snippet: [
            "pid_t pid = 999999;   /* no such process */",
            "kill(pid, 0);   /* -1, ESRCH */",
        ],
    },
    Explanation {
        code: Code::Errno(Errno::ETIMEDOUT),
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
        remedy: "try again later; check /etc/resolv.conf and that a DNS server is reachable",
        c_snippet: [
            "/* with the DNS server unreachable */",
            "getaddrinfo(\"example.org\", \"http\", &hints, &res);   /* EAI_AGAIN */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_BADFLAGS),
        remedy: "pass only AI_* flags the man page lists; AI_CANONNAME needs a host name",
        c_snippet: [
            "hints.ai_flags = AI_CANONNAME;",
            "getaddrinfo(NULL, \"http\", &hints, &res);   /* EAI_BADFLAGS */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_FAIL),
        remedy: "check the name and the resolver configuration; retrying will not help",
        c_snippet: [
            "/* a resolver that answers REFUSED */",
            "getaddrinfo(\"example.org\", NULL, &hints, &res);   /* EAI_FAIL */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_FAMILY),
        remedy: "use AF_UNSPEC to get both IPv4 and IPv6, or AF_INET / AF_INET6",
        c_snippet: [
            "hints.ai_family = AF_UNIX;",
            "getaddrinfo(\"localhost\", \"http\", &hints, &res);   /* EAI_FAMILY */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_MEMORY),
        remedy: "free what you hold (every getaddrinfo result needs one freeaddrinfo)",
        c_snippet: [
            "for (;;) getaddrinfo(\"localhost\", NULL, &hints, &res);   /* never freed */",
            "getaddrinfo(\"localhost\", NULL, &hints, &res);   /* eventually EAI_MEMORY */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_NODATA),
        remedy: "ask with AF_UNSPEC, or check the name's DNS records",
        c_snippet: [
            "hints.ai_family = AF_INET6;   /* a name with only an A record */",
            "getaddrinfo(\"v4only.example\", NULL, &hints, &res);   /* EAI_NODATA or EAI_NONAME */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_NONAME),
        remedy: "check the spelling and /etc/hosts, /etc/services; pass AI_NUMERICHOST for literal addresses; one of node/service must be non-NULL",
        c_snippet: [
            "struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;",
            "getaddrinfo(\"nowhere.invalid\", \"http\", &hints, &res);   /* EAI_NONAME */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_OVERFLOW),
        remedy: "use NI_MAXHOST / NI_MAXSERV sized buffers",
        c_snippet: [
            "char host[2];",
            "getnameinfo(sa, len, host, sizeof host, NULL, 0, NI_NUMERICHOST);   /* EAI_OVERFLOW */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_SERVICE),
        remedy: "give a port number, or a service /etc/services lists for that protocol",
        c_snippet: [
            "hints.ai_socktype = SOCK_DGRAM;",
            "getaddrinfo(\"localhost\", \"ssh\", &hints, &res);   /* ssh is tcp-only: EAI_SERVICE */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_SOCKTYPE),
        remedy: "use 0 for any, or one of the three",
        c_snippet: [
            "hints.ai_socktype = 42;",
            "getaddrinfo(\"localhost\", \"http\", &hints, &res);   /* EAI_SOCKTYPE */",
        ],
    },
    Explanation {
        code: Code::Eai(Eai::EAI_SYSTEM),
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
                assert!(!e.calls().is_empty(), "{name} has no call");
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

    /// `socklab explain` and the `# Errors` sections read the same rows: each `(call, code,
    /// cause)` of `sys`'s table is in the code's explanation, and each call an explanation
    /// lists is a row of the table for that code.
    #[test]
    fn every_documented_error_is_explained_and_back() {
        for row in CALLS {
            for (name, cause) in row.errors {
                let code = Code::parse(name).unwrap_or_else(|| panic!("{name} does not parse"));
                assert_eq!(code.name(), *name, "{}: use the canonical name", row.call);
                let e = code
                    .explain()
                    .unwrap_or_else(|| panic!("{name} ({}) has no explanation", row.call));
                assert!(
                    e.calls().contains(&(row.call, *cause)),
                    "{name}: {} missing",
                    row.call
                );
                let of = errors_of(row.call).unwrap();
                assert!(of.contains(&(code, *cause)), "errors_of({})", row.call);
            }
        }
        for e in TABLE.iter().chain(GAI_TABLE) {
            for (call, cause) in e.calls() {
                let row = CALLS.iter().find(|c| c.call == call).unwrap();
                assert!(row.errors.contains(&(e.code.name(), cause)));
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
