//! The trace hook's state: the gate every raw call reads, where a line goes (this thread's
//! capture, stderr, or the file `SOCKLAB_TRACE` names) and its delivery.
//!
//! `socklab::trace` (src/trace) is the public facade over it (`enable`, `capture`, the docs).
//! The hook reads `SOCKLAB_TRACE` itself, once, at the first call that reaches its cold path: a
//! program that never calls the facade is traced too, and `sys` cannot call up to ask.
//!
//! Re-entry: while a thread is inside the hook (a traced call's cold path, a capture starting or
//! ending) a flag of its own is set ([`enter`]), and a traced call the thread makes meanwhile —
//! from a signal handler that interrupted it — is made untraced: no line, no lock, no
//! allocation. The flag is a `const`-initialised thread-local `Cell<bool>` without a destructor:
//! reading and setting it is a plain TLS access, which allocates nothing and is
//! async-signal-safe (on Linux, where std's thread-locals are the native ones).

use std::cell::{Cell, RefCell};
use std::ffi::OsString;
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
    /// Set while this thread is inside the hook (or inside [`untraced`]).
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

/// This thread is inside the hook until the guard drops (see the module doc).
pub(crate) struct Inside(());

impl Drop for Inside {
    fn drop(&mut self) {
        INSIDE.with(|f| f.set(false));
    }
}

/// Marks this thread as inside the hook, or `None` if it already is: a traced call made now
/// interrupted the hook on this thread (a signal handler's) and must be made untraced.
pub(crate) fn enter() -> Option<Inside> {
    let nested = INSIDE.with(|f| f.replace(true));
    (!nested).then_some(Inside(()))
}

/// Runs `f` with this thread's calls untraced (as nested ones are): no line, no lock, no
/// allocation by the hook. Async-signal-safe in itself. The mark is [`enter`]'s: a thread
/// already inside stays marked after `f`.
pub(crate) fn untraced<R>(f: impl FnOnce() -> R) -> R {
    let _inside = enter();
    f()
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

/// A value of `SOCKLAB_TRACE` socklab refuses (the error `socklab::trace::check_env` returns).
/// `Display` is one line: what the CLI prints (exit 2), and what the log reports on stderr at a
/// program's first call, staying off.
// Defined here, where the hook parses the variable (sys cannot name a type of the layer above
// it); `socklab::trace` re-exports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvError {
    /// An option after the comma other than `time` (`1,fast`).
    UnknownOption {
        /// The whole value.
        value: String,
        /// What follows the comma.
        option: String,
    },
    /// A target that is not empty, `0`, `1` or a path containing a `/` (`yes`, `2`, `t.log`).
    UnknownValue {
        /// The whole value.
        value: String,
    },
    /// A value that is not UTF-8.
    NotUtf8 {
        /// The value as the environment holds it.
        value: OsString,
    },
}

impl std::fmt::Display for EnvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnvError::UnknownOption { value, option } => write!(
                f,
                "SOCKLAB_TRACE={value}: unknown option '{option}' (allowed: ,time)"
            ),
            EnvError::UnknownValue { value } => write!(
                f,
                "SOCKLAB_TRACE={value}: not a value socklab takes (allowed: empty, 0, 1, a file \
                 path containing '/', each optionally followed by ,time)"
            ),
            EnvError::NotUtf8 { value } => write!(
                f,
                "SOCKLAB_TRACE={}: not valid UTF-8",
                value.to_string_lossy()
            ),
        }
    }
}

impl std::error::Error for EnvError {}

/// Parses `SOCKLAB_TRACE`: `(on, file, time)`. Allowed: empty, `0`, `1`, a file path containing
/// a `/` (`./t.log`, `/tmp/t.log`), each optionally followed by `,time`. Anything else (`true`,
/// `yes`, `2`, `t.log`) is refused: a bare word used to become a file of that name.
pub(crate) fn parse(var: &str) -> Result<(bool, Option<&str>, bool), EnvError> {
    let (target, time) = match var.split_once(',') {
        Some((t, "time")) => (t.trim(), true),
        Some((_, opt)) => {
            return Err(EnvError::UnknownOption {
                value: var.to_string(),
                option: opt.to_string(),
            })
        }
        None => (var.trim(), false),
    };
    match target {
        "" | "0" => Ok((false, None, time)),
        "1" => Ok((true, None, time)),
        path if path.contains('/') => Ok((true, Some(path), time)),
        _ => Err(EnvError::UnknownValue {
            value: var.to_string(),
        }),
    }
}

