//! Reliability: the same injected packet loss makes UDP lose datagrams for good while TCP
//! retransmits and delivers every byte; a full receive buffer drops UDP but only slows TCP.

use std::net::Shutdown;
use std::os::fd::OwnedFd;
use std::time::Instant;

use crate::sys::{self, opt, Errno, MSG_DONTWAIT, MSG_NOSIGNAL};

use super::env::{self, ev, Claim, Evidence, Netns, Res};
use super::Value;
use super::{Outcome, Verdict};

/// The probability with which the receiving socket's filter drops each packet.
const LOSS: f64 = 0.05;

/// Bytes `0, 1, 2…` as little-endian `u32`s: a stream whose every offset can be checked.
pub(crate) fn counting_bytes(len: usize) -> Vec<u8> {
    (0..len.div_ceil(4) as u32)
        .flat_map(u32::to_le_bytes)
        .take(len)
        .collect()
}

/// Sends `data` on `tx` in writes of `chunk` bytes, running `before(i)` ahead of write `i`, then
/// shuts writing down, while another thread reads `rx` to EOF; returns what `rx` read.
pub(crate) fn stream_through(
    tx: &OwnedFd,
    rx: &OwnedFd,
    data: &[u8],
    chunk: usize,
    mut before: impl FnMut(usize) -> sys::Result<()>,
) -> sys::Result<Vec<u8>> {
    std::thread::scope(|s| {
        let reader = s.spawn(|| env::recv_to_eof(rx, usize::MAX));
        let sent = (|| {
            for (i, piece) in data.chunks(chunk).enumerate() {
                before(i)?;
                env::send_all(tx, piece)?;
            }
            sys::shutdown(tx, Shutdown::Write)
        })();
        let got = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        sent.and(got)
    })
}

/// [`stream_through`] in one write.
fn stream_all(tx: &OwnedFd, rx: &OwnedFd, data: &[u8]) -> sys::Result<Vec<u8>> {
    stream_through(tx, rx, data, data.len().max(1), |_| Ok(()))
}

/// A connected TCP pair whose segments carry at most 1000 bytes (`TCP_MAXSEG` before connect),
/// so a transfer is many segments.
fn small_mss_pair() -> sys::Result<(OwnedFd, OwnedFd)> {
    env::tcp_pair_with(|c| sys::set_opt(c, opt::TcpMaxSeg, 1000))
}

pub(crate) const TCP_RELIABLE: Claim = Claim {
    id: "tcp_reliable",
    claim: "신뢰성: 데이터 전송 보장, 재전송 메커니즘 \
            (TCP is reliable: delivery guaranteed by retransmission)",
    method: "a classic BPF filter on the receiving socket drops each arriving packet with \
             probability 5% (SKF_AD_RANDOM); 256 KiB of counting bytes sent through a loopback \
             connection (MSS 1000, lo's TSO/GSO off so each segment is a packet); received bytes compared, TCP_INFO total_retrans of the \
             sender and (in a fresh namespace) Tcp.RetransSegs counted",
};

/// 신뢰성: 재전송 — lose 5% of the packets and see whether every byte still arrives.
///
/// A socket filter on the receiving end drops arriving segments at random, exactly as a lossy
/// network would (the sender is not told). The figures: bytes sent vs received and identical,
/// the sender's retransmission count (`TCP_INFO`), and in a private namespace the kernel's
/// `Tcp.RetransSegs`. [`udp_unreliable`] puts the same filter on a UDP socket.
pub fn tcp_reliable() -> Outcome {
    TCP_RELIABLE.run_ns_or_host(reliable)
}

