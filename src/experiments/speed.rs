//! Speed and overhead: TCP against UDP on loopback — round-trip time, delivered throughput and
//! the cost of a first exchange, measured interleaved; packets and bytes for the same payload.

use std::net::Shutdown;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::sys::{self, opt, Errno, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM};

use super::claim::{kept, Claim, Evidence, Finding, Record, Res};
use super::host::{Counters, Netns};
use super::sockets::{self, stream_through};
use super::{Outcome, Value, Verdict};

/// The message size of the round trips.
const RTT_SIZE: usize = 64;
/// The write size of the bulk transfers: the largest UDP payload one Ethernet frame carries, so
/// both protocols make the same number of send calls for the same bytes.
const BULK_SIZE: usize = 1472;

pub(crate) const SPEED: Claim = Claim {
    id: "speed",
    claim: "속도: TCP는 UDP보다 느림, UDP는 TCP보다 빠름 (TCP is slower than UDP)",
    method: "loopback, interleaved in one run: (1) 64-byte ping-pong to an echo thread, 5 rounds \
             × 1000 timed round trips per protocol, each batch after 100 untimed ones \
             (TCP_NODELAY); (2) bulk sends of 1472 B for 80 ms, \
             3 rounds per protocol, throughput counted at the receiver (UDP losses excluded); \
             (3) first exchange from nothing, same thread: TCP socket+connect+accept+64 B each \
             way+close vs UDP socket+sendto+reply, 3 rounds × 100; a protocol wins a figure \
             when it is >10% better at the median of the per-round ratios and better in at least \
             80% of the rounds; the 1-minute load average is recorded (other processes on the \
             same cores blur the round trips most)",
};

/// 속도 — TCP vs UDP, measured three ways in the same run.
///
/// The primer's "TCP is slower" is about protocol overhead. On loopback: the round trip of a
/// small message costs about the same; bulk TCP moves more bytes per send call than UDP (it
/// coalesces and offloads segmentation, and it never drops), and a first exchange pays TCP's
/// handshake and teardown. A protocol wins a figure when it is more than 10% better at the
/// median and better in at least 80% of the rounds; the verdict counts the figures UDP won.
/// Figures are ratios measured interleaved; absolute numbers depend on the machine.
pub fn speed() -> Outcome {
    SPEED.run_ns_or_host(|_, e| {
        kept(e, probe_load());
        let figures = [
            kept(e, probe_rtt()?),
            kept(e, probe_bulk()?),
            kept(e, probe_first_exchange()?),
        ];
        Ok(verdict_speed(&figures))
    })
}

/// The machine's load when the figures were taken (other processes on the same cores blur the
/// round trips most).
struct Load {
    load1: Option<f64>,
    cpus: usize,
}

impl Record for Load {
    fn record(&self, e: &mut Evidence) {
        if let Some(load1) = self.load1 {
            e.push("loadavg_1min", Value::float(load1, ""));
        }
        e.push("cpus", self.cpus);
    }
}

fn probe_load() -> Load {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    Load {
        load1: load.split_whitespace().next().and_then(|l| l.parse().ok()),
        cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
    }
}

/// The median of `v` (which must not be empty).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `tcp` and `udp` once per round, alternating which goes first, and returns each round's
/// pair of results `(tcp, udp)`.
fn interleaved<T>(
    rounds: usize,
    mut tcp: impl FnMut() -> sys::Result<T>,
    mut udp: impl FnMut() -> sys::Result<T>,
) -> sys::Result<Vec<(T, T)>> {
    (0..rounds)
        .map(|round| {
            if round % 2 == 0 {
                let t = tcp()?;
                Ok((t, udp()?))
            } else {
                let u = udp()?;
                Ok((tcp()?, u))
            }
        })
        .collect()
}

