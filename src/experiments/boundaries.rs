//! Stream vs datagram: whether the receiver sees the sender's message boundaries (TCP: no, bytes
//! merge; UDP: yes, one `recv` per datagram, and a short buffer truncates instead of splitting).

use crate::sys::{self, Errno, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC};

use super::claim::{kept, Claim, Evidence, Finding, Record, Res};
use super::sockets;
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
    CLAIM.run(|e| {
        let tcp = kept(e, probe_tcp()?);
        let udp = kept(e, probe_udp()?);
        Ok(verdict(&tcp, &udp))
    })
}

/// Three sends on a TCP connection, read with one `recv(1024)`.
struct TcpStream {
    /// Bytes queued at the receiver before it read.
    queued: usize,
    /// What the one `recv` returned.
    first: usize,
    /// It returned the three messages as one.
    merged: bool,
}

impl Record for TcpStream {
    fn record(&self, e: &mut Evidence) {
        e.push("tcp_send_calls", 3);
        e.push("tcp_bytes_queued", self.queued);
        e.push("tcp_first_recv_bytes", self.first);
        e.push("tcp_messages_merged", self.merged);
    }
}

fn probe_tcp() -> Res<TcpStream> {
    let (client, server) = sockets::tcp_pair()?;
    for m in MESSAGES {
        sockets::send_all(&client, m)?;
    }
    let mut buf = [0u8; 1024];
    let mut queued = 0;
    for _ in 0..100 {
        if !sockets::readable(&server, 10)? {
            continue;
        }
        queued = sys::recv(&server, &mut buf[..], MSG_PEEK | MSG_DONTWAIT)?;
        if queued >= 30 {
            break;
        }
    }
    let first = sys::recv(&server, &mut buf[..], 0)?;
    Ok(TcpStream {
        queued,
        first,
        merged: &buf[..first] == b"message-1.message-2.message-3.",
    })
}

/// The same three sends as datagrams, then one datagram read into a 4-byte buffer.
struct UdpDatagrams {
    /// The size of each `recv`, in order.
    sizes: Vec<usize>,
    /// Each datagram arrived whole, in order.
    intact: bool,
    /// `recv(4, MSG_TRUNC)` of a 10-byte datagram: what it returned and copied.
    reported: usize,
    small: [u8; 4],
    /// The `recv` after it: `ok` or the errno.
    next: String,
    /// The next `recv` found nothing (`EAGAIN`): the rest was not kept.
    rest_gone: bool,
}

impl Record for UdpDatagrams {
    fn record(&self, e: &mut Evidence) {
        e.push("udp_sendto_calls", 3);
        e.push("udp_recv_calls", self.sizes.len());
        e.push("udp_recv_sizes", self.sizes.clone());
        e.push("udp_intact_in_order", self.intact);
        e.push("udp_recv4_trunc_returned", self.reported);
        e.push(
            "udp_recv4_buffer",
            String::from_utf8_lossy(&self.small).into_owned(),
        );
        e.push("udp_next_recv", self.next.as_str());
    }
}

fn probe_udp() -> Res<UdpDatagrams> {
    let (rx, at) = sockets::udp_bound()?;
    let (tx, _) = sockets::udp_bound()?;
    for m in MESSAGES {
        sys::sendto(&tx, m, 0, &at)?;
    }
    let got = sockets::drain(&rx, 1024, 1000)?;
    // A short buffer truncates the datagram, it does not split it.
    sys::sendto(&tx, MESSAGES[0], 0, &at)?;
    sockets::readable(&rx, 1000)?;
    let mut small = [0u8; 4];
    let reported = sys::recv(&rx, &mut small[..], MSG_TRUNC)?;
    let rest = sys::recv(&rx, &mut [0u8; 1024][..], MSG_DONTWAIT);
    Ok(UdpDatagrams {
        sizes: got.iter().map(Vec::len).collect(),
        intact: got.iter().zip(MESSAGES).all(|(g, m)| g == m),
        reported,
        small,
        next: sockets::outcome_of(&rest),
        rest_gone: matches!(&rest, Err(err) if err.code() == Errno::EAGAIN),
    })
}

/// Held when TCP merged the three sends and UDP kept three whole datagrams (and truncated
/// rather than split one); nuanced when only the TCP merge did not show this run.
fn verdict(tcp: &TcpStream, udp: &UdpDatagrams) -> Finding {
    let (first, sizes) = (tcp.first, &udp.sizes);
    let stream = first == 30 && tcp.merged;
    let dgram = *sizes == [10, 10, 10] && udp.intact && udp.reported == 10 && udp.rest_gone;
    match (stream, dgram) {
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
    }
}