/// `SOCKLAB_TRACE` as the hook reads it: never in a process running with `AT_SECURE`
/// (set-user-ID, set-group-ID or file capabilities), as glibc's secure_getenv(3) reads no
/// variable there: a log of the first bytes of every buffer must not be something the invoking
/// user can switch on in a privileged program.
pub(crate) fn env_var() -> Option<OsString> {
    // SAFETY: getauxval(3) reads the auxiliary vector; AT_SECURE is always present on Linux.
    let at_secure = unsafe { libc::getauxval(libc::AT_SECURE) };
    var_unless_secure(at_secure, || std::env::var_os("SOCKLAB_TRACE"))
}

/// The seam of [`env_var`]: `read()` unless `at_secure` (the auxv value) is non-zero.
fn var_unless_secure(at_secure: u64, read: impl FnOnce() -> Option<OsString>) -> Option<OsString> {
    if at_secure != 0 {
        None
    } else {
        read()
    }
}

/// [`parse`] of the variable's value (unset: off), refusing one that is not UTF-8.
pub(crate) fn parse_var(
    var: Option<&std::ffi::OsStr>,
) -> Result<(bool, Option<&str>, bool), EnvError> {
    match var.map(|v| v.to_str()) {
        None => Ok((false, None, false)),
        Some(Some(v)) => parse(v),
        Some(None) => Err(EnvError::NotUtf8 {
            value: var.unwrap_or_default().to_os_string(),
        }),
    }
}

/// Reports a problem with `SOCKLAB_TRACE` on stderr: `socklab: {msg}` in one write(2) to fd 2,
/// its failure ignored and errno kept. Not `eprintln!`, which panics when stderr is closed: the
/// log must never change what the traced program does.
fn report(msg: &str) {
    let line = format!("socklab: {msg}\n");
    let saved = super::errno();
    // SAFETY: `line` is readable for its length; fd 2 is whatever the process has there (a
    // closed fd fails with EBADF, which is ignored).
    let _ = unsafe { libc::write(2, line.as_ptr().cast(), line.len()) };
    super::set_errno(saved);
}

/// Opens the log file: appended to, created 0600 (before the umask), never through a symlink
/// (`O_NOFOLLOW`, also for a dangling link, where `O_CREAT` would create the link's target),
/// without blocking (`O_NONBLOCK`: a FIFO with no reader fails instead of waiting), closed on
/// exec; and only if it is a regular file owned by this process's effective user, checked on
/// the open file (no race with the path). `O_NONBLOCK` stays set: it changes nothing for a
/// regular file.
fn open_log(path: &str) -> Result<File, String> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let f = File::options()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => "a symbolic link (refused)".to_string(),
            Some(libc::ENXIO) => "a FIFO or socket with no reader (refused)".to_string(),
            _ => e.to_string(),
        })?;
    let meta = f.metadata().map_err(|e| e.to_string())?;
    if !meta.file_type().is_file() {
        return Err("not a regular file (refused)".to_string());
    }
    // SAFETY: geteuid(2) takes no arguments and cannot fail.
    let euid = unsafe { libc::geteuid() };
    if meta.uid() != euid {
        return Err(format!(
            "owned by uid {}, not by this process's effective uid {euid} (refused)",
            meta.uid()
        ));
    }
    Ok(f)
}

/// Reads `SOCKLAB_TRACE` once and opens the file it names.
fn config() -> &'static Config {
    CONFIG.get_or_init(|| {
        let var = env_var();
        let (on, path, time) = parse_var(var.as_deref()).unwrap_or_else(|msg| {
            report(&format!("{msg}; tracing off"));
            (false, None, false)
        });
        let file = path.and_then(|p| match open_log(p) {
            Ok(f) => Some(Mutex::new(f)),
            Err(e) => {
                report(&format!("SOCKLAB_TRACE={p}: {e}; tracing to stderr"));
                None
            }
        });
        if on {
            GATE.fetch_or(OUTPUT, Relaxed);
        }
        GATE.fetch_and(!UNINIT, Relaxed);
        Config { file, time }
    })
}

/// Turns printing on or off (after reading `SOCKLAB_TRACE`, so the variable cannot undo it).
pub(crate) fn set_output(on: bool) {
    let _inside = enter();
    config();
    if on {
        GATE.fetch_or(OUTPUT, Relaxed);
    } else {
        GATE.fetch_and(!OUTPUT, Relaxed);
    }
}

