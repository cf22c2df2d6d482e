//! Ordering: a path that reorders packets (two queues of different speed on the namespace's `lo`)
//! makes UDP deliver datagrams out of order, while TCP reassembles its segments in order.

use std::os::fd::OwnedFd;

use crate::sys::{self, opt};

use super::claim::{kept, Claim, Evidence, Finding, Record, Res, Stop};
use super::host::{Deltas, Netns};
use super::sockets::{self, counting_bytes, late_arrivals, stream_through};
use super::{Outcome, Verdict};

/// `SO_PRIORITY` values that HTB maps straight to its classes `1:1` (fast) and `1:2` (slow).
const FAST: u32 = 0x1_0001;
const SLOW: u32 = 0x1_0002;

/// Makes this namespace's `lo` a path that reorders: an HTB root whose class 1:1 is fast and
/// whose class 1:2 sends at 10 Mbit/s with a 1500-byte burst, so packets given priority 1:2
/// fall behind packets sent after them with priority 1:1. (netem would reorder at random; it is
/// often not built into the kernel, HTB usually is.)
fn two_speed_lo(ns: &Netns) -> Res<()> {
    ns.tc(&[
        "qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb", "default", "1",
    ])?;
    ns.tc(&[
        "class", "add", "dev", "lo", "parent", "1:", "classid", "1:1", "htb", "rate", "10gbit",
        "quantum", "60000",
    ])?;
    ns.tc(&[
        "class", "add", "dev", "lo", "parent", "1:", "classid", "1:2", "htb", "rate", "10mbit",
        "burst", "1500", "cburst", "1500",
    ])
}

/// Sets `SO_PRIORITY` (which HTB class the next packets of `fd` take).
fn priority(fd: &OwnedFd, prio: u32) -> sys::Result<()> {
    sys::set_opt(fd, opt::SoPriority, prio)
}

/// The HTB class for write or datagram `i`: the even ones go the slow way.
fn alternate(i: usize) -> u32 {
    if i.is_multiple_of(2) {
        SLOW
    } else {
        FAST
    }
}

/// Reads the little-endian `u32` at the start of each chunk of `data`.
fn numbers(chunks: impl Iterator<Item = Vec<u8>>) -> Vec<u32> {
    chunks
        .map(|c| {
            c.get(..4)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        })
        .collect()
}

/// Sets up [`two_speed_lo`] when there is a namespace: `Ok(Ok(()))` when it is in place,
/// `Ok(Err(why))` when a feature is missing (no namespace, no `tc`, no HTB), `Err` on a failure.
fn reordering_path(ns: Option<&Netns>) -> Res<Result<(), String>> {
    match ns.map(two_speed_lo) {
        Some(Ok(())) => Ok(Ok(())),
        Some(Err(Stop::Missing(why))) => Ok(Err(why)),
        Some(Err(stop)) => Err(stop),
        None => Ok(Err("no private namespace for tc".to_owned())),
    }
}

pub(crate) const TCP_ORDERED: Claim = Claim {
    id: "tcp_ordered",
    claim: "순서 보장: 패킷 순서대로 전달 (TCP delivers in order)",
    method: "in a fresh namespace whose lo reorders (HTB: alternate writes go through a \
             10 Mbit/s class via SO_PRIORITY), 200 writes of 1000 counting bytes (MSS 1000, \
             TCP_NODELAY); TcpExt.TCPOFOQueue counts segments that arrived out of order, the \
             reader checks every byte; without tc, 5% random loss makes the out-of-order \
             arrivals instead; without a namespace, the loss variant on the host",
};

/// 순서 보장 — make segments arrive out of order and check what the application reads.
///
/// In a private namespace, `lo` gets two queues of different speed and the sender alternates
/// between them, so later segments overtake earlier ones; the kernel counts those arrivals in
/// `TcpExt.TCPOFOQueue`. The reader checks that the bytes it gets are exactly the counting
/// sequence sent. Where `tc` cannot set that up, random loss (which also makes later segments
/// arrive before the retransmitted earlier ones) stands in.
pub fn tcp_ordered() -> Outcome {
    TCP_ORDERED.run_ns_or_host(|ns, e| {
        let path = kept(e, ReorderingPath::for_tcp(reordering_path(ns)?));
        let order = kept(e, probe_tcp_order(ns, &path)?);
        Ok(verdict_tcp(&order))
    })
}

