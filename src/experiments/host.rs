//! The host an experiment runs on: a private network namespace on a thread of its own (and
//! [`Claim`]'s runs in one), a thread without a capability, the kernel's per-namespace counters,
//! sysctls, and the report's environment block.

use std::collections::HashMap;
use std::time::Instant;

use crate::sys::{self, ns, Errno, AF_INET, SOCK_CLOEXEC, SOCK_DGRAM};

use super::claim::{need, Claim, Finding, Record, Res, Stop};
use super::Evidence;
use super::Outcome;

impl Claim {
    /// [`run`](Self::run) in a private network namespace when one can be made (root), else on
    /// the host's loopback with `None` and the reason recorded as `netns_not_used`.
    pub fn run_ns_or_host(
        &self,
        body: impl Fn(Option<&Netns>, &mut Evidence) -> Res<Finding> + Send + Sync,
    ) -> Outcome {
        let t = Instant::now();
        let mut out = match in_netns(|n| self.run(|e| body(Some(n), e))) {
            Ok(out) => out,
            Err(Stop::Missing(why)) => {
                let mut out = self.run(|e| body(None, e));
                out.evidence.push("netns_not_used", why);
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
        body: impl FnOnce(&Netns, &mut Evidence) -> Res<Finding> + Send,
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
    e.push(
        "kernel",
        sysctl("kernel/osrelease").unwrap_or_else(|| "unknown".into()),
    );
    if let Some(uid) = euid() {
        e.push("euid", uid);
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    e.push("cpus", cpus);
    for (key, cap) in [
        ("cap_sys_admin", ns::CAP_SYS_ADMIN),
        ("cap_net_raw", ns::CAP_NET_RAW),
        ("cap_net_bind_service", ns::CAP_NET_BIND_SERVICE),
    ] {
        if let Ok(has) = ns::has_effective(cap) {
            e.push(key, has);
        }
    }
    if let Some(r) = sysctl("net/ipv4/ping_group_range") {
        e.push("ping_group_range", r.replace('\t', " "));
    }
    e
}

/// The effective uid, from `/proc/self/status`.
pub(crate) fn euid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
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

    /// The growth from `self` to `later` of each `(evidence key, counter)` pair: the counter
    /// (`"Tcp.OutSegs"`) under the evidence key (`"handshake_tcp_out_segs"`).
    pub fn deltas(&self, later: &Counters, keys: &[(&'static str, &str)]) -> Deltas {
        let growth = keys
            .iter()
            .map(|&(key, counter)| (key, self.delta(later, counter)));
        Deltas(growth.collect())
    }
}

/// Counter growths under their evidence keys, in order ([`Counters::deltas`]).
pub(crate) struct Deltas(Vec<(&'static str, i64)>);

impl Deltas {
    /// The growth recorded under evidence key `key` (0 if there is none).
    pub fn get(&self, key: &str) -> i64 {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |&(_, v)| v)
    }
}

impl Record for Deltas {
    fn record(&self, e: &mut Evidence) {
        for &(key, v) in &self.0 {
            e.push(key, v);
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
