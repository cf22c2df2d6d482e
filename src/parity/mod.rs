//! `socklab parity` as a library: runs a C program and its port (or any two commands) under
//! strace with the same traffic, normalises what legitimately differs between two runs, and
//! compares their socket calls line by line.
//!
//! ```text
//! socklab parity --drive 'c/tcp_client {port} hello' -- ./pollserver {port} -- ./beej_pollserver {port}
//! ```
//!
//! Each command runs under `strace -f` on a port of its own that was free a moment ago
//! (`{port}` in the command and the driver). A [`Driver`] makes the traffic: it
//! [`start`](Run::start)s the command when its peer is ready (the command is then awaited until
//! it is [`Ready`]), talks to it, and returns; parity stops a command still running once its
//! trace has been quiet for a moment (SIGTERM, the stop both sides then show). Every wait is
//! bounded ([`Options::timeout`]) and fails saying what it waited for.
//!
//! The two logs are read ([`log::parse`]) and normalised ([`normalize()`]: fds, ports, pids,
//! times and pointers named; the calls of the chosen [`Class`]es kept; start-up calls of the C
//! and Rust runtimes dropped unless [`Options::keep`]; values the kernel ignores, which C leaves
//! uninitialised, set aside and reported) and aligned ([`diff::rows`]). The [`Report`] prints
//! them side by side (`diff -y` marks: `|` changed, `<` only left, `>` only right) with a
//! one-line verdict.
//!
//! # Example
//! A program against itself, driven by a closure (the tests' drivers are closures; the CLI's
//! are shell commands, [`Shell`]):
//! ```no_run
//! use socklab::parity::{self, Command, Options, Ready, Run};
//! use std::io::Write;
//! let server = Command::new(["./pollserver", "{port}"]);
//! let opts = Options { ready: Ready::Port, ..Options::default() };
//! let mut driver = |run: &mut Run<'_>| {
//!     run.start()?; // waits until the server listens on {port}
//!     let mut s = std::net::TcpStream::connect(("127.0.0.1", run.port())).unwrap();
//!     s.write_all(b"hello\n").unwrap();
//!     run.wait_stdout("new connection", 1)
//! };
//! let report = parity::parity(&server, &server, &opts, &mut driver)?;
//! println!("{report}");
//! assert!(report.is_identical());
//! # Ok::<(), parity::Error>(())
//! ```
//!
//! Needs strace (`apt-get install strace`); no C compiler and no crate beyond the core's.

pub mod diff;
mod error;
pub mod line;
pub mod log;
pub mod normalize;
mod run;

use std::fmt;

pub use diff::Row;
pub use error::Error;
pub use normalize::{normalize, Class, Filter, FilterError, Line, Normalize};
pub use run::{
    free_port, port_ready, tcp_listening, trace, udp_bound, Command, Driver, Options, Ready,
    ReadyError, Run, Shell, Trace,
};

/// Runs `left` then `right` with `driver`'s traffic (each on a port of its own) and compares
/// their normalised traces.
///
/// # Errors
/// [`Error::Usage`] for an empty command; [`Error::Strace`] without strace; otherwise what made
/// a run fail (a timeout, a command that ended before it was ready, the driver's error).
pub fn parity(
    left: &Command,
    right: &Command,
    opts: &Options,
    driver: &mut dyn Driver,
) -> Result<Report, Error> {
    for c in [left, right] {
        if c.argv.is_empty() || c.argv[0].is_empty() {
            return Err(Error::Usage("an empty command".into()));
        }
    }
    let left = trace(left, opts, driver)?;
    let right = trace(right, opts, driver)?;
    Ok(Report::new(left, right))
}

/// Two traces aligned: what `socklab parity` prints.
#[derive(Debug)]
pub struct Report {
    /// The left command's trace (the C original, by convention).
    pub left: Trace,
    /// The right command's trace (the port).
    pub right: Trace,
    /// The alignment of their lines ([`Trace::lines`]).
    pub rows: Vec<Row>,
    /// The width [`Display`](fmt::Display) uses (160 unless set).
    pub width: usize,
}

impl Report {
    /// Aligns `left` and `right`.
    pub fn new(left: Trace, right: Trace) -> Report {
        let a: Vec<&str> = left.lines.iter().map(|l| l.text.as_str()).collect();
        let b: Vec<&str> = right.lines.iter().map(|l| l.text.as_str()).collect();
        let rows = diff::rows(&a, &b);
        Report {
            left,
            right,
            rows,
            width: 160,
        }
    }

    /// Whether a row involves a start-up line ([`Line::startup`], shown with `--keep`): such
    /// rows are shown but never counted as differences.
    fn startup(&self, row: Row) -> bool {
        let (l, r) = (&self.left.lines, &self.right.lines);
        match row {
            Row::Same(i, j) | Row::Changed(i, j) => l[i].startup || r[j].startup,
            Row::Left(i) => l[i].startup,
            Row::Right(j) => r[j].startup,
        }
    }

    /// The rows that differ, start-up rows left out.
    pub fn differences(&self) -> Vec<Row> {
        self.rows
            .iter()
            .copied()
            .filter(|&r| !matches!(r, Row::Same(..)) && !self.startup(r))
            .collect()
    }

