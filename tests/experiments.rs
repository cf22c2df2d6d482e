//! Tests of `socklab::experiments`: every experiment runs, and its verdict agrees with the figures
//! it recorded (which must exist and be consistent with each other); no timing is asserted.
//!
//! Experiments that cannot run here (no root for a network namespace, no `CAP_NET_RAW`, no `tc`)
//! print why and check only what they did measure. Also tests the `sys::ns` and `sys::filter`
//! calls the experiments are built on.

#[path = "sys/common.rs"]
mod common;

use common::no_leak;
use socklab::experiments::{self as x, Outcome, Verdict};
use socklab::sys::{self, filter, ns, Errno, AF_INET, AF_UNIX, MSG_DONTWAIT, SOCK_DGRAM};

/// Runs one experiment under the fd-leak guard and checks what every outcome must have.
#[track_caller]
fn run(f: fn() -> Outcome) -> Outcome {
    let o = no_leak(f);
    assert!(!o.summary.is_empty(), "{o}");
    assert!(!o.claim.is_empty() && !o.method.is_empty(), "{o}");
    if let Verdict::CannotRun(why) = &o.verdict {
        eprintln!("{}: cannot run here: {why}", o.id);
    } else {
        assert!(!o.evidence.is_empty(), "a verdict without figures: {o}");
    }
    o
}

/// Evidence item `key`, which must have been recorded.
#[track_caller]
fn get<'a>(o: &'a Outcome, key: &str) -> &'a str {
    o.get(key)
        .unwrap_or_else(|| panic!("{}: no evidence {key:?} in\n{o}", o.id))
}

/// Evidence item `key` as a number, which must have been recorded.
#[track_caller]
fn num(o: &Outcome, key: &str) -> f64 {
    o.num(key)
        .unwrap_or_else(|| panic!("{}: evidence {key:?} is not a number in\n{o}", o.id))
}

/// Prints why a part was skipped and returns whether the key was measured.
fn measured(o: &Outcome, key: &str) -> bool {
    let m = o.get(key).is_some();
    if !m {
        eprintln!(
            "{}: {key:?} not measured here (no private network namespace)",
            o.id
        );
    }
    m
}

#[test]
fn bidirectional_carries_both_ways() {
    let o = run(x::bidirectional);
    let mib = (1 << 20) as f64;
    assert_eq!(
        num(&o, "client → server bytes (sent at the same time)"),
        mib,
        "{o}"
    );
    assert_eq!(
        num(&o, "server → client bytes (sent at the same time)"),
        mib,
        "{o}"
    );
    assert_eq!(get(&o, "both directions intact"), "true");
    assert_eq!(num(&o, "server recv after client shutdown(SHUT_WR)"), 0.0);
    assert_eq!(get(&o, "server send after reading EOF"), "ok");
    assert_eq!(get(&o, "client recv of that reply"), "still open");
    assert_eq!(o.verdict, Verdict::Held, "{o}");
}

#[test]
fn stream_vs_datagram_counts_recv_calls() {
    let o = run(x::stream_vs_datagram);
    assert_eq!(num(&o, "udp recv() calls that returned data"), 3.0, "{o}");
    assert_eq!(get(&o, "udp bytes per recv"), "[10, 10, 10]");
    assert_eq!(get(&o, "udp datagrams intact and in order"), "true");
    assert_eq!(
        num(&o, "udp recv(4, MSG_TRUNC) of a 10-byte datagram returned"),
        10.0
    );
    assert_eq!(get(&o, "udp bytes in the 4-byte buffer"), "mess");
    assert_eq!(get(&o, "udp next recv (the other 6 bytes?)"), "EAGAIN");
    // The TCP side: all 30 bytes were queued, so one recv(1024) must return them all.
    assert_eq!(num(&o, "tcp bytes queued before reading"), 30.0, "{o}");
    assert_eq!(num(&o, "tcp bytes returned by one recv(1024)"), 30.0, "{o}");
    assert_eq!(o.verdict, Verdict::Held, "{o}");
}

