//! Tests of `socklab::experiments`: every experiment runs, and its verdict agrees with the figures
//! it recorded (which must exist and be consistent with each other); no timing is asserted.
//!
//! Evidence is read by typed `snake_case` keys. An experiment that breaks (`Verdict::Failed`)
//! fails its test; one that cannot run (no root for a network namespace, no `CAP_NET_RAW`) is
//! accepted only when the tests do not run as root (CI runs as root), and prints why. Also tests the `sys::ns` and `sys::filter`
//! calls the experiments are built on.

#[path = "sys/common.rs"]
mod common;

use common::no_leak;
use socklab::experiments::{self as x, Outcome, Value, Verdict};
use socklab::sys::{self, filter, ns, Errno, AF_INET, AF_UNIX, MSG_DONTWAIT, SOCK_DGRAM};

/// Whether the tests run as root (CI does): then every part that needs a private network
/// namespace, raw sockets or a socket filter must have run. Asked without opening a file: it
/// runs outside the fd lock, beside other tests' fd counts.
fn is_root() -> bool {
    // SAFETY: geteuid takes no arguments and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Runs one experiment under the fd-leak guard and checks what every outcome must have: never
/// `Failed`, and `CannotRun` only when not root (with the reason printed).
#[track_caller]
fn run(f: fn() -> Outcome) -> Outcome {
    let o = no_leak(f);
    assert!(!o.summary.is_empty(), "{o}");
    assert!(!o.claim.is_empty() && !o.method.is_empty(), "{o}");
    match &o.verdict {
        Verdict::Failed(err) => panic!("{}: broke off: {err}\n{o}", o.id),
        Verdict::CannotRun(why) => {
            assert!(!is_root(), "{}: cannot run as root: {why}\n{o}", o.id);
            common::skip(format_args!("{}: cannot run here (not root): {why}", o.id));
        }
        _ => assert!(!o.evidence.is_empty(), "a verdict without figures: {o}"),
    }
    for (k, _) in o.evidence.iter() {
        assert!(
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "evidence key {k:?} is not snake_case"
        );
    }
    o
}

/// Whether the experiment could run (as root it must have; `run` checked).
fn ran(o: &Outcome) -> bool {
    !matches!(o.verdict, Verdict::CannotRun(_))
}

/// Evidence item `key` as an integer, which must have been recorded as one.
#[track_caller]
fn int(o: &Outcome, key: &str) -> i64 {
    o.int(key)
        .unwrap_or_else(|| panic!("{}: no integer evidence {key:?} in\n{o}", o.id))
}

/// Evidence item `key` as a number (integer or float).
#[track_caller]
fn num(o: &Outcome, key: &str) -> f64 {
    o.num(key)
        .unwrap_or_else(|| panic!("{}: no numeric evidence {key:?} in\n{o}", o.id))
}

/// Evidence item `key` as a bool.
#[track_caller]
fn flag(o: &Outcome, key: &str) -> bool {
    o.flag(key)
        .unwrap_or_else(|| panic!("{}: no bool evidence {key:?} in\n{o}", o.id))
}

/// Evidence item `key` as text.
#[track_caller]
fn text<'a>(o: &'a Outcome, key: &str) -> &'a str {
    o.text(key)
        .unwrap_or_else(|| panic!("{}: no text evidence {key:?} in\n{o}", o.id))
}

/// Evidence item `key` as a list of integers.
#[track_caller]
fn ints(o: &Outcome, key: &str) -> Vec<i64> {
    let list = o
        .get(key)
        .and_then(Value::as_list)
        .unwrap_or_else(|| panic!("{}: no list evidence {key:?} in\n{o}", o.id));
    list.iter()
        .map(|v| v.as_int().unwrap_or_else(|| panic!("{key}: {v:?}")))
        .collect()
}

/// Whether the experiment ran in a private network namespace. As root it must have; otherwise
/// the reason it did not is printed.
#[track_caller]
fn in_netns(o: &Outcome) -> bool {
    match o.text("netns_not_used") {
        None => true,
        Some(why) => {
            assert!(!is_root(), "{}: root but no namespace: {why}", o.id);
            common::skip(format_args!(
                "{}: the namespace parts (not root): {why}",
                o.id
            ));
            false
        }
    }
}