    /// Whether both commands made the same calls with the same (normalised) arguments.
    pub fn is_identical(&self) -> bool {
        self.differences().is_empty()
    }

    /// Values set aside as `<ignored>` ([`Line::ignored`]) that differ between two matching
    /// lines: one note each, `sendmsg: pollserver.c msg_flags=MSG_DONTROUTE / beej msg_flags=0
    /// (…)`.
    pub fn ignored(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for row in &self.rows {
            if let Row::Same(i, j) = *row {
                let (a, b) = (&self.left.lines[i], &self.right.lines[j]);
                if a.ignored != b.ignored {
                    let call = a.text.split('(').next().unwrap_or("");
                    let show = |v: &[(String, String)]| match v {
                        [] => "none".to_owned(),
                        v => v
                            .iter()
                            .map(|(k, x)| format!("{k}={x}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    };
                    let fields = a.ignored.iter().chain(&b.ignored).map(|(k, _)| k.as_str());
                    let why = if fields.clone().any(|k| k == "data.u64") {
                        "the upper half of epoll's data, which C's `ev.data.fd = fd` leaves \
                         uninitialised and the program does not read"
                    } else {
                        "ignored by the kernel on this call; C often leaves it uninitialised"
                    };
                    notes.push(format!(
                        "{call}: {} {} / {} {} ({why}): not a difference",
                        self.left.name,
                        show(&a.ignored),
                        self.right.name,
                        show(&b.ignored)
                    ));
                }
            }
        }
        notes
    }

    /// The one-line verdict: `parity: identical …` or `parity: different …`.
    pub fn verdict(&self) -> String {
        let diffs = self.differences();
        let count = |f: fn(&Row) -> bool| diffs.iter().filter(|r| f(r)).count();
        let lines = self.rows.iter().filter(|r| !self.startup(**r)).count();
        let ignored = self.ignored().len();
        let also = if ignored > 0 {
            format!(" ({ignored} ignored value(s) differ, noted above)")
        } else {
            String::new()
        };
        if diffs.is_empty() {
            format!(
                "parity: identical: {lines} lines, the same calls with the same arguments{also}"
            )
        } else {
            format!(
                "parity: different: {} of {lines} lines differ ({} only in {}, {} only in {}, \
                 {} changed){also}",
                diffs.len(),
                count(|r| matches!(r, Row::Left(_))),
                self.left.name,
                count(|r| matches!(r, Row::Right(_))),
                self.right.name,
                count(|r| matches!(r, Row::Changed(..))),
            )
        }
    }

    /// The report at `width` columns: the two commands, their lines side by side (the mark
    /// between them `diff -y`'s: ` ` same, `|` changed, `<` only left, `>` only right, `~` a
    /// start-up line shown by `--keep`, not counted), the differing lines in full, the notes
    /// on ignored values, the verdict.
    pub fn render(&self, width: usize) -> String {
        let col = width.saturating_sub(3) / 2;
        let mut out = String::new();
        for (side, t) in [("left ", &self.left), ("right", &self.right)] {
            out.push_str(&format!(
                "{side}: {} = `{}` (port {}, {}{})\n",
                t.name,
                t.argv.join(" "),
                t.port,
                run::status_text(t.status),
                if t.stopped { ", stopped by parity" } else { "" }
            ));
        }
        out.push('\n');
        let head = |s: &str| diff::column(s, col);
        out.push_str(&format!(
            "{} {} {}\n",
            head(&self.left.name),
            ' ',
            self.right.name
        ));
        let text = |t: &Trace, i: usize| t.lines[i].text.clone();
        for &row in &self.rows {
            let mark = if self.startup(row) && !matches!(row, Row::Same(..)) {
                '~'
            } else {
                row.mark()
            };
            let (a, b) = match row {
                Row::Same(i, j) | Row::Changed(i, j) => (text(&self.left, i), text(&self.right, j)),
                Row::Left(i) => (text(&self.left, i), String::new()),
                Row::Right(j) => (String::new(), text(&self.right, j)),
            };
            let line = format!("{} {mark} {}", diff::column(&a, col), diff::column(&b, col));
            out.push_str(line.trim_end());
            out.push('\n');
        }
        let diffs = self.differences();
        if !diffs.is_empty() {
            out.push_str("\ndifferences in full:\n");
            for row in diffs {
                match row {
                    Row::Changed(i, j) => {
                        out.push_str(&format!("| < {}\n", text(&self.left, i)));
                        out.push_str(&format!("| > {}\n", text(&self.right, j)));
                    }
                    Row::Left(i) => out.push_str(&format!("<   {}\n", text(&self.left, i))),
                    Row::Right(j) => out.push_str(&format!(">   {}\n", text(&self.right, j))),
                    Row::Same(..) => {}
                }
            }
        }
        let notes = self.ignored();
        if !notes.is_empty() {
            out.push_str("\nignored:\n");
            for n in notes {
                out.push_str(&format!("  {n}\n"));
            }
        }
        out.push('\n');
        out.push_str(&self.verdict());
        out.push('\n');
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(self.width))
    }
}
