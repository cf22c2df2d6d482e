//! What every experiment shares: loopback sockets with timeouts, a private network namespace run
//! on its own thread, the kernel's per-namespace counters, and a thread without a capability.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use crate::sys::{self, ns, opt, Errno, PollFd, SockAddr};
use crate::sys::{AF_INET, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM};

pub(crate) use super::Evidence;
use super::{Outcome, Value, Verdict};

/// Records one measured figure under its `snake_case` key.
pub(crate) fn ev(e: &mut Evidence, key: &'static str, value: impl Into<Value>) {
    e.push(key, value);
}

/// Why an experiment stopped before its verdict.
#[derive(Debug)]
pub(crate) enum Stop {
    /// A named privilege or kernel feature is missing: the errno that says so, and what is
    /// missing. Only [`need`] makes one.
    Missing(String),
    /// Any other failure: a bug or a broken host, reported as [`Verdict::Failed`].
    Failed(String),
}

impl From<sys::Error> for Stop {
    fn from(e: sys::Error) -> Stop {
        Stop::Failed(e.to_string())
    }
}

/// What an experiment's body returns.
pub(crate) type Res<T> = Result<T, Stop>;

/// `r`, where an error with one of `errnos` means "this host lacks `what`" (a privilege, a
/// kernel feature, a module) and ends the experiment as `CannotRun`; any other error is a
/// failure.
pub(crate) fn need<T>(r: sys::Result<T>, errnos: &[Errno], what: &str) -> Res<T> {
    r.map_err(|e| {
        if errnos.contains(&e.code()) {
            Stop::Missing(format!("{what} ({e})"))
        } else {
            Stop::from(e)
        }
    })
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

    /// The outcome of an experiment that stopped, with what was measured before it did.
    fn stopped(&self, stop: Stop, evidence: Evidence) -> Outcome {
        match stop {
            Stop::Missing(why) => {
                let summary = format!("not measured: {why}");
                self.outcome(Verdict::CannotRun(why), summary, evidence)
            }
            Stop::Failed(err) => {
                let summary = format!("broke off: {err}");
                self.outcome(Verdict::Failed(err), summary, evidence)
            }
        }
    }

    /// Runs `body` and records how long it took in [`Outcome::elapsed`]. A missing privilege or
    /// feature ([`need`]) becomes `CannotRun`; any other error `Failed`.
    pub fn run(&self, body: impl FnOnce(&mut Evidence) -> Res<Outcome>) -> Outcome {
        let t = Instant::now();
        let mut e = Evidence::new();
        let mut out = match body(&mut e) {
            Ok(o) => o,
            Err(stop) => self.stopped(stop, e),
        };
        out.elapsed = t.elapsed();
        out
    }

    /// [`run`](Self::run) in a private network namespace when one can be made (root), else on
    /// the host's loopback with `None` and the reason recorded as `netns_not_used`.
    pub fn run_ns_or_host(
        &self,
        body: impl Fn(Option<&Netns>, &mut Evidence) -> Res<Outcome> + Send + Sync,
    ) -> Outcome {
        let t = Instant::now();
        let mut out = match in_netns(|n| self.run(|e| body(Some(n), e))) {
            Ok(out) => out,
            Err(Stop::Missing(why)) => {
                let mut out = self.run(|e| body(None, e));
                ev(&mut out.evidence, "netns_not_used", why);
                out
            }
            Err(stop) => self.stopped(stop, Evidence::new()),
        };
        out.elapsed = t.elapsed();
        out
    }

    /// [`run`](Self::run) in a private network namespace, or `CannotRun` with `why_ns` added
    /// when none can be made.
    pub fn run_ns(
        &self,
        why_ns: &str,
        body: impl FnOnce(&Netns, &mut Evidence) -> Res<Outcome> + Send,
    ) -> Outcome {
        let t = Instant::now();
        let mut out = match in_netns(|n| self.run(|e| body(n, e))) {
            Ok(out) => out,
            Err(Stop::Missing(why)) => {
                self.stopped(Stop::Missing(format!("{why}; {why_ns}")), Evidence::new())
            }
            Err(stop) => self.stopped(stop, Evidence::new()),
        };
        out.elapsed = t.elapsed();
        out
    }
}

