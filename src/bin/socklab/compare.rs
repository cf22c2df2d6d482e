//! `socklab compare`: its flags parsed into a `socklab::compare::Config`, the run with its
//! progress on stderr, the table or the JSON on stdout.

use std::io::{IsTerminal, Write};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, ValueEnum};
use socklab::compare::baseline::{self, Comparison};
use socklab::compare::paths::{PathGroup, PathName, Transport};
use socklab::compare::report::{self, Style};
use socklab::compare::saved::{self, Form};
use socklab::compare::{self, plot, Config, Mode, Pin, Report};
use socklab::sys::signal::{self, SigSet, SFD_CLOEXEC, SFD_NONBLOCK, SIGINT, SIG_BLOCK};

use crate::net::EXIT_INTERRUPTED;
use crate::output::{emit, or_exit, usage_error, Export};
use crate::parse::{count, parse_positive, parse_warmup, whole};

/// A flag whose values are the names of `all` (`Mode::ALL`, `PathName::ALL`, …): `--help`
/// lists them, and a bad value's one-line error names them (`main` appends clap's list). The
/// names come from the library's tables, so a path added there is a value here.
pub fn one_of<T>(all: &[T], name: fn(T) -> &'static str) -> impl TypedValueParser<Value = T>
where
    T: Copy + Clone + Send + Sync + FromStr + 'static,
    <T as FromStr>::Err: std::error::Error + Send + Sync + 'static,
{
    PossibleValuesParser::new(all.iter().map(|&v| name(v))).try_map(|s| s.parse::<T>())
}

/// `--noise-threshold`: a fraction in (0, 1).
fn parse_noise(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        _ => Err(format!(
            "'{s}' is not a fraction (allowed: above 0 and below 1, e.g. 0.02 for ±2%)"
        )),
    }
}

/// One `--paths` value: a path, or a named group of them.
#[derive(Clone, Copy, Debug)]
enum PathArg {
    Path(PathName),
    Group(PathGroup),
}

/// `--paths`: every path's name and every group's, listed by `--help` and named in the
/// one-line error a bad value gets.
fn path_or_group() -> impl TypedValueParser<Value = PathArg> {
    let names = PathGroup::ALL
        .iter()
        .map(|g| g.name())
        .chain(PathName::ALL.iter().map(|p| p.name()));
    PossibleValuesParser::new(names).try_map(|s| match s.parse::<PathGroup>() {
        Ok(g) => Ok::<_, <PathName as std::str::FromStr>::Err>(PathArg::Group(g)),
        Err(_) => s.parse::<PathName>().map(PathArg::Path),
    })
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
    #[arg(long, value_delimiter = ',', value_parser = one_of(&Transport::ALL, Transport::name))]
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
    #[arg(long, value_delimiter = ',', value_parser = path_or_group())]
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
    #[arg(long, value_parser = one_of(&Pin::ALL, Pin::name))]
    pin: Option<Pin>,
    /// Modes, comma-separated; syscall (the bare cost of one syscall through each frame) runs
    /// only when named [default: same-thread,rtt,batch,stream]
    #[arg(long, value_delimiter = ',', value_parser = one_of(&Mode::ALL, Mode::name))]
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
    #[command(flatten)]
    keep: KeepArgs,
}

