//! The `serve`, `pingpong` and `stream` subcommands: flags parsed into `socklab::net`'s types,
//! run, printed.

use std::fmt::Display;
use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use socklab::net::monitor::{Monitor, MAX_INTERVAL, MIN_INTERVAL};
use socklab::net::{self, client, serve, Endpoint, NetError, Transport};
use socklab::sys::signal::{self, SigAction, SigSet, SFD_CLOEXEC, SIGINT, SIGTERM, SIG_BLOCK};

use crate::output::{emit, or_exit, usage_error, Export};
use crate::parse::{count, parse_positive, parse_warmup};

/// Exit code of a run Ctrl-C ended after printing what it measured: 128 + SIGINT, what a shell
/// reports for a C tool killed by SIGINT.
pub const EXIT_INTERRUPTED: u8 = 130;

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

/// `--timeout`: seconds above 0, at most an hour.
fn parse_timeout(s: &str) -> Result<Duration, String> {
    parse_positive_f64(s, net::MAX_SECONDS, "seconds").map(Duration::from_secs_f64)
}

/// `-i`: 0.1..=60 seconds, as iperf3.
fn parse_interval(s: &str) -> Result<Duration, String> {
    let (lo, hi) = (MIN_INTERVAL.as_secs_f64(), MAX_INTERVAL.as_secs_f64());
    match s.trim().parse::<f64>() {
        Ok(v) if (lo..=hi).contains(&v) => Ok(Duration::from_secs_f64(v)),
        Ok(v) => Err(format!(
            "{v} is out of range (allowed: {lo}..={hi} seconds)"
        )),
        Err(_) => Err(format!(
            "'{s}' is not a number (allowed: {lo}..={hi} seconds)"
        )),
    }
}

/// `--transport`: `--help` lists the values, a bad one's error names them.
fn transport_values() -> impl TypedValueParser<Value = Transport> {
    PossibleValuesParser::new(["tcp", "udp", "unix"]).try_map(|s| s.parse::<Transport>())
}

/// `serve --mode`.
fn mode_values() -> impl TypedValueParser<Value = serve::Mode> {
    PossibleValuesParser::new(["echo", "sink"]).try_map(|s| s.parse::<serve::Mode>())
}

fn parse_endpoint(s: &str) -> Result<Endpoint, String> {
    s.parse()
}

/// `socklab serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// tcp, udp or unix [default: unix for /path or @name, else tcp]
    #[arg(long, value_parser = transport_values())]
    transport: Option<Transport>,
    /// Where to listen: IP:PORT, [v6%zone]:PORT, /path or @name (port 0: the kernel picks)
    #[arg(long, value_parser = parse_endpoint)]
    addr: Endpoint,
    /// echo: send everything back; sink: read and discard
    #[arg(long, default_value = "echo", value_parser = mode_values())]
    mode: serve::Mode,
    /// Connections served at once; more wait in the listen backlog [default: no limit]
    #[arg(long, value_parser = parse_positive)]
    max_conns: Option<usize>,
    /// SO_RCVBUF in bytes (1..=1073741824; SO_RCVBUFFORCE when rmem_max caps it and we may)
    #[arg(long, value_parser = parse_rcvbuf)]
    rcvbuf: Option<usize>,
}

/// What `pingpong` and `stream` share: how long to wait, interval reports, the outputs.
#[derive(Args)]
pub struct RunArgs {
    /// Seconds a receive (pingpong's echo) or a send (stream into a server that stopped reading)
    /// may wait before the run ends with an error
    #[arg(long, value_name = "SECS", default_value = "3", value_parser = parse_timeout)]
    timeout: Duration,
    /// Report every SECS seconds while running (0.1..=60, as iperf3 -i); in --json, as
    /// "intervals"
    #[arg(short = 'i', long = "interval", value_name = "SECS", value_parser = parse_interval)]
    interval: Option<Duration>,
    /// Print {socklab_version, env, rows} instead of the text line
    #[arg(long)]
    json: bool,
    /// Also write the --json document to FILE (the text line still goes to stdout)
    #[arg(long, value_name = "FILE")]
    export_json: Option<PathBuf>,
}