/// `Held` when `cond`, else `otherwise`.
fn held_if(cond: bool, otherwise: Verdict) -> Verdict {
    if cond {
        Verdict::Held
    } else {
        otherwise
    }
}

#[test]
fn bidirectional_carries_both_ways() {
    let o = run(x::bidirectional);
    let mib = 1 << 20;
    assert_eq!(int(&o, "client_to_server_bytes"), mib, "{o}");
    assert_eq!(int(&o, "server_to_client_bytes"), mib, "{o}");
    let duplex = flag(&o, "both_directions_intact");
    let half = int(&o, "server_recv_after_shut_wr") == 0
        && text(&o, "server_send_after_eof") == "ok"
        && text(&o, "client_recv_reply") == "still open";
    let udp = flag(&o, "udp_one_socket_both_ways");
    assert_eq!(
        o.verdict,
        held_if(duplex && half && udp, Verdict::Refuted),
        "{o}"
    );
    assert_eq!(o.verdict, Verdict::Held, "{o}");
}

#[test]
fn stream_vs_datagram_counts_recv_calls() {
    let o = run(x::stream_vs_datagram);
    assert_eq!(int(&o, "udp_recv_calls"), 3, "{o}");
    assert_eq!(ints(&o, "udp_recv_sizes"), [10, 10, 10]);
    assert_eq!(int(&o, "udp_recv4_trunc_returned"), 10);
    assert_eq!(text(&o, "udp_recv4_buffer"), "mess");
    assert_eq!(text(&o, "udp_next_recv"), "EAGAIN");
    // The TCP side: all 30 bytes were queued, so one recv(1024) must return them all.
    assert_eq!(int(&o, "tcp_bytes_queued"), 30, "{o}");
    assert_eq!(int(&o, "tcp_first_recv_bytes"), 30, "{o}");
    let stream = int(&o, "tcp_first_recv_bytes") == 30 && flag(&o, "tcp_messages_merged");
    let dgram = flag(&o, "udp_intact_in_order");
    assert_eq!(o.verdict, held_if(stream && dgram, Verdict::Refuted), "{o}");
}

#[test]
fn udp_truncation_keeps_1024_loses_976() {
    let o = run(x::udp_truncation);
    assert_eq!(int(&o, "datagram_bytes"), 2000, "{o}");
    let (kept, lost) = (int(&o, "kept_bytes"), int(&o, "lost_bytes"));
    assert_eq!((kept, lost), (1024, 976), "{o}");
    assert_eq!(kept + lost, int(&o, "datagram_bytes"));
    assert!(flag(&o, "kept_bytes_intact"), "{o}");
    assert_eq!(text(&o, "next_recv"), "EAGAIN", "{o}");
    assert_eq!(int(&o, "recvmsg_returned"), 1024, "{o}");
    assert!(flag(&o, "recvmsg_msg_trunc"), "{o}");
    assert_eq!(int(&o, "recv_msg_trunc_returned"), 2000, "{o}");
    let reads = ints(&o, "tcp_recv_sizes");
    assert_eq!(reads.iter().sum::<i64>(), 2000, "{o}");
    assert!(reads.iter().all(|&n| n <= 1024), "{o}");
    assert_eq!(int(&o, "tcp_bytes_received"), 2000);
    assert!(flag(&o, "tcp_intact"), "{o}");
    assert_eq!(o.verdict, Verdict::Held, "{o}");
}

#[test]
fn tcp_handshake_is_three_segments() {
    let o = run(x::tcp_handshake);
    assert_eq!(int(&o, "client_tcpi_segs_out"), 2, "{o}");
    assert_eq!(int(&o, "client_tcpi_segs_in"), 1, "{o}");
    // The client never called bind: connect() gave it an address.
    assert_eq!(text(&o, "client_addr_before_connect"), "0.0.0.0:0");
    assert!(
        text(&o, "client_addr_after_connect").starts_with("127.0.0.1:"),
        "{o}"
    );
    let held = if in_netns(&o) {
        assert_eq!(int(&o, "handshake_tcp_in_segs"), 3, "{o}");
        assert_eq!(text(&o, "connect_closed_port"), "ECONNREFUSED");
        assert_eq!(int(&o, "refused_tcp_out_segs"), 2, "{o}");
        assert_eq!(int(&o, "server_recv_after_close"), 0);
        int(&o, "handshake_tcp_out_segs") == 3
            && int(&o, "handshake_active_opens") == 1
            && int(&o, "handshake_passive_opens") == 1
    } else {
        int(&o, "client_tcpi_segs_out") == 2 && int(&o, "client_tcpi_segs_in") == 1
    };
    assert_eq!(o.verdict, held_if(held, Verdict::Refuted), "{o}");
    assert_eq!(o.verdict, Verdict::Held, "{o}");
}

