//! The socket as an endpoint of two-way communication: both directions of one TCP connection at
//! once, a half-close that leaves the other direction open, and one UDP socket that does both.

use std::net::Shutdown;

use crate::sys::{self, SOCK_DGRAM};

use super::env::{self, ev, Claim};
use super::reliability::{counting_bytes, stream_through};
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
    {
        CLAIM.run(|e| {
            const N: usize = 1 << 20;
            let (client, server) = env::tcp_pair()?;
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
            let full_duplex = got_up == up && got_down == down;
            ev(e, "client_to_server_bytes", got_up.len());
            ev(e, "server_to_client_bytes", got_down.len());
            ev(e, "both_directions_intact", full_duplex);

            let (client, server) = env::tcp_pair()?;
            sys::shutdown(&client, Shutdown::Write)?;
            let eof = sys::recv(&server, &mut [0u8; 16][..], 0)?;
            let after = sys::send(&server, b"still open", sys::MSG_NOSIGNAL);
            let mut buf = [0u8; 16];
            let back = sys::recv(&client, &mut buf[..], 0)?;
            let half = eof == 0 && after.is_ok() && &buf[..back] == b"still open";
            ev(e, "server_recv_after_shut_wr", eof);
            ev(e, "server_send_after_eof", env::outcome_of(&after));
            ev(
                e,
                "client_recv_reply",
                String::from_utf8_lossy(&buf[..back]).into_owned(),
            );

            let (a, at_a) = env::udp_bound()?;
            let b = env::socket(SOCK_DGRAM)?;
            sys::sendto(&b, b"ping", 0, &at_a)?;
            let (n, from) = sys::recvfrom(&a, &mut buf[..], 0)?;
            let from = from.unwrap_or_else(sys::SockAddr::empty);
            sys::sendto(&a, &buf[..n], 0, &from)?;
            let m = sys::recv(&b, &mut buf[..], 0)?;
            let udp_both = m == 4;
            ev(e, "udp_one_socket_both_ways", udp_both);

            let (v, summary) = if full_duplex && half && udp_both {
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
            };
            Ok(CLAIM.outcome(v, summary, std::mem::take(e)))
        })
    }
}
