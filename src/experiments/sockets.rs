//! The loopback sockets every experiment uses: sockets with a receive timeout, bound UDP
//! sockets, listeners and connected TCP pairs, waiting, draining, numbered datagrams, streams
//! sent through and read back, and a socket filter that drops at random.

use std::net::{Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4};
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use crate::sys::{self, opt, Errno, PollFd, SockAddr};
use crate::sys::{AF_INET, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM};

use super::claim::{need, Res};

/// How long any blocking receive of an experiment may wait before it gives up.
pub(crate) const RECV_TIMEOUT: Duration = Duration::from_secs(2);

/// `127.0.0.1:port`.
pub(crate) fn lo(port: u16) -> SockAddr {
    SockAddr::from(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)))
}

/// The port of a bound socket address.
pub(crate) fn port_of(a: &SockAddr) -> u16 {
    a.as_socket().map_or(0, |s| s.port())
}

/// A socket of `ty` with `SOCK_CLOEXEC` and a receive timeout of [`RECV_TIMEOUT`].
pub(crate) fn socket(ty: i32) -> sys::Result<OwnedFd> {
    let fd = sys::socket(AF_INET, ty | SOCK_CLOEXEC, 0)?;
    sys::set_opt(&fd, opt::SoRcvTimeo, Some(RECV_TIMEOUT))?;
    Ok(fd)
}

/// A UDP socket bound to `127.0.0.1:0`, and the address the kernel gave it.
pub(crate) fn udp_bound() -> sys::Result<(OwnedFd, SockAddr)> {
    let fd = socket(SOCK_DGRAM)?;
    sys::bind(&fd, &lo(0))?;
    let at = sys::getsockname(&fd)?;
    Ok((fd, at))
}

/// A TCP listener on `127.0.0.1:0`, and its address.
pub(crate) fn tcp_listener() -> sys::Result<(OwnedFd, SockAddr)> {
    let fd = socket(SOCK_STREAM)?;
    sys::bind(&fd, &lo(0))?;
    sys::listen(&fd, 8)?;
    let at = sys::getsockname(&fd)?;
    Ok((fd, at))
}

/// A connected TCP pair on loopback, `(client, server)`, both ends timing out a read after
/// [`RECV_TIMEOUT`]; `tune` runs on the client before `connect` (to set `TCP_MAXSEG`, say).
pub(crate) fn tcp_pair_with(
    tune: impl FnOnce(&OwnedFd) -> sys::Result<()>,
) -> sys::Result<(OwnedFd, OwnedFd)> {
    crate::loopback::tcp_pair_with(RECV_TIMEOUT, tune)
}

/// A connected TCP pair on loopback: `(client, server)`.
pub(crate) fn tcp_pair() -> sys::Result<(OwnedFd, OwnedFd)> {
    crate::loopback::tcp_pair(RECV_TIMEOUT)
}

/// Whether `fd` becomes readable within `ms` milliseconds.
pub(crate) fn readable(fd: impl AsFd, ms: i32) -> sys::Result<bool> {
    let mut fds = [PollFd::new(fd.as_fd(), libc::POLLIN)];
    Ok(sys::poll(&mut fds, ms)? == 1)
}

/// Reads every datagram queued on `fd` without blocking (after waiting up to `ms` for the first
/// one), into buffers of `cap` bytes. Returns each datagram's bytes (as copied).
pub(crate) fn drain(fd: impl AsFd, cap: usize, ms: i32) -> sys::Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    if !readable(&fd, ms)? {
        return Ok(out);
    }
    let mut buf = vec![0u8; cap];
    loop {
        match sys::recv(&fd, &mut buf[..], sys::MSG_DONTWAIT) {
            Ok(n) => out.push(buf[..n.min(cap)].to_vec()),
            Err(e) if e.code() == Errno::EAGAIN => return Ok(out),
            Err(e) => return Err(e),
        }
    }
}

