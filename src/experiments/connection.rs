//! Connection-oriented vs connectionless: the segments of TCP's 3-way handshake counted by the
//! kernel, and UDP's `connect`/`sendto` that put no packet on the wire but the datagram itself.

use crate::sys::{self, opt::TcpInfo, Errno, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM};

use super::env::{self, ev, Claim, Netns, Res};
use super::{Outcome, Verdict};

pub(crate) const HANDSHAKE: Claim = Claim {
    id: "tcp_handshake",
    claim: "연결 지향: 3-way handshake로 연결 수립 \
            (TCP is connection-oriented: a 3-way handshake sets the connection up)",
    method: "in a fresh network namespace, /proc/net/snmp Tcp counters before and after one \
             connect()/accept() on 127.0.0.1 (nothing else runs there), then after close(); \
             the client's address before and after connect(); TCP_INFO segs_in/segs_out of both sockets; without a namespace, TCP_INFO alone",
};

const TCP_KEYS: [(&str, &str); 5] = [
    ("handshake_active_opens", "Tcp.ActiveOpens"),
    ("handshake_passive_opens", "Tcp.PassiveOpens"),
    ("handshake_tcp_out_segs", "Tcp.OutSegs"),
    ("handshake_tcp_in_segs", "Tcp.InSegs"),
    ("handshake_lo_tx_packets", "lo.tx_packets"),
];

/// 연결 지향: 3-way handshake — count the segments one `connect`/`accept` puts on the wire.
///
/// In a network namespace of its own (root), the kernel's `Tcp.OutSegs` grows by exactly the
/// handshake's segments (SYN, SYN-ACK, ACK = 3) and `ActiveOpens`/`PassiveOpens` by one each.
/// Without one, the per-socket `TCP_INFO` counts (client: 2 out, 1 in) are the weaker figure.
/// Also counted: the teardown after `close`, and the 2 segments (SYN, RST) of a refused connect.
pub fn tcp_handshake() -> Outcome {
    HANDSHAKE.run_ns_or_host(handshake)
}

fn handshake(ns: Option<&Netns>, e: &mut env::Evidence) -> Res<Outcome> {
    let (lst, at) = env::tcp_listener()?;
    let client = env::socket(SOCK_STREAM)?;
    let before = sys::getsockname(&client)?;
    let c0 = ns.map(Netns::counters);
    sys::connect(&client, &at)?;
    let server = sys::accept4(&lst, None, SOCK_CLOEXEC)?;
    let c1 = ns.map(Netns::counters);
    ev(e, "client_addr_before_connect", before.to_string());
    ev(
        e,
        "client_addr_after_connect",
        sys::getsockname(&client)?.to_string(),
    );
    let (ci, si) = (
        sys::get_opt(&client, TcpInfo)?.raw,
        sys::get_opt(&server, TcpInfo)?.raw,
    );
    ev(e, "client_tcpi_segs_out", ci.tcpi_segs_out);
    ev(e, "client_tcpi_segs_in", ci.tcpi_segs_in);
    ev(e, "server_tcpi_segs_in", si.tcpi_segs_in);
    ev(e, "server_tcpi_segs_out", si.tcpi_segs_out);

    let Some((c0, c1, ns)) = c0.zip(c1).zip(ns).map(|((a, b), n)| (a, b, n)) else {
        let held = ci.tcpi_segs_out == 2 && ci.tcpi_segs_in == 1;
        let summary = format!(
            "per-socket TCP_INFO: the client sent {} segments (SYN, ACK) and received {} \
             (SYN-ACK) before connect() returned — a 3-way exchange; kernel-wide counters not \
             measured",
            ci.tcpi_segs_out, ci.tcpi_segs_in
        );
        let v = if held {
            Verdict::Held
        } else {
            Verdict::Refuted
        };
        return Ok(HANDSHAKE.outcome(v, summary, std::mem::take(e)));
    };
    c0.record(&c1, e, &TCP_KEYS);
    let segs = c0.delta(&c1, "Tcp.OutSegs");
    let opens = (
        c0.delta(&c1, "Tcp.ActiveOpens"),
        c0.delta(&c1, "Tcp.PassiveOpens"),
    );

    // Teardown: the client closes, the server reads EOF and closes.
    drop(client);
    let eof = sys::recv(&server, &mut [0u8; 16][..], 0)?;
    drop(server);
    let c2 = ns.counters();
    ev(e, "server_recv_after_close", eof);
    ev(e, "teardown_tcp_out_segs", c1.delta(&c2, "Tcp.OutSegs"));

    // A refused connect: the listener is gone, its port answers with RST.
    drop(lst);
    let probe = env::socket(SOCK_STREAM)?;
    let refused = sys::connect(&probe, &at);
    let c3 = ns.counters();
    ev(e, "connect_closed_port", env::outcome_of(&refused));
    ev(e, "refused_tcp_out_segs", c2.delta(&c3, "Tcp.OutSegs"));

    let held = segs == 3 && opens == (1, 1);
    let summary = format!(
        "one connect()/accept() = {segs} TCP segments in the namespace's own counters \
         (SYN, SYN-ACK, ACK), ActiveOpens +{}, PassiveOpens +{}",
        opens.0, opens.1
    );
    let v = if held {
        Verdict::Held
    } else {
        Verdict::Refuted
    };
    Ok(HANDSHAKE.outcome(v, summary, std::mem::take(e)))
}

