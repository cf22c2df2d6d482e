//! Connection-oriented vs connectionless: the segments of TCP's 3-way handshake counted by the
//! kernel, and UDP's `connect`/`sendto` that put no packet on the wire but the datagram itself.

use std::os::fd::OwnedFd;

use crate::sys::{self, opt::TcpInfo, Errno, SockAddr, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM};

use super::claim::{held_if, kept, Claim, Evidence, Finding, Record, Res};
use super::host::{Counters, Deltas, Netns};
use super::sockets::{self, outcome_of};
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
    HANDSHAKE.run_ns_or_host(|ns, e| {
        let conn = kept(e, probe_connect(ns)?);
        let Connect {
            listener,
            at,
            client,
            server,
            client_segs,
            handshake,
            ..
        } = conn;
        let (Some(ns), Some(handshake)) = (ns, handshake) else {
            return Ok(verdict_tcp_info(client_segs));
        };
        let teardown = kept(e, probe_teardown(ns, client, server, &handshake.after)?);
        kept(e, probe_refused(ns, listener, &at, &teardown.after)?);
        Ok(verdict_counters(&handshake))
    })
}

/// One `connect`/`accept` on loopback: the sockets (kept for the teardown), the client's
/// address before and after, both ends' `TCP_INFO` segment counts, and in a namespace the
/// kernel's counters over it.
struct Connect {
    listener: OwnedFd,
    at: SockAddr,
    client: OwnedFd,
    server: OwnedFd,
    addr_before: String,
    addr_after: String,
    /// `(segs_out, segs_in)` of the client and of the server.
    client_segs: (u32, u32),
    server_segs: (u32, u32),
    handshake: Option<Handshake>,
}

impl Record for Connect {
    fn record(&self, e: &mut Evidence) {
        e.push("client_addr_before_connect", self.addr_before.as_str());
        e.push("client_addr_after_connect", self.addr_after.as_str());
        e.push("client_tcpi_segs_out", self.client_segs.0);
        e.push("client_tcpi_segs_in", self.client_segs.1);
        e.push("server_tcpi_segs_in", self.server_segs.1);
        e.push("server_tcpi_segs_out", self.server_segs.0);
        if let Some(h) = &self.handshake {
            h.deltas.record(e);
        }
    }
}

fn probe_connect(ns: Option<&Netns>) -> Res<Connect> {
    let (listener, at) = sockets::tcp_listener()?;
    let client = sockets::socket(SOCK_STREAM)?;
    let before = sys::getsockname(&client)?;
    let c0 = ns.map(Netns::counters);
    sys::connect(&client, &at)?;
    let server = sys::accept4(&listener, None, SOCK_CLOEXEC)?;
    let c1 = ns.map(Netns::counters);
    let after = sys::getsockname(&client)?;
    let (ci, si) = (
        sys::get_opt(&client, TcpInfo)?.raw,
        sys::get_opt(&server, TcpInfo)?.raw,
    );
    let handshake = c0.zip(c1).map(|(c0, c1)| Handshake {
        deltas: c0.deltas(&c1, &TCP_KEYS),
        after: c1,
    });
    Ok(Connect {
        listener,
        at,
        client,
        server,
        addr_before: before.to_string(),
        addr_after: after.to_string(),
        client_segs: (ci.tcpi_segs_out, ci.tcpi_segs_in),
        server_segs: (si.tcpi_segs_out, si.tcpi_segs_in),
        handshake,
    })
}

/// The handshake in the namespace's own counters, and the counters after it.
struct Handshake {
    deltas: Deltas,
    after: Counters,
}

/// The teardown: the client closes, the server reads end of file and closes.
struct Teardown {
    /// The server's `recv` after the client's close (0: end of file).
    eof: usize,
    out_segs: i64,
    after: Counters,
}

impl Record for Teardown {
    fn record(&self, e: &mut Evidence) {
        e.push("server_recv_after_close", self.eof);
        e.push("teardown_tcp_out_segs", self.out_segs);
    }
}

fn probe_teardown(
    ns: &Netns,
    client: OwnedFd,
    server: OwnedFd,
    before: &Counters,
) -> Res<Teardown> {
    drop(client);
    let eof = sys::recv(&server, &mut [0u8; 16][..], 0)?;
    drop(server);
    let after = ns.counters();
    Ok(Teardown {
        eof,
        out_segs: before.delta(&after, "Tcp.OutSegs"),
        after,
    })
}

