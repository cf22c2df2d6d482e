//! `syscalls_per_op`, counted: the socklab binary re-runs every row briefly under `strace -f`,
//! fencing each row's operations with `getppid()` markers, and the trace is counted per window.
//!
//! Why markers and not `strace -c`: setup (socket, bind, thread start) and teardown happen in
//! the same process; only the calls between a row's two `getppid()` lines are that row's ops.
//! The echo and sender threads are traced too (`-f`), so `rtt` counts both sides of a round trip.

use std::collections::BTreeMap;
use std::io;
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

/// Unrecorded ops per row in the traced child before its first marker.
pub const CHILD_WARMUP: u64 = 10;

/// The row key the child prints and the parent matches: `mode transport size path`.
fn key(mode: Mode, transport: &str, size: usize, path: &str) -> String {
    format!("{mode} {transport} {size} {path}")
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
        for &path in &g.paths {
            let slot = Slot::new(
                g.mode,
                g.transport,
                g.size,
                cfg.batch,
                path,
                Cpus::default(),
            );
            let mut slot = match slot {
                Err(e) if e.kind() == io::ErrorKind::Unsupported => continue,
                s => s?,
            };
            slot.run(CHILD_WARMUP, false)?;
            // Let the peer thread reach its next blocking call before each marker: a call it
            // starts just after a marker would count on the wrong side (±1 per window).
            settle();
            let _ = std::os::unix::process::parent_id(); // getppid(): window opens
            let r = slot.run(cfg.iters, false);
            settle();
            let _ = std::os::unix::process::parent_id(); // getppid(): window closes
            r?;
            println!("{}", key(g.mode, g.transport.name(), g.size, path.name()));
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

/// Operations one row of the child performs for `cfg.count_ops` requested.
fn ops(mode: Mode, cfg: &Config) -> u64 {
    match mode {
        Mode::Batch => harness::batches(cfg.count_ops, cfg.batch) * cfg.batch as u64,
        _ => cfg.count_ops,
    }
}

/// The child's command-line flags for `cfg` (same groups, `count_ops` ops per row).
fn child_args(cfg: &Config) -> Vec<String> {
    let list = |v: Vec<&str>| v.join(",");
    let sizes: Vec<String> = cfg.sizes.iter().map(usize::to_string).collect();
    let mut args = vec![
        "compare".to_string(),
        "--count-child".into(),
        "--mode".into(),
        list(cfg.modes().iter().map(|m| m.name()).collect()),
        "--size".into(),
        sizes.join(","),
        "--iters".into(),
        cfg.count_ops.to_string(),
        "--batch".into(),
        cfg.batch.to_string(),
    ];
    if !cfg.transports.is_empty() {
        args.push("--transport".into());
        args.push(list(cfg.transports.iter().map(|t| t.name()).collect()));
    }
    if !cfg.paths.is_empty() {
        args.push("--paths".into());
        args.push(list(cfg.paths.iter().map(|p| p.name()).collect()));
    }
    args
}

/// Counts every row of `cfg` under strace.
///
/// # Errors
/// Why nothing was counted, in one line: strace missing or failing, not running from the
/// socklab binary, the child failing.
pub fn count(cfg: &Config) -> Result<Vec<Counted>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let is_socklab = exe
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("socklab"));
    if !is_socklab {
        return Err(format!("{} is not the socklab binary", exe.display()));
    }
    match Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => {}
        _ => return Err("strace not found (apt-get install strace)".into()),
    }
    let trace = std::env::temp_dir().join(format!("socklab-count-{}.trace", std::process::id()));
    let out = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&trace)
        .arg(&exe)
        .args(child_args(cfg))
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("running strace: {e}"));
    let text = std::fs::read_to_string(&trace);
    let _ = std::fs::remove_file(&trace);
    let out = out?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("").trim().to_string();
        return Err(format!("strace run failed ({}): {first}", out.status));
    }
    let text = text.map_err(|e| format!("reading the trace: {e}"))?;
    let windows = parse_trace(&text);
    let keys = String::from_utf8_lossy(&out.stdout);
    let mut counted = Vec::new();
    for (key, window) in keys.lines().zip(windows) {
        let mode = key.split(' ').next().and_then(|m| m.parse().ok());
        let n = ops(mode.unwrap_or(Mode::SameThread), cfg) as f64;
        counted.push(summarize(key, &window, n));
    }
    Ok(counted)
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
        let k = key(row.mode, row.transport.name(), row.size, row.path.name());
        if let Some(c) = counts.iter().find(|c| c.key == k) {
            row.syscalls_per_op = Some(c.per_op);
            row.calls = c.calls.clone();
        }
    }
}

#[cfg(test)]
mod tests {
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
    fn child_args_rebuild_the_config() {
        let cfg = Config::default();
        let args = child_args(&cfg);
        assert_eq!(&args[..2], ["compare", "--count-child"]);
        assert!(args.contains(&"same-thread,rtt,batch,stream".to_string()));
        assert!(!args.contains(&"--paths".to_string()));
    }
}
