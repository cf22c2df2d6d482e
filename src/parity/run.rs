//! Running one command under strace with a driver: the free port, the log file, readiness, the
//! captured output, and the stop (SIGTERM once the trace is quiet, SIGKILL if that fails).

use std::fmt;
use std::fs::OpenOptions;
use std::io::{PipeReader, PipeWriter, Read};
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::error::last_line;
use super::log::{self, Entry};
use super::normalize::{self, Filter, Line, Normalize};
use super::Error;
use crate::sys::signal::{kill, SIGTERM};
use crate::sys::{self, SockAddr, AF_INET, AF_INET6, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_STREAM};
use libc::SIGKILL;

/// Polling step of every wait.
const STEP: Duration = Duration::from_millis(10);

/// A command to trace: its argument vector (`{port}` in any argument is replaced by the run's
/// port), extra environment, and the name a report gives it.
#[derive(Clone, Debug)]
pub struct Command {
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// Variables set for it (on top of parity's environment).
    pub env: Vec<(String, String)>,
    /// Its column's title: the program's file name unless set.
    pub name: String,
}

impl Command {
    /// `argv[0]` with its arguments, named after `argv[0]`'s file name.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(argv: I) -> Command {
        let argv: Vec<String> = argv.into_iter().map(Into::into).collect();
        let name = program(&argv)
            .map(|p| {
                Path::new(p)
                    .file_name()
                    .map_or(p.to_owned(), |f| f.to_string_lossy().into_owned())
            })
            .unwrap_or_default();
        Command {
            argv,
            env: Vec::new(),
            name,
        }
    }

    /// With `key=value` in its environment.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Command {
        self.env.push((key.into(), value.into()));
        self
    }

    /// With `name` as its column's title.
    pub fn named(mut self, name: impl Into<String>) -> Command {
        self.name = name.into();
        self
    }
}

/// The program `argv` runs, past a leading `stdbuf -oL` or `env VAR=x`.
fn program(argv: &[String]) -> Option<&str> {
    let mut it = argv.iter().map(String::as_str).peekable();
    while let Some(&first) = it.peek() {
        let wrapper = Path::new(first).file_name().and_then(|f| f.to_str());
        if !matches!(wrapper, Some("stdbuf" | "env")) {
            break;
        }
        it.next();
        while it
            .peek()
            .is_some_and(|a| a.starts_with('-') || a.contains('='))
        {
            it.next();
        }
    }
    it.next().or(argv.first().map(String::as_str))
}

/// When a started command is ready for the driver's traffic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ready {
    /// At once (a client, or a program that needs no traffic).
    Started,
    /// When a socket listens on the run's port (TCP), or is bound to it (UDP), as
    /// `/proc/net/{tcp,tcp6,udp,udp6}` show.
    Port,
    /// When its stdout contains this text.
    Stdout(String),
    /// When strace's log shows a completed call of this name (`listen`, `epoll_wait`…).
    Call(String),
}

impl Ready {
    /// `port`, `started`, `stdout:TEXT` or `call:NAME`.
    ///
    /// # Errors
    /// [`ReadyError`] holding `text` when it is none of these.
    pub fn parse(text: &str) -> Result<Ready, ReadyError> {
        match text {
            "port" => Ok(Ready::Port),
            "started" => Ok(Ready::Started),
            _ => match text.split_once(':') {
                Some(("stdout", t)) if !t.is_empty() => Ok(Ready::Stdout(t.to_owned())),
                Some(("call", c)) if !c.is_empty() => Ok(Ready::Call(c.to_owned())),
                _ => Err(ReadyError(text.to_owned())),
            },
        }
    }
}

/// Why [`Ready::parse`] read no readiness: the text given. `Display` is one line naming the
/// forms allowed, what the CLI prints after `--ready: `.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadyError(pub String);

impl fmt::Display for ReadyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a readiness (allowed: port, started, stdout:TEXT, call:NAME)",
            self.0
        )
    }
}

impl std::error::Error for ReadyError {}

