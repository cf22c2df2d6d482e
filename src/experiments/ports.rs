//! Ports: the kernel hands each datagram to the socket bound to its port, refuses a second bind,
//! keeps TCP and UDP numbers apart, reserves low ports for privileged programs — and assigns
//! nothing: which service uses port 80 is a convention.

use crate::sys::{self, ns, opt, Errno, SOCK_DGRAM, SOCK_STREAM};

use super::env::{self, ev, Claim, Evidence, Res};
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
    IDENTIFY.run_ns_or_host(|_, e| identify(e))
}

fn identify(e: &mut Evidence) -> Res<Outcome> {
    let (a, at_a) = env::udp_bound()?;
    let (b, at_b) = env::udp_bound()?;
    let (tx, _) = env::udp_bound()?;
    sys::sendto(&tx, b"for A", 0, &at_a)?;
    sys::sendto(&tx, b"for B", 0, &at_b)?;
    let (got_a, got_b) = (env::drain(&a, 64, 1000)?, env::drain(&b, 64, 1000)?);
    let demux = got_a == [b"for A".to_vec()] && got_b == [b"for B".to_vec()];
    let show = |v: &[Vec<u8>]| -> Vec<String> {
        v.iter()
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .collect()
    };
    ev(e, "port_a_received", show(&got_a));
    ev(e, "port_b_received", show(&got_b));

    let second = env::socket(SOCK_DGRAM)?;
    let again = sys::bind(&second, &at_a);
    ev(e, "second_udp_bind", env::outcome_of(&again));
    let (_lst, at_t) = env::tcp_listener()?;
    let tcp2 = env::socket(SOCK_STREAM)?;
    let again_tcp = sys::bind(&tcp2, &at_t);
    ev(e, "second_tcp_bind", env::outcome_of(&again_tcp));
    let tcp_same = env::socket(SOCK_STREAM)?;
    let cross = sys::bind(&tcp_same, &at_a);
    ev(e, "tcp_bind_udp_port", env::outcome_of(&cross));

    // Two connections to one listening port: told apart by the other end's port.
    let (lst, at_l) = env::tcp_listener()?;
    let (c1, c2) = (env::socket(SOCK_STREAM)?, env::socket(SOCK_STREAM)?);
    sys::connect(&c1, &at_l)?;
    sys::connect(&c2, &at_l)?;
    let (s1, s2) = (sys::accept(&lst, None)?, sys::accept(&lst, None)?);
    let local = [sys::getsockname(&s1)?, sys::getsockname(&s2)?];
    let peers = [sys::getpeername(&s1)?, sys::getpeername(&s2)?];
    let ports = |a: &[sys::SockAddr; 2]| vec![env::port_of(&a[0]), env::port_of(&a[1])];
    ev(e, "two_conns_local_ports", ports(&local));
    let peer_ports = format!("{} / {}", env::port_of(&peers[0]), env::port_of(&peers[1]));
    ev(e, "two_conns_peer_ports", ports(&peers));
    let by_peer = local[0] == local[1] && peers[0] != peers[1];

    // SO_REUSEPORT: two sockets, one port.
    let r1 = env::socket(SOCK_DGRAM)?;
    let r2 = env::socket(SOCK_DGRAM)?;
    sys::set_opt(&r1, opt::SoReusePort, true)?;
    sys::set_opt(&r2, opt::SoReusePort, true)?;
    sys::bind(&r1, &env::lo(0))?;
    let at_r = sys::getsockname(&r1)?;
    let shared = sys::bind(&r2, &at_r);
    ev(e, "reuseport_second_bind", env::outcome_of(&shared));
    let mut split = (0, 0);
    if shared.is_ok() {
        for _ in 0..32 {
            let (src, _) = env::udp_bound()?;
            sys::sendto(&src, b"x", 0, &at_r)?;
        }
        split = (
            env::drain(&r1, 8, 200)?.len(),
            env::drain(&r2, 8, 200)?.len(),
        );
        ev(e, "reuseport_first_received", split.0);
        ev(e, "reuseport_second_received", split.1);
    }

    let exclusive = matches!(&again, Err(x) if x.code() == Errno::EADDRINUSE)
        && matches!(&again_tcp, Err(x) if x.code() == Errno::EADDRINUSE);
    let (v, summary) = if !(demux && exclusive) {
        (
            Verdict::Refuted,
            "the port did not decide delivery, or a second bind to it succeeded".to_owned(),
        )
    } else if shared.is_ok() || cross.is_ok() || by_peer {
        (
            Verdict::Nuanced,
            format!(
                "each datagram reached only the socket bound to its port and a 2nd bind got \
                 EADDRINUSE; but a port is per protocol (TCP bound UDP's number: {}), one \
                 listening port serves many connections told apart by the peer's port \
                 ({peer_ports}), and SO_REUSEPORT let two sockets share one ({} / {} datagrams)",
                env::outcome_of(&cross),
                split.0,
                split.1
            ),
        )
    } else {
        (
            Verdict::Held,
            "each datagram reached only its port's socket; every second bind failed".to_owned(),
        )
    };
    Ok(IDENTIFY.outcome(v, summary, std::mem::take(e)))
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
    WELL_KNOWN.run_ns_or_host(|_, e| well_known(e))
}

