//! ICMP echo: the layer the primer calls L3 (IP, ICMP), reached from a socket — an echo request
//! to 127.0.0.1 through `SOCK_RAW` (root) and through an unprivileged `SOCK_DGRAM` ping socket.

use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use crate::sys::{self, Errno, AF_INET, MSG_DONTWAIT, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_RAW};

use super::claim::{kept, Claim, Evidence, Finding, Record, Res, Stop};
use super::host::{self, Netns};
use super::sockets::{self, outcome_of};
use super::{Outcome, Value, Verdict};

pub(crate) const CLAIM: Claim = Claim {
    id: "icmp_echo",
    claim: "Layer 3 네트워크 계층: 주소 지정 및 라우팅 — IP, ICMP \
            (layer 3, the network layer: addressing and routing — IP, ICMP)",
    method: "an ICMP echo request (type 8, 56-byte payload) to 127.0.0.1 through \
             socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) (needs CAP_NET_RAW) and through \
             socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) (needs the gid in \
             net.ipv4.ping_group_range; in a private namespace it is opened to every gid \
             first); the reply's IP header (raw only) and ICMP header decoded, its checksum \
             recomputed, the round trip timed",
};

/// The echo's payload length (ping's default).
const PAYLOAD: usize = 56;
/// The sequence number of the echo each socket sends.
const SEQ: u16 = 1;
/// How long to wait for the reply.
const WAIT: Duration = Duration::from_secs(1);

/// The Internet checksum (RFC 1071) of `data`: the ones' complement of the ones' complement sum
/// of its 16-bit big-endian words. A message whose checksum field is right sums to 0 here.
pub(crate) fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An echo request: type 8, code 0, checksum, `id`, `seq`, then the payload.
fn echo_request(id: u16, seq: u16) -> Vec<u8> {
    let mut m = vec![8, 0, 0, 0];
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend((0..PAYLOAD).map(|i| i as u8));
    let c = checksum(&m);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    m
}

/// An ICMP header as received.
struct Icmp {
    ty: u8,
    code: u8,
    checksum: u16,
    id: u16,
    seq: u16,
    /// Whether the checksum over the whole ICMP message is right.
    valid: bool,
    payload_ok: bool,
}

fn decode(m: &[u8]) -> Option<Icmp> {
    if m.len() < 8 {
        return None;
    }
    Some(Icmp {
        ty: m[0],
        code: m[1],
        checksum: u16::from_be_bytes([m[2], m[3]]),
        id: u16::from_be_bytes([m[4], m[5]]),
        seq: u16::from_be_bytes([m[6], m[7]]),
        valid: checksum(m) == 0,
        payload_ok: m[8..].iter().copied().eq((0..PAYLOAD).map(|i| i as u8)),
    })
}

/// What one socket's echo gave: the reply, the round trip, the reply's IP header fields
/// `(header bytes, protocol, ttl)` for a raw socket, and whether the raw socket also saw the
/// request itself on its way in.
struct Echo {
    reply: Icmp,
    rtt: Duration,
    ip: Option<(usize, u8, u8)>,
    saw_request: bool,
}

/// Sends an echo request on `fd` to 127.0.0.1 and waits for the reply to `(id, SEQ)`. `raw`:
/// replies come with the IP header; otherwise (a ping socket) any id, as the kernel sets it.
fn echo(fd: &OwnedFd, id: u16, raw: bool) -> Res<Option<Echo>> {
    let to = sockets::lo(0);
    let t = Instant::now();
    sys::sendto(fd, &echo_request(id, SEQ), 0, &to)?;
    let mut buf = [0u8; 2048];
    let mut saw_request = false;
    while t.elapsed() < WAIT {
        let left = WAIT.saturating_sub(t.elapsed()).as_millis() as i32;
        if !sockets::readable(fd, left.max(1))? {
            continue;
        }
        let n = match sys::recv(fd, &mut buf[..], MSG_DONTWAIT) {
            Ok(n) => n.min(buf.len()),
            Err(e) if e.code() == Errno::EAGAIN => continue,
            Err(e) => return Err(e.into()),
        };
        let rtt = t.elapsed();
        let (ip, icmp) = if raw {
            let ihl = usize::from(buf[0] & 0xf) * 4;
            if n < ihl + 8 {
                continue;
            }
            (Some((ihl, buf[9], buf[8])), &buf[ihl..n])
        } else {
            (None, &buf[..n])
        };
        let Some(m) = decode(icmp) else { continue };
        if m.ty == 8 && m.id == id && m.seq == SEQ {
            saw_request = true;
            continue;
        }
        if m.ty == 0 && (m.id == id || !raw) && m.seq == SEQ {
            return Ok(Some(Echo {
                reply: m,
                rtt,
                ip,
                saw_request,
            }));
        }
    }
    Ok(None)
}