/// How parity runs and compares.
#[derive(Clone, Debug)]
pub struct Options {
    /// The classes of calls compared.
    pub filter: Filter,
    /// Show the start-up calls (the loader's, Rust's runtime's) instead of dropping them.
    pub keep: bool,
    /// When the command is ready for the driver.
    pub ready: Ready,
    /// The limit of every wait: readiness, the driver, the command's exit, its stop.
    pub timeout: Duration,
    /// How long the trace must be quiet, after the driver ends, before a command still running
    /// is stopped with SIGTERM.
    pub settle: Duration,
    /// strace's `-s`: how many bytes of each string it prints (the rest is not compared).
    pub strsize: usize,
    /// Give the command a pipe as stdin, which the driver writes ([`Run::stdin`]); parity keeps
    /// its write end open until the command ends, so the command never sees end-of-file.
    pub pipe: bool,
    /// The strace to run.
    pub strace: PathBuf,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            filter: Filter::DEFAULT,
            keep: false,
            ready: Ready::Started,
            timeout: Duration::from_secs(20),
            settle: Duration::from_millis(300),
            strsize: 256,
            pipe: false,
            strace: PathBuf::from("strace"),
        }
    }
}

/// What drives a traced command: starts it ([`Run::start`]) when its peer is ready, makes the
/// traffic, and returns. Parity then stops the command if it is still running. A closure
/// `|run: &mut Run| -> Result<(), parity::Error>` is a driver.
pub trait Driver {
    /// Drives one run (called once per command, with a fresh port each time).
    fn drive(&mut self, run: &mut Run<'_>) -> Result<(), Error>;
}

impl<F: FnMut(&mut Run<'_>) -> Result<(), Error>> Driver for F {
    fn drive(&mut self, run: &mut Run<'_>) -> Result<(), Error> {
        self(run)
    }
}

/// One command's trace, normalised.
#[derive(Debug)]
pub struct Trace {
    /// The command's name (its column's title).
    pub name: String,
    /// The command as run (`{port}` replaced).
    pub argv: Vec<String>,
    /// The run's port.
    pub port: u16,
    /// strace's log, as written.
    pub log: String,
    /// The log read ([`log::parse`]).
    pub entries: Vec<Entry>,
    /// The lines compared ([`normalize::normalize`]).
    pub lines: Vec<Line>,
    /// What the command wrote to stdout.
    pub stdout: Vec<u8>,
    /// What it wrote to stderr.
    pub stderr: Vec<u8>,
    /// strace's exit status (the command's; a command killed by a signal makes strace kill
    /// itself with it).
    pub status: Option<ExitStatus>,
    /// Whether parity stopped it (SIGTERM after the driver).
    pub stopped: bool,
}

impl Trace {
    /// The compared lines' texts, start-up lines left out.
    pub fn texts(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter(|l| !l.startup)
            .map(|l| l.text.clone())
            .collect()
    }

    /// The raw calls (strace's text, `name(args) = ret`) of the compared lines, in the log's
    /// order: what the program's own log (`SOCKLAB_TRACE`) can be checked against.
    pub fn raw_calls(&self) -> Vec<String> {
        let mut shown: Vec<usize> = self
            .lines
            .iter()
            .filter(|l| !l.startup)
            .map(|l| l.entry)
            .collect();
        shown.sort_unstable();
        shown
            .into_iter()
            .filter_map(|i| match &self.entries[i].event {
                log::Event::Call(c) => Some(c.text()),
                _ => None,
            })
            .collect()
    }
}

/// Runs `cmd` under strace with `driver`'s traffic and returns its normalised trace.
pub fn trace(cmd: &Command, opts: &Options, driver: &mut dyn Driver) -> Result<Trace, Error> {
    if cmd.argv.is_empty() || cmd.argv[0].is_empty() {
        return Err(Error::Usage("an empty command".into()));
    }
    check_strace(&opts.strace)?;
    let port = free_port()?;
    let mut run = Run::new(cmd, opts, port)?;
    let driven = driver.drive(&mut run);
    if driven.is_ok() && run.child.is_none() {
        // A driver that never started the command: start it and let it run to its end.
        run.start()?;
        run.wait_exit()?;
    }
    driven?;
    run.stop()?;
    run.finish()
}

/// Whether `strace -V` runs.
fn check_strace(strace: &Path) -> Result<(), Error> {
    match std::process::Command::new(strace).arg("-V").output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(Error::Strace(format!(
            "{} -V: {}",
            strace.display(),
            out.status
        ))),
        Err(e) => Err(Error::Strace(format!("{}: {e}", strace.display()))),
    }
}

