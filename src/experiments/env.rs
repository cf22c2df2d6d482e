//! What every experiment shares: loopback sockets with timeouts, a private network namespace run
//! on its own thread, the kernel's per-namespace counters, and a thread without a capability.

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use crate::sys::{self, ns, opt, Errno, PollFd, SockAddr};
use crate::sys::{AF_INET, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM};

use super::{Outcome, Verdict};

/// The evidence list an experiment fills.
pub(crate) type Evidence = Vec<(String, String)>;

/// Appends one measured figure.
pub(crate) fn ev(e: &mut Evidence, key: impl Into<String>, value: impl fmt::Display) {
    e.push((key.into(), value.to_string()));
}

/// The fixed parts of an experiment: its id, the primer's sentence and the method.
pub(crate) struct Claim {
    pub id: &'static str,
    pub claim: &'static str,
    pub method: &'static str,
}

impl Claim {
    /// The outcome of a measurement that ran.
    pub fn outcome(&self, verdict: Verdict, summary: String, evidence: Evidence) -> Outcome {
        Outcome {
            id: self.id,
            claim: self.claim,
            verdict,
            summary,
            evidence,
            method: self.method,
            elapsed: Duration::ZERO,
        }
    }

    /// The outcome of a measurement that could not run, with what was measured before it stopped.
    pub fn cannot(&self, why: impl Into<String>, evidence: Evidence) -> Outcome {
        let why = why.into();
        let summary = format!("not measured: {why}");
        self.outcome(Verdict::CannotRun(why), summary, evidence)
    }

    /// Runs a whole experiment and records how long it took in [`Outcome::elapsed`].
    pub fn timed(&self, f: impl FnOnce() -> Outcome) -> Outcome {
        let t = Instant::now();
        let mut out = f();
        out.elapsed = t.elapsed();
        out
    }

    /// Runs `body`; a socket call failing where it should not becomes `CannotRun` with the
    /// strace-style error, never a verdict.
    pub fn run(&self, body: impl FnOnce(&mut Evidence) -> sys::Result<Outcome>) -> Outcome {
        let mut e = Evidence::new();
        match body(&mut e) {
            Ok(o) => o,
            Err(err) => self.cannot(format!("setup failed: {err}"), e),
        }
    }
}

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

/// A connected TCP pair on loopback: `(client, server)`. `tune` runs on the client before
/// `connect` (to set `TCP_MAXSEG`, say).
pub(crate) fn tcp_pair_with(
    tune: impl FnOnce(&OwnedFd) -> sys::Result<()>,
) -> sys::Result<(OwnedFd, OwnedFd)> {
    let (lst, at) = tcp_listener()?;
    let client = socket(SOCK_STREAM)?;
    tune(&client)?;
    sys::connect(&client, &at)?;
    let server = sys::accept4(&lst, None, SOCK_CLOEXEC)?;
    sys::set_opt(&server, opt::SoRcvTimeo, Some(RECV_TIMEOUT))?;
    Ok((client, server))
}

