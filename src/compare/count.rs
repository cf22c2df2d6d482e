//! `syscalls_per_op`, counted: the running program re-runs itself under `strace -f` to do every
//! row briefly, fencing each row's operations with `getppid()` markers, and the trace is counted
//! per window.
//!
//! Why markers and not `strace -c`: setup (socket, bind, thread start) and teardown happen in
//! the same process; only the calls between a row's two `getppid()` lines are that row's ops.
//! The echo and sender threads are traced too (`-f`), so `rtt` counts both sides of a round trip.
//!
//! # The child
//! [`count`] re-executes [`std::env::current_exe`] with [`CHILD_ENV`] holding the rows to run
//! (no command-line flags, no binary name involved); any program that calls [`child_entry`]
//! first thing in `main` (the `socklab` binary does) can count:
//!
//! ```no_run
//! // First thing in `main`: returns at once unless this run is the traced child.
//! socklab::compare::count::child_entry();
//! let counts = socklab::compare::count::count(&socklab::compare::Config::default())?;
//! println!("{counts:?}");
//! # Ok::<(), socklab::compare::count::CountError>(())
//! ```
//!
//! # The trace file
//! strace writes into an unnamed temporary file ([`tempfile::tempfile`]: `O_TMPFILE`, `0600`)
//! that it opens as `/proc/<our pid>/fd/<n>`. It has no name in any directory, so nothing can
//! be planted at its path beforehand and nothing is left behind on any exit (error, panic,
//! SIGINT, SIGKILL): the kernel frees it with its last descriptor.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::harness::{self, Cpus, Slot};
use super::{Config, Mode, Row};

/// Syscalls of the harness itself, not of a path: thread hand-offs (futex), the markers,
/// allocator and timing calls.
const HARNESS_CALLS: &[&str] = &[
    "futex",
    "getppid",
    "mmap",
    "munmap",
    "mprotect",
    "madvise",
    "brk",
    "sched_yield",
    "clock_gettime",
    "clock_nanosleep",
    "nanosleep",
    "rt_sigprocmask",
    "restart_syscall",
];

/// About how long [`count`] takes for `cfg`, in seconds, for the progress line's ETA: strace's
/// start, then per row the slot's set-up and its two settling sleeps (~20 ms under strace) and
/// `count_ops` operations at ~80 µs each (strace stops the process at every syscall). Measured
/// on a 2-CPU VM: 7.3 s for the default run's 203 rows, estimated 7.6 s.
pub fn estimate_secs(cfg: &Config) -> f64 {
    let rows: usize = cfg
        .groups()
        .iter()
        .map(|g| harness::slot_plan(g, cfg.batch).len())
        .sum();
    0.3 + rows as f64 * (0.020 + cfg.count_ops as f64 * 80e-6)
}

/// Unrecorded ops per row in the traced child before its first marker.
pub const CHILD_WARMUP: u64 = 10;

/// The row key the child prints and the parent matches: `mode transport size path`, and
/// ` batch=N` for a batched path's batch-mode row.
fn key(mode: Mode, transport: &str, size: usize, path: &str, batch: Option<usize>) -> String {
    let batch = batch.map_or(String::new(), |n| format!(" batch={n}"));
    format!("{mode} {transport} {size} {path}{batch}")
}

/// One row's count.
#[derive(Clone, Debug, PartialEq)]
pub struct Counted {
    /// The row's key: `mode transport size path`.
    pub key: String,
    /// Syscalls per operation.
    pub per_op: f64,
    /// `name` or `name×0.50` per op, most frequent first, joined by `+`.
    pub calls: String,
}