/// The keys of one path's evidence.
struct Keys {
    rtt: &'static str,
    ty: &'static str,
    code: &'static str,
    id: &'static str,
    seq: &'static str,
    checksum: &'static str,
    valid: &'static str,
    payload: &'static str,
}

const RAW: Keys = Keys {
    rtt: "raw_rtt_us",
    ty: "raw_reply_type",
    code: "raw_reply_code",
    id: "raw_reply_id",
    seq: "raw_reply_seq",
    checksum: "raw_reply_checksum",
    valid: "raw_reply_checksum_valid",
    payload: "raw_reply_payload_intact",
};

const DGRAM: Keys = Keys {
    rtt: "dgram_rtt_us",
    ty: "dgram_reply_type",
    code: "dgram_reply_code",
    id: "dgram_reply_id",
    seq: "dgram_reply_seq",
    checksum: "dgram_reply_checksum",
    valid: "dgram_reply_checksum_valid",
    payload: "dgram_reply_payload_intact",
};

/// Records one path's reply under its keys (or that none came within 1 s).
fn record_reply(e: &mut Evidence, k: &Keys, got: &Option<Echo>) {
    let Some(x) = got else {
        e.push(k.rtt, "no reply within 1 s");
        return;
    };
    let r = &x.reply;
    e.push(k.rtt, Value::float(x.rtt.as_secs_f64() * 1e6, "µs"));
    e.push(k.ty, r.ty);
    e.push(k.code, r.code);
    e.push(k.id, r.id);
    e.push(k.seq, r.seq);
    e.push(k.checksum, r.checksum);
    e.push(k.valid, r.valid);
    e.push(k.payload, r.payload_ok);
}

/// Whether `got` is a correct echo reply to `want_id`: type 0, code 0, our id and seq, checksum
/// and payload intact.
fn is_reply(got: &Option<Echo>, want_id: u16) -> bool {
    got.as_ref().is_some_and(|x| {
        let r = &x.reply;
        r.ty == 0 && r.code == 0 && r.id == want_id && r.seq == SEQ && r.valid && r.payload_ok
    })
}

/// What one socket's echo gave, for the verdict: its name, whether the reply was right, the
/// round trip.
type Ran = (&'static str, bool, Option<Duration>);

/// The echo through `socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)` (needs `CAP_NET_RAW`).
struct RawEcho {
    /// `socket()`: `ok` or the errno.
    socket: String,
    /// The echo id we chose.
    id: u16,
    /// The reply, or why the socket could not be opened (`EPERM`).
    opened: Result<Option<Echo>, String>,
}

impl RawEcho {
    fn ran(&self) -> Option<Ran> {
        let got = self.opened.as_ref().ok()?;
        Some((
            "SOCK_RAW",
            is_reply(got, self.id),
            got.as_ref().map(|x| x.rtt),
        ))
    }
}

impl Record for RawEcho {
    fn record(&self, e: &mut Evidence) {
        e.push("raw_socket", self.socket.as_str());
        let Ok(got) = &self.opened else { return };
        e.push("raw_request_id", self.id);
        if let Some(x) = got {
            if let Some((hl, proto, ttl)) = x.ip {
                e.push("raw_ip_header_bytes", hl);
                e.push("raw_ip_protocol", proto);
                e.push("raw_ip_ttl", ttl);
            }
            e.push("raw_saw_own_request", x.saw_request);
        }
        record_reply(e, &RAW, got);
    }
}

fn probe_raw(id: u16) -> Res<RawEcho> {
    let raw = sys::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, libc::IPPROTO_ICMP);
    let socket = outcome_of(&raw);
    let opened = match raw {
        Ok(fd) => Ok(echo(&fd, id, true)?),
        Err(err) if err.code() == Errno::EPERM => Err(err.to_string()),
        Err(err) => return Err(err.into()),
    };
    Ok(RawEcho { socket, id, opened })
}

/// The echo through a `SOCK_DGRAM` ping socket (needs the gid in `ping_group_range`, which a
/// private namespace opens to every gid first).
struct PingEcho {
    ping_group_range: String,
    /// `socket()`: `ok` or the errno.
    socket: String,
    /// The id the kernel gave the socket (its "port") and the reply, or why the socket could
    /// not be opened (`EACCES`, `EPERM`).
    opened: Result<(u16, Option<Echo>), String>,
}

impl PingEcho {
    fn ran(&self) -> Option<Ran> {
        let (port, got) = self.opened.as_ref().ok()?;
        Some((
            "SOCK_DGRAM",
            is_reply(got, *port),
            got.as_ref().map(|x| x.rtt),
        ))
    }
}

