//! Ports: the kernel hands each datagram to the socket bound to its port, refuses a second bind,
//! keeps TCP and UDP numbers apart, reserves low ports for privileged programs — and assigns
//! nothing: which service uses port 80 is a convention.

use std::os::fd::OwnedFd;

use crate::sys::{self, ns, opt, Errno, SockAddr, SOCK_DGRAM, SOCK_STREAM};

use super::claim::{kept, Claim, Evidence, Finding, Record, Res};
use super::host;
use super::sockets::{self, outcome_of, port_of};
use super::{Outcome, Verdict};

pub(crate) const IDENTIFY: Claim = Claim {
    id: "ports_identify_apps",
    claim: "포트 번호: 특정 애플리케이션 식별 (a port number identifies an application)",
    method: "two UDP sockets on 127.0.0.1 ports A and B, one datagram sent to each: which \
             socket got which; a second bind() to A (UDP and TCP); TCP bound to UDP's number A; \
             two connections to one listening port (getsockname/getpeername); \
             two sockets with SO_REUSEPORT on one port, 32 datagrams from 32 source ports",
};

/// 포트 번호: 특정 애플리케이션 식별 — does the port alone decide which socket gets the data?
///
/// Measured: a datagram to port A reaches only A's socket; a second `bind` to A fails with
/// `EADDRINUSE`. The limits of the claim, measured too: TCP and UDP have separate port numbers
/// (the same number binds in both), and sockets that set `SO_REUSEPORT` share one port, the
/// kernel spreading datagrams across them by source address.
pub fn ports_identify_apps() -> Outcome {
    IDENTIFY.run_ns_or_host(|_, e| {
        let demux = kept(e, probe_demux()?);
        let second = kept(e, probe_second_bind(&demux.at_a)?);
        let conns = kept(e, probe_two_connections()?);
        let shared = kept(e, probe_reuseport()?);
        Ok(verdict_identify(&demux, &second, &conns, &shared))
    })
}

/// One datagram to each of two UDP ports: which socket got which. Port A's socket stays bound
/// for the second-bind probe.
struct Demux {
    _a: OwnedFd,
    at_a: SockAddr,
    got_a: Vec<Vec<u8>>,
    got_b: Vec<Vec<u8>>,
}

impl Demux {
    /// Each socket got exactly the datagram sent to its port.
    fn by_port(&self) -> bool {
        self.got_a == [b"for A".to_vec()] && self.got_b == [b"for B".to_vec()]
    }
}

impl Record for Demux {
    fn record(&self, e: &mut Evidence) {
        let show = |v: &[Vec<u8>]| -> Vec<String> {
            v.iter()
                .map(|d| String::from_utf8_lossy(d).into_owned())
                .collect()
        };
        e.push("port_a_received", show(&self.got_a));
        e.push("port_b_received", show(&self.got_b));
    }
}

fn probe_demux() -> Res<Demux> {
    let (a, at_a) = sockets::udp_bound()?;
    let (b, at_b) = sockets::udp_bound()?;
    let (tx, _) = sockets::udp_bound()?;
    sys::sendto(&tx, b"for A", 0, &at_a)?;
    sys::sendto(&tx, b"for B", 0, &at_b)?;
    let (got_a, got_b) = (sockets::drain(&a, 64, 1000)?, sockets::drain(&b, 64, 1000)?);
    Ok(Demux {
        _a: a,
        at_a,
        got_a,
        got_b,
    })
}

/// A second `bind` to a port in use (UDP, TCP), and TCP bound to UDP's number.
struct SecondBind {
    udp: sys::Result<()>,
    tcp: sys::Result<()>,
    tcp_on_udp_port: sys::Result<()>,
}

impl SecondBind {
    /// Both second binds got `EADDRINUSE`.
    fn exclusive(&self) -> bool {
        let in_use = |r: &sys::Result<()>| matches!(r, Err(x) if x.code() == Errno::EADDRINUSE);
        in_use(&self.udp) && in_use(&self.tcp)
    }
}

impl Record for SecondBind {
    fn record(&self, e: &mut Evidence) {
        e.push("second_udp_bind", outcome_of(&self.udp));
        e.push("second_tcp_bind", outcome_of(&self.tcp));
        e.push("tcp_bind_udp_port", outcome_of(&self.tcp_on_udp_port));
    }
}