/// The part of the traced child: runs every row of `cfg` (`cfg.iters` ops each, no pinning, no
/// timing) between two `getppid()` markers and prints each finished row's key on stdout.
///
/// One path at a time: its slot is made and warmed up (so its echo/sender thread has started
/// and is blocked in its first call) before the window opens, and finished before the next
/// slot exists, so no other thread's start-up lands in a window.
///
/// # Errors
/// A setup or socket error.
pub fn child(cfg: &Config) -> io::Result<()> {
    for g in cfg.groups() {
        for (path, n) in harness::slot_plan(&g, cfg.batch) {
            let slot = Slot::new(g.mode, g.transport, g.size, n, path, Cpus::default());
            let mut slot = match slot {
                Err(e) if e.kind() == io::ErrorKind::Unsupported => continue,
                s => s?,
            };
            slot.run(slot.scaled(CHILD_WARMUP), false)?;
            // Let the peer thread reach its next blocking call before each marker: a call it
            // starts just after a marker would count on the wrong side (±1 per window).
            settle();
            let k = slot.scaled(cfg.iters);
            let _ = std::os::unix::process::parent_id(); // getppid(): window opens
            let r = slot.run(k, false);
            settle();
            let _ = std::os::unix::process::parent_id(); // getppid(): window closes
            r?;
            let batch = slot.batch_label();
            let ops = slot.messages_for(k);
            let row = key(g.mode, g.transport.name(), g.size, path.name(), batch);
            println!("{row}{OPS}{ops}");
            slot.finish()?;
        }
    }
    Ok(())
}

/// Sleeps long enough (even under strace) for a peer thread to block in its next call; the
/// sleep's own syscall is one of the harness calls left out of the count.
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(5));
}

/// What follows a row's key on the child's line: the operations (messages) it ran, which
/// `syscalls_per_op` divides by (whole batches in batch mode, a GSO path's segments per send in
/// stream mode: [`Slot::messages_for`], [`Slot::scaled`]).
const OPS: &str = " ops=";

/// A child's line: the row key and the operations it ran (`None` for a line without them).
fn parse_line(line: &str) -> (&str, Option<u64>) {
    match line.rsplit_once(OPS) {
        Some((key, n)) => (key, n.parse().ok()),
        None => (line, None),
    }
}

/// The environment variable that makes [`child_entry`] run the traced child: the rows to run,
/// as [`encode`] writes them.
pub const CHILD_ENV: &str = "SOCKLAB_COUNT_CHILD";

/// The child's first stdout line: proof that [`child_entry`] ran (a program that does not call
/// it would do its usual work under strace instead).
const CHILD_HELLO: &str = "socklab count child";

/// The child's part of `cfg` as one line, read back by [`decode`]: the groups (modes,
/// transports, sizes, paths and path groups), `iters` = `cfg.count_ops`, the batch size and the batch sweep.
/// Each value is a [`Mode`]/[`Transport`](super::paths::Transport)/
/// [`PathName`](super::paths::PathName) name or a number, so `;`, `=` and `,` never occur
/// inside one.
pub fn encode(cfg: &Config) -> String {
    fn list<T: ToString>(v: &[T]) -> String {
        v.iter().map(T::to_string).collect::<Vec<_>>().join(",")
    }
    format!(
        "modes={};transports={};sizes={};paths={};groups={};iters={};batch={};batches={}",
        list(&cfg.modes()),
        list(&cfg.transports),
        list(&cfg.sizes),
        list(&cfg.paths),
        list(&cfg.path_groups),
        cfg.count_ops,
        cfg.batch,
        list(&cfg.batches)
    )
}

/// The [`Config`] of the traced child from [`encode`]'s line (other fields at their defaults;
/// no pinning, no count of its own).
///
/// # Errors
/// A missing, unknown or malformed field, or a config [`Config::validate`] refuses.
pub fn decode(spec: &str) -> Result<Config, SpecError> {
    let mut cfg = Config {
        pin: super::Pin::None,
        // The child runs each row once, untimed: no interleaved rounds.
        rounds: 1,
        count_syscalls: false,
        nagle: false,
        ..Config::default()
    };
    let mut seen = Vec::new();
    for field in spec.split(';') {
        let (k, v) = field
            .split_once('=')
            .ok_or_else(|| SpecError::NotKeyValue(field.to_owned()))?;
        decode_field(&mut cfg, k, v)?;
        seen.push(k);
    }
    if let Some(k) = FIELDS.into_iter().find(|k| !seen.contains(k)) {
        return Err(SpecError::MissingField(k));
    }
    cfg.count_ops = cfg.iters;
    cfg.validate().map_err(SpecError::Invalid)?;
    Ok(cfg)
}

/// The fields of [`encode`]'s line, each required.
const FIELDS: [&str; 8] = [
    "modes",
    "transports",
    "sizes",
    "paths",
    "groups",
    "iters",
    "batch",
    "batches",
];

