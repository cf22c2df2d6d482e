//! The `serve`, `pingpong` and `stream` subcommands: flags parsed into `socklab::net`'s types,
//! run, printed.

use std::os::fd::AsFd;
use std::process::ExitCode;

use clap::Args;
use socklab::net::{self, client, serve, Endpoint, NetError, Transport};
use socklab::sys::signal::{self, SigSet, SFD_CLOEXEC, SIGINT, SIGTERM, SIG_BLOCK};

use crate::output::{emit, or_exit};
use crate::parse::{count, parse_positive, parse_warmup};

/// `--iters` (pingpong): 1..=10 000 000 (an 8–16 B sample each).
fn parse_iters(s: &str) -> Result<u64, String> {
    count(s, 1, net::MAX_ITERS)
}

/// `--size`: 1..=1 MiB here; each transport checks its own range afterwards.
fn parse_size(s: &str) -> Result<usize, String> {
    count(s, 1, net::MAX_STREAM_MSG as u64).map(|v| v as usize)
}

/// `--rcvbuf`: 1..=1 GiB.
fn parse_rcvbuf(s: &str) -> Result<usize, String> {
    count(s, 1, 1 << 30).map(|v| v as usize)
}

/// A positive decimal for `--seconds` / `--rate`.
fn parse_positive_f64(s: &str, hi: f64, unit: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v <= hi => Ok(v),
        Ok(v) => Err(format!(
            "{v} is out of range (allowed: {unit} above 0, at most {hi})"
        )),
        Err(_) => Err(format!(
            "'{s}' is not a number (allowed: {unit} above 0, at most {hi})"
        )),
    }
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    parse_positive_f64(s, net::MAX_SECONDS, "seconds")
}

fn parse_rate(s: &str) -> Result<f64, String> {
    parse_positive_f64(s, 1e6, "Mbit/s")
}

fn parse_transport(s: &str) -> Result<Transport, String> {
    s.parse().map_err(|e: NetError| e.to_string())
}

fn parse_mode(s: &str) -> Result<serve::Mode, String> {
    s.parse().map_err(|e: NetError| e.to_string())
}

fn parse_endpoint(s: &str) -> Result<Endpoint, String> {
    s.parse()
}

/// `socklab serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// tcp, udp or unix [default: unix for /path or @name, else tcp]
    #[arg(long, value_parser = parse_transport)]
    transport: Option<Transport>,
    /// Where to listen: IP:PORT, [v6%zone]:PORT, /path or @name (port 0: the kernel picks)
    #[arg(long, value_parser = parse_endpoint)]
    addr: Endpoint,
    /// echo: send everything back; sink: read and discard
    #[arg(long, default_value = "echo", value_parser = parse_mode)]
    mode: serve::Mode,
    /// Connections served at once; more wait in the listen backlog [default: no limit]
    #[arg(long, value_parser = parse_positive)]
    max_conns: Option<usize>,
    /// SO_RCVBUF in bytes (1..=1073741824; SO_RCVBUFFORCE when rmem_max caps it and we may)
    #[arg(long, value_parser = parse_rcvbuf)]
    rcvbuf: Option<usize>,
}

/// `socklab pingpong`.
#[derive(Args)]
pub struct PingpongArgs {
    /// The echo server: IP:PORT, [v6%zone]:PORT, /path or @name
    #[arg(long, value_parser = parse_endpoint)]
    to: Endpoint,
    /// tcp, udp or unix [default: unix for /path or @name, else tcp]
    #[arg(long, value_parser = parse_transport)]
    transport: Option<Transport>,
    /// Bytes per message (udp: 8..=65507, tcp/unix: 1..=1048576)
    #[arg(long, default_value = "64", value_parser = parse_size)]
    size: usize,
    /// Timed round trips (1..=10000000)
    #[arg(long, default_value = "10000", value_parser = parse_iters)]
    iters: u64,
    /// Untimed round trips first
    #[arg(long, default_value = "100", value_parser = parse_warmup)]
    warmup: u64,
    /// Print {socklab_version, env, rows} instead of the text line
    #[arg(long)]
    json: bool,
}

