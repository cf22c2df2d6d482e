//! Helpers shared by the net tests: a `socklab serve` child that stops (SIGTERM) on drop, fd
//! counts, root checks, and the suite's skip rule (tests/common/mod.rs).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use socklab::net::Endpoint;
use socklab::sys::signal;

#[path = "../common/mod.rs"]
mod shared;
pub use shared::tcp_pair_as;
pub use shared::{not_on_this_platform, skip};

/// The socklab binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_socklab")
}

/// Whether we are root (uid 0), read from /proc so no C call is needed.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// Open fds of process `pid`.
pub fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// A running `socklab serve`; SIGTERM and wait on drop (or [`Served::stop`] for the summary).
pub struct Served {
    pub child: Child,
    pub addr: Endpoint,
    out: BufReader<std::process::ChildStdout>,
}

impl Served {
    /// `prefix… socklab serve args…`; waits for `listening on ADDR` and parses ADDR.
    pub fn start(prefix: &[&str], args: &[&str]) -> Served {
        let (cmd, rest) = match prefix.split_first() {
            Some((c, rest)) => (*c, rest.to_vec()),
            None => (bin(), vec![]),
        };
        let mut c = Command::new(cmd);
        c.args(rest);
        if !prefix.is_empty() {
            c.arg(bin());
        }
        let mut child = c
            .env_remove("SOCKLAB_TRACE")
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("socklab serve starts");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let addr = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line {line:?}"))
            .trim()
            .parse()
            .unwrap();
        Served { child, addr, out }
    }

    /// Whether the server process is still running.
    pub fn child_alive(&self) -> bool {
        std::fs::metadata(format!("/proc/{}", self.child.id())).is_ok()
            && !std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
                .unwrap_or_default()
                .contains(") Z ")
    }

    /// SIGTERM, wait, and return the summary line.
    pub fn stop(mut self) -> String {
        self.terminate()
    }

    fn terminate(&mut self) -> String {
        let _ = signal::kill(self.child.id() as i32, signal::SIGTERM);
        let status = self.child.wait().unwrap();
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut self.out, &mut rest);
        assert!(status.success(), "serve exited {status:?}: {rest}");
        rest.trim().to_string()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = signal::kill(self.child.id() as i32, signal::SIGTERM);
            let _ = self.child.wait();
        }
    }
}
