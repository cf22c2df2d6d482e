//! Reliability: the same injected packet loss makes UDP lose datagrams for good while TCP
//! retransmits and delivers every byte; a full receive buffer drops UDP but only slows TCP.

use std::os::fd::OwnedFd;
use std::time::Instant;

use crate::sys::{self, opt, Errno, MSG_DONTWAIT, MSG_NOSIGNAL};

use super::claim::{kept, Claim, Evidence, Finding, Record, Res};
use super::host::{self, Deltas, Netns};
use super::sockets::{self, counting_bytes, stream_all};
use super::{Outcome, Value, Verdict};

/// The probability with which the receiving socket's filter drops each packet.
const LOSS: f64 = 0.05;

/// A connected TCP pair whose segments carry at most 1000 bytes (`TCP_MAXSEG` before connect),
/// so a transfer is many segments.
fn small_mss_pair() -> sys::Result<(OwnedFd, OwnedFd)> {
    sockets::tcp_pair_with(|c| sys::set_opt(c, opt::TcpMaxSeg, 1000))
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
    TCP_RELIABLE.run_ns_or_host(|ns, e| {
        kept(e, probe_offload(ns)?);
        let transfer = kept(e, probe_lossy_transfer(ns)?);
        Ok(verdict_tcp(&transfer))
    })
}

/// What became of `lo`'s segmentation offload (`lo_offload`): with it on, `lo` carries up to
/// 64 KiB of segments in one packet, and a drop loses a burst.
struct Offload(String);

impl Record for Offload {
    fn record(&self, e: &mut Evidence) {
        e.push("lo_offload", self.0.as_str());
    }
}

fn probe_offload(ns: Option<&Netns>) -> Res<Offload> {
    Ok(Offload(match ns.map(Netns::no_offload) {
        Some(Ok(())) => "off".to_owned(),
        Some(Err(err)) if err.code() == Errno::EOPNOTSUPP => format!("left on ({err})"),
        Some(Err(err)) => return Err(err.into()),
        None => "left on (no private namespace): a drop loses a whole GSO burst".to_owned(),
    }))
}

/// 256 KiB through a connection whose receiver drops 5% of the packets.
struct LossyTransfer {
    sent: usize,
    received: usize,
    /// The bytes received are the bytes sent.
    equal: bool,
    data_segs_out: u32,
    retrans: u32,
    ms: f64,
    counted: Option<Deltas>,
}

impl Record for LossyTransfer {
    fn record(&self, e: &mut Evidence) {
        e.push("injected_loss_pct", Value::float(LOSS * 100.0, "%"));
        e.push("bytes_sent", self.sent);
        e.push("bytes_received", self.received);
        e.push("received_equals_sent", self.equal);
        e.push("sender_tcpi_data_segs_out", self.data_segs_out);
        e.push("sender_tcpi_total_retrans", self.retrans);
        e.push("transfer_ms", Value::float(self.ms, "ms"));
        self.counted.record(e);
    }
}

fn probe_lossy_transfer(ns: Option<&Netns>) -> Res<LossyTransfer> {
    const BYTES: usize = 256 * 1024;
    let (client, server) = small_mss_pair()?;
    sockets::lossy(&server, LOSS)?;
    let data = counting_bytes(BYTES);
    let c0 = ns.map(Netns::counters);
    let t = Instant::now();
    let got = stream_all(&client, &server, &data)?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let info = sys::get_opt(&client, opt::TcpInfo)?.raw;
    let counted = c0.zip(ns).map(|(c0, ns)| {
        let keys = [
            ("transfer_tcp_out_segs", "Tcp.OutSegs"),
            ("transfer_tcp_retrans_segs", "Tcp.RetransSegs"),
        ];
        c0.deltas(&ns.counters(), &keys)
    });
    Ok(LossyTransfer {
        sent: data.len(),
        received: got.len(),
        equal: got == data,
        data_segs_out: info.tcpi_data_segs_out,
        retrans: info.tcpi_total_retrans,
        ms,
        counted,
    })
}

/// Held when every byte arrived and the sender retransmitted; nuanced when the filter dropped
/// nothing this run.
fn verdict_tcp(t: &LossyTransfer) -> Finding {
    if !t.equal {
        (
            Verdict::Refuted,
            format!("{} of {} bytes arrived intact", t.received, t.sent),
        )
    } else if t.retrans == 0 {
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
                t.sent, t.retrans
            ),
        )
    }
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

/// Datagrams of (a).
const SENT: usize = 1000;
/// Their size, and the size of (c)'s sends.
const SIZE: usize = 512;
/// Datagrams of (b).
const SENT_B: usize = 2000;

/// 신뢰성 낮음 — count datagrams that were sent "successfully" and never arrived.
///
/// Two ways to lose: a receive buffer that fills up (the kernel drops the datagram and counts it
/// in `Udp.RcvbufErrors` and the socket's `drops`) and the same 5% filter as [`tcp_reliable`].
/// Every `sendto` returns success: the sender never learns. Against it, TCP to a receiver that
/// does not read: flow control stalls the sender (`EAGAIN` on a non-blocking send) and, once the
/// receiver reads, every byte arrives in order.
pub fn udp_unreliable() -> Outcome {
    UDP_UNRELIABLE.run_ns_or_host(|ns, e| {
        let full = kept(e, probe_full_buffer(ns)?);
        let lossy = kept(e, probe_random_loss(ns, &full.tx)?);
        let tcp = kept(e, probe_flow_control()?);
        Ok(verdict_udp(&full, &lossy, &tcp))
    })
}