#[test]
fn tcp_handshake_is_three_segments() {
    let o = run(x::tcp_handshake);
    assert_eq!(
        num(&o, "client TCP_INFO segs_out after connect"),
        2.0,
        "{o}"
    );
    assert_eq!(num(&o, "client TCP_INFO segs_in after connect"), 1.0, "{o}");
    // The client never called bind: connect() gave it an address.
    assert_eq!(
        get(&o, "client address before connect() (never bound)"),
        "0.0.0.0:0"
    );
    assert!(
        get(&o, "client address after connect()").starts_with("127.0.0.1:"),
        "{o}"
    );
    if measured(&o, "connect+accept ΔTcp.OutSegs") {
        assert_eq!(num(&o, "connect+accept ΔTcp.OutSegs"), 3.0, "{o}");
        assert_eq!(num(&o, "connect+accept ΔTcp.InSegs"), 3.0, "{o}");
        assert_eq!(num(&o, "connect+accept ΔTcp.ActiveOpens"), 1.0);
        assert_eq!(num(&o, "connect+accept ΔTcp.PassiveOpens"), 1.0);
        assert_eq!(get(&o, "connect to a closed port"), "ECONNREFUSED");
        assert_eq!(
            num(&o, "refused connect ΔTcp.OutSegs (SYN, RST)"),
            2.0,
            "{o}"
        );
        assert_eq!(num(&o, "server recv after client close (EOF)"), 0.0);
    }
    assert_eq!(o.verdict, Verdict::Held, "{o}");
}

#[test]
fn udp_connectionless_sends_no_setup_packet() {
    let o = run(x::udp_connectionless);
    assert_eq!(get(&o, "listen() on a UDP socket"), "EOPNOTSUPP");
    assert_eq!(get(&o, "accept() on a UDP socket"), "EOPNOTSUPP");
    assert_eq!(get(&o, "udp sendto() a port nobody bound"), "Ok(7)");
    assert_eq!(get(&o, "tcp connect() to a closed port"), "ECONNREFUSED");
    assert_eq!(
        get(&o, "connected udp: send() then recv() (ICMP error)"),
        "ECONNREFUSED"
    );
    if measured(&o, "udp connect() Δlo.tx_packets") {
        assert_eq!(num(&o, "udp connect() Δlo.tx_packets"), 0.0, "{o}");
        assert_eq!(num(&o, "udp send() Δlo.tx_packets"), 1.0, "{o}");
        assert_eq!(num(&o, "udp send() ΔUdp.OutDatagrams"), 1.0, "{o}");
        assert_eq!(num(&o, "udp send() ΔTcp.OutSegs"), 0.0, "{o}");
        assert_eq!(num(&o, "sendto(closed) ΔUdp.NoPorts"), 1.0, "{o}");
    }
    assert_eq!(o.verdict, Verdict::Held, "{o}");
}

#[test]
fn tcp_reliable_delivers_every_byte() {
    let o = run(x::tcp_reliable);
    if let Verdict::CannotRun(_) = o.verdict {
        return; // the filter that makes the loss needs CAP_NET_ADMIN on a TCP socket
    }
    assert_eq!(num(&o, "bytes received"), num(&o, "bytes sent"), "{o}");
    assert_eq!(get(&o, "received == sent, byte for byte"), "true");
    let retrans = num(&o, "sender TCP_INFO total_retrans");
    if measured(&o, "transfer ΔTcp.RetransSegs") {
        // Nothing else runs in the namespace: the kernel's count (read after TCP_INFO) covers
        // the socket's.
        assert!(num(&o, "transfer ΔTcp.RetransSegs") >= retrans, "{o}");
    }
    let expected = if retrans > 0.0 {
        Verdict::Held
    } else {
        Verdict::Nuanced
    };
    assert_eq!(o.verdict, expected, "{o}");
}