#[test]
fn udp_connectionless_sends_no_setup_packet() {
    let o = run(x::udp_connectionless);
    assert_eq!(text(&o, "udp_listen"), "EOPNOTSUPP");
    assert_eq!(text(&o, "udp_accept"), "EOPNOTSUPP");
    assert_eq!(text(&o, "udp_sendto_unbound_port"), "ok");
    assert_eq!(int(&o, "udp_sendto_unbound_returned"), 7);
    assert_eq!(text(&o, "tcp_connect_closed_port"), "ECONNREFUSED");
    assert_eq!(text(&o, "udp_connected_recv_after_icmp"), "ECONNREFUSED");
    let held = if in_netns(&o) {
        assert_eq!(int(&o, "udp_send_out_datagrams"), 1, "{o}");
        assert_eq!(int(&o, "udp_send_tcp_out_segs"), 0, "{o}");
        assert_eq!(int(&o, "sendto_closed_udp_no_ports"), 1, "{o}");
        int(&o, "udp_connect_lo_tx_packets") == 0 && int(&o, "udp_send_lo_tx_packets") == 1
    } else {
        true
    };
    assert_eq!(o.verdict, held_if(held, Verdict::Refuted), "{o}");
    assert_eq!(o.verdict, Verdict::Held, "{o}");
}

#[test]
fn tcp_reliable_delivers_every_byte() {
    let o = run(x::tcp_reliable);
    if !ran(&o) {
        return; // not root: the filter that makes the loss needs CAP_NET_ADMIN (printed)
    }
    assert_eq!(int(&o, "bytes_received"), int(&o, "bytes_sent"), "{o}");
    let intact = flag(&o, "received_equals_sent");
    let retrans = int(&o, "sender_tcpi_total_retrans");
    if in_netns(&o) {
        assert_eq!(text(&o, "lo_offload"), "off", "{o}");
        // Nothing else runs in the namespace: the kernel's count (read after TCP_INFO) covers
        // the socket's.
        assert!(int(&o, "transfer_tcp_retrans_segs") >= retrans, "{o}");
    }
    let expected = match (intact, retrans > 0) {
        (false, _) => Verdict::Refuted,
        (true, true) => Verdict::Held,
        (true, false) => Verdict::Nuanced,
    };
    assert_eq!(o.verdict, expected, "{o}");
    assert!(intact, "{o}");
}

#[test]
fn udp_unreliable_counts_the_lost_datagrams() {
    let o = run(x::udp_unreliable);
    if !ran(&o) {
        return;
    }
    assert_eq!(int(&o, "a_sendto_ok"), 1000, "{o}");
    let got = int(&o, "a_received");
    // The socket's own drop counter accounts for every datagram that did not arrive.
    let drops = int(&o, "a_socket_drops");
    assert_eq!(got + drops, 1000, "{o}");
    assert_eq!(int(&o, "b_sendto_ok"), 2000, "{o}");
    let got_b = int(&o, "b_received");
    if in_netns(&o) {
        assert_eq!(int(&o, "a_udp_rcvbuf_errors"), drops, "{o}");
        assert_eq!(got_b + int(&o, "b_udp_in_errors"), 2000, "{o}");
    }
    assert_eq!(text(&o, "c_tcp_nonblocking_send"), "EAGAIN");
    assert!(flag(&o, "c_tcp_intact_in_order"), "{o}");
    let lost = drops > 0 || got_b < 2000;
    let expected = if lost {
        Verdict::Held
    } else {
        Verdict::Refuted
    };
    assert_eq!(o.verdict, expected, "{o}");
}

