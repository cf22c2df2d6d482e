//! Layers: what the socket API shows of each layer — one UDP datagram read at layer 4 (payload),
//! layer 3 (`SOCK_RAW`: IP header) and layer 2 (`AF_PACKET`: Ethernet header), and the privilege
//! the lower two need.

use std::os::fd::OwnedFd;

use crate::sys::{self, ns, opt, Errno, AF_INET, IPPROTO_UDP, SOCK_CLOEXEC};
use crate::sys::{SOCK_DGRAM, SOCK_RAW, SOCK_STREAM};

use super::claim::{kept, Claim, Evidence, Finding, Record, Res};
use super::host::{self, Netns};
use super::sockets::{self, outcome_of};
use super::{Outcome, Verdict};

pub(crate) const LAYERS: Claim = Claim {
    id: "layers",
    claim: "OSI 7계층: L4 전송(TCP, UDP), L3 네트워크(IP, ICMP), L2 데이터 링크(Ethernet, MAC) … \
            (network communication is split into the 7 OSI layers)",
    method: "SO_PROTOCOL of SOCK_STREAM/SOCK_DGRAM; IP_TTL set and read at level IPPROTO_IP; in \
             a fresh namespace, one 10-byte UDP datagram with TTL 7 read by a UDP socket, a \
             SOCK_RAW/IPPROTO_UDP socket and an AF_PACKET socket (sizes, IP version, TTL, \
             protocol, EtherType); SOCK_RAW and AF_PACKET by a thread without CAP_NET_RAW; \
             TCP_ULP \"tls\" on a connected TCP socket",
};

/// OSI 7계층 — which layers a program can reach through sockets, measured on one datagram.
///
/// Layer 4 is the socket type (`SOCK_STREAM` is TCP, `SOCK_DGRAM` UDP: `SO_PROTOCOL` says so);
/// layer 3 has options (`IP_TTL`) and, with `CAP_NET_RAW`, raw sockets that show the IP header;
/// layer 2 shows up in `AF_PACKET` sockets (also `CAP_NET_RAW`). The same 10-byte datagram reads
/// as 10 bytes, then 38 (20 IP + 8 UDP + 10), then 52 (+ 14 Ethernet). Layers 5–7 (sessions,
/// TLS, HTTP) have no socket of their own: they are the application's bytes (kernel TLS, where
/// built in, is an option of a TCP socket: `TCP_ULP` "tls", recorded too).
pub fn layers() -> Outcome {
    LAYERS.run_ns_or_host(|ns, e| {
        let l4 = kept(e, probe_l4()?);
        let ttl = kept(e, probe_ttl(&l4.dgram)?);
        let ktls = kept(e, probe_ktls()?);
        let gate = kept(e, probe_privilege()?);
        let views = kept(e, probe_views(ns, &l4.dgram)?);
        Ok(verdict(&l4, &ttl, &ktls, &gate, &views))
    })
}

/// A socket that fails like C's `socket()` would, for the evidence.
fn try_socket(domain: i32, ty: i32, protocol: i32) -> sys::Result<OwnedFd> {
    sys::socket(domain, ty | SOCK_CLOEXEC, protocol)
}

/// `ETH_P_IP` in network byte order, as `AF_PACKET`'s protocol argument wants it.
fn eth_p_ip() -> i32 {
    i32::from((libc::ETH_P_IP as u16).to_be())
}

/// Layer 4: the socket type picks the transport protocol. The datagram socket is kept: the
/// next probes set its TTL and send on it.
struct TransportLayer {
    dgram: OwnedFd,
    /// `SO_PROTOCOL` of a stream and of a datagram socket.
    stream_protocol: i32,
    dgram_protocol: i32,
    /// A stream socket asked for UDP: `ok` or the errno.
    mismatch: String,
}

impl Record for TransportLayer {
    fn record(&self, e: &mut Evidence) {
        e.push("l4_so_protocol_stream", self.stream_protocol);
        e.push("l4_so_protocol_dgram", self.dgram_protocol);
        e.push("l4_stream_with_ipproto_udp", self.mismatch.as_str());
    }
}

