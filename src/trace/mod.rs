//! `socklab::trace`: an in-process call log. With `SOCKLAB_TRACE=1`, every call made through
//! [`socklab::sys`](crate::sys) (safe or raw) prints one line in strace's own format.
//!
//! ```text
//! socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3
//! bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("0.0.0.0")}, 16) = 0
//! accept(3, NULL, NULL) = 4
//! read(4, "hello", 1024) = 5
//! connect(5, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)
//! ```
//!
//! # Turning it on
//! - `SOCKLAB_TRACE=1`: lines go to stderr. `SOCKLAB_TRACE=/path/file`: appended to that file.
//!   Add `,time` (`SOCKLAB_TRACE=1,time`) for strace `-T`'s ` <0.000012>`: the seconds spent in
//!   the C call alone. Unset, empty or `0`: off. The variable is read once, at the first call;
//!   the file is opened then, so it takes the lowest free fd (later fds are one higher than in an
//!   untraced run).
//! - [`enable`] / [`disable`] switch the log on and off at run time; the CLI's global
//!   `--trace` flag (`socklab --trace compare …`) calls [`enable`] before the subcommand runs.
//! - [`capture`] records the calls the *current thread* makes inside a closure, whatever the
//!   switch says, and returns them instead of printing them: the mode for tests.
//!
//! # What the lines show
//! The hook sits in [`sys::raw`](crate::sys::raw), which every safe function is built on, so a
//! line shows exactly what the kernel was asked: pointers, lengths, flags and the return value.
//! The format is strace 6.1's default (`-s 32`: buffers cut at 32 bytes with `...`; octal escapes
//! for non-ASCII bytes). Where glibc implements a call with another syscall, the line names the
//! syscall strace sees: `send(fd, buf, n, flags)` is `sendto(fd, buf, n, flags, NULL, 0)`, and
//! `recv` is `recvfrom(…, NULL, NULL)`. Control messages (`msg_control`) are shown as a pointer
//! where strace decodes the cmsg chain.
//!
//! # Cost
//! When off, each call pays one relaxed atomic load and a branch that is never taken; the log is
//! built in a `#[cold]` function only when on. Building without the `trace` feature
//! (`default-features = false`) removes even that: `benches/trace_off.rs` measures the difference.
//! Writing a line preserves `errno`, so code that reads `errno` after a raw call still sees the
//! call's value.

use std::cell::RefCell;
use std::fs::File;
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Set until the environment variable has been read.
const UNINIT: u32 = 1 << 31;
/// Set while the log prints (to stderr or the file).
const OUTPUT: u32 = 1 << 30;
/// The low bits count live [`capture`] scopes, over all threads.
const CAPTURES: u32 = OUTPUT - 1;

/// Zero means "nothing to do": the one word the hot path reads.
static GATE: AtomicU32 = AtomicU32::new(UNINIT);
static CONFIG: OnceLock<Config> = OnceLock::new();

thread_local! {
    /// The lines of the innermost [`capture`] running on this thread.
    static CAPTURED: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Where printed lines go, from `SOCKLAB_TRACE`.
struct Config {
    file: Option<Mutex<File>>,
    time: bool,
}

/// Whether any call may need a line: the hot path's single check.
#[inline(always)]
pub(crate) fn gate_open() -> bool {
    GATE.load(Relaxed) != 0
}

/// Parses `SOCKLAB_TRACE`: `(on, file, time)`. Allowed: empty, `0`, `1`, a file path containing
/// a `/` (`./t.log`, `/tmp/t.log`), each optionally followed by `,time`. Anything else (`true`,
/// `yes`, `2`, `t.log`) is refused: a bare word used to become a file of that name.
fn parse(var: &str) -> Result<(bool, Option<&str>, bool), String> {
    let (target, time) = match var.split_once(',') {
        Some((t, "time")) => (t.trim(), true),
        Some((_, opt)) => {
            return Err(format!(
                "SOCKLAB_TRACE={var}: unknown option '{opt}' (allowed: ,time)"
            ))
        }
        None => (var.trim(), false),
    };
    match target {
        "" | "0" => Ok((false, None, time)),
        "1" => Ok((true, None, time)),
        path if path.contains('/') => Ok((true, Some(path), time)),
        _ => Err(format!(
            "SOCKLAB_TRACE={var}: not a value socklab takes (allowed: empty, 0, 1, a file path \
             containing '/', each optionally followed by ,time)"
        )),
    }
}

/// Checks `SOCKLAB_TRACE` without turning anything on: the CLI refuses a bad value with this
/// one-line message (exit 2) before it runs. A library user with a bad value gets the same line
/// on stderr at the first call, and no log.
///
/// # Errors
/// The message naming the value and the allowed ones.
pub fn check_env() -> Result<(), String> {
    let var = std::env::var("SOCKLAB_TRACE").unwrap_or_default();
    parse(&var).map(drop)
}

/// Reads `SOCKLAB_TRACE` once and opens the file it names.
fn config() -> &'static Config {
    CONFIG.get_or_init(|| {
        let var = std::env::var("SOCKLAB_TRACE").unwrap_or_default();
        let (on, path, time) = parse(&var).unwrap_or_else(|msg| {
            eprintln!("socklab: {msg}; tracing off");
            (false, None, false)
        });
        let file = path.and_then(
            |p| match File::options().create(true).append(true).open(p) {
                Ok(f) => Some(Mutex::new(f)),
                Err(e) => {
                    eprintln!("socklab: SOCKLAB_TRACE={p}: {e}; tracing to stderr");
                    None
                }
            },
        );
        if on {
            GATE.fetch_or(OUTPUT, Relaxed);
        }
        GATE.fetch_and(!UNINIT, Relaxed);
        Config { file, time }
    })
}