/// (a) 1000 datagrams to a socket with the smallest receive buffer, read only at the end. The
/// sender (`tx`) is kept for (b).
struct FullBuffer {
    tx: OwnedFd,
    rcvbuf: usize,
    sendto_ok: usize,
    received: usize,
    socket_drops: Option<u64>,
    counted: Option<Deltas>,
}

impl Record for FullBuffer {
    fn record(&self, e: &mut Evidence) {
        e.push("a_so_rcvbuf", self.rcvbuf);
        e.push("a_sendto_ok", self.sendto_ok);
        e.push("a_received", self.received);
        if let Some(drops) = self.socket_drops {
            e.push("a_socket_drops", drops);
        }
        self.counted.record(e);
    }
}

fn probe_full_buffer(ns: Option<&Netns>) -> Res<FullBuffer> {
    let (rx, at) = sockets::udp_bound()?;
    sys::set_opt(&rx, opt::SoRcvBuf, 1)?; // the kernel raises it to its minimum
    let c0 = ns.map(Netns::counters);
    let (tx, _) = sockets::udp_bound()?;
    let batch = (SENT as u32, SIZE);
    let (sendto_ok, _) = sockets::numbered_datagrams(&tx, &at, batch, |_| Ok(()), None, 0)?;
    let received = sockets::drain(&rx, 2048, 100)?.len();
    let rcvbuf = sys::get_opt(&rx, opt::SoRcvBuf)?;
    let socket_drops = host::udp_socket_drops(sockets::port_of(&at));
    let counted = c0.zip(ns).map(|(c0, ns)| {
        let keys = [
            ("a_udp_out_datagrams", "Udp.OutDatagrams"),
            ("a_udp_rcvbuf_errors", "Udp.RcvbufErrors"),
        ];
        c0.deltas(&ns.counters(), &keys)
    });
    Ok(FullBuffer {
        tx,
        rcvbuf,
        sendto_ok,
        received,
        socket_drops,
        counted,
    })
}

/// (b) 2000 datagrams through the same random loss as [`tcp_reliable`], with room in the
/// buffer.
struct RandomLoss {
    sendto_ok: usize,
    received: usize,
    counted: Option<Deltas>,
}

impl Record for RandomLoss {
    fn record(&self, e: &mut Evidence) {
        e.push("b_injected_loss_pct", Value::float(LOSS * 100.0, "%"));
        e.push("b_sendto_ok", self.sendto_ok);
        e.push("b_received", self.received);
        self.counted.record(e);
    }
}

fn probe_random_loss(ns: Option<&Netns>, tx: &OwnedFd) -> Res<RandomLoss> {
    let (rx, at) = sockets::udp_bound()?;
    sys::set_opt(&rx, opt::SoRcvBuf, 4 << 20)?;
    sockets::lossy(&rx, LOSS)?;
    let c2 = ns.map(Netns::counters);
    let batch = (SENT_B as u32, 100);
    let (sendto_ok, got) = sockets::numbered_datagrams(tx, &at, batch, |_| Ok(()), Some(&rx), 100)?;
    let counted = c2.zip(ns).map(|(c2, ns)| {
        let keys = [
            ("b_udp_in_errors", "Udp.InErrors"),
            ("b_udp_rcvbuf_errors", "Udp.RcvbufErrors"),
        ];
        c2.deltas(&ns.counters(), &keys)
    });
    Ok(RandomLoss {
        sendto_ok,
        received: got.len(),
        counted,
    })
}

/// (c) TCP to a receiver that does not read: non-blocking sends until the kernel refuses more,
/// then 500 KB more once the receiver reads.
struct FlowControl {
    /// Bytes taken before the sender was stalled.
    accepted: usize,
    /// The errno that stalled it (`EAGAIN`), `None` if it never was.
    stalled: Option<Errno>,
    sent_after: usize,
    received_after: usize,
    /// All of it arrived, in order.
    intact: bool,
}

impl Record for FlowControl {
    fn record(&self, e: &mut Evidence) {
        e.push("c_tcp_bytes_before_block", self.accepted);
        e.push(
            "c_tcp_nonblocking_send",
            self.stalled.map_or("never blocked", Errno::name),
        );
        e.push("c_tcp_bytes_sent_after", self.sent_after);
        e.push("c_tcp_bytes_received_after", self.received_after);
        e.push("c_tcp_intact_in_order", self.intact);
    }
}

fn probe_flow_control() -> Res<FlowControl> {
    let (client, server) = sockets::tcp_pair()?;
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
    let got = stream_all(&client, &server, &rest)?;
    Ok(FlowControl {
        accepted,
        stalled,
        sent_after: rest.len(),
        received_after: got.len().saturating_sub(accepted),
        intact: got.len() == accepted + rest.len() && got[accepted..] == rest[..],
    })
}

/// Held when datagrams were lost although every `sendto` reported success; refuted when none
/// was lost.
fn verdict_udp(full: &FullBuffer, lossy: &RandomLoss, tcp: &FlowControl) -> Finding {
    let (ok, ok_b, intact) = (full.sendto_ok, lossy.sendto_ok, tcp.intact);
    let lost_a = ok.saturating_sub(full.received);
    let lost_b = ok_b.saturating_sub(lossy.received);
    if (lost_a > 0 || lost_b > 0) && ok == SENT && ok_b == SENT_B {
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
    }
}
