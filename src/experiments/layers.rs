//! Layers: what the socket API shows of each layer — one UDP datagram read at layer 4 (payload),
//! layer 3 (`SOCK_RAW`: IP header) and layer 2 (`AF_PACKET`: Ethernet header), and the privilege
//! the lower two need.

use std::os::fd::OwnedFd;

use crate::sys::{self, ns, opt, Errno, AF_INET, IPPROTO_UDP, SOCK_CLOEXEC};
use crate::sys::{SOCK_DGRAM, SOCK_RAW, SOCK_STREAM};

use super::env::{self, ev, Claim, Evidence, Netns, Res};
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
    LAYERS.run_ns_or_host(measure)
}

/// A socket that fails like C's `socket()` would, for the evidence.
fn try_socket(domain: i32, ty: i32, protocol: i32) -> sys::Result<OwnedFd> {
    sys::socket(domain, ty | SOCK_CLOEXEC, protocol)
}

/// `ETH_P_IP` in network byte order, as `AF_PACKET`'s protocol argument wants it.
fn eth_p_ip() -> i32 {
    i32::from((libc::ETH_P_IP as u16).to_be())
}

fn measure(ns: Option<&Netns>, e: &mut Evidence) -> Res<Outcome> {
    // Layer 4: the socket type picks the transport protocol.
    let stream = env::socket(SOCK_STREAM)?;
    let dgram = env::socket(SOCK_DGRAM)?;
    let p_stream = sys::get_opt(&stream, opt::SoProtocol)?;
    let p_dgram = sys::get_opt(&dgram, opt::SoProtocol)?;
    ev(e, "l4_so_protocol_stream", p_stream);
    ev(e, "l4_so_protocol_dgram", p_dgram);
    let mismatch = try_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP);
    ev(e, "l4_stream_with_ipproto_udp", env::outcome_of(&mismatch));

    // Layer 3: an IP option on an ordinary socket.
    sys::set_opt(&dgram, opt::IpTtl, 7)?;
    let ttl = sys::get_opt(&dgram, opt::IpTtl)?;
    ev(e, "l3_ip_ttl_read_back", ttl);

    // Above layer 4: kernel TLS is the one upper-layer protocol Linux can run inside a TCP
    // socket (an "upper layer protocol" option), when built with CONFIG_TLS.
    let (tcp_a, _tcp_b) = env::tcp_pair()?;
    let ktls = sys::set_opt(&tcp_a, opt::TcpUlp, "tls".to_owned());
    ev(e, "l5_7_tcp_ulp_tls", env::outcome_of(&ktls));

    // Privilege: raw and packet sockets without CAP_NET_RAW.
    let (raw_u, pkt_u) = env::without_cap(ns::CAP_NET_RAW, || {
        (
            try_socket(AF_INET, SOCK_RAW, libc::IPPROTO_ICMP).map(drop),
            try_socket(libc::AF_PACKET, SOCK_RAW, eth_p_ip()).map(drop),
        )
    })?;
    ev(e, "l3_raw_without_cap_net_raw", env::outcome_of(&raw_u));
    ev(e, "l2_packet_without_cap_net_raw", env::outcome_of(&pkt_u));
    let eperm = |r: &sys::Result<()>| matches!(r, Err(x) if x.code() == Errno::EPERM);
    let gated = eperm(&raw_u) && eperm(&pkt_u);

    // One datagram seen at three layers (needs CAP_NET_RAW, and a namespace so no other
    // process's packets show up).
    let views = match (ns, ns::has_effective(ns::CAP_NET_RAW)?) {
        (Some(_), true) => Some(three_views(&dgram, e)?),
        (None, _) => {
            ev(e, "three_views", "not run: no private namespace");
            None
        }
        (_, false) => {
            ev(e, "three_views", "not run: the process lacks CAP_NET_RAW");
            None
        }
    };

    let l4 = p_stream == libc::IPPROTO_TCP && p_dgram == IPPROTO_UDP;
    let (v, summary) = match views {
        _ if !l4 || ttl != 7 => (
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
            env::outcome_of(&ktls)
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
    };
    Ok(LAYERS.outcome(v, summary, std::mem::take(e)))
}

/// Sends one 10-byte datagram with TTL 7 (set on `tx`) and reads it at layers 4, 3 and 2;
/// returns the three sizes.
fn three_views(tx: &OwnedFd, e: &mut Evidence) -> sys::Result<(usize, usize, usize)> {
    const PAYLOAD: &[u8; 10] = b"layer-test";
    let raw = try_socket(AF_INET, SOCK_RAW, IPPROTO_UDP)?;
    let pkt = try_socket(libc::AF_PACKET, SOCK_RAW, eth_p_ip())?;
    let (rx, at) = env::udp_bound()?;
    sys::sendto(tx, PAYLOAD, 0, &at)?;
    // The frame that carries our payload, among whatever else the socket saw.
    let ours = |fd: &OwnedFd| -> sys::Result<Vec<u8>> {
        let all = env::drain(fd, 2048, 1000)?;
        Ok(all
            .into_iter()
            .find(|f| f.ends_with(PAYLOAD))
            .unwrap_or_default())
    };
    let l4 = ours(&rx)?;
    let l3 = ours(&raw)?;
    let l2 = ours(&pkt)?;
    ev(e, "l4_view_bytes", l4.len());
    ev(e, "l3_view_bytes", l3.len());
    if l3.len() >= 20 {
        ev(e, "l3_ip_version", l3[0] >> 4);
        ev(e, "l3_ip_header_bytes", (l3[0] & 0xf) * 4);
        ev(e, "l3_ip_ttl", l3[8]);
        ev(e, "l3_ip_protocol", l3[9]);
    }
    ev(e, "l2_view_bytes", l2.len());
    if l2.len() >= 14 {
        ev(e, "l2_ethertype", u16::from_be_bytes([l2[12], l2[13]]));
    }
    Ok((l4.len(), l3.len(), l2.len()))
}