/// A TCP and UDP port free on every address (`[::]`, dual-stack, or `0.0.0.0` without IPv6) a
/// moment ago: the kernel's choice for TCP port 0, kept if UDP can bind it too. Bound without
/// `SO_REUSEADDR`, so the kernel skips ports in `TIME_WAIT`.
pub fn free_port() -> Result<u16, Error> {
    let mut last = None;
    for _ in 0..64 {
        match port_pair() {
            Ok(Some(p)) => return Ok(p),
            Ok(None) => {}
            Err(e) => last = Some(e),
        }
    }
    Err(last.map_or_else(
        || Error::Driver("no port free for both TCP and UDP after 64 tries".into()),
        Error::Sys,
    ))
}

/// One try of [`free_port`].
fn port_pair() -> Result<Option<u16>, crate::Error> {
    let (family, any) = match sys::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0) {
        Ok(_) => (AF_INET6, SocketAddr::from(([0u16; 8], 0))),
        Err(_) => (AF_INET, SocketAddr::from(([0u8; 4], 0))),
    };
    let tcp = sys::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)?;
    sys::bind(&tcp, &SockAddr::from(any))?;
    let port = sys::getsockname(&tcp)?.as_socket().map_or(0, |a| a.port());
    let udp = sys::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)?;
    let mut at = any;
    at.set_port(port);
    Ok(sys::bind(&udp, &SockAddr::from(at)).is_ok().then_some(port))
}

/// Whether a TCP socket listens on `port`, or a UDP socket is bound to it
/// (`/proc/net/{tcp,tcp6,udp,udp6}`).
pub fn port_ready(port: u16) -> bool {
    tcp_listening(port) || udp_bound(port)
}

/// Whether a TCP socket of this network namespace listens on `port` (`/proc/net/tcp`, `tcp6`:
/// state `0A`, LISTEN).
pub fn tcp_listening(port: u16) -> bool {
    in_tables(&["/proc/net/tcp", "/proc/net/tcp6"], port, true)
}

/// Whether a UDP socket of this network namespace is bound to `port` (`/proc/net/udp`, `udp6`).
pub fn udp_bound(port: u16) -> bool {
    in_tables(&["/proc/net/udp", "/proc/net/udp6"], port, false)
}

fn in_tables(tables: &[&str], port: u16, listen_only: bool) -> bool {
    let want = format!(":{port:04X}");
    tables.iter().any(|table| {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        text.lines().skip(1).any(|line| {
            // "  sl  local_address rem_address   st ...": "0: 0100007F:1F90 00000000:0000 0A"
            let f: Vec<&str> = line.split_whitespace().collect();
            f.len() > 3 && f[1].ends_with(&want) && (!listen_only || f[3] == "0A")
        })
    })
}

/// strace's log file: private (0600, created new), removed on drop.
struct LogFile(PathBuf);

impl LogFile {
    fn create(tag: &str) -> Result<LogFile, Error> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let tag: String = tag
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(40)
            .collect();
        let name = format!("socklab-parity-{}-{n}-{tag}.strace", std::process::id());
        let path = std::env::temp_dir().join(name);
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|source| Error::Io {
                what: format!("creating {}", path.display()),
                source,
            })?;
        Ok(LogFile(path))
    }

    fn read(&self) -> String {
        std::fs::read(&self.0)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    fn len(&self) -> u64 {
        std::fs::metadata(&self.0).map_or(0, |m| m.len())
    }
}

impl Drop for LogFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A pipe read to its end by a thread of its own, into a buffer others can look at meanwhile.
#[derive(Clone, Default)]
struct Capture {
    bytes: Arc<Mutex<Vec<u8>>>,
    done: Arc<AtomicBool>,
}

