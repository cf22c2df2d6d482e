//! The `socklab` command line: parses flags into the library's types, runs, prints. No logic of
//! its own (see `socklab::compare` for the harness).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use socklab::compare::paths::{PathName, Transport};
use socklab::compare::{self, Config, Mode, Pin};

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
    Compare(CompareArgs),
    /// Each claim of the primer (stream vs datagram, handshake, loss, ordering, speed, ports,
    /// layers) measured on loopback and in private network namespaces, with a verdict. Parts
    /// that need root (namespaces, raw sockets, tc) say why when they cannot run.
    Experiments(ExperimentsArgs),
}

#[derive(Args)]
struct ExperimentsArgs {
    /// Print only the table of verdicts, not each experiment's method and evidence
    #[arg(long)]
    brief: bool,
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
    #[arg(long, value_delimiter = ',', default_value = "64")]
    size: Vec<usize>,
    /// Paths, comma-separated [default: every path the mode has]
    #[arg(long, value_delimiter = ',', value_parser = parse_path)]
    paths: Vec<PathName>,
    /// Measured operations per path and row
    #[arg(long, default_value_t = Config::default().iters)]
    iters: u64,
    /// Unrecorded operations per path before the first round
    #[arg(long, default_value_t = Config::default().warmup)]
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
    #[arg(long, default_value_t = Config::default().batch)]
    batch: usize,
    /// Interleaved rounds the iterations are split into
    #[arg(long, default_value_t = Config::default().rounds)]
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
    /// Internal: the traced child of the syscall count
    #[arg(long, hide = true)]
    count_child: bool,
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
            rounds: if self.count_child { 1 } else { self.rounds },
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
        return usage_error(&msg);
    }
    if args.count_child {
        // The parent's SOCKLAB_TRACE reaches this child too: its lines would be counted as the
        // paths' syscalls.
        #[cfg(feature = "trace")]
        socklab::trace::disable();
        return match compare::count::child(&cfg) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: count child: {e}");
                ExitCode::FAILURE
            }
        };
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
    match report {
        Ok(r) if args.json => print!("{}", compare::report::json(&r)),
        Ok(r) => print!("{}", compare::report::table(&r)),
        Err(e) => {
            eprintln!("\nerror: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version: stdout, exit 0
        Err(e) => {
            let text = e.render().to_string();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            return usage_error(first.trim_start_matches("error: "));
        }
    };
    if cli.trace {
        if let Err(msg) = enable_trace() {
            return usage_error(msg);
        }
    }
    match &cli.cmd {
        Cmd::Compare(args) => compare(args),
        Cmd::Experiments(args) => experiments(args),
    }
}

/// `socklab experiments`: runs `socklab::experiments::run_all` and prints its report.
fn experiments(args: &ExperimentsArgs) -> ExitCode {
    let started = std::time::Instant::now();
    let outcomes = socklab::experiments::run_all();
    if !args.brief {
        for o in &outcomes {
            println!("{o}");
        }
    }
    print!("{}", socklab::experiments::summary_table(&outcomes));
    println!(
        "({} experiments in {:.1} s)",
        outcomes.len(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
