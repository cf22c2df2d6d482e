//! strace plumbing for the parity tests: run a server under strace, parse its log, keep only the
//! socket calls (plus stdout writes), normalize fds and ports, and diff two call sequences.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use std::thread;
use std::time::Instant;

use crate::procs::{Proc, DEADLINE, STEP};

#[path = "../common/strace_line.rs"]
mod strace_line;

/// The syscalls traced, as issue 4 asks: every network call plus read/write/close.
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

/// One syscall from the log: name, argument text, return text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// `socket`, `accept4`…
    pub name: String,
    /// Everything between the parentheses, as strace printed it.
    pub args: String,
    /// What follows ` = `: `3`, `0`, `-1 EADDRINUSE (Address already in use)`.
    pub ret: String,
}

impl Call {
    /// The first argument when it is an fd number.
    fn fd_arg(&self) -> Option<i32> {
        self.args.split(',').next()?.trim().parse().ok()
    }

    /// The fd the call returned, for the calls that create sockets.
    fn new_socket(&self) -> Option<i32> {
        match self.name.as_str() {
            "socket" | "accept" | "accept4" => self.ret.parse().ok().filter(|&fd| fd >= 0),
            _ => None,
        }
    }
}

/// Parses strace's log: strips the `PID ` prefix `-f` adds (padded: `3423  close(3)`), joins `<unfinished ...>` /
/// `<... resumed>` halves per pid, drops signal (`---`) and exit (`+++`) lines.
pub fn parse(log: &str) -> Vec<Call> {
    let mut pending: HashMap<String, String> = HashMap::new();
    let mut calls = Vec::new();
    for raw in log.lines() {
        let (pid, line) = match raw.split_once(' ') {
            // strace pads short pids: "3423  close(3)".
            Some((p, rest)) if p.bytes().all(|b| b.is_ascii_digit()) => {
                (p.to_owned(), rest.trim_start())
            }
            _ => (String::new(), raw),
        };
        if line.starts_with("---") || line.starts_with("+++") {
            continue;
        }
        let line = if let Some(head) = line.strip_suffix(" <unfinished ...>") {
            pending.insert(pid, head.to_owned());
            continue;
        } else if line.starts_with("<... ") {
            let head = pending.remove(&pid).expect("a resumed call was started");
            let tail = &line[line.find("resumed>").expect("resumed>") + "resumed>".len()..];
            format!("{head}{tail}")
        } else {
            line.to_owned()
        };
        calls.push(split_call(&line));
    }
    calls
}

/// `name(args) = ret`, as the shared reader splits it ([`strace_line::split_call`]).
fn split_call(line: &str) -> Call {
    let (name, args, ret) = strace_line::split_call(line)
        .unwrap_or_else(|| panic!("not an strace call line: {line:?}"));
    Call {
        name: name.to_owned(),
        args: args.to_owned(),
        ret: ret.to_owned(),
    }
}

/// The socket-related calls of a trace, normalized for comparison:
///
/// - **filter** (the only one): a call is kept if it creates a socket (`socket`, `accept`,
///   `accept4` returning an fd; a failed `socket` too), or its first argument is an fd that is a socket at that point
///   of the trace (created above and not yet closed), or it is a `write` to fd 1 (the program's
///   output). Dropped: the loader's `read`/`close` of shared libraries and Rust's start-up read
///   of /proc/self/maps, which use the same fd numbers (3, 4) *before* the sockets exist.
/// - **fds**: socket fds become `S0`, `S1`… in creation order, in the first argument and in the
///   returned value.
/// - **ports**: `htons(server_port)` becomes `htons(PORT)`, any other port `htons(PEER)`.
pub fn socket_calls(calls: &[Call], server_port: u16) -> Vec<String> {
    let mut names: HashMap<i32, String> = HashMap::new();
    let mut created = 0;
    let mut out = Vec::new();
    for call in calls {
        if MULTIPLEX.contains(&call.name.as_str()) {
            // First argument is nfds or an array, not an fd: kept whole (fds inside unrenamed),
            // once the program has a socket. Before that, a poll is Rust's runtime checking that
            // fds 0-2 are open (`poll([{fd=0, events=0}, …], 3, 0)`), not the program's.
            if created == 0 {
                continue;
            }
            let line = format!("{}({}) = {}", call.name, call.args, call.ret);
            out.push(mask_ports(&line, server_port));
            continue;
        }
        let mut args = call.args.clone();
        let on_socket = match call.fd_arg() {
            Some(fd) if names.contains_key(&fd) => {
                let rest = call.args.split_once(',').map_or("", |(_, r)| r);
                args = format!(
                    "{}{}{rest}",
                    names[&fd],
                    if rest.is_empty() { "" } else { "," }
                );
                if call.name == "close" {
                    names.remove(&fd);
                }
                true
            }
            _ => false,
        };
        let mut ret = call.ret.clone();
        if let Some(fd) = call.new_socket() {
            ret = format!("S{created}");
            created += 1;
            names.insert(fd, ret.clone());
        } else if !(on_socket
            || call.name == "socket" // failed: no fd to follow, a socket call all the same
            || (call.name == "write" && call.fd_arg() == Some(1)))
        {
            continue;
        }
        out.push(format!(
            "{}({}) = {ret}",
            call.name,
            mask_ports(&args, server_port)
        ));
    }
    out
}