impl Capture {
    fn start(mut from: impl Read + Send + 'static) -> Capture {
        let c = Capture::default();
        let (bytes, done) = (c.bytes.clone(), c.done.clone());
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 {
                    break;
                }
                bytes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(&buf[..n]);
            }
            done.store(true, Ordering::Release);
        });
        c
    }

    fn get(&self) -> Vec<u8> {
        self.bytes.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn len(&self) -> usize {
        self.bytes.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// The bytes, once the pipe has ended or `wait` has passed (a process outside the run may
    /// still hold its write end).
    fn finish(&self, wait: Duration) -> Vec<u8> {
        let start = Instant::now();
        while !self.done.load(Ordering::Acquire) && start.elapsed() < wait {
            thread::sleep(STEP);
        }
        self.get()
    }
}

/// One traced run, handed to the [`Driver`]: its port, the command's start, its output and
/// log so far, its stdin (with [`Options::pipe`]), and bounded waits on all of them. Every wait
/// fails with [`Error::Timeout`] after [`Options::timeout`], or [`Error::Exited`] when the
/// command ends first.
pub struct Run<'a> {
    opts: &'a Options,
    name: String,
    argv: Vec<String>,
    env: Vec<(String, String)>,
    port: u16,
    log: LogFile,
    child: Option<Child>,
    out: Capture,
    err: Capture,
    stdin: Option<PipeWriter>,
    stdin_reader: Option<PipeReader>,
    status: Option<ExitStatus>,
    stopped: bool,
}

