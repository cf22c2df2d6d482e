//! The trace hook's state: the gate every raw call reads, where a line goes (this thread's
//! capture, stderr, or the file `SOCKLAB_TRACE` names) and its delivery.
//!
//! `socklab::trace` (src/trace) is the public facade over it (`enable`, `capture`, the docs).
//! The hook reads `SOCKLAB_TRACE` itself, once, at the first call that reaches its cold path: a
//! program that never calls the facade is traced too, and `sys` cannot call up to ask.

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
/// The low bits count live captures, over all threads.
const CAPTURES: u32 = OUTPUT - 1;

/// Zero means "nothing to do": the one word the hot path reads.
static GATE: AtomicU32 = AtomicU32::new(UNINIT);
static CONFIG: OnceLock<Config> = OnceLock::new();

thread_local! {
    /// The lines of the innermost capture running on this thread.
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
pub(crate) fn parse(var: &str) -> Result<(bool, Option<&str>, bool), String> {
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

/// Turns printing on or off (after reading `SOCKLAB_TRACE`, so the variable cannot undo it).
pub(crate) fn set_output(on: bool) {
    config();
    if on {
        GATE.fetch_or(OUTPUT, Relaxed);
    } else {
        GATE.fetch_and(!OUTPUT, Relaxed);
    }
}

/// Whether the log prints.
pub(crate) fn output_on() -> bool {
    config();
    GATE.load(Relaxed) & OUTPUT != 0
}

/// A capture running on this thread: started by [`Capture::start`], its lines taken by
/// [`Capture::finish`]. Dropping it (also when the captured code panics) restores the outer
/// capture and the gate's count.
pub(crate) struct Capture {
    outer: Option<Vec<String>>,
}

impl Capture {
    /// Starts recording this thread's lines (nested inside any capture already running).
    pub(crate) fn start() -> Capture {
        config();
        debug_assert!(
            GATE.load(Relaxed) & CAPTURES != CAPTURES,
            "too many captures"
        );
        GATE.fetch_add(1, Relaxed);
        Capture {
            outer: CAPTURED.with(|c| c.borrow_mut().replace(Vec::new())),
        }
    }

    /// The lines recorded since [`Capture::start`]; ends the capture.
    pub(crate) fn finish(self) -> Vec<String> {
        CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        GATE.fetch_sub(1, Relaxed);
        CAPTURED.with(|c| *c.borrow_mut() = self.outer.take());
    }
}

/// Where one call's line goes; decided before the call so the timer only runs when printed.
pub(crate) enum Sink {
    /// Into this thread's capture.
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
                    // On stderr, as strace -f: `[pid N] ` for threads and forked children.
                    if let Some(prefix) = crate::sys::trace_pid_prefix() {
                        line.insert_str(0, &prefix);
                    }
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
