//! The `socklab` command line: parses flags into the library's types, runs, prints. No logic of
//! its own (see `socklab::compare` for the harness).
#![deny(unsafe_code)]

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use socklab::compare::paths::{PathName, Transport};
use socklab::compare::{self, Config, Mode, Pin};

mod net_cli;

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
    /// Every syscall path (c, libc-*, std, nix, socket2, rustix) as a ratio to the C floor,
    /// measured interleaved in one run. Progress on stderr, the table (or --json) on stdout.
    #[command(allow_negative_numbers = true)]
    Compare(CompareArgs),
    /// Each claim of the primer (stream vs datagram, truncation, handshake, backlog, loss,
    /// ordering, speed, Nagle, ports, layers, ICMP) measured on loopback and in private network
    /// namespaces, with a verdict. Parts that need root (namespaces, raw sockets, tc) say why
    /// when they cannot run. `--list` names them; give names to run only those.
    Experiments(ExperimentsArgs),
    /// What an errno (or EAI_* code) means for the socket calls that return it: number, text, the
    /// calls and their usual causes, what to try, two lines of C that trigger it
    #[command(allow_negative_numbers = true)]
    Explain(ExplainArgs),
    /// A socket struct as C lays it out on this target: each field's offset, size, value and
    /// meaning, then the bytes (sockaddr_in, sockaddr_in6, sockaddr_un, msghdr, mmsghdr)
    Inspect(InspectArgs),
    /// A server for pingpong/stream: echoes (or discards) what many clients send, in one poll
    /// loop. First stdout line: `listening on ADDR`; SIGINT/SIGTERM print a one-line summary.
    #[command(allow_negative_numbers = true)]
    Serve(net_cli::ServeArgs),
    /// Round-trip time percentiles against `socklab serve --mode echo`.
    #[command(allow_negative_numbers = true)]
    Pingpong(net_cli::PingpongArgs),
    /// Throughput counted at the receiver (and UDP loss) against `socklab serve`, either mode.
    #[command(allow_negative_numbers = true)]
    Stream(net_cli::StreamArgs),
}

#[derive(Args)]
struct ExplainArgs {
    /// Errnos as symbols (EADDRINUSE) or numbers (98), or getaddrinfo codes (EAI_NONAME)
    #[arg(required = true, value_name = "ERRNO")]
    errnos: Vec<String>,
}

#[derive(Args)]
struct InspectArgs {
    /// sockaddr_in, sockaddr_in6, sockaddr_un, msghdr or mmsghdr
    #[arg(value_name = "STRUCT")]
    kind: String,
    /// The address for a sockaddr: 127.0.0.1:8080, [::1%lo]:9090, /tmp/x.sock, @abstract
    #[arg(value_name = "ADDRESS")]
    address: Option<String>,
}

#[derive(Args)]
struct ExperimentsArgs {
    /// Print only the table of verdicts, not each experiment's method and evidence
    #[arg(long)]
    brief: bool,
    /// List the experiments (name and claim) without running any
    #[arg(long, conflicts_with_all = ["brief", "json", "names"])]
    list: bool,
    /// Print one JSON document {socklab_version, env, experiments: [...]} instead of text
    #[arg(long)]
    json: bool,
    /// Run only these experiments [default: all]
    names: Vec<String>,
}

/// `--flag a,b` list parsers: each names the allowed values in its error.
fn parse_transport(s: &str) -> Result<Transport, String> {
    s.parse()
        .map_err(|e| format!("{e} (allowed: tcp, udp, unix, unixdgram)"))
}

fn parse_path(s: &str) -> Result<PathName, String> {
    s.parse()
        .map_err(|e| format!("{e} (allowed: {})", PathName::all_names()))
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
        .map_err(|e| format!("{e} (allowed: same-thread, rtt, stream, batch, syscall)"))
}

fn parse_pin(s: &str) -> Result<Pin, String> {
    s.parse()
        .map_err(|e| format!("{e} (allowed: same, split, none)"))
}