fn reliable(ns: Option<&Netns>, e: &mut Evidence) -> Res<Outcome> {
    const BYTES: usize = 256 * 1024;
    // With offload on, lo carries up to 64 KiB of segments in one packet: a drop loses a burst.
    let offload = match ns.map(Netns::no_offload) {
        Some(Ok(())) => "off".to_owned(),
        Some(Err(err)) if err.code() == Errno::EOPNOTSUPP => format!("left on ({err})"),
        Some(Err(err)) => return Err(err.into()),
        None => "left on (no private namespace): a drop loses a whole GSO burst".to_owned(),
    };
    ev(e, "lo_offload", offload);
    let (client, server) = small_mss_pair()?;
    env::lossy(&server, LOSS)?;
    let data = counting_bytes(BYTES);
    let c0 = ns.map(Netns::counters);
    let t = Instant::now();
    let got = stream_all(&client, &server, &data)?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let info = sys::get_opt(&client, opt::TcpInfo)?.raw;
    ev(e, "injected_loss_pct", Value::float(LOSS * 100.0, "%"));
    ev(e, "bytes_sent", data.len());
    ev(e, "bytes_received", got.len());
    ev(e, "received_equals_sent", got == data);
    ev(e, "sender_tcpi_data_segs_out", info.tcpi_data_segs_out);
    ev(e, "sender_tcpi_total_retrans", info.tcpi_total_retrans);
    ev(e, "transfer_ms", Value::float(ms, "ms"));
    if let Some((c0, ns)) = c0.zip(ns) {
        let c1 = ns.counters();
        c0.record(
            &c1,
            e,
            &[
                ("transfer_tcp_out_segs", "Tcp.OutSegs"),
                ("transfer_tcp_retrans_segs", "Tcp.RetransSegs"),
            ],
        );
    }
    let (v, summary) = if got != data {
        (
            Verdict::Refuted,
            format!("{} of {} bytes arrived intact", got.len(), data.len()),
        )
    } else if info.tcpi_total_retrans == 0 {
        (
            Verdict::Nuanced,
            "every byte arrived, but the filter happened to drop nothing this run \
             (0 retransmissions): retransmission was not exercised"
                .to_owned(),
        )
    } else {
        (
            Verdict::Held,
            format!(
                "with 5% of packets dropped at the receiver, all {} bytes arrived intact; the \
                 sender retransmitted {} segments",
                data.len(),
                info.tcpi_total_retrans
            ),
        )
    };
    Ok(TCP_RELIABLE.outcome(v, summary, std::mem::take(e)))
}

pub(crate) const UDP_UNRELIABLE: Claim = Claim {
    id: "udp_unreliable",
    claim: "신뢰성 낮음: 데이터 전송 보장 안 함 \
            (UDP is unreliable: delivery is not guaranteed)",
    method: "(a) 1000 datagrams of 512 B sent to a socket with the smallest SO_RCVBUF that does \
             not read until the end; (b) 2000 datagrams through the same 5% random-drop filter \
             as tcp_reliable, read as they come; (c) TCP: non-blocking sends to a reader that waits, until EAGAIN, then 500 KB more; \
             counted: sendto() results, datagrams received, /proc/net/udp drops of the socket, \
             and (in a fresh namespace) Udp.RcvbufErrors/InErrors",
};

/// 신뢰성 낮음 — count datagrams that were sent "successfully" and never arrived.
///
/// Two ways to lose: a receive buffer that fills up (the kernel drops the datagram and counts it
/// in `Udp.RcvbufErrors` and the socket's `drops`) and the same 5% filter as [`tcp_reliable`].
/// Every `sendto` returns success: the sender never learns. Against it, TCP to a receiver that
/// does not read: flow control stalls the sender (`EAGAIN` on a non-blocking send) and, once the
/// receiver reads, every byte arrives in order.
pub fn udp_unreliable() -> Outcome {
    UDP_UNRELIABLE.run_ns_or_host(unreliable)
}