impl<'a> Run<'a> {
    fn new(cmd: &Command, opts: &'a Options, port: u16) -> Result<Run<'a>, Error> {
        let log = LogFile::create(&cmd.name)?;
        let (stdin_reader, stdin) = if opts.pipe {
            let (r, w) = std::io::pipe().map_err(|source| Error::Io {
                what: "creating the stdin pipe".into(),
                source,
            })?;
            (Some(r), Some(w))
        } else {
            (None, None)
        };
        let sub = |s: &String| s.replace("{port}", &port.to_string());
        Ok(Run {
            opts,
            name: cmd.name.clone(),
            argv: cmd.argv.iter().map(sub).collect(),
            env: cmd.env.iter().map(|(k, v)| (k.clone(), sub(v))).collect(),
            port,
            log,
            child: None,
            out: Capture::default(),
            err: Capture::default(),
            stdin,
            stdin_reader,
            status: None,
            stopped: false,
        })
    }

    /// The run's port: free a moment ago, the value of `{port}`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `text` with `{port}` replaced by the run's port.
    pub fn substitute(&self, text: &str) -> String {
        text.replace("{port}", &self.port.to_string())
    }

    /// The limit of each wait ([`Options::timeout`]).
    pub fn timeout(&self) -> Duration {
        self.opts.timeout
    }

    /// The command as run, for messages.
    pub fn command_line(&self) -> String {
        self.argv.join(" ")
    }

    /// Starts the command under strace and waits until it is ready ([`Options::ready`]).
    /// Calling it again does nothing.
    pub fn start(&mut self) -> Result<(), Error> {
        if self.child.is_some() {
            return Ok(());
        }
        let mut cmd = std::process::Command::new(&self.opts.strace);
        cmd.args(["-f", "-q", "-s", &self.opts.strsize.to_string(), "-e"])
            .arg(format!("trace={}", self.opts.filter.strace_set()))
            .arg("-o")
            .arg(&self.log.0)
            .arg("--")
            .args(&self.argv)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(match self.stdin_reader.take() {
                Some(r) => Stdio::from(r),
                None => Stdio::null(),
            });
        let mut child = cmd.spawn().map_err(|source| Error::Spawn {
            what: format!("strace -- {}", self.command_line()),
            source,
        })?;
        if let Some(o) = child.stdout.take() {
            self.out = Capture::start(o);
        }
        if let Some(e) = child.stderr.take() {
            self.err = Capture::start(e);
        }
        self.child = Some(child);
        let port = self.port;
        match self.opts.ready.clone() {
            Ready::Started => Ok(()),
            Ready::Port => self.wait_until(
                &format!("`{}` to listen on port {port}", self.command_line()),
                "does the command take {port}? Say how it signals readiness with --ready \
                 (started, stdout:TEXT, call:NAME)",
                |_| port_ready(port),
            ),
            Ready::Stdout(text) => self.wait_stdout(&text, 1),
            Ready::Call(name) => {
                let what = format!("a completed {name}() in the trace");
                self.wait_log(&what, |log| completed_call(log, &name))
            }
        }
    }

    /// The command's stdin, when [`Options::pipe`] is set: what the driver writes here the
    /// command reads.
    pub fn stdin(&mut self) -> Option<&mut PipeWriter> {
        self.stdin.as_mut()
    }

    /// A second write end of the command's stdin (for a driver process's stdout), or `None`
    /// without [`Options::pipe`].
    pub fn stdin_writer(&self) -> Result<Option<PipeWriter>, Error> {
        self.stdin
            .as_ref()
            .map(|w| w.try_clone())
            .transpose()
            .map_err(|source| Error::Io {
                what: "copying the stdin pipe".into(),
                source,
            })
    }

    /// What the command has written to stdout so far.
    pub fn stdout(&self) -> Vec<u8> {
        self.out.get()
    }

    /// strace's log so far. Its last line may be a call the command is inside (a wait that has
    /// not returned: `poll([{fd=3, events=POLLIN}], 1, -1` with no ` = ` yet).
    pub fn log(&self) -> String {
        self.log.read()
    }

    /// Waits until the command's stdout contains `needle` at least `count` times.
    pub fn wait_stdout(&mut self, needle: &str, count: usize) -> Result<(), Error> {
        let what = format!(
            "{count} × {needle:?} on the stdout of `{}`",
            self.command_line()
        );
        self.wait_until(&what, "", |run| {
            let out = String::from_utf8_lossy(&run.out.get()).into_owned();
            out.matches(needle).count() >= count
        })
    }

    /// Waits until `done` holds for strace's log ([`Run::log`]).
    pub fn wait_log(&mut self, what: &str, done: impl Fn(&str) -> bool) -> Result<(), Error> {
        self.wait_until(what, "", |run| done(&run.log()))
    }

    /// Waits until the command exits by itself, and returns strace's status.
    pub fn wait_exit(&mut self) -> Result<ExitStatus, Error> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.poll_exit()? {
                return Ok(status);
            }
            if start.elapsed() >= self.opts.timeout {
                return Err(Error::Timeout {
                    what: format!("`{}` to exit", self.command_line()),
                    after: self.opts.timeout,
                    hint: "a server needs a driver (--drive), after which parity stops it".into(),
                });
            }
            thread::sleep(STEP);
        }
    }

    /// The command's status if it has exited (`None` before it started).
    fn poll_exit(&mut self) -> Result<Option<ExitStatus>, Error> {
        if self.status.is_none() {
            if let Some(child) = self.child.as_mut() {
                self.status = child.try_wait().map_err(|source| Error::Io {
                    what: "waiting for strace".into(),
                    source,
                })?;
            }
        }
        Ok(self.status)
    }

    /// Polls `done` until it holds; fails after the timeout or when the command ends first.
    fn wait_until(
        &mut self,
        what: &str,
        hint: &str,
        mut done: impl FnMut(&mut Run<'a>) -> bool,
    ) -> Result<(), Error> {
        let start = Instant::now();
        loop {
            let exited = self.poll_exit()?;
            if done(self) {
                return Ok(());
            }
            if let Some(status) = exited {
                return Err(Error::Exited {
                    what: format!("waiting for {what}"),
                    status: status.to_string(),
                    stderr: last_line(&self.err.finish(Duration::from_secs(1))),
                });
            }
            if start.elapsed() >= self.opts.timeout {
                let stderr = last_line(&self.err.get());
                let hint = match (hint.is_empty(), stderr.is_empty()) {
                    (_, false) => format!("{hint} (its stderr ends: {stderr})"),
                    _ => hint.to_owned(),
                };
                return Err(Error::Timeout {
                    what: what.to_owned(),
                    after: self.opts.timeout,
                    hint: hint.trim().to_owned(),
                });
            }
            thread::sleep(STEP);
        }
    }

    /// After the driver: a command still running is stopped once its trace has been quiet for
    /// [`Options::settle`] (at most [`Options::timeout`]): SIGTERM to every traced process,
    /// then SIGKILL to the group if they have not ended within the timeout.
    fn stop(&mut self) -> Result<(), Error> {
        if self.child.is_none() || self.poll_exit()?.is_some() {
            return Ok(());
        }
        let start = Instant::now();
        let (mut size, mut out, mut quiet) = (self.log.len(), self.out.len(), Instant::now());
        while start.elapsed() < self.opts.timeout {
            if self.poll_exit()?.is_some() {
                return Ok(());
            }
            let (s, o) = (self.log.len(), self.out.len());
            if (s, o) != (size, out) {
                (size, out, quiet) = (s, o, Instant::now());
            } else if quiet.elapsed() >= self.opts.settle {
                break;
            }
            thread::sleep(STEP);
        }
        let strace = self.child.as_ref().map_or(0, |c| c.id());
        for pid in descendants(strace) {
            let _ = kill(pid as i32, SIGTERM);
        }
        self.stopped = true;
        let start = Instant::now();
        while start.elapsed() < self.opts.timeout {
            if self.poll_exit()?.is_some() {
                return Ok(());
            }
            thread::sleep(STEP);
        }
        self.kill_group();
        Err(Error::Timeout {
            what: format!("`{}` to end after SIGTERM", self.command_line()),
            after: self.opts.timeout,
            hint: "it was killed with SIGKILL".into(),
        })
    }

    /// SIGKILL to strace's process group (strace and every tracee), then reaps strace.
    fn kill_group(&mut self) {
        if let Some(child) = self.child.as_mut() {
            if let Ok(None) = child.try_wait() {
                let _ = kill(-(child.id() as i32), SIGKILL);
                let _ = child.kill();
                self.status = child.wait().ok();
            }
        }
    }

    /// The trace of a run that has ended.
    fn finish(mut self) -> Result<Trace, Error> {
        self.stdin = None; // the command has ended: its stdin may close
        let text = self.log.read();
        let entries = log::parse(log::complete(&text));
        if entries.is_empty() {
            // strace writes at least the exit of what it ran: it ran nothing (no such program).
            return Err(Error::Exited {
                what: format!("running `{}` under strace", self.command_line()),
                status: status_text(self.status),
                stderr: last_line(&self.err.finish(Duration::from_secs(1))),
            });
        }
        let norm = Normalize {
            filter: self.opts.filter,
            keep: self.opts.keep,
            port: self.port,
            ephemeral: normalize::ephemeral_ports(),
        };
        let lines = normalize::normalize(&entries, &norm);
        let wait = Duration::from_secs(1);
        Ok(Trace {
            name: std::mem::take(&mut self.name),
            argv: std::mem::take(&mut self.argv),
            port: self.port,
            log: text,
            entries,
            lines,
            stdout: self.out.finish(wait),
            stderr: self.err.finish(wait),
            status: self.status,
            stopped: self.stopped,
        })
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        self.kill_group();
    }
}