/// A connect to the port whose listener is gone: refused with a reset.
struct Refused {
    outcome: String,
    out_segs: i64,
}

impl Record for Refused {
    fn record(&self, e: &mut Evidence) {
        e.push("connect_closed_port", self.outcome.as_str());
        e.push("refused_tcp_out_segs", self.out_segs);
    }
}

fn probe_refused(ns: &Netns, listener: OwnedFd, at: &SockAddr, before: &Counters) -> Res<Refused> {
    drop(listener);
    let probe = sockets::socket(SOCK_STREAM)?;
    let refused = sys::connect(&probe, at);
    let after = ns.counters();
    Ok(Refused {
        outcome: outcome_of(&refused),
        out_segs: before.delta(&after, "Tcp.OutSegs"),
    })
}

/// Without a namespace: held when the client's own `TCP_INFO` shows 2 segments out (SYN, ACK)
/// and 1 in (SYN-ACK).
fn verdict_tcp_info((out, in_): (u32, u32)) -> Finding {
    let summary = format!(
        "per-socket TCP_INFO: the client sent {out} segments (SYN, ACK) and received {in_} \
         (SYN-ACK) before connect() returned — a 3-way exchange; kernel-wide counters not \
         measured"
    );
    (held_if(out == 2 && in_ == 1), summary)
}