/// Sets `cfg`'s field `k` from its value `v`.
fn decode_field(cfg: &mut Config, k: &str, v: &str) -> Result<(), SpecError> {
    fn list<T: std::str::FromStr>(v: &str) -> Result<Vec<T>, T::Err> {
        v.split(',')
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect()
    }
    fn num<T>(key: &'static str, v: &str) -> Result<T, SpecError>
    where
        T: std::str::FromStr<Err = std::num::ParseIntError>,
    {
        v.parse().map_err(|source| SpecError::Number {
            key,
            value: v.to_owned(),
            source,
        })
    }
    match k {
        "modes" => cfg.modes = list(v).map_err(SpecError::Name)?,
        "transports" => cfg.transports = list(v).map_err(SpecError::Name)?,
        "sizes" => cfg.sizes = list(v).map_err(SpecError::Size)?,
        "paths" => cfg.paths = list(v).map_err(SpecError::Name)?,
        "groups" => cfg.path_groups = list(v).map_err(SpecError::Name)?,
        "iters" => cfg.iters = num("iters", v)?,
        "batch" => cfg.batch = num("batch", v)?,
        "batches" => cfg.batches = list(v).map_err(SpecError::Size)?,
        _ => return Err(SpecError::UnknownField(k.to_owned())),
    }
    Ok(())
}

/// Why [`decode`] refuses a child spec; each prints as one line naming the field.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SpecError {
    /// A field without `=`.
    NotKeyValue(String),
    /// A field this program does not know.
    UnknownField(String),
    /// A field left out.
    MissingField(&'static str),
    /// `iters` or `batch` not a number.
    Number {
        /// The field.
        key: &'static str,
        /// Its value.
        value: String,
        /// Why it does not parse.
        source: std::num::ParseIntError,
    },
    /// A mode, transport or path that is none of its kind's.
    Name(super::NameError),
    /// A size or batch size that is not a number.
    Size(std::num::ParseIntError),
    /// The config the spec gives fails [`Config::validate`].
    Invalid(super::ConfigError),
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpecError::NotKeyValue(field) => write!(f, "{field:?}: not key=value"),
            SpecError::UnknownField(k) => write!(f, "unknown field {k:?}"),
            SpecError::MissingField(k) => write!(f, "missing field {k:?}"),
            SpecError::Number { key, value, source } => write!(f, "{key}={value:?}: {source}"),
            SpecError::Name(e) => e.fmt(f),
            SpecError::Size(e) => e.fmt(f),
            SpecError::Invalid(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SpecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpecError::Number { source, .. } => Some(source),
            SpecError::Invalid(e) => e.source(),
            _ => None,
        }
    }
}

/// Runs the traced child and exits when [`CHILD_ENV`] is set; returns at once otherwise.
///
/// Call it first thing in `main` of any program that calls [`count`] (the `socklab` binary
/// does): [`count`] re-executes the current program with [`CHILD_ENV`] set, and this is where
/// that run does its rows instead of the program's usual work. Exits 0 when every row ran, 1
/// when one failed, 2 when [`CHILD_ENV`] does not [`decode`] (one line on stderr each time).
pub fn child_entry() {
    let Some(spec) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let cfg = match spec.to_str().map(decode) {
        Some(Ok(cfg)) => cfg,
        Some(Err(e)) => {
            eprintln!("error: {CHILD_ENV}: {e}");
            std::process::exit(2);
        }
        None => {
            eprintln!("error: {CHILD_ENV}: not UTF-8");
            std::process::exit(2);
        }
    };
    // The parent's SOCKLAB_TRACE reaches this child too: its lines would be counted as the
    // paths' syscalls.
    #[cfg(feature = "trace")]
    crate::trace::disable();
    println!("{CHILD_HELLO}");
    let code = match child(&cfg) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: count child: {e}");
            1
        }
    };
    std::process::exit(code);
}

/// An unnamed temporary file (`O_TMPFILE` where the file system has it, otherwise created with
/// a random name under `O_EXCL` and unlinked at once; see [`tempfile::tempfile`]), and the
/// `/proc/<pid>/fd/<n>` path through which another process can open it while `file` is open.
///
/// # Errors
/// Creating the file.
pub fn unnamed_trace_file() -> io::Result<(File, PathBuf)> {
    let file = tempfile::tempfile()?;
    let path = PathBuf::from(format!(
        "/proc/{}/fd/{}",
        std::process::id(),
        file.as_raw_fd()
    ));
    Ok((file, path))
}

