//! The socket as an endpoint of two-way communication: both directions of one TCP connection at
//! once, a half-close that leaves the other direction open, and one UDP socket that does both.

use std::net::Shutdown;

use crate::sys::{self, SOCK_DGRAM};

use super::claim::{kept, Claim, Evidence, Finding, Record, Res};
use super::sockets::{self, counting_bytes, stream_through};
use super::{Outcome, Verdict};

pub(crate) const CLAIM: Claim = Claim {
    id: "bidirectional",
    claim: "소켓은 두 프로그램 간의 양방향 통신 연결을 위한 엔드포인트 \
            (a socket is the endpoint of a two-way connection between two programs)",
    method: "1 MiB each way over one loopback TCP connection, both directions at the same time \
             (two writer and two reader threads), bytes compared; shutdown(SHUT_WR) on one end, \
             then the other end reads EOF and still sends; one UDP socket that sendto()s and \
             recvfrom()s",
};

/// 양방향 — does one socket carry data both ways, and can one direction close alone?
///
/// Both ends of a TCP connection send 1 MiB while receiving the other's 1 MiB (full duplex).
/// After `shutdown(SHUT_WR)` on the client, the server reads end of file and can still send: the
/// two directions are independent. One UDP socket sends and receives with the same fd.
pub fn bidirectional() -> Outcome {
    CLAIM.run(|e| {
        let both = kept(e, probe_full_duplex()?);
        let half = kept(e, probe_half_close()?);
        let udp = kept(e, probe_udp_both_ways()?);
        Ok(verdict(&both, &half, &udp))
    })
}

/// What 1 MiB each way at the same time over one connection gave.
struct FullDuplex {
    up_bytes: usize,
    down_bytes: usize,
    /// Both directions arrived byte for byte.
    intact: bool,
}

impl Record for FullDuplex {
    fn record(&self, e: &mut Evidence) {
        e.push("client_to_server_bytes", self.up_bytes);
        e.push("server_to_client_bytes", self.down_bytes);
        e.push("both_directions_intact", self.intact);
    }
}

fn probe_full_duplex() -> Res<FullDuplex> {
    const N: usize = 1 << 20;
    let (client, server) = sockets::tcp_pair()?;
    let up = counting_bytes(N);
    let down: Vec<u8> = up.iter().rev().copied().collect();
    let (got_up, got_down) = std::thread::scope(|s| {
        let a = s.spawn(|| stream_through(&client, &server, &up, 64 * 1024, |_| Ok(())));
        let b = s.spawn(|| stream_through(&server, &client, &down, 64 * 1024, |_| Ok(())));
        let join = |h: std::thread::ScopedJoinHandle<'_, sys::Result<Vec<u8>>>| {
            h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
        };
        (join(a), join(b))
    });
    let (got_up, got_down) = (got_up?, got_down?);
    Ok(FullDuplex {
        up_bytes: got_up.len(),
        down_bytes: got_down.len(),
        intact: got_up == up && got_down == down,
    })
}

/// What the server saw after the client's `shutdown(SHUT_WR)`.
struct HalfClose {
    /// The server's `recv` (0: end of file).
    eof: usize,
    /// The server's `send` after it: `ok` or the errno.
    send_after: String,
    /// What the client read back.
    reply: String,
    /// EOF read, the send went through and the client got it.
    independent: bool,
}

impl Record for HalfClose {
    fn record(&self, e: &mut Evidence) {
        e.push("server_recv_after_shut_wr", self.eof);
        e.push("server_send_after_eof", self.send_after.as_str());
        e.push("client_recv_reply", self.reply.as_str());
    }
}

fn probe_half_close() -> Res<HalfClose> {
    let (client, server) = sockets::tcp_pair()?;
    sys::shutdown(&client, Shutdown::Write)?;
    let eof = sys::recv(&server, &mut [0u8; 16][..], 0)?;
    let after = sys::send(&server, b"still open", sys::MSG_NOSIGNAL);
    let mut buf = [0u8; 16];
    let back = sys::recv(&client, &mut buf[..], 0)?;
    Ok(HalfClose {
        eof,
        send_after: sockets::outcome_of(&after),
        reply: String::from_utf8_lossy(&buf[..back]).into_owned(),
        independent: eof == 0 && after.is_ok() && &buf[..back] == b"still open",
    })
}

/// Whether one UDP socket both received a datagram and answered it.
struct UdpBothWays(bool);

impl Record for UdpBothWays {
    fn record(&self, e: &mut Evidence) {
        e.push("udp_one_socket_both_ways", self.0);
    }
}

fn probe_udp_both_ways() -> Res<UdpBothWays> {
    let (a, at_a) = sockets::udp_bound()?;
    let b = sockets::socket(SOCK_DGRAM)?;
    let mut buf = [0u8; 16];
    sys::sendto(&b, b"ping", 0, &at_a)?;
    let (n, from) = sys::recvfrom(&a, &mut buf[..], 0)?;
    let from = from.unwrap_or_else(sys::SockAddr::empty);
    sys::sendto(&a, &buf[..n], 0, &from)?;
    let m = sys::recv(&b, &mut buf[..], 0)?;
    Ok(UdpBothWays(m == 4))
}

/// Held when both directions carried their bytes at once, a half-close left the other
/// direction open, and one UDP socket did both.
fn verdict(both: &FullDuplex, half: &HalfClose, udp: &UdpBothWays) -> Finding {
    let (full_duplex, half, udp_both) = (both.intact, half.independent, udp.0);
    if full_duplex && half && udp_both {
        (
            Verdict::Held,
            "1 MiB went each way at the same time over one connection; after one end's \
             shutdown(SHUT_WR) the other read EOF and still sent; a UDP socket did both"
                .to_owned(),
        )
    } else {
        (
            Verdict::Refuted,
            format!("full duplex: {full_duplex}, half-close: {half}, udp: {udp_both}"),
        )
    }
}