/// `socklab stream`.
#[derive(Args)]
pub struct StreamArgs {
    /// The server (echo or sink): IP:PORT, [v6%zone]:PORT, /path or @name
    #[arg(long, value_parser = parse_endpoint)]
    to: Endpoint,
    /// tcp, udp or unix [default: unix for /path or @name, else tcp]
    #[arg(long, value_parser = parse_transport)]
    transport: Option<Transport>,
    /// Bytes per send [default: 16384; udp 1400]
    #[arg(long, value_parser = parse_size)]
    size: Option<usize>,
    /// How long to send
    #[arg(long, default_value = "5", value_parser = parse_seconds)]
    seconds: f64,
    /// Pace the sender at R Mbit/s of payload [default: unpaced]
    #[arg(long, value_parser = parse_rate)]
    rate: Option<f64>,
    /// Print {socklab_version, env, rows} instead of the text line
    #[arg(long)]
    json: bool,
}

/// A library error as the CLI reports it: usage errors exit 2, the rest 1.
fn fail(e: NetError) -> ExitCode {
    eprintln!("error: {e}");
    if e.is_usage() {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

/// `socklab serve`: blocks SIGINT/SIGTERM and reads them from a signalfd in the poll loop, so
/// a signal ends the loop between two calls and the summary counts every byte.
pub fn serve(a: &ServeArgs) -> ExitCode {
    let transport = a
        .transport
        .unwrap_or_else(|| Transport::default_for(&a.addr));
    let cfg = serve::Config {
        transport,
        addr: a.addr.clone(),
        mode: a.mode,
        max_conns: a.max_conns.unwrap_or(usize::MAX),
        rcvbuf: a.rcvbuf,
    };
    // Block first (no thread exists yet that could take the signal), then read them as data.
    let stop = SigSet::of(&[SIGINT, SIGTERM])
        .and_then(|set| signal::pthread_sigmask(SIG_BLOCK, &set).map(|_| set))
        .and_then(|set| signal::signalfd(&set, SFD_CLOEXEC));
    let stop = match stop {
        Ok(fd) => fd,
        Err(e) => return fail(e.into()),
    };
    let server = match serve::Server::bind(cfg) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if let Err(code) = emit(&format!("listening on {}\n", server.local())) {
        return code;
    }
    match server.run(stop.as_fd()) {
        Ok(sum) => or_exit(emit(&format!("{sum}\n"))),
        Err(e) => fail(e),
    }
}

/// `socklab pingpong`.
pub fn pingpong(a: &PingpongArgs) -> ExitCode {
    let cfg = client::PingpongConfig {
        to: a.to.clone(),
        transport: a.transport.unwrap_or_else(|| Transport::default_for(&a.to)),
        size: a.size,
        iters: a.iters,
        warmup: a.warmup,
    };
    match client::pingpong(&cfg) {
        Ok(r) if a.json => or_exit(emit(&net::json(vec![r]))),
        Ok(r) => or_exit(emit(&format!("{r}\n"))),
        Err(e) => fail(e),
    }
}

/// `socklab stream`.
pub fn stream(a: &StreamArgs) -> ExitCode {
    let transport = a.transport.unwrap_or_else(|| Transport::default_for(&a.to));
    let size = a.size.unwrap_or(if transport == Transport::Udp {
        1400
    } else {
        16384
    });
    let cfg = client::StreamConfig {
        to: a.to.clone(),
        transport,
        size,
        seconds: a.seconds,
        rate_mbit: a.rate,
    };
    match client::stream(&cfg) {
        Ok(r) if a.json => or_exit(emit(&net::json(vec![r]))),
        Ok(r) => or_exit(emit(&format!("{r}\n"))),
        Err(e) => fail(e),
    }
}
