//! `socklab serve`, `pingpong` and `stream` as a library: a small server and two clients that
//! run socklab's own [`Socket`](crate::Socket) across a real (or emulated) link, the way sockperf,
//! netperf and iperf3 run as a server plus a client on two hosts.
//!
//! - [`Endpoint`]: the one address syntax of every subcommand — `IP:PORT`, `[v6%zone]:PORT`,
//!   `/path` or `@name` (an optional `unix:` prefix).
//! - [`serve`]: a single-threaded poll(2) loop that echoes or discards what many clients send.
//! - [`client`]: [`pingpong`](client::pingpong) (round-trip percentiles, lost and late UDP
//!   round trips) and [`stream`](client::stream) (throughput at the receiver, UDP loss), each
//!   bounded by a timeout so a peer that does not answer ends the run with an error.
//! - [`monitor`]: what a running client reports (intervals, progress) and how its caller stops
//!   it early (Ctrl-C) with what was measured so far.
//!
//! Everything is built on [`crate::sys`] and [`Socket`](crate::Socket): the calls show up in
//! `SOCKLAB_TRACE=1`'s log like any other socklab program's.
//!
//! # Example
//! A server in a thread, stopped through one end of a socketpair (the CLI uses a signalfd for
//! SIGINT/SIGTERM instead), and a pingpong against it:
//! ```
//! use socklab::net::{client, serve, Transport};
//! use socklab::sys::{self, AF_UNIX, SOCK_STREAM};
//! use std::os::fd::AsFd;
//! let server = serve::Server::bind(serve::Config {
//!     transport: Transport::Tcp,
//!     addr: "127.0.0.1:0".parse().unwrap(),
//!     mode: serve::Mode::Echo,
//!     max_conns: usize::MAX,
//!     rcvbuf: None,
//! })?;
//! let to = server.local().clone(); // 127.0.0.1:<the port the kernel picked>
//! let (stop_tx, stop_rx) = sys::socketpair(AF_UNIX, SOCK_STREAM, 0)?;
//! let t = std::thread::spawn(move || server.run(stop_rx.as_fd()));
//! let row = client::pingpong(&client::PingpongConfig {
//!     iters: Some(100), warmup: 10, ..client::PingpongConfig::new(to, Transport::Tcp)
//! })?;
//! assert_eq!(row.received, 100);
//! assert!(row.min_ns <= row.median_ns && row.median_ns <= row.p99_ns);
//! sys::write(&stop_tx, b"x")?;
//! let summary = t.join().unwrap()?;
//! assert_eq!((summary.connections, summary.bytes_in, summary.errors), (1, 110 * 64, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod client;
pub mod monitor;
pub mod serve;

use std::fmt;
use std::str::FromStr;

pub use crate::endpoint::Endpoint;

/// The transports `serve`, `pingpong` and `stream` speak.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// `SOCK_STREAM` over IPv4/IPv6.
    Tcp,
    /// `SOCK_DGRAM` over IPv4/IPv6.
    Udp,
    /// `AF_UNIX`, `SOCK_STREAM`.
    Unix,
}

impl Transport {
    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
            Transport::Unix => "unix",
        }
    }

    /// Whether the transport is a byte stream (TCP, Unix stream).
    pub fn is_stream(self) -> bool {
        self != Transport::Udp
    }

    /// The transport an address implies when `--transport` is not given: `unix` for a path or
    /// an abstract name, `tcp` for an IP address.
    pub fn default_for(addr: &Endpoint) -> Transport {
        if addr.is_unix() {
            Transport::Unix
        } else {
            Transport::Tcp
        }
    }

    /// Message sizes this transport takes, for `--size`: `(min, max)`. UDP datagrams carry an
    /// 8-byte sequence number first and at most 65507 bytes (the IPv4 maximum); streams take up
    /// to 1 MiB per message.
    pub fn size_range(self) -> (usize, usize) {
        match self {
            Transport::Udp => (8, MAX_DATAGRAM),
            _ => (1, MAX_STREAM_MSG),
        }
    }

    /// `Ok` when `addr` is of this transport's family.
    ///
    /// # Errors
    /// [`NetError::AddrFamily`] naming the flag (`flag`) and what the transport needs:
    /// `--to: /tmp/s is a Unix address; --transport tcp needs IP:PORT or [v6]:PORT`.
    pub fn check_addr(self, flag: &'static str, addr: &Endpoint) -> Result<(), NetError> {
        match (self, addr.is_unix()) {
            (Transport::Unix, false) | (Transport::Tcp | Transport::Udp, true) => {
                Err(NetError::AddrFamily {
                    flag,
                    addr: addr.clone(),
                    transport: self,
                })
            }
            _ => Ok(()),
        }
    }

    /// `Ok(())` when `size` is in [`size_range`](Transport::size_range).
    ///
    /// # Errors
    /// [`NetError::OutOfRange`]: `--size: N is out of range for T (allowed: a..=b)`.
    pub fn check_size(self, size: usize) -> Result<(), NetError> {
        let (lo, hi) = self.size_range();
        if size < lo || size > hi {
            let why = if self == Transport::Udp {
                "; a datagram starts with an 8-byte sequence number"
            } else {
                ""
            };
            return Err(NetError::OutOfRange {
                flag: "--size",
                value: size.to_string(),
                transport: Some(self),
                allowed: format!("{lo}..={hi}{why}"),
            });
        }
        Ok(())
    }
}