#[derive(Args)]
struct CompareArgs {
    /// Transports, comma-separated [default: each mode's: all; batch: udp,unixdgram]
    #[arg(long, value_delimiter = ',', value_parser = parse_transport)]
    transport: Vec<Transport>,
    /// Message sizes in bytes, comma-separated (1..=65507 datagrams, 1..=65536 streams)
    #[arg(long, value_delimiter = ',', default_value = "64", value_parser = net_cli::parse_compare_size)]
    size: Vec<usize>,
    /// Paths, comma-separated [default: every path the mode has]
    #[arg(long, value_delimiter = ',', value_parser = parse_path)]
    paths: Vec<PathName>,
    /// Measured operations per path and row (1..=1000000: ~16 B per sample and path)
    #[arg(long, default_value_t = Config::default().iters, value_parser = net_cli::parse_compare_iters)]
    iters: u64,
    /// Unrecorded operations per path before the first round
    #[arg(long, default_value_t = Config::default().warmup, value_parser = net_cli::parse_warmup)]
    warmup: u64,
    /// Pinning: same (one core), split (two cores), none
    #[arg(long, default_value = "same", value_parser = parse_pin)]
    pin: Pin,
    /// Modes, comma-separated [default: same-thread,rtt,batch,stream]
    #[arg(long, value_delimiter = ',', value_parser = parse_mode)]
    mode: Vec<Mode>,
    /// Print the JSON document of compare-schema.md instead of the table
    #[arg(long)]
    json: bool,
    /// Messages per batch in batch mode (1..=1024)
    #[arg(long, default_value_t = Config::default().batch, value_parser = net_cli::parse_compare_batch)]
    batch: usize,
    /// Interleaved rounds the iterations are split into
    #[arg(long, default_value_t = Config::default().rounds, value_parser = net_cli::parse_positive)]
    rounds: usize,
    /// Hold /dev/cpu_dma_latency at 0 µs during the run (needs root)
    #[arg(long)]
    dma_latency: bool,
    /// Skip counting syscalls under strace (syscalls_per_op becomes null)
    #[arg(long)]
    no_count: bool,
    /// Skip the Nagle canary
    #[arg(long)]
    no_nagle: bool,
}

impl CompareArgs {
    fn config(&self) -> Config {
        let d = Config::default();
        Config {
            modes: self.mode.clone(),
            transports: self.transport.clone(),
            sizes: self.size.clone(),
            paths: self.paths.clone(),
            iters: self.iters,
            warmup: self.warmup,
            // The strace child runs each row's `--iters` ops straight through, in no rounds.
            rounds: self.rounds,
            pin: self.pin,
            batch: self.batch,
            dma_latency: self.dma_latency,
            count_syscalls: !self.no_count,
            count_ops: d.count_ops,
            nagle: !self.no_nagle,
        }
    }
}

/// Bad input: one line on stderr, exit code 2.
fn usage_error(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn compare(args: &CompareArgs) -> ExitCode {
    let cfg = args.config();
    if let Err(msg) = cfg.validate() {
        return usage_error(&msg.to_string());
    }
    let mut stderr = std::io::stderr();
    // On a terminal the status line rewrites itself; in a log (CI, a file) each group is
    // announced once, on its own line, instead of one line per round glued together by `\r`.
    let tty = stderr.is_terminal();
    let mut last_group = String::new();
    let report = compare::run(&cfg, &mut |line| {
        if tty {
            let _ = write!(stderr, "\r{line}");
        } else {
            let group = line.split(" round ").next().unwrap_or(line);
            if group != last_group {
                let _ = writeln!(stderr, "{}", line.trim_end());
                last_group = group.to_string();
            }
        }
    });
    let printed = match report {
        Ok(r) if args.json => net_cli::emit(&compare::report::json(&r)),
        Ok(r) => net_cli::emit(&compare::report::table(&r)),
        Err(e) => {
            eprintln!("\nerror: {e}");
            return ExitCode::FAILURE;
        }
    };
    net_cli::or_exit(printed)
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

fn main() -> ExitCode {
    // The traced child of the syscall count (`compare::count`) runs here and exits.
    compare::count::child_entry();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version: stdout, exit 0
        // Plain `socklab`: the usage and the subcommands on stderr, exit 2.
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", e.render());
            return ExitCode::from(2);
        }
        Err(e) => {
            let text = e.render().to_string();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            return usage_error(first.trim_start_matches("error: "));
        }
    };
    #[cfg(feature = "trace")]
    if let Err(msg) = socklab::trace::check_env() {
        return usage_error(&msg);
    }
    if cli.trace {
        if let Err(msg) = enable_trace() {
            return usage_error(msg);
        }
    }
    match &cli.cmd {
        Cmd::Compare(args) => compare(args),
        Cmd::Experiments(args) => experiments(args),
        Cmd::Explain(args) => explain(args),
        Cmd::Inspect(args) => inspect(args),
        Cmd::Serve(args) => net_cli::serve(args),
        Cmd::Pingpong(args) => net_cli::pingpong(args),
        Cmd::Stream(args) => net_cli::stream(args),
    }
}