/// Whether `log` has a complete line of a call named `name`.
fn completed_call(log: &str, name: &str) -> bool {
    let open = format!("{name}(");
    log.lines().any(|l| {
        let l = l
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start();
        l.starts_with(&open) && l.contains(" = ") && !l.ends_with("<unfinished ...>")
    })
}

/// Every descendant of `pid` (`/proc/PID/task/*/children`), depth first.
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let text = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for child in text
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok())
            {
                if !out.contains(&child) {
                    out.push(child);
                    todo.push(child);
                }
            }
        }
    }
    out
}

/// A helper process of a driver (`sh -c TEXT`), in a process group of its own, killed with
/// its group on drop.
pub(crate) struct Helper {
    child: Child,
    what: String,
    err: Capture,
    out: Capture,
}

impl Helper {
    /// Starts `sh -c text`, its stdout into `stdout` (the command's stdin) or captured.
    pub(crate) fn spawn(
        flag: &str,
        text: &str,
        stdout: Option<PipeWriter>,
    ) -> Result<Helper, Error> {
        let what = format!("{flag} `{text}`");
        let piped = stdout.is_none();
        let mut child = std::process::Command::new("sh")
            .args(["-c", text])
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(match stdout {
                Some(w) => Stdio::from(w),
                None => Stdio::piped(),
            })
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| Error::Spawn {
                what: what.clone(),
                source,
            })?;
        let err = child.stderr.take().map(Capture::start).unwrap_or_default();
        let out = match (piped, child.stdout.take()) {
            (true, Some(o)) => Capture::start(o),
            _ => Capture::default(),
        };
        Ok(Helper {
            child,
            what,
            err,
            out,
        })
    }

    /// Its status if it has exited.
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits (at most `timeout`) for it to exit with status 0.
    pub(crate) fn wait(&mut self, timeout: Duration) -> Result<(), Error> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.exited() {
                if status.success() {
                    return Ok(());
                }
                let stderr = last_line(&self.err.finish(Duration::from_secs(1)));
                return Err(Error::Driver(format!(
                    "{} failed ({status}){}",
                    self.what,
                    if stderr.is_empty() {
                        String::new()
                    } else {
                        format!(": {stderr}")
                    }
                )));
            }
            if start.elapsed() >= timeout {
                return Err(Error::Timeout {
                    what: format!("{} to finish", self.what),
                    after: timeout,
                    hint: "raise --timeout if it needs longer".into(),
                });
            }
            thread::sleep(STEP);
        }
    }

    /// The error for a helper that ended before `what`.
    pub(crate) fn ended_before(&mut self, what: &str, status: ExitStatus) -> Error {
        let stderr = last_line(&self.err.finish(Duration::from_secs(1)));
        let stdout = last_line(&self.out.get());
        let said = [stderr, stdout]
            .into_iter()
            .find(|s| !s.is_empty())
            .map_or(String::new(), |s| format!(": {s}"));
        Error::Driver(format!(
            "{} ended ({status}) before {what}{said}",
            self.what
        ))
    }

    /// SIGTERM to its group, SIGKILL if it has not ended within `timeout`.
    pub(crate) fn stop(mut self, timeout: Duration) {
        if self.exited().is_some() {
            return;
        }
        let _ = kill(-(self.child.id() as i32), SIGTERM);
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.exited().is_some() {
                return;
            }
            thread::sleep(STEP);
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = kill(-(self.child.id() as i32), SIGKILL);
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The driver the CLI builds from `--serve` and `--drive`: shell commands (`sh -c`, `{port}`
/// replaced) around the traced command.
///
/// - `serve` (for a client command): started first, and awaited until a socket listens on (or,
///   UDP, is bound to) the run's port; stopped (SIGTERM to its group) after the command ends.
/// - `drive` (for a server command): run once the command is ready, to its end (exit 0 or an
///   error). Without it, the command is awaited until it exits by itself.
///
/// With [`Options::pipe`], the stdout of `drive` (or of `serve` when there is no `drive`) is
/// the command's stdin.
#[derive(Clone, Debug, Default)]
pub struct Shell {
    /// The peer started before the command.
    pub serve: Option<String>,
    /// The traffic run once the command is ready.
    pub drive: Option<String>,
}

impl Driver for Shell {
    fn drive(&mut self, run: &mut Run<'_>) -> Result<(), Error> {
        let timeout = run.timeout();
        let mut serve = None;
        if let Some(text) = &self.serve {
            let stdout = match self.drive {
                None => run.stdin_writer()?,
                Some(_) => None,
            };
            let mut helper = Helper::spawn("--serve", &run.substitute(text), stdout)?;
            let port = run.port();
            let start = Instant::now();
            while !port_ready(port) {
                if let Some(status) = helper.exited() {
                    return Err(helper.ended_before(&format!("listening on port {port}"), status));
                }
                if start.elapsed() >= timeout {
                    return Err(Error::Timeout {
                        what: format!("{} to listen on port {port}", helper.what),
                        after: timeout,
                        hint: "does it take {port}?".into(),
                    });
                }
                thread::sleep(STEP);
            }
            serve = Some(helper);
        }
        run.start()?;
        match &self.drive {
            Some(text) => {
                let stdout = run.stdin_writer()?;
                Helper::spawn("--drive", &run.substitute(text), stdout)?.wait(timeout)?;
            }
            None => {
                run.wait_exit()?;
            }
        }
        if let Some(helper) = serve {
            helper.stop(timeout);
        }
        Ok(())
    }
}

/// An ExitStatus in a report: `exit 0`, `signal 15 (SIGTERM)`.
pub(crate) fn status_text(status: Option<ExitStatus>) -> String {
    match status {
        None => "not run".into(),
        Some(s) => match (s.code(), s.signal()) {
            (Some(c), _) => format!("exit {c}"),
            (None, Some(sig)) => format!("signal {sig}"),
            _ => s.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_parses_and_names_what_it_refuses() {
        assert_eq!(Ready::parse("port"), Ok(Ready::Port));
        assert_eq!(
            Ready::parse("call:listen"),
            Ok(Ready::Call("listen".into()))
        );
        assert_eq!(Ready::parse("stdout:up"), Ok(Ready::Stdout("up".into())));
        let e = Ready::parse("soon").unwrap_err();
        assert_eq!(e, ReadyError("soon".into()));
        assert_eq!(
            e.to_string(),
            "'soon' is not a readiness (allowed: port, started, stdout:TEXT, call:NAME)"
        );
        assert!(Ready::parse("call:").is_err());
    }
}
