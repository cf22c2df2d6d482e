//! The strace-equality test: the tour runs in a child process under `strace -f`, with
//! `SOCKLAB_TRACE=<file>`; every line socklab logged must equal strace's line for the same call.
//!
//! Both logs come from the same process run, so fds and pointers are the same numbers: lines are
//! compared as text, with no renumbering. The strace log is filtered in two documented ways only:
//! - it is cut to the tour: from the `write(-1, "socklab-trace-tour-begin", …)` marker to the
//!   `…-end` marker (both made through socklab, so both logs hold them), which drops the loader,
//!   the Rust runtime and libtest;
//! - inside the tour, the `write(N, …)` calls to the trace file itself are dropped (N is the fd of
//!   that file, read from strace's `openat` line for its path).
//!
//! and normalized in one: strace pads the call to a column before ` = `; that padding is removed.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::common::no_leak;
use super::tour::{BEGIN, CHILD_ENV, END};

/// The calls strace records: the tour's plus `openat` (to find the trace file's fd).
const TRACE_SET: &str = "trace=%network,read,write,close,poll,fcntl,openat";

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// strace's line with its `PID ` prefix and its alignment padding before ` = ` removed.
fn normalize(line: &str) -> String {
    let line = line
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start();
    // The result follows the rightmost ")<spaces>= " whose tail starts like a return value.
    let bytes = line.as_bytes();
    for (i, _) in line
        .match_indices("= ")
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let mut j = i;
        while j > 0 && bytes[j - 1] == b' ' {
            j -= 1;
        }
        let tail = &line[i + 2..];
        let looks_like_ret = tail.starts_with(|c: char| c.is_ascii_digit() || c == '-');
        if j < i && j > 0 && bytes[j - 1] == b')' && looks_like_ret {
            return format!("{} = {tail}", &line[..j]);
        }
    }
    line.to_string()
}

/// The tour's lines from strace's log (see the module doc for the filter).
fn tour_lines(strace_log: &str, trace_file: &Path) -> Vec<String> {
    let lines: Vec<String> = strace_log.lines().map(normalize).collect();
    let open = format!("\"{}\"", trace_file.display());
    let trace_fd = lines
        .iter()
        .find(|l| l.starts_with("openat(") && l.contains(&open))
        .and_then(|l| l.rsplit(" = ").next()?.parse::<i32>().ok())
        .unwrap_or_else(|| panic!("no openat of {open} in the strace log"));
    let begin = format!("write(-1, \"{BEGIN}\"");
    let end = format!("write(-1, \"{END}\"");
    let start = lines
        .iter()
        .position(|l| l.starts_with(&begin))
        .expect("begin marker in the strace log");
    let stop = lines
        .iter()
        .position(|l| l.starts_with(&end))
        .expect("end marker in the strace log");
    let own_write = format!("write({trace_fd}, ");
    lines[start..=stop]
        .iter()
        .filter(|l| !l.starts_with(&own_write))
        .cloned()
        .collect()
}

/// Whether strace runs here. Without it the test `name` fails with the fix, unless
/// `SOCKLAB_SKIP_STRACE=1`, which skips it (saying so): then this returns false.
#[track_caller]
pub fn strace_available(name: &str) -> bool {
    if no_leak(|| Command::new("strace").arg("-V").output()).is_ok_and(|o| o.status.success()) {
        return true;
    }
    if std::env::var_os("SOCKLAB_SKIP_STRACE").is_some_and(|v| v == "1") {
        super::common::skip(format_args!(
            "{name}: strace is not installed (SOCKLAB_SKIP_STRACE=1)"
        ));
        return false;
    }
    panic!(
        "strace is not installed: install it (apt-get install strace), or set \
         SOCKLAB_SKIP_STRACE=1 to skip this test"
    );
}

#[test]
fn normalize_strips_pid_and_padding() {
    assert_eq!(
        normalize("1234  close(3)                = 0"),
        "close(3) = 0"
    );
    assert_eq!(
        normalize("77 read(3, \"a = 1\", 9) = -1 EAGAIN (Resource temporarily unavailable)"),
        "read(3, \"a = 1\", 9) = -1 EAGAIN (Resource temporarily unavailable)"
    );
}

#[test]
fn tour_matches_strace() {
    if !strace_available("tour_matches_strace") {
        return;
    }
    // The whole test holds the fd-count lock: spawning opens pipes, and reading the logs and
    // removing the scratch directory open files, which the other tests would count as leaks.
    let _fds = super::common::fd_lock();
    let dir = std::env::temp_dir().join(format!("socklab-trace-tour-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scratch = Scratch(dir);
    let (strace_out, trace_out) = (scratch.0.join("strace.log"), scratch.0.join("socklab.log"));

    let exe = std::env::current_exe().unwrap();
    let out = super::common::fd_count_unchanged(|| {
        Command::new("strace")
            .args(["-f", "-qq", "-e", TRACE_SET, "-e", "signal=none", "-o"])
            .arg(&strace_out)
            .arg(&exe)
            .args([
                "tour::child",
                "--exact",
                "--ignored",
                "--test-threads=1",
                "--quiet",
            ])
            .env(CHILD_ENV, &scratch.0)
            .env("SOCKLAB_TRACE", &trace_out)
            .output()
    })
    .expect("run strace");
    assert!(
        out.status.success(),
        "the tour failed under strace ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let ours: Vec<String> = std::fs::read_to_string(&trace_out)
        .expect("socklab's trace file")
        .lines()
        .map(str::to_string)
        .collect();
    let theirs = tour_lines(&std::fs::read_to_string(&strace_out).unwrap(), &trace_out);
    assert!(ours.len() > 100, "only {} socklab lines", ours.len());
    for (i, (s, o)) in theirs.iter().zip(&ours).enumerate() {
        assert_eq!(o, s, "line {i} differs (left: socklab, right: strace)");
    }
    assert_eq!(
        ours.len(),
        theirs.len(),
        "socklab logged {} lines, strace {} (extra: {:?})",
        ours.len(),
        theirs.len(),
        if ours.len() > theirs.len() {
            &ours[theirs.len()..]
        } else {
            &theirs[ours.len()..]
        }
    );
}