fn probe_second_bind(at_a: &SockAddr) -> Res<SecondBind> {
    let second = sockets::socket(SOCK_DGRAM)?;
    let udp = sys::bind(&second, at_a);
    let (_lst, at_t) = sockets::tcp_listener()?;
    let tcp2 = sockets::socket(SOCK_STREAM)?;
    let tcp = sys::bind(&tcp2, &at_t);
    let tcp_same = sockets::socket(SOCK_STREAM)?;
    let tcp_on_udp_port = sys::bind(&tcp_same, at_a);
    Ok(SecondBind {
        udp,
        tcp,
        tcp_on_udp_port,
    })
}

/// Two connections to one listening port: told apart by the other end's port.
struct TwoConnections {
    local_ports: Vec<u16>,
    peer_ports: Vec<u16>,
    /// Same local address, different peers.
    by_peer: bool,
}

impl Record for TwoConnections {
    fn record(&self, e: &mut Evidence) {
        e.push("two_conns_local_ports", self.local_ports.clone());
        e.push("two_conns_peer_ports", self.peer_ports.clone());
    }
}

fn probe_two_connections() -> Res<TwoConnections> {
    let (lst, at_l) = sockets::tcp_listener()?;
    let (c1, c2) = (sockets::socket(SOCK_STREAM)?, sockets::socket(SOCK_STREAM)?);
    sys::connect(&c1, &at_l)?;
    sys::connect(&c2, &at_l)?;
    let (s1, s2) = (sys::accept(&lst, None)?, sys::accept(&lst, None)?);
    let local = [sys::getsockname(&s1)?, sys::getsockname(&s2)?];
    let peers = [sys::getpeername(&s1)?, sys::getpeername(&s2)?];
    let ports = |a: &[SockAddr; 2]| vec![port_of(&a[0]), port_of(&a[1])];
    Ok(TwoConnections {
        local_ports: ports(&local),
        peer_ports: ports(&peers),
        by_peer: local[0] == local[1] && peers[0] != peers[1],
    })
}

/// Two UDP sockets with `SO_REUSEPORT` on one port, and how 32 datagrams from 32 source ports
/// were spread across them.
struct ReusePort {
    second_bind: sys::Result<()>,
    split: Option<(usize, usize)>,
}

impl Record for ReusePort {
    fn record(&self, e: &mut Evidence) {
        e.push("reuseport_second_bind", outcome_of(&self.second_bind));
        if let Some((first, second)) = self.split {
            e.push("reuseport_first_received", first);
            e.push("reuseport_second_received", second);
        }
    }
}

fn probe_reuseport() -> Res<ReusePort> {
    let r1 = sockets::socket(SOCK_DGRAM)?;
    let r2 = sockets::socket(SOCK_DGRAM)?;
    sys::set_opt(&r1, opt::SoReusePort, true)?;
    sys::set_opt(&r2, opt::SoReusePort, true)?;
    sys::bind(&r1, &sockets::lo(0))?;
    let at_r = sys::getsockname(&r1)?;
    let second_bind = sys::bind(&r2, &at_r);
    let mut split = None;
    if second_bind.is_ok() {
        for _ in 0..32 {
            let (src, _) = sockets::udp_bound()?;
            sys::sendto(&src, b"x", 0, &at_r)?;
        }
        split = Some((
            sockets::drain(&r1, 8, 200)?.len(),
            sockets::drain(&r2, 8, 200)?.len(),
        ));
    }
    Ok(ReusePort { second_bind, split })
}

/// Held when the port alone decided delivery and every second bind failed; nuanced when it did
/// but ports are per protocol, shared by connections, or shared with `SO_REUSEPORT`.
fn verdict_identify(
    demux: &Demux,
    second: &SecondBind,
    conns: &TwoConnections,
    shared: &ReusePort,
) -> Finding {
    if !(demux.by_port() && second.exclusive()) {
        return (
            Verdict::Refuted,
            "the port did not decide delivery, or a second bind to it succeeded".to_owned(),
        );
    }
    let cross = &second.tcp_on_udp_port;
    if shared.second_bind.is_ok() || cross.is_ok() || conns.by_peer {
        let (first, other) = shared.split.unwrap_or((0, 0));
        let peer_ports = format!("{} / {}", conns.peer_ports[0], conns.peer_ports[1]);
        (
            Verdict::Nuanced,
            format!(
                "each datagram reached only the socket bound to its port and a 2nd bind got \
                 EADDRINUSE; but a port is per protocol (TCP bound UDP's number: {}), one \
                 listening port serves many connections told apart by the peer's port \
                 ({peer_ports}), and SO_REUSEPORT let two sockets share one ({first} / {other} \
                 datagrams)",
                outcome_of(cross),
            ),
        )
    } else {
        (
            Verdict::Held,
            "each datagram reached only its port's socket; every second bind failed".to_owned(),
        )
    }
}

