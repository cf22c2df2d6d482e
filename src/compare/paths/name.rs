//! [`PathName`]: the schema's path names (`c`, `libc-*`, `std`, …), which C loop is each path's
//! twin, and which file of this folder implements each family.

use super::Transport;

/// A path name of the schema (`docs/compare-schema.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathName {
    /// The C floor: `c/pingpong.c`'s `write()`/`read()` loops, linked in-process.
    C,
    /// The C twin of `libc-send-recv`: `c/twins.c`'s loops with `send()`/`recv()`.
    CSendRecv,
    /// The C twin of `libc-sendto-recvfrom`: `sendto()` to the same address / `recvfrom()`.
    CSendtoRecvfrom,
    /// The C twin of `libc-sendmsg-recvmsg`: `sendmsg()`/`recvmsg()` with one iovec.
    CSendmsgRecvmsg,
    /// The C twin of `libc-mmsg`: `sendmmsg()`/`recvmmsg()` over headers built once.
    CMmsg,
    /// The physical floor: the `c` loop with the `syscall` instruction inline (x86_64 only), timed
    /// in C in same-thread, rtt and batch mode so that no function frame spans a syscall.
    CInline,
    /// The C twin of `libc-gso` (stream mode, UDP only): `c/twins.c`'s `sendmsg()` with the same
    /// `UDP_SEGMENT` cmsg and segments per call, `recvmsg()` with `UDP_GRO` on.
    CGso,
    /// The C twin of `libc-epoll` (and of `mio`, `tokio`): `send()`/`recv()` with `MSG_DONTWAIT`,
    /// `epoll_wait()` on `EAGAIN`, over the same edge-triggered epoll set.
    CEpoll,
    /// The C twin of `io-uring`: the raw `io_uring_setup`/`io_uring_enter` syscalls over the
    /// mmap'd rings (no liburing), one `SEND`→`RECV` linked submission per op.
    CIoUring,
    /// The C twin of `io-uring-batch` (batch mode): `--batch` linked `SEND`→`RECV` pairs per
    /// `io_uring_enter`.
    CIoUringBatch,
    /// The C twin of `libc-busy-poll`: `c-send-recv`'s loops on sockets with `SO_BUSY_POLL` set.
    CBusyPoll,
    /// [`sys::write`](crate::sys::write) / [`sys::read`](crate::sys::read).
    LibcReadWrite,
    /// [`sys::send`](crate::sys::send) / [`sys::recv`](crate::sys::recv) with flags 0.
    LibcSendRecv,
    /// [`sys::sendto`](crate::sys::sendto) / [`sys::recvfrom`](crate::sys::recvfrom): the peer address on UDP (as an unconnected C server
    /// would send), a zero-length address elsewhere (connected sockets refuse one).
    LibcSendtoRecvfrom,
    /// `sendmsg(2)` / `recvmsg(2)` with one iovec through `socklab::sys`.
    LibcSendmsgRecvmsg,
    /// `sendmmsg(2)` / `recvmmsg(2)` through `socklab::sys`: `n` messages per call.
    LibcMmsg,
    /// UDP GSO/GRO (stream mode, UDP only): the sender hands the kernel up to [`GSO_SEGMENTS`](super::GSO_SEGMENTS)
    /// datagrams per `sendmsg` with a `UDP_SEGMENT` cmsg; the receiver, with `UDP_GRO` on, gets
    /// them coalesced in one `recvmsg` whose `UDP_GRO` cmsg gives the segment size.
    LibcGso,
    /// std: `TcpStream`/`UnixStream` `Read`/`Write`, `UdpSocket`/`UnixDatagram` `send`/`recv`.
    Std,
    /// `nix::sys::socket::{send, recv}`.
    Nix,
    /// `socket2::Socket` `send` / `Read::read` (its `recv`).
    Socket2,
    /// `rustix::net::{send, recv}`.
    Rustix,
    /// [`sys::send`](crate::sys::send) / [`sys::recv`](crate::sys::recv) with `MSG_DONTWAIT`, and
    /// [`sys::epoll_wait`](crate::sys::epoll_wait) on `EAGAIN` (edge-triggered, one epoll set
    /// per end).
    LibcEpoll,
    /// mio's `Poll` with its `UdpSocket`/`TcpStream`/`UnixStream`/`UnixDatagram` (feature `event`).
    Mio,
    /// tokio's current_thread runtime, `send().await`/`recv().await` (feature `event`).
    Tokio,
    /// The io-uring crate: one submission per op, `SEND` and `RECV` linked (feature `event`).
    IoUring,
    /// The io-uring crate in batch mode: `--batch` linked `SEND`→`RECV` pairs per
    /// `submit_and_wait` (feature `event`).
    IoUringBatch,
    /// `libc-send-recv` on sockets with `SO_BUSY_POLL` set (50 µs).
    LibcBusyPoll,
}