/// One compared figure: each protocol's mean (or rate) first, then per-round ratios oriented
/// so that above 1 means UDP did better, and their median.
struct Figure {
    name: &'static str,
    /// The figures recorded before the ratios: each protocol's mean time or throughput.
    means: Vec<(&'static str, Value)>,
    /// The keys of the per-round ratios and of their median.
    keys: (&'static str, &'static str),
    ratios: Vec<f64>,
    median: f64,
    /// Rounds UDP did better in, rounds TCP did better in, rounds in all.
    udp_rounds: usize,
    tcp_rounds: usize,
    rounds: usize,
}

impl Record for Figure {
    fn record(&self, e: &mut Evidence) {
        for (key, v) in &self.means {
            e.push(key, v.clone());
        }
        let list: Vec<Value> = self.ratios.iter().map(|&x| Value::float(x, "")).collect();
        e.push(self.keys.0, list);
        e.push(self.keys.1, Value::float(self.median, ""));
    }
}

impl Figure {
    /// The figure `name` from its per-round `ratios`, recorded under `keys` after `means`.
    fn new(
        name: &'static str,
        means: Vec<(&'static str, Value)>,
        keys: (&'static str, &'static str),
        ratios: Vec<f64>,
    ) -> Figure {
        Figure {
            name,
            means,
            keys,
            udp_rounds: ratios.iter().filter(|&&r| r > 1.0).count(),
            tcp_rounds: ratios.iter().filter(|&&r| r < 1.0).count(),
            rounds: ratios.len(),
            median: median(ratios.clone()),
            ratios,
        }
    }

    /// Whether `won` rounds are at least 80% of them (a busy machine may spoil one round).
    fn most(&self, won: usize) -> bool {
        won * 5 >= self.rounds * 4
    }

    /// UDP won: by more than 10% at the median, and in at least 80% of the rounds.
    fn udp_won(&self) -> bool {
        self.median > 1.1 && self.most(self.udp_rounds)
    }

    /// TCP won: by more than 10% at the median, and in at least 80% of the rounds.
    fn tcp_won(&self) -> bool {
        self.median < 1.0 / 1.1 && self.most(self.tcp_rounds)
    }
}

/// One round trip of `RTT_SIZE` bytes on a connected socket.
fn round_trip(fd: &OwnedFd, msg: &[u8], buf: &mut [u8]) -> sys::Result<()> {
    sys::send(fd, msg, sys::MSG_NOSIGNAL)?;
    let mut got = 0;
    while got < msg.len() {
        match sys::recv(fd, &mut buf[got..], 0)? {
            0 => return Err(sys::Error::new(Errno::ECONNRESET, "recv", "echo closed")),
            n => got += n,
        }
    }
    Ok(())
}

/// Times `n` round trips.
fn time_rtts(fd: &OwnedFd, n: usize) -> sys::Result<Duration> {
    let msg = [7u8; RTT_SIZE];
    let mut buf = [0u8; RTT_SIZE];
    let t = Instant::now();
    for _ in 0..n {
        round_trip(fd, &msg, &mut buf)?;
    }
    Ok(t.elapsed())
}

/// Echoes on a TCP socket until EOF.
fn tcp_echo(fd: &OwnedFd) -> sys::Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        match sys::recv(fd, &mut buf[..], 0)? {
            0 => return Ok(()),
            n => sockets::send_all(fd, &buf[..n])?,
        }
    }
}

/// Echoes datagrams to their sender until an empty one arrives.
fn udp_echo(fd: &OwnedFd) -> sys::Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        let (n, from) = sys::recvfrom(fd, &mut buf[..], 0)?;
        match from {
            Some(to) if n > 0 => drop(sys::sendto(fd, &buf[..n], 0, &to)?),
            _ => return Ok(()),
        }
    }
}