#[test]
fn udp_unreliable_counts_the_lost_datagrams() {
    let o = run(x::udp_unreliable);
    assert_eq!(
        num(&o, "(a) sendto() calls that reported success"),
        1000.0,
        "{o}"
    );
    let got = num(&o, "(a) datagrams received");
    // The socket's own drop counter accounts for every datagram that did not arrive.
    let drops = num(&o, "(a) /proc/net/udp drops of the receiver");
    assert_eq!(got + drops, 1000.0, "{o}");
    assert_eq!(
        num(&o, "(b) sendto() calls that reported success"),
        2000.0,
        "{o}"
    );
    if measured(&o, "(a) ΔUdp.RcvbufErrors") {
        assert_eq!(num(&o, "(a) ΔUdp.RcvbufErrors"), drops, "{o}");
        let got_b = num(&o, "(b) datagrams received");
        assert_eq!(got_b + num(&o, "(b) ΔUdp.InErrors"), 2000.0, "{o}");
    }
    assert_eq!(get(&o, "(c) tcp non-blocking send() then"), "EAGAIN");
    assert_eq!(get(&o, "(c) tcp every byte received, in order"), "true");
    let lost = drops > 0.0 || num(&o, "(b) datagrams received") < 2000.0;
    assert_eq!(o.verdict == Verdict::Held, lost, "{o}");
}

#[test]
fn tcp_ordered_reads_in_order() {
    let o = run(x::tcp_ordered);
    if let Verdict::CannotRun(_) = o.verdict {
        return; // no reordering path and no loss filter (CAP_NET_ADMIN) here
    }
    assert_eq!(
        num(&o, "application: numbers read after a higher one"),
        0.0,
        "{o}"
    );
    assert_eq!(
        get(&o, "application: bytes identical to those sent"),
        "true"
    );
    assert_eq!(
        num(&o, "bytes read by the application"),
        num(&o, "bytes sent")
    );
    if measured(&o, "transfer ΔTcpExt.TCPOFOQueue") {
        let ofo = num(&o, "transfer ΔTcpExt.TCPOFOQueue");
        let expected = if ofo > 0.0 {
            Verdict::Held
        } else {
            Verdict::Nuanced
        };
        assert_eq!(o.verdict, expected, "{o}");
    } else {
        assert_eq!(o.verdict, Verdict::Held, "{o}");
    }
}

#[test]
fn udp_unordered_reports_the_arrival_order() {
    let o = run(x::udp_unordered);
    assert_eq!(
        get(&o, "plain lo: datagrams sent / received"),
        "2000 / 2000"
    );
    let Some(order) = o.get("reordering lo: arrival order") else {
        eprintln!(
            "udp_unordered: no reordering path here: {}",
            get(&o, "reordering path")
        );
        assert_eq!(o.verdict, Verdict::Nuanced, "{o}");
        return;
    };
    let order: Vec<u32> = order
        .trim_matches(|c| c == '[' || c == ']')
        .split(", ")
        .map(|n| n.parse().unwrap())
        .collect();
    // A permutation of what was sent (nothing lost or duplicated on lo)…
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..40).collect::<Vec<u32>>(), "{o}");
    // …whose late arrivals the experiment counted right.
    let mut max = 0;
    let late = order
        .iter()
        .filter(|&&n| {
            let late = n < max;
            max = max.max(n);
            late
        })
        .count();
    assert_eq!(
        num(&o, "reordering lo: arrivals after a higher number"),
        late as f64
    );
    let expected = if late > 0 {
        Verdict::Held
    } else {
        Verdict::Nuanced
    };
    assert_eq!(o.verdict, expected, "{o}");
}

#[test]
fn speed_records_interleaved_ratios() {
    let o = run(x::speed);
    for key in [
        "rtt TCP/UDP (median)",
        "bulk UDP/TCP delivered (median)",
        "first exchange TCP/UDP (median)",
    ] {
        let r = num(&o, key);
        assert!(r.is_finite() && r > 0.0, "{key} = {r}\n{o}");
    }
    assert_eq!(get(&o, "rtt TCP/UDP per round").split(' ').count(), 5);
    num(&o, "bulk: UDP datagrams lost (all rounds)");
    assert!(!matches!(o.verdict, Verdict::CannotRun(_)), "{o}");
}