fn probe_l4() -> Res<TransportLayer> {
    let stream = sockets::socket(SOCK_STREAM)?;
    let dgram = sockets::socket(SOCK_DGRAM)?;
    let stream_protocol = sys::get_opt(&stream, opt::SoProtocol)?;
    let dgram_protocol = sys::get_opt(&dgram, opt::SoProtocol)?;
    let mismatch = try_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP);
    Ok(TransportLayer {
        dgram,
        stream_protocol,
        dgram_protocol,
        mismatch: outcome_of(&mismatch),
    })
}

/// Layer 3: `IP_TTL` set to 7 on an ordinary socket, read back.
struct IpTtl(u32);

impl Record for IpTtl {
    fn record(&self, e: &mut Evidence) {
        e.push("l3_ip_ttl_read_back", self.0);
    }
}

fn probe_ttl(dgram: &OwnedFd) -> Res<IpTtl> {
    sys::set_opt(dgram, opt::IpTtl, 7)?;
    Ok(IpTtl(sys::get_opt(dgram, opt::IpTtl)?))
}

/// Above layer 4: kernel TLS is the one upper-layer protocol Linux can run inside a TCP socket
/// (an "upper layer protocol" option), when built with `CONFIG_TLS`. `ok` or the errno.
struct KernelTls(String);

impl Record for KernelTls {
    fn record(&self, e: &mut Evidence) {
        e.push("l5_7_tcp_ulp_tls", self.0.as_str());
    }
}

fn probe_ktls() -> Res<KernelTls> {
    let (tcp_a, _tcp_b) = sockets::tcp_pair()?;
    let ktls = sys::set_opt(&tcp_a, opt::TcpUlp, "tls".to_owned());
    Ok(KernelTls(outcome_of(&ktls)))
}

/// Raw (L3) and packet (L2) sockets opened by a thread without `CAP_NET_RAW`.
struct Privilege {
    raw: sys::Result<()>,
    packet: sys::Result<()>,
}

impl Privilege {
    /// Both refused with `EPERM`: the lower layers need the capability.
    fn gated(&self) -> bool {
        let eperm = |r: &sys::Result<()>| matches!(r, Err(x) if x.code() == Errno::EPERM);
        eperm(&self.raw) && eperm(&self.packet)
    }
}

impl Record for Privilege {
    fn record(&self, e: &mut Evidence) {
        e.push("l3_raw_without_cap_net_raw", outcome_of(&self.raw));
        e.push("l2_packet_without_cap_net_raw", outcome_of(&self.packet));
    }
}

fn probe_privilege() -> Res<Privilege> {
    let (raw, packet) = host::without_cap(ns::CAP_NET_RAW, || {
        (
            try_socket(AF_INET, SOCK_RAW, libc::IPPROTO_ICMP).map(drop),
            try_socket(libc::AF_PACKET, SOCK_RAW, eth_p_ip()).map(drop),
        )
    })?;
    Ok(Privilege { raw, packet })
}