pub(crate) const CONNECTIONLESS: Claim = Claim {
    id: "udp_connectionless",
    claim: "비연결 지향: 연결 수립 과정 없음 \
            (UDP is connectionless: no connection set-up)",
    method: "in a fresh network namespace, /proc/net/snmp and lo packet counters around a UDP \
             connect() and one send(); sendto() a port nobody has bound; listen()/accept() on \
             a UDP socket; without a namespace, the errnos and return values alone",
};

const CONNECT_KEYS: [(&str, &str); 4] = [
    ("udp_connect_lo_tx_packets", "lo.tx_packets"),
    ("udp_connect_tcp_out_segs", "Tcp.OutSegs"),
    ("udp_connect_out_datagrams", "Udp.OutDatagrams"),
    ("udp_connect_in_datagrams", "Udp.InDatagrams"),
];

const SEND_KEYS: [(&str, &str); 4] = [
    ("udp_send_lo_tx_packets", "lo.tx_packets"),
    ("udp_send_tcp_out_segs", "Tcp.OutSegs"),
    ("udp_send_out_datagrams", "Udp.OutDatagrams"),
    ("udp_send_in_datagrams", "Udp.InDatagrams"),
];

/// 비연결 지향: 연결 수립 과정 없음 — what UDP puts on the wire before its first datagram.
///
/// A UDP `connect` only records the peer: 0 packets. One `send` is 1 datagram, 1 packet. A
/// datagram to a port nobody bound is sent "successfully" (the kernel answers with ICMP port
/// unreachable, counted in `Udp.NoPorts`; a connected socket sees `ECONNREFUSED` on its next
/// `recv`). `listen`/`accept` on UDP: `EOPNOTSUPP`.
pub fn udp_connectionless() -> Outcome {
    CONNECTIONLESS.run_ns_or_host(connectionless)
}

fn connectionless(ns: Option<&Netns>, e: &mut env::Evidence) -> Res<Outcome> {
    let (rx, at) = env::udp_bound()?;
    let tx = env::socket(SOCK_DGRAM)?;
    let c0 = ns.map(Netns::counters);
    sys::connect(&tx, &at)?;
    let c1 = ns.map(Netns::counters);
    let sent = sys::send(&tx, b"datagram", 0)?;
    let c2 = ns.map(Netns::counters);
    let got = sys::recv(&rx, &mut [0u8; 64][..], 0)?;
    ev(e, "udp_connected_send_returned", sent);
    ev(e, "udp_peer_recv_returned", got);
    let mut packets = None;
    if let (Some(c0), Some(c1), Some(c2)) = (&c0, &c1, &c2) {
        c0.record(c1, e, &CONNECT_KEYS);
        c1.record(c2, e, &SEND_KEYS);
        packets = Some((c0.delta(c1, "lo.tx_packets"), c1.delta(c2, "lo.tx_packets")));
    }

    // A port nobody has bound: bind one, note it, close it.
    let closed = {
        let (gone, at) = env::udp_bound()?;
        drop(gone);
        at
    };
    let c3 = ns.map(Netns::counters);
    let to_closed = sys::sendto(&rx, b"anyone?", 0, &closed);
    let c4 = ns.map(Netns::counters);
    ev(e, "udp_sendto_unbound_port", env::outcome_of(&to_closed));
    if let Ok(n) = &to_closed {
        ev(e, "udp_sendto_unbound_returned", *n);
    }
    if let (Some(c3), Some(c4)) = (&c3, &c4) {
        c3.record(
            c4,
            e,
            &[
                ("sendto_closed_udp_no_ports", "Udp.NoPorts"),
                (
                    "sendto_closed_icmp_out_dest_unreachs",
                    "Icmp.OutDestUnreachs",
                ),
            ],
        );
    }
    let conn = env::socket(SOCK_DGRAM)?;
    sys::connect(&conn, &closed)?;
    sys::send(&conn, b"anyone?", 0)?;
    let later = sys::recv(&conn, &mut [0u8; 64][..], 0);
    ev(e, "udp_connected_recv_after_icmp", env::outcome_of(&later));
    let tcp = env::socket(SOCK_STREAM)?;
    let tcp_closed = sys::connect(&tcp, &env::lo(env::port_of(&closed)));
    ev(e, "tcp_connect_closed_port", env::outcome_of(&tcp_closed));
    let listen = sys::listen(&rx, 1);
    let accept = sys::accept(&rx, None);
    ev(e, "udp_listen", env::outcome_of(&listen));
    ev(e, "udp_accept", env::outcome_of(&accept));

    let no_setup = matches!(&listen, Err(x) if x.code() == Errno::EOPNOTSUPP)
        && matches!(&accept, Err(x) if x.code() == Errno::EOPNOTSUPP)
        && to_closed.is_ok();
    let (v, summary) = match packets {
        Some((0, 1)) if no_setup => (
            Verdict::Held,
            "UDP connect() put 0 packets on the wire and the first send() exactly 1; a \
             datagram to an unbound port was 'sent' all the same; listen/accept: EOPNOTSUPP"
                .to_owned(),
        ),
        Some((c, s)) => (
            Verdict::Refuted,
            format!("UDP connect() sent {c} packets and send() {s} (expected 0 and 1)"),
        ),
        None if no_setup => (
            Verdict::Held,
            "UDP sent to an unbound port without error and has no listen/accept \
             (EOPNOTSUPP); packet counts not measured without a namespace"
                .to_owned(),
        ),
        None => (
            Verdict::Refuted,
            "UDP behaved as if it had a connection set-up".to_owned(),
        ),
    };
    Ok(CONNECTIONLESS.outcome(v, summary, std::mem::take(e)))
}