#[test]
fn tcp_ordered_reads_in_order() {
    let o = run(x::tcp_ordered);
    if !ran(&o) {
        return; // not root: no reordering path and no loss filter (printed)
    }
    assert_eq!(int(&o, "numbers_read_late"), 0, "{o}");
    assert!(flag(&o, "bytes_identical"), "{o}");
    assert_eq!(int(&o, "bytes_read"), int(&o, "bytes_sent"));
    if in_netns(&o) {
        let ofo = int(&o, "transfer_tcp_ofo_queue");
        let expected = if ofo > 0 {
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
    assert_eq!(int(&o, "plain_sent"), 2000);
    assert_eq!(int(&o, "plain_received"), 2000, "{o}");
    let Some(order) = o.get("reordered_arrival_order") else {
        let why = text(&o, "reordering_path");
        assert!(!is_root(), "root, but no reordering path: {why}\n{o}");
        common::skip(format_args!(
            "udp_unordered: no reordering path here: {why}"
        ));
        assert_eq!(o.verdict, Verdict::Nuanced, "{o}");
        return;
    };
    let order: Vec<i64> = order
        .as_list()
        .unwrap()
        .iter()
        .map(|v| v.as_int().unwrap())
        .collect();
    // A permutation of what was sent (nothing lost or duplicated on lo)…
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..40).collect::<Vec<i64>>(), "{o}");
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
    assert_eq!(int(&o, "reordered_late_arrivals"), late as i64);
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
        "rtt_tcp_udp_median",
        "bulk_udp_tcp_median",
        "first_tcp_udp_median",
    ] {
        let r = num(&o, key);
        assert!(r.is_finite() && r > 0.0, "{key} = {r}\n{o}");
    }
    let rounds = o
        .get("rtt_tcp_udp_ratios")
        .and_then(Value::as_list)
        .unwrap();
    assert_eq!(rounds.len(), 5, "{o}");
    assert!(int(&o, "bulk_udp_lost") >= 0);
    assert!(!matches!(o.verdict, Verdict::CannotRun(_)), "{o}");
}

#[test]
fn overhead_counts_packets_on_lo() {
    let o = run(x::overhead);
    if !ran(&o) {
        return;
    }
    assert_eq!(int(&o, "tcp_payload_delivered"), 1000);
    assert_eq!(int(&o, "udp_payload_delivered"), 1000);
    // One packet per datagram, each 100 B + 8 B UDP + 20 B IP.
    assert_eq!(int(&o, "udp_lo_tx_packets"), 10, "{o}");
    assert_eq!(int(&o, "udp_lo_tx_bytes"), 1280, "{o}");
    // At least the handshake (3), the 10 data segments and the two FINs.
    assert!(int(&o, "tcp_lo_tx_packets") >= 15, "{o}");
    let more = int(&o, "tcp_lo_tx_bytes") > int(&o, "udp_lo_tx_bytes")
        && int(&o, "tcp_lo_tx_packets") > int(&o, "udp_lo_tx_packets");
    assert_eq!(o.verdict, held_if(more, Verdict::Refuted), "{o}");
}

#[test]
fn ports_identify_apps_by_bind() {
    let o = run(x::ports_identify_apps);
    let strings = |key| -> Vec<String> {
        o.get(key)
            .and_then(Value::as_list)
            .unwrap()
            .iter()
            .map(|v| v.as_text().unwrap().to_owned())
            .collect()
    };
    assert_eq!(strings("port_a_received"), ["for A"]);
    assert_eq!(strings("port_b_received"), ["for B"]);
    assert_eq!(text(&o, "second_udp_bind"), "EADDRINUSE");
    assert_eq!(text(&o, "second_tcp_bind"), "EADDRINUSE");
    let local = ints(&o, "two_conns_local_ports");
    assert_eq!(local[0], local[1], "{o}");
    if text(&o, "reuseport_second_bind") == "ok" {
        let total = int(&o, "reuseport_first_received") + int(&o, "reuseport_second_received");
        assert_eq!(total, 32, "{o}");
        assert_eq!(o.verdict, Verdict::Nuanced, "{o}");
    }
}