/// Binds a new TCP socket to `127.0.0.1:port`.
fn bind_tcp(port: u16) -> sys::Result<()> {
    let fd = env::socket(SOCK_STREAM)?;
    sys::bind(&fd, &env::lo(port))
}

/// The primer's table against the services database: `(matching, mismatches, missing)`, each
/// entry's port recorded under its key.
fn check_table(e: &mut Evidence) -> Res<(usize, Vec<String>, Vec<String>)> {
    let (mut matching, mut mismatches, mut missing) = (0, Vec::new(), Vec::new());
    for (label, name, port, key) in SEED_TABLE {
        match sys::getservbyname(name, Some("tcp"))? {
            Some(s) if s.port == port => {
                matching += 1;
                ev(e, key, s.port);
            }
            Some(s) => {
                ev(e, key, s.port);
                mismatches.push(format!("{label}: primer {port}, {name}/tcp = {}", s.port));
            }
            None => missing.push(format!("{label} ({name}/tcp)")),
        }
    }
    ev(e, "seed_table_entries", SEED_TABLE.len());
    ev(e, "seed_table_matching", matching);
    ev(e, "seed_table_mismatches", mismatches.clone());
    ev(e, "seed_table_missing", missing.clone());
    Ok((matching, mismatches, missing))
}

fn well_known(e: &mut Evidence) -> Res<Outcome> {
    let start = env::sysctl("net/ipv4/ip_unprivileged_port_start");
    let range = env::sysctl("net/ipv4/ip_local_port_range");
    let start_n: Option<i64> = start.as_deref().and_then(|s| s.parse().ok());
    if let Some(n) = start_n {
        ev(e, "ip_unprivileged_port_start", n);
    }
    let range_v: Vec<i64> = range
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    if range_v.len() == 2 {
        ev(e, "ip_local_port_range", range_v);
    }

    let unpriv = env::without_cap(ns::CAP_NET_BIND_SERVICE, || bind_tcp(80))?;
    ev(e, "bind_80_without_cap", env::outcome_of(&unpriv));
    let privileged = ns::has_effective(ns::CAP_NET_BIND_SERVICE)?;
    let with = privileged.then(|| bind_tcp(80));
    ev(
        e,
        "bind_80_with_cap",
        with.as_ref()
            .map_or("not tried: the process lacks it".into(), env::outcome_of),
    );
    let top = bind_tcp(65535);
    ev(e, "bind_65535", env::outcome_of(&top));
    let (_zero, picked) = env::udp_bound()?;
    ev(e, "bind_0_got_port", env::port_of(&picked));
    let (matching, mismatches, missing) = check_table(e)?;
    let table = if !mismatches.is_empty() {
        format!("the services database disagrees: {}", mismatches.join("; "))
    } else if missing.is_empty() {
        format!("all {matching} entries of the primer's table match getservbyname(3)")
    } else {
        format!(
            "{matching} of {} entries match getservbyname(3), missing: {}",
            SEED_TABLE.len(),
            missing.join(", ")
        )
    };

    let reserved = matches!(&unpriv, Err(x) if x.code() == Errno::EACCES);
    let anyone_privileged = matches!(&with, Some(Ok(())));
    let range_ok = top.is_ok() || matches!(&top, Err(x) if x.code() == Errno::EADDRINUSE);
    let (v, summary) = if !range_ok {
        (
            Verdict::Refuted,
            format!("port 65535 could not be bound: {}", env::outcome_of(&top)),
        )
    } else if !mismatches.is_empty() {
        (
            Verdict::Refuted,
            format!("{table}; the kernel assigns no service to any port either"),
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
                "ports below {} are reserved (bind to 80 without CAP_NET_BIND_SERVICE: EACCES), \
                 but which service uses which is a convention ({table}), not something the \
                 kernel assigns{privileged_note}",
                start.as_deref().unwrap_or("?"),
            ),
        )
    } else {
        (
            Verdict::Nuanced,
            format!(
                "port 80 is not even reserved here (unprivileged bind: {}, \
                 ip_unprivileged_port_start = {}); the table is a convention only ({table})",
                env::outcome_of(&unpriv),
                start.as_deref().unwrap_or("?")
            ),
        )
    };
    Ok(WELL_KNOWN.outcome(v, summary, std::mem::take(e)))
}