/// Turns the log on at run time, to the destination `SOCKLAB_TRACE` names (stderr if unset).
///
/// ```
/// use socklab::{sys, trace};
/// trace::enable();
/// let _fd = sys::socket(sys::AF_INET, sys::SOCK_DGRAM, 0)?; // stderr: socket(AF_INET, …) = 3
/// trace::disable();
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn enable() {
    config();
    GATE.fetch_or(OUTPUT, Relaxed);
}

/// Turns the log off (a [`capture`] in progress keeps recording).
pub fn disable() {
    config();
    GATE.fetch_and(!OUTPUT, Relaxed);
}

/// Whether the log is printing (from `SOCKLAB_TRACE` or [`enable`]).
pub fn enabled() -> bool {
    config();
    GATE.load(Relaxed) & OUTPUT != 0
}

/// Runs `f` and returns its value with the trace lines of every socklab call this thread made
/// meanwhile. Other threads are not recorded, so parallel tests do not mix; lines captured here
/// are not printed. Works whether or not the log is on; captures nest.
///
/// ```
/// use socklab::{sys, trace};
/// let (fd, lines) = trace::capture(|| sys::socket(sys::AF_INET, sys::SOCK_STREAM, 0));
/// let fd = fd?;
/// use std::os::fd::AsRawFd;
/// assert_eq!(lines, [format!("socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = {}", fd.as_raw_fd())]);
/// # Ok::<(), socklab::Error>(())
/// ```
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<String>) {
    /// Restores the outer capture (held here) and the gate count, even if `f` panics.
    struct Scope(Option<Vec<String>>);
    impl Drop for Scope {
        fn drop(&mut self) {
            GATE.fetch_sub(1, Relaxed);
            CAPTURED.with(|c| *c.borrow_mut() = self.0.take());
        }
    }
    config();
    debug_assert!(
        GATE.load(Relaxed) & CAPTURES != CAPTURES,
        "too many captures"
    );
    GATE.fetch_add(1, Relaxed);
    let scope = Scope(CAPTURED.with(|c| c.borrow_mut().replace(Vec::new())));
    let r = f();
    let lines = CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default();
    drop(scope);
    (r, lines)
}

/// Where one call's line goes; decided before the call so the timer only runs when printed.
pub(crate) enum Sink {
    /// Into this thread's [`capture`].
    Capture,
    /// Printed; `timed` adds strace -T's suffix.
    Print { timed: bool },
}

impl Sink {
    /// Whether to time the call.
    pub(crate) fn timed(&self) -> bool {
        matches!(self, Sink::Print { timed: true })
    }
}

/// The sink for a call on this thread, or `None` when the call is not traced. Called only from
/// the cold path, after [`gate_open`] said yes.
pub(crate) fn sink() -> Option<Sink> {
    let cfg = config();
    // try_with: a call from a thread-local destructor finds no capture rather than panicking.
    let capturing = || CAPTURED.try_with(|c| c.borrow().is_some()).unwrap_or(false);
    if GATE.load(Relaxed) & CAPTURES != 0 && capturing() {
        return Some(Sink::Capture);
    }
    (GATE.load(Relaxed) & OUTPUT != 0).then_some(Sink::Print { timed: cfg.time })
}

/// Delivers one line (without newline) to `sink`.
pub(crate) fn emit(sink: Sink, mut line: String, elapsed: Option<Duration>) {
    match sink {
        Sink::Capture => {
            let _ = CAPTURED.try_with(|c| {
                if let Some(v) = c.borrow_mut().as_mut() {
                    v.push(line);
                }
            });
        }
        Sink::Print { .. } => {
            if let Some(d) = elapsed {
                line.push_str(&format!(" <{}.{:06}>", d.as_secs(), d.subsec_micros()));
            }
            line.push('\n');
            // One write per line, so lines from several threads do not interleave; a failed
            // write is dropped (the log must never change what the traced program does).
            match &config().file {
                Some(f) => {
                    let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
                    let _ = f.write_all(line.as_bytes());
                }
                None => {
                    let _ = std::io::stderr().lock().write_all(line.as_bytes());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_the_variable() {
        assert_eq!(parse(""), Ok((false, None, false)));
        assert_eq!(parse("0"), Ok((false, None, false)));
        assert_eq!(parse("1"), Ok((true, None, false)));
        assert_eq!(parse("1,time"), Ok((true, None, true)));
        assert_eq!(parse("/tmp/t.log"), Ok((true, Some("/tmp/t.log"), false)));
        assert_eq!(
            parse("/tmp/t.log,time"),
            Ok((true, Some("/tmp/t.log"), true))
        );
        assert_eq!(parse("./t.log"), Ok((true, Some("./t.log"), false)));
        for bad in ["true", "yes", "on", "2", "t.log", "1,fast", "stderr"] {
            let e = parse(bad).unwrap_err();
            assert!(e.starts_with(&format!("SOCKLAB_TRACE={bad}: ")), "{e}");
        }
    }
}