/// A connected TCP pair on loopback: `(client, server)`.
pub(crate) fn tcp_pair() -> sys::Result<(OwnedFd, OwnedFd)> {
    tcp_pair_with(|_| Ok(()))
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
pub(crate) fn send_all(fd: impl AsFd, mut buf: &[u8]) -> sys::Result<()> {
    while !buf.is_empty() {
        match sys::send(&fd, buf, sys::MSG_NOSIGNAL) {
            Ok(n) => buf = &buf[n..],
            Err(e) if e.code() == Errno::EINTR => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

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

/// Proof that the current thread runs in a network namespace of its own (only [`in_netns`]
/// makes one), which makes the kernel's counters and `lo`'s queueing discipline ours alone.
pub(crate) struct Netns(());

impl Netns {
    /// The kernel's counters for this namespace right now.
    pub fn counters(&self) -> Counters {
        Counters::read()
    }

    /// Turns TCP and generic segmentation offload off on this namespace's `lo`, so that every
    /// TCP segment travels (and can be dropped) as a packet of its own instead of inside a
    /// 64 KiB GSO burst.
    pub fn no_offload(&self) -> sys::Result<()> {
        let fd = sys::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)?;
        ns::ioctl_siocethtool_value(&fd, "lo", ns::ETHTOOL_STSO, 0)?;
        ns::ioctl_siocethtool_value(&fd, "lo", ns::ETHTOOL_SGSO, 0)?;
        Ok(())
    }

    /// Runs `tc args…` in this namespace (a child process inherits the thread's namespace).
    pub fn tc(&self, args: &[&str]) -> Result<(), String> {
        let out = std::process::Command::new("tc")
            .args(args)
            .output()
            .map_err(|e| format!("tc: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err
                .lines()
                .find(|l| !l.starts_with("Warning"))
                .unwrap_or("");
            Err(format!("tc {}: {}", args.join(" "), first.trim()))
        }
    }
}

/// Runs `f` on a new thread that first moves into a new network namespace and brings its `lo`
/// up. `Err` says why the namespace could not be made (not root, usually); `f` did not run then.
pub(crate) fn in_netns<T: Send>(f: impl FnOnce(&Netns) -> T + Send) -> Result<T, String> {
    std::thread::scope(|s| {
        let h = s.spawn(|| {
            ns::unshare(libc::CLONE_NEWNET).map_err(|e| {
                format!("{e}: a private network namespace needs CAP_SYS_ADMIN (root)")
            })?;
            let up = || -> sys::Result<()> {
                let fd = sys::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)?;
                let flags = ns::ioctl_siocgifflags(&fd, "lo")?;
                ns::ioctl_siocsifflags(&fd, "lo", flags | libc::IFF_UP as libc::c_short)
            };
            up().map_err(|e| format!("bringing lo up: {e}"))?;
            Ok(f(&Netns(())))
        });
        h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Runs `f` in a private network namespace when one can be made, else on the host's loopback
/// with `None` (and the reason in the second value).
pub(crate) fn in_netns_or_host<T: Send>(
    f: impl Fn(Option<&Netns>) -> T + Send + Sync,
) -> (T, Option<String>) {
    match in_netns(|n| f(Some(n))) {
        Ok(t) => (t, None),
        Err(why) => (f(None), Some(why)),
    }
}

/// Adds the reason a namespace was not used to an outcome measured on the host.
pub(crate) fn with_host_note(mut out: Outcome, no_ns: Option<String>) -> Outcome {
    if let Some(why) = no_ns {
        ev(
            &mut out.evidence,
            "network namespace",
            format!("not used: {why}"),
        );
    }
    out
}

/// Runs `f` on a new thread whose effective capability set lacks `cap` (Linux keeps capabilities
/// per thread, so the rest of the process keeps it). A process that never had it runs `f` as is.
pub(crate) fn without_cap<T: Send>(cap: u32, f: impl FnOnce() -> T + Send) -> sys::Result<T> {
    std::thread::scope(|s| {
        let h = s.spawn(|| {
            let mut caps = ns::capget(0)?;
            if let Some(word) = caps.get_mut(cap as usize / 32) {
                word.effective &= !(1 << (cap % 32));
            }
            ns::capset(&caps)?;
            Ok(f())
        });
        h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// The kernel's protocol counters (`/proc/net/snmp`, `/proc/net/netstat`) and `lo`'s packet and
/// byte counts (`/proc/net/dev`) for the calling thread's namespace, keyed `"Tcp.OutSegs"`,
/// `"TcpExt.TCPOFOQueue"`, `"lo.tx_packets"`. Missing files leave their keys out.
pub(crate) struct Counters(HashMap<String, i64>);

impl Counters {
    fn read() -> Counters {
        let mut map = HashMap::new();
        // thread-self: /proc/net is the *process's* namespace, not this thread's.
        for file in ["snmp", "netstat"] {
            let text = std::fs::read_to_string(format!("/proc/thread-self/net/{file}"));
            let lines: Vec<&str> = text.as_deref().unwrap_or("").lines().collect();
            for pair in lines.chunks(2) {
                let [names, values] = pair else { continue };
                let (Some((proto, names)), Some((_, values))) =
                    (names.split_once(':'), values.split_once(':'))
                else {
                    continue;
                };
                for (n, v) in names.split_whitespace().zip(values.split_whitespace()) {
                    map.insert(format!("{proto}.{n}"), v.parse().unwrap_or(0));
                }
            }
        }
        let dev = std::fs::read_to_string("/proc/thread-self/net/dev").unwrap_or_default();
        for line in dev.lines() {
            let Some(("lo", rest)) = line.trim().split_once(':') else {
                continue;
            };
            let v: Vec<i64> = rest
                .split_whitespace()
                .map(|x| x.parse().unwrap_or(0))
                .collect();
            for (i, name) in [
                (0, "rx_bytes"),
                (1, "rx_packets"),
                (8, "tx_bytes"),
                (9, "tx_packets"),
            ] {
                map.insert(format!("lo.{name}"), v.get(i).copied().unwrap_or(0));
            }
        }
        Counters(map)
    }

    /// How much `key` grew from `self` to `later`.
    pub fn delta(&self, later: &Counters, key: &str) -> i64 {
        later.0.get(key).copied().unwrap_or(0) - self.0.get(key).copied().unwrap_or(0)
    }

    /// Records the deltas of `keys` from `self` to `later` as evidence, prefixed with `label`.
    pub fn record(&self, later: &Counters, e: &mut Evidence, label: &str, keys: &[&str]) {
        for k in keys {
            ev(e, format!("{label} Δ{k}"), self.delta(later, k));
        }
    }
}

/// The `drops` column of `/proc/net/udp` for the socket bound to `port`: datagrams the kernel
/// discarded for that one socket (a full receive buffer, a filter). Per socket, so it holds on a
/// busy host too.
pub(crate) fn udp_socket_drops(port: u16) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/net/udp").ok()?;
    let want = format!(":{port:04X}");
    text.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let local = cols.get(1)?;
        if local.ends_with(&want) {
            cols.last()?.parse().ok()
        } else {
            None
        }
    })
}

/// Attaches [`bpf::random_drop`](super::bpf::random_drop)`(p)` to `fd`. A kernel that refuses filters on TCP sockets
/// to programs without `CAP_NET_ADMIN` (6.18 does, with `EPERM`) gets the reason spelled out.
pub(crate) fn lossy(fd: impl AsFd, p: f64) -> sys::Result<()> {
    sys::filter::attach_filter(fd, &super::bpf::random_drop(p)).map_err(|e| {
        if e.code() == Errno::EPERM {
            e.with_note("this kernel lets only CAP_NET_ADMIN attach a filter to a TCP socket")
        } else {
            e
        }
    })
}

/// The first line of `/proc/sys/<path>` (a sysctl), trimmed.
pub(crate) fn sysctl(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/sys/{path}")).ok()?;
    Some(text.lines().next()?.trim().to_owned())
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