fn unreliable(ns: Option<&Netns>, e: &mut Evidence) -> Res<Outcome> {
    const SENT: usize = 1000;
    const SIZE: usize = 512;
    // (a) a receive buffer that overflows.
    let (rx, at) = env::udp_bound()?;
    sys::set_opt(&rx, opt::SoRcvBuf, 1)?; // the kernel raises it to its minimum
    let c0 = ns.map(Netns::counters);
    let (tx, _) = env::udp_bound()?;
    let (ok, _) = env::numbered_datagrams(&tx, &at, (SENT as u32, SIZE), |_| Ok(()), None, 0)?;
    let got = env::drain(&rx, 2048, 100)?.len();
    ev(e, "a_so_rcvbuf", sys::get_opt(&rx, opt::SoRcvBuf)?);
    ev(e, "a_sendto_ok", ok);
    ev(e, "a_received", got);
    if let Some(drops) = env::udp_socket_drops(env::port_of(&at)) {
        ev(e, "a_socket_drops", drops);
    }
    if let Some((c0, ns)) = c0.zip(ns) {
        c0.record(
            &ns.counters(),
            e,
            &[
                ("a_udp_out_datagrams", "Udp.OutDatagrams"),
                ("a_udp_rcvbuf_errors", "Udp.RcvbufErrors"),
            ],
        );
    }

    // (b) the same random loss as tcp_reliable, with room in the buffer.
    const SENT_B: usize = 2000;
    let (rx_b, at_b) = env::udp_bound()?;
    sys::set_opt(&rx_b, opt::SoRcvBuf, 4 << 20)?;
    env::lossy(&rx_b, LOSS)?;
    let c2 = ns.map(Netns::counters);
    let batch = (SENT_B as u32, 100);
    let (ok_b, got_b) = env::numbered_datagrams(&tx, &at_b, batch, |_| Ok(()), Some(&rx_b), 100)?;
    let got_b = got_b.len();
    ev(e, "b_injected_loss_pct", Value::float(LOSS * 100.0, "%"));
    ev(e, "b_sendto_ok", ok_b);
    ev(e, "b_received", got_b);
    if let Some((c2, ns)) = c2.zip(ns) {
        c2.record(
            &ns.counters(),
            e,
            &[
                ("b_udp_in_errors", "Udp.InErrors"),
                ("b_udp_rcvbuf_errors", "Udp.RcvbufErrors"),
            ],
        );
    }

    // (c) TCP to a receiver that does not read: flow control, no loss.
    let (client, server) = env::tcp_pair()?;
    let mut accepted = 0;
    let chunk = [0u8; SIZE];
    let stalled = loop {
        match sys::send(&client, &chunk, MSG_DONTWAIT | MSG_NOSIGNAL) {
            Ok(n) if accepted < (64 << 20) => accepted += n,
            Ok(_) => break None,
            Err(err) => break Some(err.code()),
        }
    };
    let rest = counting_bytes(SENT * SIZE);
    let got_c = stream_all(&client, &server, &rest)?;
    let got_c_data = got_c.len().saturating_sub(accepted);
    let intact = got_c.len() == accepted + rest.len() && got_c[accepted..] == rest[..];
    ev(e, "c_tcp_bytes_before_block", accepted);
    ev(
        e,
        "c_tcp_nonblocking_send",
        stalled.map_or("never blocked", Errno::name),
    );
    ev(e, "c_tcp_bytes_sent_after", rest.len());
    ev(e, "c_tcp_bytes_received_after", got_c_data);
    ev(e, "c_tcp_intact_in_order", intact);

    let lost_a = ok.saturating_sub(got);
    let lost_b = ok_b.saturating_sub(got_b);
    let (v, summary) = if (lost_a > 0 || lost_b > 0) && ok == SENT && ok_b == SENT_B {
        (
            Verdict::Held,
            format!(
                "every sendto() reported success, yet {lost_a} of {SENT} datagrams were lost to a \
                 full buffer and {lost_b} of {SENT_B} to 5% packet loss; TCP to a receiver \
                 that did not read stalled the sender (EAGAIN), then delivered every byte in \
                 order: {intact}"
            ),
        )
    } else if lost_a == 0 && lost_b == 0 {
        (
            Verdict::Refuted,
            "no datagram was lost, even with a full buffer and injected loss".to_owned(),
        )
    } else {
        (
            Verdict::Nuanced,
            format!("datagrams lost ({lost_a}, {lost_b}) but sendto() also reported failures"),
        )
    };
    Ok(UDP_UNRELIABLE.outcome(v, summary, std::mem::take(e)))
}