/// The report's environment block: kernel release, effective uid, CPUs, and the capabilities
/// and sysctls that decide which experiments can run.
pub(crate) fn environment() -> Evidence {
    let mut e = Evidence::new();
    ev(
        &mut e,
        "kernel",
        sysctl("kernel/osrelease").unwrap_or_else(|| "unknown".into()),
    );
    if let Some(uid) = euid() {
        ev(&mut e, "euid", uid);
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    ev(&mut e, "cpus", cpus);
    for (key, cap) in [
        ("cap_sys_admin", ns::CAP_SYS_ADMIN),
        ("cap_net_raw", ns::CAP_NET_RAW),
        ("cap_net_bind_service", ns::CAP_NET_BIND_SERVICE),
    ] {
        if let Ok(has) = ns::has_effective(cap) {
            ev(&mut e, key, has);
        }
    }
    if let Some(r) = sysctl("net/ipv4/ping_group_range") {
        ev(&mut e, "ping_group_range", r.replace('\t', " "));
    }
    e
}

/// The effective uid, from `/proc/self/status`.
pub(crate) fn euid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
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

/// Writes all of `buf` to a stream socket (`send` may take less than asked): the one copy,
/// shared with the Nagle exchange.
pub(crate) use crate::nagle::send_all;

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
    /// No `tc` installed (`ENOENT`), or a kernel without the qdisc (`tc` reports `ENOENT`/
    /// `EOPNOTSUPP` from netlink: "unknown", "not supported") is a missing feature; any other
    /// failure is a failure.
    pub fn tc(&self, args: &[&str]) -> Res<()> {
        let out = match std::process::Command::new("tc").args(args).output() {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Stop::Missing("tc is not installed (ENOENT)".into()))
            }
            Err(e) => return Err(Stop::Failed(format!("tc: {e}"))),
        };
        if out.status.success() {
            return Ok(());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err
            .lines()
            .find(|l| !l.starts_with("Warning"))
            .unwrap_or("")
            .trim();
        let msg = format!("tc {}: {first}", args.join(" "));
        let missing = ["unknown", "not supported", "No such file or directory"];
        if missing.iter().any(|m| first.contains(m)) {
            Err(Stop::Missing(format!(
                "{msg} (the kernel lacks this qdisc: ENOENT/EOPNOTSUPP)"
            )))
        } else {
            Err(Stop::Failed(msg))
        }
    }
}

/// Runs `f` on a new thread that first moves into a new network namespace and brings its `lo`
/// up. `Err(Stop::Missing)` when the process may not make one (`EPERM`: no `CAP_SYS_ADMIN`);
/// `f` did not run then.
pub(crate) fn in_netns<T: Send>(f: impl FnOnce(&Netns) -> T + Send) -> Res<T> {
    std::thread::scope(|s| {
        let h = s.spawn(|| {
            need(
                ns::unshare(libc::CLONE_NEWNET),
                &[Errno::EPERM],
                "a private network namespace needs CAP_SYS_ADMIN (root)",
            )?;
            let fd = sys::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)?;
            let flags = ns::ioctl_siocgifflags(&fd, "lo")?;
            ns::ioctl_siocsifflags(&fd, "lo", flags | libc::IFF_UP as libc::c_short)?;
            Ok(f(&Netns(())))
        });
        h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
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

    /// Records the deltas from `self` to `later` of each `(key, counter)` pair: the counter
    /// (`"Tcp.OutSegs"`) under the evidence key (`"handshake_tcp_out_segs"`).
    pub fn record(&self, later: &Counters, e: &mut Evidence, keys: &[(&'static str, &str)]) {
        for (key, counter) in keys {
            ev(e, key, self.delta(later, counter));
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
/// to programs without `CAP_NET_ADMIN` (6.18 does, with `EPERM`) makes that a missing privilege.
pub(crate) fn lossy(fd: impl AsFd, p: f64) -> Res<()> {
    need(
        sys::filter::attach_filter(fd, &super::bpf::random_drop(p)),
        &[Errno::EPERM],
        "this kernel lets only CAP_NET_ADMIN attach a filter to a TCP socket",
    )
}

/// The first line of `/proc/sys/<path>` (a sysctl), trimmed.
pub(crate) fn sysctl(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/sys/{path}")).ok()?;
    Some(text.lines().next()?.trim().to_owned())
}

/// Writes `value` to `/proc/sys/<path>` (a sysctl; inside [`in_netns`], a `net.*` one is the
/// namespace's own).
pub(crate) fn set_sysctl(path: &str, value: &str) -> Res<()> {
    let full = format!("/proc/sys/{path}");
    std::fs::write(&full, value).map_err(|e| Stop::Failed(format!("writing {full}: {e}")))
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