#[test]
fn well_known_ports_follow_the_sysctl_and_the_services_database() {
    let o = run(x::well_known_ports);
    let start = int(&o, "ip_unprivileged_port_start");
    let unpriv = text(&o, "bind_80_without_cap");
    assert_eq!(unpriv, if start > 80 { "EACCES" } else { "ok" }, "{o}");
    let range = ints(&o, "ip_local_port_range");
    let picked = int(&o, "bind_0_got_port");
    assert!(range[0] <= picked && picked <= range[1], "{o}");
    assert!(matches!(text(&o, "bind_65535"), "ok" | "EADDRINUSE"));
    // The primer's table, against getservbyname(3) (CI installs netbase for /etc/services).
    assert_eq!(int(&o, "seed_table_entries"), 11);
    let list = |key| o.get(key).and_then(Value::as_list).unwrap().len() as i64;
    let (mismatches, missing) = (list("seed_table_mismatches"), list("seed_table_missing"));
    assert_eq!(
        int(&o, "seed_table_matching") + mismatches + missing,
        11,
        "{o}"
    );
    for (key, port) in [
        ("db_port_ftp_data", 20),
        ("db_port_ftp", 21),
        ("db_port_ssh", 22),
        ("db_port_telnet", 23),
        ("db_port_smtp", 25),
        ("db_port_domain", 53),
        ("db_port_http", 80),
        ("db_port_pop3", 110),
        ("db_port_imap", 143),
        ("db_port_https", 443),
        ("db_port_mysql", 3306),
    ] {
        if let (Some(got), 0) = (o.int(key), mismatches) {
            assert_eq!(got, port, "{key}: {o}");
        }
    }
    if std::path::Path::new("/etc/services").exists() {
        assert_eq!(missing, 0, "/etc/services exists but lacks entries: {o}");
    }
    let expected = if mismatches > 0 {
        Verdict::Refuted
    } else {
        Verdict::Nuanced
    };
    assert_eq!(o.verdict, expected, "{o}");
}

#[test]
fn layers_show_each_header() {
    let o = run(x::layers);
    assert_eq!(int(&o, "l4_so_protocol_stream"), 6);
    assert_eq!(int(&o, "l4_so_protocol_dgram"), 17);
    assert_eq!(text(&o, "l4_stream_with_ipproto_udp"), "EPROTONOSUPPORT");
    assert_eq!(int(&o, "l3_ip_ttl_read_back"), 7);
    assert_eq!(text(&o, "l3_raw_without_cap_net_raw"), "EPERM");
    assert_eq!(text(&o, "l2_packet_without_cap_net_raw"), "EPERM");
    if o.get("l4_view_bytes").is_some() {
        assert_eq!(int(&o, "l4_view_bytes"), 10);
        assert_eq!(int(&o, "l3_view_bytes"), 38);
        assert_eq!(int(&o, "l3_ip_version"), 4);
        assert_eq!(int(&o, "l3_ip_header_bytes"), 20);
        assert_eq!(int(&o, "l3_ip_ttl"), 7);
        assert_eq!(int(&o, "l3_ip_protocol"), 17);
        assert_eq!(int(&o, "l2_view_bytes"), 52);
        assert_eq!(int(&o, "l2_ethertype"), 0x0800);
    } else {
        assert!(!is_root(), "root, but the three views did not run: {o}");
        common::skip(format_args!("layers: {}", text(&o, "three_views")));
    }
    assert_eq!(o.verdict, Verdict::Nuanced, "{o}");
}

#[test]
fn nagle_stalls_the_second_small_write() {
    let o = run(x::nagle);
    assert_eq!(int(&o, "exchanges_per_setting"), 8);
    let (fast, slow) = (num(&o, "nodelay_median_ms"), num(&o, "nagle_median_ms"));
    assert!(fast > 0.0 && slow > 0.0, "{o}");
    let ratio = num(&o, "nagle_nodelay_ratio");
    assert!((ratio - slow / fast).abs() <= 1e-9 * ratio, "{o}");
    let stalled = ratio > 5.0;
    if in_netns(&o) && stalled {
        // What the stall waits for: the server's delayed ACK of the header.
        assert!(int(&o, "nagle_delayed_acks") >= 1, "{o}");
    }
    assert_eq!(o.verdict, held_if(stalled, Verdict::Nuanced), "{o}");
}

