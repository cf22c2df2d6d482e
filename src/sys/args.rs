//! What a failed call's [`Error`](super::Error) keeps of its arguments when they are integers,
//! flags and buffer lengths: the raw values and which call, formatted like strace only when the
//! error is displayed. A failing `recv` (a non-blocking loop's `EAGAIN`) so costs the errno read
//! and a few stores: no allocation, no formatting.
//!
//! Calls that pass an address, a name or a string to the kernel keep their arguments as text
//! (`Error::new`); so do socklab's own checks that add a note.

use std::fmt;
use std::os::raw::c_int;
use std::time::Duration;

use super::fmt as sfmt;
use super::names::{level_name, optname};
use super::Errno;

/// The calls whose failure keeps its arguments as integers ([`Args`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Call {
    Read,
    Write,
    Recv,
    Send,
    Recvfrom,
    Recvmsg,
    Sendmsg,
    Sendmmsg,
    Recvmmsg,
    Accept,
    Accept4,
    Socket,
    Socketpair,
    Listen,
    Shutdown,
    Close,
    Getsockname,
    Getpeername,
    Getsockopt,
    Setsockopt,
    Poll,
    Select,
    Pselect,
    EpollCreate1,
    EpollCtl,
    EpollWait,
    EpollPwait,
    Fcntl,
    Ioctl,
    Sockatmark,
}

impl Call {
    /// The C call's name, as [`Error::call`](super::Error::call) returns it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Call::Read => "read",
            Call::Write => "write",
            Call::Recv => "recv",
            Call::Send => "send",
            Call::Recvfrom => "recvfrom",
            Call::Recvmsg => "recvmsg",
            Call::Sendmsg => "sendmsg",
            Call::Sendmmsg => "sendmmsg",
            Call::Recvmmsg => "recvmmsg",
            Call::Accept => "accept",
            Call::Accept4 => "accept4",
            Call::Socket => "socket",
            Call::Socketpair => "socketpair",
            Call::Listen => "listen",
            Call::Shutdown => "shutdown",
            Call::Close => "close",
            Call::Getsockname => "getsockname",
            Call::Getpeername => "getpeername",
            Call::Getsockopt => "getsockopt",
            Call::Setsockopt => "setsockopt",
            Call::Poll => "poll",
            Call::Select => "select",
            Call::Pselect => "pselect",
            Call::EpollCreate1 => "epoll_create1",
            Call::EpollCtl => "epoll_ctl",
            Call::EpollWait => "epoll_wait",
            Call::EpollPwait => "epoll_pwait",
            Call::Fcntl => "fcntl",
            Call::Ioctl => "ioctl",
            Call::Sockatmark => "sockatmark",
        }
    }
}

/// recvmmsg's `timeout` in [`Args::b`] when it is NULL: no nanosecond count is this large.
const NULL_TIMEOUT: u64 = u32::MAX as u64;

/// An `int` argument in one of the unsigned slots, and back: its 32 bits as they are, so -1
/// (epoll_wait's "forever") stays small enough to pack.
fn int(v: c_int) -> u64 {
    v as u32 as u64
}

fn as_int(v: u64) -> c_int {
    v as u32 as c_int
}

/// A failed call's arguments as it was given them: which call, and up to five integers whose
/// meaning is the call's (each constructor below names them). Built only when the call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Args {
    call: Call,
    /// The fd the call acts on (or its first `int`).
    fd: c_int,
    /// Its flags (or its second `int`).
    flags: c_int,
    /// A length or count.
    n: u64,
    /// Two more values, packed as 32 bits when the error keeps them ([`Lazy`]).
    a: u64,
    b: u64,
}

impl Args {
    const fn new(call: Call, fd: c_int, flags: c_int, n: u64) -> Args {
        Args {
            call,
            fd,
            flags,
            n,
            a: 0,
            b: 0,
        }
    }

    /// The call these are the arguments of.
    pub(crate) fn call(&self) -> Call {
        self.call
    }