#[test]
fn overhead_counts_packets_on_lo() {
    let o = run(x::overhead);
    if let Verdict::CannotRun(_) = o.verdict {
        return;
    }
    assert_eq!(num(&o, "tcp payload bytes delivered"), 1000.0);
    assert_eq!(num(&o, "udp payload bytes delivered"), 1000.0);
    // One packet per datagram, each 100 B + 8 B UDP + 20 B IP.
    assert_eq!(num(&o, "udp Δlo.tx_packets"), 10.0, "{o}");
    assert_eq!(num(&o, "udp Δlo.tx_bytes"), 1280.0, "{o}");
    // At least the handshake (3), the 10 data segments and the two FINs.
    assert!(num(&o, "tcp Δlo.tx_packets") >= 15.0, "{o}");
    assert_eq!(o.verdict, Verdict::Held, "{o}");
}

#[test]
fn ports_identify_apps_by_bind() {
    let o = run(x::ports_identify_apps);
    assert_eq!(get(&o, "udp socket on port A received"), r#"["for A"]"#);
    assert_eq!(get(&o, "udp socket on port B received"), r#"["for B"]"#);
    assert_eq!(get(&o, "second udp bind() to port A"), "EADDRINUSE");
    assert_eq!(
        get(&o, "second tcp bind() to a listening port"),
        "EADDRINUSE"
    );
    if get(&o, "bind() of a 2nd SO_REUSEPORT socket to the same port") == "ok" {
        let split = get(&o, "datagrams received by the 1st / 2nd socket");
        let total: u32 = split.split(" / ").map(|n| n.parse::<u32>().unwrap()).sum();
        assert_eq!(total, 32, "{o}");
        assert_eq!(o.verdict, Verdict::Nuanced, "{o}");
    }
}

#[test]
fn well_known_ports_follow_the_sysctl() {
    let o = run(x::well_known_ports);
    let start: u16 = get(&o, "net.ipv4.ip_unprivileged_port_start")
        .parse()
        .unwrap();
    let unpriv = get(&o, "bind(127.0.0.1:80) without CAP_NET_BIND_SERVICE");
    assert_eq!(unpriv, if start > 80 { "EACCES" } else { "ok" }, "{o}");
    let range: Vec<u16> = get(&o, "net.ipv4.ip_local_port_range")
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let picked = num(&o, "bind(127.0.0.1:0) got port") as u16;
    assert!(range[0] <= picked && picked <= range[1], "{o}");
    assert!(matches!(
        get(&o, "bind(127.0.0.1:65535)"),
        "ok" | "EADDRINUSE"
    ));
    assert_eq!(o.verdict, Verdict::Nuanced, "{o}");
}

#[test]
fn layers_show_each_header() {
    let o = run(x::layers);
    assert_eq!(
        get(&o, "L4: SO_PROTOCOL of SOCK_STREAM / SOCK_DGRAM"),
        "6 / 17"
    );
    assert_eq!(
        get(&o, "L4: socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)"),
        "EPROTONOSUPPORT"
    );
    assert_eq!(
        num(&o, "L3: IP_TTL set to 7 at level IPPROTO_IP, read back"),
        7.0
    );
    assert_eq!(
        get(&o, "L3: SOCK_RAW/IPPROTO_ICMP without CAP_NET_RAW"),
        "EPERM"
    );
    assert_eq!(
        get(&o, "L2: AF_PACKET/SOCK_RAW without CAP_NET_RAW"),
        "EPERM"
    );
    if o.get("L4 view (UDP socket): bytes").is_some() {
        assert_eq!(num(&o, "L4 view (UDP socket): bytes"), 10.0);
        assert_eq!(num(&o, "L3 view (SOCK_RAW, IPPROTO_UDP): bytes"), 38.0);
        assert_eq!(
            get(&o, "L3 view: IP version / header bytes / TTL / protocol"),
            "4 / 20 / 7 / 17"
        );
        assert_eq!(num(&o, "L2 view (AF_PACKET, ETH_P_IP): bytes"), 52.0);
        assert_eq!(get(&o, "L2 view: EtherType"), "0x0800");
    } else {
        eprintln!("layers: {}", get(&o, "three views of one datagram"));
    }
    assert_eq!(o.verdict, Verdict::Nuanced, "{o}");
}

#[test]
fn run_all_reports_every_claim_once() {
    let all = no_leak(x::run_all);
    let mut ids: Vec<&str> = all.iter().map(|o| o.id).collect();
    assert_eq!(ids.len(), 13);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 13, "duplicate ids");
    let table = x::summary_table(&all);
    for o in &all {
        let block = o.to_string();
        assert!(block.contains(o.id) && block.contains(o.claim), "{block}");
        for (k, v) in &o.evidence {
            assert!(
                block.contains(k.as_str()) && block.contains(v.as_str()),
                "{block}"
            );
        }
        assert!(table.contains(o.id), "{table}");
    }
}

// ---- the sys calls the experiments stand on ----

#[test]
fn random_drop_keeps_all_or_nothing_at_the_extremes() {
    no_leak(|| {
        for (p, expect) in [(0.0, 20), (1.0, 0)] {
            let (a, b) = sys::socketpair(AF_UNIX, SOCK_DGRAM, 0).unwrap();
            filter::attach_filter(&b, &x::bpf::random_drop(p)).unwrap();
            for _ in 0..20 {
                sys::send(&a, b"x", 0).unwrap();
            }
            let mut n = 0;
            while sys::recv(&b, &mut [0u8; 4][..], MSG_DONTWAIT).is_ok() {
                n += 1;
            }
            assert_eq!(n, expect, "p = {p}");
        }
    });
}

#[test]
fn attach_filter_rejects_an_invalid_program() {
    no_leak(|| {
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        // No final `ret`: the kernel's verifier refuses it.
        let prog = [libc::sock_filter {
            code: (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16,
            jt: 0,
            jf: 0,
            k: 0,
        }];
        let err = filter::attach_filter(&fd, &prog).unwrap_err();
        assert_eq!(err.code(), Errno::EINVAL);
        assert!(err.to_string().contains("SO_ATTACH_FILTER"), "{err}");
        let err = filter::attach_filter(&fd, &[]).unwrap_err();
        assert_eq!(err.code(), Errno::EINVAL);
    });
}

#[test]
fn ns_calls_refuse_what_would_be_unsound() {
    no_leak(|| {
        let err = ns::unshare(libc::CLONE_FILES).unwrap_err();
        assert_eq!(err.code(), Errno::EINVAL);
        assert!(err.to_string().contains("CLONE_FILES"), "{err}");
        let fd = sys::socket(AF_INET, SOCK_DGRAM, 0).unwrap();
        // ETHTOOL_GSET (1) fills a struct ethtool_cmd, larger than an ethtool_value.
        let err = ns::ioctl_siocethtool_value(&fd, "lo", 1, 0).unwrap_err();
        assert_eq!(err.code(), Errno::EINVAL);
        let err = ns::ioctl_siocgifflags(&fd, "a-name-longer-than-15").unwrap_err();
        assert_eq!(err.code(), Errno::EINVAL);
        let err = ns::ioctl_siocgifflags(&fd, "nosuchif0").unwrap_err();
        assert_eq!(err.code(), Errno::ENODEV);
        assert!(err.to_string().starts_with("ioctl(fd "), "{err}");
    });
}

#[test]
fn capabilities_are_per_thread() {
    let before = ns::has_effective(ns::CAP_NET_RAW).unwrap();
    if !before {
        eprintln!("capabilities_are_per_thread: skipped, the process lacks CAP_NET_RAW");
        return;
    }
    std::thread::spawn(|| {
        let mut caps = ns::capget(0).unwrap();
        caps[0].effective &= !(1 << ns::CAP_NET_RAW);
        ns::capset(&caps).unwrap();
        assert!(!ns::has_effective(ns::CAP_NET_RAW).unwrap());
        let err = sys::socket(AF_INET, libc::SOCK_RAW, libc::IPPROTO_ICMP).unwrap_err();
        assert_eq!(err.code(), Errno::EPERM);
    })
    .join()
    .unwrap();
    assert!(
        ns::has_effective(ns::CAP_NET_RAW).unwrap(),
        "the main thread lost it"
    );
}