#[test]
fn backlog_completes_backlog_plus_one_then_drops_syns() {
    let o = run(x::backlog);
    if !ran(&o) {
        return; // not root: no namespace for the counters and the sysctl (printed)
    }
    let (mut dropped, mut exact, mut plus_one, mut refused) = (true, true, true, false);
    for b in [0i64, 3, 128] {
        let k = |what: &str| format!("backlog_{b}_{what}");
        let completed = int(&o, &k("completed"));
        let next = text(&o, &k("next_connect"));
        let drops = int(&o, &k("listen_drops"));
        assert!(drops >= int(&o, &k("listen_overflows")), "{o}");
        if next == "timed out" {
            assert_eq!(text(&o, &k("next_state")), "SYN_SENT", "{o}");
        }
        dropped &= next == "timed out" && drops >= 1 && int(&o, &k("next_syn_retrans")) >= 1;
        exact &= completed == b;
        plus_one &= completed == b + 1;
        refused |= next == "ECONNREFUSED";
    }
    let reset = text(&o, "abort_on_overflow_recv");
    refused |= reset == "ECONNREFUSED";
    let expected = if refused {
        Verdict::Refuted
    } else if dropped && reset == "ECONNRESET" && exact {
        Verdict::Held
    } else if dropped && reset == "ECONNRESET" {
        Verdict::Nuanced
    } else {
        Verdict::Refuted
    };
    assert_eq!(o.verdict, expected, "{o}");
    // What Linux does (net/core/sock.h: the queue is full only when longer than the backlog).
    assert!(plus_one, "{o}");
    assert_eq!(reset, "ECONNRESET", "{o}");
    assert!(int(&o, "abort_on_overflow_listen_overflows") >= 1, "{o}");
}

#[test]
fn icmp_echo_decodes_the_reply() {
    let o = run(x::icmp_echo);
    if !ran(&o) {
        return; // neither CAP_NET_RAW nor a gid in ping_group_range (printed)
    }
    let mut all_ok = true;
    for p in ["raw", "dgram"] {
        let k = |what: &str| format!("{p}_{what}");
        if text(&o, &k("socket")) != "ok" {
            assert!(!is_root(), "root, but no {p} ICMP socket: {o}");
            common::skip(format_args!(
                "icmp_echo: no {p} socket here: {}",
                text(&o, &k("socket"))
            ));
            continue;
        }
        let Some(rtt) = o.num(&k("rtt_us")) else {
            all_ok = false; // no reply: recorded as text
            continue;
        };
        assert!(rtt > 0.0, "{o}");
        let want_id = if p == "raw" {
            int(&o, "raw_request_id")
        } else {
            int(&o, "dgram_socket_id")
        };
        all_ok &= int(&o, &k("reply_type")) == 0
            && int(&o, &k("reply_code")) == 0
            && int(&o, &k("reply_id")) == want_id
            && int(&o, &k("reply_seq")) == 1
            && flag(&o, &k("reply_checksum_valid"))
            && flag(&o, &k("reply_payload_intact"));
        if p == "raw" {
            assert_eq!(int(&o, "raw_ip_protocol"), 1, "{o}");
            assert_eq!(int(&o, "raw_ip_header_bytes"), 20, "{o}");
            assert!(flag(&o, "raw_saw_own_request"), "{o}");
        }
    }
    assert_eq!(o.verdict, held_if(all_ok, Verdict::Refuted), "{o}");
    assert_eq!(o.verdict, Verdict::Held, "{o}");
}

#[test]
fn catalogue_names_every_experiment_once() {
    let mut names: Vec<&str> = x::ALL.iter().map(|e| e.name).collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n, "duplicate names");
    for e in x::ALL {
        assert!(x::find(e.name).is_some());
        assert!(x::names().contains(e.name));
    }
    assert!(x::find("no_such_experiment").is_none());
}

#[test]
fn run_all_reports_every_claim_once() {
    let all = no_leak(x::run_all);
    let ids: Vec<&str> = all.iter().map(|o| o.id).collect();
    let names: Vec<&str> = x::ALL.iter().map(|e| e.name).collect();
    assert_eq!(ids, names);
    let table = x::summary_table(&all);
    for o in &all {
        assert!(!matches!(o.verdict, Verdict::Failed(_)), "{o}");
        let block = o.to_string();
        assert!(block.contains(o.id) && block.contains(o.claim), "{block}");
        for (k, v) in o.evidence.iter() {
            assert!(
                block.contains(k) && block.contains(&v.to_string()),
                "{block}"
            );
        }
        assert!(table.contains(o.id), "{table}");
    }
}

