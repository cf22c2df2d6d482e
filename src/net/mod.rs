//! `socklab serve`, `pingpong` and `stream` as a library: a small server and two clients that
//! run socklab's own [`Socket`](crate::Socket) across a real (or emulated) link, the way sockperf,
//! netperf and iperf3 run as a server plus a client on two hosts.
//!
//! - [`Endpoint`]: the one address syntax of every subcommand — `IP:PORT`, `[v6%zone]:PORT`,
//!   `/path` or `@name` (an optional `unix:` prefix).
//! - [`serve`]: a single-threaded poll(2) loop that echoes or discards what many clients send.
//! - [`client`]: [`pingpong`](client::pingpong) (round-trip percentiles) and
//!   [`stream`](client::stream) (throughput at the receiver, UDP loss).
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
//!     to, transport: Transport::Tcp, size: 64, iters: 100, warmup: 10,
//! })?;
//! assert_eq!(row.received, 100);
//! assert!(row.min_ns <= row.median_ns && row.median_ns <= row.p99_ns);
//! sys::write(&stop_tx, b"x")?;
//! let summary = t.join().unwrap()?;
//! assert_eq!((summary.connections, summary.bytes_in, summary.errors), (1, 110 * 64, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod client;
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

    /// `Ok` when `addr` is of this transport's family, else the usage error to print.
    ///
    /// # Errors
    /// A message naming the flag (`flag`) and what the transport needs.
    pub fn check_addr(self, flag: &str, addr: &Endpoint) -> Result<(), String> {
        match (self, addr.is_unix()) {
            (Transport::Unix, false) => Err(format!(
                "{flag}: {addr} is an IP address; --transport unix needs /path or @name"
            )),
            (Transport::Tcp | Transport::Udp, true) => Err(format!(
                "{flag}: {addr} is a Unix address; --transport {self} needs IP:PORT or [v6]:PORT"
            )),
            _ => Ok(()),
        }
    }

    /// `Ok(())` when `size` is in [`size_range`](Transport::size_range), else the usage error.
    ///
    /// # Errors
    /// `--size: N is out of range for T (allowed: a..=b)`.
    pub fn check_size(self, size: usize) -> Result<(), String> {
        let (lo, hi) = self.size_range();
        if size < lo || size > hi {
            let why = if self == Transport::Udp {
                "; a datagram starts with an 8-byte sequence number"
            } else {
                ""
            };
            return Err(format!(
                "--size: {size} is out of range for {self} (allowed: {lo}..={hi}{why})"
            ));
        }
        Ok(())
    }
}

/// The largest UDP payload over IPv4 (65535 - 20 - 8): compare's limit, the same for every
/// subcommand.
pub use crate::compare::paths::MAX_DATAGRAM;
/// The largest `--size` for stream transports (one message, one buffer).
pub const MAX_STREAM_MSG: usize = 1 << 20;
/// The largest `--iters`: each round trip keeps an 8-byte sample, so 10 million is 80 MB.
pub const MAX_ITERS: u64 = 10_000_000;
/// The longest `--seconds` of a stream run.
pub const MAX_SECONDS: f64 = 3600.0;

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Transport {
    type Err = String;
    fn from_str(s: &str) -> Result<Transport, String> {
        match s {
            "tcp" => Ok(Transport::Tcp),
            "udp" => Ok(Transport::Udp),
            "unix" => Ok(Transport::Unix),
            _ => Err(format!("unknown transport '{s}' (allowed: tcp, udp, unix)")),
        }
    }
}

/// Why a `serve`/`pingpong`/`stream` run stopped.
#[derive(Debug)]
pub enum NetError {
    /// Bad input (an address, a size, a count): one line, exit code 2.
    Usage(String),
    /// A system call failed: the call, its arguments and the errno, as strace prints them.
    Sys(crate::Error),
    /// The peer broke the protocol (short echo, wrong bytes, no answer).
    Protocol(String),
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetError::Usage(m) | NetError::Protocol(m) => f.write_str(m),
            NetError::Sys(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for NetError {}

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