/// Counts every row of `cfg` under strace, in a child run of this program (see the module doc:
/// its `main` must call [`child_entry`] first).
///
/// # Errors
/// Why nothing was counted, in one line: strace missing or failing, the child failing, or the
/// program not calling [`child_entry`] (then the child refuses to count again, so a program
/// that forgot it does not re-execute itself without end).
pub fn count(cfg: &Config) -> Result<Vec<Counted>, CountError> {
    if std::env::var_os(CHILD_ENV).is_some() {
        return Err(CountError::Recursive);
    }
    let exe = std::env::current_exe().map_err(CountError::CurrentExe)?;
    check_strace()?;
    let (stdout, trace) = trace_child(&exe, cfg)?;
    let mut keys = stdout.lines();
    if keys.next() != Some(CHILD_HELLO) {
        return Err(CountError::NoChildEntry);
    }
    let windows = parse_trace(&trace);
    let counted = keys.zip(windows).map(|(line, window)| {
        let (key, ops) = parse_line(line);
        let n = ops.unwrap_or(cfg.count_ops).max(1) as f64;
        summarize(key, &window, n)
    });
    Ok(counted.collect())
}

/// `strace -V` runs.
fn check_strace() -> Result<(), CountError> {
    match Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => Ok(()),
        _ => Err(CountError::NoStrace),
    }
}

/// Runs `exe` as the count child of `cfg` under `strace -f`: its stdout (the row keys) and the
/// trace, read back from the unnamed trace file.
fn trace_child(exe: &Path, cfg: &Config) -> Result<(String, String), CountError> {
    let (mut file, path) = unnamed_trace_file().map_err(CountError::TraceFile)?;
    let out = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&path)
        .arg(exe)
        .env(CHILD_ENV, encode(cfg))
        .stderr(Stdio::piped())
        .output()
        .map_err(CountError::Spawn)?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first_line = err.lines().next().unwrap_or("").trim().to_string();
        return Err(CountError::Failed {
            status: out.status,
            first_line,
        });
    }
    let mut trace = String::new();
    file.rewind()
        .and_then(|()| file.read_to_string(&mut trace))
        .map_err(CountError::ReadTrace)?;
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), trace))
}

/// What [`count`] says when the program does not call [`child_entry`].
const NO_ENTRY: &str = "this program does not call socklab::compare::count::child_entry() \
                        first thing in main";

/// Why [`count`] counted nothing. Each prints as one line (the report's note). `Debug` prints
/// that line as a quoted string, as the `String` error this type replaced did: a count error is
/// read in logs and test output, where the sentence is what helps.
#[non_exhaustive]
pub enum CountError {
    /// This run is itself a count child ([`CHILD_ENV`] set): the program did not call
    /// [`child_entry`] first, and counting again would re-execute it without end.
    Recursive,
    /// The path of this program ([`std::env::current_exe`]).
    CurrentExe(io::Error),
    /// `strace -V` does not run.
    NoStrace,
    /// Creating the unnamed trace file.
    TraceFile(io::Error),
    /// Starting strace.
    Spawn(io::Error),
    /// strace (or the child under it) failed: its exit status and the first line it printed.
    Failed {
        /// strace's exit status.
        status: std::process::ExitStatus,
        /// The first line of its stderr.
        first_line: String,
    },
    /// Reading the trace back.
    ReadTrace(io::Error),
    /// The child did not print its greeting: the program does not call [`child_entry`].
    NoChildEntry,
}

impl std::fmt::Display for CountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CountError::Recursive => write!(f, "{CHILD_ENV} is set: {NO_ENTRY}"),
            CountError::CurrentExe(e) => write!(f, "current_exe: {e}"),
            CountError::NoStrace => f.write_str("strace not found (apt-get install strace)"),
            CountError::TraceFile(e) => write!(f, "creating the trace file: {e}"),
            CountError::Spawn(e) => write!(f, "running strace: {e}"),
            CountError::Failed { status, first_line } => {
                write!(f, "strace run failed ({status}): {first_line}")
            }
            CountError::ReadTrace(e) => write!(f, "reading the trace: {e}"),
            CountError::NoChildEntry => write!(f, "the child did not count: {NO_ENTRY}"),
        }
    }
}

