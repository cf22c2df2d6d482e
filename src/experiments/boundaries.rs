//! Stream vs datagram: whether the receiver sees the sender's message boundaries (TCP: no, bytes
//! merge; UDP: yes, one `recv` per datagram, and a short buffer truncates instead of splitting).

use crate::sys::{self, Errno, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC};

use super::env::{self, ev, Claim};
use super::{Outcome, Verdict};

pub(crate) const CLAIM: Claim = Claim {
    id: "stream_vs_datagram",
    claim: "데이터 경계: TCP 스트림 방식 / UDP 데이터그램 방식 \
            (data boundaries: TCP is a byte stream, UDP keeps datagrams)",
    method: "3 send()s of 10 bytes on a loopback TCP connection, wait until all 30 bytes are \
             queued (MSG_PEEK), then one recv(1024); the same 3 sendto()s on UDP, then \
             recv(1024) until EAGAIN; plus one 10-byte datagram read into a 4-byte buffer",
};

const MESSAGES: [&[u8; 10]; 3] = [b"message-1.", b"message-2.", b"message-3."];

/// 데이터 경계 — does one `recv` return what one `send` sent?
///
/// TCP: three 10-byte `send`s, then a single `recv(1024)` once all 30 bytes are queued: it returns
/// 30, the three messages merged (the claim "stream" holds when it does). UDP: the same three
/// `sendto`s give exactly three `recv`s of 10 bytes each. A 10-byte datagram read into a 4-byte
/// buffer with `MSG_TRUNC` reports 10 and copies 4; the other 6 are gone, never split off.
pub fn stream_vs_datagram() -> Outcome {
    {
        CLAIM.run(|e| {
            // TCP: a byte stream.
            let (client, server) = env::tcp_pair()?;
            for m in MESSAGES {
                env::send_all(&client, m)?;
            }
            let mut buf = [0u8; 1024];
            let mut queued = 0;
            for _ in 0..100 {
                if !env::readable(&server, 10)? {
                    continue;
                }
                queued = sys::recv(&server, &mut buf[..], MSG_PEEK | MSG_DONTWAIT)?;
                if queued >= 30 {
                    break;
                }
            }
            let first = sys::recv(&server, &mut buf[..], 0)?;
            let merged = &buf[..first] == b"message-1.message-2.message-3.";
            ev(e, "tcp_send_calls", 3);
            ev(e, "tcp_bytes_queued", queued);
            ev(e, "tcp_first_recv_bytes", first);
            ev(e, "tcp_messages_merged", merged);

            // UDP: datagrams.
            let (rx, at) = env::udp_bound()?;
            let (tx, _) = env::udp_bound()?;
            for m in MESSAGES {
                sys::sendto(&tx, m, 0, &at)?;
            }
            let got = env::drain(&rx, 1024, 1000)?;
            let sizes: Vec<usize> = got.iter().map(Vec::len).collect();
            let intact = got.iter().zip(MESSAGES).all(|(g, m)| g == m);
            ev(e, "udp_sendto_calls", 3);
            ev(e, "udp_recv_calls", got.len());
            ev(e, "udp_recv_sizes", sizes.clone());
            ev(e, "udp_intact_in_order", intact);

            // UDP: a short buffer truncates the datagram, it does not split it.
            sys::sendto(&tx, MESSAGES[0], 0, &at)?;
            env::readable(&rx, 1000)?;
            let mut small = [0u8; 4];
            let reported = sys::recv(&rx, &mut small[..], MSG_TRUNC)?;
            let rest = sys::recv(&rx, &mut buf[..], MSG_DONTWAIT);
            let rest_gone = matches!(&rest, Err(err) if err.code() == Errno::EAGAIN);
            ev(e, "udp_recv4_trunc_returned", reported);
            ev(e, "udp_recv4_buffer", String::from_utf8_lossy(&small).into_owned());
            ev(e, "udp_next_recv", env::outcome_of(&rest));

            let stream = first == 30 && merged;
            let dgram = sizes == [10, 10, 10] && intact && reported == 10 && rest_gone;
            let (verdict, summary) = match (stream, dgram) {
                (true, true) => (
                    Verdict::Held,
                    "TCP returned 3 sends as one 30-byte recv (no boundaries); UDP returned exactly \
                     3 recvs of 10 bytes, and truncated rather than split a datagram"
                        .to_owned(),
                ),
                (false, true) => (
                    Verdict::Nuanced,
                    format!(
                        "UDP kept the 3 datagrams; TCP's first recv returned {first} bytes, so this \
                         run did not show the merge (a stream may still deliver in pieces)"
                    ),
                ),
                _ => (
                    Verdict::Refuted,
                    format!("UDP recv sizes were {sizes:?}, not 3 × 10; TCP first recv {first}"),
                ),
            };
            Ok(CLAIM.outcome(verdict, summary, std::mem::take(e)))
        })
    }
}