/// How tcp_ordered makes segments arrive out of order: the reordering path, or (without one)
/// random loss and the reason.
struct ReorderingPath {
    reorder: bool,
    note: String,
}

impl ReorderingPath {
    fn for_tcp(path: Result<(), String>) -> ReorderingPath {
        match path {
            Ok(()) => ReorderingPath {
                reorder: true,
                note: "lo with a fast and a 10 Mbit/s HTB class, writes alternating".to_owned(),
            },
            Err(why) => ReorderingPath {
                reorder: false,
                note: format!("none ({why}); 5% random loss instead"),
            },
        }
    }
}

impl Record for ReorderingPath {
    fn record(&self, e: &mut Evidence) {
        e.push("reordering_path", self.note.as_str());
    }
}

/// 200 numbered writes through the reordering path (or random loss), read back.
struct TcpOrder {
    sent: usize,
    read: usize,
    /// Numbers the application read after a higher one.
    late: usize,
    identical: bool,
    retrans: u32,
    counted: Option<Deltas>,
}

impl Record for TcpOrder {
    fn record(&self, e: &mut Evidence) {
        e.push("bytes_sent", self.sent);
        e.push("bytes_read", self.read);
        e.push("numbers_read_late", self.late);
        e.push("bytes_identical", self.identical);
        e.push("sender_tcpi_total_retrans", self.retrans);
        self.counted.record(e);
    }
}

fn probe_tcp_order(ns: Option<&Netns>, path: &ReorderingPath) -> Res<TcpOrder> {
    const WRITES: usize = 200;
    const SIZE: usize = 1000;
    let (client, server) = sockets::tcp_pair_with(|c| {
        sys::set_opt(c, opt::TcpMaxSeg, 1000)?;
        sys::set_opt(c, opt::TcpNoDelay, true)
    })?;
    let reorder = path.reorder;
    if !reorder {
        sockets::lossy(&server, 0.05)?;
    }
    let data = counting_bytes(WRITES * SIZE);
    let c0 = ns.map(Netns::counters);
    let got = stream_through(&client, &server, &data, SIZE, |i| {
        if reorder {
            priority(&client, alternate(i))?;
        }
        Ok(())
    })?;
    let seq = numbers(got.chunks(4).map(<[u8]>::to_vec));
    let info = sys::get_opt(&client, opt::TcpInfo)?.raw;
    let counted = c0.zip(ns).map(|(c0, ns)| {
        let keys = [
            ("transfer_tcp_ofo_queue", "TcpExt.TCPOFOQueue"),
            ("transfer_tcp_out_segs", "Tcp.OutSegs"),
        ];
        c0.deltas(&ns.counters(), &keys)
    });
    Ok(TcpOrder {
        sent: data.len(),
        read: got.len(),
        late: late_arrivals(&seq),
        identical: got == data,
        retrans: info.tcpi_total_retrans,
        counted,
    })
}

/// Held when segments arrived out of order (or were lost and retransmitted) and the
/// application still read every byte in order.
fn verdict_tcp(t: &TcpOrder) -> Finding {
    let in_order = t.identical && t.late == 0;
    let ofo = t.counted.as_ref().map(|d| d.get("transfer_tcp_ofo_queue"));
    match (in_order, ofo) {
        (false, _) => (
            Verdict::Refuted,
            format!("the application read {} numbers out of order", t.late),
        ),
        (true, Some(n)) if n > 0 => (
            Verdict::Held,
            format!(
                "{n} segments arrived out of order (TcpExt.TCPOFOQueue), yet the application \
                 read all {} bytes in the order sent",
                t.sent
            ),
        ),
        (true, Some(_)) => (
            Verdict::Nuanced,
            "in order, but no segment arrived out of order this run: reassembly untested"
                .to_owned(),
        ),
        (true, None) => (
            Verdict::Held,
            format!(
                "the application read all {} bytes in order despite 5% loss and {} \
                 retransmissions (out-of-order arrivals not counted without a namespace)",
                t.sent, t.retrans
            ),
        ),
    }
}