impl std::fmt::Debug for CountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl std::error::Error for CountError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CountError::CurrentExe(e)
            | CountError::TraceFile(e)
            | CountError::Spawn(e)
            | CountError::ReadTrace(e) => Some(e),
            _ => None,
        }
    }
}

/// One row's [`Counted`] from its window's per-name counts over `n` ops.
fn summarize(key: &str, window: &BTreeMap<String, u64>, n: f64) -> Counted {
    let total: u64 = window.values().sum();
    let mut by_count: Vec<(&String, &u64)> = window.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let calls: Vec<String> = by_count
        .into_iter()
        .map(|(name, &c)| {
            let per = c as f64 / n;
            if (per - 1.0).abs() < 0.005 {
                name.clone()
            } else if (per - per.round()).abs() < 0.005 {
                format!("{name}×{}", per.round())
            } else {
                format!("{name}×{per:.2}")
            }
        })
        .collect();
    Counted {
        key: key.to_string(),
        per_op: total as f64 / n,
        calls: calls.join("+"),
    }
}

/// Splits an `strace -f` trace into the windows between pairs of `getppid()` lines and counts
/// the syscalls started in each, by name, leaving out the harness' own calls
/// (futex, the markers, allocator and timing calls). A call split by
/// another thread (`<unfinished ...>` / `<... resumed>`) counts once, where it started.
pub fn parse_trace(text: &str) -> Vec<BTreeMap<String, u64>> {
    let mut windows = Vec::new();
    let mut open: Option<BTreeMap<String, u64>> = None;
    for line in text.lines() {
        // "1234 name(args) = ret": skip the pid, keep lines that start a call.
        let rest = line
            .trim_start()
            .split_once(' ')
            .map_or(line, |(_, r)| r)
            .trim_start();
        if rest.starts_with(['<', '+', '-']) {
            continue;
        }
        let Some(name) = rest.split_once('(').map(|(n, _)| n) else {
            continue;
        };
        if name == "getppid" {
            match open.take() {
                Some(w) => windows.push(w),
                None => open = Some(BTreeMap::new()),
            }
        } else if let Some(w) = open.as_mut() {
            if !HARNESS_CALLS.contains(&name) {
                *w.entry(name.to_string()).or_default() += 1;
            }
        }
    }
    windows
}