/// Waiting calls of a socket program whose first argument is not an fd (select is pselect6 on
/// x86-64 glibc): [`socket_calls`] keeps them as strace printed them.
const MULTIPLEX: &[&str] = &["pselect6", "select", "poll", "ppoll"];

/// `htons(N)` -> `htons(PORT)` for the server's port, `htons(PEER)` for any other.
fn mask_ports(args: &str, server_port: u16) -> String {
    const HTONS: &str = "htons(";
    let mut out = String::new();
    let mut rest = args;
    while let Some(i) = rest.find(HTONS) {
        out.push_str(&rest[..i + HTONS.len()]);
        rest = &rest[i + HTONS.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let port: u16 = rest[..digits].parse().expect("htons(<port>)");
        out.push_str(if port == server_port { "PORT" } else { "PEER" });
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// A line diff of `a` -> `b` (longest common subsequence): each run of changed lines is
/// reported as its `- ` lines (only in `a`) then its `+ ` lines (only in `b`); common lines are
/// left out.
pub fn diff(a: &[String], b: &[String]) -> Vec<String> {
    // lcs[i][j] = LCS length of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let (mut out, mut minus, mut plus) = (Vec::new(), Vec::new(), Vec::new());
    let flush = |out: &mut Vec<String>, minus: &mut Vec<String>, plus: &mut Vec<String>| {
        out.append(minus);
        out.append(plus);
    };
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            flush(&mut out, &mut minus, &mut plus);
            i += 1;
            j += 1;
        } else if j == b.len() || (i < a.len() && lcs[i + 1][j] >= lcs[i][j + 1]) {
            minus.push(format!("- {}", a[i]));
            i += 1;
        } else {
            plus.push(format!("+ {}", b[j]));
            j += 1;
        }
    }
    flush(&mut out, &mut minus, &mut plus);
    out
}

#[test]
fn parse_joins_resumed_calls_and_filters_non_socket_fds() {
    let log = "\
7 read(3, \"\\177ELF\"..., 832) = 832
7 close(3)                          = 0
7 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3
7 bind(3, {sa_family=AF_INET, sin_port=htons(5000), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0
7 accept4(3, {sa_family=AF_INET, sin_port=htons(41000), sin_addr=inet_addr(\"127.0.0.1\")}, [16], SOCK_CLOEXEC <unfinished ...>
8 read(5, \"x = 1)\", 6) = 6
7  <... accept4 resumed>) = 4
7 read(4, \") = (\", 1024) = 5
7 write(1, \"ok\\n\", 3) = 3
7 write(2, \"noise\", 5) = 5
7 close(4) = 0
7 read(4, \"\", 10) = 0
7 close(3) = 0
7 +++ exited with 0 +++
";
    let got = socket_calls(&parse(log), 5000);
    let want = [
        "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = S0",
        "bind(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
        "accept4(S0, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [16], SOCK_CLOEXEC) = S1",
        "read(S1, \") = (\", 1024) = 5",
        "write(1, \"ok\\n\", 3) = 3",
        "close(S1) = 0",
        "close(S0) = 0",
    ];
    assert_eq!(got, want);
}

#[test]
fn diff_groups_removed_before_added() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let a = s(&["socket", "bind", "listen 3", "close"]);
    let b = s(&["socket+", "opt", "bind", "listen 128", "close"]);
    assert_eq!(
        diff(&a, &b),
        s(&[
            "- socket",
            "+ socket+",
            "+ opt",
            "- listen 3",
            "+ listen 128"
        ])
    );
    assert!(diff(&a, &a).is_empty());
}