    /// `read(fd, buf, count)`.
    pub(crate) fn read(fd: c_int, count: usize) -> Args {
        Args::new(Call::Read, fd, 0, count as u64)
    }

    /// `write(fd, buf, count)`.
    pub(crate) fn write(fd: c_int, count: usize) -> Args {
        Args::new(Call::Write, fd, 0, count as u64)
    }

    /// `recv(fd, buf, len, flags)`.
    pub(crate) fn recv(fd: c_int, len: usize, flags: c_int) -> Args {
        Args::new(Call::Recv, fd, flags, len as u64)
    }

    /// `send(fd, buf, len, flags)`.
    pub(crate) fn send(fd: c_int, len: usize, flags: c_int) -> Args {
        Args::new(Call::Send, fd, flags, len as u64)
    }

    /// `recvfrom(fd, buf, len, flags, &addr, &addrlen)`.
    pub(crate) fn recvfrom(fd: c_int, len: usize, flags: c_int) -> Args {
        Args::new(Call::Recvfrom, fd, flags, len as u64)
    }

    /// `recvmsg(fd, msg, flags)`: the message's iovec count, their total length and the control
    /// buffer's capacity.
    pub(crate) fn recvmsg(
        fd: c_int,
        iovlen: usize,
        bytes: usize,
        controllen: usize,
        flags: c_int,
    ) -> Args {
        Args {
            a: iovlen as u64,
            b: controllen as u64,
            ..Args::new(Call::Recvmsg, fd, flags, bytes as u64)
        }
    }

    /// `sendmsg(fd, msg, flags)` with `msg_name` NULL (with an address the error keeps its text).
    pub(crate) fn sendmsg(
        fd: c_int,
        iovlen: usize,
        bytes: usize,
        controllen: usize,
        flags: c_int,
    ) -> Args {
        Args {
            a: iovlen as u64,
            b: controllen as u64,
            ..Args::new(Call::Sendmsg, fd, flags, bytes as u64)
        }
    }

    /// `sendmmsg(fd, msgvec, vlen, flags)`.
    pub(crate) fn sendmmsg(fd: c_int, vlen: usize, flags: c_int) -> Args {
        Args::new(Call::Sendmmsg, fd, flags, vlen as u64)
    }

    /// `recvmmsg(fd, msgvec, vlen, flags, timeout)`.
    pub(crate) fn recvmmsg(
        fd: c_int,
        vlen: usize,
        flags: c_int,
        timeout: Option<Duration>,
    ) -> Args {
        let (secs, nanos) = timeout.map_or((0, NULL_TIMEOUT), |d| {
            (d.as_secs(), u64::from(d.subsec_nanos()))
        });
        Args {
            a: vlen as u64,
            b: nanos,
            ..Args::new(Call::Recvmmsg, fd, flags, secs)
        }
    }

    /// `accept(fd, addr, addrlen)`: with an address buffer, or C's `NULL, NULL`.
    pub(crate) fn accept(fd: c_int, with_addr: bool) -> Args {
        Args::new(Call::Accept, fd, 0, u64::from(with_addr))
    }

    /// `accept4(fd, addr, addrlen, flags)`.
    pub(crate) fn accept4(fd: c_int, with_addr: bool, flags: c_int) -> Args {
        Args::new(Call::Accept4, fd, flags, u64::from(with_addr))
    }

    /// `socket(domain, type, protocol)`.
    pub(crate) fn socket(domain: c_int, ty: c_int, protocol: c_int) -> Args {
        Args {
            a: int(protocol),
            ..Args::new(Call::Socket, domain, ty, 0)
        }
    }

    /// `socketpair(domain, type, protocol, sv)`.
    pub(crate) fn socketpair(domain: c_int, ty: c_int, protocol: c_int) -> Args {
        Args {
            call: Call::Socketpair,
            ..Args::socket(domain, ty, protocol)
        }
    }