/// What `compare` keeps beside the table: exports (any combination, as hyperfine's), a plot, and
/// baselines (as criterion's).
#[derive(Args)]
pub struct KeepArgs {
    /// Also write the run as JSON to FILE: the --json document plus each row's per-round ratios
    /// and calls, the notes and any baseline comparison (what `socklab report` reads)
    #[arg(long, value_name = "FILE")]
    export_json: Option<PathBuf>,
    /// Also write the table as Markdown to FILE
    #[arg(long, value_name = "FILE")]
    export_markdown: Option<PathBuf>,
    /// Also write one CSV record per row to FILE
    #[arg(long, value_name = "FILE")]
    export_csv: Option<PathBuf>,
    /// Also draw each group's ratios to c with their ci95 (a size sweep as lines) as SVG to FILE
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Save the run as baseline NAME (NAME.json in the baseline directory)
    #[arg(long, value_name = "NAME")]
    save_baseline: Option<String>,
    /// Compare the run with baseline NAME: each row's change of ratio to c, flagged beyond the
    /// noise threshold, and of its median (not flagged)
    #[arg(long, value_name = "NAME")]
    baseline: Option<String>,
    /// Where baselines live [default: $CARGO_TARGET_DIR/socklab if set, else ./target/socklab]
    #[arg(long, value_name = "DIR")]
    baseline_dir: Option<PathBuf>,
    /// A change of ratio is flagged when its 95% interval lies wholly beyond ± this fraction
    #[arg(long, value_name = "FRACTION", default_value_t = baseline::DEFAULT_NOISE, value_parser = parse_noise)]
    noise_threshold: f64,
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

/// Ctrl-C during `compare`: SIGINT blocked in this thread before any harness thread exists (they
/// inherit the mask; children exec'd by std start with it cleared) and read from a non-blocking
/// signalfd between rounds, so no timed loop sees `EINTR` and the run ends with the groups it
/// finished.
struct CtrlC {
    fd: OwnedFd,
    seen: bool,
}

impl CtrlC {
    fn install() -> Result<CtrlC, socklab::Error> {
        let set = SigSet::of(&[SIGINT])?;
        signal::pthread_sigmask(SIG_BLOCK, &set)?;
        let fd = signal::signalfd(&set, SFD_NONBLOCK | SFD_CLOEXEC)?;
        Ok(CtrlC { fd, seen: false })
    }

    /// Whether SIGINT has come (once seen, always).
    fn stop(&mut self) -> bool {
        if !self.seen {
            self.seen = signal::read_signalfd(&self.fd).is_ok();
        }
        self.seen
    }
}

/// The files a run writes beside stdout, opened before it (a path that cannot be written is
/// bad input, not a lost run).
struct Exports {
    json: Option<Export>,
    markdown: Option<Export>,
    csv: Option<Export>,
    plot: Option<Export>,
}

impl Exports {
    fn open(k: &KeepArgs) -> Result<Exports, ExitCode> {
        let open =
            |flag, p: &Option<PathBuf>| p.as_deref().map(|p| Export::create(flag, p)).transpose();
        Ok(Exports {
            json: open("--export-json", &k.export_json)?,
            markdown: open("--export-markdown", &k.export_markdown)?,
            csv: open("--export-csv", &k.export_csv)?,
            plot: open("--plot", &k.plot)?,
        })
    }

    fn discard(self) {
        for x in [self.json, self.markdown, self.csv, self.plot]
            .into_iter()
            .flatten()
        {
            x.discard();
        }
    }