pub(crate) const WELL_KNOWN: Claim = Claim {
    id: "well_known_ports",
    claim: "포트 번호는 0~65535 범위이며, 특정 서비스에는 고정된 포트가 할당됩니다 \
            (20/21 FTP, 22 SSH, 23 Telnet, 25 SMTP, 53 DNS, 80 HTTP, 110 POP3, 143 IMAP, \
            443 HTTPS, 3306 MySQL) (ports range over 0–65535; services have fixed ports)",
    method: "sysctls net.ipv4.ip_unprivileged_port_start and ip_local_port_range; bind() of \
             TCP 127.0.0.1:80 by a thread without CAP_NET_BIND_SERVICE and by one with it \
             (if the process has it); bind() to 65535 and to 0; the primer's whole table \
             checked against getservbyname(3) (the services database, /etc/services)",
};

/// The primer's table: its protocol label, the service's name in the services database, and
/// the port the primer gives it (all TCP).
const SEED_TABLE: [(&str, &str, u16, &str); 11] = [
    ("FTP (data)", "ftp-data", 20, "db_port_ftp_data"),
    ("FTP", "ftp", 21, "db_port_ftp"),
    ("SSH", "ssh", 22, "db_port_ssh"),
    ("Telnet", "telnet", 23, "db_port_telnet"),
    ("SMTP", "smtp", 25, "db_port_smtp"),
    ("DNS", "domain", 53, "db_port_domain"),
    ("HTTP", "http", 80, "db_port_http"),
    ("POP3", "pop3", 110, "db_port_pop3"),
    ("IMAP", "imap", 143, "db_port_imap"),
    ("HTTPS", "https", 443, "db_port_https"),
    ("MySQL", "mysql", 3306, "db_port_mysql"),
];

/// 잘 알려진 포트 — what the kernel does with port 80, 0 and 65535, and where "80 = HTTP" lives.
///
/// Ports below `net.ipv4.ip_unprivileged_port_start` (1024 by default) need
/// `CAP_NET_BIND_SERVICE`: without it `bind` to 80 gets `EACCES`. With it, any program binds 80:
/// the kernel reserves the range, it does not assign it to HTTP — the services database
/// (`/etc/services`, read with `getservbyname(3)`) records the IANA convention, and each entry of
/// the primer's table is checked against it (mismatches and missing entries listed). Port 0 is
/// not a port one binds but "let the kernel pick" from `ip_local_port_range`; 65535 is the last.
pub fn well_known_ports() -> Outcome {
    WELL_KNOWN.run_ns_or_host(|_, e| {
        let sysctls = kept(e, probe_sysctls());
        let binds = kept(e, probe_binds()?);
        let table = kept(e, probe_services_table()?);
        Ok(verdict_well_known(&sysctls, &binds, &table))
    })
}

/// The port sysctls: where unprivileged ports start, and the range port 0 picks from.
struct PortSysctls {
    unprivileged_start: Option<String>,
    local_range: Vec<i64>,
}

impl Record for PortSysctls {
    fn record(&self, e: &mut Evidence) {
        let start = self.unprivileged_start.as_deref();
        if let Some(n) = start.and_then(|s| s.parse::<i64>().ok()) {
            e.push("ip_unprivileged_port_start", n);
        }
        if self.local_range.len() == 2 {
            e.push("ip_local_port_range", self.local_range.clone());
        }
    }
}

fn probe_sysctls() -> PortSysctls {
    let range = host::sysctl("net/ipv4/ip_local_port_range");
    PortSysctls {
        unprivileged_start: host::sysctl("net/ipv4/ip_unprivileged_port_start"),
        local_range: range
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect(),
    }
}

/// Binds to port 80 without and with `CAP_NET_BIND_SERVICE`, to 65535 and to 0.
struct Binds {
    without_cap: sys::Result<()>,
    /// `None` when the process lacks the capability.
    with_cap: Option<sys::Result<()>>,
    top: sys::Result<()>,
    picked: u16,
}

impl Record for Binds {
    fn record(&self, e: &mut Evidence) {
        e.push("bind_80_without_cap", outcome_of(&self.without_cap));
        e.push(
            "bind_80_with_cap",
            self.with_cap
                .as_ref()
                .map_or("not tried: the process lacks it".into(), outcome_of),
        );
        e.push("bind_65535", outcome_of(&self.top));
        e.push("bind_0_got_port", self.picked);
    }
}

