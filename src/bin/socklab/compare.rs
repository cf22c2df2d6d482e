//! `socklab compare`: its flags parsed into a `socklab::compare::Config`, the run with its
//! progress on stderr, the table or the JSON on stdout.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;
use socklab::compare::paths::{PathGroup, PathName, Transport};
use socklab::compare::{self, Config, Mode, Pin};

use crate::output::{emit, or_exit, usage_error};
use crate::parse::{count, parse_positive, parse_warmup, whole};

/// `--flag a,b` list parsers: each names the allowed values in its error.
fn parse_transport(s: &str) -> Result<Transport, String> {
    s.parse()
        .map_err(|e| format!("{e} (allowed: tcp, udp, unix, unixdgram)"))
}

/// One `--paths` value: a path, or a named group of them.
#[derive(Clone, Copy, Debug)]
enum PathArg {
    Path(PathName),
    Group(PathGroup),
}

fn parse_path(s: &str) -> Result<PathArg, String> {
    if let Ok(g) = s.parse() {
        return Ok(PathArg::Group(g));
    }
    s.parse().map(PathArg::Path).map_err(|e| {
        let groups: Vec<_> = PathGroup::ALL.iter().map(|g| g.name()).collect();
        format!(
            "{e} (allowed: {}; or a group: {})",
            PathName::all_names(),
            groups.join(", ")
        )
    })
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
        .map_err(|e| format!("{e} (allowed: same-thread, rtt, stream, batch, syscall)"))
}

fn parse_pin(s: &str) -> Result<Pin, String> {
    s.parse()
        .map_err(|e| format!("{e} (allowed: same, split, none)"))
}

/// `compare --size`: the per-transport range is checked by `Config::validate`.
fn parse_compare_size(s: &str) -> Result<usize, String> {
    whole(s, "1..=65507 for datagrams, 1..=65536 for streams").map(|v| v as usize)
}

/// `compare --batch` (each value of the list): the range is checked by `Config::validate`.
fn parse_compare_batch(s: &str) -> Result<usize, String> {
    whole(s, "1..=1024").map(|v| v as usize)
}

/// `compare --iters`: 1..=1 000 000 (each sample costs ~16 B per path, and compare runs a
/// dozen paths per row).
fn parse_compare_iters(s: &str) -> Result<u64, String> {
    count(s, 1, 1_000_000)
}

#[derive(Args)]
pub struct CompareArgs {
    /// Transports, comma-separated [default: each mode's: all; batch: udp,unixdgram]
    #[arg(long, value_delimiter = ',', value_parser = parse_transport)]
    transport: Vec<Transport>,
    /// Message sizes in bytes, comma-separated (1..=65507 datagrams, 1..=65536 streams); three
    /// or more print a fit per path and mode: t(size) = fixed + per_kib × size
    #[arg(long, value_delimiter = ',', default_value = "64", value_parser = parse_compare_size)]
    size: Vec<usize>,
    /// Paths or groups, comma-separated; c and each path's C twin are added, the ratios'
    /// references. Groups: default (what a run without --paths runs), event (the event-driven
    /// paths, not in the default run: libc-epoll, mio, tokio, io-uring and libc-busy-poll in
    /// same-thread and rtt beside libc-send-recv, io-uring-batch in batch beside libc-mmsg;
    /// ~20 s more), all (both) [default: every path the mode has but the event ones]
    #[arg(long, value_delimiter = ',', value_parser = parse_path)]
    paths: Vec<PathArg>,
    /// Measured operations per path and row (1..=1000000: ~16 B per sample and path)
    #[arg(long, default_value_t = Config::default().iters, value_parser = parse_compare_iters)]
    iters: u64,
    /// Unrecorded operations per path before the first round
    #[arg(long, default_value_t = Config::default().warmup, value_parser = parse_warmup)]
    warmup: u64,
    /// Pinning of every mode: same (one CPU; in stream mode the sender and the receiver then
    /// take turns, so it measures the scheduler too), split (the peer thread on a second CPU),
    /// none [default: same, and split for stream (same, with a note, on one CPU)]
    #[arg(long, value_parser = parse_pin)]
    pin: Option<Pin>,
    /// Modes, comma-separated [default: same-thread,rtt,batch,stream]
    #[arg(long, value_delimiter = ',', value_parser = parse_mode)]
    mode: Vec<Mode>,
    /// Print the JSON document (docs/compare-schema.md in the crate) instead of the table
    #[arg(long)]
    json: bool,
    /// Messages per batch in batch mode (1..=1024); a list (1,2,4,…,256) sweeps them in one
    /// interleaved group and prints a fit per batched path: t(batch) = per_msg + per_call / batch
    #[arg(long, value_delimiter = ',', default_value = "32", value_parser = parse_compare_batch)]
    batch: Vec<usize>,
    /// Interleaved rounds the iterations are split into
    #[arg(long, default_value_t = Config::default().rounds, value_parser = parse_positive)]
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
        // One --batch value is the batch; a list is a sweep, the per-call paths' samples
        // holding the largest.
        let (batch, batches) = match self.batch[..] {
            [one] => (one, Vec::new()),
            _ => (
                self.batch.iter().copied().max().unwrap_or(d.batch),
                self.batch.clone(),
            ),
        };
        Config {
            modes: self.mode.clone(),
            transports: self.transport.clone(),
            sizes: self.size.clone(),
            paths: self
                .paths
                .iter()
                .filter_map(|p| match p {
                    PathArg::Path(p) => Some(*p),
                    PathArg::Group(_) => None,
                })
                .collect(),
            path_groups: self
                .paths
                .iter()
                .filter_map(|p| match p {
                    PathArg::Group(g) => Some(*g),
                    PathArg::Path(_) => None,
                })
                .collect(),
            iters: self.iters,
            warmup: self.warmup,
            // The strace child runs each row's `--iters` ops straight through, in no rounds.
            rounds: self.rounds,
            pin: self.pin.unwrap_or(d.pin),
            stream_pin: self.pin.unwrap_or(d.stream_pin),
            batch,
            batches,
            dma_latency: self.dma_latency,
            count_syscalls: !self.no_count,
            count_ops: d.count_ops,
            nagle: !self.no_nagle,
        }
    }
}

/// `socklab compare`.
pub fn run(args: &CompareArgs) -> ExitCode {
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
        Ok(r) if args.json => emit(&compare::report::json(&r)),
        Ok(r) => emit(&compare::report::table(&r)),
        Err(e) => {
            eprintln!("\nerror: {e}");
            return ExitCode::FAILURE;
        }
    };
    or_exit(printed)
}
