//! strace plumbing for the seed mirrors' parity tests: run a server under strace and read its
//! log; the normalising and the diff are the library's (`socklab::parity`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::Instant;

use socklab::parity;

use crate::procs::{Proc, DEADLINE, STEP};

/// The syscalls traced: every network call plus read/write/close.
pub const TRACE_SET: &str = "trace=%network,read,write,close";

/// Whether strace can run. Missing strace fails the test with the fix, unless
/// `SOCKLAB_SKIP_STRACE=1`, which skips it (saying so).
pub fn available() -> bool {
    match Command::new("strace").arg("-V").output() {
        Ok(out) if out.status.success() => true,
        found => {
            if std::env::var("SOCKLAB_SKIP_STRACE").as_deref() == Ok("1") {
                crate::common::skip("strace not runnable and SOCKLAB_SKIP_STRACE=1");
                return false;
            }
            panic!(
                "strace is needed for the syscall parity tests but is not runnable ({found:?}): \
                 install it (apt-get install strace); \
                 SOCKLAB_SKIP_STRACE=1 skips these tests"
            )
        }
    }
}

/// A log file under the temp dir, unique per call, removed on drop.
pub struct LogFile(PathBuf);

impl LogFile {
    /// A fresh, unused path tagged with `tag`.
    pub fn new(tag: &str) -> LogFile {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let name = format!("socklab-mirror-{}-{tag}-{n}.strace", std::process::id());
        LogFile(std::env::temp_dir().join(name))
    }

    /// The path strace writes to.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The log's complete lines up to the first one containing `needle`, once strace has
    /// written it (polling, at most [`DEADLINE`]): for a traced program that never exits.
    pub fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let text = std::fs::read_to_string(&self.0).unwrap_or_default();
            if let Some(at) = text.find(needle) {
                if let Some(eol) = text[at..].find('\n') {
                    return text[..at + eol + 1].to_owned();
                }
            }
            assert!(
                start.elapsed() < DEADLINE,
                "no {needle:?} in the strace log after {DEADLINE:?}: {text}"
            );
            thread::sleep(STEP);
        }
    }

    /// The log's text.
    pub fn read(&self) -> String {
        std::fs::read_to_string(&self.0)
            .unwrap_or_else(|e| panic!("reading {}: {e}", self.0.display()))
    }
}

impl Drop for LogFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Spawns `strace -f -qq -s 32 -o LOG -e trace=%network,read,write,close -- PROGRAM ARGS...`.
/// The program's stdout/stderr are the returned [`Proc`]'s (strace's own output goes to LOG).
pub fn spawn(log: &LogFile, program: &Path, args: &[String]) -> Proc {
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-s", "32", "-e", TRACE_SET, "-o"])
        .arg(log.path())
        .arg("--")
        .arg(program)
        .args(args);
    Proc::spawn(&mut cmd)
}

/// The socket calls of an strace log, normalised by `socklab::parity` (the library's one
/// normaliser, [`socklab::parity::normalize`]): socket fds as `S0`, `S1`… in creation order, the
/// server's port as `PORT`, ephemeral ports as `PEER`; the loader's and the runtime's calls on
/// other fds left out; the program's stdout writes kept.
pub fn socket_calls(log: &str, server_port: u16) -> Vec<String> {
    let entries = parity::log::parse(parity::log::complete(log));
    parity::normalize(&entries, &parity::Normalize::new(server_port))
        .into_iter()
        .filter(|l| !l.text.starts_with("+++ "))
        .map(|l| l.text)
        .collect()
}

/// A line diff of `a` -> `b` ([`socklab::parity::diff::unified`]): each changed run's `- `
/// lines (only in `a`) then its `+ ` lines (only in `b`); common lines left out.
pub fn diff(a: &[String], b: &[String]) -> Vec<String> {
    parity::diff::unified(a, b)
}
