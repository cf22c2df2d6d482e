//! Truncation: the UDP server's `recv(1024)` meets a 2000-byte datagram — 1024 bytes kept, the
//! rest gone for good (MSG_TRUNC says so) — while the same 2000 bytes over TCP wait for the next
//! read.

use std::io::IoSliceMut;

use crate::sys::{self, Errno, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC};

use super::claim::{kept, Claim, Evidence, Finding, Record, Res};
use super::sockets;
use super::{Outcome, Verdict};

pub(crate) const CLAIM: Claim = Claim {
    id: "udp_truncation",
    claim: "data, addr = udp_socket.recvfrom(1024) / client_socket.recv(1024) \
            (the primer's servers read at most 1024 bytes per call: what happens to a \
            2000-byte message?)",
    method: "a 2000-byte UDP datagram read with recv(1024): bytes kept, then a second recv \
             (EAGAIN: the rest is gone); the same datagram read with recvmsg (1024-byte iovec): \
             MSG_TRUNC in msg_flags; read with recv(1024, MSG_TRUNC): the datagram's full length \
             returned; 2000 bytes over TCP read with recv(1024) twice",
};

/// The primer's servers' buffer.
const CAP: usize = 1024;

/// The message: 2000 bytes, each `i % 251` so any offset can be checked.
fn message() -> Vec<u8> {
    (0..2000u32).map(|i| (i % 251) as u8).collect()
}

/// `recv(1024)` of a 2000-byte datagram keeps 1024 bytes and discards 976; over TCP the same
/// 2000 bytes arrive whole over two reads.
///
/// Measured: what `recv` returns and copies, whether a second `recv` finds the other 976 bytes
/// (UDP: `EAGAIN`), `recvmsg`'s `MSG_TRUNC` flag, and `recv(…, MSG_TRUNC)`'s return value (the
/// real length, 2000, though only 1024 bytes were written). TCP: two `recv(1024)` give 1024 +
/// 976 bytes, identical to what was sent.
pub fn udp_truncation() -> Outcome {
    CLAIM.run(|e| {
        let msg = message();
        let udp = kept(e, probe_udp(&msg)?);
        let tcp = kept(e, probe_tcp(&msg)?);
        Ok(verdict(&udp, &tcp))
    })
}

/// The 2000-byte datagram read three ways into 1024 bytes.
struct UdpCut {
    /// What `sendto` sent.
    sent: usize,
    /// What `recv(1024)` kept, and whether those bytes are the message's first ones.
    kept: usize,
    kept_intact: bool,
    /// The `recv` after it: `ok` or the errno; `rest_gone` when it was `EAGAIN`.
    next: String,
    rest_gone: bool,
    /// `recvmsg`'s return and its `MSG_TRUNC` flag.
    recvmsg_returned: usize,
    msg_trunc: bool,
    /// `recv(…, MSG_TRUNC)`'s return: the datagram's real length.
    full: usize,
}

impl Record for UdpCut {
    fn record(&self, e: &mut Evidence) {
        e.push("datagram_bytes", self.sent);
        e.push("kept_bytes", self.kept);
        e.push("lost_bytes", self.sent.saturating_sub(self.kept));
        e.push("kept_bytes_intact", self.kept_intact);
        e.push("next_recv", self.next.as_str());
        e.push("recvmsg_returned", self.recvmsg_returned);
        e.push("recvmsg_msg_trunc", self.msg_trunc);
        e.push("recv_msg_trunc_returned", self.full);
    }
}

fn probe_udp(msg: &[u8]) -> Res<UdpCut> {
    let (rx, at) = sockets::udp_bound()?;
    let (tx, _) = sockets::udp_bound()?;
    let mut buf = vec![0u8; CAP];

    // recv(1024): 1024 kept, the rest discarded with the datagram.
    let sent = sys::sendto(&tx, msg, 0, &at)?;
    let kept = sys::recv(&rx, &mut buf[..], 0)?;
    let kept_intact = buf[..kept] == msg[..kept];
    let next = sys::recv(&rx, &mut buf[..], MSG_DONTWAIT);

    // recvmsg: the kernel says it truncated.
    sys::sendto(&tx, msg, 0, &at)?;
    let got = sys::recvmsg(&rx, &mut [IoSliceMut::new(&mut buf)], None, 0)?;

    // recv(MSG_TRUNC): the datagram's real length, though only 1024 bytes were written.
    sys::sendto(&tx, msg, 0, &at)?;
    let full = sys::recv(&rx, &mut buf[..], MSG_TRUNC)?;
    Ok(UdpCut {
        sent,
        kept,
        kept_intact,
        next: sockets::outcome_of(&next),
        rest_gone: matches!(&next, Err(x) if x.code() == Errno::EAGAIN),
        recvmsg_returned: got.bytes,
        msg_trunc: got.is_truncated(),
        full,
    })
}

/// The same 2000 bytes over TCP, read with the same `recv(1024)`.
struct TcpWhole {
    /// The size of each `recv`.
    reads: Vec<usize>,
    received: usize,
    /// The bytes read are the bytes sent.
    whole: bool,
}

impl Record for TcpWhole {
    fn record(&self, e: &mut Evidence) {
        e.push("tcp_recv_sizes", self.reads.clone());
        e.push("tcp_bytes_received", self.received);
        e.push("tcp_intact", self.whole);
    }
}

fn probe_tcp(msg: &[u8]) -> Res<TcpWhole> {
    let (client, server) = sockets::tcp_pair()?;
    sockets::send_all(&client, msg)?;
    // Wait until all 2000 bytes are queued, so the reads show the buffer size, not timing.
    for _ in 0..100 {
        let queued = sys::recv(&server, &mut vec![0u8; 4096][..], MSG_PEEK | MSG_DONTWAIT);
        if matches!(queued, Ok(n) if n >= msg.len()) {
            break;
        }
        sockets::readable(&server, 10)?;
    }
    let mut buf = vec![0u8; CAP];
    let mut reads = Vec::new();
    let mut stream = Vec::new();
    while stream.len() < msg.len() && reads.len() < 8 {
        let n = sys::recv(&server, &mut buf[..], 0)?;
        if n == 0 {
            break;
        }
        reads.push(n);
        stream.extend_from_slice(&buf[..n]);
    }
    Ok(TcpWhole {
        reads,
        received: stream.len(),
        whole: stream == msg,
    })
}

/// Held when UDP kept 1024 bytes and lost the rest (and said so) while TCP delivered all.
fn verdict(udp: &UdpCut, tcp: &TcpWhole) -> Finding {
    let UdpCut {
        sent,
        kept,
        full,
        rest_gone,
        msg_trunc,
        ..
    } = *udp;
    let (tcp_whole, reads) = (tcp.whole, &tcp.reads);
    let udp_truncates = kept == CAP && rest_gone && udp.kept_intact && msg_trunc && full == sent;
    if udp_truncates && tcp_whole {
        (
            Verdict::Held,
            format!(
                "recv(1024) of a {sent}-byte datagram kept {kept} bytes and lost {} for good \
                 (next recv: {}); recvmsg set MSG_TRUNC and recv(MSG_TRUNC) returned {full}; \
                 over TCP the same bytes arrived whole in reads of {reads:?}",
                sent - kept,
                udp.next
            ),
        )
    } else {
        (
            Verdict::Refuted,
            format!(
                "UDP kept {kept} (rest gone: {rest_gone}, MSG_TRUNC: {msg_trunc}, full length \
                 {full}); TCP whole: {tcp_whole} in reads of {reads:?}"
            ),
        )
    }
}