/// The largest UDP payload over IPv4 (65535 - 20 - 8): compare's limit, the same for every
/// subcommand.
pub use crate::measure::MAX_DATAGRAM;
/// The largest `--size` for stream transports (one message, one buffer).
pub const MAX_STREAM_MSG: usize = 1 << 20;
/// The largest `--iters` (the samples go into a fixed-size histogram; this bounds the run's
/// length).
pub const MAX_ITERS: u64 = 10_000_000;
/// The longest `--seconds` of a run (and `--timeout`).
pub const MAX_SECONDS: f64 = 3600.0;

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Transport {
    type Err = NetError;
    /// `tcp`, `udp` or `unix`; anything else is [`NetError::Unknown`].
    fn from_str(s: &str) -> Result<Transport, NetError> {
        match s {
            "tcp" => Ok(Transport::Tcp),
            "udp" => Ok(Transport::Udp),
            "unix" => Ok(Transport::Unix),
            _ => Err(NetError::Unknown {
                what: "transport",
                name: s.to_owned(),
                allowed: "tcp, udp, unix",
            }),
        }
    }
}

/// The one error type of `socklab::net`: why a `serve`/`pingpong`/`stream` run stopped, or why
/// its settings were refused ([`is_usage`](NetError::is_usage): the CLI's exit code 2).
#[derive(Debug)]
#[non_exhaustive]
pub enum NetError {
    /// An address of the other family than the transport needs (`--transport unix` with an IP
    /// address; tcp or udp with a Unix path or name).
    AddrFamily {
        /// The flag that gave the address (`--to`, `--addr`).
        flag: &'static str,
        /// The address as given.
        addr: Endpoint,
        /// The transport it was meant for.
        transport: Transport,
    },
    /// A setting outside its range (`--size 0`, `--iters 0`, `--seconds -1`).
    OutOfRange {
        /// The flag (`--size`).
        flag: &'static str,
        /// The value as given.
        value: String,
        /// The transport whose range it is, when the range depends on it.
        transport: Option<Transport>,
        /// What is allowed (`1..=1048576`), and why when it is not obvious.
        allowed: String,
    },
    /// A name that is not one of the allowed ones (`--transport quic`, `--mode loud`).
    Unknown {
        /// What was named (`transport`, `mode`).
        what: &'static str,
        /// The name as given.
        name: String,
        /// The allowed names, comma-separated.
        allowed: &'static str,
    },
    /// A flag the transport cannot honour (`--verify` over UDP).
    NotFor {
        /// The flag (`--verify`).
        flag: &'static str,
        /// The transport asked for.
        transport: Transport,
        /// Why not, and what to use instead.
        why: &'static str,
    },
    /// A system call failed: the call, its arguments and the errno, as strace prints them.
    Sys(crate::Error),
    /// The peer broke the protocol (short echo, wrong bytes, no answer).
    Protocol(String),
    /// Nothing came back within the timeout: the peer does not echo (a sink, another
    /// service), or stopped answering.
    NoEcho {
        /// The timeout that ran out.
        within: std::time::Duration,
        /// Answers received before (warm-up included): 0 when the peer never echoed.
        after: u64,
    },
}

