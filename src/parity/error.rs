//! `parity::Error`: why a parity run could not compare two traces.

use std::fmt;
use std::time::Duration;

/// Why [`parity`](super::parity) or [`trace`](super::trace) gave no report. `Display` is one
/// line, what the CLI prints.
#[derive(Debug)]
pub enum Error {
    /// Bad input, refused before anything runs (an empty command, an unknown filter class).
    Usage(String),
    /// strace cannot run here.
    Strace(String),
    /// A program could not be started.
    Spawn {
        /// The command line.
        what: String,
        /// Why.
        source: std::io::Error,
    },
    /// A wait ran out of time: what was awaited, for how long, and what to do about it.
    Timeout {
        /// What was awaited (`` `./server 41234` to listen on port 41234 ``).
        what: String,
        /// The limit (`--timeout`).
        after: Duration,
        /// What to try, or what the program said on stderr.
        hint: String,
    },
    /// The traced command ended before what was awaited happened.
    Exited {
        /// The command and what was awaited.
        what: String,
        /// Its exit status, as strace reported it.
        status: String,
        /// The end of its stderr.
        stderr: String,
    },
    /// The driver (`--serve`, `--drive`, or a library driver) failed.
    Driver(String),
    /// Reading or writing a file or pipe of the run failed.
    Io {
        /// What was being done.
        what: String,
        /// Why.
        source: std::io::Error,
    },
    /// A socket call of parity itself failed (finding a free port).
    Sys(crate::Error),
}

impl Error {
    /// Whether this is bad input (a usage error) rather than a failure of the run.
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) => write!(f, "parity: {msg}"),
            Error::Strace(why) => write!(
                f,
                "parity needs strace, which does not run here ({why}): apt-get install strace"
            ),
            Error::Spawn { what, source } => write!(f, "parity: cannot run {what}: {source}"),
            Error::Timeout { what, after, hint } => {
                write!(f, "parity: timed out after {after:?} waiting for {what}")?;
                if !hint.is_empty() {
                    write!(f, "; {hint}")?;
                }
                Ok(())
            }
            Error::Exited {
                what,
                status,
                stderr,
            } => {
                write!(f, "parity: {what}, but it ended first ({status})")?;
                if !stderr.is_empty() {
                    write!(f, "; its stderr ends: {stderr}")?;
                }
                Ok(())
            }
            Error::Driver(msg) => write!(f, "parity: driver: {msg}"),
            Error::Io { what, source } => write!(f, "parity: {what}: {source}"),
            Error::Sys(e) => write!(f, "parity: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Spawn { source, .. } | Error::Io { source, .. } => Some(source),
            Error::Sys(e) => Some(e),
            _ => None,
        }
    }
}

impl From<crate::Error> for Error {
    fn from(e: crate::Error) -> Error {
        Error::Sys(e)
    }
}

/// The last line of `bytes` (a program's stderr), trimmed, for a one-line message.
pub(crate) fn last_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let line = line.trim();
    if line.chars().count() > 200 {
        let cut: String = line.chars().take(199).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}