    /// Writes each file of `r` (compared with `vs`).
    fn write(self, r: &Report, vs: Option<&Comparison>) -> Result<(), ExitCode> {
        if let Some(x) = self.json {
            x.write(&saved::to_json(r, Form::Saved, vs))?;
        }
        if let Some(x) = self.markdown {
            x.write(&report::markdown(r, vs))?;
        }
        if let Some(x) = self.csv {
            x.write(&report::csv(r, vs))?;
        }
        if let Some(x) = self.plot {
            match plot::svg(&[("", r)]) {
                Ok(svg) => x.write(&svg)?,
                Err(e) => {
                    eprintln!("socklab: --plot: {e}");
                    x.discard();
                    return Err(ExitCode::FAILURE);
                }
            }
        }
        Ok(())
    }
}

/// `socklab compare`.
pub fn run(args: &CompareArgs) -> ExitCode {
    let cfg = args.config();
    if let Err(msg) = cfg.validate() {
        return usage_error(&msg.to_string());
    }
    let keep = &args.keep;
    let dir = keep
        .baseline_dir
        .clone()
        .unwrap_or_else(baseline::default_dir);
    if let Some(name) = &keep.save_baseline {
        if let Err(e) = baseline::file(&dir, name) {
            return usage_error(&format!("--save-baseline: {e}"));
        }
    }
    let then = match keep.baseline.as_deref().map(|n| baseline::load(&dir, n)) {
        Some(Err(e)) => return usage_error(&format!("--baseline: {e}")),
        Some(Ok(r)) => Some(r),
        None => None,
    };
    let exports = match Exports::open(keep) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut ctrl_c = match CtrlC::install() {
        Ok(c) => c,
        Err(e) => {
            exports.discard();
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stderr = std::io::stderr();
    // On a terminal the status line rewrites itself; in a log (CI, a file) each group is
    // announced once, on its own line, instead of one line per round glued together by `\r`.
    let tty = stderr.is_terminal();
    let mut last_group = String::new();
    let mut progress = |line: &str| {
        if tty {
            let _ = write!(stderr, "\r{line}");
        } else {
            let group = line.split(" round ").next().unwrap_or(line);
            if group != last_group {
                let _ = writeln!(stderr, "{}", line.trim_end());
                last_group = group.to_string();
            }
        }
    };
    let r = match compare::run_until(&cfg, &mut progress, &mut || ctrl_c.stop()) {
        Ok(r) => r,
        Err(e) => {
            exports.discard();
            eprintln!("\nerror: {e}");
            return ExitCode::FAILURE;
        }
    };
    let vs = then
        .as_ref()
        .zip(keep.baseline.as_deref())
        .map(|(t, name)| Comparison::new(&r, t, name, keep.noise_threshold));
    if let Err(code) = exports.write(&r, vs.as_ref()) {
        return code;
    }
    if let Some(name) = &keep.save_baseline {
        if r.incomplete.is_some() {
            eprintln!("--save-baseline {name}: not saved: the run was interrupted");
        } else {
            match baseline::save(&dir, name, &saved::to_json(&r, Form::Saved, vs.as_ref())) {
                Ok(path) => eprintln!("saved baseline {name}: {}", path.display()),
                Err(e) => {
                    eprintln!("socklab: --save-baseline: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    let text = if args.json {
        report::json(&r)
    } else {
        report::render(&r, vs.as_ref(), Style::Text)
    };
    match emit(&text) {
        Err(code) => code,
        Ok(()) if r.incomplete.is_some() => ExitCode::from(EXIT_INTERRUPTED),
        Ok(()) => ExitCode::SUCCESS,
    }
}

/// `socklab report`'s output forms.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// The table compare prints (several files: side by side)
    Table,
    /// The same as Markdown
    Markdown,
    /// One CSV record per row (one file)
    Csv,
    /// The saved JSON document, normalised (one file)
    Json,
}

/// `socklab report`.
#[derive(Args)]
pub struct ReportArgs {
    /// Saved runs (`compare --export-json`, `--save-baseline`, or `--json` output); with two or
    /// more, side by side: rows matched by mode, transport, size and path, each run compared
    /// with the first
    #[arg(required = true, value_name = "FILE.json")]
    files: Vec<PathBuf>,
    /// How to write it
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also draw the runs' ratios to c as SVG to FILE
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// A change of ratio is flagged when its 95% interval lies wholly beyond ± this fraction
    #[arg(long, value_name = "FRACTION", default_value_t = baseline::DEFAULT_NOISE, value_parser = parse_noise)]
    noise_threshold: f64,
}

/// `socklab report`: saved runs re-rendered, or side by side.
pub fn report(args: &ReportArgs) -> ExitCode {
    let mut runs = Vec::new();
    for f in &args.files {
        match saved::read(f) {
            Ok(r) => runs.push((f.display().to_string(), r)),
            Err(saved::LoadError::Io { path, source }) => {
                return usage_error(&format!("{}: {source}", path.display()))
            }
            Err(e) => return usage_error(&format!("{}: {e}", f.display())),
        }
    }
    let several = runs.len() > 1;
    if several && matches!(args.format, Format::Csv | Format::Json) {
        return usage_error(
            "--format: csv and json take one file (allowed with several: table, markdown)",
        );
    }
    let plot = match args.plot.as_deref().map(|p| Export::create("--plot", p)) {
        Some(Err(code)) => return code,
        Some(Ok(x)) => Some(x),
        None => None,
    };
    if let Some(x) = plot {
        let pairs: Vec<(&str, &Report)> = runs.iter().map(|(l, r)| (l.as_str(), r)).collect();
        match plot::svg(&pairs) {
            Ok(svg) => {
                if let Err(code) = x.write(&svg) {
                    return code;
                }
            }
            Err(e) => {
                x.discard();
                eprintln!("socklab: --plot: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let style = match args.format {
        Format::Markdown => Style::Markdown,
        _ => Style::Text,
    };
    let text = if several {
        let list: Vec<report::Run<'_>> = runs
            .iter()
            .map(|(label, r)| report::Run {
                label: label.clone(),
                report: r,
            })
            .collect();
        report::runs(&list, args.noise_threshold, style)
    } else {
        let r = &runs[0].1;
        match args.format {
            Format::Csv => report::csv(r, None),
            Format::Json => saved::to_json(r, Form::Saved, None),
            _ => report::render(r, None, style),
        }
    };
    or_exit(emit(&text))
}