/// `socklab experiments [--list] [--json] [NAME…]`: lists, or runs the named experiments (all
/// by default) and prints their report.
fn experiments(args: &ExperimentsArgs) -> ExitCode {
    use socklab::experiments as x;
    if args.list {
        let width = x::ALL.iter().map(|e| e.name.len()).max().unwrap_or(0);
        let list: String = x::ALL
            .iter()
            .map(|e| format!("{:width$}  {}\n", e.name, e.claim))
            .collect();
        return net_cli::or_exit(net_cli::emit(&list));
    }
    let mut chosen = Vec::new();
    for name in &args.names {
        match x::find(name) {
            Some(e) => chosen.push(e),
            None => {
                return usage_error(&format!(
                    "unknown experiment {name:?} (valid: {})",
                    x::names()
                ))
            }
        }
    }
    if chosen.is_empty() {
        chosen = x::ALL.iter().collect();
    }
    let started = std::time::Instant::now();
    let outcomes: Vec<x::Outcome> = chosen.iter().map(|e| (e.run)()).collect();
    let mut text = String::new();
    if args.json {
        text = x::json(&outcomes);
    } else {
        if !args.brief {
            for o in &outcomes {
                text.push_str(&format!("{o}\n"));
            }
        }
        text.push_str(&x::summary_table(&outcomes));
        text.push_str(&format!(
            "({} experiments in {:.1} s)\n",
            outcomes.len(),
            started.elapsed().as_secs_f64()
        ));
    }
    if let Err(code) = net_cli::emit(&text) {
        return code;
    }
    // An experiment that broke (not a verdict, not a missing privilege) fails the command.
    if outcomes
        .iter()
        .any(|o| matches!(o.verdict, x::Verdict::Failed(_)))
    {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// `socklab explain ERRNO…`: every name is checked before anything is printed, so a typo gives
/// one line and exit 2 rather than half an answer.
fn explain(args: &ExplainArgs) -> ExitCode {
    let mut out = String::new();
    for text in &args.errnos {
        let Some(code) = socklab::explain::Code::parse(text) else {
            return usage_error(&format!(
                "explain: '{text}' is not an errno or EAI_* code (a symbol like EADDRINUSE or \
                 EAI_NONAME, or a number like 98)"
            ));
        };
        match code.explain() {
            Some(e) => out.push_str(&e.to_string()),
            None => out.push_str(&format!(
                "{} ({}): {}\n  no socket call commonly returns it; see errno(3)\n",
                code.name(),
                code.raw(),
                code.description()
            )),
        }
        out.push('\n');
    }
    let text = out.trim_end_matches('\n').to_owned() + "\n";
    net_cli::or_exit(net_cli::emit(&text))
}

/// `socklab inspect STRUCT [ADDRESS]`.
fn inspect(args: &InspectArgs) -> ExitCode {
    use socklab::inspect::{self, Kind};
    let Some(kind) = Kind::parse(&args.kind) else {
        return usage_error(&format!(
            "inspect: unknown struct '{}' (allowed: {})",
            args.kind,
            Kind::NAMES.join(", ")
        ));
    };
    match inspect::inspect(kind, args.address.as_deref()) {
        Ok(layouts) => {
            let text: Vec<String> = layouts.iter().map(ToString::to_string).collect();
            net_cli::or_exit(net_cli::emit(&text.join("\n")))
        }
        Err(e) => usage_error(&e.to_string()),
    }
}
