//! Truncation: the UDP server's `recv(1024)` meets a 2000-byte datagram — 1024 bytes kept, the
//! rest gone for good (MSG_TRUNC says so) — while the same 2000 bytes over TCP wait for the next
//! read.

use std::io::IoSliceMut;

use crate::sys::{self, Errno, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC};

use super::env::{self, ev, Claim, Evidence, Res};
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
    CLAIM.run(measure)
}

fn measure(e: &mut Evidence) -> Res<Outcome> {
    const CAP: usize = 1024;
    let msg = message();
    let (rx, at) = env::udp_bound()?;
    let (tx, _) = env::udp_bound()?;

    // recv(1024): 1024 kept, the rest discarded with the datagram.
    let sent = sys::sendto(&tx, &msg, 0, &at)?;
    ev(e, "datagram_bytes", sent);
    let mut buf = vec![0u8; CAP];
    let kept = sys::recv(&rx, &mut buf[..], 0)?;
    let kept_intact = buf[..kept] == msg[..kept];
    let next = sys::recv(&rx, &mut buf[..], MSG_DONTWAIT);
    let rest_gone = matches!(&next, Err(x) if x.code() == Errno::EAGAIN);
    ev(e, "kept_bytes", kept);
    ev(e, "lost_bytes", sent.saturating_sub(kept));
    ev(e, "kept_bytes_intact", kept_intact);
    ev(e, "next_recv", env::outcome_of(&next));

    // recvmsg: the kernel says it truncated.
    sys::sendto(&tx, &msg, 0, &at)?;
    let got = sys::recvmsg(&rx, &mut [IoSliceMut::new(&mut buf)], None, 0)?;
    let msg_trunc = got.is_truncated();
    ev(e, "recvmsg_returned", got.bytes);
    ev(e, "recvmsg_msg_trunc", msg_trunc);

    // recv(MSG_TRUNC): the datagram's real length, though only 1024 bytes were written.
    sys::sendto(&tx, &msg, 0, &at)?;
    let full = sys::recv(&rx, &mut buf[..], MSG_TRUNC)?;
    ev(e, "recv_msg_trunc_returned", full);

    // TCP: the same 2000 bytes, read with the same recv(1024).
    let (client, server) = env::tcp_pair()?;
    env::send_all(&client, &msg)?;
    // Wait until all 2000 bytes are queued, so the reads show the buffer size, not timing.
    for _ in 0..100 {
        let queued = sys::recv(&server, &mut vec![0u8; 4096][..], MSG_PEEK | MSG_DONTWAIT);
        if matches!(queued, Ok(n) if n >= msg.len()) {
            break;
        }
        env::readable(&server, 10)?;
    }
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
    let tcp_whole = stream == msg;
    ev(e, "tcp_recv_sizes", reads.clone());
    ev(e, "tcp_bytes_received", stream.len());
    ev(e, "tcp_intact", tcp_whole);

    let udp_truncates = kept == CAP && rest_gone && kept_intact && msg_trunc && full == sent;
    let (v, summary) = if udp_truncates && tcp_whole {
        (
            Verdict::Held,
            format!(
                "recv(1024) of a {sent}-byte datagram kept {kept} bytes and lost {} for good \
                 (next recv: {}); recvmsg set MSG_TRUNC and recv(MSG_TRUNC) returned {full}; \
                 over TCP the same bytes arrived whole in reads of {reads:?}",
                sent - kept,
                env::outcome_of(&next)
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
    };
    Ok(CLAIM.outcome(v, summary, std::mem::take(e)))
}