/// In a namespace: held when the handshake was exactly 3 segments and one open each way.
fn verdict_counters(handshake: &Handshake) -> Finding {
    let segs = handshake.deltas.get("handshake_tcp_out_segs");
    let opens = (
        handshake.deltas.get("handshake_active_opens"),
        handshake.deltas.get("handshake_passive_opens"),
    );
    let summary = format!(
        "one connect()/accept() = {segs} TCP segments in the namespace's own counters \
         (SYN, SYN-ACK, ACK), ActiveOpens +{}, PassiveOpens +{}",
        opens.0, opens.1
    );
    (held_if(segs == 3 && opens == (1, 1)), summary)
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

const UNBOUND_KEYS: [(&str, &str); 2] = [
    ("sendto_closed_udp_no_ports", "Udp.NoPorts"),
    (
        "sendto_closed_icmp_out_dest_unreachs",
        "Icmp.OutDestUnreachs",
    ),
];

/// 비연결 지향: 연결 수립 과정 없음 — what UDP puts on the wire before its first datagram.
///
/// A UDP `connect` only records the peer: 0 packets. One `send` is 1 datagram, 1 packet. A
/// datagram to a port nobody bound is sent "successfully" (the kernel answers with ICMP port
/// unreachable, counted in `Udp.NoPorts`; a connected socket sees `ECONNREFUSED` on its next
/// `recv`). `listen`/`accept` on UDP: `EOPNOTSUPP`.
pub fn udp_connectionless() -> Outcome {
    CONNECTIONLESS.run_ns_or_host(|ns, e| {
        let first = kept(e, probe_connect_send(ns)?);
        let unbound = kept(e, probe_unbound_port(ns, &first.rx)?);
        let setup = kept(e, probe_listen_accept(&first.rx));
        Ok(verdict_connectionless(&first, &unbound, &setup))
    })
}

/// A UDP `connect` and one `send` to a bound socket (`rx`, kept for the later probes), with
/// the namespace's counters around each.
struct ConnectSend {
    rx: OwnedFd,
    sent: usize,
    got: usize,
    /// The counters over the `connect`, then over the `send`.
    counted: Option<(Deltas, Deltas)>,
}

impl ConnectSend {
    /// `lo` packets sent by the `connect` and by the `send`.
    fn packets(&self) -> Option<(i64, i64)> {
        let (connect, send) = self.counted.as_ref()?;
        Some((
            connect.get("udp_connect_lo_tx_packets"),
            send.get("udp_send_lo_tx_packets"),
        ))
    }
}

impl Record for ConnectSend {
    fn record(&self, e: &mut Evidence) {
        e.push("udp_connected_send_returned", self.sent);
        e.push("udp_peer_recv_returned", self.got);
        if let Some((connect, send)) = &self.counted {
            connect.record(e);
            send.record(e);
        }
    }
}

fn probe_connect_send(ns: Option<&Netns>) -> Res<ConnectSend> {
    let (rx, at) = sockets::udp_bound()?;
    let tx = sockets::socket(SOCK_DGRAM)?;
    let c0 = ns.map(Netns::counters);
    sys::connect(&tx, &at)?;
    let c1 = ns.map(Netns::counters);
    let sent = sys::send(&tx, b"datagram", 0)?;
    let c2 = ns.map(Netns::counters);
    let got = sys::recv(&rx, &mut [0u8; 64][..], 0)?;
    let counted = match (&c0, &c1, &c2) {
        (Some(c0), Some(c1), Some(c2)) => {
            Some((c0.deltas(c1, &CONNECT_KEYS), c1.deltas(c2, &SEND_KEYS)))
        }
        _ => None,
    };
    Ok(ConnectSend {
        rx,
        sent,
        got,
        counted,
    })
}

/// Datagrams to a port nobody has bound: unconnected (`sendto`), then connected (the ICMP
/// error comes back on the next `recv`), and a TCP connect to the same port number.
struct UnboundPort {
    sendto: sys::Result<usize>,
    counted: Option<Deltas>,
    connected_recv: String,
    tcp_connect: String,
}

impl Record for UnboundPort {
    fn record(&self, e: &mut Evidence) {
        e.push("udp_sendto_unbound_port", outcome_of(&self.sendto));
        if let Ok(n) = &self.sendto {
            e.push("udp_sendto_unbound_returned", *n);
        }
        self.counted.record(e);
        e.push(
            "udp_connected_recv_after_icmp",
            self.connected_recv.as_str(),
        );
        e.push("tcp_connect_closed_port", self.tcp_connect.as_str());
    }
}

fn probe_unbound_port(ns: Option<&Netns>, rx: &OwnedFd) -> Res<UnboundPort> {
    // A port nobody has bound: bind one, note it, close it.
    let closed = {
        let (gone, at) = sockets::udp_bound()?;
        drop(gone);
        at
    };
    let c3 = ns.map(Netns::counters);
    let sendto = sys::sendto(rx, b"anyone?", 0, &closed);
    let c4 = ns.map(Netns::counters);
    let counted = c3.zip(c4).map(|(c3, c4)| c3.deltas(&c4, &UNBOUND_KEYS));
    let conn = sockets::socket(SOCK_DGRAM)?;
    sys::connect(&conn, &closed)?;
    sys::send(&conn, b"anyone?", 0)?;
    let later = sys::recv(&conn, &mut [0u8; 64][..], 0);
    let tcp = sockets::socket(SOCK_STREAM)?;
    let tcp_closed = sys::connect(&tcp, &sockets::lo(sockets::port_of(&closed)));
    Ok(UnboundPort {
        sendto,
        counted,
        connected_recv: outcome_of(&later),
        tcp_connect: outcome_of(&tcp_closed),
    })
}

/// `listen` and `accept` on a UDP socket.
struct ListenAccept {
    listen: sys::Result<()>,
    accept: sys::Result<OwnedFd>,
}

impl ListenAccept {
    /// Both refused with `EOPNOTSUPP`: UDP has no connection set-up to offer.
    fn unsupported(&self) -> bool {
        is_eopnotsupp(&self.listen) && is_eopnotsupp(&self.accept)
    }
}

fn is_eopnotsupp<T>(r: &sys::Result<T>) -> bool {
    matches!(r, Err(x) if x.code() == Errno::EOPNOTSUPP)
}

impl Record for ListenAccept {
    fn record(&self, e: &mut Evidence) {
        e.push("udp_listen", outcome_of(&self.listen));
        e.push("udp_accept", outcome_of(&self.accept));
    }
}

fn probe_listen_accept(rx: &OwnedFd) -> ListenAccept {
    ListenAccept {
        listen: sys::listen(rx, 1),
        accept: sys::accept(rx, None),
    }
}

/// Held when `connect` sent 0 packets and the `send` 1 (where counted), the unbound port took
/// the datagram, and listen/accept are not supported.
fn verdict_connectionless(
    first: &ConnectSend,
    unbound: &UnboundPort,
    setup: &ListenAccept,
) -> Finding {
    let no_setup = setup.unsupported() && unbound.sendto.is_ok();
    match first.packets() {
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
    }
}