    /// `listen(fd, backlog)`.
    pub(crate) fn listen(fd: c_int, backlog: c_int) -> Args {
        Args::new(Call::Listen, fd, backlog, 0)
    }

    /// `shutdown(fd, how)`.
    pub(crate) fn shutdown(fd: c_int, how: c_int) -> Args {
        Args::new(Call::Shutdown, fd, how, 0)
    }

    /// `close(fd)`.
    pub(crate) fn close(fd: c_int) -> Args {
        Args::new(Call::Close, fd, 0, 0)
    }

    /// `getsockname(fd, addr, addrlen)`.
    pub(crate) fn getsockname(fd: c_int) -> Args {
        Args::new(Call::Getsockname, fd, 0, 0)
    }

    /// `getpeername(fd, addr, addrlen)`.
    pub(crate) fn getpeername(fd: c_int) -> Args {
        Args::new(Call::Getpeername, fd, 0, 0)
    }

    /// `getsockopt(fd, level, optname, optval, &optlen)` offering `len` bytes.
    pub(crate) fn getsockopt(fd: c_int, level: c_int, name: c_int, len: usize) -> Args {
        Args {
            a: int(name),
            ..Args::new(Call::Getsockopt, fd, level, len as u64)
        }
    }

    /// `setsockopt(fd, level, optname, optval, optlen)` of `len` bytes.
    pub(crate) fn setsockopt(fd: c_int, level: c_int, name: c_int, len: usize) -> Args {
        Args {
            call: Call::Setsockopt,
            ..Args::getsockopt(fd, level, name, len)
        }
    }

    /// `poll(fds, nfds, timeout)`.
    pub(crate) fn poll(nfds: usize, timeout: c_int) -> Args {
        Args::new(Call::Poll, 0, timeout, nfds as u64)
    }

    /// `select(nfds, ...)`.
    pub(crate) fn select(nfds: c_int) -> Args {
        Args::new(Call::Select, 0, nfds, 0)
    }

    /// `pselect(nfds, ...)`.
    pub(crate) fn pselect(nfds: c_int) -> Args {
        Args::new(Call::Pselect, 0, nfds, 0)
    }

    /// `epoll_create1(flags)`.
    pub(crate) fn epoll_create1(flags: c_int) -> Args {
        Args::new(Call::EpollCreate1, 0, flags, 0)
    }

    /// `epoll_ctl(epfd, op, fd, event)`.
    pub(crate) fn epoll_ctl(epfd: c_int, op: c_int, fd: c_int) -> Args {
        Args {
            a: int(fd),
            ..Args::new(Call::EpollCtl, epfd, op, 0)
        }
    }

    /// `epoll_wait(epfd, events, maxevents, timeout)`.
    pub(crate) fn epoll_wait(epfd: c_int, maxevents: c_int, timeout: c_int) -> Args {
        Args {
            a: int(maxevents),
            ..Args::new(Call::EpollWait, epfd, timeout, 0)
        }
    }

    /// `epoll_pwait(epfd, events, maxevents, timeout, sigmask)`.
    pub(crate) fn epoll_pwait(epfd: c_int, maxevents: c_int, timeout: c_int) -> Args {
        Args {
            call: Call::EpollPwait,
            ..Args::epoll_wait(epfd, maxevents, timeout)
        }
    }

    /// `fcntl(fd, cmd, arg)`; `arg` is shown for the commands that take one (`F_SETFL`,
    /// `F_SETFD`), as strace shows them.
    pub(crate) fn fcntl(fd: c_int, cmd: c_int, arg: c_int) -> Args {
        Args {
            a: int(arg),
            ..Args::new(Call::Fcntl, fd, cmd, 0)
        }
    }

    /// `ioctl(fd, request, &int)`.
    pub(crate) fn ioctl(fd: c_int, request: u64) -> Args {
        Args::new(Call::Ioctl, fd, 0, request)
    }

    /// `sockatmark(fd)`.
    pub(crate) fn sockatmark(fd: c_int) -> Args {
        Args::new(Call::Sockatmark, fd, 0, 0)
    }
}