pub(crate) const UDP_UNORDERED: Claim = Claim {
    id: "udp_unordered",
    claim: "순서 보장 안 함: 패킷 순서 뒤바뀔 수 있음 \
            (UDP does not guarantee order: datagrams can be reordered)",
    method: "2000 numbered datagrams on plain loopback, order checked; then in a fresh \
             namespace whose lo reorders (HTB: even datagrams via a 10 Mbit/s class, \
             SO_PRIORITY), 40 numbered datagrams of 1000 B, order of arrival recorded",
};

/// 순서 보장 안 함 — number datagrams and record the order they arrive in.
///
/// Plain loopback does not reorder (one queue, one CPU path), so the first figure is usually 0:
/// the guarantee is absent, not the reordering. A path that reorders (two HTB classes in a
/// private namespace) shows UDP handing the datagrams over in arrival order, not sending
/// order. Without a namespace or `tc`, that half cannot run and the verdict is nuanced.
pub fn udp_unordered() -> Outcome {
    UDP_UNORDERED.run_ns_or_host(|ns, e| {
        let plain = kept(e, probe_plain()?);
        let reordered = match reordering_path(ns)? {
            Ok(()) => Ok(kept(e, probe_reordered()?)),
            Err(why) => {
                e.push("reordering_path", format!("cannot run: {why}"));
                Err(why)
            }
        };
        Ok(verdict_udp(&plain, reordered.as_ref()))
    })
}

/// Sends datagrams numbered `0..n` of `size` bytes, with `before(tx, i)` run before each;
/// returns the numbers in arrival order.
fn numbered(
    n: u32,
    size: usize,
    before: impl Fn(&OwnedFd, u32) -> sys::Result<()>,
) -> sys::Result<Vec<u32>> {
    let (rx, at) = sockets::udp_bound()?;
    let (tx, _) = sockets::udp_bound()?;
    // Up to 1 s without a datagram ends the wait for the slow queue.
    let (_, got) =
        sockets::numbered_datagrams(&tx, &at, (n, size), |i| before(&tx, i), Some(&rx), 1000)?;
    Ok(numbers(got.into_iter()))
}

/// Datagrams sent on plain loopback.
const PLAIN: u32 = 2000;
/// Datagrams sent through the reordering path.
const REORDERED: u32 = 40;

/// 2000 numbered datagrams on plain loopback.
struct Plain {
    received: usize,
    late: usize,
}

impl Record for Plain {
    fn record(&self, e: &mut Evidence) {
        e.push("plain_sent", PLAIN);
        e.push("plain_received", self.received);
        e.push("plain_late_arrivals", self.late);
    }
}

fn probe_plain() -> Res<Plain> {
    let plain = numbered(PLAIN, 100, |_, _| Ok(()))?;
    Ok(Plain {
        received: plain.len(),
        late: late_arrivals(&plain),
    })
}

/// 40 numbered datagrams, the even ones through the slow class: their arrival order.
struct Reordered {
    order: Vec<u32>,
    late: usize,
}

impl Record for Reordered {
    fn record(&self, e: &mut Evidence) {
        e.push(
            "reordering_path",
            "lo with a fast and a 10 Mbit/s HTB class",
        );
        e.push("reordered_sent", REORDERED);
        e.push("reordered_received", self.order.len());
        e.push("reordered_arrival_order", self.order.clone());
        e.push("reordered_late_arrivals", self.late);
    }
}

fn probe_reordered() -> Res<Reordered> {
    let order = numbered(REORDERED, 1000, |tx, i| priority(tx, alternate(i as usize)))?;
    Ok(Reordered {
        late: late_arrivals(&order),
        order,
    })
}

/// Held when datagrams reached the application out of sending order; nuanced when no
/// reordering path could be made or it reordered nothing this run.
fn verdict_udp(plain: &Plain, reordered: Result<&Reordered, &String>) -> Finding {
    let plain_late = plain.late;
    match reordered {
        Err(_) => (
            Verdict::Nuanced,
            format!(
                "plain loopback delivered in order ({plain_late} late arrivals): the absence of \
                 a guarantee could not be shown without a reordering path"
            ),
        ),
        Ok(r) if r.late > 0 => (
            Verdict::Held,
            format!(
                "UDP handed {} of 40 datagrams to the application after a higher-numbered \
                 one (arrival order, not sending order); plain loopback itself kept order \
                 ({plain_late} late of 2000)",
                r.late
            ),
        ),
        Ok(_) => (
            Verdict::Nuanced,
            "even through the reordering path the datagrams arrived in order this run".to_owned(),
        ),
    }
}