/// Whether the log prints.
pub(crate) fn output_on() -> bool {
    let _inside = enter();
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
        let _inside = enter();
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
        let _inside = enter();
        CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _inside = enter();
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
/// the cold path, after [`gate_open`] said yes, and [`enter`].
pub(crate) fn sink() -> Option<Sink> {
    let cfg = config();
    // try_with: a call from a thread-local destructor finds no capture rather than panicking;
    // try_borrow: a capture's state in use on this thread is no capture (never a panic).
    let capturing = || {
        CAPTURED
            .try_with(|c| c.try_borrow().is_ok_and(|c| c.is_some()))
            .unwrap_or(false)
    };
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
                if let Ok(Some(v)) = c.try_borrow_mut().as_deref_mut() {
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
                    if let Some(prefix) = pid_prefix() {
                        line.insert_str(0, &prefix);
                    }
                    let _ = std::io::stderr().lock().write_all(line.as_bytes());
                }
            }
        }
    }
}

/// The `[pid N] ` prefix `strace -f` prints on stderr for threads and forked children, for the
/// line the calling thread is about to print (see [`fmt::pid_prefix`](super::fmt::pid_prefix)). Costs a getpid and a
/// gettid per line, only when the log prints to stderr. Unlike strace, the main thread's own
/// lines stay unprefixed while other threads run (knowing would need a read of /proc, extra
/// syscalls in the trace being studied).
fn pid_prefix() -> Option<String> {
    static MAIN: std::sync::OnceLock<i32> = std::sync::OnceLock::new();
    // SAFETY: getpid(2) and gettid(2) take no arguments and cannot fail.
    let (pid, tid) = unsafe { (libc::getpid(), libc::gettid()) };
    let main = *MAIN.get_or_init(|| pid);
    super::fmt::pid_prefix(pid, tid, main)
}

#[cfg(test)]
mod tests {
    use super::{parse, parse_var, var_unless_secure, EnvError};
    use std::ffi::{OsStr, OsString};
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn at_secure_ignores_the_variable() {
        for value in ["1", "/tmp/t.log", "yes"] {
            let read = || Some(OsString::from(value));
            assert_eq!(var_unless_secure(1, read), None, "{value}");
            assert_eq!(var_unless_secure(0, read), Some(OsString::from(value)));
        }
        assert_eq!(var_unless_secure(0, || None), None);
        // This test binary is not set-uid: the real auxv value lets the variable through.
        // SAFETY: getauxval(3) reads the auxiliary vector.
        assert_eq!(unsafe { libc::getauxval(libc::AT_SECURE) }, 0);
    }

    #[test]
    fn parses_the_variable_as_read() {
        assert_eq!(parse_var(None), Ok((false, None, false)));
        assert_eq!(parse_var(Some(OsStr::new("1"))), Ok((true, None, false)));
        let e = parse_var(Some(OsStr::from_bytes(b"/tmp/\xff"))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SOCKLAB_TRACE=/tmp/\u{fffd}: not valid UTF-8"
        );
    }

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
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.starts_with(&format!("SOCKLAB_TRACE={bad}: ")), "{e}");
        }
    }

    #[test]
    fn refusals_are_typed_and_print_one_line() {
        let allowed = "(allowed: empty, 0, 1, a file path containing '/', each optionally \
                       followed by ,time)";
        let e = parse("yes").unwrap_err();
        assert_eq!(
            e,
            EnvError::UnknownValue {
                value: "yes".into()
            }
        );
        assert_eq!(
            e.to_string(),
            format!("SOCKLAB_TRACE=yes: not a value socklab takes {allowed}")
        );
        let e = parse("1,fast").unwrap_err();
        assert_eq!(
            e,
            EnvError::UnknownOption {
                value: "1,fast".into(),
                option: "fast".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "SOCKLAB_TRACE=1,fast: unknown option 'fast' (allowed: ,time)"
        );
        let e = parse_var(Some(OsStr::from_bytes(b"/tmp/\xff"))).unwrap_err();
        assert_eq!(
            e,
            EnvError::NotUtf8 {
                value: OsStr::from_bytes(b"/tmp/\xff").into()
            }
        );
        assert!(std::error::Error::source(&e).is_none());
    }
}