/// Binds a new TCP socket to `127.0.0.1:port`.
fn bind_tcp(port: u16) -> sys::Result<()> {
    let fd = sockets::socket(SOCK_STREAM)?;
    sys::bind(&fd, &sockets::lo(port))
}

fn probe_binds() -> Res<Binds> {
    let without_cap = host::without_cap(ns::CAP_NET_BIND_SERVICE, || bind_tcp(80))?;
    let privileged = ns::has_effective(ns::CAP_NET_BIND_SERVICE)?;
    let with_cap = privileged.then(|| bind_tcp(80));
    let top = bind_tcp(65535);
    let (_zero, picked) = sockets::udp_bound()?;
    Ok(Binds {
        without_cap,
        with_cap,
        top,
        picked: port_of(&picked),
    })
}

/// The primer's table against the services database: each entry found, with its port.
struct ServicesTable {
    /// `(evidence key, port)` of each entry the database has, in the table's order.
    found: Vec<(&'static str, u16)>,
    matching: usize,
    mismatches: Vec<String>,
    missing: Vec<String>,
}

impl ServicesTable {
    /// One clause on the table for the summary.
    fn summary(&self) -> String {
        let (matching, mismatches, missing) = (self.matching, &self.mismatches, &self.missing);
        if !mismatches.is_empty() {
            format!("the services database disagrees: {}", mismatches.join("; "))
        } else if missing.is_empty() {
            format!("all {matching} entries of the primer's table match getservbyname(3)")
        } else {
            format!(
                "{matching} of {} entries match getservbyname(3), missing: {}",
                SEED_TABLE.len(),
                missing.join(", ")
            )
        }
    }
}

impl Record for ServicesTable {
    fn record(&self, e: &mut Evidence) {
        for &(key, port) in &self.found {
            e.push(key, port);
        }
        e.push("seed_table_entries", SEED_TABLE.len());
        e.push("seed_table_matching", self.matching);
        e.push("seed_table_mismatches", self.mismatches.clone());
        e.push("seed_table_missing", self.missing.clone());
    }
}

fn probe_services_table() -> Res<ServicesTable> {
    let mut t = ServicesTable {
        found: Vec::new(),
        matching: 0,
        mismatches: Vec::new(),
        missing: Vec::new(),
    };
    for (label, name, port, key) in SEED_TABLE {
        match sys::getservbyname(name, Some("tcp"))? {
            Some(s) => {
                t.found.push((key, s.port));
                if s.port == port {
                    t.matching += 1;
                } else {
                    let db = s.port;
                    t.mismatches
                        .push(format!("{label}: primer {port}, {name}/tcp = {db}"));
                }
            }
            None => t.missing.push(format!("{label} ({name}/tcp)")),
        }
    }
    Ok(t)
}

/// Nuanced when low ports are reserved (or not even that) but no service is assigned to any;
/// refuted when 65535 cannot be bound or the services database disagrees with the primer.
fn verdict_well_known(sysctls: &PortSysctls, binds: &Binds, table: &ServicesTable) -> Finding {
    let start = sysctls.unprivileged_start.as_deref().unwrap_or("?");
    let reserved = matches!(&binds.without_cap, Err(x) if x.code() == Errno::EACCES);
    let anyone_privileged = matches!(&binds.with_cap, Some(Ok(())));
    let top = &binds.top;
    let range_ok = top.is_ok() || matches!(top, Err(x) if x.code() == Errno::EADDRINUSE);
    let table_note = table.summary();
    if !range_ok {
        (
            Verdict::Refuted,
            format!("port 65535 could not be bound: {}", outcome_of(top)),
        )
    } else if !table.mismatches.is_empty() {
        (
            Verdict::Refuted,
            format!("{table_note}; the kernel assigns no service to any port either"),
        )
    } else if reserved {
        let privileged_note = if anyone_privileged {
            "; a privileged socket that speaks no HTTP bound 80 all the same"
        } else {
            ""
        };
        (
            Verdict::Nuanced,
            format!(
                "ports below {start} are reserved (bind to 80 without CAP_NET_BIND_SERVICE: \
                 EACCES), but which service uses which is a convention ({table_note}), not \
                 something the kernel assigns{privileged_note}",
            ),
        )
    } else {
        (
            Verdict::Nuanced,
            format!(
                "port 80 is not even reserved here (unprivileged bind: {}, \
                 ip_unprivileged_port_start = {start}); the table is a convention only \
                 ({table_note})",
                outcome_of(&binds.without_cap),
            ),
        )
    }
}