/// One datagram seen at three layers (needs `CAP_NET_RAW`, and a namespace so no other
/// process's packets show up), or why it was not.
enum Views {
    Seen(ThreeViews),
    NotRun(&'static str),
}

impl Record for Views {
    fn record(&self, e: &mut Evidence) {
        match self {
            Views::Seen(v) => v.record(e),
            Views::NotRun(why) => e.push("three_views", *why),
        }
    }
}

fn probe_views(ns: Option<&Netns>, dgram: &OwnedFd) -> Res<Views> {
    Ok(match (ns, ns::has_effective(ns::CAP_NET_RAW)?) {
        (Some(_), true) => Views::Seen(three_views(dgram)?),
        (None, _) => Views::NotRun("not run: no private namespace"),
        (_, false) => Views::NotRun("not run: the process lacks CAP_NET_RAW"),
    })
}

/// A 10-byte datagram as read at layer 4 (a UDP socket), 3 (`SOCK_RAW`) and 2 (`AF_PACKET`).
struct ThreeViews {
    l4: Vec<u8>,
    l3: Vec<u8>,
    l2: Vec<u8>,
}

impl ThreeViews {
    fn sizes(&self) -> (usize, usize, usize) {
        (self.l4.len(), self.l3.len(), self.l2.len())
    }
}

impl Record for ThreeViews {
    fn record(&self, e: &mut Evidence) {
        let (l3, l2) = (&self.l3, &self.l2);
        e.push("l4_view_bytes", self.l4.len());
        e.push("l3_view_bytes", l3.len());
        if l3.len() >= 20 {
            e.push("l3_ip_version", l3[0] >> 4);
            e.push("l3_ip_header_bytes", (l3[0] & 0xf) * 4);
            e.push("l3_ip_ttl", l3[8]);
            e.push("l3_ip_protocol", l3[9]);
        }
        e.push("l2_view_bytes", l2.len());
        if l2.len() >= 14 {
            e.push("l2_ethertype", u16::from_be_bytes([l2[12], l2[13]]));
        }
    }
}

/// Sends one 10-byte datagram with TTL 7 (set on `tx`) and reads it at layers 4, 3 and 2.
fn three_views(tx: &OwnedFd) -> sys::Result<ThreeViews> {
    const PAYLOAD: &[u8; 10] = b"layer-test";
    let raw = try_socket(AF_INET, SOCK_RAW, IPPROTO_UDP)?;
    let pkt = try_socket(libc::AF_PACKET, SOCK_RAW, eth_p_ip())?;
    let (rx, at) = sockets::udp_bound()?;
    sys::sendto(tx, PAYLOAD, 0, &at)?;
    // The frame that carries our payload, among whatever else the socket saw.
    let ours = |fd: &OwnedFd| -> sys::Result<Vec<u8>> {
        let all = sockets::drain(fd, 2048, 1000)?;
        Ok(all
            .into_iter()
            .find(|f| f.ends_with(PAYLOAD))
            .unwrap_or_default())
    };
    Ok(ThreeViews {
        l4: ours(&rx)?,
        l3: ours(&raw)?,
        l2: ours(&pkt)?,
    })
}

/// Nuanced in every run that measures: sockets reach layers 4, 3 and 2 (the lower two with
/// `CAP_NET_RAW`), none of 5–7; refuted when the socket type did not pick TCP/UDP or `IP_TTL`
/// did not stick.
fn verdict(
    l4: &TransportLayer,
    ttl: &IpTtl,
    ktls: &KernelTls,
    gate: &Privilege,
    views: &Views,
) -> Finding {
    let l4_ok = l4.stream_protocol == libc::IPPROTO_TCP && l4.dgram_protocol == IPPROTO_UDP;
    let gated = gate.gated();
    let sizes = match views {
        Views::Seen(v) => Some(v.sizes()),
        Views::NotRun(_) => None,
    };
    match sizes {
        _ if !l4_ok || ttl.0 != 7 => (
            Verdict::Refuted,
            "the socket type did not map to TCP/UDP, or IP_TTL did not stick".to_owned(),
        ),
        Some((10, 38, 52)) if gated => (
            Verdict::Nuanced,
            format!(
                "Linux sockets reach L4 (type → TCP/UDP, 10 B payload), L3 (IP_TTL; SOCK_RAW shows \
             the 20 B IP header: 38 B) and L2 (AF_PACKET adds 14 B Ethernet: 52 B), the last two \
             only with CAP_NET_RAW (else EPERM); L5–L7 have no socket of their own: \
             they are the application's bytes (kernel TLS via TCP_ULP: {}), so the kernel \
             implements TCP/IP's layers, not OSI's seven",
                ktls.0
            ),
        ),
        Some((a, b, c)) => (
            Verdict::Nuanced,
            format!(
                "layer views measured {a} / {b} / {c} bytes; raw/packet gated by EPERM: {gated}"
            ),
        ),
        None => (
            Verdict::Nuanced,
            format!(
                "the socket type selects the L4 protocol, IP_TTL is an L3 option, and raw (L3) \
                 and packet (L2) sockets need CAP_NET_RAW (EPERM without: {gated}); the three \
                 header views were not measured"
            ),
        ),
    }
}