/// `socklab pingpong`.
#[derive(Args)]
pub struct PingpongArgs {
    /// The echo server: IP:PORT, [v6%zone]:PORT, /path or @name
    #[arg(long, value_parser = parse_endpoint)]
    to: Endpoint,
    /// tcp, udp or unix [default: unix for /path or @name, else tcp]
    #[arg(long, value_parser = transport_values())]
    transport: Option<Transport>,
    /// Bytes per message (udp: 8..=65507, tcp/unix: 1..=1048576)
    #[arg(long, default_value = "64", value_parser = parse_size)]
    size: usize,
    /// Timed round trips (1..=10000000) [default: 10000; none with --seconds]
    #[arg(long, value_parser = parse_iters)]
    iters: Option<u64>,
    /// Time bound of the timed round trips; with --iters, whichever ends first
    #[arg(long, value_parser = parse_seconds)]
    seconds: Option<f64>,
    /// Untimed round trips first
    #[arg(long, default_value = "100", value_parser = parse_warmup)]
    warmup: u64,
    #[command(flatten)]
    run: RunArgs,
}

/// `socklab stream`.
#[derive(Args)]
pub struct StreamArgs {
    /// The server (echo or sink): IP:PORT, [v6%zone]:PORT, /path or @name
    #[arg(long, value_parser = parse_endpoint)]
    to: Endpoint,
    /// tcp, udp or unix [default: unix for /path or @name, else tcp]
    #[arg(long, value_parser = transport_values())]
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
    /// Send fresh random bytes and checksum both ways (tcp/unix against --mode echo); costs
    /// per-byte work, reported as verify_s. Default: one fixed message, no byte touched
    #[arg(long)]
    verify: bool,
    /// TCP: set TCP_NODELAY (as iperf3 -N); by default Nagle's algorithm coalesces sends
    #[arg(long)]
    nodelay: bool,
    #[command(flatten)]
    run: RunArgs,
}