impl Record for PingEcho {
    fn record(&self, e: &mut Evidence) {
        e.push("ping_group_range", self.ping_group_range.as_str());
        e.push("dgram_socket", self.socket.as_str());
        if let Ok((port, got)) = &self.opened {
            e.push("dgram_socket_id", *port);
            record_reply(e, &DGRAM, got);
        }
    }
}

fn probe_ping(ns: Option<&Netns>, id: u16) -> Res<PingEcho> {
    if ns.is_some() {
        host::set_sysctl("net/ipv4/ping_group_range", "0 2147483647")?;
    }
    let range = host::sysctl("net/ipv4/ping_group_range").unwrap_or_default();
    let dgram = sys::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, libc::IPPROTO_ICMP);
    let socket = outcome_of(&dgram);
    let opened = match dgram {
        Ok(fd) => {
            let got = echo(&fd, id, false)?;
            // The kernel picked the id: the ping socket's "port", bound by the sendto.
            let port = sockets::port_of(&sys::getsockname(&fd)?);
            Ok((port, got))
        }
        Err(err) if err.code() == Errno::EACCES || err.code() == Errno::EPERM => {
            Err(err.to_string())
        }
        Err(err) => return Err(err.into()),
    };
    Ok(PingEcho {
        ping_group_range: range.replace('\t', " "),
        socket,
        opened,
    })
}

/// An ICMP echo to 127.0.0.1, from a raw socket and from a ping socket.
///
/// The raw socket (root: `CAP_NET_RAW`) writes the whole ICMP message, checksum included, and
/// reads replies with their IP header (protocol 1); it also sees the request itself arrive on
/// `lo`. The ping socket (`SOCK_DGRAM`, `IPPROTO_ICMP`; allowed for the gids in
/// `net.ipv4.ping_group_range`) reads ICMP without the IP header, and the kernel sets the echo id
/// to the socket's "port". Both replies are decoded (type 0, code 0, id, seq) and their
/// checksums recomputed. Cannot run when neither socket may be opened (`EPERM` / `EACCES`).
pub fn icmp_echo() -> Outcome {
    CLAIM.run_ns_or_host(|ns, e| {
        let id = (std::process::id() as u16) ^ 0x5a5a;
        let raw = kept(e, probe_raw(id)?);
        let ping = kept(e, probe_ping(ns, id)?);
        verdict(&raw, &ping)
    })
}

/// Held when every socket that could be opened got a correct echo reply; `CannotRun` when
/// neither could be opened.
fn verdict(raw: &RawEcho, ping: &PingEcho) -> Res<Finding> {
    let ran: Vec<Ran> = [raw.ran(), ping.ran()].into_iter().flatten().collect();
    if ran.is_empty() {
        let why = |r: Result<(), &String>| r.err().cloned().unwrap_or_default();
        return Err(Stop::Missing(format!(
            "SOCK_RAW needs CAP_NET_RAW ({}) and this gid is outside \
             net.ipv4.ping_group_range ({})",
            why(raw.opened.as_ref().map(drop)),
            why(ping.opened.as_ref().map(drop))
        )));
    }
    let all_ok = ran.iter().all(|(_, ok, _)| *ok);
    let paths: Vec<String> = ran
        .iter()
        .map(|(name, ok, rtt)| match rtt {
            Some(rtt) if *ok => format!("{name} {:.0} µs", rtt.as_secs_f64() * 1e6),
            _ => format!("{name}: no valid reply"),
        })
        .collect();
    Ok(if all_ok {
        (
            Verdict::Held,
            format!(
                "echo request to 127.0.0.1 answered with an echo reply (type 0, code 0, our id \
                 and seq, checksum valid) through {}: ICMP, a layer-3 protocol, read and \
                 written from a socket",
                paths.join(", ")
            ),
        )
    } else {
        (
            Verdict::Refuted,
            format!("no valid echo reply: {}", paths.join(", ")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_rfc_1071() {
        // RFC 1071's example words 0001 f203 f4f5 f6f7 sum to ddf2, complemented 220d.
        assert_eq!(
            checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0x220d
        );
        // A request carries its own checksum: summed again it gives 0; an odd length pads.
        let req = echo_request(0x1234, 7);
        assert_eq!(checksum(&req), 0);
        let d = decode(&req).unwrap();
        assert_eq!(
            (d.ty, d.code, d.id, d.seq, d.valid, d.payload_ok),
            (8, 0, 0x1234, 7, true, true)
        );
        assert_eq!(checksum(&[0xff]), !0xff00);
        assert!(decode(&req[..7]).is_none());
    }
}