impl PathName {
    /// Every path, in table order (`c` first: every ratio is to it).
    pub const ALL: [PathName; 27] = [
        PathName::C,
        PathName::CSendRecv,
        PathName::CSendtoRecvfrom,
        PathName::CSendmsgRecvmsg,
        PathName::CMmsg,
        PathName::CInline,
        PathName::CGso,
        PathName::CEpoll,
        PathName::CIoUring,
        PathName::CIoUringBatch,
        PathName::CBusyPoll,
        PathName::LibcReadWrite,
        PathName::LibcSendRecv,
        PathName::LibcSendtoRecvfrom,
        PathName::LibcSendmsgRecvmsg,
        PathName::LibcMmsg,
        PathName::LibcGso,
        PathName::Std,
        PathName::Nix,
        PathName::Socket2,
        PathName::Rustix,
        PathName::LibcEpoll,
        PathName::Mio,
        PathName::Tokio,
        PathName::IoUring,
        PathName::IoUringBatch,
        PathName::LibcBusyPoll,
    ];

    /// The schema name (`c`, `libc-read-write`, …).
    pub fn name(self) -> &'static str {
        match self {
            PathName::C => "c",
            PathName::CSendRecv => "c-send-recv",
            PathName::CSendtoRecvfrom => "c-sendto-recvfrom",
            PathName::CSendmsgRecvmsg => "c-sendmsg-recvmsg",
            PathName::CMmsg => "c-mmsg",
            PathName::CInline => "c-inline",
            PathName::CGso => "c-gso",
            PathName::CEpoll => "c-epoll",
            PathName::CIoUring => "c-io-uring",
            PathName::CIoUringBatch => "c-io-uring-batch",
            PathName::CBusyPoll => "c-busy-poll",
            PathName::LibcReadWrite => "libc-read-write",
            PathName::LibcSendRecv => "libc-send-recv",
            PathName::LibcSendtoRecvfrom => "libc-sendto-recvfrom",
            PathName::LibcSendmsgRecvmsg => "libc-sendmsg-recvmsg",
            PathName::LibcMmsg => "libc-mmsg",
            PathName::LibcGso => "libc-gso",
            PathName::Std => "std",
            PathName::Nix => "nix",
            PathName::Socket2 => "socket2",
            PathName::Rustix => "rustix",
            PathName::LibcEpoll => "libc-epoll",
            PathName::Mio => "mio",
            PathName::Tokio => "tokio",
            PathName::IoUring => "io-uring",
            PathName::IoUringBatch => "io-uring-batch",
            PathName::LibcBusyPoll => "libc-busy-poll",
        }
    }

    /// Whether this is one of the C loops (`c`, its twins, `c-inline`).
    pub fn is_c(self) -> bool {
        matches!(
            self,
            PathName::C
                | PathName::CSendRecv
                | PathName::CSendtoRecvfrom
                | PathName::CSendmsgRecvmsg
                | PathName::CMmsg
                | PathName::CInline
                | PathName::CGso
                | PathName::CEpoll
                | PathName::CIoUring
                | PathName::CIoUringBatch
                | PathName::CBusyPoll
        )
    }

    /// The one mode whose operations the path exists for, where it has one: `libc-mmsg` and
    /// `c-mmsg`, `io-uring-batch` and `c-io-uring-batch` batch, `libc-gso` and `c-gso` stream. Every mode's default paths leave out the
    /// paths of another mode; given with `--paths` they still run the single-call operations.
    pub fn only_in(self) -> Option<super::super::Mode> {
        use super::super::Mode;
        match self {
            PathName::LibcMmsg | PathName::CMmsg => Some(Mode::Batch),
            PathName::IoUringBatch | PathName::CIoUringBatch => Some(Mode::Batch),
            PathName::LibcGso | PathName::CGso => Some(Mode::Stream),
            _ => None,
        }
    }

    /// Whether the path moves a batch of messages per call in batch mode (`libc-mmsg`,
    /// `c-mmsg`, `io-uring-batch`, `c-io-uring-batch`): its batch-mode rows carry `batch`, one
    /// per `--batch` value of a sweep.
    pub fn is_batched(self) -> bool {
        matches!(
            self,
            PathName::LibcMmsg | PathName::CMmsg | PathName::IoUringBatch | PathName::CIoUringBatch
        )
    }

    /// Whether the path is one of the event-driven ones (`libc-epoll`, `mio`, `tokio`,
    /// `io-uring`, `io-uring-batch`, `libc-busy-poll` and their twins): they run only when asked
    /// for (`--paths event`, `--paths all` or by name), in the modes [`PathName::runs_in`] gives.
    pub fn is_event(self) -> bool {
        matches!(
            self,
            PathName::CEpoll
                | PathName::CIoUring
                | PathName::CIoUringBatch
                | PathName::CBusyPoll
                | PathName::LibcEpoll
                | PathName::Mio
                | PathName::Tokio
                | PathName::IoUring
                | PathName::IoUringBatch
                | PathName::LibcBusyPoll
        )
    }

    /// Whether the path can run `mode`: every path every mode, but the event paths, which run
    /// same-thread and rtt (`io-uring-batch` and `c-io-uring-batch`: batch only). Their waits
    /// have no stream mode's receive timeout to end a round on a lost datagram.
    pub fn runs_in(self, mode: super::super::Mode) -> bool {
        use super::super::Mode;
        match self {
            PathName::IoUringBatch | PathName::CIoUringBatch => mode == Mode::Batch,
            p if p.is_event() => matches!(mode, Mode::SameThread | Mode::Rtt),
            _ => mode != Mode::Syscall,
        }
    }

    /// The C loop making the same syscalls as this path on `transport` (`ratio_to_twin`): each
    /// `libc-*` path's `c-*` twin; std, nix, socket2 and rustix make `sendto`/`recvfrom` with
    /// no address (send/recv), so `c-send-recv`, except std's `UnixDatagram::send`, which is
    /// `write(2)` and has no twin; mio and tokio make `libc-epoll`'s calls (plus the runtime's
    /// own, and `write(2)` for a `UnixDatagram`'s send: their calls column shows them), so
    /// `c-epoll`; `io-uring` → `c-io-uring`,
    /// `libc-busy-poll` → `c-busy-poll`. A C loop is its own twin; `None` where no C loop matches.
    pub fn twin(self, transport: Transport) -> Option<PathName> {
        Some(match self {
            p if p.is_c() => p,
            PathName::LibcReadWrite => PathName::C,
            PathName::LibcSendRecv | PathName::Nix | PathName::Socket2 | PathName::Rustix => {
                PathName::CSendRecv
            }
            PathName::Std if transport != Transport::UnixDgram => PathName::CSendRecv,
            PathName::LibcSendtoRecvfrom => PathName::CSendtoRecvfrom,
            PathName::LibcSendmsgRecvmsg => PathName::CSendmsgRecvmsg,
            PathName::LibcMmsg => PathName::CMmsg,
            PathName::LibcGso => PathName::CGso,
            PathName::LibcEpoll | PathName::Mio | PathName::Tokio => PathName::CEpoll,
            PathName::IoUring => PathName::CIoUring,
            PathName::IoUringBatch => PathName::CIoUringBatch,
            PathName::LibcBusyPoll => PathName::CBusyPoll,
            _ => return None,
        })
    }

    /// The space-separated list of every name, for error messages.
    pub fn all_names() -> String {
        let names: Vec<_> = PathName::ALL.iter().map(|p| p.name()).collect();
        names.join(", ")
    }
}

named_enum!(PathName, "path");