/// A library error as the CLI reports it: usage errors exit 2 ([`usage_error`]), the rest 1.
fn fail(e: NetError) -> ExitCode {
    if e.is_usage() {
        return usage_error(&e.to_string());
    }
    eprintln!("error: {e}");
    ExitCode::FAILURE
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

/// What a running pingpong/stream shows: interval lines on stdout (text mode), a progress bar
/// on stderr when it is a terminal and the run has lasted a second, and Ctrl-C as a stop.
struct Live {
    /// Print each interval as a line (text mode; in --json they are in the document).
    lines: bool,
    /// stderr is a terminal: a progress bar may be drawn.
    tty: bool,
    bar: Option<ProgressBar>,
    /// SIGINTs counted before the run.
    interrupts: u32,
    /// stdout failed while printing an interval: stop, and exit with this code.
    closed: Option<ExitCode>,
}

impl Live {
    /// Installs the SIGINT handler (counts, no `SA_RESTART`: a blocked call returns `EINTR`, and
    /// the run ends with what it measured).
    fn start(run: &RunArgs) -> Result<Live, NetError> {
        signal::sigaction(SIGINT, SigAction::Interrupt)?;
        Ok(Live {
            lines: !run.json,
            tty: std::io::stderr().is_terminal(),
            bar: None,
            interrupts: signal::interrupts(),
            closed: None,
        })
    }

    fn done(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl<I: Display> Monitor<I> for Live {
    fn stop(&self) -> bool {
        self.closed.is_some() || signal::interrupts() != self.interrupts
    }

    fn interval(&mut self, report: &I) {
        if !self.lines || self.closed.is_some() {
            return;
        }
        let line = format!("{report}\n");
        let r = match &self.bar {
            Some(b) => b.suspend(|| emit(&line)),
            None => emit(&line),
        };
        self.closed = r.err();
    }

    fn progress(&mut self, elapsed: Duration, done: f64) {
        if !self.tty || elapsed < Duration::from_secs(1) {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            // A fixed width, short of the terminal's: the ^C a terminal echoes must not wrap
            // the line, or the bar could not clear itself.
            let style = ProgressStyle::with_template("[{bar:40}] {percent:>3}% {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr())
                .with_style(style)
        });
        // The time left from the run's own pace (by count or by time), not the bar's estimate.
        let t = elapsed.as_secs_f64();
        let left = if done > 0.0 {
            t * (1.0 - done) / done
        } else {
            f64::NAN
        };
        bar.set_message(format!("{t:.0} s, ~{left:.0} s left"));
        bar.set_position((done * 1000.0) as u64);
    }
}

/// Runs `f` with a [`Live`] monitor and prints its row: the text line (or `--json`), the
/// `--export-json` file; exit 0, or 130 when Ctrl-C ended it, or the code of what failed.
fn run_client<R, F>(run: &RunArgs, interrupted: fn(&R) -> bool, f: F) -> ExitCode
where
    R: Display + serde::Serialize,
    F: FnOnce(&mut Live) -> Result<R, NetError>,
{
    let export = match run
        .export_json
        .as_deref()
        .map(|p| Export::create("--export-json", p))
    {
        Some(Err(code)) => return code,
        Some(Ok(x)) => Some(x),
        None => None,
    };
    let result = Live::start(run).and_then(|mut live| {
        let r = f(&mut live);
        live.done();
        match live.closed {
            Some(code) => Ok(Err(code)),
            None => r.map(Ok),
        }
    });
    let row = match result {
        Ok(Ok(row)) => row,
        Ok(Err(closed)) => {
            if let Some(x) = export {
                x.discard();
            }
            return closed;
        }
        Err(e) => {
            if let Some(x) = export {
                x.discard();
            }
            return fail(e);
        }
    };
    let stopped = interrupted(&row);
    let line = format!("{row}\n");
    let doc = net::json(vec![row]);
    if let Some(x) = export {
        if let Err(code) = x.write(&doc) {
            return code;
        }
    }
    match emit(if run.json { &doc } else { &line }) {
        Err(code) => code,
        Ok(()) if stopped => ExitCode::from(EXIT_INTERRUPTED),
        Ok(()) => ExitCode::SUCCESS,
    }
}

/// `socklab pingpong`.
pub fn pingpong(a: &PingpongArgs) -> ExitCode {
    let transport = a.transport.unwrap_or_else(|| Transport::default_for(&a.to));
    let defaults = client::PingpongConfig::new(a.to.clone(), transport);
    let cfg = client::PingpongConfig {
        size: a.size,
        // The library's default count, unless --seconds alone bounds the run.
        iters: a.iters.or(defaults.iters.filter(|_| a.seconds.is_none())),
        warmup: a.warmup,
        seconds: a.seconds,
        timeout: a.run.timeout,
        interval: a.run.interval,
        ..defaults
    };
    run_client(
        &a.run,
        |r: &client::PingpongRow| r.interrupted,
        |live| client::pingpong_with(&cfg, live),
    )
}

/// `socklab stream`.
pub fn stream(a: &StreamArgs) -> ExitCode {
    let transport = a.transport.unwrap_or_else(|| Transport::default_for(&a.to));
    let defaults = client::StreamConfig::new(a.to.clone(), transport);
    let cfg = client::StreamConfig {
        size: a.size.unwrap_or(defaults.size),
        seconds: a.seconds,
        rate_mbit: a.rate,
        verify: a.verify,
        nodelay: a.nodelay,
        timeout: a.run.timeout,
        interval: a.run.interval,
        ..defaults
    };
    run_client(
        &a.run,
        |r: &client::StreamRow| r.interrupted,
        |live| client::stream_with(&cfg, live),
    )
}