/// Writes each count into its row (`syscalls_per_op`, `calls`).
pub fn apply(rows: &mut [Row], counts: &[Counted]) {
    for row in rows {
        let k = key(
            row.mode,
            row.transport.name(),
            row.size,
            row.path.name(),
            row.batch,
        );
        if let Some(c) = counts.iter().find(|c| c.key == k) {
            row.syscalls_per_op = Some(c.per_op);
            row.calls = c.calls.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::paths::{PathName, Transport};
    use super::*;

    const TRACE: &str = "\
100 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 3
100 getppid()                         = 99
101 read(4,  <unfinished ...>
100 write(3, \"xx\", 2)                 = 2
101 <... read resumed>\"xx\", 2)        = 2
101 write(4, \"xx\", 2 <unfinished ...>
100 read(3,  <unfinished ...>
101 <... write resumed>)              = 2
100 <... read resumed>\"xx\", 2)        = 2
101 futex(0x1, FUTEX_WAKE_PRIVATE, 1) = 0
100 getppid()                         = 99
100 close(3)                          = 0
100 getppid()                         = 99
100 sendto(3, \"x\", 1, 0, NULL, 0)     = 1
100 getppid()                         = 99
100 +++ exited with 0 +++
";

    #[test]
    fn windows_count_started_calls() {
        let w = parse_trace(TRACE);
        assert_eq!(w.len(), 2);
        let first: Vec<_> = w[0].iter().map(|(k, &v)| (k.as_str(), v)).collect();
        assert_eq!(first, [("read", 2), ("write", 2)]);
        assert_eq!(w[1].get("sendto"), Some(&1));
        let c = summarize("k", &w[0], 2.0);
        assert_eq!((c.per_op, c.calls.as_str()), (2.0, "read+write"));
        let c = summarize("k", &w[1], 4.0);
        assert_eq!((c.per_op, c.calls.as_str()), (0.25, "sendto×0.25"));
    }

    #[test]
    fn the_child_spec_round_trips_the_rows() {
        let cfg = Config {
            modes: vec![Mode::Rtt, Mode::Batch],
            transports: vec![Transport::Udp, Transport::UnixDgram],
            sizes: vec![64, 1024],
            paths: vec![PathName::C, PathName::LibcMmsg],
            path_groups: vec![super::super::paths::PathGroup::Event],
            count_ops: 123,
            batch: 7,
            batches: vec![2, 7, 4],
            ..Config::default()
        };
        let spec = encode(&cfg);
        assert_eq!(
            spec,
            "modes=rtt,batch;transports=udp,unixdgram;sizes=64,1024;paths=c,libc-mmsg;\
             groups=event;iters=123;batch=7;batches=2,7,4"
        );
        let child = decode(&spec).unwrap();
        assert_eq!(child.groups(), cfg.groups());
        assert_eq!((child.iters, child.count_ops, child.batch), (123, 123, 7));
        assert_eq!(child.batches, [2, 7, 4]);
        assert!(!child.count_syscalls, "the child must not count again");
        // The defaults (empty lists) resolve the same way in the child.
        let d = Config::default();
        assert_eq!(decode(&encode(&d)).unwrap().groups(), d.groups());
    }

    #[test]
    fn row_keys_carry_the_batch_and_lines_the_ops() {
        let k = key(Mode::Batch, "udp", 64, "libc-mmsg", Some(16));
        assert_eq!(k, "batch udp 64 libc-mmsg batch=16");
        let line = format!("{k}{OPS}112");
        assert_eq!(parse_line(&line), (k.as_str(), Some(112)));
        let k = key(Mode::Rtt, "udp", 64, "c", None);
        assert_eq!(parse_line(&k), (k.as_str(), None));
    }

    /// What the child runs per row: whole batches, and a GSO path's segments per scheduled op.
    #[test]
    fn the_child_counts_messages_per_row() {
        let slot = |mode, path, n| Slot::new(mode, Transport::Udp, 64, n, path, Cpus::default());
        let mmsg = slot(Mode::Batch, PathName::LibcMmsg, 16).unwrap();
        assert_eq!(mmsg.messages_for(mmsg.scaled(100)), 112, "7 batches of 16");
        mmsg.finish().unwrap();
        let gso = slot(Mode::Stream, PathName::CGso, 1).unwrap();
        assert_eq!(
            gso.messages_for(gso.scaled(100)),
            6400,
            "64 datagrams per send"
        );
        gso.finish().unwrap();
        let per_msg = slot(Mode::Stream, PathName::C, 1).unwrap();
        assert_eq!(per_msg.messages_for(per_msg.scaled(100)), 100);
        per_msg.finish().unwrap();
    }

    #[test]
    fn a_bad_child_spec_is_one_line_naming_the_field() {
        let good = encode(&Config::default());
        for (spec, want) in [
            (String::new(), "not key=value"),
            ("modes=rtt".to_string(), "missing field \"transports\""),
            (good.replace("iters=", "iters=x"), "iters="),
            (good.replace("modes=", "modes=warp,"), "warp"),
            (format!("{good};colour=red"), "unknown field \"colour\""),
            (good.replace("batch=32", "batch=0"), "--batch"),
        ] {
            let err = decode(&spec).unwrap_err().to_string();
            assert!(err.contains(want), "{spec:?}: {err:?} lacks {want:?}");
            assert_eq!(err.lines().count(), 1, "{err:?}");
        }
    }

    #[test]
    fn the_trace_file_has_no_name_and_another_process_writes_it() {
        let (mut file, path) = unnamed_trace_file().unwrap();
        let target = std::fs::read_link(&path).unwrap();
        assert!(
            target.to_string_lossy().ends_with("(deleted)"),
            "the trace file has a name: {}",
            target.display()
        );
        // What strace does with `-o /proc/<pid>/fd/<n>`: open it by that path and write.
        let st = Command::new("sh")
            .arg("-c")
            .arg(format!("echo '1 getppid() = 0' > {}", path.display()))
            .status()
            .unwrap();
        assert!(st.success());
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        assert_eq!(text, "1 getppid() = 0\n");
    }
}