impl fmt::Display for Args {
    /// The arguments as the error shows them between the call's parentheses, strace's way:
    /// `fd 4, buf, 64, MSG_DONTWAIT`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Args {
            call,
            fd,
            flags,
            n,
            a,
            b,
        } = *self;
        let addr = |with: u64| if with != 0 { "&addr" } else { "NULL, NULL" };
        match call {
            Call::Read | Call::Write => write!(f, "fd {fd}, buf, {n}"),
            Call::Recv | Call::Send => write!(f, "fd {fd}, buf, {n}, {}", sfmt::msg_flags(flags)),
            Call::Recvfrom => write!(f, "fd {fd}, buf, {n}, {}, &addr", sfmt::msg_flags(flags)),
            Call::Recvmsg => write!(
                f,
                "fd {fd}, {{msg_iovlen={a} ({n} bytes), msg_controllen={b}}}, {}",
                sfmt::msg_flags(flags)
            ),
            Call::Sendmsg => write!(f, "fd {fd}, {}", MsgArgs::new("NULL", a, n, b, flags)),
            Call::Sendmmsg => write!(f, "fd {fd}, msgvec, {n}, {}", sfmt::msg_flags(flags)),
            Call::Recvmmsg => {
                write!(f, "fd {fd}, msgvec, {a}, {}, ", sfmt::msg_flags(flags))?;
                match u32::try_from(b) {
                    Ok(nanos) if b != NULL_TIMEOUT => write!(f, "{:?}", Duration::new(n, nanos)),
                    _ => f.write_str("NULL"),
                }
            }
            Call::Accept => write!(f, "fd {fd}, {}", addr(n)),
            Call::Accept4 => write!(f, "fd {fd}, {}, {}", addr(n), sfmt::sock_flags(flags)),
            Call::Socket | Call::Socketpair => {
                let [d, t, p] = sfmt::socket_args(fd, flags, as_int(a));
                write!(f, "{d}, {t}, {p}")
            }
            Call::Listen => write!(f, "fd {fd}, {flags}"),
            Call::Shutdown => write!(f, "fd {fd}, {}", sfmt::shut_how(flags)),
            Call::Close | Call::Getsockname | Call::Getpeername | Call::Sockatmark => {
                write!(f, "fd {fd}")
            }
            Call::Getsockopt | Call::Setsockopt => {
                let name = as_int(a);
                let (l, o) = (
                    Sym(level_name(flags), flags),
                    Sym(optname(flags, name), name),
                );
                write!(f, "fd {fd}, {l}, {o}, {n} bytes")
            }
            Call::Poll => write!(f, "{n} fds, {flags}"),
            Call::Select | Call::Pselect => write!(f, "{flags}, ..."),
            Call::EpollCreate1 => f.write_str(&sfmt::epoll_flags(flags)),
            Call::EpollCtl => write!(
                f,
                "fd {fd}, {}, fd {}",
                sfmt::epoll_ctl_op(flags),
                as_int(a)
            ),
            Call::EpollWait | Call::EpollPwait => {
                write!(f, "fd {fd}, events, {}, {flags}", as_int(a))
            }
            Call::Fcntl => {
                // As strace shows them: the Get commands take no third argument.
                write!(f, "fd {fd}, {}", sfmt::fcntl_cmd(flags))?;
                match flags {
                    libc::F_SETFL | libc::F_SETFD => write!(f, ", {:#x}", as_int(a)),
                    _ => Ok(()),
                }
            }
            Call::Ioctl => write!(f, "fd {fd}, {}", sfmt::ioctl_int_req(n)),
        }
    }
}

/// `name` when known, else the number: how levels and options appear in error messages.
struct Sym(Option<&'static str>, c_int);

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", self.1),
        }
    }
}