/// The JSON report: its structure, typed values, and a verdict per experiment that agrees with
/// its evidence (checked for the experiments whose verdict is a pure function of their figures).
#[test]
fn json_report_is_typed_and_agrees_with_the_evidence() {
    let picked = [
        "udp_truncation",
        "stream_vs_datagram",
        "well_known_ports",
        "tcp_handshake",
    ];
    let outcomes: Vec<Outcome> = picked
        .iter()
        .map(|n| no_leak(x::find(n).unwrap().run))
        .collect();
    // Under the fd lock too: the report's env block reads /proc and /sys files (osrelease,
    // status, cgroup, ping_group_range), fds another test's leak check would count.
    let doc: serde_json::Value = serde_json::from_str(&no_leak(|| x::json(&outcomes))).unwrap();
    assert_eq!(doc["socklab_version"], env!("CARGO_PKG_VERSION"));
    assert!(doc["env"]["kernel"].is_string(), "{doc}");
    assert!(doc["env"]["cpus"].is_u64(), "{doc}");
    let exps = doc["experiments"].as_array().unwrap();
    assert_eq!(exps.len(), picked.len());
    for (j, o) in exps.iter().zip(&outcomes) {
        assert_eq!(j["name"], o.id);
        for field in ["claim", "summary", "method", "verdict"] {
            assert!(j[field].is_string(), "{field}: {j}");
        }
        let verdict = j["verdict"].as_str().unwrap();
        assert!(
            ["held", "nuanced", "refuted", "cannot-run"].contains(&verdict),
            "{verdict}"
        );
        assert_eq!(verdict, o.verdict.as_str());
        let ev = j["evidence"].as_object().unwrap();
        assert_eq!(ev.len(), o.evidence.len());
        for (k, v) in o.evidence.iter() {
            let jv = &ev[k];
            match v {
                Value::Int(n) => assert_eq!(jv.as_i64(), Some(*n), "{k}"),
                Value::Float { value, .. } => assert_eq!(jv.as_f64(), Some(*value), "{k}"),
                Value::Bool(b) => assert_eq!(jv.as_bool(), Some(*b), "{k}"),
                Value::Text(s) => assert_eq!(jv.as_str(), Some(s.as_str()), "{k}"),
                Value::List(l) => assert_eq!(jv.as_array().map(Vec::len), Some(l.len()), "{k}"),
            }
        }
    }
    // Each verdict re-derived from the JSON evidence alone.
    let ev = |i: usize, k: &str| exps[i]["evidence"][k].clone();
    let trunc = ev(0, "kept_bytes") == 1024
        && ev(0, "lost_bytes") == 976
        && ev(0, "recvmsg_msg_trunc") == true
        && ev(0, "recv_msg_trunc_returned") == 2000
        && ev(0, "tcp_intact") == true;
    assert_eq!(exps[0]["verdict"], if trunc { "held" } else { "refuted" });
    let sizes = ev(1, "udp_recv_sizes");
    let svd = ev(1, "tcp_first_recv_bytes") == 30
        && ev(1, "tcp_messages_merged") == true
        && sizes == serde_json::json!([10, 10, 10]);
    assert_eq!(exps[1]["verdict"], if svd { "held" } else { "refuted" });
    let mism = ev(2, "seed_table_mismatches").as_array().unwrap().len();
    assert_eq!(
        exps[2]["verdict"],
        if mism == 0 { "nuanced" } else { "refuted" }
    );
    let hs = if exps[3]["evidence"].get("handshake_tcp_out_segs").is_some() {
        ev(3, "handshake_tcp_out_segs") == 3
    } else {
        ev(3, "client_tcpi_segs_out") == 2
    };
    assert_eq!(exps[3]["verdict"], if hs { "held" } else { "refuted" });
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
        common::skip("capabilities_are_per_thread: the process lacks CAP_NET_RAW");
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