/// The tail of a timed TCP-vs-UDP figure: each protocol's mean time per operation over all
/// `rounds` (`ops` operations each side in total) as evidence under `mean_keys`, then the figure
/// `name` (per-round TCP/UDP time ratios and their median under `keys`).
fn timed_figure(
    rounds: &[(Duration, Duration)],
    ops: f64,
    mean_keys: [&'static str; 2],
    (name, keys): (&'static str, (&'static str, &'static str)),
) -> Figure {
    let mean = |f: fn(&(Duration, Duration)) -> Duration| {
        let total: Duration = rounds.iter().map(f).sum();
        Value::float(total.as_secs_f64() * 1e6 / ops, "µs")
    };
    let means = vec![(mean_keys[0], mean(|r| r.0)), (mean_keys[1], mean(|r| r.1))];
    let ratios = rounds
        .iter()
        .map(|(t, u)| t.as_secs_f64() / u.as_secs_f64());
    Figure::new(name, means, keys, ratios.collect())
}

/// Per-round TCP/UDP ratios of the round-trip time.
fn probe_rtt() -> Res<Figure> {
    const ROUNDS: usize = 5;
    const N: usize = 1000;
    let (tc, ts) = sockets::tcp_pair()?;
    sys::set_opt(&tc, opt::TcpNoDelay, true)?;
    sys::set_opt(&ts, opt::TcpNoDelay, true)?;
    let (us, at) = sockets::udp_bound()?;
    let uc = sockets::socket(SOCK_DGRAM)?;
    sys::connect(&uc, &at)?;
    let rounds = std::thread::scope(|s| {
        let te = s.spawn(|| tcp_echo(&ts));
        let ue = s.spawn(|| udp_echo(&us));
        // 100 untimed round trips before each timed batch: the first exchanges after switching
        // protocol wake an echo thread that slept through the other's batch, and measured that
        // wake-up instead of the protocol (a batch run first in its round came out 2–5× slower).
        let warm = |fd: &OwnedFd| time_rtts(fd, 100).and_then(|_| time_rtts(fd, N));
        let r = interleaved(ROUNDS, || warm(&tc), || warm(&uc));
        // Stop the echo threads whatever happened: EOF for TCP, an empty datagram for UDP.
        let _ = sys::shutdown(&tc, Shutdown::Write);
        let _ = sys::send(&uc, b"", 0);
        let joined = (te.join(), ue.join());
        let (Ok(te), Ok(ue)) = joined else {
            panic!("an echo thread panicked");
        };
        te.and(ue).and(r)
    })?;
    Ok(timed_figure(
        &rounds,
        (ROUNDS * N) as f64,
        ["rtt_tcp_mean_us", "rtt_udp_mean_us"],
        ("round trip", ("rtt_tcp_udp_ratios", "rtt_tcp_udp_median")),
    ))
}

/// Bytes delivered per second: a TCP connection fed `BULK_SIZE` writes for `dur`, read to EOF.
fn tcp_bulk(dur: Duration) -> sys::Result<f64> {
    let (client, server) = sockets::tcp_pair()?;
    let chunk = [1u8; BULK_SIZE];
    let t = Instant::now();
    let got = std::thread::scope(|s| {
        let reader = s.spawn(|| sockets::recv_to_eof(&server, usize::MAX).map(|v| v.len()));
        let sent = (|| {
            while t.elapsed() < dur {
                sockets::send_all(&client, &chunk)?;
            }
            sys::shutdown(&client, Shutdown::Write)
        })();
        let got = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        sent.and(got)
    })?;
    Ok(got as f64 / t.elapsed().as_secs_f64())
}

/// Bytes delivered per second and datagrams lost: a UDP socket fed `BULK_SIZE` datagrams for
/// `dur`, read by another thread until it has been idle for 20 ms after the sender stopped.
fn udp_bulk(dur: Duration) -> sys::Result<(f64, u64)> {
    let (rx, at) = sockets::udp_bound()?;
    sys::set_opt(&rx, opt::SoRcvBuf, 4 << 20)?;
    let tx = sockets::socket(SOCK_DGRAM)?;
    sys::connect(&tx, &at)?;
    let chunk = [1u8; BULK_SIZE];
    let done = AtomicBool::new(false);
    let t = Instant::now();
    let (sent, got) = std::thread::scope(|s| {
        let reader = s.spawn(|| -> sys::Result<u64> {
            let mut buf = [0u8; 2048];
            let mut n = 0u64;
            loop {
                if !sockets::readable(&rx, 20)? {
                    if done.load(Ordering::Acquire) {
                        return Ok(n);
                    }
                    continue;
                }
                while sys::recv(&rx, &mut buf[..], sys::MSG_DONTWAIT).is_ok() {
                    n += 1;
                }
            }
        });
        let mut sent = 0u64;
        let r = (|| {
            while t.elapsed() < dur {
                match sys::send(&tx, &chunk, 0) {
                    Ok(_) => sent += 1,
                    // A full socket send buffer or a refused datagram: not delivered, go on.
                    Err(e) if e.code() == Errno::ENOBUFS || e.code() == Errno::ECONNREFUSED => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })();
        done.store(true, Ordering::Release);
        let got = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        r.and(got).map(|g| (sent, g))
    })?;
    let secs = t.elapsed().as_secs_f64();
    Ok((
        got as f64 * BULK_SIZE as f64 / secs,
        sent.saturating_sub(got),
    ))
}

/// What one bulk run gave: bytes delivered per second, and datagrams lost (0 for TCP).
type Bulk = (f64, u64);

/// Per-round UDP/TCP ratios of delivered throughput (above 1: UDP moved more).
fn probe_bulk() -> Res<Figure> {
    const ROUNDS: usize = 3;
    let dur = Duration::from_millis(80);
    let rounds = interleaved(ROUNDS, || Ok((tcp_bulk(dur)?, 0)), || udp_bulk(dur))?;
    let mb = |f: fn(&(Bulk, Bulk)) -> f64| {
        let mean = rounds.iter().map(f).sum::<f64>() / ROUNDS as f64 / 1e6;
        Value::float(mean, "MB/s")
    };
    let lost: u64 = rounds.iter().map(|r| r.1 .1).sum();
    let means = vec![
        ("bulk_tcp_mb_s", mb(|r| r.0 .0)),
        ("bulk_udp_mb_s", mb(|r| r.1 .0)),
        ("bulk_udp_lost", Value::from(lost)),
    ];
    let ratios = rounds.iter().map(|(t, u)| u.0 / t.0);
    Ok(Figure::new(
        "bulk throughput",
        means,
        ("bulk_udp_tcp_ratios", "bulk_udp_tcp_median"),
        ratios.collect(),
    ))
}

/// Same-thread time of one TCP first exchange: socket, connect, accept, 64 bytes each way, close.
fn tcp_first(lst: &OwnedFd, at: &sys::SockAddr) -> sys::Result<()> {
    let c = sys::socket(sys::AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)?;
    sys::connect(&c, at)?;
    let s = sys::accept4(lst, None, SOCK_CLOEXEC)?;
    let mut buf = [0u8; RTT_SIZE];
    sys::send(&c, &[3u8; RTT_SIZE], 0)?;
    sys::recv(&s, &mut buf[..], 0)?;
    sys::send(&s, &buf, 0)?;
    sys::recv(&c, &mut buf[..], 0)?;
    Ok(())
}

/// Same-thread time of one UDP first exchange: socket, sendto, the reply, close.
fn udp_first(srv: &OwnedFd, at: &sys::SockAddr) -> sys::Result<()> {
    let c = sys::socket(sys::AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)?;
    let mut buf = [0u8; RTT_SIZE];
    sys::sendto(&c, &[3u8; RTT_SIZE], 0, at)?;
    let (_, from) = sys::recvfrom(srv, &mut buf[..], 0)?;
    let from = from.ok_or_else(|| sys::Error::new(Errno::EINVAL, "recvfrom", "no address"))?;
    sys::sendto(srv, &buf, 0, &from)?;
    sys::recv(&c, &mut buf[..], 0)?;
    Ok(())
}

/// Per-round TCP/UDP ratios of the first-exchange time.
fn probe_first_exchange() -> Res<Figure> {
    const ROUNDS: usize = 3;
    const N: usize = 100;
    let (lst, lat) = sockets::tcp_listener()?;
    let (srv, uat) = sockets::udp_bound()?;
    let time = |f: &dyn Fn() -> sys::Result<()>| -> sys::Result<Duration> {
        let t = Instant::now();
        for _ in 0..N {
            f()?;
        }
        Ok(t.elapsed())
    };
    let rounds = interleaved(
        ROUNDS,
        || time(&|| tcp_first(&lst, &lat)),
        || time(&|| udp_first(&srv, &uat)),
    )?;
    Ok(timed_figure(
        &rounds,
        (ROUNDS * N) as f64,
        ["first_tcp_mean_us", "first_udp_mean_us"],
        (
            "first exchange",
            ("first_tcp_udp_ratios", "first_tcp_udp_median"),
        ),
    ))
}

/// Counts the figures UDP won: all three, held; none, refuted; some, nuanced.
fn verdict_speed(figures: &[Figure]) -> Finding {
    let names = |f: fn(&Figure) -> bool| -> Vec<&str> {
        figures.iter().filter(|x| f(x)).map(|x| x.name).collect()
    };
    let (udp_won, tcp_won) = (names(Figure::udp_won), names(Figure::tcp_won));
    let tie = names(|x| !x.udp_won() && !x.tcp_won());
    let v = match udp_won.len() {
        3 => Verdict::Held,
        0 => Verdict::Refuted,
        _ => Verdict::Nuanced,
    };
    let medians: Vec<String> = figures
        .iter()
        .map(|x| format!("{} {:.2}", x.name, x.median))
        .collect();
    let summary = format!(
        "UDP faster (>10% at the median, in ≥80% of rounds) in: {}; TCP faster in: {}; no consistent winner in: {} \
         (median ratios, above 1 favours UDP: {})",
        list_or_none(&udp_won),
        list_or_none(&tcp_won),
        list_or_none(&tie),
        medians.join(", "),
    );
    (v, summary)
}

fn list_or_none(v: &[&str]) -> String {
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(", ")
    }
}

pub(crate) const OVERHEAD: Claim = Claim {
    id: "overhead",
    claim: "오버헤드: TCP 높음 / UDP 낮음 (TCP has more overhead than UDP)",
    method: "in a fresh network namespace, lo's tx packet and byte counters around sending the \
             same 10 messages of 100 B: over a new TCP connection (handshake, data, ACKs, \
             teardown included) and as 10 UDP datagrams",
};

/// 오버헤드 — packets and bytes on the wire for the same 1000 bytes of payload.
///
/// Needs a private namespace: the host's `lo` counters are shared with every other process.
pub fn overhead() -> Outcome {
    OVERHEAD.run_ns(
        "the host's lo counters are shared with other processes",
        |ns, e| {
            let tcp = kept(e, probe_tcp_wire(ns)?);
            let udp = kept(e, probe_udp_wire(ns)?);
            kept(e, PerPayloadByte(&tcp, &udp));
            Ok(verdict_overhead(&tcp, &udp))
        },
    )
}

/// Messages of [`overhead`], each of [`MSG_SIZE`] bytes.
const MSGS: usize = 10;
const MSG_SIZE: usize = 100;

/// What one protocol put on `lo` for the same 10 × 100 B, under its keys.
struct Wire {
    keys: [&'static str; 3],
    packets: i64,
    bytes: i64,
    delivered: usize,
}

impl Record for Wire {
    fn record(&self, e: &mut Evidence) {
        e.push(self.keys[0], self.packets);
        e.push(self.keys[1], self.bytes);
        e.push(self.keys[2], self.delivered);
    }
}

impl Wire {
    /// What `lo` sent between `before` and `after`, and the payload bytes `delivered`.
    fn counted(
        keys: [&'static str; 3],
        (before, after): (&Counters, &Counters),
        delivered: usize,
    ) -> Wire {
        Wire {
            keys,
            packets: before.delta(after, "lo.tx_packets"),
            bytes: before.delta(after, "lo.tx_bytes"),
            delivered,
        }
    }
}

/// The keys of TCP's and of UDP's [`Wire`].
const TCP_WIRE: [&str; 3] = [
    "tcp_lo_tx_packets",
    "tcp_lo_tx_bytes",
    "tcp_payload_delivered",
];
const UDP_WIRE: [&str; 3] = [
    "udp_lo_tx_packets",
    "udp_lo_tx_bytes",
    "udp_payload_delivered",
];

/// The 10 messages over a new TCP connection: handshake, data, ACKs and teardown included.
fn probe_tcp_wire(ns: &Netns) -> Res<Wire> {
    let c0 = ns.counters();
    let (client, server) = sockets::tcp_pair()?;
    sys::set_opt(&client, opt::TcpNoDelay, true)?;
    let got = stream_through(&client, &server, &[9u8; MSGS * MSG_SIZE], MSG_SIZE, |_| {
        Ok(())
    })?;
    drop(client);
    drop(server);
    let c1 = ns.counters();
    Ok(Wire::counted(TCP_WIRE, (&c0, &c1), got.len()))
}

/// The 10 messages as UDP datagrams.
fn probe_udp_wire(ns: &Netns) -> Res<Wire> {
    let msg = [9u8; MSG_SIZE];
    let (rx, at) = sockets::udp_bound()?;
    let tx = sockets::socket(SOCK_DGRAM)?;
    let c2 = ns.counters();
    for _ in 0..MSGS {
        sys::sendto(&tx, &msg, 0, &at)?;
    }
    let c3 = ns.counters();
    let got = sockets::drain(&rx, 2048, 100)?;
    Ok(Wire::counted(
        UDP_WIRE,
        (&c2, &c3),
        got.iter().map(Vec::len).sum(),
    ))
}

/// Bytes on `lo` per payload byte, TCP then UDP.
struct PerPayloadByte<'a>(&'a Wire, &'a Wire);

impl Record for PerPayloadByte<'_> {
    fn record(&self, e: &mut Evidence) {
        let payload = (MSGS * MSG_SIZE) as f64;
        let per = |w: &Wire| Value::float(w.bytes as f64 / payload, "");
        e.push("tcp_lo_bytes_per_payload_byte", per(self.0));
        e.push("udp_lo_bytes_per_payload_byte", per(self.1));
    }
}

/// Held when TCP took more packets and more bytes than UDP for the same payload.
fn verdict_overhead(tcp: &Wire, udp: &Wire) -> Finding {
    let (tp, tb, up, ub) = (tcp.packets, tcp.bytes, udp.packets, udp.bytes);
    if tb > ub && tp > up {
        (
            Verdict::Held,
            format!(
                "the same 10 × 100 B took {tp} packets / {tb} bytes over TCP (handshake, ACKs \
                 and teardown included) and {up} packets / {ub} bytes over UDP"
            ),
        )
    } else {
        (
            Verdict::Refuted,
            format!("TCP: {tp} packets / {tb} bytes; UDP: {up} packets / {ub} bytes"),
        )
    }
}