/// sendmsg's `msghdr` as its errors show it: `{msg_name=NULL, msg_iovlen=2 (5 bytes),
/// msg_controllen=0}, MSG_NOSIGNAL`; `name` is the address, or `NULL`.
pub(crate) struct MsgArgs<N> {
    name: N,
    iovlen: u64,
    bytes: u64,
    controllen: u64,
    flags: c_int,
}

impl<N: fmt::Display> MsgArgs<N> {
    pub(crate) fn new(name: N, iovlen: u64, bytes: u64, controllen: u64, flags: c_int) -> Self {
        MsgArgs {
            name,
            iovlen,
            bytes,
            controllen,
            flags,
        }
    }
}

impl<N: fmt::Display> fmt::Display for MsgArgs<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let MsgArgs {
            name,
            iovlen,
            bytes,
            controllen,
            flags,
        } = self;
        write!(
            f,
            "{{msg_name={name}, msg_iovlen={iovlen} ({bytes} bytes), msg_controllen={controllen}}}, {}",
            sfmt::msg_flags(*flags)
        )
    }
}

/// A failed call kept as integers: its errno, which call, and its [`Args`] with the two extra
/// values in 32 bits, so that with its tag (a niche of [`Call`]) an [`Error`](super::Error) and
/// a `Result<usize, Error>` fit in four words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lazy {
    code: Errno,
    call: Call,
    fd: c_int,
    flags: c_int,
    a: u32,
    b: u32,
    n: u64,
}

impl Lazy {
    /// `args` failed with `code`; `None` when an extra value needs more than 32 bits (a
    /// `recvmsg` with a control buffer of 4 GiB and more), which the error then keeps as text.
    #[inline]
    pub(crate) fn pack(code: Errno, args: Args) -> Option<Lazy> {
        Some(Lazy {
            code,
            call: args.call,
            fd: args.fd,
            flags: args.flags,
            a: u32::try_from(args.a).ok()?,
            b: u32::try_from(args.b).ok()?,
            n: args.n,
        })
    }

    /// The errno.
    pub(crate) fn code(&self) -> Errno {
        self.code
    }