impl NetError {
    /// Whether this is bad input (a setting refused before any socket is made) rather than a
    /// failure of the run: the CLI prints it as one line and exits with code 2.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            NetError::AddrFamily { .. }
                | NetError::OutOfRange { .. }
                | NetError::Unknown { .. }
                | NetError::NotFor { .. }
        )
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetError::AddrFamily {
                flag,
                addr,
                transport: Transport::Unix,
            } => write!(
                f,
                "{flag}: {addr} is an IP address; --transport unix needs /path or @name"
            ),
            NetError::AddrFamily {
                flag,
                addr,
                transport,
            } => write!(
                f,
                "{flag}: {addr} is a Unix address; --transport {transport} needs IP:PORT or [v6]:PORT"
            ),
            NetError::OutOfRange {
                flag,
                value,
                transport,
                allowed,
            } => {
                write!(f, "{flag}: {value} is out of range")?;
                if let Some(t) = transport {
                    write!(f, " for {t}")?;
                }
                write!(f, " (allowed: {allowed})")
            }
            NetError::Unknown {
                what,
                name,
                allowed,
            } => write!(f, "unknown {what} '{name}' (allowed: {allowed})"),
            NetError::NotFor {
                flag,
                transport,
                why,
            } => write!(f, "{flag} is not for {transport}: {why}"),
            NetError::Protocol(m) => f.write_str(m),
            NetError::NoEcho { within, after: 0 } => write!(
                f,
                "no echo within {}: is the server in --mode echo?",
                client::human(*within)
            ),
            NetError::NoEcho { within, after } => write!(
                f,
                "no echo within {} after {after} answered round trips: the server stopped answering",
                client::human(*within)
            ),
            NetError::Sys(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for NetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NetError::Sys(e) => Some(e),
            _ => None,
        }
    }
}

impl From<crate::Error> for NetError {
    fn from(e: crate::Error) -> NetError {
        NetError::Sys(e)
    }
}

/// `{socklab_version, env, rows}`: the document `pingpong --json` and `stream --json` print.
#[derive(Clone, Debug, serde::Serialize)]
pub struct JsonDoc<R: serde::Serialize> {
    /// This crate's version.
    pub socklab_version: &'static str,
    /// Where the run ran: compare's `env` block (`pin` is `none`: nothing is pinned).
    pub env: crate::measure::env::Env,
    /// One row per run.
    pub rows: Vec<R>,
}

/// The JSON document for `rows`, pretty-printed, with a trailing newline.
pub fn json<R: serde::Serialize>(rows: Vec<R>) -> String {
    let doc = JsonDoc {
        socklab_version: env!("CARGO_PKG_VERSION"),
        env: crate::measure::env::Env::capture("none", None),
        rows,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_refused_with_typed_errors() {
        let ip: Endpoint = "127.0.0.1:9".parse().unwrap();
        let path: Endpoint = "/tmp/x.sock".parse().unwrap();
        let e = Transport::Unix.check_addr("--to", &ip).unwrap_err();
        assert!(matches!(
            e,
            NetError::AddrFamily {
                flag: "--to",
                transport: Transport::Unix,
                ..
            }
        ));
        assert!(e.is_usage());
        assert_eq!(
            e.to_string(),
            "--to: 127.0.0.1:9 is an IP address; --transport unix needs /path or @name"
        );
        let e = Transport::Udp.check_addr("--addr", &path).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--addr: /tmp/x.sock is a Unix address; --transport udp needs IP:PORT or [v6]:PORT"
        );
        assert!(Transport::Tcp.check_addr("--to", &ip).is_ok());

        let e = Transport::Udp.check_size(4).unwrap_err();
        assert!(matches!(
            &e,
            NetError::OutOfRange {
                flag: "--size",
                transport: Some(Transport::Udp),
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "--size: 4 is out of range for udp (allowed: 8..=65507; a datagram starts with an \
             8-byte sequence number)"
        );
        assert!(Transport::Tcp.check_size(MAX_STREAM_MSG).is_ok());

        let e = "quic".parse::<Transport>().unwrap_err();
        assert!(
            matches!(
                &e,
                NetError::Unknown {
                    what: "transport",
                    ..
                }
            ) && e.is_usage()
        );
        assert_eq!(
            e.to_string(),
            "unknown transport 'quic' (allowed: tcp, udp, unix)"
        );
        let e = client::stream(&client::StreamConfig {
            verify: true,
            ..client::StreamConfig::new(ip.clone(), Transport::Udp)
        })
        .unwrap_err();
        assert!(e.is_usage(), "{e}");
        assert_eq!(
            e.to_string(),
            "--verify is not for udp: a UDP server counts datagrams, nothing comes back whole to \
             checksum (use tcp or unix)"
        );
        let e = "loud".parse::<serve::Mode>().unwrap_err();
        assert_eq!(e.to_string(), "unknown mode 'loud' (allowed: echo, sink)");
    }
}