/// Sends `n` datagrams of `size` bytes (at least 4) from `tx` to `to`, each numbered by its first
/// four bytes (little-endian `u32`), running `before(i)` ahead of datagram `i`. With `rx`, the
/// receiver is drained without blocking every 50 datagrams, so that even a small receive buffer
/// does not overflow, then until all `n` arrived or none came for `wait_ms`. Returns how many
/// `sendto` calls reported the full size, and the datagrams `rx` received in arrival order.
pub(crate) fn numbered_datagrams(
    tx: &OwnedFd,
    to: &SockAddr,
    (n, size): (u32, usize),
    mut before: impl FnMut(u32) -> sys::Result<()>,
    rx: Option<&OwnedFd>,
    wait_ms: i32,
) -> sys::Result<(usize, Vec<Vec<u8>>)> {
    let mut buf = vec![0x5a; size.max(4)];
    let (mut ok, mut got) = (0, Vec::new());
    for i in 0..n {
        before(i)?;
        buf[..4].copy_from_slice(&i.to_le_bytes());
        if sys::sendto(tx, &buf, 0, to)? == buf.len() {
            ok += 1;
        }
        if let Some(rx) = rx.filter(|_| i % 50 == 49) {
            got.extend(drain(rx, buf.len(), 0)?);
        }
    }
    if let Some(rx) = rx {
        while got.len() < n as usize {
            let more = drain(rx, buf.len(), wait_ms)?;
            if more.is_empty() {
                break;
            }
            got.extend(more);
        }
    }
    Ok((ok, got))
}

/// Writes all of `buf` to a stream socket (`send` may take less than asked).
pub(crate) use crate::loopback::send_all;

/// Reads a stream socket until end of file (or `limit` bytes), returning the bytes.
pub(crate) fn recv_to_eof(fd: impl AsFd, limit: usize) -> sys::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while out.len() < limit {
        match sys::recv(&fd, &mut buf[..], 0) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.code() == Errno::EINTR => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Bytes `0, 1, 2…` as little-endian `u32`s: a stream whose every offset can be checked.
pub(crate) fn counting_bytes(len: usize) -> Vec<u8> {
    (0..len.div_ceil(4) as u32)
        .flat_map(u32::to_le_bytes)
        .take(len)
        .collect()
}

/// Sends `data` on `tx` in writes of `chunk` bytes, running `before(i)` ahead of write `i`, then
/// shuts writing down, while another thread reads `rx` to EOF; returns what `rx` read.
pub(crate) fn stream_through(
    tx: &OwnedFd,
    rx: &OwnedFd,
    data: &[u8],
    chunk: usize,
    mut before: impl FnMut(usize) -> sys::Result<()>,
) -> sys::Result<Vec<u8>> {
    std::thread::scope(|s| {
        let reader = s.spawn(|| recv_to_eof(rx, usize::MAX));
        let sent = (|| {
            for (i, piece) in data.chunks(chunk).enumerate() {
                before(i)?;
                send_all(tx, piece)?;
            }
            sys::shutdown(tx, Shutdown::Write)
        })();
        let got = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        sent.and(got)
    })
}

/// [`stream_through`] in one write.
pub(crate) fn stream_all(tx: &OwnedFd, rx: &OwnedFd, data: &[u8]) -> sys::Result<Vec<u8>> {
    stream_through(tx, rx, data, data.len().max(1), |_| Ok(()))
}

/// Attaches [`bpf::random_drop`](super::bpf::random_drop)`(p)` to `fd`. A kernel that refuses filters on TCP sockets
/// to programs without `CAP_NET_ADMIN` (6.18 does, with `EPERM`) makes that a missing privilege.
pub(crate) fn lossy(fd: impl AsFd, p: f64) -> Res<()> {
    need(
        sys::filter::attach_filter(fd, &super::bpf::random_drop(p)),
        &[Errno::EPERM],
        "this kernel lets only CAP_NET_ADMIN attach a filter to a TCP socket",
    )
}

/// What a socket call gave, for the evidence: `ok` or the errno's symbol.
pub(crate) fn outcome_of<T>(r: &sys::Result<T>) -> String {
    match r {
        Ok(_) => "ok".to_owned(),
        Err(e) => e.symbol().to_owned(),
    }
}

/// Counts, in arrival order `seq`, the arrivals that come after a higher number had already
/// arrived (0 for an in-order sequence).
pub(crate) fn late_arrivals(seq: &[u32]) -> usize {
    let mut max = None;
    let mut late = 0;
    for &s in seq {
        match max {
            Some(m) if s < m => late += 1,
            _ => max = Some(s),
        }
    }
    late
}