    /// The arguments, unpacked.
    pub(crate) fn args(&self) -> Args {
        Args {
            call: self.call,
            fd: self.fd,
            flags: self.flags,
            n: self.n,
            a: u64::from(self.a),
            b: u64::from(self.b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(a: Args) -> String {
        a.to_string()
    }

    #[test]
    fn every_call_shows_its_arguments_like_strace() {
        let cases = [
            (Args::read(3, 64), "fd 3, buf, 64"),
            (Args::write(3, 5), "fd 3, buf, 5"),
            (
                Args::recv(4, 64, libc::MSG_DONTWAIT),
                "fd 4, buf, 64, MSG_DONTWAIT",
            ),
            (Args::send(4, 1, 0), "fd 4, buf, 1, 0"),
            (
                Args::recvfrom(4, 9, libc::MSG_PEEK | libc::MSG_TRUNC),
                "fd 4, buf, 9, MSG_PEEK|MSG_TRUNC, &addr",
            ),
            (
                Args::recvmsg(5, 2, 80, 64, 0),
                "fd 5, {msg_iovlen=2 (80 bytes), msg_controllen=64}, 0",
            ),
            (
                Args::sendmsg(5, 1, 3, 0, libc::MSG_NOSIGNAL),
                "fd 5, {msg_name=NULL, msg_iovlen=1 (3 bytes), msg_controllen=0}, MSG_NOSIGNAL",
            ),
            (Args::sendmmsg(6, 8, 0), "fd 6, msgvec, 8, 0"),
            (
                Args::recvmmsg(6, 8, libc::MSG_DONTWAIT, None),
                "fd 6, msgvec, 8, MSG_DONTWAIT, NULL",
            ),
            (
                Args::recvmmsg(6, 8, 0, Some(Duration::from_micros(2_500_001))),
                "fd 6, msgvec, 8, 0, 2.500001s",
            ),
            (
                Args::recvmmsg(6, 1, 0, Some(Duration::ZERO)),
                "fd 6, msgvec, 1, 0, 0ns",
            ),
            (Args::accept(7, false), "fd 7, NULL, NULL"),
            (Args::accept(7, true), "fd 7, &addr"),
            (
                Args::accept4(7, true, libc::SOCK_NONBLOCK),
                "fd 7, &addr, SOCK_NONBLOCK",
            ),
            (
                Args::socket(libc::AF_INET, libc::SOCK_DGRAM, libc::IPPROTO_UDP),
                "AF_INET, SOCK_DGRAM, IPPROTO_UDP",
            ),
            (
                Args::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0),
                "AF_UNIX, SOCK_STREAM, 0",
            ),
            (Args::listen(3, -1), "fd 3, -1"),
            (Args::shutdown(3, libc::SHUT_RDWR), "fd 3, SHUT_RDWR"),
            (Args::close(9), "fd 9"),
            (Args::getsockname(9), "fd 9"),
            (
                Args::getsockopt(3, libc::SOL_SOCKET, libc::SO_RCVBUF, 4),
                "fd 3, SOL_SOCKET, SO_RCVBUF, 4 bytes",
            ),
            (Args::setsockopt(3, 999, -7, 8), "fd 3, 999, -7, 8 bytes"),
            (Args::poll(2, -1), "2 fds, -1"),
            (Args::select(1025), "1025, ..."),
            (Args::pselect(4), "4, ..."),
            (Args::epoll_create1(libc::EPOLL_CLOEXEC), "EPOLL_CLOEXEC"),
            (
                Args::epoll_ctl(3, libc::EPOLL_CTL_DEL, 4),
                "fd 3, EPOLL_CTL_DEL, fd 4",
            ),
            (Args::epoll_wait(3, 16, -1), "fd 3, events, 16, -1"),
            (
                Args::epoll_pwait(3, i32::MAX, 0),
                "fd 3, events, 2147483647, 0",
            ),
            (Args::fcntl(3, libc::F_GETFL, 0), "fd 3, F_GETFL"),
            (Args::fcntl(3, libc::F_GETFD, 0), "fd 3, F_GETFD"),
            (
                Args::fcntl(3, libc::F_SETFL, libc::O_NONBLOCK),
                "fd 3, F_SETFL, 0x800",
            ),
            (
                Args::fcntl(3, libc::F_SETFD, libc::FD_CLOEXEC),
                "fd 3, F_SETFD, 0x1",
            ),
            (Args::ioctl(3, libc::FIONREAD), "fd 3, FIONREAD"),
            (Args::sockatmark(3), "fd 3"),
        ];
        for (args, want) in cases {
            assert_eq!(shown(args), want, "{:?}", args.call());
            // What the error keeps shows the same.
            let lazy = Lazy::pack(Errno::EAGAIN, args).expect("small values pack");
            assert_eq!(lazy.args(), args);
            assert_eq!(shown(lazy.args()), want);
        }
    }

    #[test]
    fn values_past_32_bits_do_not_pack_and_still_show_exactly() {
        let big = 5_000_000_000usize;
        let args = Args::recvmsg(5, 1, big, big, 0);
        assert_eq!(Lazy::pack(Errno::EAGAIN, args), None);
        assert_eq!(
            shown(args),
            "fd 5, {msg_iovlen=1 (5000000000 bytes), msg_controllen=5000000000}, 0"
        );
        // The length slot is 64 bits wide: a 5 GB read packs.
        let read = Args::read(3, big);
        assert_eq!(
            Lazy::pack(Errno::EAGAIN, read).map(|l| l.args()),
            Some(read)
        );
        // A timeout of u64::MAX seconds keeps its nanoseconds apart from "NULL".
        let t = Args::recvmmsg(3, 1, 0, Some(Duration::new(u64::MAX, 999_999_999)));
        assert_eq!(
            shown(Lazy::pack(Errno::EAGAIN, t).unwrap().args()),
            shown(t)
        );
        assert!(!shown(t).ends_with("NULL"));
    }
}
