//! The `socklab` command line: parses flags into the library's types, runs, prints. No logic of
//! its own (see `socklab::compare` for the harness). One module per subcommand family
//! (`compare`, `net`, `experiments`, `learn`, `parity`), the shared number parsers (`parse`) and the
//! one way to write stdout and exit (`output`).
#![deny(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod compare;
mod experiments;
mod learn;
mod net;
mod output;
mod parity;
mod parse;

use output::usage_error;

/// socklab: the POSIX socket API from Rust, measured against C.
#[derive(Parser)]
#[command(name = "socklab", version, about)]
struct Cli {
    /// Print every socklab::sys call on stderr in strace's format (as SOCKLAB_TRACE=1); the
    /// c, std, nix, socket2 and rustix paths make their calls elsewhere and are not shown
    #[arg(long, global = true)]
    trace: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Every syscall path (c, libc-*, std, nix, socket2, rustix; with --paths event: epoll, mio,
    /// tokio, io_uring) as a ratio to the C floor and its C twin, measured interleaved in one run. Progress on stderr, the table (or --json) on stdout;
    /// exports, a plot and baselines beside it. Ctrl-C prints the groups measured so far.
    #[command(allow_negative_numbers = true)]
    Compare(compare::CompareArgs),
    /// Saved compare runs (--export-json, --save-baseline, --json) re-rendered as a table,
    /// Markdown, CSV or a plot; two or more side by side, their env blocks in columns, rows
    /// matched by mode, transport, size and path, each run compared with the first
    Report(compare::ReportArgs),
    /// Each claim of the primer (stream vs datagram, truncation, handshake, backlog, loss,
    /// ordering, speed, Nagle, ports, layers, ICMP) measured on loopback and in private network
    /// namespaces, with a verdict. Parts that need root (namespaces, raw sockets, tc) say why
    /// when they cannot run. `--list` names them; give names to run only those.
    Experiments(experiments::ExperimentsArgs),
    /// What an errno (or EAI_* code) means for the socket calls that return it: number, text, the
    /// calls and their usual causes, what to try, two lines of C that trigger it
    #[command(allow_negative_numbers = true)]
    Explain(learn::ExplainArgs),
    /// A socket struct as C lays it out on this target: each field's offset, size, value and
    /// meaning, then the bytes (sockaddr_in, sockaddr_in6, sockaddr_un, msghdr, mmsghdr)
    Inspect(learn::InspectArgs),
    /// A server for pingpong/stream: echoes (or discards) what many clients send, in one poll
    /// loop. First stdout line: `listening on ADDR`; SIGINT/SIGTERM print a one-line summary.
    #[command(allow_negative_numbers = true)]
    Serve(net::ServeArgs),
    /// Round-trip time percentiles against `socklab serve --mode echo`.
    #[command(allow_negative_numbers = true)]
    Pingpong(net::PingpongArgs),
    /// Throughput counted at the receiver (and UDP loss) against `socklab serve`, either mode.
    #[command(allow_negative_numbers = true)]
    Stream(net::StreamArgs),
    /// Run two commands (a C program and its port) under strace with the same traffic and
    /// compare their socket calls side by side: fds, ports, pids, times and pointers
    /// normalised; exit 0 when identical, 1 when not, 2 on bad input
    #[command(after_help = parity::AFTER_HELP)]
    Parity(parity::ParityArgs),
}

/// `--trace`: turns the call log on for the whole run.
#[cfg(feature = "trace")]
fn enable_trace() -> Result<(), &'static str> {
    socklab::trace::enable();
    Ok(())
}

/// `--trace` in a build without the log: a usage error rather than a silent no-op.
#[cfg(not(feature = "trace"))]
fn enable_trace() -> Result<(), &'static str> {
    Err("--trace: this socklab was built without the `trace` feature")
}

/// A clap error as one line: its first, plus the allowed values clap lists on a line of their
/// own for a value outside a fixed set (`--mode warp`).
fn one_line(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let text = e.render().to_string();
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let first = first.trim_start_matches("error: ");
    match e.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(v)) if !v.is_empty() => {
            format!("{first} (allowed: {})", v.join(", "))
        }
        _ => first.to_string(),
    }
}

fn main() -> ExitCode {
    // The traced child of the syscall count (`compare::count`) runs here and exits.
    socklab::compare::count::child_entry();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version: stdout, exit 0
        // Plain `socklab`: the usage and the subcommands on stderr, exit 2.
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", e.render());
            return ExitCode::from(2);
        }
        Err(e) => return usage_error(&one_line(&e)),
    };
    #[cfg(feature = "trace")]
    if let Err(e) = socklab::trace::check_env() {
        return usage_error(&e.to_string());
    }
    if cli.trace {
        if let Err(msg) = enable_trace() {
            return usage_error(msg);
        }
    }
    match &cli.cmd {
        Cmd::Compare(args) => compare::run(args),
        Cmd::Report(args) => compare::report(args),
        Cmd::Experiments(args) => experiments::run(args),
        Cmd::Explain(args) => learn::explain(args),
        Cmd::Inspect(args) => learn::inspect(args),
        Cmd::Serve(args) => net::serve(args),
        Cmd::Pingpong(args) => net::pingpong(args),
        Cmd::Stream(args) => net::stream(args),
        Cmd::Parity(args) => parity::run(args),
    }
}
